"""Property: signed WeChat requests with hostile field values are answered 200 or 4xx, never 5xx (which WeChat retries).

Signed like WeChat's own (so they pass the signature check and reach parsing, the channel and
the store), in plaintext and in safe mode (AES), on SQLite and PostgreSQL.
"""
from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.runtime import Runtime
from tests.faults.test_hostile_input_properties import NASTY_STRINGS
from tests.wechat.conftest import SetupFactory

EXAMPLES = 60
FIELDS = ["Content", "Event", "EventKey", "MediaId", "Recognition", "Latitude", "Longitude", "Precision",
          "MsgId", "CreateTime", "Location_X", "Location_Y", "Label", "Url", "Title", "Ticket", "Status"]
xml_text = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30),  # what XML can carry
    st.sampled_from([s for s in NASTY_STRINGS if "\x00" not in s and not any("\ud800" <= c <= "\udfff" for c in s)]),
    st.sampled_from(["NaN", "inf", "-1e999", "1" * 400, "subscribe", "unsubscribe", "CLICK", "LOCATION", "VIEW",
                     "SCAN", "qrscene_x", "TEMPLATESENDJOBFINISH"]),
)
openids = st.one_of(st.sampled_from(["o_hostile_1", "o_hostile_2"]), xml_text.filter(bool), st.just("o" * 300))
msg_types = st.one_of(st.sampled_from(["text", "image", "voice", "location", "link", "event", "video"]), xml_text)
_ids = itertools.count(1)


async def test_no_signed_wechat_request_answers_a_5xx(make_wechat: SetupFactory, store_runtime: Runtime) -> None:
    setup = await make_wechat("compatible", runtime_overrides={"database_url": store_runtime.config.database_url})
    plain, sealed = setup.platform("plaintext"), setup.platform("safe")
    for platform in (plain, sealed):
        platform.tries = 1
    loop = asyncio.get_running_loop()
    statuses: list[int | None] = []

    def send(data: dict[str, Any], safe: bool) -> int | None:
        platform = sealed if safe else plain
        delivery = asyncio.run_coroutine_threadsafe(platform.push(data), loop).result(120)
        return delivery.status

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(openids, msg_types, st.dictionaries(st.sampled_from(FIELDS), xml_text, max_size=5), st.booleans())
    def answers_without_5xx(openid: str, msg_type: str, fields: dict[str, str], safe: bool) -> None:
        fields.setdefault("MsgId", str(next(_ids)))
        status = send(plain.message(openid, msg_type, **fields), safe)
        statuses.append(status)
        assert status is not None and status < 500, (openid, msg_type, fields, status)

    await asyncio.to_thread(answers_without_5xx)
    print(f"\nwechat hostile XML: {len(statuses)} requests: "
          f"{sum(1 for s in statuses if s and s < 300)} 2xx, {sum(1 for s in statuses if s and 400 <= s < 500)} 4xx, "
          f"{sum(1 for s in statuses if s is None or s >= 500)} 5xx/no answer")
