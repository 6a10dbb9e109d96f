"""The S3 adapter against a local S3-compatible server (moto's server mode, real HTTP on localhost)."""
from __future__ import annotations

import hashlib
import os

import pytest

from biostation.config import load_config
from biostation.station import Station
from biostation.storage import S3Store, blob_key
from tests.core.helpers import MiB, upload_bytes


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer
    from tests.core.livesrv import free_port
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _store(endpoint):
    return S3Store("test-bucket", endpoint, "us-east-1", "testing", "testing")


def test_s3_store_write_read_range_compose_delete(s3_endpoint):
    store = _store(s3_endpoint)
    a, b = os.urandom(5 * MiB), os.urandom(1234)
    with store.writer("uploads/u1/000001") as fh:
        fh.write(a)
    with store.writer("uploads/u1/000002") as fh:
        fh.write(b)
    store.compose("blobs/x", ["uploads/u1/000001", "uploads/u1/000002"])
    assert store.size("blobs/x") == len(a) + len(b)
    assert b"".join(store.read("blobs/x")) == a + b
    assert b"".join(store.read("blobs/x", 10, 20)) == (a + b)[10:20]
    store.delete_prefix("uploads/u1")
    assert store.size("uploads/u1/000001") is None
    # A failed write leaves nothing behind.
    with pytest.raises(RuntimeError):
        with store.writer("blobs/broken") as fh:
            fh.write(b"half")
            raise RuntimeError("connection dropped")
    assert store.size("blobs/broken") is None


def test_station_on_s3_uploads_and_downloads(s3_endpoint, tmp_path, people, dataset, client):
    # Same database, different store: rebuild the app on an S3-backed station.
    from fastapi.testclient import TestClient

    from biostation.api.app import create_app
    station = client.app.state.station
    cfg = load_config({"data_dir": str(station.config.data_path), "database_url": station.config.database_url,
                       "storage_backend": "s3", "s3_endpoint_url": s3_endpoint, "s3_bucket": "station-s3",
                       "s3_access_key": "testing", "s3_secret_key": "testing"}, environ={})
    s3_station = Station(cfg)
    with TestClient(create_app(s3_station, start_jobs=False)) as c:
        data = os.urandom(11 * MiB)
        res = upload_bytes(c, people["owner"].headers, dataset, "reads/s3.bin", data, order=[2, 3, 1])
        assert s3_station.store.size(blob_key(hashlib.sha256(data).hexdigest())) == len(data)
        r = c.get(f"/api/files/{res['file']}/content", headers={**people["owner"].headers, "Range": "bytes=5-9"})
        assert r.status_code == 206 and r.content == data[5:10]
    s3_station.close()
