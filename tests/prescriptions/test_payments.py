"""The payment adapter's manual implementation, in WeChat Pay v3's shape."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.prescriptions.payments import ManualPayments, PaymentRequest


async def test_manual_payment_starts_with_instructions_and_records_a_receipt() -> None:
    manual = ManualPayments()
    start = await manual.start(PaymentRequest("RO1", "处方药品", 420))
    assert start.provider == "manual" and start.prepay_id is None and "药房" in start.instructions
    assert (await ManualPayments("请到一楼收费处缴费").start(PaymentRequest("RO1", "x", 1))).instructions == "请到一楼收费处缴费"
    at = dt.datetime(2022, 12, 15, 9, 30, tzinfo=dt.timezone.utc)
    result = manual.record("RO1", 420, " POS-1 ", at)
    assert (result.out_trade_no, result.transaction_id, result.trade_state, result.amount_total, result.success_time) == (
        "RO1", "MANUAL-POS-1", "SUCCESS", 420, at)
    with pytest.raises(ValueError):
        manual.record("RO1", 420, "  ", at)
