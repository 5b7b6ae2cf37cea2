"""Newcomer trial 9: the Telegram doctor's intake summary showed raw codes and stored numbers (relationship "spouse", an
age "0.58"). It now says what the console says — 配偶, 7个月, 2天 — from one renderer (bot/consultations/labels.py). The
patient types Chinese over REST through the real NLU and engine; the doctor is on the fake Bot API."""
from __future__ import annotations

import re

import pytest

from tests.telegram.test_doctors import DOCTOR_CHAT, bot_api, hospital  # noqa: F401 (fixtures)

RAW = re.compile(r"\b(self|child|infant|parent|spouse|other|male|female|positive|negative|True|False|None)\b|\d\.\d\d")


async def _summary_after_accepting(hospital, sender: str, *texts: str) -> str:  # noqa: F811
    wang = await hospital.doctor(f"wang-{sender}", "王医生", department="general")
    await hospital.link(wang, DOCTOR_CHAT)
    for text in texts:
        await hospital.patient_says(sender, text)
    await hospital.patient_says(sender, '/request_doctor{"consult_department": "general"}')
    button = await hospital.accept_button(DOCTOR_CHAT)
    sent_before = len(hospital.api.sent_to(DOCTOR_CHAT))
    await hospital.tap(DOCTOR_CHAT, button["data"])
    return "\n".join(hospital.api.texts_to(DOCTOR_CHAT)[sent_before:])


@pytest.mark.parametrize("texts, words", [
    (("我老婆咳嗽两天了，嗓子疼",), ["配偶", "2天"]),
    (("宝宝7个月，咳嗽流鼻涕一天了",), ["7个月", "1天"]),
    (("我爸68岁，拉肚子三天了",), ["父母", "68岁", "3天"]),
])
async def test_the_telegram_summary_names_values_in_words(hospital, texts: tuple[str, ...],  # noqa: F811
                                                          words: list[str]) -> None:
    summary = await _summary_after_accepting(hospital, f"p{abs(hash(texts))}", *texts)
    patient_line = next(line for line in summary.splitlines() if line.startswith("患者："))
    assert all(w in patient_line for w in words), summary
    assert not RAW.search(summary), summary
