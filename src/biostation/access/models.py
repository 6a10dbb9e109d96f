"""Tables of the access domain: per-dataset access settings, sharing, committees, requests, grants,
reviewer links, emergencies and the notifications they produce.

``datasets.access_level`` (a core column) names the level; everything a level needs beyond its name
(embargo dates, data-use conditions, the reviewing committee) lives in ``access_settings``.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base


class AccessSettings(Base):
    """What a dataset's level needs: embargo end, data-use conditions (DUO), committee, emergency opt-in."""

    __tablename__ = "access_settings"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    embargo_started_at: Mapped[datetime | None]
    embargo_until: Mapped[datetime | None] = mapped_column(index=True)
    embargo_until_publication: Mapped[bool] = mapped_column(default=False)
    embargo_extended_at: Mapped[datetime | None]
    embargo_extension_reason: Mapped[str | None] = mapped_column(Text)
    embargo_lifted_by_publication: Mapped[str | None] = mapped_column(String(300))
    data_use: Mapped[dict] = mapped_column(default=dict)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("access_committees.id"), index=True)
    emergency_opt_in: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class DatasetTaxon(Base):
    """A published dataset's organisms with their whole lineage, so an emergency for a family finds its species
    with one indexed look-up (filled when a version is published or the level changes)."""

    __tablename__ = "access_dataset_taxa"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    taxon_id: Mapped[int] = mapped_column(primary_key=True, index=True)


class Colleague(Base):
    """A named colleague who may read (not edit) a dataset that is not public: 'My Lab Data' sharing."""

    __tablename__ = "access_colleagues"
    __table_args__ = (UniqueConstraint("dataset_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class ReviewerLink(Base):
    """Anonymous, read-only access to one dataset for a journal's referees; only the token's hash is kept."""

    __tablename__ = "access_reviewer_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Committee(Base):
    """A data access committee: decides requests for the controlled datasets assigned to it."""

    __tablename__ = "access_committees"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quorum: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class CommitteeMember(Base):
    __tablename__ = "access_committee_members"
    __table_args__ = (UniqueConstraint("committee_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("access_committees.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")  # chair | member


class AccessRequest(Base):
    """A researcher's request to use a controlled dataset: purpose (DUO + text), institution, project, ethics."""

    __tablename__ = "access_requests"
    __table_args__ = (Index("ix_access_requests_state_submitted", "state", "submitted_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # draft | submitted | changes_requested | approved | rejected | withdrawn
    state: Mapped[str] = mapped_column(String(20), default="draft")
    purpose: Mapped[dict] = mapped_column(default=dict)
    purpose_text: Mapped[str] = mapped_column(Text, default="")
    institution: Mapped[str] = mapped_column(String(300), default="")
    project_title: Mapped[str] = mapped_column(Text, default="")
    project_reference: Mapped[str] = mapped_column(String(100), default="")
    requested_days: Mapped[int | None]
    renews_grant_id: Mapped[int | None]  # a renewal extends this grant instead of creating a new one
    ethics_key: Mapped[str | None] = mapped_column(String(200))
    ethics_filename: Mapped[str | None] = mapped_column(String(300))
    ethics_sha256: Mapped[str | None] = mapped_column(String(64))
    ethics_size: Mapped[int | None] = mapped_column(BigInteger)
    match: Mapped[dict] = mapped_column(default=dict)
    round: Mapped[int] = mapped_column(default=0)
    changes_message: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]


class Vote(Base):
    """One committee member's vote in one review round; a decision needs `quorum` matching votes."""

    __tablename__ = "access_votes"
    __table_args__ = (UniqueConstraint("request_id", "user_id", "round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    round: Mapped[int]
    vote: Mapped[str] = mapped_column(String(10))  # approve | reject
    comment: Mapped[str] = mapped_column(Text, default="")
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Grant(Base):
    """File access to one controlled dataset for one user until `expires_at`; revocation is immediate."""

    __tablename__ = "access_grants"
    __table_args__ = (Index("ix_access_grants_dataset_user", "dataset_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("access_requests.id"))
    granted_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    renewed_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    deletion_confirmed_at: Mapped[datetime | None]


class Emergency(Base):
    """A declared public-health emergency for some taxa (descendants included), active in [starts_at, ends_at)."""

    __tablename__ = "access_emergencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    taxa: Mapped[list] = mapped_column(default=list)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(default=now)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """A message to one user (emergency opened their data, a request waits too long, a decision was made)."""

    __tablename__ = "access_notifications"
    __table_args__ = (Index("ix_access_notifications_user_ref", "user_id", "kind", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    ref: Mapped[str] = mapped_column(String(100), default="")
    subject_en: Mapped[str] = mapped_column(Text)
    subject_ko: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=now)
    read_at: Mapped[datetime | None]


class Quota(Base):
    """A user's private-space ('My Lab Data') quota when it differs from the default."""

    __tablename__ = "access_quotas"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
