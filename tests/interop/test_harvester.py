"""Two stations on localhost: one acts as a ministry data centre, the other harvests it."""
from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from biostation import clock
from biostation.config import load_config
from biostation.datasets.models import DatasetVersion
from biostation.interop.harvest import HarvestFailed
from biostation.interop.models import HarvestError, Provenance
from biostation.station import Station
from tests.core.livesrv import LiveServer

from .helpers import bulk_published


@pytest.fixture
def data_centre(tmp_path, sqlite_template):
    d = tmp_path / "data-centre"
    d.mkdir()
    shutil.copy(sqlite_template, d / "station.db")
    dc = Station(load_config({"data_dir": str(d), "database_url": ""}, environ={}))
    yield dc
    dc.close()


def test_harvest_two_stations_incremental_resume_and_errors(station, client, people, project, data_centre):
    clock.freeze(clock.now() - timedelta(hours=3))
    ids = bulk_published(data_centre, 12, ministry="RDA")
    with data_centre.uow() as uow:  # one record the harvester must refuse (title too short), without stopping
        uow.session.execute(update(DatasetVersion).where(DatasetVersion.dataset_id == ids[6]).values(title_en="x"))
    data_centre.interop.sync()
    clock.reset()
    server = LiveServer(data_centre, {"BIOSTATION_OAI_PAGE_SIZE": "5"}).start()
    try:
        r = client.post("/api/interop/harvest-sources", headers=people["admin"].headers, json={
            "code": "NABIC", "name": "NABIC 농업생명자원", "base_url": f"{server.url}/oai", "project": project,
            "owner": "owner", "research_field": "seeds_livestock", "data_type": "genome_omics"})
        assert r.status_code == 201, r.text
        assert client.post("/api/interop/harvest-sources", headers=people["owner"].headers, json={
            **r.json(), "project": project, "owner": "owner", "research_field": "seeds_livestock",
            "data_type": "genome_omics"}).status_code in (403, 422)

        first = station.interop.harvest(people["admin"].identity, "NABIC", max_pages=1)  # interrupted after a page
        assert first["state"] == "interrupted" and first["created"] == 5
        with station.uow() as uow:
            assert station.interop.source(uow, people["admin"].identity, "NABIC").resumption_token

        server.stop()  # the data centre goes away mid-harvest: the run fails, the token stays
        with pytest.raises(HarvestFailed):
            station.interop.harvest(people["admin"].identity, "NABIC")
        server.start()
        rest = station.interop.harvest(people["admin"].identity, "NABIC")  # resumes from the saved token
        assert rest["state"] == "done" and rest["created"] == 6 and rest["failed"] == 1
        assert "resumed" in rest["message"]
        with station.uow() as uow:
            errors = list(uow.session.scalars(select(HarvestError)))
            assert len(errors) == 1 and "title_en" in errors[0].message
            provs = list(uow.session.scalars(select(Provenance)))
            assert len(provs) == 11 and len({p.dataset_id for p in provs}) == 11
        station.jobs.run_until_idle()  # the published events write the OAI records of the harvested datasets

        listed = client.get("/api/datasets", params={"limit": 100}).json()["items"]
        harvested = [d for d in listed if d["extra"].get("harvested_from") == "NABIC"]
        assert len(harvested) == 11
        d0 = harvested[0]
        assert d0["extra"]["provenance"] == "via data centre NABIC 농업생명자원"
        assert d0["organisms"] == [{"taxon_id": 4530, "name": "Oryza sativa"}]
        assert d0["contributors"][0]["orcid"] == "0000-0002-1825-0097"
        assert d0["title_ko"].startswith("벼 시료")

        # incremental: nothing new -> nothing created; one change at the data centre -> one update
        again = station.interop.harvest(people["admin"].identity, "NABIC")
        assert again["created"] == 0 and again["updated"] == 0
        clock.advance(timedelta(seconds=5))
        with data_centre.uow() as uow:
            uow.session.execute(update(DatasetVersion).where(DatasetVersion.dataset_id == ids[0])
                                .values(title_en="Rice sample set 0, corrected"))
        data_centre.interop.sync()
        third = station.interop.harvest(people["admin"].identity, "NABIC")
        assert third["updated"] == 1 and third["created"] == 0
        runs = client.get("/api/interop/harvest-sources/NABIC/runs", headers=people["admin"].headers).json()
        assert [r_["state"] for r_ in runs][:2] == ["done", "done"]
    finally:
        server.stop()
