"""Home monitoring: a monitored person's (estimated) birth date, `monitoring_patients.born`.

A child's readings are checked against the limits of the child's age (bot/monitoring/thresholds.yml,
`by_age`), and the doctors' pages show the age: from the bound card's ID number, else from the age the
intake was told about that person (then estimated: the date that age was said, minus the years).
Nullable: rows stored before have none until the person's next reading or enrolment.

Revision ID: 0031_monitor3_born
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_monitor3_born"
down_revision = "0030_monitor2_person_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_patients") as batch:
        batch.add_column(sa.Column("born", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitoring_patients") as batch:
        batch.drop_column("born")
