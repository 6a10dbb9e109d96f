"""QC on ingest: every file that completes upload is checked in the background.

The same pass verifies the stored bytes against their sha256 (the content address), computes the md5
partner archives ask for, and makes the bytes durable (fsync) — so a file is read once after upload.
"""
from __future__ import annotations

import os

import tempfile
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import select

from ..datasets.models import Blob, DatasetFile
from ..jobs import subscribe
from ..storage import LocalStore, blob_key
from .models import QCResult
from .service import check_file


@contextmanager
def local_copy(station: Any, sha256: str) -> Iterator[str]:
    """A local path to the blob: the file itself on a local store, a streamed temporary copy from S3."""
    store = station.store
    if isinstance(store, LocalStore):
        yield str(store.local_path(blob_key(sha256)))
        return
    with tempfile.NamedTemporaryFile(dir=station.config.data_path, prefix="qc-", delete=False) as tmp:
        for chunk in store.read(blob_key(sha256), chunk=8 * 1024 * 1024):
            tmp.write(chunk)
    try:
        yield tmp.name
    finally:
        os.unlink(tmp.name)


@subscribe("file.added")
def qc_file(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    with station.uow() as uow:
        f = uow.session.get(DatasetFile, payload["file_id"])
        if f is None:
            return {"skipped": "file no longer exists"}
        sha256, size = f.sha256, f.size
        same = uow.session.scalar(select(QCResult).where(QCResult.sha256 == sha256).limit(1))
        reuse = dict(same.report) if same is not None else None
        blob_md5 = uow.session.get(Blob, sha256).md5
    if reuse is not None and blob_md5:
        report_dict = reuse  # the same bytes were checked already
    else:
        step = max(size // 100, 1)
        last = [0]

        def on_bytes(done: int) -> None:
            if done - last[0] >= step:
                last[0] = done
                progress(min(done / max(size, 1), 1.0))

        with local_copy(station, sha256) as path:
            report = check_file(path, progress=on_bytes)
        if report.metrics.get("sha256") != sha256:
            raise IOError(f"stored bytes of {sha256} no longer match their sha256 ({report.metrics.get('sha256')})")
        station.store.sync(blob_key(sha256))
        report_dict = report.as_dict()
        report_dict.pop("file", None)
    with station.uow() as uow:
        blob = uow.session.get(Blob, sha256)
        if blob is not None and not blob.md5:
            blob.md5 = report_dict.get("metrics", {}).get("md5")
        existing = uow.session.scalar(select(QCResult).where(QCResult.file_id == payload["file_id"]))
        if existing is not None:
            uow.session.delete(existing)
            uow.session.flush()
        if uow.session.get(DatasetFile, payload["file_id"]) is not None:
            station.jobs.emit(uow, "dataset.quality_changed", {"dataset_id": payload["dataset_id"]},
                              ref=f"dataset:{payload['dataset_id']}")
            uow.session.add(QCResult(file_id=payload["file_id"], sha256=sha256, format=report_dict["format"],
                                     valid=report_dict["valid"], checked=report_dict.get("checked", True),
                                     grade=report_dict["grade"], score=report_dict.get("score", 0.0),
                                     report=report_dict))
    return {"grade": report_dict["grade"], "format": report_dict["format"], "valid": report_dict["valid"]}



