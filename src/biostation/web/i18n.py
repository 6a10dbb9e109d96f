"""Korean by default, English with one click: gettext catalogues read with Babel, formats per locale.

The English text is the message id, so English needs no catalogue. The Korean catalogue is a plain
``.po`` file (translators' tools open it); it is read with Babel at start-up, so there is no compile step.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

LANGUAGES = {"ko": "한국어", "en": "English"}
DEFAULT = "ko"
LOCALES = {"ko": "ko_KR", "en": "en_GB"}
LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "lang"
KST = ZoneInfo("Asia/Seoul")


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return {}
    with open(path, "rb") as fh:
        cat = read_po(fh, locale=LOCALES.get(lang, lang))
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string}


def pick(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT


def translator(lang: str) -> Callable[..., str]:
    """``_("Signed in as %(name)s", name=x)``: look the English text up, then fill in the values."""
    table = catalogue(lang) if lang != "en" else {}

    def _(text: str, **values: Any) -> str:
        out = table.get(text, text)
        return out % values if values else out
    return _


def N_(text: str) -> str:
    """Mark a message for the catalogue where it is defined; it is translated where it is shown."""
    return text


def both(lang: str, en: str, ko: str) -> str:
    """Pick one of a service's two messages (errors carry message_en and message_ko)."""
    return ko if lang == "ko" else en


def fmt_date(value: date | datetime | None, lang: str, form: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # The national station shows Korean time (KST); stored instants are UTC.
        local = value.replace(tzinfo=value.tzinfo or timezone.utc).astimezone(KST)
        if form == "datetime":
            pattern = "yyyy. M. d. aaaa h:mm" if lang == "ko" else "d MMM yyyy, HH:mm"
            return format_datetime(local, pattern, tzinfo=KST, locale=LOCALES[lang]) + " KST"
        value = local.date()
    return format_date(value, "medium" if form == "datetime" else form, locale=LOCALES[lang])


def fmt_number(value: float | int | None, lang: str) -> str:
    return "" if value is None else format_decimal(value, locale=LOCALES[lang])


def fmt_percent(value: float, lang: str, pattern: str | None = "#,##0.#%") -> str:
    """A share 0-1 as a percentage with at most one decimal (the locale's symbols and order)."""
    return format_percent(value, pattern, locale=LOCALES[lang])


def fmt_month(month: str, lang: str) -> str:
    """'2025-03' as the locale writes a month: '2025년 3월', 'Mar 2025'."""
    year, mon = (int(x) for x in month.split("-"))
    return format_skeleton("yMMM", date(year, mon, 1), locale=LOCALES[lang])


_UNITS = [("digital-terabyte", 1e12), ("digital-gigabyte", 1e9), ("digital-megabyte", 1e6),
          ("digital-kilobyte", 1e3)]


def fmt_size(n: int | None, lang: str) -> str:
    """Decimal units (kB = 1000 bytes), as storage vendors and most archives count."""
    if n is None:
        return ""
    for unit, scale in _UNITS:
        if n >= scale:
            return format_unit(round(n / scale, 1), unit, length="short", locale=LOCALES[lang])
    return format_unit(n, "digital-byte", length="short", locale=LOCALES[lang])
