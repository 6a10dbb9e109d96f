"""Opaque cursors: the last sort key seen, bound to the query that produced it.

A cursor used with a different query, filter set or sort is refused instead of silently paging through
some other result list.
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Callable

from ..errors import ValidationFailed, field_error
from .model import SearchQuery


def fingerprint(query: SearchQuery) -> str:
    filters = sorted((k, sorted(map(str, v))) for k, v in query.filters.items())
    raw = json.dumps([query.q.strip(), filters, query.sort], ensure_ascii=False)
    return hashlib.blake2b(raw.encode(), digest_size=6).hexdigest()


def encode(query: SearchQuery, key: Any) -> str:
    body = json.dumps({"f": fingerprint(query), "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def _invalid(cursor: str) -> ValidationFailed:
    return ValidationFailed([field_error(
        "invalid_cursor", "cursor", "The cursor is not valid for this search.",
        "이 검색에 맞지 않는 커서입니다.",
        "Pass next_cursor from the previous page unchanged, with the same q, filters and sort.", cursor)])


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode(query: SearchQuery, valid: Callable[[Any], bool] = lambda key: True) -> Any:
    """The key of the query's cursor (None without one); refused unless it came from this query and
    `valid` (the engine's check of its shape) accepts it: a hand-made key never reaches a query."""
    if not query.cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(query.cursor + "=" * (-len(query.cursor) % 4)))
    except (ValueError, json.JSONDecodeError):
        raise _invalid(query.cursor) from None
    if not isinstance(data, dict) or data.get("f") != fingerprint(query) or "k" not in data or not valid(data["k"]):
        raise _invalid(query.cursor)
    return data["k"]
