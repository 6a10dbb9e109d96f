"""Who may do what with a dataset. The rules live in ``biostation.access.policy`` (one place for answers,
list filters and search principals); this module is the datasets service's view of them.

Access levels (open, embargoed, controlled, private), colleagues, reviewer links, grants and emergencies
all decide file reads here too, so the download path, previews and QC reports ask the same question.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from ..access import policy as access
from ..access.policy import Decision, Subject
from ..identity import Identity
from .models import Dataset, DatasetVersion

__all__ = ["Decision", "Subject", "subject", "is_owner", "is_staff", "sees_drafts", "can_read_metadata",
           "can_read_files", "can_edit", "can_edit_subject", "can_publish", "list_filter"]


def subject(uow: Any, identity: Identity, dataset: Dataset) -> Subject:
    return Subject(uow, identity, dataset)


def is_owner(identity: Identity, dataset: Dataset, co_owner_ids: set[int]) -> bool:
    return identity.user_id is not None and (identity.user_id == dataset.owner_id or identity.user_id in co_owner_ids)


def is_staff(identity: Identity) -> bool:
    return not access.is_reviewer(identity) and identity.has_role("curator", "operator")


def sees_drafts(s: Subject) -> bool:
    return access.sees_drafts(s)


def can_read_metadata(s: Subject, version: DatasetVersion | None) -> Decision:
    return access.read_metadata(s, version)


def can_read_files(s: Subject, version: DatasetVersion | None) -> Decision:
    return access.read_files(s, version)


def can_edit(identity: Identity, dataset: Dataset, co_owner_ids: set[int]) -> bool:
    """Owners and co-owners; curators and operators too, except in a private ('My Lab Data') dataset."""
    if identity.is_system or is_owner(identity, dataset, co_owner_ids):
        return True
    return is_staff(identity) and dataset.access_level != "private"


def can_edit_subject(s: Subject) -> Decision:
    return access.edit(s)


def can_publish(s: Subject, self_publish: bool) -> Decision:
    return access.publish(s, self_publish)


def list_filter(uow: Any, identity: Identity) -> ColumnElement[bool]:
    """SQL condition for the datasets a caller may see in a list (the same rules as can_read_metadata)."""
    return access.list_filter(uow, identity)
