"""Bulk sample registration: dry run (same JSON as the CLI), all-or-nothing registration, lists, scores,
form versions kept after a curator's change, deprecated versions refused for new samples, permissions."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from biostation.audit.models import AuditEvent
from biostation.forms import cli
from biostation.forms.models import Sample
from biostation.forms.score import completeness

from .helpers import biosample_xml, ncbi_batch_tsv, pathogen_rows, write_tsv

FORM = "biosample.pathogen_cl"
TEMPLATE_LINE = f"Bio Data Station sample sheet - form={FORM}@1.0.0"


def sheet(tmp_path, n=12, name="samples.tsv", comments=(TEMPLATE_LINE,), changes=None):
    rows = pathogen_rows(n)
    for (i, key), value in (changes or {}).items():
        rows[i][key] = value
    return write_tsv(tmp_path / name, rows, comments=list(comments))


def post_sheet(client, url, path, person, **params):
    return client.post(url, params=params, content=path.read_bytes(),
                       headers={**person.headers, "Content-Type": "text/tab-separated-values",
                                "Content-Disposition": f'attachment; filename="{path.name}"'})


def count_samples(station):
    with station.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Sample))


def register_events(station):
    with station.uow() as uow:
        return list(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "sample.register")))


def test_dry_run_gives_the_cli_json(client, people, station, tmp_path):
    path = sheet(tmp_path, n=8, changes={(2, "collection_date"): "2023/05/17", (3, "lat_lon"): "37.5 N 200 E",
                                   (4, "host_sex"): "Male", (5, "organism"): "Escherichia  coli"})
    r = post_sheet(client, "/api/samples/validate", path, people["owner"])
    assert r.status_code == 200, r.text
    api = r.json()
    cli.set_registry(station.forms.registry())
    res = CliRunner().invoke(cli.samples_app, ["validate", str(path), "--json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout) == api
    assert list(api) == ["valid", "records", "errors", "warnings"] and not api["valid"] and api["records"] == 8
    assert {(e["record"], e["field"], e["code"]) for e in api["errors"]} >= {(5, "collection_date", "date_format"), (6, "lat_lon", "lat_lon_range")}
    assert api["warnings"]
    # the same as a multipart upload (the web form), and nothing was stored
    r = client.post("/api/samples/validate", files={"file": ("samples.tsv", path.read_bytes())},
                    headers=people["owner"].headers)
    assert r.json() == api
    assert count_samples(station) == 0
    assert client.post("/api/samples/validate", content=path.read_bytes()).status_code == 401


def test_register_stores_and_accessions_every_row(client, people, station, project, tmp_path):
    path = sheet(tmp_path, n=25)
    r = post_sheet(client, "/api/samples", path, people["owner"], project=project)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["registered"] == 25 and body["form"] == FORM and body["form_version"] == "1.0.0"
    accs = [s["accession"] for s in body["samples"]]
    assert len(set(accs)) == 25 and all(a.startswith("BSS") for a in accs)
    assert body["first"] == accs[0] and body["last"] == accs[-1]
    assert [s["name"] for s in body["samples"]] == [row["sample_name"] for row in pathogen_rows(25)]
    # one audit event for the whole submission
    [event] = register_events(station)
    assert event.target == project and event.details["count"] == 25
    assert (event.details["first"], event.details["last"]) == (accs[0], accs[-1])
    assert event.details["form"] == f"{FORM}@1.0.0" and len(event.details["sha256"]) == 64
    # keyset pages
    seen, cursor = [], None
    while True:
        page = client.get("/api/samples", params={"project": project, "limit": 10, **({"cursor": cursor} if cursor else {})},
                          headers=people["owner"].headers).json()
        seen += [s["accession"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == accs
    # one sample: the score and the rules behind it, the same as scoring its stored attributes
    r = client.get(f"/api/samples/{accs[3]}", headers=people["owner"].headers)
    one = r.json()
    assert one["name"] == pathogen_rows(25)[3]["sample_name"] and one["project"] == project
    assert one["taxon_id"] is not None and one["organism"] == pathogen_rows(25)[3]["organism"]
    assert one["attributes"]["geo_loc_name"].startswith("South Korea")
    assert {r["code"] for r in one["completeness_rules"]} >= {"mandatory_filled", "values_valid"}
    form = station.forms.registry().get(FORM, "1.0.0")
    assert 0 < one["completeness"] <= 100
    with station.uow() as uow:
        for s in uow.session.scalars(select(Sample)):
            assert s.completeness == completeness(form, s.attributes).score


def test_nothing_is_stored_when_one_row_is_bad(client, people, station, project, tmp_path):
    path = sheet(tmp_path, n=30, changes={(27, "collection_date"): "2023-13-45"})
    r = post_sheet(client, "/api/samples", path, people["owner"], project=project)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_failed" and body["records"] == 30
    [err] = body["errors"]
    assert (err["record"], err["code"], err["field"]) == (30, "date_invalid", "record[30].collection_date")
    assert err["message_ko"] and err["message_en"] and err["hint"] and err["level"] == "error"
    assert count_samples(station) == 0 and register_events(station) == []


def test_names_already_registered_are_refused_all_at_once(client, people, station, project, tmp_path):
    path = sheet(tmp_path, n=5)
    assert post_sheet(client, "/api/samples", path, people["owner"], project=project).status_code == 201
    more = write_tsv(tmp_path / "more.tsv", pathogen_rows(7))  # the first five again, and two new ones
    r = post_sheet(client, "/api/samples", more, people["owner"], project=project, form=FORM)
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert [e["code"] for e in errors] == ["sample_name_registered"] * 5
    assert count_samples(station) == 5
    # the dry run with the project says the same
    r = post_sheet(client, "/api/samples/validate", more, people["owner"], project=project, form=FORM)
    assert [e["code"] for e in r.json()["errors"]] == ["sample_name_registered"] * 5


def test_sample_keeps_its_form_version_and_deprecated_versions_are_refused(client, people, station, project, tmp_path):
    curator = people["curator"].headers
    assert post_sheet(client, "/api/samples", sheet(tmp_path, n=3), people["owner"], project=project).status_code == 201
    doc = {"extends": {"id": FORM, "version": "1.0.0"}, "id": FORM, "version": "1.1.0",
           "add_fields": {"sample": [{"id": "antimicrobial_resistance", "label": {"en": "AMR", "ko": "항생제 내성"},
                                      "help": {"en": "Resistance phenotype", "ko": "내성 표현형"},
                                      "requirement": "mandatory"}]}}
    assert client.post("/api/forms", json=doc, headers=curator).status_code == 201
    owner = people["owner"]
    listed = client.get("/api/samples", params={"project": project}, headers=owner.headers).json()["items"]
    assert {s["form_version"] for s in listed} == {"1.0.0"}
    one = client.get(f"/api/samples/{listed[0]['accession']}", headers=owner.headers).json()
    assert "antimicrobial_resistance" not in json.dumps(one["completeness_rules"])
    # a sheet that names no version gets the new one (and its new mandatory field)
    plain = write_tsv(tmp_path / "plain.tsv", pathogen_rows(6)[3:])
    r = post_sheet(client, "/api/samples", plain, owner, project=project, form=FORM)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "mandatory_column_missing"
    # a template of 1.0.0 is still checked against 1.0.0
    old_template = sheet(tmp_path, n=6, name="old.tsv")
    lines = old_template.read_text().splitlines()
    old_template.write_text("\n".join(lines[:2] + lines[5:]) + "\n")  # rows 4-6 only (1-3 are registered)
    r = post_sheet(client, "/api/samples", old_template, owner, project=project)
    assert r.status_code == 201 and r.json()["form_version"] == "1.0.0"
    # deprecate 1.0.0: new samples cannot use it, stored ones keep it
    assert client.post(f"/api/forms/{FORM}/1.0.0/deprecate", headers=curator).status_code == 200
    again = sheet(tmp_path, n=1, name="again.tsv", changes={(0, "sample_name"): "NEW-1", (0, "sample_title"): "new one"})
    r = post_sheet(client, "/api/samples", again, owner, project=project)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "form_version_deprecated" and "1.1.0" in r.json()["errors"][0]["hint"]
    dry = post_sheet(client, "/api/samples/validate", again, owner).json()
    assert dry["errors"][0]["code"] == "form_version_deprecated"
    cli.set_registry(station.forms.registry())
    res = CliRunner().invoke(cli.samples_app, ["validate", str(again), "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout) == dry
    assert count_samples(station) == 6
    one = client.get(f"/api/samples/{listed[0]['accession']}", headers=owner.headers).json()
    assert one["form_version"] == "1.0.0" and one["completeness_rules"]


def test_who_may_register_and_read(client, people, station, project, dataset, tmp_path):
    path = sheet(tmp_path, n=4)
    r = post_sheet(client, "/api/samples", path, people["other"], project=project)
    assert r.status_code == 403
    r = post_sheet(client, "/api/samples", path, people["owner"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "project"
    r = post_sheet(client, "/api/samples", path, people["owner"], dataset=dataset)
    assert r.status_code == 201 and r.json()["dataset"] == dataset and r.json()["project"] == project
    acc = r.json()["first"]
    # a draft dataset's samples: its people and staff see them; others and anonymous callers do not
    assert client.get(f"/api/samples/{acc}", headers=people["other"].headers).status_code == 404
    assert client.get(f"/api/samples/{acc}").status_code == 404
    assert client.get(f"/api/samples/{acc}", headers=people["curator"].headers).status_code == 200
    assert client.get("/api/samples", headers=people["other"].headers).json()["items"] == []
    r = client.get("/api/samples", params={"dataset": dataset}, headers=people["owner"].headers)
    assert len(r.json()["items"]) == 4
    assert client.get("/api/samples/BSS000001Q").status_code in (404, 422)


def test_insdc_files_and_xlsx(client, station, people, project, tmp_path):
    """BioSample XML and NCBI batch TSV name their package; an XLSX template names its form and version."""
    from biostation.forms.templates import write_template

    rows = pathogen_rows(6)
    xml = biosample_xml(tmp_path / "b.xml", rows[:3], "Pathogen.cl.1.0")
    r = post_sheet(client, "/api/samples", xml, people["owner"], project=project)
    assert r.status_code == 201, r.text
    assert r.json()["form"] == FORM and r.json()["registered"] == 3
    acc = r.json()["first"]
    assert client.get(f"/api/samples/{acc}", headers=people["owner"].headers).json()["attributes"]["insdc_accession"].startswith("SAMN")
    form = station.forms.registry().get(FORM)
    mandatory = {f.id for f in form.sample.fields if f.requirement == "mandatory"}
    batch = ncbi_batch_tsv(tmp_path / "batch.tsv", rows[3:5], "Pathogen: clinical or host-associated; version 1.0", mandatory)
    r = post_sheet(client, "/api/samples", batch, people["owner"], project=project)
    assert r.status_code == 201, r.text
    assert r.json()["registered"] == 2
    import openpyxl

    xlsx = write_template(form, tmp_path / "t.xlsx", "xlsx")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["samples"]
    header = [c.value for c in ws[1]]
    for col, name in enumerate(header, start=1):
        key = name.lstrip("*") if name else name
        ws.cell(row=2, column=col, value=rows[5].get(key, ""))
    wb.save(xlsx)
    r = client.post("/api/samples", params={"project": project}, files={"file": ("t.xlsx", xlsx.read_bytes())},
                    headers=people["owner"].headers)
    assert r.status_code == 201, r.text
    assert r.json()["registered"] == 1 and r.json()["form_version"] == "1.0.0"
    assert count_samples(station) == 6 and len(register_events(station)) == 3


def test_duplicate_names_are_an_error_even_when_the_form_has_no_rule(client, people, station, project, tmp_path):
    doc = {"extends": {"id": FORM, "version": "1.0.0"}, "id": FORM, "version": "1.0.1",
           "change_fields": {"sample": {"sample_name": {"unique": False}}}}
    assert client.post("/api/forms", json=doc, headers=people["curator"].headers).status_code == 201
    rows = pathogen_rows(3)
    rows[2]["sample_name"] = rows[0]["sample_name"]
    path = write_tsv(tmp_path / "dup.tsv", rows)
    r = post_sheet(client, "/api/samples", path, people["owner"], project=project, form=FORM)
    assert r.status_code == 422, r.text
    assert [(e["code"], e["record"]) for e in r.json()["errors"]] == [("duplicate_sample_name", 4)]
    assert count_samples(station) == 0
