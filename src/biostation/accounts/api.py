from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ..api.deps import Caller, SignedIn, StationDep

router = APIRouter(prefix="/api", tags=["accounts"])


class OrganisationIn(BaseModel):
    code: str
    name_en: str
    name_ko: str
    kind: str
    parent: str | None = None


class OrganisationOut(BaseModel):
    code: str
    name_en: str
    name_ko: str
    kind: str


class UserIn(BaseModel):
    username: str
    email: str
    display_name: str = ""
    roles: list[str] = ["researcher"]
    organisation: str | None = None


class UserOut(BaseModel):
    username: str
    email: str
    display_name: str
    roles: list[str]
    created_at: datetime


class MeOut(BaseModel):
    username: str
    user_id: int | None
    roles: list[str]
    via: str


class TokenIn(BaseModel):
    name: str = "api"
    days: int | None = Field(365, ge=1, le=3650)


class TokenOut(BaseModel):
    token: str = Field(description="Shown once; store it safely")
    prefix: str
    expires_at: datetime | None


@router.get("/me", response_model=MeOut)
def me(caller: Caller) -> MeOut:
    return MeOut(username=caller.username, user_id=caller.user_id, roles=sorted(caller.roles), via=caller.via)


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(body: OrganisationIn, station: StationDep, caller: SignedIn) -> OrganisationOut:
    with station.uow() as uow:
        org = station.accounts.create_organisation(uow, caller, **body.model_dump())
        return OrganisationOut(code=org.code, name_en=org.name_en, name_ko=org.name_ko, kind=org.kind)


@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(station: StationDep) -> list[OrganisationOut]:
    with station.uow() as uow:
        return [OrganisationOut(code=o.code, name_en=o.name_en, name_ko=o.name_ko, kind=o.kind)
                for o in station.accounts.list_organisations(uow)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, station: StationDep, caller: SignedIn) -> UserOut:
    with station.uow() as uow:
        user = station.accounts.create_user(uow, caller, **body.model_dump())
        return UserOut(username=user.username, email=user.email, display_name=user.display_name, roles=user.roles,
                       created_at=user.created_at)


@router.get("/users", response_model=list[UserOut])
def list_users(station: StationDep, caller: SignedIn) -> list[UserOut]:
    with station.uow() as uow:
        return [UserOut(username=u.username, email=u.email, display_name=u.display_name, roles=u.roles,
                        created_at=u.created_at) for u in station.accounts.list_users(uow, caller)]


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(body: TokenIn, station: StationDep, caller: SignedIn) -> TokenOut:
    with station.uow() as uow:
        token, secret = station.accounts.create_token(uow, caller, caller.username, body.name, body.days)
        return TokenOut(token=secret, prefix=token.prefix, expires_at=token.expires_at)
