"""Small pieces the page modules share: the CSRF-checked form, the signed-in guard, safe redirects."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from ...errors import Unauthenticated
from ...identity import Identity
from ..render import identity_of
from ..session import csrf_error, csrf_ok


async def checked_form(request: Request) -> FormData:
    """The posted form, refused unless it carries this session's CSRF token (field or header)."""
    form = await request.form()
    supplied = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not csrf_ok(request.scope.get("session") or {}, supplied if isinstance(supplied, str) else None):
        raise csrf_error()
    return form


def signed_in(request: Request) -> Identity:
    identity = identity_of(request)
    if identity.user_id is None:
        raise Unauthenticated()
    return identity


def safe_next(target: Any, default: str = "/") -> str:
    """Only a path on this site: an open redirect would let a link send users elsewhere after sign-in."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
