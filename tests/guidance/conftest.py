"""The guidance is read where a patient meets it: typed Chinese through the NLU and the engine (REST)."""
from tests.intake.conftest import client, patient, runtime  # noqa: F401  (the intake's fixtures)
