"""Home-care guidance: content files a clinician reviews, chosen for the patient's symptoms.

Importing this package registers the `home_care_guidance` and `red_flag_reminder` actions.
"""
from actions.guidance.action import home_care_guidance, red_flag_reminder
from actions.guidance.content import GuidanceContent, GuidanceContentError, load_content
from actions.guidance.selection import Guidance, select

__all__ = [
    "Guidance",
    "GuidanceContent",
    "GuidanceContentError",
    "home_care_guidance",
    "load_content",
    "red_flag_reminder",
    "select",
]
