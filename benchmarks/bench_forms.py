"""Sample-sheet validation throughput: a 100,000-row TSV (10,000 with --quick) checked against a form.

Target: >= 20,000 rows/s on one core. Baseline, measured in the same run: reading the same file with the csv
module alone (csv.DictReader), i.e. the floor any Python validator that streams a TSV starts from.
Rates are rows per CPU-second of this (single-threaded) process, so other work on a shared machine does not
count against it; the wall-clock rate is reported beside it.
Run: .venv/bin/python benchmarks/bench_forms.py [--quick]
"""
from __future__ import annotations

import csv
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

from biostation.forms import default_registry, validate_records
from biostation.forms.readers import read_records

FORM = "infectious_disease.genome_omics"
TARGET_ROWS_PER_S = 20_000

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
    return [{
        "name": f"validate_tsv_{rows}_rows", "value": round(rate), "unit": "rows/s",
        "baseline": "csv.DictReader read of the same file", "baseline_value": round(base),
        "ratio": round(rate / base, 3), "target": f">= {TARGET_ROWS_PER_S} rows/s", "ok": rate >= TARGET_ROWS_PER_S,
        "seconds": round(t_val, 3), "wall_rows_per_s": round(rows / w_val), "errors": len(report.errors), "warnings": len(report.warnings),
    }]


def main() -> None:
    quick = "--quick" in sys.argv
    results = run(quick)
    print(f"{'benchmark':28} {'value':>12} {'baseline (csv only)':>20} {'ratio':>7} {'target':>18} ok")
    for r in results:
        print(f"{r['name']:28} {r['value']:>8} {r['unit']:4} {r['baseline_value']:>13} {r['unit']:6} "
              f"{r['ratio']:>6}x {r['target']:>18} {'yes' if r['ok'] else 'NO'}")
        print(f"  ({r['seconds']} CPU s for the sheet, wall-clock {r['wall_rows_per_s']} rows/s, "
              f"{r['errors']} errors, {r['warnings']} warnings)")


if __name__ == "__main__":
    main()
