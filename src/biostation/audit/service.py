"""The append-only audit log: record events inside a unit of work, verify the chain."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from ..clock import now
from ..db import UnitOfWork
from ..identity import Identity
from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x61756469  # "audi": one advisory lock serialises appends on PostgreSQL


_CONTENT = ("at", "actor_id", "actor", "action", "target_kind", "target", "decision", "details")


def content_digest(event: Any) -> str:
    """sha256 of an entry's own content (an AuditEvent row or a dict about to be inserted)."""
    get = event.get if isinstance(event, dict) else lambda k: getattr(event, k)
    fields = {k: get(k) for k in _CONTENT}
    fields["at"] = fields["at"].isoformat()
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def chain_hash(prev_hash: str, event_id: int, content: str) -> str:
    """The entry's hash: its content bound to its place in the chain (PostgreSQL's audit_append computes the same)."""
    return hashlib.sha256(f"{prev_hash}:{event_id}:{content}".encode()).hexdigest()


def record(uow: UnitOfWork, identity: Identity, action: str, target_kind: str, target: str,
           details: dict[str, Any] | None = None, decision: str = "allow") -> None:
    """Queue an event; it is chained and written just before the unit of work commits."""
    pending: list[dict[str, Any]] = uow.__dict__.setdefault("_audit_pending", [])
    if not pending:
        uow.before_commit(lambda: _append(uow.session, uow.__dict__.pop("_audit_pending", [])))
    pending.append(dict(at=now(), actor_id=identity.user_id, actor=identity.label, action=action,
                        target_kind=target_kind, target=target, details=details or {}, decision=decision))


def record_alone(factory: Any, identity: Identity, action: str, target_kind: str, target: str,
                 details: dict[str, Any] | None = None, decision: str = "deny") -> None:
    """Write an event in its own transaction (a denial must survive the rollback of the request)."""
    with UnitOfWork(factory) as uow:
        record(uow, identity, action, target_kind, target, details, decision)


def _append(session: Session, events: list[dict[str, Any]]) -> None:
    if not events:
        return
    if session.get_bind().dialect.name == "postgresql":
        # One round trip: the database takes the append lock, reads the head, chains and inserts.
        entries = [dict(e, at=e["at"].isoformat(), content=content_digest(e)) for e in events]
        session.execute(text("SELECT audit_append(:k, CAST(:entries AS jsonb))"),
                        {"k": _LOCK_KEY, "entries": json.dumps(entries, ensure_ascii=False, default=str)})
        return
    # SQLite: a write that touches no row still takes the database's write lock, so no other writer can
    # append between reading the head and inserting after it.
    session.execute(text("UPDATE audit_events SET id = id WHERE 0"))
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    next_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    rows = []
    for data in events:
        row = dict(data, id=next_id, prev_hash=prev)
        row["hash"] = chain_hash(prev, next_id, content_digest(row))
        rows.append(row)
        prev, next_id = row["hash"], next_id + 1
    # A Core insert: an append-only row needs none of the ORM's change tracking.
    session.execute(insert(AuditEvent.__table__), rows)


@dataclass
class ChainProblem:
    event_id: int
    kind: str  # edited, deleted, reordered
    message: str


def verify(session: Session, batch: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole log in id order, streaming; return (entries checked, problems)."""
    problems: list[ChainProblem] = []
    prev_hash, prev_id, count = GENESIS, 0, 0
    for event in _stream(session, batch):
        count += 1
        if event.id != prev_id + 1:
            problems.append(ChainProblem(event.id, "deleted",
                                         f"entries {prev_id + 1}..{event.id - 1} are missing (deleted)"))
        elif event.prev_hash != prev_hash:
            problems.append(ChainProblem(event.id, "deleted",
                                         f"entry {event.id} does not follow entry {prev_id}: the chain was cut"))
        if chain_hash(event.prev_hash, event.id, content_digest(event)) != event.hash:
            problems.append(ChainProblem(event.id, "edited",
                                         f"entry {event.id} ({event.action} {event.target}) was edited"))
        prev_hash, prev_id = event.hash, event.id
    return count, problems


def _stream(session: Session, batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def list_events(session: Session, *, after_id: int | None = None, limit: int = 100, action: str | None = None,
                target: str | None = None, actor_id: int | None = None) -> list[AuditEvent]:
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if after_id is not None:
        q = q.where(AuditEvent.id < after_id)
    if action:
        q = q.where(AuditEvent.action == action)
    if target:
        q = q.where(AuditEvent.target == target)
    if actor_id is not None:
        q = q.where(AuditEvent.actor_id == actor_id)
    return list(session.scalars(q))
