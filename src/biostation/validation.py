"""Turn pydantic's errors into the station's field errors: every error at once, in Korean and English."""
from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from .errors import FieldError, ValidationFailed

M = TypeVar("M", bound=BaseModel)

_KO = {
    "missing": ("필수 항목이 비어 있습니다.", "Fill in this field."),
    "string_type": ("문자열이어야 합니다.", "Send text in quotes."),
    "string_too_short": ("값이 너무 짧습니다.", "Write at least the minimum number of characters."),
    "string_too_long": ("값이 너무 깁니다.", "Shorten the value."),
    "string_pattern_mismatch": ("형식이 맞지 않습니다.", "Follow the pattern shown in the field's help."),
    "int_parsing": ("정수가 아닙니다.", "Write a whole number such as 42."),
    "int_type": ("정수가 아닙니다.", "Write a whole number such as 42."),
    "greater_than_equal": ("값이 너무 작습니다.", "Use a larger value."),
    "less_than_equal": ("값이 너무 큽니다.", "Use a smaller value."),
    "date_from_datetime_parsing": ("날짜 형식이 아닙니다.", "Write the date as YYYY-MM-DD, e.g. 2025-03-01."),
    "date_parsing": ("날짜 형식이 아닙니다.", "Write the date as YYYY-MM-DD, e.g. 2025-03-01."),
    "date_type": ("날짜 형식이 아닙니다.", "Write the date as YYYY-MM-DD, e.g. 2025-03-01."),
    "list_type": ("목록이어야 합니다.", "Send a JSON array, e.g. [\"a\", \"b\"]."),
    "dict_type": ("객체여야 합니다.", "Send a JSON object."),
    "model_type": ("객체여야 합니다.", "Send a JSON object."),
    "extra_forbidden": ("알 수 없는 항목입니다.", "Remove this field or check its spelling."),
    "bool_parsing": ("참/거짓 값이 아닙니다.", "Use true or false."),
    "literal_error": ("허용되지 않는 값입니다.", "Use one of the values listed in the message."),
    "enum": ("허용되지 않는 값입니다.", "Use one of the values listed in the message."),
    "json_invalid": ("JSON 형식이 올바르지 않습니다.", "Check commas, quotes and brackets."),
}


def invalid(code: str, en: str, ko: str, hint: str = "") -> PydanticCustomError:
    """Raise from a pydantic validator to give a stable code and both languages."""
    return PydanticCustomError(code, en, {"ko": ko, "hint": hint})


def choice(value: str, allowed: Any, what_en: str, what_ko: str) -> str:
    """Check a code against a controlled list, naming the list in the hint."""
    if value not in allowed:
        raise invalid("invalid_choice", f"Unknown {what_en} {value!r}.", f"알 수 없는 {what_ko}입니다: {value!r}.",
                      "One of: " + ", ".join(allowed))
    return value


def field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def to_field_errors(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[FieldError]:
    return from_error_list(exc.errors(), prefix)


def from_error_list(error_list: Any, prefix: tuple[Any, ...] = (), strip_body: bool = False) -> list[FieldError]:
    """pydantic/FastAPI error dicts -> field errors (FastAPI prefixes body fields with 'body')."""
    errors = []
    for err in error_list:
        loc = tuple(err["loc"])
        if strip_body and loc and loc[0] == "body":
            loc = loc[1:]
        ctx = err.get("ctx") or {}
        ko, hint = _KO.get(err["type"], ("값이 올바르지 않습니다.", "Check the value against the field's description."))
        ko = ctx.get("ko", ko)
        hint = ctx.get("hint", hint)
        value = err.get("input")
        if not isinstance(value, (str, int, float, bool)) or err["type"] == "missing":
            value = None
        errors.append(FieldError(code=err["type"], field=field_path(prefix + loc),
                                 message_en=err["msg"], message_ko=ko, hint=hint, value=value))
    return errors


def parse(model: type[M], data: Any) -> M:
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(to_field_errors(exc)) from None
