"""Check one local file: sniff, validate, measure, checksum and grade it. The upload pipeline's QC job calls this."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from biostation.qc import validators  # noqa: F401  (registers every validator)
from biostation.qc.report import QCReport, grade_report
from biostation.qc.sniff import FORMATS, Sniffed, sniff
from biostation.qc.thresholds import evaluate, load_thresholds
from biostation.qc.validators.base import REGISTRY, Context

HASH_BLOCK = 8 << 20
SELF_HASHING = {"fastq", "fasta"}  # these hash the original bytes in their own single pass


class UnknownFormat(ValueError):
    """A caller named a format the station has no validator for."""

    def __init__(self, name: str):
        super().__init__(f"unknown format {name!r}; use one of: {', '.join(supported_formats())}")
        self.name = name


def supported_formats() -> list[str]:
    return [f for f in FORMATS if f in REGISTRY] + ["unknown"]


def _hash_pass(ctx: Context, size: int, report: bool = True) -> None:
    done = 0
    with open(ctx.path, "rb", buffering=0) as fh:
        while data := fh.read(HASH_BLOCK):
            for h in ctx.hashers.values():
                h.update(data)
            done += len(data)
            if report:
                ctx.report_progress(done)
    ctx.hashed = True


def check_file(path: str | Path, format: str | None = None, column_types: dict | None = None,
               completeness: float | None = None, progress: Callable[[int], None] | None = None,
               checksums: tuple[str, ...] = ("sha256", "md5"), thresholds: dict[str, Any] | None = None,
               ) -> QCReport:
    """Validate a local file with its format's validator and return the graded report.

    ``format`` overrides sniffing (the compression is still sniffed); ``column_types`` declares table
    columns (see validators.table); ``completeness`` is the metadata score 0-100 from the forms;
    ``progress`` receives the number of original bytes processed so far. Raises FileNotFoundError or
    UnknownFormat for usage errors; problems in the file itself go into the report.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if format is not None and format not in REGISTRY and format != "unknown":
        raise UnknownFormat(format)
    thresholds = thresholds or load_thresholds()
    sniffed = sniff(path)
    fmt = format or sniffed.format
    ctx = Context(path=path, format=fmt, compression=sniffed.compression, column_types=column_types,
                  progress=progress, checksums=tuple(checksums))
    size = path.stat().st_size
    ctx.metrics["size_bytes"] = size
    ctx.metrics["compression"] = sniffed.compression
    ctx.metrics["sniffed_format"] = sniffed.format
    ctx.metrics["sniff_reason"] = sniffed.reason
    if format and sniffed.format not in ("unknown", format) and not _compatible(format, sniffed):
        ctx.warn("format_mismatch", "file", sniffed=sniffed.format, declared=format)
    checked = fmt in REGISTRY
    # validators that do not hash in their own pass get a concurrent hash pass (hashlib releases the GIL)
    hasher = None
    if fmt not in SELF_HASHING and size > 0:
        hasher = threading.Thread(target=_hash_pass, args=(ctx, size, False), name="qc-hash", daemon=True)
        hasher.start()
    if size == 0:
        ctx.error("empty_file", "file")
    elif checked:
        try:
            REGISTRY[fmt](ctx)
        except MemoryError:
            raise
        except Exception as exc:  # a library failing in an unplanned way is still a finding, never a crash
            ctx.error("io_error", "file", reason=f"{type(exc).__name__}: {exc}")
    else:
        ctx.warn("not_checked", "file")
    if hasher is not None:
        hasher.join()
        ctx.report_progress(size)
    if not ctx.hashed:
        _hash_pass(ctx, size)
    for name, h in ctx.hashers.items():
        ctx.metrics[name] = h.hexdigest()
    ctx.finish_overflow()
    report = QCReport(file=str(path), format=fmt, valid=ctx.error_count == 0, checked=checked,
                      errors=ctx.errors, warnings=ctx.warnings, metrics=ctx.metrics,
                      error_count=ctx.error_count, warning_count=ctx.warning_count - (0 if checked else 1),
                      completeness=completeness)
    rules = evaluate(fmt, ctx.metrics, thresholds) if report.valid else []
    return grade_report(report, rules, thresholds)


def _compatible(declared: str, sniffed: Sniffed) -> bool:
    pairs = {("tiff", "ome-tiff"), ("ome-tiff", "tiff"), ("sdf", "mol"), ("mol", "sdf"), ("csv", "tsv"),
             ("tsv", "csv"), ("smiles", "reaction-smiles")}
    return (declared, sniffed.format) in pairs
