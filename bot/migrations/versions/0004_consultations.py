"""Live consultations: staff, their departments, rosters, consultations and quick replies.

Revision ID: 0004_consultations
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_consultations"
down_revision = "0001_core"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", When, nullable=True),
        sa.Column("session_version", sa.Integer, nullable=False),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_table(
        "staff_departments",
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("department", sa.String(32), primary_key=True),
    )
    op.create_table(
        "roster_shifts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("department", sa.String(32), nullable=False, index=True),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("start_minute", sa.Integer, nullable=False),
        sa.Column("end_minute", sa.Integer, nullable=False),
    )
    op.create_table(
        "roster_overrides",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("department", sa.String(32), nullable=False, index=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("start_minute", sa.Integer, nullable=True),
        sa.Column("end_minute", sa.Integer, nullable=True),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("conversation_id", sa.String(191), nullable=False, index=True),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("fee_fen", sa.Integer, nullable=False),
        sa.Column("order_no", sa.String(64), nullable=True),
        sa.Column("paid_at", When, nullable=True),
        sa.Column("requested_at", When, nullable=False),
        sa.Column("waiting_since", When, nullable=True),
        sa.Column("session_starts_at", When, nullable=True),
        sa.Column("expires_at", When, nullable=True),
        sa.Column("accepted_at", When, nullable=True),
        sa.Column("ended_at", When, nullable=True),
        sa.Column("doctor_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("assigned_to", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("participants", JSONType, nullable=False),
        sa.Column("closing", JSONType, nullable=True),
    )
    op.create_index("ix_consultations_queue", "consultations", ["department", "status"])
    op.create_table(
        "quick_replies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", When, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quick_replies")
    op.drop_index("ix_consultations_queue", "consultations")
    op.drop_table("consultations")
    op.drop_table("roster_overrides")
    op.drop_table("roster_shifts")
    op.drop_table("staff_departments")
    op.drop_table("staff")
