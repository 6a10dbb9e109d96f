"""The bio data map's search page: facets with counts, highlighted snippets, cursor pages, and a URL that
holds the whole query (q, filters, sort, cursor), so a result can be bookmarked and shared."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ... import vocab
from ...errors import StationError
from ..render import WebRoute, identity_of, lang_of, page, redirect, station_of, term

router = APIRouter(route_class=WebRoute)
FACETS = ("kind", "research_field", "data_type", "organism", "ministry", "access_level", "year", "file_format",
          "quality_grade")
SORTS = ("relevance", "date", "date_asc")
TABLES = {"research_field": vocab.RESEARCH_FIELDS, "data_type": vocab.DATA_TYPES, "ministry": vocab.MINISTRIES,
          "access_level": vocab.ACCESS_LEVELS}


def run_search(request: Request, q: str = "", filters: list[str] | None = None, sort: str = "relevance",
               cursor: str | None = None, limit: int = 20, facets: tuple[str, ...] = FACETS) -> Any:
    from ...search.service import search
    station = station_of(request)
    with station.uow() as uow:
        principals = station.access.principals(uow, identity_of(request))
    return search(station.search_engine, q, principals=principals, filters=filters or [], sort=sort,
                  cursor=cursor, limit=limit, facets=facets)


def facet_label(name: str, value: Any, lang: str) -> str:
    if name in TABLES:
        return term(TABLES[name], value.value, lang)
    if name == "kind":
        return {"dataset": ("Datasets", "데이터셋"), "sample": ("Samples", "시료"),
                "material": ("Materials", "소재")}.get(value.value, (value.value, value.value))[lang == "ko"]
    label = value.label_ko if lang == "ko" and value.label_ko else value.label_en
    return label or str(value.value)


@router.get("/search")
def search_page(request: Request, q: str = "", filter: list[str] = Query([]), sort: str = "relevance",
                cursor: str | None = None) -> Response:
    lang = lang_of(request)
    sort = sort if sort in SORTS else "relevance"
    error = None
    result = None
    try:
        result = run_search(request, q, filter, sort, cursor)
    except StationError as exc:
        error = exc
    if result is not None and result.redirect and not filter and not cursor:
        return redirect(f"/datasets/{result.redirect}")

    def url(**change: Any) -> str:
        params: list[tuple[str, str]] = [("q", q)] if q else []
        filters = change.pop("filters", filter)
        params += [("filter", f) for f in filters]
        s = change.pop("sort", sort)
        if s != "relevance":
            params.append(("sort", s))
        if change.get("cursor"):
            params.append(("cursor", change["cursor"]))
        return "/search" + ("?" + urlencode(params) if params else "")

    facets = []
    if result is not None:
        for name in FACETS:
            values = result.facets.get(name) or []
            if not values:
                continue
            items = []
            for v in values:
                key = f"{name}={v.value}"
                active = key in filter
                toggled = [f for f in filter if f != key] if active else [*filter, key]
                items.append({"label": facet_label(name, v, lang), "count": v.count, "active": active,
                              "href": url(filters=toggled)})
            facets.append({"name": name, "items": items})
    active = [{"text": f, "href": url(filters=[x for x in filter if x != f])} for f in filter]
    return page(request, "search.html", status=error.status if error else 200, q=q, result=result, error=error, facets=facets, active=active,
                sort=sort, filters=filter, sorts=SORTS,
                next_url=url(cursor=result.next_cursor) if result is not None and result.next_cursor else None,
                first_url=url() if cursor else None)
