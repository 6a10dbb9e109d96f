"""Metadata completeness score (FAIR-style, 0-100) of one record against its form, with the rules behind it.

Points follow the FAIR principles the form can judge: rich metadata (F2: mandatory, recommended, optional
fields filled with real values, not missing-value terms), shared vocabularies (I2: controlled values that
resolve to a term), community standards (R1.3: values that pass the form's rules). Weights of an absent
category (a form without recommended fields) go to the others, so every form can reach 100.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Form
from .validate import validate_records

WEIGHTS = {"mandatory": 50.0, "recommended": 25.0, "optional": 5.0, "vocabulary": 10.0, "valid": 10.0}


@dataclass
class ScoreRule:
    code: str
    principle: str
    points: float
    max_points: float
    message_en: str
    message_ko: str
    fields: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "principle": self.principle, "points": round(self.points, 1),
                "max_points": round(self.max_points, 1), "message_en": self.message_en,
                "message_ko": self.message_ko, "fields": self.fields}


@dataclass
class Score:
    score: int
    rules: list[ScoreRule]

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "rules": [r.as_dict() for r in self.rules]}


def completeness(form: Form, record: dict[str, Any], *, section: str = "sample") -> Score:
    """Score a record; `rules` say which fields gave points and which lost them."""
    sec = form.sections[section]
    report = validate_records(form, [record], source="record", section=section)
    bad_fields = {i.field for i in report.errors}
    missing_term_fields = {i.field for i in report.errors + report.warnings if i.code.startswith("missing_value")}
    filled: dict[str, str] = {}
    for f in sec.fields:
        raw = record.get(f.id)
        if raw is None:
            continue
        text = str(raw).strip()
        if text:
            filled[f.id] = text
    from . import vocabularies

    missing_terms = vocabularies.missing_terms()
    real = {fid for fid, v in filled.items() if v.casefold() not in missing_terms and fid not in missing_term_fields}
    groups_by_field = {fid: g for g in sec.groups for fid in g.fields}

    def level(fid: str) -> str:
        f = sec.field(fid)
        g = groups_by_field.get(fid)
        if g is not None and f.requirement == "optional":
            return g.requirement  # a group member counts like the group
        return f.requirement

    categories: dict[str, list[str]] = {"mandatory": [], "recommended": [], "optional": []}
    seen_groups: set[str] = set()
    for f in sec.fields:
        g = groups_by_field.get(f.id)
        if g is not None and f.requirement == "optional":
            if g.id in seen_groups:
                continue
            seen_groups.add(g.id)
            categories[g.requirement].append("|".join(g.fields))
            continue
        categories[level(f.id)].append(f.id)

    def satisfied(key: str) -> bool:
        return any(k in real for k in key.split("|"))

    controlled = [fid for fid in filled if sec.field(fid).vocabulary]
    resolved = [fid for fid in controlled if fid in real and fid not in bad_fields and
                not any(i.field == fid and i.code in ("taxon_not_in_subset", "term_not_in_list") for i in report.warnings)]
    present_cats = {k: v for k, v in categories.items() if v}
    weights = {k: WEIGHTS[k] for k in present_cats}
    weights["vocabulary"] = WEIGHTS["vocabulary"] if controlled else 0.0
    weights["valid"] = WEIGHTS["valid"]
    scale = 100.0 / sum(weights.values())
    rules: list[ScoreRule] = []
    labels = {"mandatory": ("mandatory", "필수"), "recommended": ("recommended", "권장"), "optional": ("optional", "선택")}
    for cat, keys in present_cats.items():
        got = [k for k in keys if satisfied(k)]
        lost = [k for k in keys if not satisfied(k)]
        mx = weights[cat] * scale
        en, ko = labels[cat]
        rules.append(ScoreRule(f"{cat}_filled", "F2", mx * len(got) / len(keys), mx,
                               f"{len(got)} of {len(keys)} {en} fields have real values.",
                               f"{ko} 항목 {len(keys)}개 중 {len(got)}개에 실제 값이 있습니다.", got))
        if lost:
            rules.append(ScoreRule(f"{cat}_missing", "F2", -mx * len(lost) / len(keys), 0,
                                   f"{en.capitalize()} fields empty or given as missing-value terms.",
                                   f"비어 있거나 결측값 용어로 채운 {ko} 항목입니다.", lost))
    if controlled:
        mx = weights["vocabulary"] * scale
        rules.append(ScoreRule("terms_resolved", "I2", mx * len(resolved) / len(controlled), mx,
                               f"{len(resolved)} of {len(controlled)} controlled values resolve to vocabulary terms.",
                               f"통제 어휘 값 {len(controlled)}개 중 {len(resolved)}개가 용어로 확인됩니다.", resolved))
        unresolved = [f for f in controlled if f not in resolved]
        if unresolved:
            rules.append(ScoreRule("terms_unresolved", "I2", -mx * len(unresolved) / len(controlled), 0,
                                   "Controlled values that are not vocabulary terms.", "어휘 용어가 아닌 통제 값입니다.",
                                   unresolved))
    checked = [fid for fid in filled]
    ok = [fid for fid in checked if fid not in bad_fields]
    mx = weights["valid"] * scale
    frac = len(ok) / len(checked) if checked else 0.0
    rules.append(ScoreRule("values_valid", "R1.3", mx * frac, mx,
                           f"{len(ok)} of {len(checked)} filled values meet the community standard's rules.",
                           f"입력한 값 {len(checked)}개 중 {len(ok)}개가 커뮤니티 표준 규칙을 지킵니다.", ok))
    if len(ok) < len(checked):
        rules.append(ScoreRule("values_invalid", "R1.3", -mx * (1 - frac), 0, "Values that break the form's rules.",
                               "양식 규칙을 어긴 값입니다.", sorted(set(checked) - set(ok))))
    total = sum(r.points for r in rules if r.max_points > 0)
    return Score(int(round(min(100.0, max(0.0, total)))), rules)
