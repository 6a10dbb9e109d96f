"""`biostation stats ...`: the statistics as JSON, and a rebuild of the derived grades."""
from __future__ import annotations

import json
from typing import Optional

import typer

from ..identity import SYSTEM

app = typer.Typer(help="Usage statistics / 이용 통계", no_args_is_help=True)


@app.command("show")
def show(start: Optional[str] = typer.Option(None, "--from", help="First month, YYYY-MM"),
         end: Optional[str] = typer.Option(None, "--to", help="Last month, YYYY-MM")) -> None:
    """Print the statistics (the same JSON as GET /api/stats)."""
    from ..cli.main import run_service, station
    st = station()

    def go() -> str:
        with st.uow() as uow:
            return st.stats.report(uow, SYSTEM, start, end).model_dump_json(indent=2)
    typer.echo(run_service(go))


@app.command("rebuild")
def rebuild() -> None:
    """Recompute every published dataset's QC grade for the grade counts (after an upgrade)."""
    from ..cli.main import run_service, station
    st = station()
    typer.echo(json.dumps(run_service(lambda: st.stats.rebuild(SYSTEM))))
