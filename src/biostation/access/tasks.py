"""Background work of the access domain: telling depositors about emergencies, flagging overdue requests."""
from __future__ import annotations

from typing import Any, Callable

from ..jobs import handler


@handler("access.emergency_notify")
def emergency_notify(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    """Notify the owners and co-owners of every dataset an emergency opens (or stops opening)."""
    return {"notified": station.access.notify_emergency(int(payload["emergency_id"]), payload.get("event", "declared"))}


@handler("access.flag_overdue")
def flag_overdue(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    """Flag requests waiting more than 14 days to the committee chairs and operators (idempotent)."""
    with station.uow() as uow:
        return {"flagged": station.access.flag_overdue(uow)}
