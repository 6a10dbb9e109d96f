"""The access workflow's later steps as pages, on SQLite and PostgreSQL: the committee asks for changes, the
requester answers with an ethics document and sends the request again, and renews a grant before it ends."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from biostation.audit.service import list_events
from biostation.web import i18n

from .conftest import WebClient
from .test_pages import controlled_dataset, error_slot, people_identity

PURPOSE = "We will map heat-tolerance loci in rice and compare them with wheat panels."
FORM = {"use": "HMB", "purpose_text": PURPOSE, "institution": "KRIBB", "project_title": "Rice heat genes"}


def make_request(web: WebClient, dataset: str) -> int:
    """'other' asks for access through the request form; returns the request's id."""
    web.sign_in("other")
    r = web.post(f"/datasets/{dataset}/request-access", FORM, token_from=f"/datasets/{dataset}/request-access",
                 follow_redirects=True)
    assert r.url.path == "/my/requests"
    return int(re.search(r'id="request-(\d+)"', r.text).group(1))


def switch(web: WebClient, username: str) -> None:
    web.post("/sign-out", {})
    web.sign_in(username)


def state_of(station: Any, request_id: int) -> Any:
    with station.uow() as uow:
        return station.access.get_request(uow, people_identity(station, "member"), request_id)


def test_ask_for_changes_then_answer_with_an_ethics_document(web: WebClient, station: Any, client: Any,
                                                             people: dict, dataset: str) -> None:
    controlled_dataset(station, client, people, dataset)
    req = make_request(web, dataset)
    switch(web, "member")
    r = web.get("/committee")
    assert 'value="changes"' in r.text and 'value="approve"' in r.text and 'value="reject"' in r.text
    assert f'aria-describedby="help-comment-{req} err-comment-{req}"' in r.text
    # a message is required: the error is beside the comment box, in Korean, and nothing changed
    r = web.post(f"/committee/{req}/vote", {"vote": "changes", "comment": "  "}, token_from="/committee")
    assert r.status_code == 422
    assert "요청자가 무엇을 고쳐야 하는지" in error_slot(r.text, f"comment-{req}")
    assert f'id="comment-{req}" name="comment" rows="3" aria-describedby' in r.text and 'aria-invalid="true"' in r.text
    assert state_of(station, req).state == "submitted"
    web.get("/lang/en?next=/committee")
    r = web.post(f"/committee/{req}/vote", {"vote": "changes", "comment": "short"}, token_from="/committee")
    assert r.status_code == 422 and "Write what the requester should change" in error_slot(r.text, f"comment-{req}")
    web.get("/lang/ko?next=/committee")
    message = "Please attach your IRB approval and say which cultivars you will use."
    r = web.post(f"/committee/{req}/vote", {"vote": "changes", "comment": message}, token_from="/committee",
                 follow_redirects=True)
    assert r.status_code == 200 and "요청자에게 돌려보냈습니다" in r.text
    assert state_of(station, req).state == "changes_requested"
    r = web.get("/committee?state=changes_requested")
    assert f'id="request-{req}"' in r.text and message in r.text and f"/committee/{req}/vote" not in r.text

    # the requester sees the committee's message, and a form to answer it
    switch(web, "other")
    r = web.get("/my/requests")
    assert message in r.text and f'href="/my/requests/{req}"' in r.text and "수정 요청됨" in r.text
    r = web.get(f"/my/requests/{req}")
    assert r.status_code == 200 and 'id="changes-message"' in r.text and message in r.text
    assert 'enctype="multipart/form-data"' in r.text and 'name="csrf_token"' in r.text
    assert 'id="f-ethics" name="ethics" type="file"' in r.text and 'aria-describedby="help-ethics err-ethics"' in r.text
    assert 'for="f-ethics"' in r.text and PURPOSE in r.text  # prefilled from the request
    page = f"/my/requests/{req}"
    new_text = PURPOSE + " Cultivars: Dongjin, Ilmi and Nipponbare (IRB KRIBB-2025-07)."
    # errors beside their fields, all at once: too short a purpose, an empty document
    r = web.post(page, {**FORM, "purpose_text": "too short", "action": "resubmit"}, token_from=page,
                 files={"ethics": ("irb.pdf", b"", "application/pdf")})
    assert r.status_code == 422 and error_slot(r.text, "purpose_text")
    assert state_of(station, req).state == "changes_requested"
    r = web.post(page, {**FORM, "purpose_text": new_text, "action": "resubmit"}, token_from=page,
                 files={"ethics": ("irb.pdf", b"", "application/pdf")})
    assert r.status_code == 422 and "비어" in error_slot(r.text, "ethics")
    r = web.post(page, {**FORM, "purpose_text": new_text, "action": "resubmit"}, token_from=page,
                 files={"ethics": ("irb.pdf", b"\0" * (20 * 1024 * 1024 + 1), "application/pdf")})
    assert r.status_code == 422 and "20 MiB" in error_slot(r.text, "ethics")
    assert state_of(station, req).ethics_attached is False
    # save first without sending, then send again
    pdf = b"%PDF-1.4\n% IRB approval KRIBB-2025-07\n%%EOF\n"
    r = web.post(page, {**FORM, "purpose_text": new_text, "accepts": "PUB", "action": "save"}, token_from=page,
                 files={"ethics": ("irb-approval.pdf", pdf, "application/pdf")}, follow_redirects=True)
    assert r.status_code == 200 and "저장했습니다" in r.text
    out = state_of(station, req)
    assert out.state == "changes_requested" and out.ethics_filename == "irb-approval.pdf"
    assert out.purpose_text == new_text and out.purpose["accepts"] == ["DUO:0000019"]
    assert 'id="ethics-current"' in r.text and 'value="PUB" checked' in r.text and 'value="HMB" selected' in r.text
    r = web.post(page, {**FORM, "purpose_text": new_text, "accepts": "PUB", "action": "resubmit"}, token_from=page,
                 files={"ethics": ("", b"", "application/octet-stream")}, follow_redirects=True)
    assert r.status_code == 200 and "다시 보냈습니다" in r.text
    out = state_of(station, req)
    assert out.state == "submitted" and out.round == 2 and out.ethics_filename == "irb-approval.pdf"
    # the history keeps the committee's message and the attached document
    history = r.text[r.text.index('id="history-h"'):]
    assert message in history and "irb-approval.pdf" in history and "2차" in history
    assert 'id="changes-form"' not in r.text
    assert web.get(f"/api/access/requests/{req}/ethics").content == pdf

    # the committee sees the resubmission with its document, and approves it
    switch(web, "member")
    r = web.get("/committee")
    card = r.text[r.text.index(f'id="request-{req}"'):]
    assert "irb-approval.pdf" in card and "2차" in card and "Cultivars: Dongjin" in card
    assert web.get(f"/my/requests/{req}").status_code == 200  # the history page is open to the committee
    r = web.post(f"/committee/{req}/vote", {"vote": "approve", "comment": "Fine now."}, token_from="/committee",
                 follow_redirects=True)
    assert state_of(station, req).state == "approved"
    with station.uow() as uow:
        actions = [e.action for e in list_events(uow.session, limit=50)]
    assert {"access.request_changes", "access.ethics_attach", "access.request_update", "access.grant"} <= set(actions)


def test_renew_a_grant_extends_its_expiry(web: WebClient, station: Any, client: Any, people: dict,
                                        dataset: str) -> None:
    controlled_dataset(station, client, people, dataset)
    req = make_request(web, dataset)
    ends = date.today() + timedelta(days=20)
    switch(web, "member")
    web.post(f"/committee/{req}/vote", {"vote": "approve", "comment": "", "expires_on": ends.isoformat()},
             token_from="/committee")
    switch(web, "other")
    with station.uow() as uow:
        [grant], _c = station.access.my_grants(uow, people_identity(station, "other"))
    first_expiry = grant.expires_at
    r = web.get("/my/requests")
    section = r.text[r.text.index('id="grants-h"'):r.text.index('id="requests-h"')]
    assert i18n.fmt_date(first_expiry, "ko", "long") in section
    assert f'action="/my/grants/{grant.id}/renew"' in section and "갱신" in section
    r = web.post(f"/my/grants/{grant.id}/renew", {}, token_from="/my/requests", follow_redirects=True)
    assert r.status_code == 200 and "갱신 요청" in r.text
    section = r.text[r.text.index('id="grants-h"'):r.text.index('id="requests-h"')]
    assert f'action="/my/grants/{grant.id}/renew"' not in section and "심사 대기" in section  # one renewal at a time
    r = web.post(f"/my/grants/{grant.id}/renew", {}, token_from="/my/requests", follow_redirects=True)
    assert 'class="flash error"' in r.text and "진행 중" in r.text  # the service's refusal, said on the page
    switch(web, "member")
    r = web.get("/committee")
    renewal = int(re.findall(r'action="/committee/(\d+)/vote"', r.text)[-1])
    assert renewal != req and f"권한 {grant.id}의 갱신" in r.text
    web.post(f"/committee/{renewal}/vote", {"vote": "approve", "comment": ""}, token_from="/committee")
    switch(web, "other")
    with station.uow() as uow:
        [grant], _c = station.access.my_grants(uow, people_identity(station, "other"))
    assert grant.expires_at > first_expiry + timedelta(days=300)
    r = web.get("/my/requests")
    section = r.text[r.text.index('id="grants-h"'):r.text.index('id="requests-h"')]
    assert i18n.fmt_date(grant.expires_at, "ko", "long") in section
    assert f'action="/my/grants/{grant.id}/renew"' in section  # renewable again


def test_only_the_committee_asks_for_changes(web: WebClient, station: Any, client: Any, people: dict,
                                            dataset: str) -> None:
    controlled_dataset(station, client, people, dataset)
    req = make_request(web, dataset)
    form = {"vote": "changes", "comment": "Please attach the IRB approval document."}
    r = web.post(f"/committee/{req}/vote", form)  # the requester: may see the request, may not review it
    assert r.status_code == 403
    switch(web, "owner")  # the depositor, not on the committee: the request does not even exist for them
    r = web.post(f"/committee/{req}/vote", form)
    assert r.status_code == 404
    assert web.get(f"/my/requests/{req}").status_code == 404
    r = web.post(f"/my/requests/{req}", {**FORM, "action": "save"})
    assert r.status_code == 404
    assert state_of(station, req).state == "submitted"
    with station.uow() as uow:
        denied = [(e.actor_id, e.decision) for e in list_events(
            uow.session, action="access_request.ask_for_changes_to", target=str(req))]
    owner, other = people_identity(station, "owner"), people_identity(station, "other")
    assert (owner.user_id, "deny") in denied and (other.user_id, "deny") in denied


def test_a_request_under_review_cannot_be_changed(web: WebClient, station: Any, client: Any, people: dict,
                                                  dataset: str) -> None:
    controlled_dataset(station, client, people, dataset)
    req = make_request(web, dataset)
    r = web.get(f"/my/requests/{req}")
    assert r.status_code == 200 and 'id="changes-form"' not in r.text and "Rice heat genes" in r.text
    r = web.post(f"/my/requests/{req}", {**FORM, "purpose_text": PURPOSE + " More.", "action": "resubmit"},
                 token_from=f"/my/requests/{req}")
    assert r.status_code == 409 and 'class="flash error" role="alert"' in r.text
    assert state_of(station, req).purpose_text == PURPOSE
