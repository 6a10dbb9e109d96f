"""`biostation qc FILE [--format F] [--json]`: the station's validators on a local file, before upload.

Exit status: 0 valid, 1 invalid, 2 usage error (missing file, unknown format, bad --types).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="Check a file with the station's QC validators. / 스테이션 품질 검사기로 파일을 검사합니다.",
                  add_completion=False)


def _usage(message_en: str, message_ko: str, hint: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"error": {"code": "usage", "message": message_en, "message_ko": message_ko,
                                         "hint": hint}}, ensure_ascii=False))
    else:
        typer.echo(f"error: {message_en}\n오류: {message_ko}\nhint: {hint}", err=True)
    raise typer.Exit(2)


def qc_command(
    file: Path = typer.Argument(..., help="File to check / 검사할 파일"),
    format: Optional[str] = typer.Option(None, "--format", "-f",
                                         help="Format instead of sniffing (fastq, bam, vcf, ...) / 형식 지정"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON / JSON으로 출력"),
    types: Optional[str] = typer.Option(None, "--types",
                                        help='Column types for tables as JSON, e.g. \'{"age": "integer"}\''),
    completeness: Optional[float] = typer.Option(None, "--completeness", min=0, max=100,
                                                 help="Metadata completeness score 0-100 to include in the grade"),
) -> None:
    """Validate FILE, print its QC report and grade. / 파일을 검증하고 품질 보고서와 등급을 출력합니다."""
    from biostation.qc.service import UnknownFormat, check_file, supported_formats

    if not file.exists() or not file.is_file():
        _usage(f"File not found: {file}", f"파일을 찾을 수 없습니다: {file}",
               "Check the path; give a regular file, not a folder.", as_json)
    if format is not None and format not in supported_formats():
        _usage(f"Unknown format {format!r}.", f"알 수 없는 형식입니다: {format!r}.",
               f"Use one of: {', '.join(supported_formats())}, or leave out --format to sniff it.", as_json)
    column_types = None
    if types:
        try:
            column_types = json.loads(types)
            if not isinstance(column_types, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            _usage(f"--types is not a JSON object: {exc}", f"--types 값이 JSON 객체가 아닙니다: {exc}",
                   'Write it like \'{"age": "integer", "sex": {"type": "string", "enum": ["M", "F"]}}\'.', as_json)
    try:
        report = check_file(file, format=format, column_types=column_types, completeness=completeness)
    except (FileNotFoundError, UnknownFormat) as exc:
        _usage(str(exc), str(exc), "Check the path and the --format value.", as_json)
        return
    if as_json:
        typer.echo(report.to_json(indent=2))
    else:
        _print(report)
    raise typer.Exit(0 if report.valid else 1)


def _print(report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    status = "[green]valid / 유효[/green]" if report.valid else "[red]invalid / 유효하지 않음[/red]"
    if not report.checked:
        status = "[yellow]not checked / 검사하지 않음[/yellow]"
    console.print(f"[bold]{report.file}[/bold]  format: {report.format}  {status}  grade: [bold]{report.grade}[/bold]"
                  f" ({report.score:.0f})")
    for title, items in (("errors / 오류", report.errors), ("warnings / 경고", report.warnings)):
        if not items:
            continue
        table = Table(title=title, show_lines=False)
        for col in ("code", "location", "message", "메시지"):
            table.add_column(col, overflow="fold")
        for it in items:
            table.add_row(it.code, it.location, it.message, it.message_ko)
        console.print(table)
    if report.rules:
        table = Table(title="grade rules / 등급 규칙")
        for col in ("rule", "points", "why"):
            table.add_column(col, overflow="fold")
        for r in report.rules:
            table.add_row(r.rule, f"{r.points:+g}", f"{r.message}\n{r.message_ko}")
        console.print(table)
    shown = {k: v for k, v in report.metrics.items() if not isinstance(v, (list, dict))}
    table = Table(title="metrics / 지표")
    table.add_column("metric")
    table.add_column("value", overflow="fold")
    for k, v in shown.items():
        table.add_row(k, str(v))
    console.print(table)


app.command("qc")(qc_command)
