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
    report = validate_records(form, [record], source="record", section=section)
    return Scorer(form, section).score(record, report.errors, report.warnings)


_UNRESOLVED = ("taxon_not_in_subset", "term_not_in_list")
_NONE: frozenset[str] = frozenset()


class Scorer:
    """The score of many records of one form: the form's shape is worked out once.

    ``score(record, errors, warnings)`` takes the issues validation found on that record, so a sheet that
    is validated anyway is scored without validating each record a second time.
    """

    def __init__(self, form: Form, section: str = "sample"):
        from . import vocabularies

        sec = self.section = form.sections[section]
        self.missing_terms = vocabularies.missing_terms()
        groups_by_field = {fid: g for g in sec.groups for fid in g.fields}
        categories: dict[str, list[str]] = {"mandatory": [], "recommended": [], "optional": []}
        seen_groups: set[str] = set()
        for f in sec.fields:
            g = groups_by_field.get(f.id)
            if g is not None and f.requirement == "optional":  # a group member counts like the group
                if g.id in seen_groups:
                    continue
                seen_groups.add(g.id)
                categories[g.requirement].append("|".join(g.fields))
                continue
            categories[f.requirement].append(f.id)
        self.present_cats = {k: v for k, v in categories.items() if v}
        self.keys = {k: [tuple(key.split("|")) for key in v] for k, v in self.present_cats.items()}
        self.vocab_fields = frozenset(f.id for f in sec.fields if f.vocabulary)
        self.fields = [f.id for f in sec.fields]
        self.field_set = frozenset(self.fields)
        self._initials = frozenset(c for k in self.missing_terms if k for c in (k[0], k[0].upper()))
        # for the fast path: per category, the single-field keys as a set and the groups as tuples
        self._fast = [(cat, frozenset(k[0] for k in keys if len(k) == 1), [k for k in keys if len(k) > 1], len(keys))
                      for cat, keys in self.keys.items()]
        self._weights = {}
        for controlled in (False, True):
            weights = {k: WEIGHTS[k] for k in self.present_cats}
            weights["vocabulary"] = WEIGHTS["vocabulary"] if controlled else 0.0
            weights["valid"] = WEIGHTS["valid"]
            self._weights[controlled] = (weights, 100.0 / sum(weights.values()))

    def points(self, record: dict[str, Any], errors: list[Any], warnings: list[Any]) -> int:
        """``score(...).score`` without building the rules (the same arithmetic in the same order), one pass over
        the record: bulk registration scores every row with it."""
        if errors or warnings:
            bad = {i.field for i in errors}
            odd = {i.field for i in errors if i.code.startswith("missing_value")}
            odd.update(i.field for i in warnings if i.code.startswith("missing_value"))
            unresolved = {i.field for i in warnings if i.code in _UNRESOLVED}
        else:
            bad = odd = unresolved = _NONE
        fields, vocab, missing, initials = self.field_set, self.vocab_fields, self.missing_terms, self._initials
        real = set()
        n_filled = n_ok = controlled = resolved = 0
        for k, v in record.items():
            if k not in fields or v is None:
                continue
            t = (v if type(v) is str else str(v)).strip()
            if not t:
                continue
            n_filled += 1
            good = k not in bad
            if good:
                n_ok += 1
            c = t[0]
            is_real = k not in odd and not ((c in initials or not c.isascii()) and
                                            (t.lower() if t.isascii() else t.casefold()) in missing)
            if is_real:
                real.add(k)
            if k in vocab:
                controlled += 1
                if is_real and good and k not in unresolved:
                    resolved += 1
        weights, scale = self._weights[controlled > 0]
        total = 0
        for cat, singles, groups, n in self._fast:
            got = len(singles & real)
            for g in groups:
                for f in g:
                    if f in real:
                        got += 1
                        break
            total += weights[cat] * scale * got / n
        if controlled:
            total += weights["vocabulary"] * scale * resolved / controlled
        total += weights["valid"] * scale * (n_ok / n_filled if n_filled else 0.0)
        return int(round(min(100.0, max(0.0, total))))

    def score(self, record: dict[str, Any], errors: list[Any], warnings: list[Any]) -> Score:
        filled: dict[str, str] = {}
        for fid in self.fields:
            raw = record.get(fid)
            if raw is None:
                continue
            text = str(raw).strip()
            if text:
                filled[fid] = text
        bad_fields = {i.field for i in errors}
        missing_term_fields = {i.field for i in errors if i.code.startswith("missing_value")}
        missing_term_fields.update(i.field for i in warnings if i.code.startswith("missing_value"))
        unresolved_warned = {i.field for i in warnings if i.code in _UNRESOLVED}
        missing_terms = self.missing_terms
        real = {fid for fid, v in filled.items() if v.casefold() not in missing_terms and fid not in missing_term_fields}
        controlled = [fid for fid in filled if fid in self.vocab_fields]
        resolved = [fid for fid in controlled if fid in real and fid not in bad_fields and fid not in unresolved_warned]
        weights, scale = self._weights[bool(controlled)]
        rules: list[ScoreRule] = []
        labels = {"mandatory": ("mandatory", "필수"), "recommended": ("recommended", "권장"), "optional": ("optional", "선택")}
        for cat, keys in self.present_cats.items():
            sat = [any(k in real for k in parts) for parts in self.keys[cat]]
            got = [k for k, ok in zip(keys, sat) if ok]
            lost = [k for k, ok in zip(keys, sat) if not ok]
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
        checked = list(filled)
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
