"""`biostation interop ...`: OAI sync, DOIs, harvest sources and runs, exports."""
from __future__ import annotations

import json
from typing import Optional

import typer

from ..identity import SYSTEM

app = typer.Typer(help="Interoperability: DOIs, OAI-PMH, harvesting / 상호운용: DOI, OAI-PMH, 수집",
                  no_args_is_help=True)


def _station():
    from ..cli.main import station
    return station()


def _run(fn):
    from ..cli.main import run_service
    return run_service(fn)


@app.command("sync")
def sync() -> None:
    """Bring the OAI catalogue and DOIs in line with what the public may read (run nightly from cron)."""
    st = _station()
    typer.echo(json.dumps(_run(lambda: st.interop.sync())))
    st.jobs.run_until_idle()


@app.command("tick")
def tick() -> None:
    """Queue the harvests that are due (run every few minutes from cron); `biostation worker` runs them."""
    st = _station()
    typer.echo(json.dumps(_run(lambda: st.interop.enqueue_due(SYSTEM))))


@app.command("add-source")
def add_source(code: str, base_url: str, project: str = typer.Option(..., help="Project accession (BSP...)"),
               owner: str = typer.Option(..., help="Username owning the harvested datasets"),
               name: Optional[str] = typer.Option(None), prefix: str = typer.Option("oai_datacite"),
               set_spec: Optional[str] = typer.Option(None, "--set"),
               research_field: str = typer.Option(...), data_type: str = typer.Option(...),
               every: int = typer.Option(1440, help="Minutes between harvests")) -> None:
    """Register a data centre's OAI-PMH endpoint to harvest."""
    st = _station()

    def go():
        with st.uow() as uow:
            src = st.interop.add_source(uow, SYSTEM, {
                "code": code, "name": name or code, "base_url": base_url, "metadata_prefix": prefix,
                "set_spec": set_spec, "project": project, "owner": owner, "research_field": research_field,
                "data_type": data_type, "schedule_minutes": every})
            return src.code
    typer.echo(f"registered {_run(go)}")


@app.command("harvest")
def harvest(code: str, max_pages: Optional[int] = typer.Option(None, help="Stop after N pages (resumes next time)")) -> None:
    """Harvest a source now, with a progress line per page."""
    st = _station()
    result = _run(lambda: st.interop.harvest(SYSTEM, code, lambda f: typer.echo(f"{f:6.1%}", err=True),
                                             max_pages=max_pages))
    st.jobs.run_until_idle()
    typer.echo(json.dumps(result, default=str))


@app.command("sources")
def sources() -> None:
    """Harvest sources with their state and last datestamp."""
    st = _station()
    with st.uow() as uow:
        for s in _run(lambda: st.interop.sources(uow, SYSTEM)):
            typer.echo(f"{s.code}\t{s.state}\tlast={s.last_datestamp or '-'}\tnext={s.next_run_at}\t{s.base_url}")


@app.command("export")
def export(accession: str, kind: str = typer.Argument(..., help="biosample, sra-experiment, sra-run, datacite, jsonld")) -> None:
    """Write a dataset's metadata in an archive's format to standard output."""
    from . import formats
    from .export import Exporter
    st = _station()
    with st.uow() as uow:
        if kind == "datacite":
            out = formats.datacite_xml(_run(lambda: st.interop.document(uow, SYSTEM, accession))["datacite"]).decode()
        elif kind == "jsonld":
            out = json.dumps(formats.jsonld(_run(lambda: st.interop.document(uow, SYSTEM, accession))),
                             ensure_ascii=False, indent=1)
        elif kind == "biosample":
            out = _run(lambda: Exporter(st).biosample_xml(uow, SYSTEM, accession)).decode()
        else:
            out = _run(lambda: Exporter(st).sra_xml(uow, SYSTEM, accession, kind.split("-", 1)[1])).decode()
    typer.echo(out)
