from __future__ import annotations

import gzip
import json

import pysam
import pytest
from pydicom.data import get_testdata_file
from typer.testing import CliRunner

from biostation.qc.cli import app
from biostation.qc.report import QCReport, grade_report, grade_version
from biostation.qc.service import UnknownFormat, check_file
from biostation.qc.sniff import sniff
from biostation.qc.thresholds import evaluate
from tests.qc.conftest import fastq_records


@pytest.mark.parametrize("name,content,expected", [
    ("reads.txt", fastq_records(3), "fastq"),
    ("x.dat", b">chr1\nACGT\n", "fasta"),
    ("v.txt", b"##fileformat=VCFv4.2\n#CHROM\tPOS\n", "vcf"),
    ("a.txt", b"@HD\tVN:1.6\n", "sam"),
    ("m.txt", b"CCO ethanol\nc1ccccc1 benzene\n", "smiles"),
    ("r.txt", b"CCO.CC(=O)O>>CCOC(C)=O.O\n", "reaction-smiles"),
    ("t.txt", b"a,b,c\n1,2,3\n4,5,6\n", "csv"),
    ("t2.txt", b"a\tb\n1\t2\n", "tsv"),
    ("s.txt", b"data_1ABC\n_entry.id 1ABC\n", "mmcif"),
    ("p.txt", b"HEADER    TEST\nATOM      1  N   ALA A   1       0.000   0.000   0.000\n", "pdb"),
    ("n.bin", b"\x00\x01\x02hello", "unknown"),
])
def test_sniff_by_content_not_extension(tmp_path, name, content, expected):
    p = tmp_path / name
    p.write_bytes(content)
    assert sniff(p).format == expected


def test_sniff_compression_and_binary(tmp_path):
    p = tmp_path / "reads.bin"
    p.write_bytes(gzip.compress(fastq_records(3)))
    s = sniff(p)
    assert (s.format, s.compression) == ("fastq", "gzip")
    header = {"SQ": [{"SN": "c", "LN": 100}]}
    with pysam.AlignmentFile(str(tmp_path / "x.data"), "wb", header=header):
        pass
    assert sniff(tmp_path / "x.data") == sniff(tmp_path / "x.data") and sniff(tmp_path / "x.data").format == "bam"
    assert sniff(get_testdata_file("CT_small.dcm")).format == "dicom"
    assert sniff(get_testdata_file("no_meta.dcm")).format == "dicom"


def test_unknown_format_is_checksummed_not_checked(tmp_path):
    p = tmp_path / "blob.bin"
    p.write_bytes(bytes(range(256)) * 10)
    r = check_file(p)
    assert r.format == "unknown" and r.valid and not r.checked
    assert [w.code for w in r.warnings] == ["not_checked"] and len(r.metrics["sha256"]) == 64
    assert "integrity.not_checked" in [x.rule for x in r.rules] and r.grade == "B"
    with pytest.raises(UnknownFormat):
        check_file(p, format="nonsense")


def test_grade_rules_and_completeness(tmp_path):
    p = tmp_path / "few.fq"
    p.write_bytes(b"@a\nACGTN\n+\n#####\n")  # quality 2, one N in five: fails content rules
    r = check_file(p, completeness=40)
    assert r.valid and r.grade == "D"
    rules = {x.rule: x.points for x in r.rules}
    assert rules["fastq.per_base_quality"] == -25 and rules["metadata.completeness"] == -30
    assert all(x.message_ko for x in r.rules)
    good = check_file(p.with_name("g.fq") if p.with_name("g.fq").write_bytes(fastq_records(2000)) else p)
    v = grade_version([good, r], completeness=95)
    assert v.grade == "D" and any(x.rule == "version.weakest_file" for x in v.rules)
    broken = QCReport(file="b", format="fastq", valid=False, error_count=1)
    assert grade_report(broken).grade == "F"
    assert grade_version([good, grade_report(broken)]).grade == "F"


def test_thresholds_are_data():
    data = {"grading": {}, "rules": [{"id": "x", "formats": ["vcf"], "metric": "titv_ratio", "en": "{value}",
                                      "ko": "{value}", "warn": {"below": 2}, "points": {"warn": -7}}]}
    fired = evaluate("vcf", {"titv_ratio": 1.5}, data)
    assert [(f.rule, f.points, f.level) for f in fired] == [("x", -7, "warn")]
    assert evaluate("vcf", {"titv_ratio": 2.5}, data) == []


def test_cli_json_and_exit_codes(tmp_path):
    ok = tmp_path / "ok.fq"
    ok.write_bytes(fastq_records(10))
    bad = tmp_path / "bad.fq"
    bad.write_bytes(b"@a\nACGT\n+\nII\n")
    runner = CliRunner()
    res = runner.invoke(app, [str(ok), "--json"])
    assert res.exit_code == 0
    body = json.loads(res.output)
    assert {"file", "format", "valid", "grade", "errors", "warnings", "metrics"} <= set(body)
    res = runner.invoke(app, [str(bad), "--json"])
    body = json.loads(res.output)
    assert res.exit_code == 1 and body["valid"] is False and body["grade"] == "F"
    assert {"code", "message", "location"} <= set(body["errors"][0])
    assert runner.invoke(app, [str(tmp_path / "missing.fq")]).exit_code == 2
    res = runner.invoke(app, [str(ok), "--format", "nope"])
    assert res.exit_code == 2 and "fastq" in res.output
    res = runner.invoke(app, [str(ok), "--format", "fasta"])
    assert res.exit_code == 1  # validated as FASTA, as asked, and fails
    assert runner.invoke(app, [str(ok)]).exit_code == 0


def test_every_message_has_korean():
    from biostation.qc.messages import MESSAGES

    for code, (en, ko, hint) in MESSAGES.items():
        assert en and ko and hint, code
        assert any("\uac00" <= ch <= "\ud7a3" for ch in ko), code
