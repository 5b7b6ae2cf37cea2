"""WeChat contacts: who follows the account, and the customer-service window each one has open.

WeChat lets an account send customer-service messages only for a while after the user's last
message or click (48 h), and only a limited number per interaction. The counter lives in SQL
and is taken with one conditional UPDATE, so concurrent workers never overspend it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Float, Integer, String, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, Database, utcnow


# How stale the window's start may be before an inbound message rewrites it.
FRESH = dt.timedelta(minutes=1)


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without their (UTC) zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class WeChatContact(Base):
    __tablename__ = "wechat_contacts"

    openid: Mapped[str] = mapped_column(String(128), primary_key=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_since_inbound: Mapped[int] = mapped_column(Integer, default=0)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    located_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Contacts:
    """Reads and updates `wechat_contacts` for one database."""

    def __init__(self, db: Database, window: dt.timedelta, per_interaction: int) -> None:
        self.db = db
        self.window = window
        self.per_interaction = per_interaction

    def _insert(self) -> object:
        return sqlite_insert if self.db.is_sqlite else pg_insert

    async def _upsert(self, openid: str, values: dict[str, object]) -> None:
        insert = self._insert()
        row = {"openid": openid, "subscribed": True, "changed_at": utcnow(), "sent_since_inbound": 0, **values}
        statement = insert(WeChatContact).values(**row)  # type: ignore[operator]
        statement = statement.on_conflict_do_update(index_elements=["openid"], set_=values)
        async with self.db.transaction() as session:
            await session.execute(statement)

    async def interacted(self, openid: str, at: dt.datetime | None = None) -> None:
        """The user wrote or clicked: the window opens afresh, and they evidently follow us.

        A user chatting along (nothing sent beyond passive replies, window opened under a minute
        ago) needs no write: a read is enough, and keeps SQLite's single writer free for turns.
        """
        at = at or utcnow()
        contact = await self.get(openid)
        if (
            contact is not None
            and contact.subscribed
            and contact.sent_since_inbound == 0
            and contact.last_inbound_at is not None
            and _aware(contact.last_inbound_at) >= at - FRESH
        ):
            return
        await self._upsert(openid, {"last_inbound_at": at, "sent_since_inbound": 0, "subscribed": True})

    async def set_subscribed(self, openid: str, subscribed: bool) -> None:
        await self._upsert(openid, {"subscribed": subscribed, "changed_at": utcnow()})

    async def located(self, openid: str, latitude: float, longitude: float) -> None:
        await self._upsert(openid, {"latitude": latitude, "longitude": longitude, "located_at": utcnow()})

    async def get(self, openid: str) -> WeChatContact | None:
        async with self.db.session() as session:
            return await session.scalar(select(WeChatContact).where(WeChatContact.openid == openid))

    async def take_send_slot(self, openid: str) -> bool:
        """Spend one customer-service message of the open window; False when none is left."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(WeChatContact)
                .where(
                    WeChatContact.openid == openid,
                    WeChatContact.subscribed.is_(True),
                    WeChatContact.last_inbound_at >= utcnow() - self.window,
                    WeChatContact.sent_since_inbound < self.per_interaction,
                )
                .values(sent_since_inbound=WeChatContact.sent_since_inbound + 1)
            )
            return result.rowcount == 1
