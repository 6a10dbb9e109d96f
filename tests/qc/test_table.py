from __future__ import annotations

from biostation.qc.service import check_file

TYPES = {"id": {"type": "string", "required": True}, "age": {"type": "integer", "minimum": 0, "maximum": 130},
         "weight_kg": "number", "smoker": "boolean", "visit": "date", "sex": {"type": "string", "enum": ["M", "F"]}}


def codes(r):
    return [e.code for e in r.errors]


def test_valid_csv_with_declared_types(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,age,weight_kg,smoker,visit,sex\nS1,34,70.5,yes,2024-01-02,M\nS2,NA,61,no,2024-02-03,F\n",
                 encoding="utf-8")
    r = check_file(p, column_types=TYPES)
    assert r.format == "csv" and r.valid, r.errors
    assert r.metrics["rows"] == 2 and r.metrics["columns"] == 6 and r.metrics["missing_cells"] == 1


def test_type_errors_are_located(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("id\tage\tweight_kg\tsmoker\tvisit\tsex\n"
                 "S1\tthirty\t70\tyes\t2024-01-02\tM\n"
                 "\t200\tabc\tmaybe\t2024-13-40\tX\n"
                 "S3\t5\n", encoding="utf-8")
    r = check_file(p, column_types=TYPES)
    assert r.format == "tsv"
    found = [(e.code, e.location) for e in r.errors]
    assert ("table_type", "record 1, line 2, field age") in found
    assert ("table_required", "record 2, line 3, field id") in found
    assert ("table_range", "record 2, line 3, field age") in found
    assert ("table_type", "record 2, line 3, field weight_kg") in found
    assert ("table_type", "record 2, line 3, field smoker") in found
    assert ("table_type", "record 2, line 3, field visit") in found
    assert ("table_enum", "record 2, line 3, field sex") in found
    assert ("table_row_width", "record 3, line 4") in found


def test_header_problems_and_missing_column(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("id,id,\n1,2,3\n", encoding="utf-8")
    r = check_file(p, column_types={"age": "integer"})
    assert {"table_header_duplicate", "table_header_empty", "table_column_missing"} <= set(codes(r))


def test_not_utf8(tmp_path):
    p = tmp_path / "k.csv"
    p.write_bytes("이름,나이\n홍길동,30\n".encode("cp949"))
    r = check_file(p, format="csv")
    assert codes(r) == ["table_encoding"]
