"""Shared bits of the benchmarks: result rows, printing, peak memory of a process."""
from __future__ import annotations

from typing import Any


def result(name: str, value: float, unit: str, baseline: str, baseline_value: float, target: float,
           higher_is_better: bool = True, target_text: str | None = None) -> dict[str, Any]:
    ratio = (value / baseline_value if higher_is_better else baseline_value / value) if baseline_value and value else 0.0
    return {"name": name, "value": round(value, 3), "unit": unit, "baseline": baseline,
            "baseline_value": round(baseline_value, 3), "ratio": round(ratio, 3),
            "target": target_text or f">= {target}x", "ok": ratio >= target}


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'benchmark':58} {'value':>14} {'baseline':>34} {'ratio':>8} {'target':>10}  ok")
    for r in rows:
        base = f"{r['baseline']}={r['baseline_value']}"
        print(f"{r['name']:58} {r['value']:>10} {r['unit']:<4}{base:>34} {r['ratio']:>7}x {r['target']:>10}  "
              f"{'yes' if r['ok'] else 'NO'}")


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a running process, in MB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0
