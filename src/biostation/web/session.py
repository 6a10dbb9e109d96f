"""Web sessions: a signed cookie names the user; each request loads the user again (a disabled account or a
changed role takes effect at once) and hands the identity to the API through ``request.state.identity``.

A cookie is sent by the browser on its own, so every unsafe request it authenticates must also carry the
session's CSRF token: the ``X-CSRF-Token`` header (API calls from the page's JavaScript, htmx) or the
``csrf_token`` form field (plain HTML forms, checked by the web routes).
"""
from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from ..accounts.service import identity_for
from ..errors import NotFound, StationError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
SESSION_COOKIE = "bst_session"
SESSION_MAX_AGE = 12 * 3600


def session_secret(station: Any) -> str:
    """The configured secret, or one made once and kept in the data folder so every worker shares it."""
    configured = station.config.values.get("web_session_secret") or ""
    if configured:
        return configured
    path = Path(station.config.data_path) / "web-session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    for _ in range(50):
        secret = path.read_text().strip()
        if secret:
            return secret
        time.sleep(0.02)
    return path.read_text().strip()


def csrf_token(session: dict) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: dict, supplied: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and supplied and secrets.compare_digest(expected, supplied))


class IdentityMiddleware:
    """Runs inside Starlette's SessionMiddleware: session user -> request.state.identity (unless a bearer
    token is sent, which then wins), and refuses cookie-authenticated unsafe API calls without the CSRF header."""

    def __init__(self, app: ASGIApp, station: Any):
        self.app, self.station = app, station

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = scope.get("session") or {}
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if session.get("uid") is not None and not headers.get("authorization"):
            identity = self._load(session)
            if identity is None:
                session.clear()
            else:
                scope.setdefault("state", {})["identity"] = identity
                if scope["method"] not in SAFE_METHODS and scope["path"].startswith("/api/") \
                        and not csrf_ok(session, headers.get("x-csrf-token")):
                    await _refuse_csrf(scope, send)
                    return
        await self.app(scope, receive, send)

    def _load(self, session: dict) -> Any:
        try:
            with self.station.uow() as uow:
                user = self.station.accounts.get_user(uow, session.get("username", ""))
                if user.id != session.get("uid") or not user.active:
                    return None
                return identity_for(user, via="session")
        except NotFound:
            return None


def csrf_error() -> StationError:
    return StationError("csrf_failed", "The form's security token is missing or out of date.",
                        "양식의 보안 토큰이 없거나 만료되었습니다.", 403,
                        "Reload the page and send the form again.")


async def _refuse_csrf(scope: Scope, send: Send) -> None:
    body = json.dumps(csrf_error().problem(scope["path"]), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
