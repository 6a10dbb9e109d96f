"""Warn/fail thresholds for content metrics, read from data so curators can tune them without a release."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from biostation.qc.report import Rule

DEFAULT_PATH = Path(__file__).with_name("thresholds.yaml")


@functools.lru_cache(maxsize=8)
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for rule in data.get("rules", []):
        for level in ("warn", "fail"):
            if level in rule and set(rule[level]) - {"below", "above"}:
                raise ValueError(f"rule {rule['id']}: {level} takes 'below' or 'above'")
    return data


def load_thresholds(path: str | Path | None = None) -> dict[str, Any]:
    return _load(str(path or DEFAULT_PATH))


def _lookup(metrics: dict[str, Any], dotted: str) -> Any:
    value: Any = metrics
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _breaks(limit: dict[str, float], value: float) -> bool:
    if "below" in limit and value < limit["below"]:
        return True
    return "above" in limit and value > limit["above"]


def evaluate(fmt: str, metrics: dict[str, Any], thresholds: dict[str, Any] | None = None) -> list["Rule"]:
    """The content rules that fire for these metrics: fail is checked before warn, one level per rule."""
    from biostation.qc.report import Rule

    data = thresholds or load_thresholds()
    fired: list[Rule] = []
    for rule in data.get("rules", []):
        if fmt not in rule.get("formats", []):
            continue
        value = _lookup(metrics, rule["metric"])
        if value is None or isinstance(value, (dict, list, str)):
            continue
        for level in ("fail", "warn"):
            if level in rule and _breaks(rule[level], value):
                limit = rule[level]
                bound = (f"< {limit['below']}" if "below" in limit and value < limit["below"]
                         else f"> {limit['above']}")
                en = rule["en"].format(value=value) + f" ({level}: {bound})."
                ko = rule["ko"].format(value=value) + f" ({'실패' if level == 'fail' else '경고'} 기준: {bound})."
                fired.append(Rule(rule["id"], rule["points"][level], level, en, ko, value))
                break
    return fired
