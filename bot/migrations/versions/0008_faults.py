"""The fencing token of the newest turn stored per conversation (bot/locks.py: a zombie lock holder cannot write).

Revision ID: 0008_faults
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_faults"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("fence", sa.BigInteger, nullable=True))


def downgrade() -> None:
    op.drop_column("conversations", "fence")
