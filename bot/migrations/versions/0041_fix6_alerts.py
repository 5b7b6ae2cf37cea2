"""Emergency alerts kept until a doctor takes them (bot/consultations/models.py EmergencyAlertRow): a doctor
who signs in after the alert was raised still sees it.

Revision ID: 0041_fix6_alerts
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0041_fix6_alerts"
down_revision = "0004_consultations"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "emergency_alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(191), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("alert", JSONType, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_emergency_alerts_conversation_id", "emergency_alerts", ["conversation_id"])
    op.create_index("ix_emergency_alerts_open", "emergency_alerts", ["taken_at", "department"])


def downgrade() -> None:
    op.drop_table("emergency_alerts")
