"""What the station calls: open the configured engine, turn request parameters into a SearchQuery.

The core owns identities and records; it passes principals (see SearchDoc.readers) and, for
`biostation search reindex`, registers the function that streams SearchDocs from its database.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from ..config import Config, load_config
from ..errors import ValidationFailed, field_error
from .engine import SearchEngine
from .model import DEFAULT_FACETS, SearchDoc, SearchQuery, SearchResult
from .ontology import BUILTIN, Ontology

DocSource = Callable[[], Iterable[SearchDoc]]
_doc_source: DocSource | None = None
_ontology: Ontology | None = None


def register_doc_source(source: DocSource) -> None:
    """The core registers how to stream every searchable record (used by reindex)."""
    global _doc_source
    _doc_source = source


def doc_source() -> DocSource | None:
    return _doc_source


def register_ontology(ontology: Ontology) -> None:
    """Swap the built-in lineage tables for the forms' NCBI taxonomy and ontologies."""
    global _ontology
    _ontology = ontology


def index_dir(config: Config | None = None) -> Path:
    config = config or load_config()
    return config.data_path / "search"


def open_engine(config: Config | None = None, *, kind: str = "tantivy", path: str | Path | None = None,
                dsn: str | None = None, ontology: Ontology | None = None) -> SearchEngine:
    """kind 'tantivy' (embedded, default: <data_dir>/search) or 'postgres' (a table in the station database)."""
    ontology = ontology or _ontology or BUILTIN
    if kind == "tantivy":
        from .tantivy_engine import TantivyEngine

        return TantivyEngine(path or index_dir(config), ontology=ontology)
    if kind == "postgres":
        from .pg_engine import PostgresEngine

        if dsn is None:
            url = (config or load_config()).effective_database_url
            dsn = url.replace("postgresql+psycopg://", "postgresql://")
        return PostgresEngine(dsn, ontology=ontology)
    raise ValueError(f"unknown search engine {kind!r} (tantivy or postgres)")


def parse_filters(items: Iterable[str]) -> dict[str, list[str]]:
    """["data_type=image", "year=2020", "year=2021"] -> {"data_type": ["image"], "year": ["2020", "2021"]}."""
    out: dict[str, list[str]] = {}
    errors = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            errors.append(field_error("invalid_filter", "filter", f"'{item}' is not key=value.",
                                      f"'{item}'은(는) key=value 형식이 아닙니다.",
                                      "Write a filter as data_type=image or organism=Mammalia.", item))
            continue
        out.setdefault(key.strip(), []).append(value.strip())
    if errors:
        raise ValidationFailed(errors)
    return out


def search(engine: SearchEngine, q: str = "", *, principals: Iterable[str], filters: Iterable[str] = (),
           sort: str = "relevance", cursor: str | None = None, limit: int = 20,
           facets: Iterable[str] = DEFAULT_FACETS) -> SearchResult:
    """The API/CLI shape: filters as key=value strings, principals from the caller's identity."""
    return engine.query(SearchQuery(q=q, filters=parse_filters(filters), facets=tuple(facets), sort=sort,
                                    cursor=cursor, limit=limit, principals=frozenset(principals)))
