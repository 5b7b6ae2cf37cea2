"""Where to go: the care directory's loader, a county named in typed Chinese, a location, the
`urgent` outcome, and expired entries never served (real NLU and engine through REST)."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import httpx
import pytest

from actions.services.directory import DirectoryError, load_directory
from bot.config import PROJECT_ROOT
from bot.messages import Attachment, UserMessage
from bot.runtime import Runtime
from tests.console.helpers import say

SHIPPED = PROJECT_ROOT / "content" / "care"


def joined(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_the_shipped_sample_directory_loads_and_says_it_is_sample_data() -> None:
    directory = load_directory(SHIPPED)
    assert len(directory.facilities) >= 6 and directory.teams
    assert "SAMPLE DATA" in (SHIPPED / "facilities.yml").read_text(encoding="utf-8")
    assert all(f.source and f.valid_until for f in directory.facilities)


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("    valid_until: 2027-12-31\n", "", "lacks valid_until"),
        ("    source: 示例数据，未经核实\n", "", "lacks source"),
        ("    latitude: 26.1700\n", "    latitude: 北纬\n", "must be numbers"),
        ("    services: [fever, nucleic_acid]\n", "    services: [fever, dentistry]\n", "unknown service"),
        ("    valid_until: 2027-12-31\n", "    valid_until: soon\n", "must be a date"),
    ],
)
def test_bad_data_is_refused_with_file_and_line(tmp_path: Path, old: str, new: str, complaint: str) -> None:
    shutil.copytree(SHIPPED, tmp_path / "care")
    path = tmp_path / "care" / "facilities.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(tmp_path / "care")
    assert complaint in str(caught.value)
    assert f"{path}:" in str(caught.value) and str(caught.value).split(f"{path}:")[1].split(":")[0].isdigit()


def test_an_expired_entry_is_never_served_by_any_query() -> None:
    directory = load_directory(SHIPPED)
    expired = [f for f in directory.facilities if f.valid_until < dt.date(2026, 12, 6)]
    assert [f.name for f in expired] == ["大田县总医院 发热门诊"]
    today = dt.date(2026, 12, 6)
    near_datian = directory.nearest(25.6930, 117.8470, today, "fever", limit=10)
    assert expired[0] not in [n.facility for n in near_datian]
    assert directory.in_county("大田县", today) == []
    # ... and the day it was still valid, it was served: the filter is the date, not the entry.
    assert expired[0] in directory.in_county("大田县", dt.date(2023, 1, 31))


async def test_a_county_named_in_text_lists_its_places_and_touring_team(client: httpx.AsyncClient) -> None:
    text = joined(await say(client, "p_county", "尤溪县哪里能看儿科"))
    assert "尤溪县的儿科" in text
    assert "尤溪县总医院" in text and "尤溪县城关镇卫生院" in text
    assert "省级医疗队" in text and "协和医院" in text
    assert "没太明白" not in text and "120" in text


async def test_an_expired_clinic_is_not_offered_for_its_county(client: httpx.AsyncClient) -> None:
    text = joined(await say(client, "p_expired", "大田县哪里有发热门诊"))
    assert "大田县总医院" not in text
    assert "暂时没有大田县可用的发热门诊" in text and "120" in text


async def test_fever_clinic_asks_for_the_area_once_then_answers_the_county(client: httpx.AsyncClient) -> None:
    asked = joined(await say(client, "p_near", "附近的发热门诊在哪"))
    assert "哪个县" in asked and "发送位置" in asked
    text = joined(await say(client, "p_near", "沙县"))
    assert "沙县区的发热门诊" in text and "沙县区总医院 发热门诊" in text


async def test_a_location_gives_the_nearest_fever_clinics_by_distance(runtime: Runtime, client: httpx.AsyncClient) -> None:
    assert "哪个县" in joined(await say(client, "p_loc", "附近的发热门诊"))
    # A location message as the WeChat channel hands it to the engine (integrations/wechat/channel.py).
    located = UserMessage(channel="rest", sender="p_loc", text="", attachments=(
        Attachment(kind="location", data={"latitude": 26.18, "longitude": 118.17, "label": "尤溪县城关镇"}),))
    text = joined([{"text": m.text} for m in await runtime.engine.handle(located)])
    assert text.startswith("离您最近的发热门诊")
    first, second = text.index("尤溪县总医院"), text.index("沙县区总医院")
    assert first < second  # Youxi is ~2 km away, Shaxian ~60 km
    assert "大田县总医院" not in text  # expired, although within reach


# A positive antigen test and 39 ℃ for three days despite medicine: `urgent` (tests/intake/test_fever_intake.py).
URGENT_FEVER = (
    '/covid_positive{"subject": "self", "antigen_result": "positive", "temperature": 39.0, "duration_hours": 72,'
    ' "fever_persists_despite_medication": true, "medicines_taken": "布洛芬，一次一片",'
        ' "symptoms.dyspnea": false, "breathing_severity": "none",'
    ' "has_oximeter": false, "symptoms.chest_pain": false, "other_symptoms": "none", "age": 40,'
    ' "conditions_answer": "none", "pregnant": false, "vaccine_doses": 3}'
)


async def test_urgent_without_a_location_asks_once_for_the_county_then_names_places(client: httpx.AsyncClient) -> None:
    text = joined(await say(client, "p_urgent", URGENT_FEVER))
    assert "哪个县" in text and "在线医生" in text  # the place question, and still the doctor offer
    places = joined(await say(client, "p_urgent", "永安市"))
    assert "永安市的发热门诊" in places and "永安市总医院" in places


async def test_urgent_with_a_known_location_names_the_nearest_fever_clinics(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await runtime.engine.handle(UserMessage(channel="rest", sender="p_urgent_loc", text="", attachments=(
        Attachment(kind="location", data={"latitude": 26.09, "longitude": 119.30, "label": "福州市鼓楼区"}),)))
    text = joined(await say(client, "p_urgent_loc", URGENT_FEVER))
    assert "离您最近的发热门诊" in text and "福建医科大学附属协和医院" in text
    assert "哪个县" not in text
    assert "尤溪" not in text  # 200 km away: not "nearby"
