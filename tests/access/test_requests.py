"""Controlled access: requests (purpose as DUO terms, ethics approval), committee review with a quorum,
ask-for-changes, approval with expiry, rejection with a reason, overdue flags, expiry, deletion confirmation,
renewal, immediate revocation (also in the middle of a download) and the depositor's access log."""
from __future__ import annotations

from datetime import timedelta

import pytest

from biostation import clock
from biostation.access.service import AccessRevoked
from tests.access.helpers import can_download
from tests.access.world import T0, add_file, new_dataset, publish

LIVER = {"permission": "DS", "diseases": ["MONDO:0002691"], "modifiers": ["NCU", "IRB"]}
PURPOSE = {"use": "DS", "diseases": ["DOID:684"], "commercial": True}
TEXT = "We will look for germline variants that predispose to hepatocellular carcinoma."


def _controlled(station, people, project, client, data_use=None, quorum=2, size=1000):
    clock.freeze(T0)
    create_users_extra(station)
    admin = people["admin"].headers
    r = client.post("/api/access/committees", headers=admin, json={
        "name": "KOBIC human data DAC", "quorum": quorum,
        "members": [{"username": "member", "role": "chair"}, {"username": "member2"}]})
    assert r.status_code == 201, r.text
    committee = r.json()["id"]
    owner = people["owner"].identity
    acc = new_dataset(station, owner, project)
    f = add_file(station, owner, acc, "cohort.vcf", b"x" * size)
    r = client.put(f"/api/access/datasets/{acc}", headers=people["owner"].headers,
                   json={"level": "controlled", "data_use": data_use or LIVER, "committee": committee})
    assert r.status_code == 200, r.text
    publish(station, owner, acc)
    return acc, f, committee


def create_users_extra(station):
    return create_users_only(station, {"member2": ["committee_member"], "third": ["researcher"]})


def create_users_only(station, names):
    from biostation.identity import SYSTEM
    with station.uow() as uow:
        for name, roles in names.items():
            station.accounts.create_user(uow, SYSTEM, username=name, email=f"{name}@example.kr", display_name=name,
                                         roles=roles, organisation="KRIBB")


def _headers(station, username):
    from biostation.identity import SYSTEM
    with station.uow() as uow:
        _, secret = station.accounts.create_token(uow, SYSTEM, username)
    return {"Authorization": f"Bearer {secret}"}


def test_request_review_and_grant(station, people, project, client):
    acc, f, committee = _controlled(station, people, project, client)
    other, member = people["other"].headers, people["member"].headers
    member2 = _headers(station, "member2")
    body = {"dataset": acc, "purpose": PURPOSE, "purpose_text": TEXT, "institution": "KRIBB",
            "project_title": "HCC germline", "submit": True}
    # The ethics approval the conditions ask for is missing: refused, naming the field, in both languages.
    r = client.post("/api/access/requests", headers=other, json=body)
    assert r.status_code == 422, r.text
    err = r.json()["errors"][0]
    assert err["field"] == "ethics_approval" and err["message_ko"] and "ethics" in err["hint"]
    r = client.post("/api/access/requests", headers=other, json={**body, "submit": False, "purpose_text": "short"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "purpose_text"
    r = client.post("/api/access/requests", headers=other, json={**body, "submit": False})
    assert r.status_code == 201 and r.json()["state"] == "draft"
    rid = r.json()["id"]
    assert {p["code"] for p in r.json()["match"]["problems"]} == {"commercial_use", "ethics_approval_missing"}
    r = client.put(f"/api/access/requests/{rid}/ethics?filename=irb.pdf", headers=other, content=b"%PDF-1.7 IRB ok")
    assert r.status_code == 200 and r.json()["ethics_attached"]
    r = client.post(f"/api/access/requests/{rid}/submit", headers=other)
    assert r.status_code == 200 and r.json()["state"] == "submitted"

    # The committee sees it in its queue with the DUO verdict; an incompatible request cannot be approved.
    q = client.get("/api/access/queue", headers=member).json()["items"]
    assert [x["id"] for x in q] == [rid] and q[0]["match"]["compatible"] is False
    assert client.get("/api/access/queue", headers=other).status_code == 403
    r = client.post(f"/api/access/requests/{rid}/votes", headers=member, json={"vote": "approve"})
    assert r.status_code == 409 and r.json()["code"] == "incompatible_request"
    r = client.post(f"/api/access/requests/{rid}/changes", headers=member,
                    json={"message": "The dataset is for non-commercial use only."})
    assert r.status_code == 200 and r.json()["state"] == "changes_requested"
    notes = client.get("/api/access/notifications", headers=other).json()["items"]
    assert [n["kind"] for n in notes] == ["request.changes"]

    r = client.patch(f"/api/access/requests/{rid}", headers=other, json={"purpose": {**PURPOSE, "commercial": False}})
    assert r.status_code == 200 and r.json()["match"]["compatible"] is True
    r = client.post(f"/api/access/requests/{rid}/submit", headers=other)
    assert r.json()["round"] == 2
    # Quorum 2: one vote is not a decision.
    r = client.post(f"/api/access/requests/{rid}/votes", headers=member, json={"vote": "approve"})
    assert r.json()["state"] == "submitted"
    assert not can_download(station, people["other"].identity, f)
    r = client.post(f"/api/access/requests/{rid}/votes", headers=member2, json={"vote": "approve"})
    assert r.json()["state"] == "approved"
    grants = client.get("/api/access/grants", headers=other).json()["items"]
    assert len(grants) == 1 and grants[0]["state"] == "active"
    assert grants[0]["expires_at"].startswith(str((T0 + timedelta(days=365)).date()))  # default: one year
    assert client.get(f"/api/files/{f}/content", headers=other).status_code == 200

    # The depositor sees who read the data; the committee and operators see the ethics document, others do not.
    log = client.get(f"/api/access/datasets/{acc}/log", headers=people["owner"].headers).json()["items"]
    assert [(e["action"], e["who"].split("#")[0]) for e in log] == [("file.read", "other")]
    assert client.get(f"/api/access/datasets/{acc}/log", headers=other).status_code == 403
    assert client.get(f"/api/access/requests/{rid}/ethics", headers=member2).content == b"%PDF-1.7 IRB ok"
    assert client.get(f"/api/access/requests/{rid}/ethics", headers=_headers(station, "third")).status_code == 404
    # The requester cannot vote on it, nor can anyone once decided.
    assert client.post(f"/api/access/requests/{rid}/votes", headers=member,
                       json={"vote": "approve"}).status_code == 409


def test_rejection_overdue_flags_expiry_and_renewal(station, people, project, client):
    acc, f, _ = _controlled(station, people, project, client,
                            data_use={"permission": "HMB", "modifiers": ["NCU"]}, quorum=1)
    member, admin = people["member"].headers, people["admin"].headers
    third = _headers(station, "third")
    body = {"dataset": acc, "purpose": {"use": "HMB"}, "purpose_text": TEXT, "institution": "SNU",
            "project_title": "Liver study", "submit": True}
    rid = client.post("/api/access/requests", headers=third, json=body).json()["id"]
    r = client.post(f"/api/access/requests/{rid}/votes", headers=member, json={"vote": "reject"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "comment"
    r = client.post(f"/api/access/requests/{rid}/votes", headers=member,
                    json={"vote": "reject", "comment": "The plan does not say how data will be secured."})
    assert r.json()["state"] == "rejected" and "secured" in r.json()["decision_reason"]

    # Waiting more than 14 days: the chair and the operators are told, once.
    other = people["other"].headers
    rid2 = client.post("/api/access/requests", headers=other, json={**body, "institution": "KRIBB"}).json()["id"]
    clock.advance(timedelta(days=15))
    q = client.get("/api/access/queue", headers=member).json()["items"]
    assert q[0]["overdue"] is True and q[0]["waiting_days"] >= 15
    for headers in (member, admin, admin):
        kinds = [n["kind"] for n in client.get("/api/access/notifications", headers=headers).json()["items"]]
        assert kinds.count("request.overdue") == 1
    r = client.post(f"/api/access/requests/{rid2}/votes", headers=member,
                    json={"vote": "approve", "expires_on": str((T0 + timedelta(days=45)).date())})
    assert r.json()["state"] == "approved"
    gid = client.get("/api/access/grants", headers=other).json()["items"][0]["id"]

    # Renewal goes back to the committee and extends the same grant.
    r = client.post(f"/api/access/grants/{gid}/renew", headers=other)
    assert r.status_code == 201 and r.json()["renews_grant"] == gid and r.json()["state"] == "submitted"
    client.post(f"/api/access/requests/{r.json()['id']}/votes", headers=member,
                json={"vote": "approve", "expires_on": str((T0 + timedelta(days=60)).date())})
    grant = client.get("/api/access/grants", headers=other).json()["items"]
    assert len(grant) == 1 and grant[0]["expires_at"].startswith(str((T0 + timedelta(days=59)).date()))

    # Expiry: files close, and the user must confirm deleting copies before asking again.
    clock.freeze(T0 + timedelta(days=61))
    assert client.get(f"/api/files/{f}/content", headers=other).status_code == 404
    g = client.get("/api/access/grants", headers=other).json()["items"][0]
    assert g["state"] == "expired" and g["deletion_confirmation_required"] is True
    r = client.post("/api/access/requests", headers=other, json=body)
    assert r.status_code == 409 and r.json()["code"] == "deletion_confirmation_pending"
    assert client.post(f"/api/access/grants/{gid}/confirm-deletion", headers=third).status_code == 404
    r = client.post(f"/api/access/grants/{gid}/confirm-deletion", headers=other)
    assert r.status_code == 200 and r.json()["deletion_confirmation_required"] is False
    assert client.post("/api/access/requests", headers=other, json=body).status_code == 201


def test_revoked_grant_stops_a_download_in_progress(station, people, project, client):
    size = 3 * 1024 * 1024 + 17  # several store chunks
    acc, f, _ = _controlled(station, people, project, client, data_use={"permission": "GRU"}, quorum=1, size=size)
    other = people["other"]
    rid = client.post("/api/access/requests", headers=other.headers, json={
        "dataset": acc, "purpose": {"use": "GRU"}, "purpose_text": TEXT, "institution": "KRIBB",
        "project_title": "Variant calling benchmark", "submit": True}).json()["id"]
    client.post(f"/api/access/requests/{rid}/votes", headers=people["member"].headers, json={"vote": "approve"})
    gid = client.get("/api/access/grants", headers=other.headers).json()["items"][0]["id"]

    # Range by range, as download managers fetch: each request is decided afresh.
    r = client.get(f"/api/files/{f}/content", headers={**other.headers, "Range": "bytes=0-1023"})
    assert r.status_code == 206 and len(r.content) == 1024
    # A streaming read re-decides between chunks: the grant is revoked after the first chunk.
    with station.uow() as uow:
        handle = station.datasets.open_file(uow, other.identity, f)
    stream = station.access.guard_stream(other.identity, f, station.store.read(handle.key), every_seconds=0)
    first = next(stream)
    assert len(first) == 1024 * 1024
    r = client.post(f"/api/access/grants/{gid}/revoke", headers=people["member"].headers,
                    json={"reason": "Data shared outside the approved project"})
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    with pytest.raises(AccessRevoked):
        next(stream)
    # The next range, and the guarded route, answer 404 at once.
    assert client.get(f"/api/files/{f}/content", headers={**other.headers, "Range": "bytes=1024-2047"}
                      ).status_code == 404
    assert client.get(f"/api/access/files/{f}/content", headers=other.headers).status_code == 404
    notes = [n["kind"] for n in client.get("/api/access/notifications", headers=other.headers).json()["items"]]
    assert "grant.revoked" in notes
    # The revocation is audited with its reason; the dataset's grants list shows it.
    grants = client.get(f"/api/access/datasets/{acc}/grants", headers=people["owner"].headers).json()["items"]
    assert grants[0]["state"] == "revoked" and grants[0]["revoke_reason"].startswith("Data shared")


def test_renewal_with_a_new_ethics_document_keeps_the_first_one(station, people, project, client):
    acc, _, _ = _controlled(station, people, project, client, data_use={"permission": "GRU"}, quorum=1)
    other, member = people["other"].headers, people["member"].headers
    rid = client.post("/api/access/requests", headers=other, json={
        "dataset": acc, "purpose": {"use": "GRU"}, "purpose_text": TEXT, "institution": "KRIBB",
        "project_title": "Variant calling benchmark"}).json()["id"]
    r = client.put(f"/api/access/requests/{rid}/ethics?filename=irb-2024.pdf", headers=other, content=b"%PDF-1 first")
    assert r.status_code == 200, r.text
    assert client.post(f"/api/access/requests/{rid}/submit", headers=other).status_code == 200
    client.post(f"/api/access/requests/{rid}/votes", headers=member, json={"vote": "approve"})
    gid = client.get("/api/access/grants", headers=other).json()["items"][0]["id"]

    # The renewal starts with the same document; the committee asks for this year's approval.
    renewal = client.post(f"/api/access/grants/{gid}/renew", headers=other).json()["id"]
    r = client.post(f"/api/access/requests/{renewal}/changes", headers=member,
                    json={"message": "Please attach this year's IRB approval."})
    assert r.status_code == 200 and r.json()["state"] == "changes_requested", r.text
    r = client.put(f"/api/access/requests/{renewal}/ethics?filename=irb-2025.pdf", headers=other,
                   content=b"%PDF-1 second")
    assert r.status_code == 200, r.text
    assert client.get(f"/api/access/requests/{renewal}/ethics", headers=other).content == b"%PDF-1 second"
    # The document the first decision was based on is still there.
    assert client.get(f"/api/access/requests/{rid}/ethics", headers=member).content == b"%PDF-1 first"
