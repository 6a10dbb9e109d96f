"""Shared fixtures: every database test runs on SQLite and on PostgreSQL (a database of its own)."""
from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import text

from biostation import clock
from biostation.config import load_config
from biostation.db import Base, make_engine
from biostation.identity import SYSTEM, Identity
from biostation.station import Station, import_models

PG_ADMIN_URL = os.environ.get("BIOSTATION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_available() -> str | None:
    try:
        engine = make_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - the reason is reported
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated with Alembic."""
    reason = _pg_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must provide PostgreSQL)")
        pytest.skip(reason)
    name = f"biostation_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    from biostation.migrations import upgrade
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "station.db"
    engine = make_engine(f"sqlite:///{path}")
    from biostation.migrations import upgrade
    upgrade(engine)
    engine.dispose()
    return path


def _truncate_all(url: str) -> None:
    import_models()
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def station(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Station]:
    data_dir = tmp_path / "station-data"
    data_dir.mkdir()
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, data_dir / "station.db")
        url = ""
    else:
        url = request.getfixturevalue("pg_url")
        _truncate_all(url)
    st = Station(load_config({"data_dir": str(data_dir), "database_url": url}, environ={}))
    yield st
    st.close()


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _restore_station_env() -> Iterator[None]:
    """CLI commands run in-process export BIOSTATION_* settings; put the environment back after each test."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("BIOSTATION_")}
    yield
    for key in [k for k in os.environ if k.startswith("BIOSTATION_")]:
        if key not in saved:
            del os.environ[key]
    os.environ.update(saved)


@dataclass
class Person:
    username: str
    identity: Identity
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def people(station: Station) -> dict[str, Person]:
    """An organisation and one user per role, each with an API token."""
    from biostation.accounts.service import identity_for
    roles = {"admin": ["operator"], "curator": ["curator"], "owner": ["researcher"], "other": ["researcher"],
             "member": ["committee_member"]}
    out = {}
    with station.uow() as uow:
        station.accounts.create_organisation(uow, SYSTEM, code="KRIBB", name_en="KRIBB", name_ko="생명연",
                                             kind="institute")
        for name, r in roles.items():
            station.accounts.create_user(uow, SYSTEM, username=name, email=f"{name}@example.kr", display_name=name,
                                         roles=r, organisation="KRIBB")
    for name in roles:
        with station.uow() as uow:
            _, secret = station.accounts.create_token(uow, SYSTEM, name)
            out[name] = Person(name, identity_for(station.accounts.get_user(uow, name)), secret)
    return out


@pytest.fixture
def client(station: Station) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from biostation.api.app import create_app
    with TestClient(create_app(station, start_jobs=False)) as c:
        yield c


PROJECT = {
    "project_number": "RS-2024-00000001", "title_en": "Rice heat stress multi-omics",
    "title_ko": "벼 고온 스트레스 다중오믹스", "ministry": "MAFRA", "pi_name": "Kim Minji",
    "period_start": "2024-01-01", "period_end": "2026-12-31",
}
DATASET = {
    "title_en": "Rice WGS reads", "title_ko": "벼 전장유전체 리드", "research_field": "seeds_livestock",
    "data_types": ["genome_omics"], "description_en": "Reads.", "organisms": [{"taxon_id": 4530, "name": "Oryza sativa"}],
}


@pytest.fixture
def project(station: Station, people: dict[str, Person]) -> str:
    with station.uow() as uow:
        p = station.projects.create(uow, people["owner"].identity, PROJECT)
        return station.projects.accession(p)


@pytest.fixture
def dataset(station: Station, people: dict[str, Person], project: str) -> str:
    with station.uow() as uow:
        ds, _ = station.datasets.create(uow, people["owner"].identity, {"project": project, **DATASET})
        return station.datasets.accession(ds)
