"""Who may do what with R&D projects. Project metadata is public; changes belong to its people."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, or_, true

from ..identity import Identity
from .models import Project, ProjectMember


def can_create(identity: Identity) -> bool:
    return identity.has_role("researcher", "curator", "operator")


def is_member(identity: Identity, owner_id: int, member_ids: set[int]) -> bool:
    return identity.user_id is not None and (identity.user_id == owner_id or identity.user_id in member_ids)


def can_update(identity: Identity, owner_id: int, member_ids: set[int]) -> bool:
    return is_member(identity, owner_id, member_ids) or identity.has_role("curator", "operator")


def can_deposit(identity: Identity, owner_id: int, member_ids: set[int]) -> bool:
    """Create datasets under the project."""
    return can_update(identity, owner_id, member_ids)


def deposit_scope(identity: Identity) -> str | None:
    """``can_deposit`` for any project: "all" (curators, operators), "own" (where the user is owner, PI or
    member) or None (nobody signed in)."""
    if identity.has_role("curator", "operator"):
        return "all"
    return "own" if identity.user_id is not None else None


def deposit_clause(scope: str, user_id: Any) -> ColumnElement[bool]:
    """The projects a ``deposit_scope`` may deposit into, as SQL on ``projects`` (the same rule as can_deposit)."""
    if scope == "all":
        return true()
    return or_(Project.owner_id == user_id, Project.pi_user_id == user_id,
               exists().where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user_id))
