"""Who may do what with forms and samples, as small rules; the sample rule is also the list filter.

Forms are public definitions (anyone may read them and download templates); only curators and operators
add or deprecate versions. Depositing samples is depositing into the R&D project (the project's rule);
linking them to a dataset also needs the right to edit that dataset (the dataset's rule).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true

from ..datasets import policy as dataset_policy
from ..datasets.models import Dataset
from ..identity import Identity
from ..projects.models import Project, ProjectMember
from .models import Sample


def can_read_forms(identity: Identity) -> bool:
    return True


def can_curate(identity: Identity) -> bool:
    return identity.has_role("curator", "operator")


def sample_filter(uow: Any, identity: Identity) -> ColumnElement[bool]:
    """SQL condition for the samples a caller may read (lists and single look-ups use the same rule): its
    depositor always; a sample linked to a dataset when the dataset is visible (the dataset policy's own list
    rule, so private and embargoed datasets hide their samples too); an unlinked sample for the people of its
    R&D project and for curators and operators."""
    if identity.is_system:
        return true()
    visible = select(Dataset.id).where(dataset_policy.list_filter(uow, identity))
    conds: list[ColumnElement[bool]] = [Sample.dataset_id.in_(visible)]
    unlinked = Sample.dataset_id.is_(None)
    if dataset_policy.is_staff(identity):
        conds.append(unlinked)
    uid = identity.user_id
    if uid is not None:
        projects = select(Project.id).where(or_(Project.owner_id == uid, Project.pi_user_id == uid))
        member_of = select(ProjectMember.project_id).where(ProjectMember.user_id == uid)
        conds += [Sample.created_by == uid,
                  and_(unlinked, or_(Sample.project_id.in_(projects), Sample.project_id.in_(member_of)))]
    return or_(*conds)
