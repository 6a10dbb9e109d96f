"""Chunked, resumable uploads; content addressing; downloads with Range."""
from __future__ import annotations

import hashlib
import os

import pytest
from sqlalchemy import func, select

from biostation.datasets.models import Blob
from biostation.errors import StationError
from biostation.storage import blob_key
from tests.core.helpers import MiB, put_part, upload_bytes


def _start(client, headers, dataset, path, data, part_size=5 * MiB, **extra):
    r = client.post(f"/api/datasets/{dataset}/uploads",
                    json={"path": path, "size": len(data), "part_size": part_size, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_parts_in_any_order_and_download_is_identical(client, people, dataset):
    owner = people["owner"].headers
    data = os.urandom(12 * MiB + 123)
    result = upload_bytes(client, owner, dataset, "reads/run1/R1.fastq.gz", data, order=[3, 1, 2])
    assert result["state"] == "completed" and result["file"].startswith("BSF")
    r = client.get(f"/api/files/{result['file']}/content", headers=owner)
    assert r.status_code == 200 and r.content == data
    assert r.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    # Range requests: a window, an open end, a suffix, and one past the end.
    r = client.get(f"/api/files/{result['file']}/content", headers={**owner, "Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == data[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(data)}"
    r = client.get(f"/api/files/{result['file']}/content", headers={**owner, "Range": f"bytes={len(data) - 10}-"})
    assert r.content == data[-10:]
    r = client.get(f"/api/files/{result['file']}/content", headers={**owner, "Range": "bytes=-5"})
    assert r.content == data[-5:]
    r = client.get(f"/api/files/{result['file']}/content", headers={**owner, "Range": f"bytes={len(data)}-"})
    assert r.status_code == 416
    files = client.get(f"/api/datasets/{dataset}/files", headers=owner).json()["items"]
    assert files[0]["path"] == "reads/run1/R1.fastq.gz" and files[0]["size"] == len(data)


def test_bad_part_is_refused_and_can_be_resent(client, people, dataset):
    owner = people["owner"].headers
    data = os.urandom(6 * MiB)
    up = _start(client, owner, dataset, "a.bin", data)
    part1 = data[:5 * MiB]
    r = client.put(f"/api/uploads/{up['id']}/parts/1", content=part1,
                   headers={**owner, "X-Part-Sha256": hashlib.sha256(b"other").hexdigest()})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "part_checksum_mismatch"
    assert r.json()["errors"][0]["field"] == "parts[1]"
    r = client.put(f"/api/uploads/{up['id']}/parts/1", content=part1[:100],
                   headers={**owner, "X-Part-Sha256": hashlib.sha256(part1[:100]).hexdigest()})
    assert r.json()["errors"][0]["code"] == "part_size_mismatch"
    r = client.put(f"/api/uploads/{up['id']}/parts/1", content=part1, headers=owner)
    assert r.json()["errors"][0]["code"] == "part_checksum_required"
    status = client.get(f"/api/uploads/{up['id']}", headers=owner).json()
    assert status["parts_received"] == []
    put_part(client, owner, up["id"], 1, part1)
    # Completing with a part missing names the gap.
    r = client.post(f"/api/uploads/{up['id']}/complete", json={"sha256": hashlib.sha256(data).hexdigest()},
                    headers=owner)
    assert r.status_code == 409 and r.json()["code"] == "parts_missing"
    # RFC 9530 Content-Digest works too.
    import base64
    part2 = data[5 * MiB:]
    digest = base64.b64encode(hashlib.sha256(part2).digest()).decode()
    r = client.put(f"/api/uploads/{up['id']}/parts/2", content=part2,
                   headers={**owner, "Content-Digest": f"sha-256=:{digest}:"})
    assert r.status_code == 200 and r.json()["parts_received"] == [1, 2]
    r = client.post(f"/api/uploads/{up['id']}/complete", json={"sha256": hashlib.sha256(data).hexdigest()},
                    headers=owner)
    assert r.status_code == 200


def test_whole_checksum_mismatch_stores_nothing(client, people, station, dataset):
    owner = people["owner"].headers
    data = os.urandom(1000)
    up = _start(client, owner, dataset, "x.bin", data)
    put_part(client, owner, up["id"], 1, data)
    wrong = hashlib.sha256(b"not the file").hexdigest()
    r = client.post(f"/api/uploads/{up['id']}/complete", json={"sha256": wrong}, headers=owner)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "checksum_mismatch"
    assert client.get(f"/api/datasets/{dataset}/files", headers=owner).json()["items"] == []
    real = hashlib.sha256(data).hexdigest()
    assert station.store.size(blob_key(real)) is None
    with station.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Blob)) == 0
    # The md5 a partner archive asks for is checked too when declared.
    up2 = _start(client, owner, dataset, "y.bin", data, md5="0" * 32)
    put_part(client, owner, up2["id"], 1, data)
    r = client.post(f"/api/uploads/{up2['id']}/complete", json={"sha256": real}, headers=owner)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "md5"
    up3 = _start(client, owner, dataset, "z.bin", data, md5=hashlib.md5(data).hexdigest())
    put_part(client, owner, up3["id"], 1, data)
    assert client.post(f"/api/uploads/{up3['id']}/complete", json={"sha256": real}, headers=owner).status_code == 200


def test_same_bytes_stored_once_and_published_bytes_survive_draft_delete(client, people, station, dataset):
    owner = people["owner"].headers
    data = os.urandom(2 * MiB)
    sha = hashlib.sha256(data).hexdigest()
    upload_bytes(client, owner, dataset, "one/copy.bin", data)
    upload_bytes(client, owner, dataset, "two/copy.bin", data)
    with station.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Blob)) == 1
    client.patch(f"/api/datasets/{dataset}", json={"description_en": "two copies"}, headers=owner)
    assert client.post(f"/api/datasets/{dataset}/submit", headers=owner).status_code == 200
    assert client.post(f"/api/datasets/{dataset}/publish", headers=owner).status_code == 200
    # In the new draft, delete both copies: version 1 still references the bytes.
    assert client.delete(f"/api/datasets/{dataset}/files/one/copy.bin", headers=owner).status_code == 204
    assert client.delete(f"/api/datasets/{dataset}/files/two/copy.bin", headers=owner).status_code == 204
    assert client.get(f"/api/datasets/{dataset}/files?version=2", headers=owner).json()["items"] == []
    assert station.store.size(blob_key(sha)) == len(data)
    v1 = client.get(f"/api/datasets/{dataset}/files?version=1").json()["items"]
    assert client.get(v1[0]["download_url"]).content == data
    # A draft-only file is collected with its bytes once nothing references them.
    only = os.urandom(1000)
    upload_bytes(client, owner, dataset, "tmp.bin", only)
    assert client.delete(f"/api/datasets/{dataset}/files/tmp.bin", headers=owner).status_code == 204
    assert station.store.size(blob_key(hashlib.sha256(only).hexdigest())) is None


def test_resume_returns_the_same_upload_and_its_parts(client, people, dataset):
    owner = people["owner"].headers
    data = os.urandom(11 * MiB)
    up = _start(client, owner, dataset, "big.bin", data)
    put_part(client, owner, up["id"], 2, data[5 * MiB:10 * MiB])
    again = _start(client, owner, dataset, "big.bin", data)
    assert again["id"] == up["id"] and again["parts_received"] == [2] and again["bytes_received"] == 5 * MiB
    # Somebody else cannot see or feed the upload.
    assert client.get(f"/api/uploads/{up['id']}", headers=people["other"].headers).status_code == 404


def test_bad_paths_and_sizes_are_named(client, people, dataset):
    owner = people["owner"].headers
    for path in ["../etc/passwd", "/abs/file", "a//b", "C:\\x", "bad\x01name"]:
        r = client.post(f"/api/datasets/{dataset}/uploads", json={"path": path, "size": 10}, headers=owner)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path", path
    r = client.post(f"/api/datasets/{dataset}/uploads", json={"path": "ok.txt", "size": -1, "part_size": 10},
                    headers=owner)
    assert {e["field"] for e in r.json()["errors"]} == {"size"}
    r = client.post(f"/api/datasets/{dataset}/uploads", json={"path": "ok.txt", "size": 1, "part_size": 10},
                    headers=owner)
    assert {e["field"] for e in r.json()["errors"]} == {"part_size"}


def test_empty_file(client, people, dataset):
    owner = people["owner"].headers
    r = client.post(f"/api/datasets/{dataset}/uploads", json={"path": "empty.txt", "size": 0}, headers=owner)
    up = r.json()
    assert up["parts_total"] == 0
    r = client.post(f"/api/uploads/{up['id']}/complete", json={"sha256": hashlib.sha256(b"").hexdigest()},
                    headers=owner)
    assert r.status_code == 200
    assert client.get(f"/api/files/{r.json()['file']}/content", headers=owner).content == b""


def test_files_of_unreadable_datasets_answer_404(client, people, dataset):
    owner = people["owner"].headers
    result = upload_bytes(client, owner, dataset, "secret.txt", b"draft data")
    url = f"/api/files/{result['file']}/content"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=people["other"].headers).status_code == 404
    assert client.get(url, headers=people["curator"].headers).status_code == 200


def test_md5_is_computed_in_the_background(client, people, station, dataset):
    owner = people["owner"].headers
    data = os.urandom(3000)
    result = upload_bytes(client, owner, dataset, "m.bin", data)
    assert station.jobs.run_until_idle() >= 1
    files = client.get(f"/api/datasets/{dataset}/files", headers=owner).json()["items"]
    assert files[0]["md5"] == hashlib.md5(data).hexdigest()
    assert result["file"] == files[0]["accession"]


def test_idle_uploads_expire_but_active_ones_are_kept(client, people, station, dataset):
    from datetime import timedelta

    from biostation import clock
    from biostation.audit.models import AuditEvent
    from biostation.identity import SYSTEM

    owner = people["owner"].headers
    data = os.urandom(6 * MiB)
    idle = _start(client, owner, dataset, "idle.bin", data)
    put_part(client, owner, idle["id"], 1, data[:5 * MiB])
    active = _start(client, owner, dataset, "active.bin", data)
    staged = station.store.root / "uploads" / idle["id"]
    assert staged.exists()
    try:
        clock.advance(timedelta(hours=station.config.upload_expiry_hours + 1))
        # The depositor is still resuming this one: a part sent now keeps it open.
        put_part(client, owner, active["id"], 1, data[:5 * MiB])
        with station.uow() as uow:
            assert station.uploads.expire_stale(uow, SYSTEM, dry_run=True) == [idle["id"]]
        with pytest.raises(StationError) as refused, station.uow() as uow:
            station.uploads.expire_stale(uow, people["owner"].identity)
        assert refused.value.status == 403
        with station.uow() as uow:
            assert station.uploads.expire_stale(uow, SYSTEM) == [idle["id"]]
    finally:
        clock.reset()
    assert not staged.exists()
    r = client.put(f"/api/uploads/{idle['id']}/parts/2", content=data[5 * MiB:],
                   headers={**owner, "X-Part-Sha256": hashlib.sha256(data[5 * MiB:]).hexdigest()})
    assert r.status_code == 409 and r.json()["code"] == "upload_closed"
    assert client.get(f"/api/uploads/{active['id']}", headers=owner).json()["parts_received"] == [1]
    with station.uow() as uow:
        decisions = sorted(uow.session.scalars(select(AuditEvent.decision)
                                               .where(AuditEvent.action == "upload.expire")))
    assert decisions == ["allow", "deny"]  # the expiry, and the researcher who was refused
