"""Datasets, their versions and file manifests.

Lifecycle: draft -> submitted -> published. A published version never changes: editing it starts a new
draft that copies the metadata and references the same files (by checksum), so nothing is copied or lost.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, func, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from .. import accessions
from ..accounts.models import User
from ..audit.service import record
from ..clock import now
from ..db import UnitOfWork
from ..errors import Conflict, NotFound, ValidationFailed, field_error
from ..identity import Identity
from ..pagination import Page, paginate
from ..policy import require
from ..projects.models import Project
from ..projects.policy import deposit_clause
from ..storage import blob_key
from ..validation import parse
from . import policy
from .models import Blob, Dataset, DatasetFile, DatasetMember, DatasetVersion, ManifestEntry
from .schemas import DatasetFields, DatasetIn, DatasetOut, FileOut, VersionSummary

_COPIED = ("title_en", "title_ko", "description_en", "description_ko", "research_field", "data_types", "organisms",
           "keywords", "licence", "contributors", "publications", "extra")


@dataclass
class FileHandle:
    """What a reader needs to stream a file it is allowed to read."""

    accession: str
    dataset: str
    path: str
    size: int
    sha256: str
    md5: str | None
    key: str


class DatasetService:
    def __init__(self, station: Any):
        self.station = station

    # look-ups -----------------------------------------------------------------------------------------------
    @staticmethod
    def accession(dataset: Dataset | int) -> str:
        return accessions.make("dataset", dataset if isinstance(dataset, int) else dataset.id)

    def _load(self, uow: UnitOfWork, accession: str) -> tuple[Dataset, int | None]:
        _, number, version = accessions.parse(accession, "dataset")
        dataset = uow.session.get(Dataset, number)
        if dataset is None:
            raise NotFound("Dataset", accession)
        return dataset, version

    def co_owner_ids(self, uow: UnitOfWork, dataset: Dataset) -> set[int]:
        return set(uow.session.scalars(select(DatasetMember.user_id).where(DatasetMember.dataset_id == dataset.id)))

    def _version(self, uow: UnitOfWork, dataset: Dataset, number: int) -> DatasetVersion | None:
        return uow.session.scalar(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id,
                                                                DatasetVersion.number == number))

    def _latest(self, uow: UnitOfWork, dataset: Dataset) -> DatasetVersion:
        return uow.session.scalar(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id)
                                  .order_by(DatasetVersion.number.desc()).limit(1))

    def get(self, uow: UnitOfWork, identity: Identity, accession: str,
            version: int | None = None) -> tuple[Dataset, DatasetVersion]:
        """The version asked for, or the newest one the caller may read; 404 for anything unreadable."""
        dataset, acc_version = self._load(uow, accession)
        version = version or acc_version
        subject = policy.subject(uow, identity, dataset)
        if version is not None:
            ver = self._version(uow, dataset, version)
        else:
            ver = self.station.access.visible_version(uow, subject)
        decision = policy.can_read_metadata(subject, ver)
        require(self.station, identity, bool(decision), "read", "dataset", accession, hide=True)
        self.station.access.record_read(uow, identity, subject, decision, "dataset.read", {"version": ver.number})
        return dataset, ver

    # create and edit ----------------------------------------------------------------------------------------
    def create(self, uow: UnitOfWork, identity: Identity, data: DatasetIn | dict) -> tuple[Dataset, DatasetVersion]:
        """One round trip for the dataset and its first version: the insert itself carries the deposit rule
        (``projects.policy.deposit_clause``); when it inserts nothing, the full check says why (not found or
        refused) and, as everywhere, a refusal comes before any complaint about the input."""
        project_acc = data.get("project") if isinstance(data, dict) else data.project
        try:
            data = parse(DatasetIn, data)
            if data.extra:  # a draft may leave form fields empty; only given values can be malformed
                self._check_form_fields(data.research_field, data.data_types, data.extra)
        except ValidationFailed:
            if isinstance(project_acc, str):
                self._require_deposit(uow, identity, project_acc)
            raise
        at = now()
        dataset_row = dict(project_id=self.station.projects.number(data.project), owner_id=identity.user_id,
                           access_level="open", latest_published=None, created_at=at, updated_at=at)
        version_row = dict(number=1, state="draft", created_by=identity.user_id, created_at=at, updated_at=at,
                           submitted_at=None, published_at=None, **_values(data, defaults=True))
        # SQLite: an insert, even of no row, takes the database's write lock, which the refusal's own audit
        # transaction would then wait for; round trips cost nothing there, so check first.
        on_postgresql = uow.session.get_bind().dialect.name == "postgresql"
        scope = self.station.projects.deposit_scope(identity) if on_postgresql else None
        created = _insert_new(uow.session, dataset_row, version_row, scope, identity.user_id) if scope else None
        if created is None:
            self._require_deposit(uow, identity, data.project)  # raises: no such project, or refused
            created = _insert_new(uow.session, dataset_row, version_row, "all", None)  # allowed by the full rule
        dataset, version = created
        record(uow, identity, "dataset.create", "dataset", self.accession(dataset),
               {"project": data.project, "research_field": data.research_field})
        return dataset, version

    def _require_deposit(self, uow: UnitOfWork, identity: Identity, project_accession: str) -> None:
        project = self.station.projects.get(uow, identity, project_accession)
        self.station.projects.require_deposit(uow, identity, project)

    def editable_draft(self, uow: UnitOfWork, identity: Identity, accession: str) -> tuple[Dataset, DatasetVersion]:
        """The draft to change; a published latest version gets a new draft that copies it."""
        dataset, _ = self._load(uow, accession)
        subject = policy.subject(uow, identity, dataset)
        allowed = bool(policy.can_edit_subject(subject))
        require(self.station, identity, allowed, "edit", "dataset", accession,
                hide=not allowed and not self.station.access.readable(uow, subject))
        latest = self._latest(uow, dataset)
        if latest.state == "draft":
            return dataset, latest
        if latest.state == "submitted":
            raise Conflict("dataset_submitted", f"Version {latest.number} is submitted for publication.",
                           f"버전 {latest.number}은(는) 공개 심사를 위해 제출된 상태입니다.",
                           "Withdraw the submission (POST .../withdraw) to edit it again.")
        return dataset, self._new_draft(uow, identity, dataset, latest)

    def _new_draft(self, uow: UnitOfWork, identity: Identity, dataset: Dataset,
                   base: DatasetVersion) -> DatasetVersion:
        draft = DatasetVersion(dataset_id=dataset.id, number=base.number + 1, state="draft",
                               created_by=identity.user_id, **{k: getattr(base, k) for k in _COPIED})
        uow.session.add(draft)
        uow.session.flush()
        for entry in uow.session.scalars(select(ManifestEntry).where(ManifestEntry.version_id == base.id)):
            uow.session.add(ManifestEntry(version_id=draft.id, file_id=entry.file_id, path=entry.path))
        record(uow, identity, "dataset.new_version", "dataset", self.accession(dataset),
               {"version": draft.number, "from": base.number})
        return draft

    def update(self, uow: UnitOfWork, identity: Identity, accession: str,
               patch: DatasetFields | dict) -> tuple[Dataset, DatasetVersion]:
        dataset, draft = self.editable_draft(uow, identity, accession)
        patch = parse(DatasetFields, patch)
        changed = _values(patch, defaults=False)
        if {"research_field", "data_types", "extra"} & set(changed):
            self._check_form_fields(changed.get("research_field", draft.research_field),
                                    changed.get("data_types", draft.data_types), changed.get("extra", draft.extra) or {})
        for key, value in changed.items():
            setattr(draft, key, value)
        draft.updated_at = now()
        record(uow, identity, "dataset.update", "dataset", self.accession(dataset),
               {"version": draft.number, "fields": sorted(changed)})
        return dataset, draft

    def _check_form_fields(self, research_field: str, data_types: list[str], extra: dict) -> None:
        """Values of the registration form's fields (``extra``) must be well formed; missing ones are allowed in a
        draft and show up in the completeness score."""
        errors = self.station.forms.validate_dataset_extra(research_field, list(data_types or []), extra)
        if errors:
            raise ValidationFailed(errors)

    def submit(self, uow: UnitOfWork, identity: Identity, accession: str) -> tuple[Dataset, DatasetVersion]:
        dataset, draft = self.editable_draft(uow, identity, accession)
        errors = []
        if not uow.session.scalar(select(func.count()).select_from(ManifestEntry)
                                  .where(ManifestEntry.version_id == draft.id)):
            errors.append(field_error("no_files", "files", "The dataset has no files.", "데이터셋에 파일이 없습니다.",
                                      "Upload at least one file before submitting."))
        if not draft.description_en and not draft.description_ko:
            errors.append(field_error("required", "description_en", "A description is required to submit.",
                                      "제출하려면 설명이 필요합니다.", "Describe the data in Korean or English."))
        if errors:
            raise ValidationFailed(errors, "The dataset is not ready to submit.", "데이터셋을 제출할 준비가 되지 않았습니다.")
        draft.state, draft.submitted_at = "submitted", now()
        record(uow, identity, "dataset.submit", "dataset", self.accession(dataset), {"version": draft.number})
        return dataset, draft

    def withdraw(self, uow: UnitOfWork, identity: Identity, accession: str) -> tuple[Dataset, DatasetVersion]:
        dataset, _ = self._load(uow, accession)
        owners = self.co_owner_ids(uow, dataset)
        require(self.station, identity, policy.can_edit(identity, dataset, owners), "withdraw", "dataset", accession)
        latest = self._latest(uow, dataset)
        if latest.state != "submitted":
            raise Conflict("not_submitted", "Only a submitted version can be withdrawn.",
                           "제출된 버전만 철회할 수 있습니다.", "")
        latest.state, latest.submitted_at = "draft", None
        record(uow, identity, "dataset.withdraw", "dataset", accession, {"version": latest.number})
        return dataset, latest

    def publish(self, uow: UnitOfWork, identity: Identity, accession: str) -> tuple[Dataset, DatasetVersion]:
        dataset, _ = self._load(uow, accession)
        subject = policy.subject(uow, identity, dataset)
        allowed = bool(policy.can_publish(subject, self.station.config.self_publish))
        if not allowed and dataset.access_level == "private" and policy.can_edit_subject(subject):
            raise Conflict("private_dataset", "A private ('My Lab Data') dataset is never published.",
                           "비공개(내 연구실 데이터) 데이터셋은 공개할 수 없습니다.",
                           "Change its access level first: PUT /api/access/datasets/{accession}.")
        require(self.station, identity, allowed, "publish", "dataset", accession,
                hide=not allowed and not self.station.access.readable(uow, subject))
        latest = self._latest(uow, dataset)
        if latest.state != "submitted":
            raise Conflict("not_submitted", f"Version {latest.number} is {latest.state}; submit it first.",
                           f"버전 {latest.number}은(는) '{latest.state}' 상태입니다. 먼저 제출하세요.",
                           "POST /api/datasets/{accession}/submit, then publish.")
        self.station.access.before_publish(uow, identity, dataset, latest)
        latest.state, latest.published_at = "published", now()
        dataset.latest_published = latest.number
        self.station.access.after_publish(uow, identity, dataset, latest)
        record(uow, identity, "dataset.publish", "dataset", self.accession(dataset), {"version": latest.number})
        self.station.jobs.emit(uow, "dataset.published", {"dataset_id": dataset.id, "version": latest.number})
        return dataset, latest

    def add_co_owner(self, uow: UnitOfWork, identity: Identity, accession: str, username: str) -> None:
        dataset, _ = self._load(uow, accession)
        require(self.station, identity, policy.can_edit(identity, dataset, self.co_owner_ids(uow, dataset)),
                "share", "dataset", accession)
        user = self.station.accounts.get_user(uow, username)
        uow.session.add(DatasetMember(dataset_id=dataset.id, user_id=user.id, role="co_owner"))
        record(uow, identity, "dataset.co_owner_add", "dataset", accession, {"user": username})

    # lists --------------------------------------------------------------------------------------------------
    def list(self, uow: UnitOfWork, identity: Identity, *, cursor: str | None = None, limit: int | None = None,
             project: str | None = None) -> Page:
        q = select(Dataset).where(policy.list_filter(uow, identity))
        if project:
            q = q.where(Dataset.project_id == accessions.parse(project, "project", "project")[1])
        return paginate(uow.session, q, Dataset.id, cursor, limit or self.station.config.page_size_default,
                        self.station.config.page_size_max)

    def list_out(self, uow: UnitOfWork, identity: Identity, page: Page) -> list[DatasetOut]:
        return [self.out(uow, *self.get(uow, identity, self.accession(d))) for d in page.items]

    # files --------------------------------------------------------------------------------------------------
    def files(self, uow: UnitOfWork, identity: Identity, accession: str, version: int | None = None,
              cursor: str | None = None, limit: int | None = None) -> tuple[list[FileOut], str | None]:
        dataset, ver = self.get(uow, identity, accession, version)
        q = select(ManifestEntry).where(ManifestEntry.version_id == ver.id)
        page = paginate(uow.session, q, ManifestEntry.id, cursor, limit or self.station.config.page_size_max,
                        self.station.config.page_size_max)
        out = []
        for entry in page.items:
            f = uow.session.get(DatasetFile, entry.file_id)
            blob = uow.session.get(Blob, f.sha256)
            acc = accessions.make("file", f.id)
            out.append(FileOut(accession=acc, path=entry.path, size=f.size, sha256=f.sha256, md5=blob.md5,
                               created_at=f.created_at, download_url=f"/api/files/{acc}/content"))
        return out, page.next_cursor

    def add_file(self, uow: UnitOfWork, identity: Identity, dataset: Dataset, draft: DatasetVersion, path: str,
                 sha256: str, size: int) -> DatasetFile:
        """Put an already stored blob into the draft at ``path`` (replacing what was there)."""
        f = DatasetFile(dataset_id=dataset.id, path=path, sha256=sha256, size=size, created_by=identity.user_id)
        uow.session.add(f)
        uow.session.flush()
        existing = uow.session.scalar(select(ManifestEntry).where(ManifestEntry.version_id == draft.id,
                                                                   ManifestEntry.path == path))
        if existing is not None:
            old_file = existing.file_id
            existing.file_id = f.id
            uow.session.flush()
            self._collect(uow, old_file)
        else:
            uow.session.add(ManifestEntry(version_id=draft.id, file_id=f.id, path=path))
        record(uow, identity, "file.add", "dataset", self.accession(dataset),
               {"version": draft.number, "path": path, "sha256": sha256, "size": size,
                "file": accessions.make("file", f.id)})
        return f

    def delete_file(self, uow: UnitOfWork, identity: Identity, accession: str, path: str) -> None:
        dataset, draft = self.editable_draft(uow, identity, accession)
        entry = uow.session.scalar(select(ManifestEntry).where(ManifestEntry.version_id == draft.id,
                                                                ManifestEntry.path == path))
        if entry is None:
            raise NotFound("File", f"{accession}/{path}")
        file_id = entry.file_id
        uow.session.delete(entry)
        uow.session.flush()
        self._collect(uow, file_id)
        record(uow, identity, "file.delete", "dataset", self.accession(dataset),
               {"version": draft.number, "path": path})

    def _collect(self, uow: UnitOfWork, file_id: int) -> None:
        """Drop a file no version lists any more, and its bytes once no file points at them."""
        s = uow.session
        if s.scalar(select(func.count()).select_from(ManifestEntry).where(ManifestEntry.file_id == file_id)):
            return
        from .models import Upload  # uploads keep a pointer to the file they made
        for up in s.scalars(select(Upload).where(Upload.file_id == file_id)):
            up.file_id = None
        f = s.get(DatasetFile, file_id)
        sha = f.sha256
        s.delete(f)
        s.flush()
        if s.scalar(select(func.count()).select_from(DatasetFile).where(DatasetFile.sha256 == sha)):
            return
        s.delete(s.get(Blob, sha))
        store = self.station.store
        uow.after_commit(lambda: store.delete(blob_key(sha)))

    def open_file(self, uow: UnitOfWork, identity: Identity, file_accession: str) -> FileHandle:
        """A file the caller may read; 404 otherwise, so a file URL does not reveal that it exists."""
        _, number, _ = accessions.parse(file_accession, "file")
        f = uow.session.get(DatasetFile, number)
        dataset = uow.session.get(Dataset, f.dataset_id) if f else None
        decision = policy.Decision(False)
        if f is not None:
            subject = policy.subject(uow, identity, dataset)
            versions = uow.session.scalars(
                select(DatasetVersion).join(ManifestEntry, ManifestEntry.version_id == DatasetVersion.id)
                .where(ManifestEntry.file_id == f.id))
            for v in versions:
                decision = policy.can_read_files(subject, v)
                if decision:
                    break
        require(self.station, identity, bool(decision), "download", "file", file_accession, hide=True)
        blob = uow.session.get(Blob, f.sha256)
        self.station.access.record_read(uow, identity, subject, decision, "file.read",
                                        {"file": file_accession, "path": f.path})
        return FileHandle(accession=file_accession, dataset=self.accession(dataset), path=f.path, size=f.size,
                          sha256=f.sha256, md5=blob.md5, key=blob_key(f.sha256))

    # output -------------------------------------------------------------------------------------------------
    def out(self, uow: UnitOfWork, dataset: Dataset, version: DatasetVersion) -> DatasetOut:
        owner = uow.session.get(User, dataset.owner_id)
        stats = uow.session.execute(
            select(func.count(), func.coalesce(func.sum(DatasetFile.size), 0))
            .select_from(ManifestEntry).join(DatasetFile, DatasetFile.id == ManifestEntry.file_id)
            .where(ManifestEntry.version_id == version.id)).one()
        versions = uow.session.scalars(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id)
                                       .order_by(DatasetVersion.number))
        return DatasetOut(
            accession=self.accession(dataset), version=version.number, state=version.state,
            project=accessions.make("project", dataset.project_id),
            owner=owner.username if owner else "", access_level=dataset.access_level,
            **{k: getattr(version, k) for k in _COPIED},
            file_count=stats[0], total_size=int(stats[1]), created_at=version.created_at,
            updated_at=version.updated_at, submitted_at=version.submitted_at, published_at=version.published_at,
            versions=[VersionSummary(number=v.number, state=v.state, created_at=v.created_at,
                                     published_at=v.published_at) for v in versions])


def _insert_new(session: Session, dataset_row: dict[str, Any], version_row: dict[str, Any], scope: str,
                user_id: int | None) -> tuple[Dataset, DatasetVersion] | None:
    """Insert a dataset and its first version if the project exists and ``scope`` may deposit into it (one
    round trip on PostgreSQL) and hand them to the session as already-persistent objects: creation is the hot
    path of bulk deposit and harvest. None when nothing was inserted."""
    params = {**{f"d_{k}": v for k, v in dataset_row.items()}, **{f"v_{k}": v for k, v in version_row.items()},
              "deposit_user": user_id}
    statements = _new_dataset_statements(tuple(dataset_row), tuple(version_row), scope,
                                         session.get_bind().dialect.name == "postgresql")
    if len(statements) == 1:
        row = session.execute(statements[0], params).first()
        if row is None:
            return None
        dataset_id, version_id = row
    else:
        dataset_id = session.execute(statements[0], params).scalar()
        if dataset_id is None:
            return None
        version_id = session.execute(statements[1], {**params, "dataset_id": dataset_id}).scalar_one()
    dataset = Dataset(id=dataset_id, **dataset_row)
    version = DatasetVersion(id=version_id, dataset_id=dataset_id, **version_row)
    for obj in (dataset, version):
        make_transient_to_detached(obj)
        session.add(obj)
    return dataset, version


@lru_cache(maxsize=16)
def _new_dataset_statements(dataset_cols: tuple[str, ...], version_cols: tuple[str, ...], scope: str,
                            one_statement: bool) -> tuple[Any, ...]:
    """INSERT INTO datasets SELECT ... FROM projects WHERE id = :project AND <deposit rule> RETURNING id, then the
    version; on PostgreSQL both in one statement (WITH new AS (...) INSERT ... SELECT FROM new). Built once per
    shape, so each creation only binds its values."""
    datasets, versions = Dataset.__table__, DatasetVersion.__table__
    projects = Project.__table__
    target = (select(*(bindparam(f"d_{k}", type_=datasets.c[k].type) for k in dataset_cols))
              .select_from(projects)
              .where(projects.c.id == bindparam("d_project_id"),
                     deposit_clause(scope, bindparam("deposit_user", type_=Integer))))
    new = insert(datasets).from_select(list(dataset_cols), target).returning(datasets.c.id)
    version_values = [bindparam(f"v_{k}", type_=versions.c[k].type) for k in version_cols]
    if not one_statement:
        version = insert(versions).values({"dataset_id": bindparam("dataset_id"),
                                           **dict(zip(version_cols, version_values))}).returning(versions.c.id)
        return new, version
    new = new.cte("new_dataset")
    rows = select(new.c.id, *version_values)
    return (insert(versions).from_select(["dataset_id", *version_cols], rows)
            .returning(versions.c.dataset_id, versions.c.id).add_cte(new, nest_here=True)),


def _values(data: DatasetFields, defaults: bool) -> dict[str, Any]:
    dumped = data.model_dump(mode="json", exclude_unset=not defaults)
    out = {k: v for k, v in dumped.items() if k in _COPIED and v is not None}
    if defaults:
        for key, empty in (("description_en", ""), ("description_ko", ""), ("organisms", []), ("keywords", []),
                           ("contributors", []), ("publications", []), ("extra", {}),
                           ("licence", DatasetVersion.licence.default.arg)):
            out.setdefault(key, empty)
    return out
