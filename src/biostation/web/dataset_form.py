"""The step-by-step dataset form: posted fields -> the core's dataset payload plus the registration form's
fields, checked by both the core schema and the forms engineer's form definition, errors keyed by input name.

Checking needs no database, so the same function serves the as-you-type check (htmx) and the final submit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..datasets.schemas import DatasetIn
from ..errors import FieldError, NotFound, StationError, ValidationFailed, field_error
from ..validation import parse

# Registration-form fields that the core's own inputs already carry: form field id -> input name.
CORE_INPUTS = {"title": "title_en", "title_ko": "title_ko", "description": "description_en",
               "keywords": "keywords", "research_field": "research_field", "data_type": "data_types",
               "license": "licence"}
TEXT_INPUTS = ("project", "research_field", "title_en", "title_ko", "description_en", "description_ko",
               "organism", "keywords", "licence", "contributor_name", "contributor_orcid")


@dataclass
class Checked:
    values: dict[str, Any]                       # what the user typed, to fill the inputs again
    payload: dict[str, Any]                      # the core's DatasetIn document
    errors: list[FieldError] = field(default_factory=list)
    form: Any = None                             # the registration form in force (forms domain), if any

    def by_input(self) -> dict[str, list[FieldError]]:
        out: dict[str, list[FieldError]] = {}
        for err in self.errors:
            name = input_name(err.field)
            if all(e.message_en != err.message_en for e in out.get(name, [])):
                out.setdefault(name, []).append(err)
        return out


def input_name(path: str) -> str:
    """A service's error path -> the input it belongs to."""
    if path.startswith("organisms"):
        return "organism"
    if path.startswith("contributors"):
        return "contributor_" + path.rsplit(".", 1)[-1] if "." in path else "contributor_name"
    if path.startswith("extra."):
        return path
    return path


def registration_form(research_field: str, data_type: str) -> Any:
    """The current form for a research field and data type, or None (field left unpicked, or no form)."""
    if not research_field or not data_type:
        return None
    try:
        from ..forms import default_registry
        return default_registry().for_field_and_type(research_field, data_type)
    except (ImportError, NotFound):
        return None


def extra_fields(form: Any) -> list[Any]:
    if form is None or form.dataset is None:
        return []
    return [f for f in form.dataset.fields if f.id not in CORE_INPUTS]


def check(posted: Any, lang: str = "ko") -> Checked:
    values: dict[str, Any] = {name: str(posted.get(name) or "").strip() for name in TEXT_INPUTS}
    values["data_types"] = [str(v) for v in posted.getlist("data_types") if v]
    errors: list[FieldError] = []
    payload: dict[str, Any] = {k: values[k] for k in ("project", "title_en", "title_ko", "description_en",
                                                       "description_ko", "research_field")}
    payload["data_types"] = values["data_types"]
    payload["licence"] = values["licence"] or "CC-BY-4.0"
    payload["keywords"] = [k.strip() for k in values["keywords"].replace(";", ",").split(",") if k.strip()]
    if values["organism"]:
        from ..forms import vocabularies
        term = vocabularies.taxon(values["organism"])
        if term is None:
            errors.append(field_error("unknown_organism", "organism",
                                      f"'{values['organism']}' is not in the NCBI taxonomy the station knows.",
                                      f"'{values['organism']}'은(는) 스테이션이 아는 NCBI 분류에 없습니다.",
                                      "Type part of the scientific name and pick it from the list, "
                                      "or give the NCBI taxid (e.g. 4530).", values["organism"]))
        else:
            payload["organisms"] = [{"taxon_id": int(term.id), "name": term.label_en}]
    if values["contributor_name"] or values["contributor_orcid"]:
        payload["contributors"] = [{"name": values["contributor_name"],
                                    "orcid": values["contributor_orcid"] or None}]
    if not values["project"]:
        errors.append(field_error("required", "project", "Choose the R&D project this dataset belongs to.",
                                  "이 데이터셋이 속한 연구개발 과제를 선택하세요.",
                                  "Register the project first if it is not in the list."))
    try:
        parse(DatasetIn, payload)
    except ValidationFailed as exc:
        errors.extend(e for e in exc.errors if not (e.field == "project" and not values["project"]))
    form = registration_form(values["research_field"], values["data_types"][0] if values["data_types"] else "")
    extra: dict[str, str] = {}
    if form is not None:
        for f in extra_fields(form):
            raw = str(posted.get(f"extra.{f.id}") or "").strip()
            values[f"extra.{f.id}"] = raw
            if raw:
                extra[f.id] = raw
        errors.extend(_form_errors(form, values, extra))
        payload["extra"] = {"form": form.key, **extra}
    return Checked(values=values, payload=payload, errors=errors, form=form)


def _form_errors(form: Any, values: dict[str, Any], extra: dict[str, str]) -> list[FieldError]:
    """Run the registration form's own rules; the core already checks the fields it carries."""
    from ..forms import validate_record
    record = {"title": values["title_en"] or values["title_ko"], "title_ko": values["title_ko"],
              "description": values["description_en"] or values["description_ko"],
              "keywords": values["keywords"], "research_field": values["research_field"],
              "data_type": values["data_types"][0] if values["data_types"] else "",
              "license": values["licence"] or "CC-BY-4.0", **extra}
    report = validate_record(form, {k: v for k, v in record.items() if v}, section="dataset")
    out = []
    for issue in report.errors:
        if issue.field in CORE_INPUTS:
            continue  # the core schema reports these in its own words
        out.append(FieldError(issue.code, f"extra.{issue.field}", issue.message_en, issue.message_ko, issue.hint))
    return out


def only_touched(errors: list[FieldError], touched: set[str]) -> list[FieldError]:
    return [e for e in errors if input_name(e.field) in touched]


def as_failure(checked: Checked) -> StationError:
    return ValidationFailed(checked.errors, "The dataset form has errors.", "데이터셋 양식에 오류가 있습니다.")
