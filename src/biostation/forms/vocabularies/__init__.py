"""Controlled vocabularies the forms use, loaded once from the data files beside this module.

Every look-up goes through dicts built at load time (id, label, synonym -> term), and hierarchies are
parent maps with cached closures, so checking 100,000 rows or expanding a search term never scans a list.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from ... import vocab as core_vocab

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Term:
    id: str
    label_en: str
    label_ko: str = ""
    parent: str | None = None
    synonyms: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()

    def get(self, key: str, default: str = "") -> str:
        for k, v in self.extra:
            if k == key:
                return v
        return default


@dataclass
class Vocabulary:
    id: str
    title_en: str
    title_ko: str
    source: str
    closed: bool
    terms: dict[str, Term]
    case_sensitive: bool = False
    _lookup: dict[str, str] = field(default_factory=dict, repr=False)
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Labels first, then synonyms, then ids, so an exact id always wins over a synonym of another term.
        for t in self.terms.values():
            for key in (t.label_en, t.label_ko, *t.synonyms):
                if key:
                    self._lookup.setdefault(self._key(key), t.id)
        for t in self.terms.values():
            self._lookup[self._key(t.id)] = t.id
            if t.parent:
                self._children.setdefault(t.parent, []).append(t.id)

    def _key(self, text: str) -> str:
        return text.strip() if self.case_sensitive else text.strip().casefold()

    def resolve(self, value: str) -> Term | None:
        """The term a sheet value names: its id, English or Korean label, or a synonym."""
        tid = self._lookup.get(value if self.case_sensitive else value.casefold())
        if tid is None:
            tid = self._lookup.get(self._key(value))
        return self.terms.get(tid) if tid is not None else None

    def __contains__(self, value: str) -> bool:
        return self.resolve(value) is not None

    def __len__(self) -> int:
        return len(self.terms)

    def ancestors(self, term_id: str) -> list[str]:
        return list(_ancestors(self.id, term_id))

    def descendants(self, term_id: str) -> frozenset[str]:
        return _descendants(self.id, term_id)

    def children(self, term_id: str) -> list[str]:
        return list(self._children.get(term_id, ()))

    def choices(self) -> list[str]:
        """Values offered in drop-down lists: the form most people type (labels for ontologies, ids for codes)."""
        return [t.label_en if self.id in _LABEL_CHOICE else t.id for t in self.terms.values() if t.id not in _ROOTS]


# Vocabularies whose ids are opaque (OBI:..., format_...): offer labels in drop-downs, accept either.
_LABEL_CHOICE = {"obi_assay", "edam", "uo", "ncbi_taxonomy", "imaging_method", "ms_instrument_type"}
_ROOTS = {"format_1915", "data_0006", "OBI:0000070", "UO:0000000", "DUO:0000001", "DUO:0000017", "1", "131567"}


def _read_tsv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        yield from csv.DictReader(lines, delimiter="\t")


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(s for s in (value or "").split("|") if s)


def _load_tsv_vocab(vid: str, filename: str, title: tuple[str, str], source: str, closed: bool = True,
                    case_sensitive: bool = False) -> Vocabulary:
    terms: dict[str, Term] = {}
    for row in _read_tsv(HERE / filename):
        extra = tuple((k, v) for k, v in row.items() if k not in {"id", "label_en", "label_ko", "parent", "synonyms"} and v)
        terms[row["id"]] = Term(row["id"], row["label_en"], row.get("label_ko") or "", row.get("parent") or None,
                                _split(row.get("synonyms")), extra)
    return Vocabulary(vid, title[0], title[1], source, closed, terms, case_sensitive=case_sensitive)


def _load_taxonomy() -> Vocabulary:
    terms: dict[str, Term] = {}
    for row in _read_tsv(HERE / "ncbi_taxonomy.tsv"):
        syn = tuple(s for s in (row.get("common_en"), f"taxon:{row['id']}", f"NCBITaxon:{row['id']}") if s)
        terms[row["id"]] = Term(row["id"], row["label_en"], row["label_ko"], row["parent"] or None, syn,
                                (("rank", row["rank"]),))
    # Open: the station keeps a subset; a name outside it is checked against NCBI at submission, so only a warning.
    return Vocabulary("ncbi_taxonomy", "NCBI Taxonomy (station subset)", "NCBI 분류체계(스테이션 부분집합)",
                      "NCBI Taxonomy", False, terms)


def _load_lists() -> dict[str, Vocabulary]:
    data = yaml.safe_load((HERE / "lists.yaml").read_text(encoding="utf-8"))
    out = {}
    for vid, spec in data.items():
        terms: dict[str, Term] = {}
        for t in spec["terms"]:
            if isinstance(t, dict):
                terms[str(t["id"])] = Term(str(t["id"]), str(t.get("en", t["id"])), str(t.get("ko", "")))
            else:
                terms[str(t)] = Term(str(t), str(t))
        out[vid] = Vocabulary(vid, spec["title"]["en"], spec["title"]["ko"], spec["source"], bool(spec["closed"]), terms,
                              case_sensitive=bool(spec.get("case_sensitive", False)))
    return out


def _core(vid: str, mapping: dict[str, tuple[str, str]], title: tuple[str, str]) -> Vocabulary:
    terms = {k: Term(k, en, ko) for k, (en, ko) in mapping.items()}
    return Vocabulary(vid, title[0], title[1], "Bio Data Station", True, terms)


@lru_cache(maxsize=1)
def _all() -> dict[str, Vocabulary]:
    vocabs = {
        "ncbi_taxonomy": _load_taxonomy(),
        "edam": _load_tsv_vocab("edam", "edam.tsv", ("EDAM formats and data", "EDAM 형식·데이터"), "EDAM 1.25"),
        "obi_assay": _load_tsv_vocab("obi_assay", "obi_assay.tsv", ("OBI assays", "OBI 분석법"), "OBI"),
        "uo": _load_tsv_vocab("uo", "uo.tsv", ("Units of measurement", "측정 단위"), "Units of Measurement Ontology (UO)",
                              case_sensitive=True),  # 'M' (molar) is not 'm' (metre)
        "duo": _load_tsv_vocab("duo", "duo.tsv", ("Data use conditions", "데이터 이용 조건"), "GA4GH DUO"),
        "insdc_country": _load_tsv_vocab("insdc_country", "insdc_country.tsv", ("INSDC countries and seas", "INSDC 국가·해역"),
                                         "INSDC country qualifier vocabulary"),
        "insdc_missing": _load_tsv_vocab("insdc_missing", "insdc_missing.tsv", ("INSDC missing-value terms", "INSDC 결측값 용어"),
                                         "INSDC missing value reporting"),
        "research_field": _core("research_field", core_vocab.RESEARCH_FIELDS, ("Research fields", "연구 분야")),
        "data_type": _core("data_type", core_vocab.DATA_TYPES, ("Data types", "데이터 유형")),
        "access_level": _core("access_level", core_vocab.ACCESS_LEVELS, ("Access levels", "공개 수준")),
        "ministry": _core("ministry", core_vocab.MINISTRIES, ("Ministries", "부처")),
    }
    vocabs.update(_load_lists())
    return vocabs


def get(vocab_id: str) -> Vocabulary:
    try:
        return _all()[vocab_id]
    except KeyError:
        raise KeyError(f"unknown vocabulary {vocab_id!r}; known: {', '.join(sorted(_all()))}") from None


def names() -> list[str]:
    return sorted(_all())


def exists(vocab_id: str) -> bool:
    return vocab_id in _all()


@lru_cache(maxsize=65536)
def _ancestors(vocab_id: str, term_id: str) -> tuple[str, ...]:
    v = get(vocab_id)
    out: list[str] = []
    seen = {term_id}
    cur = v.terms.get(term_id)
    while cur is not None and cur.parent and cur.parent not in seen:
        out.append(cur.parent)
        seen.add(cur.parent)
        cur = v.terms.get(cur.parent)
    return tuple(out)


@lru_cache(maxsize=4096)
def _descendants(vocab_id: str, term_id: str) -> frozenset[str]:
    v = get(vocab_id)
    out: set[str] = set()
    stack = list(v._children.get(term_id, ()))
    while stack:
        t = stack.pop()
        if t not in out:
            out.add(t)
            stack.extend(v._children.get(t, ()))
    return frozenset(out)


def term_ancestors(vocab_id: str, term_id: str) -> list[str]:
    """Ancestors of a term, nearest first (for ontology-aware search and DUO matching)."""
    return list(_ancestors(vocab_id, term_id))


def term_descendants(vocab_id: str, term_id: str) -> set[str]:
    return set(_descendants(vocab_id, term_id))


def _taxid(taxid: int | str) -> str:
    text = str(taxid).strip()
    if not text.isdigit():
        term = get("ncbi_taxonomy").resolve(text)
        if term is None:
            raise KeyError(f"unknown taxon {taxid!r}")
        return term.id
    return text


def taxon_descendants(taxid: int | str) -> set[int]:
    """Every taxid under `taxid` in the station subset (a search for Coronaviridae finds SARS-CoV-2)."""
    return {int(t) for t in _descendants("ncbi_taxonomy", _taxid(taxid))}


def ancestors(taxid: int | str) -> list[int]:
    """Lineage of a taxon up to the root, nearest first."""
    return [int(t) for t in _ancestors("ncbi_taxonomy", _taxid(taxid))]


def taxon(value: str | int) -> Term | None:
    return get("ncbi_taxonomy").resolve(str(value))


def is_within(vocab_id: str, term_id: str, roots: Iterable[str]) -> bool:
    roots = set(roots)
    return term_id in roots or not roots.isdisjoint(_ancestors(vocab_id, term_id))


@lru_cache(maxsize=1)
def missing_terms() -> dict[str, str]:
    """casefolded INSDC missing-value term -> its canonical spelling."""
    return {t.id.casefold(): t.id for t in get("insdc_missing").terms.values()}


@lru_cache(maxsize=1)
def unit_symbols() -> dict[str, str]:
    """unit symbol or name as written in a sheet -> UO id (case-sensitive: 'M' molar is not 'm' metre)."""
    out: dict[str, str] = {}
    for t in get("uo").terms.values():
        for s in (t.label_en, *t.synonyms):
            out.setdefault(s, t.id)
    return out


def unit_symbol(uo_id: str) -> str:
    t = get("uo").terms.get(uo_id)
    if t is None:
        return ""
    return t.synonyms[0] if t.synonyms else t.label_en
