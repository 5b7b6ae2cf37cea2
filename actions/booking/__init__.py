"""Booking (预约挂号, 核酸检测预约) and report lookup (查报告) through the hospital information system.

Named under `plugins:`. The hospital system is a service (bot/hospital/): `hospital.system` in
config.yml chooses the embedded adapter (its own tables, works out of the box) or the FHIR R4 one.
docs/services.md, "Booking and reports".
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from actions.booking import booking, doctor_named, reminders, reports  # noqa: F401 (registers actions, jobs, interceptors)
from actions.booking.cli import hospital_group
from actions.booking.settings import BookingSettings, booking_settings
from bot.config import Config, ConfigError
from bot.crypto import FieldCipher
from bot.db import Database
from bot.hospital import HospitalSystem
from bot.plugins import Plugin

if TYPE_CHECKING:
    from bot.runtime import Runtime


def hospital_system(config: Config, db: Database, cipher: FieldCipher) -> HospitalSystem:
    """The adapter named by `hospital.system`: embedded (default) or fhir."""
    raw = config.get("hospital") or {}
    kind = str(raw.get("system") or "embedded")
    if kind == "embedded":
        from bot.hospital.embedded import ClinicFileError, EmbeddedHospital, load_clinics

        try:
            roster = load_clinics(config.resolve(str(raw.get("clinics") or "content/hospital/clinics.yml")))
        except ClinicFileError as exc:
            raise ConfigError(str(exc)) from exc
        return EmbeddedHospital(db, cipher, roster, booking_days=int(raw.get("booking_days") or 7))
    if kind == "fhir":
        from bot.hospital.fhir import FhirHospital

        fhir = raw.get("fhir") or {}
        if not fhir.get("base_url"):
            raise ConfigError("hospital.fhir.base_url is required when hospital.system is fhir")
        return FhirHospital(
            str(fhir["base_url"]), timeout=float(fhir.get("timeout") or 10),
            identifier_system=str(fhir.get("patient_identifier_system") or "urn:oid:2.16.156.10011.1.3"),
            timezone=str(raw.get("timezone") or config.get("services.timezone") or "Asia/Shanghai"),
            token=str(fhir.get("token") or "") or None,
        )
    raise ConfigError(f"hospital.system: {kind!r} is not one of embedded, fhir")


async def _read_buttons_in_words(runtime: "Runtime") -> None:
    from actions.booking.words import booking_button_reader

    runtime.engine.register_button_reader(booking_button_reader(runtime.services.get(BookingSettings).timezone))


async def _close(runtime: "Runtime") -> None:
    system = runtime.services.find(HospitalSystem)  # type: ignore[type-abstract]
    if system is not None:
        await system.close()


plugin = Plugin(name="booking", services=[hospital_system, booking_settings], commands=[hospital_group],
                on_start=[_read_buttons_in_words], on_stop=[_close])
__all__ = ["BookingSettings", "plugin"]
