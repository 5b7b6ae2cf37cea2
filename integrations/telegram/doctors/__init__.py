"""Doctors on Telegram: linking, queue notices with an accept button, the live chat, /close.

`desk` routes what a doctor sends and what the domain publishes; `queue` tells the department's
doctors of waiting patients and emergencies; `relay` carries a session's messages; `sessions` keeps
which session a chat works; `subscriptions` listens to pub/sub; `text` words it all.
"""
from integrations.telegram.doctors.desk import DoctorDesk
from integrations.telegram.doctors.text import level_name, patient_tag, render_summary

__all__ = ["DoctorDesk", "level_name", "patient_tag", "render_summary"]
