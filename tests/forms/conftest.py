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


