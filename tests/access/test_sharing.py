"""Reviewer links (anonymous, read-only, expiring, revocable, audited), named colleagues and the private
'My Lab Data' space with its quota."""
from __future__ import annotations

from datetime import timedelta

import pytest

from biostation import clock
from biostation.errors import Conflict, Unauthenticated
from tests.access.helpers import audit, can_view, listed
from tests.access.world import T0, add_file, new_dataset, publish


def test_reviewer_link_reads_one_dataset_until_revoked_or_expired(station, people, project, client):
    clock.freeze(T0)
    owner = people["owner"]
    acc = new_dataset(station, owner.identity, project)
    f = add_file(station, owner.identity, acc, "reads/R1.fastq", b"@r\nACGT\n+\nIIII\n")
    other_acc = new_dataset(station, owner.identity, project, title_en="Another draft")
    until = (T0 + timedelta(days=365)).date().isoformat()
    client.put(f"/api/access/datasets/{acc}", headers=owner.headers, json={"level": "embargoed",
                                                                           "embargo_until": until})
    publish(station, owner.identity, acc)
    r = client.post(f"/api/access/datasets/{acc}/reviewer-links", headers=owner.headers,
                    json={"label": "Nature Genetics NG-A12345", "days": 30})
    assert r.status_code == 201, r.text
    link = r.json()
    token = link["token"]
    assert token.startswith("bsr_") and link["url"] == f"/api/review/{token}"
    # Only the hash is kept: listing the links never shows the token again.
    listed_links = client.get(f"/api/access/datasets/{acc}/reviewer-links", headers=owner.headers).json()["items"]
    assert listed_links[0]["token"] is None and listed_links[0]["prefix"] == token[:10]
    assert client.post(f"/api/access/datasets/{acc}/reviewer-links", headers=people["other"].headers,
                       json={}).status_code == 404

    # The referee reads metadata, the file list and the bytes, by URL or by header, without an account.
    r = client.get(f"/api/review/{token}")
    assert r.status_code == 200 and r.json()["accession"] == acc
    files = client.get(f"/api/review/{token}/files").json()["items"]
    assert files[0]["download_url"] == f"/api/review/{token}/files/{f}/content"
    assert client.get(files[0]["download_url"]).content == b"@r\nACGT\n+\nIIII\n"
    hdr = {"X-Reviewer-Token": token}
    assert client.get("/api/review/dataset", headers=hdr).json()["accession"] == acc
    assert client.get(f"/api/review/files/{f}/content", headers={**hdr, "Range": "bytes=0-1"}).content == b"@r"
    assert client.get(f"/api/datasets/{acc}").status_code == 404  # the public still sees nothing
    # It is limited to that dataset, and it is read-only.
    reviewer = station.access.reviewer_identity(token)
    assert reviewer.via == "reviewer-link" and reviewer.user_id is None
    assert not can_view(station, reviewer, other_acc) and listed(station, reviewer) == {acc}
    with pytest.raises(Unauthenticated):  # a reviewer is anonymous: editing needs an account
        with station.uow() as uow:
            station.datasets.editable_draft(uow, reviewer, acc)
    with station.uow() as uow:
        assert station.access.principals(uow, reviewer) == {"public", f"dataset:{reviewer.dataset_id}:reviewers"}
    # Every use is audited, and the depositor sees it in the access log.
    reads = [e for e in audit(station, "dataset.read", acc) if e.decision == "allow"]
    assert reads and all(e.actor == f"reviewer-link:{token[:10]}" for e in reads)
    log = client.get(f"/api/access/datasets/{acc}/log", headers=owner.headers).json()["items"]
    assert {e["action"] for e in log} == {"dataset.read", "file.read"}

    # Expiry, then revocation: the same URL answers 404 with a clear code.
    clock.advance(timedelta(days=31))
    r = client.get(f"/api/review/{token}")
    assert r.status_code == 404 and r.json()["code"] == "reviewer_link_invalid" and r.json()["title_ko"]
    clock.freeze(T0)
    assert client.get(f"/api/review/{token}").status_code == 200
    r = client.delete(f"/api/access/reviewer-links/{link['id']}", headers=owner.headers)
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert client.get(f"/api/review/{token}").status_code == 404
    assert client.get(f"/api/review/{token}/files/{f}/content").status_code == 404
    assert client.get("/api/review/dataset").status_code == 401
    assert [e.decision for e in audit(station, "reviewer_link.use", token[:10])][:1] == ["deny"]


def test_private_lab_space_colleagues_and_quota(station, people, project, client):
    clock.freeze(T0)
    owner = people["owner"]
    acc = new_dataset(station, owner.identity, project)
    add_file(station, owner.identity, acc, "notes.txt", b"n" * 4000)
    r = client.put(f"/api/access/datasets/{acc}", headers=owner.headers, json={"level": "private"})
    assert r.status_code == 200
    # Never published, and not visible to curators or operators either.
    with station.uow() as uow:
        station.datasets.submit(uow, owner.identity, acc)
    r = client.post(f"/api/datasets/{acc}/publish", headers=owner.headers)
    assert r.status_code == 409 and r.json()["code"] == "private_dataset"
    assert client.post(f"/api/datasets/{acc}/publish", headers=people["curator"].headers).status_code == 404
    for who in ("curator", "admin", "other"):
        assert client.get(f"/api/datasets/{acc}", headers=people[who].headers).status_code == 404
    # Shared by name with a colleague: read, not edit.
    r = client.post(f"/api/access/datasets/{acc}/colleagues", headers=owner.headers, json={"username": "other"})
    assert r.status_code == 204
    assert client.get(f"/api/datasets/{acc}", headers=people["other"].headers).status_code == 200
    assert client.patch(f"/api/datasets/{acc}", headers=people["other"].headers,
                        json={"title_en": "Mine now"}).status_code == 403
    r = client.post(f"/api/access/datasets/{acc}/colleagues", headers=owner.headers, json={"username": "nobody"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
    assert client.get(f"/api/access/datasets/{acc}/colleagues", headers=owner.headers).json()["items"] == ["other"]
    assert client.delete(f"/api/access/datasets/{acc}/colleagues/other", headers=owner.headers).status_code == 204
    assert client.get(f"/api/datasets/{acc}", headers=people["other"].headers).status_code == 404

    # The quota counts every file of the owner's private datasets.
    q = client.get("/api/access/quota", headers=owner.headers).json()
    assert q["used_bytes"] == 4000 and q["quota_bytes"] > q["used_bytes"]
    r = client.put("/api/access/quota/owner", headers=people["admin"].headers, json={"bytes": 5000})
    assert r.status_code == 200 and r.json()["available_bytes"] == 1000
    assert client.put("/api/access/quota/owner", headers=owner.headers, json={"bytes": 10**12}).status_code == 403
    with station.uow() as uow:
        from biostation import accessions
        from biostation.datasets.models import Dataset
        ds = uow.session.get(Dataset, accessions.parse(acc, "dataset")[1])
        station.access.check_quota(uow, ds, 1000)
        with pytest.raises(Conflict) as exc:
            station.access.check_quota(uow, ds, 1001)
        assert exc.value.code == "quota_exceeded"
    big = new_dataset(station, owner.identity, project, title_en="Big raw data")
    add_file(station, owner.identity, big, "raw.bin", b"r" * 2000)
    r = client.put(f"/api/access/datasets/{big}", headers=owner.headers, json={"level": "private"})
    assert r.status_code == 409 and r.json()["code"] == "quota_exceeded"
    assert client.put(f"/api/access/datasets/{acc}", headers=owner.headers, json={"level": "private"}
                      ).status_code == 200  # already counted: setting it again does not count it twice


def test_controlled_level_needs_conditions_and_committee(station, people, project, client):
    acc = new_dataset(station, people["owner"].identity, project)
    r = client.put(f"/api/access/datasets/{acc}", headers=people["owner"].headers,
                   json={"level": "controlled", "committee": 999})
    assert r.status_code == 422
    assert {(e["field"], e["code"]) for e in r.json()["errors"]} == {("data_use", "required"),
                                                                     ("committee", "unknown_committee")}
    r = client.put(f"/api/access/datasets/{acc}", headers=people["owner"].headers,
                   json={"level": "controlled", "data_use": {"permission": "DS"}})
    assert {e["field"] for e in r.json()["errors"]} == {"data_use.diseases", "committee"}
    # Committees: operators create them; members need the committee_member role; quorum within the members.
    r = client.post("/api/access/committees", headers=people["admin"].headers, json={
        "name": "DAC", "quorum": 3, "members": [{"username": "member"}, {"username": "other"}]})
    assert r.status_code == 422
    assert {e["code"] for e in r.json()["errors"]} == {"not_committee_member"}
    r = client.post("/api/access/committees", headers=people["admin"].headers, json={
        "name": "DAC", "quorum": 3, "members": [{"username": "member"}]})
    assert {e["code"] for e in r.json()["errors"]} == {"chair_required", "quorum_too_high"}
    assert client.post("/api/access/committees", headers=people["owner"].headers, json={
        "name": "DAC", "members": [{"username": "member", "role": "chair"}]}).status_code == 403
