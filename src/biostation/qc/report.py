"""QC reports and quality grades.

A grade must be explainable: every rule that moved the score is listed with its points, so a depositor
knows exactly what to fix. Points and bands are data (``thresholds.yaml``), not code.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from biostation.qc.thresholds import load_thresholds


@dataclass
class Issue:
    code: str
    message: str
    message_ko: str
    location: str
    hint: str = ""
    severity: str = "error"  # error | warning

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Rule:
    """One reason the grade moved: which rule, how many points, and why (in both languages)."""

    rule: str
    points: float
    level: str  # warn | fail | info
    message: str
    message_ko: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class QCReport:
    file: str
    format: str
    valid: bool
    grade: str = ""
    score: float = 0.0
    checked: bool = True
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    completeness: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "valid": self.valid,
            "checked": self.checked,
            "grade": self.grade,
            "score": self.score,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "metrics": self.metrics,
            "rules": [r.as_dict() for r in self.rules],
            "completeness": self.completeness,
        }

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, default=_json_default, **kw)


def _json_default(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(obj)


def _band(score: float, bands: dict[str, float]) -> str:
    for letter in ("A", "B", "C"):
        if score >= bands[letter]:
            return letter
    return "D"


def completeness_rule(completeness: float | None, grading: dict[str, Any]) -> Rule | None:
    if completeness is None:
        return None
    for step in grading.get("completeness", []):
        if completeness < step["below"]:
            return Rule("metadata.completeness", step["points"], step["level"],
                        f"Metadata completeness {completeness:.0f}/100 is below {step['below']}.",
                        f"메타데이터 완성도 {completeness:.0f}/100이(가) {step['below']} 미만입니다.", completeness)
    return None


def grade_report(report: QCReport, content_rules: Iterable[Rule] = (), thresholds: dict | None = None) -> QCReport:
    """Combine integrity, content QC and metadata completeness into a score and an A-D grade (F = invalid)."""
    grading = (thresholds or load_thresholds())["grading"]
    rules: list[Rule] = []
    if not report.valid:
        rules.append(Rule("integrity.invalid", -float(grading["start"]), "fail",
                          f"The file is invalid ({report.error_count} error(s)); fix the errors listed.",
                          f"파일이 유효하지 않습니다(오류 {report.error_count}건). 나열된 오류를 고치십시오.",
                          report.error_count))
        report.rules, report.score, report.grade = rules, 0.0, "F"
        return report
    if not report.checked:
        rules.append(Rule("integrity.not_checked", grading["not_checked_points"], "warn",
                          "The format is not recognised, so the content was not checked.",
                          "형식을 인식하지 못해 내용을 검사하지 않았습니다."))
    if report.warning_count:
        points = max(grading["warning_cap"], grading["warning_points"] * report.warning_count)
        rules.append(Rule("integrity.warnings", points, "warn",
                          f"{report.warning_count} integrity warning(s).",
                          f"무결성 경고 {report.warning_count}건.", report.warning_count))
    rules.extend(content_rules)
    rule = completeness_rule(report.completeness, grading)
    if rule:
        rules.append(rule)
    score = float(grading["start"]) + sum(r.points for r in rules)
    score = max(0.0, min(100.0, score))
    report.rules, report.score, report.grade = rules, score, _band(score, grading["bands"])
    return report


@dataclass
class VersionGrade:
    grade: str
    score: float
    rules: list[Rule]
    files: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "score": self.score, "rules": [r.as_dict() for r in self.rules],
                "files": self.files}


def grade_version(reports: Iterable[QCReport], completeness: float | None = None,
                  thresholds: dict | None = None) -> VersionGrade:
    """Grade of a dataset version: as good as its weakest file, then the version's metadata completeness.

    The weakest file decides because a reuser trusts the version only as far as its worst file;
    an invalid file makes the version F until it is replaced.
    """
    grading = (thresholds or load_thresholds())["grading"]
    reports = list(reports)
    files = {r.file: r.grade for r in reports}
    rules: list[Rule] = []
    if not reports:
        rules.append(Rule("version.no_files", -float(grading["start"]), "fail", "The version has no files.",
                          "이 버전에는 파일이 없습니다."))
        return VersionGrade("F", 0.0, rules, files)
    invalid = [r for r in reports if not r.valid]
    if invalid:
        for r in invalid:
            rules.append(Rule("version.invalid_file", -float(grading["start"]), "fail",
                              f"File {r.file} is invalid.", f"파일 {r.file}이(가) 유효하지 않습니다.", r.file))
        return VersionGrade("F", 0.0, rules, files)
    worst = min(reports, key=lambda r: r.score)
    # file scores already include any per-file completeness rule; take the integrity/content part only
    base = float(grading["start"]) + sum(x.points for x in worst.rules if x.rule != "metadata.completeness")
    if base < grading["start"]:
        rules.append(Rule("version.weakest_file", base - grading["start"], "warn",
                          f"Weakest file {worst.file} scores {base:.0f}.",
                          f"가장 낮은 파일 {worst.file}의 점수는 {base:.0f}점입니다.", worst.file))
    rule = completeness_rule(completeness, grading)
    if rule:
        rules.append(rule)
    score = max(0.0, min(100.0, float(grading["start"]) + sum(r.points for r in rules)))
    return VersionGrade(_band(score, grading["bands"]), score, rules, files)
