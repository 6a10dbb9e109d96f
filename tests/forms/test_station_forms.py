"""Form versions in the station database: list/show/add/deprecate through the API and the CLI, templates."""
from __future__ import annotations

import json

import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from biostation.audit.models import AuditEvent
from biostation.config import load_config
from biostation.station import Station

FORM = "infectious_disease.genome_omics"


def curator_doc(version="1.1.0", **extra):
    doc = {"extends": {"id": FORM, "version": "1.0.0"}, "id": FORM, "version": version,
           "add_fields": {"sample": [{"id": "vaccination_status", "label": {"en": "Vaccination status", "ko": "예방접종 여부"},
                                      "help": {"en": "Host vaccinated against the pathogen?", "ko": "숙주 예방접종 여부"},
                                      "type": "boolean", "requirement": "recommended"}]}}
    doc.update(extra)
    return doc


def events(station, action, decision="allow"):
    with station.uow() as uow:
        return list(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                                 AuditEvent.decision == decision)
                                        .order_by(AuditEvent.id)))


def test_list_filters_and_pages(client, people):
    r = client.get("/api/forms", params={"field": "infectious_disease", "limit": 1000})
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 7 and {i["data_type"] for i in items} >= {"genome_omics", "image", "chemical_reaction"}
    r = client.get("/api/forms", params={"type": "image", "limit": 1000})
    assert len(r.json()["items"]) == 15
    r = client.get("/api/forms", params={"field": "infectious_disease", "type": "image"})
    assert [i["id"] for i in r.json()["items"]] == ["infectious_disease.image"]
    seen, cursor = [], None
    while True:
        page = client.get("/api/forms", params={"limit": 40, **({"cursor": cursor} if cursor else {})}).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 105 and seen == sorted(seen)
    r = client.get(f"/api/forms/{FORM}")
    body = r.json()
    assert body["version"] == "1.0.0" and body["document"]["sections"]["sample"]["fields"][0]["id"] == "sample_name"
    assert body["versions"] == [{"version": "1.0.0", "status": "active", "digest": body["digest"], "source": "packaged"}]
    assert client.get("/api/forms/no.such_form").status_code == 404
    assert client.get(f"/api/forms/{FORM}", params={"version": "9.9.9"}).status_code == 404


def test_curator_adds_a_version_and_can_never_change_it(client, people, station):
    curator = people["curator"].headers
    r = client.post("/api/forms", json=curator_doc(), headers=people["owner"].headers)
    assert r.status_code == 403
    assert client.post("/api/forms", json=curator_doc()).status_code == 401
    r = client.post("/api/forms", json=curator_doc(), headers=curator)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == "1.1.0"
    # the same content again: accepted, nothing changes (no second row, no second audit event)
    assert client.post("/api/forms", json=curator_doc(), headers=curator).status_code == 200
    changed = curator_doc(change_fields={"sample": {"lat_lon": {"requirement": "optional"}}})
    r = client.post("/api/forms", json=changed, headers=curator)
    assert r.status_code == 409 and r.json()["code"] == "form_version_exists"
    # YAML works too; a malformed document lists every problem at once
    r = client.post("/api/forms", content=yaml.safe_dump(curator_doc("1.2.0")).encode(),
                    headers={**curator, "Content-Type": "application/yaml"})
    assert r.status_code == 201
    bad = {"id": "Bad Id", "version": "1", "title": {"en": "x"}, "sections": {}}
    r = client.post("/api/forms", json=bad, headers=curator)
    assert r.status_code == 422
    assert {"id", "version", "title.ko"} <= {e["field"] for e in r.json()["errors"]}
    body = client.get(f"/api/forms/{FORM}").json()
    assert body["version"] == "1.2.0"
    assert [(v["version"], v["source"]) for v in body["versions"]] == [
        ("1.0.0", "packaged"), ("1.1.0", "curator"), ("1.2.0", "curator")]
    old = client.get(f"/api/forms/{FORM}", params={"version": "1.0.0"}).json()
    assert "vaccination_status" not in [f["id"] for f in old["document"]["sections"]["sample"]["fields"]]
    assert [e.target for e in events(station, "form.add_version")] == [f"{FORM}@1.1.0", f"{FORM}@1.2.0"]
    assert len(events(station, "form.add_a_version_of", "deny")) == 1  # the researcher (anonymous stops at sign-in)


def test_another_process_sees_a_curators_change(station, people, client):
    """Two API processes over one database: the second rebuilds its registry when the table changed."""
    other = Station(load_config({"data_dir": str(station.config.data_path),
                                 "database_url": station.config.database_url}, environ={}))
    try:
        with other.uow() as uow:
            assert other.forms.registry(uow).get(FORM).version == "1.0.0"
        assert client.post("/api/forms", json=curator_doc(), headers=people["curator"].headers).status_code == 201
        with other.uow() as uow:
            assert other.forms.registry(uow).get(FORM).version == "1.1.0"
        assert client.post(f"/api/forms/{FORM}/1.1.0/deprecate", headers=people["curator"].headers).status_code == 200
        with other.uow() as uow:
            reg = other.forms.registry(uow)
            assert reg.get(FORM).version == "1.0.0" and reg.get(FORM, "1.1.0").status == "deprecated"
    finally:
        other.close()


def test_deprecate_packaged_and_curator_versions(client, people, station):
    curator = people["curator"].headers
    assert client.post(f"/api/forms/{FORM}/1.0.0/deprecate", headers=people["owner"].headers).status_code == 403
    r = client.post(f"/api/forms/{FORM}/1.0.0/deprecate", headers=curator)
    assert r.status_code == 200 and r.json()["status"] == "deprecated"
    assert client.post(f"/api/forms/{FORM}/1.0.0/deprecate", headers=curator).json()["status"] == "deprecated"
    assert len(events(station, "form.deprecate")) == 1 and len(events(station, "form.deprecate", "deny")) == 1
    assert client.post(f"/api/forms/{FORM}/7.0.0/deprecate", headers=curator).status_code == 404
    # the deprecated version stays readable; lists leave it out unless asked
    body = client.get(f"/api/forms/{FORM}", params={"version": "1.0.0"}).json()
    assert body["status"] == "deprecated" and body["versions"][0]["source"] == "packaged"
    listed = [i["id"] for i in client.get("/api/forms", params={"field": "infectious_disease"}).json()["items"]]
    assert FORM not in listed
    listed = client.get("/api/forms", params={"field": "infectious_disease", "include_deprecated": True}).json()
    assert FORM in [i["id"] for i in listed["items"]]
    r = client.get(f"/api/forms/{FORM}/template", params={"format": "tsv"})
    assert r.status_code == 409 and r.json()["code"] == "form_version_deprecated"
    # a new version makes the form current again
    assert client.post("/api/forms", json=curator_doc(), headers=curator).status_code == 201
    assert client.get(f"/api/forms/{FORM}").json()["version"] == "1.1.0"


def test_template_download(client):
    r = client.get(f"/api/forms/{FORM}/template", params={"format": "tsv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/tab-separated-values")
    assert f'filename="{FORM}-1.0.0.tsv"' in r.headers["content-disposition"]
    assert r.text.splitlines()[0] == f"# Bio Data Station sample sheet - form={FORM}@1.0.0"
    r = client.get(f"/api/forms/{FORM}/template")
    assert r.status_code == 200 and r.content[:4] == b"PK\x03\x04"
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    r = client.get(f"/api/forms/{FORM}/template", params={"format": "pdf"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"


def test_cli_add_and_deprecate_write_to_the_station(station, people, tmp_path, monkeypatch):
    from biostation.cli.main import app

    monkeypatch.setenv("BIOSTATION_DATABASE_URL", station.config.database_url)
    base = ["--data-dir", str(station.config.data_path)]
    doc = tmp_path / "form.yaml"
    doc.write_text(yaml.safe_dump(curator_doc(), allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, base + ["forms", "add", str(doc), "--as", "curator"])
    assert r.exit_code == 0, r.output
    assert f"added {FORM}@1.1.0" in r.stdout
    r = runner.invoke(app, base + ["forms", "add", str(doc)])
    assert r.exit_code == 0 and "nothing changed" in r.stdout
    doc.write_text(yaml.safe_dump(curator_doc(title={"en": "Other", "ko": "다른"})), encoding="utf-8")
    r = runner.invoke(app, base + ["forms", "add", str(doc)])
    assert r.exit_code == 1 and "form_version_exists" in r.output
    r = runner.invoke(app, base + ["forms", "add", str(doc), "--as", "owner"])
    assert r.exit_code == 1 and "permission_denied" in r.output
    # the forms commands read the station's versions
    r = runner.invoke(app, base + ["forms", "show", FORM, "--json"])
    assert json.loads(r.stdout)["version"] == "1.1.0"
    r = runner.invoke(app, base + ["forms", "deprecate", FORM, "1.1.0", "--as", "curator"])
    assert r.exit_code == 0 and "deprecated" in r.stdout
    r = runner.invoke(app, base + ["forms", "show", FORM, "--json"])
    assert json.loads(r.stdout)["version"] == "1.0.0"
    r = runner.invoke(app, base + ["forms", "deprecate", FORM, "3.0.0"])
    assert r.exit_code == 1 and "not_found" in r.output
    [added] = events(station, "form.add_version")
    assert added.actor.startswith("curator#")
    with station.uow() as uow:
        assert station.forms.registry(uow).get(FORM, "1.1.0").status == "deprecated"
