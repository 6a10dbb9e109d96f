"""The operator's dashboard: deposits over time per ministry and field, data types, access levels, QC grades,
downloads per month and the utilisation rate (all from the statistics service's SQL aggregates), the job
queue and the audit log with filters. The same policy gates as the API (operators only)."""
from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ... import vocab
from ...audit import api as audit_api
from ...jobs import api as jobs_api
from ...policy import require
from ...stats.service import GRADE_PENDING
from .. import charts, i18n
from ..render import WebRoute, available_domains, lang_of, page, station_of, term
from .common import signed_in

router = APIRouter(route_class=WebRoute)


@router.get("/operator")
def dashboard(request: Request, action: str = "", target: str = "", before: int | None = None,
              job_state: str = "", start: str = Query("", alias="from"), end: str = Query("", alias="to")
              ) -> Response:
    return render_dashboard(request, action, target, before, job_state, period=(start, end))


def render_dashboard(request: Request, action: str = "", target: str = "", before: int | None = None,
                     job_state: str = "", status: int = 200, emergency_values: dict | None = None,
                     emergency_errors: dict | None = None, period: tuple[str, str] = ("", "")) -> Response:
    identity = signed_in(request)
    station = station_of(request)
    require(station, identity, identity.has_role("operator"), "open", "operator_dashboard", "*")
    lang = lang_of(request)
    with station.uow() as uow:
        stats = station.stats.report(uow, identity, period[0] or None, period[1] or None)
    audit = audit_api.list_audit(station, identity, before=before, action=action or None, target=target or None,
                                 limit=50)
    jobs = jobs_api.list_jobs(station, identity, state=job_state or None, limit=50)
    emergencies = []
    if "access" in available_domains(request):
        with station.uow() as uow:
            emergencies, _c = station.access.emergencies(uow, identity, limit=station.config.page_size_max)
    number = partial(i18n.fmt_number, lang=lang)
    percent = partial(i18n.fmt_percent, lang=lang)
    ministry = partial(_ministry, lang=lang)
    field = partial(term, vocab.RESEARCH_FIELDS, lang=lang)
    grades = charts.hbars([(g.key if g.key != GRADE_PENDING else i18n.translator(lang)("not graded yet"),
                            g.datasets) for g in stats.by_grade], fmt=number)
    grades["bars"].sort(key=lambda b: b["label"])
    return page(
        request, "operator.html", status=status, stats=stats, audit=audit, jobs=jobs, grades=grades,
        all_emergencies=sorted(emergencies, key=lambda e: (not e.active, -e.id)),
        emergency_values=emergency_values or {}, emergency_errors=emergency_errors or {},
        filters={"action": action, "target": target, "job_state": job_state},
        by_ministry=charts.stacked_months({(c.month, c.key): c.datasets for c in stats.published_by_month_ministry},
                                          ministry),
        by_field=charts.stacked_months({(c.month, c.key): c.datasets for c in stats.published_by_month_field},
                                       field),
        types=charts.hbars([(term(vocab.DATA_TYPES, c.key, lang), c.datasets) for c in stats.by_data_type],
                           fmt=number),
        access=charts.hbars([(term(vocab.ACCESS_LEVELS, c.level, lang), c.datasets) for c in stats.by_access],
                            fmt=number),
        downloads=charts.columns([(u.month, u.downloads) for u in stats.usage_by_month], fmt=number),
        util_ministry=charts.rate_bars([(ministry(u.key), u.rate, u.downloaded, u.published)
                                        for u in stats.utilisation_by_ministry], percent),
        util_field=charts.rate_bars([(field(u.key), u.rate, u.downloaded, u.published)
                                     for u in stats.utilisation_by_field], percent))


def _ministry(code: str, lang: str) -> str:
    return term(vocab.MINISTRIES, code, lang) or "—"
