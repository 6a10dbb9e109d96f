"""`biostation access ...` and `biostation emergency declare|end|list`: operator commands over the access service.

They act as the station itself (the operator at the console); every change is audited as 'system'.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..identity import SYSTEM

app = typer.Typer(help="Access levels, committees, requests and grants.", no_args_is_help=True)
committees_app = typer.Typer(help="Data access committees.", no_args_is_help=True)
app.add_typer(committees_app, name="committees")
emergency_app = typer.Typer(help="Public-health emergencies that open non-public pathogen data for a time.",
                            no_args_is_help=True)
out = Console(width=200)  # tables stay readable when piped


def _station() -> Any:
    from ..cli.main import station
    return station()


def _run(fn: Any) -> Any:
    from ..cli.main import run_service
    return run_service(fn)


def _print(data: Any) -> None:
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@app.command("show")
def show(accession: str) -> None:
    """A dataset's access level and conditions."""
    st = _station()
    with st.uow() as uow:
        _print(_run(lambda: st.access.show(uow, SYSTEM, accession)))


@app.command("set")
def set_level(accession: str, level: str = typer.Argument(..., help="open, embargoed, controlled or private"),
              until: Optional[str] = typer.Option(None, help="embargoed: end date YYYY-MM-DD"),
              until_publication: bool = typer.Option(False, help="embargoed: until a publication is linked"),
              permission: Optional[str] = typer.Option(None, help="controlled: DUO permission (GRU, HMB, DS, ...)"),
              disease: list[str] = typer.Option([], help="controlled DS: disease term (repeat)"),
              modifier: list[str] = typer.Option([], help="controlled: DUO modifier (repeat), e.g. NCU, IRB"),
              committee: Optional[int] = typer.Option(None, help="controlled: committee id"),
              emergency_opt_in: bool = typer.Option(False, help="controlled: may open in a declared emergency"),
              reason: Optional[str] = typer.Option(None, help="Why (needed to restrict published data)")) -> None:
    """Set a dataset's access level."""
    body: dict[str, Any] = {"level": level, "reason": reason}
    if until:
        body["embargo_until"] = until
    if until_publication:
        body["embargo_until_publication"] = True
    if permission:
        body["data_use"] = {"permission": permission, "diseases": disease, "modifiers": modifier}
    if committee is not None:
        body["committee"] = committee
    if emergency_opt_in:
        body["emergency_opt_in"] = True
    st = _station()
    with st.uow() as uow:
        _print(_run(lambda: st.access.set_level(uow, SYSTEM, accession, body)))


@committees_app.command("create")
def committee_create(name: str, chair: list[str] = typer.Option(..., help="Chair's username (repeat)"),
                     member: list[str] = typer.Option([], help="Member's username (repeat)"),
                     quorum: int = typer.Option(1), description: str = typer.Option("")) -> None:
    members = [{"username": u, "role": "chair"} for u in chair] + [{"username": u, "role": "member"} for u in member]
    st = _station()
    with st.uow() as uow:
        c = _run(lambda: st.access.create_committee(uow, SYSTEM, {"name": name, "description": description,
                                                                  "quorum": quorum, "members": members}))
    out.print(f"committee {c.id} created: {c.name} (quorum {c.quorum})")


@committees_app.command("list")
def committee_list() -> None:
    st = _station()
    table = Table("id", "name", "quorum", "members")
    with st.uow() as uow:
        cursor = None
        while True:
            items, cursor = _run(lambda: st.access.committees(uow, SYSTEM, cursor, 200))
            for c in items:
                table.add_row(str(c.id), c.name, str(c.quorum), ", ".join(f"{m.username} ({m.role})" for m in c.members))
            if not cursor:
                break
    out.print(table)


@app.command("queue")
def queue(state: str = typer.Option("submitted", help="submitted, changes_requested, approved, rejected")) -> None:
    """Access requests in a state, oldest first, with the DUO match and overdue flags."""
    st = _station()
    table = Table("id", "dataset", "requester", "compatible", "waiting (days)", "overdue")
    with st.uow() as uow:
        cursor = None
        while True:
            items, cursor = _run(lambda: st.access.queue(uow, SYSTEM, state=state, cursor=cursor, limit=200))
            for r in items:
                table.add_row(str(r.id), r.dataset, r.requester, str(r.match.get("compatible")),
                              str(r.waiting_days or ""), "yes" if r.overdue else "")
            if not cursor:
                break
    out.print(table)


@app.command("grants")
def grants(accession: str) -> None:
    """Who holds (or held) access to a controlled dataset."""
    st = _station()
    table = Table("id", "user", "state", "expires", "deletion confirmed")
    with st.uow() as uow:
        cursor = None
        while True:
            items, cursor = _run(lambda: st.access.dataset_grants(uow, SYSTEM, accession, cursor, 200))
            for g in items:
                table.add_row(str(g.id), g.user, g.state, f"{g.expires_at:%Y-%m-%d}",
                              f"{g.deletion_confirmed_at:%Y-%m-%d}" if g.deletion_confirmed_at else "")
            if not cursor:
                break
    out.print(table)


@app.command("revoke")
def revoke(grant_id: int, reason: str = typer.Option(..., help="Why (sent to the user)")) -> None:
    """Revoke a grant; it takes effect at once."""
    st = _station()
    with st.uow() as uow:
        g = _run(lambda: st.access.revoke_grant(uow, SYSTEM, grant_id, {"reason": reason}))
    out.print(f"grant {g.id} of {g.user} on {g.dataset} revoked")


@app.command("log")
def log(accession: str, limit: int = typer.Option(50)) -> None:
    """Audited reads of a dataset (who accessed it), newest first."""
    st = _station()
    with st.uow() as uow:
        items, _ = _run(lambda: st.access.access_log(uow, SYSTEM, accession, None, limit))
    table = Table("at", "who", "action", "details")
    for e in items:
        table.add_row(f"{e['at']:%Y-%m-%d %H:%M:%S}", e["who"], e["action"], json.dumps(e["details"], ensure_ascii=False))
    out.print(table)


@app.command("match")
def match(permission: str = typer.Option(..., help="Dataset's DUO permission, e.g. HMB or DS"),
          disease: list[str] = typer.Option([], help="Dataset's disease (DS), repeat"),
          modifier: list[str] = typer.Option([], help="Dataset's modifier, repeat"),
          use: str = typer.Option(..., help="Purpose's DUO permission"),
          purpose_disease: list[str] = typer.Option([], help="Purpose's disease, repeat"),
          commercial: bool = typer.Option(False), accept: list[str] = typer.Option([], help="Accepted obligation")
          ) -> None:
    """Check a purpose against data-use conditions (DUO), naming every problem."""
    st = _station()
    result = _run(lambda: st.access.match({
        "data_use": {"permission": permission, "diseases": disease, "modifiers": modifier},
        "purpose": {"use": use, "diseases": purpose_disease, "commercial": commercial, "accepts": accept}}))
    _print(result)
    raise typer.Exit(0 if result["compatible"] else 1)


@app.command("flag-overdue")
def flag_overdue() -> None:
    """Notify chairs and operators of requests waiting more than 14 days (safe to run from cron)."""
    st = _station()
    with st.uow() as uow:
        n = st.access.flag_overdue(uow)
    out.print(f"{n} notification(s) sent")


@app.command("quota")
def quota(username: str, set_bytes: Optional[int] = typer.Option(None, "--set", help="New quota in bytes")) -> None:
    """Show (or set) a user's private-space quota."""
    st = _station()
    with st.uow() as uow:
        q = _run(lambda: st.access.set_quota(uow, SYSTEM, username, {"bytes": set_bytes}) if set_bytes is not None
                 else st.access.quota(uow, SYSTEM, username))
    _print(q)


# emergency ----------------------------------------------------------------------------------------------------
def _when(value: Optional[str], name: str) -> Optional[datetime]:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        from ..cli.main import fail
        fail(f"--{name}: {value!r} is not a date/time (YYYY-MM-DD or YYYY-MM-DDTHH:MM+09:00)", 2)
    return at if at.tzinfo else at.replace(tzinfo=timezone(timedelta(hours=9)))


@emergency_app.command("declare")
def declare(title: str = typer.Option(...), taxon: list[int] = typer.Option(..., help="NCBI taxon id (repeat); "
                                                                                     "descendants are included"),
            end: str = typer.Option(..., help="End (YYYY-MM-DD or ISO date-time; Korean time if no zone)"),
            start: Optional[str] = typer.Option(None, help="Start (default now)"),
            description: str = typer.Option("")) -> None:
    """Open non-public data about these taxa to registered researchers until END."""
    st = _station()
    body = {"title": title, "taxa": taxon, "ends_at": _when(end, "end"), "description": description}
    if start:
        body["starts_at"] = _when(start, "start")
    with st.uow() as uow:
        e = _run(lambda: st.access.declare(uow, SYSTEM, body))
    st.jobs.run_until_idle()
    out.print(f"emergency {e.id} declared: {e.title}, {e.starts_at:%Y-%m-%d %H:%M} to {e.ends_at:%Y-%m-%d %H:%M} UTC")


@emergency_app.command("end")
def end(emergency_id: int, reason: str = typer.Option(...)) -> None:
    """End an emergency now; access reverts at once."""
    st = _station()
    with st.uow() as uow:
        e = _run(lambda: st.access.end(uow, SYSTEM, emergency_id, {"reason": reason}))
    st.jobs.run_until_idle()
    out.print(f"emergency {e.id} ended at {e.ends_at:%Y-%m-%d %H:%M} UTC")


@emergency_app.command("list")
def list_emergencies() -> None:
    st = _station()
    table = Table("id", "title", "taxa", "start (UTC)", "end (UTC)", "active")
    with st.uow() as uow:
        cursor = None
        while True:
            items, cursor = st.access.emergencies(uow, SYSTEM, cursor, 200)
            for e in items:
                table.add_row(str(e.id), e.title, ", ".join(f"{t['name']} ({t['taxon_id']})" for t in e.taxa),
                              f"{e.starts_at:%Y-%m-%d %H:%M}", f"{e.ends_at:%Y-%m-%d %H:%M}", "yes" if e.active else "")
            if not cursor:
                break
    out.print(table)
