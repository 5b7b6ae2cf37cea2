"""PostgreSQL: one statement stores an ordinary turn (events, their audit entries chained, the fence).

`wenzhen_append_turn` does in one round trip what the store's transaction does in seven: insert
the turn's events, take the chain's advisory lock, read the newest hash, chain one audit entry per
event (the same hash as `bot/supervision/chain.link_hash`: sha256 of prev, a newline and the
entry's canonical JSON, which the caller sends), and check and move the conversation's fencing
token. Sent on its own it is one transaction: all of it commits, or none of it. Inside a PL/pgSQL
function each statement takes a fresh snapshot, so the hash read after the lock is the newest.

Revision ID: 0020_speed_turn
"""
from alembic import op

revision = "0020_speed_turn"
down_revision = "0001_core"
branch_labels = None
depends_on = None  # the body names audit_log and conversations.fence: PL/pgSQL resolves them when it runs

FUNCTION = r"""
CREATE OR REPLACE FUNCTION wenzhen_append_turn(conversation text, token bigint, turn_events jsonb,
                                               entries jsonb, chain_lock bigint) RETURNS void
  LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  prev text;
  h text;
  entry jsonb;
BEGIN
  INSERT INTO events (conversation_id, seq, type, actor, timestamp, message_id, data)
  SELECT conversation, (e->>'seq')::integer, e->>'type', e->>'actor', (e->>'timestamp')::float8,
         e->>'message_id', e->'data'
  FROM jsonb_array_elements(turn_events) AS e;
  IF jsonb_array_length(entries) > 0 THEN
    PERFORM pg_advisory_xact_lock(chain_lock);
    SELECT a.hash INTO prev FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
      h := encode(sha256(convert_to(prev || E'\n' || (entry->>'body'), 'UTF8')), 'hex');
      INSERT INTO audit_log (at, actor, role, action, object_type, object_id, subject, event_seq, detail,
                             digest, prev_hash, hash)
      VALUES ((entry->>'at')::float8, entry->>'actor', entry->>'role', entry->>'action', entry->>'object_type',
              entry->>'object_id', entry->>'subject', (entry->>'event_seq')::integer, entry->'detail',
              entry->>'digest', prev, h);
      prev := h;
    END LOOP;
  END IF;
  IF token IS NOT NULL THEN
    UPDATE conversations SET fence = token WHERE id = conversation AND (fence IS NULL OR fence <= token);
    IF NOT FOUND THEN
      RAISE EXCEPTION 'wenzhen: lease lost (a newer lease stored a turn of %)', conversation
        USING ERRCODE = 'WZ409';
    END IF;
  END IF;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS wenzhen_append_turn(text, bigint, jsonb, jsonb, bigint)")
