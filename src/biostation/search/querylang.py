"""The query box language, parsed once into clauses that every engine translates.

    liver cancer                 words: every word must match (title, description, keywords, ontology)
    "hepatocellular carcinoma"   exact phrase
    organism:"Homo sapiens"      field query; organism and term match ancestors too (Mammalia finds mouse)
    DOID:684                     an ontology id on its own is a term query
    -mouse                       exclude
    BSD000123K                   an accession on its own jumps to its record
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ValidationFailed, field_error

# query-box field name -> canonical filter/field name
FIELD_ALIASES = {
    "title": "title", "description": "description", "desc": "description", "keyword": "keyword",
    "keywords": "keyword",
    "organism": "organism", "taxon": "organism", "species": "organism",
    "term": "term", "ontology": "term", "disease": "term",
    "field": "research_field", "research_field": "research_field",
    "type": "data_type", "data_type": "data_type", "datatype": "data_type",
    "ministry": "ministry", "institution": "institution", "access": "access_level",
    "access_level": "access_level", "year": "year", "format": "file_format", "file_format": "file_format",
    "grade": "quality_grade", "quality": "quality_grade", "quality_grade": "quality_grade",
    "licence": "licence", "license": "licence", "kind": "kind", "id": "id", "accession": "id",
}
TEXT_FIELDS = {"title", "description", "keyword"}
_TOKEN = re.compile(r'(-?)(?:([A-Za-z_]+):)?(?:"([^"]*)"?|(\S+))')
_ONTOLOGY_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:[0-9]+$")
_ACCESSION = re.compile(r"^BS[A-Z]\d{6,12}[0-9A-Z](?:\.\d+)?$", re.I)


@dataclass(frozen=True)
class Clause:
    kind: str  # "word" | "phrase" | "field"
    text: str
    field: str | None = None  # text field restriction or filter field for kind == "field"
    negate: bool = False


def parse(q: str) -> list[Clause]:
    clauses: list[Clause] = []
    for m in _TOKEN.finditer(q or ""):
        neg, fname, quoted, bare = m.group(1) == "-", m.group(2), m.group(3), m.group(4)
        value = quoted if quoted is not None else bare
        if value is None or not value.strip():
            continue
        if fname is not None:
            canon = FIELD_ALIASES.get(fname.lower())
            if canon is None:
                if quoted is None and _ONTOLOGY_ID.match(f"{fname}:{bare}"):
                    clauses.append(Clause("field", f"{fname}:{bare}".upper(), "term", neg))
                    continue
                raise ValidationFailed([field_error(
                    "unknown_search_field", "q", f"'{fname}:' is not a field you can search.",
                    f"'{fname}:'은(는) 검색할 수 있는 필드가 아닙니다.",
                    "Use one of: " + ", ".join(sorted(set(FIELD_ALIASES))) + "; or quote the text.", fname)])
            if canon in TEXT_FIELDS:
                clauses.append(Clause("phrase" if quoted is not None else "word", value, canon, neg))
            else:
                clauses.append(Clause("field", value.strip(), canon, neg))
        elif quoted is not None:
            clauses.append(Clause("phrase", value, None, neg))
        else:
            clauses.append(Clause("word", value, None, neg))
    return clauses


def accession_of(q: str) -> str | None:
    """The accession when the whole query is one (with a valid check character)."""
    text = (q or "").strip()
    if not _ACCESSION.match(text):
        return None
    from ..accessions import parse as parse_accession

    try:
        parse_accession(text)
    except ValidationFailed:
        return None
    return text.upper().split(".")[0]
