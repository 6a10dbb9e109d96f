"""Errors are data: a stable code, the field path, Korean and English text and a hint.

Services raise these; the API turns them into RFC 9457 problem details and the CLI prints them.
Validation collects every error before raising, so a user fixes everything in one round.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FieldError:
    code: str
    field: str
    message_en: str
    message_ko: str
    hint: str = ""
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["value"] is None:
            data.pop("value")
        return data


@dataclass
class StationError(Exception):
    """Base of every error a user can see."""

    code: str
    message_en: str
    message_ko: str
    status: int = 400
    hint: str = ""
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        details = "; ".join(f"{e.field}: {e.message_en}" for e in self.errors)
        return f"{self.code}: {self.message_en}" + (f" ({details})" if details else "")

    def problem(self, instance: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://biostation.kr/problems/{self.code}",
            "title": self.message_en,
            "title_ko": self.message_ko,
            "status": self.status,
            "code": self.code,
            "detail": self.hint or self.message_en,
            "hint": self.hint,
            "errors": [e.as_dict() for e in self.errors],
        }
        if instance:
            body["instance"] = instance
        return body


class ValidationFailed(StationError):
    def __init__(self, errors: list[FieldError], message_en: str = "The request has invalid values.",
                 message_ko: str = "요청에 올바르지 않은 값이 있습니다."):
        super().__init__("validation_failed", message_en, message_ko, 422,
                         "Fix every field listed in 'errors' and send the request again.", errors)


class NotFound(StationError):
    """Also used for records the caller may not read, so their existence does not leak."""

    def __init__(self, what: str, key: str):
        super().__init__("not_found", f"{what} {key} was not found.", f"{what} {key}을(를) 찾을 수 없습니다.", 404,
                         "Check the accession or identifier; you may also lack the right to see it.")


class Unauthenticated(StationError):
    def __init__(self) -> None:
        super().__init__("unauthenticated", "Sign in or send an API token.", "로그인하거나 API 토큰을 보내 주세요.",
                         401, "Send 'Authorization: Bearer <token>'; create one with `biostation tokens create`.")


class PermissionDenied(StationError):
    def __init__(self, action: str, target: str):
        super().__init__("permission_denied", f"You may not {action} {target}.",
                         f"{target}에 대해 '{action}' 권한이 없습니다.", 403,
                         "Ask the owner, a curator or an operator for the right role.")


class Conflict(StationError):
    def __init__(self, code: str, message_en: str, message_ko: str, hint: str = ""):
        super().__init__(code, message_en, message_ko, 409, hint)


def field_error(code: str, field: str, en: str, ko: str, hint: str = "", value: Any = None) -> FieldError:
    return FieldError(code=code, field=field, message_en=en, message_ko=ko, hint=hint, value=value)
