"""Usage counting and the station's statistics, as SQL aggregates.

Counting: a view or a download adds to one ``stats_usage_daily`` row (dataset, day) with a single
INSERT ... ON CONFLICT DO UPDATE in the request's own unit of work; a failure to count is logged and never
fails the view or the download (on PostgreSQL the statement runs in a savepoint, so the request's
transaction survives it).

Statistics: a handful of GROUP BYs over the tables (nothing walks a list, nothing is capped), so the cost
grows with the table scans, not with Python loops (about 14 s at 2 million datasets on PostgreSQL on two
cores); a period's result is kept in ``stats_reports`` and reused for ``stats_cache_seconds``. This domain
reads the datasets, projects and access tables for these aggregates (as the search documents do) and writes
only its own tables.

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
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import and_, case, func, literal_column, select, text, true
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
from .models import DatasetGrade, StatsReport, UsageDaily
from .schemas import (Count, GroupUsage, Headline, LevelCount, MonthCount, Period, PeriodIn, StatsOut, Usage,
                      Utilisation)

log = logging.getLogger("biostation.stats")

DEFAULT_MONTHS = 12
LEVELS = ("open", "embargoed", "controlled", "private")
GRADE_PENDING = "pending"
USAGE_FIELDS = ("views", "downloads", "bytes_out")
WORK_MEM = "64MB"  # per sort or hash of the report's queries on PostgreSQL (SET LOCAL: this transaction only)


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
               end: str | None = None, *, fresh: bool = False) -> StatsOut:
        """Everything the operator dashboard and ``GET /api/stats`` show, for a period of whole months
        (default: the last 12 months, this one included). A period computed less than ``stats_cache_seconds``
        ago is answered from ``stats_reports`` (``generated_at`` says when it was computed) unless ``fresh``."""
        require(self.station, identity, policy.can_read_statistics(identity), "read", "statistics", "*")
        wanted = parse(PeriodIn, {"from": start, "to": end})
        period = resolve_period(wanted.start, wanted.end)
        key = f"{period.start}..{period.end}"
        ttl = int(self.station.config.stats_cache_seconds)
        if ttl > 0 and not fresh:
            cached = uow.session.get(StatsReport, key)
            if cached is not None:
                if cached.computed_at <= now() - timedelta(seconds=ttl):
                    # Stale: answer with it now and recompute in the background, so no page waits for the
                    # full GROUP BYs (tens of seconds at millions of datasets) once a period has been computed.
                    self._refresh_later(uow, period, key)
                return StatsOut.model_validate(cached.body)
        out = self._compute(uow, period)
        if ttl > 0:
            self._keep(uow, key, out)
        return out

    def _keep(self, uow: UnitOfWork, key: str, out: StatsOut) -> None:
        values = {"period": key, "body": out.model_dump(mode="json"), "computed_at": out.generated_at}
        _upsert(uow, StatsReport, values, ["period"], {k: (lambda ex, k=k: getattr(ex, k))
                                                        for k in ("body", "computed_at")})

    def _refresh_later(self, uow: UnitOfWork, period: Period, key: str) -> None:
        self.station.jobs.enqueue_once(uow, "stats.refresh", {"start": period.start, "end": period.end},
                                       ref=f"stats:{key}")

    def refresh(self, start: str, end: str) -> dict[str, Any]:
        """Recompute one period's report and keep it (the background half of ``report``)."""
        period = resolve_period(start, end)
        key = f"{period.start}..{period.end}"
        with self.station.uow() as uow:
            out = self._compute(uow, period)
            self._keep(uow, key, out)
        return {"period": key, "computed_at": out.generated_at.isoformat()}

    def _compute(self, uow: UnitOfWork, period: Period) -> StatsOut:
        """Seven queries: two counts, then one GROUP BY each for publications and utilisation (month x ministry
        x field), usage (month x ministry x field), data types, access levels and grades; the per-ministry,
        per-field and overall figures are sums of the few hundred groups those return."""
        first_day, after_day = _bounds(period)
        first_at, after_at = _instant(first_day), _instant(after_day)
        s, dialect = uow.session, _dialect(uow)
        if dialect == "postgresql":  # hash joins and aggregates over millions of rows: keep them in memory
            s.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
            s.execute(text("SET LOCAL jit = off"))  # compiling these plans costs more than it saves

        d, p, u = Dataset, Project, UsageDaily
        lv = aliased(DatasetVersion, name="lv")  # newest published version: field and data types
        v1 = aliased(DatasetVersion, name="v1")  # first version: its publication is the dataset's first
        # Most datasets have one version: read the first version's date from a second row only for the others
        # (an index look-up each) instead of joining every dataset's first version.
        earlier = (select(v1.published_at).where(v1.dataset_id == d.id, v1.number == 1)
                   .correlate(d).scalar_subquery())
        first_pub = case((d.latest_published == 1, lv.published_at),
                         else_=func.coalesce(earlier, lv.published_at))

        def published(*columns: Any) -> Any:
            return (select(*columns).select_from(d)
                    .join(lv, and_(lv.dataset_id == d.id, lv.number == d.latest_published))
                    .join(p, p.id == d.project_id))

        total = s.scalar(select(func.count()).select_from(d)) or 0
        n_published = s.scalar(select(func.count()).select_from(d).where(d.latest_published.is_not(None))) or 0

        # Publications and utilisation in one pass over the datasets published by the end of the period:
        # (month of first publication if within the period, ministry, field) -> (published, downloaded in period).
        in_days = and_(u.day >= first_day, u.day < after_day)
        downloaded = (select(u.dataset_id).where(in_days, u.downloads > 0).group_by(u.dataset_id)
                      .subquery("downloaded"))
        facts = (published(case((first_pub >= first_at, _month_of(first_pub, dialect, instant=True)),
                                else_=None).label("month"),
                           p.ministry.label("ministry"), lv.research_field.label("field"),
                           case((downloaded.c.dataset_id.is_not(None), 1), else_=0).label("used"))
                 .outerjoin(downloaded, downloaded.c.dataset_id == d.id).where(first_pub < after_at)
                 .subquery("facts"))
        groups = s.execute(select(facts.c.month, facts.c.ministry, facts.c.field, func.count(),
                                  func.coalesce(func.sum(facts.c.used), 0))
                           .group_by(facts.c.month, facts.c.ministry, facts.c.field)).all()
        pub_ministry: Counter = Counter()
        pub_field: Counter = Counter()
        util: dict[str, Counter] = {"all": Counter(), "ministry": Counter(), "field": Counter()}
        for month, ministry, field, n, used in groups:
            ministry, field, used = ministry or "", field or "", int(used)
            if month:
                pub_ministry[(month, ministry)] += n
                pub_field[(month, field)] += n
            for kind, key in (("all", "all"), ("ministry", ministry), ("field", field)):
                util[kind][(key, "published")] += n
                util[kind][(key, "downloaded")] += used

        # data types of the newest published version (a dataset counts once under each of its types)
        items = _json_items(lv.data_types, dialect)
        rows = s.execute(select(items.c.value, func.count()).select_from(d)
                         .join(lv, and_(lv.dataset_id == d.id, lv.number == d.latest_published))
                         .join(items, true()).group_by(items.c.value)).all()
        by_type = _counts(rows)

        # QC grade of the newest published version
        rows = s.execute(select(DatasetGrade.grade, func.count()).select_from(d)
                         .outerjoin(DatasetGrade, DatasetGrade.dataset_id == d.id)
                         .where(d.latest_published.is_not(None)).group_by(DatasetGrade.grade)).all()
        by_grade = sorted((Count(key=g or GRADE_PENDING, datasets=n) for g, n in rows),
                          key=lambda c: (c.key == GRADE_PENDING, c.key))

        # Usage in the period per (month, ministry, field): the days are summed into months per dataset first,
        # so the joins see one row per dataset and month. A dataset's field is that of its newest published
        # version, or of its first while nothing is published.
        umonth = _month_of(u.day, dialect, instant=False)
        monthly = (select(u.dataset_id.label("dataset_id"), umonth.label("month"),
                          func.sum(u.views).label("views"), func.sum(u.downloads).label("downloads"),
                          func.sum(u.bytes_out).label("bytes_out"))
                   .where(in_days).group_by(u.dataset_id, umonth).subquery("monthly"))
        cv = aliased(DatasetVersion, name="cv")
        rows = s.execute(
            select(monthly.c.month, p.ministry, cv.research_field, func.sum(monthly.c.views),
                   func.sum(monthly.c.downloads), func.sum(monthly.c.bytes_out))
            .select_from(monthly).join(d, d.id == monthly.c.dataset_id).join(p, p.id == d.project_id)
            .join(cv, and_(cv.dataset_id == d.id, cv.number == func.coalesce(d.latest_published, 1)))
            .group_by(monthly.c.month, p.ministry, cv.research_field)).all()
        use: dict[str, Counter] = {"all": Counter(), "ministry": Counter(), "field": Counter()}
        for month, ministry, field, views, downloads, bytes_out in rows:
            for kind, key in (("all", ""), ("ministry", ministry or ""), ("field", field or "")):
                c = use[kind]
                c[(month, key, "views")] += int(views or 0)
                c[(month, key, "downloads")] += int(downloads or 0)
                c[(month, key, "bytes_out")] += int(bytes_out or 0)

        def usage_of(kind: str) -> list[GroupUsage]:
            keys = sorted({(m, k) for m, k, _ in use[kind]})
            return [GroupUsage(month=m, key=k, **{f: use[kind][(m, k, f)] for f in USAGE_FIELDS}) for m, k in keys]

        def utilisation(kind: str) -> list[Utilisation]:
            keys = sorted({k for k, _ in util[kind]})
            out = []
            for k in keys:
                n, got = util[kind][(k, "published")], util[kind][(k, "downloaded")]
                out.append(Utilisation(key=k, published=n, downloaded=got, rate=(got / n) if n else 0.0))
            return sorted(out, key=lambda x: (-x.rate, x.key))

        overall = utilisation("all")
        return StatsOut(
            period=period, generated_at=now(), datasets=total, published=n_published,
            published_by_month_ministry=_monthly(pub_ministry), published_by_month_field=_monthly(pub_field),
            by_data_type=by_type, by_access=self._levels(uow), by_grade=by_grade,
            usage_by_month=[Usage(month=m, **{f: use["all"][(m, "", f)] for f in USAGE_FIELDS})
                            for m in period.months],
            usage_by_month_ministry=usage_of("ministry"), usage_by_month_field=usage_of("field"),
            utilisation=overall[0] if overall else Utilisation(key="all", published=0, downloaded=0, rate=0.0),
            utilisation_by_ministry=utilisation("ministry"), utilisation_by_field=utilisation("field"))

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


def _monthly(counts: Counter) -> list[MonthCount]:
    return [MonthCount(month=m, key=k, datasets=n) for (m, k), n in sorted(counts.items())]


def _counts(rows: Iterable[Any]) -> list[Count]:
    return sorted((Count(key=k or "", datasets=n) for k, n in rows), key=lambda c: (-c.datasets, c.key))
