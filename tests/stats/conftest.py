from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_stats_cache(request: pytest.FixtureRequest) -> None:
    """These tests look at the counters right after each change: compute the statistics every time."""
    if "station" in request.fixturenames:
        request.getfixturevalue("station").config.values["stats_cache_seconds"] = 0
