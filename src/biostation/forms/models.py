"""Tables of the forms domain: form versions curators add (or deprecate), and registered samples."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base


class FormVersion(Base):
    """A form version the station holds beyond the packaged ones: added by a curator, or a packaged version
    that was deprecated. The document is complete and never changes; only ``status`` may turn 'deprecated'."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="active")
    source: Mapped[str] = mapped_column(String(20), default="curator")  # curator | packaged
    document: Mapped[dict] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    deprecated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deprecated_at: Mapped[datetime | None]


class Sample(Base):
    """A biosample (accession BSS...), registered in bulk from a sheet and validated against one form version."""

    __tablename__ = "samples"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_samples_project_keyset", "project_id", "id"),
        Index("ix_samples_dataset_keyset", "dataset_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"))
    form_id: Mapped[str] = mapped_column(String(100))
    form_version: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(Text)
    organism: Mapped[str | None] = mapped_column(String(500))
    taxon_id: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict] = mapped_column(default=dict)
    completeness: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
