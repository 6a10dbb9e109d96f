from __future__ import annotations

import shutil
from typing import Any, Iterator

import pytest

from biostation.config import load_config
from biostation.station import Station
from tests.conftest import _truncate_all


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_station(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    """One station per engine for a whole module (the permission matrix builds its world once)."""
    data_dir = tmp_path_factory.mktemp("access-world") / "station-data"
    data_dir.mkdir()
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), data_dir / "station.db")
        url = ""
    else:
        url = request.getfixturevalue("pg_url")
        _truncate_all(url)
    st = Station(load_config({"data_dir": str(data_dir), "database_url": url}, environ={}))
    yield st
    st.close()


@pytest.fixture(scope="module")
def world(module_station: Station) -> Any:
    from biostation import clock
    from tests.access.world import build_world
    try:
        return build_world(module_station)
    finally:
        clock.reset()
