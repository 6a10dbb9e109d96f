"""Headline numbers for the home page: the bio data map's facets, or the statistics service's SQL counts
when the search index is unavailable. Both count only what the caller may read."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Summary:
    datasets: int = 0
    by_field: Counter = field(default_factory=Counter)
    by_ministry: Counter = field(default_factory=Counter)
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


def headline_summary(headline: Any) -> Summary:
    """The statistics service's headline (published datasets the caller may read, grouped in SQL)."""
    return Summary(datasets=headline.datasets, by_field=Counter({c.key: c.datasets for c in headline.by_field}),
                   by_ministry=Counter({c.key: c.datasets for c in headline.by_ministry}))
