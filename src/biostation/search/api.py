from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from ..api.deps import Caller, StationDep
from .model import DEFAULT_FACETS
from .service import search

router = APIRouter(prefix="/api/search", tags=["search"])


@router.get("")
def search_records(station: StationDep, caller: Caller, q: str = "",
                   filter: list[str] = Query([], description="key=value, repeatable: research_field=new_drugs, "
                                                             "taxon=40674 (with descendants), year=2025 ..."),
                   sort: str = "relevance", cursor: str | None = None, limit: int = Query(20, ge=1, le=100),
                   facet: list[str] = Query(list(DEFAULT_FACETS))) -> dict[str, Any]:
    """One search over the station: hits with snippets, facet counts, total and the next cursor. The caller's
    rights are part of the query, so nothing unreadable shows up in hits, counts or snippets."""
    with station.uow() as uow:
        principals = station.access.principals(uow, caller)
    result = search(station.search_engine, q, principals=principals, filters=filter, sort=sort, cursor=cursor,
                    limit=limit, facets=facet)
    return result.as_dict()


@router.get("/suggest")
def suggest(station: StationDep, caller: Caller, prefix: str = Query(..., min_length=1),
            limit: int = Query(10, ge=1, le=50)) -> dict[str, Any]:
    with station.uow() as uow:
        principals = station.access.principals(uow, caller)
    return {"suggestions": [{"text": t, "count": n}
                            for t, n in station.search_engine.suggest(prefix, principals, limit)]}
