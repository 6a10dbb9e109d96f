from __future__ import annotations

import shutil

import pydicom
from pydicom.data import get_testdata_file

from biostation.qc.service import check_file


def codes(r):
    return [e.code for e in r.errors]


def test_valid_dicom_files_shipped_with_pydicom():
    for name in ("CT_small.dcm", "MR_small.dcm", "SC_rgb_rle_2frame.dcm"):
        r = check_file(get_testdata_file(name))
        assert r.format == "dicom" and r.valid, (name, r.errors)
    r = check_file(get_testdata_file("SC_rgb_rle_2frame.dcm"))
    assert r.metrics["frames"] == 2 and r.metrics["frames_decoded"] == 2 and r.metrics["width"] == 100


def test_dicom_without_file_meta(tmp_path):
    r = check_file(get_testdata_file("no_meta.dcm"))
    assert r.format == "dicom" and "dicom_no_meta" in codes(r)
    # and one written by pydicom itself without the Part 10 header
    ds = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    path = tmp_path / "raw.dcm"
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.preamble = None
    ds.save_as(path, enforce_file_format=False, implicit_vr=False, little_endian=True)
    assert path.read_bytes()[128:132] != b"DICM"
    r2 = check_file(path)
    assert "dicom_no_meta" in codes(r2)


def test_truncated_and_undecodable_pixels(tmp_path):
    r = check_file(get_testdata_file("MR_truncated.dcm"))
    assert {"dicom_truncated", "dicom_pixels"} <= set(codes(r))
    assert "dicom_truncated" in codes(check_file(get_testdata_file("rtplan_truncated.dcm")))
    # damage a good file: declare more rows than the pixel data holds
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.Rows = ds.Rows * 2
    path = tmp_path / "rows.dcm"
    ds.save_as(path)
    r2 = check_file(path)
    assert codes(r2) == ["dicom_pixels"] and "Pixel Data" in r2.errors[0].location


def test_missing_transfer_syntax():
    r = check_file(get_testdata_file("meta_missing_tsyntax.dcm"))
    assert "dicom_meta_incomplete" in codes(r)
