"""``GET /api/stats``: the station's statistics for operators and curators."""
from __future__ import annotations

from fastapi import APIRouter, Query

from ..api.deps import Caller, StationDep
from .schemas import StatsOut

router = APIRouter(prefix="/api", tags=["stats"])


@router.get("/stats", response_model=StatsOut)
def statistics(station: StationDep, caller: Caller,
               start: str | None = Query(None, alias="from", description="First month, YYYY-MM (UTC)"),
               end: str | None = Query(None, alias="to", description="Last month, YYYY-MM (UTC), included")
               ) -> StatsOut:
    """Deposits per month by ministry and research field, data types, access levels, QC grades, views and
    downloads per month, and the utilisation rate: the share of published datasets downloaded at least once
    in the period (default: the last 12 months). Operators and curators only."""
    with station.uow() as uow:
        return station.stats.report(uow, caller, start, end)
