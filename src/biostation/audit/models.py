from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, BigInteger, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class AuditEvent(Base):
    """Append-only and hash-chained: each entry's hash covers its content and the previous entry's hash."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target_kind: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(200), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    details: Mapped[dict] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# The database itself refuses to change or delete an entry (an attacker with admin rights can still
# drop the trigger: `biostation audit verify` catches that through the hash chain).
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]
# Lock, read the head, chain and insert in one round trip. A VOLATILE plpgsql function takes a fresh snapshot
# per statement, so the SELECT after the lock sees every append committed before the lock was granted. Each
# entry arrives with its content digest (computed in Python); the chain hash is
# sha256("<prev_hash>:<id>:<content digest>"), which service.chain_hash computes the same way.
AUDIT_APPEND_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION audit_append(lock_key bigint, entries jsonb) RETURNS bigint AS $$ "
    "DECLARE head_id bigint; head_hash varchar; e jsonb; h varchar; "
    "BEGIN PERFORM pg_advisory_xact_lock(lock_key); "
    "SELECT a.id, a.hash INTO head_id, head_hash FROM audit_events a ORDER BY a.id DESC LIMIT 1; "
    "IF head_id IS NULL THEN head_id := 0; head_hash := repeat('0', 64); END IF; "
    "FOR e IN SELECT value FROM jsonb_array_elements(entries) LOOP "
    "head_id := head_id + 1; "
    "h := encode(sha256(convert_to(head_hash || ':' || head_id::text || ':' || (e->>'content'), 'UTF8')), 'hex'); "
    "INSERT INTO audit_events (id, at, actor_id, actor, action, target_kind, target, decision, details, prev_hash, hash) "
    "VALUES (head_id, (e->>'at')::timestamptz, (e->>'actor_id')::integer, e->>'actor', e->>'action', "
    "e->>'target_kind', e->>'target', e->>'decision', (e->'details')::json, head_hash, h); "
    "head_hash := h; END LOOP; RETURN head_id; "
    "END; $$ LANGUAGE plpgsql VOLATILE")
event.listen(AuditEvent.__table__, "after_create", DDL(AUDIT_APPEND_POSTGRESQL).execute_if(dialect="postgresql"))
for _stmt in APPEND_ONLY_SQLITE:
    event.listen(AuditEvent.__table__, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))
for _stmt in APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))
