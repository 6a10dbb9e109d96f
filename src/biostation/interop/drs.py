"""GA4GH Data Repository Service 1.2: files as DRS objects, dataset versions as bundles.

Every answer passes the datasets domain's permission layer (``open_file`` for a file, ``get``/``files`` for a
dataset), so a workflow engine sees exactly what its token may read, and non-open reads are audited there.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlparse

from .. import __version__, accessions
from ..datasets.models import DatasetFile
from ..identity import Identity

DRS_VERSION = "1.2.0"


def _portable(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name.rsplit("/", 1)[-1]) or "file"


class Drs:
    def __init__(self, station: Any):
        self.station = station
        self.base = station.config.effective_base_url.rstrip("/")
        parsed = urlparse(self.base)
        self.host = parsed.netloc

    def service_info(self) -> dict[str, Any]:
        cfg = self.station.config
        return {
            "id": f"kr.biostation.{self.host.replace(':', '-')}.drs", "name": f"{cfg.publisher} DRS",
            "type": {"group": "org.ga4gh", "artifact": "drs", "version": DRS_VERSION},
            "description": "GA4GH DRS over the station's files (objects) and dataset versions (bundles).",
            "organization": {"name": cfg.publisher, "url": self.base},
            "contactUrl": f"mailto:{cfg.admin_email}", "version": __version__,
        }

    def self_uri(self, object_id: str) -> str:
        return f"drs://{self.host}/{object_id}"

    def access_url(self, file_acc: str, token: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"url": f"{self.base}/api/files/{file_acc}/content"}
        if token:
            out["headers"] = [f"Authorization: Bearer {token}"]
        return out

    def get(self, uow: Any, identity: Identity, object_id: str, token: str | None,
            expand: bool = False) -> dict[str, Any]:
        kind, _, _ = accessions.parse(object_id, field="object_id")
        if kind == "file":
            return self._file(uow, identity, object_id, token)
        if kind == "dataset":
            return self._bundle(uow, identity, object_id, expand)
        from ..errors import NotFound
        raise NotFound("DRS object", object_id)

    def access(self, uow: Any, identity: Identity, object_id: str, access_id: str, token: str | None) -> dict[str, Any]:
        from ..errors import NotFound
        kind, _, _ = accessions.parse(object_id, field="object_id")
        if kind != "file" or access_id != "https":
            raise NotFound("DRS access method", f"{object_id}/{access_id}")
        handle = self.station.datasets.open_file(uow, identity, object_id)
        return self.access_url(handle.accession, token)

    def _file(self, uow: Any, identity: Identity, object_id: str, token: str | None) -> dict[str, Any]:
        h = self.station.datasets.open_file(uow, identity, object_id)
        f = uow.session.get(DatasetFile, accessions.parse(h.accession, "file")[1])
        checksums = [{"checksum": h.sha256, "type": "sha-256"}]
        if h.md5:
            checksums.append({"checksum": h.md5, "type": "md5"})
        return {
            "id": h.accession, "name": _portable(h.path), "self_uri": self.self_uri(h.accession), "size": h.size,
            "created_time": f.created_at.isoformat().replace("+00:00", "Z"),
            "updated_time": f.created_at.isoformat().replace("+00:00", "Z"),
            "version": h.sha256, "mime_type": "application/octet-stream", "checksums": checksums,
            "access_methods": [{"type": "https", "access_id": "https", "access_url": self.access_url(h.accession, token)}],
            "description": f"{h.path} in dataset {h.dataset}", "aliases": [f"{h.dataset}/{h.path}"],
        }

    def _bundle(self, uow: Any, identity: Identity, object_id: str, expand: bool) -> dict[str, Any]:
        dataset, ver = self.station.datasets.get(uow, identity, object_id)
        acc = f"{accessions.make('dataset', dataset.id)}.{ver.number}"
        contents, shas, size, cursor = [], [], 0, None
        while True:  # page through the manifest; a bundle lists every file of the version
            files, cursor = self.station.datasets.files(uow, identity, acc, ver.number, cursor)
            for f in files:
                item: dict[str, Any] = {"name": f.path, "id": f.accession, "drs_uri": [self.self_uri(f.accession)]}
                contents.append(item)
                shas.append(f.sha256)
                size += f.size
            if not cursor:
                break
        digest = hashlib.sha256("".join(sorted(shas)).encode()).hexdigest()
        created = (ver.published_at or ver.created_at).isoformat().replace("+00:00", "Z")
        return {
            "id": acc, "name": acc, "self_uri": self.self_uri(acc), "size": size, "created_time": created,
            "updated_time": ver.updated_at.isoformat().replace("+00:00", "Z"), "version": str(ver.number),
            "checksums": [{"checksum": digest, "type": "sha-256"}], "contents": contents,
            "description": ver.title_en, "aliases": [accessions.make("dataset", dataset.id)],
        }
