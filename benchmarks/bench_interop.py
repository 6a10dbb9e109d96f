"""OAI-PMH ListRecords end to end over HTTP: 1,000,000 records (--quick: 50,000), oai_datacite.

The records are bulk-inserted into a fresh SQLite station (datasets + OAI catalogue rows with their public
metadata, as `interop sync` writes them); a real server process answers; the client follows every resumption
token with httpx and parses each page with lxml. Baseline: a plain keyset SELECT of the same rows in the same run.
Also printed: the time of the first and the last pages (constant per page, because tokens are keyset).

    .venv/bin/python benchmarks/bench_interop.py [--quick]
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from lxml import etree

sys.path.insert(0, str(Path(__file__).parent))
from common import result  # noqa: E402

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def _template(n_placeholder: str) -> tuple[str, str, str, str]:
    from biostation.interop.record import build_doc, set_specs
    t = datetime(2024, 5, 1, tzinfo=timezone.utc)
    src = {"dataset_id": 999999, "accession": "BSD999999X", "version": 1, "state": "published", "access_level": "open",
           "published_versions": [1], "title_en": f"Rice heat-stress whole-genome reads, line {n_placeholder}",
           "title_ko": f"벼 고온 스트레스 전장 유전체 리드, 계통 {n_placeholder}",
           "description_en": "Paired-end whole-genome sequencing of a rice line grown under heat stress. " * 3,
           "description_ko": "고온 스트레스 조건에서 재배한 벼 계통의 전장 유전체 서열. " * 3,
           "research_field": "seeds_livestock", "data_types": ["genome_omics"],
           "organisms": [{"taxon_id": 4530, "name": "Oryza sativa"}], "keywords": ["rice", "heat stress", "WGS"],
           "licence": "CC-BY-4.0", "contributors": [
               {"name": "Kim, Minji", "orcid": "0000-0002-1825-0097", "affiliation": "KRIBB", "role": "creator"},
               {"name": "Lee, Seojun", "affiliation": "NAAS", "role": "creator"}],
           "publications": [{"doi": "10.1234/rice.2024.5678"}], "extra": {}, "owner_name": "Kim Minji",
           "created_at": t, "published_at": t, "updated_at": t, "file_count": 4, "total_size": 48_000_000_000,
           "project": {"accession": "BSP000001X", "number": "RS-2024-00123456", "title_en": "Rice multi-omics",
                       "title_ko": "벼 다중오믹스", "ministry": "MAFRA", "pi_name": "Kim, Minji", "programme": ""},
           "doi": None, "concept_doi": None, "provenance": None}
    from biostation.interop.service import _rendered
    doc = build_doc(src, "Korea Bio Data Station", "http://127.0.0.1:8000", "10.5072")
    xml = _rendered(doc)
    return json.dumps(doc, ensure_ascii=False), json.dumps(set_specs(doc)), xml["xml_dc"], xml["xml_datacite"]


def populate(db: Path, n: int) -> None:
    from biostation.accessions import make
    from biostation.db import make_engine
    from biostation.migrations import upgrade
    upgrade(make_engine(f"sqlite:///{db}"))
    doc_t, sets, dc_t, dcx_t = _template("@@N@@")
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    ts = "2024-05-01 00:00:00.000000"
    con.execute("INSERT INTO organisations (id, code, name_en, name_ko, kind, created_at) "
                "VALUES (1, 'B', 'B', 'B', 'institute', ?)", (ts,))
    con.execute("INSERT INTO users (id, username, email, display_name, organisation_id, roles, active, created_at) "
                "VALUES (1, 'bench', 'b@example.kr', 'Bench', 1, '[]', 1, ?)", (ts,))
    con.execute("INSERT INTO projects (id, project_number, title_en, title_ko, ministry, pi_name, funding_programme, "
                "period_start, period_end, sharing_plan, owner_id, created_at, updated_at) VALUES "
                "(1, 'RS-1', 'P', 'P', 'MAFRA', 'Kim', '', '2024-01-01', '2026-01-01', '[]', 1, ?, ?)", (ts, ts))
    base = datetime(2024, 5, 1, tzinfo=timezone.utc)
    chunk = 20_000
    for lo in range(1, n + 1, chunk):
        ids = range(lo, min(lo + chunk, n + 1))
        con.executemany("INSERT INTO datasets (id, project_id, owner_id, access_level, latest_published, created_at, "
                        "updated_at) VALUES (?, 1, 1, 'open', 1, ?, ?)", [(i, ts, ts) for i in ids])
        rows = []
        for i in ids:
            stamp = (base + timedelta(seconds=i // 3)).strftime("%Y-%m-%d %H:%M:%S.000000")
            acc = make("dataset", i)
            fill = [t.replace("@@N@@", str(i)).replace("BSD999999X", acc).replace("999999", str(i))
                    for t in (doc_t, dc_t, dcx_t)]
            rows.append((i, i, stamp, sets, *fill))
        con.executemany("INSERT INTO interop_oai_records (id, dataset_id, version, datestamp, deleted, sets, doc, "
                        "xml_dc, xml_datacite) VALUES (?, ?, 1, ?, 0, ?, ?, ?, ?)", rows)
        con.commit()
    con.close()


def keyset_baseline(db: Path, page: int) -> float:
    """Records/s of a bare keyset SELECT of the same rows and columns (the database's own speed)."""
    con = sqlite3.connect(db)
    t0, n, last = time.perf_counter(), 0, ("", 0)
    while True:
        rows = con.execute("SELECT id, dataset_id, datestamp, deleted, sets, xml_datacite FROM interop_oai_records "
                           "WHERE (datestamp, id) > (?, ?) ORDER BY datestamp, id LIMIT ?",
                           (last[0], last[1], page)).fetchall()
        if not rows:
            break
        n += len(rows)
        last = (rows[-1][2], rows[-1][0])
    con.close()
    return n / (time.perf_counter() - t0)


def start_server(data_dir: Path, port: int, page: int) -> subprocess.Popen:
    env = {**os.environ, "BIOSTATION_DATA_DIR": str(data_dir), "BIOSTATION_PORT": str(port),
           "BIOSTATION_OAI_PAGE_SIZE": str(page), "BIOSTATION_LOG_LEVEL": "warning", "BIOSTATION_DATABASE_URL": ""}
    proc = subprocess.Popen([sys.executable, "-m", "biostation.cli.main", "serve"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def harvest(url: str) -> tuple[int, list[float]]:
    n, times, token = 0, [], None
    with httpx.Client(timeout=120) as http:
        while True:
            params = {"verb": "ListRecords"}
            params.update({"resumptionToken": token} if token else {"metadataPrefix": "oai_datacite"})
            t0 = time.perf_counter()
            root = etree.fromstring(http.get(url, params=params).content)
            body = root.find(f"{OAI}ListRecords")
            n += len(body.findall(f"{OAI}record"))
            times.append(time.perf_counter() - t0)
            tok = body.find(f"{OAI}resumptionToken")
            token = tok.text if tok is not None else None
            if not token:
                return n, times


def run(quick: bool = False) -> list[dict]:
    n = 50_000 if quick else 1_000_000
    page = 500
    tmp = Path(tempfile.mkdtemp(prefix="bench-interop-"))
    try:
        t0 = time.perf_counter()
        populate(tmp / "station.db", n)
        print(f"  inserted {n} records in {time.perf_counter() - t0:.1f}s", flush=True)
        base = keyset_baseline(tmp / "station.db", page)
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = start_server(tmp, port, page)
        try:
            t0 = time.perf_counter()
            got, times = harvest(f"http://127.0.0.1:{port}/oai")
            elapsed = time.perf_counter() - t0
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        assert got == n, f"harvested {got} of {n}"
        rate = got / elapsed
        first = sum(times[:10]) / len(times[:10])
        last = sum(times[-10:]) / len(times[-10:])
        print(f"  ListRecords oai_datacite: {got} records in {elapsed:.1f}s = {rate:.0f} records/s "
              f"({len(times)} pages of {page})", flush=True)
        print(f"  per page: first 10 pages {first * 1000:.1f} ms, last 10 pages {last * 1000:.1f} ms "
              f"(ratio {last / first:.2f}); keyset SELECT baseline {base:.0f} records/s", flush=True)
        return [
            result(f"OAI-PMH ListRecords {n} records over HTTP", rate, "/s", "target", 2000, 1.0),
            result("OAI-PMH last pages vs first pages (time per page)", last * 1000, "ms", "first pages",
                   first * 1000, 0.67, higher_is_better=False, target_text="<= 1.5x"),
            result("OAI-PMH ListRecords vs bare keyset SELECT", rate, "/s", "keyset SELECT", base, 0.0,
                   target_text="report"),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    from common import print_table
    print_table(run("--quick" in sys.argv))
