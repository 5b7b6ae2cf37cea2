"""console8 (a newcomer doctor's trial): the summary reads what the patient said cleanly — a temperature changed in the
session is the value now with 原为 the one before, once (not "最高39 ℃；另述38度6 新（原为最高38.6 ℃；另述38度6）");
the child's weight said in 斤 is in kg with the words as typed, and a patient living alone says so, on the console card,
the Telegram doctors' summary and the regulator's export; 问诊回答 shows the questions answered, in words. Typed Chinese
through the real NLU and engine, read through the console API."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from bot.answers import weight_said
from bot.consultations.summary import build_intake
from bot.runtime import Runtime
from bot.supervision.export import Exporter
from integrations.telegram.doctors.text import render_summary
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in


async def _accepted(client: httpx.AsyncClient, sender: str) -> tuple[str, dict[str, str]]:
    cid = await queued(client, sender, "general")
    csrf = await sign_in(client, "dr.wang")
    headers = {"X-CSRF-Token": csrf}
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers=headers)).status_code == 200
    return cid, headers


async def _view(client: httpx.AsyncClient, cid: str) -> dict[str, Any]:
    response = await client.get(f"/api/console/consultations/{cid}")
    assert response.status_code == 200, response.text
    return response.json()["view"]


async def _telegram(runtime: Runtime, sender: str) -> str:
    state = await runtime.engine.state(sender)
    return render_summary(build_intake(state, await runtime.engine.events(sender)),
                          lambda key, **v: key + " " + " ".join(map(str, v.values())))


async def test_a_changed_temperature_reads_once_and_the_weight_in_jin_is_in_kg(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.wang", ["general"], name="王芳")
    await say(client, "boy-fever", "我儿子3岁，发烧38度6，烧了一天了")
    for _ in range(4):
        await say(client, "boy-fever", "没有")
    await say(client, "boy-fever", "他十八斤")
    for _ in range(4):
        await say(client, "boy-fever", "没有")
    cid, _ = await _accepted(client, "boy-fever")
    await say(client, "boy-fever", "医生，现在烧到39度了")

    view = await _view(client, cid)
    [temperature] = [v for v in view["vitals"] if v["label"] == "体温"]
    assert temperature["new"] and temperature["value"] == "39 ℃", temperature
    assert temperature["before"].strip() == "38.6 ℃", temperature
    shown = temperature["value"] + temperature["before"]
    assert "另述" not in shown and "38度6" not in shown and shown.count("38.6") == 1, temperature

    facts = {f["label"]: f["value"] for f in view["facts"]}
    assert facts["体重"] == "9 kg（患者原话：十八斤）", facts
    answers = {a["label"]: a["value"] for a in view["answers"]}
    assert answers, "问诊回答 lists the questions answered"
    assert all(value and value != "none" for value in answers.values()), answers
    assert "体重 9 kg" in await _telegram(runtime, "boy-fever")


async def test_living_alone_is_on_the_card_the_telegram_summary_and_the_export(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.wang", ["general"], name="王芳")
    await say(client, "alone-dizzy", "我一个人住，这两天头晕")
    await say(client, "alone-dizzy", "没有")
    cid, _ = await _accepted(client, "alone-dizzy")
    facts = {f["label"]: f["value"] for f in (await _view(client, cid))["facts"]}
    assert facts["居住情况"].startswith("独居（患者原话：我一个人住"), facts
    told = await _telegram(runtime, "alone-dizzy")
    assert "居住情况 独居" in told, told

    now = dt.datetime.now(dt.timezone.utc)
    job = Exporter(runtime.config, runtime.db, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    [record] = [json.loads(line) for line in b"".join([c async for c in job.chunks()]).decode().splitlines()]
    said = {s["name"]: s["text"] for s in record["intake"]["said"]}
    assert said["living"].startswith("独居"), said


def test_a_weight_in_jin_is_half_as_many_kilograms() -> None:
    assert weight_said("孩子十八斤") == (9.0, "十八斤")
    assert weight_said("体重15公斤") == (15.0, "15公斤")
    assert weight_said("大概三十六斤左右")[0] == 18.0  # type: ignore[index]
    assert weight_said("烧到39度") is None
