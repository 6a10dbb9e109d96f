"""Keep each published dataset's grade current for the grade counts: on publication and on new QC results."""
from __future__ import annotations

from typing import Any, Callable

from ..jobs import handler, subscribe


@subscribe("dataset.published")
@subscribe("dataset.quality_changed")
def refresh_grade(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    return station.stats.refresh_grade(int(payload["dataset_id"]))


@handler("stats.refresh")
def refresh_report(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    return station.stats.refresh(payload["start"], payload["end"])
