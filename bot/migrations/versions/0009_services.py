"""Patient services: complaints and suggestions (投诉建议), their reference numbers (actions/services/feedback.py).

Revision ID: 0009_services
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_services"
down_revision = "0001_core"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "service_feedback",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(32), nullable=True, unique=True),
        sa.Column("conversation_id", sa.String(191), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text_encrypted", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("service_feedback")
