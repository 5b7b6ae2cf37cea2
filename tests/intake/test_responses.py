"""The intake's response files: English mirrors Chinese key for key and payload for payload."""
from __future__ import annotations

import yaml

from bot.config import PROJECT_ROOT


def test_the_english_responses_mirror_the_chinese_ones_key_for_key_and_payload_for_payload() -> None:
    def load(language: str) -> dict:
        return yaml.safe_load((PROJECT_ROOT / "flows" / "responses" / language / "intake.yml").read_text(encoding="utf-8"))

    zh, en = load("zh"), load("en")
    assert set(zh) == set(en)
    for key in zh:
        assert [b["payload"] for v in zh[key] for b in v.get("buttons", [])] == \
               [b["payload"] for v in en[key] for b in v.get("buttons", [])], key
