"""Sample-sheet templates generated from a form: XLSX (instructions, markers, comments, drop-downs) and TSV.

Both name their form and version inside the file, so an uploaded sheet is validated against the version the
depositor downloaded. Data columns are formatted as Text so Excel does not turn values into dates or numbers.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import vocabularies
from .model import Field, Form

ROWS = 1000  # rows prepared with text format and drop-downs
_FILL = {"mandatory": "F4B6B6", "group": "F8CBAD", "recommended": "FFE699", "optional": "D9E1F2"}

INSTRUCTIONS_EN = [
    "1. Fill one row per sample on the 'samples' sheet; do not change or reorder the header row.",
    "2. Columns marked * are mandatory. Columns in orange belong to an 'at least one of' group.",
    "3. Yellow columns are recommended; they raise the completeness (FAIR) score.",
    "4. Where a value cannot be given, use an INSDC missing-value term: not collected, not applicable, "
    "not provided, restricted access, missing: control sample ...",
    "5. Dates: ISO 8601 (2023-05-17, 2023-05, 2023). Latitude/longitude: '37.5665 N 126.9780 E'. "
    "Country: 'South Korea: Seoul'.",
    "6. Pick controlled values from the drop-down lists; hover over a header to read its help.",
    "7. Check the sheet before submitting: biostation samples validate FILE --json",
]
INSTRUCTIONS_KO = [
    "1. 'samples' 시트에 시료 하나당 한 행을 입력하세요. 머리글 행은 바꾸거나 순서를 바꾸지 마세요.",
    "2. * 표시 열은 필수입니다. 주황색 열은 '적어도 하나' 그룹에 속합니다.",
    "3. 노란색 열은 권장 항목이며 완전성(FAIR) 점수를 높입니다.",
    "4. 값을 줄 수 없으면 INSDC 결측값 용어를 쓰세요: not collected, not applicable, not provided, "
    "restricted access, missing: control sample ...",
    "5. 날짜는 ISO 8601(2023-05-17, 2023-05, 2023), 위도·경도는 '37.5665 N 126.9780 E', "
    "국가는 'South Korea: Seoul' 형식입니다.",
    "6. 통제 어휘는 드롭다운 목록에서 고르세요. 머리글에 마우스를 올리면 도움말이 보입니다.",
    "7. 제출 전에 검사하세요: biostation samples validate FILE --json",
]


def header_name(f: Field) -> str:
    return f"*{f.id}" if f.requirement == "mandatory" else f.id


def _level(f: Field) -> str:
    return "group" if f.group and f.requirement != "mandatory" else f.requirement


def _describe(f: Field) -> str:
    bits = [f"{f.label_en} / {f.label_ko}", f"[{f.requirement}{' - group ' + f.group if f.group else ''}]", "",
            f.help_en, f.help_ko]
    if f.unit:
        bits.append(f"Unit/단위: {vocabularies.unit_symbol(f.unit)}")
    if f.vocabulary:
        bits.append(f"Vocabulary/어휘: {vocabularies.get(f.vocabulary).title_en}")
    if f.example:
        bits.append(f"Example/예시: {f.example}")
    return "\n".join(bits)


def write_template(form: Form, path: str | Path, fmt: str = "xlsx") -> Path:
    """Write the sample-sheet template of a form; fmt is 'xlsx' or 'tsv'."""
    path = Path(path)
    if fmt == "tsv":
        return _write_tsv(form, path)
    if fmt == "xlsx":
        return _write_xlsx(form, path)
    raise ValueError(f"unknown template format {fmt!r}; use 'xlsx' or 'tsv'")


def _write_tsv(form: Form, path: Path) -> Path:
    fields = form.sample.fields
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# Bio Data Station sample sheet - form={form.id}@{form.version}\n")
        fh.write(f"# {form.title_en} / {form.title_ko}\n")
        if form.package:
            fh.write(f"# INSDC BioSample package: {form.package}\n")
        for en, ko in zip(INSTRUCTIONS_EN, INSTRUCTIONS_KO):
            fh.write(f"# {en}\n# {ko}\n")
        for g in form.sample.groups:
            fh.write(f"# At least one of / 적어도 하나: {', '.join(g.fields)} ({g.requirement})\n")
        fh.write("\t".join(header_name(f) for f in fields) + "\n")
    return path


def _write_xlsx(form: Form, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    info = wb.active
    info.title = "Instructions"
    wb.properties.title = f"{form.title_en} sample sheet"
    wb.properties.keywords = f"form={form.id}@{form.version}"
    wb.properties.creator = "Bio Data Station"
    bold = Font(bold=True)
    info.append([f"{form.title_en} / {form.title_ko}"])
    info["A1"].font = Font(bold=True, size=14)
    info.append([f"Form / 양식: {form.id}  version / 버전: {form.version}"])
    if form.package:
        info.append([f"INSDC BioSample package / 패키지: {form.package}"])
    info.append([f"Standards / 표준: {', '.join(form.standards)}"])
    info.append([])
    info.append(["How to fill in (English)"])
    info.cell(info.max_row, 1).font = bold
    for line in INSTRUCTIONS_EN:
        info.append([line])
    info.append([])
    info.append(["작성 방법 (한국어)"])
    info.cell(info.max_row, 1).font = bold
    for line in INSTRUCTIONS_KO:
        info.append([line])
    info.append([])
    for g in form.sample.groups:
        info.append([f"At least one of / 적어도 하나: {', '.join(g.fields)} — {g.label_en} / {g.label_ko}"])
    info.append([])
    head = ["field", "requirement", "label (en)", "항목명 (ko)", "type", "unit", "vocabulary", "help (en)", "도움말 (ko)",
            "example", "standard"]
    info.append(head)
    for c in range(1, len(head) + 1):
        info.cell(info.max_row, c).font = bold
    for f in form.sample.fields:
        info.append([f.id, f.requirement + (f" (group {f.group})" if f.group else ""), f.label_en, f.label_ko, f.type,
                     vocabularies.unit_symbol(f.unit) if f.unit else "", f.vocabulary or "", f.help_en, f.help_ko,
                     f.example or "", f.standard or ""])
    info.column_dimensions["A"].width = 28
    for col in "HI":
        info.column_dimensions[col].width = 60

    ws = wb.create_sheet("samples")
    lists = wb.create_sheet("lists")
    lists.sheet_state = "hidden"
    list_col = 0
    list_ranges: dict[str, str] = {}
    for i, f in enumerate(form.sample.fields, start=1):
        cell = ws.cell(1, i, header_name(f))
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor=_FILL[_level(f)])
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(_describe(f), "Bio Data Station", width=320, height=200)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(14, min(40, len(f.id) + 4))
        ws.column_dimensions[letter].number_format = "@"
        if f.vocabulary and f.type in ("term",) and f.vocabulary not in ("insdc_country",):
            choices = vocabularies.get(f.vocabulary).choices()
            inline = ",".join(choices)
            if len(inline) <= 250 and '"' not in inline and not any("," in c for c in choices):
                formula = f'"{inline}"'
            else:
                rng = list_ranges.get(f.vocabulary)
                if rng is None:
                    list_col += 1
                    lc = get_column_letter(list_col)
                    lists.cell(1, list_col, f.vocabulary)
                    for r, choice in enumerate(choices, start=2):
                        lists.cell(r, list_col, choice)
                    rng = f"lists!${lc}$2:${lc}${len(choices) + 1}"
                    list_ranges[f.vocabulary] = rng
                formula = f"={rng}"
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
            # a warning, not a stop: INSDC missing-value terms and open-list values must stay possible
            dv.errorStyle = "warning"
            dv.error = "Not in the list. Use a listed value or an INSDC missing-value term. / 목록에 없는 값입니다."
            dv.errorTitle = f.id
            dv.prompt = f"{f.label_en} / {f.label_ko}"
            dv.showErrorMessage = True
            dv.showInputMessage = True
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{ROWS + 1}")
    ws.freeze_panes = "A2"
    wb.move_sheet("samples", offset=-1)
    wb.active = 0
    wb.save(path)
    return path


def example_row(form: Form) -> dict[str, Any]:
    """A valid example record (shown to users in documentation and used by `forms show --example`)."""
    return {f.id: example_value(f) for f in form.sample.fields}


def example_value(f: Field) -> str:
    if f.example is not None:
        return f.example
    t = f.type
    if t in ("term", "taxon"):
        voc = vocabularies.get(f.vocabulary or "")
        if f.within:
            root = f.within[0]
            under = sorted(vocabularies.term_descendants(voc.id, root))
            tid = under[0] if under and t == "term" else root
            term = voc.terms[tid]
        else:
            term = next(t_ for t_ in voc.terms.values() if t_.id not in vocabularies._ROOTS)
        return term.label_en if t == "taxon" or voc.id in vocabularies._LABEL_CHOICE else term.id
    if t == "date":
        return "2023-05-17"
    if t == "lat_lon":
        return "37.5665 N 126.9780 E"
    if t == "country":
        return "South Korea: Seoul"
    if t == "quantity":
        low = f.min if f.min is not None and f.min > 0 else 1
        return f"{low:g} {vocabularies.unit_symbol(f.unit or '')}"
    if t in ("integer", "decimal"):
        return f"{(f.min if f.min is not None and f.min > 0 else 1):g}"
    return {"boolean": "true", "email": "curator@biostation.kr", "uri": "https://biostation.kr/",
            "doi": "10.1234/kbds.0001", "smiles": "CCO", "reaction_smiles": "CCO.CC(=O)O>>CCOC(C)=O",
            "rinchi": "RInChI=1.00.1S/C2H6O/c1-2-3/h3H,2H2,1H3<>C4H8O2/c1-3-6-4(2)5/h3H2,1-2H3/d+",
            "inchikey": "LFQSCWFLJHTTHZ-UHFFFAOYSA-N", "sequence": "MKTAYIAKQR"}.get(t, f"example {f.id}")
