"""Sample sheets: validation throughput, and registration (validated, stored, accessioned) on SQLite and PostgreSQL.

1. Validation: a 100,000-row TSV (10,000 with --quick) checked against a form. Target >= 20,000 rows/s on one
   core. Baseline, measured in the same run: reading the same file with the csv module alone (csv.DictReader),
   i.e. the floor any Python validator that streams a TSV starts from. Rates are rows per CPU-second of this
   (single-threaded) process, so other work on a shared machine does not count against it; the wall-clock rate
   is reported beside it.
2. Registration: the same sheet through the service layer (`station.forms.samples.register`: validate, score,
   check names, insert in batches, accession, audit, commit), on SQLite and on PostgreSQL (a database of its own on
   127.0.0.1:5432 as user postgres, dropped after; BIOSTATION_TEST_PG_URL names another server). Target >= 5,000
   rows/s wall-clock each. Baseline, same run, same engine, same (emptied) table: a bare executemany INSERT of the
   very rows the service stored, prepared in memory beforehand.
Run: .venv/bin/python benchmarks/bench_forms.py [--quick]
"""
from __future__ import annotations

import csv
import hashlib
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

from biostation.forms import default_registry, validate_records
from biostation.forms.readers import read_records

FORM = "infectious_disease.genome_omics"
TARGET_ROWS_PER_S = 20_000
TARGET_REGISTER_ROWS_PER_S = 5_000
PG_ADMIN_URL = os.environ.get("BIOSTATION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

SITES = [("Seoul", 37.5665, 126.9780), ("Busan", 35.1796, 129.0756), ("Daejeon", 36.3504, 127.3845),
         ("Gwangju", 35.1595, 126.8526), ("Incheon", 37.4563, 126.7052), ("Jeju", 33.4996, 126.5312),
         ("Cheongju", 36.6424, 127.4890), ("Daegu", 35.8714, 128.6014)]
ORGANISMS = ["Escherichia coli", "Klebsiella pneumoniae", "Staphylococcus aureus", "Salmonella enterica",
             "Pseudomonas aeruginosa", "Acinetobacter baumannii", "Mycobacterium tuberculosis", "Enterococcus faecalis",
             "Streptococcus pneumoniae", "Severe acute respiratory syndrome coronavirus 2", "Influenza A virus"]
HOSPITALS = ["Seoul National University Hospital", "Severance Hospital", "Samsung Medical Center",
             "Asan Medical Center", "Pusan National University Hospital", "Korea Disease Control and Prevention Agency"]
COLUMNS = ["*sample_name", "sample_title", "bioproject_accession", "*organism", "isolate", "*collected_by",
           "*collection_date", "*geo_loc_name", "*host", "*host_disease", "*isolation_source", "*lat_lon", "host_age",
           "host_sex", "host_health_state", "host_subject_id", "*assay", "*library_strategy", "*library_source",
           "*library_selection", "*library_layout", "*platform", "*instrument_model", "library_name", "*filename",
           "filename2", "file_md5", "file_format", "biosafety_level"]


def make_sheet(path: Path, rows: int, seed: int = 2024) -> None:
    """A surveillance lab's sheet: sites with GPS jitter, a year of dates, unique names, files and checksums."""
    rnd = random.Random(seed)
    sites = [(c, la + rnd.uniform(-0.05, 0.05), lo + rnd.uniform(-0.05, 0.05)) for c, la, lo in SITES for _ in range(125)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# Bio Data Station sample sheet - form={FORM}@1.0.0\n")
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(COLUMNS)
        for i in range(rows):
            city, la, lo = rnd.choice(sites)
            org = rnd.choice(ORGANISMS)
            paired = rnd.random() < 0.8
            name = f"KDCA-{2023}-{i:07d}"
            w.writerow([
                name, f"{org} isolate {i} from {city}", "PRJNA998877", org, f"KR/{city}/{i:07d}", rnd.choice(HOSPITALS),
                f"2023-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", f"South Korea: {city}", "Homo sapiens",
                rnd.choice(["pneumonia", "bacteremia", "urinary tract infection", "COVID-19", "not collected"]),
                rnd.choice(["sputum", "blood", "urine", "nasopharyngeal swab", "stool"]), f"{la:.4f} N {lo:.4f} E",
                f"{rnd.randint(1, 95)} years", rnd.choice(["male", "female"]),
                rnd.choice(["hospitalized", "outpatient", "recovered", ""]), f"SUBJ-{rnd.randrange(10**6):06d}",
                "whole genome sequencing assay", "WGS", "GENOMIC", "RANDOM", "PAIRED" if paired else "SINGLE",
                "ILLUMINA", rnd.choice(["Illumina NovaSeq 6000", "Illumina MiSeq", "Illumina NextSeq 2000"]),
                f"LIB-{i:07d}", f"{name}_R1.fastq.gz", f"{name}_R2.fastq.gz" if paired else "",
                hashlib.md5(name.encode()).hexdigest(), "FASTQ", rnd.choice(["BSL-2", "BSL-3"]),
            ])


def _best(fn, repeat: int) -> tuple[float, float, object]:
    """Best CPU time and best wall time over `repeat` runs."""
    cpu, wall, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        cpu = min(cpu, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - t0)
    return cpu, wall, out


def run(quick: bool = False) -> list[dict]:
    rows = 10_000 if quick else 100_000
    form = default_registry().get(FORM)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "samples.tsv"
        make_sheet(path, rows)

        def csv_only() -> int:
            n = 0
            with path.open(encoding="utf-8", newline="") as fh:
                lines = (line for line in fh if not line.startswith("#"))
                for _ in csv.DictReader(lines, delimiter="\t"):
                    n += 1
            return n

        def validate():
            return validate_records(form, read_records(path), source=path.name)

        repeat = 3 if quick else 2
        t_csv, _w, n = _best(csv_only, repeat)
        t_val, w_val, report = _best(validate, repeat)
        assert n == rows and report.records == rows and report.valid, report.errors[:3]
        rate, base = rows / t_val, rows / t_csv
        out = [{
            "name": f"validate_tsv_{rows}_rows", "value": round(rate), "unit": "rows/s",
            "baseline": "csv.DictReader read of the same file", "baseline_value": round(base),
            "ratio": round(rate / base, 3), "target": f">= {TARGET_ROWS_PER_S} rows/s", "ok": rate >= TARGET_ROWS_PER_S,
            "seconds": round(t_val, 3), "wall_rows_per_s": round(rows / w_val), "errors": len(report.errors),
            "warnings": len(report.warnings),
        }]
        for backend in ("sqlite", "postgresql"):
            out.append(register_rate(backend, path, rows, Path(tmp) / backend))
    return out


# registration -----------------------------------------------------------------------------------------------------
def _pg_database() -> tuple[str | None, str | None, str]:
    """(url of a fresh database, its name, why not) on the PostgreSQL server of the tests."""
    from sqlalchemy import text

    from biostation.db import make_engine

    name = f"biostation_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - reported in the result row
        return None, None, f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name, ""


def _drop_pg(name: str) -> None:
    from sqlalchemy import text

    from biostation.db import make_engine

    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _station(data_dir: Path, url: str):
    from biostation.config import load_config
    from biostation.identity import SYSTEM
    from biostation.station import Station
    from biostation.accounts.service import identity_for

    data_dir.mkdir(parents=True, exist_ok=True)
    st = Station(load_config({"data_dir": str(data_dir), "database_url": url, "jobs_backend": "inprocess"}, environ={}))
    st.upgrade()
    with st.uow() as uow:
        st.accounts.create_organisation(uow, SYSTEM, code="KDCA", name_en="KDCA", name_ko="질병관리청", kind="institute")
        st.accounts.create_user(uow, SYSTEM, username="lab", email="lab@kdca.go.kr", display_name="lab",
                                roles=["researcher"], organisation="KDCA")
    with st.uow() as uow:
        who = identity_for(st.accounts.get_user(uow, "lab"))
        project = st.projects.create(uow, who, {
            "project_number": "RS-2023-00999999", "title_en": "Genomic surveillance", "title_ko": "유전체 감시",
            "ministry": "KDCA", "pi_name": "Lab", "period_start": "2023-01-01", "period_end": "2025-12-31"})
        acc = st.projects.accession(project)
    return st, who, acc


def _backend_cpu(conn, backend: str) -> Callable[[], float]:
    """CPU seconds used so far by this connection's PostgreSQL backend process (0 for SQLite, which runs in
    this process and is counted by process_time)."""
    if backend != "postgresql":
        return lambda: 0.0
    from sqlalchemy import text

    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        except OSError:  # the server is on another machine: its CPU is not counted
            return 0.0
    return read


def register_rate(backend: str, path: Path, rows: int, data_dir: Path) -> dict:
    """Rows per second registered through the service, and the same rows as a bare executemany INSERT.

    Rates are rows per CPU-second of the station (this process, its writer thread included, plus the PostgreSQL
    backend serving it), so other work on a shared machine does not count against them; wall-clock rates are
    reported beside them."""
    from sqlalchemy import delete, insert, select, text

    from biostation.forms.models import Sample

    name = f"register_{backend}_{rows}_rows"
    pg_name = None
    url = ""
    if backend == "postgresql":
        url, pg_name, why = _pg_database()
        if url is None:
            return {"name": name, "value": 0, "unit": "rows/s", "baseline": "bare executemany INSERT",
                    "baseline_value": 0, "ratio": 0.0, "target": f">= {TARGET_REGISTER_ROWS_PER_S} rows/s",
                    "ok": False, "skipped": why}
    st = None
    try:
        st, who, project = _station(data_dir, url)
        with st.uow() as uow:
            st.forms.registry(uow)  # built once per station, not per submission
        t0, c0 = time.perf_counter(), time.process_time()
        with st.uow() as uow:
            server = _backend_cpu(uow.session.connection(), backend)
            s0 = server()
            reg = st.forms.samples.register(uow, who, path, project=project, form=FORM)
        w_service, c_service = time.perf_counter() - t0, time.process_time() - c0 + server() - s0
        assert len(reg.samples) == rows, len(reg.samples)
        table = Sample.__table__
        cols = [c for c in table.c if c.name != "id"]
        with st.engine.connect() as conn:
            stored = [dict(r._mapping) for r in conn.execute(select(*cols).order_by(table.c.id))]
        with st.engine.begin() as conn:
            conn.execute(delete(table))
        with st.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM samples" if backend == "postgresql" else "VACUUM"))
        t0, c0 = time.perf_counter(), time.process_time()
        with st.engine.begin() as conn:
            server = _backend_cpu(conn, backend)
            s0 = server()
            for i in range(0, len(stored), 2000):
                conn.execute(insert(table), stored[i:i + 2000])
        w_base, c_base = time.perf_counter() - t0, time.process_time() - c0 + server() - s0
    finally:
        if st is not None:
            st.close()
        if pg_name:
            _drop_pg(pg_name)
    rate, base = rows / c_service, rows / c_base
    return {"name": name, "value": round(rate), "unit": "rows/s", "baseline": "bare executemany INSERT of the rows",
            "baseline_value": round(base), "ratio": round(rate / base, 3),
            "target": f">= {TARGET_REGISTER_ROWS_PER_S} rows/s", "ok": rate >= TARGET_REGISTER_ROWS_PER_S,
            "seconds": round(c_service, 3), "wall_rows_per_s": round(rows / w_service),
            "baseline_wall_rows_per_s": round(rows / w_base)}


def main() -> None:
    quick = "--quick" in sys.argv
    results = run(quick)
    print(f"{'benchmark':30} {'value':>12} {'baseline':>14} {'ratio':>7} {'target':>18} ok")
    for r in results:
        print(f"{r['name']:30} {r['value']:>8} {r['unit']:4} {r['baseline_value']:>8} {r['unit']:6} "
              f"{r['ratio']:>6}x {r['target']:>18} {'yes' if r['ok'] else 'NO'}")
        if "skipped" in r:
            print(f"  (not measured: {r['skipped']})")
        elif "errors" in r:
            print(f"  ({r['seconds']} CPU s for the sheet, wall-clock {r['wall_rows_per_s']} rows/s, "
                  f"{r['errors']} errors, {r['warnings']} warnings; baseline: {r['baseline']})")
        else:
            print(f"  ({r['seconds']} CPU s (client + database), wall-clock {r['wall_rows_per_s']} rows/s; "
                  f"baseline {r['baseline']}: wall-clock {r['baseline_wall_rows_per_s']} rows/s)")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
