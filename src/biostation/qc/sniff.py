"""Choose a file's format by its content (magic bytes, compression, first records), the extension only as a tie-break.

Depositors name files in every way ("reads.txt", "sample.fq.gz.1"); trusting the extension would send
files to the wrong validator. Sniffing reads at most a few hundred kilobytes.
"""
from __future__ import annotations

import csv
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("fastq", "fasta", "sam", "bam", "cram", "vcf", "bcf", "dicom", "tiff", "ome-tiff", "png", "jpeg",
           "csv", "tsv", "mmcif", "pdb", "sdf", "mol", "smiles", "reaction-smiles", "rxn", "unknown")

HEAD_BYTES = 256 * 1024

_EXTENSIONS = {
    ".fastq": "fastq", ".fq": "fastq", ".fasta": "fasta", ".fa": "fasta", ".fna": "fasta", ".faa": "fasta",
    ".fas": "fasta", ".sam": "sam", ".bam": "bam", ".cram": "cram", ".vcf": "vcf", ".bcf": "bcf",
    ".dcm": "dicom", ".dicom": "dicom", ".tif": "tiff", ".tiff": "tiff", ".png": "png", ".jpg": "jpeg",
    ".jpeg": "jpeg", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".cif": "mmcif", ".mmcif": "mmcif",
    ".pdb": "pdb", ".ent": "pdb", ".sdf": "sdf", ".sd": "sdf", ".mol": "mol", ".smi": "smiles",
    ".smiles": "smiles", ".rsmi": "reaction-smiles", ".rxn": "rxn",
}
_PDB_RECORDS = ("HEADER", "ATOM  ", "HETATM", "CRYST1", "REMARK", "TITLE ", "COMPND", "MODEL ", "EXPDTA", "SEQRES")
_SAM_HEADER = re.compile(rb"^@(HD|SQ|RG|PG|CO)\t")
_SMILES_TOKEN = re.compile(r"^[A-Za-z0-9@+\-\[\]\(\)=#$%:/\\.*~&!>]+$")


@dataclass(frozen=True)
class Sniffed:
    format: str
    compression: str  # none | gzip | bgzf
    reason: str


def extension_format(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in (".gz", ".bgz", ".bgzf"):
        suffixes.pop()
    if len(suffixes) >= 2 and suffixes[-2] == ".ome" and suffixes[-1] in (".tif", ".tiff"):
        return "ome-tiff"
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None


def _compression(raw: bytes) -> str:
    if raw[:2] != b"\x1f\x8b":
        return "none"
    # BGZF: gzip with FEXTRA whose subfield is 'BC' (SAM spec 4.1)
    if len(raw) >= 18 and raw[3] & 4 and raw[12:14] == b"BC":
        return "bgzf"
    return "gzip"


def _inflate_head(raw: bytes, limit: int = HEAD_BYTES) -> bytes:
    """Decompress the start of a (possibly multi-member) gzip stream; stops quietly where the bytes end."""
    out = bytearray()
    data = raw
    while data and len(out) < limit:
        d = zlib.decompressobj(wbits=31)
        try:
            out += d.decompress(data, limit - len(out))
        except zlib.error:
            break
        if not d.eof:
            break
        data = d.unused_data
    return bytes(out)


def _text_lines(head: bytes, n: int = 40) -> list[str]:
    text = head.decode("utf-8", "replace")
    lines = text.splitlines()
    if len(head) >= HEAD_BYTES and lines:
        lines = lines[:-1]  # last line may be cut
    return lines[:n]


def _looks_smiles(lines: list[str]) -> str | None:
    """SMILES or reaction SMILES if RDKit parses the first tokens (a header line such as 'smiles name' is allowed)."""
    candidates = [ln.split()[0] for ln in lines if ln.strip() and not ln.startswith("#")][:6]
    if candidates and candidates[0].lower() in ("smiles", "smi", "rxn", "reaction", "reaction_smiles", "rsmi"):
        candidates = candidates[1:]
    if not candidates or not all(_SMILES_TOKEN.match(c) for c in candidates):
        return None
    from rdkit import Chem, RDLogger
    from rdkit.Chem import rdChemReactions

    RDLogger.DisableLog("rdApp.*")
    try:
        if all(c.count(">") == 2 for c in candidates):
            ok = 0
            for c in candidates:
                try:
                    rdChemReactions.ReactionFromSmarts(c, useSmiles=True)
                    ok += 1
                except ValueError:
                    pass
            return "reaction-smiles" if ok else None
        ok = sum(Chem.MolFromSmiles(c, sanitize=False) is not None for c in candidates)
        # plain words ("CCO" is a SMILES, "hello" is not): most tokens must parse
        return "smiles" if ok * 2 > len(candidates) else None
    finally:
        RDLogger.EnableLog("rdApp.*")


def _text_format(head: bytes, ext: str | None) -> tuple[str, str] | None:
    if not head:
        return None
    if b"\x00" in head[:4096]:
        return None
    lines = _text_lines(head)
    if not lines:
        return None
    first = lines[0]
    if first.startswith("##fileformat=VCF"):
        return "vcf", "##fileformat=VCF header"
    if _SAM_HEADER.match(head):
        return "sam", "SAM header line"
    if first.startswith("@"):
        if len(lines) >= 3 and lines[2].startswith("+"):
            return "fastq", "'@' header with '+' separator on line 3"
        return "fastq", "'@' record header"
    if first.startswith(">") or (first.startswith(";") and any(ln.startswith(">") for ln in lines)):
        return "fasta", "'>' record header"
    if first.startswith("$RXN"):
        return "rxn", "$RXN header"
    if len(lines) >= 4 and ("V2000" in lines[3] or "V3000" in lines[3]):
        if ext == "mol" and "$$$$" not in head.decode("utf-8", "replace"):
            return "mol", "molfile counts line"
        return "sdf", "molfile counts line (V2000/V3000)"
    stripped = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    if stripped and stripped[0].startswith("data_"):
        return "mmcif", "CIF data block"
    if sum(ln.startswith(_PDB_RECORDS) for ln in lines[:20]) >= max(1, min(3, len(lines[:20]) // 2)):
        return "pdb", "PDB record names"
    fields = first.split("\t")
    if len(fields) >= 11 and len(lines) >= 1 and all(
            len(ln.split("\t")) >= 11 and ln.split("\t")[1].isdigit() and ln.split("\t")[3].isdigit()
            for ln in lines[:5]):
        return "sam", "11 tab-separated SAM columns"
    smiles = _looks_smiles(lines)
    if smiles:
        return smiles, "RDKit parses the first records"
    if len(lines) >= 2 or ext in ("csv", "tsv"):
        try:
            dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",\t;")
        except csv.Error:
            dialect = None
        if dialect is not None:
            widths = {len(row) for row in csv.reader(lines[:20], dialect)}
            if len(widths) == 1 and widths.pop() >= 2:
                return ("tsv" if dialect.delimiter == "\t" else "csv"), f"consistent {dialect.delimiter!r}-separated columns"
    return None


def sniff(path: str | Path) -> Sniffed:
    """Format and compression of a file, from its first bytes."""
    path = Path(path)
    ext = extension_format(path)
    with open(path, "rb") as fh:
        raw = fh.read(HEAD_BYTES)
    if not raw:
        return Sniffed(ext or "unknown", "none", "empty file" + (", format from extension" if ext else ""))
    compression = _compression(raw)
    if compression != "none":
        head = _inflate_head(raw)
        if head[:4] == b"BAM\x01":
            return Sniffed("bam", compression, "BGZF with BAM magic")
        if head[:4] == b"BCF\x02":
            return Sniffed("bcf", compression, "BGZF with BCF magic")
        found = _text_format(head, ext)
        if found:
            return Sniffed(found[0], compression, f"{compression}-compressed, {found[1]}")
        if ext:
            return Sniffed(ext, compression, f"{compression}-compressed, format from extension")
        return Sniffed("unknown", compression, f"{compression}-compressed, content not recognised")
    if raw[:4] == b"CRAM":
        return Sniffed("cram", "none", "CRAM magic")
    if raw[:4] == b"BAM\x01":
        return Sniffed("bam", "none", "uncompressed BAM magic")
    if raw[:4] == b"BCF\x02":
        return Sniffed("bcf", "none", "uncompressed BCF magic")
    if len(raw) >= 132 and raw[128:132] == b"DICM":
        return Sniffed("dicom", "none", "DICM prefix after the 128-byte preamble")
    if raw[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return Sniffed(_tiff_kind(path, ext), "none", "TIFF byte-order mark")
    if raw[:8] == b"\x89PNG\r\n\x1a\n":
        return Sniffed("png", "none", "PNG signature")
    if raw[:3] == b"\xff\xd8\xff":
        return Sniffed("jpeg", "none", "JPEG SOI marker")
    if _dicom_without_meta(raw) or (ext == "dicom" and b"\x00" in raw[:64]):
        return Sniffed("dicom", "none", "DICOM data elements without file meta")
    found = _text_format(raw, ext)
    if found:
        return Sniffed(found[0], "none", found[1])
    if ext:
        return Sniffed(ext, "none", "format from extension (content not recognised)")
    return Sniffed("unknown", "none", "content not recognised")


def _dicom_without_meta(raw: bytes) -> bool:
    """Raw data-set encoding: starts with a group 0x0008 element (little endian), as old exports do."""
    if len(raw) < 16 or raw[:2] != b"\x08\x00":
        return False
    vr = raw[4:6]
    explicit = vr.isalpha() and vr.isupper()
    return explicit or int.from_bytes(raw[4:8], "little") < len(raw)


def _tiff_kind(path: Path, ext: str | None) -> str:
    try:
        import tifffile

        with tifffile.TiffFile(path) as tif:
            return "ome-tiff" if tif.is_ome else "tiff"
    except Exception:  # a broken TIFF is still a TIFF; the validator says why
        return "ome-tiff" if ext == "ome-tiff" else "tiff"
