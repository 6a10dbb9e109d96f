"""The permission matrix: every role x every access scenario x every action, asserted exactly.

Actions (one letter each, '-' when refused):
  V view metadata (GET dataset)        L listed (dataset list)           S found by search (readers ∩ principals)
  D download a file                    Q QC report of that file          E edit (start/continue a draft)
  P publish                            G grant others access (committee decisions; reviewer links, colleagues)
Each answer is observed through the real services (datasets.get/list/open_file, qc.file_report,
datasets.editable_draft/publish, the search principal sets) and cross-checked against the policy's own
answers (access.permissions), so the service paths and the rules cannot drift apart.

Scenarios: 'open', 'embargoed' (until T0 + 2 years), 'controlled' (HMB + NCU, a committee), 'private'
(My Lab Data, never published) and 'draft' (open level, not yet published). The matrix is asked at T0 + 60
days: the grantee's grant (1 year) is active, the expired grantee's (30 days) has ended.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest

from biostation import accessions, clock
from biostation.datasets.models import Dataset
from biostation.errors import Conflict, NotFound, PermissionDenied, Unauthenticated
from tests.access.world import NOW, ROLES, SCENARIOS

EXPECTED: dict[str, dict[str, str]] = {
    "open": {
        "anonymous": "VLSDQ---", "researcher": "VLSDQ---", "owner": "VLSDQEP-", "co_owner": "VLSDQEP-",
        "colleague": "VLSDQ---", "reviewer": "VLSDQ---", "committee": "VLSDQ---", "grantee": "VLSDQ---",
        "expired_grantee": "VLSDQ---", "curator": "VLSDQEP-", "operator": "VLSDQEP-",
    },
    "embargoed": {
        "anonymous": "--------", "researcher": "--------", "owner": "VLSDQEPG", "co_owner": "VLSDQEPG",
        "colleague": "VLSDQ---", "reviewer": "VLSDQ---", "committee": "--------", "grantee": "--------",
        "expired_grantee": "--------", "curator": "VLSDQEP-", "operator": "VLSDQEP-",
    },
    "controlled": {
        "anonymous": "VLS-----", "researcher": "VLS-----", "owner": "VLSDQEP-", "co_owner": "VLSDQEP-",
        "colleague": "VLS-----", "reviewer": "VLS-----", "committee": "VLS----G", "grantee": "VLSDQ---",
        "expired_grantee": "VLS-----", "curator": "VLSDQEP-", "operator": "VLSDQEP-",
    },
    "private": {
        "anonymous": "--------", "researcher": "--------", "owner": "VLSDQE-G", "co_owner": "VLSDQE-G",
        "colleague": "VLSDQ---", "reviewer": "VLSDQ---", "committee": "--------", "grantee": "--------",
        "expired_grantee": "--------", "curator": "--------", "operator": "--------",
    },
    "draft": {
        "anonymous": "--------", "researcher": "--------", "owner": "VLSDQEPG", "co_owner": "VLSDQEPG",
        "colleague": "VLSDQ---", "reviewer": "VLSDQ---", "committee": "--------", "grantee": "--------",
        "expired_grantee": "--------", "curator": "VLSDQEP-", "operator": "VLSDQEP-",
    },
}
REFUSED = (NotFound, PermissionDenied, Unauthenticated)


class _Rollback(Exception):
    pass


def _allowed(station: Any, fn: Callable[[Any], Any]) -> bool:
    """Run fn in a unit of work that is always rolled back: True if it passed the permission check."""
    try:
        with station.uow() as uow:
            fn(uow)
            raise _Rollback
    except _Rollback:
        return True
    except REFUSED:
        return False


def _publish_allowed(station: Any, identity: Any, acc: str) -> bool:
    try:
        with station.uow() as uow:
            station.datasets.publish(uow, identity, acc)
            raise _Rollback
    except Conflict as exc:  # past the permission check, stopped by the version's state
        if exc.code == "not_submitted":
            return True
        assert exc.code == "private_dataset", exc
        return False
    except REFUSED:
        return False
    raise AssertionError("publish of a version that is not submitted must not succeed")


def observe(world: Any, role: str, scenario: str) -> tuple[str, dict[str, bool]]:
    st = world.station
    identity = world.identity(role, scenario)
    acc, file_acc = world.datasets[scenario], world.files[scenario]
    listed, cursor = set(), None
    with st.uow() as uow:
        while True:
            page = st.datasets.list(uow, identity, cursor=cursor, limit=2)
            listed |= {st.datasets.accession(d) for d in page.items}
            cursor = page.next_cursor
            if not cursor:
                break
        dataset = uow.session.get(Dataset, accessions.parse(acc, "dataset")[1])
        found = bool(st.access.readers(uow, dataset) & st.access.principals(uow, identity))
        answers = st.access.permissions(uow, identity, acc)
    row = [
        _allowed(st, lambda uow: st.datasets.get(uow, identity, acc)),
        acc in listed,
        found,
        _allowed(st, lambda uow: st.datasets.open_file(uow, identity, file_acc)),
        _allowed(st, lambda uow: st.qc.file_report(uow, identity, file_acc)),
        _allowed(st, lambda uow: st.datasets.editable_draft(uow, identity, acc)),
        _publish_allowed(st, identity, acc),
        answers["grant"],
    ]
    return "".join(c if ok else "-" for c, ok in zip("VLSDQEPG", row)), answers


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_permission_matrix(world: Any, scenario: str) -> None:
    clock.freeze(NOW)
    observed, mismatches = {}, []
    for role in ROLES:
        observed[role], answers = observe(world, role, scenario)
        # The policy's own answers agree with what the services did.
        letters = observed[role]
        policy_view = {"read_metadata": letters[0] == "V", "read_files": letters[3] == "D",
                       "edit": letters[5] == "E", "publish": letters[6] == "P"}
        for key, value in policy_view.items():
            if answers[key] != value:
                mismatches.append(f"{role}: policy says {key}={answers[key]}, service did {value}")
    assert observed == EXPECTED[scenario]
    assert mismatches == []


def test_matrix_size() -> None:
    """11 roles x 5 scenarios x 8 actions, every cell stated."""
    assert set(EXPECTED) == set(SCENARIOS)
    assert all(set(rows) == set(ROLES) and all(len(v) == 8 for v in rows.values()) for rows in EXPECTED.values())
    assert sum(len(v) for rows in EXPECTED.values() for v in rows.values()) == 440


def test_search_engine_agrees_with_the_matrix(world: Any, tmp_path: Any) -> None:
    """Index the world's records with search_acl (readers + embargo end) in the real search engine and query
    as every role with its principals: what each finds is exactly the matrix's 'S' column."""
    from biostation.search.model import SearchDoc, SearchQuery
    from biostation.search.service import open_engine
    clock.freeze(NOW)
    st = world.station
    docs = []
    with st.uow() as uow:
        for scenario, acc in world.datasets.items():
            ds = uow.session.get(Dataset, accessions.parse(acc, "dataset")[1])
            readers, until = st.access.search_acl(uow, ds)
            docs.append(SearchDoc(id=acc, title_en=f"Scenario {scenario}", readers=sorted(readers),
                                  access_level=ds.access_level, embargo_until=until))
    engine = open_engine(kind="tantivy", path=tmp_path / "index")
    engine.index(docs)
    engine.commit()
    try:
        for role in ROLES:
            for scenario, acc in world.datasets.items():
                identity = world.identity(role, scenario)
                with st.uow() as uow:
                    principals = frozenset(st.access.principals(uow, identity))
                found = {h.id for h in engine.query(SearchQuery(principals=principals, limit=50, facets=())).hits}
                assert (acc in found) == (EXPECTED[scenario][role][2] == "S"), (role, scenario)
    finally:
        engine.close()
