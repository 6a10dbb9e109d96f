"""Sign in, sign out and the language switch."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...errors import StationError
from .. import i18n
from ..render import WebRoute, flash, lang_of, page, redirect, station_of
from .common import checked_form, safe_next

router = APIRouter(route_class=WebRoute)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    return page(request, "sign_in.html", next=safe_next(next))


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await checked_form(request)
    station = station_of(request)
    username = str(form.get("username") or "")
    target = safe_next(form.get("next"))
    try:
        with station.uow() as uow:
            identity = station.accounts.sign_in(uow, username, str(form.get("password") or ""))
    except StationError as exc:
        return page(request, "sign_in.html", status=exc.status, next=target, username=username, error=exc)
    session = request.scope["session"]
    session.clear()  # a fresh session (and CSRF token) at sign-in: no fixation
    session.update({"uid": identity.user_id, "username": identity.username})
    _ = i18n.translator(lang_of(request))
    flash(request, _("Signed in as %(name)s.", name=identity.username))
    return redirect(target)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    request.scope["session"].clear()
    _ = i18n.translator(lang_of(request))
    flash(request, _("You are signed out."))
    return redirect("/")


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """One click: the choice is kept in a cookie for a year (not a secret, so a plain GET link is fine)."""
    response = redirect(safe_next(next))
    response.set_cookie(i18n.COOKIE, i18n.pick(code), max_age=365 * 24 * 3600, samesite="lax")
    return response
