"""VCF and BCF through pysam (htslib, the parser inside bcftools).

pysam is used rather than cyvcf2 because htslib-through-pysam rejects a non-numeric POS that cyvcf2
accepts. htslib parses every field against the header; the checks it does not make (REF/ALT letters,
coordinate order, BGZF EOF) run on each record, with Ti/Tv and variant counts as metrics.
"""
from __future__ import annotations

import re

import pysam

from biostation.qc.validators.alignment import index_beside
from biostation.qc.validators.base import Context, HtslibLog, bgzf_eof_present, loc, register

_BASES = "ACGTNacgtn"
_TRANSITIONS = {"AG", "GA", "CT", "TC"}
_SNV = {a + b: (a + b in _TRANSITIONS) for a in "ACGT" for b in "ACGT" if a != b}
_SNV.update({k.lower(): v for k, v in list(_SNV.items())})
_REF_OK = re.compile(r"^[ACGTNacgtn]+$")
_ALT_OK = re.compile(r"^([ACGTNacgtn]+|\*|\.|<[^<>]+>|.*[\[\]].*|\.[ACGTNacgtn]+|[ACGTNacgtn]+\.)$")


@register("vcf", "bcf")
def validate_vcf(ctx: Context) -> None:
    path = ctx.path
    bgzf = ctx.compression == "bgzf" or ctx.format == "bcf"
    if bgzf and not bgzf_eof_present(path):
        ctx.error("missing_bgzf_eof", "end of file")
    index = index_beside(path, (".tbi", ".csi")) if bgzf else None
    binary = ctx.format == "bcf"
    with HtslibLog() as log:
        try:
            # BGZF: the EOF block is checked above, so read on past a missing one; plain text: let htslib
            # read ahead in its own thread (it cannot do both at once)
            opts = {"ignore_truncation": True} if ctx.compression != "none" or binary else {"threads": 2}
            vf = pysam.VariantFile(str(path), **opts)
        except (ValueError, OSError) as exc:
            msgs = [m for _, m in log.drain()]
            ctx.error("vcf_open", "header", reason="; ".join(msgs) or str(exc))
            return
        try:
            header = vf.header
            header_lines = 0 if binary else _count_header_lines(ctx)
            declared = set(header.contigs)
            samples = len(header.samples)
            for level, msg in log.drain():
                ctx.warn("htslib_warning", "header", reason=msg)
            _scan(ctx, vf, log, header_lines, declared, index, binary)
        finally:
            try:
                vf.close()
            except OSError:
                pass
    ctx.metrics["sample_count"] = samples
    ctx.metrics["index"] = index.name if index else None


def _count_header_lines(ctx: Context) -> int:
    """Header lines as they are in the file (pysam's header text adds lines, e.g. FILTER=PASS)."""
    from biostation.qc.validators.base import text_lines

    n = 0
    with text_lines(ctx.path, ctx.compression) as fh:
        for line in fh:
            if not line.startswith(b"#"):
                break
            n += 1
    return n


def _scan(ctx: Context, vf: pysam.VariantFile, log: HtslibLog, header_lines: int, declared: set,
          index, binary: bool) -> None:
    """One pass over the records; the common case (a sorted bi-allelic SNV) costs a few attribute reads."""
    n = good = snv = ti = indel = mnp = other = multi = passed = 0
    seen_rids: set[int] = set()
    last_rid, last_pos = -1, -1
    unsorted_reported = False
    undeclared: set[str] = set()
    snv_get = _SNV.get
    it = iter(vf)
    while True:
        try:
            rec = next(it)
        except StopIteration:
            break
        except (OSError, ValueError) as exc:
            n += 1
            msgs = [m for level, m in log.drain() if level == "E"]
            where = loc(record=n, line=None if binary else header_lines + n)
            if binary or not msgs:
                code = "truncated_gzip" if "truncat" in str(exc) and not msgs else "vcf_record"
                ctx.error(code, where, reason="; ".join(msgs) or str(exc))
                break
            ctx.error("vcf_record", where, reason="; ".join(msgs))
            if ctx.counts[("error", "vcf_record")] >= 1000:
                break
            continue
        n += 1
        rid = rec.rid
        pos = rec.pos
        if rid == last_rid:
            if pos < last_pos and not unsorted_reported:
                _unsorted(ctx, index, n, header_lines, binary, f"{rec.chrom}:{pos} after {last_pos}")
                unsorted_reported = True
            last_pos = pos
        else:
            if rid in seen_rids and not unsorted_reported:
                _unsorted(ctx, index, n, header_lines, binary, f"{rec.chrom} appears again after other contigs")
                unsorted_reported = True
            seen_rids.add(rid)
            last_rid, last_pos = rid, pos
        alleles = rec.alleles
        kind = snv_get(alleles[0] + alleles[1]) if len(alleles) == 2 else None
        if kind is None:
            if len(alleles) > 2:
                multi += 1
            indel, mnp, other = _classify(ctx, alleles, n, header_lines, binary, indel, mnp, other)
        else:
            snv += 1
            ti += kind
        if "PASS" in rec.filter:
            passed += 1
        if not n & 0xFFFF:
            for level, msg in log.drain():
                _log_finding(ctx, level, msg, n, header_lines, binary, undeclared)
    good = n - ctx.counts[("error", "vcf_record")] - ctx.counts[("error", "truncated_gzip")]
    for level, msg in log.drain():
        _log_finding(ctx, level, msg, n, header_lines, binary, undeclared)
    for name in sorted(undeclared - declared):
        ctx.warn("vcf_contig_undeclared", "header", contig=name)
    tv = snv - ti
    m = ctx.metrics
    m.update({"record_count": good, "snv": snv, "transitions": ti, "transversions": tv, "indel": indel,
              "mnp": mnp, "other": other, "multiallelic": multi, "pass_count": passed})
    if tv:
        m["titv_ratio"] = round(ti / tv, 4)
    if good:
        m["pass_percent"] = round(100 * passed / good, 3)
    if good == 0 and not ctx.errors:
        m["note"] = "header only, no records"


def _unsorted(ctx: Context, index, n: int, header_lines: int, binary: bool, where: str) -> None:
    location = loc(record=n, line=None if binary else header_lines + n)
    if index is not None:
        ctx.error("unsorted", location, where=where, why=f"the index {index.name}")
    else:
        ctx.warn("unsorted_note", location, where=where)


def _classify(ctx: Context, alleles: tuple, n: int, header_lines: int, binary: bool,
              indel: int, mnp: int, other: int) -> tuple[int, int, int]:
    where = loc(record=n, line=None if binary else header_lines + n)
    ref = alleles[0]
    if not _REF_OK.match(ref):
        ctx.error("vcf_ref", where + ", field REF", ref=ref)
    for alt in alleles[1:]:
        if not _ALT_OK.match(alt):
            ctx.error("vcf_alt", where + ", field ALT", alt=alt)
            other += 1
        elif alt[0] in "<*." or "[" in alt or "]" in alt or alt.endswith("."):
            other += 1
        elif len(alt) != len(ref):
            indel += 1
        elif len(alt) > 1:
            mnp += 1
        else:
            other += 1  # single-base with N or lower-case handled by the fast path otherwise
    return indel, mnp, other


def _log_finding(ctx: Context, level: str, msg: str, n: int, header_lines: int, binary: bool,
                 undeclared: set) -> None:
    if "is not defined in the header" in msg:
        name = msg.split("'")[1] if "'" in msg else msg
        undeclared.add(name)
        return
    if "Missing headers may cause" in msg:
        return
    if level == "E":
        ctx.error("vcf_record", loc(record=n), reason=msg)
    else:
        ctx.warn("htslib_warning", loc(record=n), reason=msg)
