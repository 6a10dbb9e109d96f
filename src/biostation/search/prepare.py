"""SearchDoc -> the engine-neutral record every engine indexes: analysed text, expanded keys, sort keys.

All the Python-side work of indexing happens here (Korean morphemes, ontology expansion, keys), so it
can run in worker processes during a rebuild and both engines index exactly the same tokens.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from .analysis import has_hangul, ko_tokens
from .model import FACETS, SearchDoc
from .ontology import BUILTIN, Ontology

KIND_INDEX = {"dataset": 1, "sample": 2, "material": 3}
GRADE_RANK = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}
GRADE_BOOST = {"A": 0.5, "B": 0.4, "C": 0.3, "D": 0.2, "E": 0.1}
PUBLIC = "public"
# "public" on a record still under embargo is indexed as this principal plus the embargo end, and a
# query from a caller holding "public" matches it only once the end has passed.
PUBLIC_AFTER_EMBARGO = "public@embargo"
_EPOCH = date(1970, 1, 1).toordinal()
_ACC = re.compile(r"^BS[A-Z](\d{6,12})[0-9A-Z]$")


def norm_key(value: Any) -> str:
    return " ".join(str(value).lower().split())


def record_number(doc_id: str) -> int:
    """A number below 10**12 unique per kind: the accession's number, else a stable hash."""
    m = _ACC.match(doc_id.upper().split(".")[0])
    if m:
        return int(m.group(1))
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=8).digest(), "big") % 10**12


def date_key(published: date | None, kind: str, doc_id: str) -> int:
    """Unique, date-ordered integer: lets a cursor be 'key < last' (keyset), never an offset."""
    days = (published.toordinal() - _EPOCH + 1) if published else 0
    return max(days, 0) * 10**13 + KIND_INDEX.get(kind, 4) * 10**12 + record_number(doc_id)


def rank_key(grade: str | None, dkey: int) -> int:
    return GRADE_RANK.get(grade or "", 0) * 10**18 + dkey


def epoch_seconds(when: datetime | None) -> int:
    if when is None:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())


@dataclass(slots=True)
class Prepared:
    id: str
    kind: str
    src: dict[str, str]  # originals shown in hits and used for snippets
    text_en: dict[str, str]  # title/body/onto -> English text (engines stem it)
    text_ko: dict[str, str]  # title/body/onto -> space-joined Korean content morphemes
    taxa_keys: list[str]
    term_keys: list[str]
    facets: dict[str, list[str]]
    year: int | None
    date_key: int
    rank_key: int
    qboost: float
    readers: list[str]
    embargo_until: int
    suggest: list[str] = field(default_factory=list)


def _split_lang(labels: list[str]) -> tuple[list[str], list[str]]:
    en, ko = [], []
    for label in labels:
        (ko if has_hangul(label) else en).append(label)
    return en, ko


def prepare(doc: SearchDoc, ontology: Ontology = BUILTIN) -> Prepared:
    lineage: list[int] = []
    for taxid in doc.organism_taxids:
        for t in ontology.taxon_lineage(int(taxid)):
            if t not in lineage:
                lineage.append(t)
    taxon_labels: list[str] = [n for t in lineage for n in ontology.taxon_names(t)]
    taxon_labels += [n for n in doc.organism_names if n not in taxon_labels]
    closure: list[str] = []
    for term in doc.ontology_terms:
        for t in ontology.term_closure(term):
            if t not in closure:
                closure.append(t)
    term_labels = [n for t in closure for n in ontology.term_labels(t)]

    onto_en, onto_ko = _split_lang(taxon_labels + term_labels)
    kw_en, kw_ko = _split_lang(list(doc.keywords))
    text_en = {
        "title": doc.title_en,
        "body": " \n ".join([doc.description_en, *kw_en]),
        "onto": " \n ".join(onto_en),
    }
    title_ko = ko_tokens(doc.title_ko)
    text_ko = {
        "title": " ".join(title_ko),
        "body": " ".join(ko_tokens(" ".join([doc.description_ko, *kw_ko]))),
        "onto": " ".join(ko_tokens(" \n ".join(onto_ko))),
    }
    facets: dict[str, list[str]] = {}
    for name, (attr, multi) in FACETS.items():
        if name == "year":
            continue
        value = getattr(doc, attr)
        values = [v for v in (value if multi else [value]) if v not in (None, "")]
        facets[name] = [str(v) for v in values]

    readers = list(dict.fromkeys(doc.readers))
    embargo = epoch_seconds(doc.embargo_until)
    if embargo and PUBLIC in readers:
        readers = [PUBLIC_AFTER_EMBARGO if r == PUBLIC else r for r in readers]
    dkey = date_key(doc.published, doc.kind, doc.id)
    suggest = list(dict.fromkeys(
        [w.lower() for w in re.findall(r"[^\W_]{3,}", doc.title_en)] + [t for t in title_ko if len(t) >= 2]
        + [norm_key(k) for k in doc.keywords if len(k) <= 40]))
    return Prepared(
        id=doc.id,
        kind=doc.kind,
        src={"title_en": doc.title_en, "title_ko": doc.title_ko, "description_en": doc.description_en,
             "description_ko": doc.description_ko},
        text_en=text_en,
        text_ko=text_ko,
        taxa_keys=list(dict.fromkeys([str(t) for t in lineage] + [norm_key(n) for n in taxon_labels])),
        term_keys=list(dict.fromkeys([t.upper() for t in closure] + [norm_key(n) for n in term_labels])),
        facets=facets,
        year=doc.year,
        date_key=dkey,
        rank_key=rank_key(doc.quality_grade, dkey),
        qboost=GRADE_BOOST.get(doc.quality_grade or "", 0.0),
        readers=readers,
        embargo_until=embargo,
        suggest=suggest,
    )
