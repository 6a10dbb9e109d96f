"""DICOM through pydicom: Part 10 file meta, the data set, and pixel data that must decode.

Pixel data is decoded frame by frame (pydicom's iter_pixels) so a multi-frame series is checked in
the memory of one frame; large elements are read lazily.
"""
from __future__ import annotations

import warnings

import pydicom
from pydicom.errors import InvalidDicomError

from biostation.qc.validators.base import Context, loc, register

_REQUIRED_META = (("TransferSyntaxUID", "(0002,0010) Transfer Syntax UID"),
                  ("MediaStorageSOPClassUID", "(0002,0002) Media Storage SOP Class UID"),
                  ("MediaStorageSOPInstanceUID", "(0002,0003) Media Storage SOP Instance UID"))
_EXPECTED = (("SOPClassUID", "(0008,0016) SOP Class UID"), ("SOPInstanceUID", "(0008,0018) SOP Instance UID"),
             ("StudyInstanceUID", "(0020,000D) Study Instance UID"),
             ("SeriesInstanceUID", "(0020,000E) Series Instance UID"), ("Modality", "(0008,0060) Modality"))


@register("dicom")
def validate_dicom(ctx: Context) -> None:
    path = str(ctx.path)
    try:
        ds = pydicom.dcmread(path, defer_size="1 MB")
    except InvalidDicomError:
        ctx.error("dicom_no_meta", "file header")
        try:  # still look inside so the report says what else is wrong
            ds = pydicom.dcmread(path, force=True, defer_size="1 MB")
        except Exception as exc:  # noqa: BLE001 - pydicom raises many kinds
            ctx.error("dicom_parse", "data set", reason=str(exc))
            return
    except Exception as exc:  # noqa: BLE001
        ctx.error("dicom_parse", "data set", reason=f"{type(exc).__name__}: {exc}")
        return
    size = ctx.path.stat().st_size
    for tag in list(ds.keys()):  # raw (not yet decoded) elements still know where their value lies
        raw = ds.get_item(tag)
        offset, length = getattr(raw, "value_tell", None), getattr(raw, "length", None)
        if offset is not None and length not in (None, 0xFFFFFFFF) and offset + length > size:
            ctx.error("dicom_truncated", loc(field=str(tag)), tag=str(tag), length=length, offset=offset, size=size)
            break
    meta = getattr(ds, "file_meta", None)
    if meta is not None and len(meta):
        for key, label in _REQUIRED_META:
            if key not in meta:
                ctx.error("dicom_meta_incomplete", loc(field=label), tag=label)
    elif not ctx.errors:
        ctx.error("dicom_no_meta", "file header")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for elem in ds.iterall():  # forces every element to parse; truncation surfaces here
                _ = elem.value
        for w in caught:
            ctx.warn("library_warning", "data set", reason=str(w.message))
    except Exception as exc:  # noqa: BLE001
        ctx.error("dicom_parse", "data set", reason=f"{type(exc).__name__}: {exc}")
        return
    for key, label in _EXPECTED:
        if key not in ds:
            ctx.warn("dicom_missing_attribute", loc(field=label), tag=label)
    m = ctx.metrics
    m["modality"] = str(ds.get("Modality", "")) or None
    m["transfer_syntax"] = str(meta.get("TransferSyntaxUID", "")) if meta is not None else None
    m["sop_class"] = str(ds.get("SOPClassUID", "")) or None
    if "PixelData" in ds or "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
        rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        m.update({"width": cols, "height": rows, "frames": frames,
                  "bit_depth": int(ds.get("BitsStored", 0) or 0) or None,
                  "bits_allocated": int(ds.get("BitsAllocated", 0) or 0) or None,
                  "samples_per_pixel": int(ds.get("SamplesPerPixel", 1) or 1),
                  "photometric_interpretation": str(ds.get("PhotometricInterpretation", "")) or None})
        if rows and cols:
            m["min_dimension"] = min(rows, cols)
        _check_pixels(ctx, ds, frames)
    else:
        m["pixel_data"] = False


def _check_pixels(ctx: Context, ds, frames: int) -> None:
    from pydicom.pixels import iter_pixels

    decoded = 0
    try:
        for _frame in iter_pixels(ds):
            decoded += 1
    except Exception as exc:  # noqa: BLE001 - decoders raise ValueError, RuntimeError, NotImplementedError ...
        ctx.error("dicom_pixels", loc(field="(7FE0,0010) Pixel Data", frame=decoded + 1),
                  reason=f"{type(exc).__name__}: {exc}")
        return
    ctx.metrics["frames_decoded"] = decoded
    if decoded != frames:
        ctx.error("dicom_pixels", loc(field="(7FE0,0010) Pixel Data"),
                  reason=f"{decoded} frame(s) decoded but Number of Frames is {frames}")
