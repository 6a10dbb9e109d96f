"""The shapes every engine speaks: what the core feeds in (SearchDoc), asks (SearchQuery) and gets back.

Kept free of engine types so the core, the API and the CLI never import tantivy or psycopg.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

KINDS = ("dataset", "sample", "material")

# facet name -> (SearchDoc attribute, multi-valued?)
FACETS: dict[str, tuple[str, bool]] = {
    "research_field": ("research_field", False),
    "data_type": ("data_types", True),
    "organism": ("organism_names", True),
    "ministry": ("ministry", False),
    "institution": ("institution", False),
    "access_level": ("access_level", False),
    "year": ("year", False),
    "file_format": ("file_formats", True),
    "quality_grade": ("quality_grade", False),
    "licence": ("licence", False),
    "kind": ("kind", False),
}
DEFAULT_FACETS = ("research_field", "data_type", "organism", "ministry", "access_level", "year")

# Filters that are not facets: both expand through the ontology at index time.
EXTRA_FILTERS = ("taxon", "term")

QUALITY_GRADES = ("A", "B", "C", "D", "E")
SORTS = ("relevance", "date", "date_asc")


@dataclass
class SearchDoc:
    """One searchable record. `readers` are the principals allowed to read it (see principals.py)."""

    id: str
    kind: str = "dataset"
    title_en: str = ""
    title_ko: str = ""
    description_en: str = ""
    description_ko: str = ""
    keywords: list[str] = field(default_factory=list)
    organism_taxids: list[int] = field(default_factory=list)
    organism_names: list[str] = field(default_factory=list)
    ontology_terms: list[str] = field(default_factory=list)
    research_field: str | None = None
    data_types: list[str] = field(default_factory=list)
    ministry: str | None = None
    institution: str | None = None
    access_level: str = "open"
    year: int | None = None
    file_formats: list[str] = field(default_factory=list)
    quality_grade: str | None = None
    licence: str | None = None
    published: date | None = None
    readers: list[str] = field(default_factory=list)
    # Until this instant the "public" principal does not apply, even if it is listed in readers,
    # so an embargo lifts on time even before the core re-indexes the record.
    embargo_until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: tuple[str, ...] = DEFAULT_FACETS
    sort: str = "relevance"
    cursor: str | None = None
    limit: int = 20
    principals: frozenset[str] = frozenset({"public"})
    facet_size: int = 20
    snippets: bool = True


@dataclass
class Hit:
    id: str
    kind: str
    score: float
    title: str
    title_ko: str = ""
    snippets: list[str] = field(default_factory=list)


@dataclass
class FacetValue:
    value: str
    count: int
    label_en: str = ""
    label_ko: str = ""


@dataclass
class SearchResult:
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    total: int
    next_cursor: str | None = None
    # Set when q was exactly an accession the caller may read: the UI jumps straight to the record.
    redirect: str | None = None
    # True when the exact words matched nothing and typo-tolerant matching was used instead.
    fuzzy: bool = False
    # True when `total` and the facet counts are estimates: over very large result sets an engine may
    # count a stable random sample of the matching (readable) records and scale up (the UI says "about").
    approximate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
