"""Online prescriptions: prescriptions, pharmacist reviews, orders, renewal requests (bot/prescriptions/).

Revision ID: 0010_prescriptions
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010_prescriptions"
down_revision = "0001_core"
depends_on = ("0004_consultations",)  # the staff table
branch_labels = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(JSONB(), "postgresql")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "prescriptions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("conversation_id", sa.String(191), nullable=False, index=True),
        sa.Column("consultation_id", sa.String(32), nullable=True),
        sa.Column("renewal_id", sa.String(32), nullable=True),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("doctor_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("diagnosis", sa.Text, nullable=False),
        sa.Column("patient", JSON, nullable=False),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("total_fen", sa.Integer, nullable=False),
        sa.Column("signed_at", When, nullable=False),
        sa.Column("reviewed_at", When, nullable=True),
        sa.Column("pharmacist_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("review_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_prescriptions_status", "prescriptions", ["status", "signed_at"])
    op.create_table(
        "prescription_reviews",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("prescription_id", sa.String(32), sa.ForeignKey("prescriptions.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("pharmacist_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", When, nullable=False),
    )
    op.create_table(
        "prescription_orders",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("prescription_id", sa.String(32), sa.ForeignKey("prescriptions.id"), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(191), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fulfilment", sa.String(16), nullable=False),
        sa.Column("address_encrypted", sa.Text, nullable=True),
        sa.Column("amount_fen", sa.Integer, nullable=False),
        sa.Column("payment_provider", sa.String(32), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("tracking", sa.String(64), nullable=True),
        sa.Column("history", JSON, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_table(
        "prescription_renewals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("conversation_id", sa.String(191), nullable=False, index=True),
        sa.Column("previous_id", sa.String(32), sa.ForeignKey("prescriptions.id"), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", When, nullable=False),
        sa.Column("handled_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("handled_at", When, nullable=True),
        sa.Column("new_prescription_id", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_prescription_renewals_queue", "prescription_renewals", ["department", "status"])


def downgrade() -> None:
    op.drop_table("prescription_renewals")
    op.drop_table("prescription_orders")
    op.drop_table("prescription_reviews")
    op.drop_index("ix_prescriptions_status", table_name="prescriptions")
    op.drop_table("prescriptions")
