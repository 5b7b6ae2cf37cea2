"""Named actions that flows call: triage, guidance, handoff, follow-ups, cards, knowledge."""
