"""Access pages: request access to a controlled dataset, follow my requests, the committee's review queue
with the DUO compatibility verdict, and the operator's emergency controls. The access domain decides;
these pages show its answers and errors beside the fields."""
from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ...access import ontology as onto
from ...access.service import ETHICS_MAX_BYTES
from ...errors import StationError, ValidationFailed, field_error
from .. import i18n
from ..render import WebRoute, errors_by_field, flash, lang_of, page, redirect, station_of
from .common import checked_form, signed_in

router = APIRouter(route_class=WebRoute)
N_ = i18n.N_
USES = ("GRU", "HMB", "DS", "POA")
REQUEST_FIELDS = ("use", "diseases", "country", "purpose_text", "institution", "project_title",
                  "project_reference", "requested_days")


def _input_name(path: str) -> str:
    """Service error path -> input name on the request form."""
    if path.startswith("purpose."):
        return path.split(".", 1)[1].split("[")[0]
    return path.split("[")[0]


# request access -----------------------------------------------------------------------------------------------
@router.get("/datasets/{accession}/request-access")
def request_form(request: Request, accession: str) -> Response:
    identity = signed_in(request)
    station = station_of(request)
    with station.uow() as uow:
        ds = station.datasets.out(uow, *station.datasets.get(uow, identity, accession))
        access = station.access.show(uow, identity, accession)
    return page(request, "access_request.html", ds=ds, access=access, values={"use": "HMB"}, errors={})


def _request_form(form: Any, base_purpose: dict | None = None) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """The request form's inputs -> (values to show again, accepted obligations, purpose as the service takes
    it). Purpose facts the form does not show are kept from `base_purpose` (a request being changed)."""
    values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in REQUEST_FIELDS}
    flags = {k: form.get(k) == "on" for k in ("commercial", "genetic_study", "methods_development")}
    values.update({k: v for k, v in flags.items()})
    accepts = [str(v) for v in form.getlist("accepts")]
    purpose: dict[str, Any] = {k: v for k, v in (base_purpose or {}).items() if k not in ("country",)}
    purpose.update({"use": values["use"], "diseases": [d.strip() for d in values["diseases"].split(",")
                                                       if d.strip()], **flags, "accepts": accepts})
    if values["country"]:
        purpose["country"] = values["country"].upper()
    return values, accepts, purpose


def _requested_days(values: dict[str, Any]) -> int | None:
    if not values["requested_days"]:
        return None
    if not values["requested_days"].isdigit():
        raise ValidationFailed([field_error("int_parsing", "requested_days", "Write a whole number of days.",
                                            "일수를 정수로 입력하세요.", "e.g. 365", values["requested_days"])])
    return int(values["requested_days"])


@router.post("/datasets/{accession}/request-access")
async def request_create(request: Request, accession: str) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    values, accepts, purpose = _request_form(form)
    data: dict[str, Any] = {"dataset": accession, "purpose": purpose, "purpose_text": values["purpose_text"],
                            "institution": values["institution"], "project_title": values["project_title"],
                            "project_reference": values["project_reference"], "submit": True}
    station = station_of(request)
    lang = lang_of(request)
    try:
        days = _requested_days(values)
        if days is not None:
            data["requested_days"] = days
        with station.uow() as uow:
            req = station.access.create_request(uow, identity, data)
    except StationError as exc:
        if exc.status in (401, 404):
            raise
        with station.uow() as uow:
            ds = station.datasets.out(uow, *station.datasets.get(uow, identity, accession))
            access = station.access.show(uow, identity, accession)
        return page(request, "access_request.html", status=exc.status, ds=ds, access=access, values=values,
                    accepts=accepts, error=exc, errors=errors_by_field(exc, lang, _input_name))
    _ = i18n.translator(lang)
    flash(request, _("Request %(id)s sent to the data access committee.", id=req.id))
    return redirect("/my/requests")


OPEN_STATES = ("draft", "submitted", "changes_requested")


@router.get("/my/requests")
def my_requests(request: Request) -> Response:
    """My access requests, and the grants they led to: expiry and renewal."""
    identity = signed_in(request)
    station = station_of(request)
    with station.uow() as uow:
        items, _cursor = station.access.my_requests(uow, identity, limit=200)
        grants, _cursor = station.access.my_grants(uow, identity, limit=200)
    lang = lang_of(request)
    items.sort(key=lambda r: r.id, reverse=True)  # newest first: what changed lately is on top
    # The service refuses a second renewal while one is open; the page says so instead of offering the button.
    renewing = {r.renews_grant: r for r in items if r.renews_grant and r.state in OPEN_STATES}
    grants.sort(key=lambda g: (g.state != "active", g.expires_at))
    return page(request, "my_requests.html", items=items, grants=grants, renewing=renewing,
                state_label=lambda st: state_label(st, lang), grant_label=lambda st: grant_label(st, lang))


def _history(station: Any, uow: Any, identity: Any, r: Any) -> list[dict[str, Any]]:
    """What happened to a request, oldest first: made, each committee message (from the requester's
    notifications, one per review round), the attached document, submissions and the decision."""
    events: list[dict[str, Any]] = [{"at": r.created_at, "kind": "created"}]
    if identity.user_id is not None and identity.username == r.requester:
        cursor = None
        for _page_no in range(20):  # at most 20 pages of notifications; older ones are not needed here
            notes, cursor = station.access.notifications(uow, identity, cursor=cursor, limit=200)
            events += [{"at": n.created_at, "kind": "changes", "message": n.data.get("message", "")}
                       for n in notes if n.kind == "request.changes" and n.data.get("request") == r.id]
            if not cursor:
                break
    elif r.changes_message:
        events.append({"at": None, "kind": "changes", "message": r.changes_message})
    if r.submitted_at:
        events.append({"at": r.submitted_at, "kind": "submitted", "round": r.round})
    if r.decided_at:
        events.append({"at": r.decided_at, "kind": "decided", "state": r.state})
    events.sort(key=lambda e: (e["at"] is None, e["at"] or r.created_at))
    return events


def _duo_code(term: str) -> str:
    """A stored DUO id ('DUO:0000006') as the code the form's inputs carry ('HMB')."""
    found = onto.duo_terms().get(term)
    return found.code if found is not None and found.code else term


def _request_values(r: Any) -> tuple[dict[str, Any], list[str]]:
    """A request's stored purpose as the request form's inputs, to change it."""
    p = r.purpose or {}
    values = {"use": _duo_code(p.get("use", "")), "diseases": ", ".join(p.get("diseases") or []),
              "country": p.get("country") or "",
              "purpose_text": r.purpose_text, "institution": r.institution, "project_title": r.project_title,
              "project_reference": r.project_reference,
              "requested_days": str(r.requested_days) if r.requested_days else "",
              **{k: bool(p.get(k)) for k in ("commercial", "genetic_study", "methods_development")}}
    return values, [_duo_code(a) for a in p.get("accepts") or []]


def _render_request(request: Request, request_id: int, status: int = 200, **extra: Any) -> Response:
    identity = signed_in(request)
    station = station_of(request)
    with station.uow() as uow:
        r = station.access.get_request(uow, identity, request_id)
        history = _history(station, uow, identity, r)
    lang = lang_of(request)
    values, accepts = _request_values(r)
    extra.setdefault("values", values)
    extra.setdefault("accepts", accepts)
    extra.setdefault("errors", {})
    mine = identity.username == r.requester
    return page(request, "my_request.html", status=status, r=r, history=history, mine=mine,
                editable=mine and r.state in ("draft", "changes_requested"), ethics_max=ETHICS_MAX_BYTES,
                state_label=lambda st: state_label(st, lang), **extra)


@router.get("/my/requests/{request_id}")
def request_page(request: Request, request_id: int) -> Response:
    """One request: the committee's message when it asked for changes, the form to answer, the history."""
    return _render_request(request, request_id)


def _ethics_upload(form: Any) -> Any:
    """The chosen file, or None when the file input was left empty."""
    upload = form.get("ethics")
    if upload is None or isinstance(upload, str) or not (upload.filename or "").strip():
        return None
    return upload


def _ethics_input(path: str) -> str:
    """Service error path -> input name on the request page (the document's errors go to its file input)."""
    if path in ("filename", "body", "ethics_approval"):
        return "ethics"
    return _input_name(path)


@router.post("/my/requests/{request_id}")
async def request_update(request: Request, request_id: int) -> Response:
    """Answer the committee: change the request, attach the ethics approval, then (optionally) resubmit.

    The same three service calls as PATCH /api/access/requests/{id}, PUT .../ethics and POST .../submit.
    Changes and the document are saved together; a resubmission that is refused leaves them saved."""
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    lang = lang_of(request)
    _ = i18n.translator(lang)
    resubmit = form.get("action") == "resubmit"
    upload = _ethics_upload(form)
    with station.uow() as uow:
        current = station.access.get_request(uow, identity, request_id)
    values, accepts, purpose = _request_form(form, current.purpose)
    try:
        errors = []
        if upload is not None and upload.size is not None and upload.size > ETHICS_MAX_BYTES:
            # Refused before the service streams it (the service checks the same limit while it reads).
            errors.append(field_error("too_large", "body", "The document is larger than 20 MiB.",
                                      "문서가 20 MiB보다 큽니다.", "Send a PDF of the approval.", upload.filename))
        try:
            days = _requested_days(values)
        except ValidationFailed as exc:
            errors += exc.errors
            days = None
        if errors:
            raise ValidationFailed(errors)
        patch = {"purpose": purpose, "purpose_text": values["purpose_text"], "institution": values["institution"],
                 "project_title": values["project_title"], "project_reference": values["project_reference"],
                 "requested_days": days}

        def save() -> None:  # one transaction: the changes and the document are kept together or not at all
            with station.uow() as uow:
                station.access.update_request(uow, identity, request_id, patch)
                if upload is not None:
                    upload.file.seek(0)
                    station.access.attach_ethics(uow, identity, request_id, upload.filename,
                                                 iter(lambda: upload.file.read(1024 * 1024), b""))
        await run_in_threadpool(save)
    except StationError as exc:
        if exc.status in (401, 403, 404):
            raise
        return _render_request(request, request_id, status=exc.status, values=values, accepts=accepts, error=exc,
                               errors=errors_by_field(exc, lang, _ethics_input))
    if not resubmit:
        flash(request, _("Changes saved. Send the request again when it is ready."))
        return redirect(f"/my/requests/{request_id}")
    try:
        with station.uow() as uow:
            out = station.access.submit_request(uow, identity, request_id)
    except StationError as exc:
        if exc.status in (401, 403, 404):
            raise
        return _render_request(request, request_id, status=exc.status, error=exc, not_sent=True,
                               errors=errors_by_field(exc, lang, _ethics_input))
    flash(request, _("Request %(id)s sent to the data access committee again.", id=out.id))
    return redirect(f"/my/requests/{request_id}")


@router.post("/my/requests/{request_id}/withdraw")
async def withdraw(request: Request, request_id: int) -> Response:
    identity = signed_in(request)
    await checked_form(request)
    station = station_of(request)
    with station.uow() as uow:
        station.access.withdraw_request(uow, identity, request_id)
    _ = i18n.translator(lang_of(request))
    flash(request, _("Request withdrawn."))
    return redirect("/my/requests")


@router.post("/my/grants/{grant_id}/renew")
async def renew(request: Request, grant_id: int) -> Response:
    """Ask the committee to extend a grant (a renewal request, prefilled from the first one)."""
    identity = signed_in(request)
    await checked_form(request)
    station = station_of(request)
    lang = lang_of(request)
    _ = i18n.translator(lang)
    try:
        with station.uow() as uow:
            out = station.access.renew(uow, identity, grant_id)
    except StationError as exc:
        if exc.status in (401, 403, 404):
            raise
        flash(request, " ".join([i18n.both(lang, exc.message_en, exc.message_ko)] +
                                [i18n.both(lang, e.message_en, e.message_ko) for e in exc.errors]), "error")
        return redirect("/my/requests#grants-h")
    flash(request, _("Renewal request %(id)s sent to the data access committee.", id=out.id))
    return redirect("/my/requests#grants-h")


# the committee's queue ----------------------------------------------------------------------------------------
QUEUE_STATES = ("submitted", "changes_requested", "approved", "rejected")


def _render_queue(request: Request, state: str, status: int = 200, **extra: Any) -> Response:
    identity = signed_in(request)
    station = station_of(request)
    state = state if state in QUEUE_STATES else "submitted"
    with station.uow() as uow:
        items, _cursor = station.access.queue(uow, identity, state=state, limit=200)
    lang = lang_of(request)
    extra.setdefault("vote_errors", {})
    extra.setdefault("vote_values", {})
    return page(request, "committee.html", status=status, items=items, state=state,
                state_label=lambda st: state_label(st, lang), **extra)


@router.get("/committee")
def committee_queue(request: Request, state: str = "submitted") -> Response:
    return _render_queue(request, state)


def _vote_input(path: str) -> str:
    """Service error path -> input name on the decision form (ask_changes names its text 'message')."""
    return "comment" if path == "message" else path


def _explain_message(exc: StationError) -> StationError:
    """A missing or short message to the requester, said in words a committee member reads without a hint."""
    errors = [field_error("message_required", e.field, "Write what the requester should change (at least 10 "
                          "characters).", "요청자가 무엇을 고쳐야 하는지 적어 주세요(10자 이상).", "")
              if e.field == "message" and e.code in ("missing", "string_too_short") else e for e in exc.errors]
    return ValidationFailed(errors, exc.message_en, exc.message_ko)


@router.post("/committee/{request_id}/vote")
async def committee_vote(request: Request, request_id: int) -> Response:
    """Approve, reject, or ask the requester for changes (the same service calls as the API's votes and
    changes routes); a missing reason or message comes back beside the comment box."""
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    lang = lang_of(request)
    _ = i18n.translator(lang)
    vote = str(form.get("vote") or "")
    comment = str(form.get("comment") or "")
    data: dict[str, Any] = {"vote": vote, "comment": comment}
    if form.get("expires_on"):
        data["expires_on"] = str(form.get("expires_on"))
    try:
        with station.uow() as uow:
            if vote == "changes":
                out = station.access.ask_changes(uow, identity, request_id, {"message": comment.strip()})
            else:
                out = station.access.vote(uow, identity, request_id, data)
    except StationError as exc:
        if exc.status in (401, 403, 404):
            raise
        if exc.errors:
            if vote == "changes":
                exc = _explain_message(exc)
            return _render_queue(request, "submitted", status=exc.status,
                                 vote_errors={request_id: errors_by_field(exc, lang, _vote_input)},
                                 vote_values={request_id: {"comment": comment,
                                                           "expires_on": str(form.get("expires_on") or "")}})
        flash(request, i18n.both(lang, exc.message_en, exc.message_ko), "error")
        return redirect("/committee")
    if vote == "changes":
        flash(request, _("Changes asked: request %(id)s went back to its requester.", id=out.id))
    else:
        flash(request, _("Vote recorded: request %(id)s is now %(state)s.", id=out.id,
                         state=state_label(out.state, lang)))
    return redirect("/committee")


STATES = {"draft": N_("draft"), "submitted": N_("waiting for review"), "changes_requested": N_("changes requested"),
          "approved": N_("approved"), "rejected": N_("rejected"), "withdrawn": N_("withdrawn"), "expired": N_("expired")}


def state_label(state: str, lang: str) -> str:
    return i18n.translator(lang)(STATES.get(state, state))


GRANT_STATES = {"active": N_("active"), "expired": N_("expired"), "revoked": N_("revoked by the committee")}


def grant_label(state: str, lang: str) -> str:
    return i18n.translator(lang)(GRANT_STATES.get(state, state))


# emergencies --------------------------------------------------------------------------------------------------
@router.post("/operator/emergencies")
async def declare(request: Request) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    lang = lang_of(request)
    values = {k: str(form.get(k) or "").strip() for k in ("title", "description", "taxa", "ends_on")}
    errors = []
    taxa = []
    for t in values["taxa"].replace(",", " ").split():
        if t.isdigit():
            taxa.append(int(t))
        else:
            errors.append(field_error("invalid_taxon", "taxa", f"'{t}' is not an NCBI taxon id.",
                                      f"'{t}'은(는) NCBI 분류 번호가 아닙니다.", "e.g. 2697049 (SARS-CoV-2)", t))
    data: dict[str, Any] = {"title": values["title"], "description": values["description"], "taxa": taxa}
    try:
        ends = datetime.combine(datetime.fromisoformat(values["ends_on"]).date(), time(23, 59, 59), timezone.utc) \
            if values["ends_on"] else None
    except ValueError:
        ends = None
        errors.append(field_error("date_parsing", "ends_on", "Not a date.", "날짜 형식이 아닙니다.", "YYYY-MM-DD"))
    data["ends_at"] = ends
    # Every problem at once: the access schema's own checks on what could be read, plus the ones above.
    from ...access.schemas import EmergencyIn
    from ...validation import parse
    try:
        parse(EmergencyIn, data)
    except ValidationFailed as exc:
        seen = {e.field for e in errors}
        errors += [e for e in exc.errors if e.field not in seen and not (e.field == "ends_at" and "ends_on" in seen)]
    try:
        if errors:
            raise ValidationFailed(errors)
        with station.uow() as uow:
            e = station.access.declare(uow, identity, data)
    except StationError as exc:
        if exc.status in (401, 403):
            raise
        from .operator import render_dashboard
        return render_dashboard(request, status=exc.status, emergency_values=values, emergency_errors=errors_by_field(
            exc, lang, lambda p: "ends_on" if p == "ends_at" else p.split("[")[0]))
    _ = i18n.translator(lang)
    flash(request, _("Emergency %(title)s declared.", title=e.title))
    return redirect("/operator#emergency-h")


@router.post("/operator/emergencies/{emergency_id}/end")
async def end(request: Request, emergency_id: int) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    lang = lang_of(request)
    try:
        with station.uow() as uow:
            e = station.access.end(uow, identity, emergency_id, {"reason": str(form.get("reason") or "")})
    except StationError as exc:
        if exc.status in (401, 403, 404):
            raise
        flash(request, " ".join([i18n.both(lang, exc.message_en, exc.message_ko)] +
                                [i18n.both(lang, x.message_en, x.message_ko) for x in exc.errors]), "error")
        return redirect("/operator#emergency-h")
    _ = i18n.translator(lang)
    flash(request, _("Emergency %(title)s ended.", title=e.title))
    return redirect("/operator#emergency-h")


# the owner's access settings and reviewer links ---------------------------------------------------------------
@router.post("/datasets/{accession}/access")
async def set_level(request: Request, accession: str) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    lang = lang_of(request)
    level = str(form.get("level") or "")
    data: dict[str, Any] = {"level": level}
    if level == "embargoed" and form.get("embargo_until"):
        data["embargo_until"] = str(form.get("embargo_until"))
    if level == "controlled":
        data["data_use"] = {"permission": str(form.get("permission") or "GRU")}
        if str(form.get("committee") or "").isdigit():
            data["committee"] = int(str(form.get("committee")))
        data["emergency_opt_in"] = form.get("emergency_opt_in") == "on"
    try:
        with station.uow() as uow:
            station.access.set_level(uow, identity, accession, data)
    except StationError as exc:
        if exc.status in (401, 404):
            raise
        flash(request, " ".join([i18n.both(lang, exc.message_en, exc.message_ko)] +
                                [i18n.both(lang, e.message_en, e.message_ko) + " " + e.hint for e in exc.errors]),
              "error")
        return redirect(f"/datasets/{accession}#sharing-h")
    _ = i18n.translator(lang)
    flash(request, _("Access level saved."))
    return redirect(f"/datasets/{accession}#sharing-h")


@router.post("/datasets/{accession}/reviewer-links")
async def create_link(request: Request, accession: str) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    lang = lang_of(request)
    days = str(form.get("days") or "90")
    try:
        with station.uow() as uow:
            link = station.access.create_link(uow, identity, accession, {
                "label": str(form.get("label") or ""), "days": int(days) if days.isdigit() else days})
    except StationError as exc:
        if exc.status in (401, 404):
            raise
        flash(request, " ".join([i18n.both(lang, exc.message_en, exc.message_ko)] +
                                [i18n.both(lang, e.message_en, e.message_ko) for e in exc.errors]), "error")
        return redirect(f"/datasets/{accession}#sharing-h")
    url = f"{station.config.effective_base_url}/review/{link.token}"
    _ = i18n.translator(lang)
    flash(request, _("Reviewer link made; copy it now, it is shown only once: %(url)s", url=url))
    return redirect(f"/datasets/{accession}#sharing-h")


@router.post("/datasets/{accession}/reviewer-links/{link_id}/revoke")
async def revoke_link(request: Request, accession: str, link_id: int) -> Response:
    identity = signed_in(request)
    await checked_form(request)
    station = station_of(request)
    with station.uow() as uow:
        station.access.revoke_link(uow, identity, link_id)
    _ = i18n.translator(lang_of(request))
    flash(request, _("Reviewer link revoked."))
    return redirect(f"/datasets/{accession}#sharing-h")


@router.get("/review/{token}")
def review(request: Request, token: str) -> Response:
    """What a journal referee sees through a reviewer link: the dataset, read-only, without signing in."""
    station = station_of(request)
    try:
        reviewer = station.access.reviewer_identity(token)
        acc = station.access.accession(reviewer.dataset_id)
        with station.uow() as uow:
            ds = station.datasets.out(uow, *station.datasets.get(uow, reviewer, acc))
            files, _c = station.datasets.files(uow, reviewer, acc, None, None, 1000)
    except StationError as exc:
        return page(request, "error.html", status=404 if exc.status == 401 else exc.status, error=exc)
    for f in files:
        f.download_url = f"/api/review/{token}/files/{f.accession}/content"
    from .public import file_tree
    return page(request, "review.html", ds=ds, files=files, tree_root=file_tree(files), open_files=True,
                owner_view=False)


# My Lab Data: the private space -------------------------------------------------------------------------------
@router.get("/my/lab")
def my_lab(request: Request) -> Response:
    """Private datasets, the quota they use, who they are shared with, and the step to make one a deposit."""
    identity = signed_in(request)
    station = station_of(request)
    private = []
    with station.uow() as uow:
        quota = station.access.quota(uow, identity)
        cursor = None
        while True:
            result = station.datasets.list(uow, identity, cursor=cursor, limit=200)
            for d in result.items:
                if d.owner_id == identity.user_id and d.access_level == "private":
                    out = station.datasets.out(uow, *station.datasets.get(uow, identity,
                                                                          station.datasets.accession(d)))
                    private.append((out, station.access.colleagues(uow, identity, out.accession)))
            cursor = result.next_cursor
            if not cursor:
                break
    return page(request, "my_lab.html", quota=quota, private=private,
                used=quota.used_bytes / quota.quota_bytes if quota.quota_bytes else 0)


@router.post("/datasets/{accession}/colleagues")
async def add_colleague(request: Request, accession: str) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    lang = lang_of(request)
    username = str(form.get("username") or "").strip()
    _ = i18n.translator(lang)
    try:
        with station.uow() as uow:
            if form.get("remove"):
                station.access.remove_colleague(uow, identity, accession, username)
            else:
                station.access.add_colleague(uow, identity, accession, {"username": username})
    except StationError as exc:
        if exc.status in (401, 404) and exc.code != "not_found":
            raise
        flash(request, " ".join([i18n.both(lang, exc.message_en, exc.message_ko)] +
                                [i18n.both(lang, e.message_en, e.message_ko) for e in exc.errors]), "error")
        return redirect("/my/lab")
    flash(request, _("%(name)s removed.", name=username) if form.get("remove") else
          _("Shared with %(name)s.", name=username))
    return redirect("/my/lab")
