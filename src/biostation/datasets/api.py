from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Iterator
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from ..api.deps import Caller, SignedIn, StationDep
from ..errors import StationError
from ..identity import Identity
from .schemas import DatasetFields, DatasetIn, DatasetOut, FileOut
from .uploads import UploadOut, UploadStart

router = APIRouter(prefix="/api", tags=["datasets"])


class DatasetPage(BaseModel):
    items: list[DatasetOut]
    next_cursor: str | None


class FilePage(BaseModel):
    items: list[FileOut]
    next_cursor: str | None


class Completion(BaseModel):
    sha256: str | None = None
    md5: str | None = None


@router.post("/datasets", response_model=DatasetOut, status_code=201)
def create_dataset(body: DatasetIn, station: StationDep, caller: SignedIn) -> DatasetOut:
    with station.uow() as uow:
        return station.datasets.out(uow, *station.datasets.create(uow, caller, body))


@router.get("/datasets", response_model=DatasetPage)
def list_datasets(station: StationDep, caller: Caller, cursor: str | None = None,
                  limit: int | None = Query(None, ge=1), project: str | None = None) -> DatasetPage:
    with station.uow() as uow:
        page = station.datasets.list(uow, caller, cursor=cursor, limit=limit, project=project)
        return DatasetPage(items=station.datasets.list_out(uow, caller, page), next_cursor=page.next_cursor)


@router.get("/datasets/{accession}", response_model=DatasetOut)
def get_dataset(accession: str, station: StationDep, caller: Caller, version: int | None = None) -> DatasetOut:
    with station.uow() as uow:
        dataset, ver = station.datasets.get(uow, caller, accession, version)
        station.stats.record_view(uow, dataset)
        return station.datasets.out(uow, dataset, ver)


@router.patch("/datasets/{accession}", response_model=DatasetOut)
def update_dataset(accession: str, body: DatasetFields, station: StationDep, caller: SignedIn) -> DatasetOut:
    with station.uow() as uow:
        return station.datasets.out(uow, *station.datasets.update(uow, caller, accession, body))


@router.post("/datasets/{accession}/versions", response_model=DatasetOut, status_code=201)
def new_version(accession: str, station: StationDep, caller: SignedIn) -> DatasetOut:
    with station.uow() as uow:
        return station.datasets.out(uow, *station.datasets.editable_draft(uow, caller, accession))


@router.post("/datasets/{accession}/submit", response_model=DatasetOut)
def submit_dataset(accession: str, station: StationDep, caller: SignedIn) -> DatasetOut:
    with station.uow() as uow:
        return station.datasets.out(uow, *station.datasets.submit(uow, caller, accession))


@router.post("/datasets/{accession}/withdraw", response_model=DatasetOut)
def withdraw_dataset(accession: str, station: StationDep, caller: SignedIn) -> DatasetOut:
    with station.uow() as uow:
        return station.datasets.out(uow, *station.datasets.withdraw(uow, caller, accession))


@router.post("/datasets/{accession}/publish", response_model=DatasetOut)
def publish_dataset(accession: str, station: StationDep, caller: SignedIn) -> DatasetOut:
    with station.uow() as uow:
        return station.datasets.out(uow, *station.datasets.publish(uow, caller, accession))


@router.get("/datasets/{accession}/files", response_model=FilePage)
def list_files(accession: str, station: StationDep, caller: Caller, version: int | None = None,
               cursor: str | None = None, limit: int | None = Query(None, ge=1)) -> FilePage:
    with station.uow() as uow:
        items, next_cursor = station.datasets.files(uow, caller, accession, version, cursor, limit)
        return FilePage(items=items, next_cursor=next_cursor)


@router.delete("/datasets/{accession}/files/{path:path}", status_code=204)
def delete_file(accession: str, path: str, station: StationDep, caller: SignedIn) -> Response:
    with station.uow() as uow:
        station.datasets.delete_file(uow, caller, accession, path)
    return Response(status_code=204)


# uploads ------------------------------------------------------------------------------------------------------
@router.post("/datasets/{accession}/uploads", response_model=UploadOut, status_code=201)
def start_upload(accession: str, body: UploadStart, station: StationDep, caller: SignedIn) -> UploadOut:
    with station.uow() as uow:
        return station.uploads.start(uow, caller, accession, body)


@router.get("/uploads/{upload_id}", response_model=UploadOut)
def upload_status(upload_id: str, station: StationDep, caller: SignedIn) -> UploadOut:
    with station.uow() as uow:
        return station.uploads.status(uow, caller, upload_id)


def _part_digest(content_digest: str | None, x_part_sha256: str | None) -> str | None:
    """RFC 9530 Content-Digest (sha-256, base64) or a plain hex header."""
    if x_part_sha256:
        return x_part_sha256.strip().lower()
    if content_digest:
        m = re.search(r"sha-256=:([A-Za-z0-9+/=]+):", content_digest)
        if m:
            try:
                return base64.b64decode(m.group(1)).hex()
            except binascii.Error:
                return None
    return None


@router.put("/uploads/{upload_id}/parts/{number}", response_model=UploadOut)
async def put_part(upload_id: str, number: int, request: Request, station: StationDep, caller: SignedIn,
                   content_digest: str | None = Header(None), x_part_sha256: str | None = Header(None)) -> UploadOut:
    sink = await run_in_threadpool(station.uploads.open_part, caller, upload_id, number,
                                   _part_digest(content_digest, x_part_sha256))
    try:
        async for chunk in request.stream():
            if chunk:
                sink.write(chunk)
    except BaseException:
        sink.abort()
        raise
    return await run_in_threadpool(sink.finish)


@router.post("/uploads/{upload_id}/complete", response_model=UploadOut)
def complete_upload(upload_id: str, station: StationDep, caller: SignedIn,
                    body: Completion | None = None) -> UploadOut:
    body = body or Completion()
    with station.uow() as uow:
        return station.uploads.complete(uow, caller, upload_id, body.sha256, body.md5)


@router.delete("/uploads/{upload_id}", status_code=204)
def abort_upload(upload_id: str, station: StationDep, caller: SignedIn) -> Response:
    with station.uow() as uow:
        station.uploads.abort(uow, caller, upload_id)
    return Response(status_code=204)


# downloads ----------------------------------------------------------------------------------------------------
def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """One 'bytes=' range as [start, end); None means the whole file."""
    if not header:
        return None
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not m or (not m.group(1) and not m.group(2)):
        return None  # unsupported forms (several ranges) get the whole file, as RFC 9110 allows
    first, last = m.group(1), m.group(2)
    if first:
        start = int(first)
        end = min(int(last) + 1, size) if last else size
    else:
        start, end = max(size - int(last), 0), size
    if start >= size or start >= end:
        raise StationError("range_not_satisfiable", f"The range {header!r} is outside the file's {size} bytes.",
                           "요청한 범위가 파일 크기를 벗어납니다.", 416, f"Ask for bytes between 0 and {size - 1}.")
    return start, end


@router.get("/files/{accession}/content")
def download(accession: str, station: StationDep, caller: Caller, range: str | None = Header(None)) -> Response:
    return file_response(station, caller, accession, range)


def file_response(station: Any, identity: Identity, accession: str, range_header: str | None) -> Response:
    """A file's bytes (whole or one Range) for every route that serves files; access is decided again while
    the bytes flow, so a grant revoked mid-download stops the transfer."""
    with station.uow() as uow:
        handle = station.datasets.open_file(uow, identity, accession)
        try:
            window = _byte_range(range_header, handle.size)
        except StationError as exc:
            if exc.status == 416:
                return Response(status_code=416, headers={"Content-Range": f"bytes */{handle.size}"})
            raise
        start, end = window or (0, handle.size)
        # one upsert in this unit of work: a download when it starts at byte 0, the bytes always
        station.stats.record_download(uow, handle.dataset, start, end - start)
    headers = {
        "Accept-Ranges": "bytes", "ETag": f'"{handle.sha256}"', "Content-Length": str(end - start),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(handle.path.rsplit('/', 1)[-1])}",
        "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(handle.sha256)).decode()}:",
    }
    if window:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{handle.size}"

    def body() -> Iterator[bytes]:
        yield from station.access.guard_stream(identity, accession, station.store.read(handle.key, start, end),
                                               station.access.stream_check_seconds)

    return StreamingResponse(body(), status_code=206 if window else 200, headers=headers,
                             media_type="application/octet-stream")
