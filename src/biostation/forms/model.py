"""The form model: a versioned, immutable definition of fields, checked when it is loaded or added.

A form document (plain dict, as stored in YAML/JSON or a database row) is validated twice: its shape by
pydantic (so a curator's typo names the exact path), then its meaning (vocabularies exist, patterns compile,
groups and conditions name real fields, examples pass the form's own rules).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field as PField, ValidationError, field_validator

from ..errors import FieldError, ValidationFailed, field_error
from . import vocabularies

REQUIREMENTS = ("mandatory", "recommended", "optional")
TYPES = ("string", "text", "integer", "decimal", "quantity", "date", "lat_lon", "country", "term", "taxon", "boolean",
         "uri", "email", "doi", "smiles", "reaction_smiles", "rinchi", "inchikey", "sequence")
SECTIONS = ("sample", "dataset")
_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
_VERSION = r"^\d+\.\d+\.\d+$"


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: str = PField(min_length=1)
    ko: str = PField(min_length=1)


class CondDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    in_: list[str] = PField(alias="in", min_length=1)


class FieldDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str = PField(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    help: Text
    requirement: Literal["mandatory", "recommended", "optional"] = "optional"
    type: Literal[TYPES] = "string"  # type: ignore[valid-type]
    unit: str | None = None
    units: list[str] = []
    pattern: str | None = None
    vocabulary: str | None = None
    within: list[str | int] = []
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    multiple: bool = False
    missing_values: bool = True
    identifier: bool = False
    unique: bool = False
    allow_range: bool = False
    allow_future: bool = False
    required_if: CondDoc | None = None
    aliases: list[str] = []
    example: str | None = None
    standard: str | None = None

    @field_validator("example", mode="before")
    @classmethod
    def _example_text(cls, v: Any) -> Any:
        return None if v is None else str(v)


class GroupDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = PField(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    fields: list[str] = PField(min_length=2)
    requirement: Literal["mandatory", "recommended"] = "mandatory"


class SectionDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: list[FieldDoc] = PField(min_length=1)
    groups: list[GroupDoc] = []


class StandardDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    url: str | None = None


class FormDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = PField(pattern=_ID, max_length=100)
    version: str = PField(pattern=_VERSION)
    status: Literal["active", "deprecated"] = "active"
    title: Text
    description: Text | None = None
    research_field: str | None = None
    data_type: str | None = None
    package: str | None = None
    package_display_name: str | None = None
    standards: list[str] = []
    sections: dict[Literal["sample", "dataset"], SectionDoc]
    identity_exclude: list[str] = ["sample_name", "sample_title", "description"]


@dataclass(frozen=True)
class Field:
    id: str
    label_en: str
    label_ko: str
    help_en: str
    help_ko: str
    requirement: str
    type: str
    unit: str | None = None
    units: tuple[str, ...] = ()
    pattern: str | None = None
    vocabulary: str | None = None
    within: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    multiple: bool = False
    missing_values: bool = True
    identifier: bool = False
    unique: bool = False
    allow_range: bool = False
    allow_future: bool = False
    required_if: tuple[str, tuple[str, ...]] | None = None
    aliases: tuple[str, ...] = ()
    example: str | None = None
    standard: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Group:
    id: str
    label_en: str
    label_ko: str
    fields: tuple[str, ...]
    requirement: str


@dataclass(frozen=True)
class Section:
    name: str
    fields: tuple[Field, ...]
    groups: tuple[Group, ...] = ()

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.fields]


@dataclass
class Form:
    id: str
    version: str
    status: str
    title_en: str
    title_ko: str
    sections: dict[str, Section]
    document: dict[str, Any] = field(repr=False)
    research_field: str | None = None
    data_type: str | None = None
    package: str | None = None
    package_display_name: str | None = None
    standards: tuple[str, ...] = ()
    identity_exclude: tuple[str, ...] = ()
    digest: str = ""

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def sample(self) -> Section:
        return self.sections["sample"]

    @property
    def dataset(self) -> Section | None:
        return self.sections.get("dataset")

    def summary(self) -> dict[str, Any]:
        s = self.sample
        return {"id": self.id, "version": self.version, "status": self.status, "title_en": self.title_en,
                "title_ko": self.title_ko, "research_field": self.research_field, "data_type": self.data_type,
                "package": self.package, "standards": list(self.standards), "digest": self.digest,
                "sample_fields": len(s.fields),
                "mandatory": [f.id for f in s.fields if f.requirement == "mandatory"]}


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def canonical_digest(doc: dict[str, Any]) -> str:
    """Content hash of a form without its status, so deprecating never looks like a change of content."""
    body = {k: v for k, v in doc.items() if k != "status"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _loc(err: dict[str, Any]) -> str:
    return ".".join(str(p) for p in err.get("loc", ()))


def parse_document(doc: dict[str, Any]) -> Form:
    """Build a Form from a document or raise ValidationFailed listing every problem in it."""
    if not isinstance(doc, dict):
        raise ValidationFailed([field_error("form_document_not_object", "$", "A form document must be an object.",
                                            "양식 문서는 객체(매핑)여야 합니다.", "Send a YAML/JSON mapping with id, version, title, sections.")])
    try:
        model = FormDoc.model_validate(doc)
    except ValidationError as exc:
        raise ValidationFailed([
            field_error("form_document_invalid", _loc(e), f"{_loc(e)}: {e['msg']}",
                        f"{_loc(e)}: 양식 문서 형식이 올바르지 않습니다 ({e['msg']}).",
                        "Compare with `biostation forms show FORM --json` of an existing form.",
                        None if e.get("input") is None or isinstance(e.get("input"), (dict, list)) else str(e["input"]))
            for e in exc.errors()], "The form document is not valid.", "양식 문서가 올바르지 않습니다.") from None
    errors: list[FieldError] = []
    if "sample" not in model.sections:
        errors.append(field_error("form_no_sample_section", "sections.sample", "A form needs a 'sample' section.",
                                  "양식에는 'sample' 구역이 있어야 합니다.", "Add sections.sample.fields."))
    sections: dict[str, Section] = {}
    for name, sec in model.sections.items():
        sections[name] = _build_section(name, sec, errors)
    if errors:
        raise ValidationFailed(errors, "The form document is not valid.", "양식 문서가 올바르지 않습니다.")
    canonical = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    form = Form(id=model.id, version=model.version, status=model.status, title_en=model.title.en, title_ko=model.title.ko,
                sections=sections, document=canonical, research_field=model.research_field, data_type=model.data_type,
                package=model.package, package_display_name=model.package_display_name,
                standards=tuple(model.standards), identity_exclude=tuple(model.identity_exclude),
                digest=canonical_digest(canonical))
    _check_examples(form)
    return form


def _build_section(name: str, sec: SectionDoc, errors: list[FieldError]) -> Section:
    group_of: dict[str, str] = {}
    ids = [f.id for f in sec.fields]
    seen: set[str] = set()
    for i, fid in enumerate(ids):
        if fid in seen:
            errors.append(field_error("form_field_duplicated", f"sections.{name}.fields.{i}.id",
                                      f"Field '{fid}' is defined twice.", f"'{fid}' 항목이 두 번 정의되었습니다.",
                                      "Keep one definition per field id.", fid))
        seen.add(fid)
    groups = []
    for gi, g in enumerate(sec.groups):
        for fid in g.fields:
            if fid not in seen:
                errors.append(field_error("form_group_unknown_field", f"sections.{name}.groups.{gi}.fields",
                                          f"Group '{g.id}' names '{fid}', which is not a field of this section.",
                                          f"그룹 '{g.id}'의 '{fid}'은(는) 이 구역의 항목이 아닙니다.",
                                          "Define the field first or remove it from the group.", fid))
            group_of[fid] = g.id
        groups.append(Group(g.id, g.label.en, g.label.ko, tuple(g.fields), g.requirement))
    fields = []
    for i, f in enumerate(sec.fields):
        path = f"sections.{name}.fields.{i}"
        _check_field(f, path, seen, sec, errors)
        cond = (f.required_if.field, tuple(f.required_if.in_)) if f.required_if else None
        fields.append(Field(
            id=f.id, label_en=f.label.en, label_ko=f.label.ko, help_en=f.help.en, help_ko=f.help.ko,
            requirement=f.requirement, type=f.type, unit=f.unit, units=tuple(f.units), pattern=f.pattern,
            vocabulary=f.vocabulary, within=tuple(str(w) for w in f.within), min=f.min, max=f.max,
            max_length=f.max_length, multiple=f.multiple, missing_values=f.missing_values, identifier=f.identifier,
            unique=f.unique, allow_range=f.allow_range, allow_future=f.allow_future, required_if=cond,
            aliases=tuple(f.aliases), example=f.example, standard=f.standard, group=group_of.get(f.id)))
    return Section(name, tuple(fields), tuple(groups))


def _check_field(f: FieldDoc, path: str, ids: set[str], sec: SectionDoc, errors: list[FieldError]) -> None:
    def bad(code: str, where: str, en: str, ko: str, hint: str, value: Any = None) -> None:
        errors.append(field_error(code, f"{path}.{where}", en, ko, hint, value))

    if f.pattern is not None:
        try:
            re.compile(f.pattern)
        except re.error as exc:
            bad("form_pattern_invalid", "pattern", f"Pattern of '{f.id}' is not a valid regular expression: {exc}.",
                f"'{f.id}'의 패턴이 올바른 정규식이 아닙니다.", "Write a Python/PCRE-compatible regular expression.", f.pattern)
    needs_vocab = f.type in ("term", "taxon", "country")
    if needs_vocab and not f.vocabulary:
        bad("form_vocabulary_missing", "vocabulary", f"Field '{f.id}' of type {f.type} needs a vocabulary.",
            f"'{f.id}' 항목({f.type})에는 어휘 목록이 필요합니다.", f"Known vocabularies: {', '.join(vocabularies.names())}.")
    if f.vocabulary and not vocabularies.exists(f.vocabulary):
        bad("form_vocabulary_unknown", "vocabulary", f"Vocabulary '{f.vocabulary}' does not exist.",
            f"어휘 목록 '{f.vocabulary}'이(가) 없습니다.", f"Known vocabularies: {', '.join(vocabularies.names())}.",
            f.vocabulary)
    if f.within and f.vocabulary and vocabularies.exists(f.vocabulary):
        v = vocabularies.get(f.vocabulary)
        for w in f.within:
            if str(w) not in v.terms:
                bad("form_within_unknown", "within", f"'{w}' is not a term of {f.vocabulary}.",
                    f"'{w}'은(는) {f.vocabulary}의 용어가 아닙니다.", "Use term ids of the field's vocabulary.", str(w))
    uo = vocabularies.get("uo")
    for u in ([f.unit] if f.unit else []) + list(f.units):
        if u not in uo.terms:
            bad("form_unit_unknown", "unit", f"Unit '{u}' is not in the UO subset.", f"단위 '{u}'이(가) UO 목록에 없습니다.",
                "Use a UO id such as UO:0000027 (degree Celsius).", u)
    if f.type == "quantity" and not f.unit:
        bad("form_quantity_unit_missing", "unit", f"Quantity field '{f.id}' needs a unit.",
            f"수량 항목 '{f.id}'에는 단위가 필요합니다.", "Add unit: UO:....")
    if f.required_if:
        target = next((g for g in sec.fields if g.id == f.required_if.field), None)
        if target is None or target.id == f.id:
            bad("form_condition_unknown_field", "required_if.field",
                f"required_if of '{f.id}' names '{f.required_if.field}', which is not another field here.",
                f"'{f.id}'의 required_if가 가리키는 '{f.required_if.field}' 항목이 없습니다.",
                "Point required_if at another field of the same section.", f.required_if.field)
    if f.min is not None and f.max is not None and f.min > f.max:
        bad("form_range_invalid", "min", f"min is greater than max for '{f.id}'.", f"'{f.id}'의 최솟값이 최댓값보다 큽니다.",
            "Swap min and max.")


def _check_examples(form: Form) -> None:
    """An example that fails its own field's rules would teach users the wrong thing: refuse the form."""
    from .validate import check_value  # local import: validate depends on this module

    errors = []
    for name, sec in form.sections.items():
        for i, f in enumerate(sec.fields):
            if f.example is None:
                continue
            for issue in check_value(f, f.example):
                if issue.level == "error":
                    errors.append(field_error("form_example_invalid", f"sections.{name}.fields.{i}.example",
                                              f"The example of '{f.id}' fails its own rule: {issue.message_en}",
                                              f"'{f.id}'의 예시가 자체 규칙을 어깁니다: {issue.message_ko}",
                                              "Fix the example or the rule.", f.example))
    if errors:
        raise ValidationFailed(errors, "The form document is not valid.", "양식 문서가 올바르지 않습니다.")
