"""The live relay to a doctor's chat: the patient's messages, photos and red flags, a colleague's lines.

With Redis every worker hears every message: one worker holds each doctor's topic (a lease) and
relays all of it, so messages reach the chat in the order the patient sent them.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from telegram.error import TelegramError

from bot.consultations import ChatLine, SessionAlert
from integrations.telegram import leases
from integrations.telegram.doctors.text import patient_tag
from integrations.telegram.models import TelegramSessionRow

if TYPE_CHECKING:
    from integrations.telegram.doctors.desk import DoctorDesk

log = logging.getLogger("wenzhen.telegram")

OWNER_SECONDS = 30  # a worker that stops heartbeating loses the doctors' topics it relays


class Relay:
    """Carries a session's messages to the doctors who work it from Telegram."""

    def __init__(self, desk: "DoctorDesk") -> None:
        self.desk = desk

    async def _relay(self, topic: str, staff_id: int, message: ChatLine | SessionAlert) -> None:
        """A patient's message (or a red flag, or a colleague's message) to the doctor's Telegram chat."""
        consultation_id = message.consultation_id
        sender = message.sender if isinstance(message, ChatLine) else "patient"
        if sender.endswith(f":{staff_id}"):
            return  # the doctor's own message, echoed to every participant
        async with self.desk.runtime.db.session() as s:
            session = await s.scalar(select(TelegramSessionRow).where(
                TelegramSessionRow.consultation_id == consultation_id, TelegramSessionRow.staff_id == staff_id,
                TelegramSessionRow.ended_at.is_(None)))
        if session is None or not await self._claim(topic):
            return
        consultation = await self.desk.service.get(consultation_id)
        department = consultation.department_name
        tag = patient_tag(consultation_id)
        if isinstance(message, SessionAlert):
            reasons = "；".join(message.alert.reasons) or self.desk._level(message.alert.level)
            await self.desk.channel.say(session.chat_id, "telegram_red_flag", department=department, reasons=reasons,
                                   tag=tag)
            return
        text = message.text
        if sender != "patient":
            await self.desk.channel.say(session.chat_id, "telegram_colleague_says", name=message.name,
                                   department=department, text=text, tag=tag)
            return
        if text:
            await self.desk.channel.say(session.chat_id, "telegram_patient_says", department=department, text=text, tag=tag)
        attachments = [a for a in message.attachments if isinstance(a, dict)]
        if consultation.conversation_id.startswith("telegram:"):
            # The patient's photos are files of this same bot: the doctor sees them right here.
            photos = [a for a in attachments if a.get("kind") == "image" and a.get("media_id")]
            for photo in photos:
                try:
                    await self.desk.channel.bot.send_photo(session.chat_id, photo["media_id"], caption=f"#{tag}")
                except TelegramError as exc:
                    log.warning("telegram: a patient's photo was not forwarded (%s)", exc.__class__.__name__)
            attachments = [a for a in attachments if a not in photos]
        kinds = sorted({str(a.get("kind")) for a in attachments})
        if kinds:
            await self.desk.channel.say(session.chat_id, "telegram_patient_attachment", department=department,
                                   kinds="、".join(kinds), tag=tag)

    async def _claim(self, topic: str) -> bool:
        """True when this worker relays the doctor's topic (every worker hears it with Redis).

        One worker holds each doctor's topic and relays all of it, so messages reach the chat in the
        order the patient sent them; the lease lapses if that worker dies, and another takes over.
        """
        return await leases.hold(self.desk.runtime.redis, self._lease_key(topic), self.desk.worker_id, OWNER_SECONDS)

    def _lease_key(self, topic: str) -> str:
        return self.desk.runtime.key(f"telegram:relay-owner:{topic}")

    async def _renew_ownership(self, release: bool = False) -> None:
        redis = self.desk.runtime.redis
        if redis is None:
            return
        for topic in self.desk.subscriptions.topics:
            key = self._lease_key(topic)
            if release:
                await leases.release(redis, key, self.desk.worker_id)
            elif await redis.get(key) == self.desk.worker_id:
                await leases.hold(redis, key, self.desk.worker_id, OWNER_SECONDS)
