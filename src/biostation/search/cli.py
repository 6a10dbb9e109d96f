"""`biostation search QUERY [--filter k=v] [--json]`, plus reindex and suggest.

The group treats anything that is not a subcommand as a query, so `biostation search liver cancer`
works without a `query` word.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from ..errors import StationError
from .model import DEFAULT_FACETS, SearchDoc
from .service import doc_source, open_engine, search as run_search


class _QueryFirst(TyperGroup):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["query", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_QueryFirst, help="The bio data map: search datasets, samples and materials.",
                  no_args_is_help=True)
out = Console()
err = Console(stderr=True)

IndexDir = typer.Option(None, "--index-dir", help="Index folder (default: <data_dir>/search).")
Engine = typer.Option("tantivy", "--engine", help="tantivy (embedded) or postgres.")
Dsn = typer.Option(None, "--dsn", help="PostgreSQL connection string for --engine postgres.")


def _engine(index_dir: Optional[Path], engine: str, dsn: Optional[str]):
    return open_engine(kind=engine, path=index_dir, dsn=dsn)


def _fail(exc: StationError) -> None:
    err.print(f"[red]{exc.code}[/red]: {exc.message_en} / {exc.message_ko}")
    for e in exc.errors:
        err.print(f"  {e.field}: {e.message_en} ({e.message_ko}) — {e.hint}")
    raise typer.Exit(2)


@app.command("query")
def query(words: list[str] = typer.Argument(..., help="Search text: words, \"phrases\", field:value, accession."),
          filter: list[str] = typer.Option([], "--filter", "-f", help="key=value, repeatable (facet, taxon, term)."),
          sort: str = typer.Option("relevance", help="relevance, date or date_asc."),
          limit: int = typer.Option(20, help="Hits per page."),
          cursor: Optional[str] = typer.Option(None, help="next_cursor from the previous page."),
          principal: list[str] = typer.Option(["public"], "--as", help="Principal to search as (repeatable)."),
          as_json: bool = typer.Option(False, "--json", help="Print the whole result as JSON."),
          index_dir: Optional[Path] = IndexDir, engine: str = Engine, dsn: Optional[str] = Dsn) -> None:
    """Search the index."""
    try:
        with _engine(index_dir, engine, dsn) as eng:
            result = run_search(eng, " ".join(words), principals=principal, filters=filter, sort=sort,
                                cursor=cursor, limit=limit, facets=DEFAULT_FACETS)
    except StationError as exc:
        _fail(exc)
        return
    if as_json:
        json.dump(result.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    if result.redirect:
        out.print(f"accession → {result.redirect}")
    table = Table(title=f"{result.total} records" + (" (typo-tolerant match)" if result.fuzzy else ""))
    for col in ("id", "kind", "score", "title", "snippet"):
        table.add_column(col)
    for h in result.hits:
        snip = (h.snippets[0] if h.snippets else "").replace("<mark>", "[bold]").replace("</mark>", "[/bold]")
        table.add_row(h.id, h.kind, f"{h.score:.2f}", h.title or h.title_ko, snip)
    out.print(table)
    for name, values in result.facets.items():
        if values:
            out.print(f"[dim]{name}:[/dim] " + ", ".join(f"{v.value} ({v.count})" for v in values[:8]))
    if result.next_cursor:
        out.print(f"[dim]next page: --cursor {result.next_cursor}[/dim]")


@app.command("suggest")
def suggest(prefix: str, principal: list[str] = typer.Option(["public"], "--as"),
            index_dir: Optional[Path] = IndexDir, engine: str = Engine, dsn: Optional[str] = Dsn) -> None:
    """Completions for a prefix (counted over readable records only)."""
    with _engine(index_dir, engine, dsn) as eng:
        for term, n in eng.suggest(prefix, principal):
            out.print(f"{term}\t{n}")


def _read_jsonl(path: Path) -> Iterator[SearchDoc]:
    from datetime import date, datetime

    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            data = json.loads(line)
            if data.get("published"):
                data["published"] = date.fromisoformat(data["published"])
            if data.get("embargo_until"):
                data["embargo_until"] = datetime.fromisoformat(data["embargo_until"])
            yield SearchDoc(**data)


@app.command("reindex")
def reindex(from_jsonl: Optional[Path] = typer.Option(None, "--from-jsonl",
                                                      help="Read SearchDocs from a JSON-lines file "
                                                           "instead of the station database."),
            index_dir: Optional[Path] = IndexDir, engine: str = Engine, dsn: Optional[str] = Dsn) -> None:
    """Rebuild the index beside the serving one, then swap (searches keep working meanwhile)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    docs: Iterable[SearchDoc]
    if from_jsonl is not None:
        docs = _read_jsonl(from_jsonl)
    else:
        source = doc_source()
        if source is None:
            err.print("No record source is registered; pass --from-jsonl or run inside the station.")
            raise typer.Exit(2)
        docs = source()
    with _engine(index_dir, engine, dsn) as eng, Progress(
            TextColumn("reindex"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err) as bar:
        task = bar.add_task("reindex", total=None)
        n = eng.rebuild(docs, progress=lambda k: bar.update(task, completed=k))
    out.print(f"indexed {n} records")
