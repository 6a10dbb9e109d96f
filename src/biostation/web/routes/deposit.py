"""Depositing: My datasets, register an R&D project, the step-by-step dataset form, files and upload,
submit and publish. Every action is a service call; its errors come back beside the field they name."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ...datasets.schemas import LICENCES
from ...errors import StationError, ValidationFailed
from .. import dataset_form, i18n
from ..render import WebRoute, env, context, errors_by_field, flash, lang_of, message_of, page, redirect, station_of
from .common import checked_form, signed_in

router = APIRouter(route_class=WebRoute)
PART_SIZE = 8 * 1024 * 1024  # small parts: fine-grained progress, little lost on pause or a dropped line
N_ = i18n.N_


# My datasets --------------------------------------------------------------------------------------------------
@router.get("/my/datasets")
def my_datasets(request: Request, cursor: str | None = None) -> Response:
    identity = signed_in(request)
    station = station_of(request)
    mine = []
    with station.uow() as uow:
        while True:
            result = station.datasets.list(uow, identity, cursor=cursor, limit=200)
            for d in result.items:
                if d.owner_id == identity.user_id or identity.user_id in station.datasets.co_owner_ids(uow, d):
                    mine.append(station.datasets.out(uow, *station.datasets.get(uow, identity,
                                                                                  station.datasets.accession(d))))
            cursor = result.next_cursor
            if not cursor:
                break
    return page(request, "my_datasets.html", items=mine)


# R&D projects -------------------------------------------------------------------------------------------------
PROJECT_FIELDS = ("project_number", "title_ko", "title_en", "ministry", "lead_organisation", "pi_name",
                  "funding_programme", "period_start", "period_end")


@router.get("/projects/new")
def project_form(request: Request) -> Response:
    signed_in(request)
    return _project_page(request, {}, None)


def _project_page(request: Request, values: dict, error: StationError | None, status: int = 200) -> Response:
    station = station_of(request)
    with station.uow() as uow:
        orgs = station.accounts.list_organisations(uow)
    return page(request, "project_new.html", status=status, values=values, orgs=orgs, error=error,
                errors=errors_by_field(error, lang_of(request), _project_input))


def _project_input(path: str) -> str:
    # A reversed period is reported on the whole body; show it beside the end date.
    return "period_end" if path in ("body", "") else path.split(".")[0].split("[")[0]


@router.post("/projects/new")
async def project_create(request: Request) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    values = {k: str(form.get(k) or "").strip() for k in PROJECT_FIELDS}
    plan_type, plan_open = str(form.get("plan_data_type") or ""), str(form.get("plan_open_date") or "")
    data: dict[str, Any] = {k: v for k, v in values.items() if v and k != "lead_organisation"}
    if values["lead_organisation"]:
        data["lead_organisation"] = values["lead_organisation"]
    data.setdefault("period_start", values["period_start"] or None)
    data.setdefault("period_end", values["period_end"] or None)
    if plan_type:
        data["sharing_plan"] = [{"data_type": plan_type, "open_date": plan_open or None}]
    values.update(plan_data_type=plan_type, plan_open_date=plan_open)
    station = station_of(request)
    try:
        with station.uow() as uow:
            project = station.projects.create(uow, identity, data)
            acc = station.projects.accession(project)
    except StationError as exc:
        if exc.status in (401, 403):
            raise
        return _project_page(request, values, exc, status=exc.status)
    _ = i18n.translator(lang_of(request))
    flash(request, _("Project %(acc)s registered. Now create its first dataset.", acc=acc))
    return redirect(f"/datasets/new?project={acc}")


# The step-by-step dataset form --------------------------------------------------------------------------------
def _my_projects(request: Request) -> list[Any]:
    identity = signed_in(request)
    station = station_of(request)
    out, cursor = [], None
    with station.uow() as uow:
        while True:
            result = station.projects.list(uow, identity, cursor=cursor, limit=500)
            for p in result.items:
                if p.owner_id == identity.user_id or identity.has_role("curator", "operator") or \
                        identity.user_id in station.projects.member_ids(uow, p):
                    out.append(station.projects.out(uow, p))
            cursor = result.next_cursor
            if not cursor:
                return out


def _dataset_form_context(request: Request, checked: dataset_form.Checked | None, values: dict) -> dict:
    form = checked.form if checked else dataset_form.registration_form(
        values.get("research_field", ""), (values.get("data_types") or [""])[0])
    return {"values": values, "projects": _my_projects(request), "licences": sorted(LICENCES),
            "form": form, "extra_fields": dataset_form.extra_fields(form),
            "errors": _messages(checked.by_input() if checked else {}, lang_of(request))}


def _messages(by_input: dict[str, list[Any]], lang: str) -> dict[str, list[str]]:
    return {name: [message_of(e, lang) for e in errs] for name, errs in by_input.items()}


@router.get("/datasets/new")
def dataset_new(request: Request, project: str = "") -> Response:
    signed_in(request)
    values = {"project": project, "data_types": [], "licence": "CC-BY-4.0"}
    return page(request, "dataset_new.html", **_dataset_form_context(request, None, values))


@router.post("/datasets/new/check")
async def dataset_check(request: Request) -> Response:
    """As the user types (htmx): errors for the inputs already touched, swapped in beside each input."""
    signed_in(request)
    form = await checked_form(request)
    checked = dataset_form.check(form, lang_of(request))
    touched = {t for t in str(form.get("touched") or "").split(",") if t}
    shown = _messages(dataset_form.Checked(checked.values, checked.payload,
                                           dataset_form.only_touched(checked.errors, touched)).by_input(),
                      lang_of(request))
    names = touched | set(shown)
    html = env.get_template("_field_errors_oob.html").render(context(request, names=sorted(names), errors=shown))
    return HTMLResponse(html)


@router.get("/datasets/new/form-fields")
def dataset_form_fields(request: Request, research_field: str = "", data_types: str = "") -> Response:
    """The registration form's own fields for the chosen research field and data type (htmx fragment)."""
    signed_in(request)
    form = dataset_form.registration_form(research_field, data_types)
    html = env.get_template("_form_fields.html").render(context(
        request, form=form, extra_fields=dataset_form.extra_fields(form), values={}, errors={}))
    return HTMLResponse(html)


@router.post("/datasets/new")
async def dataset_create(request: Request) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    checked = dataset_form.check(form, lang_of(request))
    station = station_of(request)
    if not checked.errors:
        try:
            with station.uow() as uow:
                ds, _v = station.datasets.create(uow, identity, checked.payload)
                acc = station.datasets.accession(ds)
        except ValidationFailed as exc:
            checked.errors.extend(exc.errors)
        except StationError as exc:
            if exc.status in (401, 403) and exc.code != "permission_denied":
                raise
            checked.errors.append(_as_field(exc, "project"))
        else:
            _ = i18n.translator(lang_of(request))
            flash(request, _("Draft %(acc)s created. Add its files.", acc=acc))
            return redirect(f"/datasets/{acc}/files")
    return page(request, "dataset_new.html", status=422, failed=True,
                **_dataset_form_context(request, checked, checked.values))


def _values_of(ds: Any) -> dict[str, Any]:
    """A dataset version as the form's inputs, to edit it."""
    values: dict[str, Any] = {k: getattr(ds, k) or "" for k in ("title_en", "title_ko", "description_en",
                                                                  "description_ko", "research_field", "licence")}
    values.update(project=ds.project, data_types=list(ds.data_types), keywords=", ".join(ds.keywords),
                  organism=ds.organisms[0]["name"] if ds.organisms else "",
                  contributor_name=ds.contributors[0].get("name", "") if ds.contributors else "",
                  contributor_orcid=(ds.contributors[0].get("orcid") or "") if ds.contributors else "")
    values.update({f"extra.{k}": str(v) for k, v in (ds.extra or {}).items() if k != "form"})
    return values


@router.get("/datasets/{accession}/edit")
def dataset_edit(request: Request, accession: str) -> Response:
    identity = signed_in(request)
    station = station_of(request)
    with station.uow() as uow:
        ds = station.datasets.out(uow, *station.datasets.get(uow, identity, accession))
    values = _values_of(ds)
    return page(request, "dataset_new.html", edit=ds, **_dataset_form_context(request, None, values))


@router.post("/datasets/{accession}/edit")
async def dataset_save(request: Request, accession: str) -> Response:
    """Save the describable fields; a published version gets a new draft (the service decides)."""
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    with station.uow() as uow:
        ds = station.datasets.out(uow, *station.datasets.get(uow, identity, accession))
    checked = dataset_form.check(form, lang_of(request))
    if not checked.errors:
        patch = {k: v for k, v in checked.payload.items() if k != "project"}
        try:
            with station.uow() as uow:
                station.datasets.update(uow, identity, accession, patch)
        except ValidationFailed as exc:
            checked.errors.extend(exc.errors)
        else:
            _ = i18n.translator(lang_of(request))
            flash(request, _("Saved."))
            return redirect(f"/datasets/{accession}")
    return page(request, "dataset_new.html", status=422, failed=True, edit=ds,
                **_dataset_form_context(request, checked, checked.values))


def _as_field(exc: StationError, name: str) -> Any:
    from ...errors import FieldError
    return FieldError(exc.code, name, exc.message_en, exc.message_ko, exc.hint)


@router.get("/vocab/{vocabulary}/options")
def vocab_options(request: Request, vocabulary: str, q: str = "") -> Response:
    """Up to 30 matching terms as <option>s for a vocabulary picker's datalist (search as you type)."""
    from ...forms import vocabularies
    if not vocabularies.exists(vocabulary):
        return HTMLResponse("", status_code=404)
    needle = q.strip().casefold()
    out = []
    for t in vocabularies.get(vocabulary).terms.values():
        labels = (t.id, t.label_en, t.label_ko, *t.synonyms)
        if not needle or any(needle in (x or "").casefold() for x in labels):
            out.append(t)
            if len(out) >= 30:
                break
    html = env.get_template("_options.html").render(context(request, terms=out, vocabulary=vocabulary))
    return HTMLResponse(html)


# Files, upload, submit, publish -------------------------------------------------------------------------------
def _files_view(request: Request, accession: str) -> tuple[Any, Any, Any]:
    """The draft or version, its files and their QC, as the files page and its refreshed table show them."""
    identity = signed_in(request)
    station = station_of(request)
    with station.uow() as uow:
        ds = station.datasets.out(uow, *station.datasets.get(uow, identity, accession))
        files, _c = station.datasets.files(uow, identity, ds.accession, ds.version, None, 1000)
        return ds, files, _qc_by_path(request, uow, identity, ds)


@router.get("/datasets/{accession}/files")
def files_page(request: Request, accession: str) -> Response:
    ds, files, qc = _files_view(request, accession)
    part_size = min(8 * 1024 * 1024, station_of(request).config.upload_max_part_size)
    return page(request, "dataset_files.html", ds=ds, files=files, qc=qc, part_size=part_size)


@router.get("/datasets/{accession}/files/list")
def files_fragment(request: Request, accession: str) -> Response:
    ds, files, qc = _files_view(request, accession)
    html = env.get_template("_file_table.html").render(context(request, ds=ds, files=files, qc=qc,
                                                               editable=ds.state == "draft"))
    return HTMLResponse(html)


def _qc_by_path(request: Request, uow: Any, identity: Any, ds: Any) -> dict[str, dict] | None:
    """Each file's QC state (queued, running, done with a grade) while the checks arrive, or None without QC."""
    from ..render import available_domains
    if "qc" not in available_domains(request):
        return None
    summary = station_of(request).qc.version_summary(uow, identity, ds.accession, ds.version)
    return {f["path"]: f for f in summary["files"]}


@router.post("/datasets/{accession}/files/delete")
async def file_delete(request: Request, accession: str) -> Response:
    identity = signed_in(request)
    form = await checked_form(request)
    station = station_of(request)
    with station.uow() as uow:
        station.datasets.delete_file(uow, identity, accession, str(form.get("path") or ""))
    return redirect(f"/datasets/{accession}/files")


def _lifecycle(action: str, done_en: str) -> Any:
    async def run(request: Request, accession: str) -> Response:
        identity = signed_in(request)
        await checked_form(request)
        station = station_of(request)
        lang = lang_of(request)
        try:
            with station.uow() as uow:
                getattr(station.datasets, action)(uow, identity, accession)
        except StationError as exc:
            if exc.status in (401, 403, 404):
                raise
            flash(request, message_of(exc, lang) + "".join(" " + message_of(e, lang) for e in exc.errors), "error")
            return redirect(f"/datasets/{accession}" if action != "submit" else f"/datasets/{accession}/files")
        flash(request, i18n.translator(lang)(done_en))
        return redirect(f"/datasets/{accession}")
    return run


router.add_api_route("/datasets/{accession}/submit", _lifecycle("submit", N_("Submitted for publication.")),
                     methods=["POST"])
router.add_api_route("/datasets/{accession}/withdraw", _lifecycle("withdraw", N_("Submission withdrawn; it is a draft again.")),
                     methods=["POST"])
router.add_api_route("/datasets/{accession}/publish", _lifecycle("publish", N_("Published.")), methods=["POST"])
router.add_api_route("/datasets/{accession}/new-version", _lifecycle("editable_draft", N_("A new draft version was started.")),
                     methods=["POST"])
