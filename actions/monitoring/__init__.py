"""Home monitoring, the patient's side: readings typed at any time, enrolment, reminders, 退订 (docs/monitoring.md).

Provides the `Monitoring` domain service (bot/monitoring/) to every action, job and edge.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.monitoring import build_monitoring
from bot.plugins import Plugin

from actions.monitoring import readings, schedule  # noqa: F401  (registration)

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def _read_whose_in_words(runtime: "Runtime") -> None:
    """"我妈的" answers the buttons of "whose readings are these?" (actions/monitoring/readings.py)."""
    runtime.engine.register_button_reader(readings.whose_button_reader(runtime.engine.interpreter))


plugin = Plugin(name="monitoring", services=[build_monitoring], on_start=[_read_whose_in_words])
