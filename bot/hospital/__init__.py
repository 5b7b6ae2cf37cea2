"""The hospital information system (HIS) behind booking and report lookup: one protocol, two adapters.

`HospitalSystem` is what the booking and report actions use (actions/booking/); the adapter is chosen
in config.yml `hospital.system` and provided through the service container:

- `embedded` (bot/hospital/embedded.py): the bot's own tables — hourly clinic slots derived from the
  outpatient rosters in `content/hospital/clinics.yml`, appointments, and reports that staff upload
  (`wenzhen hospital report-add`). Works out of the box with the sample data.
- `fhir` (bot/hospital/fhir.py): a FHIR R4 server over REST (`Schedule`/`Slot`/`Appointment`,
  `DiagnosticReport`/`Observation`, `Patient` matched by the bound card's identifier), parsed with
  `fhir.resources`.

Times are timezone-aware. A system that cannot be reached raises `HospitalUnavailable`; a request the
system refuses (the slot was taken, the appointment is not the patient's) raises `BookingError`
with a code the patient is shown a reply for.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

# The bookable service for a nucleic-acid test: a "department" in both adapters.
NUCLEIC_ACID = "nucleic_acid"


class HospitalUnavailable(RuntimeError):
    """The hospital system did not answer (down, timed out, refused the connection, answered 5xx)."""


class BookingError(ValueError):
    """The hospital system refused the request; `code` names the reply (`utter_booking_error_<code>`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CardIdentity:
    """The bound card (就诊卡) a request is for, decrypted only for the call."""

    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class PatientRef:
    """The hospital system's patient, matched by the card's identifier."""

    id: str


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Doctor:
    id: str
    name: str
    title: str
    department: str


@dataclass(frozen=True)
class Schedule:
    """A doctor's (or a service's) planned hours in one department."""

    id: str
    department: str
    doctor: Doctor | None


@dataclass(frozen=True)
class Slot:
    """One bookable hour."""

    id: str
    department: str
    doctor: Doctor | None
    start: dt.datetime
    end: dt.datetime
    free: int = 1


@dataclass(frozen=True)
class Appointment:
    id: str
    patient: str
    slot_id: str
    department: str
    doctor: Doctor | None
    start: dt.datetime
    end: dt.datetime
    status: str  # booked | cancelled
    number: int | None = None  # the queue number (就诊序号) when the system gives one


@dataclass(frozen=True)
class Observation:
    """One result line of a report, with its reference range as the laboratory gave it."""

    name: str
    value: float | None
    unit: str = ""
    low: float | None = None
    high: float | None = None
    text: str = ""  # a result given as words (阴性) rather than a number
    reference_text: str = ""  # a reference given as words (阴性)
    interpretation: str = ""  # the laboratory's own flag (H, L, A, N...), kept as given


@dataclass(frozen=True)
class Report:
    id: str
    title: str
    issued: dt.datetime
    status: str
    observations: tuple[Observation, ...] = field(default_factory=tuple)


@runtime_checkable
class HospitalSystem(Protocol):
    """What the bot asks of a hospital information system."""

    async def departments(self) -> list[Department]: ...

    async def doctors(self, department: str) -> list[Doctor]: ...

    async def schedules(self, department: str) -> list[Schedule]: ...

    async def slots(self, department: str, day: dt.date, doctor: str | None = None) -> list[Slot]:
        """The free hourly slots of one department on one local day (optionally one doctor's)."""
        ...

    async def match_patient(self, card: CardIdentity) -> PatientRef | None: ...

    async def book(self, patient: PatientRef, slot_id: str) -> Appointment: ...

    async def cancel(self, patient: PatientRef, appointment_id: str) -> Appointment: ...

    async def reschedule(self, patient: PatientRef, appointment_id: str, slot_id: str) -> Appointment: ...

    async def appointments(self, patient: PatientRef) -> list[Appointment]:
        """The patient's appointments still to come (booked, not cancelled)."""
        ...

    async def appointment(self, appointment_id: str) -> Appointment | None: ...

    async def waiting_ahead(self, appointment_id: str) -> int | None:
        """How many patients are before this one in the queue, when the system knows."""
        ...

    async def reports(self, patient: PatientRef) -> list[Report]: ...

    async def close(self) -> None: ...


def flag(observation: Observation) -> str:
    """'↑' above the reference range, '↓' below it, '' within it or without a numeric range.

    Read from the value against the range the laboratory gave, not interpreted any further."""
    value = observation.value
    if value is None:
        return ""
    if observation.high is not None and value > observation.high:
        return "↑"
    if observation.low is not None and value < observation.low:
        return "↓"
    return ""
