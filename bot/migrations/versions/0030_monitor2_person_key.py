"""Home monitoring per person, not per conversation: `monitoring_patients.patient_key` (bot/monitoring/people.py).

Upgrade: every stored row gets the key of the person its conversation was about — the card the account
bound for that relation (the `subject` slot the conversation last had: 本人, 父母, 孩子, …; the current
card first), else the family member of the account by relation. Rows of two conversations that turn out
to be one person (the same card bound on two channels) become one: the readings, alerts, notes and
devices of the later one move to the first, nothing is deleted but the duplicate summary row.
`conversation_id` stays (the conversation last heard from) and is no longer unique.

Downgrade: one row per conversation again — the people followed from one account are merged into the
first of them (their readings, alerts, notes and devices moved to it), then the new columns go.

Revision ID: 0030_monitor2_person_key
"""
from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0030_monitor2_person_key"
down_revision = "0011_monitoring"
branch_labels = None
depends_on = ("0005_patients",)  # reads medical_cards and patients

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
CHILD_TABLES = ("monitoring_readings", "monitoring_alerts", "monitoring_notes", "monitoring_devices")
SUBJECT_RELATION = {"self": "self", "parent": "parent", "child": "child", "infant": "child", "spouse": "spouse",
                    "other": "other"}
# As bot/monitoring/people.py (copied: a migration does not change when the code does).


def _member_key(conversation_id: str, relation: str) -> str:
    return f"member:{hashlib.sha256(conversation_id.encode('utf-8')).hexdigest()[:40]}:{relation}"


def _sender(conversation_id: str, channel: str) -> str:
    if channel and channel != "rest" and conversation_id.startswith(f"{channel}:"):
        return conversation_id[len(channel) + 1:]
    return conversation_id


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        import json

        return dict(json.loads(value or "{}"))
    return dict(value or {})


def _move_children(bind: Any, source: int, target: int) -> None:
    for table in CHILD_TABLES:
        bind.execute(sa.text(f"UPDATE {table} SET patient_id = :target WHERE patient_id = :source"),
                     {"target": target, "source": source})


def _merge_summary(bind: Any, keeper: dict[str, Any], other: dict[str, Any]) -> None:
    """The keeper's newest values take the other's where the other's are newer; enrolled if either was."""
    latest = _json(keeper["latest"])
    for measure, value in _json(other["latest"]).items():
        if measure not in latest or str(latest[measure].get("at", "")) < str(value.get("at", "")):
            latest[measure] = value
    last = max((x for x in (keeper["last_reading_at"], other["last_reading_at"]) if x is not None), default=None)
    table = sa.table("monitoring_patients", sa.column("id"), sa.column("latest", JSONType), sa.column("enrolled"),
                     sa.column("last_reading_at"))
    bind.execute(table.update().where(table.c.id == keeper["id"]).values(
        latest=latest, enrolled=bool(keeper["enrolled"] or other["enrolled"]), last_reading_at=last))
    bind.execute(sa.text("DELETE FROM monitoring_patients WHERE id = :id"), {"id": other["id"]})


def _columns(person_key: bool) -> list[sa.Column]:
    """monitoring_patients as 0011_monitoring made it, with (or without) this revision's columns."""
    def at(name: str, nullable: bool = True) -> sa.Column:
        return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)

    extra = [sa.Column("patient_key", sa.String(191), nullable=False),
             sa.Column("relation", sa.String(16), nullable=False, server_default="self"),
             sa.Column("card_id", sa.Integer, nullable=True)] if person_key else []
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), *extra,
        sa.Column("conversation_id", sa.String(191), nullable=False, unique=not person_key),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("enrolled", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        at("enrolled_at"), at("until"), at("stopped_at"),
        sa.Column("stopped_by", sa.String(64), nullable=True),
        *(sa.Column(name, sa.JSON, nullable=False) for name in ("schedule", "thresholds", "latest", "recent", "flags")),
        sa.Column("level", sa.String(16), nullable=False),
        at("last_reading_at"), at("last_prompt_at"), at("created_at", False),
    ]


def _rebuild_sqlite(person_key: bool) -> None:
    columns = _columns(person_key)
    names = ", ".join(c.name for c in columns)
    op.execute("ALTER TABLE monitoring_patients RENAME TO monitoring_patients_0030")
    constraints = [sa.UniqueConstraint("patient_key", name="uq_monitoring_patients_key")] if person_key else []
    op.create_table("monitoring_patients", *columns, *constraints)
    op.execute(f"INSERT INTO monitoring_patients ({names}) SELECT {names} FROM monitoring_patients_0030")
    op.execute("DROP TABLE monitoring_patients_0030")


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("monitoring_patients") as batch:
        batch.add_column(sa.Column("patient_key", sa.String(191), nullable=True))
        batch.add_column(sa.Column("relation", sa.String(16), nullable=False, server_default="self"))
        batch.add_column(sa.Column("card_id", sa.Integer, nullable=True))

    rows = [dict(r._mapping) for r in bind.execute(sa.text(
        "SELECT p.id, p.conversation_id, p.channel, p.enrolled, p.latest, p.last_reading_at, c.channel AS conv_channel "
        "FROM monitoring_patients p LEFT JOIN conversations c ON c.id = p.conversation_id ORDER BY p.id"))]
    # The subject each conversation last had (slot events, oldest first: the last one wins).
    subjects: dict[str, str] = {}
    for cid, data in bind.execute(sa.text(
            "SELECT e.conversation_id, e.data FROM events e JOIN monitoring_patients p ON p.conversation_id = e.conversation_id "
            "WHERE e.type = 'slot' ORDER BY e.conversation_id, e.seq")):
        event = _json(data)
        if event.get("name") == "subject" and event.get("value"):
            subjects[cid] = str(event["value"])
    keepers: dict[str, dict[str, Any]] = {}
    for row in rows:
        cid = row["conversation_id"]
        channel = row["conv_channel"] or row["channel"] or "rest"
        relation = SUBJECT_RELATION.get(subjects.get(cid, ""), "self")
        key, card_id = _member_key(cid, relation), None
        account = bind.execute(sa.text("SELECT id, active_card_id FROM patients WHERE channel = :c AND external_id = :s"),
                               {"c": channel, "s": _sender(cid, channel)}).first()
        if account is not None:
            cards = list(bind.execute(sa.text(
                "SELECT id, id_number_hash FROM medical_cards WHERE patient_id = :p AND relation = :r AND removed_at IS NULL "
                "ORDER BY id"), {"p": account.id, "r": relation}))
            cards.sort(key=lambda c: c.id != account.active_card_id)
            if cards:
                key, card_id = f"card:{cards[0].id_number_hash}", cards[0].id
        if key in keepers:  # the same person followed from two conversations: one series
            _move_children(bind, row["id"], keepers[key]["id"])
            _merge_summary(bind, keepers[key], row)
            continue
        keepers[key] = row
        bind.execute(sa.text("UPDATE monitoring_patients SET patient_key = :k, relation = :r, card_id = :c WHERE id = :id"),
                     {"k": key, "r": relation, "c": card_id, "id": row["id"]})

    if bind.dialect.name == "sqlite":  # its UNIQUE (conversation_id) has no name to drop: the table is made again
        _rebuild_sqlite(person_key=True)
    else:
        op.drop_constraint("monitoring_patients_conversation_id_key", "monitoring_patients", type_="unique")
        op.alter_column("monitoring_patients", "patient_key", existing_type=sa.String(191), nullable=False)
        op.create_unique_constraint("uq_monitoring_patients_key", "monitoring_patients", ["patient_key"])
    op.create_index("ix_monitoring_patients_conversation", "monitoring_patients", ["conversation_id"])


def downgrade() -> None:
    bind = op.get_bind()
    rows = [dict(r._mapping) for r in bind.execute(sa.text(
        "SELECT id, conversation_id, enrolled, latest, last_reading_at FROM monitoring_patients ORDER BY id"))]
    keepers: dict[str, dict[str, Any]] = {}
    for row in rows:
        keeper = keepers.get(row["conversation_id"])
        if keeper is None:
            keepers[row["conversation_id"]] = row
            continue
        _move_children(bind, row["id"], keeper["id"])  # one series per conversation again: nothing is dropped
        _merge_summary(bind, keeper, row)
    op.drop_index("ix_monitoring_patients_conversation", table_name="monitoring_patients")
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite(person_key=False)
    else:
        op.drop_constraint("uq_monitoring_patients_key", "monitoring_patients", type_="unique")
        op.drop_column("monitoring_patients", "patient_key")
        op.drop_column("monitoring_patients", "relation")
        op.drop_column("monitoring_patients", "card_id")
        op.create_unique_constraint("monitoring_patients_conversation_id_key", "monitoring_patients", ["conversation_id"])
