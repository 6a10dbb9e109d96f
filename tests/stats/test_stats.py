"""Usage statistics on SQLite and PostgreSQL: counters bumped by real downloads and views, Range requests,
permissions (refusals audited), period validation, and the aggregates on a small world with known answers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from biostation import accessions, clock
from biostation.identity import SYSTEM
from biostation.stats.models import UsageDaily
from biostation.stats.service import resolve_period
from tests.access.helpers import audit
from tests.access.world import add_file, new_dataset, publish
from tests.conftest import PROJECT
from tests.core.helpers import upload_bytes

DATA = b"@r1\nACGTACGTAC\n+\nIIIIIIIIII\n" * 40  # 1,080 bytes of FASTQ


def _usage(station: Any, acc: str) -> tuple[int, int, int]:
    """(views, downloads, bytes) of one dataset, all days together."""
    dataset_id = accessions.parse(acc, "dataset")[1]
    with station.uow() as uow:
        rows = uow.session.scalars(select(UsageDaily).where(UsageDaily.dataset_id == dataset_id)).all()
        return (sum(r.views for r in rows), sum(r.downloads for r in rows), sum(r.bytes_out for r in rows))


def _stats(client: Any, people: dict, **params: str) -> dict:
    r = client.get("/api/stats", headers=people["admin"].headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _published_with_file(station: Any, client: Any, people: dict, dataset: str) -> str:
    f = upload_bytes(client, people["owner"].headers, dataset, "reads/R1.fastq", DATA)["file"]
    publish(station, people["owner"].identity, dataset)
    return f


def test_a_real_download_moves_the_counters_and_the_utilisation_rate(station: Any, client: Any, people: dict,
                                                                     dataset: str) -> None:
    f = _published_with_file(station, client, people, dataset)
    before = _stats(client, people)
    assert before["published"] == 1 and before["utilisation"] == {"key": "all", "published": 1, "downloaded": 0,
                                                                   "rate": 0.0}
    assert sum(m["downloads"] for m in before["usage_by_month"]) == 0

    r = client.get(f"/api/files/{f}/content", headers=people["other"].headers)
    assert r.status_code == 200 and r.content == DATA
    assert _usage(station, dataset) == (0, 1, len(DATA))
    r = client.get(f"/api/files/{f}/content")  # anonymous, open data
    assert r.status_code == 200
    assert _usage(station, dataset) == (0, 2, 2 * len(DATA))

    after = _stats(client, people)
    this_month = after["period"]["end"]
    assert after["usage_by_month"][-1] == {"month": this_month, "views": 0, "downloads": 2,
                                           "bytes_out": 2 * len(DATA)}
    assert len(after["usage_by_month"]) == 12  # every month of the default period, zeros included
    assert after["utilisation"] == {"key": "all", "published": 1, "downloaded": 1, "rate": 1.0}
    assert after["utilisation_by_ministry"] == [{"key": "MAFRA", "published": 1, "downloaded": 1, "rate": 1.0}]
    assert after["utilisation_by_field"] == [{"key": "seeds_livestock", "published": 1, "downloaded": 1,
                                              "rate": 1.0}]
    assert after["usage_by_month_ministry"] == [{"month": this_month, "key": "MAFRA", "views": 0, "downloads": 2,
                                                 "bytes_out": 2 * len(DATA)}]
    # a refused download counts nothing
    assert client.get(f"/api/files/{accessions.make('file', 999_999)}/content").status_code == 404
    assert _usage(station, dataset) == (0, 2, 2 * len(DATA))


def test_range_requests_count_bytes_but_not_extra_downloads(station: Any, client: Any, people: dict,
                                                           dataset: str) -> None:
    f = _published_with_file(station, client, people, dataset)
    h = people["other"].headers
    r = client.get(f"/api/files/{f}/content", headers={**h, "Range": "bytes=0-99"})
    assert r.status_code == 206 and len(r.content) == 100
    assert _usage(station, dataset) == (0, 1, 100)  # the first range is the download
    for rng, n in (("bytes=100-599", 500), ("bytes=600-", len(DATA) - 600), ("bytes=-80", 80)):
        r = client.get(f"/api/files/{f}/content", headers={**h, "Range": rng})
        assert r.status_code == 206 and len(r.content) == n
    assert _usage(station, dataset) == (0, 1, 100 + 500 + (len(DATA) - 600) + 80)
    r = client.get(f"/api/files/{f}/content", headers={**h, "Range": f"bytes={len(DATA)}-"})
    assert r.status_code == 416
    assert _usage(station, dataset)[1:] == (1, 100 + 500 + (len(DATA) - 600) + 80)  # not satisfiable: nothing
    # the guarded route counts the same way
    r = client.get(f"/api/access/files/{f}/content", headers=h)
    assert r.status_code == 200
    assert _usage(station, dataset)[1] == 2


def test_views_of_the_landing_page_and_the_metadata(station: Any, client: Any, people: dict,
                                                    dataset: str) -> None:
    _published_with_file(station, client, people, dataset)
    assert client.get(f"/api/datasets/{dataset}").status_code == 200
    assert client.get(f"/datasets/{dataset}").status_code == 200
    assert client.get(f"/datasets/{dataset}?cursor=x").status_code == 422  # a later page of files is no view
    assert _usage(station, dataset) == (2, 0, 0)
    assert client.get(f"/api/datasets/{accessions.make('dataset', 999_999)}").status_code == 404
    assert _stats(client, people)["usage_by_month"][-1]["views"] == 2


def test_counting_never_fails_the_download(station: Any, client: Any, people: dict, dataset: str,
                                           monkeypatch: Any, caplog: Any) -> None:
    f = _published_with_file(station, client, people, dataset)
    from biostation.stats import service

    def broken(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("counter table is gone")
    monkeypatch.setattr(service, "_upsert", broken)
    r = client.get(f"/api/files/{f}/content", headers=people["other"].headers)
    assert r.status_code == 200 and r.content == DATA
    assert client.get(f"/api/datasets/{dataset}").status_code == 200
    assert "could not count usage" in caplog.text
    monkeypatch.undo()
    # a statement that fails in the database (a dataset that does not exist) leaves the request's work intact
    with station.uow() as uow:
        station.stats.record_download(uow, 999_999, 0, 10)
        station.stats.record_view(uow, accessions.parse(dataset, "dataset")[1])
    assert _usage(station, dataset) == (1, 0, 0)


def test_only_operators_and_curators_see_the_statistics(station: Any, client: Any, people: dict) -> None:
    r = client.get("/api/stats", headers=people["owner"].headers)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "permission_denied"
    r = client.get("/api/stats")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    denied = audit(station, "statistics.read", "*")  # newest first
    assert [(e.actor_id, e.decision) for e in denied] == [(None, "deny"), (people["owner"].identity.user_id, "deny")]
    assert client.get("/api/stats", headers=people["curator"].headers).status_code == 200
    assert client.get("/api/stats", headers=people["admin"].headers).status_code == 200


def test_period_parameters_are_validated_all_at_once(client: Any, people: dict) -> None:
    h = people["admin"].headers
    r = client.get("/api/stats", headers=h, params={"from": "2025-13", "to": "March"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert set(errors) == {"from", "to"} and errors["from"]["code"] == "month_format"
    assert errors["from"]["message_ko"] and errors["from"]["hint"].startswith("Write the month as YYYY-MM")
    r = client.get("/api/stats", headers=h, params={"from": "2025-06", "to": "2025-01"})
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("to", "period_order")]
    body = _stats(client, people, **{"from": "2024-11", "to": "2025-02"})
    assert body["period"] == {"start": "2024-11", "end": "2025-02",
                              "months": ["2024-11", "2024-12", "2025-01", "2025-02"]}


def test_default_period_is_the_last_twelve_months() -> None:
    from datetime import date
    p = resolve_period(None, None, today=date(2025, 3, 31))
    assert (p.start, p.end, len(p.months)) == ("2024-04", "2025-03", 12)
    assert resolve_period("2025-01", None, today=date(2025, 3, 1)).months == ["2025-01", "2025-02", "2025-03"]


# a small world with known answers ----------------------------------------------------------------------------
def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=3, tzinfo=timezone.utc)


@pytest.fixture
def world(station: Any, people: dict, project: str) -> dict[str, str]:
    """Five datasets of two ministries and three fields, published in known months; one stays a draft."""
    owner = people["owner"].identity
    with station.uow() as uow:
        health = station.projects.accession(station.projects.create(uow, owner, {
            **PROJECT, "project_number": "RS-2024-00000002", "ministry": "MOHW", "title_en": "Liver cancer omics"}))
    specs = {  # name: (project, field, data types, level, published on)
        "rice": (project, "seeds_livestock", ["genome_omics"], "open", "2025-01-15"),
        "farm": (project, "smart_agriculture", ["genome_omics", "phenotype"], "open", "2025-01-20"),
        "liver": (health, "precision_medicine", ["clinical_preclinical", "genome_omics"], "embargoed", "2025-03-05"),
        "cells": (health, "precision_medicine", ["image"], "open", "2025-03-28"),
        "draft": (health, "precision_medicine", ["image"], "open", None),
        "mylab": (project, "seeds_livestock", ["genome_omics"], "private", None),
    }
    out = {}
    for name, (proj, field, types, level, day) in specs.items():
        clock.freeze(at(day or "2025-01-02"))
        acc = new_dataset(station, owner, proj, research_field=field, data_types=types, title_en=name)
        add_file(station, owner, acc, f"{name}.fastq", DATA)
        if level == "embargoed":
            with station.uow() as uow:
                station.access.set_level(uow, owner, acc, {"level": "embargoed", "embargo_until": "2026-06-01"})
        elif level == "private":
            with station.uow() as uow:
                station.access.set_level(uow, owner, acc, {"level": "private"})
        if day:
            publish(station, owner, acc)
        out[name] = acc
    station.jobs.run_until_idle()  # QC grades the files; the stats subscriber keeps each version's grade
    return out


def _file_of(station: Any, acc: str) -> str:
    with station.uow() as uow:
        files, _ = station.datasets.files(uow, SYSTEM, acc)
        return files[0].accession


def test_aggregates_on_a_known_world(station: Any, client: Any, people: dict, world: dict[str, str]) -> None:
    h = people["other"].headers
    clock.freeze(at("2025-03-10"))
    assert client.get(f"/api/files/{_file_of(station, world['rice'])}/content", headers=h).status_code == 200
    assert client.get(f"/api/files/{_file_of(station, world['rice'])}/content", headers=h).status_code == 200
    clock.freeze(at("2025-04-02"))
    assert client.get(f"/api/files/{_file_of(station, world['cells'])}/content", headers=h).status_code == 200
    assert client.get(f"/api/datasets/{world['farm']}", headers=h).status_code == 200
    clock.freeze(at("2024-12-30"))  # before any publication, outside the period asked below
    with station.uow() as uow:
        station.stats.record_download(uow, world["farm"], 0, 5)

    clock.freeze(at("2025-04-15"))
    s = _stats(client, people, **{"from": "2025-01", "to": "2025-04"})
    assert (s["datasets"], s["published"]) == (6, 4)
    assert s["published_by_month_ministry"] == [
        {"month": "2025-01", "key": "MAFRA", "datasets": 2}, {"month": "2025-03", "key": "MOHW", "datasets": 2}]
    assert s["published_by_month_field"] == [
        {"month": "2025-01", "key": "seeds_livestock", "datasets": 1},
        {"month": "2025-01", "key": "smart_agriculture", "datasets": 1},
        {"month": "2025-03", "key": "precision_medicine", "datasets": 2}]
    assert s["by_data_type"] == [{"key": "genome_omics", "datasets": 3}, {"key": "clinical_preclinical", "datasets": 1},
                                 {"key": "image", "datasets": 1}, {"key": "phenotype", "datasets": 1}]
    assert s["by_access"] == [{"level": "open", "datasets": 4, "published": 3},
                              {"level": "embargoed", "datasets": 1, "published": 1},
                              {"level": "controlled", "datasets": 0, "published": 0},
                              {"level": "private", "datasets": 1, "published": 0}]
    assert sum(g["datasets"] for g in s["by_grade"]) == 4
    assert all(g["key"] in ("A", "B", "C", "D", "F") for g in s["by_grade"])  # every published version graded
    assert [(u["month"], u["downloads"], u["views"]) for u in s["usage_by_month"]] == [
        ("2025-01", 0, 0), ("2025-02", 0, 0), ("2025-03", 2, 0), ("2025-04", 1, 1)]
    assert s["usage_by_month"][2]["bytes_out"] == 2 * len(DATA)
    assert [(u["month"], u["key"], u["downloads"], u["views"]) for u in s["usage_by_month_field"]] == [
        ("2025-03", "seeds_livestock", 2, 0), ("2025-04", "precision_medicine", 1, 0),
        ("2025-04", "smart_agriculture", 0, 1)]
    # utilisation: rice and cells downloaded in the period, of the 4 published by its end
    assert s["utilisation"] == {"key": "all", "published": 4, "downloaded": 2, "rate": 0.5}
    assert s["utilisation_by_ministry"] == [{"key": "MAFRA", "published": 2, "downloaded": 1, "rate": 0.5},
                                            {"key": "MOHW", "published": 2, "downloaded": 1, "rate": 0.5}]
    assert s["utilisation_by_field"] == [
        {"key": "seeds_livestock", "published": 1, "downloaded": 1, "rate": 1.0},
        {"key": "precision_medicine", "published": 2, "downloaded": 1, "rate": 0.5},
        {"key": "smart_agriculture", "published": 1, "downloaded": 0, "rate": 0.0}]

    # a period that ends before March: only the January datasets were published, and nothing was downloaded
    s = _stats(client, people, **{"from": "2025-01", "to": "2025-02"})
    assert s["utilisation"] == {"key": "all", "published": 2, "downloaded": 0, "rate": 0.0}
    assert [m["month"] for m in s["published_by_month_ministry"]] == ["2025-01"]
    # the embargo ends: the level in force is open
    clock.freeze(at("2026-06-02"))
    s = _stats(client, people)
    assert s["by_access"][0] == {"level": "open", "datasets": 5, "published": 4}


def test_public_headline_counts_what_the_caller_may_read(station: Any, people: dict, world: dict[str, str]) -> None:
    from biostation.identity import ANONYMOUS
    clock.freeze(at("2025-04-15"))
    with station.uow() as uow:
        anyone = station.stats.headline(uow, ANONYMOUS)
        staff = station.stats.headline(uow, people["curator"].identity)
    assert anyone.datasets == 3  # the embargoed one is not readable yet
    assert {c.key: c.datasets for c in anyone.by_ministry} == {"MAFRA": 2, "MOHW": 1}
    assert staff.datasets == 4


def test_grades_follow_qc_and_rebuild(station: Any, people: dict, world: dict[str, str]) -> None:
    from biostation.stats.models import DatasetGrade
    with station.uow() as uow:
        uow.session.query(DatasetGrade).delete()
    with station.uow() as uow:
        assert station.stats.report(uow, SYSTEM).by_grade[0].key == "pending"
    assert station.stats.rebuild(SYSTEM) == {"grades": 4}
    with station.uow() as uow:
        grades = station.stats.report(uow, SYSTEM).by_grade
    assert sum(g.datasets for g in grades) == 4 and "pending" not in {g.key for g in grades}
    from biostation.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        station.stats.rebuild(people["curator"].identity)


def test_a_computed_period_is_reused_for_a_while(station: Any, client: Any, people: dict, dataset: str) -> None:
    station.config.values["stats_cache_seconds"] = 600
    f = _published_with_file(station, client, people, dataset)
    first = _stats(client, people)
    assert client.get(f"/api/files/{f}/content").status_code == 200
    again = _stats(client, people)
    assert again == first  # the same computation, generated_at included
    with station.uow() as uow:
        fresh = station.stats.report(uow, SYSTEM, fresh=True)
    assert fresh.utilisation.downloaded == 1 and fresh.generated_at > datetime.fromisoformat(first["generated_at"])
    assert _stats(client, people)["utilisation"]["downloaded"] == 1  # the fresh one replaced the stored one
    other_period = _stats(client, people, **{"from": "2024-01", "to": "2024-02"})
    assert other_period["period"]["start"] == "2024-01"  # each period is computed and kept on its own
    stored = _stats(client, people)
    clock.advance(timedelta(seconds=601))
    # Stale: the page is answered at once with the stored report, and one recomputation is queued.
    assert _stats(client, people) == stored and _stats(client, people) == stored
    from biostation.jobs.models import Job
    with station.uow() as uow:
        queued = uow.session.scalars(select(Job).where(Job.kind == "stats.refresh", Job.state == "queued")).all()
        assert len(queued) == 1 and queued[0].payload["start"] == stored["period"]["start"]
    station.jobs.run_until_idle()
    renewed = _stats(client, people)
    assert renewed["generated_at"] > stored["generated_at"] and renewed["utilisation"]["downloaded"] == 1
