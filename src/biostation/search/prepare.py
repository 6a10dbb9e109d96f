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

from .analysis import has_hangul, ko_joined, ko_tokens
from .model import FACETS, SearchDoc
from .ontology import BUILTIN, Ontology

KIND_INDEX = {"dataset": 1, "sample": 2, "material": 3}
GRADE_RANK = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}
GRADE_BOOST = {"A": 0.5, "B": 0.4, "C": 0.3, "D": 0.2, "E": 0.1}
PUBLIC = "public"
# "public" on a record still under embargo is indexed as this principal plus the embargo end, and a
# query from a caller holding "public" matches it only once the end has passed.
PUBLIC_AFTER_EMBARGO = "public@embargo"
# Marks every record the public may not read now: lets an engine exclude the few restricted records
# instead of intersecting with the many public ones. Never a principal a caller can hold.
RESTRICTED = "~restricted"
RESERVED_PRINCIPALS = frozenset({PUBLIC_AFTER_EMBARGO, RESTRICTED})
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


_bundles: dict[tuple[int, str, Any], tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}


def _bundle(ontology: Ontology, what: str, key: Any) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(index keys, English labels, Korean labels) of a taxon's lineage or a term's closure, memoised."""
    memo_key = (id(ontology), what, key)
    hit = _bundles.get(memo_key)
    if hit is None:
        if what == "taxon":
            ids = [str(t) for t in ontology.taxon_lineage(int(key))]
            labels = [n for t in ontology.taxon_lineage(int(key)) for n in ontology.taxon_names(t)]
        else:
            ids = [t.upper() for t in ontology.term_closure(key)]
            labels = [n for t in ontology.term_closure(key) for n in ontology.term_labels(t)]
        en, ko = _split_lang(labels)
        hit = (tuple(dict.fromkeys(ids + [norm_key(n) for n in labels])), tuple(en), tuple(ko))
        if len(_bundles) > 200_000:
            _bundles.clear()
        _bundles[memo_key] = hit
    return hit


def prepare(doc: SearchDoc, ontology: Ontology = BUILTIN) -> Prepared:
    taxa_keys: list[str] = []
    term_keys: list[str] = []
    onto_en: list[str] = []
    onto_ko: list[str] = []
    for taxid in doc.organism_taxids:
        keys, en, ko = _bundle(ontology, "taxon", int(taxid))
        taxa_keys += keys
        onto_en += en
        onto_ko += ko
    for name in doc.organism_names:
        k = norm_key(name)
        if k not in taxa_keys:
            taxa_keys.append(k)
            (onto_ko if has_hangul(name) else onto_en).append(name)
    for term in doc.ontology_terms:
        keys, en, ko = _bundle(ontology, "term", term)
        term_keys += keys
        onto_en += en
        onto_ko += ko
    kw_en, kw_ko = _split_lang(list(doc.keywords))
    text_en = {
        "title": doc.title_en,
        "body": " \n ".join([doc.description_en, *kw_en]),
        "onto": " \n ".join(dict.fromkeys(onto_en)),
    }
    title_ko_joined = ko_joined(doc.title_ko)
    title_ko = title_ko_joined.split()
    text_ko = {
        "title": title_ko_joined,
        "body": ko_joined(" ".join([doc.description_ko, *kw_ko])),
        "onto": ko_joined(" ".join(dict.fromkeys(onto_ko))),
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
    readers = [r for r in readers if r not in RESERVED_PRINCIPALS]
    if embargo and PUBLIC in readers:
        readers = [PUBLIC_AFTER_EMBARGO if r == PUBLIC else r for r in readers]
    if PUBLIC not in readers:
        readers.append(RESTRICTED)
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
        taxa_keys=list(dict.fromkeys(taxa_keys)),
        term_keys=list(dict.fromkeys(term_keys)),
        facets=facets,
        year=doc.year,
        date_key=dkey,
        rank_key=rank_key(doc.quality_grade, dkey),
        qboost=GRADE_BOOST.get(doc.quality_grade or "", 0.0),
        readers=readers,
        embargo_until=embargo,
        suggest=suggest,
    )
