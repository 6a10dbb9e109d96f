"""What every validator gets: the file, where findings go, and how to report progress.

Findings are capped per code so a file with a million bad records gives a readable report
(and bounded memory) while the counts stay exact.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from biostation.qc.messages import render
from biostation.qc.report import Issue

Validator = Callable[["Context"], None]
REGISTRY: dict[str, Validator] = {}


def register(*formats: str) -> Callable[[Validator], Validator]:
    """Register a validator under one or more format names (the names `sniff` returns)."""

    def deco(fn: Validator) -> Validator:
        for name in formats:
            REGISTRY[name] = fn
        return fn

    return deco


@dataclass
class Context:
    path: Path
    format: str
    compression: str = "none"
    column_types: dict[str, Any] | None = None
    progress: Callable[[int], None] | None = None
    checksums: tuple[str, ...] = ("sha256",)
    max_per_code: int = 20
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    hashers: dict[str, Any] = field(default_factory=dict)
    hashed: bool = False  # set by a validator that fed every original byte to `hashers`

    def __post_init__(self) -> None:
        self.hashers = {name: hashlib.new(name) for name in self.checksums}

    def _add(self, bucket: list[Issue], severity: str, code: str, location: str, params: dict[str, Any]) -> None:
        self.counts[(severity, code)] += 1
        if self.counts[(severity, code)] > self.max_per_code:
            return
        en, ko, hint = render(code, params)
        bucket.append(Issue(code, en, ko, location, hint, severity))

    def error(self, code: str, location: str = "", **params: Any) -> None:
        self._add(self.errors, "error", code, location, params)

    def warn(self, code: str, location: str = "", **params: Any) -> None:
        self._add(self.warnings, "warning", code, location, params)

    @property
    def error_count(self) -> int:
        return sum(n for (sev, _), n in self.counts.items() if sev == "error")

    @property
    def warning_count(self) -> int:
        return sum(n for (sev, _), n in self.counts.items() if sev == "warning")

    def finish_overflow(self) -> None:
        """Say how many findings of each code were left out of the lists."""
        for (severity, code), n in sorted(self.counts.items()):
            extra = n - self.max_per_code
            if extra > 0:
                en, ko, hint = render("too_many_errors", {"count": extra})
                bucket = self.errors if severity == "error" else self.warnings
                bucket.append(Issue(code, en, ko, "", hint, severity))

    def report_progress(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done)


def loc(record: int | None = None, line: int | None = None, field: str | None = None, **extra: Any) -> str:
    """A human- and machine-readable location such as 'record 12, line 45, field POS'."""
    parts = []
    if record is not None:
        parts.append(f"record {record}")
    if line is not None:
        parts.append(f"line {line}")
    for key, value in extra.items():
        parts.append(f"{key} {value}")
    if field:
        parts.append(f"field {field}")
    return ", ".join(parts)


BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")  # SAM spec §4.1.2


def bgzf_eof_present(path: Path) -> bool:
    """The 28-byte empty block the SAM/BAM spec (4.1.2) requires at the end of every BGZF file."""
    size = path.stat().st_size
    if size < len(BGZF_EOF):
        return False
    with open(path, "rb") as fh:
        fh.seek(size - len(BGZF_EOF))
        return fh.read() == BGZF_EOF


_HTS_LINE = re.compile(r"^\[(?P<level>[EW])::(?P<func>[\w]+)\]\s*(?P<msg>.*)$")


class HtslibLog:
    """Collects htslib's own messages (it writes them to stderr), which carry the real reason for an error.

    pysam turns most parse failures into a bare "truncated file" OSError; the reason
    ("Could not parse the position 'abc'") is only in htslib's log. The log is read from a temporary
    file that fd 2 points to while the validator runs; other lines are written back to stderr.
    """

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryFile(mode="w+b")
        self._pos = 0
        self._saved: int | None = None

    def __enter__(self) -> "HtslibLog":
        import sys

        with contextlib.suppress(Exception):
            sys.stderr.flush()
        self._saved = os.dup(2)
        os.dup2(self._tmp.fileno(), 2)
        return self

    def __exit__(self, *exc: Any) -> None:
        rest = self.drain(keep_other=True)
        os.dup2(self._saved, 2)
        os.close(self._saved)
        if rest:
            with contextlib.suppress(OSError):
                os.write(2, rest.encode())
        self._tmp.close()

    def drain(self, keep_other: bool = False) -> Any:
        """htslib messages written since the last call, as [(level, message)]."""
        self._tmp.seek(self._pos)
        data = self._tmp.read()
        self._pos += len(data)
        out, other = [], []
        for line in data.decode("utf-8", "replace").splitlines():
            m = _HTS_LINE.match(line.strip())
            if m:
                out.append((m["level"], m["msg"].strip()))
            elif line.strip():
                other.append(line)
        if keep_other:
            return "\n".join(other) + ("\n" if other else "")
        return out


class HashingReader(io.RawIOBase):
    """Feeds every byte read to the hashers, so a validator checksums the original bytes in its own pass."""

    def __init__(self, raw: Any, hashers: dict[str, Any], on_bytes: Callable[[int], None] | None = None):
        self._raw = raw
        self._hashers = list(hashers.values())
        self._on_bytes = on_bytes
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._raw.readinto(b)
        if n:
            view = memoryview(b)[:n]
            for h in self._hashers:
                h.update(view)
            self.done += n
            if self._on_bytes is not None:
                self._on_bytes(self.done)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


@contextlib.contextmanager
def text_lines(path: Path, compression: str = "none") -> Iterator[Any]:
    """Binary line iterator over a plain or gzip/BGZF-compressed file (bounded memory)."""
    if compression in ("gzip", "bgzf"):
        from isal import igzip

        fh = igzip.open(path, "rb")
    else:
        fh = open(path, "rb")
    try:
        yield fh
    finally:
        fh.close()
