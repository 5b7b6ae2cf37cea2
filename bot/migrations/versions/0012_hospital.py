"""The embedded hospital system: hourly clinic slots, appointments, uploaded reports (bot/hospital/embedded.py).

Revision ID: 0012_hospital
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_hospital"
down_revision = "0001_core"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hospital_slots",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("doctor_id", sa.String(64), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("booked", sa.Integer, nullable=False),
        sa.Column("issued", sa.Integer, nullable=False),
        sa.UniqueConstraint("department", "doctor_id", "start_at", name="uq_hospital_slots_hour"),
    )
    op.create_index("ix_hospital_slots_department", "hospital_slots", ["department"])
    op.create_index("ix_hospital_slots_start_at", "hospital_slots", ["start_at"])
    op.create_table(
        "hospital_appointments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("patient", sa.String(80), nullable=False),
        sa.Column("slot_id", sa.BigInteger, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_hospital_appointments_patient", "hospital_appointments", ["patient"])
    op.create_index("ix_hospital_appointments_slot_id", "hospital_appointments", ["slot_id"])
    op.create_table(
        "hospital_reports",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("patient", sa.String(80), nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body_encrypted", sa.Text, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_hospital_reports_patient", "hospital_reports", ["patient"])


def downgrade() -> None:
    op.drop_table("hospital_reports")
    op.drop_table("hospital_appointments")
    op.drop_table("hospital_slots")
