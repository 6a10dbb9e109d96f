"""PNG and JPEG through Pillow: structure (verify: PNG chunk CRCs), then a full decode to find truncation."""
from __future__ import annotations

import warnings

from PIL import Image

from biostation.qc.validators.base import Context, register

# decoding needs width*height*bands bytes; larger images are checked structurally only
DECODE_LIMIT_PIXELS = 256 * 1024 * 1024

_BITS = {"1": 1, "L": 8, "P": 8, "RGB": 8, "RGBA": 8, "LA": 8, "CMYK": 8, "YCbCr": 8, "I;16": 16,
         "I;16B": 16, "I;16L": 16, "I": 32, "F": 32}


@register("png", "jpeg")
def validate_raster(ctx: Context) -> None:
    path = ctx.path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                fmt, size, mode = im.format, im.size, im.mode
                im.verify()
    except Image.DecompressionBombWarning:
        fmt, size, mode = None, (0, 0), ""
    except Exception as exc:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError ...
        ctx.error("image_open", "file", reason=f"{type(exc).__name__}: {exc}")
        return
    m = ctx.metrics
    with Image.open(path) as im:
        fmt, size, mode = im.format, im.size, im.mode
        bands = len(im.getbands())
        info_bits = im.info.get("bits")
        m.update({"image_format": fmt, "width": size[0], "height": size[1], "mode": mode, "channels": bands,
                  "bit_depth": int(info_bits) if isinstance(info_bits, int) else _BITS.get(mode, 8),
                  "min_dimension": min(size)})
        if "dpi" in im.info:
            m["dpi"] = [round(float(x), 2) for x in im.info["dpi"]]
        pixels = size[0] * size[1] * bands
        if pixels > DECODE_LIMIT_PIXELS:
            ctx.warn("image_too_large_to_decode", "file", pixels=pixels)
            return
        try:
            Image.MAX_IMAGE_PIXELS = None
            im.load()
        except Exception as exc:  # noqa: BLE001
            ctx.error("image_corrupt", "image data", reason=f"{type(exc).__name__}: {exc}")
            return
    ctx.report_progress(path.stat().st_size)
