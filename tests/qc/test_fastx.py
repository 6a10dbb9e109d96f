from __future__ import annotations

import hashlib
import subprocess

import dnaio
import numpy as np
import pysam
import pytest

from biostation.qc.service import check_file
from tests.qc.conftest import fastq_records, gz


def codes(report):
    return [e.code for e in report.errors]


def test_valid_fastq_metrics_and_checksums(fastq):
    r = check_file(fastq)
    assert r.format == "fastq" and r.valid, r.errors
    m = r.metrics
    assert m["read_count"] == 300 and m["base_count"] == 300 * 60
    assert m["length_min"] == m["length_max"] == 60
    assert m["sha256"] == hashlib.sha256(fastq.read_bytes()).hexdigest()
    assert m["md5"] == hashlib.md5(fastq.read_bytes()).hexdigest()
    means = [b["mean_quality"] for b in m["per_base"]]
    assert means[0] == pytest.approx(40.0) and means[-1] == pytest.approx(20.0)  # 'I' = 40, '5' = 20
    assert m["per_base_min_mean_quality"] == pytest.approx(20.0)
    assert m["q30_percent"] == pytest.approx(50.0)
    assert 40 < m["gc_percent"] < 60


def test_variable_lengths_and_n_content(write_bytes):
    data = b"@a\nACGTN\n+\nIIIII\n@b\nNNG\n+\n!!I\n@c\nACGTACGTAC\n+\nIIIIIIIIII\n"
    r = check_file(write_bytes("v.fq", data))
    assert r.valid, r.errors
    assert r.metrics["read_count"] == 3 and r.metrics["length_max"] == 10
    first = r.metrics["per_base"][0]
    assert first["n_percent"] == pytest.approx(100 / 3, rel=1e-3)  # read b starts with N
    assert first["mean_quality"] == pytest.approx((40 + 0 + 40) / 3, rel=1e-3)


def test_gzip_and_bgzip_fastq(tmp_path):
    data = fastq_records(500)
    plain = check_file(_w(tmp_path / "a.fq", data))
    g = check_file(_w(tmp_path / "a.fq.gz", gz(data)))
    bgz = tmp_path / "b.fq"
    bgz.write_bytes(data)
    pysam.tabix_compress(str(bgz), str(bgz) + ".gz")
    b = check_file(str(bgz) + ".gz")
    assert g.metrics["compression"] == "gzip" and b.metrics["compression"] == "bgzf"
    for r in (g, b):
        assert r.valid and r.metrics["read_count"] == 500
        assert r.metrics["per_base"] == plain.metrics["per_base"]
    assert g.metrics["sha256"] == hashlib.sha256((tmp_path / "a.fq.gz").read_bytes()).hexdigest()


def _w(path, data):
    path.write_bytes(data)
    return path


def test_truncated_gzip(tmp_path):
    blob = gz(fastq_records(2000))
    r = check_file(_w(tmp_path / "t.fq.gz", blob[: len(blob) // 2]))
    assert not r.valid and "truncated_gzip" in codes(r)


def test_bgzf_missing_eof(tmp_path):
    src = tmp_path / "c.fq"
    src.write_bytes(fastq_records(300))
    pysam.tabix_compress(str(src), str(src) + ".gz")
    blob = (tmp_path / "c.fq.gz").read_bytes()
    r = check_file(_w(tmp_path / "noeof.fq.gz", blob[:-28]))
    assert r.metrics["compression"] == "bgzf"
    assert "missing_bgzf_eof" in codes(r) and not r.valid


def test_length_mismatch_located(write_bytes):
    data = fastq_records(10) + b"@bad\nACGTACGT\n+\nIIII\n" + fastq_records(2)
    r = check_file(write_bytes("m.fq", data))
    err = r.errors[0]
    assert err.code == "fastq_length_mismatch"
    assert "record 11" in err.location and "line 44" in err.location  # the quality line
    assert "8" in err.message and "4" in err.message and err.message_ko


def test_out_of_range_quality(write_bytes):
    data = fastq_records(5) + b"@q\nACGT\n+\nII I\n" + fastq_records(3)  # space (32) is below '!'
    r = check_file(write_bytes("q.fq", data))
    assert codes(r) == ["fastq_quality_range"]
    assert "record 6" in r.errors[0].location and "base 3" in r.errors[0].message


def test_illegal_letters(write_bytes):
    data = fastq_records(4) + b"@x\nACGJT\n+\nIIIII\n"
    r = check_file(write_bytes("l.fq", data))
    assert codes(r) == ["illegal_letter"] and "record 5" in r.errors[0].location
    assert "'J'" in r.errors[0].message


def test_multiline_fastq_rejected(write_bytes):
    data = fastq_records(3) + b"@w\nACGT\nACGT\n+\nIIII\nIIII\n"
    r = check_file(write_bytes("w.fq", data))
    assert not r.valid and r.errors[0].code == "fastq_multiline" and "record 4" in r.errors[0].location


def test_truncated_plain_fastq(write_bytes):
    data = fastq_records(20)
    r = check_file(write_bytes("t.fq", data[:-30]))
    assert not r.valid and r.errors[0].code in ("fastq_format", "fastq_length_mismatch")
    assert "record 20" in r.errors[0].location


def test_many_errors_are_capped_but_counted(write_bytes):
    data = b"".join(b"@r%d\nACGZ\n+\nIIII\n" % i for i in range(100))
    r = check_file(write_bytes("z.fq", data))
    assert r.error_count == 100
    listed = [e for e in r.errors if e.code == "illegal_letter"]
    assert len(listed) == 21 and "80 more" in listed[-1].message


def test_large_file_spans_many_chunks(tmp_path, monkeypatch):
    from biostation.qc.validators import fastx

    monkeypatch.setattr(fastx, "CHUNK", 4096)
    data = fastq_records(400, length=37)
    bad = data + b"@last\nACGT\n+\nII\x7fI\n"
    r = check_file(_w(tmp_path / "big.fq", bad))
    assert r.metrics.get("read_count", 400) >= 400
    assert codes(r) == ["fastq_quality_range"] and "record 401" in r.errors[0].location


def test_progress_reports_bytes(fastq):
    seen = []
    check_file(fastq, progress=seen.append)
    assert seen and seen[-1] == fastq.stat().st_size and seen == sorted(seen)


def test_fasta_valid_and_broken(write_bytes):
    ok = check_file(write_bytes("g.fa", b">chr1 test\nACGTACGTNN\nACGT\n>chr2\nGGCC\n"))
    assert ok.valid and ok.metrics["sequence_count"] == 2 and ok.metrics["base_count"] == 18
    assert ok.metrics["n50"] == 14
    bad = check_file(write_bytes("b.fa", b"junk\n>chr1\nACGT\n"))
    assert not bad.valid and bad.errors[0].code == "fasta_format" and "line 1" in bad.errors[0].location
    illegal = check_file(write_bytes("i.fa", b">a\nACGT\n>b\nAC1GT\n"))
    assert codes(illegal) == ["illegal_letter"] and "record 2" in illegal.errors[0].location
    gzipped = check_file(write_bytes("g.fa.gz", gz(b">a\nACGT\n")))
    assert gzipped.valid and gzipped.metrics["compression"] == "gzip"
