"""FASTQ and FASTA: dnaio checks the record structure; numpy checks and measures what dnaio does not.

dnaio rejects malformed records (missing '+', length mismatch, truncation, wrapped FASTQ) but accepts
quality characters outside Phred+33 and any letters in sequences, so those checks run here, vectorised
over the same buffers, together with FastQC-style metrics and the checksum, in one pass over the bytes.

Pipeline (bounded memory: a few 8 MiB chunks in flight):
  reader thread   reads raw blocks, feeds the hashers (hashlib and isal release the GIL)
  main thread     cuts blocks at record boundaries (every 4th newline)
  2 worker threads  dnaio parses the chunk; numpy computes checks and per-position sums
"""
from __future__ import annotations

import collections
import io
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import dnaio
import numpy as np
from dnaio import _core as dnaio_core

from biostation.qc.validators.base import Context, HashingReader, bgzf_eof_present, loc, register

CHUNK = 8 << 20
MAX_LOCATED = 20  # findings located per chunk and code; the rest are only counted

NUCLEOTIDES = b"ACGTUNRYKMSWBDHVacgtunrykmswbdhv"
PROTEIN_EXTRA = b"EFILPQXZJOefilpqxzjo*-"
GAP_CHARS = b".-"

# class per byte: 0 illegal, 1 A/T/U, 2 G/C, 3 N, 4 other IUPAC code
_CLASS = np.zeros(256, np.uint8)
for _ch in b"ATUatu":
    _CLASS[_ch] = 1
for _ch in b"GCgc":
    _CLASS[_ch] = 2
for _ch in b"Nn":
    _CLASS[_ch] = 3
for _ch in b"RYKMSWBDHVrykmswbdhv":
    _CLASS[_ch] = 4


_ALLOCATOR_TUNED = False


def _tune_allocator() -> None:
    """Keep freed chunk-sized buffers in the heap instead of returning them to the kernel.

    glibc hands each multi-MiB buffer back with munmap and page-faults a fresh one for the next chunk;
    measured here that doubled the system time of a FASTQ check. Raising the mmap and trim
    thresholds keeps at most ~256 MiB of freed heap. glibc only; elsewhere this does nothing.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return
    _ALLOCATOR_TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 64 << 20)
        libc.mallopt(m_trim_threshold, 256 << 20)
    except (OSError, AttributeError):  # not glibc
        pass


class _Blocks:
    """Reads the file in a thread, hashing the original bytes and (for .gz) decompressing them."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.raw_done = 0
        self.q: queue.Queue = queue.Queue(maxsize=3)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="qc-fastx-reader", daemon=True)
        self.thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self.q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        hashers = list(self.ctx.hashers.values())
        try:
            with open(self.ctx.path, "rb", buffering=0) as raw:
                if self.ctx.compression == "none":
                    while True:
                        data = raw.read(CHUNK)
                        if not data:
                            break
                        for h in hashers:
                            h.update(data)
                        self.raw_done += len(data)
                        if not self._put(data):
                            return
                else:
                    from isal import igzip

                    hr = HashingReader(raw, self.ctx.hashers)
                    with igzip.IGzipFile(fileobj=io.BufferedReader(hr, 1 << 20), mode="rb") as gz:
                        while True:
                            data = gz.read(CHUNK)
                            self.raw_done = hr.done
                            if not data:
                                break
                            if not self._put(data):
                                return
            self._put(None)
        except BaseException as exc:  # handed to the main thread, which reports it
            self._put(exc)

    def __iter__(self):
        while True:
            item = self.q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)


@dataclass
class _Part:
    """What one chunk contributes: sums to add and findings in record order."""

    records: int = 0
    fatal: tuple | None = None
    issues: list = field(default_factory=list)
    len_hist: Any = None
    qpos: Any = None
    npos: Any = None
    bases: int = 0
    gc: int = 0
    n: int = 0
    at: int = 0
    q20: int = 0
    q30: int = 0
    qmin: int = 255
    qmax: int = 0
    cr: bool = False


def _locate_line(nl: np.ndarray, offset: int) -> int:
    """0-based line index in the chunk of a byte offset."""
    return int(np.searchsorted(nl, offset, side="left"))


def _parse_fastq(chunk: bytes, nl: np.ndarray, line0: int, record0: int) -> tuple | None:
    """Let dnaio parse the chunk; a structural error ends the check (nothing after it can be trusted)."""
    it = dnaio_core.FastqIter(io.BytesIO(chunk), dnaio.SequenceRecord, 1 << 20)
    try:
        next(it, None)
        collections.deque(it, maxlen=0)
    except dnaio.FastqFormatError as exc:
        message = str(exc).split(": ", 1)[-1].replace("\n", " ")
        line = exc.line
        if line is None:  # dnaio's non-ASCII check does not know the line
            arr = np.frombuffer(chunk, np.uint8)
            bad = np.flatnonzero(arr > 127)
            line = _locate_line(nl, int(bad[0])) if len(bad) else 0
        record = (line0 + line) // 4 + 1
        code = "fastq_format"
        params: dict[str, Any] = {"reason": message}
        if "Length of sequence and qualities differ" in message:
            code = "fastq_length_mismatch"
            first = (line // 4) * 4
            starts = np.concatenate(([0], nl[:-1] + 1)) if len(nl) else np.zeros(1, np.int64)
            def _len(i: int) -> int:
                if i >= len(nl):
                    return len(chunk) - int(starts[i]) if i < len(starts) else 0
                return int(nl[i] - starts[i])
            params = {"seq_len": _len(first + 1), "qual_len": _len(first + 3)}
        elif "expected to start with '+'" in message:
            code = "fastq_multiline"
        return (code, loc(record=record, line=line0 + line + 1), params)
    return None


def _fastq_chunk(chunk: bytes, nl: np.ndarray, line0: int, record0: int) -> _Part:
    part = _Part()
    fatal = _parse_fastq(chunk, nl, line0, record0)
    if fatal:
        part.fatal = fatal
        return part
    a = np.frombuffer(chunk, np.uint8)
    if len(chunk) and chunk[-1:] != b"\n":  # last record without final newline
        nl = np.concatenate((nl, [len(chunk)]))
    k = (len(nl) // 4) * 4
    if k == 0:
        return part
    nl = nl[:k]
    starts = np.empty_like(nl)
    starts[0] = 0
    starts[1:] = nl[:-1] + 1
    ends = nl.copy()
    prev = a[np.maximum(nl - 1, 0)] == 13  # CR only matters at line ends; elsewhere the letter checks catch it
    if prev.any():
        part.cr = True
        ends = ends - prev
    ss = starts[1::4]
    sl = ends[1::4] - ss
    qs = starts[3::4]
    n = len(ss)
    part.records = n
    lmin, lmax = int(sl.min()), int(sl.max())
    part.len_hist = np.bincount(sl, minlength=lmax + 1)
    total = int(sl.sum())
    part.bases = total
    if total == 0:
        part.qpos = np.zeros(lmax, np.float64)
        part.npos = np.zeros(lmax, np.int64)
        return part
    fixed = lmin == lmax
    if fixed:
        win = np.lib.stride_tricks.sliding_window_view(a, lmin)
        S = win[ss]
        Q = win[qs]
        part.qpos = np.add.reduce(Q, axis=0, dtype=np.uint64).astype(np.float64)
        pos = None
        cum = None
    else:
        cum = np.zeros(n + 1, np.int64)
        np.cumsum(sl, out=cum[1:])
        pos = np.arange(total, dtype=np.int64) - np.repeat(cum[:-1], sl)
        rows = np.repeat(np.arange(n), sl)
        S = a[ss[rows] + pos]
        Q = a[qs[rows] + pos]
        del rows
        part.qpos = np.bincount(pos, weights=Q, minlength=lmax)

    def where(mask: np.ndarray, limit: int = MAX_LOCATED):
        """(row, column) of the first offending bases, and how many there are."""
        flat = np.flatnonzero(mask)
        count = len(flat)
        flat = flat[:limit]
        if fixed:
            return [(int(f // lmin), int(f % lmin)) for f in flat], count
        r = np.searchsorted(cum, flat, side="right") - 1
        return [(int(ri), int(f - cum[ri])) for ri, f in zip(r, flat)], count

    qmin, qmax = int(Q.min()), int(Q.max())
    part.qmin, part.qmax = qmin, qmax
    if qmin < 33 or qmax > 126:
        hits, count = where((Q < 33) | (Q > 126))
        for row, col in hits:
            ch = int(Q[row, col] if fixed else Q[cum[row] + col])
            part.issues.append((record0 + row, "fastq_quality_range",
                                loc(record=record0 + row + 1, line=line0 + 4 * row + 4, field="quality"),
                                {"char": chr(ch), "ord": ch, "pos": col + 1}))
        part.issues.append((record0, "_count", "fastq_quality_range", count - len(hits)))
    part.q20 = int(np.count_nonzero(Q >= 53))
    part.q30 = int(np.count_nonzero(Q >= 63))
    seq_bytes = S.tobytes()
    if not seq_bytes.translate(None, b"ACGTN"):
        nmask = S == 78
        part.n = int(np.count_nonzero(nmask))
        # among A C G T N only C, G and N have bit 1 set
        part.gc = int(np.count_nonzero(S & 2)) - part.n
        part.at = total - part.gc - part.n
    else:
        cls = _CLASS[S]
        counts = np.bincount(cls.ravel(), minlength=5)
        part.at, part.gc, part.n = int(counts[1]), int(counts[2]), int(counts[3])
        nmask = cls == 3
        if counts[0]:
            hits, count = where(cls == 0)
            for row, col in hits:
                ch = int(S[row, col] if fixed else S[cum[row] + col])
                part.issues.append((record0 + row, "illegal_letter",
                                    loc(record=record0 + row + 1, line=line0 + 4 * row + 2, field="sequence"),
                                    {"char": chr(ch), "pos": col + 1}))
            part.issues.append((record0, "_count", "illegal_letter", count - len(hits)))
    if part.n:
        flat = np.flatnonzero(nmask)
        npos = flat % lmin if fixed else pos[flat]
        part.npos = np.bincount(npos, minlength=lmax)
    else:
        part.npos = np.zeros(lmax, np.int64)
    return part


def _add(acc: np.ndarray | None, part: np.ndarray) -> np.ndarray:
    if acc is None:
        return part.astype(np.float64 if part.dtype.kind == "f" else np.int64, copy=True)
    if len(part) > len(acc):
        acc = np.concatenate((acc, np.zeros(len(part) - len(acc), acc.dtype)))
    acc[: len(part)] += part
    return acc


def _bins(length: int, max_bins: int = 60) -> list[tuple[int, int]]:
    """FastQC-style position groups: single bases first, then equal groups, at most ~max_bins."""
    if length <= max_bins:
        return [(i, i + 1) for i in range(length)]
    out = [(i, i + 1) for i in range(9)]
    step = -(-(length - 9) // (max_bins - 9))
    out += [(s, min(s + step, length)) for s in range(9, length, step)]
    return out


def _n50(hist: np.ndarray) -> int:
    lengths = np.nonzero(hist)[0][::-1]
    contrib = lengths * hist[lengths]
    total = contrib.sum()
    if total == 0:
        return 0
    idx = np.searchsorted(np.cumsum(contrib), total / 2)
    return int(lengths[idx])


def _length_distribution(hist: np.ndarray, max_bins: int = 50) -> list[dict[str, Any]]:
    lengths = np.nonzero(hist)[0]
    if len(lengths) <= max_bins:
        return [{"length": int(x), "count": int(hist[x])} for x in lengths]
    lo, hi = int(lengths[0]), int(lengths[-1]) + 1
    step = -(-(hi - lo) // max_bins)
    return [{"length": f"{s}-{min(s + step, hi) - 1}", "count": int(hist[s:s + step].sum())}
            for s in range(lo, hi, step) if hist[s:s + step].sum()]


@register("fastq")
def validate_fastq(ctx: Context) -> None:
    _tune_allocator()
    blocks = _Blocks(ctx)
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="qc-fastq")
    pending: collections.deque = collections.deque()
    acc: dict[str, Any] = {"records": 0, "bases": 0, "gc": 0, "n": 0, "at": 0, "q20": 0, "q30": 0,
                           "qmin": 255, "qmax": 0, "cr": False, "len_hist": None, "qpos": None, "npos": None}
    state = {"stopped": False}

    def merge(part: _Part) -> None:
        if state["stopped"]:
            return
        for issue in part.issues:
            if issue[1] == "_count":
                if issue[3] > 0:
                    ctx.counts[("error", issue[2])] += issue[3]
                continue
            ctx.error(issue[1], issue[2], **issue[3])
        if part.fatal:
            code, where, params = part.fatal
            ctx.error(code, where, **params)
            state["stopped"] = True
            return
        for key in ("records", "bases", "gc", "n", "at", "q20", "q30"):
            acc[key] += getattr(part, key)
        acc["qmin"] = min(acc["qmin"], part.qmin)
        acc["qmax"] = max(acc["qmax"], part.qmax)
        acc["cr"] = acc["cr"] or part.cr
        for key in ("len_hist", "qpos", "npos"):
            value = getattr(part, key)
            if value is not None:
                acc[key] = _add(acc[key], value)

    def drain(limit: int) -> None:
        while len(pending) > limit:
            merge(pending.popleft().result())

    leftover = b""
    line0 = 0
    read_error: BaseException | None = None
    try:
        for block in blocks:
            if state["stopped"]:
                continue  # keep reading so the checksum covers the whole file
            data = leftover + block if leftover else block
            nl = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
            k = (len(nl) // 4) * 4
            if k == 0:
                leftover = data
                continue
            end = int(nl[k - 1]) + 1
            chunk = data[:end]
            leftover = data[end:]
            pending.append(pool.submit(_fastq_chunk, chunk, nl[:k], line0, line0 // 4))
            line0 += k
            drain(2)
            ctx.report_progress(blocks.raw_done)
        if leftover and not state["stopped"]:
            nl = np.flatnonzero(np.frombuffer(leftover, np.uint8) == 10)
            pending.append(pool.submit(_fastq_chunk, leftover, nl, line0, line0 // 4))
        drain(0)
    except EOFError as exc:
        read_error = exc
        drain(0)
        ctx.error("truncated_gzip", loc(line=line0 + 1), reason=str(exc))
    except (OSError, ValueError) as exc:
        read_error = exc
        drain(0)
        ctx.error("io_error", loc(line=line0 + 1), reason=str(exc))
    finally:
        blocks.close()
        pool.shutdown(wait=True)
    ctx.hashed = read_error is None
    ctx.report_progress(ctx.path.stat().st_size)
    if ctx.compression == "bgzf" and not bgzf_eof_present(ctx.path):
        ctx.error("missing_bgzf_eof", "end of file")
    if acc["records"] == 0 and not ctx.errors:
        ctx.error("empty_file", "record 1")
    if acc["cr"]:
        ctx.warn("crlf_line_endings", "line 1")
    if acc["records"] and acc["qmin"] >= 64 and acc["qmax"] <= 126:
        ctx.warn("phred64_suspected", "field quality")
    _fastq_metrics(ctx, acc)


def _fastq_metrics(ctx: Context, acc: dict[str, Any]) -> None:
    m = ctx.metrics
    m["read_count"] = acc["records"]
    m["base_count"] = acc["bases"]
    hist = acc["len_hist"]
    if not acc["records"] or hist is None:
        return
    lengths = np.nonzero(hist)[0]
    m["length_min"] = int(lengths[0])
    m["length_max"] = int(lengths[-1])
    m["length_mean"] = round(acc["bases"] / acc["records"], 2)
    m["n50"] = _n50(hist)
    m["length_distribution"] = _length_distribution(hist)
    bases = max(acc["bases"], 1)
    called = max(acc["gc"] + acc["at"], 1)
    m["gc_percent"] = round(100 * acc["gc"] / called, 3)
    m["n_percent"] = round(100 * acc["n"] / bases, 4)
    m["q20_percent"] = round(100 * acc["q20"] / bases, 3)
    m["q30_percent"] = round(100 * acc["q30"] / bases, 3)
    m["quality_encoding"] = "phred+33"
    qpos, npos = acc["qpos"], acc["npos"]
    length = len(hist) - 1
    # reads that reach position p: those longer than p
    cover = np.cumsum(hist[::-1])[::-1][1:].astype(np.float64)
    qpos = np.concatenate((qpos, np.zeros(max(0, length - len(qpos)))))[:length]
    npos = np.concatenate((npos, np.zeros(max(0, length - len(npos)))))[:length]
    m["mean_quality"] = round(float(qpos.sum() / bases) - 33, 3)
    with np.errstate(invalid="ignore", divide="ignore"):
        meanq = qpos / cover - 33
        npct = 100 * npos / cover
    # positions reached by only a handful of reads (long-read tails) are noise, as in FastQC's groups
    solid = cover >= max(1.0, 0.01 * acc["records"])
    if solid.any():
        m["per_base_min_mean_quality"] = round(float(meanq[solid].min()), 3)
        m["per_base_max_n_percent"] = round(float(npct[solid].max()), 3)
    per_base = []
    for lo, hi in _bins(length):
        c = cover[lo:hi].sum()
        if c == 0:
            continue
        per_base.append({"position": f"{lo + 1}" if hi - lo == 1 else f"{lo + 1}-{hi}",
                         "mean_quality": round(float(qpos[lo:hi].sum() / c) - 33, 2),
                         "n_percent": round(float(100 * npos[lo:hi].sum() / c), 3)})
    m["per_base"] = per_base


@register("fasta")
def validate_fasta(ctx: Context) -> None:
    """FASTA allows wrapped lines; dnaio parses, and letters are checked per record against IUPAC codes."""
    raw = open(ctx.path, "rb", buffering=0)
    hr = HashingReader(raw, ctx.hashers, ctx.report_progress)
    if ctx.compression != "none":
        from isal import igzip

        stream: Any = igzip.IGzipFile(fileobj=io.BufferedReader(hr, 1 << 20), mode="rb")
    else:
        stream = io.BufferedReader(hr, 1 << 20)
    lengths: collections.Counter = collections.Counter()
    count = gc = at = n = 0
    alphabet: bytes | None = None
    first_records: list[bytes] = []
    nuc_table = NUCLEOTIDES + GAP_CHARS
    all_table = NUCLEOTIDES + PROTEIN_EXTRA + GAP_CHARS
    ok = True
    try:
        with dnaio.open(stream, fileformat="fasta") as reader:
            for count, rec in enumerate(reader, 1):
                seq = rec.sequence.encode("ascii", "replace")
                lengths[len(seq)] += 1
                if not seq:
                    ctx.warn("empty_sequence", loc(record=count, name=rec.id))
                if alphabet is None:
                    first_records.append(seq[:10000])
                    if len(first_records) >= 50:
                        alphabet = nuc_table if all(not s.translate(None, nuc_table) for s in first_records) \
                            else all_table
                table = alphabet or all_table
                rest = seq.translate(None, table)
                if rest:
                    bad = rest[:1]
                    ctx.error("illegal_letter", loc(record=count, name=rec.id, field="sequence"),
                              char=bad.decode("ascii", "replace"), pos=seq.index(bad) + 1)
                a = np.frombuffer(seq, np.uint8)
                cls = np.bincount(_CLASS[a], minlength=5) if len(a) else np.zeros(5, np.int64)
                at += int(cls[1])
                gc += int(cls[2])
                n += int(cls[3])
    except dnaio.FastaFormatError as exc:
        ok = False
        line = exc.line + 1 if exc.line is not None else None
        ctx.error("fasta_format", loc(record=count + 1, line=line), reason=str(exc).split(": ", 1)[-1])
    except EOFError as exc:
        ok = False
        ctx.error("truncated_gzip", loc(record=count + 1), reason=str(exc))
    except (OSError, ValueError) as exc:
        ok = False
        ctx.error("io_error", loc(record=count + 1), reason=str(exc))
    finally:
        stream.close()
    if ok:
        with open(ctx.path, "rb") as fh:  # the reader may stop before EOF; hash what it left
            fh.seek(hr.done)
            while data := fh.read(CHUNK):
                for h in ctx.hashers.values():
                    h.update(data)
        ctx.hashed = True
    if ctx.compression == "bgzf" and not bgzf_eof_present(ctx.path):
        ctx.error("missing_bgzf_eof", "end of file")
    if count == 0 and ok:
        ctx.error("empty_file", "record 1")
    total = sum(k * v for k, v in lengths.items())
    m = ctx.metrics
    m["sequence_count"] = count
    m["base_count"] = total
    if count:
        hist = np.zeros(1, np.int64)
        ls = sorted(lengths)
        m["length_min"], m["length_max"] = ls[0], ls[-1]
        m["length_mean"] = round(total / count, 2)
        arr_l = np.array(ls, np.int64)
        arr_c = np.array([lengths[x] for x in ls], np.int64)
        contrib = (arr_l * arr_c)[::-1]
        half = np.searchsorted(np.cumsum(contrib), contrib.sum() / 2) if contrib.sum() else 0
        m["n50"] = int(arr_l[::-1][half]) if contrib.sum() else 0
        del hist
        m["gc_percent"] = round(100 * gc / max(gc + at, 1), 3)
        m["n_percent"] = round(100 * n / max(total, 1), 4)
        m["alphabet"] = "nucleotide" if alphabet in (None, nuc_table) and (gc + at + n) * 2 >= total else "protein"
