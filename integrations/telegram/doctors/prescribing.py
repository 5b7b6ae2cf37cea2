"""The compact prescribing path on Telegram (docs/prescriptions.md): `/rx 诊断；药品 每次量 频次 天数；…`
in the session the doctor is in. The same domain call as the console (`Prescriptions.prescribe`): the
same checks, the same pharmacist review. Warnings are listed and the doctor signs with `/rx!` after
reading them; a blocking finding is listed and nothing is signed."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.consultations import Staff
from bot.prescriptions.checks import FREQUENCIES, Line
from bot.prescriptions.notices import PrescriptionRejected
from bot.prescriptions.service import PrescriptionError, Prescriptions, yuan
from bot.services import ServiceError

if TYPE_CHECKING:
    from integrations.telegram.doctors.desk import DoctorDesk

_SEPARATORS = re.compile(r"[；;\n]+")


def parse_rx(service: Prescriptions, text: str) -> tuple[str, list[Line]] | str:
    """(diagnosis, lines), or what is wrong with the text (said to the doctor)."""
    parts = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
    if len(parts) < 2:
        return "usage"
    lines = []
    for part in parts[1:]:
        words = part.split()
        if len(words) < 4:
            return f"“{part}”：要写 药品 每次量 频次 天数"
        name, dose, frequency, days = " ".join(words[:-3]), words[-3], words[-2].lower(), words[-1].rstrip("天")
        medicine = service.formulary.get(name)
        if medicine is None:
            found = service.formulary.search(name, limit=5)
            exact = [m for m in found if m.name == name] or [m for m in found if name in m.name]
            if len(exact) == 1 or len(found) == 1:
                medicine = (exact or found)[0]
            elif not found:
                return f"“{name}”不在线上处方目录中"
            else:
                return f"“{name}”有多个：" + "、".join(f"{m.name}（{m.code}）" for m in found) + "，请写编码"
        if frequency not in FREQUENCIES:
            return f"频次“{frequency}”请用 " + " ".join(FREQUENCIES)
        try:
            lines.append(Line(medicine.code, float(dose), frequency, int(days)))
        except ValueError:
            return f"“{part}”：每次量和天数要写数字"
    return parts[0], lines


async def prescribe_from_telegram(desk: "DoctorDesk", chat_id: int, staff: Staff, text: str, acknowledged: bool) -> None:
    try:
        service = desk.runtime.services.get(Prescriptions)
    except ServiceError:
        await desk.channel.say(chat_id, "telegram_rx_off")
        return
    session = await desk.sessions._current(chat_id)
    if session is None:
        await desk.channel.say(chat_id, "telegram_no_session")
        return
    parsed = parse_rx(service, text)
    if isinstance(parsed, str):
        await desk.channel.say(chat_id, "telegram_rx_usage", problem="" if parsed == "usage" else parsed + "\n")
        return
    diagnosis, lines = parsed
    c = await desk.service.get(session.consultation_id)
    facts = await service.intake_facts(c.conversation_id)
    try:
        p = await service.prescribe(staff, session.consultation_id, lines, diagnosis, facts, acknowledged)
    except PrescriptionError as exc:
        findings = "\n".join(("✖ " if f.severity == "block" else "⚠ ") + f.message for f in exc.findings)
        blocked = any(f.severity == "block" for f in exc.findings)
        key = "telegram_rx_confirm" if exc.findings and not blocked else "telegram_rx_refused"
        await desk.channel.say(chat_id, key, findings=findings or exc.message)
        return
    await desk.channel.say(chat_id, "telegram_rx_signed", rx_id=p.id, total=yuan(p.total_fen),
                           items=service.describe(p))


async def tell_rejected(desk: "DoctorDesk", notice: PrescriptionRejected) -> None:
    """A pharmacist rejected a prescription: its doctor, if they linked Telegram, is told once (whichever worker
    wins) with the reason, and amends it in the console (修改后重新提交)."""
    chats = await desk.linker.chats_for_staff([notice.doctor_id])
    chat_id = chats.get(notice.doctor_id)
    staff = await desk.service.staff.get(notice.doctor_id) if chat_id is not None else None
    if chat_id is None or staff is None or not staff.active or not await desk.channel.first_time(f"rx-rejected:{notice.prescription_id}:{notice.version}"):
        return
    await desk.channel.say(chat_id, "telegram_rx_rejected", rx_id=notice.prescription_id, version=notice.version,
                           medicines="、".join(notice.medicines), pharmacist=notice.pharmacist, reason=notice.reason)
