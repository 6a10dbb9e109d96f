"""Who may do what with a dataset: one set of rules for answers (`can_*`), list filters (SQL) and search
(principal sets), so a list or a search never shows what a direct read would refuse.

A caller stands to a dataset as some of: the public, a registered researcher, its owner, a co-owner, a named
colleague, a reviewer link, a member of its data access committee, a grantee, a curator or an operator, and
an emergency may cover it. Levels:

- open: everyone reads metadata and files of published versions.
- embargoed: nothing shows until the embargo ends (a date, or a linked publication); the clock decides at
  request time, so it lifts with no job. Owners, co-owners, colleagues, reviewer links and curators see it.
- controlled: metadata public; files only with an active grant (owners and curators keep their access).
- private ('My Lab Data'): owner, co-owners, colleagues and reviewer links only; never published; curators
  and operators do not see it either.
Unpublished versions (drafts) are seen by insiders and, for non-private datasets, curators.
Emergencies open published embargoed datasets, and controlled ones whose depositor opted in, to registered
researchers while the emergency lasts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from ..clock import now as clock_now
from ..datasets.models import Dataset, DatasetMember, DatasetVersion
from ..identity import Identity
from .models import AccessSettings, Colleague, CommitteeMember, DatasetTaxon, Emergency, Grant, ReviewerLink

LEVELS = ("open", "embargoed", "controlled", "private")
PUBLIC = "public"


@dataclass(frozen=True)
class ReviewerIdentity(Identity):
    """The anonymous caller holding a reviewer link: reads one dataset, nothing else, while the link is valid."""

    link_id: int = 0
    dataset_id: int = 0


def is_reviewer(identity: Identity) -> bool:
    return isinstance(identity, ReviewerIdentity) and identity.via == "reviewer-link"


def is_registered(identity: Identity) -> bool:
    return identity.user_id is not None


@dataclass
class Decision:
    allowed: bool
    basis: str = ""  # public, owner, co_owner, colleague, reviewer-link, staff, grant, emergency, system
    emergency_id: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


DENY = Decision(False)


def _settings_embargo_active(settings: AccessSettings | None, at: datetime) -> bool:
    # No settings row for an embargoed dataset means no known end: keep it closed (deny by default).
    return settings is None or settings.embargo_until is None or settings.embargo_until > at


def effective_level(level: str, settings: AccessSettings | None, at: datetime) -> str:
    """The level in force now: an embargo whose end has passed behaves as open."""
    if level == "embargoed" and not _settings_embargo_active(settings, at):
        return "open"
    return level if level in LEVELS else "private"  # an unknown level is treated as the most closed


def active_emergencies(uow: Any, at: datetime | None = None) -> list[Emergency]:
    """Emergencies in force at `at` (cached per unit of work and instant)."""
    at = at or clock_now()
    cache = uow.__dict__.setdefault("_access_emergencies", {})
    if at not in cache:
        cache[at] = list(uow.session.scalars(select(Emergency).where(Emergency.starts_at <= at, Emergency.ends_at > at)
                                             .order_by(Emergency.id)))
    return cache[at]


class Subject:
    """What one caller is to one dataset, read lazily from the unit of work (each fact at most once)."""

    def __init__(self, uow: Any, identity: Identity, dataset: Dataset, at: datetime | None = None):
        self.uow, self.identity, self.dataset = uow, identity, dataset
        self.now = at or clock_now()

    @property
    def uid(self) -> int | None:
        return self.identity.user_id

    @cached_property
    def settings(self) -> AccessSettings | None:
        return self.uow.session.get(AccessSettings, self.dataset.id)

    @property
    def level(self) -> str:
        return self.dataset.access_level

    @cached_property
    def effective(self) -> str:
        return effective_level(self.level, self.settings, self.now)

    @property
    def published(self) -> bool:
        return self.dataset.latest_published is not None

    @property
    def system(self) -> bool:
        return self.identity.is_system

    @property
    def owner(self) -> bool:
        return self.uid is not None and self.uid == self.dataset.owner_id

    @cached_property
    def co_owner(self) -> bool:
        return self.uid is not None and self.uow.session.scalar(
            select(DatasetMember.id).where(DatasetMember.dataset_id == self.dataset.id,
                                           DatasetMember.user_id == self.uid).limit(1)) is not None

    @cached_property
    def colleague(self) -> bool:
        return self.uid is not None and self.uow.session.scalar(
            select(Colleague.id).where(Colleague.dataset_id == self.dataset.id,
                                       Colleague.user_id == self.uid).limit(1)) is not None

    @cached_property
    def reviewer(self) -> bool:
        ident = self.identity
        if not is_reviewer(ident) or ident.dataset_id != self.dataset.id:
            return False
        link = self.uow.session.get(ReviewerLink, ident.link_id)
        return link is not None and link_valid(link, self.now) and link.dataset_id == self.dataset.id

    @property
    def staff(self) -> bool:
        return not is_reviewer(self.identity) and self.identity.has_role("curator", "operator")

    @cached_property
    def committee(self) -> bool:
        s = self.settings
        if self.uid is None or s is None or s.committee_id is None:
            return False
        return self.uow.session.scalar(select(CommitteeMember.id).where(
            CommitteeMember.committee_id == s.committee_id, CommitteeMember.user_id == self.uid).limit(1)) is not None

    @cached_property
    def grant(self) -> Grant | None:
        if self.uid is None:
            return None
        return self.uow.session.scalar(select(Grant).where(
            Grant.dataset_id == self.dataset.id, Grant.user_id == self.uid, Grant.revoked_at.is_(None),
            Grant.expires_at > self.now).order_by(Grant.expires_at.desc()).limit(1))

    @property
    def editor(self) -> bool:
        return self.owner or self.co_owner

    @cached_property
    def emergency(self) -> int | None:
        """The emergency opening this dataset to this caller now, if any."""
        if not is_registered(self.identity) or not self.published:
            return None
        eligible = self.effective == "embargoed" or (
            self.effective == "controlled" and self.settings is not None and self.settings.emergency_opt_in)
        if not eligible:
            return None
        emergencies = active_emergencies(self.uow, self.now)
        if not emergencies:
            return None
        wanted = {int(t) for e in emergencies for t in e.taxa}
        present = set(self.uow.session.scalars(select(DatasetTaxon.taxon_id).where(
            DatasetTaxon.dataset_id == self.dataset.id, DatasetTaxon.taxon_id.in_(wanted))))
        for e in emergencies:
            if present.intersection(int(t) for t in e.taxa):
                return e.id
        return None

    def insider(self) -> str | None:
        """The relation that lets this caller read whatever the dataset holds (metadata of every version)."""
        if self.owner:
            return "owner"
        if self.co_owner:
            return "co_owner"
        if self.colleague:
            return "colleague"
        if self.reviewer:
            return "reviewer-link"
        return None


def link_valid(link: ReviewerLink, at: datetime) -> bool:
    return link.revoked_at is None and link.expires_at > at


# answers ------------------------------------------------------------------------------------------------------
def sees_drafts(s: Subject) -> bool:
    return s.system or s.insider() is not None or (s.staff and s.level != "private")


def read_metadata(s: Subject, version: DatasetVersion | None) -> Decision:
    if version is None:
        return DENY
    if s.system:
        return Decision(True, "system")
    who = s.insider()
    if who:
        return Decision(True, who)
    if s.staff and s.level != "private":
        return Decision(True, "staff")
    if version.state != "published":
        return DENY
    if s.effective in ("open", "controlled"):
        return Decision(True, "public")
    if s.emergency is not None:
        return Decision(True, "emergency", s.emergency)
    return DENY


def read_files(s: Subject, version: DatasetVersion | None) -> Decision:
    if version is None:
        return DENY
    if s.system:
        return Decision(True, "system")
    if s.owner:
        return Decision(True, "owner")
    if s.co_owner:
        return Decision(True, "co_owner")
    if s.staff and s.level != "private":
        return Decision(True, "staff")
    if s.effective != "controlled":
        # Colleagues and reviewer links read what is shared with them, but never controlled files:
        # those need a committee's grant.
        who = "colleague" if s.colleague else "reviewer-link" if s.reviewer else None
        if who:
            return Decision(True, who)
    if version.state != "published":
        return DENY
    if s.effective == "open":
        return Decision(True, "public")
    if s.effective == "controlled" and s.grant is not None:
        return Decision(True, "grant")
    if s.emergency is not None:
        return Decision(True, "emergency", s.emergency)
    return DENY


def edit(s: Subject) -> Decision:
    if s.system:
        return Decision(True, "system")
    if s.editor:
        return Decision(True, "owner" if s.owner else "co_owner")
    if s.staff and s.level != "private":
        return Decision(True, "staff")
    return DENY


def publish(s: Subject, self_publish: bool) -> Decision:
    if s.level == "private":
        return DENY  # 'My Lab Data' is never published: change the level first
    if s.system:
        return Decision(True, "system")
    if s.staff:
        return Decision(True, "staff")
    if self_publish and s.editor:
        return Decision(True, "owner" if s.owner else "co_owner")
    return DENY


def grant(s: Subject) -> Decision:
    """Who may give others access: the committee for controlled data; the owners for what is not public yet
    (reviewer links, colleagues). Nobody for open data: everyone has it already."""
    if s.published and s.effective == "controlled":
        return Decision(True, "committee") if s.committee else DENY
    if s.published and s.effective == "open":
        return DENY
    if s.editor:
        return Decision(True, "owner" if s.owner else "co_owner")
    if s.system:
        return Decision(True, "system")
    return DENY


def answers(s: Subject, version: DatasetVersion | None, self_publish: bool) -> dict[str, bool]:
    return {"read_metadata": bool(read_metadata(s, version)), "read_files": bool(read_files(s, version)),
            "edit": bool(edit(s)), "publish": bool(publish(s, self_publish)), "grant": bool(grant(s))}


# lists --------------------------------------------------------------------------------------------------------
def list_filter(uow: Any, identity: Identity, at: datetime | None = None) -> ColumnElement[bool]:
    """SQL condition on `datasets`: exactly the datasets whose metadata `read_metadata` lets the caller read."""
    at = at or clock_now()
    if identity.is_system:
        return Dataset.id.is_not(None)
    published = Dataset.latest_published.is_not(None)
    lifted = Dataset.id.in_(select(AccessSettings.dataset_id).where(AccessSettings.embargo_until <= at))
    conds: list[ColumnElement[bool]] = [and_(published, or_(
        Dataset.access_level.in_(("open", "controlled")), and_(Dataset.access_level == "embargoed", lifted)))]
    if is_reviewer(identity):
        link = uow.session.get(ReviewerLink, identity.link_id)
        if link is not None and link_valid(link, at) and link.dataset_id == identity.dataset_id:
            conds.append(Dataset.id == link.dataset_id)
        return or_(*conds)
    if identity.has_role("curator", "operator"):
        conds.append(Dataset.access_level != "private")
    uid = identity.user_id
    if uid is not None:
        conds.append(Dataset.owner_id == uid)
        conds.append(Dataset.id.in_(select(DatasetMember.dataset_id).where(DatasetMember.user_id == uid)))
        conds.append(Dataset.id.in_(select(Colleague.dataset_id).where(Colleague.user_id == uid)))
        taxa = {int(t) for e in active_emergencies(uow, at) for t in e.taxa}
        if taxa:
            conds.append(and_(published, Dataset.access_level == "embargoed", ~lifted,
                              Dataset.id.in_(select(DatasetTaxon.dataset_id).where(DatasetTaxon.taxon_id.in_(taxa)))))
    return or_(*conds) if conds else false()


# search -------------------------------------------------------------------------------------------------------
def principals(uow: Any, identity: Identity, at: datetime | None = None) -> set[str]:
    """Every principal the caller holds now; a record is visible when this meets its `readers`."""
    at = at or clock_now()
    out = {PUBLIC}
    if identity.is_system:
        return out | {"role:curator", "role:operator", "system"}
    if is_reviewer(identity):
        link = uow.session.get(ReviewerLink, identity.link_id)
        if link is not None and link_valid(link, at) and link.dataset_id == identity.dataset_id:
            out.add(f"dataset:{link.dataset_id}:reviewers")
        return out
    for role in ("curator", "operator"):
        if identity.has_role(role):
            out.add(f"role:{role}")
    uid = identity.user_id
    if uid is None:
        return out
    out |= {"registered", f"user:{uid}"}
    member_of = select(DatasetMember.dataset_id).where(DatasetMember.user_id == uid).union(
        select(Colleague.dataset_id).where(Colleague.user_id == uid))
    out |= {f"dataset:{d}:members" for d in uow.session.scalars(member_of)}
    out |= {f"grant:{d}" for d in uow.session.scalars(select(Grant.dataset_id).where(
        Grant.user_id == uid, Grant.revoked_at.is_(None), Grant.expires_at > at))}
    out |= {f"emergency-taxon:{int(t)}" for e in active_emergencies(uow, at) for t in e.taxa}
    return out


def readers(uow: Any, dataset: Dataset, at: datetime | None = None, *, ignore_embargo: bool = False) -> set[str]:
    """The principals that may read the dataset's record (metadata) now. `ignore_embargo` adds 'public' to an
    embargoed published dataset, for indexes that apply the embargo end themselves (SearchDoc.embargo_until)."""
    at = at or clock_now()
    settings = uow.session.get(AccessSettings, dataset.id)
    level = effective_level(dataset.access_level, settings, at)
    published = dataset.latest_published is not None
    out = {f"user:{dataset.owner_id}", f"dataset:{dataset.id}:members", f"dataset:{dataset.id}:reviewers", "system"}
    if dataset.access_level != "private":
        out |= {"role:curator", "role:operator"}
    if published and (level in ("open", "controlled") or (ignore_embargo and level == "embargoed")):
        out.add(PUBLIC)
    if published and level == "embargoed":
        out |= {f"emergency-taxon:{t}" for t in uow.session.scalars(
            select(DatasetTaxon.taxon_id).where(DatasetTaxon.dataset_id == dataset.id))}
    return out
