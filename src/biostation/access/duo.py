"""Does a request's purpose fit a dataset's data-use conditions (GA4GH DUO)?

The dataset names one permission (NRES, GRU, HMB, DS with diseases, POA) and modifiers (NCU, NPU, IRB,
PUB, ...). A purpose fits when it is the same as or narrower than the permission in the DUO tree
(DS is_a HMB is_a GRU), its diseases are the dataset's diseases or their sub-types in the disease ontology,
and it meets every modifier. The result names each problem, so a committee sees why, and each obligation
the requester accepted, so it sees what it is approving.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from . import ontology as onto

DS = "DUO:0000007"
POA = "DUO:0000011"
NRES = "DUO:0000004"
NMDS, GSO, NPUNCU, NPU, NCU = "DUO:0000015", "DUO:0000016", "DUO:0000018", "DUO:0000045", "DUO:0000046"
PUB, COL, IRB, GS, MOR, TS = "DUO:0000019", "DUO:0000020", "DUO:0000021", "DUO:0000022", "DUO:0000024", "DUO:0000025"
US, PS, IS, RTN, CC, NPOA, RS = ("DUO:0000026", "DUO:0000027", "DUO:0000028", "DUO:0000029", "DUO:0000043",
                                 "DUO:0000044", "DUO:0000012")
# Modifiers that bind the requester to do something; the request must say it accepts them.
ACCEPTABLE = {PUB: ("publish the results", "결과를 출판"), COL: ("collaborate with the depositor", "제공자와 공동연구"),
              RTN: ("return derived data to the station", "파생 데이터를 스테이션에 환원"),
              MOR: ("respect the publication moratorium", "출판 유예 기간을 준수")}
# Modifiers the committee checks by hand (named users, projects, research-specific terms).
MANUAL = {US: ("only named users may use the data", "지정된 사용자만 이용 가능"),
          PS: ("only the named project may use the data", "지정된 과제만 이용 가능"),
          RS: ("research-specific restrictions apply", "연구 특정 제한이 있음")}


@dataclass
class Finding:
    code: str
    term: str
    message_en: str
    message_ko: str


@dataclass
class MatchResult:
    compatible: bool
    problems: list[Finding] = field(default_factory=list)
    obligations: list[Finding] = field(default_factory=list)
    needs_ethics: bool = False
    max_days: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _label(term: str) -> tuple[str, str]:
    t = onto.duo_terms().get(term)
    return (f"{t.code} ({t.label_en})", f"{t.code}({t.label_ko})") if t else (term, term)


def _disease_label(term: str) -> str:
    d = onto.diseases().get(term)
    return f"{d.label_en} ({term})" if d else term


def match(conditions: dict[str, Any], purpose: dict[str, Any], *, institution: str = "",
          ethics_attached: bool = False, requested_days: int | None = None) -> MatchResult:
    """Both arguments are the normalised dicts of schemas.DataUse and schemas.Purpose (DUO ids, MONDO ids)."""
    problems: list[Finding] = []
    obligations: list[Finding] = []
    permission = conditions.get("permission") or NRES
    use = purpose.get("use")
    modifiers = set(conditions.get("modifiers") or [])
    p_en, p_ko = _label(permission)
    u_en, u_ko = _label(use) if use else ("(none)", "(없음)")

    if permission != NRES:
        if not use or permission not in onto.duo_ancestors_or_self(use):
            problems.append(Finding("purpose_outside_permission", permission,
                                    f"The purpose {u_en} is broader than or outside the dataset's permission {p_en}.",
                                    f"이용 목적 {u_ko}이(가) 데이터셋의 허용 범위 {p_ko}보다 넓거나 벗어납니다.",))
        elif permission == DS:
            allowed = conditions.get("diseases") or []
            asked = purpose.get("diseases") or []
            if not asked:
                problems.append(Finding("disease_missing", DS, "The dataset is for research on named diseases; "
                                        "the request names none.", "특정 질병 연구용 데이터셋인데 요청에 질병이 없습니다."))
            for d in asked:
                if not onto.disease_within(d, allowed):
                    names = ", ".join(_disease_label(a) for a in allowed)
                    problems.append(Finding("disease_not_covered", DS,
                                            f"{_disease_label(d)} is neither one of the dataset's diseases ({names}) "
                                            "nor a sub-type of one.",
                                            f"{_disease_label(d)}은(는) 데이터셋의 질병({names})이나 그 하위 유형이 "
                                            "아닙니다."))
    if NPOA in modifiers and use and POA in onto.duo_ancestors_or_self(use):
        problems.append(Finding("ancestry_research_prohibited", NPOA, "Population origins or ancestry research is "
                                "prohibited on this dataset.", "이 데이터셋은 인구 기원·조상 연구에 이용할 수 없습니다."))
    if modifiers & {NCU, NPUNCU} and purpose.get("commercial"):
        term = NCU if NCU in modifiers else NPUNCU
        problems.append(Finding("commercial_use", term, "The dataset is for non-commercial use only; the purpose is "
                                "commercial.", "비상업적 이용 전용 데이터셋인데 상업적 목적으로 요청했습니다."))
    if modifiers & {NPU, NPUNCU} and purpose.get("for_profit_organisation"):
        term = NPU if NPU in modifiers else NPUNCU
        problems.append(Finding("for_profit_organisation", term, "Only not-for-profit organisations may use the "
                                "dataset.", "비영리 기관만 이용할 수 있는 데이터셋입니다."))
    if GSO in modifiers and not purpose.get("genetic_study"):
        problems.append(Finding("not_genetic_study", GSO, "The dataset is for genetic studies only.",
                                "유전 연구 전용 데이터셋입니다."))
    if NMDS in modifiers and purpose.get("methods_development"):
        problems.append(Finding("methods_research", NMDS, "General methods development is not allowed on this "
                                "dataset.", "이 데이터셋은 일반 방법론 개발에 이용할 수 없습니다."))
    if purpose.get("clinical_care") and CC not in modifiers:
        problems.append(Finding("clinical_care_not_allowed", CC, "The dataset does not allow clinical care use.",
                                "이 데이터셋은 임상 진료에 이용할 수 없습니다."))
    if GS in modifiers:
        countries = {c.upper() for c in conditions.get("countries") or []}
        country = (purpose.get("country") or "").upper()
        if country not in countries:
            problems.append(Finding("country_not_allowed", GS,
                                    f"Use is limited to {', '.join(sorted(countries))}; the request is from "
                                    f"{country or 'an unstated country'}.",
                                    f"이용 가능 국가는 {', '.join(sorted(countries))}입니다(요청: {country or '미기재'})."))
    if IS in modifiers:
        allowed_inst = {i.casefold().strip() for i in conditions.get("institutions") or []}
        if institution.casefold().strip() not in allowed_inst:
            problems.append(Finding("institution_not_allowed", IS, f"Only {', '.join(conditions.get('institutions') or [])}"
                                    " may use the dataset.", "지정된 기관만 이용할 수 있는 데이터셋입니다."))
    accepted = set(purpose.get("accepts") or [])
    for term, (en, ko) in ACCEPTABLE.items():
        if term in modifiers:
            if term in accepted:
                obligations.append(Finding("accepted", term, f"The requester agrees to {en}.",
                                           f"요청자가 {ko}하기로 동의했습니다."))
            else:
                problems.append(Finding("obligation_not_accepted", term, f"The dataset requires users to {en}; "
                                        "the request does not accept it.", f"이 데이터셋은 {ko}해야 하는데 요청에 "
                                        "동의가 없습니다."))
    for term, (en, ko) in MANUAL.items():
        if term in modifiers:
            obligations.append(Finding("committee_check", term, f"The committee must check: {en}.",
                                       f"위원회 확인 필요: {ko}."))
    needs_ethics = IRB in modifiers
    if needs_ethics:
        if ethics_attached:
            obligations.append(Finding("ethics_attached", IRB, "An ethics approval is attached; the committee "
                                       "checks it.", "윤리 승인서가 첨부되어 있으며 위원회가 확인합니다."))
        else:
            problems.append(Finding("ethics_approval_missing", IRB, "The dataset requires an ethics (IRB) approval; "
                                    "none is attached.", "윤리(IRB) 승인이 필요한데 첨부되지 않았습니다."))
    max_days = conditions.get("time_limit_days") if TS in modifiers else None
    if max_days and requested_days and requested_days > max_days:
        problems.append(Finding("time_limit_exceeded", TS, f"Use is limited to {max_days} days; {requested_days} "
                                "were requested.", f"이용 기간은 {max_days}일로 제한되는데 {requested_days}일을 "
                                "요청했습니다."))
    return MatchResult(compatible=not problems, problems=problems, obligations=obligations,
                       needs_ethics=needs_ethics, max_days=max_days)
