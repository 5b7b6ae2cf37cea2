"""The Telegram side of staff links (bot/staff_links.py): which chat is whose, by chat id.

Unlinking a chat also ends the sessions it was working from Telegram: they go on in the console,
and the chat is a patient's again.
"""
from __future__ import annotations

from sqlalchemy import update

from bot.db import utcnow
from bot.staff_links import LinkCode, StaffLinks
from integrations.telegram.models import TelegramSessionRow

PROVIDER = "telegram"


class ChatLinks:
    """Staff links of provider "telegram", keyed by Telegram chat id."""

    def __init__(self, links: StaffLinks) -> None:
        if links.provider != PROVIDER:
            raise ValueError(f"ChatLinks needs the {PROVIDER!r} links, not {links.provider!r}")
        self.links = links
        self.db = links.db

    async def issue(self, staff_id: int) -> LinkCode:
        return await self.links.issue(staff_id)

    async def redeem(self, text: str, chat_id: int) -> int:
        """Link the chat that sent the code; the staff id (raises bot.staff_links.LinkError)."""
        return await self.links.redeem(text, str(chat_id))

    async def staff_for_chat(self, chat_id: int) -> int | None:
        return await self.links.staff_for(str(chat_id))

    async def chats_for_staff(self, staff_ids: list[int]) -> dict[int, int]:
        """staff id → chat id, for those of `staff_ids` who linked a chat."""
        return {staff_id: int(chat) for staff_id, chat in (await self.links.external_for(staff_ids)).items()}

    async def unlink_chat(self, chat_id: int) -> bool:
        unlinked = await self.links.unlink(str(chat_id))
        async with self.db.transaction() as s:
            await s.execute(update(TelegramSessionRow).where(
                TelegramSessionRow.chat_id == chat_id, TelegramSessionRow.ended_at.is_(None)).values(ended_at=utcnow()))
        return unlinked

    async def unlink_staff(self, staff_id: int) -> bool:
        chat = (await self.chats_for_staff([staff_id])).get(staff_id)
        return chat is not None and await self.unlink_chat(chat)
