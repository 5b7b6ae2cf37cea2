"""PostgreSQL: one statement stores ordinary turns (events, their audit entries chained, the fences).

`wenzhen_append_turns` does in one round trip what the store's transaction does in seven, for one
turn or for the turns of several conversations that queued meanwhile (bot/store.py, GroupCommit):
take the chain's advisory lock, read the newest hash, and per turn insert its events, chain one
audit entry per event (the same hash as `bot/supervision/chain.link_hash`: sha256 of prev, a
newline and the entry's canonical JSON, which the caller sends) and check and move the
conversation's fencing token. Sent on its own it is one transaction: all of it commits, or none
of it. Inside a PL/pgSQL function each statement takes a fresh snapshot, so the hash read after
the lock is the newest.

Revision ID: 0020_speed_turn
"""
from alembic import op

revision = "0020_speed_turn"
down_revision = "0001_core"
branch_labels = None
depends_on = None  # the body names audit_log and conversations.fence: PL/pgSQL resolves them when it runs

# The turns of several conversations that arrived while the worker's previous write was in flight,
# in one statement: the chain's lock and its newest hash once, then each turn in a block of its own
# (a subtransaction), so a turn that collides (a duplicate message id, a stale snapshot: 'conflict')
# or whose lease was overtaken ('lease_lost') is undone alone and the chain goes on from the hash
# before it. Returns one outcome per turn, in order: 'ok', 'conflict: …', 'lease_lost' or 'error: …'.
BATCH_FUNCTION = r"""
CREATE OR REPLACE FUNCTION wenzhen_append_turns(turns jsonb, chain_lock bigint) RETURNS text[]
  LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  prev text;
  here text;
  h text;
  entry jsonb;
  t jsonb;
  outcomes text[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(chain_lock);
  SELECT a.hash INTO prev FROM audit_log a ORDER BY a.id DESC LIMIT 1;
  prev := coalesce(prev, repeat('0', 64));
  FOR t IN SELECT value FROM jsonb_array_elements(turns) LOOP
    BEGIN
      IF t ? 'new' THEN  -- the conversation's first turn: its row, with the lease's token as its fence
        INSERT INTO conversations (id, channel, sender, created_at, fence)
        VALUES (t->>'conversation', t->'new'->>'channel', t->'new'->>'sender',
                (t->'new'->>'created_at')::timestamptz, (t->>'token')::bigint);
      END IF;
      INSERT INTO events (conversation_id, seq, type, actor, timestamp, message_id, data)
      SELECT t->>'conversation', (e->>'seq')::integer, e->>'type', e->>'actor', (e->>'timestamp')::float8,
             e->>'message_id', e->'data'
      FROM jsonb_array_elements(t->'events') AS e;
      here := prev;
      FOR entry IN SELECT value FROM jsonb_array_elements(t->'entries') LOOP
        h := encode(sha256(convert_to(here || E'
' || (entry->>'body'), 'UTF8')), 'hex');
        INSERT INTO audit_log (at, actor, role, action, object_type, object_id, subject, event_seq, detail,
                               digest, prev_hash, hash)
        VALUES ((entry->>'at')::float8, entry->>'actor', entry->>'role', entry->>'action', entry->>'object_type',
                entry->>'object_id', entry->>'subject', (entry->>'event_seq')::integer, entry->'detail',
                entry->>'digest', here, h);
        here := h;
      END LOOP;
      IF t->>'token' IS NOT NULL AND NOT t ? 'new' THEN
        UPDATE conversations SET fence = (t->>'token')::bigint
        WHERE id = t->>'conversation' AND (fence IS NULL OR fence <= (t->>'token')::bigint);
        IF NOT FOUND THEN
          RAISE EXCEPTION 'wenzhen: lease lost' USING ERRCODE = 'WZ409';
        END IF;
      END IF;
      prev := here;
      outcomes := outcomes || 'ok'::text;
    EXCEPTION
      WHEN unique_violation OR foreign_key_violation THEN
        outcomes := outcomes || ('conflict: ' || SQLERRM);
      WHEN SQLSTATE 'WZ409' THEN
        outcomes := outcomes || 'lease_lost'::text;
      WHEN OTHERS THEN  -- anything else wrong with one turn (a value too long) fails that turn only
        outcomes := outcomes || ('error: ' || SQLSTATE || ' ' || SQLERRM);
    END;
  END LOOP;
  RETURN outcomes;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BATCH_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS wenzhen_append_turns(jsonb, bigint)")
