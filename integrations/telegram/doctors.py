"""Doctors on Telegram: linking, queue notifications with an accept button, the live chat, /close.

The consultation domain (`bot.consultations`) decides everything; this module only carries it
to and from Telegram. It learns of changes through `runtime.pubsub` (department topics for the
queue, staff topics for sessions). With Redis every worker hears every message, so each
notification and relay is claimed first (a unique row, or a Redis SET NX) and sent once.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from bot.consultations import (
    ACTIVE,
    QUEUED,
    Closing,
    Consultation,
    ConsultationError,
    Staff,
    build_intake,
    consultations,
    topics,
)
from bot.consultations.intake import IntakeSummary
from bot.db import utcnow
from bot.staff_links import LinkError
from bot.supervision import AuditEntry
from integrations.telegram import leases
from integrations.telegram.models import TelegramNotificationRow, TelegramSessionRow

if TYPE_CHECKING:
    from integrations.telegram.channel import TelegramChannel

log = logging.getLogger("wenzhen.telegram")

ACCEPT_PREFIX = "accept:"
JOIN_PREFIX = "join:"  # a doctor invited into a session joins it from Telegram
HEARTBEAT_SECONDS = 10.0  # the domain counts a doctor present for 30 s after a heartbeat
OWNER_SECONDS = 30  # a worker that stops heartbeating loses the doctors' topics it relays
ENDED_CHANGES = ("closed", "cancelled", "expired")
TRIAGE_LEVELS = ("emergency", "urgent", "consult", "selfcare")  # shared/spec/vocabulary.yml
Handler = Callable[[str, dict[str, Any]], Awaitable[None]]


class Subscriptions:
    """One listening task per pub/sub topic; `ensure` adds and drops topics to match a wanted set."""

    def __init__(self, pubsub: Any, handler: Handler) -> None:
        self._pubsub = pubsub
        self._handler = handler
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def topics(self) -> set[str]:
        return set(self._tasks)

    async def ensure(self, wanted: set[str]) -> None:
        """Listen to exactly the topics of `wanted`; returns once the new ones are subscribed."""
        for topic in self.topics - wanted:
            self._tasks.pop(topic).cancel()
        for topic in wanted - self.topics:
            await self.add(topic)

    async def add(self, topic: str) -> None:
        if topic in self._tasks:
            return
        ready = asyncio.Event()
        self._tasks[topic] = asyncio.create_task(self._listen(topic, ready), name=f"telegram:{topic}")
        await ready.wait()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    async def _listen(self, topic: str, ready: asyncio.Event) -> None:
        while True:
            try:
                async with self._pubsub.subscribe(topic) as messages:
                    ready.set()
                    async for message in messages:
                        try:
                            await self._handler(topic, message)
                        except Exception:
                            log.exception("telegram: handling a %s message failed", topic)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis went away for a moment: subscribe again rather than go deaf.
                log.exception("telegram: subscription to %s failed; retrying", topic)
                ready.set()
                await asyncio.sleep(1.0)


class DoctorDesk:
    """Everything a linked doctor does in the bot."""

    def __init__(self, channel: "TelegramChannel") -> None:
        self.channel = channel
        self.runtime = channel.runtime
        self.linker = channel.linker
        self.service = consultations(self.runtime)
        self.subscriptions = Subscriptions(self.runtime.pubsub, self._on_pubsub)
        self._heartbeat: asyncio.Task[None] | None = None
        self.worker_id = secrets.token_hex(8)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        await self.refresh()
        self._heartbeat = asyncio.create_task(self._beat(), name="telegram:heartbeat")

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            try:
                await self._heartbeat
            except (asyncio.CancelledError, Exception):
                pass
        try:
            await self._renew_ownership(release=True)  # another worker takes over at once, not in 30 s
        except Exception:
            log.warning("telegram: relay ownership not released; it lapses by itself")
        await self.subscriptions.close()

    async def refresh(self) -> None:
        """Listen to every department's queue and to the doctors who work a session from Telegram."""
        wanted = {topics.department(code) for code in self.service.departments.codes()}
        wanted |= {topics.staff(staff_id) for staff_id in await self._session_staff()}
        await self.subscriptions.ensure(wanted)

    async def _beat(self) -> None:
        while True:
            try:
                for staff_id in await self._session_staff():
                    await self.service.heartbeat(staff_id)
                await self.refresh()  # sessions opened or ended on other workers
                await self._renew_ownership()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("telegram: heartbeat failed")
            await asyncio.sleep(HEARTBEAT_SECONDS)

    # -- linking -----------------------------------------------------------------------------

    async def link(self, update: Update, code: str) -> None:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if not code.strip():
            await self.channel.say(chat_id, "telegram_link_usage")
            return
        try:
            staff_id = await self.linker.redeem(code, chat_id)
        except LinkError:
            await self.channel.say(chat_id, "telegram_link_failed")
            return
        staff = await self.service.staff.get(staff_id)
        if staff is None or not staff.active:
            await self.linker.unlink_chat(chat_id)
            await self.channel.say(chat_id, "telegram_link_failed")
            return
        names = [self._department_name(d) for d in staff.departments]
        await self.channel.say(chat_id, "telegram_link_ok", name=staff.display_name, title=staff.title,
                               departments="、".join(names))

    # -- what the doctor sends -----------------------------------------------------------------

    async def on_message(self, update: Update, staff_id: int) -> None:
        message = update.message
        assert message is not None
        chat_id = message.chat_id
        staff = await self._staff(chat_id, staff_id)
        if staff is None:
            return
        text = message.text or ""
        words = text.split(None, 1)
        command = words[0].split("@", 1)[0] if words and words[0].startswith("/") else ""
        rest = words[1] if command and len(words) > 1 else ""
        if command == "/unlink":
            await self.linker.unlink_chat(chat_id)  # the chat is a patient's again
            await self.channel.say(chat_id, "telegram_unlinked")
            return
        if command == "/close":
            await self.close(chat_id, staff, rest.strip())
            return
        if command == "/switch":
            await self.switch(chat_id, rest.strip())
            return
        if command:
            await self.channel.say(chat_id, "telegram_doctor_help")
            return
        if not text:
            await self.channel.say(chat_id, "telegram_doctor_text_only")
            return
        session = await self._current(chat_id)
        if session is None:
            await self.channel.say(chat_id, "telegram_no_session")
            return
        try:
            await self.service.send(session.consultation_id, staff, text)
        except ConsultationError as exc:
            if exc.code == "invalid":
                await self.channel.say(chat_id, "telegram_doctor_text_invalid")
                return
            await self._end_session(session)
            await self.channel.say(chat_id, "telegram_relay_failed")

    async def close(self, chat_id: int, staff: Staff, summary: str) -> None:
        session = await self._current(chat_id)
        if session is None:
            await self.channel.say(chat_id, "telegram_no_session")
            return
        if not summary:
            await self.channel.say(chat_id, "telegram_close_usage")
            return
        # Ended first, so the "closed" the domain publishes is not also reported as "ended elsewhere".
        await self._end_session(session)
        try:
            await self.service.close(session.consultation_id, staff, Closing(summary=summary))
        except ConsultationError as exc:
            if exc.code == "invalid":
                await self._reopen_session(session)
                await self.channel.say(chat_id, "telegram_close_usage")
            else:
                await self.channel.say(chat_id, "telegram_relay_failed")
                await self._announce_current(chat_id)
            return
        await self.channel.say(chat_id, "telegram_closed")
        await self._announce_current(chat_id)

    async def switch(self, chat_id: int, tag: str) -> None:
        """Point the doctor's messages at another open session, named by its patient tag."""
        async with self.runtime.db.session() as s:
            sessions = (await s.scalars(select(TelegramSessionRow).where(
                TelegramSessionRow.chat_id == chat_id, TelegramSessionRow.ended_at.is_(None))
                .order_by(TelegramSessionRow.started_at))).all()
        chosen = next((x for x in sessions if tag and patient_tag(x.consultation_id) == tag.lstrip("#").lower()), None)
        if chosen is None:
            tags = "、".join("#" + patient_tag(x.consultation_id) for x in sessions)
            await self.channel.say(chat_id, "telegram_switch_usage" if sessions else "telegram_no_session", tags=tags)
            return
        async with self.runtime.db.transaction() as s:
            await s.execute(update(TelegramSessionRow).where(TelegramSessionRow.id == chosen.id).values(focused_at=utcnow()))
        await self._announce_current(chat_id)

    async def on_callback(self, update: Update, staff_id: int) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        chat_id = query.message.chat.id
        data = query.data or ""
        if not data.startswith((ACCEPT_PREFIX, JOIN_PREFIX)):
            await _answer(query)
            return
        staff = await self._staff(chat_id, staff_id)
        if staff is None:
            await _answer(query)
            return
        if data.startswith(JOIN_PREFIX):
            await self._join(query, chat_id, staff, data[len(JOIN_PREFIX):][:64])
            return
        consultation_id = data[len(ACCEPT_PREFIX):][:64]
        # The session exists and is listened to before the patient learns a doctor is there,
        # so the patient's first words after "医生已接诊" already reach this chat.
        session = await self._open_session(chat_id, staff.id, consultation_id)
        if session is None:
            await _answer(query)
            return
        await self.service.heartbeat(staff.id)
        await self.subscriptions.add(topics.staff(staff.id))
        try:
            c = await self.service.accept(consultation_id, staff)
        except ConsultationError as exc:
            async with self.runtime.db.transaction() as s:
                await s.execute(delete(TelegramSessionRow).where(TelegramSessionRow.id == session))
            key = "telegram_accept_forbidden" if exc.code == "forbidden" else "telegram_accept_failed"
            await _answer(query, self.channel.text(key), alert=True)
            return
        await _answer(query)
        await self.channel.say(chat_id, "telegram_accepted_by_you", department=c.department_name, tag=patient_tag(c.id))
        await self._brief_doctor(chat_id, c, staff)

    async def _join(self, query: Any, chat_id: int, staff: Staff, consultation_id: str) -> None:
        try:
            c = await self.service.get(consultation_id)
        except ConsultationError:
            c = None
        if c is None or c.status != ACTIVE or staff.id not in c.participants:
            await _answer(query, self.channel.text("telegram_join_failed"), alert=True)
            return
        if await self._open_session(chat_id, staff.id, c.id) is None:
            await _answer(query)  # already in it
            return
        await self.service.heartbeat(staff.id)
        await self.subscriptions.add(topics.staff(staff.id))
        await _answer(query)
        await self.channel.say(chat_id, "telegram_joined", department=c.department_name, tag=patient_tag(c.id))
        await self._brief_doctor(chat_id, c, staff)

    async def _brief_doctor(self, chat_id: int, c: Consultation, staff: Staff) -> None:
        """The intake summary, then how the chat works. Showing it opens the patient's record: audited."""
        await self.runtime.audit.record(AuditEntry(
            actor=staff.actor, action="record.open", object_type="consultation", object_id=c.id,
            subject=c.conversation_id, detail={"channel": "telegram"}))
        await self.channel.bot.send_message(chat_id, await self.summary_text(c))
        await self.channel.say(chat_id, "telegram_session_help")

    async def _open_session(self, chat_id: int, staff_id: int, consultation_id: str) -> int | None:
        """A new session row; None when this chat already works this patient (a second tap on 接诊)."""
        try:
            async with self.runtime.db.transaction() as s:
                # A patient transferred back and accepted again by the same doctor starts a new session.
                await s.execute(delete(TelegramSessionRow).where(
                    TelegramSessionRow.consultation_id == consultation_id, TelegramSessionRow.chat_id == chat_id,
                    TelegramSessionRow.ended_at.is_not(None)))
                now = utcnow()
                row = TelegramSessionRow(chat_id=chat_id, staff_id=staff_id, consultation_id=consultation_id,
                                         started_at=now, focused_at=now)
                s.add(row)
                await s.flush()
                return row.id
        except IntegrityError:
            return None

    async def summary_text(self, c: Consultation) -> str:
        """The intake summary of `build_intake` as lines of text (the console shows the same facts as HTML)."""
        state = await self.runtime.engine.state(c.conversation_id)
        events = await self.runtime.engine.events(c.conversation_id)
        return render_summary(build_intake(state, events), self.channel.text)

    # -- what the domain publishes -------------------------------------------------------------

    async def _on_pubsub(self, topic: str, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "consultation" and topic.startswith(topics.department("")):
            await self._on_queue_change(message)
        elif kind in ("message", "alert"):  # only staff topics carry these
            await self._relay(topic, message)

    async def _on_queue_change(self, message: dict[str, Any]) -> None:
        data = message.get("consultation") or {}
        change = message.get("change")
        if change in (*ENDED_CHANGES, "transferred"):
            await self._end_sessions(data, change)
        if data.get("status") in QUEUED and change in ("requested", "waiting", "transferred"):
            await self._notify(data, transferred=change == "transferred")
        elif change == "active" or change in ENDED_CHANGES:
            await self._settle(data, change)
        if change == "active":
            await self._offer_to_invited(data)

    async def _notify(self, data: dict[str, Any], transferred: bool) -> None:
        """Tell every linked doctor who may take this patient; each chat is told once, whichever worker wins."""
        consultation_id = str(data.get("id"))
        department = str(data.get("department"))
        if data.get("assigned_to"):
            candidates = [s for s in [await self.service.staff.get(int(data["assigned_to"]))] if s is not None]
        else:
            candidates = await self.service.staff.list(department)
        staff_ids = [s.id for s in candidates if s.active and s.role != "admin"]
        chats = await self.linker.chats_for_staff(staff_ids)
        if transferred:
            # A patient back in a queue may be announced again to those told the first time.
            async with self.runtime.db.transaction() as s:
                await s.execute(delete(TelegramNotificationRow).where(
                    TelegramNotificationRow.consultation_id == consultation_id, TelegramNotificationRow.settled.is_(True)))
        for chat_id in chats.values():
            row_id = await self._claim_notification(consultation_id, chat_id)
            if row_id is None:
                continue
            key = "telegram_transferred_to_you" if data.get("assigned_to") else "telegram_new_patient"
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(self.channel.text("telegram_accept_button"),
                                       callback_data=ACCEPT_PREFIX + consultation_id)]])
            sent = await self.channel.say(chat_id, key, keyboard=keyboard,
                                          department=data.get("department_name") or department,
                                          level=self._level(data.get("level")),
                                          brief=await self._brief(str(data.get("conversation_id") or "")))
            if sent is not None:
                async with self.runtime.db.transaction() as s:
                    await s.execute(update(TelegramNotificationRow).where(TelegramNotificationRow.id == row_id)
                                    .values(message_id=sent.message_id))

    async def _claim_notification(self, consultation_id: str, chat_id: int) -> int | None:
        try:
            async with self.runtime.db.transaction() as s:
                row = TelegramNotificationRow(consultation_id=consultation_id, chat_id=chat_id, settled=False,
                                              created_at=utcnow())
                s.add(row)
                await s.flush()
                return row.id
        except IntegrityError:
            return None  # another worker (or an earlier message) already told this chat

    async def _settle(self, data: dict[str, Any], change: str) -> None:
        """Edit the notifications of a patient no longer waiting, so nobody taps a dead button."""
        consultation_id = str(data.get("id"))
        async with self.runtime.db.session() as s:
            rows = (await s.scalars(select(TelegramNotificationRow).where(
                TelegramNotificationRow.consultation_id == consultation_id,
                TelegramNotificationRow.settled.is_(False)))).all()
        department = data.get("department_name") or data.get("department")
        if change == "active":
            doctor = await self.service.staff.get(int(data["doctor_id"])) if data.get("doctor_id") else None
            text = self.channel.text("telegram_notice_accepted_by_other", department=department,
                                     doctor=doctor.display_name if doctor else "")
        else:
            text = self.channel.text("telegram_notice_ended", department=department,
                                     status=self.channel.text(f"telegram_status_{change}"))
        for row in rows:
            async with self.runtime.db.transaction() as s:
                won = await s.execute(update(TelegramNotificationRow).where(
                    TelegramNotificationRow.id == row.id, TelegramNotificationRow.settled.is_(False)).values(settled=True))
            if won.rowcount != 1 or row.message_id is None:
                continue
            try:
                await self.channel.bot.edit_message_text(text, chat_id=row.chat_id, message_id=row.message_id)
            except BadRequest:
                pass  # the doctor deleted the message, or it is too old to edit
            except TelegramError as exc:
                log.warning("telegram: a notification could not be updated (%s)", exc.__class__.__name__)

    async def _offer_to_invited(self, data: dict[str, Any]) -> None:
        """A doctor invited into the session (a second opinion) may take part from Telegram: offer it once."""
        consultation_id = str(data.get("id"))
        invited = [int(p) for p in data.get("participants") or [] if p != data.get("doctor_id")]
        for staff_id, chat_id in (await self.linker.chats_for_staff(invited)).items():
            if not await self.channel.first_time(f"invite:{consultation_id}:{staff_id}"):
                continue
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(self.channel.text("telegram_join_button"),
                                       callback_data=JOIN_PREFIX + consultation_id)]])
            await self.channel.say(chat_id, "telegram_invited", keyboard=keyboard, tag=patient_tag(consultation_id),
                                   department=data.get("department_name") or data.get("department"),
                                   level=self._level(data.get("level")))

    async def _end_sessions(self, data: dict[str, Any], change: str) -> None:
        """Sessions worked from Telegram that ended or moved elsewhere (closed in the console, transferred, ...)."""
        async with self.runtime.db.session() as s:
            sessions = (await s.scalars(select(TelegramSessionRow).where(
                TelegramSessionRow.consultation_id == str(data.get("id")),
                TelegramSessionRow.ended_at.is_(None)))).all()
        for session in sessions:
            if await self._end_session(session):  # only one worker wins, and tells the doctor
                await self.channel.say(session.chat_id, "telegram_ended_elsewhere", tag=patient_tag(session.consultation_id),
                                       department=data.get("department_name") or data.get("department"),
                                       status=self.channel.text(f"telegram_status_{change}"))
                await self._announce_current(session.chat_id)

    async def _relay(self, topic: str, message: dict[str, Any]) -> None:
        """A patient's message (or a red flag, or a colleague's message) to the doctor's Telegram chat."""
        staff_id = int(topic.rsplit(":", 1)[1])
        consultation_id = str(message.get("consultation_id"))
        sender = str(message.get("from") or "")
        if sender.endswith(f":{staff_id}"):
            return  # the doctor's own message, echoed to every participant
        async with self.runtime.db.session() as s:
            session = await s.scalar(select(TelegramSessionRow).where(
                TelegramSessionRow.consultation_id == consultation_id, TelegramSessionRow.staff_id == staff_id,
                TelegramSessionRow.ended_at.is_(None)))
        if session is None or not await self._claim(topic):
            return
        consultation = await self.service.get(consultation_id)
        department = consultation.department_name
        tag = patient_tag(consultation_id)
        if message["type"] == "alert":
            alert = message.get("alert") or {}
            reasons = "；".join(alert.get("reasons") or []) or self._level(alert.get("level"))
            await self.channel.say(session.chat_id, "telegram_red_flag", department=department, reasons=reasons,
                                   tag=tag)
            return
        text = str(message.get("text") or "")
        if sender != "patient":
            await self.channel.say(session.chat_id, "telegram_colleague_says", name=message.get("name", ""),
                                   department=department, text=text, tag=tag)
            return
        if text:
            await self.channel.say(session.chat_id, "telegram_patient_says", department=department, text=text, tag=tag)
        attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
        if consultation.conversation_id.startswith("telegram:"):
            # The patient's photos are files of this same bot: the doctor sees them right here.
            photos = [a for a in attachments if a.get("kind") == "image" and a.get("media_id")]
            for photo in photos:
                try:
                    await self.channel.bot.send_photo(session.chat_id, photo["media_id"], caption=f"#{tag}")
                except TelegramError as exc:
                    log.warning("telegram: a patient's photo was not forwarded (%s)", exc.__class__.__name__)
            attachments = [a for a in attachments if a not in photos]
        kinds = sorted({str(a.get("kind")) for a in attachments})
        if kinds:
            await self.channel.say(session.chat_id, "telegram_patient_attachment", department=department,
                                   kinds="、".join(kinds), tag=tag)

    async def _claim(self, topic: str) -> bool:
        """True when this worker relays the doctor's topic (every worker hears it with Redis).

        One worker holds each doctor's topic and relays all of it, so messages reach the chat in the
        order the patient sent them; the lease lapses if that worker dies, and another takes over.
        """
        return await leases.hold(self.runtime.redis, self._lease_key(topic), self.worker_id, OWNER_SECONDS)

    def _lease_key(self, topic: str) -> str:
        return self.runtime.key(f"telegram:relay-owner:{topic}")

    async def _renew_ownership(self, release: bool = False) -> None:
        redis = self.runtime.redis
        if redis is None:
            return
        for topic in self.subscriptions.topics:
            key = self._lease_key(topic)
            if release:
                await leases.release(redis, key, self.worker_id)
            elif await redis.get(key) == self.worker_id:
                await leases.hold(redis, key, self.worker_id, OWNER_SECONDS)

    # -- sessions ------------------------------------------------------------------------------

    async def _current(self, chat_id: int) -> TelegramSessionRow | None:
        """The session the doctor's messages go to: the open one accepted or switched to last."""
        async with self.runtime.db.session() as s:
            return await s.scalar(select(TelegramSessionRow).where(
                TelegramSessionRow.chat_id == chat_id, TelegramSessionRow.ended_at.is_(None))
                .order_by(TelegramSessionRow.focused_at.desc(), TelegramSessionRow.id.desc()).limit(1))

    async def _end_session(self, session: TelegramSessionRow) -> bool:
        async with self.runtime.db.transaction() as s:
            result = await s.execute(update(TelegramSessionRow).where(
                TelegramSessionRow.id == session.id, TelegramSessionRow.ended_at.is_(None)).values(ended_at=utcnow()))
        return result.rowcount == 1

    async def _reopen_session(self, session: TelegramSessionRow) -> None:
        async with self.runtime.db.transaction() as s:
            await s.execute(update(TelegramSessionRow).where(TelegramSessionRow.id == session.id).values(ended_at=None))

    async def _announce_current(self, chat_id: int) -> None:
        session = await self._current(chat_id)
        if session is None:
            return
        c = await self.service.get(session.consultation_id)
        started = self.service.roster.local(session.started_at).strftime("%H:%M")
        await self.channel.say(chat_id, "telegram_now_current", department=c.department_name, started=started,
                               tag=patient_tag(c.id))

    async def _session_staff(self) -> set[int]:
        async with self.runtime.db.session() as s:
            return set((await s.scalars(select(TelegramSessionRow.staff_id).where(
                TelegramSessionRow.ended_at.is_(None)).distinct())).all())

    # -- helpers ---------------------------------------------------------------------------------

    async def _staff(self, chat_id: int, staff_id: int) -> Staff | None:
        """The linked account, if it may still act; a disabled account loses its link."""
        staff = await self.service.staff.get(staff_id)
        if staff is None or not staff.active:
            await self.linker.unlink_chat(chat_id)
            await self.channel.say(chat_id, "telegram_not_linked")
            return None
        return staff

    def _department_name(self, code: str) -> str:
        try:
            return self.service.departments.get(code).name
        except KeyError:
            return code

    def _level(self, level: Any) -> str:
        return level_name(level, self.channel.text)

    async def _brief(self, conversation_id: str) -> str:
        """The patient's main complaints, for the notification (the full summary comes on accepting)."""
        if not conversation_id:
            return ""
        state = await self.runtime.engine.state(conversation_id)
        summary = build_intake(state, [])
        return "、".join(i.label for i in summary.symptoms_present[:6])


def patient_tag(consultation_id: str) -> str:
    """A short name for a patient in the doctor's chat: tells sessions apart, identifies nobody."""
    return consultation_id[-4:].lower()


def level_name(level: Any, text: Callable[..., str]) -> str:
    """A triage level as doctors read it (telegram.yml), "not triaged" for anything else."""
    return text(f"telegram_level_{level if level in TRIAGE_LEVELS else 'unknown'}")


def render_summary(summary: IntakeSummary, text: Callable[..., str]) -> str:
    """Plain-text intake summary; `text(key, **vars)` renders a response of telegram.yml."""
    lines: list[str] = []
    if summary.patient:
        items = "；".join(f"{v['label']} {v['value']}" for v in summary.patient.values())
        lines.append(text("telegram_summary_patient", items=items))
    for key, group in (("telegram_summary_present", summary.symptoms_present),
                       ("telegram_summary_absent", summary.symptoms_absent)):
        if group:
            lines.append(text(key, items="、".join(i.label for i in group)))
    if summary.vitals:
        items = "；".join(f"{'⚠️' if v.abnormal else ''}{v.label} {v.value:g}{v.unit}" for v in summary.vitals)
        lines.append(text("telegram_summary_vitals", items=items))
    for key, group in (("telegram_summary_risks", summary.risk_factors),
                       ("telegram_summary_medications", summary.medications)):
        if group:
            lines.append(text(key, items="、".join(i.label for i in group)))
    if summary.triage:
        lines.append(text("telegram_summary_triage", level=level_name(summary.triage.get("level"), text),
                          reasons="；".join(summary.triage.get("reasons") or []) or "—"))
    if summary.attachments:
        lines.append(text("telegram_summary_attachments", count=len(summary.attachments)))
    return "\n".join(lines) if lines else text("telegram_summary_empty")


async def _answer(query: Any, text: str | None = None, alert: bool = False) -> None:
    try:
        await query.answer(text=text, show_alert=alert)
    except TelegramError:
        pass  # the tap is older than Telegram keeps callbacks for: nothing to stop spinning
