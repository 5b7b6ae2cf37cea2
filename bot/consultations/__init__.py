"""Live doctor sessions: staff and departments, rosters, and the consultation lifecycle and queue.

The public face; see docs/consultations.md for the API, the events and the pub/sub topics.
"""
from bot.consultations.departments import Department, Departments, load_departments
from bot.consultations.summary import IntakeSummary, build_intake, patient_attachments
from bot.consultations.lifecycle import (
    ACTIVE,
    CANCELLED,
    CLOSED,
    EXPIRED,
    OPEN,
    QUEUED,
    REQUESTED,
    STATUSES,
    TRANSFERRED,
    WAITING,
)
from bot.consultations.roster import Roster, RosterError, Session, parse_minute, parse_weekday
from bot.consultations.notices import (
    AlertTaken,
    AlertUpdated,
    ChatLine,
    ConsultationChanged,
    DepartmentAlert,
    DoctorRef,
    IntakeUpdated,
    Invited,
    Notice,
    RedFlag,
    SessionAlert,
)
from bot.consultations.record import Consultation
from bot.consultations.service import (
    Closing,
    ConsultationError,
    Consultations,
    QueueEntry,
    RequestOutcome,
    Transition,
    consultations,
    topics,
)
from bot.consultations.staff import ROLES, SignIn, Staff, StaffDirectory, StaffError

__all__ = [
    "ACTIVE", "CANCELLED", "CLOSED", "EXPIRED", "OPEN", "QUEUED", "REQUESTED", "ROLES", "STATUSES",
    "TRANSFERRED", "WAITING",
    "AlertTaken", "AlertUpdated", "ChatLine", "Closing", "Consultation", "ConsultationChanged", "ConsultationError", "DepartmentAlert", "DoctorRef",
    "IntakeUpdated",
    "Invited", "Notice", "RedFlag", "SessionAlert", "Consultations", "Department", "Departments",
    "IntakeSummary", "QueueEntry", "RequestOutcome", "Roster", "RosterError", "Session", "SignIn", "Staff",
    "StaffDirectory", "StaffError", "Transition",
    "build_intake", "consultations", "load_departments", "patient_attachments", "parse_minute", "parse_weekday", "topics",
]
