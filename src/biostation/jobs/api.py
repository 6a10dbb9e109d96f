from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from ..api.deps import SignedIn, StationDep
from ..policy import require
from .models import Job

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


class JobOut(BaseModel):
    id: int
    kind: str
    state: str
    progress: float
    attempts: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None


@router.get("", response_model=list[JobOut])
def list_jobs(station: StationDep, caller: SignedIn, state: str | None = None,
              limit: int = Query(100, ge=1, le=1000)) -> list[JobOut]:
    require(station, caller, caller.has_role("operator"), "read", "job queue", "*")
    with station.uow() as uow:
        q = select(Job).order_by(Job.id.desc()).limit(limit)
        if state:
            q = q.where(Job.state == state)
        return [JobOut.model_validate(j, from_attributes=True) for j in uow.session.scalars(q)]
