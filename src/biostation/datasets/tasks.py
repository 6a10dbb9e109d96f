"""Background work on deposited files."""
from __future__ import annotations

import hashlib
from typing import Any, Callable

from ..jobs import handler
from ..storage import blob_key
from .models import Blob


@handler("blob.verify")
def verify_blob(station: Any, payload: dict, progress: Callable[[float], None]) -> dict:
    """After an upload is acknowledged: re-read the stored bytes, check their sha256, compute the md5 that
    partner archives ask for, and make them durable (fsync), so the upload itself runs at memory speed.
    """
    sha256 = payload["sha256"]
    with station.uow() as uow:
        blob = uow.session.get(Blob, sha256)
        if blob is None:
            return {"skipped": "blob no longer exists"}
        size = blob.size
    md5, sha = hashlib.md5(), hashlib.sha256()
    done = 0
    for chunk in station.store.read(blob_key(sha256), chunk=8 * 1024 * 1024):
        md5.update(chunk)
        sha.update(chunk)
        done += len(chunk)
        if size:
            progress(done / size)
    if sha.hexdigest() != sha256:
        raise IOError(f"stored bytes of blob {sha256} no longer match their sha256 ({sha.hexdigest()})")
    station.store.sync(blob_key(sha256))
    with station.uow() as uow:
        blob = uow.session.get(Blob, sha256)
        if blob is not None:
            blob.md5 = md5.hexdigest()
    return {"md5": md5.hexdigest()}
