"""Who may see the station's statistics.

The full statistics (usage per dataset group, utilisation, QC grades) are for the people who run the
station: operators and curators. Everyone keeps the public headline numbers (published datasets they may
read), which the home page shows.
"""
from __future__ import annotations

from ..identity import Identity


def can_read_statistics(identity: Identity) -> bool:
    if identity.is_system:
        return True
    return identity.user_id is not None and identity.has_role("operator", "curator")


def can_rebuild(identity: Identity) -> bool:
    return identity.is_system or (identity.user_id is not None and identity.has_role("operator"))
