from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base


class Project(Base):
    """A publicly funded R&D project: the unit a ministry funds and checks deposit compliance for."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_number: Mapped[str] = mapped_column(String(64), unique=True)
    title_en: Mapped[str] = mapped_column(Text)
    title_ko: Mapped[str] = mapped_column(Text)
    ministry: Mapped[str] = mapped_column(String(32), index=True)
    lead_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    pi_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pi_name: Mapped[str] = mapped_column(String(300))
    funding_programme: Mapped[str] = mapped_column(String(300), default="")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    sharing_plan: Mapped[list] = mapped_column(default=list)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="depositor")  # owner | depositor
