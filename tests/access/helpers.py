from __future__ import annotations

from typing import Any

from biostation.errors import NotFound, PermissionDenied, Unauthenticated
from biostation.identity import Identity


def can_view(station: Any, identity: Identity, acc: str) -> bool:
    try:
        with station.uow() as uow:
            station.datasets.get(uow, identity, acc)
        return True
    except (NotFound, PermissionDenied, Unauthenticated):
        return False


def can_download(station: Any, identity: Identity, file_acc: str) -> bool:
    try:
        with station.uow() as uow:
            station.datasets.open_file(uow, identity, file_acc)
        return True
    except (NotFound, PermissionDenied, Unauthenticated):
        return False


def listed(station: Any, identity: Identity) -> set[str]:
    out, cursor = set(), None
    with station.uow() as uow:
        while True:
            page = station.datasets.list(uow, identity, cursor=cursor, limit=50)
            out |= {station.datasets.accession(d) for d in page.items}
            cursor = page.next_cursor
            if not cursor:
                return out


def audit(station: Any, action: str, target: str) -> list[Any]:
    from biostation.audit.service import list_events
    with station.uow() as uow:
        return list_events(uow.session, action=action, target=target, limit=1000)


def run_access_jobs(station: Any) -> int:
    """Run only the access domain's queued jobs (QC and indexing of the test files are not under test here)."""
    from sqlalchemy import select

    from biostation.jobs.models import Job
    with station.uow() as uow:
        ids = list(uow.session.scalars(select(Job.id).where(Job.state == "queued", Job.kind.like("access.%"))
                                       .order_by(Job.id)))
    for job_id in ids:
        station.jobs.run_one(job_id)
    return len(ids)
