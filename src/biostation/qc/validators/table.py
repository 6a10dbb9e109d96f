"""CSV/TSV tables (phenotype, assays, clinical tables) read with the csv module, checked against declared types.

The dataset's form declares the column types; the caller passes them as ``column_types``:
``{"age": "integer", "sex": {"type": "string", "enum": ["M", "F"], "required": True},
"weight_kg": {"type": "number", "minimum": 0}}``. Types: string, integer, number, boolean, date, datetime.
Rows are streamed; only counters are kept.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any, Callable

from biostation.qc.validators.base import Context, loc, register

MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "."}
_INT = re.compile(r"^[+-]?\d+$")
_BOOL = {"true", "false", "yes", "no", "y", "n", "t", "f", "1", "0", "예", "아니오"}


def _is_number(v: str) -> bool:
    try:
        float(v.replace(",", "") if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", v) else v)
        return v.lower() not in ("inf", "-inf", "+inf", "infinity", "nan")
    except ValueError:
        return False


def _is_date(v: str) -> bool:
    try:
        date.fromisoformat(v)
        return True
    except ValueError:
        return False


def _is_datetime(v: str) -> bool:
    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


CHECKS: dict[str, Callable[[str], bool]] = {
    "string": lambda v: True,
    "integer": lambda v: bool(_INT.match(v)),
    "number": _is_number,
    "boolean": lambda v: v.lower() in _BOOL,
    "date": _is_date,
    "datetime": _is_datetime,
}


def _spec(raw: Any) -> dict[str, Any]:
    return {"type": raw} if isinstance(raw, str) else dict(raw)


@register("csv", "tsv")
def validate_table(ctx: Context) -> None:
    delimiter = "\t" if ctx.format == "tsv" else ","
    with open(ctx.path, "rb") as probe:
        head = probe.read(64 * 1024)
    if ctx.format == "csv":
        try:
            delimiter = csv.Sniffer().sniff(head.decode("utf-8", "replace"), delimiters=",;").delimiter
        except csv.Error:
            pass
    specs = {name: _spec(raw) for name, raw in (ctx.column_types or {}).items()}
    for name, spec in specs.items():
        if spec.get("type", "string") not in CHECKS:
            ctx.error("table_unknown_type", loc(field=name), type=spec.get("type"), name=name)
    fh = open(ctx.path, encoding="utf-8-sig", newline="", errors="strict")
    reader = csv.reader(fh, delimiter=delimiter, strict=True)
    rows = cells = missing = 0
    per_column_missing: list[int] = []
    try:
        try:
            header = next(reader)
        except StopIteration:
            ctx.error("empty_file", "line 1")
            return
        names = [h.strip() for h in header]
        for i, name in enumerate(names, 1):
            if not name:
                ctx.error("table_header_empty", loc(line=1, column=i), column=i)
        seen: set[str] = set()
        for name in names:
            if name and name in seen:
                ctx.error("table_header_duplicate", loc(line=1, field=name), name=name)
            seen.add(name)
        for name in specs:
            if name not in seen:
                ctx.error("table_column_missing", loc(line=1, field=name), name=name)
        checks = [(i, name, specs[name]) for i, name in enumerate(names) if name in specs]
        width = len(names)
        per_column_missing = [0] * width
        line = reader.line_num
        for row in reader:
            start_line, line = line + 1, reader.line_num
            if not row:
                continue
            rows += 1
            if len(row) != width:
                ctx.error("table_row_width", loc(record=rows, line=start_line), found=len(row), expected=width)
            for i, value in enumerate(row[:width]):
                cells += 1
                if value.strip().lower() in MISSING:
                    missing += 1
                    per_column_missing[i] += 1
            cells += max(0, width - len(row))
            for i, name, spec in checks:
                value = row[i].strip() if i < len(row) else ""
                where = loc(record=rows, line=start_line, field=name)
                if value.lower() in MISSING:
                    if spec.get("required"):
                        ctx.error("table_required", where)
                    continue
                kind = spec.get("type", "string")
                check = CHECKS.get(kind)
                if check is not None and not check(value):
                    ctx.error("table_type", where, value=value, type=kind)
                    continue
                if "enum" in spec and value not in [str(x) for x in spec["enum"]]:
                    ctx.error("table_enum", where, value=value, allowed=", ".join(map(str, spec["enum"])))
                if kind in ("integer", "number") and ("minimum" in spec or "maximum" in spec):
                    number = float(value.replace(",", ""))
                    lo, hi = spec.get("minimum"), spec.get("maximum")
                    if (lo is not None and number < lo) or (hi is not None and number > hi):
                        ctx.error("table_range", where, value=value, range=f"[{lo}, {hi}]")
            if rows % 100000 == 0:
                ctx.report_progress(fh.buffer.tell() if hasattr(fh, "buffer") else 0)
    except UnicodeDecodeError as exc:
        ctx.error("table_encoding", loc(line=reader.line_num + 1), line=reader.line_num + 1, reason=str(exc))
    except csv.Error as exc:
        ctx.error("table_parse", loc(line=reader.line_num), reason=str(exc))
    finally:
        fh.close()
    if rows == 0 and not ctx.errors:
        ctx.warn("table_no_rows", "line 2")
    m = ctx.metrics
    m.update({"rows": rows, "columns": len(per_column_missing), "delimiter": delimiter,
              "missing_cells": missing})
    if cells:
        m["missing_percent"] = round(100 * missing / cells, 3)
    if per_column_missing and rows:
        try:
            names_out = names
        except NameError:  # pragma: no cover
            names_out = []
        m["column_missing_percent"] = {n: round(100 * c / rows, 2) for n, c in
                                       list(zip(names_out, per_column_missing))[:200]}
