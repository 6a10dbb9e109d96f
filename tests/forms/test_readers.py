"""Readers: form TSV, NCBI batch TSV, XLSX (typed cells), BioSample XML; sniffing; unreadable files."""
from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from biostation.forms import validate_records
from biostation.forms.readers import UnreadableFile, read_records, sniff

from .helpers import PATHOGEN_COLUMNS, biosample_xml, find, ncbi_batch_tsv, pathogen_rows, write_tsv

MANDATORY = {"sample_name", "organism", "collected_by", "collection_date", "geo_loc_name", "host", "host_disease",
             "isolation_source", "lat_lon"}


def test_ncbi_batch_tsv_names_its_package(tmp_path, registry):
    path = ncbi_batch_tsv(tmp_path / "batch.tsv", pathogen_rows(25), "Pathogen: clinical or host-associated; version 1.0",
                          MANDATORY)
    info = sniff(path)
    assert info.format == "biosample_tsv" and info.package == "Pathogen: clinical or host-associated; version 1.0"
    form = registry.for_package(info.package)
    recs = list(read_records(path))
    assert len(recs) == 25 and recs[0]["@row"] == 6 and "*sample_name" in recs[0]
    rep = validate_records(form, recs, source="batch.tsv")
    assert rep.valid and not find(rep, "unknown_column")


def test_plain_tsv_with_bom_blank_lines_and_short_rows(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("\ufeffsample_name\torganism\tstrain\n\nS1\tEscherichia coli\nS2\tHomo sapiens\tx\n", encoding="utf-8")
    recs = list(read_records(path))
    assert [r["sample_name"] for r in recs] == ["S1", "S2"] and recs[0]["strain"] == "" and recs[1]["@row"] == 4
    assert sniff(path).format == "tsv"


def test_xlsx_typed_cells_and_excel_dates(tmp_path, registry):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "samples"
    ws.append(PATHOGEN_COLUMNS)
    rows = pathogen_rows(3)
    for r in rows:
        ws.append([r[c] for c in PATHOGEN_COLUMNS])
    ws.cell(2, PATHOGEN_COLUMNS.index("collection_date") + 1, datetime(2023, 5, 17))  # a real date cell: fine
    ws.cell(3, PATHOGEN_COLUMNS.index("host_age") + 1, datetime(2024, 1, 5))  # '1-5' typed, Excel made it a date
    ws.cell(4, PATHOGEN_COLUMNS.index("isolate") + 1, 1234)  # a number cell
    ws.append([None] * len(PATHOGEN_COLUMNS))  # Excel's trailing empty rows
    path = tmp_path / "lab.xlsx"
    wb.save(path)
    recs = list(read_records(path))
    assert len(recs) == 3 and recs[2]["isolate"] == 1234
    rep = validate_records(registry.get("biosample.pathogen_cl"), recs, source="lab.xlsx")
    [issue] = rep.errors
    assert (issue.code, issue.record, issue.field, issue.value) == ("excel_number_as_date", 3, "host_age", "2024-01-05")


def test_biosample_xml(tmp_path, registry):
    rows = pathogen_rows(5)
    rows[2]["lat_lon"] = "37.5665, 126.9780"
    path = biosample_xml(tmp_path / "bs.xml", rows, "Pathogen.cl.1.0")
    info = sniff(path)
    assert info.format == "biosample_xml" and info.package == "Pathogen.cl.1.0"
    recs = list(read_records(path))
    assert recs[0]["sample_name"] == rows[0]["sample_name"] and recs[0]["organism"] == rows[0]["organism"]
    assert recs[0]["@package"] == "Pathogen.cl.1.0" and recs[0]["@accession"] == "SAMN30000001"
    assert recs[0]["description"] == "Clinical isolate for genomic surveillance."
    rep = validate_records(registry.for_package(info.package), recs, source="bs.xml")
    assert [(i.record, i.field, i.code) for i in rep.errors] == [(rows[2]["sample_name"], "lat_lon", "lat_lon_format")]


def test_ncbi_submission_xml_shape(tmp_path):
    path = tmp_path / "submission.xml"
    path.write_text("""<?xml version="1.0"?>
<Submission><Description><Comment>batch</Comment></Description>
 <Action><AddData target_db="BioSample"><Data content_type="xml"><XmlContent>
  <BioSample schema_version="2.0">
   <SampleId><SPUID spuid_namespace="KDCA">KDCA-0001</SPUID></SampleId>
   <Descriptor><Title>SARS-CoV-2 from nasopharyngeal swab</Title></Descriptor>
   <Organism><OrganismName>Severe acute respiratory syndrome coronavirus 2</OrganismName></Organism>
   <Package>SARS-CoV-2.cl.1.0</Package>
   <Attributes><Attribute attribute_name="isolate">SARS-CoV-2/human/KOR/KDCA-0001/2023</Attribute>
    <Attribute attribute_name="collection_date">2023-03-02</Attribute></Attributes>
  </BioSample></XmlContent></Data></AddData></Action>
</Submission>""", encoding="utf-8")
    [rec] = list(read_records(path, "biosample_xml"))
    assert rec["sample_name"] == "KDCA-0001" and rec["sample_title"].startswith("SARS-CoV-2")
    assert rec["@package"] == "SARS-CoV-2.cl.1.0" and rec["isolate"].endswith("/2023")


def test_unreadable_files_say_how_to_fix(tmp_path):
    bad_xml = tmp_path / "b.xml"
    bad_xml.write_text("<BioSampleSet><BioSample></BioSampleSet>")
    with pytest.raises(UnreadableFile) as exc:
        list(read_records(bad_xml))
    assert "line 1" in exc.value.message_en and exc.value.hint
    latin = tmp_path / "l.tsv"
    latin.write_bytes("sample_name\torganism\nS1\tcaf\xe9\n".encode("latin-1"))
    with pytest.raises(UnreadableFile) as exc:
        list(read_records(latin, "tsv"))
    assert "UTF-8" in exc.value.hint
    fake = tmp_path / "f.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableFile):
        list(read_records(fake))
    with pytest.raises(UnreadableFile):
        sniff(tmp_path / "missing.tsv")
