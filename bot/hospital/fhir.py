"""A FHIR R4 hospital system over REST (httpx), its resources parsed with `fhir.resources` (R4B models,
wire-compatible with R4 for the resources used here).

- departments and doctors: `Schedule?active=true&_include=Schedule:actor` — a department is the
  schedule's `specialty` coding, a doctor its `Practitioner` actor;
- hourly slots: `Slot?schedule=Schedule/<id>&status=free&start=ge<day>&start=lt<next day>`;
- the patient: `POST Patient/_search` with `identifier=<system>|<the bound card's ID number>` in the
  body, never in a URL (config
  `hospital.fhir.patient_identifier_system`, by default the resident ID card OID);
- booking: the slot is read (it must be `free`), an `Appointment` (status `booked`, the slot, the
  patient and the practitioner) is created and the slot set `busy`; cancelling sets the appointment
  `cancelled` and the slot `free` again; rescheduling books the new hour first, then cancels the old;
- reports: `DiagnosticReport?patient=Patient/<id>&_include=DiagnosticReport:result`, each result an
  `Observation` with its `referenceRange`.

A server that cannot be reached, times out or answers 5xx raises `HospitalUnavailable`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation as FhirObservation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot
from pydantic import ValidationError

from bot.hospital import (
    Appointment,
    BookingError,
    CardIdentity,
    Department,
    Doctor,
    HospitalUnavailable,
    Observation,
    PatientRef,
    Report,
    Schedule,
    Slot,
)

FHIR_JSON = "application/fhir+json"


def _ref_id(reference: str | None, kind: str) -> str:
    if not reference:
        return ""
    prefix = f"{kind}/"
    return reference[len(prefix):] if reference.startswith(prefix) else reference.rsplit("/", 1)[-1]


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromisoformat(str(value))


class FhirHospital:
    """A HospitalSystem on a FHIR R4 server."""

    def __init__(self, base_url: str, timeout: float = 10, identifier_system: str = "urn:oid:2.16.156.10011.1.3",
                 timezone: str = "Asia/Shanghai", token: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        headers = {"Accept": FHIR_JSON}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", timeout=timeout, headers=headers,
                                       transport=transport)
        self.identifier_system = identifier_system
        self.zone = ZoneInfo(timezone)

    # -- transport -------------------------------------------------------------------------------

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise HospitalUnavailable(f"FHIR {method} {path.split('?')[0]}: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise HospitalUnavailable(f"FHIR {method} {path.split('?')[0]}: HTTP {response.status_code}")
        return response

    async def _search(self, path: str, params: list[tuple[str, str]], by_post: bool = False) -> list[Any]:
        if by_post:
            # FHIR's POST [type]/_search: the parameters travel in the body, out of URLs and so out
            # of access logs (the patient's ID number is one of them).
            response = await self._call("POST", f"{path}/_search", data=dict(params),
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        else:
            response = await self._call("GET", path, params=params)
        if response.status_code != 200:
            raise HospitalUnavailable(f"FHIR search {path}: HTTP {response.status_code}")
        try:
            bundle = Bundle.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise HospitalUnavailable(f"FHIR search {path}: not a Bundle") from exc
        return [entry.resource for entry in bundle.entry or () if entry.resource is not None]

    async def _read(self, kind: type[Any], path: str) -> Any | None:
        response = await self._call("GET", path)
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise HospitalUnavailable(f"FHIR read {path.split('/')[0]}: HTTP {response.status_code}")
        try:
            return kind.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise HospitalUnavailable(f"FHIR read {path.split('/')[0]}: not a {kind.__name__}") from exc

    async def _write(self, method: str, path: str, resource: Any) -> Any:
        response = await self._call(method, path, content=resource.model_dump_json(exclude_none=True),
                                    headers={"Content-Type": FHIR_JSON, "Prefer": "return=representation"})
        if response.status_code == 409 or response.status_code == 412:
            raise BookingError("slot_taken")
        if response.status_code not in (200, 201):
            raise BookingError("refused")
        return type(resource).model_validate(response.json())

    # -- directory -------------------------------------------------------------------------------

    def _doctor(self, practitioner: Practitioner | None, display: str, department: str) -> Doctor | None:
        if practitioner is None and not display:
            return None
        name, title = display, ""
        if practitioner is not None:
            if practitioner.name:
                first = practitioner.name[0]
                parts = [first.family or "", *(g or "" for g in first.given or ())]
                name = first.text or "".join(parts) or name
            if practitioner.qualification:
                title = practitioner.qualification[0].code.text or ""
            return Doctor(str(practitioner.id), name, title, department)
        return Doctor(display, name, title, department)

    async def _schedules(self, department: str | None = None) -> list[tuple[FhirSchedule, Schedule, Department]]:
        params = [("active", "true"), ("_include", "Schedule:actor"), ("_count", "200")]
        if department:
            params.append(("specialty", department))
        found = await self._search("Schedule", params)
        practitioners = {f"Practitioner/{r.id}": r for r in found if isinstance(r, Practitioner)}
        out = []
        for resource in found:
            if not isinstance(resource, FhirSchedule):
                continue
            coding = resource.specialty[0].coding[0] if resource.specialty and resource.specialty[0].coding else None
            if coding is None or not coding.code:
                continue
            code = str(coding.code)
            doctor = None
            for actor in resource.actor or ():
                if actor.reference and actor.reference.startswith("Practitioner/"):
                    doctor = self._doctor(practitioners.get(actor.reference), actor.display or "", code)
            label = str(coding.display or code)
            out.append((resource, Schedule(str(resource.id), code, doctor), Department(code, label)))
        return out

    async def departments(self) -> list[Department]:
        seen: dict[str, Department] = {}
        for _, _, department in await self._schedules():
            seen.setdefault(department.code, department)
        return list(seen.values())

    async def doctors(self, department: str) -> list[Doctor]:
        seen: dict[str, Doctor] = {}
        for _, schedule, _ in await self._schedules(department):
            if schedule.doctor is not None:
                seen.setdefault(schedule.doctor.id, schedule.doctor)
        return list(seen.values())

    async def schedules(self, department: str) -> list[Schedule]:
        return [s for _, s, _ in await self._schedules(department)]

    async def slots(self, department: str, day: dt.date, doctor: str | None = None) -> list[Slot]:
        start = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        now = dt.datetime.now(dt.timezone.utc)
        out: list[Slot] = []
        for _, schedule, _ in await self._schedules(department):
            if doctor and (schedule.doctor is None or schedule.doctor.id != doctor):
                continue
            found = await self._search("Slot", [
                ("schedule", f"Schedule/{schedule.id}"), ("status", "free"),
                ("start", f"ge{start.isoformat()}"), ("start", f"lt{(start + dt.timedelta(days=1)).isoformat()}"),
            ])
            for slot in found:
                if isinstance(slot, FhirSlot) and slot.status == "free" and _aware(slot.start) > now:
                    out.append(Slot(str(slot.id), department, schedule.doctor, _aware(slot.start), _aware(slot.end), 1))
        return sorted(out, key=lambda s: (s.start, s.doctor.name if s.doctor else ""))

    # -- patients and appointments ---------------------------------------------------------------

    async def match_patient(self, card: CardIdentity) -> PatientRef | None:
        found = await self._search("Patient", [("identifier", f"{self.identifier_system}|{card.id_number}")],
                                   by_post=True)
        patients = [p for p in found if isinstance(p, FhirPatient)]
        return PatientRef(str(patients[0].id)) if len(patients) == 1 else None

    async def _appointment(self, resource: FhirAppointment) -> Appointment:
        patient, doctor_ref, doctor_display = "", "", ""
        for participant in resource.participant or ():
            actor = participant.actor
            reference = actor.reference if actor is not None else ""
            if reference and reference.startswith("Patient/"):
                patient = _ref_id(reference, "Patient")
            elif actor is not None and reference and reference.startswith("Practitioner/"):
                doctor_ref, doctor_display = _ref_id(reference, "Practitioner"), actor.display or ""
        coding = resource.specialty[0].coding[0] if resource.specialty and resource.specialty[0].coding else None
        department = str(coding.code) if coding is not None else ""
        doctor = Doctor(doctor_ref, doctor_display, "", department) if doctor_ref else None
        slot_id = _ref_id(resource.slot[0].reference, "Slot") if resource.slot else ""
        return Appointment(str(resource.id), patient, slot_id, department, doctor, _aware(resource.start),
                           _aware(resource.end), "booked" if resource.status == "booked" else str(resource.status))

    async def book(self, patient: PatientRef, slot_id: str) -> Appointment:
        slot = await self._read(FhirSlot, f"Slot/{slot_id}")
        if slot is None:
            raise BookingError("unknown_slot")
        if slot.status != "free":
            raise BookingError("slot_taken")
        if _aware(slot.start) <= dt.datetime.now(dt.timezone.utc):
            raise BookingError("slot_past")
        schedule = await self._read(FhirSchedule, f"Schedule/{_ref_id(slot.schedule.reference, 'Schedule')}")
        participants: list[dict[str, Any]] = [{"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"}]
        specialty = []
        if schedule is not None:
            specialty = [s.model_dump(exclude_none=True) for s in schedule.specialty or ()]
            for actor in schedule.actor or ():
                if actor.reference and actor.reference.startswith("Practitioner/"):
                    participants.append({"actor": actor.model_dump(exclude_none=True), "status": "accepted"})
        draft = FhirAppointment.model_validate({
            "resourceType": "Appointment", "status": "booked", "slot": [{"reference": f"Slot/{slot.id}"}],
            "start": _aware(slot.start).isoformat(), "end": _aware(slot.end).isoformat(),
            "specialty": specialty or None, "participant": participants,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(),
        })
        slot.status = "busy"
        # The slot first: a server that keeps versions refuses a second writer (409/412), so two
        # patients cannot both take the last place.
        await self._write("PUT", f"Slot/{slot.id}", slot)
        try:
            created = await self._write("POST", "Appointment", draft)
        except (BookingError, HospitalUnavailable):
            slot.status = "free"
            await self._write("PUT", f"Slot/{slot.id}", slot)
            raise
        return await self._appointment(created)

    async def _owned(self, patient: PatientRef, appointment_id: str) -> FhirAppointment:
        resource = await self._read(FhirAppointment, f"Appointment/{appointment_id}")
        if resource is None or not any(
            p.actor is not None and p.actor.reference == f"Patient/{patient.id}" for p in resource.participant or ()
        ):
            raise BookingError("unknown_appointment")
        if resource.status != "booked":
            raise BookingError("already_cancelled")
        assert isinstance(resource, FhirAppointment)
        return resource

    async def cancel(self, patient: PatientRef, appointment_id: str) -> Appointment:
        resource = await self._owned(patient, appointment_id)
        if _aware(resource.start) <= dt.datetime.now(dt.timezone.utc):
            raise BookingError("too_late")
        resource.status = "cancelled"
        updated = await self._write("PUT", f"Appointment/{resource.id}", resource)
        for reference in resource.slot or ():
            slot = await self._read(FhirSlot, f"Slot/{_ref_id(reference.reference, 'Slot')}")
            if slot is not None:
                slot.status = "free"
                await self._write("PUT", f"Slot/{slot.id}", slot)
        return await self._appointment(updated)

    async def reschedule(self, patient: PatientRef, appointment_id: str, slot_id: str) -> Appointment:
        await self._owned(patient, appointment_id)
        moved = await self.book(patient, slot_id)
        await self.cancel(patient, appointment_id)
        return moved

    async def appointments(self, patient: PatientRef) -> list[Appointment]:
        found = await self._search("Appointment", [
            ("patient", f"Patient/{patient.id}"), ("status", "booked"),
            ("date", f"ge{dt.datetime.now(dt.timezone.utc).isoformat()}"),
        ])
        listed = [await self._appointment(a) for a in found if isinstance(a, FhirAppointment) and a.status == "booked"]
        return sorted(listed, key=lambda a: a.start)

    async def appointment(self, appointment_id: str) -> Appointment | None:
        resource = await self._read(FhirAppointment, f"Appointment/{appointment_id}")
        return await self._appointment(resource) if resource is not None else None

    async def waiting_ahead(self, appointment_id: str) -> int | None:
        return None  # FHIR R4 has no queue position; the reminder goes without a count

    # -- reports ---------------------------------------------------------------------------------

    @staticmethod
    def _observation(resource: FhirObservation) -> Observation:
        name = resource.code.text or next((c.display for c in resource.code.coding or () if c.display), "") or "结果"
        value, unit, text = None, "", ""
        if resource.valueQuantity is not None and resource.valueQuantity.value is not None:
            value, unit = float(resource.valueQuantity.value), resource.valueQuantity.unit or ""
        elif resource.valueString:
            text = resource.valueString
        elif resource.valueCodeableConcept is not None:
            concept = resource.valueCodeableConcept
            text = concept.text or next((c.display for c in concept.coding or () if c.display), "")
        low = high = None
        reference_text = ""
        if resource.referenceRange:
            first = resource.referenceRange[0]
            low = float(first.low.value) if first.low is not None and first.low.value is not None else None
            high = float(first.high.value) if first.high is not None and first.high.value is not None else None
            reference_text = first.text or ""
        interpretation = ""
        if resource.interpretation and resource.interpretation[0].coding:
            interpretation = str(resource.interpretation[0].coding[0].code or "")
        return Observation(name, value, unit, low, high, text, reference_text, interpretation)

    async def reports(self, patient: PatientRef) -> list[Report]:
        found = await self._search("DiagnosticReport", [
            ("patient", f"Patient/{patient.id}"), ("_include", "DiagnosticReport:result"), ("_sort", "-issued"),
        ])
        observations = {f"Observation/{r.id}": r for r in found if isinstance(r, FhirObservation)}
        out = []
        for report in found:
            if not isinstance(report, DiagnosticReport) or report.status in ("entered-in-error", "cancelled"):
                continue
            results = tuple(self._observation(observations[r.reference]) for r in report.result or ()
                            if r.reference in observations)
            title = report.code.text or next((c.display for c in report.code.coding or () if c.display), "") or "检查报告"
            issued = report.issued or report.effectiveDateTime or dt.datetime.now(dt.timezone.utc)
            out.append(Report(str(report.id), title, _aware(issued), str(report.status), results))
        return sorted(out, key=lambda r: r.issued, reverse=True)

    async def close(self) -> None:
        await self._http.aclose()
