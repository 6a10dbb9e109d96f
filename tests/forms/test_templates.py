"""Every one of the 105 forms: template -> fill with valid values -> validate -> no errors; drop a mandatory value
-> reported on that field. Both XLSX and TSV."""
from __future__ import annotations

import openpyxl
import pytest

from biostation import vocab
from biostation.forms import validate_records
from biostation.forms.readers import read_records, sniff
from biostation.forms.validate import check_value
from biostation.forms.templates import example_value, header_name, write_template

FORM_IDS = [f"{rf}.{dt}" for rf in vocab.RESEARCH_FIELDS for dt in vocab.DATA_TYPES]


def _rows(form):
    """Two valid, distinct samples from the form's own definition (examples, vocabulary terms, typed values)."""
    first = {f.id: example_value(f) for f in form.sample.fields}
    second = dict(first)
    for f in form.sample.fields:
        if (f.unique or f.identifier) and f.type == "string":
            candidate = f"{first[f.id]}-B"
            if not [i for i in check_value(f, candidate) if i.level == "error"]:
                second[f.id] = candidate
    # samples that differ only by name are refused; make the second one differ in an attribute as well
    spare = next(f for f in form.sample.fields if f.requirement != "mandatory" and f.type in ("string", "text")
                 and not f.pattern and not f.unique and not f.group and f.id not in form.identity_exclude)
    second[spare.id] = first[spare.id] + " (replicate 2)"
    return [first, second]


def _mandatory_to_drop(form):
    return next(f for f in form.sample.fields if f.requirement == "mandatory" and f.id != "sample_name")


def _fill_xlsx(path, rows):
    wb = openpyxl.load_workbook(path)
    ws = wb["samples"]
    headers = [c.value for c in ws[1]]
    for r, row in enumerate(rows, start=2):
        for c, h in enumerate(headers, start=1):
            ws.cell(r, c, row.get(h.lstrip("*"), ""))
    wb.save(path)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_template_round_trip(tmp_path, registry, form_id):
    form = registry.get(form_id)
    rows = _rows(form)
    xlsx = write_template(form, tmp_path / "t.xlsx", "xlsx")
    _fill_xlsx(xlsx, rows)
    assert sniff(xlsx).form_id == form_id
    rep = validate_records(form, read_records(xlsx), source="t.xlsx")
    assert rep.valid, [(i.code, i.field, i.value) for i in rep.errors]
    assert rep.records == 2

    drop = _mandatory_to_drop(form)
    rows[1][drop.id] = ""
    tsv = write_template(form, tmp_path / "t.tsv", "tsv")
    with tsv.open("a", encoding="utf-8") as fh:
        for row in rows:
            fh.write("\t".join(row[f.id] for f in form.sample.fields) + "\n")
    info = sniff(tsv)
    assert info.format == "tsv" and info.form_id == form_id
    rep = validate_records(form, read_records(tsv), source="t.tsv")
    assert [(i.code, i.field) for i in rep.errors] == [("mandatory_missing", drop.id)]
    header_line = [line for line in tsv.read_text(encoding="utf-8").splitlines() if not line.startswith("#")][0]
    assert f"*{drop.id}" in header_line.split("\t")


def test_xlsx_template_has_instructions_markers_comments_and_dropdowns(tmp_path, registry):
    form = registry.get("infectious_disease.genome_omics")
    path = write_template(form, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "samples" and "Instructions" in wb.sheetnames
    assert wb["lists"].sheet_state == "hidden"
    text = "\n".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "작성 방법" in text and "How to fill in" in text and "not collected" in text
    ws = wb["samples"]
    headers = [c.value for c in ws[1]]
    assert "*organism" in headers and "host_age" in headers and "strain" in headers
    org = ws.cell(1, headers.index("*organism") + 1)
    assert "생물종" in org.comment.text and "Organism" in org.comment.text
    dvs = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    col = openpyxl.utils.get_column_letter(headers.index("*library_layout") + 1)
    assert dvs[f"{col}2"] == '"SINGLE,PAIRED"'
    col = openpyxl.utils.get_column_letter(headers.index("*library_selection") + 1)
    assert dvs[f"{col}2"].startswith("=lists!$")  # long list on the hidden sheet
    assert ws.column_dimensions["A"].number_format == "@"
    assert wb.properties.keywords == f"form={form.id}@{form.version}"


def test_header_markers(registry):
    form = registry.get("biosample.pathogen_cl")
    assert header_name(form.sample.field("lat_lon")) == "*lat_lon"
    assert header_name(form.sample.field("strain")) == "strain"
