"""The narrow interface every search engine implements, and the query planning they share.

Engines differ only in how they store and match; what a query means (clauses, filters, access rule,
facet semantics, cursors, snippets) is decided here once, so the same test suite runs on each engine.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .. import clock
from ..errors import ValidationFailed, field_error
from ..vocab import ACCESS_LEVELS, DATA_TYPES, MINISTRIES, RESEARCH_FIELDS
from .analysis import analyse_word, en_tokens, has_hangul, ko_tokens
from .model import FACETS, SORTS, FacetValue, SearchDoc, SearchQuery, SearchResult
from .querylang import Clause, accession_of, parse
from .prepare import RESERVED_PRINCIPALS, norm_key

MAX_LIMIT = 1000
FILTER_ALIASES = {"taxon": "organism", "organism": "organism", "term": "term", "ontology": "term"}
_YEAR_RANGE = re.compile(r"^\s*(\d{4})?\s*\.\.\s*(\d{4})?\s*$")
_LABELS = {"research_field": RESEARCH_FIELDS, "data_type": DATA_TYPES, "ministry": MINISTRIES,
           "access_level": ACCESS_LEVELS}
Progress = Callable[[int], None]


@dataclass
class Constraint:
    """One filter or field clause: match any of `values` in `field` (ranges for year)."""

    field: str
    values: list[str]
    negate: bool = False

    def year_ranges(self) -> list[tuple[int | None, int | None]]:
        out = []
        for v in self.values:
            m = _YEAR_RANGE.match(v)
            if m:
                out.append((int(m.group(1)) if m.group(1) else None, int(m.group(2)) if m.group(2) else None))
            else:
                out.append((int(v), int(v)))
        return out

    def keys(self) -> list[str]:
        """Values as indexed: organism/term keys are normalised, ontology ids upper-cased."""
        if self.field == "organism":
            return [v.strip() if v.strip().isdigit() else norm_key(v) for v in self.values]
        if self.field == "term":
            return [v.strip().upper() if ":" in v else norm_key(v) for v in self.values]
        if self.field == "id":
            return [v.strip().upper() for v in self.values]
        return [v.strip() for v in self.values]


@dataclass
class Plan:
    """A validated query, ready for an engine to translate."""

    query: SearchQuery
    text: list[Clause]  # word and phrase clauses
    fields: list[Constraint]  # field clauses from q (part of the base query)
    filters: dict[str, Constraint]  # filters by facet (excluded from their own facet's counts)
    accession: str | None
    now: int  # epoch seconds: embargoes lift when this passes their end
    en_terms: set[str] = field(default_factory=set)
    ko_terms: set[str] = field(default_factory=set)
    fuzzy: dict[str, int] = field(default_factory=dict)  # stem -> edit distance, set on a typo-tolerant run

    def fuzzy_stems(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.text:
            if c.kind == "word" and not c.negate and not has_hangul(c.text) and fuzzy_distance(c.text):
                for stem in en_tokens(c.text):
                    out[stem] = fuzzy_distance(c.text)
        return out

    @property
    def scored(self) -> bool:
        return any(not c.negate for c in self.text)


def plan(query: SearchQuery) -> Plan:
    errors = []
    if not 1 <= query.limit <= MAX_LIMIT:
        errors.append(field_error("invalid_limit", "limit", f"limit must be between 1 and {MAX_LIMIT}.",
                                  f"limit은 1에서 {MAX_LIMIT} 사이여야 합니다.", "Ask for a smaller page.",
                                  query.limit))
    if query.sort not in SORTS:
        errors.append(field_error("invalid_sort", "sort", f"Unknown sort '{query.sort}'.",
                                  f"알 수 없는 정렬 '{query.sort}'입니다.", "Use one of: " + ", ".join(SORTS),
                                  query.sort))
    for name in query.facets:
        if name not in FACETS:
            errors.append(field_error("unknown_facet", "facets", f"Unknown facet '{name}'.",
                                      f"알 수 없는 패싯 '{name}'입니다.", "Use one of: " + ", ".join(FACETS), name))
    filters: dict[str, Constraint] = {}
    for key, values in (query.filters or {}).items():
        canon = FILTER_ALIASES.get(key, key)
        if canon not in FACETS and canon not in ("organism", "term", "id"):
            errors.append(field_error("unknown_filter", f"filter.{key}", f"Unknown filter '{key}'.",
                                      f"알 수 없는 필터 '{key}'입니다.",
                                      "Use a facet name (" + ", ".join(FACETS) + "), taxon or term.", key))
            continue
        vals = [str(v) for v in ([values] if isinstance(values, (str, int)) else values) if str(v).strip()]
        if not vals:
            continue
        c = filters.setdefault(canon, Constraint(canon, []))
        c.values.extend(vals)
    try:
        clauses = parse(query.q)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        clauses = []
    fields = [Constraint(c.field or "", [c.text], c.negate) for c in clauses if c.kind == "field"]
    for c in list(filters.values()) + fields:
        if c.field == "year":
            try:
                c.year_ranges()
            except ValueError:
                errors.append(field_error("invalid_year", "filter.year", "A year filter takes 2020 or 2018..2021.",
                                          "연도 필터는 2020 또는 2018..2021 형식입니다.",
                                          "Write a four-digit year or a range.", c.values))
    if errors:
        raise ValidationFailed(errors)
    text = [c for c in clauses if c.kind in ("word", "phrase")]
    # Reserved markers are index internals, never something a caller can hold.
    query.principals = frozenset(x for x in query.principals if x not in RESERVED_PRINCIPALS)
    p = Plan(query, text, fields, filters, accession_of(query.q), int(clock.now().timestamp()))
    for c in text:
        if c.negate:
            continue
        if c.kind == "word":
            en, ko = analyse_word(c.text)
            p.en_terms.update(en if not has_hangul(c.text) else ())
            p.ko_terms.update(ko)
        else:
            p.en_terms.update(en_tokens(c.text) if not has_hangul(c.text) else ())
            p.ko_terms.update(ko_tokens(c.text))
    return p


def facet_values(name: str, buckets: Iterable[tuple[str, int]]) -> list[FacetValue]:
    labels = _LABELS.get(name, {})
    out = []
    for value, count in buckets:
        if count <= 0:
            continue
        en, ko = labels.get(value, ("", ""))
        out.append(FacetValue(value, int(count), en, ko))
    return out


def fuzzy_distance(word: str) -> int:
    """Typo tolerance grows with length; short words must be exact (too many neighbours otherwise)."""
    n = len(word)
    return 0 if n < 6 else 1 if n < 10 else 2


class SearchEngine(ABC):
    """What the station calls. Every method takes or returns station shapes only (model.py)."""

    name = "engine"

    @abstractmethod
    def index(self, docs: Iterable[SearchDoc]) -> int:
        """Add or replace records (by id). Visible to queries after commit()."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> int:
        """Remove records by id (unpublished, withdrawn). Visible after commit()."""

    @abstractmethod
    def commit(self) -> None:
        """Make every index()/delete() so far visible to queries."""

    @abstractmethod
    def query(self, query: SearchQuery) -> SearchResult:
        """Hits, facet counts, total and next cursor, all limited to what query.principals may read."""

    @abstractmethod
    def suggest(self, prefix: str, principals: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
        """Completions for the query box, counted over readable records only."""

    @abstractmethod
    def count(self) -> int:
        """Records in the index, all access levels (an operator's figure, never shown to users)."""

    @abstractmethod
    def rebuild(self, docs: Iterable[SearchDoc], progress: Progress | None = None) -> int:
        """Build a fresh index from `docs` beside the serving one, then swap; queries never stop."""

    def close(self) -> None:
        pass

    def __enter__(self) -> "SearchEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
