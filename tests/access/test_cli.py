"""`biostation emergency declare|list|end` and `biostation access ...` on a real station folder."""
from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from biostation import clock
from biostation.cli.main import app
from tests.access.helpers import can_view
from tests.access.world import T0, add_file, new_dataset, publish


def test_emergency_and_access_commands(station, people, project, monkeypatch):
    monkeypatch.setenv("BIOSTATION_DATABASE_URL", station.config.database_url)
    base = ["--data-dir", str(station.config.data_path)]
    run = CliRunner().invoke
    clock.freeze(T0)
    owner = people["owner"].identity
    acc = new_dataset(station, owner, project, organisms=[{"taxon_id": 2697049, "name": "SARS-CoV-2"}])
    add_file(station, owner, acc, "genome.fasta", b">s\nACGT\n")
    r = run(app, base + ["access", "set", acc, "embargoed", "--until", str((T0 + timedelta(days=90)).date())])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["level"] == "embargoed"
    publish(station, owner, acc)
    r = run(app, base + ["access", "set", acc, "controlled", "--permission", "HMB", "--committee", "1"])
    assert r.exit_code == 1 and "committee" in r.output  # every error named, no traceback
    other = people["other"].identity
    assert not can_view(station, other, acc)

    r = run(app, base + ["emergency", "declare", "--title", "SARS-CoV-2 outbreak", "--taxon", "694009",
                         "--end", (T0 + timedelta(days=10)).isoformat()])
    assert r.exit_code == 0, r.output
    assert can_view(station, other, acc)  # SARS-CoV-2 is under SARS-related coronavirus (694009)
    r = run(app, base + ["emergency", "list"])
    assert "SARS-CoV-2 outbreak" in r.stdout and "yes" in r.stdout
    r = run(app, base + ["emergency", "end", "1", "--reason", "Outbreak contained"])
    assert r.exit_code == 0, r.output
    assert not can_view(station, other, acc)
    r = run(app, base + ["emergency", "declare", "--title", "Bad", "--taxon", "0", "--end", "nonsense"])
    assert r.exit_code == 2

    r = run(app, base + ["access", "match", "--permission", "HMB", "--modifier", "NCU", "--use", "HMB",
                         "--commercial"])
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "commercial_use"
    r = run(app, base + ["access", "committees", "create", "Pathogen DAC", "--chair", "member"])
    assert r.exit_code == 0 and "committee 1 created" in r.output
    r = run(app, base + ["access", "flag-overdue"])
    assert r.exit_code == 0 and "0 notification(s)" in r.output
