"""Bio data map at scale: build, query latency against SQLite FTS5, serving memory, relevance.

    .venv/bin/python benchmarks/bench_search.py            # 7,000,000 records
    .venv/bin/python benchmarks/bench_search.py --quick    # 100,000 records
    .venv/bin/python benchmarks/bench_search.py --n 500000 --workdir /tmp/bench-search --keep

One pass over the generated records: two worker processes generate and analyse (MeCab-ko, ontology
expansion) and emit each record both as the tantivy JSON document and as the SQLite row; the main
process feeds tantivy through TantivyEngine.rebuild and inserts the baseline rows. The tantivy build time
is that wall time less the time the main process spent on SQLite; FTS5's own index build is timed apart.
Queries run in a fresh process per engine so its peak resident memory is the serving memory, after the
engine's files have been read once (a serving station's page cache holds them):
keyword + two filters + counts for six facets, top 20 with snippets, through TantivyEngine.query;
the same work on FTS5 (one ranked top-20 query, one count, six facet GROUP BYs) is the baseline.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_records as gen  # noqa: E402

from biostation.search.analysis import en_tokens, has_hangul, ko_tokens  # noqa: E402
from biostation.search.model import DEFAULT_FACETS, SearchQuery  # noqa: E402
from biostation.search.prepare import PUBLIC, PUBLIC_AFTER_EMBARGO, prepare  # noqa: E402

SQL_FACETS = {"research_field": "research_field", "data_type": "data_type", "organism": "organism",
              "ministry": "ministry", "access_level": "access_level", "year": "year"}


# ------------------------------------------------------------------ build


def _work(args: tuple[int, int, int]) -> tuple[list[str], list[tuple], list[tuple]]:
    from biostation.search.tantivy_engine import to_json

    seed, k, n = args
    docs = gen.chunk(seed, k, n)
    js, rows, readers = [], [], []
    for d in docs:
        p = prepare(d)
        js.append(to_json(p))
        rowid = p.date_key  # unique integer key shared with the tantivy document
        rows.append((rowid, p.id, p.kind, p.text_en["title"] + " " + p.text_ko["title"],
                     p.text_en["body"] + " " + p.text_ko["body"], p.text_en["onto"] + " " + p.text_ko["onto"],
                     (p.facets["research_field"] or [None])[0], (p.facets["data_type"] or [None])[0],
                     (p.facets["organism"] or [None])[0], (p.facets["ministry"] or [None])[0],
                     (p.facets["access_level"] or [None])[0], p.year, p.rank_key, p.embargo_until,
                     " " + " ".join(p.readers) + " "))
    return js, rows, readers


def build(n: int, seed: int, workdir: Path, workers: int = 2, baseline: bool = True) -> dict[str, float]:
    from biostation.search.tantivy_engine import TantivyEngine

    db = sqlite3.connect(workdir / "fts5.db")
    db.executescript("""
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;
        CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, kind TEXT, title TEXT, body TEXT, onto TEXT,
            research_field TEXT, data_type TEXT, organism TEXT, ministry TEXT, access_level TEXT, year INT,
            rank_key INT, embargo_until INT, readers TEXT);
    """)
    sql_time = 0.0
    count = 0
    engine = TantivyEngine(workdir / "tantivy", writer_threads=1)
    ctx = mp.get_context("fork")
    started = time.perf_counter()
    in_flight = threading.BoundedSemaphore(2 * workers + 1)  # imap has no back-pressure of its own

    def tasks():
        for k in range(gen.n_chunks(n)):
            in_flight.acquire()
            yield (seed, k, n)

    with ctx.Pool(workers) as pool:
        def stream():
            nonlocal sql_time, count
            for js, rows, readers in pool.imap(_work, tasks()):
                in_flight.release()
                t = time.perf_counter()
                if baseline:
                    db.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
                sql_time += time.perf_counter() - t
                count += len(js)
                if count % 500_000 < gen.CHUNK:
                    print(f"  built {count:,} records, {time.perf_counter() - started:.0f} s", flush=True)
                yield from js
        engine.rebuild(None, prepared=stream())
    wall = time.perf_counter() - started
    engine.close()
    t = time.perf_counter()
    if not baseline:
        db.close()
        return {"records": count, "tantivy_build_s": wall, "pass_wall_s": wall, "sqlite_insert_s": 0.0,
                "fts5_index_s": 0.0}
    db.executescript("""
        CREATE VIRTUAL TABLE fts USING fts5(title, body, onto, content='docs', content_rowid='rowid',
                                           tokenize='porter unicode61');
        INSERT INTO fts(fts) VALUES ('rebuild');
        CREATE INDEX docs_f ON docs(research_field, data_type, year);
    """)
    db.commit()
    db.close()
    fts_time = time.perf_counter() - t
    return {"records": count, "tantivy_build_s": wall - sql_time, "pass_wall_s": wall,
            "sqlite_insert_s": sql_time, "fts5_index_s": fts_time}


# ------------------------------------------------------------------ queries

KEYWORDS = ["carcinoma", "liver", "RNA-seq", "proteomics", "drought", "influenza", "diabetes", "microbiome",
            "간암을", "폐암", "전사체", "단백체", "당뇨병", "가뭄", "TP53", "BRCA1", "mouse", "zebrafish", "organoid",
            "metabolomics", "brain", "뇌", "tumour", "cohort", "hepatocellular", "인플루엔자", "rice", "벼", "imaging",
            "methylation"]
FILTERS = [("data_type", ["genome_omics"]), ("year", ["2018..2025"]), ("research_field", ["precision_medicine"]),
           ("access_level", ["open"]), ("ministry", ["MSIT"]), ("data_type", ["biochemical_analysis"]),
           ("year", ["2022..2026"]), ("ministry", ["MOHW"])]


def query_set(count: int, seed: int) -> list[SearchQuery]:
    r = random.Random(seed + 7)
    out = []
    for _ in range(count):
        f1, f2 = r.sample(FILTERS, 2)
        while f1[0] == f2[0]:
            f1, f2 = r.sample(FILTERS, 2)
        out.append(SearchQuery(q=r.choice(KEYWORDS), filters={f1[0]: f1[1], f2[0]: f2[1]}, facets=DEFAULT_FACETS,
                               limit=20, principals=frozenset({"public", f"user:{r.randrange(1, 50_000)}"})))
    return out


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(math.ceil(p / 100 * len(values))) - 1)]


def _rss() -> dict[str, float]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS", "VmHWM")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out


def warm(path: Path) -> None:
    """Read an engine's files once, so the timed queries find them in the page cache, as on a station that has
    been serving for a while (read(), not the engine's memory maps: the serving RSS stays the engine's own)."""
    for f in ([path] if path.is_file() else sorted(x for x in path.rglob("*") if x.is_file())):
        with open(f, "rb", buffering=0) as fh:
            while fh.read(16 << 20):
                pass


def serve_tantivy(workdir: str, queries: list[SearchQuery], relevance: list, n_error: int, conn) -> None:
    from biostation.search.tantivy_engine import TantivyEngine

    warm(Path(workdir) / "tantivy")
    engine = TantivyEngine(workdir + "/tantivy")
    for q in queries[:30]:
        engine.query(q)
    times = []
    approx = 0
    for q in queries:
        t = time.perf_counter()
        res = engine.query(q)
        times.append((time.perf_counter() - t) * 1000)
        approx += res.approximate
    rss = _rss()
    # deep pages: page 1 against page 50, keyset (date) and relevance
    deep = {}
    for sort in ("date", "relevance"):
        q = SearchQuery(q="liver", sort=sort, limit=20, facets=(), principals=frozenset({"public"}))
        page_times = []
        for _ in range(50):
            t = time.perf_counter()
            res = engine.query(q)
            page_times.append((time.perf_counter() - t) * 1000)
            if not res.next_cursor:
                break
            q = SearchQuery(q="liver", sort=sort, limit=20, facets=(), cursor=res.next_cursor,
                            principals=frozenset({"public"}))
        deep[sort] = (page_times[0], page_times[-1], len(page_times))
    ranks = []
    for j in relevance:
        res = engine.query(SearchQuery(q=j.q, limit=10, facets=(), principals=frozenset({"public"}),
                                       snippets=False))
        got = [h.id for h in res.hits]
        ranks.append((j.kind, got.index(j.relevant) + 1 if j.relevant in got else None))
    conn.send({"times": times, "approx": approx, "rss": rss, "deep": deep, "ranks": ranks, "docs": engine.count(),
               "error": estimate_error(engine, TantivyEngine(workdir + "/tantivy", approx_threshold=None,
                                                             sample_pages=False), queries[:n_error])})


def exact_scores(engine, q: SearchQuery, ids: list[str]) -> list[float]:
    """The exact relevance scores (BM25 over the full text fields, times the quality weight) of these records
    for this query: a sampled page's own scores come from the sample's text fields and statistics."""
    from tantivy import Query

    from biostation.search.engine import plan

    p = plan(q)
    searcher = engine._fresh()
    required, excluded = engine._access(p)
    text, fields, must_not = engine._base(p, False, searcher)
    filters = [Query.const_score_query(engine._constraint(c), 0.0) for c in p.filters.values()]
    only = Query.const_score_query(Query.term_set_query(engine.schema, "id", ids), 0.0)
    query = engine._combine(text, required + fields + filters + [only], excluded + must_not)
    return [score for score, _ in searcher.search(query, len(ids), count=False, weight_by_field="qboost").hits]


def estimate_error(sampled, exact, queries: list[SearchQuery]) -> dict[str, Any]:
    """How far the sampled answers are from the exact ones, over the queries answered approximately:
    relative error of the total; of the facet counts (sum of |estimate - exact| over each facet's exact top 10
    values, over the sum of those exact counts); and of the first page (share of the exact top 20 it holds,
    and the mean exact score of its records against that of the exact top 20)."""
    totals, facets, overlap, score20, exact_ms = [], [], [], [], []
    for q in queries:
        a = sampled.query(q)
        if not a.approximate:
            continue
        t = time.perf_counter()
        b = exact.query(q)
        exact_ms.append((time.perf_counter() - t) * 1000)
        totals.append(abs(a.total - b.total) / max(1, b.total))
        for name, values in b.facets.items():
            est = {v.value: v.count for v in a.facets.get(name, [])}
            top = values[:10]
            if top:
                facets.append(sum(abs(est.get(v.value, 0) - v.count) for v in top) / sum(v.count for v in top))
        ids = {h.id for h in b.hits}
        if b.hits:
            overlap.append(len(ids & {h.id for h in a.hits}) / len(b.hits))
            if a.hits:
                mine = exact_scores(exact, q, [h.id for h in a.hits])
                best = statistics.mean(h.score for h in b.hits)
                score20.append(statistics.mean(mine) / best if best else 1.0)
    return {"n": len(totals), "of": len(queries), "totals": totals, "facets": facets, "overlap": overlap,
            "score20": score20, "exact_ms": exact_ms}


def _principals_note(q: SearchQuery) -> str:
    return ",".join(sorted(q.principals))


def serve_http(workdir: str, queries: list[SearchQuery], conn) -> None:
    """The same queries through HTTP: the real server (`biostation serve`: Granian, the station's FastAPI app,
    one worker) over a station whose data folder holds the built index as its search index; anonymous
    caller, so the principals are {public} (the service-layer run adds a user: principal)."""
    import subprocess
    import signal

    import httpx

    station = Path(workdir) / "station"
    shutil.rmtree(station, ignore_errors=True)
    station.mkdir(parents=True)
    (station / "search").symlink_to(Path(workdir).resolve() / "tantivy")
    sock = __import__("socket").socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "BIOSTATION_DATA_DIR": str(station), "BIOSTATION_PORT": str(port),
           "BIOSTATION_WORKERS": "1", "BIOSTATION_LOG_LEVEL": "warning", "BIOSTATION_SEARCH_ENGINE": "tantivy"}
    env.pop("BIOSTATION_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "biostation.cli.main", "serve"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    warm(Path(workdir) / "tantivy")
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited: " + proc.stderr.read().decode()[-2000:])
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.time() > deadline:
                raise RuntimeError("server did not start in 120 s")
            time.sleep(0.3)

        def params(q: SearchQuery) -> list[tuple[str, Any]]:
            out: list[tuple[str, Any]] = [("q", q.q), ("limit", q.limit)]
            out += [("filter", f"{k}={v}") for k, vs in q.filters.items() for v in vs]
            out += [("facet", f) for f in q.facets]
            return out

        times, approx = [], 0
        with httpx.Client(base_url=url, timeout=60) as client:
            for q in queries[:30]:
                client.get("/api/search", params=params(q)).raise_for_status()
            for q in queries:
                t = time.perf_counter()
                r = client.get("/api/search", params=params(q))
                r.raise_for_status()
                body = r.json()
                times.append((time.perf_counter() - t) * 1000)
                approx += bool(body.get("approximate"))
        # peak resident memory of the server's processes (Granian's supervisor and its worker)
        hwm = {}
        for pid in [proc.pid] + [int(x) for x in subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True,
                                                                 text=True).stdout.split()]:
            try:
                with open(f"/proc/{pid}/status") as fh:
                    for line in fh:
                        if line.startswith("VmHWM"):
                            hwm[pid] = int(line.split()[1]) / 1024
            except OSError:
                pass
        conn.send({"times": times, "approx": approx, "rss_max": max(hwm.values(), default=0.0),
                   "rss_sum": sum(hwm.values())})
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _fts_expr(q: str) -> str:
    parts = []
    for word in q.split():
        alts = []
        if not has_hangul(word):
            alts += ['"' + w + '"' for w in en_tokens(word)]
        ko = ko_tokens(word)
        if ko:
            alts.append("(" + " AND ".join('"' + t + '"' for t in ko) + ")")
        if alts:
            parts.append("(" + " OR ".join(dict.fromkeys(alts)) + ")")
    return " AND ".join(parts)


def _sql_filter(name: str, values: list[str]) -> tuple[str, list[Any]]:
    if name == "year":
        lo, hi = values[0].split("..")
        return "d.year BETWEEN ? AND ?", [int(lo), int(hi)]
    return f"d.{name} IN ({','.join('?' * len(values))})", list(values)


FTS5_CAP_S = 60.0


def serve_fts5(workdir: str, queries: list[SearchQuery], conn) -> None:
    """Each query is capped at FTS5_CAP_S (interrupted past it, counted at the cap: a lower bound)."""
    warm(Path(workdir) / "fts5.db")
    db = sqlite3.connect(workdir + "/fts5.db")
    db.execute("PRAGMA cache_size=-200000")
    deadline = [0.0]
    db.set_progress_handler(lambda: 1 if time.perf_counter() > deadline[0] else 0, 10_000)
    capped = 0

    def run(q: SearchQuery) -> None:
        match = _fts_expr(q.q)
        principals = sorted(q.principals)
        access = ("(" + " OR ".join("instr(d.readers, ?) > 0" for _ in principals)
                  + " OR (instr(d.readers, ?) > 0 AND d.embargo_until <= ?))")
        access_args: list[Any] = [f" {p} " for p in principals] + [f" {PUBLIC_AFTER_EMBARGO} ", int(time.time())]
        filters = {k: _sql_filter(k, v) for k, v in q.filters.items()}

        def where(skip: str | None = None) -> tuple[str, list[Any]]:
            sql = ["fts MATCH ?", access]
            args: list[Any] = [match] + access_args
            for k, (s, a) in filters.items():
                if k != skip:
                    sql.append(s)
                    args += a
            return " AND ".join(sql), args

        w, a = where()
        base = "FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE "
        db.execute(f"SELECT d.id, bm25(fts, 3.0, 1.0, 1.5) AS s, snippet(fts, 1, '<mark>', '</mark>', '…', 12) "
                   f"{base}{w} ORDER BY s LIMIT 20", a).fetchall()
        db.execute(f"SELECT count(*) {base}{w}", a).fetchone()
        for facet in q.facets:
            fw, fa = where(skip=facet)
            db.execute(f"SELECT d.{SQL_FACETS[facet]}, count(*) {base}{fw} GROUP BY 1 ORDER BY 2 DESC LIMIT 20",
                       fa).fetchall()

    deadline[0] = time.perf_counter() + FTS5_CAP_S
    for q in queries[:3]:
        try:
            run(q)
        except sqlite3.OperationalError:
            pass
    times = []
    for q in queries:
        t = time.perf_counter()
        deadline[0] = t + FTS5_CAP_S
        try:
            run(q)
        except sqlite3.OperationalError:  # interrupted at the cap
            capped += 1
        times.append((time.perf_counter() - t) * 1000)
    conn.send({"times": times, "rss": _rss(), "capped": capped})


def _in_child(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=target, args=(*args, child))
    proc.start()
    data = parent.recv()
    proc.join()
    return data


def korean_throughput(n_docs: int = 3000, seed: int = 42) -> dict[str, float]:
    """MB/s of Korean text through each analyser, whole texts and no memo; then as indexed (eojeol memo)."""
    from biostation.search.analysis import KoreanAnalyzer

    texts = [d.title_ko + " " + d.description_ko for d in gen.chunk(seed, 3, 10**7)[:n_docs] if d.title_ko]
    size = sum(len(t.encode()) for t in texts) / 1e6
    out = {}
    for backend in ("mecab", "kiwi"):
        analyzer = KoreanAnalyzer(backend)
        analyzer._analyse_eojeol("준비")
        t = time.perf_counter()
        for text in texts:
            analyzer._analyse_eojeol(text)
        out[backend] = size / (time.perf_counter() - t)
    memo = KoreanAnalyzer("mecab")
    t = time.perf_counter()
    for text in texts * 3:
        memo.joined(text)
    out["mecab_memo"] = 3 * size / (time.perf_counter() - t)
    return out


# ------------------------------------------------------------------ report


def row(name, value, unit, baseline, baseline_value, target, ok, ratio=None) -> dict:
    if ratio is None and baseline_value not in (None, 0) and value:
        ratio = round(baseline_value / value, 2)
    return {"name": name, "value": round(value, 3) if isinstance(value, float) else value, "unit": unit,
            "baseline": baseline, "baseline_value": round(baseline_value, 3) if isinstance(baseline_value, float)
            else baseline_value, "ratio": ratio, "target": target, "ok": bool(ok)}


def run(quick: bool, n: int | None = None, seed: int = 42, workdir: str | None = None, keep: bool = False,
        n_queries: int | None = None, baseline_queries: int | None = None, reuse: bool = False,
        baseline: bool = True, http: bool = True, error_queries: int = 100) -> list[dict]:
    n = n or (100_000 if quick else 7_000_000)
    n_queries = n_queries or (300 if quick else 500)
    # FTS5 takes seconds a query at millions of records: fewer baseline queries there (same generator).
    baseline_queries = baseline_queries or (100 if n <= 200_000 else 20)
    base = Path(workdir or tempfile.mkdtemp(prefix="bench-search-"))
    stats = base / "build.json"
    if reuse:
        # query-only: the indexes a previous --keep run left in --workdir, and its build figures
        b = json.loads(stats.read_text())
        if b["records"] != n:
            raise SystemExit(f"{base} holds {b['records']:,} records, not {n:,}")
        baseline = baseline and (base / "fts5.db").exists() and b.get("baseline", True)
        print(f"reusing {n:,} records in {base}: {b}", flush=True)
    else:
        if base.exists() and any(base.iterdir()):
            shutil.rmtree(base)
        base.mkdir(parents=True, exist_ok=True)
        print(f"building {n:,} records in {base} ...", flush=True)
        b = build(n, seed, base, baseline=baseline)
        b["baseline"] = baseline
        b["load_after"] = os.getloadavg()
        stats.write_text(json.dumps(b))
        print(f"  done: {b}", flush=True)
    queries = query_set(n_queries, seed)
    relevance = gen.relevance_set() if n >= gen.RELEVANCE_COUNT * 10 else []
    print(f"service-layer queries ({len(queries)}) ... load {os.getloadavg()}", flush=True)
    tv = _in_child(serve_tantivy, str(base), queries, relevance, error_queries)
    if http:
        print(f"HTTP queries ... load {os.getloadavg()}", flush=True)
        ht = _in_child(serve_http, str(base), queries)
    print(f"FTS5 queries ... load {os.getloadavg()}", flush=True)
    if baseline:
        sq = _in_child(serve_fts5, str(base), queries[:baseline_queries])
    else:
        sq = {"times": [float("nan")], "rss": {"VmHWM": float("nan")}, "capped": 0}
    t50, t95 = _pct(tv["times"], 50), _pct(tv["times"], 95)
    s50, s95 = _pct(sq["times"], 50), _pct(sq["times"], 95)
    index_bytes = sum(f.stat().st_size for f in (base / "tantivy").rglob("*") if f.is_file())
    scale = f"{n:,} records"
    results = [
        row(f"query p95 ({scale}; kw + 2 filters + 6 facets, top 20; {len(tv['times'])} queries)", t95, "ms",
            f"sqlite_fts5_p95 ({len(sq['times'])} queries, {sq['capped']} capped at {FTS5_CAP_S:.0f} s)", s95,
            ">= 10x faster and <= 20 ms", s95 / t95 >= 10 and t95 <= 20),
        row(f"query p50 ({scale})", t50, "ms", "sqlite_fts5_p50", s50, "<= 5 ms", t50 <= 5),
        row(f"index build ({scale})", b["tantivy_build_s"], "s", "sqlite_fts5_build_s",
            b["sqlite_insert_s"] + b["fts5_index_s"], "<= 1200 s at 7M (scaled: <= %.0f s)" % (1200 * n / 7e6),
            b["tantivy_build_s"] <= 1200 * n / 7e6),
        row(f"serving memory peak RSS ({scale})", tv["rss"]["VmHWM"], "MiB", "sqlite_fts5_serving_rss",
            sq["rss"]["VmHWM"], "<= 4096 MiB", tv["rss"]["VmHWM"] <= 4096),
        row("index size on disk", index_bytes / 2**20, "MiB", "", None, "report", True),
    ]
    results.append(row(f"  answered approximately (sampled counts / first pages)", tv["approx"], "",
                       "", None, "report", True))
    if http:
        h50, h95 = _pct(ht["times"], 50), _pct(ht["times"], 95)
        results.append(row(f"HTTP query p95 (real server, 1 worker; {len(ht['times'])} queries)", h95, "ms",
                           "service_layer_p95", t95, "<= 50 ms", h95 <= 50))
        results.append(row("HTTP query p50", h50, "ms", "service_layer_p50", t50, "report", True))
        results.append(row("HTTP server peak RSS (largest process)", ht["rss_max"], "MiB", "", None, "<= 4096 MiB",
                           ht["rss_max"] <= 4096))
    err = tv["error"]
    if err["n"]:
        results.append(row(f"estimate error: total, median ({err['n']} approximate of {err['of']} queries)",
                           100 * statistics.median(err["totals"]), "%", "", None, "report", True))
        results.append(row("estimate error: total, p95", 100 * _pct(err["totals"], 95), "%", "", None, "report", True))
        results.append(row("estimate error: facet counts (top 10 values), median", 100 * statistics.median(err["facets"]),
                           "%", "", None, "report", True))
        results.append(row("estimate error: facet counts (top 10 values), p95", 100 * _pct(err["facets"], 95), "%",
                           "", None, "report", True))
        results.append(row("sampled first page: share of the exact top 20, mean", statistics.mean(err["overlap"]),
                           "", "", None, "report", True))
        results.append(row("sampled first page: mean exact score / exact top 20's, median",
                           statistics.median(err["score20"]) if err["score20"] else float("nan"), "", "", None,
                           "report", True))
        results.append(row("  the same queries answered exactly (no sampling), p95", _pct(err["exact_ms"], 95), "ms",
                           "", None, "report", True))
    for sort, (first, last, pages) in tv["deep"].items():
        results.append(row(f"deep page ({sort} sort): page {pages} vs page 1", last, "ms", "page_1_ms", first,
                           "page N <= 2x page 1 + 2 ms", last <= 2 * first + 2, ratio=round(last / first, 2)))
    if relevance:
        recall = sum(1 for _, r in tv["ranks"] if r) / len(tv["ranks"])
        ndcg = sum((1 / math.log2(r + 1)) if r else 0 for _, r in tv["ranks"]) / len(tv["ranks"])
        results.append(row(f"relevance recall@10 ({len(relevance)} queries)", recall, "", "", None, ">= 0.9",
                           recall >= 0.9))
        results.append(row("relevance nDCG@10", ndcg, "", "", None, ">= 0.7", ndcg >= 0.7))
        by_kind: dict[str, list] = {}
        for kind, r in tv["ranks"]:
            by_kind.setdefault(kind, []).append(r)
        for kind, rs in sorted(by_kind.items()):
            rec = sum(1 for r in rs if r) / len(rs)
            results.append(row(f"  recall@10 {kind} queries ({len(rs)})", rec, "", "", None, "report", True))
    k = korean_throughput()
    results.append(row("Korean analysis MeCab-ko (whole texts, no memo)", k["mecab"], "MB/s", "kiwi_MB_s", k["kiwi"],
                       "report (chosen for build time)", True, ratio=round(k["mecab"] / k["kiwi"], 2)))
    results.append(row("Korean analysis MeCab-ko with eojeol memo (as indexed)", k["mecab_memo"], "MB/s", "", None,
                       "report", True))
    if not keep:
        shutil.rmtree(base, ignore_errors=True)
    return results


def print_table(results: list[dict]) -> None:
    print(f"\n{'benchmark':70} {'value':>10} {'unit':4} {'baseline value':>14} {'ratio':>7}  {'target':34} ok")
    for r in results:
        bv = "" if r["baseline_value"] is None else r["baseline_value"]
        print(f"{r['name'][:70]:70} {r['value']:>10} {r['unit']:4} {bv!s:>14} {r['ratio'] or '':>7}  "
              f"{r['target'][:34]:34} {'yes' if r['ok'] else 'NO'}")
        if r["baseline"]:
            print(f"{'':72}baseline: {r['baseline']}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="bio data map benchmark")
    ap.add_argument("--quick", action="store_true", help="100,000 records")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--queries", type=int, default=None)
    ap.add_argument("--baseline-queries", type=int, default=None)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the built indexes")
    ap.add_argument("--reuse", action="store_true",
                    help="query only: reuse the indexes a --keep run left in --workdir (implies --keep)")
    ap.add_argument("--no-baseline", action="store_true", help="skip SQLite FTS5 (build and queries)")
    ap.add_argument("--no-http", action="store_true", help="skip the queries through the HTTP server")
    ap.add_argument("--error-queries", type=int, default=100,
                    help="queries compared against exact answers for the estimate error")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    print_table(run(args.quick, args.n, args.seed, args.workdir, args.keep or args.reuse, args.queries,
                    args.baseline_queries, reuse=args.reuse, baseline=not args.no_baseline, http=not args.no_http,
                    error_queries=args.error_queries))
    print(f"load average after: {os.getloadavg()}", flush=True)
