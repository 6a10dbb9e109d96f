"""Form templates download through a real server process (Granian sends files itself; the temp file must
survive until sent). Here, not in tests/forms, whose frozen clock would expire the API tokens."""
from __future__ import annotations

import io

import httpx
import openpyxl

from tests.core.livesrv import LiveServer


def test_template_downloads_every_time_from_a_live_server(station, people):
    server = LiveServer(station).start()
    try:
        for _ in range(8):
            r = httpx.get(f"{server.url}/api/forms/seeds_livestock.genome_omics/template", params={"format": "xlsx"},
                          headers=people["owner"].headers, timeout=60)
            assert r.status_code == 200, r.text[:300]
            assert openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).sheetnames
        r = httpx.get(f"{server.url}/api/forms/seeds_livestock.genome_omics/template", params={"format": "tsv"},
                      headers=people["owner"].headers, timeout=60)
        assert r.status_code == 200 and b"\t" in r.content
    finally:
        server.stop()
    assert not list((station.config.data_path).glob("**/*.xlsx"))
