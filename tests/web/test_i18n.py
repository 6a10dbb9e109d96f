"""Every string the pages show has a Korean translation, and numbers, dates and sizes follow the locale."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir

from biostation.web import i18n

WEB = Path(i18n.__file__).parent


def extracted() -> dict[str, str]:
    out = {}
    for filename, _line, msg, _c, _ctx in extract_from_dir(
            str(WEB), method_map=[("templates/**.html", "jinja2"), ("**.py", "python")],
            options_map={"templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
            keywords={"_": None, "N_": None}):
        out.setdefault(msg if isinstance(msg, str) else msg[0], filename)
    return out


def test_every_message_has_a_korean_translation() -> None:
    messages = extracted()
    assert len(messages) > 150  # the extraction really read the templates
    ko = i18n.catalogue("ko")
    missing = {m: f for m, f in messages.items() if m not in ko}
    assert not missing, f"untranslated (add them to locale/ko/LC_MESSAGES/messages.po): {missing}"
    for msgid, text in ko.items():
        for name in ("%(n)s", "%(acc)s", "%(name)s", "%(path)s", "%(date)s", "%(total)s", "%(f)s", "%(file)s", "%(first)s", "%(last)s", "%(id)s", "%(state)s", "%(title)s", "%(url)s", "%(used)s", "%(quota)s"):
            assert (name in msgid) == (name in text), f"placeholder {name} lost in {msgid!r}"


def test_locale_formats() -> None:
    assert i18n.fmt_number(1234567, "en") == "1,234,567"
    assert i18n.fmt_size(1_500_000, "en") == "1.5 MB"
    assert i18n.fmt_size(1_500_000, "ko") == "1.5MB"
    assert i18n.fmt_size(12, "en") == "12 byte"
    assert i18n.fmt_date(date(2025, 3, 1), "ko", "long") == "2025년 3월 1일"
    assert i18n.fmt_date(date(2025, 3, 1), "en", "long") == "1 March 2025"
    from datetime import datetime, timezone
    at = datetime(2026, 11, 23, 20, 9, tzinfo=timezone.utc)  # 05:09 the next morning in Seoul
    assert i18n.fmt_date(at, "ko", "datetime") == "2026. 11. 24. 오전 5:09 KST"
    assert i18n.fmt_date(at, "en", "datetime") == "24 Nov 2026, 05:09 KST"
    assert i18n.fmt_date(at, "ko", "long") == "2026년 11월 24일"
    assert i18n.translator("ko")("Signed in as %(name)s.", name="minji") == "minji(으)로 로그인했습니다."
    assert i18n.translator("en")("Signed in as %(name)s.", name="minji") == "Signed in as minji."
