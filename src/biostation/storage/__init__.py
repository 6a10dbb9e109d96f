"""Content-addressed object store: one interface, a local folder and any S3-compatible store.

Final objects live at ``blobs/<aa>/<bb>/<sha256>`` so the same bytes are stored once. Upload parts are
staged per upload: locally in one sparse file written at each part's offset (so completing is a rename,
no copy); on S3 as one object per part, joined by a server-side multipart copy. Either way completing an
upload does not stream the bytes through Python, and a reader sees a whole object or nothing.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Protocol

CHUNK = 1024 * 1024


def blob_key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def staging_key(upload_id: str, part: int) -> str:
    return f"uploads/{upload_id}/{part:06d}"


class ObjectStore(Protocol):
    def writer(self, key: str) -> Any: ...
    def read(self, key: str, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]: ...
    def size(self, key: str) -> int | None: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def part_writer(self, upload_id: str, number: int, offset: int) -> Any: ...
    def read_part(self, upload_id: str, number: int, offset: int, length: int) -> Iterator[bytes]: ...
    def assemble(self, upload_id: str, part_count: int, key: str, size: int, sync: bool) -> None: ...
    def discard(self, upload_id: str) -> None: ...
    def sweep_temporary(self, older_than_seconds: float) -> int: ...
    def sync(self, key: str) -> None: ...


class LocalStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._tmp = self.root / ".tmp"
        self._tmp.mkdir(exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"object key escapes the store: {key!r}")
        return path

    @contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        """Write to a temporary file; it replaces the object only if the block finishes."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._tmp)
        try:
            with os.fdopen(fd, "wb", buffering=0) as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        with open(self._path(key), "rb", buffering=0) as fh:
            fh.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                data = fh.read(chunk if remaining is None else min(chunk, remaining))
                if not data:
                    return
                if remaining is not None:
                    remaining -= len(data)
                yield data

    def local_path(self, key: str) -> Path:
        return self._path(key)

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)

    # staging: one sparse file per upload, each part written at its offset ---------------------------------
    def _staged(self, upload_id: str) -> Path:
        return self._path(f"uploads/{upload_id}/data")

    @contextmanager
    def part_writer(self, upload_id: str, number: int, offset: int) -> Iterator[BinaryIO]:
        """Write a part in place; a part cut short is simply written again (the database records whole parts)."""
        path = self._staged(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
        with os.fdopen(fd, "r+b", buffering=0) as fh:
            fh.seek(offset)
            yield fh

    def read_part(self, upload_id: str, number: int, offset: int, length: int) -> Iterator[bytes]:
        return self.read(f"uploads/{upload_id}/data", offset, offset + length, chunk=8 * CHUNK)

    def assemble(self, upload_id: str, part_count: int, key: str, size: int, sync: bool) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        path = self._staged(upload_id)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        with open(path, "r+b") as fh:
            fh.truncate(size)
            if sync:
                os.fsync(fh.fileno())
        os.replace(path, target)

    def sweep_temporary(self, older_than_seconds: float) -> int:
        """Remove temporary files a crash left behind (a write in progress never becomes visible)."""
        cutoff, removed = time.time() - older_than_seconds, 0
        for path in self._tmp.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def discard(self, upload_id: str) -> None:
        self.delete_prefix(f"uploads/{upload_id}")

    def sync(self, key: str) -> None:
        """Make the object durable (used after completion when the upload acknowledged before fsync)."""
        fd = os.open(self._path(key), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class S3Store:
    """Any S3-compatible store (AWS, MinIO, Ceph RGW, NCP/KT object storage...)."""

    def __init__(self, bucket: str, endpoint_url: str = "", region: str = "us-east-1",
                 access_key: str = "", secret_key: str = "", create_bucket: bool = True):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region,
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            config=BotoConfig(retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path"}))
        if create_bucket:
            try:
                self.client.head_bucket(Bucket=bucket)
            except self.client.exceptions.ClientError:
                self.client.create_bucket(Bucket=bucket)

    @contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        """Spool to a temporary file, then one multipart upload: S3 never shows a partial object."""
        with tempfile.TemporaryFile() as spool:
            yield spool  # type: ignore[misc]
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, key)

    def read(self, key: str, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        kwargs: dict[str, Any] = {}
        if start or end is not None:
            if end is not None and end <= start:
                return
            kwargs["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        body = self.client.get_object(Bucket=self.bucket, Key=key, **kwargs)["Body"]
        try:
            yield from body.iter_chunks(chunk)
        finally:
            body.close()

    def size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except self.client.exceptions.ClientError:
            return None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> None:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix.rstrip("/") + "/"):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})

    def part_writer(self, upload_id: str, number: int, offset: int) -> Any:
        return self.writer(staging_key(upload_id, number))

    def read_part(self, upload_id: str, number: int, offset: int, length: int) -> Iterator[bytes]:
        return self.read(staging_key(upload_id, number), chunk=8 * CHUNK)

    def assemble(self, upload_id: str, part_count: int, key: str, size: int, sync: bool) -> None:
        self.compose(key, [staging_key(upload_id, n) for n in range(1, part_count + 1)])

    def sweep_temporary(self, older_than_seconds: float) -> int:
        """Nothing to sweep: S3 stages nothing outside the upload's own prefix."""
        return 0

    def discard(self, upload_id: str) -> None:
        self.delete_prefix(f"uploads/{upload_id}")

    def sync(self, key: str) -> None:
        """S3 acknowledges a write only once it is durable."""

    def compose(self, key: str, part_keys: list[str]) -> None:
        """Server-side multipart copy: the bytes never leave the store."""
        if not part_keys:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=b"")
            return
        if len(part_keys) == 1:
            self.client.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": part_keys[0]})
            return
        mpu = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)
        try:
            parts = []
            for number, part in enumerate(part_keys, start=1):
                res = self.client.upload_part_copy(Bucket=self.bucket, Key=key, UploadId=mpu["UploadId"],
                                                   PartNumber=number, CopySource={"Bucket": self.bucket, "Key": part})
                parts.append({"PartNumber": number, "ETag": res["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=mpu["UploadId"],
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=mpu["UploadId"])
            raise


def make_store(config: Any) -> ObjectStore:
    if config.storage_backend == "local":
        return LocalStore(config.effective_storage_path)
    if config.storage_backend == "s3":
        return S3Store(config.s3_bucket, config.s3_endpoint_url, config.s3_region,
                       config.s3_access_key, config.s3_secret_key)
    raise ValueError(f"storage_backend must be 'local' or 's3', not {config.storage_backend!r}")
