"""What the doctor reads on the console: what the intake knows about the patient (the age said in
the first message), and never the placeholder 无对应说法 for a symptom. Typed Chinese through the
real NLU and engine, then the console API."""
from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from bot.code_names import code_name
from bot.runtime import Runtime
from integrations.console.presenters import labels
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in

ROOT = Path(__file__).resolve().parents[2]


async def test_the_age_the_patient_said_is_on_the_card_and_the_intake(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await on_duty(runtime, "dr.er", ["pediatrics"], name="儿科医生")
    await say(client, "dad", "我爸72了，咳嗽好几天")
    await say(client, "baby", "宝宝10个月，发烧了")
    ids = {"dad": await queued(client, "dad"), "baby": await queued(client, "baby", "pediatrics")}
    await sign_in(client, "dr.li")
    dad = (await client.get(f"/api/console/consultations/{ids['dad']}")).json()
    assert dad["view"]["patient"]["age"] == "72岁", dad["view"]["patient"]
    queue = (await client.get("/api/console/queue")).json()
    assert [e["patient"]["age"] for e in queue if e["id"] == ids["dad"]] == ["72岁"], queue


def test_every_symptom_code_the_rules_read_has_a_word_for_the_doctor() -> None:
    words = labels()
    placeholder = words.data["unclear"]
    extra = yaml.safe_load((ROOT / "actions" / "triage" / "rules.yml").read_text(encoding="utf-8"))["extra_codes"]
    for group, codes in extra.items():
        for code in codes:
            assert words.code(code, code_name(group, code)) != placeholder, code
            assert words.code(code, code_name(group, code)) != code, code


def test_an_unknown_code_shows_the_code_never_the_placeholder() -> None:
    assert labels().code("brand_new_code", "brand_new_code") == "brand_new_code"
