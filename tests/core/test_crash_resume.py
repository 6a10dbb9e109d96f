"""Kill the server in the middle of an upload; after a restart the upload resumes and the file is identical."""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from urllib.parse import urlparse

import httpx

from tests.core.helpers import MiB
from tests.core.livesrv import LiveServer


def _send_half_a_part(url: str, token: str, upload_id: str, number: int, part: bytes) -> None:
    """Start a part upload on a raw socket and stop halfway, as a dropped connection would."""
    u = urlparse(url)
    sock = socket.create_connection((u.hostname, u.port))
    head = (f"PUT /api/uploads/{upload_id}/parts/{number} HTTP/1.1\r\nHost: {u.hostname}\r\n"
            f"Authorization: Bearer {token}\r\nX-Part-Sha256: {hashlib.sha256(part).hexdigest()}\r\n"
            f"Content-Length: {len(part)}\r\nContent-Type: application/octet-stream\r\n\r\n")
    sock.sendall(head.encode() + part[: len(part) // 2])
    return sock


def test_sigkill_mid_upload_then_resume_is_byte_identical(station, people, dataset, tmp_path):
    token = people["owner"].token
    auth = {"Authorization": f"Bearer {token}"}
    data = os.urandom(3 * 5 * MiB + 777)
    local = tmp_path / "R1.fastq.gz"
    local.write_bytes(data)
    server = LiveServer(station).start()
    try:
        r = httpx.post(f"{server.url}/api/datasets/{dataset}/uploads",
                       json={"path": "reads/R1.fastq.gz", "size": len(data), "part_size": 5 * MiB}, headers=auth)
        up = r.json()
        part1 = data[:5 * MiB]
        r = httpx.put(f"{server.url}/api/uploads/{up['id']}/parts/1", content=part1,
                      headers={**auth, "X-Part-Sha256": hashlib.sha256(part1).hexdigest()})
        assert r.status_code == 200
        sock = _send_half_a_part(server.url, token, up["id"], 2, data[5 * MiB:10 * MiB])
        server.kill()
        sock.close()
    finally:
        server.stop()

    server = LiveServer(station).start()
    try:
        status = httpx.get(f"{server.url}/api/uploads/{up['id']}", headers=auth).json()
        assert status["parts_received"] == [1] and status["state"] == "open"
        # The CLI resumes: same file, same path -> same upload; only the missing parts are sent.
        env = {**os.environ, "BIOSTATION_TOKEN": token, "BIOSTATION_URL": server.url}
        result = subprocess.run([sys.executable, "-m", "biostation.cli.main", "upload", str(local), "--dataset",
                                 dataset, "--dest", "reads/R1.fastq.gz", "--part-size", str(5 * MiB)],
                                env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        status = httpx.get(f"{server.url}/api/uploads/{up['id']}", headers=auth).json()
        assert status["state"] == "completed"
        got = httpx.get(f"{server.url}/api/files/{status['file']}/content", headers=auth)
        assert got.status_code == 200 and hashlib.sha256(got.content).digest() == hashlib.sha256(data).digest()
    finally:
        server.stop()
