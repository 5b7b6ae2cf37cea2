"""Tables of supervision besides the audit log: doctors' practising ids and sealed records."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, Database


class PractisingIdRow(Base):
    """The practising certificate number (执业证书编码) a supervision platform knows a doctor by."""

    __tablename__ = "practising_ids"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    practising_id: Mapped[str] = mapped_column(String(64))


class SealedRecordRow(Base):
    """A conversation sealed on the patient's erasure request while it is under mandatory retention."""

    __tablename__ = "sealed_records"

    conversation_id: Mapped[str] = mapped_column(String(191), primary_key=True)
    sealed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(64))


async def set_practising_id(db: Database, staff_id: int, practising_id: str) -> None:
    """Insert or replace one doctor's practising id."""
    dialect = sqlite if db.is_sqlite else postgresql
    statement = dialect.insert(PractisingIdRow).values(staff_id=staff_id, practising_id=practising_id)
    statement = statement.on_conflict_do_update(index_elements=["staff_id"], set_={"practising_id": practising_id})
    async with db.transaction() as session:
        await session.execute(statement)


async def is_sealed(db: Database, conversation_id: str) -> bool:
    """Whether the patient's erasure request sealed this conversation."""
    async with db.session() as session:
        return await session.get(SealedRecordRow, conversation_id) is not None
