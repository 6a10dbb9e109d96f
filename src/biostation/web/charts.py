"""Charts drawn on the server as inline SVG: no chart library, readable without JavaScript, and each chart
carries a text table for screen readers (the SVG itself is a labelled image)."""
from __future__ import annotations

from typing import Callable, Iterable

# Eight colours that keep at least 3:1 contrast against white (WCAG 1.4.11 for graphics).
PALETTE = ["#1f5fa8", "#b3460b", "#2c7a3f", "#8a3ea6", "#a3123f", "#0f6e73", "#6b5a00", "#4a4a4a"]


def hbars(items: Iterable[tuple[str, int]], width: int = 420, row: int = 24,
          fmt: Callable[[int], str] = str) -> dict:
    """Horizontal bars, one per (label, value), largest first; ``fmt`` writes the value (per locale)."""
    items = sorted(items, key=lambda x: -x[1])
    top = max((v for _, v in items), default=0) or 1
    label_w = 170
    bars = []
    for i, (label, value) in enumerate(items):
        bars.append({"y": i * row, "w": max(2, int((width - label_w - 40) * value / top)) if value else 0,
                     "label": label, "value": value, "text": fmt(value), "colour": PALETTE[i % len(PALETTE)]})
    return {"bars": bars, "width": width, "height": max(row, len(items) * row), "label_w": label_w, "row": row}


def rate_bars(items: Iterable[tuple[str, float, int, int]], fmt_rate: Callable[[float], str],
              width: int = 420, row: int = 24) -> dict:
    """Horizontal bars of shares (label, rate 0-1, part, whole), highest first, on a 0-100 % scale so that
    groups compare at a glance; each bar is labelled with its percentage."""
    items = sorted(items, key=lambda x: (-x[1], x[0]))
    label_w = 170
    span = width - label_w - 60
    bars = []
    for i, (label, rate, part, whole) in enumerate(items):
        bars.append({"y": i * row, "w": max(2, int(span * rate)) if rate else 0, "label": label, "value": rate,
                     "text": fmt_rate(rate), "part": part, "whole": whole, "colour": PALETTE[i % len(PALETTE)]})
    return {"bars": bars, "width": width, "height": max(row, len(items) * row), "label_w": label_w, "row": row,
            "span": span}


def columns(items: Iterable[tuple[str, int]], fmt: Callable[[int], str] = str, width: int = 560,
            height: int = 220) -> dict:
    """One column per month (label YYYY-MM, value), in the order given; months with nothing stay empty."""
    items = list(items)
    top = max((v for _, v in items), default=0)
    plot_h, left, bottom = height - 40, 30, 24
    col_w = max(8, min(48, (width - left - 10) // max(1, len(items)) - 6))
    cols = []
    for i, (month, value) in enumerate(items):
        h = max(1, int((plot_h - bottom) * value / top)) if value and top else 0
        cols.append({"x": left + i * (col_w + 6), "y": plot_h - h, "h": h, "month": month, "value": value,
                     "text": fmt(value)})
    return {"columns": cols, "col_w": col_w, "width": width, "height": height, "plot_h": plot_h, "left": left,
            "top": fmt(top), "colour": PALETTE[0], "any": top > 0}


def stacked_months(counts: dict[tuple[str, str], int], label_of, width: int = 560, height: int = 220) -> dict:
    """Columns per month, stacked per series (ministry or research field), with a legend."""
    months = sorted({m for m, _ in counts})
    series = sorted({s for _, s in counts}, key=lambda s: -sum(v for (m, x), v in counts.items() if x == s))
    colours = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}
    totals = {m: sum(v for (mm, _), v in counts.items() if mm == m) for m in months}
    top = max(totals.values(), default=0) or 1
    plot_h, left, bottom = height - 40, 30, 24
    col_w = max(8, min(48, (width - left - 10) // max(1, len(months)) - 6))
    columns = []
    for i, m in enumerate(months):
        x = left + i * (col_w + 6)
        y = plot_h
        segs = []
        for s in series:
            v = counts.get((m, s), 0)
            if not v:
                continue
            h = max(1, int((plot_h - bottom) * v / top))
            y -= h
            segs.append({"y": y, "h": h, "colour": colours[s], "series": label_of(s), "value": v})
        columns.append({"x": x, "month": m, "segments": segs, "total": totals[m]})
    return {"columns": columns, "col_w": col_w, "width": width, "height": height, "plot_h": plot_h, "top": top,
            "legend": [{"label": label_of(s), "colour": colours[s]} for s in series], "left": left}
