"""Home monitoring, the patient's side: readings typed at any time, enrolment, reminders, 退订 (docs/monitoring.md).

Provides the `Monitoring` domain service (bot/monitoring/) to every action, job and edge.
"""
from __future__ import annotations

from bot.monitoring import build_monitoring
from bot.plugins import Plugin

from actions.monitoring import readings, schedule  # noqa: F401  (registration)

plugin = Plugin(name="monitoring", services=[build_monitoring])
