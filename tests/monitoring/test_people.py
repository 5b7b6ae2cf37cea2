"""One series per person, not per conversation: typed Chinese through the REST channel, the real NLU and engine.

A mother follows herself and her father from one account: two series. A reading that does not say whose
is asked about (buttons, answered in words too); a new conversation, or the father's own account binding
his card, keeps the same series; a red flag and a threshold still alert and re-triage."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.monitoring import Monitoring
from bot.monitoring.models import MonitoredPatient
from bot.runtime import Runtime
from tests.console.helpers import on_duty
from tests.monitoring.helpers import decision, department_alerts, enrolled, say, texts
from tests.monitoring.test_console import sign_in

WEBHOOK = "/webhooks/rest/webhook"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    """A valid resident ID number (GB 11643-1999 check digit) for 17 digits: region, birth date, sequence."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


MOTHER = id_number("11010519680312002")  # born 1968, 2 even: a woman
GRANDPA = id_number("11010519450607001")  # born 1945, 1 odd: a man


async def bind(http: httpx.AsyncClient, sender: str, whose: str, name: str, number: str, phone: str) -> None:
    """The card flow typed as a patient types it (flows/cards.yml)."""
    asked = texts(await say(http, sender, "/bind_card"))
    if "隐私" in asked:  # the privacy notice, once per account: 1 agrees
        asked = texts(await say(http, sender, "1"))
    assert "为谁绑定" in asked
    assert "姓名" in texts(await say(http, sender, whose))
    assert "身份证" in texts(await say(http, sender, name))
    assert "手机" in texts(await say(http, sender, number))
    assert "绑定成功" in texts(await say(http, sender, phone))


async def people(runtime: Runtime) -> list[MonitoredPatient]:
    async with runtime.db.session() as session:
        return list((await session.execute(select(MonitoredPatient).order_by(MonitoredPatient.id))).scalars())


async def values(runtime: Runtime, row: MonitoredPatient, measure: str = "spo2") -> list[float]:
    return [r.value for r in await runtime.services.get(Monitoring).series(row.id) if r.measure == measure]


def by_relation(rows: list[MonitoredPatient]) -> dict[str, MonitoredPatient]:
    found = {r.relation: r for r in rows}
    assert len(found) == len(rows), f"two rows of one relation: {[(r.id, r.relation) for r in rows]}"
    return found


async def test_a_mother_and_her_father_from_one_account_have_two_series_by_card(
        runtime: Runtime, console: httpx.AsyncClient) -> None:
    await bind(console, "fam", "给我自己", "王秀英", MOTHER, "13800138001")
    await bind(console, "fam", "给我爸绑", "王建国", GRANDPA, "13800138002")
    await enrolled(runtime, "fam")  # herself, and her father, after consult outcomes
    await enrolled(runtime, "fam", {"subject": "parent"})

    assert "已记入王*英（本人）的记录" in texts(await say(console, "fam", "我今天血氧97"))
    assert "已记入王*国（父母）的记录" in texts(await say(console, "fam", "我爸今天血氧94"))
    rows = by_relation(await people(runtime))
    assert set(rows) == {"self", "parent"}
    assert rows["self"].card_id != rows["parent"].card_id and None not in (rows["self"].card_id, rows["parent"].card_id)
    assert await values(runtime, rows["self"]) == [97.0] and await values(runtime, rows["parent"]) == [94.0]

    # Whose? Not said, and two people are followed from here: asked, with a button for each (names masked).
    asked = await say(console, "fam", "血氧95，体温36.8")
    assert "是谁的" in texts(asked)
    titles = [b["title"] for m in asked for b in m.get("buttons", [])]
    assert titles == ["王*英（本人）", "王*国（父母）"]
    assert await values(runtime, rows["parent"]) == [94.0]  # nothing recorded before the answer
    answered = await say(console, "fam", "我爸的")  # in words
    assert "已记入王*国（父母）的记录：血氧饱和度 95%，体温 36.8℃" in texts(answered)
    assert await values(runtime, rows["parent"]) == [94.0, 95.0] and await values(runtime, rows["self"]) == [97.0]
    assert await values(runtime, rows["parent"], "temperature") == [36.8]

    # A new conversation (重新开始) of the same account: the same two series, asked again, answered by a tap.
    await say(console, "fam", "/restart")
    asked = await say(console, "fam", "血氧96")
    [mine] = [b["payload"] for m in asked for b in m.get("buttons", []) if "本人" in b["title"]]
    assert "已记入王*英（本人）的记录" in texts(await say(console, "fam", mine))
    assert await values(runtime, rows["self"]) == [97.0, 96.0]
    assert len(await people(runtime)) == 2

    # The father's own phone binds his card: a new account and conversation, the same series.
    await bind(console, "grandpa-phone", "我自己", "王建国", GRANDPA, "13800138002")
    assert "已记录" in texts(await say(console, "grandpa-phone", "血氧95"))
    after = await people(runtime)
    assert len(after) == 2
    father = next(r for r in after if r.id == rows["parent"].id)
    assert await values(runtime, father) == [94.0, 95.0, 95.0] and father.conversation_id == "grandpa-phone"

    # The console lists people, not conversations: masked name, relation, masked card number.
    await on_duty(runtime, "dr.fam", [father.department])
    await sign_in(console, "dr.fam")
    listed = {p["id"]: p for p in (await console.get("/api/console/monitoring/patients")).json()}
    assert listed[father.id]["name"] == "王*国" and listed[father.id]["card_number"].startswith("1101")
    assert "王建国" not in (await console.get("/console/monitoring/patients")).text
    page = await console.get(f"/console/monitoring/patients/{father.id}")
    assert page.status_code == 200 and "王*国" in page.text and "王建国" not in page.text and GRANDPA not in page.text
    assert "monitoring.open" in [e.action for e in await runtime.audit.entries(subject="grandpa-phone")]


async def test_family_members_without_a_card_have_their_own_series_and_a_red_flag_still_alerts(
        runtime: Runtime, console: httpx.AsyncClient) -> None:
    await enrolled(runtime, "fam2")  # herself, after a consult outcome
    assert "已记录" in texts(await say(console, "fam2", "血氧97"))  # one person followed: no question
    await enrolled(runtime, "fam2", {"subject": "parent"})  # and her mother
    assert "已记入母亲的记录" in texts(await say(console, "fam2", "我妈今天血氧95"))
    rows = by_relation(await people(runtime))
    assert await values(runtime, rows["self"]) == [97.0] and await values(runtime, rows["parent"]) == [95.0]
    assert rows["parent"].card_id is None

    # A blood pressure past its threshold, said of her mother: re-triaged to urgent and alerted.
    replies: list = []
    alerts = await department_alerts(runtime, _saying(console, "fam2", "我妈刚量的血压185/115", replies))
    found = decision(replies)
    assert found is not None and found["level"] == "urgent" and "monitoring.sbp.high" in found["rules"], texts(replies)
    assert "已记入母亲的记录" in texts(replies)
    assert [a.alert.level for a in alerts] == ["urgent"]
    assert await values(runtime, (by_relation(await people(runtime)))["parent"], "sbp") == [185.0]

    # Typed answers to "whose?" in words: 我自己.
    assert "是谁的" in texts(await say(console, "fam2", "体温37度2"))
    assert "已记入本人的记录" in texts(await say(console, "fam2", "我自己"))
    assert await values(runtime, rows["self"], "temperature") == [37.2]

    # "我妈血氧92": the safety screen first (120, the department on duty alerted), in her mother's series.
    replies = []
    alerts = await department_alerts(runtime, _saying(console, "fam2", "我妈血氧92", replies))
    assert decision(replies)["level"] == "emergency"
    assert [a.alert.level for a in alerts] == ["emergency"] and alerts[0].conversation_id == "fam2"
    assert await values(runtime, rows["parent"]) == [95.0, 92.0] and await values(runtime, rows["self"]) == [97.0]

    # A red flag that does not say whose is not held up by the question: 120 at once, the doctors alerted,
    # recorded for the person the conversation is about (her mother, named last).
    replies = []
    alerts = await department_alerts(runtime, _saying(console, "fam2", "血氧91", replies))
    assert "请先拨打120" in texts(replies) and "是谁的" not in texts(replies)
    assert [a.alert.level for a in alerts] == ["emergency"]
    assert await values(runtime, rows["parent"]) == [95.0, 92.0, 91.0]


def _saying(http: httpx.AsyncClient, sender: str, text: str, into: list):  # type: ignore[no-untyped-def]
    async def work() -> None:
        into.extend(await say(http, sender, text))
    return work


async def test_a_device_posts_into_the_series_of_the_person_it_is_bound_to(runtime: Runtime, console: httpx.AsyncClient) -> None:
    await enrolled(runtime, "fam3")
    await say(console, "fam3", "血氧97")
    # Her father's first reading, in range and with no complaint: kept in his own series with the short answer
    # (it started an intake before the newcomer's trial, issue 15).
    assert "已记" in texts(await say(console, "fam3", "我爸今天血氧95"))
    rows = by_relation(await people(runtime))
    _, token = await runtime.services.get(Monitoring).add_device(rows["parent"].id, "指夹血氧仪")
    body = {"readings": [{"id": "ox-9", "measure": "spo2", "value": 94}]}
    for _ in range(2):  # a retry is stored once
        answer = await console.post("/api/readings", json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
    assert await values(runtime, rows["parent"]) == [95.0, 94.0] and await values(runtime, rows["self"]) == [97.0]


async def test_a_reminder_to_an_account_following_two_people_says_whose_it_is(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    import datetime as dt

    from actions.monitoring.schedule import schedule_next
    from tests.monitoring.test_schedules import jobs_of, settled

    await say(client, "fam4", "你好")  # the conversation exists
    await enrolled(runtime, "fam4")
    await enrolled(runtime, "fam4", {"subject": "parent"})
    parent = by_relation(await people(runtime))["parent"]
    assert await schedule_next(runtime.jobs, runtime.services.get(Monitoring), parent, ["evening"]) == 1
    [job] = [j for j in await jobs_of(runtime, "fam4") if j.status == "pending"]
    assert job.key.startswith(f"monitoring-patient:{parent.id}:evening:") and job.payload["patient_id"] == parent.id
    assert await runtime.jobs.run_due(job.due_at.replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=1)) >= 1
    await settled(runtime, "fam4")
    tracker = (await client.get("/conversations/fam4/tracker")).json()
    said = [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]
    assert any(t.startswith("【父母】晚上好") for t in said), said[-1]
    # 退订 stops both people's reminders.
    assert "已停止测量和用药提醒" in texts(await say(client, "fam4", "退订"))
    assert not any(r.enrolled for r in await people(runtime))
    assert all(j.status != "pending" for j in await jobs_of(runtime, "fam4"))


async def test_an_intakes_answers_join_the_series_of_whom_the_intake_is_about(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await enrolled(runtime, "fam5")  # she is followed; now her father falls ill
    await say(client, "fam5", "血氧97")
    replies = await say(client, "fam5", "我爸发烧了")
    assert "已记" not in texts(replies)  # the intake asks about him
    await say(client, "fam5", '/inform{"temperature": 38.6}')  # a button's answer to the temperature question
    rows = by_relation(await people(runtime))
    assert await values(runtime, rows["parent"], "temperature") == [38.6]
    assert await values(runtime, rows["self"], "temperature") == [] and await values(runtime, rows["self"]) == [97.0]
