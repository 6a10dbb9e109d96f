"""REST routes of the forms domain: forms and their versions, templates, samples, dataset completeness.

Sheets are sent as the request body (``curl --data-binary @sheet.tsv``) or as the ``file`` part of a
multipart form; either way the bytes are streamed to a temporary file (never held in memory) and read
record by record from there.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from ..api.deps import Caller, SignedIn, StationDep
from ..errors import StationError, ValidationFailed, field_error
from .submission import report_json

router = APIRouter(prefix="/api", tags=["forms and samples"])

MAX_SHEET_BYTES = 2 * 1024 ** 3
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "tsv": "text/tab-separated-values; charset=utf-8"}
_SHEET_BODY = {"requestBody": {"required": True, "content": {
    "text/tab-separated-values": {"schema": {"type": "string", "format": "binary"}},
    MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
    "application/xml": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
}}}
_FORM_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object"}}, "application/yaml": {"schema": {"type": "string"}}}}}


# forms ----------------------------------------------------------------------------------------------------------
@router.get("/forms")
def list_forms(station: StationDep, caller: Caller, field_: str | None = Query(None, alias="field"),
               type_: str | None = Query(None, alias="type"), include_deprecated: bool = False,
               cursor: str | None = None, limit: int | None = Query(None, ge=1)) -> dict[str, Any]:
    """Current version of every form (filters: research field, data type); keyset pages by form id."""
    with station.uow() as uow:
        items, next_cursor = station.forms.list(uow, caller, research_field=field_, data_type=type_,
                                                include_deprecated=include_deprecated, cursor=cursor, limit=limit)
        return {"items": [station.forms.out(uow, f) for f in items], "next_cursor": next_cursor}


@router.get("/forms/{form_id}")
def get_form(form_id: str, station: StationDep, caller: Caller, version: str | None = None) -> dict[str, Any]:
    """A form version (the current one unless ?version=): its full document and the list of its versions."""
    with station.uow() as uow:
        return station.forms.out(uow, station.forms.get(uow, caller, form_id, version), full=True)


@router.post("/forms", status_code=201, openapi_extra=_FORM_BODY)
async def add_form_version(request: Request, station: StationDep, caller: SignedIn) -> JSONResponse:
    """Add a version of a form (curators, operators): a complete document, or `extends` + changes.
    201 when added; 200 when that version already exists with the same content; 409 when with other content."""
    raw = await request.body()
    document = _parse_document(raw, request.headers.get("content-type", ""))

    def work() -> tuple[dict[str, Any], bool]:
        with station.uow() as uow:
            form, created = station.forms.add_version(uow, caller, document)
            return station.forms.out(uow, form), created

    body, created = await run_in_threadpool(work)
    return JSONResponse(body, status_code=201 if created else 200)


@router.post("/forms/{form_id}/{version}/deprecate")
def deprecate_form_version(form_id: str, version: str, station: StationDep, caller: SignedIn) -> dict[str, Any]:
    """Deprecate a version (curators, operators): samples keep it; new samples can no longer choose it."""
    with station.uow() as uow:
        return station.forms.out(uow, station.forms.deprecate(uow, caller, form_id, version))


@router.get("/forms/{form_id}/template", response_class=StreamingResponse)
def form_template(form_id: str, station: StationDep, caller: Caller, version: str | None = None,
                  fmt: str = Query("xlsx", alias="format", description="xlsx or tsv")) -> StreamingResponse:
    """The sample-sheet template of a form (XLSX with instructions and drop-down lists, or TSV), streamed."""
    path = _temp_path(station, f".{fmt if fmt in MEDIA else 'bin'}")
    try:
        with station.uow() as uow:
            form = station.forms.template(uow, caller, form_id, version, fmt, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    # Open, then unlink: the open handle keeps the bytes readable while they stream, and nothing is left behind.
    # (A FileResponse with a background unlink races servers that send files themselves via ASGI pathsend.)
    fh = open(path, "rb")
    path.unlink(missing_ok=True)

    def chunks() -> Iterator[bytes]:
        with fh:
            while data := fh.read(1024 * 1024):
                yield data

    name = f"{form.id}-{form.version}.{fmt}"
    return StreamingResponse(chunks(), media_type=MEDIA[fmt],
                             headers={"Content-Disposition": f"attachment; filename=\"{name}\"; "
                                                      f"filename*=UTF-8''{quote(name)}"})


# samples --------------------------------------------------------------------------------------------------------
@router.post("/samples/validate", openapi_extra=_SHEET_BODY)
async def validate_samples(request: Request, station: StationDep, caller: SignedIn) -> dict[str, Any]:
    """Dry run: `{"valid", "records", "errors", "warnings"}`, the same JSON as `biostation samples validate
    --json`. Query: form, version, format (tsv, xlsx, biosample_xml, biosample_tsv); with project or dataset,
    sample names already registered there are errors too."""
    upload = await _receive(request, station)
    try:
        def work() -> dict[str, Any]:
            with station.uow() as uow:
                _form, report = station.forms.samples.check(uow, caller, upload.path, **upload.options("check"))
                return report_json(report)

        return await run_in_threadpool(work)
    finally:
        upload.path.unlink(missing_ok=True)


@router.post("/samples", status_code=201, openapi_extra=_SHEET_BODY)
async def register_samples(request: Request, station: StationDep, caller: SignedIn) -> dict[str, Any]:
    """Register every sample of a sheet (query: project or dataset, form, version, format): all are validated
    first and nothing is stored if any record has an error; the response lists the new accessions."""
    upload = await _receive(request, station)
    try:
        def work() -> dict[str, Any]:
            with station.uow() as uow:
                reg = station.forms.samples.register(uow, caller, upload.path, sha256=upload.sha256,
                                                     **upload.options("register"))
            return reg.as_dict()

        return await run_in_threadpool(work)
    finally:
        upload.path.unlink(missing_ok=True)


@router.get("/samples")
def list_samples(station: StationDep, caller: Caller, project: str | None = None, dataset: str | None = None,
                 cursor: str | None = None, limit: int | None = Query(None, ge=1)) -> dict[str, Any]:
    """Samples the caller may read, oldest first, in keyset pages (filters: project, dataset)."""
    with station.uow() as uow:
        page = station.forms.samples.list(uow, caller, project=project, dataset=dataset, cursor=cursor, limit=limit)
        return {"items": [station.forms.samples.out(s) for s in page.items], "next_cursor": page.next_cursor}


@router.get("/samples/{accession}")
def get_sample(accession: str, station: StationDep, caller: Caller) -> dict[str, Any]:
    """One sample with its completeness score and the rules that gave and took points."""
    with station.uow() as uow:
        sample = station.forms.samples.get(uow, caller, accession)
        return station.forms.samples.out(sample, score=True, uow=uow)


# datasets -------------------------------------------------------------------------------------------------------
@router.get("/datasets/{accession}/completeness")
def dataset_completeness(accession: str, station: StationDep, caller: Caller,
                         version: int | None = None) -> dict[str, Any]:
    """Metadata completeness (0-100) of a dataset version against its field x data-type form, with the rules."""
    with station.uow() as uow:
        return station.forms.dataset_completeness_report(uow, caller, accession, version)


# helpers --------------------------------------------------------------------------------------------------------
_OPTIONS = ("project", "dataset", "form", "version", "format")


@dataclass
class _Upload:
    path: Path
    sha256: str
    filename: str
    params: dict[str, str] = field(default_factory=dict)

    def options(self, _purpose: str) -> dict[str, Any]:
        p = self.params
        return {"project": p.get("project") or None, "dataset": p.get("dataset") or None,
                "form": p.get("form") or None, "version": p.get("version") or None,
                "fmt": p.get("format") or None, "source": self.filename}


def _temp_path(station: Any, suffix: str) -> Path:
    folder = station.config.data_path / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="sheet-", suffix=suffix, dir=folder)
    os.close(fd)
    return Path(name)


def _too_large() -> StationError:
    return StationError("sheet_too_large", f"The sheet is larger than {MAX_SHEET_BYTES // 1024 ** 3} GiB.",
                        f"시트가 {MAX_SHEET_BYTES // 1024 ** 3} GiB보다 큽니다.", 413,
                        "Split the samples into several sheets.")


async def _receive(request: Request, station: Any) -> _Upload:
    """Stream the sheet (raw body, or the 'file' part of a multipart form) to a temporary file, hashing it."""
    params = {k: v for k, v in request.query_params.items() if k in _OPTIONS}
    path = _temp_path(station, ".sheet")
    digest = hashlib.sha256()
    size = 0
    filename = request.query_params.get("filename") or _disposition_name(request.headers.get("content-disposition"))
    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form(max_files=1, max_fields=20)
            upload = form.get("file")
            for key in _OPTIONS:
                value = form.get(key)
                if isinstance(value, str) and value and key not in params:
                    params[key] = value
            if upload is None or isinstance(upload, str):
                raise ValidationFailed([field_error("file_missing", "file", "The form has no 'file' part.",
                                                    "'file' 항목이 없습니다.", "Send the sheet as the part named 'file'.")])
            filename = filename or upload.filename
            with path.open("wb") as out:
                while chunk := await upload.read(1 << 20):
                    size += len(chunk)
                    if size > MAX_SHEET_BYTES:
                        raise _too_large()
                    digest.update(chunk)
                    out.write(chunk)
            await form.close()
        else:
            with path.open("wb") as out:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > MAX_SHEET_BYTES:
                        raise _too_large()
                    digest.update(chunk)
                    out.write(chunk)
        if size == 0:
            raise ValidationFailed([field_error("sheet_empty", "file", "No sheet was sent.", "시트가 전송되지 않았습니다.",
                                                "Send the file as the request body (curl --data-binary @sheet.tsv) or "
                                                "as the multipart part 'file'.")])
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Upload(path, digest.hexdigest(), filename or "upload", params)


def _disposition_name(header: str | None) -> str | None:
    if not header:
        return None
    m = re.search(r'filename="?([^";]+)"?', header)
    return Path(m.group(1)).name if m else None


def _parse_document(raw: bytes, content_type: str) -> Any:
    try:
        text = raw.decode("utf-8")
        if "yaml" in content_type:
            return yaml.safe_load(text)
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValidationFailed([field_error("document_unreadable", "body", f"The form document cannot be read: {exc}",
                                            "양식 문서를 읽을 수 없습니다.",
                                            "Send JSON (Content-Type: application/json) or YAML "
                                            "(Content-Type: application/yaml).")]) from None
