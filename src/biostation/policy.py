"""The one gate every service call passes: allow, or record the denial and refuse.

Domain ``policy.py`` modules decide *whether* (small composable rules); this decides *what happens*:
a denial is written to the audit log in its own transaction (so the request's rollback cannot erase it),
and the caller gets 401 when anonymous, 403 otherwise, or 404 when even existence must not leak.
"""
from __future__ import annotations

from typing import Any

from .audit.service import record_alone
from .errors import NotFound, PermissionDenied, Unauthenticated
from .identity import Identity


def require(station: Any, identity: Identity, allowed: bool, action: str, target_kind: str, target: str,
            *, hide: bool = False) -> None:
    if allowed:
        return
    record_alone(station.session_factory, identity, f"{target_kind}.{action.replace(' ', '_')}", target_kind,
                 target, {"via": identity.via}, decision="deny")
    if hide:
        raise NotFound(target_kind.capitalize(), target)
    if identity.user_id is None and not identity.is_system:
        raise Unauthenticated()
    raise PermissionDenied(action, f"{target_kind} {target}")
