"""Complaints and suggestions (投诉建议): stored encrypted, with a reference number the patient keeps.

A patient's words may name people or illnesses, so the text is encrypted at rest (bot/crypto.py);
only the kind, the channel and the time are in clear, for the administrators' list.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.action_api import ActionContext, action
from bot.crypto import FieldCipher, open_answer
from bot.db import Base, BigId, Database, utcnow

KINDS = ("complaint", "suggestion", "praise", "other")  # other: the patient could not say which (说不清)
_TEXT_CONTEXT = "service_feedback.text"


class FeedbackRow(Base):
    __tablename__ = "service_feedback"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    conversation_id: Mapped[str] = mapped_column(String(191))
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    text_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Feedback:
    reference: str
    kind: str
    channel: str
    conversation_id: str
    text: str
    created_at: dt.datetime

    def to_dict(self) -> dict[str, str]:
        return {"reference": self.reference, "kind": self.kind, "channel": self.channel,
                "conversation_id": self.conversation_id, "text": self.text, "created_at": self.created_at.isoformat()}


def reference_for(row_id: int, when: dt.datetime) -> str:
    """"JY20261206-0042": the day and a number, easy to read out on the phone (建议 → JY)."""
    return f"JY{when:%Y%m%d}-{row_id:04d}"


async def store_feedback(session: AsyncSession, cipher: FieldCipher, conversation_id: str, channel: str,
                         kind: str, text: str) -> str:
    """Add one complaint or suggestion in the turn's transaction; returns its reference number."""
    if kind not in KINDS:
        raise ValueError(f"feedback kind must be one of {KINDS}")
    row = FeedbackRow(conversation_id=conversation_id, channel=channel, kind=kind,
                      text_encrypted=cipher.encrypt(text, _TEXT_CONTEXT), created_at=utcnow())
    session.add(row)
    await session.flush()
    row.reference = reference_for(row.id, row.created_at)
    await session.flush()
    return row.reference


async def list_feedback(database: Database, cipher: FieldCipher, limit: int = 200) -> list[Feedback]:
    """The newest first, decrypted: for administrators only (the console checks the role)."""
    async with database.session() as session:
        rows = (await session.scalars(select(FeedbackRow).order_by(FeedbackRow.id.desc()).limit(limit))).all()
    return [Feedback(row.reference or "", row.kind, row.channel, row.conversation_id,
                     cipher.decrypt(row.text_encrypted, _TEXT_CONTEXT),
                     row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.timezone.utc))
            for row in rows]


@action("feedback_save")
async def feedback_save(ctx: ActionContext, cipher: FieldCipher) -> None:
    """Store the complaint or suggestion the flow took, and give the patient its reference number."""
    text = open_answer(cipher, str(ctx.slot("feedback_text") or "")).strip()
    kind = str(ctx.slot("feedback_kind") or "other")
    if kind not in KINDS:  # "说不清 / 不知道" answers the question `unknown`: the text is still taken, filed as 其他
        kind = "other"
    reference = await store_feedback(await ctx.transaction(), cipher, ctx.conversation_id, ctx.channel, kind, text)
    ctx.set_slot("feedback_text", None)
    ctx.emit("feedback_stored", {"reference": reference, "kind": kind})
    ctx.utter("utter_feedback_received", reference=reference)
