"""Tables of the statistics domain: daily usage counters and each published dataset's QC grade.

Usage is counted, not logged: one row per dataset and day, incremented in place by an upsert, so a million
downloads of one dataset on one day are still one row. Everything else the statistics show is aggregated
from the other domains' tables when asked (SQL GROUP BY), except the version grade, which QC computes in
Python (weakest file, then metadata completeness) and this domain keeps per dataset so that it can be grouped.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base


class UsageDaily(Base):
    """Views, downloads and bytes served for one dataset on one day (UTC).

    A download is counted once per request that starts at byte 0 (a whole file, or the first range of a
    resuming or parallel client); ``bytes_out`` counts the bytes of every request, ranges included.
    """

    __tablename__ = "stats_usage_daily"
    __table_args__ = (Index("ix_stats_usage_daily_day", "day"),)
    # (dataset_id, day) is the primary key: the unique key the upsert conflicts on, with no surrogate id.
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    downloads: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_out: Mapped[int] = mapped_column(BigInteger, default=0)


class StatsReport(Base):
    """The statistics of one period as last computed, reused for ``stats_cache_seconds`` by every process."""

    __tablename__ = "stats_reports"
    period: Mapped[str] = mapped_column(String(20), primary_key=True)  # "YYYY-MM..YYYY-MM"
    body: Mapped[dict]
    computed_at: Mapped[datetime]


class DatasetGrade(Base):
    """The QC grade of a dataset's newest published version (None while a file is still being checked).

    Kept current by the ``dataset.published`` and ``dataset.quality_changed`` events;
    ``biostation stats rebuild`` recomputes every row from QC.
    """

    __tablename__ = "stats_dataset_grades"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int]
    grade: Mapped[str | None] = mapped_column(String(2), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
