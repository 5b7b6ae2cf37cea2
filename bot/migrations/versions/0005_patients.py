"""Patients and medical cards (identifying fields encrypted), and WeChat contacts (subscription, service window).

Revision ID: 0005_patients
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_patients"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("consent_version", sa.String(32), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active_card_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_patients_identity"),
    )
    op.create_table(
        "medical_cards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("name_enc", sa.String(512), nullable=False),
        sa.Column("id_number_enc", sa.String(512), nullable=False),
        sa.Column("id_number_hash", sa.String(64), nullable=False, index=True),
        sa.Column("phone_enc", sa.String(512), nullable=False),
        sa.Column("phone_hash", sa.String(64), nullable=False, index=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("patient_id", "id_number_hash", name="uq_medical_cards_person"),
    )
    op.create_table(
        "wechat_contacts",
        sa.Column("openid", sa.String(128), primary_key=True),
        sa.Column("subscribed", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_since_inbound", sa.Integer, nullable=False),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("longitude", sa.Float, nullable=True),
        sa.Column("located_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("wechat_contacts")
    op.drop_table("medical_cards")
    op.drop_table("patients")
