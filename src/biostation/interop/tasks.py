"""Background work: keep the OAI record and DOIs of a dataset in step when it is published; push DOIs to
DataCite; full reconciliation passes; scheduled harvests."""
from __future__ import annotations

from typing import Any, Callable

from ..identity import SYSTEM
from ..jobs import handler, subscribe


@subscribe("dataset.published")
def on_published(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    """Mint the version and concept DOIs and (re)write the OAI record; register at DataCite if public."""
    return station.interop.sync_dataset(int(payload["dataset_id"]))


@handler("interop.push_dois")
def push_dois(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    return station.interop.push_dois(int(payload["dataset_id"]), bool(payload["public"]))


@handler("interop.sync")
def sync(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    """Walk every dataset: records that became public or stopped being public (embargo ends, withdrawals)."""
    return station.interop.sync(progress)


@handler("interop.harvest")
def harvest(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    return station.interop.harvest(SYSTEM, payload["source"], progress)
