"""The station's web interface: server-rendered pages (Jinja2 + htmx) calling the same services as the API.

``mount_web(app, station)`` adds the pages at ``/``, the static files at ``/static``, and the session and
CSRF middleware that let the page's JavaScript call ``/api`` with the signed-in user's cookie.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

STATIC = Path(__file__).parent / "static"


def mount_web(app: FastAPI, station: Any) -> None:
    from .routes import router
    from .session import SESSION_COOKIE, SESSION_MAX_AGE, IdentityMiddleware, session_secret

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    # Added last = runs first: the session is decoded before the identity is looked up.
    app.add_middleware(IdentityMiddleware, station=station)
    app.add_middleware(SessionMiddleware, secret_key=session_secret(station), session_cookie=SESSION_COOKIE,
                       max_age=SESSION_MAX_AGE, same_site="lax",
                       https_only=station.config.effective_base_url.startswith("https://"))
