"""Handover notes (交班留言) on consultations (bot/consultations/handover.py, docs/console.md).

Revision ID: 0040_polish4_handover
"""
import sqlalchemy as sa
from alembic import op

revision = "0040_polish4_handover"
down_revision = "0004_consultations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handover_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(191), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("author_name", sa.String(128), nullable=False),
        sa.Column("text_encrypted", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_handover_notes_consultation_id", "handover_notes", ["consultation_id"])
    op.create_index("ix_handover_notes_conversation_id", "handover_notes", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("handover_notes")
