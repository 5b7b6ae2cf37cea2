"""The words the console shows: durations, ages, waiting times, names and values, and the API that carries them."""
from __future__ import annotations

import re

import httpx

from bot.crypto import field_cipher
from bot.patients import Patients, card_input
from bot.runtime import Runtime
from integrations.console.presenters import labels
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in

RAW = re.compile(r"\b(positive|negative|male|female|consult|selfcare|urgent|emergency|true|false)\b|[a-z]+\.[a-z_]+")


def test_a_duration_reads_in_days_and_hours() -> None:
    words = labels()
    assert [words.duration(h) for h in (72, 30, 24, 5, 1, 0.5, 0)] == ["3天", "1天6小时", "1天", "5小时", "1小时", "30分钟", "不到1小时"]
    assert words.value("duration_hours", 47.6) == "2天"  # rounded to the hour, never "1天24小时"


def test_an_age_reads_in_years_or_months() -> None:
    words = labels()
    assert [words.age(a) for a in (45.9, 2.5, 1.0, 0.5, 0.01)] == ["45岁", "2岁6个月", "1岁", "6个月", "未满1个月"]
    assert words.value("age_months", 8) == "8个月"


def test_waiting_time_reads_as_a_doctor_would_say_it() -> None:
    words = labels()
    assert [words.waited(m) for m in (0.2, 12, 65, 60 * 26)] == ["刚排队", "已等12分钟", "已等1小时5分钟", "已等1天2小时"]


def test_values_are_chinese_and_unknowns_say_so() -> None:
    words = labels()
    assert words.value("antigen_result", "positive") == "阳性"
    assert words.value("sex", "female") == "女"
    assert words.value("pregnant", True) == "是" and words.value("suicide_plan", False) == "否"
    assert words.value("sex", None) == "未询问" and words.value("sex", "unknown") == "患者未答"
    assert words.value("fever_persists_despite_medication", "unknown") == "不确定"
    assert words.value("antigen_result", "maybe") == "无对应说法"
    assert words.value("vaccine_doses", 3.0) == "3剂"
    assert [words.level(c) for c in ("emergency", "urgent", "consult", "selfcare", None)] == [
        "紧急", "尽快就医", "需医生判断", "居家观察", "未分诊"]


def test_a_patient_without_a_card_is_named_by_the_last_four_characters() -> None:
    words = labels()
    assert words.display_name(None, "wechat:oX3a_9f2k") == "患者9f2k"
    assert words.display_name("王*英", "wechat:oX3a_9f2k") == "王*英"


async def test_the_queue_card_and_the_detail_speak_chinese_and_mark_what_the_patient_added_in_session(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await on_duty(runtime, "dr.li", ["general", "fever"])
    for text in ["我发烧三天了，咳嗽", "45岁，男", "阳性", "38.9", "没有"]:
        await say(client, "p-0417", text)
    cid = await queued(client, "p-0417", "fever")
    csrf = await sign_in(client, "dr.li")

    [card] = (await client.get("/api/console/queue")).json()
    patient = card["patient"]
    # The level is whatever the rules made of the intake; the card names it in Chinese.
    assert patient["level"] in ("emergency", "urgent", "consult", "selfcare")
    assert patient["level_label"] == labels().level(patient["level"])
    assert {k: patient[k] for k in ("display_name", "age", "sex")} == {"display_name": "患者0417", "age": "45岁", "sex": "男"}
    assert "发烧" in patient["complaint"] or "发热" in patient["complaint"]
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers={"X-CSRF-Token": csrf})).status_code == 200
    [active] = (await client.get("/api/console/consultations?scope=active")).json()
    assert active["patient"]["display_name"] == "患者0417"

    await say(client, "p-0417", "现在烧了五天了，嘴唇发紫")
    detail = (await client.get(f"/api/console/consultations/{cid}")).json()
    view = detail["view"]
    assert view["patient"]["level_label"] == "紧急" and view["triage"]["new"] is True
    assert any("嘴唇" in reason for reason in view["triage"]["reasons"])
    duration = next(f for f in view["facts"] if f["label"] == "病程")
    assert duration == {"label": "病程", "value": "5天", "new": True, "before": "3天", "abnormal": False, "low": False}
    assert next(f for f in view["facts"] if f["label"] == "抗原/核酸结果")["value"] == "阳性"
    cyanosis = next(t for t in view["symptoms_present"] if t["label"] == "嘴唇发紫")
    assert cyanosis["new"] is True
    assert next(t for t in view["symptoms_present"] if t["label"] == "发烧")["new"] is False
    # Everything but the level code (the page's colour key) is text a doctor reads.
    shown = [{k: v for k, v in view["patient"].items() if k != "level"}, *view["facts"], *view["answers"], *view["vitals"], *view["symptoms_present"],
             *view["symptoms_absent"], view["triage"]["reasons"]]
    assert not RAW.search(str([v for item in shown for v in (item.values() if isinstance(item, dict) else item)
                               if isinstance(v, str)]))
    assert not any(m["text"].startswith("/") for m in detail["messages"] if m["from"] == "patient")


async def test_a_patient_with_a_card_is_shown_by_the_masked_name_on_it(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "p-card", "你好")
    async with runtime.db.transaction() as session:
        patients = Patients(session, field_cipher(runtime.config))
        account = await patients.account("rest", "p-card")
        await patients.consent(account)
        await patients.add_card(account, card_input("parent", "王小英", "11010519491231002X", "13800138000"))
    await queued(client, "p-card")
    await sign_in(client, "dr.li")
    [card] = (await client.get("/api/console/queue")).json()
    assert card["patient"]["display_name"] == "王*英"
    assert "王小英" not in str(card)


async def test_the_chat_log_shows_a_sealed_answer_and_the_web_chats_opening_as_notes(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    """Never ciphertext, never the page's own /greet as 点选了一个选项 (the card stays the audited path)."""
    from bot import events as ev
    from bot.crypto import seal_answer

    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "p-seal", "/greet")  # what the web chat page sends when it opens
    await say(client, "p-seal", "我咳嗽三天了")
    address = "北京市朝阳区幸福路8号3单元"
    sealed = seal_answer(runtime.cipher, address)
    await runtime.engine.record("p-seal", ev.USER, {"text": sealed}, "patient")  # as the engine stores it
    cid = await queued(client, "p-seal")
    await sign_in(client, "dr.li")
    detail = (await client.get(f"/api/console/consultations/{cid}")).json()
    texts = [m["text"] for m in detail["messages"] if m["from"] == "patient"]
    assert texts[0] == "（患者打开了网页聊天）"
    assert "我咳嗽三天了" in texts
    assert "（个人信息已加密保存）" in texts
    assert labels().data["tapped_button"] not in texts[:1]
    shown = str(detail["messages"])
    assert sealed not in shown and address not in shown and "v1:" not in shown


def test_a_sealed_answer_under_a_retired_key_is_still_never_shown() -> None:
    from bot.crypto import FieldCipher, seal_answer
    from integrations.console.presenters import button_titles, is_sealed

    old = seal_answer(FieldCipher("a retired secret, long enough to be a key"), "110105194912310021")
    current = FieldCipher("the current secret, long enough to be a key")
    assert is_sealed(current, old) and is_sealed(None, old)
    assert not is_sealed(current, "我住在朝阳区") and not is_sealed(current, "v1: 我的版本")
    lines = button_titles([], [{"from": "patient", "text": old}, {"from": "doctor:1", "text": "好的"}], current)
    assert [line["text"] for line in lines] == ["（个人信息已加密保存）", "好的"]


async def test_never_asked_uncertain_and_the_medicine_as_typed_are_told_apart(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """Typed Chinese through the real NLU: the bot never asks this adult's sex or age; "不清楚" to a symptom
    question is 不确定 (never 否认); the medicine shows the patient's words beside the ingredient."""
    await on_duty(runtime, "dr.li", ["fever"])
    for text in ["我发烧两天了，吃了泰诺林两片", "38.5", "不清楚", "不清楚", "不清楚", "没有"]:
        await say(client, "p-words", text)
    cid = await queued(client, "p-words", "fever")
    await sign_in(client, "dr.li")
    view = (await client.get(f"/api/console/consultations/{cid}")).json()["view"]
    assert (view["patient"]["sex"], view["patient"]["age"]) == ("未询问", "未询问")
    assert "呼吸困难" in [t["label"] for t in view["symptoms_unknown"]]
    assert "呼吸困难" not in [t["label"] for t in view["symptoms_absent"]]
    assert not any("不清楚" in t["label"] for t in view["symptoms_absent"])
    assert next(a for a in view["answers"] if a["label"].startswith("服退烧药后"))["value"] == "不确定"
    [medicine] = view["medications"]
    assert medicine["label"] == "对乙酰氨基酚" and medicine["value"] == "泰诺林两片", medicine
    assert "'unknown'" not in str([f["value"] for f in view["facts"] + view["answers"]])
