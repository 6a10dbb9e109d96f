"""One-pass validation of sample records against a form: every error and warning, never only the first.

The checks on one value depend only on the field and the value, so their result is cached per field: a real
sheet repeats the same organism, country, platform and date thousands of times, and each distinct value is
checked once. Rules across records (duplicated names, samples that differ only by name, values dragged down
in Excel) keep O(columns) state plus one hash per record, so a sheet streams through.
"""
from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from functools import lru_cache
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable, Iterator

from .. import clock
from ..errors import FieldError, ValidationFailed
from . import vocabularies
from .model import Field, Form, Section

ERROR, WARNING = "error", "warning"


@dataclass(slots=True)
class Issue:
    code: str
    level: str
    record: Any
    field: str
    value: Any
    message_en: str
    message_ko: str
    hint: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level, "record": self.record, "field": self.field,
                "value": self.value, "message_ko": self.message_ko, "message_en": self.message_en, "hint": self.hint}

    def to_field_error(self) -> FieldError:
        where = self.field if self.record in (None, "") else f"record[{self.record}].{self.field}"
        return FieldError(self.code, where, self.message_en, self.message_ko, self.hint, self.value)


@dataclass
class Report:
    form_id: str
    form_version: str
    source: str
    records: int = 0
    errors: list[Issue] = dc_field(default_factory=list)
    warnings: list[Issue] = dc_field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def issues(self) -> list[Issue]:
        return self.errors + self.warnings

    def as_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "records": self.records, "errors": [i.as_dict() for i in self.errors],
                "warnings": [i.as_dict() for i in self.warnings]}

    def raise_for_errors(self) -> None:
        """For services: turn the report into the station's ValidationFailed (RFC 9457 problem details)."""
        if self.errors:
            raise ValidationFailed([i.to_field_error() for i in self.errors],
                                   f"{len(self.errors)} problem(s) in {self.source}.",
                                   f"{self.source}에 문제가 {len(self.errors)}건 있습니다.")


# A cached template of one finding on one value: (code, level, message_en, message_ko, hint).
T = tuple[str, str, str, str, str]
RecordSink = Callable[[Any, dict, dict, dict, "list[tuple[str, str]] | None", "list[Issue]", "list[Issue]"], None]

MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                           "dec"))}
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$")
_LEGACY = re.compile(r"^(?:(\d{2})-)?([A-Za-z]{3})-(\d{4})$")
_DOTTED = re.compile(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})$")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})$")
_EXCEL_DATE_TEXT = re.compile(r"^(\d{1,2}-(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(-\d{2,4})?|"
                              r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-\d{2})$", re.I)
_SCI = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")
_LATLON = re.compile(r"^(\d{1,3}(?:\.\d+)?) ([NS]) (\d{1,3}(?:\.\d+)?) ([EW])$")
_SIGNED = re.compile(r"^([-+]?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*([-+]?\d{1,3}(?:\.\d+)?)$")
_DMS = re.compile(r"(\d{1,3})\s*°\s*(\d{1,2})\s*['′]\s*(\d{1,2}(?:\.\d+)?)?\s*(?:\"|″|'')?\s*([NSEW])")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_QUANTITY = re.compile(r"^([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*(.*)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_URI = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_SMILES = re.compile(r"^[A-Za-z0-9@+\-\[\]()=#$%:/\\.*~&]+$")
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{8}[SN][A-Z]-[A-Z]$")
_SEQUENCE = re.compile(r"^[A-Za-z*\-]+$")
_TRAILING_INT = re.compile(r"^(.*?)(\d+)$")
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_NONSTANDARD_MISSING = {"na", "n/a", "n.a.", "nan", "null", "none", "unknown", "-", "--", "?", ".", "nd", "n.d.",
                        "not available", "missing value", "#n/a", "없음", "모름", "미상"}
# Look-alike letters that survive NFKC (Cyrillic, Greek): ours, a short map of the ones seen in real sheets.
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "һ": "h", "ӏ": "l", "ո": "n", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "Х": "X", "ο": "o", "α": "a", "ν": "v", "ρ": "p", "τ": "t", "ι": "i", "κ": "k",
    "Ο": "O", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ρ": "P",
    "Τ": "T", "Χ": "X", "Υ": "Y", "\u00a0": " ", "\u2013": "-", "\u2212": "-"})
COUNTRY_ALIASES = {
    "korea, republic of": "South Korea", "republic of korea": "South Korea", "rok": "South Korea", "대한민국": "South Korea",
    "한국": "South Korea", "s. korea": "South Korea", "korea (south)": "South Korea",
    "korea, democratic people's republic of": "North Korea", "dprk": "North Korea", "북한": "North Korea",
    "united states": "USA", "united states of america": "USA", "us": "USA", "u.s.a.": "USA", "미국": "USA",
    "uk": "United Kingdom", "great britain": "United Kingdom", "england": "United Kingdom", "scotland": "United Kingdom",
    "russian federation": "Russia", "vietnam": "Viet Nam", "czech republic": "Czechia", "turkiye": "Turkey",
    "türkiye": "Turkey", "ivory coast": "Cote d'Ivoire", "people's republic of china": "China", "중국": "China",
    "일본": "Japan", "the netherlands": "Netherlands", "holland": "Netherlands", "iran, islamic republic of": "Iran",
}


_MISSING = vocabularies.missing_terms
_pattern = lru_cache(maxsize=1024)(re.compile)


def _t(code: str, level: str, en: str, ko: str, hint: str) -> T:
    return (code, level, en, ko, hint)


def _fmt(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------- value checks (cacheable)

def _check_date(f: Field, v: str) -> list[T]:
    out: list[T] = []
    parts = v.split("/") if (f.allow_range and "/" in v and not _DOTTED.match(v) and not _SLASHED.match(v)) else [v]
    if len(parts) > 2:
        return [_t("date_format", ERROR, f"'{v}' is not a date or a range of two dates.",
                   f"'{v}'은(는) 날짜나 두 날짜의 기간이 아닙니다.", "Write 2023-05-17 or a range 2023-05-01/2023-05-31.")]
    bounds = []
    for p in parts:
        got = _parse_date(p)
        if isinstance(got, tuple) and len(got) == 5:
            return [got]
        start, end, legacy = got  # type: ignore[misc]
        if legacy:
            out.append(_t("date_legacy_format", WARNING, f"'{p}' is an old INSDC date format.",
                          f"'{p}'은(는) 예전 INSDC 날짜 형식입니다.", f"Prefer ISO 8601: {start.isoformat()[:10]}."))
        bounds.append((start, end))
    if len(bounds) == 2 and bounds[0][0] > bounds[1][1]:
        out.append(_t("date_range_reversed", ERROR, f"The range '{v}' ends before it starts.",
                      f"기간 '{v}'의 끝이 시작보다 앞섭니다.", "Put the earlier date first: start/end."))
    if not f.allow_future:
        today = clock.now().date()
        if bounds and bounds[0][0] > today:
            out.append(_t("date_in_future", ERROR, f"'{v}' is in the future.", f"'{v}'은(는) 미래 날짜입니다.",
                          "Check the year and the day/month order; sampling dates cannot be in the future."))
    return out


def _parse_date(p: str) -> tuple[date, date, bool] | T:
    m = _ISO.match(p)
    if m:
        y, mo, d, hh, mi, ss, _tz = m.groups()
        try:
            start = date(int(y), int(mo or 1), int(d or 1))
            if mo and d:
                end = start
            elif mo:
                end = (date(int(y) + (int(mo) == 12), int(mo) % 12 + 1, 1) - timedelta(days=1))
            else:
                end = date(int(y), 12, 31)
            if hh is not None and (int(hh) > 23 or int(mi or 0) > 59 or int(ss or 0) > 59):
                raise ValueError("time")
        except ValueError:
            return _t("date_invalid", ERROR, f"'{p}' is not a real calendar date or time.",
                      f"'{p}'은(는) 존재하지 않는 날짜·시각입니다.", "Check the month (01-12), the day and the time.")
        return start, end, False
    m = _LEGACY.match(p)
    if m and m.group(2).lower() in MONTHS:
        d, mon, y = m.groups()
        try:
            start = date(int(y), MONTHS[mon.lower()], int(d or 1))
        except ValueError:
            return _t("date_invalid", ERROR, f"'{p}' is not a real calendar date.", f"'{p}'은(는) 존재하지 않는 날짜입니다.",
                      "Check the day of the month.")
        return start, start, True
    m = _DOTTED.match(p)
    if m:
        y, mo, d = m.groups()
        return _t("date_format", ERROR, f"'{p}' uses dots or slashes; INSDC needs ISO 8601.",
                  f"'{p}'은(는) 점·빗금 형식입니다. INSDC는 ISO 8601 형식이 필요합니다.",
                  f"Write {int(y):04d}-{int(mo):02d}-{int(d):02d}.")
    m = _SLASHED.match(p)
    if m:
        return _t("date_format", ERROR, f"'{p}' looks like a date reformatted by Excel (month/day order is ambiguous).",
                  f"'{p}'은(는) 엑셀이 바꾼 날짜로 보입니다(월·일 순서가 모호합니다).",
                  "Write YYYY-MM-DD (e.g. 2023-05-17) and format the column as Text before typing.")
    if p.isdigit() and 20000 <= int(p) <= 80000:
        real = date(1899, 12, 30) + timedelta(days=int(p))
        return _t("excel_date_serial", ERROR, f"'{p}' is an Excel date serial number, not a date.",
                  f"'{p}'은(는) 날짜가 아니라 엑셀 날짜 일련번호입니다.",
                  f"It is probably {real.isoformat()}; write it as text in YYYY-MM-DD.")
    return _t("date_format", ERROR, f"'{p}' is not an INSDC date.", f"'{p}'은(는) INSDC 날짜 형식이 아닙니다.",
              "Use ISO 8601: 2023, 2023-05, 2023-05-17 or 2023-05-17T10:30Z.")


def _check_lat_lon(v: str) -> list[T]:
    m = _LATLON.match(v)
    if m:
        lat, ns, lon, ew = m.groups()
        la, lo = float(lat), float(lon)
        if la > 90 or lo > 180:
            hint = (f"Latitude and longitude look swapped: '{lon} {ns} {lat} {ew}'?" if lo <= 90 and la <= 180
                    else "Latitude is 0-90, longitude 0-180.")
            return [_t("lat_lon_range", ERROR, f"'{v}' is outside the globe (latitude <= 90, longitude <= 180).",
                       f"'{v}'은(는) 범위를 벗어났습니다(위도 90 이하, 경도 180 이하).", hint)]
        return []
    m = _SIGNED.match(v)
    if m:
        la, lo = float(m.group(1)), float(m.group(2))
        if abs(la) <= 90 and abs(lo) <= 180:
            a, b = m.group(1).lstrip("+-"), m.group(2).lstrip("+-")
            hint = f"Write '{a} {'S' if la < 0 else 'N'} {b} {'W' if lo < 0 else 'E'}'."
        else:
            hint = "Write decimal degrees with hemispheres, e.g. '37.5665 N 126.9780 E'."
        return [_t("lat_lon_format", ERROR, f"'{v}' is signed decimal degrees; INSDC wants 'd.dddd N|S d.dddd E|W'.",
                   f"'{v}'은(는) 부호 있는 십진 도입니다. INSDC 형식은 'd.dddd N|S d.dddd E|W'입니다.", hint)]
    parts = _DMS.findall(v)
    if len(parts) == 2:
        vals = []
        for d, mnt, s, hemi in parts:
            vals.append((int(d) + int(mnt) / 60 + float(s or 0) / 3600, hemi))
        hint = f"Write '{vals[0][0]:.4f} {vals[0][1]} {vals[1][0]:.4f} {vals[1][1]}'."
        return [_t("lat_lon_format", ERROR, f"'{v}' is in degrees-minutes-seconds; INSDC wants decimal degrees.",
                   f"'{v}'은(는) 도·분·초 형식입니다. INSDC는 십진 도 형식이 필요합니다.", hint)]
    return [_t("lat_lon_format", ERROR, f"'{v}' is not a latitude/longitude pair.", f"'{v}'은(는) 위도·경도 형식이 아닙니다.",
               "Write decimal degrees with hemispheres: '37.5665 N 126.9780 E'.")]


def _check_country(v: str) -> list[T]:
    countries = vocabularies.get("insdc_country").terms
    name, sep, region = v.partition(":")
    name = name.strip()
    term = countries.get(name)
    if term is None:
        head = v.split(",")[0].strip()
        if not sep and head in countries and head != v:
            return [_t("country_format", ERROR, f"'{v}' separates the country with a comma.",
                       f"'{v}'은(는) 국가 뒤에 쉼표를 썼습니다.", f"Write '{head}:{v[len(head) + 1:]}' (country, colon, region).")]
        fold = name.casefold()
        fix = COUNTRY_ALIASES.get(fold) or next((c for c in countries if c.casefold() == fold), None)
        rest = f": {region.strip()}" if region.strip() else ""
        hint = (f"Write '{fix}{rest}' (INSDC country list)." if fix
                else "Use a country or sea from the INSDC list, then ': region', e.g. 'South Korea: Seoul'.")
        close = [] if fix else difflib.get_close_matches(name, list(countries), n=1, cutoff=0.8)
        if close:
            hint = f"Did you mean '{close[0]}{rest}'?"
        return [_t("country_unknown", ERROR, f"'{name}' is not on the INSDC country list.",
                   f"'{name}'은(는) INSDC 국가 목록에 없습니다.", hint)]
    out: list[T] = []
    if term.get("status") == "historical":
        repl = term.get("replaced_by")
        out.append(_t("country_historical", WARNING, f"'{name}' is a historical INSDC country name.",
                      f"'{name}'은(는) INSDC의 옛 국가 이름입니다.",
                      f"Use '{repl}' for samples collected today." if repl else "Use the present-day country name."))
    if sep and region and not region.startswith(" "):
        out.append(_t("country_format", WARNING, f"'{v}' has no space after the colon.", f"'{v}'의 콜론 뒤에 공백이 없습니다.",
                      f"Write '{name}: {region.strip()}'."))
    return out


def _number(v: str) -> float | None:
    if not _NUMBER.match(v):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def _range(f: Field, x: float, v: str) -> list[T]:
    if f.min is not None and x < f.min:
        return [_t("value_too_small", ERROR, f"{v} is below the minimum {_fmt(f.min)}.", f"{v}은(는) 최솟값 {_fmt(f.min)}보다 작습니다.",
                   f"Give a value of at least {_fmt(f.min)}.")]
    if f.max is not None and x > f.max:
        return [_t("value_too_large", ERROR, f"{v} is above the maximum {_fmt(f.max)}.", f"{v}은(는) 최댓값 {_fmt(f.max)}보다 큽니다.",
                   f"Give a value of at most {_fmt(f.max)}.")]
    return []


def _not_number(v: str) -> T:
    if re.match(r"^[-+]?\d+,\d+$", v):
        return _t("number_format", ERROR, f"'{v}' uses a decimal comma.", f"'{v}'에 소수점 대신 쉼표를 썼습니다.",
                  f"Write {v.replace(',', '.')}.")
    return _t("number_format", ERROR, f"'{v}' is not a number.", f"'{v}'은(는) 숫자가 아닙니다.", "Write digits only, e.g. 12.5.")


def _check_quantity(f: Field, v: str) -> list[T]:
    m = _QUANTITY.match(v)
    if not m:
        return [_t("quantity_format", ERROR, f"'{v}' is not a number with a unit.", f"'{v}'은(는) 숫자와 단위 형식이 아닙니다.",
                   f"Write a number and a unit, e.g. '10 {vocabularies.unit_symbol(f.unit or '')}'.")]
    num, unit = m.group(1), m.group(2).strip()
    out = _range(f, float(num), num)
    allowed = set(f.units) | ({f.unit} if f.unit else set())
    if not unit:
        out.append(_t("unit_missing", WARNING, f"'{v}' has no unit; {vocabularies.unit_symbol(f.unit or '')} is assumed.",
                      f"'{v}'에 단위가 없어 {vocabularies.unit_symbol(f.unit or '')}(으)로 간주합니다.",
                      f"Write the unit, e.g. '{num} {vocabularies.unit_symbol(f.unit or '')}'."))
        return out
    uo = vocabularies.unit_symbols().get(unit) or vocabularies.unit_symbols().get(unit.rstrip("s"))
    if uo is None or uo not in allowed:
        names = ", ".join(vocabularies.unit_symbol(u) for u in sorted(allowed))
        out.append(_t("unit_not_allowed", ERROR, f"Unit '{unit}' is not allowed here.", f"'{unit}' 단위는 이 항목에 쓸 수 없습니다.",
                      f"Use one of: {names}."))
    return out


def _check_smiles(v: str) -> list[T]:
    ok = bool(_SMILES.match(v)) and v.count("(") == v.count(")") and v.count("[") == v.count("]")
    if ok:
        depth = 0
        for ch in v:
            depth += (ch == "(") - (ch == ")")
            if depth < 0:
                ok = False
                break
    return [] if ok else [_t("smiles_invalid", ERROR, f"'{v}' is not a well-formed SMILES string.",
                             f"'{v}'은(는) 올바른 SMILES 문자열이 아닙니다.",
                             "Check brackets and parentheses; export SMILES from your drawing tool.")]


def _check_reaction_smiles(v: str) -> list[T]:
    parts = v.split(">")
    bad = _t("reaction_smiles_invalid", ERROR, f"'{v}' is not reactants>agents>products.",
             f"'{v}'은(는) 반응물>시약>생성물 형식이 아닙니다.", "Write e.g. CCO.CC(=O)O>>CCOC(C)=O (two '>' signs).")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        return [bad]
    for p in parts:
        for mol in filter(None, p.split(".")):
            if _check_smiles(mol):
                return [_t("reaction_smiles_invalid", ERROR, f"'{mol}' in the reaction is not a well-formed SMILES.",
                           f"반응의 '{mol}'은(는) 올바른 SMILES가 아닙니다.", "Check brackets and parentheses.")]
    return []


def _resolve_term(f: Field, v: str) -> tuple[str, list[T]]:
    voc = vocabularies.get(f.vocabulary or "")
    term = voc.resolve(v)
    if term is None:
        if f.type == "taxon":
            return v, [_t("taxon_not_in_subset", WARNING, f"'{v}' is not in the station's NCBI Taxonomy subset.",
                          f"'{v}'은(는) 스테이션의 NCBI Taxonomy 목록에 없습니다.",
                          "Check the spelling against NCBI Taxonomy; it will be checked there on submission.")]
        close = difflib.get_close_matches(v, voc.choices(), n=1, cutoff=0.75)
        hint = f"Did you mean '{close[0]}'?" if close else f"Use a value from the list '{voc.title_en}'."
        level = ERROR if voc.closed else WARNING
        return v, [_t("term_unknown" if voc.closed else "term_not_in_list", level,
                      f"'{v}' is not a term of {voc.title_en}.", f"'{v}'은(는) '{voc.title_ko}' 목록에 없습니다.", hint)]
    out: list[T] = []
    if f.within and not vocabularies.is_within(voc.id, term.id, f.within):
        names = ", ".join(voc.terms[w].label_en for w in f.within if w in voc.terms)
        out.append(_t("term_out_of_scope", ERROR, f"'{v}' is not allowed in this form (must be under: {names}).",
                      f"'{v}'은(는) 이 양식에 쓸 수 없습니다(허용 범위: {names}).",
                      "Check the organism, or choose the form (package) that matches your samples."))
    if f.type == "taxon":
        if v != term.label_en and not v.isdigit():
            out.append(_t("taxon_name", WARNING, f"'{v}' is not the scientific name; INSDC expects '{term.label_en}'.",
                          f"'{v}'은(는) 학명이 아닙니다. INSDC는 '{term.label_en}'을(를) 요구합니다.",
                          f"Write '{term.label_en}' (NCBI taxid {term.id})."))
    elif v not in (term.id, term.label_en, term.label_ko) and v not in term.synonyms:
        out.append(_t("term_case", WARNING, f"'{v}' matches '{term.id if term.id != term.label_en else term.label_en}' "
                      "only when case is ignored.", f"'{v}'은(는) 대소문자를 무시해야 용어와 일치합니다.",
                      f"Write '{term.label_en if f.type == 'taxon' else term.id}'."))
    return term.id, out


def check_value(f: Field, raw: str) -> list[Issue]:
    """Findings on one value of a field, outside any record (used for examples and single-field forms)."""
    _norm, _missing, temps = _check(f, raw)
    return [Issue(c, lvl, None, f.id, raw, en, ko, h) for c, lvl, en, ko, h in temps]


def _check(f: Field, raw: str) -> tuple[str | None, bool, tuple[T, ...]]:
    """(normalised value or None when blank, is an INSDC missing-value term, findings)."""
    out: list[T] = []
    v = raw.strip()
    if not v:
        return None, False, ()
    if v != raw:
        out.append(_t("stray_whitespace", WARNING, "The value has leading or trailing spaces.",
                      "값 앞뒤에 공백이 있습니다.", "Remove the spaces; they are stripped here but break exact matching."))
    if not v.isascii():
        bad = [c for c in v if c in _INVISIBLE]
        if bad:
            out.append(_t("invisible_character", WARNING, f"The value contains invisible characters ({', '.join(f'U+{ord(c):04X}' for c in bad)}).",
                          "값에 보이지 않는 문자가 있습니다.", "Retype the value or paste it as plain text."))
            v = "".join(c for c in v if c not in _INVISIBLE)
        if "\u00a0" in v:
            v = v.replace("\u00a0", " ")
    if "  " in v:
        out.append(_t("stray_whitespace", WARNING, "The value contains repeated spaces.", "값에 공백이 여러 번 연속됩니다.",
                      "Use single spaces between words."))
        v = re.sub(r" {2,}", " ", v)
    fold = v.lower() if v.isascii() else v.casefold()
    canonical_missing = _MISSING().get(fold)
    if canonical_missing is not None:
        if not f.missing_values:
            out.append(_t("missing_value_not_allowed", ERROR, f"'{v}' is a missing-value term, but this field needs a real value.",
                          f"'{v}'은(는) 결측값 용어이지만 이 항목에는 실제 값이 필요합니다.", "Give the actual value."))
        elif v != canonical_missing:
            out.append(_t("missing_value_case", WARNING, f"Write the INSDC missing-value term as '{canonical_missing}'.",
                          f"INSDC 결측값 용어는 '{canonical_missing}'(으)로 써야 합니다.", f"Write '{canonical_missing}'."))
        return canonical_missing, True, tuple(out)
    if fold in _NONSTANDARD_MISSING and f.type not in ("text",):
        level = ERROR if f.requirement == "mandatory" or f.type not in ("string",) else WARNING
        out.append(_t("missing_value_nonstandard", level, f"'{v}' is not an INSDC missing-value term.",
                      f"'{v}'은(는) INSDC 결측값 용어가 아닙니다.",
                      "Use one of: not collected, not applicable, not provided, restricted access, missing: control sample."
                      if f.missing_values else "This field needs a real value."))
        return v, True, tuple(out)
    if len(v) <= 11 and "-" in v and f.type not in ("date", "text") and _EXCEL_DATE_TEXT.match(v):
        out.append(_t("excel_number_as_date", ERROR, f"'{v}' looks like a value Excel turned into a date.",
                      f"'{v}'은(는) 엑셀이 날짜로 바꾼 값으로 보입니다.",
                      "Format the column as Text in Excel, then retype the original value."))
        return v, False, tuple(out)
    if f.type == "string" and "+" in v and _SCI.match(v):
        out.append(_t("excel_scientific_notation", WARNING, f"'{v}' looks like a number Excel wrote in scientific notation.",
                      f"'{v}'은(는) 엑셀이 지수 표기로 바꾼 숫자로 보입니다.",
                      "Format the column as Text and retype the full identifier."))
    values = [p.strip() for p in v.split(";") if p.strip()] if f.multiple else [v]
    norms = []
    for item in values:
        norm, temps = _check_typed(f, item)
        norms.append(norm)
        out.extend(temps)
    if f.max_length is not None and len(v) > f.max_length:
        out.append(_t("value_too_long", ERROR, f"The value has {len(v)} characters; at most {f.max_length} are allowed.",
                      f"값이 {len(v)}자입니다. 최대 {f.max_length}자까지 쓸 수 있습니다.", "Shorten the value."))
    return "; ".join(norms), False, tuple(out)


def _check_typed(f: Field, v: str) -> tuple[str, list[T]]:
    t = f.type
    out: list[T] = []
    if t in ("term", "taxon"):
        return _resolve_term(f, v)
    if t == "date":
        out = _check_date(f, v)
    elif t == "lat_lon":
        out = _check_lat_lon(v)
    elif t == "country":
        out = _check_country(v)
    elif t == "integer":
        if re.match(r"^[-+]?\d+$", v):
            out = _range(f, int(v), v)
        elif re.match(r"^[-+]?\d+\.0+$", v):
            out = _range(f, float(v), v)
        else:
            out = [_t("integer_format", ERROR, f"'{v}' is not a whole number.", f"'{v}'은(는) 정수가 아닙니다.",
                      "Write digits only, without decimals or units.")]
    elif t == "decimal":
        x = _number(v)
        out = [_not_number(v)] if x is None else _range(f, x, v)
    elif t == "quantity":
        out = _check_quantity(f, v)
    elif t == "boolean":
        if v.lower() not in ("true", "false", "yes", "no", "1", "0"):
            out = [_t("boolean_format", ERROR, f"'{v}' is not true or false.", f"'{v}'은(는) 참/거짓 값이 아닙니다.",
                      "Write true or false.")]
    elif t == "email":
        if not _EMAIL.match(v):
            out = [_t("email_format", ERROR, f"'{v}' is not an e-mail address.", f"'{v}'은(는) 이메일 주소가 아닙니다.",
                      "Write name@institution.ac.kr.")]
    elif t == "uri":
        if not _URI.match(v):
            out = [_t("uri_format", ERROR, f"'{v}' is not a web address.", f"'{v}'은(는) 웹 주소가 아닙니다.",
                      "Write a full address starting with https://.")]
    elif t == "doi":
        bare = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", v, flags=re.I)
        if not _DOI.match(bare):
            out = [_t("doi_format", ERROR, f"'{v}' is not a DOI.", f"'{v}'은(는) DOI가 아닙니다.", "Write 10.xxxx/suffix.")]
        elif bare != v:
            out = [_t("doi_prefix", WARNING, f"Write the DOI without its prefix.", "DOI 앞의 주소를 빼고 쓰세요.", f"Write {bare}.")]
            v = bare
    elif t == "smiles":
        out = _check_smiles(v)
    elif t == "reaction_smiles":
        out = _check_reaction_smiles(v)
    elif t == "rinchi":
        if not v.startswith("RInChI=1.00.1S/"):
            out = [_t("rinchi_format", ERROR, f"'{v[:40]}' is not a standard RInChI.", f"'{v[:40]}'은(는) 표준 RInChI가 아닙니다.",
                      "A RInChI starts with 'RInChI=1.00.1S/'; generate it with the IUPAC RInChI tool.")]
    elif t == "inchikey":
        if not _INCHIKEY.match(v):
            out = [_t("inchikey_format", ERROR, f"'{v}' is not an InChIKey.", f"'{v}'은(는) InChIKey가 아닙니다.",
                      "An InChIKey has 14+10+1 upper-case letters joined by '-', e.g. HEFNNWSXXWATRW-UHFFFAOYSA-N.")]
    elif t == "sequence":
        if not _SEQUENCE.match(v.replace(" ", "")):
            out = [_t("sequence_format", ERROR, "The sequence has characters other than one-letter codes.",
                      "서열에 한 글자 코드 외의 문자가 있습니다.", "Use IUPAC one-letter codes only.")]
    if f.pattern is not None and not out and not _pattern(f.pattern).search(v):
        ex = f" e.g. '{f.example}'" if f.example else ""
        out = [_t("pattern_mismatch", ERROR, f"'{v}' does not have the expected form.",
                  f"'{v}'은(는) 요구되는 형식이 아닙니다.", f"Expected pattern {f.pattern}{ex}.")]
    return v, out


# ---------------------------------------------------------------- headers

def normalise_header(raw: str) -> str:
    return raw.strip().lstrip("*").strip().lower().replace(" ", "_").replace("-", "_")


def _lookalike(raw: str) -> tuple[str, list[str]]:
    """The header a person meant to type, and the suspicious characters found in it."""
    found = []
    for i, c in enumerate(raw):
        if c in _INVISIBLE or c == "\u00a0" or (not c.isascii() and (unicodedata.normalize("NFKC", c) != c
                                                                        or c.translate(_CONFUSABLES) != c)):
            try:
                name = unicodedata.name(c)
            except ValueError:
                name = "UNNAMED"
            found.append(f"U+{ord(c):04X} {name} at position {i + 1}")
    clean = "".join(ch for ch in raw if ch not in _INVISIBLE)
    clean = unicodedata.normalize("NFKC", clean).translate(_CONFUSABLES)
    return clean, found


class _Column:
    __slots__ = ("key", "field", "fid", "cache", "extra", "misses", "autoinc")

    def __init__(self, key: str, f: Field | None, fid: str, extra: bool = False):
        self.key, self.field, self.fid, self.cache, self.extra = key, f, fid, {}, extra
        self.misses = 0
        self.autoinc = False

    def check(self, raw: str) -> tuple:
        """Check a value the cache has not seen; columns of unique values (names, checksums) stop caching."""
        f = self.field
        plain = _PLAIN.get(f)
        if plain is None:
            plain = _PLAIN[f] = (f.type in ("string", "text") and not f.multiple and f.max_length is None,
                                 _pattern(f.pattern) if f.pattern else None)
        if (plain[0] and raw.isascii() and raw[0] > " " and raw[-1] > " " and "  " not in raw
                and (len(raw) > 11 or ("-" not in raw and "/" not in raw and "+" not in raw))
                and raw.lower() not in _SUSPECT and (plain[1] is None or plain[1].search(raw))
                and not (self.autoinc and raw[-1].isdigit())):
            # the common case of a unique free-text value (names, titles, files, checksums): nothing to report
            return (raw, True, False, (), None)
        norm, is_missing, temps = _check(f, raw)
        m = _TRAILING_INT.match(norm) if (self.autoinc and norm is not None and not is_missing) else None
        tail = (m.group(1), int(m.group(2))) if m else None
        res = (norm, not (is_missing or temps or tail), is_missing, temps, tail)
        cache = self.cache
        if cache is not None:
            self.misses += 1
            if self.misses == 4096 and len(cache) > 3500:
                self.cache = None  # almost every value new: caching only costs memory
            else:
                cache[raw] = res
        return res


_SKIP = _Column("@", None, "@")
_EMPTY: frozenset[str] = frozenset()
_EMPTY_D: dict[str, tuple[str, int]] = {}
_PLAIN: dict[Field, tuple[bool, Any]] = {}
_SUSPECT = _NONSTANDARD_MISSING | set(vocabularies.missing_terms())
_CACHE_LIMIT = 50_000
_AUTOINC_RUN = 5


class _Validator:
    def __init__(self, form: Form, section: str, source: str, max_issues: int | None):
        self.form, self.source = form, source
        self.section: Section = form.sections[section]
        self.report = Report(form.id, form.version, source)
        self.max_issues = max_issues
        self.names: dict[str, Field] = {}
        for f in self.section.fields:
            for key in (f.id, f.label_en, *f.aliases):
                self.names.setdefault(normalise_header(key), f)
        self.cols: dict[Any, _Column] = {}
        self.seen_fields: set[str] = set()
        self.mandatory = [f.id for f in self.section.fields if f.requirement == "mandatory"]
        self.mandatory_set = frozenset(self.mandatory)
        self.labels = {f.id: f for f in self.section.fields}
        self.groups = self.section.groups
        self.conditions = [(f.id, f.required_if[0], set(f.required_if[1])) for f in self.section.fields if f.required_if]
        self.unique = {f.id: {} for f in self.section.fields if f.unique}  # type: dict[str, dict[str, Any]]
        excl = set(form.identity_exclude)
        self.identity_fields = [f.id for f in self.section.fields if f.id not in excl]
        self.identity: dict[int, Any] = {}
        self.runs: dict[str, list[Any]] = {}
        self.autoinc_fields = {f.id for f in self.section.fields if not f.identifier and not f.unique}

    # -- issue collection
    def add(self, code: str, level: str, record: Any, fid: str, value: Any, en: str, ko: str, hint: str) -> None:
        target = self.report.errors if level == ERROR else self.report.warnings
        if self.max_issues is not None and len(self.report.errors) + len(self.report.warnings) >= self.max_issues:
            return
        target.append(Issue(code, level, record, fid, value, en, ko, hint))

    # -- headers
    def column(self, key: Any) -> _Column:
        if isinstance(key, str) and key.startswith("@"):
            self.cols[key] = _SKIP
            return _SKIP
        raw = "" if key is None else str(key)
        col = self._resolve(raw)
        self.cols[key] = col
        return col

    def _resolve(self, raw: str) -> _Column:
        if not raw.strip():
            self.add("unnamed_column", WARNING, "header", "", raw, "A column has no header; its values are ignored.",
                     "머리글이 없는 열이 있어 값을 무시합니다.", "Give the column a field name from the template or delete it.")
            return _Column(raw, None, "@unnamed", extra=True)
        if raw != raw.strip():
            self.add("header_whitespace", WARNING, "header", raw.strip(), raw, f"Header '{raw.strip()}' has stray spaces.",
                     f"머리글 '{raw.strip()}'에 불필요한 공백이 있습니다.", "Delete the spaces around the header.")
        f = self.names.get(normalise_header(raw))
        if f is None:
            clean, found = _lookalike(raw)
            f2 = self.names.get(normalise_header(clean))
            if found and f2 is not None:
                self.add("header_lookalike", ERROR, "header", f2.id, raw,
                         f"Header '{raw.strip()}' looks like '{f2.id}' but contains {'; '.join(found)}.",
                         f"머리글 '{raw.strip()}'은(는) '{f2.id}'처럼 보이지만 비ASCII 유사 문자가 있습니다({'; '.join(found)}).",
                         f"Retype the header in plain ASCII as '{f2.id}' (copying from a web page or word processor "
                         "brings in look-alike letters).")
                f = f2
        if f is None:
            close = difflib.get_close_matches(normalise_header(raw), list(self.labels), n=1, cutoff=0.8)
            hint = (f"Did you mean '{close[0]}'?" if close
                    else "Custom attributes are kept as they are; check the spelling if you meant a form field.")
            self.add("unknown_column", WARNING, "header", raw.strip(), raw,
                     f"Column '{raw.strip()}' is not a field of form {self.form.id}.",
                     f"'{raw.strip()}' 열은 {self.form.id} 양식의 항목이 아닙니다.", hint)
            return _Column(raw, None, "@extra:" + raw.strip(), extra=True)
        if f.id in self.seen_fields:
            self.add("duplicate_column", ERROR, "header", f.id, raw, f"Field '{f.id}' appears in more than one column.",
                     f"'{f.id}' 항목이 여러 열에 있습니다.", "Keep one column per field.")
        self.seen_fields.add(f.id)
        col = _Column(raw, f, f.id)
        col.autoinc = f.id in self.autoinc_fields
        return col

    absent_columns: frozenset[str] = frozenset()

    def header_summary(self) -> None:
        """Tabular files: a mandatory column missing from the header is one error, not one per row."""
        present = self.seen_fields
        absent = set()
        for f in self.section.fields:
            if f.id in present:
                continue
            if f.requirement == "mandatory":
                absent.add(f.id)
                self.add("mandatory_column_missing", ERROR, "header", f.id, None,
                         f"The sheet has no column for mandatory field '{f.id}' ({f.label_en}).",
                         f"필수 항목 '{f.id}'({f.label_ko}) 열이 시트에 없습니다.",
                         f"Add a column '{f.id}' (download the template with `biostation forms template {self.form.id}`).")
            elif f.requirement == "recommended":
                self.add("recommended_column_absent", WARNING, "header", f.id, None,
                         f"Recommended field '{f.id}' ({f.label_en}) is not in the sheet.",
                         f"권장 항목 '{f.id}'({f.label_ko})이(가) 시트에 없습니다.",
                         "Add the column when you can; it raises the completeness score.")
        self.absent_columns = frozenset(absent)

    # -- records
    def run(self, records: Iterable[dict[str, Any]], on_record: RecordSink | None = None) -> Report:
        n = 0
        cols = self.cols
        add = self.add
        autoinc = self.autoinc_fields
        errors, warnings = self.report.errors, self.report.warnings
        written: dict[str, str] | None = None
        for rec in records:
            n += 1
            rid = rec.get("@row") or rec.get("@record") or n
            present: dict[str, str] = {}
            if on_record is not None:
                written = {}
                e0, w0 = len(errors), len(warnings)
            tails: dict[str, tuple[str, int]] | None = None
            missing_terms: set[str] | None = None
            extras: list[tuple[str, str]] | None = None
            for key, raw in rec.items():
                col = cols.get(key)
                if col is None:
                    col = self.column(key)
                if col is _SKIP or raw is None or raw == "":
                    continue
                if type(raw) is not str:
                    raw = self._convert(col, raw, rid)
                    if raw is None:
                        continue
                if col.extra:
                    s = raw.strip()
                    if s:
                        if extras is None:
                            extras = []
                        extras.append((col.fid, s))
                    continue
                cache = col.cache
                res = cache.get(raw) if cache is not None else None
                if res is None:
                    res = col.check(raw)
                norm = res[0]
                if norm is None:
                    continue
                present[col.fid] = norm
                if written is not None:
                    written[col.fid] = raw
                if res[1]:
                    continue
                fid = col.fid
                if res[4] is not None:
                    if tails is None:
                        tails = {}
                    tails[fid] = res[4]
                if res[2]:
                    if missing_terms is None:
                        missing_terms = set()
                    missing_terms.add(fid)
                for code, level, en, ko, hint in res[3]:
                    add(code, level, rid, fid, raw, en, ko, hint)
            if not self._header_done:
                self._header_done = True
                if "@row" in rec:
                    self.header_summary()
            if "@extra" in rec:
                add("row_too_long", ERROR, rid, "", rec["@extra"], "The row has more cells than the header has columns.",
                    "행의 칸 수가 머리글 열 수보다 많습니다.", "Remove the stray cells or add their headers.")
            self._record_rules(rid, present, missing_terms, extras, tails)
            if on_record is not None:
                on_record(rid, rec, written, present, extras, errors[e0:], warnings[w0:])
        self._flush_runs()
        self.report.records = n
        if n == 0:
            add("no_records", ERROR, None, "", None, "The file has no sample records.", "파일에 시료 레코드가 없습니다.",
                "Fill at least one row under the header.")
        return self.report

    _header_done = False

    def _convert(self, col: _Column, raw: Any, rid: Any) -> str | None:
        """Typed cells from XLSX: numbers become text; a date where none belongs is an Excel artefact."""
        f = col.field
        if isinstance(raw, datetime) or isinstance(raw, date):
            d = raw if isinstance(raw, datetime) else datetime(raw.year, raw.month, raw.day)
            text = d.date().isoformat() if (d.hour, d.minute, d.second) == (0, 0, 0) else d.isoformat(timespec="minutes")
            if f is not None and f.type != "date":
                self.add("excel_number_as_date", ERROR, rid, col.fid, text,
                         f"Excel stored this cell as a date ({text}), but the field is not a date.",
                         f"엑셀이 이 칸을 날짜({text})로 저장했지만 날짜 항목이 아닙니다.",
                         "Format the column as Text in Excel, then retype the original value (e.g. 1-5 or SEPT2).")
                return None
            return text
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if isinstance(raw, float):
            if raw.is_integer() and abs(raw) < 1e15:
                return str(int(raw))
            return repr(raw)
        return str(raw)

    def _record_rules(self, rid: Any, present: dict[str, str], missing_terms: set[str] | None,
                      extras: list[tuple[str, str]] | None, tails: dict[str, tuple[str, int]] | None) -> None:
        add = self.add
        missing_terms = missing_terms or _EMPTY
        tails = tails or _EMPTY_D
        for fid in (() if present.keys() >= self.mandatory_set else self.mandatory):
            if fid not in present and fid not in self.absent_columns:
                f = self.labels[fid]
                add("mandatory_missing", ERROR, rid, fid, None, f"Mandatory field '{fid}' ({f.label_en}) is empty.",
                    f"필수 항목 '{fid}'({f.label_ko})이(가) 비어 있습니다.",
                    "Give a value" + (" or an INSDC missing-value term such as 'not collected'." if f.missing_values else "."))
        for g in self.groups:
            if not any(fid in present for fid in g.fields):
                level = ERROR if g.requirement == "mandatory" else WARNING
                add("group_missing", level, rid, ",".join(g.fields), None,
                    f"At least one of {', '.join(g.fields)} ({g.label_en}) must be given.",
                    f"{', '.join(g.fields)}({g.label_ko}) 중 적어도 하나는 입력해야 합니다.",
                    f"Fill one of the columns {', '.join(g.fields)}.")
        for fid, cond, values in self.conditions:
            if fid not in present and present.get(cond) in values:
                f = self.labels[fid]
                add("conditional_required", ERROR, rid, fid, None,
                    f"'{fid}' ({f.label_en}) is required when {cond} is {present[cond]}.",
                    f"{cond}이(가) {present[cond]}일 때 '{fid}'({f.label_ko})은(는) 필수입니다.", f"Fill '{fid}'.")
        for fid, seen in self.unique.items():
            v = present.get(fid)
            if v is None or fid in missing_terms:
                continue
            first = seen.get(v)
            if first is None:
                seen[v] = rid
            else:
                code = {"sample_name": "duplicate_sample_name", "sample_title": "duplicate_sample_title"}.get(fid, "duplicate_value")
                add(code, ERROR, rid, fid, v, f"'{v}' is already used by record {first}.",
                    f"'{v}'은(는) 레코드 {first}에서 이미 사용되었습니다.", f"Give each sample its own {fid}.")
        # Samples that differ only by name: INSDC refuses them (they are one biological sample twice).
        key = hash((tuple(map(present.get, self.identity_fields)), tuple(sorted(extras)) if extras else ()))
        first = self.identity.get(key)
        if first is None:
            self.identity[key] = rid
        elif any(present.get(f) for f in self.identity_fields):
            add("identical_attributes", ERROR, rid, "*", present.get("sample_name"),
                f"Record {rid} has exactly the same attributes as record {first}; only the name differs.",
                f"레코드 {rid}는 이름만 다르고 나머지 속성이 레코드 {first}와 모두 같습니다.",
                "If they are distinct samples, add the attribute that tells them apart (e.g. replicate, "
                "collection_date, isolate); if they are the same sample, submit it once.")
        runs = self.runs
        if runs:
            for fid in [k for k in runs if k not in tails]:
                state = runs.pop(fid)
                if state[2] >= _AUTOINC_RUN:
                    self._end_run(fid, state)
        for fid, (prefix, num) in tails.items():
            state = runs.get(fid)
            if state is not None and state[0] == prefix and num == state[1] + 1:
                state[1] = num
                state[2] += 1
                state[4] = present[fid]
                state[6] = rid
            else:
                if state is not None and state[2] >= _AUTOINC_RUN:
                    self._end_run(fid, state)
                runs[fid] = [prefix, num, 1, present[fid], present[fid], rid, rid]

    def _end_run(self, fid: str, state: list[Any]) -> None:
        prefix, _num, length, first_v, last_v, first_r, last_r = state
        if length >= _AUTOINC_RUN:
            self.add("excel_autoincrement", WARNING, first_r, fid, f"{first_v} ... {last_v}",
                     f"'{fid}' goes up by one on each of {length} records ({first_r} to {last_r}), as when a cell is "
                     "dragged down in Excel.",
                     f"'{fid}' 값이 레코드 {first_r}부터 {last_r}까지 {length}개 연속으로 1씩 커집니다. 엑셀에서 칸을 끌어 "
                     "채울 때 생기는 현상입니다.",
                     "If every record should carry the same value, copy it with Ctrl+D (not drag-fill); if the values "
                     "are right, ignore this warning.")

    def _flush_runs(self) -> None:
        for fid, state in list(self.runs.items()):
            self._end_run(fid, state)
        self.runs.clear()


def validate_records(form: Form, records: Iterable[dict[str, Any]], *, source: str = "records",
                     section: str = "sample", max_issues: int | None = None,
                     on_record: RecordSink | None = None) -> Report:
    """Validate every record in one pass. Records are dicts of column -> value; keys starting with '@' carry
    where the record came from ('@row' line number, '@record' sample name, '@package', '@extra').

    ``on_record(rid, record, written, normalised, extras, errors, warnings)`` is called after each record with
    its values by field id as written (converted to text, not yet stripped) and normalised (terms as ids),
    its custom columns ``[("@extra:Header", value)]`` (or None), and the issues that record added; a caller
    stores the records while they stream through (and throws them away if the report has errors)."""
    return _Validator(form, section, source, max_issues).run(records, on_record)


def iter_issues(form: Form, records: Iterable[dict[str, Any]], *, source: str = "records") -> Iterator[Issue]:
    rep = validate_records(form, records, source=source)
    yield from rep.errors
    yield from rep.warnings


def validate_record(form: Form, record: dict[str, Any], *, section: str = "sample") -> Report:
    """One record (a web form, an API call, a dataset's metadata): same rules, same report."""
    return validate_records(form, [record], source="record", section=section)
