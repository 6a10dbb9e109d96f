"""`biostation forms ...` and `biostation samples ...`: list and show forms, write templates, check sheets.

Exit codes: 0 valid, 1 invalid, 2 usage error (unknown form, unreadable file), each with the fix.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
import yaml

from ..errors import StationError
from .readers import SheetInfo, UnreadableFile
from .registry import FormRegistry, default_registry
from .submission import FormNotChosen, check_sheet, choose_form, report_json
from .templates import write_template

app = typer.Typer(help="Standard registration forms / 표준 등록 양식", no_args_is_help=True)
samples_app = typer.Typer(help="Bulk sample registration / 시료 일괄 등록", no_args_is_help=True)

_registry: FormRegistry | None = None


@samples_app.callback()
def _samples() -> None:
    """Bulk sample registration / 시료 일괄 등록 (a group, so `samples validate` stays a subcommand)."""


def set_registry(registry: FormRegistry | None) -> None:
    """Use this registry (None: look for the station's database again on next use)."""
    global _registry
    _registry = registry


def _reg() -> FormRegistry:
    """The station's forms (packaged + the versions in its database) when this machine has a station;
    the packaged forms otherwise (a depositor checking a sheet on a laptop)."""
    global _registry
    if _registry is None:
        _registry = _station_registry() or default_registry()
    return _registry


def _station_configured() -> bool:
    from ..cli import main as cli_main
    from ..config import ConfigError, load_config

    try:
        config = load_config(cli_main._state.get("overrides", {}))
    except ConfigError:
        return False
    return bool(config.database_url) or (config.data_path / "station.db").exists()


def _station_registry() -> FormRegistry | None:
    if not _station_configured():
        return None
    from ..cli import main as cli_main

    st = None
    try:
        st = cli_main.station()
        return st.forms.registry()
    except Exception as exc:  # noqa: BLE001 - the packaged forms still work; say why the stored ones are missing
        typer.echo(f"note: the station database could not be read ({exc.__class__.__name__}); using the packaged "
                   "forms only. Run `biostation db upgrade`.", err=True)
        return None
    finally:
        if st is not None:
            st.close()


def _identity(st, username: str | None):
    """Who a CLI change is recorded as: a named curator's account, or the system."""
    from ..identity import SYSTEM

    if not username:
        return SYSTEM
    from ..accounts.service import identity_for

    with st.uow() as uow:
        return identity_for(st.accounts.get_user(uow, username), via="cli")


def _usage(message_en: str, message_ko: str, hint: str) -> None:
    typer.echo(f"error: {message_en}\n오류: {message_ko}\nhint: {hint}", err=True)
    raise typer.Exit(2)


def _form(form_id: str, version: str | None = None):
    try:
        return choose_form(_reg(), SheetInfo("tsv"), form_id, version)
    except FormNotChosen as exc:
        _usage(exc.message_en, exc.message_ko, exc.hint)


@app.command("list")
def list_forms(as_json: bool = typer.Option(False, "--json", help="JSON output"),
               all_: bool = typer.Option(False, "--all", help="include deprecated forms")) -> None:
    """List forms (current versions)."""
    forms = _reg().list(include_deprecated=all_)
    if as_json:
        typer.echo(json.dumps([f.summary() for f in forms], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("form", "version", "status", "title", "제목", "mandatory")
    for f in forms:
        table.add_row(f.id, f.version, f.status, f.title_en, f.title_ko,
                      str(sum(1 for x in f.sample.fields if x.requirement == "mandatory")))
    Console(width=200).print(table)


@app.command("show")
def show(form_id: str = typer.Argument(..., metavar="FORM"), version: Optional[str] = typer.Option(None, "--version"),
         as_json: bool = typer.Option(False, "--json", help="the full form document as JSON")) -> None:
    """Show one form: its fields, requirement levels, types, units and vocabularies."""
    form = _form(form_id, version)
    if as_json:
        typer.echo(json.dumps(dict(form.document, digest=form.digest), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    con = Console(width=200)
    con.print(f"[bold]{form.id}@{form.version}[/bold] ({form.status})  {form.title_en} / {form.title_ko}")
    if form.package:
        con.print(f"INSDC BioSample package: {form.package}")
    con.print("Standards: " + ", ".join(form.standards))
    for name, sec in form.sections.items():
        table = Table("field", "requirement", "label", "항목명", "type", "unit", "vocabulary", title=name)
        for f in sec.fields:
            req = f.requirement + (f" / group {f.group}" if f.group else "")
            table.add_row(f.id, req, f.label_en, f.label_ko, f.type, f.unit or "", f.vocabulary or "")
        con.print(table)
        for g in sec.groups:
            con.print(f"at least one of ({g.requirement}): {', '.join(g.fields)}")


@app.command("template")
def template(form_id: str = typer.Argument(..., metavar="FORM"),
             fmt: str = typer.Option("xlsx", "--format", "-f", help="xlsx or tsv"),
             output: Path = typer.Option(..., "-o", "--output", help="file to write"),
             version: Optional[str] = typer.Option(None, "--version")) -> None:
    """Write a sample-sheet template for a form."""
    if fmt not in ("xlsx", "tsv"):
        _usage(f"unknown format {fmt}", f"알 수 없는 형식 {fmt}", "Use --format xlsx or --format tsv.")
    form = _form(form_id, version)
    try:
        write_template(form, output, fmt)
    except OSError as exc:
        _usage(f"cannot write {output}: {exc.strerror}", f"{output}에 쓸 수 없습니다", "Choose a folder you can write to.")
    typer.echo(f"wrote {output} ({form.id}@{form.version}, {fmt})")


@app.command("check")
def check_definition(path: Path = typer.Argument(..., help="YAML or JSON form document")) -> None:
    """Check a curator's form document before it is added (same checks as adding it)."""
    doc = _read_document(path)
    try:
        form = _reg().copy().add_version(doc)
    except StationError as exc:
        typer.echo(json.dumps(exc.problem(), ensure_ascii=False, indent=2))
        raise typer.Exit(1)
    typer.echo(f"ok: {form.key} ({len(form.sample.fields)} sample fields, digest {form.digest[:12]})")


def _read_document(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        _usage(f"cannot read {path}: {exc}", f"{path}을(를) 읽을 수 없습니다", "Give a YAML or JSON file.")


def _station_change(action, as_user: str | None) -> None:
    """Run a change on the station database as the given curator (or the system), printing errors as JSON."""
    from ..cli import main as cli_main

    st = cli_main.station()
    try:
        identity = _identity(st, as_user)
        with st.uow() as uow:
            message = action(st, uow, identity)
    except StationError as exc:
        typer.echo(json.dumps(exc.problem(), ensure_ascii=False, indent=2), err=True)
        raise typer.Exit(1)
    finally:
        st.close()
    set_registry(None)
    typer.echo(message)


@app.command("add")
def add(path: Path = typer.Argument(..., metavar="FILE", help="YAML or JSON form document"),
        as_user: Optional[str] = typer.Option(None, "--as", help="curator account the change is recorded for")) -> None:
    """Add a form version to the station (a curator's change, no release needed); versions never change."""
    doc = _read_document(path)

    def action(st, uow, identity) -> str:
        form, created = st.forms.add_version(uow, identity, doc)
        return (f"added {form.key} (digest {form.digest[:12]})" if created
                else f"{form.key} is already there with the same content; nothing changed")
    _station_change(action, as_user)


@app.command("deprecate")
def deprecate(form_id: str = typer.Argument(..., metavar="FORM"), version: str = typer.Argument(..., metavar="VERSION"),
              as_user: Optional[str] = typer.Option(None, "--as", help="curator account the change is recorded for")) -> None:
    """Deprecate a form version: samples keep it, new samples can no longer choose it."""
    def action(st, uow, identity) -> str:
        form = st.forms.deprecate(uow, identity, form_id, version)
        return f"{form.key} is deprecated"
    _station_change(action, as_user)


@samples_app.command("validate")
def validate(file: Path = typer.Argument(..., metavar="FILE"),
             form_id: Optional[str] = typer.Option(None, "--form", help="form id (optional for BioSample XML/TSV)"),
             version: Optional[str] = typer.Option(None, "--version"),
             fmt: Optional[str] = typer.Option(None, "--format", help="tsv, xlsx, biosample_xml, biosample_tsv"),
             as_json: bool = typer.Option(False, "--json", help="machine-readable report")) -> None:
    """Check a sample sheet against a form: every error and warning in one pass."""
    if not file.exists():
        _usage(f"file not found: {file}", f"파일이 없습니다: {file}", "Check the path.")
    try:
        form, report = check_sheet(_reg(), file, form_id=form_id, version=version, fmt=fmt, source=file.name)
    except (UnreadableFile, FormNotChosen) as exc:
        _usage(exc.message_en, exc.message_ko, exc.hint)
    if as_json:
        typer.echo(json.dumps(report_json(report), ensure_ascii=False, indent=2, default=str))
    else:
        state = "valid / 적합" if report.valid else "invalid / 부적합"
        typer.echo(f"{file.name}: {report.records} records, {len(report.errors)} errors, "
                   f"{len(report.warnings)} warnings - {state} (form {form.key})")
        for i in report.errors + report.warnings:
            typer.echo(f"  {i.level:7} {i.code:28} record {i.record} field {i.field}: {i.message_en}")
            typer.echo(f"          {i.message_ko}")
            if i.hint:
                typer.echo(f"          hint: {i.hint}")
    raise typer.Exit(0 if report.valid else 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
