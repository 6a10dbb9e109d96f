"""The `biostation` command: everything an operator does, as a thin face over the services."""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..config import ConfigError, load_config
from ..errors import StationError
from ..identity import SYSTEM

app = typer.Typer(help="Bio Data Station — 국가 바이오 데이터 스테이션", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations (ministries, institutes, data centres, resource centres).",
                       no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The append-only audit log.", no_args_is_help=True)
config_app = typer.Typer(help="Settings.", no_args_is_help=True)
uploads_app = typer.Typer(help="Unfinished chunked uploads.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(orgs_app, name="orgs")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(config_app, name="config")
app.add_typer(uploads_app, name="uploads")

console = Console(stderr=True)
_state: dict[str, Any] = {}


@app.callback()
def main(data_dir: Optional[str] = typer.Option(None, "--data-dir", envvar="BIOSTATION_DATA_DIR",
                                                help="Station folder (default ./station-data)")) -> None:
    _state["overrides"] = {"data_dir": data_dir} if data_dir else {}
    if data_dir:  # so every part of the command (domain groups included) reads the same station
        os.environ["BIOSTATION_DATA_DIR"] = data_dir


def station(**overrides: Any) -> Any:
    from ..station import Station
    try:
        config = load_config({**_state.get("overrides", {}), **overrides})
    except ConfigError as exc:
        fail(str(exc), 2)
    return Station(config)


def fail(message: str, code: int = 1) -> None:
    from rich.markup import escape
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def run_service(fn: Any) -> Any:
    """Print a station error as its code, message and hint instead of a traceback."""
    try:
        return fn()
    except StationError as exc:
        console.print(f"[red]{exc.code}[/red]: {exc.message_en} / {exc.message_ko}")
        for err in exc.errors:
            console.print(f"  - {err.field}: {err.message_en} ({err.message_ko}) {err.hint}")
        if exc.hint:
            console.print(f"  hint: {exc.hint}")
        raise typer.Exit(1)


# serve --------------------------------------------------------------------------------------------------------
@app.command()
def serve(host: Optional[str] = typer.Option(None, help="Address to listen on"),
          port: Optional[int] = typer.Option(None, help="Port to listen on")) -> None:
    """Run the web UI and REST API (migrating the database first).

    Granian (a Rust HTTP server) carries the bytes: it moves upload bodies about twice as fast as a
    pure-Python server, which matters for multi-gigabyte sequencing files.
    """
    from granian import Granian
    from granian.constants import Interfaces
    st = station(host=host, port=port)
    st.upgrade()
    cfg = st.config
    st.close()
    # Worker processes read their settings from the environment, so pass on what the command line changed.
    for name, value in {**_state.get("overrides", {}), "host": host, "port": port}.items():
        if value is not None:
            os.environ[f"BIOSTATION_{name.upper()}"] = str(value)
    console.print(f"Bio Data Station on {cfg.effective_base_url}  (API docs: {cfg.effective_base_url}/docs, "
                  f"data: {cfg.data_path})")
    Granian("biostation.api.server:app_factory", factory=True, address=cfg.host, port=cfg.port,
            interface=Interfaces.ASGI, workers=cfg.workers, log_level=cfg.log_level,
            log_access=cfg.log_level == "debug").serve()


@app.command()
def demo(serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve the station after loading"),
         host: Optional[str] = typer.Option(None), port: Optional[int] = typer.Option(None)) -> None:
    """Load the demo (organisations, users, an R&D project, datasets with real files), then serve."""
    from ..demo import load_demo
    st = station(host=host, port=port)
    st.upgrade()
    summary = run_service(lambda: load_demo(st))
    for line in summary:
        console.print(line)
    st.close()
    if serve_after:
        serve(host, port)


@app.command()
def worker(once: bool = typer.Option(False, help="Run the queued jobs, then exit"),
           requeue: bool = typer.Option(False, help="Send every queued job to the broker again, then exit"),
           processes: int = typer.Option(1, help="Worker processes (jobs_backend = dramatiq)"),
           threads: int = typer.Option(2, help="Threads per worker process (jobs_backend = dramatiq)")) -> None:
    """Run background jobs (QC, checksums, indexing) outside the web server; start several for throughput."""
    import time
    st = station()
    st.upgrade()
    if requeue:
        console.print(f"{st.jobs.requeue()} job(s) sent again")
        return
    if once:
        console.print(f"{st.jobs.run_until_idle()} job(s) run")
        return
    if st.config.jobs_backend == "dramatiq":
        st.close()
        os.execv(sys.executable, [sys.executable, "-m", "dramatiq", "biostation.jobs.broker", "--processes",
                                  str(processes), "--threads", str(threads), "--queues", "biostation"])
    st.jobs.recover()
    console.print("worker started (polling the jobs table); Ctrl-C to stop")
    try:
        while True:
            if not st.jobs.run_one():
                time.sleep(1.0)
    except KeyboardInterrupt:
        pass


# db -----------------------------------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from ..migrations import current
    st = station()
    st.upgrade()
    console.print(f"database at {', '.join(current(st.engine))} ({st.engine.url.render_as_string()})")


# organisations, users, tokens ---------------------------------------------------------------------------------
@orgs_app.command("create")
def orgs_create(code: str, name_en: str = typer.Option(..., "--name-en"), name_ko: str = typer.Option(..., "--name-ko"),
                kind: str = typer.Option("institute", help="ministry, institute, data_centre, resource_centre, "
                                                           "hospital, company, other")) -> None:
    st = station()
    with st.uow() as uow:
        run_service(lambda: st.accounts.create_organisation(uow, SYSTEM, code=code, name_en=name_en, name_ko=name_ko,
                                                            kind=kind))
    console.print(f"organisation {code} created")


@users_app.command("create")
def users_create(username: str, email: str = typer.Option(...), name: str = typer.Option("", help="Display name"),
                 role: list[str] = typer.Option(["researcher"], help="researcher, curator, committee_member, "
                                                                     "operator (repeat for several)"),
                 org: Optional[str] = typer.Option(None, help="Organisation code")) -> None:
    st = station()
    with st.uow() as uow:
        run_service(lambda: st.accounts.create_user(uow, SYSTEM, username=username, email=email, display_name=name,
                                                    roles=role, organisation=org))
    console.print(f"user {username} created with roles {', '.join(role)}")


@users_app.command("password")
def users_password(username: str, password: str = typer.Option(..., prompt=True, hide_input=True,
                                                               confirmation_prompt=True)) -> None:
    """Set a user's web sign-in password."""
    st = station()
    with st.uow() as uow:
        run_service(lambda: st.accounts.set_password(uow, SYSTEM, username, password))
    console.print(f"password set for {username}")


@users_app.command("list")
def users_list() -> None:
    st = station()
    table = Table("username", "e-mail", "roles")
    with st.uow() as uow:
        for u in st.accounts.list_users(uow, SYSTEM):
            table.add_row(u.username, u.email, ", ".join(u.roles))
    Console().print(table)


@tokens_app.command("create")
def tokens_create(username: str, name: str = typer.Option("cli"), days: int = typer.Option(365)) -> None:
    """Create an API token; it is printed once (only its hash is kept)."""
    st = station()
    with st.uow() as uow:
        _, secret = run_service(lambda: st.accounts.create_token(uow, SYSTEM, username, name, days))
    print(secret)


# audit --------------------------------------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain: names every edited or deleted entry; exit 1 if any."""
    from ..audit.service import verify
    st = station()
    with st.uow() as uow:
        count, problems = verify(uow.session)
    for p in problems:
        console.print(f"[red]{p.kind}[/red] entry {p.event_id}: {p.message}")
    if problems:
        console.print(f"audit log BROKEN: {len(problems)} problem(s) in {count} entries")
        raise typer.Exit(1)
    console.print(f"audit log intact: {count} entries verified")


# config -------------------------------------------------------------------------------------------------------
@config_app.command("show")
def config_show(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every setting with its value, where the value came from, and what it does."""
    try:
        config = load_config(_state.get("overrides", {}))
    except ConfigError as exc:
        fail(str(exc), 2)
    rows = config.rows()
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = Table("setting", "value", "source", "doc", show_lines=False)
    for r in rows:
        table.add_row(r["env"], str(r["value"]), r["source"], r["doc"])
    Console(width=200).print(table)


# upload -------------------------------------------------------------------------------------------------------
@app.command()
def upload(path: Path = typer.Argument(..., help="File or folder to upload"),
           dataset: str = typer.Option(..., "--dataset", help="Dataset accession, e.g. BSD000001X"),
           dest: Optional[str] = typer.Option(None, help="Path inside the dataset (default: the file name; "
                                                         "a folder keeps its layout)"),
           url: Optional[str] = typer.Option(None, envvar="BIOSTATION_URL", help="Station URL"),
           token: Optional[str] = typer.Option(None, envvar="BIOSTATION_TOKEN", help="API token"),
           part_size: Optional[int] = typer.Option(None, help="Bytes per part"),
           checksums: Optional[Path] = typer.Option(None, help="sha256sum manifest of the files (paths relative "
                                                                "to where it was made); saves one pass over the bytes")) -> None:
    """Upload with a progress bar; run it again after an interruption and it resumes."""
    from .upload import UploadClient, UploadFailed, plan, read_checksums
    if not path.exists():
        fail(f"{path} does not exist", 2)
    if not token:
        fail("an API token is needed: pass --token or set BIOSTATION_TOKEN (create one with "
             "`biostation tokens create USER`)", 2)
    base = url or load_config(_state.get("overrides", {})).effective_base_url
    client = UploadClient(base, token, part_size=part_size)
    try:
        known = read_checksums(checksums) if checksums else {}
        base_dir = checksums.parent.resolve() if checksums else None
        for local, remote in plan(path, dest):
            rel = local.resolve().relative_to(base_dir).as_posix() if base_dir and \
                local.resolve().is_relative_to(base_dir) else local.name
            result = client.upload(local, dataset, remote, sha256=known.get(rel) or known.get(local.name))
            console.print(f"{remote}: {result['file']} sha256 {result['sha256']}")
    except UploadFailed as exc:
        fail(str(exc), 1)


@uploads_app.command("expire")
def uploads_expire(dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be expired")) -> None:
    """Close uploads idle for longer than upload_expiry_hours and free their staged bytes (run from cron)."""
    from ..identity import SYSTEM
    st = station()

    def run() -> list[str]:
        with st.uow() as uow:
            return st.uploads.expire_stale(uow, SYSTEM, dry_run=dry_run)
    ids = run_service(run)
    verb = "would expire" if dry_run else "expired"
    console.print(f"{verb} {len(ids)} upload(s) idle for more than {st.config.upload_expiry_hours} h"
                  + (": " + ", ".join(ids) if ids else ""))


# domain command groups ----------------------------------------------------------------------------------------
def _mount_domains() -> None:
    """Mount the command groups of domains that ship a cli.py."""
    mounts = [("forms", "app", "forms"), ("forms", "samples_app", "samples"), ("search", "app", "search"),
              ("access", "app", "access"), ("access", "emergency_app", "emergency"),
              ("materials", "app", "materials"), ("interop", "app", "interop"),
              ("stats", "app", "stats")]
    for domain, attr, name in mounts:
        if importlib.util.find_spec(f"biostation.{domain}") and importlib.util.find_spec(f"biostation.{domain}.cli"):
            module = importlib.import_module(f"biostation.{domain}.cli")
            if hasattr(module, attr):
                app.add_typer(getattr(module, attr), name=name)
    if importlib.util.find_spec("biostation.search.documents"):
        from ..search.documents import all_docs
        from ..search.service import register_doc_source
        register_doc_source(lambda: all_docs(station()))
    if importlib.util.find_spec("biostation.qc") and importlib.util.find_spec("biostation.qc.cli"):
        module = importlib.import_module("biostation.qc.cli")
        if hasattr(module, "qc_command"):
            app.command("qc")(module.qc_command)


_mount_domains()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
