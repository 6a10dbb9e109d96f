"""Web fixtures: a signed-in browser-like client (session cookie + CSRF token), on both database backends."""
from __future__ import annotations

import re
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium against a live server (SQLite only)")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'data-csrf="([^"]+)"', html)
    assert m, "page carries no CSRF token"
    return m.group(1)


class WebClient:
    """A TestClient that signs in through the sign-in page, as a person would."""

    def __init__(self, client: Any):
        self.c = client

    def get(self, url: str, **kw: Any) -> Any:
        return self.c.get(url, **kw)

    def token(self, url: str = "/") -> str:
        return csrf_of(self.c.get(url).text)

    def post(self, url: str, data: dict | None = None, token_from: str = "/", **kw: Any) -> Any:
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.c.post(url, data=data, **kw)

    def sign_in(self, username: str, password: str = "pass-word-1") -> Any:
        return self.post("/sign-in", {"username": username, "password": password, "next": "/"},
                         token_from="/sign-in", follow_redirects=False)


@pytest.fixture
def web(client: Any, station: Any, people: dict) -> WebClient:
    from biostation.identity import SYSTEM
    with station.uow() as uow:
        for name in people:
            station.accounts.set_password(uow, SYSTEM, name, "pass-word-1")
    return WebClient(client)
