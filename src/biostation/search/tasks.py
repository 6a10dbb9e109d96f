"""Keep the bio data map current: within seconds of a publish, an access change or a new QC grade."""
from __future__ import annotations

from typing import Any, Callable

from ..jobs import subscribe
from .documents import reindex_dataset


@subscribe("dataset.published")
@subscribe("dataset.access_changed")
@subscribe("dataset.quality_changed")
def index_dataset(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    return {"search": reindex_dataset(station, int(payload["dataset_id"]))}
