"""The handoff summary a doctor reads is what the patient said (fix8a: a newcomer's trial), typed through
the real NLU and engine, read from the console API and the doctors' Telegram summary."""
from __future__ import annotations

from typing import Any

import httpx

from bot.consultations.summary import build_intake
from bot.runtime import Runtime
from integrations.telegram.doctors.text import render_summary
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in


async def _detail(runtime: Runtime, client: httpx.AsyncClient, sender: str, lines: list[str]) -> dict[str, Any]:
    await on_duty(runtime, "dr.li", ["general", "fever"])
    for text in lines:
        await say(client, sender, text)
    cid = await queued(client, sender, "general")
    await sign_in(client, "dr.li")
    return (await client.get(f"/api/console/consultations/{cid}")).json()


async def _telegram(runtime: Runtime, sender: str) -> str:
    state = await runtime.engine.state(sender)
    events = await runtime.engine.events(sender)
    return render_summary(build_intake(state, events), lambda key, **v: key + " " + " ".join(map(str, v.values())))


async def test_the_fever_keeps_its_highest_reading_and_shows_the_one_after_medicine(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    detail = await _detail(runtime, client, "p-fever", ["我老公阳了，烧到39度5", "吃了布洛芬能退到37度多"])
    [temperature] = [v for v in detail["view"]["vitals"] if v["label"] == "体温"]
    assert temperature["value"] == "最高39.5 ℃；服药后37度多" and temperature["abnormal"] is True
    # The slot the fever rules read keeps the highest reading.
    state = await runtime.engine.state("p-fever")
    assert state.slots["temperature"] == 39.5
    assert "最高39.5℃（服药后37度多）" in await _telegram(runtime, "p-fever")


async def test_a_seven_month_old_is_seven_months(runtime: Runtime, client: httpx.AsyncClient) -> None:
    detail = await _detail(runtime, client, "p-baby", ["宝宝7个月，发烧了"])
    assert detail["view"]["patient"]["age"] == "7个月"


async def test_blood_pressures_typed_are_vital_signs(runtime: Runtime, client: httpx.AsyncClient) -> None:
    detail = await _detail(runtime, client, "p-bp", ["我血压一百六九十五，头晕", "150/90"])
    [pressure] = [v for v in detail["view"]["vitals"] if v["label"] == "血压"]
    assert pressure["value"] == "160/95；150/90 mmHg" and pressure["abnormal"] is True
    assert "血压 160/95；150/90mmHg" in await _telegram(runtime, "p-bp")


async def test_every_medicine_taken_is_listed_in_the_patients_words(runtime: Runtime, client: httpx.AsyncClient) -> None:
    detail = await _detail(runtime, client, "p-med", ["我拉肚子两天了，有高血压，一直吃降压药", "吃了两片黄连素"])
    shown = [m["label"] + m["value"] for m in detail["view"]["medications"]]
    assert any("黄连素" in m for m in shown) and any("降压药" in m for m in shown), shown
    assert "两片黄连素" in await _telegram(runtime, "p-med")


async def test_no_medicine_taken_reads_as_none_not_unmentioned(runtime: Runtime, client: httpx.AsyncClient) -> None:
    detail = await _detail(runtime, client, "p-nomed", ["我发烧了，38度5", "还没吃药"])
    assert detail["view"]["medications"] == [] and detail["view"]["no_medicine"] == "未用药"
    assert "未用药" in await _telegram(runtime, "p-nomed")


async def test_the_sex_said_by_the_kinship_word_or_a_pregnancy(runtime: Runtime, client: httpx.AsyncClient) -> None:
    mother = await _detail(runtime, client, "p-mum", ["我妈发烧了"])
    assert mother["view"]["patient"]["sex"] == "女（据称呼推断）"
    await say(client, "p-dad", "我爸头疼得厉害")
    cid = await queued(client, "p-dad")
    dad = (await client.get(f"/api/console/consultations/{cid}")).json()
    assert dad["view"]["patient"]["sex"] == "男（据称呼推断）"
    await say(client, "p-preg", "我怀孕20周了，肚子疼")
    cid = await queued(client, "p-preg")
    pregnant = (await client.get(f"/api/console/consultations/{cid}")).json()
    assert pregnant["view"]["patient"]["sex"].startswith("女")


async def test_a_closing_without_a_followup_plan_has_no_empty_section(runtime: Runtime, client: httpx.AsyncClient) -> None:
    from tests.console.helpers import texts, tracker

    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "p-close", "我咳嗽三天了")
    cid = await queued(client, "p-close")
    headers = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers=headers)).status_code == 200
    closed = await client.post(f"/api/console/consultations/{cid}/close", headers=headers,
                               json={"summary": "上呼吸道感染", "advice": "多喝水，观察体温", "followup": ""})
    assert closed.status_code == 200
    patient_saw = texts([e for e in (await tracker(client, "p-close"))["events"] if e["event"] == "bot"])
    assert "【建议】多喝水，观察体温" in patient_saw and "随访计划" not in patient_saw and "—" not in patient_saw


async def test_an_article_title_typed_back_sets_no_patient_fact(runtime: Runtime, client: httpx.AsyncClient) -> None:
    detail = await _detail(runtime, client, "p-title", ["我咳嗽两天了", "相关：孕妇、哺乳期妈妈阳了能吃药吗？"])
    state = await runtime.engine.state("p-title")
    assert state.slots.get("antigen_result") is None and not (state.slots.get("conditions") or {}).get("pregnancy")
    assert not any(f["label"] == "抗原/核酸结果" for f in detail["view"]["facts"])
    # The patient's own words still count.
    await say(client, "p-own", "我阳了，咳嗽")
    assert (await runtime.engine.state("p-own")).slots.get("antigen_result") == "positive"


async def test_an_alert_quotes_the_complaint_not_the_age_answer(runtime: Runtime, client: httpx.AsyncClient) -> None:
    from bot.consultations import consultations

    await on_duty(runtime, "dr.li", ["general", "fever"])
    said = []
    for text in ["我爸胸口疼", "我爸72"]:
        said.append(await say(client, "p-alert", text))
    staff = await consultations(runtime).staff.by_username("dr.li")
    alerts = await consultations(runtime).open_alerts(staff)
    assert alerts and alerts[-1].text == "我爸胸口疼"


async def test_an_unconfirmed_red_flag_reads_in_the_doctors_words(runtime: Runtime, client: httpx.AsyncClient) -> None:
    detail = await _detail(runtime, client, "p-unsure", ["我咳嗽三天了，38度", "不清楚", "不清楚", "不清楚", "不清楚", "没有", "没有", "没有", "没有", "没有"])
    reasons = (detail["view"]["triage"] or {}).get("reasons") or []
    assert "危险信号问题患者未能确认（见“不确定”），未能排除" in reasons
    assert not any("帮您" in r for r in reasons)


async def test_a_medicine_question_is_the_queue_cards_complaint(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "p-alcohol", "吃了头孢能喝酒吗")
    await queued(client, "p-alcohol")
    await sign_in(client, "dr.li")
    [card] = (await client.get("/api/console/queue")).json()
    assert card["patient"]["complaint"] == "吃了头孢能喝酒吗"
