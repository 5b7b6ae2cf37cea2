"""Online prescriptions, the patient's side (docs/prescriptions.md): the approved prescription's
fulfilment (delivery with a sealed address, or pick-up) and renewal requests (续方).

Named under `plugins:`. It provides the `Prescriptions` service (bot/prescriptions/), built once
when the runtime starts, so a bad formulary file stops `serve` with its file and line. The bot
never writes a prescription: these actions only order what a pharmacist approved and queue a
renewal request for a doctor.
"""
from __future__ import annotations

from actions.prescriptions import patient, status  # noqa: F401 (registers the actions and the interceptor)
from bot.plugins import Plugin
from bot.prescriptions.service import build_prescriptions

plugin = Plugin(name="prescriptions", services=[build_prescriptions])
__all__ = ["plugin"]
