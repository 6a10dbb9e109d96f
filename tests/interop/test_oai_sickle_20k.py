"""A real OAI-PMH client library (Sickle) harvests a 20,000-record station completely through resumption tokens."""
from __future__ import annotations

import time

import pytest

from sickle import Sickle

from tests.core.livesrv import LiveServer

from .helpers import bulk_published


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL paging is covered by test_oai
def test_sickle_harvests_20000_records(station):
    t0 = time.perf_counter()
    ids = bulk_published(station, 20_000)
    counts = station.interop.sync()
    assert counts["added"] == 20_000
    t_sync = time.perf_counter() - t0
    server = LiveServer(station, {"BIOSTATION_OAI_PAGE_SIZE": "500"}).start()
    try:
        sickle = Sickle(f"{server.url}/oai", max_retries=2, timeout=120)
        seen = set()
        records = sickle.ListRecords(metadataPrefix="oai_dc")
        for rec in records:
            seen.add(rec.header.identifier)
            assert rec.metadata["title"]
        assert len(seen) == 20_000
        assert seen == {f"oai:127.0.0.1:{acc}" for acc in (station.datasets.accession(i) for i in ids)}
        assert records.resumption_token.token in (None, "")  # the last page carries an empty token
        headers = list(sickle.ListIdentifiers(metadataPrefix="oai_datacite", set="type:genome_omics"))
        assert len(headers) == 20_000
    finally:
        server.stop()
    print(f"sync {t_sync:.1f}s, harvest {time.perf_counter() - t0 - t_sync:.1f}s")
