"""The bio data map inside the station: documents built from published datasets, rights from the access
policy, kept current by jobs, served at /api/search (on both database engines)."""
from __future__ import annotations

from datetime import date, timedelta

from biostation import clock
from tests.conftest import DATASET
from tests.core.helpers import upload_bytes


def _publish(client, headers, project, **fields):
    body = {"project": project, **DATASET, **fields}
    acc = client.post("/api/datasets", json=body, headers=headers).json()["accession"]
    upload_bytes(client, headers, acc, "reads/r.fastq", b"@r1\nACGT\n+\nIIII\n")
    return acc


def _finish(client, headers, acc):
    assert client.post(f"/api/datasets/{acc}/submit", headers=headers).status_code == 200
    assert client.post(f"/api/datasets/{acc}/publish", headers=headers).status_code == 200


def test_search_finds_published_data_in_korean_and_english_and_never_leaks(client, people, station, project):
    owner = people["owner"].headers
    rice = _publish(client, owner, project, title_en="Heat tolerance of rice cultivars",
                    title_ko="벼 품종의 고온 내성", keywords=["heat stress"])
    _finish(client, owner, rice)
    covid = _publish(client, owner, project, title_en="SARS-CoV-2 genomes from Seoul wastewater",
                     title_ko="서울 하수의 사스코로나바이러스2 유전체", research_field="infectious_disease",
                     organisms=[{"taxon_id": 2697049, "name": "Severe acute respiratory syndrome coronavirus 2"}])
    until = (clock.now() + timedelta(days=30)).date()
    r = client.put(f"/api/access/datasets/{covid}", json={"level": "embargoed", "embargo_until": until.isoformat()},
                   headers=owner)
    assert r.status_code == 200, r.text
    _finish(client, owner, covid)
    draft = _publish(client, owner, project, title_en="Unpublished rice draft", title_ko="미공개 벼 초안")
    station.jobs.run_until_idle()

    res = client.get("/api/search", params={"q": "rice"}).json()
    assert [h["id"] for h in res["hits"]] == [rice]
    assert client.get("/api/search", params={"q": "벼를"}).json()["hits"][0]["id"] == rice  # Korean morphology
    # The embargoed record: not in hits, totals, facet counts or suggestions for the public...
    anon = client.get("/api/search", params={"q": ""}).json()
    assert {h["id"] for h in anon["hits"]} == {rice} and anon["total"] == 1
    fields = {f["value"]: f["count"] for f in anon["facets"]["research_field"]}
    assert "infectious_disease" not in fields
    assert client.get("/api/search", params={"q": "SARS-CoV-2"}).json()["total"] == 0
    sugg = client.get("/api/search/suggest", params={"prefix": "sars"}).json()["suggestions"]
    assert sugg == []
    assert client.get("/api/search", params={"q": "SARS-CoV-2"}, headers=people["other"].headers).json()["total"] == 0
    # ...but its owner finds it, and so does everyone once the embargo ends (no re-index needed).
    assert client.get("/api/search", params={"q": "SARS-CoV-2"}, headers=owner).json()["hits"][0]["id"] == covid
    clock.advance(timedelta(days=31))
    assert client.get("/api/search", params={"q": "SARS-CoV-2"}).json()["hits"][0]["id"] == covid
    # Drafts are never in the map.
    assert client.get("/api/search", params={"q": "draft"}, headers=owner).json()["total"] == 0
    assert draft


def test_filters_facets_ontology_and_cursor(client, people, station, project):
    owner = people["owner"].headers
    accs = []
    for i in range(5):
        acc = _publish(client, owner, project, title_en=f"Mouse liver study {i}", title_ko=f"생쥐 간 연구 {i}",
                       research_field="new_drugs" if i % 2 else "precision_medicine",
                       organisms=[{"taxon_id": 10090, "name": "Mus musculus"}])
        _finish(client, owner, acc)
        accs.append(acc)
    station.jobs.run_until_idle()
    # A filter on Mammalia (40674) finds mouse datasets through the taxonomy.
    res = client.get("/api/search", params={"q": "liver", "filter": "taxon=40674"}).json()
    assert res["total"] == 5
    res = client.get("/api/search", params={"q": "liver", "filter": ["research_field=new_drugs"]}).json()
    assert res["total"] == 2
    counts = {f["value"]: f["count"] for f in res["facets"]["research_field"]}
    assert counts.get("precision_medicine") == 3  # counts of a facet ignore that facet's own filter
    seen, cursor = [], None
    while True:
        params = {"q": "liver", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/search", params=params).json()
        seen += [h["id"] for h in page["hits"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert sorted(seen) == sorted(accs)
    bad = client.get("/api/search", params={"filter": "nonsense"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "filter"


def test_reindex_command_rebuilds_from_the_database(client, people, station, project, monkeypatch):
    from typer.testing import CliRunner

    from biostation.cli.main import app
    owner = people["owner"].headers
    acc = _publish(client, owner, project, title_en="Barley drought transcriptome", title_ko="보리 가뭄 전사체")
    _finish(client, owner, acc)
    station.jobs.run_until_idle()
    station.search_engine.delete([acc])
    station.search_engine.commit()
    assert client.get("/api/search", params={"q": "barley"}).json()["total"] == 0
    monkeypatch.setenv("BIOSTATION_DATABASE_URL", station.config.database_url)
    result = CliRunner().invoke(app, ["--data-dir", str(station.config.data_path), "search", "reindex"])
    assert result.exit_code == 0, result.output
    station.search_engine.close()
    station.__dict__.pop("search_engine")
    assert client.get("/api/search", params={"q": "barley"}).json()["hits"][0]["id"] == acc
