"""Deposit through the REST API: projects, datasets, versions, errors as problem details."""
from __future__ import annotations

import pytest

from tests.conftest import DATASET, PROJECT


def test_project_and_dataset_lifecycle(client, people, station):
    owner = people["owner"].headers
    r = client.post("/api/projects", json=PROJECT, headers=owner)
    assert r.status_code == 201, r.text
    project = r.json()["accession"]
    assert project.startswith("BSP")
    r = client.post("/api/datasets", json={"project": project, **DATASET}, headers=owner)
    assert r.status_code == 201, r.text
    ds = r.json()
    acc = ds["accession"]
    assert ds["state"] == "draft" and ds["version"] == 1 and ds["title_ko"] == "벼 전장유전체 리드"

    # A draft is invisible to others: 404, not 403, so its existence does not leak.
    assert client.get(f"/api/datasets/{acc}", headers=people["other"].headers).status_code == 404
    assert client.get(f"/api/datasets/{acc}").status_code == 404
    assert client.get(f"/api/datasets/{acc}", headers=people["curator"].headers).status_code == 200

    # Submitting without files is refused with every reason listed.
    r = client.post(f"/api/datasets/{acc}/submit", headers=owner)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["code"] for e in r.json()["errors"]] == ["no_files"]
    assert r.json()["errors"][0]["message_ko"]


def test_validation_returns_every_error_with_korean_and_hint(client, people, project):
    bad = {"project": project, "title_en": "x", "title_ko": "벼 리드", "research_field": "astrology",
           "data_types": ["genome_omics", "tarot"], "licence": "WTFPL",
           "contributors": [{"name": "Kim", "orcid": "0000-0002-1825-0098"}]}
    r = client.post("/api/datasets", json=bad, headers=people["owner"].headers)
    assert r.status_code == 422
    body = r.json()
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"title_en", "research_field", "data_types", "licence", "contributors[0].orcid"}
    assert fields["research_field"]["code"] == "invalid_choice"
    assert "seeds_livestock" in fields["research_field"]["hint"]
    assert fields["licence"]["message_ko"] and fields["licence"]["hint"]
    assert fields["contributors[0].orcid"]["code"] == "invalid_orcid"
    assert body["code"] == "validation_failed" and body["status"] == 422 and body["title_ko"]


def test_project_rules(client, people):
    owner = people["owner"].headers
    bad = {**PROJECT, "ministry": "NOPE", "period_end": "2023-01-01"}
    r = client.post("/api/projects", json=bad, headers=owner)
    assert r.status_code == 422
    codes = {e["code"] for e in r.json()["errors"]}
    assert "invalid_choice" in codes
    assert client.post("/api/projects", json=PROJECT, headers=owner).status_code == 201
    r = client.post("/api/projects", json=PROJECT, headers=owner)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_project"
    assert client.post("/api/projects", json=PROJECT).status_code == 401


def test_mistyped_accession_is_refused_not_resolved(client, people, dataset):
    typo = dataset[:-2] + ("1" if dataset[-2] != "1" else "2") + dataset[-1]
    r = client.get(f"/api/datasets/{typo}", headers=people["owner"].headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "accession_check_failed"


def test_published_version_is_immutable_and_edit_makes_new_draft(client, people, station, dataset):
    from tests.core.helpers import upload_bytes
    owner = people["owner"].headers
    upload_bytes(client, owner, dataset, "reads/a.txt", b"hello world\n" * 1000)
    assert client.post(f"/api/datasets/{dataset}/submit", headers=owner).status_code == 200
    # Nobody edits a submitted version.
    assert client.patch(f"/api/datasets/{dataset}", json={"title_en": "Changed"}, headers=owner).status_code == 409
    r = client.post(f"/api/datasets/{dataset}/publish", headers=owner)
    assert r.status_code == 200 and r.json()["state"] == "published"
    r = client.patch(f"/api/datasets/{dataset}", json={"title_en": "Rice WGS reads, corrected"}, headers=owner)
    assert r.status_code == 200
    assert r.json()["version"] == 2 and r.json()["state"] == "draft" and r.json()["file_count"] == 1
    v1 = client.get(f"/api/datasets/{dataset}?version=1").json()
    assert v1["title_en"] == "Rice WGS reads" and v1["state"] == "published"
    # The public sees version 1; the owner sees the draft.
    assert client.get(f"/api/datasets/{dataset}").json()["version"] == 1
    assert client.get(f"/api/datasets/{dataset}", headers=owner).json()["version"] == 2
    # Each version keeps its own manifest.
    upload_bytes(client, owner, dataset, "reads/b.txt", b"more\n" * 10)
    files_v1 = client.get(f"/api/datasets/{dataset}/files?version=1").json()["items"]
    files_v2 = client.get(f"/api/datasets/{dataset}/files?version=2", headers=owner).json()["items"]
    assert [f["path"] for f in files_v1] == ["reads/a.txt"]
    assert sorted(f["path"] for f in files_v2) == ["reads/a.txt", "reads/b.txt"]
    # A version number that the public may not read (the draft) is 404 for them.
    assert client.get(f"/api/datasets/{dataset}?version=2").status_code == 404


def test_list_is_paginated_with_cursor_and_filtered(client, people, station, project):
    owner = people["owner"].headers
    accs = []
    for i in range(7):
        r = client.post("/api/datasets", json={"project": project, **DATASET, "title_en": f"Dataset {i}"},
                        headers=owner)
        accs.append(r.json()["accession"])
    seen, cursor = [], None
    while True:
        url = "/api/datasets?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=owner).json()
        seen += [d["accession"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == accs
    # Drafts are not listed for anybody else.
    assert client.get("/api/datasets", headers=people["other"].headers).json()["items"] == []
    r = client.get("/api/datasets?cursor=!!!")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"


def test_only_operators_create_users(client, people):
    body = {"username": "newbie", "email": "newbie@example.kr", "roles": ["researcher"]}
    r = client.post("/api/users", json=body, headers=people["owner"].headers)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    r = client.post("/api/users", json=body, headers=people["admin"].headers)
    assert r.status_code == 201
    r = client.get("/api/me", headers={"Authorization": "Bearer bst_not-a-real-token"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


def test_form_fields_in_extra_are_checked(client, people, project):
    """Values of the registration form's fields are checked on create and update; every error names the field."""
    body = {"project": project, **DATASET, "extra": {"embargo_until": "2020-13-45"}}
    r = client.post("/api/datasets", json=body, headers=people["owner"].headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "extra.embargo_until" and r.json()["errors"][0]["message_ko"]
    acc = client.post("/api/datasets", json={"project": project, **DATASET}, headers=people["owner"].headers)
    acc = acc.json()["accession"]
    r = client.patch(f"/api/datasets/{acc}", json={"extra": {"embargo_until": "someday"}},
                     headers=people["owner"].headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "extra.embargo_until"


def test_who_may_deposit_into_a_project(client, people, station, project):
    """The insert carries the deposit rule; the refusals still come as 403/404 problem details, before any
    complaint about the input, and are audited."""
    from biostation.audit.models import AuditEvent
    from sqlalchemy import select

    body = {"project": project, **DATASET}
    with station.uow() as uow:  # the owner adds a colleague as a depositor
        station.projects.add_member(uow, people["owner"].identity, project, "other")
    for who in ("owner", "other", "curator", "admin"):
        r = client.post("/api/datasets", json=body, headers=people[who].headers)
        assert r.status_code == 201, (who, r.text)
    with station.uow() as uow:  # a stranger: a researcher who is not in the project
        station.accounts.create_user(uow, people["admin"].identity, username="stranger", email="s@example.kr",
                                     display_name="Stranger", roles=["researcher"])
        _, token = station.accounts.create_token(uow, people["admin"].identity, "stranger")
    stranger = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/datasets", json=body, headers=stranger)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    from biostation.accounts.service import identity_for
    from biostation.errors import PermissionDenied
    with pytest.raises(PermissionDenied), station.uow() as uow:  # the refusal comes before the input's errors
        station.datasets.create(uow, identity_for(station.accounts.get_user(uow, "stranger")),
                                {**body, "title_en": ""})
    assert client.post("/api/datasets", json=body).status_code == 401
    missing = station.projects.accession(type("P", (), {"id": 999_999})())
    r = client.post("/api/datasets", json={**body, "project": missing}, headers=people["owner"].headers)
    assert r.status_code == 404
    with station.uow() as uow:
        denials = uow.session.scalars(select(AuditEvent.actor).where(AuditEvent.decision == "deny",
                                                                     AuditEvent.target == project)).all()
    assert [a.split("#")[0] for a in denials] == ["stranger", "stranger"]  # the API call and the service call


def test_deposit_rule_in_sql_agrees_with_the_policy(station, people, project):
    from sqlalchemy import select

    from biostation.projects import policy
    from biostation.projects.models import Project
    with station.uow() as uow:
        station.projects.add_member(uow, people["owner"].identity, project, "other")
    with station.uow() as uow:
        p = station.projects.get(uow, people["owner"].identity, project)
        members = station.projects.member_ids(uow, p)
        for person in people.values():
            ident = person.identity
            scope = policy.deposit_scope(ident)
            in_sql = scope is not None and uow.session.scalar(
                select(Project.id).where(Project.id == p.id, policy.deposit_clause(scope, ident.user_id))) == p.id
            assert in_sql == policy.can_deposit(ident, p.owner_id, members), person
