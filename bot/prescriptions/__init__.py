"""Online prescriptions: the formulary, the automatic checks, and the prescription/review/order/renewal
domain (`Prescriptions`, a service built once at start by the `actions.prescriptions` plugin).

See docs/prescriptions.md. The bot never writes a prescription: only a signed-in doctor signs one.
"""
from bot.prescriptions.checks import Finding, Limits, Line, PatientFacts, check_prescription, review_refusal
from bot.prescriptions.formulary import Formulary, FormularyError, Medicine, load_formulary
from bot.prescriptions.notices import PrescriptionRejected
from bot.prescriptions.payments import ManualPayments, PaymentProvider, PaymentRequest, PaymentResult
from bot.prescriptions.service import (
    Order,
    Prescription,
    PrescriptionError,
    Prescriptions,
    Renewal,
    build_prescriptions,
    prescriptions,
)

__all__ = [
    "Finding", "Formulary", "FormularyError", "Limits", "Line", "ManualPayments", "Medicine", "Order", "PatientFacts",
    "PaymentProvider", "PaymentRequest", "PaymentResult", "Prescription", "PrescriptionError", "PrescriptionRejected",
    "Prescriptions",
    "Renewal", "build_prescriptions", "check_prescription", "load_formulary", "prescriptions", "review_refusal",
]
