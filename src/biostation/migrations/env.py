from __future__ import annotations

from alembic import context

from biostation.db import Base
from biostation.station import import_models

import_models()
config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from biostation.db import make_engine
    engine = make_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
