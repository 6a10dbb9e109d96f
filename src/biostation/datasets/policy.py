"""Who may do what with a dataset, as small rules; the same rules give the list filter.

Access levels beyond 'open' (embargo, controlled, private) decide file reads here too, so the
download path, previews and QC reports all ask the same question.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from ..identity import Identity
from .models import Dataset, DatasetMember, DatasetVersion


def is_owner(identity: Identity, dataset: Dataset, co_owner_ids: set[int]) -> bool:
    return identity.user_id is not None and (identity.user_id == dataset.owner_id or identity.user_id in co_owner_ids)


def is_staff(identity: Identity) -> bool:
    return identity.has_role("curator", "operator")


def can_read_metadata(identity: Identity, dataset: Dataset, version: DatasetVersion, co_owner_ids: set[int]) -> bool:
    return version.state == "published" or is_owner(identity, dataset, co_owner_ids) or is_staff(identity)


def can_read_files(identity: Identity, dataset: Dataset, version: DatasetVersion, co_owner_ids: set[int]) -> bool:
    if is_owner(identity, dataset, co_owner_ids) or is_staff(identity):
        return True
    return version.state == "published" and dataset.access_level == "open"


def can_edit(identity: Identity, dataset: Dataset, co_owner_ids: set[int]) -> bool:
    return is_owner(identity, dataset, co_owner_ids) or is_staff(identity)


def can_publish(identity: Identity, dataset: Dataset, co_owner_ids: set[int], self_publish: bool) -> bool:
    return is_staff(identity) or (self_publish and is_owner(identity, dataset, co_owner_ids))


def list_filter(identity: Identity) -> ColumnElement[bool]:
    """SQL condition for the datasets a caller may see in a list (the same rule as can_read_metadata)."""
    if is_staff(identity):
        return true()
    published = Dataset.latest_published.is_not(None)
    if identity.user_id is None:
        return published
    member_of = select(DatasetMember.dataset_id).where(DatasetMember.user_id == identity.user_id)
    return or_(published, Dataset.owner_id == identity.user_id, Dataset.id.in_(member_of))
