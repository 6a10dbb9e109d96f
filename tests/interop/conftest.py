from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.core.helpers import upload_bytes


def publish_via_api(client: Any, headers: dict, dataset: str, data: bytes = b"@r1\nACGT\n+\nIIII\n",
                    path: str = "reads/r1.fastq") -> None:
    upload_bytes(client, headers, dataset, path, data)
    assert client.post(f"/api/datasets/{dataset}/submit", headers=headers).status_code == 200
    r = client.post(f"/api/datasets/{dataset}/publish", headers=headers)
    assert r.status_code == 200, r.text


@pytest.fixture
def published(station: Any, client: Any, people: dict, dataset: str) -> str:
    """A dataset with a file, published, with its interop jobs run (DOIs minted, OAI record written)."""
    h = people["owner"].headers
    r = client.patch(f"/api/datasets/{dataset}", headers=h, json={
        "keywords": ["heat stress", "rice"], "publications": [{"doi": "10.1234/journal.5678", "pmid": "12345678"}],
        "contributors": [{"name": "Kim, Minji", "orcid": "0000-0002-1825-0097", "affiliation": "KRIBB"},
                         {"name": "Lee, Seojun", "affiliation": "NAAS", "role": "data_curator"}],
        "description_ko": "벼 고온 스트레스 리드."})
    assert r.status_code == 200, r.text
    publish_via_api(client, h, dataset)
    station.jobs.run_until_idle()
    return dataset


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
