"""Bulk samples: download a sheet template generated from a registration form, upload the filled sheet, see
every error in one table by row and column, fix the sheet and upload it again. Nothing is stored until the
whole sheet is valid (the forms domain decides; this page only shows its answer)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...errors import StationError, ValidationFailed, field_error
from ..render import WebRoute, errors_by_field, lang_of, page, station_of
from .common import checked_form, signed_in
from .deposit import _my_projects

router = APIRouter(route_class=WebRoute)
SUFFIXES = (".tsv", ".txt", ".xlsx", ".xml", ".csv")


def _forms(request: Request) -> list[Any]:
    station = station_of(request)
    identity = signed_in(request)
    with station.uow() as uow:
        forms, _cursor = station.forms.list(uow, identity, limit=station.config.page_size_max)
    return forms


def _page(request: Request, values: dict, status: int = 200, **extra: Any) -> Response:
    return page(request, "samples_bulk.html", status=status, values=values, projects=_my_projects(request),
                forms=_forms(request), **extra)


MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "tsv": "text/tab-separated-values; charset=utf-8"}


@router.get("/samples/template/{form_id}.{fmt}")
def template(request: Request, form_id: str, fmt: str, version: str | None = None) -> Response:
    """The form's sheet template, read into memory before the temporary file goes (templates are small)."""
    from ..render import identity_of
    station = station_of(request)
    fd, tmp = tempfile.mkstemp(suffix=f".{fmt}", dir=station.config.data_path)
    os.close(fd)
    try:
        with station.uow() as uow:
            form = station.forms.template(uow, identity_of(request), form_id, version, fmt, tmp)
        body = Path(tmp).read_bytes()
    finally:
        Path(tmp).unlink(missing_ok=True)
    return Response(body, media_type=MEDIA.get(fmt, "application/octet-stream"),
                    headers={"Content-Disposition": f'attachment; filename="{form.id}-{form.version}.{fmt}"'})


@router.get("/samples/bulk")
def bulk_form(request: Request, project: str = "", form: str = "") -> Response:
    signed_in(request)
    return _page(request, {"project": project, "form": form})


@router.post("/samples/bulk")
async def bulk_upload(request: Request) -> Response:
    identity = signed_in(request)
    posted = await checked_form(request)
    values = {k: str(posted.get(k) or "").strip() for k in ("project", "form")}
    sheet = posted.get("sheet")
    lang = lang_of(request)
    if sheet is None or isinstance(sheet, str) or not sheet.filename:
        error = ValidationFailed([field_error("required", "sheet", "Choose the filled-in sheet to upload.",
                                              "작성한 시료 시트 파일을 선택하세요.",
                                              "Download the template, fill one row per sample, then upload it.")])
        return _page(request, values, 422, errors=errors_by_field(error, lang))
    station = station_of(request)
    name = Path(sheet.filename).name
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in SUFFIXES else ".tsv"
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=station.config.data_path)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(sheet.file, out, 1 << 20)
        try:
            with station.uow() as uow:
                reg = station.forms.samples.register(uow, identity, tmp, project=values["project"] or None,
                                                     form=values["form"] or None, source=name)
                result = reg.as_dict()
        except StationError as exc:
            if exc.status in (401, 403):
                raise
            report = getattr(exc, "report", None)
            if report is None:  # not a sheet problem: the project, the form or the file type
                return _page(request, values, exc.status, error=exc, errors=errors_by_field(exc, lang))
            return _page(request, values, 422, report=report, filename=name)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return _page(request, values, 201, registered=result, filename=name)


@router.get("/samples/{accession}")
def sample_page(request: Request, accession: str) -> Response:
    """A sample's landing page: its attributes as registered, the form they follow, and its completeness."""
    from ..render import identity_of
    station = station_of(request)
    with station.uow() as uow:
        sample = station.forms.samples.get(uow, identity_of(request), accession)
        out = station.forms.samples.out(sample, score=True, uow=uow)
    return page(request, "sample.html", s=out)
