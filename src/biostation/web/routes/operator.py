"""The operator's dashboard: deposits over time per ministry and field, data types, access levels, the job
queue and the audit log with filters. The same policy gates as the API (operators only)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ... import vocab
from ...audit import api as audit_api
from ...jobs import api as jobs_api
from ...policy import require
from .. import charts
from ..render import WebRoute, available_domains, lang_of, page, station_of, term
from ..stats import dataset_summary
from .common import signed_in

router = APIRouter(route_class=WebRoute)


@router.get("/operator")
def dashboard(request: Request, action: str = "", target: str = "", before: int | None = None,
              job_state: str = "") -> Response:
    return render_dashboard(request, action, target, before, job_state)


def render_dashboard(request: Request, action: str = "", target: str = "", before: int | None = None,
                     job_state: str = "", status: int = 200, emergency_values: dict | None = None,
                     emergency_errors: dict | None = None) -> Response:
    identity = signed_in(request)
    station = station_of(request)
    require(station, identity, identity.has_role("operator"), "open", "operator_dashboard", "*")
    lang = lang_of(request)
    summary = dataset_summary(station, identity, published_only=False)
    audit = audit_api.list_audit(station, identity, before=before, action=action or None, target=target or None,
                                 limit=50)
    jobs = jobs_api.list_jobs(station, identity, state=job_state or None, limit=50)
    grades = None
    if "search" in available_domains(request):
        from .search import run_search
        result = run_search(request, "", facets=("quality_grade",), limit=1)
        grades = charts.hbars([(v.value, v.count) for v in result.facets.get("quality_grade", [])])
        grades["bars"].sort(key=lambda b: b["label"])
    emergencies = []
    if "access" in available_domains(request):
        with station.uow() as uow:
            emergencies, _c = station.access.emergencies(uow, identity, limit=station.config.page_size_max)
    return page(
        request, "operator.html", status=status, summary=summary, audit=audit, jobs=jobs, grades=grades,
        all_emergencies=sorted(emergencies, key=lambda e: (not e.active, -e.id)),
        emergency_values=emergency_values or {}, emergency_errors=emergency_errors or {},
        filters={"action": action, "target": target, "job_state": job_state},
        by_ministry=charts.stacked_months(summary.monthly_ministry, lambda c: term(vocab.MINISTRIES, c, lang) or "—"),
        by_field=charts.stacked_months(summary.monthly_field, lambda c: term(vocab.RESEARCH_FIELDS, c, lang)),
        types=charts.hbars([(term(vocab.DATA_TYPES, k, lang), v) for k, v in summary.by_type.items()]),
        access=charts.hbars([(term(vocab.ACCESS_LEVELS, k, lang), v) for k, v in summary.by_access.items()]),
        states=charts.hbars([(k, v) for k, v in summary.by_state.items()]))
