"""QC throughput against the field's reference tools, measured in the same run on the same files.

  FASTQ 1 GB plain : checksum + full validation + per-base metrics  vs `seqkit stats -a`   target >= 1.0x
  FASTQ gzip       : the same on the .gz file                        vs `seqkit stats -a`   target >= 0.8x
  VCF 1M records   : full validation                                 vs `bcftools view > /dev/null`  >= 0.5x
  memory           : peak RSS of the FASTQ check                     < 500 MB

Inputs are generated from a fixed seed in a temp dir. Each side runs in its own process after the
file is in the page cache; the best of `--repeat` runs counts. Usage: bench_qc.py [--quick] [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEED = 20240601
CHILD = r"""
import json, resource, sys, time
from biostation.qc.service import check_file
t = time.perf_counter()
r = check_file(sys.argv[1], checksums=tuple(sys.argv[2].split(",")))
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "valid": r.valid, "errors": r.error_count,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "records": r.metrics.get("read_count", r.metrics.get("record_count"))}))
"""


def make_fastq(path: Path, target_bytes: int, length: int = 150) -> int:
    """Illumina-like reads: random bases with rare N, qualities around Q35, varying read names."""
    rng = np.random.default_rng(SEED)
    bases = np.frombuffer(b"ACGT", np.uint8)
    written = n = 0
    batch = 20000
    with open(path, "wb") as out:
        while written < target_bytes:
            seq = bases[rng.integers(0, 4, (batch, length))]
            seq[rng.random((batch, length)) < 0.001] = ord("N")
            qual = (rng.normal(35, 4, (batch, length)).clip(2, 41) + 33).astype(np.uint8)
            tiles = rng.integers(1101, 2228, batch)
            xs = rng.integers(1, 30000, batch)
            chunk = b"".join(
                b"@SIM:1:FCX:1:%d:%d:%d 1:N:0:ATCACG\n%s\n+\n%s\n" % (tiles[i], xs[i], n + i, seq[i].tobytes(),
                                                                   qual[i].tobytes())
                for i in range(batch))
            out.write(chunk)
            written += len(chunk)
            n += batch
    return n


def make_vcf(path: Path, records: int) -> None:
    rng = np.random.default_rng(SEED)
    ti = {"A": "G", "G": "A", "C": "T", "T": "C"}
    tv = {"A": "C", "G": "T", "C": "A", "T": "G"}
    with open(path, "w") as out:
        out.write("##fileformat=VCFv4.2\n##FILTER=<ID=q10,Description=\"Quality below 10\">\n"
                  "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n"
                  "##INFO=<ID=AF,Number=A,Type=Float,Description=\"Allele frequency\">\n"
                  "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
                  "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n")
        for c in range(1, 23):
            out.write(f"##contig=<ID={c},length=250000000>\n")
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3\n")
        per = -(-records // 22)
        gts = ("0/0", "0/1", "1/1")
        done = 0
        for c in range(1, 23):
            m = min(per, records - done)
            if m <= 0:
                break
            pos = np.cumsum(rng.integers(1, 200, m))
            refs = np.array(list("ACGT"))[rng.integers(0, 4, m)]
            kind = rng.random(m)
            g = rng.integers(0, 3, (m, 3))
            dp = rng.integers(5, 60, (m, 3))
            lines = []
            for i in range(m):
                ref = refs[i]
                alt = ti[ref] if kind[i] < 0.66 else tv[ref] if kind[i] < 0.95 else ref + "T"
                lines.append(f"{c}\t{pos[i]}\t.\t{ref}\t{alt}\t{30 + i % 50}\t{'PASS' if i % 10 else 'q10'}\t"
                             f"DP={dp[i].sum()};AF=0.{i % 9 + 1}\tGT:DP\t{gts[g[i, 0]]}:{dp[i, 0]}\t"
                             f"{gts[g[i, 1]]}:{dp[i, 1]}\t{gts[g[i, 2]]}:{dp[i, 2]}\n")
            out.write("".join(lines))
            done += m


def gzip_file(src: Path, dst: Path) -> None:
    from isal import igzip_threaded

    with open(src, "rb") as fin, igzip_threaded.open(dst, "wb", compresslevel=2, threads=2) as fout:
        shutil.copyfileobj(fin, fout, 8 << 20)


def warm(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(16 << 20):
            pass


def time_cmd(cmd: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
    return best


def time_ours(path: Path, repeat: int, checksums: str = "sha256") -> dict:
    best: dict | None = None
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), checksums], check=True, capture_output=True,
                             text=True, env=env)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        if not res["valid"]:
            raise RuntimeError(f"benchmark input reported invalid: {res}")
        if best is None or res["seconds"] < best["seconds"]:
            best = res
    assert best is not None
    return best


def row(name: str, value: float, unit: str, baseline: str, baseline_value: float, target: float,
        higher_is_better: bool = True) -> dict:
    ratio = value / baseline_value if higher_is_better else baseline_value / value
    sign = ">=" if higher_is_better else "<="
    return {"name": name, "value": round(value, 3), "unit": unit, "baseline": baseline,
            "baseline_value": round(baseline_value, 3), "ratio": round(ratio, 3),
            "target": f"{sign} {target}x" if baseline else f"< {target} {unit}",
            "ok": ratio >= target}


def run(quick: bool, repeat: int = 2) -> list[dict]:
    for tool in ("seqkit", "bcftools"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: apt-get install -y seqkit bcftools")
    size = (24 << 20) if quick else (1 << 30)
    vcf_records = 50_000 if quick else 1_000_000
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench_qc_") as tmp:
        tmp_path = Path(tmp)
        fq = tmp_path / "reads.fastq"
        make_fastq(fq, size)
        mb = fq.stat().st_size / 1e6
        warm(fq)
        seq_t = time_cmd(["seqkit", "stats", "-a", "-j", "2", str(fq)], repeat)
        ours = time_ours(fq, repeat)
        rows.append(row("fastq plain: sha256 + validation + per-base metrics", mb / ours["seconds"], "MB/s",
                        "seqkit stats -a", mb / seq_t, 1.0))
        rows.append({"name": "fastq plain: peak RSS", "value": round(ours["maxrss_mb"], 1), "unit": "MB",
                     "baseline": "", "baseline_value": 500, "ratio": round(500 / ours["maxrss_mb"], 3),
                     "target": "< 500 MB", "ok": ours["maxrss_mb"] < 500})
        both = time_ours(fq, 1, "sha256,md5")
        rows.append({"name": "fastq plain: with sha256 + md5 (info)", "value": round(mb / both["seconds"], 3),
                     "unit": "MB/s", "baseline": "seqkit stats -a", "baseline_value": round(mb / seq_t, 3),
                     "ratio": round(seq_t / both["seconds"], 3), "target": "info", "ok": True})
        gz = tmp_path / "reads.fastq.gz"
        gzip_file(fq, gz)
        fq.unlink()
        warm(gz)
        seq_t = time_cmd(["seqkit", "stats", "-a", "-j", "2", str(gz)], repeat)
        ours = time_ours(gz, repeat)
        rows.append(row("fastq gzip: sha256 + validation + per-base metrics", mb / ours["seconds"], "MB/s (uncompressed)",
                        "seqkit stats -a", mb / seq_t, 0.8))
        gz.unlink()
        vcf = tmp_path / "variants.vcf"
        make_vcf(vcf, vcf_records)
        warm(vcf)
        bcf_t = time_cmd(["bcftools", "view", "-o", "/dev/null", str(vcf)], repeat)
        ours = time_ours(vcf, repeat)
        rows.append(row(f"vcf {vcf_records} records: sha256 + validation + Ti/Tv", vcf_records / ours["seconds"],
                        "records/s", "bcftools view > /dev/null", vcf_records / bcf_t, 0.5))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inputs (seconds, not minutes)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per side; the best counts")
    args = parser.parse_args()
    rows = run(args.quick, args.repeat)
    width = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'value':>10} {'unit':<20} {'baseline':>10}  {'ratio':>6}  {'target':>9}  ok")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['value']:>10} {r['unit']:<20} {r['baseline_value']:>10}  {r['ratio']:>6}  "
              f"{r['target']:>9}  {'yes' if r['ok'] else 'NO'}   ({r['baseline']})")


if __name__ == "__main__":
    main()
