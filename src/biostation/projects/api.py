from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ..api.deps import Caller, SignedIn, StationDep
from .schemas import ProjectIn, ProjectOut

router = APIRouter(prefix="/api/projects", tags=["projects"])


class ProjectPage(BaseModel):
    items: list[ProjectOut]
    next_cursor: str | None


@router.post("", response_model=ProjectOut, status_code=201)
def create_project(body: ProjectIn, station: StationDep, caller: SignedIn) -> ProjectOut:
    with station.uow() as uow:
        return station.projects.out(uow, station.projects.create(uow, caller, body))


@router.get("", response_model=ProjectPage)
def list_projects(station: StationDep, caller: Caller, cursor: str | None = None,
                  limit: int | None = Query(None, ge=1), ministry: str | None = None) -> ProjectPage:
    with station.uow() as uow:
        page = station.projects.list(uow, caller, cursor=cursor, limit=limit, ministry=ministry)
        return ProjectPage(items=[station.projects.out(uow, p) for p in page.items], next_cursor=page.next_cursor)


@router.get("/{accession}", response_model=ProjectOut)
def get_project(accession: str, station: StationDep, caller: Caller) -> ProjectOut:
    with station.uow() as uow:
        return station.projects.out(uow, station.projects.get(uow, caller, accession))
