"""Each INSDC/station rule with a passing and a failing case, on sheets shaped like a hospital lab's export."""
from __future__ import annotations

import pytest

from biostation.forms import validate_records
from biostation.forms.readers import read_records

from .helpers import PATHOGEN_COLUMNS, codes, find, pathogen_rows, write_tsv


@pytest.fixture
def pathogen(registry):
    return registry.get("biosample.pathogen_cl")


def run(tmp_path, form, rows, columns=None, header=None, name="sheet.tsv"):
    path = write_tsv(tmp_path / name, rows, columns or PATHOGEN_COLUMNS, header=header)
    return validate_records(form, read_records(path), source=name)


def test_clean_sheet_has_no_errors(tmp_path, pathogen):
    rep = run(tmp_path, pathogen, pathogen_rows(40))
    assert rep.valid, [i.as_dict() for i in rep.errors]
    assert rep.records == 40


def test_mandatory_value_missing_names_row_and_field(tmp_path, pathogen):
    rows = pathogen_rows(10)
    rows[3]["host_disease"] = ""
    rep = run(tmp_path, pathogen, rows)
    [issue] = find(rep, "mandatory_missing")
    assert (issue.record, issue.field, issue.level) == (5, "host_disease", "error")  # header is line 1
    assert "host_disease" in issue.message_en and "필수" in issue.message_ko and issue.hint


def test_mandatory_column_absent_is_one_error_not_one_per_row(tmp_path, pathogen):
    cols = [c for c in PATHOGEN_COLUMNS if c != "lat_lon"]
    rep = run(tmp_path, pathogen, pathogen_rows(30), columns=cols)
    assert [(i.code, i.field) for i in rep.errors] == [("mandatory_column_missing", "lat_lon")]


def test_at_least_one_of_group(tmp_path, pathogen):
    rows = pathogen_rows(6)
    rows[0]["isolate"], rows[0]["strain"] = "", "ATCC 25922"  # strain alone satisfies the group
    rows[2]["isolate"] = ""  # neither
    rep = run(tmp_path, pathogen, rows)
    [issue] = find(rep, "group_missing")
    assert issue.record == 4 and issue.field == "strain,isolate"


@pytest.mark.parametrize("value", ["not collected", "not applicable", "missing: control sample", "restricted access"])
def test_insdc_missing_value_terms_fill_mandatory_fields(tmp_path, pathogen, value):
    rows = pathogen_rows(3)
    rows[1]["lat_lon"] = value
    rows[1]["host_disease"] = value
    assert run(tmp_path, pathogen, rows).valid


def test_missing_value_spelling_and_nonstandard_markers(tmp_path, pathogen):
    rows = pathogen_rows(4)
    rows[0]["collection_date"] = "Not Collected"
    rows[1]["host_disease"] = "N/A"
    rows[2]["sample_name"] = "not applicable"
    rep = run(tmp_path, pathogen, rows)
    assert find(rep, "missing_value_case")[0].field == "collection_date"
    assert find(rep, "missing_value_case")[0].level == "warning"
    assert find(rep, "missing_value_nonstandard")[0].field == "host_disease"
    assert find(rep, "missing_value_nonstandard")[0].level == "error"
    assert find(rep, "missing_value_not_allowed")[0].field == "sample_name"


@pytest.mark.parametrize("value", ["2023", "2023-05", "2023-05-17", "2023-05-17T10:30Z", "2023-05-17T10:30:00+09:00",
                                   "2023-01-01/2023-03-31", "2022/2023"])
def test_iso_dates_and_ranges_pass(tmp_path, pathogen, value):
    rows = pathogen_rows(2)
    rows[0]["collection_date"] = value
    assert run(tmp_path, pathogen, rows).valid


@pytest.mark.parametrize("value,code,hint_part", [
    ("2023/05/17", "date_format", "2023-05-17"),
    ("2023.05.17", "date_format", "2023-05-17"),
    ("5/17/2023", "date_format", "YYYY-MM-DD"),
    ("2023-02-30", "date_invalid", "month"),
    ("2023-03-31/2023-01-01", "date_range_reversed", "earlier"),
    ("2031-01-01", "date_in_future", "future"),
    ("45063", "excel_date_serial", "2023-05-17"),
    ("last spring", "date_format", "ISO 8601"),
])
def test_bad_dates_fail_with_a_fix(tmp_path, pathogen, value, code, hint_part):
    rows = pathogen_rows(2)
    rows[1]["collection_date"] = value
    rep = run(tmp_path, pathogen, rows)
    [issue] = [i for i in rep.errors if i.field == "collection_date"]
    assert issue.code == code and issue.record == 3 and issue.value == value
    assert hint_part in issue.hint


def test_legacy_insdc_date_is_accepted_with_a_warning(tmp_path, pathogen):
    rows = pathogen_rows(2)
    rows[0]["collection_date"] = "17-May-2023"
    rep = run(tmp_path, pathogen, rows)
    assert rep.valid and find(rep, "date_legacy_format")[0].hint.endswith("2023-05-17.")


@pytest.mark.parametrize("value", ["37.5665 N 126.9780 E", "33.45 S 70.66 W", "0 N 0 E", "90 N 180 W"])
def test_lat_lon_pass(tmp_path, pathogen, value):
    rows = pathogen_rows(2)
    rows[0]["lat_lon"] = value
    assert run(tmp_path, pathogen, rows).valid


@pytest.mark.parametrize("value,code,hint", [
    ("37.5665, 126.9780", "lat_lon_format", "Write '37.5665 N 126.9780 E'."),
    ("-33.45 -70.66", "lat_lon_format", "Write '33.45 S 70.66 W'."),
    ("126.9780 N 37.5665 E", "lat_lon_range", "swapped"),
    ("37°33'59.4\"N 126°58'40.8\"E", "lat_lon_format", "37.5665 N 126.9780 E"),
    ("Seoul", "lat_lon_format", "37.5665 N"),
])
def test_lat_lon_fail(tmp_path, pathogen, value, code, hint):
    rows = pathogen_rows(2)
    rows[0]["lat_lon"] = value
    [issue] = run(tmp_path, pathogen, rows).errors
    assert issue.code == code and hint in issue.hint


@pytest.mark.parametrize("value", ["South Korea: Seoul", "South Korea", "Pacific Ocean: East China Sea", "Viet Nam: Hanoi",
                                   "USA: Maryland, Bethesda"])
def test_country_pass(tmp_path, pathogen, value):
    rows = pathogen_rows(2)
    rows[0]["geo_loc_name"] = value
    rep = run(tmp_path, pathogen, rows)
    assert rep.valid and not find(rep, "country_historical")


@pytest.mark.parametrize("value,code,hint", [
    ("Korea, Republic of: Seoul", "country_unknown", "South Korea: Seoul"),
    ("Republic of Korea: Busan", "country_unknown", "South Korea: Busan"),
    ("south korea: Seoul", "country_unknown", "South Korea: Seoul"),
    ("Vietnam", "country_unknown", "Viet Nam"),
    ("South Korea, Seoul", "country_format", "South Korea: Seoul"),
    ("Sth Korea: Seoul", "country_unknown", "South Korea"),
])
def test_country_fail(tmp_path, pathogen, value, code, hint):
    rows = pathogen_rows(2)
    rows[0]["geo_loc_name"] = value
    [issue] = run(tmp_path, pathogen, rows).errors
    assert issue.code == code and hint in issue.hint and issue.field == "geo_loc_name"


def test_historical_country_is_a_warning(tmp_path, pathogen):
    rows = pathogen_rows(2)
    rows[0]["geo_loc_name"] = "Korea: Seoul"
    rep = run(tmp_path, pathogen, rows)
    assert rep.valid and "South Korea" in find(rep, "country_historical")[0].hint


def test_duplicated_sample_names_and_titles(tmp_path, pathogen):
    rows = pathogen_rows(5)
    rows[4]["sample_name"] = rows[1]["sample_name"]
    rows[3]["sample_title"] = rows[0]["sample_title"]
    rep = run(tmp_path, pathogen, rows)
    [dn] = find(rep, "duplicate_sample_name")
    [dt] = find(rep, "duplicate_sample_title")
    assert (dn.record, dn.field) == (6, "sample_name") and "3" in dn.message_en
    assert (dt.record, dt.field) == (5, "sample_title")
    assert run(tmp_path, pathogen, pathogen_rows(5), name="ok.tsv").valid


def test_samples_that_differ_only_by_name(tmp_path, pathogen):
    rows = pathogen_rows(4)
    clone = dict(rows[1], sample_name="SNUH-COPY-1", sample_title="copy of sample 1")
    rows.append(clone)
    rep = run(tmp_path, pathogen, rows)
    [issue] = find(rep, "identical_attributes")
    assert issue.record == 6 and "3" in issue.message_en
    clone["isolate"] = "KR-SEO-99999"  # one real difference is enough
    assert not find(run(tmp_path, pathogen, rows, name="b.tsv"), "identical_attributes")


def test_excel_drag_fill_autoincrement(tmp_path, pathogen):
    rows = pathogen_rows(12)
    for i, r in enumerate(rows[2:9]):
        r["bioproject_accession"] = f"PRJNA{998877 + i}"  # dragged down from row 4
    rep = run(tmp_path, pathogen, rows)
    [issue] = find(rep, "excel_autoincrement")
    assert issue.field == "bioproject_accession" and issue.record == 4 and issue.level == "warning"
    assert issue.value == "PRJNA998877 ... PRJNA998883"
    # sequential sample names are normal and constant values are what a copy gives
    assert not find(run(tmp_path, pathogen, pathogen_rows(12), name="c.tsv"), "excel_autoincrement")


def test_excel_turned_values_into_dates(tmp_path, pathogen):
    rows = pathogen_rows(3)
    rows[0]["host_age"] = "5-Jan"
    rows[1]["serovar"] = "1-Sep"
    rep = run(tmp_path, pathogen, rows)
    assert {(i.field, i.code) for i in rep.errors} == {("host_age", "excel_number_as_date"),
                                                      ("serovar", "excel_number_as_date")}


def test_stray_spaces_in_values_and_headers(tmp_path, pathogen):
    rows = pathogen_rows(3)
    rows[1]["isolation_source"] = " urine  sample "
    header = [c if c != "host" else "host " for c in PATHOGEN_COLUMNS]
    rep = run(tmp_path, pathogen, rows, header=header)
    assert rep.valid  # stripped and still checked
    ws = find(rep, "stray_whitespace")
    assert {i.field for i in ws} == {"isolation_source"} and ws[0].record == 3
    assert find(rep, "header_whitespace")[0].field == "host"


@pytest.mark.parametrize("bad_header,field,char", [
    ("оrganism", "organism", "U+043E CYRILLIC SMALL LETTER O"),
    ("ｈｏｓｔ", "host", "FULLWIDTH LATIN SMALL LETTER H"),
    ("collection\u00a0date", "collection_date", "U+00A0 NO-BREAK SPACE"),
    ("lat_\u200blon", "lat_lon", "U+200B ZERO WIDTH SPACE"),
])
def test_non_ascii_lookalike_headers(tmp_path, pathogen, bad_header, field, char):
    header = [bad_header if c == field else c for c in PATHOGEN_COLUMNS]
    rows = pathogen_rows(3)
    rows[2][field] = "" if field != "organism" else "Escherichia coli"
    rep = run(tmp_path, pathogen, rows, header=header)
    [issue] = find(rep, "header_lookalike")
    assert issue.field == field and char in issue.message_en and issue.level == "error"
    assert not find(rep, "mandatory_column_missing")  # the column is still read and validated
    if field != "organism":
        assert [i.record for i in find(rep, "mandatory_missing")] == [4]


def test_plain_ascii_headers_pass_lookalike_check(tmp_path, pathogen):
    assert not find(run(tmp_path, pathogen, pathogen_rows(2)), "header_lookalike")


def test_unknown_column_suggests_the_field(tmp_path, pathogen):
    header = ["collection_dat" if c == "collection_date" else c for c in PATHOGEN_COLUMNS]
    rep = run(tmp_path, pathogen, pathogen_rows(2), header=header)
    assert "collection_date" in find(rep, "unknown_column")[0].hint
    assert find(rep, "mandatory_column_missing")[0].field == "collection_date"


def test_organism_must_fit_the_package(tmp_path, pathogen):
    rows = pathogen_rows(3)
    rows[0]["organism"] = "Homo sapiens"
    rows[1]["organism"] = "Severe acute respiratory syndrome coronavirus 2"  # a virus is a pathogen: fine
    rows[2]["organism"] = "Bacillus unknownensis"  # not in the subset: a warning only
    rep = run(tmp_path, pathogen, rows)
    assert [(i.record, i.code) for i in rep.errors] == [(2, "term_out_of_scope")]
    assert find(rep, "taxon_not_in_subset")[0].record == 4


def test_common_name_instead_of_scientific_name(tmp_path, pathogen):
    rows = pathogen_rows(2)
    rows[0]["host"] = "human"
    rep = run(tmp_path, pathogen, rows)
    assert rep.valid and "Homo sapiens" in find(rep, "taxon_name")[0].hint


def test_quantity_units(tmp_path, pathogen):
    rows = pathogen_rows(4)
    rows[0]["host_age"] = "45 years"
    rows[1]["host_age"] = "45"
    rows[2]["host_age"] = "45 kg"
    rows[3]["host_age"] = "-3 years"
    rep = run(tmp_path, pathogen, rows)
    assert find(rep, "unit_missing")[0].record == 3
    assert {(i.record, i.code) for i in rep.errors} == {(4, "unit_not_allowed"), (5, "value_too_small")}


def test_closed_and_open_vocabularies(tmp_path, registry):
    form = registry.get("infectious_disease.genome_omics")
    base = {"sample_name": "S1", "organism": "Escherichia coli", "isolate": "I1", "collected_by": "KDCA",
            "collection_date": "2023-05-17", "geo_loc_name": "South Korea: Seoul", "host": "Homo sapiens",
            "host_disease": "sepsis", "isolation_source": "blood", "lat_lon": "37.5665 N 126.9780 E",
            "assay": "whole genome sequencing assay", "library_strategy": "WGS", "library_source": "GENOMIC",
            "library_selection": "RANDOM", "library_layout": "SINGLE", "platform": "ILLUMINA",
            "instrument_model": "Illumina NovaSeq 6000", "filename": "S1.fastq.gz"}
    rows = [base, dict(base, sample_name="S2", isolate="I2", library_strategy="Whole genome", instrument_model="MySeq 9"),
            dict(base, sample_name="S3", isolate="I3", library_layout="paired")]
    path = write_tsv(tmp_path / "seq.tsv", rows)
    rep = validate_records(form, read_records(path), source="seq.tsv")
    assert [(i.record, i.field, i.code) for i in rep.errors] == [
        (3, "library_strategy", "term_unknown"), (4, "filename2", "conditional_required")]
    assert find(rep, "term_not_in_list")[0].field == "instrument_model"
    assert find(rep, "term_case")[0].hint == "Write 'PAIRED'."


def test_conditional_resolution_for_crystal_structures(registry):
    from biostation.forms import validate_record

    form = registry.get("new_drugs.molecular_structure")
    rec = {"sample_name": "M1", "structure_title": "3CLpro with inhibitor", "exptl_method": "X-RAY DIFFRACTION",
           "entity_description": "3C-like proteinase", "structure_file": "m1.cif", "file_format": "mmCIF"}
    rep = validate_record(form, rec)
    assert [(i.field, i.code) for i in rep.errors] == [("resolution", "conditional_required")]
    assert validate_record(form, dict(rec, resolution="1.85")).valid
    assert validate_record(form, dict(rec, exptl_method="SOLUTION NMR")).valid


def test_decimal_comma_and_reaction_smiles(registry):
    from biostation.forms import validate_record

    form = registry.get("synthetic_biology.chemical_reaction")
    rec = {"sample_name": "R1", "reaction_smiles": "CCO.CC(=O)O>>CCOC(C)=O", "reactants": "ethanol; acetic acid",
           "products": "ethyl acetate", "yield_percent": "87,5"}
    rep = validate_record(form, rec)
    [issue] = rep.errors
    assert issue.code == "number_format" and issue.hint == "Write 87.5."
    bad = validate_record(form, dict(rec, yield_percent="87.5", reaction_smiles="CCO.CC(=O)O>CCOC(C)=O"))
    assert [i.code for i in bad.errors] == ["reaction_smiles_invalid"]
    none = validate_record(form, dict(rec, yield_percent="87.5", reaction_smiles=""))
    assert [(i.code, i.field) for i in none.errors] == [("group_missing", "reaction_smiles,rinchi")]


def test_row_longer_than_header(tmp_path, pathogen):
    path = write_tsv(tmp_path / "long.tsv", pathogen_rows(2), PATHOGEN_COLUMNS)
    text = path.read_text().splitlines()
    text[2] += "\tstray note"
    path.write_text("\n".join(text) + "\n")
    rep = validate_records(pathogen, read_records(path), source="long.tsv")
    assert [(i.code, i.record) for i in rep.errors] == [("row_too_long", 3)]


def test_report_shape_and_problem_details(tmp_path, pathogen):
    rows = pathogen_rows(2)
    rows[0]["lat_lon"] = "north"
    rep = run(tmp_path, pathogen, rows)
    d = rep.as_dict()
    assert set(d) == {"valid", "records", "errors", "warnings"} and d["valid"] is False and d["records"] == 2
    assert list(d["errors"][0]) == ["code", "level", "record", "field", "value", "message_ko", "message_en", "hint"]
    from biostation.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        rep.raise_for_errors()
    body = exc.value.problem()
    assert body["status"] == 422 and body["errors"][0]["field"] == "record[2].lat_lon"
