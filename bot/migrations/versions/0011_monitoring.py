"""Home monitoring: monitored patients, their readings, alerts, ward-round notes and devices (bot/monitoring/).

Revision ID: 0011_monitoring
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011_monitoring"
down_revision = "0001_core"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "monitoring_patients",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(191), nullable=False, unique=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("enrolled", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        _at("enrolled_at"), _at("until"), _at("stopped_at"),
        sa.Column("stopped_by", sa.String(64), nullable=True),
        sa.Column("schedule", JSONType, nullable=False),
        sa.Column("thresholds", JSONType, nullable=False),
        sa.Column("latest", JSONType, nullable=False),
        sa.Column("recent", JSONType, nullable=False),
        sa.Column("flags", JSONType, nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        _at("last_reading_at"), _at("last_prompt_at"), _at("created_at", False),
    )
    op.create_table(
        "monitoring_readings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.Integer, nullable=False),
        sa.Column("measure", sa.String(24), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("context", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        _at("taken_at", False), _at("recorded_at", False),
        sa.Column("device_id", sa.Integer, nullable=True),
        sa.Column("device_reading_id", sa.String(128), nullable=True),
        sa.UniqueConstraint("device_id", "device_reading_id", name="uq_monitoring_device_reading"),
    )
    op.create_index("ix_monitoring_readings_patient", "monitoring_readings", ["patient_id", "measure", "taken_at"])
    op.create_table(
        "monitoring_alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("measure", sa.String(24), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        _at("created_at", False),
    )
    op.create_index("ix_monitoring_alerts_patient", "monitoring_alerts", ["patient_id", "created_at"])
    op.create_table(
        "monitoring_notes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.Integer, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(64), nullable=False),
        sa.Column("text_encrypted", sa.Text, nullable=False),
        _at("created_at", False),
    )
    op.create_index("ix_monitoring_notes_patient", "monitoring_notes", ["patient_id", "created_at"])
    op.create_table(
        "monitoring_devices",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("patient_id", sa.Integer, nullable=False),
        _at("created_at", False), _at("revoked_at"),
    )


def downgrade() -> None:
    for table in ("monitoring_devices", "monitoring_notes", "monitoring_alerts", "monitoring_readings", "monitoring_patients"):
        op.drop_table(table)
