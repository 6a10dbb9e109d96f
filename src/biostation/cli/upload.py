"""Client side of the chunked upload API: used by `biostation upload` and the upload benchmark.

Resuming needs no local state: starting the same file at the same path again returns the open upload,
and the parts it already holds are only read (to keep the whole-file sha256 running), not sent.
"""
from __future__ import annotations

import hashlib
import http.client
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import httpx
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn


class UploadFailed(Exception):
    pass


def plan(path: Path, dest: str | None) -> Iterator[tuple[Path, str]]:
    """(local file, path in the dataset) pairs; a folder keeps its layout under dest."""
    if path.is_file():
        yield path, dest or path.name
        return
    prefix = (dest or path.name).strip("/")
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        yield file, f"{prefix}/{file.relative_to(path).as_posix()}"


def read_checksums(path: Path) -> dict[str, str]:
    """A `sha256sum` manifest (``<hex>  <path>`` per line) as {path: sha256}."""
    out = {}
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            digest, _, name = line.partition(" ")
            name = name.lstrip(" *")
            if len(digest) != 64 or not name or any(c not in "0123456789abcdefABCDEF" for c in digest):
                raise UploadFailed(f"{path}:{number}: not a sha256sum line (expected '<64 hex digits>  <file>')")
            out[name] = digest.lower()
    return out


def _problem(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        errors = "; ".join(f"{e['field']} [{e['code']}]: {e['message_en']} {e.get('hint', '')}".strip()
                           for e in body.get("errors", []))
        return f"{resp.status_code} {body.get('code')}: {body.get('title')} {errors} {body.get('hint', '')}".strip()
    except ValueError:
        return f"{resp.status_code}: {resp.text[:200]}"


class UploadClient:
    def __init__(self, base_url: str, token: str, part_size: int | None = None, retries: int = 5,
                 show_progress: bool = True, transport: httpx.BaseTransport | None = None):
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"},
                                 timeout=httpx.Timeout(600.0, connect=10.0), transport=transport)
        self.part_size = part_size
        self.retries = retries
        self.show_progress = show_progress
        self._conn: http.client.HTTPConnection | None = None

    def _retrying(self, attempt: Callable[[], httpx.Response]) -> httpx.Response:
        """Retry what a dropped connection or a restarting server interrupts; stop on a real refusal."""
        delay = 0.5
        for n in range(self.retries + 1):
            try:
                resp = attempt()
            except (httpx.TransportError, OSError, http.client.HTTPException):
                self._conn = None
                if n == self.retries:
                    raise UploadFailed(f"the station at {self.http.base_url} cannot be reached; run the same "
                                       "command again to resume")
                time.sleep(delay)
                delay = min(delay * 2, 10)
                continue
            if resp.status_code >= 500 and n < self.retries:
                time.sleep(delay)
                delay = min(delay * 2, 10)
                continue
            if resp.status_code >= 400:
                raise UploadFailed(_problem(resp))
            return resp
        raise UploadFailed("gave up after retries")  # pragma: no cover

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._retrying(lambda: self.http.request(method, url, **kwargs))

    def upload(self, local: Path, dataset: str, remote: str, on_progress: Callable[[int], None] | None = None,
               sha256: str | None = None) -> dict[str, Any]:
        """Upload one file. ``sha256``: the checksum from the depositor's manifest, declared up front; without
        it the client computes it while reading (one more pass over the bytes, on its own thread)."""
        size = local.stat().st_size
        body: dict[str, Any] = {"path": remote, "size": size}
        if sha256:
            body["sha256"] = sha256
        if self.part_size:
            body["part_size"] = self.part_size
        state = self._call("POST", f"/api/datasets/{dataset}/uploads", json=body).json()
        upload_id, part_size = state["id"], state["part_size"]
        have = set(state["parts_received"])
        whole = hashlib.sha256()
        progress = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                            TransferSpeedColumn(), TimeRemainingColumn(), disable=not self.show_progress)
        # Three lanes on their own threads (hashlib and sockets release the GIL): the whole-file sha256,
        # the part being sent, and the next part being read and hashed here. Parts are read into two buffers
        # taken in turn (no 64 MiB allocation per part); a buffer is reused only once its send and its
        # whole-file hashing are done.
        buffers = [bytearray(min(part_size, size) or 1) for _ in range(2)]
        busy: list[list[Any]] = [[], []]
        with progress, open(local, "rb", buffering=0) as fh, ThreadPoolExecutor(1) as hasher, \
                ThreadPoolExecutor(1) as sender:
            task = progress.add_task(remote, total=size)
            pending = None
            for number in range(1, state["parts_total"] + 1):
                slot = number % 2
                for fut in busy[slot]:
                    fut.result()
                busy[slot] = []
                view = memoryview(buffers[slot])
                data = view[:fh.readinto(view[:part_size])]
                if not sha256:
                    hashed = hasher.submit(whole.update, data)
                    busy[slot].append(hashed)
                if number in have:
                    if not sha256:
                        hashed.result()
                    progress.advance(task, len(data))
                    continue
                digest = hashlib.sha256(data).hexdigest()
                if pending is not None:
                    progress.advance(task, pending.result())
                pending = sender.submit(self._send, upload_id, number, data, digest)
                busy[slot].append(pending)
                if on_progress:
                    on_progress(number)
            if pending is not None:
                progress.advance(task, pending.result())
            hasher.submit(lambda: None).result()
            declared = sha256 or whole.hexdigest()
            result = self._call("POST", f"/api/uploads/{upload_id}/complete", json={"sha256": declared}).json()
        result["sha256"] = declared
        return result

    def _send(self, upload_id: str, number: int, data: bytes | memoryview, digest: str) -> int:
        """PUT one part over a kept-alive http.client connection (it sends large bodies with one sendall,
        several times faster than httpx here); retried like every other call."""
        url = urlsplit(str(self.http.base_url))
        path = f"{url.path.rstrip('/')}/api/uploads/{upload_id}/parts/{number}"
        headers = {"X-Part-Sha256": digest, "Content-Type": "application/octet-stream",
                   "Content-Length": str(len(data)), "Authorization": self.http.headers["Authorization"]}

        def attempt() -> httpx.Response:
            if self._conn is None:
                conn_cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
                self._conn = conn_cls(url.hostname, url.port, timeout=600)
            self._conn.request("PUT", path, body=data, headers=headers)
            resp = self._conn.getresponse()
            return httpx.Response(resp.status, content=resp.read())

        self._retrying(attempt)
        return len(data)
