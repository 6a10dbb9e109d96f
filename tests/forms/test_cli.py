"""CLI: forms list/show/template/check and samples validate with exit codes 0/1/2."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from biostation.forms.cli import app, samples_app

from .helpers import biosample_xml, ncbi_batch_tsv, pathogen_rows, write_tsv

runner = CliRunner()


def test_forms_list_and_show():
    res = runner.invoke(app, ["list", "--json"])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert len([f for f in data if f["research_field"]]) == 105
    res = runner.invoke(app, ["show", "infectious_disease.genome_omics", "--json"])
    doc = json.loads(res.stdout)
    assert doc["version"] == "1.0.0" and doc["sections"]["sample"]["fields"][0]["id"] == "sample_name"
    res = runner.invoke(app, ["show", "infectious_disease.genome_omics"])
    assert res.exit_code == 0 and "collection_date" in res.stdout
    res = runner.invoke(app, ["show", "infectious_diseases.genome_omics"])
    assert res.exit_code == 2 and "did you mean infectious_disease.genome_omics" in res.stderr


def test_template_then_validate(tmp_path):
    out = tmp_path / "sheet.tsv"
    res = runner.invoke(app, ["template", "biosample.pathogen_cl", "--format", "tsv", "-o", str(out)])
    assert res.exit_code == 0 and out.exists()
    res = runner.invoke(app, ["template", "biosample.pathogen_cl", "--format", "pdf", "-o", str(out)])
    assert res.exit_code == 2
    xlsx = tmp_path / "sheet.xlsx"
    assert runner.invoke(app, ["template", "biosample.pathogen_cl", "-o", str(xlsx)]).exit_code == 0


def test_samples_validate_json_and_exit_codes(tmp_path):
    rows = pathogen_rows(5)
    good = write_tsv(tmp_path / "good.tsv", rows)
    res = runner.invoke(samples_app, ["validate", str(good), "--form", "biosample.pathogen_cl", "--json"])
    assert res.exit_code == 0, res.stdout
    body = json.loads(res.stdout)
    assert list(body) == ["valid", "records", "errors", "warnings"] and body["valid"] and body["records"] == 5
    rows[2]["collection_date"] = "2023/05/17"
    bad = write_tsv(tmp_path / "bad.tsv", rows)
    res = runner.invoke(samples_app, ["validate", str(bad), "--form", "biosample.pathogen_cl", "--json"])
    assert res.exit_code == 1
    [err] = json.loads(res.stdout)["errors"]
    assert set(err) == {"code", "level", "record", "field", "value", "message_ko", "message_en", "hint"}
    assert (err["record"], err["field"], err["code"]) == (4, "collection_date", "date_format")
    res = runner.invoke(samples_app, ["validate", str(bad), "--form", "biosample.pathogen_cl"])
    assert res.exit_code == 1 and "date_format" in res.stdout and "hint: Write 2023-05-17." in res.stdout


def test_package_is_taken_from_biosample_files(tmp_path):
    xml = biosample_xml(tmp_path / "b.xml", pathogen_rows(3), "Pathogen.cl.1.0")
    res = runner.invoke(samples_app, ["validate", str(xml), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["records"] == 3
    batch = ncbi_batch_tsv(tmp_path / "b.tsv", pathogen_rows(3), "Human; version 1.0", set())
    res = runner.invoke(samples_app, ["validate", str(batch), "--json"])
    assert res.exit_code == 1  # read as Human.1.0: pathogen isolates lack age, tissue ... and organism is not human
    codes = {e["code"] for e in json.loads(res.stdout)["errors"]}
    assert {"mandatory_column_missing", "term_out_of_scope"} <= codes


def test_usage_errors_exit_2(tmp_path):
    plain = write_tsv(tmp_path / "p.tsv", pathogen_rows(2))
    res = runner.invoke(samples_app, ["validate", str(plain)])
    assert res.exit_code == 2 and "--form" in res.stderr
    res = runner.invoke(samples_app, ["validate", str(tmp_path / "nope.tsv"), "--form", "biosample.human"])
    assert res.exit_code == 2
    res = runner.invoke(samples_app, ["validate", str(plain), "--form", "no.such.form"])
    assert res.exit_code == 2 and "biostation forms list" in res.stderr
    broken = tmp_path / "x.xml"
    broken.write_text("<BioSampleSet><BioSample><Package>Human.1.0</Package></BioSampleSet>")
    res = runner.invoke(samples_app, ["validate", str(broken)])
    assert res.exit_code == 2 and "XML" in res.stderr


def test_check_curator_document(tmp_path):
    doc = tmp_path / "v11.yaml"
    doc.write_text("""
extends: {id: biosample.human, version: 1.0.0}
id: biosample.human
version: 1.1.0
change_fields:
  sample:
    biomaterial_provider: {requirement: recommended}
""", encoding="utf-8")
    res = runner.invoke(app, ["check", str(doc)])
    assert res.exit_code == 0 and "biosample.human@1.1.0" in res.stdout
    doc.write_text("id: biosample.human\nversion: 1.0.0\ntitle: {en: x, ko: y}\nsections: {sample: {fields: []}}\n")
    res = runner.invoke(app, ["check", str(doc)])
    assert res.exit_code == 1 and "form_document_invalid" in res.stdout
