"""Supervision and privacy: the hash-chained audit log, sealed records, practising ids; on PostgreSQL the
event log and the audit log refuse UPDATE and DELETE except through `wenzhen_purge_conversation`.

Revision ID: 0008_supervision
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008_supervision"
down_revision = "0001_core"
branch_labels = None
depends_on = ("0004_consultations",)

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The audit log never changes. An event row may be deleted only inside `wenzhen_purge_conversation`
# (it sets a transaction-local flag) and only right after the chain recorded that purge: the newest
# audit entry must be an erasing action for that very conversation. An application role that
# sets the flag by hand still cannot delete anything the chain has not recorded first.
PG_UP = [
    """
CREATE FUNCTION wenzhen_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'wenzhen: % is append-only (% refused); erase through wenzhen_purge_conversation',
    TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$""",
    """
CREATE FUNCTION wenzhen_guard_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('wenzhen.purging', true) = 'on' THEN
    IF EXISTS (SELECT 1 FROM audit_log a
               WHERE a.id = (SELECT max(id) FROM audit_log)
                 AND a.action IN ('retention.purge', 'erasure.delete')
                 AND a.subject = OLD.conversation_id) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'wenzhen: events is append-only (% refused); erase through wenzhen_purge_conversation',
    TG_OP USING ERRCODE = 'insufficient_privilege';
END $$""",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events"
    " FOR EACH ROW EXECUTE FUNCTION wenzhen_guard_events()",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events"
    " FOR EACH STATEMENT EXECUTE FUNCTION wenzhen_refuse_change()",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
    " FOR EACH ROW EXECUTE FUNCTION wenzhen_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION wenzhen_refuse_change()",
    """
CREATE FUNCTION wenzhen_purge_conversation(conversation text) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE removed integer;
BEGIN
  PERFORM set_config('wenzhen.purging', 'on', true);
  DELETE FROM events WHERE conversation_id = conversation;
  GET DIAGNOSTICS removed = ROW_COUNT;
  DELETE FROM conversations WHERE id = conversation;
  PERFORM set_config('wenzhen.purging', 'off', true);
  RETURN removed;
END $$"""]

PG_DOWN = [
    "DROP FUNCTION IF EXISTS wenzhen_purge_conversation(text)",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    "DROP TRIGGER IF EXISTS events_append_only ON events",
    "DROP FUNCTION IF EXISTS wenzhen_guard_events()",
    "DROP FUNCTION IF EXISTS wenzhen_refuse_change()",
]


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(191), nullable=False),
        sa.Column("subject", sa.String(191), nullable=True),
        sa.Column("event_seq", sa.Integer, nullable=True),
        sa.Column("detail", JSONType, nullable=False),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject", "event_seq"])
    op.create_index("ix_audit_log_action", "audit_log", ["action", "at"])
    op.create_table(
        "sealed_records",
        sa.Column("conversation_id", sa.String(191), primary_key=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
    )
    op.create_table(
        "practising_ids",
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("practising_id", sa.String(64), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DOWN:
            op.execute(statement)
    op.drop_table("practising_ids")
    op.drop_table("sealed_records")
    op.drop_index("ix_audit_log_action", "audit_log")
    op.drop_index("ix_audit_log_subject", "audit_log")
    op.drop_table("audit_log")
