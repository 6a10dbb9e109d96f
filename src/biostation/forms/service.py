"""The forms service: the station's form registry (packaged forms + versions stored in the database), curation
(add a version, deprecate one), templates, and the metadata completeness of datasets.

Samples live in ``samples.py`` (``station.forms.samples``). The registry is built once per station and rebuilt
only when the ``form_versions`` table changes (a cheap count checked on each use), so several API processes
see a curator's change without a restart.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit.service import record
from ..clock import now
from ..db import UnitOfWork
from ..errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from ..identity import SYSTEM, Identity
from ..pagination import decode_cursor, encode_cursor
from ..policy import require
from . import policy
from .model import Form, parse_document, version_key
from .models import FormVersion
from .registry import FormRegistry, default_registry
from .score import Score, Scorer
from .validate import validate_records

log = logging.getLogger("biostation.forms")

# Dataset-form fields the station fills from the dataset itself, its R&D project and its owner; the rest of
# a dataset form's fields are written into the version's ``extra``.
FROM_DATASET = ("title", "title_ko", "description", "keywords", "research_field", "data_type", "license",
                "access_level", "publication_doi")
DEFAULTED = ("ministry", "grant_number", "contact_email")  # from the project / owner unless ``extra`` says otherwise
MISSING_CODES = ("mandatory_missing", "group_missing", "conditional_required")


class FormService:
    def __init__(self, station: Any):
        self.station = station
        self._lock = threading.Lock()
        self._registry: FormRegistry | None = None
        self._signature: tuple | None = None
        self._parsed: dict[tuple[str, str, str], Form] = {}

    @cached_property
    def samples(self) -> Any:
        from .samples import SampleService
        return SampleService(self.station, self)

    # registry -----------------------------------------------------------------------------------------------
    def registry(self, uow: UnitOfWork | None = None) -> FormRegistry:
        """Packaged forms plus stored versions. With a unit of work, the table is checked for changes made
        elsewhere (another process) and the registry rebuilt if it changed."""
        if uow is None:
            if self._registry is not None and self._signature is not None:
                return self._registry
            with self.station.uow() as fresh:
                return self.registry(fresh)
        # rows are never deleted and deprecation is one-way, so these counts change with every change
        sig = tuple(uow.session.execute(select(func.count(FormVersion.id), func.count(FormVersion.deprecated_at),
                                               func.max(FormVersion.id))).one())
        if self._registry is not None and sig == self._signature:
            return self._registry
        with self._lock:
            rows = uow.session.scalars(select(FormVersion).order_by(FormVersion.id)).all()
            reg = default_registry().copy()
            for row in rows:
                self._load_row(reg, row)
            self._registry, self._signature = reg, sig
        return reg

    def _load_row(self, reg: FormRegistry, row: FormVersion) -> None:
        key = (row.form_id, row.version, row.digest)
        form = self._parsed.get(key)
        if form is None:
            form = parse_document(row.document)
            if form.digest != row.digest:
                log.error("form %s: the stored document does not match its digest (edited in the database?)", form.key)
            self._parsed[key] = form
        try:
            reg.add_form(form)
        except Conflict:
            # a later release shipped this version with other content: the stored one validated records
            log.error("form %s: packaged content differs from the stored version; the stored one is used", form.key)
            reg._put(form)
        if row.status == "deprecated":
            reg.deprecate(row.form_id, row.version)

    def invalidate(self) -> None:
        self._signature = None

    # reading ------------------------------------------------------------------------------------------------
    def list(self, uow: UnitOfWork, identity: Identity, *, research_field: str | None = None,
             data_type: str | None = None, include_deprecated: bool = False, cursor: str | None = None,
             limit: int | None = None) -> tuple[list[Form], str | None]:
        """Current version of each form, by id; keyset pages (the cursor names the last form id)."""
        require(self.station, identity, policy.can_read_forms(identity), "list", "form", "*")
        limit = limit or self.station.config.page_size_default
        if limit < 1 or limit > self.station.config.page_size_max:
            raise ValidationFailed([field_error("invalid_limit", "limit",
                                                f"limit must be between 1 and {self.station.config.page_size_max}.",
                                                f"limit은 1에서 {self.station.config.page_size_max} 사이여야 합니다.",
                                                "Use a smaller page.", limit)])
        after = decode_cursor(cursor) if cursor else None
        items = []
        for form in self.registry(uow).list(include_deprecated=include_deprecated):
            if after is not None and form.id <= after:
                continue
            if research_field and form.research_field != research_field:
                continue
            if data_type and form.data_type != data_type:
                continue
            items.append(form)
            if len(items) > limit:
                break
        more = len(items) > limit
        items = items[:limit]
        return items, encode_cursor(items[-1].id) if more else None

    def get(self, uow: UnitOfWork, identity: Identity, form_id: str, version: str | None = None) -> Form:
        require(self.station, identity, policy.can_read_forms(identity), "read", "form", form_id)
        return self.registry(uow).get(form_id, version)

    def versions(self, uow: UnitOfWork, form_id: str) -> list[dict[str, Any]]:
        """Every version of a form: status, digest, and who added or deprecated it when it is stored here."""
        rows = {r.version: r for r in uow.session.scalars(select(FormVersion).where(FormVersion.form_id == form_id))}
        out = []
        for f in self.registry(uow).versions(form_id):
            row = rows.get(f.version)
            item = {"version": f.version, "status": f.status, "digest": f.digest,
                    "source": row.source if row is not None else "packaged"}
            if row is not None:
                item["created_at"] = row.created_at.isoformat()
                if row.deprecated_at is not None:
                    item["deprecated_at"] = row.deprecated_at.isoformat()
            out.append(item)
        return out

    def out(self, uow: UnitOfWork, form: Form, *, full: bool = False) -> dict[str, Any]:
        data = form.summary()
        if full:
            data["document"] = form.document
            data["versions"] = self.versions(uow, form.id)
        return data

    # curation -----------------------------------------------------------------------------------------------
    def add_version(self, uow: UnitOfWork, identity: Identity, document: dict[str, Any]) -> tuple[Form, bool]:
        """Add a curator's version: (form, created). The same content again is accepted and changes nothing;
        other content under an existing version is refused (409 form_version_exists)."""
        target = f"{document.get('id')}@{document.get('version')}" if isinstance(document, dict) else "?"
        require(self.station, identity, policy.can_curate(identity), "add a version of", "form", target)
        reg = self.registry(uow)
        form = reg.copy().add_version(document)
        if reg.has(form.id, form.version):
            return reg.get(form.id, form.version), False
        if form.status != "active":
            raise ValidationFailed([field_error("form_status_invalid", "status", "A new version must be active.",
                                                "새 버전은 active 상태여야 합니다.",
                                                "Leave 'status' out; deprecate with POST /api/forms/{id}/{version}/deprecate.",
                                                form.status)])
        uow.session.add(FormVersion(form_id=form.id, version=form.version, digest=form.digest, status=form.status,
                                    source="curator", document=form.document, created_by=identity.user_id,
                                    created_at=now()))
        self._flush_unique(uow, form)
        details: dict[str, Any] = {"digest": form.digest, "sample_fields": len(form.sample.fields)}
        if isinstance(document, dict) and isinstance(document.get("extends"), dict):
            details["extends"] = document["extends"]
        record(uow, identity, "form.add_version", "form", form.key, details)
        uow.after_commit(self.invalidate)
        return form, True

    def deprecate(self, uow: UnitOfWork, identity: Identity, form_id: str, version: str) -> Form:
        """Deprecate a version: records keep it; new samples cannot choose it. Deprecating twice changes nothing."""
        require(self.station, identity, policy.can_curate(identity), "deprecate", "form", f"{form_id}@{version}")
        form = self.registry(uow).get(form_id, version)
        if form.status == "deprecated":
            return form
        at = now()
        row = uow.session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                            FormVersion.version == version))
        if row is None:  # a packaged version: remember the deprecation (and the document it applies to)
            uow.session.add(FormVersion(form_id=form.id, version=form.version, digest=form.digest, status="deprecated",
                                        source="packaged", document=form.document, created_by=identity.user_id,
                                        created_at=at, deprecated_by=identity.user_id, deprecated_at=at))
            self._flush_unique(uow, form)
        else:
            row.status, row.deprecated_by, row.deprecated_at = "deprecated", identity.user_id, at
        record(uow, identity, "form.deprecate", "form", form.key, {"digest": form.digest})
        uow.after_commit(self.invalidate)
        return replace(form, status="deprecated", document={**form.document, "status": "deprecated"})

    @staticmethod
    def _flush_unique(uow: UnitOfWork, form: Form) -> None:
        try:
            uow.session.flush()
        except IntegrityError:
            raise Conflict("form_version_exists", f"Form {form.key} was just stored by someone else.",
                           f"양식 {form.key}이(가) 방금 다른 사용자에 의해 저장되었습니다.",
                           "Read it with GET /api/forms/{id}?version=...; give your content a higher version.") from None

    def template(self, uow: UnitOfWork, identity: Identity, form_id: str, version: str | None, fmt: str,
                 path: str | Path) -> Form:
        """Write the sample-sheet template of a form (not of a deprecated version) to ``path``."""
        from .templates import write_template

        if fmt not in ("xlsx", "tsv"):
            raise ValidationFailed([field_error("invalid_choice", "format", f"Unknown template format '{fmt}'.",
                                                f"알 수 없는 서식 형식 '{fmt}'입니다.", "Use format=xlsx or format=tsv.", fmt)])
        form = self.get(uow, identity, form_id, version)
        if form.status == "deprecated":
            current = self.registry(uow).get(form_id)
            raise Conflict("form_version_deprecated", f"Form {form.key} is deprecated.", f"양식 {form.key}은(는) 폐기되었습니다.",
                           f"Download the template of version {current.version}." if current.status == "active"
                           else "Choose another form.")
        write_template(form, path, fmt)
        return form

    # datasets -----------------------------------------------------------------------------------------------
    def dataset_form(self, research_field: str, data_types: list[str], uow: UnitOfWork | None = None) -> Form | None:
        """The current form for a dataset's research field and first data type (None when there is none)."""
        if not research_field or not data_types:
            return None
        try:
            form = self.registry(uow).for_field_and_type(research_field, data_types[0])
        except NotFound:
            return None
        return form if form.dataset is not None else None

    def dataset_record(self, uow: UnitOfWork, dataset: Any, version: Any) -> dict[str, str]:
        """A dataset version as a record of its form's dataset section (core fields, project, owner, extra)."""
        out = self.station.datasets.out(uow, dataset, version)
        project = self.station.projects.get(uow, SYSTEM, out.project)
        rec: dict[str, str] = {"ministry": project.ministry, "grant_number": project.project_number}
        try:
            rec["contact_email"] = self.station.accounts.get_user(uow, out.owner).email
        except NotFound:
            pass
        for key, value in (out.extra or {}).items():
            text = _text(value)
            if text:
                rec[str(key)] = text
        doi = next((p.get("doi") for p in out.publications if p.get("doi")), None)
        core = {"title": out.title_en or out.title_ko, "title_ko": out.title_ko,
                "description": out.description_en or out.description_ko, "keywords": "; ".join(out.keywords),
                "research_field": out.research_field, "data_type": out.data_types[0] if out.data_types else "",
                "license": out.licence, "access_level": out.access_level, "publication_doi": doi or ""}
        for key, value in core.items():
            if value:
                rec[key] = value
            elif key in rec and key in FROM_DATASET:
                del rec[key]  # the dataset's own (empty) field is what counts, not a copy in extra
        return rec

    def dataset_score(self, uow: UnitOfWork, dataset: Any, version: Any) -> tuple[Form | None, Score | None]:
        form = self.dataset_form(version.research_field, list(version.data_types or []), uow)
        if form is None:
            return None, None
        record_ = self.dataset_record(uow, dataset, version)
        report = validate_records(form, [record_], source="dataset", section="dataset")
        return form, Scorer(form, "dataset").score(record_, report.errors, report.warnings)

    def dataset_completeness(self, uow: UnitOfWork, dataset: Any, version: Any) -> float:
        """Metadata completeness 0-100 of a dataset version (models.Dataset, models.DatasetVersion) against the
        current form of its research field and first data type; no permission check (the caller has read it)."""
        _form, score = self.dataset_score(uow, dataset, version)
        return float(score.score) if score is not None else 0.0

    def dataset_completeness_report(self, uow: UnitOfWork, identity: Identity, accession: str,
                                    version: int | None = None) -> dict[str, Any]:
        """The score and the rules behind it, for a dataset version the caller may read (404 otherwise)."""
        dataset, ver = self.station.datasets.get(uow, identity, accession, version)
        form, score = self.dataset_score(uow, dataset, ver)
        acc = self.station.datasets.accession(dataset)
        if score is None:
            return {"dataset": acc, "version": ver.number, "form": None, "form_version": None, "score": 0, "rules": []}
        return {"dataset": acc, "version": ver.number, "form": form.id, "form_version": form.version,
                **score.as_dict()}

    def validate_dataset_extra(self, research_field: str, data_types: list[str], extra: dict,
                               *, submit: bool = False) -> list[FieldError]:
        """Errors in a dataset version's form fields (``extra``), each with field ``extra.<field id>``.

        Malformed values are always returned (refuse them on create/update); missing mandatory fields only with
        ``submit=True`` (a draft may be incomplete, a submission may not). Warnings are never returned. Fields the
        station fills from the dataset itself (title, licence, ...) or its project and owner are not required here.
        """
        return validate_dataset_extra(research_field, data_types, extra, submit=submit, registry=self.registry())


def validate_dataset_extra(research_field: str, data_types: list[str], extra: dict, *, submit: bool = False,
                           registry: FormRegistry | None = None) -> list[FieldError]:
    """See ``FormService.validate_dataset_extra``; without a registry, the packaged forms are used."""
    reg = registry or default_registry()
    if not research_field or not data_types:
        return []
    try:
        form = reg.for_field_and_type(research_field, data_types[0])
    except NotFound:
        return []
    if form.dataset is None:
        return []
    rec = {str(k): _text(v) for k, v in (extra or {}).items()}
    report = validate_records(form, [rec], source="extra", section="dataset")
    covered = set(FROM_DATASET) | set(DEFAULTED)
    out = []
    for issue in report.errors:
        if issue.code in MISSING_CODES:
            if not submit or set(issue.field.split(",")) <= covered:
                continue
        out.append(FieldError(issue.code, f"extra.{issue.field}", issue.message_en, issue.message_ko, issue.hint,
                              issue.value))
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v) for v in value if _text(v))
    return str(value).strip()


__all__ = ["FormService", "validate_dataset_extra", "version_key"]
