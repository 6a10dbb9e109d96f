"""Stable accessions: a prefix per kind, a zero-padded number and an ISO 7064 Mod 37,36 check character.

The number is the record's database key, so an accession never changes and needs no extra column or
counter. The check character catches every single-character typo and every swap of two neighbouring
characters, so a mistyped accession is refused instead of resolving to somebody else's record.
"""
from __future__ import annotations

import re

from .errors import field_error, ValidationFailed

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
KINDS = {
    "project": "BSP",
    "dataset": "BSD",
    "sample": "BSS",
    "material": "BSM",
    "file": "BSF",
    "request": "BSR",
}
PREFIX_TO_KIND = {v: k for k, v in KINDS.items()}
_PATTERN = re.compile(r"^(BS[A-Z])(\d{6,12})([0-9A-Z])(?:\.(\d+))?$")


def check_char(body: str) -> str:
    m = 36
    p = m
    for ch in body:
        p = (p + ALPHABET.index(ch)) % m
        if p == 0:
            p = m
        p = (p * 2) % (m + 1)
    return ALPHABET[(m + 1 - p) % m]


def make(kind: str, number: int) -> str:
    body = f"{KINDS[kind]}{number:06d}"
    return body + check_char(body)


def parse(accession: str, kind: str | None = None, field: str = "accession") -> tuple[str, int, int | None]:
    """Return (kind, number, version) or raise a validation error that names what is wrong."""
    text = accession.strip().upper()
    m = _PATTERN.match(text)
    if not m or m.group(1) not in PREFIX_TO_KIND:
        raise ValidationFailed([field_error(
            "accession_malformed", field, f"'{accession}' is not a station accession.",
            f"'{accession}'은(는) 스테이션 접근번호 형식이 아닙니다.",
            "An accession looks like BSD000123K: a prefix (BSP project, BSD dataset, BSS sample, BSM material, "
            "BSF file), six or more digits and a check character; add .N for a dataset version.", accession)])
    prefix, digits, check, version = m.groups()
    if check_char(prefix + digits) != check:
        raise ValidationFailed([field_error(
            "accession_check_failed", field, f"'{accession}' has a wrong check character; it is probably mistyped.",
            f"'{accession}'의 검증 문자가 맞지 않습니다. 잘못 입력되었을 가능성이 큽니다.",
            "Copy the accession again from its landing page or citation.", accession)])
    found_kind = PREFIX_TO_KIND[prefix]
    if kind is not None and found_kind != kind:
        raise ValidationFailed([field_error(
            "accession_wrong_kind", field, f"'{accession}' is a {found_kind} accession, not a {kind} accession.",
            f"'{accession}'은(는) {kind}이(가) 아니라 {found_kind}의 접근번호입니다.",
            f"Use an accession starting with {KINDS[kind]}.", accession)])
    return found_kind, int(digits), int(version) if version else None
