"""TIFF and OME-TIFF through tifffile.

tifffile reads a truncated TIFF and only logs a warning, so its log is captured and every warning
becomes a finding (an error when it means data could not be read). Pixel data is decoded one tile
or strip at a time (TiffPage.segments), so a whole-slide image is checked in bounded memory.
OME-XML is parsed with ElementTree and compared with what the file really holds.
"""
from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

import numpy as np
import tifffile

from biostation.qc.validators.base import Context, loc, register

_OME_TYPES = {"int8": "int8", "int16": "int16", "int32": "int32", "uint8": "uint8", "uint16": "uint16",
              "uint32": "uint32", "float": "float32", "double": "float64", "bit": "bool",
              "complex": "complex64", "double-complex": "complex128"}


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@register("tiff", "ome-tiff")
def validate_tiff(ctx: Context) -> None:
    logger = tifffile.logger() if callable(getattr(tifffile, "logger", None)) else logging.getLogger("tifffile")
    cap = _Capture()
    logger.addHandler(cap)
    try:
        _check(ctx, cap)
    finally:
        logger.removeHandler(cap)


def _check(ctx: Context, cap: _Capture) -> None:
    try:
        tif = tifffile.TiffFile(ctx.path)
    except Exception as exc:  # noqa: BLE001 - tifffile raises TiffFileError, ValueError, struct.error ...
        ctx.error("tiff_open", "file header", reason=f"{type(exc).__name__}: {exc}")
        return
    with tif:
        try:
            pages = list(tif.pages)
        except Exception as exc:  # noqa: BLE001
            ctx.error("tiff_open", "IFD chain", reason=f"{type(exc).__name__}: {exc}")
            return
        _drain(ctx, cap, "IFD chain")
        if not pages:
            ctx.error("tiff_open", "IFD chain", reason="the file has no image (no IFD)")
            return
        first = pages[0]
        m = ctx.metrics
        m.update({"pages": len(pages), "width": int(first.imagewidth), "height": int(first.imagelength),
                  "bit_depth": int(first.bitspersample), "samples_per_pixel": int(first.samplesperpixel),
                  "dtype": str(first.dtype) if first.dtype is not None else None,
                  "compression": getattr(first.compression, "name", str(first.compression)),
                  "tiled": bool(first.is_tiled), "ome": bool(tif.is_ome)})
        m["min_dimension"] = min(m["width"], m["height"])
        done = 0
        for i, page in enumerate(pages):
            if not hasattr(page, "segments"):  # a TiffFrame that shares its first page's layout
                page = page.aspage()
            try:
                for segment, _index, _shape in page.segments():
                    if segment is None:
                        raise ValueError("a strip or tile lies outside the file (missing data)")
            except Exception as exc:  # noqa: BLE001
                ctx.error("tiff_decode", loc(page=i + 1), page=i + 1, reason=f"{type(exc).__name__}: {exc}")
                if ctx.counts[("error", "tiff_decode")] >= ctx.max_per_code:
                    break
                continue
            before = len(ctx.errors)
            _drain(ctx, cap, loc(page=i + 1), page=i + 1)
            if len(ctx.errors) > before and ctx.counts[("error", "tiff_decode")] >= ctx.max_per_code:
                break
            done = max(done, max(page.dataoffsets or (0,)))
            ctx.report_progress(done)
        if tif.is_ome:
            _check_ome(ctx, tif, pages)
        _drain(ctx, cap, "file")


def _drain(ctx: Context, cap: _Capture, where: str, page: int | None = None) -> None:
    for msg in cap.messages:
        # tifffile logs read failures (truncation, bad offsets) as warnings and returns empty data
        ctx.error("tiff_decode", where, page=page or "?", reason=msg)
    cap.messages.clear()


def _check_ome(ctx: Context, tif: tifffile.TiffFile, pages: list) -> None:
    xml = tif.ome_metadata or ""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        ctx.error("ome_xml_invalid", "ImageDescription of page 1", reason=str(exc))
        return
    images = [el for el in root.iter() if el.tag.endswith("}Image") or el.tag == "Image"]
    ctx.metrics["ome_images"] = len(images)
    planes_total = 0
    first = pages[0]
    for n, image in enumerate(images, 1):
        pixels = next((el for el in image if el.tag.endswith("Pixels")), None)
        if pixels is None:
            ctx.error("ome_xml_mismatch", loc(image=n), field="Pixels", declared="absent", actual="image data")
            continue
        where = loc(image=n, field="Pixels")
        size = {k: int(pixels.get(k, "1")) for k in ("SizeX", "SizeY", "SizeC", "SizeZ", "SizeT")}
        spp = int(first.samplesperpixel)
        planes = size["SizeZ"] * size["SizeT"] * max(1, size["SizeC"] // max(1, spp) if spp > 1 else size["SizeC"])
        planes_total += planes
        if n == 1:
            if size["SizeX"] != first.imagewidth:
                ctx.error("ome_xml_mismatch", where, field="SizeX", declared=size["SizeX"], actual=first.imagewidth)
            if size["SizeY"] != first.imagelength:
                ctx.error("ome_xml_mismatch", where, field="SizeY", declared=size["SizeY"], actual=first.imagelength)
            ome_type = _OME_TYPES.get(pixels.get("Type", "").lower())
            if ome_type and first.dtype is not None and np.dtype(ome_type) != first.dtype:
                ctx.error("ome_xml_mismatch", where, field="Type", declared=pixels.get("Type"), actual=str(first.dtype))
        tiffdata = [el for el in pixels if el.tag.endswith("TiffData")]
        for td in tiffdata:
            ifd = int(td.get("IFD", "0"))
            count = int(td.get("PlaneCount", "1" if td.get("IFD") is not None else str(planes)))
            if ifd + count > len(pages):
                ctx.error("ome_xml_mismatch", loc(image=n, field="TiffData"), field="TiffData IFD+PlaneCount",
                          declared=ifd + count, actual=f"{len(pages)} IFDs")
    if images and planes_total != len(pages) and len(images) == 1:
        ctx.error("ome_xml_mismatch", loc(image=1, field="Pixels"), field="SizeC x SizeZ x SizeT",
                  declared=planes_total, actual=f"{len(pages)} pages")
