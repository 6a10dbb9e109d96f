"""Database engine, declarative base and the unit of work.

SQLite (embedded default) and PostgreSQL (production) run the same models. A unit of work is one
transaction; work that must only happen once the data is durable (indexing, QC jobs) is queued with
``uow.after_commit`` and runs after the commit succeeds.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on both engines (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use biostation.clock.now()")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=20, **kwargs)


class UnitOfWork:
    """One transaction; ``after_commit`` callbacks run only if it commits."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory
        self.session: Session
        self._before: list[Callable[[], None]] = []
        self._after: list[Callable[[], None]] = []

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        self._before, self._after = [], []
        return self

    def before_commit(self, fn: Callable[[], None]) -> None:
        self._before.append(fn)

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after.append(fn)

    def commit(self) -> None:
        while self._before:
            self._before.pop(0)()
        self.session.commit()
        callbacks, self._after = self._after, []
        for fn in callbacks:
            fn()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
