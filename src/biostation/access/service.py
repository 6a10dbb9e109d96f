"""Access to datasets: levels, embargoes, sharing, reviewer links, committees, requests, grants, emergencies.

Every method has the station's one shape: check permission (``policy``) -> validate -> change -> audit ->
queue follow-up work after the commit. The decisions themselves live in ``access.policy``; the datasets
service asks the same functions, so the dataset pages, file downloads, QC reports, lists and search agree.
"""
from __future__ import annotations

import hashlib
import secrets
import time as _time
import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Iterator

from sqlalchemy import String, cast, func, select

from .. import accessions
from ..accounts.models import User
from ..audit.models import AuditEvent
from ..audit.service import record, record_alone
from ..clock import now
from ..datasets.models import Dataset, DatasetFile, DatasetMember, DatasetVersion, ManifestEntry
from ..db import UnitOfWork
from ..errors import Conflict, NotFound, StationError, Unauthenticated, ValidationFailed, field_error
from ..identity import Identity
from ..pagination import Page, decode_cursor, encode_cursor, paginate
from ..policy import require
from ..validation import parse
from . import duo as duo_mod
from . import ontology as onto
from . import policy
from .models import (AccessRequest, AccessSettings, Colleague, Committee, CommitteeMember, DatasetTaxon, Emergency,
                     Grant, Notification, Quota, ReviewerLink, Vote)
from .policy import Decision, ReviewerIdentity, Subject
from .schemas import (AccessOut, ChangesIn, ColleagueIn, CommitteeIn, CommitteeOut, CommitteePatch, DataUse,
                      EmbargoExtension, EmergencyIn, EmergencyOut, GrantOut, LevelIn, MemberOut, NotificationOut,
                      PublicationLink, QuotaOut, ReasonIn, RequestIn, RequestOut, RequestPatch, ReviewerLinkIn,
                      ReviewerLinkOut, VoteIn, check_data_use)

KST = timezone(timedelta(hours=9))  # embargo dates end at midnight in Korea, where the station runs
EMBARGO_YEARS, EXTENSION_YEARS = 3, 2
DEFAULT_GRANT_DAYS = 365
OVERDUE_DAYS = 14
DEFAULT_PRIVATE_QUOTA = 50 * 1024 ** 3  # bytes of 'My Lab Data' per user unless an operator sets another
ETHICS_MAX_BYTES = 20 * 1024 * 1024
REVIEWER_PREFIX = "bsr_"
RESTRICTIVENESS = {"open": 0, "controlled": 1, "embargoed": 2, "private": 3}
READ_ACTIONS = ("dataset.read", "file.read")


def add_years(at: datetime, years: int) -> datetime:
    try:
        return at.replace(year=at.year + years)
    except ValueError:  # 29 February
        return at.replace(year=at.year + years, day=28)


def date_start(d: date) -> datetime:
    """A calendar date as the instant it begins in Korea (UTC)."""
    return datetime.combine(d, time(0), tzinfo=KST).astimezone(timezone.utc)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccessRevoked(StationError):
    """Raised inside a streaming download when the caller lost the right to read mid-transfer."""

    def __init__(self, what: str):
        super().__init__("access_revoked", f"Access to {what} ended during the download.",
                         f"다운로드 중 {what}에 대한 접근 권한이 종료되었습니다.", 404,
                         "Your grant was revoked or expired; request access again.")


class AccessService:
    def __init__(self, station: Any):
        self.station = station
        self.stream_check_seconds = 1.0  # how often a guarded download re-decides access

    # look-ups -----------------------------------------------------------------------------------------------
    def _dataset(self, uow: UnitOfWork, accession: str) -> Dataset:
        _, number, _ = accessions.parse(accession, "dataset")
        dataset = uow.session.get(Dataset, number)
        if dataset is None:
            raise NotFound("Dataset", accession)
        return dataset

    @staticmethod
    def accession(dataset: Dataset | int) -> str:
        return accessions.make("dataset", dataset if isinstance(dataset, int) else dataset.id)

    def subject(self, uow: UnitOfWork, identity: Identity, dataset: Dataset) -> Subject:
        return Subject(uow, identity, dataset)

    def _latest(self, uow: UnitOfWork, dataset: Dataset) -> DatasetVersion | None:
        return uow.session.scalar(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id)
                                  .order_by(DatasetVersion.number.desc()).limit(1))

    def _published(self, uow: UnitOfWork, dataset: Dataset) -> DatasetVersion | None:
        if dataset.latest_published is None:
            return None
        return uow.session.scalar(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id,
                                                                DatasetVersion.number == dataset.latest_published))

    def visible_version(self, uow: UnitOfWork, s: Subject) -> DatasetVersion | None:
        """The version a caller sees by default: the newest for insiders and curators, else the published one."""
        if policy.sees_drafts(s) or s.dataset.latest_published is None:
            return self._latest(uow, s.dataset)
        return self._published(uow, s.dataset)

    def readable(self, uow: UnitOfWork, s: Subject) -> bool:
        """Whether the caller may know the dataset exists (so refusals answer 403 rather than 404)."""
        return bool(policy.read_metadata(s, self.visible_version(uow, s)))

    def _require_visible(self, uow: UnitOfWork, identity: Identity, s: Subject, decision: Decision | bool,
                         action: str) -> None:
        require(self.station, identity, bool(decision), action, "dataset", self.accession(s.dataset),
                hide=not bool(decision) and not self.readable(uow, s))

    # answers for other domains ------------------------------------------------------------------------------
    def permissions(self, uow: UnitOfWork, identity: Identity, dataset: Dataset | str) -> dict[str, bool]:
        """What the caller may do with the dataset now (for pages, the web UI and the permission matrix)."""
        if isinstance(dataset, str):
            dataset = self._dataset(uow, dataset)
        s = self.subject(uow, identity, dataset)
        return policy.answers(s, self.visible_version(uow, s), self.station.config.self_publish)

    def can_read_files(self, uow: UnitOfWork, identity: Identity, dataset: Dataset | str,
                       version: int | None = None) -> bool:
        """The file rule, for previews, thumbnails and QC reports: True when the caller may read the files of
        `version` (default: the version the caller sees)."""
        if isinstance(dataset, str):
            try:
                dataset = self._dataset(uow, dataset)
            except NotFound:
                return False
        s = self.subject(uow, identity, dataset)
        ver = (uow.session.scalar(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id,
                                                                DatasetVersion.number == version))
               if version is not None else self.visible_version(uow, s))
        return bool(policy.read_files(s, ver))

    def require_files(self, uow: UnitOfWork, identity: Identity, accession: str, version: int | None = None) -> None:
        """Refuse with 404 (audited) unless the caller may read the dataset's files: call before serving a
        preview, thumbnail or QC report."""
        allowed = self.can_read_files(uow, identity, accession, version)
        require(self.station, identity, allowed, "read files of", "dataset", accession, hide=True)

    def list_filter(self, uow: UnitOfWork, identity: Identity) -> Any:
        return policy.list_filter(uow, identity)

    def principals(self, uow: UnitOfWork, identity: Identity) -> set[str]:
        """The caller's principals for the search engine (SearchQuery.principals)."""
        return policy.principals(uow, identity)

    def readers(self, uow: UnitOfWork, dataset: Dataset | int) -> set[str]:
        """Who may find the dataset's record now (SearchDoc.readers), e.g. {"public", "user:12", ...}."""
        if isinstance(dataset, int):
            dataset = uow.session.get(Dataset, dataset)
        return policy.readers(uow, dataset)

    def search_acl(self, uow: UnitOfWork, dataset: Dataset | int) -> tuple[set[str], datetime | None]:
        """Readers plus the embargo end, for an index that lifts embargoes itself (SearchDoc.embargo_until):
        'public' is included for an embargoed published dataset and applies only after the returned instant."""
        if isinstance(dataset, int):
            dataset = uow.session.get(Dataset, dataset)
        settings = uow.session.get(AccessSettings, dataset.id)
        until = None
        if dataset.access_level == "embargoed":
            until = settings.embargo_until if settings and settings.embargo_until else datetime.max.replace(
                tzinfo=timezone.utc)
        return policy.readers(uow, dataset, ignore_embargo=True), until

    def record_read(self, uow: UnitOfWork, identity: Identity, s: Subject, decision: Decision, action: str,
                    details: dict[str, Any]) -> None:
        """Audit a read that needs a trace: any file of a non-open dataset, and every read through an emergency
        or a reviewer link (the depositor sees these in their access log)."""
        if decision.basis in ("emergency", "reviewer-link") or (action == "file.read" and s.effective != "open"):
            extra = {"basis": decision.basis, "via": identity.via}
            if decision.emergency_id is not None:
                extra["emergency"] = decision.emergency_id
            record(uow, identity, action, "dataset", self.accession(s.dataset), {**details, **extra})

    def guard_stream(self, identity: Identity, file_accession: str, chunks: Iterable[bytes],
                     every_seconds: float = 1.0) -> Iterator[bytes]:
        """Pass the chunks of a download through while the caller may still read the file, re-deciding at most
        every `every_seconds` (0: before each chunk); a revoked or expired grant stops the transfer."""
        last = _time.monotonic()
        for chunk in chunks:
            if _time.monotonic() - last >= every_seconds:
                if not self.still_readable(identity, file_accession):
                    raise AccessRevoked(file_accession)
                last = _time.monotonic()
            yield chunk

    def still_readable(self, identity: Identity, file_accession: str) -> bool:
        _, number, _ = accessions.parse(file_accession, "file")
        with self.station.uow() as uow:
            f = uow.session.get(DatasetFile, number)
            if f is None:
                return False
            dataset = uow.session.get(Dataset, f.dataset_id)
            s = self.subject(uow, identity, dataset)
            versions = uow.session.scalars(select(DatasetVersion).join(
                ManifestEntry, ManifestEntry.version_id == DatasetVersion.id).where(ManifestEntry.file_id == f.id))
            return any(policy.read_files(s, v) for v in versions)

    # levels and embargoes -----------------------------------------------------------------------------------
    def settings(self, uow: UnitOfWork, dataset: Dataset) -> AccessSettings:
        row = uow.session.get(AccessSettings, dataset.id)
        if row is None:
            row = AccessSettings(dataset_id=dataset.id, data_use={})
            uow.session.add(row)
        return row

    def show(self, uow: UnitOfWork, identity: Identity, accession: str) -> AccessOut:
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        version = self.visible_version(uow, s)
        require(self.station, identity, bool(policy.read_metadata(s, version)), "read", "dataset", accession,
                hide=True)
        st = s.settings
        return AccessOut(
            dataset=accession, level=dataset.access_level, effective_level=s.effective,
            embargo_until=st.embargo_until if st and dataset.access_level == "embargoed" else None,
            embargo_until_publication=bool(st and st.embargo_until_publication),
            embargo_extended=bool(st and st.embargo_extended_at), data_use=(st.data_use or None) if st else None,
            committee=st.committee_id if st else None, emergency_opt_in=bool(st and st.emergency_opt_in),
            emergency=s.emergency, permissions=policy.answers(s, version, self.station.config.self_publish))

    def set_level(self, uow: UnitOfWork, identity: Identity, accession: str, data: LevelIn | dict) -> AccessOut:
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        self._require_visible(uow, identity, s, policy.edit(s), "change the access level of")
        data = parse(LevelIn, data)
        before = {"level": dataset.access_level, "effective": s.effective}
        errors = []
        if data.level == "private" and s.published:
            raise Conflict("published_cannot_be_private", "A published dataset cannot become private.",
                           "공개된 데이터셋은 비공개로 바꿀 수 없습니다.",
                           "Private ('My Lab Data') is for data that is never published; choose embargoed or "
                           "controlled, or ask an operator to withdraw the dataset.")
        if s.published and RESTRICTIVENESS[data.level] > RESTRICTIVENESS[s.effective]:
            if not identity.has_role("operator"):
                raise Conflict("cannot_restrict_published",
                               f"The dataset is already {s.effective}; it cannot become {data.level}.",
                               f"이미 '{s.effective}' 상태인 데이터셋을 '{data.level}'(으)로 제한할 수 없습니다.",
                               "Published data may only become more open. An operator can restrict it (with a "
                               "reason) for legal or ethical reasons.")
            if not (data.reason or "").strip():
                errors.append(field_error("required", "reason", "Restricting published data needs a reason.",
                                          "공개된 데이터를 제한하려면 사유가 필요합니다.", "Say why, e.g. consent withdrawn."))
        inapplicable = []
        if data.level != "embargoed" and (data.embargo_until or data.embargo_until_publication):
            inapplicable += ["embargo_until" if data.embargo_until else "embargo_until_publication"]
        if data.level != "controlled":
            inapplicable += [n for n in ("data_use", "committee") if getattr(data, n) is not None]
            if data.emergency_opt_in:
                inapplicable.append("emergency_opt_in")
        for name in inapplicable:
            errors.append(field_error("not_applicable", name, f"{name} does not apply to the level {data.level}.",
                                      f"{name} 항목은 '{data.level}' 수준에 해당하지 않습니다.",
                                      "Remove it, or choose the level it belongs to."))
        settings = self.settings(uow, dataset)
        at = now()
        if data.level == "embargoed":
            start = settings.embargo_started_at if dataset.access_level == "embargoed" and \
                settings.embargo_started_at else at
            limit = add_years(start, EMBARGO_YEARS)
            if settings.embargo_extended_at and dataset.access_level == "embargoed":
                limit = add_years(start, EMBARGO_YEARS + EXTENSION_YEARS)
            if bool(data.embargo_until) == bool(data.embargo_until_publication):
                errors.append(field_error("embargo_end_required", "embargo_until", "Give either an end date or "
                                          "embargo_until_publication (not both).", "엠바고 종료일 또는 출판 시 공개 중 "
                                          "하나만 지정하세요.", "e.g. \"embargo_until\": \"2027-03-01\"."))
            elif data.embargo_until:
                until = date_start(data.embargo_until)
                if until <= at:
                    errors.append(field_error("date_in_past", "embargo_until", "The embargo end must be in the "
                                              "future.", "엠바고 종료일은 미래여야 합니다.", "Pick a later date.",
                                              data.embargo_until.isoformat()))
                elif until > limit:
                    errors.append(field_error("embargo_too_long", "embargo_until",
                                              f"An embargo lasts at most {EMBARGO_YEARS} years (until "
                                              f"{limit.astimezone(KST).date().isoformat()}).",
                                              f"엠바고는 최대 {EMBARGO_YEARS}년입니다"
                                              f"({limit.astimezone(KST).date().isoformat()}까지).",
                                              "Choose an earlier date; once set it can be extended by "
                                              f"{EXTENSION_YEARS} years with a reason.",
                                              data.embargo_until.isoformat()))
        if data.level == "controlled":
            if data.data_use is None:
                errors.append(field_error("required", "data_use", "Controlled access needs data-use conditions.",
                                          "통제 접근에는 데이터 이용 조건이 필요합니다.",
                                          "e.g. {\"permission\": \"HMB\", \"modifiers\": [\"NCU\", \"IRB\"]}."))
            else:
                errors += check_data_use(data.data_use)
            if data.committee is None:
                errors.append(field_error("required", "committee", "Controlled access needs a data access "
                                          "committee.", "통제 접근에는 데이터 접근 위원회가 필요합니다.",
                                          "GET /api/access/committees lists them; ask an operator for a new one."))
            elif uow.session.get(Committee, data.committee) is None:
                errors.append(field_error("unknown_committee", "committee", f"There is no committee {data.committee}.",
                                          f"위원회 {data.committee}이(가) 없습니다.",
                                          "GET /api/access/committees lists them.", data.committee))
        if errors:
            raise ValidationFailed(errors)
        if data.level == "private" and dataset.access_level != "private":
            self.check_quota(uow, dataset, self._dataset_bytes(uow, dataset), switching=True)
        if data.level == "embargoed":
            if not (dataset.access_level == "embargoed" and settings.embargo_started_at):
                settings.embargo_started_at, settings.embargo_extended_at = at, None
                settings.embargo_extension_reason = None
            settings.embargo_until_publication = data.embargo_until_publication
            settings.embargo_until = date_start(data.embargo_until) if data.embargo_until else \
                add_years(settings.embargo_started_at, EMBARGO_YEARS)
            settings.embargo_lifted_by_publication = None
        if data.level == "controlled":
            settings.data_use = data.data_use.model_dump(mode="json")
            settings.committee_id = data.committee
            settings.emergency_opt_in = data.emergency_opt_in
        else:
            settings.emergency_opt_in = False
        dataset.access_level = data.level
        uow.session.flush()
        if s.published:
            self.sync_taxa(uow, dataset)
        record(uow, identity, "access.level", "dataset", accession,
               {**{f"before_{k}": v for k, v in before.items()}, "level": data.level,
                "embargo_until": settings.embargo_until.isoformat() if data.level == "embargoed" else None,
                "until_publication": data.embargo_until_publication or None,
                "data_use": settings.data_use if data.level == "controlled" else None,
                "committee": data.committee, "emergency_opt_in": data.emergency_opt_in or None,
                "reason": data.reason})
        self.station.jobs.emit(uow, "dataset.access_changed", {"dataset_id": dataset.id}, f"dataset:{dataset.id}")
        return self.show(uow, identity, accession)

    def extend_embargo(self, uow: UnitOfWork, identity: Identity, accession: str,
                       data: EmbargoExtension | dict) -> AccessOut:
        """Once, by up to two more years, with a stated reason (kept in the audit log and the settings)."""
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        self._require_visible(uow, identity, s, policy.edit(s), "extend the embargo of")
        data = parse(EmbargoExtension, data)
        st = s.settings
        if s.effective != "embargoed" or st is None:
            raise Conflict("not_embargoed", "The dataset is not under embargo.", "데이터셋이 엠바고 상태가 아닙니다.",
                           "Only an embargo still in force can be extended.")
        if st.embargo_extended_at is not None:
            raise Conflict("already_extended", "The embargo was already extended once.",
                           "엠바고는 이미 한 번 연장되었습니다.", "Ask an operator if it must stay closed longer.")
        until = date_start(data.until)
        limit = add_years(st.embargo_started_at or st.embargo_until, EMBARGO_YEARS + EXTENSION_YEARS)
        if until <= st.embargo_until or until > limit:
            raise ValidationFailed([field_error(
                "invalid_extension", "until", f"The new end must be after the current one and at most "
                f"{EMBARGO_YEARS + EXTENSION_YEARS} years after the embargo began "
                f"({limit.astimezone(KST).date().isoformat()}).",
                f"새 종료일은 현재 종료일 이후이고 엠바고 시작 후 {EMBARGO_YEARS + EXTENSION_YEARS}년 "
                f"({limit.astimezone(KST).date().isoformat()}) 이내여야 합니다.", "Pick a date in that window.",
                data.until.isoformat())])
        previous = st.embargo_until
        st.embargo_until, st.embargo_extended_at, st.embargo_extension_reason = until, now(), data.reason
        st.embargo_until_publication = False
        record(uow, identity, "access.embargo_extend", "dataset", accession,
               {"from": previous.isoformat(), "until": until.isoformat(), "reason": data.reason})
        self.station.jobs.emit(uow, "dataset.access_changed", {"dataset_id": dataset.id}, f"dataset:{dataset.id}")
        return self.show(uow, identity, accession)

    def link_publication(self, uow: UnitOfWork, identity: Identity, accession: str,
                         data: PublicationLink | dict) -> AccessOut:
        """The publication the embargo waited for has appeared: the data open now."""
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        self._require_visible(uow, identity, s, policy.edit(s), "link a publication to")
        data = parse(PublicationLink, data)
        if s.effective != "embargoed":
            raise Conflict("not_embargoed", "The dataset is not under embargo.", "데이터셋이 엠바고 상태가 아닙니다.",
                           "Add the publication to the dataset's metadata instead (PATCH /api/datasets/{acc}).")
        self._lift(uow, identity, dataset, s.settings, data.doi)
        return self.show(uow, identity, accession)

    def _lift(self, uow: UnitOfWork, identity: Identity, dataset: Dataset, st: AccessSettings, doi: str) -> None:
        st.embargo_until, st.embargo_lifted_by_publication = now(), doi
        record(uow, identity, "access.embargo_lift", "dataset", self.accession(dataset), {"publication": doi})
        self.station.jobs.emit(uow, "dataset.access_changed", {"dataset_id": dataset.id}, f"dataset:{dataset.id}")

    def before_publish(self, uow: UnitOfWork, identity: Identity, dataset: Dataset, version: DatasetVersion) -> None:
        """The registration form states an access level (``extra.access_level``): publishing must never open data
        the form says is closed. A first publication applies a stated embargo; anything else that is more closed
        than the dataset's level must be set first (a controlled level also needs a committee)."""
        declared = (version.extra or {}).get("access_level")
        if not isinstance(declared, str) or declared not in RESTRICTIVENESS:
            return
        current = policy.effective_level(dataset.access_level, uow.session.get(AccessSettings, dataset.id), now())
        if RESTRICTIVENESS[declared] <= RESTRICTIVENESS[current]:
            return
        acc = self.accession(dataset)
        if declared == "embargoed" and dataset.latest_published is None:
            self.set_level(uow, identity, acc, {"level": "embargoed",
                                                "embargo_until": (version.extra or {}).get("embargo_until")})
            return
        raise Conflict("access_level_not_applied",
                       f"The registration form says '{declared}' but the dataset's access level is '{current}'.",
                       f"등록 양식의 공개 수준은 '{declared}'인데 데이터셋의 접근 수준은 '{current}'입니다.",
                       f"Set the level first (PUT /api/access/datasets/{acc}; controlled access also needs a data "
                       "access committee), or correct the form; publishing now would open data the form says is "
                       "closed.")

    def after_publish(self, uow: UnitOfWork, identity: Identity, dataset: Dataset, version: DatasetVersion) -> None:
        """Called by the datasets service when a version is published: record its taxa for emergencies, lift an
        embargo waiting for a publication the version now cites, tell the depositor of an emergency in force."""
        if dataset.access_level == "private":
            raise Conflict("private_dataset", "A private dataset is never published.", "비공개 데이터셋은 공개할 수 없습니다.",
                           "Change its access level first (PUT /api/access/datasets/{accession}).")
        self.sync_taxa(uow, dataset, version)
        st = uow.session.get(AccessSettings, dataset.id)
        if dataset.access_level == "embargoed" and st is not None and st.embargo_until_publication and \
                policy.effective_level("embargoed", st, now()) == "embargoed":
            dois = [p.get("doi") for p in version.publications or [] if isinstance(p, dict) and p.get("doi")]
            if dois:
                self._lift(uow, identity, dataset, st, dois[0])
        uow.session.flush()
        for e in policy.active_emergencies(uow):
            if self._covered(uow, dataset, e):
                self._notify_emergency(uow, e, dataset, "declared")

    def sync_taxa(self, uow: UnitOfWork, dataset: Dataset, version: DatasetVersion | None = None) -> None:
        """Keep the published version's organisms, with their lineage, in `access_dataset_taxa`."""
        version = version or self._published(uow, dataset)
        wanted: set[int] = set()
        for org in (version.organisms if version else None) or []:
            taxid = org.get("taxon_id") if isinstance(org, dict) else None
            if isinstance(taxid, int) and taxid > 0:
                wanted.update(onto.taxon_lineage(taxid))
        have = set(uow.session.scalars(select(DatasetTaxon.taxon_id).where(DatasetTaxon.dataset_id == dataset.id)))
        for t in have - wanted:
            uow.session.delete(uow.session.get(DatasetTaxon, (dataset.id, t)))
        for t in wanted - have:
            uow.session.add(DatasetTaxon(dataset_id=dataset.id, taxon_id=t))

    # colleagues ---------------------------------------------------------------------------------------------
    def add_colleague(self, uow: UnitOfWork, identity: Identity, accession: str, data: ColleagueIn | dict) -> None:
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        self._require_visible(uow, identity, s, policy.grant(s), "share")
        data = parse(ColleagueIn, data)
        user = self._user(uow, data.username, "username")
        if user.id == dataset.owner_id or uow.session.scalar(select(Colleague.id).where(
                Colleague.dataset_id == dataset.id, Colleague.user_id == user.id)):
            raise Conflict("already_shared", f"{data.username} can already read the dataset.",
                           f"{data.username}은(는) 이미 데이터셋을 볼 수 있습니다.", "")
        uow.session.add(Colleague(dataset_id=dataset.id, user_id=user.id, added_by=identity.user_id))
        record(uow, identity, "access.colleague_add", "dataset", accession, {"user": data.username})

    def remove_colleague(self, uow: UnitOfWork, identity: Identity, accession: str, username: str) -> None:
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        self._require_visible(uow, identity, s, policy.edit(s) and (s.editor or s.system), "unshare")
        user = self._user(uow, username, "username")
        row = uow.session.scalar(select(Colleague).where(Colleague.dataset_id == dataset.id,
                                                         Colleague.user_id == user.id))
        if row is None:
            raise NotFound("Colleague", username)
        uow.session.delete(row)
        record(uow, identity, "access.colleague_remove", "dataset", accession, {"user": username})

    def colleagues(self, uow: UnitOfWork, identity: Identity, accession: str) -> list[str]:
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        self._require_visible(uow, identity, s, s.editor or s.system, "list the colleagues of")
        return list(uow.session.scalars(select(User.username).join(Colleague, Colleague.user_id == User.id)
                                        .where(Colleague.dataset_id == dataset.id).order_by(User.username)))

    def _user(self, uow: UnitOfWork, username: str, field: str) -> User:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise ValidationFailed([field_error("unknown_user", field, f"There is no user {username!r}.",
                                                f"사용자 {username!r}이(가) 없습니다.",
                                                "Check the spelling of the username.", username)])
        return user

    # reviewer links -----------------------------------------------------------------------------------------
    def create_link(self, uow: UnitOfWork, identity: Identity, accession: str,
                    data: ReviewerLinkIn | dict) -> ReviewerLinkOut:
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        self._require_visible(uow, identity, s, policy.grant(s), "create a reviewer link for")
        data = parse(ReviewerLinkIn, data)
        secret = REVIEWER_PREFIX + secrets.token_urlsafe(32)
        link = ReviewerLink(dataset_id=dataset.id, token_hash=hash_secret(secret), prefix=secret[:10], label=data.label,
                            created_by=identity.user_id, expires_at=now() + timedelta(days=data.days))
        uow.session.add(link)
        uow.session.flush()
        record(uow, identity, "access.reviewer_link_create", "dataset", accession,
               {"link": link.id, "prefix": link.prefix, "label": data.label, "expires_at": link.expires_at.isoformat()})
        out = self.link_out(link)
        out.token, out.url = secret, f"/api/review/{secret}"
        return out

    def revoke_link(self, uow: UnitOfWork, identity: Identity, link_id: int) -> ReviewerLinkOut:
        link = uow.session.get(ReviewerLink, link_id)
        dataset = uow.session.get(Dataset, link.dataset_id) if link else None
        allowed = False
        if dataset is not None:
            s = self.subject(uow, identity, dataset)
            allowed = s.editor or s.system or identity.has_role("operator")
        require(self.station, identity, allowed, "revoke", "reviewer_link", str(link_id), hide=True)
        if link.revoked_at is None:
            link.revoked_at, link.revoked_by = now(), identity.user_id
            record(uow, identity, "access.reviewer_link_revoke", "dataset", self.accession(dataset),
                   {"link": link.id, "prefix": link.prefix})
        return self.link_out(link)

    def links(self, uow: UnitOfWork, identity: Identity, accession: str) -> list[ReviewerLinkOut]:
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        self._require_visible(uow, identity, s, s.editor or s.system, "list the reviewer links of")
        rows = uow.session.scalars(select(ReviewerLink).where(ReviewerLink.dataset_id == dataset.id)
                                   .order_by(ReviewerLink.id).limit(1000))
        return [self.link_out(link) for link in rows]

    def link_out(self, link: ReviewerLink) -> ReviewerLinkOut:
        return ReviewerLinkOut(id=link.id, dataset=self.accession(link.dataset_id), label=link.label,
                               prefix=link.prefix, created_at=link.created_at, expires_at=link.expires_at,
                               revoked_at=link.revoked_at)

    def reviewer_identity(self, secret: str | None) -> ReviewerIdentity:
        """The identity a reviewer link's token gives; an unknown, expired or revoked token answers 404."""
        with self.station.uow() as uow:
            link = uow.session.scalar(select(ReviewerLink).where(ReviewerLink.token_hash == hash_secret(secret or "")))
            if link is not None and policy.link_valid(link, now()):
                return ReviewerIdentity(user_id=None, username=f"reviewer-link:{link.prefix}", via="reviewer-link",
                                        link_id=link.id, dataset_id=link.dataset_id)
        prefix = (secret or "")[:10]
        record_alone(self.station.session_factory, Identity(None, f"reviewer-link:{prefix}", via="reviewer-link"),
                     "reviewer_link.use", "reviewer_link", prefix or "-", {}, decision="deny")
        raise StationError("reviewer_link_invalid", "This reviewer link is unknown, expired or revoked.",
                           "검토자 링크가 없거나 만료되었거나 폐기되었습니다.", 404,
                           "Ask the authors or the journal's editor for a new link.")

    # committees ---------------------------------------------------------------------------------------------
    def create_committee(self, uow: UnitOfWork, identity: Identity, data: CommitteeIn | dict) -> CommitteeOut:
        require(self.station, identity, identity.has_role("operator") and not policy.is_reviewer(identity),
                "create", "committee", "new")
        data = parse(CommitteeIn, data)
        users = self._members(uow, data.members, "members")
        errors = []
        if not any(m.role == "chair" for m in data.members):
            errors.append(field_error("chair_required", "members", "A committee needs a chair.",
                                      "위원회에는 위원장이 있어야 합니다.", "Give one member \"role\": \"chair\"."))
        if data.quorum > len(users):
            errors.append(field_error("quorum_too_high", "quorum", f"The quorum ({data.quorum}) exceeds the number "
                                      f"of members ({len(users)}).", "정족수가 위원 수보다 많습니다.",
                                      "Lower the quorum or add members.", data.quorum))
        if uow.session.scalar(select(Committee.id).where(Committee.name == data.name)):
            errors.append(field_error("duplicate_committee", "name", f"A committee named {data.name!r} exists.",
                                      f"같은 이름의 위원회가 이미 있습니다: {data.name!r}.", "Choose another name.",
                                      data.name))
        if errors:
            raise ValidationFailed(errors)
        c = Committee(name=data.name, description=data.description, quorum=data.quorum, created_by=identity.user_id)
        uow.session.add(c)
        uow.session.flush()
        for m, user in zip(data.members, users):
            uow.session.add(CommitteeMember(committee_id=c.id, user_id=user.id, role=m.role))
        uow.session.flush()
        record(uow, identity, "access.committee_create", "committee", str(c.id),
               {"name": c.name, "quorum": c.quorum, "members": [m.model_dump() for m in data.members]})
        return self.committee_out(uow, c)

    def _members(self, uow: UnitOfWork, members: list, field: str) -> list[User]:
        errors, users = [], []
        seen = set()
        for i, m in enumerate(members):
            user = uow.session.scalar(select(User).where(User.username == m.username))
            if user is None:
                errors.append(field_error("unknown_user", f"{field}[{i}].username", f"There is no user {m.username!r}.",
                                          f"사용자 {m.username!r}이(가) 없습니다.", "Check the spelling.", m.username))
            elif "committee_member" not in (user.roles or []):
                errors.append(field_error("not_committee_member", f"{field}[{i}].username",
                                          f"{m.username} does not have the committee_member role.",
                                          f"{m.username}에게 committee_member 역할이 없습니다.",
                                          "An operator gives the role first (users roles).", m.username))
            elif user.id in seen:
                errors.append(field_error("duplicate_member", f"{field}[{i}].username", f"{m.username} is listed "
                                          "twice.", f"{m.username}이(가) 두 번 있습니다.", "List each member once.",
                                          m.username))
            else:
                seen.add(user.id)
                users.append(user)
        if errors:
            raise ValidationFailed(errors)
        return users

    def update_committee(self, uow: UnitOfWork, identity: Identity, committee_id: int,
                         data: CommitteePatch | dict) -> CommitteeOut:
        c = uow.session.get(Committee, committee_id)
        chair = c is not None and identity.user_id is not None and uow.session.scalar(select(CommitteeMember.id).where(
            CommitteeMember.committee_id == c.id, CommitteeMember.user_id == identity.user_id,
            CommitteeMember.role == "chair")) is not None
        if c is None:
            raise NotFound("Committee", str(committee_id))
        require(self.station, identity, identity.has_role("operator") or chair, "change", "committee",
                str(committee_id))
        data = parse(CommitteePatch, data)
        added = self._members(uow, data.add, "add")
        for m, user in zip(data.add, added):
            row = uow.session.scalar(select(CommitteeMember).where(CommitteeMember.committee_id == c.id,
                                                                   CommitteeMember.user_id == user.id))
            if row is None:
                uow.session.add(CommitteeMember(committee_id=c.id, user_id=user.id, role=m.role))
            else:
                row.role = m.role
        for i, username in enumerate(data.remove):
            user = self._user(uow, username, f"remove[{i}]")
            row = uow.session.scalar(select(CommitteeMember).where(CommitteeMember.committee_id == c.id,
                                                                   CommitteeMember.user_id == user.id))
            if row is not None:
                uow.session.delete(row)
        if data.description is not None:
            c.description = data.description
        if data.quorum is not None:
            c.quorum = data.quorum
        uow.session.flush()
        members = list(uow.session.scalars(select(CommitteeMember).where(CommitteeMember.committee_id == c.id)))
        errors = []
        if c.quorum > len(members):
            errors.append(field_error("quorum_too_high", "quorum", f"The quorum ({c.quorum}) exceeds the number of "
                                      f"members ({len(members)}).", "정족수가 위원 수보다 많습니다.",
                                      "Lower the quorum or add members.", c.quorum))
        if not any(m.role == "chair" for m in members):
            errors.append(field_error("chair_required", "remove", "A committee needs a chair.",
                                      "위원회에는 위원장이 있어야 합니다.", "Name another chair before removing this one."))
        if errors:
            raise ValidationFailed(errors)
        record(uow, identity, "access.committee_update", "committee", str(c.id),
               {"add": [m.model_dump() for m in data.add], "remove": data.remove, "quorum": data.quorum})
        return self.committee_out(uow, c)

    def committees(self, uow: UnitOfWork, identity: Identity, cursor: str | None = None,
                   limit: int | None = None) -> tuple[list[CommitteeOut], str | None]:
        require(self.station, identity, identity.user_id is not None or identity.is_system, "list", "committees", "*")
        page = paginate(uow.session, select(Committee), Committee.id, cursor,
                        limit or self.station.config.page_size_default, self.station.config.page_size_max)
        return [self.committee_out(uow, c) for c in page.items], page.next_cursor

    def committee(self, uow: UnitOfWork, identity: Identity, committee_id: int) -> CommitteeOut:
        require(self.station, identity, identity.user_id is not None or identity.is_system, "read", "committee",
                str(committee_id))
        c = uow.session.get(Committee, committee_id)
        if c is None:
            raise NotFound("Committee", str(committee_id))
        return self.committee_out(uow, c)

    def committee_out(self, uow: UnitOfWork, c: Committee) -> CommitteeOut:
        rows = uow.session.execute(select(User.username, CommitteeMember.role).join(
            CommitteeMember, CommitteeMember.user_id == User.id).where(CommitteeMember.committee_id == c.id)
            .order_by(CommitteeMember.role, User.username))
        return CommitteeOut(id=c.id, name=c.name, description=c.description, quorum=c.quorum,
                            members=[MemberOut(username=u, role=r) for u, r in rows])

    def _is_member(self, uow: UnitOfWork, identity: Identity, committee_id: int | None) -> bool:
        if identity.user_id is None or committee_id is None or policy.is_reviewer(identity):
            return False
        return uow.session.scalar(select(CommitteeMember.id).where(
            CommitteeMember.committee_id == committee_id, CommitteeMember.user_id == identity.user_id)) is not None

    # access requests ----------------------------------------------------------------------------------------
    def _pending_deletions(self, uow: UnitOfWork, user_id: int) -> list[int]:
        at = now()
        return list(uow.session.scalars(select(Grant.id).where(
            Grant.user_id == user_id, Grant.deletion_confirmed_at.is_(None),
            (Grant.expires_at <= at) | Grant.revoked_at.is_not(None)).limit(100)))

    def create_request(self, uow: UnitOfWork, identity: Identity, data: RequestIn | dict) -> RequestOut:
        if identity.user_id is None or policy.is_reviewer(identity):
            require(self.station, identity, False, "request access to", "dataset",
                    str(data.get("dataset") if isinstance(data, dict) else data.dataset))
        data = parse(RequestIn, data)
        dataset = self._dataset(uow, data.dataset)
        s = self.subject(uow, identity, dataset)
        require(self.station, identity, self.readable(uow, s), "read", "dataset", data.dataset, hide=True)
        self._check_requestable(uow, identity, s)
        if s.grant is not None:
            raise Conflict("already_granted", f"You already have access until {s.grant.expires_at.date()}.",
                           f"이미 {s.grant.expires_at.date()}까지 접근 권한이 있습니다.",
                           f"Ask for a renewal instead: POST /api/access/grants/{s.grant.id}/renew.")
        open_req = uow.session.scalar(select(AccessRequest.id).where(
            AccessRequest.dataset_id == dataset.id, AccessRequest.requester_id == identity.user_id,
            AccessRequest.state.in_(("draft", "submitted", "changes_requested"))))
        if open_req:
            raise Conflict("request_exists", f"Your request {open_req} for this dataset is still open.",
                           f"이 데이터셋에 대한 요청 {open_req}이(가) 아직 진행 중입니다.",
                           f"Change it with PATCH /api/access/requests/{open_req} or withdraw it.")
        req = AccessRequest(dataset_id=dataset.id, requester_id=identity.user_id, state="draft",
                            **_request_values(data))
        uow.session.add(req)
        uow.session.flush()
        self._rematch(uow, req)
        record(uow, identity, "access.request_create", "dataset", data.dataset, {"request": req.id})
        if data.submit:
            return self.submit_request(uow, identity, req.id)
        return self.request_out(uow, req, identity)

    def _check_requestable(self, uow: UnitOfWork, identity: Identity, s: Subject) -> None:
        if not s.published or s.effective != "controlled":
            raise Conflict("not_controlled", "Only controlled datasets take access requests.",
                           "접근 요청은 통제 접근 데이터셋에만 할 수 있습니다.",
                           "Open data needs no request; embargoed data opens at its embargo end.")
        if s.settings is None or s.settings.committee_id is None:
            raise Conflict("no_committee", "No data access committee is assigned to this dataset.",
                           "이 데이터셋에 배정된 데이터 접근 위원회가 없습니다.", "Ask an operator to assign one.")
        pending = self._pending_deletions(uow, identity.user_id)
        if pending:
            raise Conflict("deletion_confirmation_pending",
                           f"Confirm that you deleted your copies of data whose access ended (grants {pending}).",
                           f"접근이 끝난 데이터(권한 {pending})의 사본 삭제를 먼저 확인해 주세요.",
                           f"POST /api/access/grants/{pending[0]}/confirm-deletion")

    def _rematch(self, uow: UnitOfWork, req: AccessRequest) -> None:
        st = uow.session.get(AccessSettings, req.dataset_id)
        result = duo_mod.match(st.data_use if st else {}, req.purpose, institution=req.institution,
                               ethics_attached=req.ethics_key is not None, requested_days=req.requested_days)
        req.match = result.as_dict()

    def _own_request(self, uow: UnitOfWork, identity: Identity, request_id: int, action: str,
                     states: tuple[str, ...]) -> AccessRequest:
        req = uow.session.get(AccessRequest, request_id)
        allowed = req is not None and identity.user_id is not None and req.requester_id == identity.user_id
        require(self.station, identity, allowed, action, "access_request", str(request_id),
                hide=not (req is not None and self._can_see_request(uow, identity, req)))
        if req.state not in states:
            raise Conflict("request_state", f"Request {request_id} is {req.state}.",
                           f"요청 {request_id}은(는) '{req.state}' 상태입니다.",
                           f"This is possible only when the request is {' or '.join(states)}.")
        return req

    def update_request(self, uow: UnitOfWork, identity: Identity, request_id: int,
                       data: RequestPatch | dict) -> RequestOut:
        req = self._own_request(uow, identity, request_id, "change", ("draft", "changes_requested"))
        data = parse(RequestPatch, data)
        changed = data.model_dump(mode="json", exclude_unset=True)
        for key, value in changed.items():
            setattr(req, key, value if value is not None or key == "requested_days" else getattr(req, key))
        self._rematch(uow, req)
        record(uow, identity, "access.request_update", "access_request", str(req.id), {"fields": sorted(changed)})
        return self.request_out(uow, req, identity)

    def attach_ethics(self, uow: UnitOfWork, identity: Identity, request_id: int, filename: str,
                      chunks: Iterable[bytes]) -> RequestOut:
        """Store the ethics (IRB) approval, streamed; at most 20 MiB."""
        req = self._own_request(uow, identity, request_id, "attach a document to", ("draft", "changes_requested"))
        name = (filename or "").strip().rsplit("/", 1)[-1][:300]
        if not name:
            raise ValidationFailed([field_error("required", "filename", "Give the document's file name.",
                                                "문서 파일 이름이 필요합니다.", "e.g. ?filename=irb-approval.pdf")])
        key = f"access/ethics/{req.id}/{uuid.uuid4().hex}"
        sha, size = hashlib.sha256(), 0
        store = self.station.store
        with store.writer(key) as fh:
            for chunk in chunks:
                size += len(chunk)
                if size > ETHICS_MAX_BYTES:
                    raise ValidationFailed([field_error("too_large", "body", "The document is larger than 20 MiB.",
                                                        "문서가 20 MiB보다 큽니다.", "Send a PDF of the approval.")])
                sha.update(chunk)
                fh.write(chunk)
        if size == 0:
            store.delete(key)
            raise ValidationFailed([field_error("empty", "body", "The document is empty.", "문서가 비어 있습니다.",
                                                "Send the file's bytes as the request body.")])
        old = req.ethics_key
        req.ethics_key, req.ethics_filename, req.ethics_sha256, req.ethics_size = key, name, sha.hexdigest(), size
        # A renewal starts with its grant's request's document: free the old bytes only when no other request
        # still points at them.
        shared = old and uow.session.scalar(select(func.count()).select_from(AccessRequest).where(
            AccessRequest.ethics_key == old, AccessRequest.id != req.id))
        if old and not shared:
            uow.after_commit(lambda: store.delete(old))
        self._rematch(uow, req)
        record(uow, identity, "access.ethics_attach", "access_request", str(req.id),
               {"filename": name, "sha256": req.ethics_sha256, "size": size})
        return self.request_out(uow, req, identity)

    def ethics_document(self, uow: UnitOfWork, identity: Identity, request_id: int) -> tuple[str, str, int]:
        """(object key, file name, size) of the ethics approval, for the requester, the committee, operators."""
        req = uow.session.get(AccessRequest, request_id)
        allowed = req is not None and self._can_see_request(uow, identity, req) and req.ethics_key is not None
        require(self.station, identity, allowed, "read the ethics document of", "access_request", str(request_id),
                hide=True)
        record(uow, identity, "access.ethics_read", "access_request", str(req.id), {})
        return req.ethics_key, req.ethics_filename or "ethics", req.ethics_size or 0

    def submit_request(self, uow: UnitOfWork, identity: Identity, request_id: int) -> RequestOut:
        req = self._own_request(uow, identity, request_id, "submit", ("draft", "changes_requested"))
        dataset = uow.session.get(Dataset, req.dataset_id)
        self._check_requestable(uow, identity, self.subject(uow, identity, dataset))
        self._rematch(uow, req)
        if req.match.get("needs_ethics") and req.ethics_key is None:
            raise ValidationFailed([field_error(
                "ethics_approval_required", "ethics_approval", "The dataset's conditions require an ethics (IRB) "
                "approval.", "데이터셋 이용 조건에 따라 윤리(IRB) 승인서가 필요합니다.",
                f"Upload it with PUT /api/access/requests/{req.id}/ethics?filename=..., then submit again.")],
                "The request is not ready to submit.", "요청을 제출할 준비가 되지 않았습니다.")
        req.state, req.submitted_at, req.round = "submitted", now(), req.round + 1
        req.changes_message = None
        st = uow.session.get(AccessSettings, req.dataset_id)
        acc = self.accession(dataset)
        for uid in uow.session.scalars(select(CommitteeMember.user_id).where(
                CommitteeMember.committee_id == st.committee_id)):
            if uid != identity.user_id:
                self.notify(uow, uid, "request.submitted", f"request:{req.id}:round:{req.round}",
                            f"New access request {req.id} for {acc} awaits review.",
                            f"{acc}에 대한 접근 요청 {req.id}이(가) 심사를 기다립니다.",
                            {"request": req.id, "dataset": acc, "compatible": req.match.get("compatible")})
        record(uow, identity, "access.request_submit", "dataset", acc,
               {"request": req.id, "round": req.round, "compatible": req.match.get("compatible")})
        return self.request_out(uow, req, identity)

    def withdraw_request(self, uow: UnitOfWork, identity: Identity, request_id: int) -> RequestOut:
        req = self._own_request(uow, identity, request_id, "withdraw", ("draft", "submitted", "changes_requested"))
        req.state, req.decided_at = "withdrawn", now()
        record(uow, identity, "access.request_withdraw", "access_request", str(req.id), {})
        return self.request_out(uow, req, identity)

    def _can_see_request(self, uow: UnitOfWork, identity: Identity, req: AccessRequest) -> bool:
        if identity.is_system or (identity.has_role("operator") and not policy.is_reviewer(identity)):
            return True
        if identity.user_id is not None and identity.user_id == req.requester_id:
            return True
        st = uow.session.get(AccessSettings, req.dataset_id)
        return self._is_member(uow, identity, st.committee_id if st else None)

    def get_request(self, uow: UnitOfWork, identity: Identity, request_id: int) -> RequestOut:
        req = uow.session.get(AccessRequest, request_id)
        require(self.station, identity, req is not None and self._can_see_request(uow, identity, req), "read",
                "access_request", str(request_id), hide=True)
        return self.request_out(uow, req, identity)

    def my_requests(self, uow: UnitOfWork, identity: Identity, cursor: str | None = None,
                    limit: int | None = None) -> tuple[list[RequestOut], str | None]:
        if identity.user_id is None:
            raise Unauthenticated()
        q = select(AccessRequest).where(AccessRequest.requester_id == identity.user_id)
        page = paginate(uow.session, q, AccessRequest.id, cursor, limit or self.station.config.page_size_default,
                        self.station.config.page_size_max)
        return [self.request_out(uow, r, identity) for r in page.items], page.next_cursor

    def queue(self, uow: UnitOfWork, identity: Identity, *, state: str = "submitted", cursor: str | None = None,
              limit: int | None = None) -> tuple[list[RequestOut], str | None]:
        """Requests waiting for the caller's committees (operators: all), oldest first, with overdue flags."""
        operator = identity.has_role("operator") and not policy.is_reviewer(identity)
        mine = select(CommitteeMember.committee_id).where(CommitteeMember.user_id == identity.user_id)
        member = identity.user_id is not None and uow.session.scalar(mine.limit(1)) is not None
        require(self.station, identity, operator or member, "review", "access_requests", "queue")
        self.flag_overdue(uow)
        q = select(AccessRequest).where(AccessRequest.state == state)
        if not operator:
            q = q.where(AccessRequest.dataset_id.in_(
                select(AccessSettings.dataset_id).where(AccessSettings.committee_id.in_(mine))))
        page = paginate(uow.session, q, AccessRequest.id, cursor, limit or self.station.config.page_size_default,
                        self.station.config.page_size_max)
        return [self.request_out(uow, r, identity) for r in page.items], page.next_cursor

    def _review(self, uow: UnitOfWork, identity: Identity, request_id: int, action: str) -> tuple[AccessRequest,
                                                                                                   Committee]:
        req = uow.session.get(AccessRequest, request_id)
        st = uow.session.get(AccessSettings, req.dataset_id) if req else None
        member = st is not None and self._is_member(uow, identity, st.committee_id)
        require(self.station, identity, member, action, "access_request", str(request_id),
                hide=not (req is not None and self._can_see_request(uow, identity, req)))
        if req.state != "submitted":
            raise Conflict("request_state", f"Request {request_id} is {req.state}, not waiting for review.",
                           f"요청 {request_id}은(는) '{req.state}' 상태로 심사 대기 중이 아닙니다.", "")
        if req.requester_id == identity.user_id:
            raise Conflict("conflict_of_interest", "You cannot review your own request.",
                           "자신의 요청은 심사할 수 없습니다.", "Another committee member must review it.")
        return req, uow.session.get(Committee, st.committee_id)

    def ask_changes(self, uow: UnitOfWork, identity: Identity, request_id: int, data: ChangesIn | dict) -> RequestOut:
        req, _ = self._review(uow, identity, request_id, "ask for changes to")
        data = parse(ChangesIn, data)
        req.state, req.changes_message = "changes_requested", data.message
        acc = self.accession(req.dataset_id)
        self.notify(uow, req.requester_id, "request.changes", f"request:{req.id}:round:{req.round}",
                    f"The committee asks for changes to your request {req.id} for {acc}.",
                    f"위원회가 {acc}에 대한 요청 {req.id}의 수정을 요청했습니다.",
                    {"request": req.id, "dataset": acc, "message": data.message})
        record(uow, identity, "access.request_changes", "dataset", acc, {"request": req.id, "message": data.message})
        return self.request_out(uow, req, identity)

    def vote(self, uow: UnitOfWork, identity: Identity, request_id: int, data: VoteIn | dict) -> RequestOut:
        req, committee = self._review(uow, identity, request_id, "vote on")
        data = parse(VoteIn, data)
        self._rematch(uow, req)
        acc = self.accession(req.dataset_id)
        if data.vote == "reject" and len(data.comment.strip()) < 5:
            raise ValidationFailed([field_error("reason_required", "comment", "A rejection needs a reason.",
                                                "거절하려면 사유가 필요합니다.",
                                                "Say which condition the request does not meet.")])
        if data.vote == "approve":
            if not req.match.get("compatible"):
                problems = "; ".join(p["message_en"] for p in req.match.get("problems", []))
                raise Conflict("incompatible_request", f"The request does not fit the data-use conditions: {problems}",
                               "요청이 데이터 이용 조건에 맞지 않습니다.",
                               "Ask for changes (POST .../changes) or reject it with the reason.")
            if data.expires_on is not None:
                end = date_start(data.expires_on)
                max_days = req.match.get("max_days")
                latest = now() + timedelta(days=max_days) if max_days else add_years(now(), 5)
                if end <= now() or end > latest + timedelta(days=1):
                    raise ValidationFailed([field_error(
                        "invalid_expiry", "expires_on", "The grant must end in the future and within "
                        f"{max_days or 5 * 365} days.", "권한 종료일은 미래이고 허용 기간 이내여야 합니다.",
                        "Leave it out for one year.", data.expires_on.isoformat())])
        row = uow.session.scalar(select(Vote).where(Vote.request_id == req.id, Vote.user_id == identity.user_id,
                                                    Vote.round == req.round))
        if row is None:
            row = Vote(request_id=req.id, user_id=identity.user_id, round=req.round)
            uow.session.add(row)
        row.vote, row.comment, row.expires_on = data.vote, data.comment, data.expires_on
        uow.session.flush()
        record(uow, identity, "access.vote", "dataset", acc, {"request": req.id, "round": req.round,
                                                              "vote": data.vote, "comment": data.comment})
        votes = list(uow.session.scalars(select(Vote).where(Vote.request_id == req.id, Vote.round == req.round)))
        approvals = [v for v in votes if v.vote == "approve"]
        rejections = [v for v in votes if v.vote == "reject"]
        if len(approvals) >= committee.quorum:
            self._approve(uow, identity, req, approvals)
        elif len(rejections) >= committee.quorum:
            req.state, req.decided_at = "rejected", now()
            req.decision_reason = "\n".join(v.comment for v in rejections)
            self.notify(uow, req.requester_id, "request.rejected", f"request:{req.id}",
                        f"Your access request {req.id} for {acc} was rejected.",
                        f"{acc}에 대한 접근 요청 {req.id}이(가) 거절되었습니다.",
                        {"request": req.id, "dataset": acc, "reason": req.decision_reason})
            record(uow, identity, "access.request_reject", "dataset", acc,
                   {"request": req.id, "reason": req.decision_reason})
        return self.request_out(uow, req, identity)

    def _approve(self, uow: UnitOfWork, identity: Identity, req: AccessRequest, approvals: list[Vote]) -> None:
        at = now()
        ends = [date_start(v.expires_on) for v in approvals if v.expires_on]
        expires = min(ends) if ends else at + timedelta(days=DEFAULT_GRANT_DAYS)
        max_days = req.match.get("max_days")
        if max_days:
            expires = min(expires, at + timedelta(days=max_days))
        if req.requested_days:
            expires = min(expires, at + timedelta(days=req.requested_days))
        acc = self.accession(req.dataset_id)
        grant = uow.session.get(Grant, req.renews_grant_id) if req.renews_grant_id else None
        if grant is not None and grant.revoked_at is None:
            grant.expires_at, grant.renewed_at = max(expires, grant.expires_at), at
            action = "access.grant_renew"
        else:
            grant = Grant(dataset_id=req.dataset_id, user_id=req.requester_id, request_id=req.id, granted_at=at,
                          expires_at=expires)
            uow.session.add(grant)
            action = "access.grant"
        req.state, req.decided_at = "approved", at
        uow.session.flush()
        user = uow.session.get(User, req.requester_id)
        self.notify(uow, req.requester_id, "request.approved", f"request:{req.id}",
                    f"Your access request {req.id} for {acc} was approved until {grant.expires_at.date()}.",
                    f"{acc}에 대한 접근 요청 {req.id}이(가) {grant.expires_at.date()}까지 승인되었습니다.",
                    {"request": req.id, "dataset": acc, "grant": grant.id})
        record(uow, identity, action, "dataset", acc, {"grant": grant.id, "request": req.id, "user": user.username,
                                                       "expires_at": grant.expires_at.isoformat(),
                                                       "votes": [v.user_id for v in approvals]})

    def request_out(self, uow: UnitOfWork, req: AccessRequest, identity: Identity | None = None) -> RequestOut:
        requester = uow.session.get(User, req.requester_id)
        votes = []
        if identity is not None and (identity.user_id != req.requester_id or identity.has_role("operator")):
            for v, name in uow.session.execute(select(Vote, User.username).join(User, User.id == Vote.user_id).where(
                    Vote.request_id == req.id).order_by(Vote.id)):
                votes.append({"user": name, "round": v.round, "vote": v.vote, "comment": v.comment,
                              "expires_on": v.expires_on.isoformat() if v.expires_on else None})
        waiting = None
        if req.state == "submitted" and req.submitted_at:
            waiting = round((now() - req.submitted_at).total_seconds() / 86400, 2)
        return RequestOut(
            id=req.id, dataset=self.accession(req.dataset_id), requester=requester.username if requester else "",
            state=req.state, purpose=req.purpose, purpose_text=req.purpose_text, institution=req.institution,
            project_title=req.project_title, project_reference=req.project_reference,
            requested_days=req.requested_days, renews_grant=req.renews_grant_id,
            ethics_attached=req.ethics_key is not None, ethics_filename=req.ethics_filename, match=req.match,
            round=req.round, votes=votes, changes_message=req.changes_message, decision_reason=req.decision_reason,
            created_at=req.created_at, submitted_at=req.submitted_at, decided_at=req.decided_at,
            waiting_days=waiting, overdue=waiting is not None and waiting > OVERDUE_DAYS)

    def flag_overdue(self, uow: UnitOfWork) -> int:
        """Tell the committee chair(s) and the operators about requests waiting more than 14 days (once per
        submission round). Cheap and idempotent: run whenever a queue or notifications are read, or by a job."""
        cutoff = now() - timedelta(days=OVERDUE_DAYS)
        flagged, last = 0, 0
        operators: list[int] | None = None
        while True:
            batch = list(uow.session.scalars(select(AccessRequest).where(
                AccessRequest.state == "submitted", AccessRequest.submitted_at < cutoff, AccessRequest.id > last)
                .order_by(AccessRequest.id).limit(200)))
            if not batch:
                return flagged
            if operators is None:
                operators = list(uow.session.scalars(select(User.id).where(
                    User.active.is_(True), cast(User.roles, String).like('%"operator"%'))))
            for req in batch:
                last = req.id
                st = uow.session.get(AccessSettings, req.dataset_id)
                chairs = list(uow.session.scalars(select(CommitteeMember.user_id).where(
                    CommitteeMember.committee_id == (st.committee_id if st else None),
                    CommitteeMember.role == "chair")))
                acc = self.accession(req.dataset_id)
                days = int((now() - req.submitted_at).total_seconds() // 86400)
                for uid in dict.fromkeys(chairs + operators):
                    flagged += self.notify(
                        uow, uid, "request.overdue", f"request:{req.id}:round:{req.round}",
                        f"Access request {req.id} for {acc} has waited {days} days for a decision.",
                        f"{acc}에 대한 접근 요청 {req.id}이(가) {days}일째 결정을 기다리고 있습니다.",
                        {"request": req.id, "dataset": acc, "days": days})

    # grants -------------------------------------------------------------------------------------------------
    def grant_out(self, uow: UnitOfWork, g: Grant) -> GrantOut:
        at = now()
        state = "revoked" if g.revoked_at else "expired" if g.expires_at <= at else "active"
        user = uow.session.get(User, g.user_id)
        return GrantOut(id=g.id, dataset=self.accession(g.dataset_id), user=user.username if user else "",
                        request=g.request_id, granted_at=g.granted_at, expires_at=g.expires_at, state=state,
                        revoked_at=g.revoked_at, revoke_reason=g.revoke_reason,
                        deletion_confirmation_required=state != "active" and g.deletion_confirmed_at is None,
                        deletion_confirmed_at=g.deletion_confirmed_at)

    def my_grants(self, uow: UnitOfWork, identity: Identity, cursor: str | None = None,
                  limit: int | None = None) -> tuple[list[GrantOut], str | None]:
        if identity.user_id is None:
            raise Unauthenticated()
        page = paginate(uow.session, select(Grant).where(Grant.user_id == identity.user_id), Grant.id, cursor,
                        limit or self.station.config.page_size_default, self.station.config.page_size_max)
        return [self.grant_out(uow, g) for g in page.items], page.next_cursor

    def dataset_grants(self, uow: UnitOfWork, identity: Identity, accession: str, cursor: str | None = None,
                       limit: int | None = None) -> tuple[list[GrantOut], str | None]:
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        allowed = s.editor or s.committee or s.system or (identity.has_role("operator") and not policy.is_reviewer(
            identity))
        self._require_visible(uow, identity, s, allowed, "list the grants of")
        page = paginate(uow.session, select(Grant).where(Grant.dataset_id == dataset.id), Grant.id, cursor,
                        limit or self.station.config.page_size_default, self.station.config.page_size_max)
        return [self.grant_out(uow, g) for g in page.items], page.next_cursor

    def revoke_grant(self, uow: UnitOfWork, identity: Identity, grant_id: int, data: ReasonIn | dict) -> GrantOut:
        """Takes effect at once: the next request (or the next chunk of a guarded download) is refused."""
        g = uow.session.get(Grant, grant_id)
        allowed, visible = False, False
        if g is not None:
            s = self.subject(uow, identity, uow.session.get(Dataset, g.dataset_id))
            allowed = s.committee or s.editor or s.system or (identity.has_role("operator") and not
                                                               policy.is_reviewer(identity))
            visible = allowed or identity.user_id == g.user_id
        require(self.station, identity, allowed, "revoke", "grant", str(grant_id), hide=not visible)
        data = parse(ReasonIn, data)
        if g.revoked_at is not None:
            raise Conflict("already_revoked", f"Grant {grant_id} was already revoked.", f"권한 {grant_id}은(는) 이미 "
                           "철회되었습니다.", "")
        g.revoked_at, g.revoked_by, g.revoke_reason = now(), identity.user_id, data.reason
        acc = self.accession(g.dataset_id)
        self.notify(uow, g.user_id, "grant.revoked", f"grant:{g.id}", f"Your access to {acc} was revoked.",
                    f"{acc}에 대한 접근 권한이 철회되었습니다.", {"grant": g.id, "dataset": acc, "reason": data.reason})
        record(uow, identity, "access.revoke", "dataset", acc, {"grant": g.id, "user_id": g.user_id,
                                                                "reason": data.reason})
        return self.grant_out(uow, g)

    def confirm_deletion(self, uow: UnitOfWork, identity: Identity, grant_id: int) -> GrantOut:
        g = uow.session.get(Grant, grant_id)
        require(self.station, identity, g is not None and g.user_id == identity.user_id, "confirm deletion for",
                "grant", str(grant_id), hide=True)
        if g.revoked_at is None and g.expires_at > now():
            raise Conflict("grant_active", "The grant is still active.", "권한이 아직 유효합니다.",
                           "Confirm deletion once the grant has expired or been revoked.")
        if g.deletion_confirmed_at is None:
            g.deletion_confirmed_at = now()
            record(uow, identity, "access.deletion_confirm", "dataset", self.accession(g.dataset_id), {"grant": g.id})
        return self.grant_out(uow, g)

    def renew(self, uow: UnitOfWork, identity: Identity, grant_id: int) -> RequestOut:
        """Ask the committee to extend an active grant: a new request, prefilled from the one that led to it."""
        g = uow.session.get(Grant, grant_id)
        require(self.station, identity, g is not None and g.user_id == identity.user_id, "renew", "grant",
                str(grant_id), hide=True)
        if g.revoked_at is not None or g.expires_at <= now():
            raise Conflict("grant_not_active", "Only an active grant can be renewed.", "유효한 권한만 갱신할 수 있습니다.",
                           "Confirm deletion of your copies and make a new request.")
        base = uow.session.get(AccessRequest, g.request_id) if g.request_id else None
        open_req = uow.session.scalar(select(AccessRequest.id).where(
            AccessRequest.renews_grant_id == g.id, AccessRequest.state.in_(("draft", "submitted", "changes_requested"))))
        if open_req:
            raise Conflict("request_exists", f"Renewal request {open_req} is still open.",
                           f"갱신 요청 {open_req}이(가) 아직 진행 중입니다.", "")
        req = AccessRequest(dataset_id=g.dataset_id, requester_id=identity.user_id, state="draft",
                            renews_grant_id=g.id, purpose=dict(base.purpose) if base else {},
                            purpose_text=base.purpose_text if base else "", institution=base.institution if base else "",
                            project_title=base.project_title if base else "",
                            project_reference=base.project_reference if base else "",
                            ethics_key=base.ethics_key if base else None,
                            ethics_filename=base.ethics_filename if base else None,
                            ethics_sha256=base.ethics_sha256 if base else None,
                            ethics_size=base.ethics_size if base else None)
        uow.session.add(req)
        uow.session.flush()
        record(uow, identity, "access.renewal_request", "dataset", self.accession(g.dataset_id),
               {"grant": g.id, "request": req.id})
        return self.submit_request(uow, identity, req.id)

    # emergencies --------------------------------------------------------------------------------------------
    def declare(self, uow: UnitOfWork, identity: Identity, data: EmergencyIn | dict) -> EmergencyOut:
        require(self.station, identity, identity.has_role("operator") and not policy.is_reviewer(identity),
                "declare", "emergency", "new")
        data = parse(EmergencyIn, data)
        start = data.starts_at or now()
        errors = []
        for name, value in (("starts_at", start), ("ends_at", data.ends_at)):
            if value.tzinfo is None:
                errors.append(field_error("timezone_required", name, "Give the time with its zone.",
                                          "시간대를 포함해 입력하세요.", "e.g. 2025-03-01T09:00:00+09:00"))
        if not errors and data.ends_at <= max(start, now()):
            errors.append(field_error("invalid_period", "ends_at", "The end must be after the start and in the future.",
                                      "종료 시각은 시작 이후이며 미래여야 합니다.", "Pick a later end."))
        if errors:
            raise ValidationFailed(errors)
        e = Emergency(title=data.title, description=data.description, taxa=data.taxa, starts_at=start,
                      ends_at=data.ends_at, declared_by=identity.user_id)
        uow.session.add(e)
        uow.session.flush()
        record(uow, identity, "emergency.declare", "emergency", str(e.id),
               {"title": e.title, "taxa": e.taxa, "starts_at": start.isoformat(), "ends_at": e.ends_at.isoformat()})
        self.station.jobs.enqueue(uow, "access.emergency_notify", {"emergency_id": e.id, "event": "declared"},
                                  f"emergency:{e.id}")
        return self.emergency_out(e)

    def end(self, uow: UnitOfWork, identity: Identity, emergency_id: int, data: ReasonIn | dict) -> EmergencyOut:
        require(self.station, identity, identity.has_role("operator") and not policy.is_reviewer(identity),
                "end", "emergency", str(emergency_id))
        data = parse(ReasonIn, data)
        e = uow.session.get(Emergency, emergency_id)
        if e is None:
            raise NotFound("Emergency", str(emergency_id))
        at = now()
        if e.ends_at <= at:
            raise Conflict("emergency_over", f"Emergency {emergency_id} has already ended.",
                           f"비상 상황 {emergency_id}은(는) 이미 종료되었습니다.", "")
        e.ends_at, e.ended_by, e.end_reason = max(at, e.starts_at), identity.user_id, data.reason
        record(uow, identity, "emergency.end", "emergency", str(e.id), {"reason": data.reason,
                                                                        "ends_at": e.ends_at.isoformat()})
        self.station.jobs.enqueue(uow, "access.emergency_notify", {"emergency_id": e.id, "event": "ended"},
                                  f"emergency:{e.id}")
        return self.emergency_out(e)

    def emergencies(self, uow: UnitOfWork, identity: Identity, cursor: str | None = None,
                    limit: int | None = None) -> tuple[list[EmergencyOut], str | None]:
        """Public: who may read what during an emergency is public-health information."""
        page = paginate(uow.session, select(Emergency), Emergency.id, cursor,
                        limit or self.station.config.page_size_default, self.station.config.page_size_max)
        return [self.emergency_out(e) for e in page.items], page.next_cursor

    def emergency(self, uow: UnitOfWork, identity: Identity, emergency_id: int) -> EmergencyOut:
        e = uow.session.get(Emergency, emergency_id)
        if e is None:
            raise NotFound("Emergency", str(emergency_id))
        return self.emergency_out(e)

    def emergency_out(self, e: Emergency) -> EmergencyOut:
        at = now()
        return EmergencyOut(id=e.id, title=e.title, description=e.description,
                            taxa=[{"taxon_id": t, "name": onto.taxon_name(t)} for t in e.taxa], starts_at=e.starts_at,
                            ends_at=e.ends_at, active=e.starts_at <= at < e.ends_at, declared_at=e.declared_at,
                            end_reason=e.end_reason)

    def _covered_query(self, e: Emergency) -> Any:
        """Published datasets an emergency may open: embargoed, or controlled with the depositor's consent."""
        opted = select(AccessSettings.dataset_id).where(AccessSettings.emergency_opt_in.is_(True))
        return select(Dataset).where(
            Dataset.latest_published.is_not(None),
            (Dataset.access_level == "embargoed") | ((Dataset.access_level == "controlled") & Dataset.id.in_(opted)),
            Dataset.id.in_(select(DatasetTaxon.dataset_id).where(DatasetTaxon.taxon_id.in_([int(t) for t in e.taxa]))))

    def _covered(self, uow: UnitOfWork, dataset: Dataset, e: Emergency) -> bool:
        return uow.session.scalar(self._covered_query(e).where(Dataset.id == dataset.id).with_only_columns(
            Dataset.id)) is not None

    def covered_datasets(self, uow: UnitOfWork, identity: Identity, emergency_id: int, cursor: str | None = None,
                         limit: int | None = None) -> tuple[list[str], str | None]:
        require(self.station, identity, identity.has_role("operator") and not policy.is_reviewer(identity),
                "list the datasets of", "emergency", str(emergency_id))
        e = uow.session.get(Emergency, emergency_id)
        if e is None:
            raise NotFound("Emergency", str(emergency_id))
        page = paginate(uow.session, self._covered_query(e), Dataset.id, cursor,
                        limit or self.station.config.page_size_default, self.station.config.page_size_max)
        return [self.accession(d) for d in page.items
                if policy.effective_level(d.access_level, uow.session.get(AccessSettings, d.id), now())
                != "open"], page.next_cursor

    def notify_emergency(self, emergency_id: int, event: str) -> int:
        """Tell every depositor whose data the emergency opens (job; batches of 200 datasets)."""
        sent, last = 0, 0
        while True:
            with self.station.uow() as uow:
                e = uow.session.get(Emergency, emergency_id)
                if e is None:
                    return sent
                batch = list(uow.session.scalars(self._covered_query(e).where(Dataset.id > last)
                                                 .order_by(Dataset.id).limit(200)))
                for d in batch:
                    last = d.id
                    sent += self._notify_emergency(uow, e, d, event)
            if not batch:
                return sent

    def _notify_emergency(self, uow: UnitOfWork, e: Emergency, dataset: Dataset, event: str) -> int:
        acc = self.accession(dataset)
        users = [dataset.owner_id, *uow.session.scalars(select(DatasetMember.user_id).where(
            DatasetMember.dataset_id == dataset.id))]
        if event == "declared":
            en = (f"Emergency '{e.title}' opens {acc} to registered researchers from {e.starts_at:%Y-%m-%d %H:%M} UTC "
                  f"to {e.ends_at:%Y-%m-%d %H:%M} UTC; every read is logged.")
            ko = f"비상 상황 '{e.title}'에 따라 {acc}이(가) 기간 동안 등록 연구자에게 공개됩니다. 모든 열람은 기록됩니다."
        else:
            en = f"Emergency '{e.title}' has ended; {acc} is back to its own access level."
            ko = f"비상 상황 '{e.title}'이(가) 종료되어 {acc}의 접근 수준이 원래대로 돌아갔습니다."
        sent = 0
        for uid in dict.fromkeys(users):
            sent += self.notify(uow, uid, f"emergency.{event}", f"emergency:{e.id}:dataset:{dataset.id}", en, ko,
                                {"emergency": e.id, "dataset": acc, "starts_at": e.starts_at.isoformat(),
                                 "ends_at": e.ends_at.isoformat()})
        return sent

    # notifications ------------------------------------------------------------------------------------------
    def notify(self, uow: UnitOfWork, user_id: int, kind: str, ref: str, subject_en: str, subject_ko: str,
               data: dict[str, Any]) -> int:
        """Add a notification unless this user already has one of this kind about `ref`; returns 1 if added."""
        if uow.session.scalar(select(Notification.id).where(Notification.user_id == user_id, Notification.kind == kind,
                                                            Notification.ref == ref).limit(1)):
            return 0
        uow.session.add(Notification(user_id=user_id, kind=kind, ref=ref, subject_en=subject_en,
                                     subject_ko=subject_ko, data=data))
        uow.session.flush()
        return 1

    def notifications(self, uow: UnitOfWork, identity: Identity, *, unread: bool = False, cursor: str | None = None,
                      limit: int | None = None) -> tuple[list[NotificationOut], str | None]:
        if identity.user_id is None:
            raise Unauthenticated()
        self.flag_overdue(uow)
        q = select(Notification).where(Notification.user_id == identity.user_id)
        if unread:
            q = q.where(Notification.read_at.is_(None))
        page = paginate(uow.session, q, Notification.id, cursor, limit or self.station.config.page_size_default,
                        self.station.config.page_size_max)
        return [NotificationOut(id=n.id, kind=n.kind, subject_en=n.subject_en, subject_ko=n.subject_ko, data=n.data,
                                created_at=n.created_at, read_at=n.read_at) for n in page.items], page.next_cursor

    def mark_read(self, uow: UnitOfWork, identity: Identity, notification_id: int) -> None:
        n = uow.session.get(Notification, notification_id)
        require(self.station, identity, n is not None and n.user_id == identity.user_id, "read", "notification",
                str(notification_id), hide=True)
        n.read_at = n.read_at or now()

    # who read my data ---------------------------------------------------------------------------------------
    def access_log(self, uow: UnitOfWork, identity: Identity, accession: str, cursor: str | None = None,
                   limit: int | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """Every audited read of the dataset (files of non-open data, emergency and reviewer-link reads),
        newest first: the depositor sees who accessed their data."""
        dataset = self._dataset(uow, accession)
        s = self.subject(uow, identity, dataset)
        allowed = s.editor or s.committee or s.system or (identity.has_role("operator") and not policy.is_reviewer(
            identity))
        self._require_visible(uow, identity, s, allowed, "read the access log of")
        limit = limit or self.station.config.page_size_default
        if limit < 1 or limit > self.station.config.page_size_max:
            raise ValidationFailed([field_error("invalid_limit", "limit", "limit is out of range.",
                                                "limit 값이 범위를 벗어났습니다.", "Use a smaller page.", limit)])
        q = select(AuditEvent).where(AuditEvent.target == accession, AuditEvent.action.in_(READ_ACTIONS),
                                     AuditEvent.decision == "allow").order_by(AuditEvent.id.desc()).limit(limit + 1)
        if cursor:
            q = q.where(AuditEvent.id < int(decode_cursor(cursor)))
        rows = list(uow.session.scalars(q))
        more, rows = len(rows) > limit, rows[:limit]
        items = [{"id": e.id, "at": e.at, "who": e.actor, "user_id": e.actor_id, "action": e.action,
                  "details": e.details} for e in rows]
        return items, encode_cursor(rows[-1].id) if more and rows else None

    # quota --------------------------------------------------------------------------------------------------
    def _dataset_bytes(self, uow: UnitOfWork, dataset: Dataset) -> int:
        return int(uow.session.scalar(select(func.coalesce(func.sum(DatasetFile.size), 0)).where(
            DatasetFile.dataset_id == dataset.id)) or 0)

    def quota_for(self, uow: UnitOfWork, user_id: int) -> tuple[int, int]:
        """(quota, used) in bytes of a user's private space: every file of their private datasets."""
        row = uow.session.get(Quota, user_id)
        used = uow.session.scalar(select(func.coalesce(func.sum(DatasetFile.size), 0)).where(
            DatasetFile.dataset_id.in_(select(Dataset.id).where(Dataset.owner_id == user_id,
                                                                Dataset.access_level == "private"))))
        return (row.bytes if row else DEFAULT_PRIVATE_QUOTA), int(used or 0)

    def check_quota(self, uow: UnitOfWork, dataset: Dataset, add_bytes: int, *, switching: bool = False) -> None:
        """Refuse (409) adding `add_bytes` to a private dataset beyond its owner's quota. The upload service
        calls this when an upload starts; set_level when a dataset becomes private."""
        if dataset.access_level != "private" and not switching:
            return
        quota, used = self.quota_for(uow, dataset.owner_id)
        if used + add_bytes > quota:
            raise Conflict("quota_exceeded", f"Private space is full: {used} of {quota} bytes used, {add_bytes} more "
                           "needed.", f"비공개 공간이 부족합니다: {quota}바이트 중 {used}바이트 사용, {add_bytes}바이트 "
                           "추가 필요.", "Delete files from private datasets, publish some data, or ask an operator "
                           "for a larger quota.")

    def quota(self, uow: UnitOfWork, identity: Identity, username: str | None = None) -> QuotaOut:
        user = self._user(uow, username, "username") if username else (
            uow.session.get(User, identity.user_id) if identity.user_id else None)
        if user is None:
            raise Unauthenticated()
        require(self.station, identity, user.id == identity.user_id or identity.has_role("operator"), "read the quota "
                "of", "user", user.username)
        quota, used = self.quota_for(uow, user.id)
        return QuotaOut(user=user.username, quota_bytes=quota, used_bytes=used, available_bytes=max(quota - used, 0))

    def set_quota(self, uow: UnitOfWork, identity: Identity, username: str, data: dict) -> QuotaOut:
        from .schemas import QuotaIn
        require(self.station, identity, identity.has_role("operator") and not policy.is_reviewer(identity),
                "set the quota of", "user", username)
        data = parse(QuotaIn, data)
        user = self._user(uow, username, "username")
        row = uow.session.get(Quota, user.id)
        if row is None:
            uow.session.add(Quota(user_id=user.id, bytes=data.bytes))
        else:
            row.bytes = data.bytes
        uow.session.flush()
        record(uow, identity, "access.quota", "user", username, {"bytes": data.bytes})
        return self.quota(uow, identity, username)

    # DUO ----------------------------------------------------------------------------------------------------
    def match(self, data: dict) -> dict[str, Any]:
        """Check a purpose against data-use conditions without making a request (for forms and the CLI)."""
        from .schemas import MatchIn
        m = parse(MatchIn, data)
        errors = check_data_use(m.data_use)
        if errors:
            raise ValidationFailed(errors)
        return duo_mod.match(m.data_use.model_dump(mode="json"), m.purpose.model_dump(mode="json"),
                             institution=m.institution, ethics_attached=m.ethics_attached,
                             requested_days=m.requested_days).as_dict()


def _request_values(data: RequestIn) -> dict[str, Any]:
    return {"purpose": data.purpose.model_dump(mode="json"), "purpose_text": data.purpose_text,
            "institution": data.institution, "project_title": data.project_title,
            "project_reference": data.project_reference, "requested_days": data.requested_days}


__all__ = ["AccessService", "AccessRevoked", "DataUse", "Page"]
