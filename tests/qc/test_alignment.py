from __future__ import annotations

import pysam
import pytest

from biostation.qc.service import check_file

HEADER = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 10000}, {"SN": "chr2", "LN": 5000}]}


def write(path, positions, mode="wb", header=HEADER, paired=False):
    with pysam.AlignmentFile(str(path), mode, header=header) as out:
        for i, (tid, pos) in enumerate(positions):
            a = pysam.AlignedSegment(out.header)
            a.query_name = f"r{i}"
            a.query_sequence = "ACGT" * 10
            a.flag = (0 if tid >= 0 else 4) | (0x1 | 0x2 if paired and tid >= 0 else 0)
            a.reference_id, a.reference_start = tid, pos
            a.mapping_quality = 40 if tid >= 0 else 0
            a.cigarstring = "40M" if tid >= 0 else None
            a.query_qualities = pysam.qualitystring_to_array("I" * 40)
            out.write(a)
    return path


def codes(r):
    return [e.code for e in r.errors]


def test_sorted_indexed_bam_is_valid_with_flag_stats(tmp_path):
    bam = write(tmp_path / "ok.bam", [(0, i * 10) for i in range(90)] + [(-1, -1)] * 10, paired=True)
    pysam.index(str(bam))
    r = check_file(bam)
    assert r.format == "bam" and r.valid, r.errors
    assert r.metrics["record_count"] == 100 and r.metrics["primary_mapped"] == 90
    assert r.metrics["mapped_percent"] == pytest.approx(90.0)
    assert r.metrics["index"] == "ok.bam.bai" and not r.warnings


def test_unsorted_bam_with_index_required(tmp_path):
    header = {"HD": {"VN": "1.6", "SO": "unsorted"}, "SQ": HEADER["SQ"]}
    bam = write(tmp_path / "u.bam", [(0, 500), (0, 100), (1, 5)], header=header)
    assert check_file(bam).valid  # no index, no claim: only a note
    (tmp_path / "u.bam.bai").write_bytes(b"stale")  # an index beside it requires coordinate order
    r = check_file(bam)
    assert codes(r) == ["unsorted"] and "record 2" in r.errors[0].location


def test_header_claims_coordinate_but_unsorted(tmp_path):
    r = check_file(write(tmp_path / "c.bam", [(1, 5), (0, 100)]))
    assert codes(r) == ["unsorted"] and "SO:coordinate" in r.errors[0].message


def test_missing_eof_and_truncation(tmp_path):
    data = write(tmp_path / "ok.bam", [(0, i) for i in range(2000)]).read_bytes()
    noeof = tmp_path / "noeof.bam"
    noeof.write_bytes(data[:-28])
    assert "missing_bgzf_eof" in codes(check_file(noeof))
    cut = tmp_path / "cut.bam"
    cut.write_bytes(data[: len(data) // 2])
    r = check_file(cut)
    assert not r.valid and "missing_bgzf_eof" in codes(r)
    assert {"alignment_truncated", "alignment_record"} & set(codes(r))


def test_sam_bad_record_located(tmp_path):
    sam = write(tmp_path / "ok.sam", [(0, i * 10) for i in range(5)], mode="w")
    lines = sam.read_text().splitlines()
    first = next(i for i, ln in enumerate(lines) if not ln.startswith("@"))
    lines[first + 2] = lines[first + 2].replace("\t40M\t", "\t4X0M\t")
    sam.write_text("\n".join(lines) + "\n")
    r = check_file(sam)
    assert r.format == "sam" and codes(r) == ["alignment_record"]
    assert f"line {first + 3}" in r.errors[0].location and "record 3" in r.errors[0].location
