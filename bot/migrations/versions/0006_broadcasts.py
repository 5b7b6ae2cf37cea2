"""Health-education broadcasts: campaigns, per-recipient deliveries, opt-outs and mirrored user tags.

Revision ID: 0006_broadcasts
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_broadcasts"
down_revision = "0001_core"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "broadcast_campaigns",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("article_id", sa.String(64), nullable=True),
        sa.Column("content", JSONType, nullable=False),
        sa.Column("audience", JSONType, nullable=False),
        sa.Column("methods", JSONType, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "broadcast_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer, nullable=False),
        sa.Column("conversation_id", sa.String(191), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender", sa.String(191), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("batch", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("provider_id", sa.String(128), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("campaign_id", "conversation_id", name="uq_broadcast_deliveries_recipient"),
    )
    op.create_index(
        "ix_broadcast_deliveries_batch", "broadcast_deliveries", ["campaign_id", "method", "batch", "status"]
    )
    op.create_index("ix_broadcast_deliveries_sender", "broadcast_deliveries", ["channel", "sender", "method"])
    op.create_table(
        "broadcast_optouts",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("sender", sa.String(191), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "broadcast_user_tags",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("sender", sa.String(191), primary_key=True),
        sa.Column("tag", sa.String(64), primary_key=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("broadcast_user_tags")
    op.drop_table("broadcast_optouts")
    op.drop_index("ix_broadcast_deliveries_sender", "broadcast_deliveries")
    op.drop_index("ix_broadcast_deliveries_batch", "broadcast_deliveries")
    op.drop_table("broadcast_deliveries")
    op.drop_table("broadcast_campaigns")
