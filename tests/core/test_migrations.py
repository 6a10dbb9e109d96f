from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from biostation.db import Base
from biostation.station import import_models


def test_migrations_match_models(station):
    """The schema Alembic builds is the schema the models describe (on both engines)."""
    import_models()
    with station.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []
