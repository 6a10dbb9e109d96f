"""The audit log is append-only and hash-chained; verify names what was changed."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from biostation.audit.service import record, verify
from biostation.identity import SYSTEM


def _events(station, n):
    for i in range(n):
        with station.uow() as uow:
            record(uow, SYSTEM, "test.event", "dataset", f"BSD{i}", {"i": i})


@pytest.fixture
def drop_guards(station):
    """Play an attacker with database admin rights; put the guards back afterwards (shared PG database)."""
    from biostation.audit.models import APPEND_ONLY_POSTGRESQL, APPEND_ONLY_SQLITE

    def drop():
        with station.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.execute(text("DROP TRIGGER audit_events_no_update"))
                conn.execute(text("DROP TRIGGER audit_events_no_delete"))
            else:
                conn.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))
    yield drop
    with station.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events"))
            for stmt in APPEND_ONLY_POSTGRESQL:
                conn.execute(text(stmt))


def test_database_refuses_changes(station):
    _events(station, 3)
    with pytest.raises(DBAPIError):
        with station.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET action = 'x' WHERE id = 2"))
    with pytest.raises(DBAPIError):
        with station.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events WHERE id = 2"))


def test_verify_names_edited_and_deleted_entries(station, drop_guards):
    _events(station, 6)
    with station.uow() as uow:
        count, problems = verify(uow.session)
    assert count == 6 and problems == []
    drop_guards()
    with station.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET target = 'BSD999' WHERE id = 2"))
        conn.execute(text("DELETE FROM audit_events WHERE id = 5"))
    with station.uow() as uow:
        count, problems = verify(uow.session, batch=2)
    assert count == 5
    found = {(p.event_id, p.kind) for p in problems}
    assert (2, "edited") in found and (6, "deleted") in found
    assert len(problems) == 2


def test_cli_audit_verify(station, monkeypatch, drop_guards):
    from typer.testing import CliRunner

    from biostation.cli.main import app
    _events(station, 3)
    monkeypatch.setenv("BIOSTATION_DATABASE_URL", station.config.effective_database_url)
    args = ["--data-dir", str(station.config.data_path), "audit", "verify"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and "3 entries" in result.output
    drop_guards()
    with station.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET details = '{}' WHERE id = 3"))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "entry 3" in result.output and "edited" in result.output


def test_denials_and_changes_are_audited(client, people, station, dataset):
    from biostation.audit.service import list_events
    client.get(f"/api/datasets/{dataset}", headers=people["other"].headers)
    client.patch(f"/api/datasets/{dataset}", json={"title_en": "Better title"}, headers=people["owner"].headers)
    with station.uow() as uow:
        events = list_events(uow.session, limit=50)
    actions = [(e.action, e.decision, e.actor) for e in events]
    assert ("dataset.read", "deny", f"other#{people['other'].identity.user_id}") in actions
    assert ("dataset.update", "allow", f"owner#{people['owner'].identity.user_id}") in actions
    assert ("dataset.create", "allow", f"owner#{people['owner'].identity.user_id}") in actions
    r = client.get("/api/audit", headers=people["admin"].headers)
    assert r.status_code == 200 and r.json()["items"][0]["action"]
    assert client.get("/api/audit", headers=people["owner"].headers).status_code == 403


def test_concurrent_appends_keep_one_chain(station):
    """Writers in parallel threads (separate connections) never fork the chain."""
    import threading
    errors = []

    def writer(n):
        try:
            for i in range(15):
                with station.uow() as uow:
                    record(uow, SYSTEM, "test.concurrent", "dataset", f"BSD{n}-{i}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with station.uow() as uow:
        count, problems = verify(uow.session)
    assert problems == [] and count == 60
