"""Emergency mode: declared for a taxon (descendants included), opens non-public data to registered
researchers between its start and end, decided by the clock at request time; depositors notified; reads audited."""
from __future__ import annotations

from datetime import timedelta

from biostation import clock
from biostation.identity import ANONYMOUS
from tests.access.helpers import audit, can_download, can_view, listed, run_access_jobs
from tests.access.world import (HMB_NCU, T0, add_file, create_users, make_committee, new_dataset, publish)
from tests.conftest import PROJECT

SARS2 = [{"taxon_id": 2697049, "name": "SARS-CoV-2"}]
FLU = [{"taxon_id": 11320, "name": "Influenza A virus"}]


def _setup(station):
    clock.freeze(T0)
    ids = create_users(station, {"admin": ["operator"], "owner": ["researcher"], "other": ["researcher"],
                                 "member": ["committee_member"]})
    with station.uow() as uow:
        project = station.projects.accession(station.projects.create(uow, ids["owner"], PROJECT))
    committee = make_committee(station, [("member", "chair")])
    until = (T0 + timedelta(days=700)).date().isoformat()
    levels = {
        "embargoed": (SARS2, {"level": "embargoed", "embargo_until": until}),
        "opted_in": (SARS2, {"level": "controlled", "data_use": HMB_NCU, "committee": committee,
                             "emergency_opt_in": True}),
        "not_opted": (SARS2, {"level": "controlled", "data_use": HMB_NCU, "committee": committee}),
        "flu": (FLU, {"level": "embargoed", "embargo_until": until}),
        "private": (SARS2, {"level": "private"}),
    }
    accs, files = {}, {}
    for name, (organisms, level) in levels.items():
        acc = new_dataset(station, ids["owner"], project, title_en=f"Dataset {name}", organisms=organisms)
        files[name] = add_file(station, ids["owner"], acc, "genome.fasta", f">{name}\nACGT\n".encode())
        with station.uow() as uow:
            station.access.set_level(uow, ids["owner"], acc, level)
        if name != "private":
            publish(station, ids["owner"], acc)
        accs[name] = acc
    return ids, accs, files


def test_emergency_opens_covered_data_and_reverts_by_itself(station):
    ids, accs, files = _setup(station)
    other, owner = ids["other"], ids["owner"]
    assert not can_view(station, other, accs["embargoed"])
    with station.uow() as uow:
        e = station.access.declare(uow, ids["admin"], {
            "title": "COVID-19 resurgence", "taxa": [11118],  # Coronaviridae: SARS-CoV-2 is a descendant
            "starts_at": (T0 + timedelta(days=1)).isoformat(), "ends_at": (T0 + timedelta(days=31)).isoformat()})
    run_access_jobs(station)
    assert not e.active and e.taxa == [{"taxon_id": 11118, "name": "Coronaviridae"}]

    # Declared but not started: nothing opens yet.
    assert not can_view(station, other, accs["embargoed"])

    clock.advance(timedelta(days=2))
    assert can_view(station, other, accs["embargoed"]) and can_download(station, other, files["embargoed"])
    assert can_download(station, other, files["opted_in"])       # the depositor allowed it
    assert not can_download(station, other, files["not_opted"])  # controlled without consent stays closed
    assert can_view(station, other, accs["not_opted"])           # (its metadata is public anyway)
    assert not can_view(station, other, accs["flu"])             # another virus family
    assert not can_view(station, other, accs["private"])         # lab space is never opened
    assert not can_view(station, ANONYMOUS, accs["embargoed"])   # registered researchers only
    assert not can_download(station, ANONYMOUS, files["opted_in"])
    assert accs["embargoed"] in listed(station, other) and accs["embargoed"] not in listed(station, ANONYMOUS)
    assert accs["flu"] not in listed(station, other)
    with station.uow() as uow:
        from biostation.datasets.models import Dataset
        from biostation import accessions
        ds = uow.session.get(Dataset, accessions.parse(accs["embargoed"], "dataset")[1])
        assert "emergency-taxon:11118" in station.access.readers(uow, ds)
        assert "emergency-taxon:11118" in station.access.principals(uow, other)
        assert "emergency-taxon:11118" not in station.access.principals(uow, ANONYMOUS)
        assert station.access.show(uow, other, accs["embargoed"]).emergency == e.id

    # Every read through the emergency is in the audit log, naming the emergency; the depositor sees them.
    reads = [r for r in audit(station, "dataset.read", accs["embargoed"]) + audit(station, "file.read", accs[
        "embargoed"]) if r.decision == "allow"]
    assert reads and all(r.details["basis"] == "emergency" and r.details["emergency"] == e.id and
                         r.actor_id == other.user_id for r in reads)
    with station.uow() as uow:
        log, _ = station.access.access_log(uow, owner, accs["opted_in"])
    assert [x["action"] for x in log] == ["file.read"] and log[0]["who"] == "other#%d" % other.user_id

    # Depositors of covered datasets were told, once each.
    with station.uow() as uow:
        notes, _ = station.access.notifications(uow, owner)
    told = sorted(n.data["dataset"] for n in notes if n.kind == "emergency.declared")
    assert told == sorted([accs["embargoed"], accs["opted_in"]])
    assert station.access.notify_emergency(e.id, "declared") == 0  # idempotent

    # It ends at its end: nobody runs anything, the clock decides.
    clock.advance(timedelta(days=30))
    assert not can_view(station, other, accs["embargoed"])
    assert not can_download(station, other, files["opted_in"])
    assert accs["embargoed"] not in listed(station, other)


def test_operator_ends_emergency_early_and_depositors_hear_of_it(station, client):
    ids, accs, files = _setup(station)
    other = ids["other"]
    admin_headers = _token(station, "admin")
    r = client.post("/api/access/emergencies", headers=admin_headers, json={
        "title": "SARS-CoV-2 variant", "taxa": [2697049], "ends_at": (T0 + timedelta(days=60)).isoformat()})
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    assert r.json()["active"] is True
    # Only operators declare; a researcher is refused and the refusal is audited.
    r = client.post("/api/access/emergencies", headers=_token(station, "other"), json={
        "title": "x" * 5, "taxa": [2697049], "ends_at": (T0 + timedelta(days=60)).isoformat()})
    assert r.status_code == 403
    r = client.post("/api/access/emergencies", headers=admin_headers, json={
        "title": "Unknown", "taxa": [999999999], "ends_at": (T0 - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "taxa"
    assert can_download(station, other, files["embargoed"])
    r = client.post(f"/api/access/emergencies/{eid}/end", headers=admin_headers, json={"reason": "Contained"})
    assert r.status_code == 200 and r.json()["active"] is False
    assert not can_download(station, other, files["embargoed"])
    run_access_jobs(station)
    r = client.get("/api/access/notifications", headers=_token(station, "owner"))
    kinds = sorted(n["kind"] for n in r.json()["items"])
    assert kinds == ["emergency.declared", "emergency.declared", "emergency.ended", "emergency.ended"]
    assert client.get("/api/access/emergencies").json()["items"][0]["end_reason"] == "Contained"
    assert [e.action for e in audit(station, "emergency.declare", str(eid))] == ["emergency.declare"]
    assert [e.action for e in audit(station, "emergency.end", str(eid))] == ["emergency.end"]


def _token(station, username):
    from biostation.identity import SYSTEM
    with station.uow() as uow:
        _, secret = station.accounts.create_token(uow, SYSTEM, username)
    return {"Authorization": f"Bearer {secret}"}
