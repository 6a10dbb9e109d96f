"""The search command, driven as a user would: reindex from a file, then search with filters."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from biostation.search.cli import app

from .conftest import D

RECORDS = [
    {"id": D(1), "title_en": "Hepatocellular carcinoma RNA-seq", "title_ko": "간세포암종 전사체 분석",
     "description_ko": "간암을 앓는 생쥐 모델", "organism_taxids": [10090], "organism_names": ["Mus musculus"],
     "data_types": ["genome_omics"], "readers": ["public"], "published": "2021-03-01"},
    {"id": D(2), "title_en": "Rice drought phenotypes", "organism_taxids": [4530], "organism_names": ["Oryza sativa"],
     "data_types": ["phenotype"], "readers": ["public"], "published": "2020-01-01"},
    {"id": D(3), "title_en": "Secret liver cohort", "organism_taxids": [9606], "readers": ["user:7"]},
]


def _index(tmp_path):
    src = tmp_path / "docs.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS), encoding="utf-8")
    idx = tmp_path / "idx"
    result = CliRunner().invoke(app, ["reindex", "--from-jsonl", str(src), "--index-dir", str(idx)])
    assert result.exit_code == 0, result.output
    assert "indexed 3 records" in result.output
    return idx


def test_search_command_with_filters_and_json(tmp_path):
    idx = _index(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["간암을", "--index-dir", str(idx), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [h["id"] for h in data["hits"]] == [D(1)]
    assert any("<mark>간암</mark>" in s for s in data["hits"][0]["snippets"])

    result = runner.invoke(app, ["--index-dir", str(idx), "--filter", "organism=Mammalia", "--json", "--", ""])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [h["id"] for h in data["hits"]] == [D(1)] and data["total"] == 1

    result = runner.invoke(app, ["liver", "cohort", "--index-dir", str(idx)])
    assert result.exit_code == 0 and "0 records" in result.output
    result = runner.invoke(app, ["liver", "cohort", "--as", "user:7", "--index-dir", str(idx)])
    assert D(3) in result.output


def test_search_command_reports_errors_as_data(tmp_path):
    idx = _index(tmp_path)
    result = CliRunner().invoke(app, ["rice", "--filter", "nonsense", "--index-dir", str(idx)])
    assert result.exit_code == 2
    assert "key=value" in result.output
