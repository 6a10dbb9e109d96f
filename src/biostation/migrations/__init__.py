"""Alembic migrations. Each domain keeps its own branch (label = domain name) off the core's first
revision, so domains grow their tables independently; ``upgrade`` applies every head.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

HERE = Path(__file__).parent


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, target: str = "heads") -> None:
    command.upgrade(alembic_config(engine), target)


def current(engine: Engine) -> list[str]:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return list(MigrationContext.configure(conn).get_current_heads())
