"""联系患者 and 知道了 on an emergency alert, with their audit entries: one implementation for every front end — the
console's routes (POST /api/console/alerts/{id}/consult, /dismiss) and the Telegram doctors' buttons (console8)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.consultations.labels import labels
from bot.consultations.models import EmergencyAlertRow
from bot.consultations.record import Consultation
from bot.consultations.service import consultations
from bot.consultations.staff import Staff
from bot.supervision import AuditEntry

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def consult_from_alert(runtime: "Runtime", alert_id: int, staff: Staff
                             ) -> tuple[Consultation, EmergencyAlertRow, str]:
    """A doctor on duty opens a consultation with the alert's patient (`Consultations.open_from_alert`), audited as
    `consultation.open_by_doctor` (actor, consultation, patient, why, alert id and rule ids — no patient text; for a
    patient who was waiting in a queue, `took_over`: where and in what status). Returns the consultation, the alert
    and the doctor's message (the one for a patient taken from a queue names that department).
    Raises `AlertConflict` (409: a doctor has the patient in session) or `ConsultationError`."""
    service = consultations(runtime)
    c, alert, took_over = await service.open_from_alert(alert_id, staff)
    detail: dict[str, Any] = {"why": "emergency_alert", "alert_id": alert.id,
                              "rules": list((alert.alert or {}).get("rules") or []), "department": c.department}
    if took_over is not None:
        detail["took_over"] = took_over
    await runtime.audit.record(AuditEntry(
        actor=staff.actor, action="consultation.open_by_doctor", object_type="consultation", object_id=c.id,
        subject=c.conversation_id, detail=detail))
    words = labels().data["alert_consult"]
    if took_over is None:
        return c, alert, words["opened"]
    code = str(took_over["department"])
    return c, alert, words["took_over"].format(department=service.departments.get(code).name
                                               if code in service.departments else code)


async def dismiss_alert(runtime: "Runtime", alert_id: int, staff: Staff) -> tuple[bool, EmergencyAlertRow]:
    """知道了: closes an open alert for every doctor, or acknowledges a closed one (`Consultations.dismiss_alert`),
    audited as `alert.dismiss` (`closed` true/false, the rule ids)."""
    closed, alert = await consultations(runtime).dismiss_alert(alert_id, staff)
    await runtime.audit.record(AuditEntry(
        actor=staff.actor, action="alert.dismiss", object_type="alert", object_id=str(alert.id),
        subject=alert.conversation_id, detail={"closed": closed, "rules": list((alert.alert or {}).get("rules") or [])}))
    return closed, alert
