from __future__ import annotations

import numpy as np
import tifffile
from PIL import Image

from biostation.qc.service import check_file


def codes(r):
    return [e.code for e in r.errors]


def img(seed=1, shape=(3, 128, 96)):
    return np.random.default_rng(seed).integers(0, 65535, shape, dtype=np.uint16)


def test_tiff_and_ome_tiff_valid(tmp_path):
    a = img()
    tifffile.imwrite(tmp_path / "a.tif", a[0])
    tifffile.imwrite(tmp_path / "b.ome.tif", a, metadata={"axes": "CYX"})
    r = check_file(tmp_path / "a.tif")
    assert r.format == "tiff" and r.valid and r.metrics["width"] == 96 and r.metrics["bit_depth"] == 16
    o = check_file(tmp_path / "b.ome.tif")
    assert o.format == "ome-tiff" and o.valid and o.metrics["pages"] == 3


def test_truncated_tiff_is_an_error(tmp_path):
    tifffile.imwrite(tmp_path / "a.tif", img()[0])
    data = (tmp_path / "a.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(data[: len(data) // 2])
    r = check_file(tmp_path / "cut.tif")
    assert not r.valid and codes(r)[0] == "tiff_decode" and "page 1" in r.errors[0].location


def test_ome_xml_mismatch(tmp_path):
    tifffile.imwrite(tmp_path / "b.ome.tif", img(), metadata={"axes": "CYX"})
    data = (tmp_path / "b.ome.tif").read_bytes()
    for old, new, field in ((b'SizeX="96"', b'SizeX="97"', "SizeX"), (b'SizeC="3"', b'SizeC="4"', "SizeC"),
                            (b'Type="uint16"', b'Type="int16" ', "Type")):
        assert old in data
        path = tmp_path / f"bad_{field}.ome.tif"
        path.write_bytes(data.replace(old, new))
        r = check_file(path)
        assert "ome_xml_mismatch" in codes(r) and field in r.errors[0].message, (field, r.errors)


def test_png_jpeg_valid_and_broken(tmp_path):
    pixels = (img()[0] >> 8).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    Image.fromarray(pixels).convert("RGB").save(tmp_path / "a.jpg", quality=90)
    p = check_file(tmp_path / "a.png")
    j = check_file(tmp_path / "a.jpg")
    assert p.valid and p.metrics["width"] == 96 and p.metrics["bit_depth"] == 8
    assert j.valid and j.metrics["channels"] == 3
    for name in ("a.png", "a.jpg"):
        data = (tmp_path / name).read_bytes()
        (tmp_path / f"cut_{name}").write_bytes(data[: len(data) * 2 // 3])
        assert not check_file(tmp_path / f"cut_{name}").valid
    data = bytearray((tmp_path / "a.png").read_bytes())
    data[60] ^= 0xFF  # inside the first IDAT: its CRC no longer matches
    (tmp_path / "crc.png").write_bytes(bytes(data))
    r = check_file(tmp_path / "crc.png")
    assert not r.valid and "checksum" in r.errors[0].message.lower() or "crc" in r.errors[0].message.lower()
