"""Chunked, resumable uploads into a dataset draft.

start -> send parts (any order, each checked against its sha256) -> complete (whole file checked against the
declared sha256, and md5 when given). Parts are staged in the object store and recorded in the database, so
a dropped connection or a killed server loses at most the part in flight. The bytes become a file only
when the whole checksum matches; the same bytes are stored once however often they are uploaded.
"""
from __future__ import annotations

import hashlib
import posixpath
import queue
import re
import threading
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from .. import accessions
from ..audit.service import record
from ..clock import now
from ..db import UnitOfWork
from ..errors import Conflict, StationError, ValidationFailed, field_error
from ..identity import Identity
from ..policy import require
from ..storage import blob_key
from ..validation import parse
from .models import Blob, Dataset, DatasetVersion, Upload, UploadPart

MIN_PART = 5 * 1024 * 1024
_HASH_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="upload-hash")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


class UploadStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="Folder path inside the dataset, e.g. reads/run1/R1.fastq.gz")
    size: int = Field(ge=0, description="Size of the whole file in bytes")
    sha256: str | None = Field(None, description="sha256 of the whole file (hex); may instead be given on completion")
    md5: str | None = Field(None, description="md5 of the whole file (hex), if a partner archive needs it checked")
    part_size: int | None = Field(None, description="Bytes per part (5 MiB to the station's maximum)")


class UploadOut(BaseModel):
    id: str
    dataset: str
    version: int
    path: str
    size: int
    part_size: int
    parts_total: int
    parts_received: list[int]
    bytes_received: int
    state: str
    sha256: str | None
    file: str | None


def check_path(path: str) -> str:
    """A safe, portable relative path: no '..', no absolute paths, no control characters."""
    clean = unicodedata.normalize("NFC", path or "").strip()
    problems = []
    if not clean:
        problems.append("it is empty")
    if clean.startswith("/") or re.match(r"^[A-Za-z]:", clean):
        problems.append("it is absolute")
    if "\\" in clean:
        problems.append("it contains a backslash")
    if any(ord(c) < 32 or ord(c) == 127 for c in clean):
        problems.append("it contains control characters")
    parts = clean.split("/")
    if any(p in ("", ".", "..") for p in parts):
        problems.append("it has an empty, '.' or '..' segment")
    if len(clean.encode()) > 1024:
        problems.append("it is longer than 1024 bytes")
    if problems:
        raise ValidationFailed([field_error(
            "invalid_path", "path", f"The file path {path!r} is not allowed: {', '.join(problems)}.",
            f"파일 경로 {path!r}을(를) 사용할 수 없습니다.",
            "Use a relative path with '/' between folders, e.g. reads/run1/R1.fastq.gz", path)])
    return posixpath.normpath(clean)


@dataclass
class _Running:
    """Whole-file hashes fed while parts arrive in order, so completing needs no second read."""

    next_part: int
    sha256: Any
    md5: Any | None
    lock: threading.Lock = field(default_factory=threading.Lock)


class PartSink:
    """Receives one part's bytes from any transport (HTTP body, CLI, test) and checks them.

    The part's own sha256 is computed as the bytes arrive; when parts come in order, the whole file's
    sha256 is fed on a second thread (hashlib releases the GIL), so completing needs no second read.
    """

    def __init__(self, service: "UploadService", identity: Identity, upload: Upload, number: int, expected: int,
                 declared_sha256: str):
        self.service, self.identity = service, identity
        self.upload_id, self.number, self.expected = upload.id, number, expected
        self.declared = declared_sha256
        self.received = 0
        self._hash = hashlib.sha256()
        self._queue: queue.SimpleQueue | None = None
        running = service._running.get(upload.id)
        if running is not None and running.next_part == number:
            self._running = running
            self._whole = running.sha256.copy()
            self._whole_md5 = running.md5.copy() if running.md5 is not None else None
            self._queue = queue.SimpleQueue()
            self._feeder = _HASH_POOL.submit(self._feed, self._queue, self._whole, self._whole_md5)
        self._cm: Any = service.station.store.part_writer(upload.id, number, (number - 1) * upload.part_size)
        self._fh = self._cm.__enter__()

    @staticmethod
    def _feed(q: queue.SimpleQueue, sha: Any, md5: Any) -> None:
        while (chunk := q.get()) is not None:
            sha.update(chunk)
            if md5 is not None:
                md5.update(chunk)

    def write(self, data: bytes) -> None:
        self.received += len(data)
        if self.received > self.expected:
            self.abort()
            raise _part_error("part_too_large", f"Part {self.number} is larger than {self.expected} bytes.",
                              f"파트 {self.number}의 크기가 {self.expected} 바이트보다 큽니다.", self.number)
        if self._queue is not None:
            self._queue.put(data)
        self._hash.update(data)
        self._fh.write(data)

    def _close(self, ok: bool) -> None:
        if self._queue is not None:
            self._queue.put(None)
            self._feeder.result()
            if not ok:
                self._queue = None
        if self._cm is not None:
            cm, self._cm = self._cm, None
            if ok:
                cm.__exit__(None, None, None)
            else:
                cm.__exit__(StationError, StationError("aborted", "", ""), None)

    def abort(self) -> None:
        self._close(ok=False)

    def finish(self) -> UploadOut:
        if self.received != self.expected:
            self.abort()
            raise _part_error("part_size_mismatch",
                              f"Part {self.number} has {self.received} bytes; {self.expected} were expected.",
                              f"파트 {self.number}은(는) {self.received} 바이트입니다. {self.expected} 바이트여야 합니다.",
                              self.number)
        digest = self._hash.hexdigest()
        if digest != self.declared:
            self.abort()
            raise _part_error("part_checksum_mismatch",
                              f"Part {self.number} arrived with sha256 {digest}, not the declared {self.declared}.",
                              f"파트 {self.number}의 sha256이 선언한 값과 다릅니다.", self.number)
        self._close(ok=True)
        svc = self.service
        with svc.station.uow() as uow:
            upload = svc._get_open(uow, self.identity, self.upload_id)
            part = uow.session.get(UploadPart, (upload.id, self.number))
            if part is None:
                uow.session.add(UploadPart(upload_id=upload.id, number=self.number, size=self.received, sha256=digest))
            else:
                part.size, part.sha256, part.created_at = self.received, digest, now()
            uow.session.flush()
            result = svc.out(uow, upload)
        if self._queue is not None:
            with self._running.lock:
                if self._running.next_part == self.number:
                    self._running.sha256, self._running.md5 = self._whole, self._whole_md5
                    self._running.next_part += 1
        return result


def _part_error(code: str, en: str, ko: str, number: int) -> StationError:
    return ValidationFailed([field_error(code, f"parts[{number}]", en, ko,
                                         "Send this part again; the parts already received are kept.")], en, ko)


class UploadService:
    def __init__(self, station: Any):
        self.station = station
        self._running: dict[str, _Running] = {}

    def _get_open(self, uow: UnitOfWork, identity: Identity, upload_id: str) -> Upload:
        upload = uow.session.get(Upload, upload_id) if isinstance(upload_id, str) and len(upload_id) <= 36 else None
        allowed = upload is not None and (upload.created_by == identity.user_id or identity.has_role("operator"))
        require(self.station, identity, allowed, "use", "upload", str(upload_id), hide=True)
        if upload.state != "open":
            raise Conflict("upload_closed", f"Upload {upload_id} is {upload.state}.",
                           f"업로드 {upload_id}은(는) 이미 '{upload.state}' 상태입니다.",
                           "Start a new upload for this file.")
        return upload

    def start(self, uow: UnitOfWork, identity: Identity, dataset_accession: str,
              data: UploadStart | dict) -> UploadOut:
        data = parse(UploadStart, data)
        dataset, draft = self.station.datasets.editable_draft(uow, identity, dataset_accession)
        self.station.access.check_quota(uow, dataset, data.size)  # "My Lab Data" has a storage quota
        path = check_path(data.path)
        cfg = self.station.config
        errors = []
        part_size = data.part_size or cfg.upload_part_size
        if part_size < MIN_PART or part_size > cfg.upload_max_part_size:
            errors.append(field_error("invalid_part_size", "part_size",
                                      f"part_size must be between {MIN_PART} and {cfg.upload_max_part_size} bytes.",
                                      "part_size 값이 허용 범위를 벗어났습니다.", "Leave it out to use the default."))
        if data.sha256 is not None and not _HEX64.match(data.sha256):
            errors.append(field_error("invalid_sha256", "sha256", "sha256 must be 64 lower-case hex digits.",
                                      "sha256은 소문자 16진수 64자리여야 합니다.", "", data.sha256))
        if data.md5 is not None and not _HEX32.match(data.md5):
            errors.append(field_error("invalid_md5", "md5", "md5 must be 32 lower-case hex digits.",
                                      "md5는 소문자 16진수 32자리여야 합니다.", "", data.md5))
        if errors:
            raise ValidationFailed(errors)
        # The same file to the same place resumes the upload already under way.
        existing = uow.session.scalar(select(Upload).where(
            Upload.version_id == draft.id, Upload.path == path, Upload.size == data.size, Upload.state == "open",
            Upload.created_by == identity.user_id))
        if existing is not None and (data.sha256 is None or existing.sha256 in (None, data.sha256)):
            if data.sha256 and existing.sha256 is None:
                existing.sha256 = data.sha256
            return self.out(uow, existing)
        upload = Upload(id=str(uuid.uuid4()), dataset_id=dataset.id, version_id=draft.id, path=path, size=data.size,
                        part_size=part_size, sha256=data.sha256, md5=data.md5, created_by=identity.user_id)
        uow.session.add(upload)
        uow.session.flush()
        self._running[upload.id] = _Running(1, hashlib.sha256(), hashlib.md5() if data.md5 else None)
        record(uow, identity, "upload.start", "dataset", accessions.make("dataset", dataset.id),
               {"upload": upload.id, "path": path, "size": data.size})
        return self.out(uow, upload)

    def status(self, uow: UnitOfWork, identity: Identity, upload_id: str) -> UploadOut:
        upload = uow.session.get(Upload, upload_id)
        allowed = upload is not None and (upload.created_by == identity.user_id or identity.has_role("operator"))
        require(self.station, identity, allowed, "read", "upload", upload_id, hide=True)
        return self.out(uow, upload)

    def open_part(self, identity: Identity, upload_id: str, number: int, sha256: str | None) -> PartSink:
        with self.station.uow() as uow:
            upload = self._get_open(uow, identity, upload_id)
            total = _parts_total(upload)
            errors = []
            if not 1 <= number <= max(total, 1) or total == 0:
                errors.append(field_error("invalid_part_number", "part",
                                          f"Part number must be between 1 and {total}.",
                                          f"파트 번호는 1부터 {total} 사이여야 합니다.",
                                          "Parts are numbered from 1 in file order.", number))
            if not sha256 or not _HEX64.match(sha256):
                errors.append(field_error("part_checksum_required", "sha256",
                                          "Each part needs its sha256 (64 lower-case hex digits).",
                                          "각 파트에는 sha256 값(소문자 16진수 64자리)이 필요합니다.",
                                          "Send the header 'Content-Digest: sha-256=:<base64>:' or "
                                          "'X-Part-Sha256: <hex>'.", sha256))
            if errors:
                raise ValidationFailed(errors)
            expected = _part_length(upload, number)
            return PartSink(self, identity, upload, number, expected, sha256)

    def put_part(self, identity: Identity, upload_id: str, number: int, sha256: str | None,
                 chunks: Any) -> UploadOut:
        """Convenience for callers that already hold the bytes (CLI, tests)."""
        sink = self.open_part(identity, upload_id, number, sha256)
        try:
            for chunk in chunks:
                sink.write(chunk)
        except BaseException:
            sink.abort()
            raise
        return sink.finish()

    def complete(self, uow: UnitOfWork, identity: Identity, upload_id: str, sha256: str | None = None,
                 md5: str | None = None) -> UploadOut:
        upload = self._get_open(uow, identity, upload_id)
        declared = sha256 or upload.sha256
        if sha256 and upload.sha256 and sha256 != upload.sha256:
            raise ValidationFailed([field_error("sha256_changed", "sha256", "This sha256 differs from the one given "
                                                "when the upload started.", "업로드 시작 시 선언한 sha256과 다릅니다.",
                                                "Check which file you are uploading.", sha256)])
        if not declared or not _HEX64.match(declared):
            raise ValidationFailed([field_error("sha256_required", "sha256", "The whole file's sha256 is required.",
                                                "전체 파일의 sha256이 필요합니다.",
                                                "Give sha256 when starting or completing the upload.", declared)])
        declared_md5 = md5 or upload.md5
        total = _parts_total(upload)
        parts = {p.number: p for p in uow.session.scalars(select(UploadPart).where(UploadPart.upload_id == upload.id))}
        missing = [n for n in range(1, total + 1) if n not in parts]
        if missing:
            raise Conflict("parts_missing", f"{len(missing)} part(s) have not arrived: {missing[:20]}.",
                           f"아직 도착하지 않은 파트가 {len(missing)}개 있습니다.",
                           "Send the missing parts (GET the upload to see which), then complete again.")
        whole_sha, whole_md5, reread = self._whole_hashes(upload, total, need_md5=declared_md5 is not None)
        if whole_sha != declared or (declared_md5 is not None and whole_md5 != declared_md5):
            which = "sha256" if whole_sha != declared else "md5"
            damaged = self._drop_damaged_parts(uow, upload, parts) if reread else []
            record(uow, identity, "upload.checksum_mismatch", "dataset", accessions.make("dataset", upload.dataset_id),
                   {"upload": upload.id, "path": upload.path, "declared": declared, "computed": whole_sha,
                    "damaged_parts": damaged})
            uow.commit()
            hint = (f"Parts {damaged} were damaged in storage and have been dropped: send them again, then complete."
                    if damaged else
                    "Check that every part comes from the same file; re-send wrong parts or start a new upload.")
            raise ValidationFailed([field_error(
                "checksum_mismatch", which,
                f"The parts put together have {which} {whole_sha if which == 'sha256' else whole_md5}, "
                f"not the declared {declared if which == 'sha256' else declared_md5}. Nothing was stored.",
                f"받은 파트를 합친 {which} 값이 선언한 값과 다릅니다. 아무것도 저장되지 않았습니다.", hint)],
                "The file's checksum does not match.", "파일 체크섬이 일치하지 않습니다.")
        store = self.station.store
        blob = uow.session.get(Blob, whole_sha)
        if blob is None or store.size(blob_key(whole_sha)) != upload.size:
            store.assemble(upload.id, total, blob_key(whole_sha), upload.size,
                           sync=self.station.config.storage_sync_on_complete)
            if blob is None:
                blob = Blob(sha256=whole_sha, size=upload.size, md5=whole_md5)
                uow.session.add(blob)
        elif blob.md5 is None and whole_md5:
            blob.md5 = whole_md5
        uow.session.flush()
        dataset = uow.session.get(Dataset, upload.dataset_id)
        draft = uow.session.get(DatasetVersion, upload.version_id)
        if draft.state != "draft":
            raise Conflict("dataset_submitted", "The version this upload belongs to is no longer a draft.",
                           "이 업로드가 속한 버전은 더 이상 초안이 아닙니다.", "Start a new upload into the new draft.")
        f = self.station.datasets.add_file(uow, identity, dataset, draft, upload.path, whole_sha, upload.size)
        upload.state, upload.completed_at, upload.file_id = "completed", now(), f.id
        # QC (a subscriber of file.added) re-reads the bytes once: validates, re-checks the sha256,
        # computes the md5 and fsyncs them.
        self.station.jobs.emit(uow, "file.added", {"file_id": f.id, "dataset_id": dataset.id,
                                                   "version": draft.number, "path": upload.path}, ref=f"file:{f.id}")
        self._running.pop(upload.id, None)
        uow.after_commit(lambda: store.discard(upload.id))
        return self.out(uow, upload)

    def abort(self, uow: UnitOfWork, identity: Identity, upload_id: str) -> None:
        upload = self._get_open(uow, identity, upload_id)
        upload.state = "aborted"
        self._running.pop(upload.id, None)
        record(uow, identity, "upload.abort", "dataset", accessions.make("dataset", upload.dataset_id),
               {"upload": upload.id, "path": upload.path})
        store = self.station.store
        uow.after_commit(lambda: store.discard(upload.id))

    def expire_stale(self, uow: UnitOfWork, identity: Identity, dry_run: bool = False) -> list[str]:
        """Close unfinished uploads idle for longer than ``upload_expiry_hours`` and free their staged bytes.

        Idle means neither the upload nor any of its parts was touched since the cut-off, so an upload a
        depositor is still resuming is never taken away. Run it from cron (`biostation uploads expire`)."""
        require(self.station, identity, identity.has_role("operator"), "expire", "upload", "*")
        cutoff = now() - timedelta(hours=self.station.config.upload_expiry_hours)
        recent_part = (select(UploadPart.upload_id).where(UploadPart.upload_id == Upload.id,
                                                          UploadPart.created_at >= cutoff).exists())
        stale = list(uow.session.scalars(select(Upload).where(Upload.state == "open", Upload.created_at < cutoff,
                                                              ~recent_part).order_by(Upload.created_at)))
        if dry_run:
            return [u.id for u in stale]
        store = self.station.store
        for upload in stale:
            upload.state = "expired"
            self._running.pop(upload.id, None)
            record(uow, identity, "upload.expire", "dataset", accessions.make("dataset", upload.dataset_id),
                   {"upload": upload.id, "path": upload.path, "created_at": upload.created_at.isoformat()})
        ids = [u.id for u in stale]

        def discard() -> None:
            for upload_id in ids:
                store.discard(upload_id)
            store.sweep_temporary(self.station.config.upload_expiry_hours * 3600)
        uow.after_commit(discard)
        return ids

    def _whole_hashes(self, upload: Upload, total: int, need_md5: bool) -> tuple[str, str | None, bool]:
        """(sha256, md5, whether the staged bytes had to be read again)."""
        running = self._running.get(upload.id)
        if running is not None and running.next_part == total + 1 and (running.md5 is not None or not need_md5):
            return running.sha256.hexdigest(), running.md5.hexdigest() if running.md5 is not None else None, False
        sha, md5 = hashlib.sha256(), hashlib.md5() if need_md5 else None
        for number in range(1, total + 1):
            for chunk in self.station.store.read_part(upload.id, number, (number - 1) * upload.part_size,
                                                      _part_length(upload, number)):
                sha.update(chunk)
                if md5 is not None:
                    md5.update(chunk)
        return sha.hexdigest(), md5.hexdigest() if md5 is not None else None, True

    def _drop_damaged_parts(self, uow: UnitOfWork, upload: Upload, parts: dict[int, UploadPart]) -> list[int]:
        """Parts whose stored bytes no longer match their recorded sha256 (a crash before write-back)."""
        damaged = []
        for number, part in sorted(parts.items()):
            h = hashlib.sha256()
            for chunk in self.station.store.read_part(upload.id, number, (number - 1) * upload.part_size, part.size):
                h.update(chunk)
            if h.hexdigest() != part.sha256:
                damaged.append(number)
                uow.session.delete(part)
        self._running.pop(upload.id, None)
        return damaged

    def out(self, uow: UnitOfWork, upload: Upload) -> UploadOut:
        parts = list(uow.session.execute(select(UploadPart.number, UploadPart.size)
                                         .where(UploadPart.upload_id == upload.id).order_by(UploadPart.number)))
        version = uow.session.get(DatasetVersion, upload.version_id)
        return UploadOut(id=upload.id, dataset=accessions.make("dataset", upload.dataset_id), version=version.number,
                         path=upload.path, size=upload.size, part_size=upload.part_size,
                         parts_total=_parts_total(upload), parts_received=[p[0] for p in parts],
                         bytes_received=sum(p[1] for p in parts), state=upload.state, sha256=upload.sha256,
                         file=accessions.make("file", upload.file_id) if upload.file_id else None)


def _parts_total(upload: Upload) -> int:
    return -(-upload.size // upload.part_size) if upload.size else 0


def _part_length(upload: Upload, number: int) -> int:
    total = _parts_total(upload)
    return upload.part_size if number < total else upload.size - upload.part_size * (total - 1)

