"""Home monitoring (家庭病床): readings as a series per patient, thresholds and alerts, the trend, devices.

See docs/monitoring.md. The patient side (the reading interceptor, reminders) is the plugin
`actions.monitoring`; the doctor's pages and the device API are `integrations.monitoring`.
"""
from bot.monitoring.measures import MEASURES, Measure, ReadingError
from bot.monitoring.parse import Found, read_readings
from bot.monitoring.service import Assessment, Monitoring, PatientView, Reading, Settings, build_monitoring
from bot.monitoring.thresholds import Breach, Thresholds, rank

__all__ = ["MEASURES", "Assessment", "Breach", "Found", "Measure", "Monitoring", "PatientView", "Reading",
           "ReadingError", "Settings", "Thresholds", "build_monitoring", "rank", "read_readings"]
