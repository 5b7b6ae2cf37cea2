"""Doctors on Telegram: linking, queue notifications with an accept button, the live chat, /close, /rx, and a
prescription the pharmacist rejected (to its doctor, once).

The consultation domain (`bot.consultations`) decides everything; this module only carries it
to and from Telegram. It learns of changes through `runtime.pubsub` (department topics for the
queue, staff topics for sessions). With Redis every worker hears every message, so each
notification and relay is claimed first (a unique row, or a Redis SET NX) and sent once.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from telegram import Update

from bot.consultations import (
    ACTIVE,
    ChatLine,
    Closing,
    Consultation,
    ConsultationChanged,
    ConsultationError,
    DepartmentAlert,
    Notice,
    SessionAlert,
    Staff,
    build_intake,
    consultations,
    topics,
)
from bot.consultations.labels import labels
from bot.db import utcnow
from bot.prescriptions.notices import PRESCRIBERS, PrescriptionRejected
from bot.staff_links import LinkError
from bot.supervision import AuditEntry
from integrations.console.presenters import doctor_reasons
from integrations.telegram.doctors.prescribing import prescribe_from_telegram, tell_rejected
from integrations.telegram.doctors.queue import (
    ACCEPT_PREFIX,
    CONSULT_ALERT_PREFIX,
    DISMISS_ALERT_PREFIX,
    JOIN_PREFIX,
    TAKE_ALERT_PREFIX,
    QueueNotices,
)
from integrations.telegram.doctors.relay import Relay
from integrations.telegram.doctors.sessions import Sessions
from integrations.telegram.doctors.subscriptions import Subscriptions
from integrations.telegram.doctors.text import answer_callback, level_name, patient_tag, render_summary
from integrations.telegram.models import TelegramSessionRow

if TYPE_CHECKING:
    from integrations.telegram.channel import TelegramChannel

log = logging.getLogger("wenzhen.telegram")

HEARTBEAT_SECONDS = 10.0  # the domain counts a doctor present for 30 s after a heartbeat


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
        self.sessions = Sessions(self)
        self.queue = QueueNotices(self)
        self.relay = Relay(self)

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
            await self.relay._renew_ownership(release=True)  # another worker takes over at once, not in 30 s
        except Exception:
            log.warning("telegram: relay ownership not released; it lapses by itself")
        await self.subscriptions.close()

    async def refresh(self) -> None:
        """Listen to every department's queue and to the doctors who work a session from Telegram."""
        wanted = {topics.department(code) for code in self.service.departments.codes()} | {PRESCRIBERS}
        wanted |= {topics.staff(staff_id) for staff_id in await self.sessions._session_staff()}
        await self.subscriptions.ensure(wanted)

    async def _beat(self) -> None:
        while True:
            try:
                for staff_id in await self.sessions._session_staff():
                    await self.service.heartbeat(staff_id)
                await self.refresh()  # sessions opened or ended on other workers
                await self.queue.alerts_for_doctors_on_duty()  # a shift began: the alerts still open
                await self.relay._renew_ownership()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("telegram: heartbeat failed")
            await asyncio.sleep(HEARTBEAT_SECONDS)

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
        outcome = "ok" if staff is not None and staff.active else "refused"
        # Linking a chat is how a doctor signs in on Telegram: the trail records it like a console sign-in.
        await self.runtime.audit.record(AuditEntry(
            actor=staff.actor if staff else "unknown", action="staff.sign_in", object_type="staff",
            object_id=str(staff_id), detail={"outcome": outcome, "channel": "telegram"}))
        if staff is None or not staff.active:
            await self.linker.unlink_chat(chat_id)
            await self.channel.say(chat_id, "telegram_link_failed")
            return
        names = [self._department_name(d) for d in staff.departments]
        await self.channel.say(chat_id, "telegram_link_ok", name=staff.display_name, title=staff.title,
                               departments="、".join(names))
        await self.queue.tell_open_alerts(chat_id, staff)  # emergencies raised before this doctor came

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
        if command == "/transfer":
            await self.transfer(chat_id, staff, rest.strip())
            return
        if command in ("/rx", "/rx!"):
            await prescribe_from_telegram(self, chat_id, staff, rest.strip(), acknowledged=command == "/rx!")
            return
        if command:
            await self.channel.say(chat_id, "telegram_doctor_help")
            return
        if not text:
            await self.channel.say(chat_id, "telegram_doctor_text_only")
            return
        session = await self.sessions._current(chat_id)
        if session is None:
            await self.channel.say(chat_id, "telegram_no_session")
            return
        try:
            await self.service.send(session.consultation_id, staff, text)
        except ConsultationError as exc:
            if exc.code == "invalid":
                await self.channel.say(chat_id, "telegram_doctor_text_invalid")
                return
            await self.sessions._end_session(session)
            await self.channel.say(chat_id, "telegram_relay_failed")

    async def close(self, chat_id: int, staff: Staff, summary: str) -> None:
        session = await self.sessions._current(chat_id)
        if session is None:
            await self.channel.say(chat_id, "telegram_no_session")
            return
        if not summary:
            await self.channel.say(chat_id, "telegram_close_usage")
            return
        # Ended first, so the "closed" the domain publishes is not also reported as "ended elsewhere".
        await self.sessions._end_session(session)
        try:
            await self.service.close(session.consultation_id, staff, Closing(summary=summary))
        except ConsultationError as exc:
            if exc.code == "invalid":
                await self.sessions._reopen_session(session)
                await self.channel.say(chat_id, "telegram_close_usage")
            else:
                await self.channel.say(chat_id, "telegram_relay_failed")
                await self._announce_current(chat_id)
            return
        await self.channel.say(chat_id, "telegram_closed")
        await self._announce_current(chat_id)

    async def transfer(self, chat_id: int, staff: Staff, target: str) -> None:
        """/transfer 儿科 or /transfer 张强: hand the current patient to a department's queue or a named doctor
        (`Consultations.transfer`). The confirmation naming where the patient went comes with the domain's
        `transferred` change, as for a transfer made in the console (`QueueNotices._end_sessions`)."""
        session = await self.sessions._current(chat_id)
        if session is None:
            await self.channel.say(chat_id, "telegram_no_session")
            return
        departments = self.service.departments.items
        name = target.strip().removesuffix("医生")
        department = next((d.code for d in departments if name and name in (d.code, d.name)), None)
        doctor = None
        if department is None and name:
            doctor = next((x for x in await self.service.staff.list() if x.active and x.role != "admin"
                           and x.id != staff.id and x.display_name.removesuffix("医生") == name), None)
        if department is None and doctor is None:
            await self.channel.say(chat_id, "telegram_transfer_usage",
                                   departments="、".join(d.name for d in departments))
            return
        try:
            await self.service.transfer(session.consultation_id, staff, department=department,
                                        to_staff_id=doctor.id if doctor else None)
        except ConsultationError as exc:
            if exc.code == "invalid":
                await self.channel.say(chat_id, "telegram_transfer_usage",
                                       departments="、".join(d.name for d in departments))
                return
            await self.channel.say(chat_id, "telegram_relay_failed")

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
        if not data.startswith((ACCEPT_PREFIX, JOIN_PREFIX, TAKE_ALERT_PREFIX, CONSULT_ALERT_PREFIX, DISMISS_ALERT_PREFIX)):
            await answer_callback(query)
            return
        staff = await self._staff(chat_id, staff_id)
        if staff is None:
            await answer_callback(query)
            return
        if data.startswith(TAKE_ALERT_PREFIX):
            await self.queue.take_alert(query, staff, data[len(TAKE_ALERT_PREFIX):][:16])
            return
        if data.startswith(CONSULT_ALERT_PREFIX):
            await self.queue.consult_alert(query, chat_id, staff, data[len(CONSULT_ALERT_PREFIX):][:16])
            return
        if data.startswith(DISMISS_ALERT_PREFIX):
            await self.queue.dismiss_alert(query, staff, data[len(DISMISS_ALERT_PREFIX):][:16])
            return
        if data.startswith(JOIN_PREFIX):
            await self._join(query, chat_id, staff, data[len(JOIN_PREFIX):][:64])
            return
        consultation_id = data[len(ACCEPT_PREFIX):][:64]
        # The session exists and is listened to before the patient learns a doctor is there,
        # so the patient's first words after "医生已接诊" already reach this chat.
        session = await self.sessions._open_session(chat_id, staff.id, consultation_id)
        if session is None:
            await answer_callback(query)
            return
        await self.service.heartbeat(staff.id)
        await self.subscriptions.add(topics.staff(staff.id))
        try:
            c = await self.service.accept(consultation_id, staff)
        except ConsultationError as exc:
            async with self.runtime.db.transaction() as s:
                await s.execute(delete(TelegramSessionRow).where(TelegramSessionRow.id == session))
            key = "telegram_accept_forbidden" if exc.code == "forbidden" else "telegram_accept_failed"
            await answer_callback(query, self.channel.text(key), alert=True)
            return
        await answer_callback(query)
        await self.channel.say(chat_id, "telegram_accepted_by_you", department=c.department_name, tag=patient_tag(c.id))
        await self._brief_doctor(chat_id, c, staff)

    async def _join(self, query: Any, chat_id: int, staff: Staff, consultation_id: str) -> None:
        try:
            c = await self.service.get(consultation_id)
        except ConsultationError:
            c = None
        if c is None or c.status != ACTIVE or staff.id not in c.participants:
            await answer_callback(query, self.channel.text("telegram_join_failed"), alert=True)
            return
        if await self.sessions._open_session(chat_id, staff.id, c.id) is None:
            await answer_callback(query)  # already in it
            return
        await self.service.heartbeat(staff.id)
        await self.subscriptions.add(topics.staff(staff.id))
        await answer_callback(query)
        await self.channel.say(chat_id, "telegram_joined", department=c.department_name, tag=patient_tag(c.id))
        await self._brief_doctor(chat_id, c, staff)

    async def _brief_doctor(self, chat_id: int, c: Consultation, staff: Staff) -> None:
        """The intake summary, then how the chat works. Showing it opens the patient's record: audited."""
        await self.runtime.audit.record(AuditEntry(
            actor=staff.actor, action="record.open", object_type="consultation", object_id=c.id,
            subject=c.conversation_id, detail={"channel": "telegram"}))
        await self.channel.bot.send_message(chat_id, await self.summary_text(c))
        await self.channel.say(chat_id, "telegram_session_help")

    async def summary_text(self, c: Consultation) -> str:
        """The intake summary of `build_intake` as lines of text (the console shows the same facts as HTML)."""
        state = await self.runtime.engine.state(c.conversation_id)
        events = await self.runtime.engine.events(c.conversation_id)
        summary = build_intake(state, events)
        reasons = doctor_reasons(self.runtime, summary.triage) if summary.triage else None
        return render_summary(summary, self.channel.text, reasons)

    async def _on_pubsub(self, topic: str, message: Notice | PrescriptionRejected) -> None:
        if isinstance(message, PrescriptionRejected):
            if topic == PRESCRIBERS:  # the staff topic carries it too, for the console: told once
                await tell_rejected(self, message)
        elif isinstance(message, ConsultationChanged):
            if topic.startswith(topics.DEPARTMENT):
                await self.queue._on_queue_change(message.change, message.consultation)
        elif isinstance(message, DepartmentAlert):
            await self.queue._alert_department(message, topic)
        elif isinstance(message, ChatLine | SessionAlert):
            staff_id = topics.staff_id(topic)
            if staff_id is not None:  # only staff topics carry these
                await self.relay._relay(topic, staff_id, message)

    async def _announce_current(self, chat_id: int) -> None:
        session = await self.sessions._current(chat_id)
        if session is None:
            return
        c = await self.service.get(session.consultation_id)
        started = self.service.roster.local(session.started_at).strftime("%H:%M")
        await self.channel.say(chat_id, "telegram_now_current", department=c.department_name, started=started,
                               tag=patient_tag(c.id))

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
        return "、".join(labels().code(i.code, i.label) for i in summary.symptoms_present[:6])
