"""Usage counting and the station's statistics, as SQL aggregates.

Counting: a view or a download adds to one ``stats_usage_daily`` row (dataset, day) with a single
INSERT ... ON CONFLICT DO UPDATE in the request's own unit of work; a failure to count is logged and never
fails the view or the download (on PostgreSQL the statement runs in a savepoint, so the request's
transaction survives it).

Statistics: every figure is one GROUP BY over the tables (nothing walks a list, nothing is capped), so the
cost grows with the table scans, not with Python loops. This domain reads the datasets, projects and access
tables for these aggregates (as the search documents do) and writes only its own tables.

Definitions (months and days are UTC):

- *published dataset*: a dataset with a published version; its research field and data types are those of
  its newest published version, its ministry that of its R&D project, and its publication month the month
  its first version was published.
- *utilisation rate* of a period: of the datasets published on or before the last day of the period, the
  share that were downloaded at least once during the period (downloaded / published). Per ministry and per
  research field, both numbers are counted within the group.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import Any, Iterable

from sqlalchemy import and_, case, func, literal_column, select, true
from sqlalchemy.orm import aliased

from .. import accessions
from ..clock import now
from ..datasets.models import Dataset, DatasetVersion
from ..db import UnitOfWork
from ..identity import SYSTEM, Identity
from ..policy import require
from ..projects.models import Project
from ..validation import parse
from . import policy
from .models import DatasetGrade, UsageDaily
from .schemas import (Count, GroupUsage, Headline, LevelCount, MonthCount, Period, PeriodIn, StatsOut, Usage,
                      Utilisation)

log = logging.getLogger("biostation.stats")

DEFAULT_MONTHS = 12
LEVELS = ("open", "embargoed", "controlled", "private")
GRADE_PENDING = "pending"


# periods ----------------------------------------------------------------------------------------------------
def _month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _first_day(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def resolve_period(start: str | None, end: str | None, today: date | None = None) -> Period:
    """Fill in a missing end (this month) and start (12 months up to the end)."""
    today = today or now().date()
    end_i = _month_index(end) if end else today.year * 12 + today.month - 1
    start_i = _month_index(start) if start else end_i - (DEFAULT_MONTHS - 1)
    return Period(start=_month_name(start_i), end=_month_name(end_i),
                  months=[_month_name(i) for i in range(start_i, end_i + 1)])


def _bounds(period: Period) -> tuple[date, date]:
    """[first day of the first month, first day after the last month)."""
    return _first_day(_month_index(period.start)), _first_day(_month_index(period.end) + 1)


def _instant(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


# dialect helpers --------------------------------------------------------------------------------------------
def _dialect(uow: UnitOfWork) -> str:
    return uow.session.get_bind().dialect.name


def _month_of(column: Any, dialect: str, *, instant: bool) -> Any:
    """'YYYY-MM' of a UTC timestamp or a date, written without bind parameters so that the same
    expression in SELECT and GROUP BY is the same text (PostgreSQL compares them textually)."""
    if dialect == "postgresql":
        value = func.timezone(literal_column("'UTC'"), column) if instant else column
        return func.to_char(value, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), column)


def _json_items(column: Any, dialect: str) -> Any:
    """The elements of a JSON array column as a table with one column, ``value``."""
    if dialect == "postgresql":
        return func.json_array_elements_text(column).table_valued("value")
    return func.json_each(column).table_valued("value")


def _upsert(uow: UnitOfWork, model: Any, values: dict[str, Any], keys: list[str], set_: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET ..., on SQLite and PostgreSQL; ``set_`` values may be
    callables of the excluded row (the values this statement tried to insert)."""
    if _dialect(uow) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(model).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=keys,
                                      set_={k: v(stmt.excluded) if callable(v) else v for k, v in set_.items()})
    uow.session.execute(stmt)


class StatsService:
    def __init__(self, station: Any):
        self.station = station

    # counting -----------------------------------------------------------------------------------------------
    def record_view(self, uow: UnitOfWork, dataset: Dataset | int | str) -> None:
        """One view of a dataset's landing page or metadata (never raises)."""
        self._count(uow, dataset, views=1)

    def record_download(self, uow: UnitOfWork, dataset: Dataset | int | str, start: int, length: int) -> None:
        """Bytes of one file served: a download when the request starts at byte 0 (a whole file or a
        client's first range); the bytes of every request, ranges included (never raises)."""
        self._count(uow, dataset, downloads=1 if start == 0 else 0, bytes_out=max(int(length), 0))

    def _count(self, uow: UnitOfWork, dataset: Dataset | int | str, views: int = 0, downloads: int = 0,
               bytes_out: int = 0) -> None:
        try:
            dataset_id = self._dataset_id(dataset)
            values = {"dataset_id": dataset_id, "day": now().date(), "views": views, "downloads": downloads,
                      "bytes_out": bytes_out}
            add = {name: (lambda ex, name=name: getattr(UsageDaily, name) + getattr(ex, name))
                   for name in ("views", "downloads", "bytes_out")}
            if _dialect(uow) == "postgresql":
                # a failed statement aborts a PostgreSQL transaction: keep the request's work out of harm's way
                with uow.session.begin_nested():
                    _upsert(uow, UsageDaily, values, ["dataset_id", "day"], add)
            else:  # SQLite keeps the transaction usable after a failed statement
                _upsert(uow, UsageDaily, values, ["dataset_id", "day"], add)
        except Exception:  # noqa: BLE001 - counting must never fail the view or the download
            log.exception("could not count usage of dataset %s", dataset)

    @staticmethod
    def _dataset_id(dataset: Dataset | int | str) -> int:
        if isinstance(dataset, int):
            return dataset
        if isinstance(dataset, str):
            return accessions.parse(dataset.split(".", 1)[0], "dataset")[1]
        return dataset.id

    # grades -------------------------------------------------------------------------------------------------
    def refresh_grade(self, dataset_id: int) -> dict[str, Any]:
        """Keep the grade of the dataset's newest published version (QC decides it) for the grade counts."""
        with self.station.uow() as uow:
            dataset = uow.session.get(Dataset, dataset_id)
            if dataset is None or dataset.latest_published is None:
                row = uow.session.get(DatasetGrade, dataset_id)
                if row is not None:
                    uow.session.delete(row)
                return {"grade": None}
            summary = self.station.qc.version_summary(uow, SYSTEM, accessions.make("dataset", dataset.id),
                                                      dataset.latest_published)
            grade = (summary.get("grade") or {}).get("grade")
            values = {"dataset_id": dataset.id, "version": dataset.latest_published, "grade": grade,
                      "updated_at": now()}
            _upsert(uow, DatasetGrade, values, ["dataset_id"],
                    {k: (lambda ex, k=k: getattr(ex, k)) for k in ("version", "grade", "updated_at")})
            return {"grade": grade, "version": dataset.latest_published}

    def rebuild(self, identity: Identity, batch: int = 1000) -> dict[str, int]:
        """Recompute every published dataset's grade (after an upgrade, or a change of QC thresholds)."""
        require(self.station, identity, policy.can_rebuild(identity), "rebuild", "statistics", "*")
        last, done = 0, 0
        while True:
            with self.station.uow() as uow:
                ids = list(uow.session.scalars(select(Dataset.id).where(Dataset.id > last,
                                                                        Dataset.latest_published.is_not(None))
                                               .order_by(Dataset.id).limit(batch)))
            if not ids:
                return {"grades": done}
            for dataset_id in ids:
                self.refresh_grade(dataset_id)
            done += len(ids)
            last = ids[-1]

    # public headline numbers --------------------------------------------------------------------------------
    def headline(self, uow: UnitOfWork, identity: Identity) -> Headline:
        """Published datasets the caller may read, in all, per research field and per ministry."""
        readable = and_(self.station.access.list_filter(uow, identity), Dataset.latest_published.is_not(None))
        s = uow.session
        total = s.scalar(select(func.count()).select_from(Dataset).where(readable)) or 0
        lv = aliased(DatasetVersion)
        by_field = s.execute(select(lv.research_field, func.count()).select_from(Dataset)
                             .join(lv, and_(lv.dataset_id == Dataset.id, lv.number == Dataset.latest_published))
                             .where(readable).group_by(lv.research_field)).all()
        by_ministry = s.execute(select(Project.ministry, func.count()).select_from(Dataset)
                                .join(Project, Project.id == Dataset.project_id)
                                .where(readable).group_by(Project.ministry)).all()
        return Headline(datasets=total, by_field=_counts(by_field), by_ministry=_counts(by_ministry))

    # the statistics -----------------------------------------------------------------------------------------
    def report(self, uow: UnitOfWork, identity: Identity, start: str | None = None,
               end: str | None = None) -> StatsOut:
        """Everything the operator dashboard and ``GET /api/stats`` show, for a period of whole months
        (default: the last 12 months, this one included)."""
        require(self.station, identity, policy.can_read_statistics(identity), "read", "statistics", "*")
        wanted = parse(PeriodIn, {"from": start, "to": end})
        period = resolve_period(wanted.start, wanted.end)
        first_day, after_day = _bounds(period)
        first_at, after_at = _instant(first_day), _instant(after_day)
        s, dialect = uow.session, _dialect(uow)

        d, p = Dataset, Project
        lv = aliased(DatasetVersion, name="lv")  # newest published version: field and data types
        v1 = aliased(DatasetVersion, name="v1")  # first version: its publication is the dataset's first
        first_pub = func.coalesce(v1.published_at, lv.published_at)

        def published(*columns: Any) -> Any:
            return (select(*columns).select_from(d)
                    .join(lv, and_(lv.dataset_id == d.id, lv.number == d.latest_published))
                    .join(v1, and_(v1.dataset_id == d.id, v1.number == 1))
                    .join(p, p.id == d.project_id))

        total = s.scalar(select(func.count()).select_from(d)) or 0
        n_published = s.scalar(select(func.count()).select_from(d).where(d.latest_published.is_not(None))) or 0

        # first publications per month, per ministry and per research field
        month = _month_of(first_pub, dialect, instant=True)
        in_period = and_(first_pub >= first_at, first_pub < after_at)
        by_month: dict[str, list[MonthCount]] = {}
        for name, key in (("ministry", p.ministry), ("field", lv.research_field)):
            rows = s.execute(published(month, key, func.count()).where(in_period).group_by(month, key)
                             .order_by(month, key)).all()
            by_month[name] = [MonthCount(month=m, key=k or "", datasets=n) for m, k, n in rows]

        # data types of the newest published version (a dataset counts once under each of its types)
        items = _json_items(lv.data_types, dialect)
        rows = s.execute(published(items.c.value, func.count()).join(items, true())
                         .group_by(items.c.value)).all()
        by_type = _counts(rows)

        # access levels in force now (an embargo that has ended counts as open), over datasets in any state
        by_access = self._levels(uow)

        # QC grade of the newest published version
        rows = s.execute(select(DatasetGrade.grade, func.count()).select_from(d)
                         .outerjoin(DatasetGrade, DatasetGrade.dataset_id == d.id)
                         .where(d.latest_published.is_not(None)).group_by(DatasetGrade.grade)).all()
        by_grade = sorted((Count(key=g or GRADE_PENDING, datasets=n) for g, n in rows),
                          key=lambda c: (c.key == GRADE_PENDING, c.key))

        # usage per month: overall (every month of the period), per ministry and per research field
        u = UsageDaily
        umonth = _month_of(u.day, dialect, instant=False)
        in_days = and_(u.day >= first_day, u.day < after_day)
        sums = (func.coalesce(func.sum(u.views), 0), func.coalesce(func.sum(u.downloads), 0),
                func.coalesce(func.sum(u.bytes_out), 0))
        found = {m: (v, dl, b) for m, v, dl, b in
                 s.execute(select(umonth, *sums).where(in_days).group_by(umonth)).all()}
        usage = [Usage(month=m, views=int(found.get(m, (0, 0, 0))[0]), downloads=int(found.get(m, (0, 0, 0))[1]),
                       bytes_out=int(found.get(m, (0, 0, 0))[2])) for m in period.months]
        cv = aliased(DatasetVersion, name="cv")  # the version that names a dataset's field: newest published,
        usage_groups: dict[str, list[GroupUsage]] = {}  # or the first while nothing is published
        for name, key in (("ministry", p.ministry), ("field", cv.research_field)):
            q = (select(umonth, key, *sums).select_from(u).join(d, d.id == u.dataset_id)
                 .join(p, p.id == d.project_id)
                 .join(cv, and_(cv.dataset_id == d.id, cv.number == func.coalesce(d.latest_published, 1)))
                 .where(in_days).group_by(umonth, key).order_by(umonth, key))
            usage_groups[name] = [GroupUsage(month=m, key=k or "", views=int(v), downloads=int(dl), bytes_out=int(b))
                                  for m, k, v, dl, b in s.execute(q).all()]

        # utilisation: published by the end of the period, downloaded at least once within it
        downloaded = (select(u.dataset_id).where(in_days, u.downloads > 0).group_by(u.dataset_id)
                      .subquery("downloaded"))

        def utilisation(key: Any | None) -> list[Utilisation]:
            cols = [func.count(), func.count(downloaded.c.dataset_id)]
            q = (published(*([key] if key is not None else []), *cols)
                 .outerjoin(downloaded, downloaded.c.dataset_id == d.id).where(first_pub < after_at))
            if key is not None:
                q = q.group_by(key)
            out = []
            for row in s.execute(q).all():
                k, n, got = (row[0], row[1], row[2]) if key is not None else ("all", row[0], row[1])
                out.append(Utilisation(key=k or "", published=n, downloaded=got, rate=(got / n) if n else 0.0))
            return sorted(out, key=lambda x: (-x.rate, x.key))

        overall = utilisation(None)
        return StatsOut(
            period=period, generated_at=now(), datasets=total, published=n_published,
            published_by_month_ministry=by_month["ministry"], published_by_month_field=by_month["field"],
            by_data_type=by_type, by_access=by_access, by_grade=by_grade, usage_by_month=usage,
            usage_by_month_ministry=usage_groups["ministry"], usage_by_month_field=usage_groups["field"],
            utilisation=overall[0] if overall else Utilisation(key="all", published=0, downloaded=0, rate=0.0),
            utilisation_by_ministry=utilisation(p.ministry), utilisation_by_field=utilisation(lv.research_field))

    def _levels(self, uow: UnitOfWork) -> list[LevelCount]:
        from ..access.models import AccessSettings
        d, st = Dataset, AccessSettings
        level = case((and_(d.access_level == "embargoed", st.embargo_until.is_not(None), st.embargo_until <= now()),
                      "open"),
                     (d.access_level.in_(LEVELS), d.access_level), else_="private")
        inner = (select(level.label("level"),
                        case((d.latest_published.is_not(None), 1), else_=0).label("published"))
                 .select_from(d).outerjoin(st, st.dataset_id == d.id).subquery("levels"))
        rows = uow.session.execute(select(inner.c.level, func.count(), func.coalesce(func.sum(inner.c.published), 0))
                                   .group_by(inner.c.level)).all()
        found = {lvl: (n, int(pub)) for lvl, n, pub in rows}
        return [LevelCount(level=lvl, datasets=found.get(lvl, (0, 0))[0], published=found.get(lvl, (0, 0))[1])
                for lvl in LEVELS]


def _counts(rows: Iterable[Any]) -> list[Count]:
    return sorted((Count(key=k or "", datasets=n) for k, n in rows), key=lambda c: (-c.datasets, c.key))
