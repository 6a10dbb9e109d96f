"""Page rendering: one Jinja2 environment, the per-request context (language, user, CSRF token), and a route
class that turns a service's StationError into a page in the user's language instead of JSON."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import vocab
from ..errors import FieldError, StationError
from ..identity import ANONYMOUS, Identity
from . import i18n
from .session import csrf_token

TEMPLATES = Path(__file__).parent / "templates"
env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg"]),
                  trim_blocks=True, lstrip_blocks=True)


def lang_of(request: Request) -> str:
    return i18n.pick(request.cookies.get(i18n.COOKIE))


def identity_of(request: Request) -> Identity:
    return getattr(request.state, "identity", None) or ANONYMOUS


def station_of(request: Request) -> Any:
    return request.app.state.station


def term(table: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    """The label of a core vocabulary code in the page's language (the code itself when unknown)."""
    if not code:
        return ""
    en_ko = table.get(code)
    return (en_ko[1] if lang == "ko" else en_ko[0]) if en_ko else code


def context(request: Request, **extra: Any) -> dict[str, Any]:
    lang = lang_of(request)
    identity = identity_of(request)
    session = request.scope.get("session")
    domains = available_domains(request)
    return {
        "request": request, "lang": lang, "languages": i18n.LANGUAGES, "_": i18n.translator(lang),
        "user": identity if identity.user_id is not None else None,
        "csrf": csrf_token(session) if session is not None else "",
        "flash": session.pop("flash", []) if session is not None else [],
        "path": request.url.path, "here": _here(request),
        "fmt_date": lambda v, form="medium": i18n.fmt_date(v, lang, form),
        "fmt_number": lambda v: i18n.fmt_number(v, lang),
        "fmt_size": lambda v: i18n.fmt_size(v, lang),
        "fmt_percent": lambda v: i18n.fmt_percent(v, lang),
        "fmt_month": lambda v: i18n.fmt_month(v, lang),
        "both": lambda en, ko: i18n.both(lang, en, ko),
        "field_label": lambda c: term(vocab.RESEARCH_FIELDS, c, lang),
        "type_label": lambda c: term(vocab.DATA_TYPES, c, lang),
        "ministry_label": lambda c: term(vocab.MINISTRIES, c, lang),
        "access_label": lambda c: term(vocab.ACCESS_LEVELS, c, lang),
        "vocab": vocab, "domains": domains, "vocabularies": _vocabularies(),
        "emergencies": active_emergencies(station_of(request)) if "access" in domains else [],
        **extra,
    }


def active_emergencies(station: Any) -> list[Any]:
    """The emergencies in force now, for the banner on every page (public-health information)."""
    with station.uow() as uow:
        items, _cursor = station.access.emergencies(uow, ANONYMOUS, limit=station.config.page_size_max)
    return [e for e in items if e.active]


def _vocabularies() -> Any:
    try:
        from ..forms import vocabularies
        return vocabularies
    except ImportError:
        return None


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def available_domains(request: Request) -> set[str]:
    """Which domains' pages to offer: a page appears only when its domain's service is on the station."""
    station = station_of(request)
    services = {"search": "search_engine", "forms": "forms", "qc": "qc", "access": "access", "interop": "interop"}
    return {name for name, attr in services.items() if _has_service(station, attr)}


def _has_service(station: Any, name: str) -> bool:
    try:
        return getattr(type(station), name, None) is not None and getattr(station, name) is not None
    except Exception:  # noqa: BLE001 - a domain that fails to start has no pages
        return False


def page(request: Request, template: str, status: int = 200, **extra: Any) -> HTMLResponse:
    html = env.get_template(template).render(context(request, **extra))
    return HTMLResponse(html, status_code=status)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.scope["session"].setdefault("flash", []).append({"message": message, "kind": kind})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def errors_by_field(exc: StationError | None, lang: str, rename: Callable[[str], str] | None = None
                    ) -> dict[str, list[str]]:
    """Field path -> messages in the page's language, each with its hint, ready to show beside the input."""
    out: dict[str, list[str]] = {}
    if exc is None:
        return out
    for err in exc.errors:
        name = rename(err.field) if rename else err.field
        out.setdefault(name, []).append(message_of(err, lang))
    return out


def message_of(err: FieldError | StationError, lang: str) -> str:
    text = err.message_ko if lang == "ko" else err.message_en
    hint = getattr(err, "hint", "")
    if hint and lang == "en":
        text = f"{text} {hint}"
    elif hint and lang == "ko":
        text = f"{text} ({hint})"
    return text


class WebRoute(APIRoute):
    """Station errors on a page become a page: sign-in for 401, an explained error page otherwise."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except StationError as exc:
                if exc.status == 401:
                    return redirect("/sign-in?next=" + quote(_here(request), safe=""))
                return page(request, "error.html", status=exc.status, error=exc)
        return run
