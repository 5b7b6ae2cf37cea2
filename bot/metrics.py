"""Prometheus metrics of the engine (served at /metrics)."""
from prometheus_client import Counter, Histogram

MESSAGES = Counter("wenzhen_messages_total", "User messages handled", ["channel"])
TURN_SECONDS = Histogram(
    "wenzhen_turn_seconds",
    "Time to handle one user message, lock to stored events",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
TURN_ERRORS = Counter("wenzhen_turn_errors_total", "Turns rolled back because an action failed")
TRIAGE_DECISIONS = Counter("wenzhen_triage_decisions_total", "Triage decisions", ["level"])
