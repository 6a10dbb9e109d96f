from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ..api.deps import SignedIn, StationDep
from ..policy import require
from . import service

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target_kind: str
    target: str
    decision: str
    details: dict
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    next_cursor: int | None


@router.get("", response_model=AuditPage)
def list_audit(station: StationDep, caller: SignedIn, before: int | None = None, action: str | None = None,
               target: str | None = None, limit: int = Query(100, ge=1, le=1000)) -> AuditPage:
    """Newest first; operators see everything (depositors see their datasets' events on the dataset)."""
    require(station, caller, caller.has_role("operator"), "read", "audit log", "*")
    with station.uow() as uow:
        rows = service.list_events(uow.session, after_id=before, limit=limit, action=action, target=target)
        items = [AuditEventOut.model_validate(r, from_attributes=True) for r in rows]
    return AuditPage(items=items, next_cursor=items[-1].id if len(items) == limit else None)
