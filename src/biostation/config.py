"""Every setting of the station, declared once with its type, default and doc.

Values come from (highest first): an explicit override, the environment (``BIOSTATION_<NAME>``),
a TOML file (``BIOSTATION_CONFIG`` or ``<data_dir>/station.toml``), then the default. Each value
remembers where it came from so ``biostation config show`` can tell an operator why it is set.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class Setting:
    name: str
    type: Callable[[Any], Any]
    default: Any
    doc: str
    secret: bool = False


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r} (use true or false)")


SETTINGS: list[Setting] = [
    Setting("data_dir", str, "./station-data",
            "Folder holding the embedded station: SQLite file, object store, search index."),
    Setting("database_url", str, "",
            "SQLAlchemy URL. Empty: SQLite file <data_dir>/station.db. Production: postgresql+psycopg://..."),
    Setting("storage_backend", str, "local", "Object store: 'local' (a folder) or 's3' (any S3-compatible store)."),
    Setting("storage_path", str, "", "Folder of the local object store. Empty: <data_dir>/objects."),
    Setting("s3_endpoint_url", str, "", "S3 endpoint URL (empty: AWS default)."),
    Setting("s3_bucket", str, "biostation", "S3 bucket holding the station's objects."),
    Setting("s3_region", str, "us-east-1", "S3 region."),
    Setting("s3_access_key", str, "", "S3 access key id.", secret=True),
    Setting("s3_secret_key", str, "", "S3 secret access key.", secret=True),
    Setting("host", str, "127.0.0.1", "Address the web UI and API listen on."),
    Setting("port", int, 8000, "Port the web UI and API listen on."),
    Setting("workers", int, 1, "HTTP worker processes (each runs the API; the database and object store are shared)."),
    Setting("base_url", str, "", "Public URL of the station (empty: http://<host>:<port>)."),
    Setting("upload_part_size", int, 64 * 1024 * 1024,
            "Default part size in bytes for chunked uploads (clients may choose 5 MiB to 512 MiB)."),
    Setting("upload_max_part_size", int, 512 * 1024 * 1024, "Largest part a client may send, in bytes."),
    Setting("upload_expiry_hours", int, 7 * 24, "Unfinished uploads older than this may be cleaned up."),
    Setting("storage_sync_on_complete", _bool, False,
            "true: fsync a completed upload before acknowledging it (limited by disk write speed). false: "
            "acknowledge once verified; a background job re-reads, re-verifies and fsyncs the bytes."),
    Setting("page_size_default", int, 50, "Default number of items per page in lists."),
    Setting("page_size_max", int, 1000, "Largest page a client may ask for."),
    Setting("search_engine", str, "tantivy",
            "Search index: 'tantivy' (embedded, in <data_dir>/search; one writing process) or 'postgres' "
            "(full-text search in the station's PostgreSQL; any number of processes)."),
    Setting("jobs_backend", str, "inprocess",
            "Background jobs: 'inprocess' (a thread in the server; embedded default) or 'dramatiq' (a real "
            "queue: RabbitMQ or Redis at broker_url, worker processes started with `biostation worker`)."),
    Setting("broker_url", str, "amqp://guest:guest@127.0.0.1:5672/%2F",
            "Message broker for jobs_backend = dramatiq: amqp://... (RabbitMQ) or redis://..."),
    Setting("self_publish", _bool, True,
            "Owners may publish their own submitted datasets (false: only curators publish)."),
    Setting("log_level", str, "info", "Log level: debug, info, warning, error."),
    Setting("demo", _bool, False, "Load the demo data when the station starts with an empty database."),
    Setting("web_session_secret", str, "", "Key signing the web sign-in cookie (empty: one is made once and kept in "
            "<data_dir>/web-session.key, shared by every worker). Changing it signs everyone out.", secret=True),
    Setting("publisher", str, "Korea Bio Data Station (국가 바이오 데이터 스테이션)",
            "Publisher named in DataCite metadata, citations, JSON-LD and the OAI-PMH Identify response."),
    Setting("admin_email", str, "biostation@example.kr", "Contact address given in the OAI-PMH Identify response."),
    Setting("datacite_mode", str, "reserve",
            "DOIs: 'reserve' (minted and kept locally, no DataCite account) or 'register' (DataCite REST API)."),
    Setting("datacite_url", str, "https://api.test.datacite.org", "DataCite REST API base URL."),
    Setting("datacite_prefix", str, "10.5072", "DOI prefix of the station (10.5072 is a test prefix)."),
    Setting("datacite_user", str, "", "DataCite repository id (e.g. KR.BIOSTATION), used for basic auth."),
    Setting("datacite_password", str, "", "DataCite repository password.", secret=True),
    Setting("oai_page_size", int, 500, "Records per OAI-PMH ListRecords/ListIdentifiers page."),
    Setting("stats_cache_seconds", int, 600,
            "How long the statistics of a period (GET /api/stats, operator dashboard) are reused before a background "
            "job computes them again (they scan every dataset: tens of seconds at millions; the stored report is "
            "shown meanwhile); 0 computes them on every request."),
]
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass
class Config:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data_path(self) -> Path:
        return Path(self.values["data_dir"]).expanduser().resolve()

    @property
    def effective_database_url(self) -> str:
        url = self.values["database_url"]
        if url:
            return url
        return f"sqlite:///{self.data_path / 'station.db'}"

    @property
    def effective_storage_path(self) -> Path:
        path = self.values["storage_path"]
        return Path(path).expanduser().resolve() if path else self.data_path / "objects"

    @property
    def effective_base_url(self) -> str:
        return self.values["base_url"] or f"http://{self.values['host']}:{self.values['port']}"

    def rows(self) -> list[dict[str, Any]]:
        """Every setting with value, source and doc; secrets masked."""
        out = []
        for s in SETTINGS:
            value = self.values[s.name]
            if s.secret and value:
                value = "********"
            out.append({"name": s.name, "env": f"BIOSTATION_{s.name.upper()}", "value": value,
                        "source": self.sources[s.name], "default": s.default, "doc": s.doc})
        return out


class ConfigError(ValueError):
    pass


def load_config(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Config:
    environ = dict(os.environ if environ is None else environ)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    for key in overrides:
        if key not in SETTINGS_BY_NAME:
            raise ConfigError(f"unknown setting {key!r}")

    def env_value(name: str) -> str | None:
        return environ.get(f"BIOSTATION_{name.upper()}")

    data_dir = overrides.get("data_dir") or env_value("data_dir") or SETTINGS_BY_NAME["data_dir"].default
    toml_path = environ.get("BIOSTATION_CONFIG") or str(Path(data_dir) / "station.toml")
    file_values: dict[str, Any] = {}
    if Path(toml_path).is_file():
        with open(toml_path, "rb") as fh:
            raw = tomllib.load(fh)
        raw = raw.get("biostation", raw)
        for key, value in raw.items():
            if key not in SETTINGS_BY_NAME:
                raise ConfigError(f"{toml_path}: unknown setting {key!r}; see `biostation config show`")
            file_values[key] = value

    config = Config()
    for s in SETTINGS:
        if s.name in overrides:
            raw_value, source = overrides[s.name], "override"
        elif env_value(s.name) is not None:
            raw_value, source = env_value(s.name), f"env BIOSTATION_{s.name.upper()}"
        elif s.name in file_values:
            raw_value, source = file_values[s.name], f"file {toml_path}"
        else:
            raw_value, source = s.default, "default"
        try:
            config.values[s.name] = s.type(raw_value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"setting {s.name} ({source}): {exc}") from exc
        config.sources[s.name] = source
    return config
