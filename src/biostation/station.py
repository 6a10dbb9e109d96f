"""The composition root: one object that owns the engine, the object store, the job runner and the services.

The API, the web UI and the CLI each build one ``Station`` from the configuration and call its services;
nothing else creates engines or stores.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy.orm import sessionmaker

from .config import Config, load_config
from .db import Base, UnitOfWork, make_engine
from .storage import ObjectStore, make_store


class Station:
    def __init__(self, config: Config | None = None):
        self.config = config or load_config()
        self.config.data_path.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.config.effective_database_url)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    @cached_property
    def store(self) -> ObjectStore:
        return make_store(self.config)

    @cached_property
    def jobs(self) -> Any:
        from .jobs import JobRunner
        return JobRunner(self)

    # services -----------------------------------------------------------------------------------------------
    @cached_property
    def accounts(self) -> Any:
        from .accounts.service import AccountService
        return AccountService(self)

    @cached_property
    def projects(self) -> Any:
        from .projects.service import ProjectService
        return ProjectService(self)

    @cached_property
    def datasets(self) -> Any:
        from .datasets.service import DatasetService
        return DatasetService(self)

    @cached_property
    def uploads(self) -> Any:
        from .datasets.uploads import UploadService
        return UploadService(self)

    @cached_property
    def forms(self) -> Any:
        from .forms.service import FormService
        return FormService(self)

    @cached_property
    def access(self) -> Any:
        from .access.service import AccessService
        return AccessService(self)

    @cached_property
    def qc(self) -> Any:
        from .qc.results import QCResultService
        return QCResultService(self)

    @cached_property
    def interop(self) -> Any:
        from .interop.service import InteropService
        return InteropService(self)

    @cached_property
    def stats(self) -> Any:
        from .stats.service import StatsService
        return StatsService(self)

    @cached_property
    def search_engine(self) -> Any:
        """The bio data map's index: embedded tantivy (default) or PostgreSQL full-text search."""
        from .search.documents import station_ontology
        from .search.service import open_engine
        return open_engine(self.config, kind=self.config.search_engine, ontology=station_ontology())

    # schema -------------------------------------------------------------------------------------------------
    def upgrade(self) -> None:
        """Bring the database schema to the newest migration (Alembic)."""
        from .migrations import upgrade
        upgrade(self.engine)

    def create_all(self) -> None:
        """Create tables straight from the models (tests); production uses ``upgrade``."""
        import_models()
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        if "jobs" in self.__dict__:
            self.jobs.stop()
        if "search_engine" in self.__dict__:
            self.search_engine.close()
        self.engine.dispose()


def import_models() -> None:
    """Import every domain's models so the metadata knows every table."""
    from .access import models as _ac  # noqa: F401
    from .accounts import models as _a  # noqa: F401
    from .audit import models as _au  # noqa: F401
    from .datasets import models as _d  # noqa: F401
    from .forms import models as _f  # noqa: F401
    from .interop import models as _io  # noqa: F401
    from .jobs import models as _j  # noqa: F401
    from .projects import models as _p  # noqa: F401
    from .qc import models as _qc  # noqa: F401
    from .stats import models as _st  # noqa: F401
