from __future__ import annotations

import hashlib
from typing import Any

MiB = 1024 * 1024


def upload_bytes(client: Any, headers: dict, dataset: str, path: str, data: bytes, part_size: int = 5 * MiB,
                 order: list[int] | None = None) -> dict:
    r = client.post(f"/api/datasets/{dataset}/uploads", json={"path": path, "size": len(data), "part_size": part_size},
                    headers=headers)
    assert r.status_code == 201, r.text
    up = r.json()
    numbers = order or list(range(1, up["parts_total"] + 1))
    for n in numbers:
        put_part(client, headers, up["id"], n, data[(n - 1) * part_size:n * part_size])
    r = client.post(f"/api/uploads/{up['id']}/complete", json={"sha256": hashlib.sha256(data).hexdigest()},
                    headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def put_part(client: Any, headers: dict, upload_id: str, number: int, chunk: bytes, digest: str | None = None) -> Any:
    r = client.put(f"/api/uploads/{upload_id}/parts/{number}", content=chunk,
                   headers={**headers, "X-Part-Sha256": digest or hashlib.sha256(chunk).hexdigest()})
    assert r.status_code == 200, r.text
    return r
