"""Streaming readers for sample sheets: form TSV, form XLSX, INSDC BioSample XML, INSDC BioSample batch TSV.

Each yields one dict per sample (column -> value) with '@'-keys saying where it came from ('@row' for the
line or sheet row, '@record' for an XML sample's name, '@package' for the BioSample package). The files are
parsed by real libraries (csv, openpyxl in read-only mode, ElementTree.iterparse) and never held whole.
"""
from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import StationError

FORMATS = ("tsv", "xlsx", "biosample_xml", "biosample_tsv")
_PACKAGE_IN_TEXT = re.compile(r"\b([A-Z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.\d+\.\d+)\b")
_DISPLAY_IN_TEXT = re.compile(r"'([^']+; version \d+\.\d+)'")
_FORM_IN_TEXT = re.compile(r"form[:=]\s*([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)(?:@(\d+\.\d+\.\d+))?")
csv.field_size_limit(16 * 1024 * 1024)


class UnreadableFile(StationError):
    def __init__(self, path: str, why_en: str, why_ko: str, hint: str):
        super().__init__("file_unreadable", f"Cannot read {path}: {why_en}", f"{path}을(를) 읽을 수 없습니다: {why_ko}", 400, hint)
        self.why = (why_en, why_ko)

    def named(self, name: str) -> "UnreadableFile":
        """The same error naming the file as its sender knows it (not a server-side temporary path)."""
        return UnreadableFile(name, *self.why, self.hint)


@dataclass
class SheetInfo:
    format: str
    package: str | None = None
    form_id: str | None = None
    form_version: str | None = None


def sniff(path: str | Path) -> SheetInfo:
    """Tell the format (and the BioSample package or form named in the file) from its first bytes."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise UnreadableFile(str(path), exc.strerror or str(exc), "파일을 열 수 없습니다.",
                             "Check the path and that you may read the file.") from None
    if head.startswith(b"PK\x03\x04"):
        return SheetInfo("xlsx", *_xlsx_form_id(p))
    text = head.decode("utf-8-sig", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("<"):
        m = re.search(r"<Package[^>]*>\s*([^<\s]+)\s*</Package>", text)
        return SheetInfo("biosample_xml", package=m.group(1) if m else None)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    first_data = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
    form_id = form_version = None
    for line in comments:
        m = _FORM_IN_TEXT.search(line)
        if m:
            form_id, form_version = m.group(1), m.group(2)
    if comments or first_data.startswith("*"):
        package = None
        for line in comments:
            m = _DISPLAY_IN_TEXT.search(line) or _PACKAGE_IN_TEXT.search(line)
            if m:
                package = m.group(1)
                break
        if form_id is None:
            return SheetInfo("biosample_tsv", package=package)
    return SheetInfo("tsv", form_id=form_id, form_version=form_version)


def _xlsx_form_id(path: Path) -> tuple[None, str | None, str | None]:
    """Templates record their form in the workbook's properties (keywords 'form=ID@VERSION')."""
    try:
        import zipfile

        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", errors="replace")
        m = _FORM_IN_TEXT.search(core)
        return (None, m.group(1), m.group(2)) if m else (None, None, None)
    except (KeyError, OSError, Exception):  # noqa: BLE001 - a workbook without properties is still a workbook
        return None, None, None


def read_records(path: str | Path, fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Records of a sample sheet, one at a time."""
    fmt = fmt or sniff(path).format
    if fmt not in FORMATS:
        raise UnreadableFile(str(path), f"unknown format '{fmt}'", f"알 수 없는 형식 '{fmt}'",
                             f"Use one of: {', '.join(FORMATS)}.")
    if fmt in ("tsv", "biosample_tsv"):
        return _read_tsv(Path(path))
    if fmt == "xlsx":
        return _read_xlsx(Path(path))
    return _read_biosample_xml(Path(path))


def _read_tsv(path: Path) -> Iterator[dict[str, Any]]:
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise UnreadableFile(str(path), exc.strerror or str(exc), "파일을 열 수 없습니다.", "Check the path.") from None
    with fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_MINIMAL)
        header: list[str] | None = None
        try:
            for row in reader:
                line = reader.line_num
                if header is None:
                    if not row or not any(c.strip() for c in row) or row[0].startswith("#"):
                        continue
                    header = row
                    width = len(header)
                    continue
                if not row or not any(row) or (row[0].startswith("#") and len(row) == 1):
                    continue
                if len(row) == width:
                    rec: dict[str, Any] = dict(zip(header, row))
                elif len(row) < width:
                    rec = dict(zip(header, row))
                    for h in header[len(row):]:
                        rec[h] = ""
                else:
                    rec = dict(zip(header, row))
                    tail = [c for c in row[width:] if c.strip()]
                    if tail:
                        rec["@extra"] = "\t".join(tail)
                rec["@row"] = line
                yield rec
        except UnicodeDecodeError as exc:
            raise UnreadableFile(str(path), f"not UTF-8 text (byte {exc.start})", "UTF-8 텍스트가 아닙니다",
                                 "Save the sheet as 'Text (Tab delimited)' with UTF-8 encoding "
                                 "(Excel: 'UTF-8 CSV' or 'Unicode text').") from None
        except csv.Error as exc:
            raise UnreadableFile(str(path), f"line {reader.line_num}: {exc}", f"{reader.line_num}행을 해석할 수 없습니다",
                                 "Check quotes in that line.") from None


def _read_xlsx(path: Path) -> Iterator[dict[str, Any]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    import zipfile

    try:
        fh = path.open("rb")  # a file object, so the workbook need not be named .xlsx (uploads are not)
    except OSError as exc:
        raise UnreadableFile(str(path), exc.strerror or str(exc), "파일을 열 수 없습니다.", "Check the path.") from None
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        fh.close()
        raise UnreadableFile(str(path), f"not an Excel workbook ({exc})", "엑셀 통합문서가 아닙니다",
                             "Save the file as .xlsx (Excel Workbook).") from None
    try:
        ws = _data_sheet(wb)
        header: list[Any] | None = None
        for idx, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if header is None:
                if not row or all(c is None or str(c).strip() == "" for c in row):
                    continue
                if isinstance(row[0], str) and row[0].startswith("#"):
                    continue
                header = list(row)
                while header and (header[-1] is None or str(header[-1]).strip() == ""):
                    header.pop()
                width = len(header)
                continue
            if not row or all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
                continue
            rec: dict[str, Any] = {}
            for h, c in zip(header, row):
                rec[h if h is not None else ""] = c
            extra = [c for c in row[width:] if c is not None and str(c).strip()]
            if extra:
                rec["@extra"] = "\t".join(str(c) for c in extra)
            rec["@row"] = idx
            yield rec
    finally:
        wb.close()
        fh.close()


def _data_sheet(wb: Any) -> Any:
    """The samples sheet of a template, else the first visible sheet that is not instructions or lists."""
    skip = {"instructions", "안내", "vocabularies", "lists", "readme"}
    for name in wb.sheetnames:
        if name.lower() in ("samples", "시료"):
            return wb[name]
    for name in wb.sheetnames:
        ws = wb[name]
        if name.lower() not in skip and getattr(ws, "sheet_state", "visible") == "visible":
            return ws
    return wb[wb.sheetnames[0]]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_biosample_xml(path: Path) -> Iterator[dict[str, Any]]:
    """NCBI/DDBJ BioSampleSet documents, and the BioSample blocks of an NCBI submission (SubmissionSet)."""
    try:
        context = ET.iterparse(str(path), events=("start", "end"))
        root = None
        stack: list[str] = []
        for event, elem in context:
            name = _local(elem.tag)
            if event == "start":
                if root is None:
                    root = elem
                stack.append(name)
                continue
            stack.pop()
            if name == "BioSample":
                yield _biosample_record(elem)
                elem.clear()
            if len(stack) == 1 and root is not None:
                # drop finished top-level elements so memory stays flat however many samples the file has
                root.remove(elem)
    except ET.ParseError as exc:
        line, col = exc.position
        raise UnreadableFile(str(path), f"XML error at line {line}, column {col}: {exc}",
                             f"XML 오류 ({line}행 {col}열)", "Fix the XML at that position (is it a BioSampleSet?).") from None
    except OSError as exc:
        raise UnreadableFile(str(path), exc.strerror or str(exc), "파일을 열 수 없습니다.", "Check the path.") from None


def _text(elem: ET.Element | None) -> str:
    return (elem.text or "").strip() if elem is not None else ""


def _biosample_record(bs: ET.Element) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    name = accession = ""
    title = organism = description = package = ""
    for child in bs.iter():
        tag = _local(child.tag)
        if tag == "Id":
            label = (child.get("db_label") or "").lower()
            if label == "sample name":
                name = _text(child)
            elif child.get("db") in ("BioSample", "SRA") and child.get("is_primary") in ("1", "true"):
                accession = _text(child)
        elif tag == "SPUID" and not name:
            name = _text(child)
        elif tag == "Title" and not title:
            title = _text(child)
        elif tag == "OrganismName":
            organism = _text(child)
        elif tag == "Organism" and not organism:
            organism = child.get("taxonomy_name") or child.get("taxonomy_id") or _text(child)
        elif tag == "Comment" and not description:
            description = " ".join(t.strip() for t in child.itertext() if t.strip())
        elif tag == "Package":
            package = _text(child)
        elif tag == "Attribute":
            key = child.get("attribute_name") or child.get("harmonized_name") or ""
            if key:
                rec[key] = child.text or ""
    if not organism:
        org = bs.find(".//{*}Organism")
        if org is not None:
            organism = org.get("taxonomy_name") or org.get("taxonomy_id") or ""
    accession = accession or bs.get("accession") or ""
    base = {"sample_name": name or accession, "organism": organism}
    if title:
        base["sample_title"] = title
    if description:
        base["description"] = description
    base.update(rec)
    base["@record"] = name or accession or "(unnamed sample)"
    if package:
        base["@package"] = package
    if accession:
        base["@accession"] = accession
    return base
