"""Staff links (a doctor's Telegram chat) and their one-time codes (bot/staff_links.py); Telegram notifications and sessions.

Revision ID: 0007_telegram
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_telegram"
down_revision = "0001_core"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff_links",
        sa.Column("provider", sa.String(32), primary_key=True),
        sa.Column("staff_id", sa.Integer, primary_key=True),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "external_id", name="uq_staff_links_external"),
    )
    op.create_table(
        "staff_link_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("staff_id", sa.Integer, nullable=False, index=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "telegram_notifications",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("consultation_id", sa.String(32), nullable=False, index=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("settled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("consultation_id", "chat_id", name="uq_telegram_notifications"),
    )
    op.create_table(
        "telegram_sessions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("staff_id", sa.Integer, nullable=False),
        sa.Column("consultation_id", sa.String(32), nullable=False, index=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("focused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("consultation_id", "chat_id", name="uq_telegram_sessions"),
    )


def downgrade() -> None:
    op.drop_table("telegram_sessions")
    op.drop_table("telegram_notifications")
    op.drop_table("staff_link_codes")
    op.drop_table("staff_links")
