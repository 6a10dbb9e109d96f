"""A DataCite REST API client (JSON:API): create a DOI, update it, publish or hide it.

``POST /dois`` creates (a draft without an event, findable with ``event: publish``); ``PUT /dois/{doi}``
updates and moves state (``publish``, ``register``, ``hide``). Basic auth with the repository id and password.
"""
from __future__ import annotations

from typing import Any

import httpx

from ..errors import StationError

MEDIA = "application/vnd.api+json"


class DataCiteError(StationError):
    def __init__(self, status: int, detail: str, doi: str):
        super().__init__("datacite_failed", f"DataCite refused {doi} (HTTP {status}): {detail}",
                         f"DataCite가 {doi} 요청을 거절했습니다 (HTTP {status}): {detail}", 502,
                         "Check datacite_url, datacite_user, datacite_password and datacite_prefix "
                         "(`biostation config show`); the station retries on the next sync.")
        self.http_status = status


class DataCiteClient:
    def __init__(self, url: str, user: str, password: str, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None):
        self.http = httpx.Client(base_url=url.rstrip("/"), auth=(user, password), timeout=timeout,
                                 headers={"Content-Type": MEDIA, "Accept": MEDIA}, transport=transport)

    def close(self) -> None:
        self.http.close()

    @staticmethod
    def _body(doi: str, attributes: dict[str, Any], event: str | None) -> dict[str, Any]:
        attrs = {**attributes, "doi": doi}
        if event:
            attrs["event"] = event
        return {"data": {"id": doi, "type": "dois", "attributes": attrs}}

    def _check(self, response: httpx.Response, doi: str) -> dict[str, Any]:
        if response.status_code >= 300:
            try:
                errors = response.json().get("errors", [])
                detail = "; ".join(str(e.get("title") or e.get("detail") or e) for e in errors) or response.text[:300]
            except ValueError:
                detail = response.text[:300]
            raise DataCiteError(response.status_code, detail, doi)
        return response.json()

    def create(self, doi: str, attributes: dict[str, Any], event: str | None = None) -> dict[str, Any]:
        """POST /dois: a draft DOI (no event) or a findable one (event='publish')."""
        try:
            r = self.http.post("/dois", json=self._body(doi, attributes, event))
        except httpx.HTTPError as exc:
            raise DataCiteError(0, str(exc), doi) from None
        return self._check(r, doi)

    def update(self, doi: str, attributes: dict[str, Any], event: str | None = None) -> dict[str, Any]:
        """PUT /dois/{doi}: new metadata and, with an event, a new state."""
        try:
            r = self.http.put(f"/dois/{doi}", json=self._body(doi, attributes, event))
        except httpx.HTTPError as exc:
            raise DataCiteError(0, str(exc), doi) from None
        return self._check(r, doi)

    def get(self, doi: str) -> dict[str, Any] | None:
        r = self.http.get(f"/dois/{doi}")
        if r.status_code == 404:
            return None
        return self._check(r, doi)
