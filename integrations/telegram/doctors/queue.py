"""The doctors' queue on Telegram: a notice with an accept button per waiting patient (told once per
chat, whichever worker wins), notices settled when the patient is taken, invitations, and the
department's emergency alerts."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot.consultations import QUEUED, Consultation, ConsultationError, DepartmentAlert, Staff, topics
from bot.db import utcnow
from bot.consultations.alert_actions import consult_from_alert, dismiss_alert
from bot.consultations.labels import labels
from bot.messages import BotMessage
from bot.consultations.service import AlertConflict
from integrations.telegram.doctors.text import answer_callback, patient_tag
from integrations.telegram.models import TelegramNotificationRow, TelegramSessionRow

if TYPE_CHECKING:
    from integrations.telegram.doctors.desk import DoctorDesk

log = logging.getLogger("wenzhen.telegram")

ACCEPT_PREFIX = "accept:"
JOIN_PREFIX = "join:"  # a doctor invited into a session joins it from Telegram
TAKE_ALERT_PREFIX = "alert:"  # "我来处理" under a department alert
CONSULT_ALERT_PREFIX = "alertc:"  # "联系患者" under a department alert (console8)
DISMISS_ALERT_PREFIX = "alertd:"  # "知道了" under a department alert (console8)
ENDED_CHANGES = ("closed", "cancelled", "expired")


class QueueNotices:
    """What a department's queue changes mean for its linked doctors' chats."""

    def __init__(self, desk: "DoctorDesk") -> None:
        self.desk = desk

    async def _on_queue_change(self, change: str, c: Consultation) -> None:
        if change in (*ENDED_CHANGES, "transferred"):
            await self._end_sessions(c, change)
        if c.status in QUEUED and change in ("requested", "waiting", "transferred"):
            await self._notify(c, transferred=change == "transferred")
        elif change == "active" or change in ENDED_CHANGES:
            await self._settle(c, change)
        if change == "active":
            await self._offer_to_invited(c)

    async def _notify(self, c: Consultation, transferred: bool) -> None:
        """Tell every linked doctor who may take this patient; each chat is told once, whichever worker wins."""
        consultation_id = c.id
        if c.assigned_to:
            candidates = [s for s in [await self.desk.service.staff.get(c.assigned_to)] if s is not None]
        else:
            candidates = await self.desk.service.staff.list(c.department)
        staff_ids = [s.id for s in candidates if s.active and s.role != "admin"]
        chats = await self.desk.linker.chats_for_staff(staff_ids)
        if transferred:
            # A patient back in a queue may be announced again to those told the first time.
            async with self.desk.runtime.db.transaction() as s:
                await s.execute(delete(TelegramNotificationRow).where(
                    TelegramNotificationRow.consultation_id == consultation_id, TelegramNotificationRow.settled.is_(True)))
        for chat_id in chats.values():
            row_id = await self._claim_notification(consultation_id, chat_id)
            if row_id is None:
                continue
            key = "telegram_transferred_to_you" if c.assigned_to else "telegram_new_patient"
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(self.desk.channel.text("telegram_accept_button"),
                                       callback_data=ACCEPT_PREFIX + consultation_id)]])
            sent = await self.desk.channel.say(chat_id, key, keyboard=keyboard,
                                          department=c.department_name or c.department,
                                          level=self.desk._level(c.level),
                                          brief=await self.desk._brief(c.conversation_id or ""))
            if sent is not None:
                async with self.desk.runtime.db.transaction() as s:
                    await s.execute(update(TelegramNotificationRow).where(TelegramNotificationRow.id == row_id)
                                    .values(message_id=sent.message_id))

    async def _alert_department(self, message: DepartmentAlert, topic: str = "") -> None:
        """An emergency outside any session: every linked doctor of the department is told, once per chat —
        and of the department it was routed to when its own has nobody on duty (`alert_topics`)."""
        departments = {message.department}
        if topic.startswith(topics.DEPARTMENT):
            departments.add(topic[len(topics.DEPARTMENT):])
        staff = [s for code in sorted(departments) for s in await self.desk.service.staff.list(code)]
        chats = await self.desk.linker.chats_for_staff(sorted({s.id for s in staff if s.active and s.role != "admin"}))
        for chat_id in chats.values():
            await self.tell_alert(chat_id, message)

    async def tell_alert(self, chat_id: int, message: DepartmentAlert) -> None:
        """One alert to one chat, once (live, at linking, or going on duty), with "我来处理" for a kept alert."""
        once = (f"dept-alert:{message.alert_id}:{chat_id}" if message.alert_id is not None
                else f"dept-alert:{message.conversation_id}:{message.at.isoformat()}:{chat_id}")
        if not await self.desk.channel.first_time(once):
            return
        # console8: 联系患者 (open a consultation with the patient, who asked for no doctor) and 知道了 (close the alert for
        # all) beside 我来处理, as on the console: the same domain calls, audited the same way (alert_actions).
        keyboard = None if message.alert_id is None else InlineKeyboardMarkup(
            [[InlineKeyboardButton(self.desk.channel.text("telegram_take_alert_button"),
                                   callback_data=TAKE_ALERT_PREFIX + str(message.alert_id))],
             [InlineKeyboardButton(self.desk.channel.text("telegram_consult_alert_button"),
                                   callback_data=CONSULT_ALERT_PREFIX + str(message.alert_id)),
              InlineKeyboardButton(self.desk.channel.text("telegram_dismiss_alert_button"),
                                   callback_data=DISMISS_ALERT_PREFIX + str(message.alert_id))]])
        reasons = "；".join(message.alert.reasons) or self.desk._level(message.alert.level)
        await self.desk.channel.say(chat_id, "telegram_department_alert", keyboard=keyboard,
                                    department=message.department_name, reasons=reasons,
                                    when=self.desk.service.roster.local(message.at).strftime("%m-%d %H:%M"))

    async def tell_open_alerts(self, chat_id: int, staff: Staff) -> None:
        """The alerts no doctor has taken yet that this doctor would be shown (raised before they came)."""
        if staff.active and staff.role == "doctor":
            for alert in await self.desk.service.open_alerts(staff):
                await self.tell_alert(chat_id, alert)

    async def alerts_for_doctors_on_duty(self) -> None:
        """A linked doctor whose shift has begun is told the open alerts (each once per chat)."""
        service, now = self.desk.service, utcnow()
        on_duty: set[int] = set()
        for code in service.departments.codes():
            session = await service.roster.current_session(code, now)
            if session is not None:
                on_duty |= set(session.staff_ids)
        for staff_id, chat_id in (await self.desk.linker.chats_for_staff(sorted(on_duty))).items() if on_duty else ():
            staff = await service.staff.get(staff_id)
            if staff is not None:
                await self.tell_open_alerts(chat_id, staff)

    async def take_alert(self, query: Any, staff: Staff, alert_id: str) -> None:
        """ "我来处理" tapped: this doctor takes the patient's open alerts (the consoles drop their banners)."""
        try:
            taken = await self.desk.service.take_alerts(int(alert_id), staff)
        except (ValueError, ConsultationError):
            await answer_callback(query, self.desk.channel.text("telegram_take_alert_failed"), alert=True)
            return
        await answer_callback(query, self.desk.channel.text("telegram_alert_taken" if taken else "telegram_alert_taken_before"),
                              alert=not taken)

    async def dismiss_alert(self, query: Any, staff: Staff, alert_id: str) -> None:
        """ "知道了" tapped (console8): the alert is closed for every doctor (or acknowledged), audited `alert.dismiss`."""
        try:
            closed, _ = await dismiss_alert(self.desk.runtime, int(alert_id), staff)
        except (ValueError, ConsultationError):
            await answer_callback(query, self.desk.channel.text("telegram_take_alert_failed"), alert=True)
            return
        await answer_callback(query, self.desk.channel.text("telegram_alert_dismissed" if closed else "telegram_alert_dismissed_before"))

    async def consult_alert(self, query: Any, chat_id: int, staff: Staff, alert_id: str) -> None:
        """ "联系患者" tapped (console8): a consultation is opened with the alert's patient (told the doctor joined),
        audited `consultation.open_by_doctor`; the chat works it as an accepted one. A colleague who was quicker, a doctor
        off the roster or of another department is told why, in the domain's words."""
        desk = self.desk
        await desk.subscriptions.add(topics.staff(staff.id))  # the patient's first words reach this chat
        try:
            c, _, message = await consult_from_alert(desk.runtime, int(alert_id), staff)
        except AlertConflict as exc:
            await answer_callback(query, exc.message, alert=True)
            return
        except ConsultationError as exc:
            await answer_callback(query, exc.message, alert=True)
            return
        except ValueError:
            await answer_callback(query, desk.channel.text("telegram_take_alert_failed"), alert=True)
            return
        await desk.sessions._open_session(chat_id, staff.id, c.id)
        await desk.service.heartbeat(staff.id)
        await answer_callback(query)
        await desk.channel.say(chat_id, "telegram_accepted_by_you", department=c.department_name, tag=patient_tag(c.id))
        if message != labels().data["alert_consult"]["opened"]:
            await desk.channel.send(chat_id, [BotMessage(text=message)])  # trial 12: taken from another queue
        await desk._brief_doctor(chat_id, c, staff)

    async def _claim_notification(self, consultation_id: str, chat_id: int) -> int | None:
        try:
            async with self.desk.runtime.db.transaction() as s:
                row = TelegramNotificationRow(consultation_id=consultation_id, chat_id=chat_id, settled=False,
                                              created_at=utcnow())
                s.add(row)
                await s.flush()
                return row.id
        except IntegrityError:
            return None  # another worker (or an earlier message) already told this chat

    async def _settle(self, c: Consultation, change: str) -> None:
        """Edit the notifications of a patient no longer waiting, so nobody taps a dead button."""
        consultation_id = c.id
        async with self.desk.runtime.db.session() as s:
            rows = (await s.scalars(select(TelegramNotificationRow).where(
                TelegramNotificationRow.consultation_id == consultation_id,
                TelegramNotificationRow.settled.is_(False)))).all()
        department = c.department_name or c.department
        if change == "active":
            doctor = await self.desk.service.staff.get(c.doctor_id) if c.doctor_id else None
            text = self.desk.channel.text("telegram_notice_accepted_by_other", department=department,
                                     doctor=doctor.display_name if doctor else "")
        else:
            text = self.desk.channel.text("telegram_notice_ended", department=department,
                                     status=self.desk.channel.text(f"telegram_status_{change}"))
        for row in rows:
            async with self.desk.runtime.db.transaction() as s:
                won = await s.execute(update(TelegramNotificationRow).where(
                    TelegramNotificationRow.id == row.id, TelegramNotificationRow.settled.is_(False)).values(settled=True))
            if won.rowcount != 1 or row.message_id is None:
                continue
            try:
                await self.desk.channel.bot.edit_message_text(text, chat_id=row.chat_id, message_id=row.message_id)
            except BadRequest:
                pass  # the doctor deleted the message, or it is too old to edit
            except TelegramError as exc:
                log.warning("telegram: a notification could not be updated (%s)", exc.__class__.__name__)

    async def _offer_to_invited(self, c: Consultation) -> None:
        """A doctor invited into the session (a second opinion) may take part from Telegram: offer it once."""
        consultation_id = c.id
        invited = [p for p in c.participants if p != c.doctor_id]
        for staff_id, chat_id in (await self.desk.linker.chats_for_staff(invited)).items():
            if not await self.desk.channel.first_time(f"invite:{consultation_id}:{staff_id}"):
                continue
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(self.desk.channel.text("telegram_join_button"),
                                       callback_data=JOIN_PREFIX + consultation_id)]])
            await self.desk.channel.say(chat_id, "telegram_invited", keyboard=keyboard, tag=patient_tag(consultation_id),
                                   department=c.department_name or c.department,
                                   level=self.desk._level(c.level))

    async def _end_sessions(self, c: Consultation, change: str) -> None:
        """Sessions worked from Telegram that ended or moved elsewhere (closed in the console, transferred, ...)."""
        async with self.desk.runtime.db.session() as s:
            sessions = (await s.scalars(select(TelegramSessionRow).where(
                TelegramSessionRow.consultation_id == c.id,
                TelegramSessionRow.ended_at.is_(None)))).all()
        for session in sessions:
            if not await self.desk.sessions._end_session(session):  # only one worker wins, and tells the doctor
                continue
            if change == "transferred":
                # Newcomer trial 12: the doctor who transferred is told where the patient went, by name.
                target = c.department_name or c.department
                to = await self.desk.service.staff.get(c.assigned_to) if c.assigned_to else None
                if to is not None:
                    target = f"{to.display_name}（{target}）"
                await self.desk.channel.say(session.chat_id, "telegram_transferred_away",
                                            tag=patient_tag(session.consultation_id), target=target)
                await self.desk._announce_current(session.chat_id)
            else:
                await self.desk.channel.say(session.chat_id, "telegram_ended_elsewhere", tag=patient_tag(session.consultation_id),
                                       department=c.department_name or c.department,
                                       status=self.desk.channel.text(f"telegram_status_{change}"))
                await self.desk._announce_current(session.chat_id)
