"""Fixtures for the forms tests: the packaged registry and a fixed clock (dates in the future are errors)."""
from __future__ import annotations

import pytest

from biostation import clock
from biostation.forms import FormRegistry
from biostation.forms.registry import default_registry


@pytest.fixture(scope="session")
def registry() -> FormRegistry:
    return default_registry()


@pytest.fixture(autouse=True)
def _fixed_clock():
    from datetime import datetime, timezone

    clock.freeze(datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc))
    yield
    clock.reset()




@pytest.fixture(autouse=True)
def _no_station_for_the_cli(monkeypatch, tmp_path_factory):
    """The forms CLI reads the station's database when the machine has one; tests say which one (or none)."""
    from biostation.forms import cli

    monkeypatch.setenv("BIOSTATION_DATA_DIR", str(tmp_path_factory.mktemp("no-station")))
    monkeypatch.delenv("BIOSTATION_DATABASE_URL", raising=False)
    monkeypatch.delenv("BIOSTATION_CONFIG", raising=False)
    cli.set_registry(None)
    yield
    cli.set_registry(None)
