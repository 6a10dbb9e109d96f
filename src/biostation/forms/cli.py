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
from .readers import UnreadableFile, read_records, sniff
from .registry import FormRegistry, default_registry
from .templates import write_template
from .validate import validate_records

app = typer.Typer(help="Standard registration forms / 표준 등록 양식", no_args_is_help=True)
samples_app = typer.Typer(help="Bulk sample registration / 시료 일괄 등록", no_args_is_help=True)

_registry: FormRegistry | None = None


@samples_app.callback()
def _samples() -> None:
    """Bulk sample registration / 시료 일괄 등록 (a group, so `samples validate` stays a subcommand)."""


def set_registry(registry: FormRegistry) -> None:
    """The core passes a registry that includes the versions stored in its database."""
    global _registry
    _registry = registry


def _reg() -> FormRegistry:
    return _registry or default_registry()


def _usage(message_en: str, message_ko: str, hint: str) -> None:
    typer.echo(f"error: {message_en}\n오류: {message_ko}\nhint: {hint}", err=True)
    raise typer.Exit(2)


def _form(form_id: str, version: str | None = None):
    try:
        return _reg().get(form_id, version)
    except StationError:
        known = [f.id for f in _reg().list()]
        import difflib

        close = difflib.get_close_matches(form_id, known, n=3, cutoff=0.5)
        _usage(f"unknown form {form_id}" + (f"@{version}" if version else ""),
               f"양식 {form_id}을(를) 찾을 수 없습니다",
               (f"did you mean {', '.join(close)}? " if close else "") + "List forms with `biostation forms list`.")


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
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        _usage(f"cannot read {path}: {exc}", f"{path}을(를) 읽을 수 없습니다", "Give a YAML or JSON file.")
    try:
        form = _scratch_registry().add_version(doc)
    except StationError as exc:
        typer.echo(json.dumps(exc.problem(), ensure_ascii=False, indent=2))
        raise typer.Exit(1)
    typer.echo(f"ok: {form.key} ({len(form.sample.fields)} sample fields, digest {form.digest[:12]})")


def _scratch_registry() -> FormRegistry:
    """A copy of the registry to try a document on without adding it (a dry run of add_version)."""
    scratch = FormRegistry()
    current = _reg()
    for f in current.list(include_deprecated=True):
        for v in current.versions(f.id):
            if v.id not in scratch or v.version not in {x.version for x in scratch.versions(v.id)}:
                scratch.add_version(v.document)
    return scratch


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
        info = sniff(file)
    except UnreadableFile as exc:
        _usage(exc.message_en, exc.message_ko, exc.hint)
    form = None
    if form_id:
        form = _form(form_id, version)
    elif info.form_id:
        form = _form(info.form_id)
    elif info.package:
        form = _reg().for_package(info.package)
        if form is None:
            _usage(f"the file names BioSample package '{info.package}', which has no form here",
                   f"파일의 BioSample 패키지 '{info.package}'에 맞는 양식이 없습니다",
                   "Give --form FORM (see `biostation forms list`).")
    if form is None:
        _usage("no form given and none named in the file", "양식이 지정되지 않았고 파일에도 없습니다",
               "Give --form FORM, e.g. --form infectious_disease.genome_omics (see `biostation forms list`).")
    try:
        report = validate_records(form, read_records(file, fmt or info.format), source=file.name)
    except UnreadableFile as exc:
        _usage(exc.message_en, exc.message_ko, exc.hint)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
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
