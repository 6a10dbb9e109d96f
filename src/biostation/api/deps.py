"""Typed route dependencies: a route's signature says who may call it."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..errors import StationError, Unauthenticated
from ..identity import Identity
from ..station import Station


def get_station(request: Request) -> Station:
    return request.app.state.station


def current_identity(request: Request) -> Identity:
    """Bearer token on the API; the web UI's session sets request.state.identity."""
    identity = getattr(request.state, "identity", None)
    if identity is not None:
        return identity
    station = get_station(request)
    reviewer = request.headers.get("x-reviewer-token")
    if reviewer:  # a journal referee's link: read-only, anonymous, limited to one dataset
        identity = station.access.reviewer_identity(reviewer)
        request.state.identity = identity
        return identity
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header.lower().startswith("bearer ") else None
    with station.uow() as uow:
        identity = station.accounts.authenticate(uow, secret)
    if identity.via == "invalid-token":
        raise StationError("invalid_token", "The API token is unknown, expired or revoked.",
                           "API 토큰이 없거나 만료되었거나 폐기되었습니다.", 401,
                           "Create a new token with `biostation tokens create`.")
    request.state.identity = identity
    return identity


def signed_in(identity: Annotated[Identity, Depends(current_identity)]) -> Identity:
    if identity.user_id is None:
        raise Unauthenticated()
    return identity


StationDep = Annotated[Station, Depends(get_station)]
Caller = Annotated[Identity, Depends(current_identity)]
SignedIn = Annotated[Identity, Depends(signed_in)]
