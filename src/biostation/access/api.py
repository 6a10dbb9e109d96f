"""REST routes of the access domain (/api/access/...) and the reviewer-link routes (/api/review/...)."""
from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from ..api.deps import Caller, SignedIn, StationDep
from ..datasets.api import file_response
from ..datasets.schemas import DatasetOut
from ..errors import StationError
from ..identity import Identity
from . import ontology as onto
from .schemas import (AccessOut, ChangesIn, ColleagueIn, CommitteeIn, CommitteeOut, CommitteePatch, EmbargoExtension,
                      EmergencyIn, EmergencyOut, GrantOut, LevelIn, MatchIn, Page, PublicationLink, QuotaIn, QuotaOut,
                      ReasonIn, RequestIn, RequestOut, RequestPatch, ReviewerLinkIn, ReviewerLinkOut, VoteIn)

router = APIRouter(prefix="/api", tags=["access"])
Limit = Query(None, ge=1)


def _page(items: list[Any], cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursor}


# dataset access settings --------------------------------------------------------------------------------------
@router.get("/access/datasets/{accession}", response_model=AccessOut)
def show(accession: str, station: StationDep, caller: Caller) -> AccessOut:
    """The dataset's access level and conditions, and what the caller may do with it."""
    with station.uow() as uow:
        return station.access.show(uow, caller, accession)


@router.put("/access/datasets/{accession}", response_model=AccessOut)
def set_level(accession: str, body: LevelIn, station: StationDep, caller: SignedIn) -> AccessOut:
    with station.uow() as uow:
        return station.access.set_level(uow, caller, accession, body)


@router.post("/access/datasets/{accession}/embargo/extend", response_model=AccessOut)
def extend_embargo(accession: str, body: EmbargoExtension, station: StationDep, caller: SignedIn) -> AccessOut:
    with station.uow() as uow:
        return station.access.extend_embargo(uow, caller, accession, body)


@router.post("/access/datasets/{accession}/embargo/publication", response_model=AccessOut)
def link_publication(accession: str, body: PublicationLink, station: StationDep, caller: SignedIn) -> AccessOut:
    with station.uow() as uow:
        return station.access.link_publication(uow, caller, accession, body)


@router.get("/access/datasets/{accession}/colleagues")
def colleagues(accession: str, station: StationDep, caller: SignedIn) -> dict[str, Any]:
    with station.uow() as uow:
        return {"items": station.access.colleagues(uow, caller, accession)}


@router.post("/access/datasets/{accession}/colleagues", status_code=204)
def add_colleague(accession: str, body: ColleagueIn, station: StationDep, caller: SignedIn) -> Response:
    with station.uow() as uow:
        station.access.add_colleague(uow, caller, accession, body)
    return Response(status_code=204)


@router.delete("/access/datasets/{accession}/colleagues/{username}", status_code=204)
def remove_colleague(accession: str, username: str, station: StationDep, caller: SignedIn) -> Response:
    with station.uow() as uow:
        station.access.remove_colleague(uow, caller, accession, username)
    return Response(status_code=204)


@router.get("/access/datasets/{accession}/reviewer-links")
def reviewer_links(accession: str, station: StationDep, caller: SignedIn) -> dict[str, Any]:
    with station.uow() as uow:
        return {"items": station.access.links(uow, caller, accession)}


@router.post("/access/datasets/{accession}/reviewer-links", response_model=ReviewerLinkOut, status_code=201)
def create_reviewer_link(accession: str, body: ReviewerLinkIn, station: StationDep, caller: SignedIn
                         ) -> ReviewerLinkOut:
    """The token is in the answer once; give the referees the `url` (or the token as X-Reviewer-Token)."""
    with station.uow() as uow:
        return station.access.create_link(uow, caller, accession, body)


@router.delete("/access/reviewer-links/{link_id}", response_model=ReviewerLinkOut)
def revoke_reviewer_link(link_id: int, station: StationDep, caller: SignedIn) -> ReviewerLinkOut:
    with station.uow() as uow:
        return station.access.revoke_link(uow, caller, link_id)


@router.get("/access/datasets/{accession}/grants", response_model=Page)
def dataset_grants(accession: str, station: StationDep, caller: SignedIn, cursor: str | None = None,
                   limit: int | None = Limit) -> dict[str, Any]:
    with station.uow() as uow:
        return _page(*station.access.dataset_grants(uow, caller, accession, cursor, limit))


@router.get("/access/datasets/{accession}/log", response_model=Page)
def access_log(accession: str, station: StationDep, caller: SignedIn, cursor: str | None = None,
               limit: int | None = Limit) -> dict[str, Any]:
    """Who read the dataset's protected files, and every emergency or reviewer-link read, newest first."""
    with station.uow() as uow:
        return _page(*station.access.access_log(uow, caller, accession, cursor, limit))


@router.get("/access/principals")
def principals(station: StationDep, caller: Caller) -> dict[str, Any]:
    """The caller's principals, as the search engine filters on them."""
    with station.uow() as uow:
        return {"principals": sorted(station.access.principals(uow, caller))}


# vocabularies and matching ------------------------------------------------------------------------------------
@router.get("/access/duo")
def duo_terms() -> dict[str, Any]:
    return {"items": [{"id": t.id, "code": t.code, "label_en": t.label_en, "label_ko": t.label_ko,
                       "parent": t.parent, "kind": "permission" if onto.is_permission(t.id) else
                       "modifier" if onto.is_modifier(t.id) else "root"} for t in onto.duo_terms().values()]}


@router.get("/access/diseases")
def diseases() -> dict[str, Any]:
    return {"items": [{"id": d.id, "label_en": d.label_en, "label_ko": d.label_ko, "parents": list(d.parents),
                       "xrefs": list(d.xrefs)} for d in onto.diseases().values()]}


@router.post("/access/match")
def match(body: MatchIn, station: StationDep) -> dict[str, Any]:
    """Would this purpose fit these data-use conditions? (No request is made.)"""
    return station.access.match(body.model_dump(mode="json"))


# committees ---------------------------------------------------------------------------------------------------
@router.post("/access/committees", response_model=CommitteeOut, status_code=201)
def create_committee(body: CommitteeIn, station: StationDep, caller: SignedIn) -> CommitteeOut:
    with station.uow() as uow:
        return station.access.create_committee(uow, caller, body)


@router.get("/access/committees", response_model=Page)
def committees(station: StationDep, caller: SignedIn, cursor: str | None = None,
               limit: int | None = Limit) -> dict[str, Any]:
    with station.uow() as uow:
        return _page(*station.access.committees(uow, caller, cursor, limit))


@router.get("/access/committees/{committee_id}", response_model=CommitteeOut)
def committee(committee_id: int, station: StationDep, caller: SignedIn) -> CommitteeOut:
    with station.uow() as uow:
        return station.access.committee(uow, caller, committee_id)


@router.patch("/access/committees/{committee_id}", response_model=CommitteeOut)
def update_committee(committee_id: int, body: CommitteePatch, station: StationDep, caller: SignedIn) -> CommitteeOut:
    with station.uow() as uow:
        return station.access.update_committee(uow, caller, committee_id, body)


# requests -----------------------------------------------------------------------------------------------------
@router.post("/access/requests", response_model=RequestOut, status_code=201)
def create_request(body: RequestIn, station: StationDep, caller: SignedIn) -> RequestOut:
    with station.uow() as uow:
        return station.access.create_request(uow, caller, body)


@router.get("/access/requests", response_model=Page)
def my_requests(station: StationDep, caller: SignedIn, cursor: str | None = None,
                limit: int | None = Limit) -> dict[str, Any]:
    with station.uow() as uow:
        return _page(*station.access.my_requests(uow, caller, cursor, limit))


@router.get("/access/queue", response_model=Page)
def queue(station: StationDep, caller: SignedIn,
          state: Literal["submitted", "changes_requested", "approved", "rejected", "withdrawn"] = "submitted",
          cursor: str | None = None,
          limit: int | None = Limit) -> dict[str, Any]:
    """Requests waiting for the caller's committees, with the DUO match and an overdue flag (> 14 days)."""
    with station.uow() as uow:
        return _page(*station.access.queue(uow, caller, state=state, cursor=cursor, limit=limit))


@router.get("/access/requests/{request_id}", response_model=RequestOut)
def get_request(request_id: int, station: StationDep, caller: SignedIn) -> RequestOut:
    with station.uow() as uow:
        return station.access.get_request(uow, caller, request_id)


@router.patch("/access/requests/{request_id}", response_model=RequestOut)
def update_request(request_id: int, body: RequestPatch, station: StationDep, caller: SignedIn) -> RequestOut:
    with station.uow() as uow:
        return station.access.update_request(uow, caller, request_id, body)


@router.put("/access/requests/{request_id}/ethics", response_model=RequestOut)
async def attach_ethics(request_id: int, request: Request, station: StationDep, caller: SignedIn,
                        filename: str = Query(..., description="e.g. irb-approval.pdf")) -> RequestOut:
    """The ethics (IRB) approval as the raw request body (at most 20 MiB)."""
    import tempfile
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
            if spool.tell() > 20 * 1024 * 1024 + 1:
                break
        spool.seek(0)

        def save() -> RequestOut:
            with station.uow() as uow:
                return station.access.attach_ethics(uow, caller, request_id, filename,
                                                    iter(lambda: spool.read(1024 * 1024), b""))
        return await run_in_threadpool(save)


@router.get("/access/requests/{request_id}/ethics")
def ethics_document(request_id: int, station: StationDep, caller: SignedIn) -> Response:
    with station.uow() as uow:
        key, name, size = station.access.ethics_document(uow, caller, request_id)
    return StreamingResponse(station.store.read(key), media_type="application/octet-stream",
                             headers={"Content-Length": str(size),
                                      "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.post("/access/requests/{request_id}/submit", response_model=RequestOut)
def submit_request(request_id: int, station: StationDep, caller: SignedIn) -> RequestOut:
    with station.uow() as uow:
        return station.access.submit_request(uow, caller, request_id)


@router.post("/access/requests/{request_id}/withdraw", response_model=RequestOut)
def withdraw_request(request_id: int, station: StationDep, caller: SignedIn) -> RequestOut:
    with station.uow() as uow:
        return station.access.withdraw_request(uow, caller, request_id)


@router.post("/access/requests/{request_id}/votes", response_model=RequestOut)
def vote(request_id: int, body: VoteIn, station: StationDep, caller: SignedIn) -> RequestOut:
    with station.uow() as uow:
        return station.access.vote(uow, caller, request_id, body)


@router.post("/access/requests/{request_id}/changes", response_model=RequestOut)
def ask_changes(request_id: int, body: ChangesIn, station: StationDep, caller: SignedIn) -> RequestOut:
    with station.uow() as uow:
        return station.access.ask_changes(uow, caller, request_id, body)


# grants -------------------------------------------------------------------------------------------------------
@router.get("/access/grants", response_model=Page)
def my_grants(station: StationDep, caller: SignedIn, cursor: str | None = None,
              limit: int | None = Limit) -> dict[str, Any]:
    with station.uow() as uow:
        return _page(*station.access.my_grants(uow, caller, cursor, limit))


@router.post("/access/grants/{grant_id}/revoke", response_model=GrantOut)
def revoke_grant(grant_id: int, body: ReasonIn, station: StationDep, caller: SignedIn) -> GrantOut:
    with station.uow() as uow:
        return station.access.revoke_grant(uow, caller, grant_id, body)


@router.post("/access/grants/{grant_id}/confirm-deletion", response_model=GrantOut)
def confirm_deletion(grant_id: int, station: StationDep, caller: SignedIn) -> GrantOut:
    with station.uow() as uow:
        return station.access.confirm_deletion(uow, caller, grant_id)


@router.post("/access/grants/{grant_id}/renew", response_model=RequestOut, status_code=201)
def renew_grant(grant_id: int, station: StationDep, caller: SignedIn) -> RequestOut:
    with station.uow() as uow:
        return station.access.renew(uow, caller, grant_id)


# emergencies --------------------------------------------------------------------------------------------------
@router.post("/access/emergencies", response_model=EmergencyOut, status_code=201)
def declare(body: EmergencyIn, station: StationDep, caller: SignedIn) -> EmergencyOut:
    with station.uow() as uow:
        return station.access.declare(uow, caller, body)


@router.get("/access/emergencies", response_model=Page)
def emergencies(station: StationDep, caller: Caller, cursor: str | None = None,
                limit: int | None = Limit) -> dict[str, Any]:
    with station.uow() as uow:
        return _page(*station.access.emergencies(uow, caller, cursor, limit))


@router.get("/access/emergencies/{emergency_id}", response_model=EmergencyOut)
def emergency(emergency_id: int, station: StationDep, caller: Caller) -> EmergencyOut:
    with station.uow() as uow:
        return station.access.emergency(uow, caller, emergency_id)


@router.post("/access/emergencies/{emergency_id}/end", response_model=EmergencyOut)
def end_emergency(emergency_id: int, body: ReasonIn, station: StationDep, caller: SignedIn) -> EmergencyOut:
    with station.uow() as uow:
        return station.access.end(uow, caller, emergency_id, body)


@router.get("/access/emergencies/{emergency_id}/datasets", response_model=Page)
def emergency_datasets(emergency_id: int, station: StationDep, caller: SignedIn, cursor: str | None = None,
                       limit: int | None = Limit) -> dict[str, Any]:
    with station.uow() as uow:
        return _page(*station.access.covered_datasets(uow, caller, emergency_id, cursor, limit))


# notifications and quota --------------------------------------------------------------------------------------
@router.get("/access/notifications", response_model=Page)
def notifications(station: StationDep, caller: SignedIn, unread: bool = False, cursor: str | None = None,
                  limit: int | None = Limit) -> dict[str, Any]:
    with station.uow() as uow:
        return _page(*station.access.notifications(uow, caller, unread=unread, cursor=cursor, limit=limit))


@router.post("/access/notifications/{notification_id}/read", status_code=204)
def mark_read(notification_id: int, station: StationDep, caller: SignedIn) -> Response:
    with station.uow() as uow:
        station.access.mark_read(uow, caller, notification_id)
    return Response(status_code=204)


@router.get("/access/quota", response_model=QuotaOut)
def my_quota(station: StationDep, caller: SignedIn, user: str | None = None) -> QuotaOut:
    with station.uow() as uow:
        return station.access.quota(uow, caller, user)


@router.put("/access/quota/{username}", response_model=QuotaOut)
def set_quota(username: str, body: QuotaIn, station: StationDep, caller: SignedIn) -> QuotaOut:
    with station.uow() as uow:
        return station.access.set_quota(uow, caller, username, body.model_dump())


# reviewer links: a token in the URL, or in the X-Reviewer-Token header ----------------------------------------
def _review_dataset(station: Any, reviewer: Identity) -> DatasetOut:
    with station.uow() as uow:
        return station.datasets.out(uow, *station.datasets.get(uow, reviewer,
                                                               station.access.accession(reviewer.dataset_id)))


def _review_files(station: Any, reviewer: Identity, base: str, cursor: str | None, limit: int | None
                  ) -> dict[str, Any]:
    with station.uow() as uow:
        items, next_cursor = station.datasets.files(uow, reviewer, station.access.accession(reviewer.dataset_id),
                                                    None, cursor, limit)
    for item in items:
        item.download_url = f"{base}/files/{item.accession}/content"
    return {"items": items, "next_cursor": next_cursor}


def _header_token(token: str | None) -> str:
    if not token:
        raise StationError("reviewer_token_required", "Send the reviewer link's token.", "검토자 링크 토큰을 보내 주세요.",
                           401, "Put it in the X-Reviewer-Token header, or use /api/review/{token}.")
    return token


@router.get("/access/files/{accession}/content", tags=["access"])
def download_guarded(accession: str, station: StationDep, caller: Caller, range: str | None = Header(None)
                     ) -> Response:
    """The same as /api/files/{accession}/content (access is re-decided while the bytes stream on both)."""
    return file_response(station, caller, accession, range)


@router.get("/review/dataset", response_model=DatasetOut)
def review_dataset_header(station: StationDep, x_reviewer_token: str | None = Header(None)) -> DatasetOut:
    return _review_dataset(station, station.access.reviewer_identity(_header_token(x_reviewer_token)))


@router.get("/review/files")
def review_files_header(station: StationDep, x_reviewer_token: str | None = Header(None), cursor: str | None = None,
                        limit: int | None = Limit) -> dict[str, Any]:
    reviewer = station.access.reviewer_identity(_header_token(x_reviewer_token))
    return _review_files(station, reviewer, "/api/review", cursor, limit)


@router.get("/review/files/{accession}/content")
def review_download_header(accession: str, station: StationDep, x_reviewer_token: str | None = Header(None),
                           range: str | None = Header(None)) -> Response:
    reviewer = station.access.reviewer_identity(_header_token(x_reviewer_token))
    return file_response(station, reviewer, accession, range)


@router.get("/review/{token}", response_model=DatasetOut)
def review_dataset(token: str, station: StationDep) -> DatasetOut:
    """What a journal referee sees: the dataset, read-only and anonymous, while the link is valid."""
    return _review_dataset(station, station.access.reviewer_identity(token))


@router.get("/review/{token}/files")
def review_files(token: str, station: StationDep, cursor: str | None = None,
                 limit: int | None = Limit) -> dict[str, Any]:
    return _review_files(station, station.access.reviewer_identity(token), f"/api/review/{token}", cursor, limit)


@router.get("/review/{token}/files/{accession}/content")
def review_download(token: str, accession: str, station: StationDep, range: str | None = Header(None)) -> Response:
    return file_response(station, station.access.reviewer_identity(token), accession, range)
