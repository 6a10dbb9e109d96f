"""SAM, BAM and CRAM through pysam (htslib, the reference implementation behind samtools).

Integrity: the file opens, every record decodes (htslib's own reason is captured from its log),
BGZF files end with the EOF block, and a file that claims coordinate order or ships an index is
really in coordinate order. Metrics come from the FLAG histogram (samtools flagstat's counts).
"""
from __future__ import annotations

import os
from array import array
from pathlib import Path

import numpy as np
import pysam

from biostation.qc.validators.base import Context, HtslibLog, bgzf_eof_present, loc, register

BATCH = 1 << 20
# SAM FLAG bits
PAIRED, PROPER, UNMAPPED, SECONDARY, QCFAIL, DUP, SUPPLEMENTARY = 0x1, 0x2, 0x4, 0x100, 0x200, 0x400, 0x800
# htslib's required_fields: decode only what the checks need (QNAME..MAPQ), so CRAM needs no reference
_CRAM_FIELDS = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20


def index_beside(path: Path, kinds: tuple[str, ...]) -> Path | None:
    for suffix in kinds:
        for candidate in (Path(str(path) + suffix), path.with_suffix(suffix)):
            if candidate.exists():
                return candidate
    return None


def _hts_reason(log: HtslibLog, fallback: str) -> str:
    msgs = [m for level, m in log.drain() if level == "E"]
    return "; ".join(msgs) if msgs else fallback


@register("sam", "bam", "cram")
def validate_alignment(ctx: Context) -> None:
    path = ctx.path
    fmt = ctx.format
    mode = {"bam": "rb", "cram": "rc", "sam": "r"}[fmt]
    index = index_beside(path, {"bam": (".bai", ".csi"), "cram": (".crai",), "sam": (".csi",)}[fmt])
    if fmt == "bam" and not bgzf_eof_present(path):
        ctx.error("missing_bgzf_eof", "end of file")
    os.environ.setdefault("REF_PATH", ":")  # never fetch CRAM references over the network
    with HtslibLog() as log:
        try:
            kwargs = {"format_options": [f"required_fields={_CRAM_FIELDS}".encode()]} if fmt == "cram" else {}
            # a missing EOF block is reported above; still read the records to find where the file ends
            af = pysam.AlignmentFile(str(path), mode, check_sq=False, ignore_truncation=True, **kwargs)
        except (ValueError, OSError) as exc:
            ctx.error("alignment_open", "header", reason=_hts_reason(log, str(exc)))
            return
        try:
            header = af.header.to_dict()
            sort_order = header.get("HD", {}).get("SO", "unknown")
            n_refs = len(header.get("SQ", []))
            header_lines = len(str(af.header).splitlines()) if fmt == "sam" else 0
            if fmt == "cram":
                try:
                    if not af.check_truncation():
                        pass
                except Exception:  # noqa: BLE001 - some builds lack it for CRAM
                    pass
            for level, msg in log.drain():
                if level == "W" and "EOF marker is absent" not in msg:
                    ctx.warn("htslib_warning", "header", reason=msg)
                elif "EOF marker is absent" in msg and fmt == "cram":
                    ctx.error("missing_bgzf_eof", "end of file")
            needs_order = sort_order == "coordinate" or index is not None
            why = "the header's SO:coordinate" if sort_order == "coordinate" else f"the index {index.name if index else ''}"
            flags = array("H")
            mapqs = array("B")
            hist = np.zeros(4096, np.int64)
            mapq_ge30 = 0
            n = 0
            last = (-1, -1)
            seen_unmapped_tail = False
            unsorted_reported = False
            it = af.fetch(until_eof=True)
            while True:
                try:
                    rec = next(it)
                except StopIteration:
                    break
                except (OSError, ValueError) as exc:
                    n += 1
                    reason = _hts_reason(log, "")
                    if fmt == "sam" and reason:  # text: htslib goes on with the next line
                        ctx.error("alignment_record", loc(record=n, line=header_lines + n), reason=reason)
                        if ctx.counts[("error", "alignment_record")] < 1000:
                            continue
                        break
                    low = reason.lower()
                    code = "alignment_truncated" if not reason or "truncat" in low or "bgzf" in low else "alignment_record"
                    ctx.error(code, loc(record=n), reason=reason or str(exc))
                    break
                n += 1
                flags.append(rec.flag)
                mapqs.append(min(rec.mapping_quality, 255))
                tid, pos = rec.reference_id, rec.reference_start
                if not unsorted_reported:
                    key = (tid if tid >= 0 else 1 << 30, pos)
                    if tid < 0:
                        seen_unmapped_tail = True
                    elif seen_unmapped_tail or key < last:
                        where = f"{rec.reference_name}:{pos + 1} after {last[1] + 1}" if key[0] == last[0] \
                            else f"reference {rec.reference_name} after an earlier one"
                        if needs_order:
                            ctx.error("unsorted", loc(record=n, name=rec.query_name), where=where, why=why)
                        else:
                            ctx.warn("unsorted_note", loc(record=n, name=rec.query_name), where=where)
                        unsorted_reported = True
                    last = key
                if len(flags) >= BATCH:
                    f = np.frombuffer(flags, np.uint16)
                    hist += np.bincount(f & 0xFFF, minlength=4096)
                    mapq_ge30 += int(np.count_nonzero(np.frombuffer(mapqs, np.uint8) >= 30))
                    flags = array("H")
                    mapqs = array("B")
                    ctx.report_progress(_position(af, path))
            if flags:
                hist += np.bincount(np.frombuffer(flags, np.uint16) & 0xFFF, minlength=4096)
                mapq_ge30 += int(np.count_nonzero(np.frombuffer(mapqs, np.uint8) >= 30))
            for level, msg in log.drain():
                if "EOF marker is absent" in msg:
                    if fmt != "bam":
                        ctx.error("missing_bgzf_eof", "end of file")
                elif level == "W":
                    ctx.warn("htslib_warning", loc(record=n), reason=msg)
                elif level == "E":
                    ctx.error("alignment_record", loc(record=n), reason=msg)
        finally:
            try:
                af.close()
            except OSError:  # closing a truncated BGZF stream reports the truncation again
                pass
    if sort_order == "coordinate" and index is None and fmt in ("bam", "cram"):
        ctx.warn("index_missing", "file")
    _flag_metrics(ctx, hist, n, mapq_ge30, sort_order, n_refs, index)


def _position(af: pysam.AlignmentFile, path: Path) -> int:
    try:
        return min(af.tell() >> 16, path.stat().st_size)  # BGZF virtual offset: compressed offset << 16
    except Exception:  # noqa: BLE001 - SAM text has no virtual offsets
        return 0


def _flag_metrics(ctx: Context, hist: np.ndarray, n: int, mapq_ge30: int, sort_order: str, n_refs: int,
                  index: Path | None) -> None:
    flags = np.arange(4096)

    def count(mask_set: int = 0, mask_clear: int = 0) -> int:
        sel = ((flags & mask_set) == mask_set) & ((flags & mask_clear) == 0)
        return int(hist[sel].sum())

    primary_clear = SECONDARY | SUPPLEMENTARY
    primary = count(0, primary_clear)
    primary_mapped = count(0, primary_clear | UNMAPPED)
    paired = count(PAIRED, primary_clear)
    proper = count(PAIRED | PROPER, primary_clear | UNMAPPED)
    m = ctx.metrics
    m.update({
        "record_count": n,
        "primary": primary,
        "secondary": count(SECONDARY),
        "supplementary": count(SUPPLEMENTARY),
        "duplicates": count(DUP),
        "qc_fail": count(QCFAIL),
        "mapped": count(0, UNMAPPED),
        "primary_mapped": primary_mapped,
        "paired": paired,
        "properly_paired": proper,
        "mapq_ge30": mapq_ge30,
        "sort_order": sort_order,
        "reference_count": n_refs,
        "index": index.name if index else None,
    })
    if primary:
        m["mapped_percent"] = round(100 * primary_mapped / primary, 3)
        m["duplicate_percent"] = round(100 * count(DUP, primary_clear) / primary, 3)
    if paired:
        m["properly_paired_percent"] = round(100 * proper / paired, 3)
