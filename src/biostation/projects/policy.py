"""Who may do what with R&D projects. Project metadata is public; changes belong to its people."""
from __future__ import annotations

from ..identity import Identity


def can_create(identity: Identity) -> bool:
    return identity.has_role("researcher", "curator", "operator")


def is_member(identity: Identity, owner_id: int, member_ids: set[int]) -> bool:
    return identity.user_id is not None and (identity.user_id == owner_id or identity.user_id in member_ids)


def can_update(identity: Identity, owner_id: int, member_ids: set[int]) -> bool:
    return is_member(identity, owner_id, member_ids) or identity.has_role("curator", "operator")


def can_deposit(identity: Identity, owner_id: int, member_ids: set[int]) -> bool:
    """Create datasets under the project."""
    return can_update(identity, owner_id, member_ids)
