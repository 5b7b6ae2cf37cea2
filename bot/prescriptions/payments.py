"""Paying for a prescription order: an adapter with WeChat Pay's shape (JSAPI/v3: `out_trade_no`,
`amount.total` in fen, a notification carrying `transaction_id`, `trade_state` and `success_time`),
so a real provider can replace the manual one without the order code changing.

`ManualPayments` is what exists today: the patient pays at the pharmacy window or through the
hospital's own channel, and a pharmacist or administrator records the payment in the console.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PaymentRequest:
    """What the provider is asked to collect (WeChat Pay v3 JSAPI's fields of the same name)."""

    out_trade_no: str
    description: str
    amount_total: int  # fen
    currency: str = "CNY"


@dataclass(frozen=True)
class PaymentStart:
    """The provider's answer: a prepay id for a real provider, and what the patient is told to do."""

    provider: str
    prepay_id: str | None
    instructions: str


@dataclass(frozen=True)
class PaymentResult:
    """A payment notification (WeChat Pay v3 `transaction` resource fields)."""

    out_trade_no: str
    transaction_id: str
    trade_state: str  # SUCCESS | REFUND | NOTPAY | CLOSED | PAYERROR
    amount_total: int  # fen
    success_time: dt.datetime


class PaymentProvider(Protocol):
    name: str

    async def start(self, request: PaymentRequest) -> PaymentStart: ...


class ManualPayments:
    """Payment at the window or by the hospital's own channel, recorded by staff (`record`)."""

    name = "manual"

    def __init__(self, instructions: str = "") -> None:
        self.instructions = instructions or "请通过医院官方渠道或到药房窗口支付，工作人员确认收款后即为您配药。"

    async def start(self, request: PaymentRequest) -> PaymentStart:
        return PaymentStart(self.name, None, self.instructions)

    @staticmethod
    def record(out_trade_no: str, amount_total: int, receipt: str, at: dt.datetime) -> PaymentResult:
        """A payment a staff member saw (a receipt number from the till or the hospital's channel)."""
        receipt = receipt.strip()
        if not receipt:
            raise ValueError("a manual payment needs the receipt number")
        return PaymentResult(out_trade_no, f"MANUAL-{receipt}"[:64], "SUCCESS", amount_total, at)
