"""Headline numbers and chart series, gathered through the services as the caller sees them.

Until the search domain's facets are on the station this walks the dataset list page by page (the same
permission filter as every list); it stops after ``LIMIT`` datasets and says so, so a large station never
stalls a page.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import StationError
from ..identity import Identity

LIMIT = 20_000
PAGE = 500


@dataclass
class Summary:
    datasets: int = 0
    truncated: bool = False
    by_field: Counter = field(default_factory=Counter)
    by_ministry: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)
    by_access: Counter = field(default_factory=Counter)
    by_state: Counter = field(default_factory=Counter)
    # (YYYY-MM, ministry) -> datasets created that month
    monthly_ministry: Counter = field(default_factory=Counter)
    monthly_field: Counter = field(default_factory=Counter)
    items: list[Any] = field(default_factory=list)
    samples: int | None = None
    materials: int | None = None


def map_summary(result: Any) -> Summary:
    """Headline numbers from the bio data map's facets (search domain): what the caller may read."""
    out = Summary()
    kinds = {v.value: v.count for v in result.facets.get("kind", [])}
    out.datasets = kinds.get("dataset", 0)
    out.samples, out.materials = kinds.get("sample", 0), kinds.get("material", 0)
    for v in result.facets.get("research_field", []):
        out.by_field[v.value] += v.count
    for v in result.facets.get("ministry", []):
        out.by_ministry[v.value] += v.count
    return out


def dataset_summary(station: Any, identity: Identity, *, published_only: bool = True, keep: bool = False) -> Summary:
    out = Summary()
    ministries: dict[str, str] = {}
    cursor = None
    with station.uow() as uow:
        while True:
            page = station.datasets.list(uow, identity, cursor=cursor, limit=PAGE)
            for ds in station.datasets.list_out(uow, identity, page):
                if published_only and not any(v.state == "published" for v in ds.versions):
                    continue
                if out.datasets >= LIMIT:
                    out.truncated = True
                    return out
                out.datasets += 1
                ministry = ministries.get(ds.project)
                if ministry is None:
                    try:
                        ministry = station.projects.get(uow, identity, ds.project).ministry
                    except StationError:
                        ministry = ""
                    ministries[ds.project] = ministry
                month = ds.created_at.strftime("%Y-%m")
                out.by_field[ds.research_field] += 1
                out.by_ministry[ministry] += 1
                out.by_access[ds.access_level] += 1
                out.by_state[ds.state] += 1
                for t in ds.data_types:
                    out.by_type[t] += 1
                out.monthly_ministry[(month, ministry)] += 1
                out.monthly_field[(month, ds.research_field)] += 1
                if keep:
                    out.items.append(ds)
            cursor = page.next_cursor
            if not cursor:
                return out
