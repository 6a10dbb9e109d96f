"""R&D projects: the funded unit every dataset belongs to."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import accessions
from ..accounts.models import Organisation, User
from ..audit.service import record
from ..db import UnitOfWork
from ..errors import Conflict, NotFound
from ..identity import Identity
from ..pagination import Page, paginate
from ..policy import require
from ..validation import parse
from . import policy
from .models import Project, ProjectMember
from .schemas import ProjectIn, ProjectOut


class ProjectService:
    def __init__(self, station: Any):
        self.station = station

    def create(self, uow: UnitOfWork, identity: Identity, data: ProjectIn | dict) -> Project:
        require(self.station, identity, policy.can_create(identity), "create", "project", "new")
        data = parse(ProjectIn, data)
        s = uow.session
        if s.scalar(select(Project.id).where(Project.project_number == data.project_number)):
            raise Conflict("duplicate_project", f"Project number {data.project_number} is already registered.",
                           f"과제번호 {data.project_number}은(는) 이미 등록되어 있습니다.",
                           "Search for the existing project and deposit under it.")
        org_id = None
        if data.lead_organisation:
            org_id = self.station.accounts.get_organisation(uow, data.lead_organisation).id
        pi_id = self.station.accounts.get_user(uow, data.pi_username).id if data.pi_username else None
        project = Project(
            project_number=data.project_number, title_en=data.title_en, title_ko=data.title_ko,
            ministry=data.ministry, lead_organisation_id=org_id, pi_user_id=pi_id, pi_name=data.pi_name,
            funding_programme=data.funding_programme, period_start=data.period_start, period_end=data.period_end,
            sharing_plan=[item.model_dump(mode="json") for item in data.sharing_plan], owner_id=identity.user_id)
        s.add(project)
        s.flush()
        if pi_id and pi_id != identity.user_id:
            s.add(ProjectMember(project_id=project.id, user_id=pi_id, role="owner"))
        record(uow, identity, "project.create", "project", self.accession(project),
               {"project_number": data.project_number, "ministry": data.ministry})
        return project

    @staticmethod
    def accession(project: Project) -> str:
        return accessions.make("project", project.id)

    @staticmethod
    def number(accession: str) -> int:
        """The project's row id from its accession (a mistyped accession is refused, never resolved)."""
        return accessions.parse(accession, "project")[1]

    @staticmethod
    def deposit_scope(identity: Identity) -> str | None:
        return policy.deposit_scope(identity)

    def get(self, uow: UnitOfWork, identity: Identity, accession: str) -> Project:
        _, number, _ = accessions.parse(accession, "project")
        project = uow.session.get(Project, number)
        if project is None:
            raise NotFound("Project", accession)
        return project

    def member_ids(self, uow: UnitOfWork, project: Project) -> set[int]:
        ids = set(uow.session.scalars(select(ProjectMember.user_id).where(ProjectMember.project_id == project.id)))
        if project.pi_user_id:
            ids.add(project.pi_user_id)
        return ids

    def require_deposit(self, uow: UnitOfWork, identity: Identity, project: Project) -> None:
        # The owner needs no member look-up (one query less on the hot path of bulk deposits).
        allowed = identity.user_id == project.owner_id or \
            policy.can_deposit(identity, project.owner_id, self.member_ids(uow, project))
        require(self.station, identity, allowed, "deposit into", "project", self.accession(project))

    def add_member(self, uow: UnitOfWork, identity: Identity, accession: str, username: str,
                   role: str = "depositor") -> None:
        project = self.get(uow, identity, accession)
        require(self.station, identity, policy.can_update(identity, project.owner_id, self.member_ids(uow, project)),
                "add members to", "project", accession)
        user = self.station.accounts.get_user(uow, username)
        uow.session.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
        record(uow, identity, "project.member_add", "project", accession, {"user": username, "role": role})

    def list(self, uow: UnitOfWork, identity: Identity, *, cursor: str | None = None, limit: int | None = None,
             ministry: str | None = None) -> Page:
        q = select(Project)
        if ministry:
            q = q.where(Project.ministry == ministry)
        return paginate(uow.session, q, Project.id, cursor, limit or self.station.config.page_size_default,
                        self.station.config.page_size_max)

    def out(self, uow: UnitOfWork, project: Project) -> ProjectOut:
        org = uow.session.get(Organisation, project.lead_organisation_id) if project.lead_organisation_id else None
        owner = uow.session.get(User, project.owner_id)
        return ProjectOut(
            accession=self.accession(project), project_number=project.project_number, title_en=project.title_en,
            title_ko=project.title_ko, ministry=project.ministry, lead_organisation=org.code if org else None,
            pi_name=project.pi_name, funding_programme=project.funding_programme, period_start=project.period_start,
            period_end=project.period_end, sharing_plan=project.sharing_plan, owner=owner.username if owner else "",
            created_at=project.created_at)
