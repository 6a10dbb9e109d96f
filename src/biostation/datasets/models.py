from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base

STATES = ("draft", "submitted", "published")


class Dataset(Base):
    """The concept record: one accession (and concept DOI) over all its versions."""

    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    access_level: Mapped[str] = mapped_column(String(20), default="open")
    latest_published: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class DatasetMember(Base):
    __tablename__ = "dataset_members"
    __table_args__ = (UniqueConstraint("dataset_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="co_owner")


class DatasetVersion(Base):
    """The described content of one version; immutable once published."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    title_en: Mapped[str] = mapped_column(Text)
    title_ko: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    research_field: Mapped[str] = mapped_column(String(64))
    data_types: Mapped[list] = mapped_column(default=list)
    organisms: Mapped[list] = mapped_column(default=list)
    keywords: Mapped[list] = mapped_column(default=list)
    licence: Mapped[str] = mapped_column(String(64), default="CC-BY-4.0")
    contributors: Mapped[list] = mapped_column(default=list)
    publications: Mapped[list] = mapped_column(default=list)
    extra: Mapped[dict] = mapped_column(default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]


class Blob(Base):
    """Bytes in the object store, keyed by their sha256: stored once, referenced by any number of files."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=now)


class DatasetFile(Base):
    """A file as deposited (accession BSF...); versions list files through their manifest."""

    __tablename__ = "dataset_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    path: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class ManifestEntry(Base):
    __tablename__ = "manifest_entries"
    __table_args__ = (UniqueConstraint("version_id", "path"), Index("ix_manifest_file", "file_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("dataset_files.id"))
    path: Mapped[str] = mapped_column(String(1024))


class Upload(Base):
    """A chunked, resumable upload into a draft; parts survive a server restart."""

    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id"))
    path: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(BigInteger)
    part_size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    md5: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | completed | aborted | expired
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    completed_at: Mapped[datetime | None]
    file_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_files.id"))


class UploadPart(Base):
    __tablename__ = "upload_parts"
    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
