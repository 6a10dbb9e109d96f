"""Samples (biosamples, accession BSS...): bulk registration from a sheet, lists and look-ups.

A sheet streams through once: each record is validated, scored and buffered; full batches are checked against
the names already registered in the project and inserted with one executemany (SQLAlchemy Core). As soon as
any error is found nothing more is inserted, and the unit of work rolls back, so a submission is stored
whole or not at all. One audit event per submission names the count and the accession range.
"""
from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from .. import accessions
from ..audit.service import record
from ..clock import now
from ..datasets import policy as dataset_policy
from ..db import UnitOfWork
from ..errors import Conflict, NotFound, ValidationFailed, field_error
from ..identity import Identity
from ..pagination import Page, paginate
from ..policy import require
from . import policy, vocabularies
from .model import Form
from .models import Sample
from .score import Scorer, completeness
from .submission import check_sheet
from .validate import ERROR, Issue, Report

BATCH = 2000
NAME_MAX = 500
NAME_CHUNK = 50


class SheetInvalid(ValidationFailed):
    """A sheet with errors: every issue as a field error that also names its record and level."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__([i.to_field_error() for i in report.errors],
                         f"{len(report.errors)} problem(s) in {report.source}; nothing was registered.",
                         f"{report.source}에 문제가 {len(report.errors)}건 있어 아무것도 등록하지 않았습니다.")

    def problem(self, instance: str = "") -> dict[str, Any]:
        body = super().problem(instance)
        body["errors"] = [_issue_error(i) for i in self.report.errors]
        body["warnings"] = [_issue_error(i) for i in self.report.warnings]
        body["records"] = self.report.records
        return body


def _issue_error(issue: Issue) -> dict[str, Any]:
    out = issue.to_field_error().as_dict()
    out.update(record=issue.record, level=issue.level)
    return out


@dataclass
class Registration:
    form: Form
    report: Report
    project: str
    dataset: str | None
    samples: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        accs = [{"accession": accessions.make("sample", i), "name": n} for i, n in self.samples]
        return {"registered": len(accs), "form": self.form.id, "form_version": self.form.version,
                "project": self.project, "dataset": self.dataset,
                "first": accs[0]["accession"] if accs else None, "last": accs[-1]["accession"] if accs else None,
                "samples": accs, "warnings": [i.as_dict() for i in self.report.warnings]}


class _Writer:
    """Receives each validated record; buffers, checks names against the project, inserts in batches.

    A batch is written on a second thread while the next one is validated (the database drivers release the
    GIL), with at most one batch in flight, so the session is never used by two threads at once.
    """

    def __init__(self, uow: UnitOfWork, form: Form, project_id: int | None, dataset_id: int | None,
                 user_id: int | None, store: bool):
        self.session, self.form, self.store = uow.session, form, store
        self.project_id, self.dataset_id = project_id, dataset_id
        self.scorer = Scorer(form)
        self.base = {"project_id": project_id, "dataset_id": dataset_id, "form_id": form.id,
                     "form_version": form.version, "created_by": user_id, "created_at": now()}
        org = form.sample.field("organism") if "organism" in form.sample.ids else None
        self.taxa = vocabularies.get(org.vocabulary) if org is not None and org.type == "taxon" and org.vocabulary else None
        self.failed = form.status == "deprecated"  # refused anyway: store nothing
        self.rows: list[dict[str, Any]] = []
        self.rids: list[Any] = []
        self.names: set[str] = set()
        self.issues: list[Issue] = []
        self.stored: list[tuple[int, str]] = []
        self.table = Sample.__table__
        self.postgres = uow.session.get_bind().dialect.name == "postgresql"
        # PostgreSQL: ids taken from the sequence, then a plain executemany (the driver's fast path; RETURNING
        # would make SQLAlchemy build one huge multi-VALUES statement that psycopg parses again for every
        # batch). SQLite: RETURNING is cheap there.
        self.stmt = insert(self.table) if self.postgres else \
            insert(self.table).returning(self.table.c.id, self.table.c.name)
        # names need checking against the project only if it has samples already (a new submission racing
        # this one is stopped by the unique index)
        self.check_names = project_id is not None and self.session.scalar(
            select(Sample.id).where(Sample.project_id == project_id).limit(1)) is not None
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future | None = None

    def __call__(self, rid: Any, rec: dict, written: dict, present: dict, extras: Any, errors: list,
                 warnings: list) -> None:
        if errors:
            self.failed = True
        name = (written.get("sample_name") or "").strip()
        if not name:
            if not any(i.field == "sample_name" for i in errors):
                self._issue(rid, "sample_name_missing", "", "The record has no sample_name; a sample needs one.",
                            "레코드에 sample_name이 없습니다. 시료마다 이름이 필요합니다.", "Fill sample_name.")
            return
        if len(name) > NAME_MAX:
            self._issue(rid, "sample_name_too_long", name[:40], f"sample_name has {len(name)} characters; at most "
                        f"{NAME_MAX} are stored.", f"sample_name이 {len(name)}자입니다. 최대 {NAME_MAX}자입니다.",
                        "Shorten the name.")
            return
        if self.project_id is None:
            return  # a dry run without a project: nothing to compare names with
        if name in self.names:
            if not any(i.code.startswith("duplicate_sample_name") for i in errors):  # a form without the rule
                self._issue(rid, "duplicate_sample_name", name, f"'{name}' is used by another record of this sheet.",
                            f"'{name}'은(는) 이 시트의 다른 레코드에서 이미 사용되었습니다.", "Give each sample its own name.")
            return
        self.names.add(name)
        self.rids.append(rid)
        if self.failed:
            self.rows.append({"name": name})  # only the name is still checked
        else:
            attrs = {fid: v.strip() for fid, v in written.items()}
            if extras:
                for key, value in extras:
                    attrs.setdefault(key[7:], value)  # "@extra:Header"
            acc = rec.get("@accession")
            if acc:
                attrs.setdefault("insdc_accession", acc)
            organism = attrs.get("organism")
            taxon_id = None
            if self.taxa is not None:
                tid = present.get("organism")
                if tid and tid.isdigit():
                    taxon_id = int(tid)
                    term = self.taxa.terms.get(tid)
                    organism = term.label_en if term is not None else organism
            self.rows.append({**self.base, "name": name, "title": attrs.get("sample_title") or None,
                              "organism": organism[:NAME_MAX] if organism else None, "taxon_id": taxon_id,
                              "attributes": attrs,
                              "completeness": self.scorer.points(attrs, errors, warnings)})
        if len(self.rows) >= BATCH:
            self.flush()

    def _issue(self, rid: Any, code: str, value: Any, en: str, ko: str, hint: str) -> None:
        self.failed = True
        self.issues.append(Issue(code, ERROR, rid, "sample_name", value, en, ko, hint))

    def flush(self, wait: bool = False) -> None:
        """Hand the buffered rows to the writing thread (after the batch before them is written)."""
        if self.rows:
            rows, rids = self.rows, self.rids
            self.rows, self.rids = [], []
            self._wait()
            if self.pool is None:
                self.pool = ThreadPoolExecutor(1, thread_name_prefix="samples-writer")
            self.pending = self.pool.submit(self._write, rows, rids)
        if wait:
            self._wait()

    def _wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def close(self) -> None:
        """Wait for the batch in flight (also on errors: the unit of work must not roll back under it)."""
        try:
            if self.pending is not None:
                self.pending.exception()
                self._wait()
        finally:
            if self.pool is not None:
                self.pool.shutdown()

    def _write(self, rows: list[dict[str, Any]], rids: list[Any]) -> None:
        if self.check_names:
            names = [r["name"] for r in rows]
            taken: set[str] = set()
            for i in range(0, len(names), NAME_CHUNK):  # small IN lists: always an index probe
                taken.update(self.session.scalars(select(Sample.name).where(
                    Sample.project_id == self.project_id, Sample.name.in_(names[i:i + NAME_CHUNK]))))
            for rid, name in zip(rids, names):
                if name in taken:
                    self._issue(rid, "sample_name_registered", name,
                                f"Sample '{name}' is already registered in this project.",
                                f"시료 '{name}'은(는) 이 과제에 이미 등록되어 있습니다.",
                                "Give the sample another name, or leave out the samples registered before.")
        if not self.store or self.failed:
            return
        conn = self.session.connection()
        try:
            if self.postgres:
                ids = conn.execute(text("SELECT nextval(pg_get_serial_sequence('samples', 'id')) "
                                        "FROM generate_series(1, :n)"), {"n": len(rows)}).scalars().all()
                for row, new_id in zip(rows, ids):
                    row["id"] = new_id
                conn.execute(self.stmt, rows)
                self.stored.extend(zip(ids, (r["name"] for r in rows)))
            else:
                self.stored.extend((i, n) for i, n in conn.execute(self.stmt, rows))
        except IntegrityError:
            raise Conflict("sample_name_conflict", "Some of these sample names were registered in this project "
                           "by another submission a moment ago; nothing was registered.",
                           "다른 제출이 방금 이 과제에 같은 시료 이름을 등록했습니다. 아무것도 등록하지 않았습니다.",
                           "Check the project's samples, then send the sheet again without them.") from None


class SampleService:
    def __init__(self, station: Any, forms: Any):
        self.station = station
        self.forms = forms

    @staticmethod
    def accession(sample: Sample | int) -> str:
        return accessions.make("sample", sample if isinstance(sample, int) else sample.id)

    def _target(self, uow: UnitOfWork, identity: Identity, project: str | None,
                dataset: str | None) -> tuple[Any, Any]:
        """The project (and dataset) samples go into; the caller must be allowed to deposit there."""
        ds = None
        if dataset:
            ds, _ver = self.station.datasets.get(uow, identity, dataset)
            allowed = bool(dataset_policy.can_edit_subject(dataset_policy.subject(uow, identity, ds)))
            require(self.station, identity, allowed, "link samples to", "dataset", dataset)
        if project:
            proj = self.station.projects.get(uow, identity, project)
            if ds is not None and ds.project_id != proj.id:
                raise ValidationFailed([field_error(
                    "dataset_other_project", "dataset", f"Dataset {dataset} belongs to another R&D project.",
                    f"데이터셋 {dataset}은(는) 다른 과제에 속합니다.", "Give the dataset's own project, or leave project out.",
                    dataset)])
        elif ds is not None:
            proj = self.station.projects.get(uow, identity, accessions.make("project", ds.project_id))
        else:
            raise ValidationFailed([field_error(
                "project_required", "project", "Say which R&D project the samples belong to.",
                "시료가 속한 연구과제를 지정하세요.", "Give project=BSP... (or dataset=BSD... to link them to a dataset).")])
        self.station.projects.require_deposit(uow, identity, proj)
        return proj, ds

    def check(self, uow: UnitOfWork, identity: Identity, path: str | Path, *, form: str | None = None,
              version: str | None = None, fmt: str | None = None, source: str | None = None,
              project: str | None = None, dataset: str | None = None) -> tuple[Form, Report]:
        """A dry run: everything a registration checks, nothing stored. Without a project or dataset it is
        exactly `biostation samples validate` (the same JSON); with one, names already registered are errors."""
        require(self.station, identity, identity.user_id is not None or identity.is_system, "check", "sample", "sheet")
        registry = self.forms.registry(uow)
        if not project and not dataset:
            return check_sheet(registry, path, form_id=form, version=version, fmt=fmt, source=source)
        proj, ds = self._target(uow, identity, project, dataset)
        writers: list[_Writer] = []

        def sink_for(chosen: Form) -> _Writer:
            writers.append(_Writer(uow, chosen, proj.id, ds.id if ds else None, identity.user_id, store=False))
            return writers[0]

        return _run(lambda: check_sheet(registry, path, form_id=form, version=version, fmt=fmt, source=source,
                                        sink_for=sink_for), writers)

    def register(self, uow: UnitOfWork, identity: Identity, path: str | Path, *, project: str | None = None,
                 dataset: str | None = None, form: str | None = None, version: str | None = None,
                 fmt: str | None = None, source: str | None = None, sha256: str | None = None) -> Registration:
        """Validate, store and accession every record of a sheet in this unit of work; raises SheetInvalid (and
        stores nothing) when any record has an error."""
        proj, ds = self._target(uow, identity, project, dataset)
        registry = self.forms.registry(uow)
        writers: list[_Writer] = []

        def sink_for(chosen: Form) -> _Writer:
            writers.append(_Writer(uow, chosen, proj.id, ds.id if ds else None, identity.user_id, store=True))
            return writers[0]

        chosen, report = _run(lambda: check_sheet(registry, path, form_id=form, version=version, fmt=fmt,
                                                  source=source, sink_for=sink_for), writers)
        if report.errors:
            raise SheetInvalid(report)
        writer = writers[0]
        project_acc = self.station.projects.accession(proj)
        dataset_acc = self.station.datasets.accession(ds) if ds is not None else None
        ids = [i for i, _ in writer.stored]
        record(uow, identity, "sample.register", "project", project_acc, {
            "count": len(ids), "first": self.accession(min(ids)) if ids else None,
            "last": self.accession(max(ids)) if ids else None, "form": chosen.key, "dataset": dataset_acc,
            "source": source or Path(path).name, "sha256": sha256 or _sha256(path), "warnings": len(report.warnings)})
        return Registration(chosen, report, project_acc, dataset_acc, writer.stored)

    # reading ------------------------------------------------------------------------------------------------
    def list(self, uow: UnitOfWork, identity: Identity, *, project: str | None = None, dataset: str | None = None,
             cursor: str | None = None, limit: int | None = None) -> Page:
        q = select(Sample).where(policy.sample_filter(uow, identity))
        if project:
            q = q.where(Sample.project_id == accessions.parse(project, "project", "project")[1])
        if dataset:
            q = q.where(Sample.dataset_id == accessions.parse(dataset, "dataset", "dataset")[1])
        return paginate(uow.session, q, Sample.id, cursor, limit or self.station.config.page_size_default,
                        self.station.config.page_size_max)

    def get(self, uow: UnitOfWork, identity: Identity, accession: str) -> Sample:
        number = accessions.parse(accession, "sample")[1]
        sample = uow.session.scalar(select(Sample).where(Sample.id == number, policy.sample_filter(uow, identity)))
        require(self.station, identity, sample is not None, "read", "sample", accession, hide=True)
        return sample

    def out(self, sample: Sample, *, score: bool = False, uow: UnitOfWork | None = None) -> dict[str, Any]:
        data = {"accession": self.accession(sample), "name": sample.name, "title": sample.title,
                "organism": sample.organism, "taxon_id": sample.taxon_id,
                "project": accessions.make("project", sample.project_id),
                "dataset": accessions.make("dataset", sample.dataset_id) if sample.dataset_id else None,
                "form": sample.form_id, "form_version": sample.form_version, "attributes": sample.attributes,
                "completeness": sample.completeness, "created_at": sample.created_at.isoformat()}
        if score:
            try:
                form = self.forms.registry(uow).get(sample.form_id, sample.form_version)
            except NotFound:
                data["completeness_rules"] = []
            else:
                data["completeness_rules"] = completeness(form, sample.attributes).as_dict()["rules"]
        return data


def _run(check: Any, writers: list[_Writer]) -> tuple[Form, Report]:
    """Run the check with its writer; the writer's last batch is written (or waited for) before returning."""
    try:
        form, report = check()
        if writers:
            writers[0].flush(wait=True)
    finally:
        if writers:
            writers[0].close()
    if writers:
        report.errors.extend(sorted(writers[0].issues, key=_row_order))
        writers[0].stored.sort()
    return form, report


def _row_order(issue: Issue) -> tuple:
    return (0, issue.record, "") if isinstance(issue.record, int) else (1, 0, str(issue.record))


def _sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
