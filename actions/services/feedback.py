"""Complaints and suggestions (投诉建议): stored encrypted, with a reference number the patient keeps.

A patient's words may name people or illnesses, so the text is encrypted at rest (bot/crypto.py);
only the kind, the channel and the time are in clear, for the administrators' list.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.action_api import ActionContext, action
from bot.crypto import FieldCipher, open_answer, seal_answer
from bot.db import Base, BigId, Database, utcnow
from nlu.yaml_files import load_yaml

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


# What the message that opened the feedback flow already says (newcomer trial 10: "我要投诉 昨天挂号排了两个钟头 护士态度还很差"
# was asked its kind again, then "不知道名字" filed as the kind and "好" as the complaint — the complaint itself was lost).
_WORDS_FILE = Path(__file__).with_name("feedback_words.yml")


@lru_cache(maxsize=1)
def _words() -> tuple[tuple[tuple[str, re.Pattern[str]], ...], re.Pattern[str]]:
    """The kinds' words and the trigger-only pattern, from feedback_words.yml."""
    raw = load_yaml(_WORDS_FILE.read_text(encoding="utf-8"))
    kinds = tuple((kind, re.compile("|".join(words))) for kind, words in raw["kinds"].items())
    only = raw["trigger_only"]
    punct = r"[\s，,。.！!~～：:]*"
    trigger_only = re.compile(
        rf"^{punct}({'|'.join(only['who'])})?({'|'.join(only['wants'])})?({'|'.join(only['triggers'])})"
        rf"({'|'.join(only['tails'])})?{punct}$")
    return kinds, trigger_only


_MIN_CONTENT = 8  # characters beyond the trigger words: a sentence that says what happened


@action("feedback_opening")
async def feedback_opening(ctx: ActionContext, cipher: FieldCipher) -> None:
    """Take the kind and the account from the opening message when it gives them: the questions are then skipped."""
    text = (ctx.message.text or "").strip() if ctx.message is not None else ""
    ctx.set_slot("feedback_kind", None)
    if not text or text.startswith("/"):
        return
    kinds, trigger_only = _words()
    kind = next((k for k, words in kinds if words.search(text)), None)
    if kind is not None:
        ctx.set_slot("feedback_kind", kind)
    if not trigger_only.match(text) and len(re.sub(r"[\s，,。.！!?？~～：:]", "", text)) >= _MIN_CONTENT:
        ctx.set_slot("feedback_text", seal_answer(cipher, text))


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
