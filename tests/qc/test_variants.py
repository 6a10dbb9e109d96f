from __future__ import annotations

import pysam
import pytest

from biostation.qc.service import check_file

HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n##contig=<ID=2,length=1000>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")


def write_vcf(path, records):
    """Written with pysam, the format's own library."""
    header = pysam.VariantHeader()
    for c in ("1", "2"):
        header.contigs.add(c, length=1000)
    header.filters.add("q10", None, None, "low quality")
    with pysam.VariantFile(str(path), "wz" if str(path).endswith(".gz") else "w", header=header) as out:
        for chrom, pos, ref, alt, flt in records:
            rec = out.new_record(contig=chrom, start=pos - 1, alleles=(ref, alt))
            rec.filter.add(flt)
            out.write(rec)
    return path


RECS = [("1", 10, "A", "G", "PASS"), ("1", 20, "C", "T", "PASS"), ("1", 30, "A", "C", "q10"),
        ("1", 40, "AT", "A", "PASS"), ("2", 5, "G", "A", "PASS")]


def codes(r):
    return [e.code for e in r.errors]


def test_valid_vcf_counts_and_titv(tmp_path):
    r = check_file(write_vcf(tmp_path / "ok.vcf", RECS))
    assert r.format == "vcf" and r.valid, r.errors
    m = r.metrics
    assert (m["record_count"], m["snv"], m["transitions"], m["transversions"], m["indel"]) == (5, 4, 3, 1, 1)
    assert m["titv_ratio"] == pytest.approx(3.0) and m["pass_percent"] == pytest.approx(80.0)


def test_bgzipped_vcf_and_bcf(tmp_path):
    gz = write_vcf(tmp_path / "ok.vcf.gz", RECS)
    r = check_file(gz)
    assert r.metrics["compression"] == "bgzf" and r.valid
    bcf = tmp_path / "ok.bcf"
    with pysam.VariantFile(str(gz)) as src, pysam.VariantFile(str(bcf), "wb", header=src.header) as out:
        for rec in src:
            out.write(rec)
    b = check_file(bcf)
    assert b.format == "bcf" and b.valid and b.metrics["record_count"] == 5
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(gz.read_bytes()[:-28])
    assert "missing_bgzf_eof" in codes(check_file(cut))


def test_non_numeric_pos_and_bad_alleles(tmp_path):
    text = HEAD + "1\t10\t.\tA\tG\t.\tPASS\t.\n1\tabc\t.\tA\tG\t.\tPASS\t.\n1\t30\t.\tA\tZ\t.\tPASS\t.\n" \
                  "1\t40\t.\tQ\tA\t.\tPASS\t.\n"
    path = tmp_path / "bad.vcf"
    path.write_text(text)
    r = check_file(path)
    assert codes(r) == ["vcf_record", "vcf_alt", "vcf_ref"]
    assert "line 6" in r.errors[0].location and "abc" in r.errors[0].message
    assert "record 3" in r.errors[1].location and "record 4" in r.errors[2].location


def test_unsorted_with_index_is_error(tmp_path):
    unsorted = [RECS[1], RECS[0]]
    plain = check_file(write_vcf(tmp_path / "u.vcf", unsorted))
    assert plain.valid and [w.code for w in plain.warnings] == ["unsorted_note"]
    gz = write_vcf(tmp_path / "u.vcf.gz", unsorted)
    (tmp_path / "u.vcf.gz.tbi").write_bytes(b"index")
    r = check_file(gz)
    assert codes(r) == ["unsorted"] and "record 2" in r.errors[0].location


def test_undeclared_contig_is_warned(tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text(HEAD + "1\t10\t.\tA\tG\t.\tPASS\t.\nchrX\t5\t.\tC\tT\t.\tPASS\t.\n")
    r = check_file(path)
    assert r.valid and "vcf_contig_undeclared" in [w.code for w in r.warnings]
