"""Request and response shapes of the access domain (pydantic); errors carry Korean and English text."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import FieldError, field_error
from ..validation import invalid
from . import ontology as onto

LEVELS = ("open", "embargoed", "controlled", "private")


def _duo(value: str, kind: str) -> str:
    term = onto.duo_id(value)
    check = onto.is_permission if kind == "permission" else onto.is_modifier
    if term is None or not check(term):
        choices = ", ".join(t.code for t in onto.duo_terms().values() if t.code and check(t.id))
        what_en = "DUO data-use permission" if kind == "permission" else "DUO data-use modifier"
        what_ko = "DUO 이용 허가 용어" if kind == "permission" else "DUO 이용 조건 용어"
        raise invalid("invalid_duo_term", f"{value!r} is not a {what_en}.", f"{value!r}은(는) {what_ko}가 아닙니다.",
                      f"Use a code or id, one of: {choices}")
    return term


def _disease(value: str) -> str:
    term = onto.disease_id(value)
    if term is None:
        raise invalid("unknown_disease", f"{value!r} is not a disease term the station knows.",
                      f"{value!r}은(는) 스테이션이 아는 질병 용어가 아닙니다.",
                      "Use a MONDO id (e.g. MONDO:0007256) or a Disease Ontology id (e.g. DOID:684); "
                      "GET /api/access/diseases lists them.")
    return term


class DataUse(BaseModel):
    """A controlled dataset's data-use conditions, as GA4GH DUO terms (codes such as 'HMB' or ids)."""

    model_config = ConfigDict(extra="forbid")
    permission: str = Field(description="One of NRES, GRU, HMB, DS, POA (or their DUO ids)")
    diseases: list[str] = Field(default_factory=list, description="Disease terms (MONDO/DOID) when permission is DS")
    modifiers: list[str] = Field(default_factory=list, description="e.g. NCU, NPU, IRB, PUB, TS, GS, IS")
    time_limit_days: int | None = Field(None, ge=1, le=3650, description="With TS: longest grant in days")
    moratorium_until: date | None = Field(None, description="With MOR: no publication before this date")
    countries: list[str] = Field(default_factory=list, description="With GS: ISO 3166 alpha-2 codes")
    institutions: list[str] = Field(default_factory=list, description="With IS: institutions allowed")

    @field_validator("permission")
    @classmethod
    def _permission(cls, v: str) -> str:
        return _duo(v, "permission")

    @field_validator("modifiers")
    @classmethod
    def _modifiers(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(_duo(m, "modifier") for m in v))

    @field_validator("diseases")
    @classmethod
    def _diseases(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(_disease(d) for d in v))

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        for c in v:
            if len(c) != 2 or not c.isalpha():
                raise invalid("invalid_country", f"{c!r} is not an ISO 3166 alpha-2 country code.",
                              f"{c!r}은(는) ISO 3166 두 글자 국가 코드가 아닙니다.", "e.g. KR, US, JP")
        return [c.upper() for c in v]


def check_data_use(du: DataUse, prefix: str = "data_use") -> list[FieldError]:
    """Rules across fields: DS needs diseases, GS countries, IS institutions, TS a time limit, MOR a date."""
    from . import duo
    errors = []
    if du.permission == duo.DS and not du.diseases:
        errors.append(field_error("diseases_required", f"{prefix}.diseases", "Disease-specific research (DS) needs "
                                  "at least one disease.", "특정 질병 연구(DS)에는 질병을 하나 이상 지정해야 합니다.",
                                  "Add MONDO or DOID ids, e.g. [\"MONDO:0004992\"]."))
    if du.permission != duo.DS and du.diseases:
        errors.append(field_error("diseases_not_allowed", f"{prefix}.diseases", "Diseases apply only to the DS "
                                  "permission.", "질병은 DS 허가에만 지정할 수 있습니다.",
                                  "Set permission to DS or remove the diseases."))
    needs = [(duo.GS, "countries", du.countries, "list the allowed countries", "허용 국가를 지정"),
             (duo.IS, "institutions", du.institutions, "list the allowed institutions", "허용 기관을 지정"),
             (duo.TS, "time_limit_days", du.time_limit_days, "give the limit in days", "기간(일)을 지정"),
             (duo.MOR, "moratorium_until", du.moratorium_until, "give the moratorium's end date", "유예 종료일을 지정")]
    for term, name, value, en, ko in needs:
        if term in du.modifiers and not value:
            errors.append(field_error("required", f"{prefix}.{name}", f"The modifier {onto.duo_code(term)} needs "
                                      f"{name}.", f"{onto.duo_code(term)} 조건에는 {name} 값이 필요합니다.",
                                      f"{en.capitalize()}."))
    return errors


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Literal["open", "embargoed", "controlled", "private"]
    embargo_until: date | None = Field(None, description="embargoed: the date the data open (at most 3 years)")
    embargo_until_publication: bool = Field(False, description="embargoed: open when a publication is linked "
                                                                "(at most 3 years)")
    data_use: DataUse | None = Field(None, description="controlled: the data-use conditions")
    committee: int | None = Field(None, description="controlled: id of the data access committee")
    emergency_opt_in: bool = Field(False, description="controlled: may open to researchers in a declared emergency")
    reason: str | None = Field(None, max_length=2000, description="Why (required for an operator restricting "
                                                                   "published data)")


class EmbargoExtension(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: date
    reason: str = Field(min_length=20, max_length=4000)


class PublicationLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doi: str = Field(pattern=r"^10\.\d{4,9}/\S+$", description="e.g. 10.1234/abcd")

    @field_validator("doi", mode="before")
    @classmethod
    def _strip(cls, v: Any) -> Any:
        return v.removeprefix("https://doi.org/") if isinstance(v, str) else v


class ColleagueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str


class ReviewerLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=300, description="e.g. the journal and manuscript number")
    days: int = Field(90, ge=1, le=365, description="Days until the link expires")


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    role: Literal["chair", "member"] = "member"


class CommitteeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=3, max_length=300)
    description: str = Field("", max_length=4000)
    quorum: int = Field(1, ge=1, le=50, description="Matching votes needed to approve or reject")
    members: list[MemberIn] = Field(min_length=1)


class CommitteePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = Field(None, max_length=4000)
    quorum: int | None = Field(None, ge=1, le=50)
    add: list[MemberIn] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


class Purpose(BaseModel):
    """What the requester will do, as DUO terms plus facts the modifiers ask about."""

    model_config = ConfigDict(extra="forbid")
    use: str = Field(description="DUO permission the purpose falls under: GRU, HMB, DS, POA")
    diseases: list[str] = Field(default_factory=list, description="With DS: the diseases studied (MONDO/DOID)")
    commercial: bool = False
    for_profit_organisation: bool = False
    genetic_study: bool = False
    methods_development: bool = False
    clinical_care: bool = False
    country: str | None = Field(None, description="ISO 3166 alpha-2 code of where the data will be used")
    accepts: list[str] = Field(default_factory=list, description="Obligations accepted: PUB, COL, RTN, MOR")

    @field_validator("use")
    @classmethod
    def _use(cls, v: str) -> str:
        return _duo(v, "permission")

    @field_validator("diseases")
    @classmethod
    def _diseases(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(_disease(d) for d in v))

    @field_validator("accepts")
    @classmethod
    def _accepts(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(_duo(m, "modifier") for m in v))


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: str = Field(description="Accession of the controlled dataset, e.g. BSD000001X")
    purpose: Purpose
    purpose_text: str = Field(min_length=30, max_length=20_000, description="The research question and plan")
    institution: str = Field(min_length=2, max_length=300)
    project_title: str = Field(min_length=3, max_length=2000)
    project_reference: str = Field("", max_length=100, description="Grant or project number")
    requested_days: int | None = Field(None, ge=1, le=3650)
    submit: bool = Field(False, description="Submit at once (otherwise it stays a draft, e.g. to attach ethics)")


class RequestPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Purpose | None = None
    purpose_text: str | None = Field(None, min_length=30, max_length=20_000)
    institution: str | None = Field(None, min_length=2, max_length=300)
    project_title: str | None = Field(None, min_length=3, max_length=2000)
    project_reference: str | None = Field(None, max_length=100)
    requested_days: int | None = Field(None, ge=1, le=3650)


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data_use: DataUse
    purpose: Purpose
    institution: str = ""
    ethics_attached: bool = False
    requested_days: int | None = None


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vote: Literal["approve", "reject"]
    comment: str = Field("", max_length=4000, description="Required when rejecting: the reason")
    expires_on: date | None = Field(None, description="Approve: grant end (default one year)")


class ChangesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=10, max_length=4000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=5, max_length=4000)


class EmergencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=3, max_length=300)
    description: str = Field("", max_length=10_000)
    taxa: list[int] = Field(min_length=1, description="NCBI taxon ids; descendants are included")
    starts_at: datetime | None = Field(None, description="Default: now")
    ends_at: datetime

    @field_validator("taxa")
    @classmethod
    def _taxa(cls, v: list[int]) -> list[int]:
        for t in v:
            if t <= 0 or not onto.taxon_known(t):
                raise invalid("unknown_taxon", f"{t} is not a taxon in the station's taxonomy.",
                              f"{t}은(는) 스테이션 분류체계에 없는 분류군입니다.",
                              "Use an NCBI taxon id, e.g. 11118 (Coronaviridae) or 2697049 (SARS-CoV-2).")
        return list(dict.fromkeys(v))


class QuotaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bytes: int = Field(ge=0)


# responses ----------------------------------------------------------------------------------------------------
class AccessOut(BaseModel):
    dataset: str
    level: str
    effective_level: str
    embargo_until: datetime | None = None
    embargo_until_publication: bool = False
    embargo_extended: bool = False
    data_use: dict | None = None
    committee: int | None = None
    emergency_opt_in: bool = False
    emergency: int | None = Field(None, description="Emergency currently opening this dataset to the caller")
    permissions: dict[str, bool]


class ReviewerLinkOut(BaseModel):
    id: int
    dataset: str
    label: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    token: str | None = Field(None, description="Shown once, when the link is created")
    url: str | None = None


class MemberOut(BaseModel):
    username: str
    role: str


class CommitteeOut(BaseModel):
    id: int
    name: str
    description: str
    quorum: int
    members: list[MemberOut]


class RequestOut(BaseModel):
    id: int
    dataset: str
    requester: str
    state: str
    purpose: dict
    purpose_text: str
    institution: str
    project_title: str
    project_reference: str
    requested_days: int | None
    renews_grant: int | None
    ethics_attached: bool
    ethics_filename: str | None
    match: dict
    round: int
    votes: list[dict] = Field(default_factory=list)
    changes_message: str | None
    decision_reason: str | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    waiting_days: float | None = None
    overdue: bool = False


class GrantOut(BaseModel):
    id: int
    dataset: str
    user: str
    request: int | None
    granted_at: datetime
    expires_at: datetime
    state: str  # active | expired | revoked
    revoked_at: datetime | None
    revoke_reason: str | None
    deletion_confirmation_required: bool
    deletion_confirmed_at: datetime | None


class EmergencyOut(BaseModel):
    id: int
    title: str
    description: str
    taxa: list[dict]
    starts_at: datetime
    ends_at: datetime
    active: bool
    declared_at: datetime
    end_reason: str | None


class NotificationOut(BaseModel):
    id: int
    kind: str
    subject_en: str
    subject_ko: str
    data: dict
    created_at: datetime
    read_at: datetime | None


class AccessEventOut(BaseModel):
    id: int
    at: datetime
    who: str
    action: str
    details: dict


class QuotaOut(BaseModel):
    user: str
    quota_bytes: int
    used_bytes: int
    available_bytes: int


class Page(BaseModel):
    items: list[Any]
    next_cursor: str | None = None
