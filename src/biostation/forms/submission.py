"""Check a sample sheet the same way everywhere: the CLI, the API's dry run and a real submission.

``check_sheet`` picks the form (given, or named in the file: the template's form and version, or the INSDC
BioSample package), refuses a deprecated version as an error in the report (so the depositor sees it with
every other problem), and validates the records in one streaming pass.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Callable

from ..errors import StationError
from .model import Form
from .readers import SheetInfo, UnreadableFile, read_records, sniff
from .registry import FormRegistry
from .validate import ERROR, Issue, RecordSink, Report, validate_records


class FormNotChosen(StationError):
    """No form could be chosen for a sheet (a usage error: exit 2 in the CLI, 422 in the API)."""

    def __init__(self, code: str, en: str, ko: str, hint: str):
        super().__init__(code, en, ko, 422, hint)


def choose_form(registry: FormRegistry, info: SheetInfo, form_id: str | None = None,
                version: str | None = None) -> Form:
    """The form a sheet is checked against: the one asked for, else the one the file names."""
    if form_id:
        if version is None and info.form_id == form_id:
            version = info.form_version
        return _get(registry, form_id, version)
    if info.form_id:
        return _get(registry, info.form_id, version or info.form_version)
    if info.package:
        form = registry.for_package(info.package)
        if form is None:
            raise FormNotChosen("form_unknown_package", f"the file names BioSample package '{info.package}', "
                                "which has no form here", f"파일의 BioSample 패키지 '{info.package}'에 맞는 양식이 없습니다",
                                "Give --form FORM (see `biostation forms list`).")
        return form if version is None else _get(registry, form.id, version)
    raise FormNotChosen("form_required", "no form given and none named in the file",
                        "양식이 지정되지 않았고 파일에도 없습니다",
                        "Give --form FORM, e.g. --form infectious_disease.genome_omics (see `biostation forms list`).")


def _get(registry: FormRegistry, form_id: str, version: str | None) -> Form:
    if form_id not in registry:
        known = [f.id for f in registry.list(include_deprecated=True)]
        close = difflib.get_close_matches(form_id, known, n=3, cutoff=0.5)
        raise FormNotChosen("form_unknown", f"unknown form {form_id}", f"양식 {form_id}을(를) 찾을 수 없습니다",
                            (f"did you mean {', '.join(close)}? " if close else "")
                            + "List forms with `biostation forms list`.")
    if version is not None and not registry.has(form_id, version):
        have = ", ".join(f.version for f in registry.versions(form_id))
        raise FormNotChosen("form_version_unknown", f"form {form_id} has no version {version}",
                            f"양식 {form_id}에 버전 {version}이(가) 없습니다", f"Versions: {have}.")
    return registry.get(form_id, version)


def deprecated_issue(registry: FormRegistry, form: Form) -> Issue | None:
    """An error when the chosen version is deprecated: new samples may not use it."""
    if form.status != "deprecated":
        return None
    current = registry.get(form.id)
    better = (f"Download the template of version {current.version} (`biostation forms template {form.id}`) and "
              "copy your rows into it." if current.status == "active"
              else "Every version of this form is deprecated; choose another form (`biostation forms list`).")
    return Issue("form_version_deprecated", ERROR, "header", "form", form.key,
                 f"Form {form.key} is deprecated; new samples cannot be registered with it.",
                 f"양식 {form.key}은(는) 폐기되어 새 시료 등록에 쓸 수 없습니다.", better)


def check_sheet(registry: FormRegistry, path: str | Path, *, form_id: str | None = None,
                version: str | None = None, fmt: str | None = None, source: str | None = None,
                sink_for: Callable[[Form], RecordSink] | None = None) -> tuple[Form, Report]:
    """Choose the form and validate the sheet: (form, report). Raises FormNotChosen or UnreadableFile.

    ``sink_for(form)`` may return a callback that receives each record as it is validated (see
    ``validate_records``), e.g. to store the records in the same pass."""
    source = source or Path(path).name
    try:
        info = sniff(path)
        form = choose_form(registry, info, form_id, version)
        report = validate_records(form, read_records(path, fmt or info.format), source=source,
                                  on_record=sink_for(form) if sink_for is not None else None)
    except UnreadableFile as exc:
        raise exc.named(source) from None
    issue = deprecated_issue(registry, form)
    if issue is not None:
        report.errors.insert(0, issue)
    return form, report


def report_json(report: Report) -> dict[str, Any]:
    """The JSON both the CLI (`samples validate --json`) and the API dry run print."""
    return report.as_dict()
