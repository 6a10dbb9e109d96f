"""Run every benchmark: `python benchmarks/run.py [--quick] [--only NAME ...]`.

Each bench_*.py module exposes run(quick) -> rows; every row is a ratio against a baseline measured in
the same run. Exit 1 if any target is missed.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import print_table  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", nargs="*", help="module names, e.g. bench_core")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    names = args.only or sorted(p.stem for p in HERE.glob("bench_*.py"))
    rows = []
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(name)
        rows += module.run(args.quick)
    print()
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
