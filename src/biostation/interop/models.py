"""Interoperability tables: DOIs, the OAI-PMH record catalogue, harvest sources and their runs, provenance.

Nothing here changes a core table: the OAI catalogue and the DOI list are this domain's own view of the
datasets, kept in step by ``interop.sync`` (and by the ``dataset.published`` subscriber).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base

DOI_STATES = ("reserved", "draft", "registered", "findable")


class Doi(Base):
    """One DOI: a dataset version's (version >= 1) or the dataset's concept DOI (version 0)."""

    __tablename__ = "interop_dois"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    doi: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="reserved")
    mode: Mapped[str] = mapped_column(String(20), default="reserve")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class OaiRecord(Base):
    """One OAI-PMH item per dataset; ``doc`` is the public metadata of its latest readable version.

    Paged by the key (datestamp, id) so every page costs one index range scan. A record that stops being
    public keeps its row with ``deleted`` set, so harvesters learn about the withdrawal.
    """

    __tablename__ = "interop_oai_records"
    __table_args__ = (Index("ix_interop_oai_records_stamp", "datestamp", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    datestamp: Mapped[datetime]
    deleted: Mapped[bool] = mapped_column(default=False)
    sets: Mapped[list] = mapped_column(default=list)
    doc: Mapped[dict | None] = mapped_column(nullable=True)
    xml_dc: Mapped[str | None] = mapped_column(Text, nullable=True)  # rendered once per change, not per request
    xml_datacite: Mapped[str | None] = mapped_column(Text, nullable=True)


class OaiSetMember(Base):
    """Set membership with the record's datestamp copied in, so a set harvest is one index range too."""

    __tablename__ = "interop_oai_sets"
    __table_args__ = (Index("ix_interop_oai_sets_stamp", "set_spec", "datestamp", "record_id"),)
    set_spec: Mapped[str] = mapped_column(String(100), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("interop_oai_records.id"), primary_key=True)
    datestamp: Mapped[datetime]


class InteropState(Base):
    """Small named values: sync watermarks."""

    __tablename__ = "interop_state"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict] = mapped_column(default=dict)


class HarvestSource(Base):
    """An OAI-PMH endpoint (a ministry data centre, or another station) that the station harvests."""

    __tablename__ = "interop_harvest_sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    base_url: Mapped[str] = mapped_column(String(1000))
    metadata_prefix: Mapped[str] = mapped_column(String(50), default="oai_datacite")
    set_spec: Mapped[str] = mapped_column(String(200), default="")
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    research_field: Mapped[str] = mapped_column(String(64))
    data_type: Mapped[str] = mapped_column(String(64))
    schedule_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_datestamp: Mapped[str] = mapped_column(String(40), default="")
    resumption_token: Mapped[str] = mapped_column(Text, default="")
    run_from: Mapped[str] = mapped_column(String(40), default="")
    run_max: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(20), default="idle")  # idle | running | interrupted
    next_run_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class HarvestRun(Base):
    __tablename__ = "interop_harvest_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("interop_harvest_sources.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="running")  # running | done | failed
    from_datestamp: Mapped[str] = mapped_column(String(40), default="")
    started_at: Mapped[datetime] = mapped_column(default=now)
    finished_at: Mapped[datetime | None]
    pages: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")


class HarvestError(Base):
    """One record the harvester could not take, with the reason; the run goes on."""

    __tablename__ = "interop_harvest_errors"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("interop_harvest_runs.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(500))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Provenance(Base):
    """Where a harvested dataset came from: 'via data centre X', the remote identifier and datestamp."""

    __tablename__ = "interop_provenance"
    __table_args__ = (UniqueConstraint("source_id", "remote_identifier"),)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("interop_harvest_sources.id"), index=True)
    remote_identifier: Mapped[str] = mapped_column(String(500))
    remote_datestamp: Mapped[str] = mapped_column(String(40), default="")
    remote_doi: Mapped[str] = mapped_column(String(255), default="")
    remote_deleted: Mapped[bool] = mapped_column(default=False)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    harvested_at: Mapped[datetime] = mapped_column(default=now)
