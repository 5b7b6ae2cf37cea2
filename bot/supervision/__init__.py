"""Supervision and privacy: the tamper-evident audit trail, who saw what, the regulator's export, retention."""
from bot.supervision.audit import (
    AuditEntry,
    AuditError,
    AuditTrail,
    Broken,
    Verification,
    event_entry,
)

__all__ = ["AuditEntry", "AuditError", "AuditTrail", "Broken", "Verification", "event_entry"]
