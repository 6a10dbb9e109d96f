"""Keyset pagination: a cursor names the last key seen, so page 10,000 costs what page 1 costs."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from .errors import ValidationFailed, field_error


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, json.JSONDecodeError):
        raise ValidationFailed([field_error("invalid_cursor", "cursor", "The cursor is not valid.",
                                            "커서 값이 올바르지 않습니다.",
                                            "Use the next_cursor value from the previous page unchanged.", cursor)])


def paginate(session: Session, query: Select, key_column: Any, cursor: str | None, limit: int,
             max_limit: int) -> Page:
    if limit < 1 or limit > max_limit:
        raise ValidationFailed([field_error("invalid_limit", "limit", f"limit must be between 1 and {max_limit}.",
                                            f"limit은 1에서 {max_limit} 사이여야 합니다.", "Use a smaller page.", limit)])
    if cursor:
        query = query.where(key_column > decode_cursor(cursor))
    rows = list(session.scalars(query.order_by(key_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], key_column.key)) if more and rows else None
    return Page(rows, next_cursor)
