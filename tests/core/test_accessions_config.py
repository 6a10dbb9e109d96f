from __future__ import annotations

import itertools
import json

import pytest
from typer.testing import CliRunner

from biostation import accessions
from biostation.config import ConfigError, load_config
from biostation.errors import ValidationFailed


def test_accession_round_trip_and_kinds():
    acc = accessions.make("dataset", 123)
    assert acc.startswith("BSD000123") and len(acc) == 10
    assert accessions.parse(acc) == ("dataset", 123, None)
    assert accessions.parse(acc.lower() + ".2", "dataset") == ("dataset", 123, 2)
    with pytest.raises(ValidationFailed) as exc:
        accessions.parse(acc, "project")
    assert exc.value.errors[0].code == "accession_wrong_kind"
    with pytest.raises(ValidationFailed) as exc:
        accessions.parse("hello")
    assert exc.value.errors[0].code == "accession_malformed"


def test_every_single_typo_and_neighbour_swap_is_caught():
    alphabet = accessions.ALPHABET
    for number in (1, 42, 999_999, 1_234_567):
        acc = accessions.make("sample", number)
        for i in range(3, len(acc)):
            for ch in alphabet:
                if ch == acc[i] or (i < len(acc) - 1 and not ch.isdigit()):
                    continue
                typo = acc[:i] + ch + acc[i + 1:]
                with pytest.raises(ValidationFailed):
                    accessions.parse(typo)
        for i in range(3, len(acc) - 1):
            if acc[i] != acc[i + 1]:
                swapped = acc[:i] + acc[i + 1] + acc[i] + acc[i + 2:]
                with pytest.raises(ValidationFailed):
                    accessions.parse(swapped)


def test_config_sources_env_file_and_errors(tmp_path):
    (tmp_path / "station.toml").write_text('[biostation]\nport = 9001\nlog_level = "debug"\n')
    env = {"BIOSTATION_DATA_DIR": str(tmp_path), "BIOSTATION_PORT": "9002"}
    cfg = load_config(environ=env)
    assert cfg.port == 9002 and cfg.sources["port"] == "env BIOSTATION_PORT"
    assert cfg.log_level == "debug" and cfg.sources["log_level"].startswith("file ")
    assert cfg.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'station.db'}"
    with pytest.raises(ConfigError, match="port"):
        load_config(environ={**env, "BIOSTATION_PORT": "eighty"})
    (tmp_path / "station.toml").write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_config(environ=env)


def test_config_show_lists_every_setting(tmp_path, monkeypatch):
    from biostation.cli.main import app
    from biostation.config import SETTINGS
    monkeypatch.setenv("BIOSTATION_S3_SECRET_KEY", "very-secret")
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "config", "show", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == [s.name for s in SETTINGS]
    secret = next(r for r in rows if r["name"] == "s3_secret_key")
    assert secret["value"] == "********" and secret["source"] == "env BIOSTATION_S3_SECRET_KEY"
    assert all(r["doc"] for r in rows)
