"""A station with one dataset per access scenario and one person per role, built once per database engine.

Used by the permission matrix: every role x every scenario x every action is answered against it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from biostation import clock
from biostation.accounts.service import identity_for
from biostation.identity import ANONYMOUS, SYSTEM, Identity
from tests.conftest import DATASET, PROJECT

T0 = datetime(2025, 1, 10, 3, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=60)  # the instant the matrix is asked at
SARS_COV_2 = {"taxon_id": 2697049, "name": "Severe acute respiratory syndrome coronavirus 2"}
USERS = {  # username: roles
    "admin": ["operator"], "curator": ["curator"], "owner": ["researcher"], "coowner": ["researcher"],
    "colleague": ["researcher"], "other": ["researcher"], "member": ["committee_member"],
    "grantee": ["researcher"], "expired": ["researcher"],
}
ROLES = ("anonymous", "researcher", "owner", "co_owner", "colleague", "reviewer", "committee", "grantee",
         "expired_grantee", "curator", "operator")
USER_OF_ROLE = {"researcher": "other", "owner": "owner", "co_owner": "coowner", "colleague": "colleague",
                "committee": "member", "grantee": "grantee", "expired_grantee": "expired", "curator": "curator",
                "operator": "admin"}
SCENARIOS = ("open", "embargoed", "controlled", "private", "draft")
HMB_NCU = {"permission": "HMB", "modifiers": ["NCU"]}


def add_file(station: Any, identity: Identity, accession: str, path: str, data: bytes) -> str:
    """Upload through the upload service (the same path as the API); returns the file accession."""
    sha = hashlib.sha256(data).hexdigest()
    with station.uow() as uow:
        up = station.uploads.start(uow, identity, accession, {"path": path, "size": len(data)})
    station.uploads.put_part(identity, up.id, 1, sha, [data])
    with station.uow() as uow:
        return station.uploads.complete(uow, identity, up.id, sha).file


def create_users(station: Any, names: dict[str, list[str]]) -> dict[str, Identity]:
    with station.uow() as uow:
        station.accounts.create_organisation(uow, SYSTEM, code="KRIBB", name_en="KRIBB", name_ko="생명연",
                                             kind="institute")
        for name, roles in names.items():
            station.accounts.create_user(uow, SYSTEM, username=name, email=f"{name}@example.kr", display_name=name,
                                         roles=roles, organisation="KRIBB")
    with station.uow() as uow:
        return {name: identity_for(station.accounts.get_user(uow, name)) for name in names}


def new_dataset(station: Any, owner: Identity, project: str, **fields: Any) -> str:
    with station.uow() as uow:
        ds, _ = station.datasets.create(uow, owner, {"project": project, **DATASET, **fields})
        return station.datasets.accession(ds)


def publish(station: Any, who: Identity, acc: str) -> None:
    with station.uow() as uow:
        station.datasets.submit(uow, who, acc)
    with station.uow() as uow:
        station.datasets.publish(uow, who, acc)


def make_committee(station: Any, members: list[tuple[str, str]], quorum: int = 1, name: str = "Human data DAC") -> int:
    with station.uow() as uow:
        return station.access.create_committee(uow, SYSTEM, {
            "name": name, "quorum": quorum, "members": [{"username": u, "role": r} for u, r in members]}).id


def request_access(station: Any, who: Identity, acc: str, **over: Any) -> int:
    body = {"dataset": acc, "purpose": {"use": "DS", "diseases": ["MONDO:0007256"]},
            "purpose_text": "Find germline variants that predispose to liver cancer in Korean patients.",
            "institution": "KRIBB", "project_title": "Liver cancer germline study", "submit": True, **over}
    with station.uow() as uow:
        return station.access.create_request(uow, who, body).id


def vote(station: Any, who: Identity, request_id: int, decision: str = "approve", **over: Any) -> Any:
    with station.uow() as uow:
        return station.access.vote(uow, who, request_id, {"vote": decision, **over})


@dataclass
class World:
    station: Any
    ids: dict[str, Identity]
    project: str
    datasets: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    reviewers: dict[str, str] = field(default_factory=dict)  # scenario -> reviewer token
    committee: int = 0

    def identity(self, role: str, scenario: str) -> Identity:
        if role == "anonymous":
            return ANONYMOUS
        if role == "reviewer":
            return self.station.access.reviewer_identity(self.reviewers[scenario])
        return self.ids[USER_OF_ROLE[role]]


def build_world(station: Any) -> World:
    clock.freeze(T0)
    ids = create_users(station, USERS)
    with station.uow() as uow:
        project = station.projects.accession(station.projects.create(uow, ids["owner"], PROJECT))
    world = World(station, ids, project)
    world.committee = make_committee(station, [("member", "chair")])
    owner = ids["owner"]
    for scenario in SCENARIOS:
        acc = new_dataset(station, owner, project, title_en=f"Scenario {scenario}", organisms=[SARS_COV_2])
        with station.uow() as uow:
            station.datasets.add_co_owner(uow, owner, acc, "coowner")
        world.files[scenario] = add_file(station, owner, acc, "reads/R1.fastq", f"@r1 {scenario}\nACGT\n+\nIIII\n"
                                         .encode())
        with station.uow() as uow:
            station.access.add_colleague(uow, owner, acc, {"username": "colleague"})
            world.reviewers[scenario] = station.access.create_link(uow, owner, acc, {"label": "J. Virol. R1"}).token
        level: dict[str, Any] | None = {
            "embargoed": {"level": "embargoed", "embargo_until": (T0 + timedelta(days=730)).date().isoformat()},
            "controlled": {"level": "controlled", "data_use": HMB_NCU, "committee": world.committee},
            "private": {"level": "private"},
        }.get(scenario)
        if level:
            with station.uow() as uow:
                station.access.set_level(uow, owner, acc, level)
        if scenario in ("open", "embargoed", "controlled"):
            publish(station, owner, acc)
        world.datasets[scenario] = acc
    controlled = world.datasets["controlled"]
    vote(station, ids["member"], request_access(station, ids["grantee"], controlled))
    expiry = (T0 + timedelta(days=30)).date()
    vote(station, ids["member"], request_access(station, ids["expired"], controlled), expires_on=date.isoformat(expiry))
    clock.freeze(NOW)
    return world
