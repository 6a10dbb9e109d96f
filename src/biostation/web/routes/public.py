"""Pages anyone may open: home (headline numbers), the dataset list, and a dataset's landing page."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...errors import StationError
from ..render import WebRoute, available_domains, identity_of, page, station_of
from ..stats import headline_summary, map_summary

router = APIRouter(route_class=WebRoute)
log = logging.getLogger("biostation.web")


@router.get("/")
def home(request: Request) -> Response:
    station = station_of(request)
    summary = None
    if "search" in available_domains(request):
        from .search import run_search
        try:
            summary = map_summary(run_search(request, "", facets=("kind", "research_field", "ministry"), limit=1))
        except Exception:  # noqa: BLE001 - an index being rebuilt must not take the home page down
            log.exception("search index unavailable; counting through the dataset service instead")
    if summary is None:
        with station.uow() as uow:
            summary = headline_summary(station.stats.headline(uow, identity_of(request)))
    return page(request, "home.html", summary=summary)


@router.get("/datasets")
def browse(request: Request, cursor: str | None = None) -> Response:
    """Every dataset the caller may read, newest accession last, with a bookmarkable cursor."""
    station = station_of(request)
    identity = identity_of(request)
    with station.uow() as uow:
        result = station.datasets.list(uow, identity, cursor=cursor, limit=25)
        items = station.datasets.list_out(uow, identity, result)
    return page(request, "datasets.html", items=items, next_cursor=result.next_cursor, cursor=cursor)


@router.get("/datasets/{accession}")
def landing(request: Request, accession: str, version: int | None = None, cursor: str | None = None) -> Response:
    station = station_of(request)
    identity = identity_of(request)
    domains = available_domains(request)
    extra: dict[str, Any] = {}
    with station.uow() as uow:
        dataset, ver = station.datasets.get(uow, identity, accession, version)
        ds = station.datasets.out(uow, dataset, ver)
        if cursor is None:  # the landing page itself, not its next page of files
            station.stats.record_view(uow, dataset)
        files, next_cursor = station.datasets.files(uow, identity, ds.accession, ds.version, cursor, 500)
        try:
            project = station.projects.out(uow, station.projects.get(uow, identity, ds.project))
        except StationError:
            project = None
        if "access" in domains:
            extra["access"] = access = station.access.show(uow, identity, ds.accession)
            if access.permissions.get("grant"):
                extra["links"] = station.access.links(uow, identity, ds.accession)
                extra["committees"], _c = station.access.committees(uow, identity, limit=200)
        if "qc" in domains:
            extra["qc"] = station.qc.version_summary(uow, identity, ds.accession, ds.version)
        if "interop" in domains:
            doc = station.interop.document(uow, identity, ds.accession, ds.version)
            extra["jsonld"] = station.interop.jsonld_script(uow, identity, ds.accession, ds.version)
            extra["doi"] = doc["datacite"].get("doi")
            extra["dois"] = station.interop.dois(uow, identity, ds.accession)
            extra["citation"] = datacite_citation(doc)
    perms = extra["access"].permissions if "access" in extra else {}
    staff = identity.has_role("curator", "operator") and identity.user_id is not None
    owner_view = perms.get("edit", False) if perms else (identity.user_id is not None and
                                                         (identity.username == ds.owner or staff))
    open_files = perms.get("read_files", False) if perms else ds.access_level == "open"
    base = station.config.effective_base_url
    extra.setdefault("citation", citation(ds, project, base))
    return page(request, "dataset.html", ds=ds, files=files, tree_root=file_tree(files), next_cursor=next_cursor,
                project=project, owner_view=owner_view, can_publish=perms.get("publish", owner_view),
                landing_url=f"{base}/datasets/{ds.accession}", open_files=open_files, **extra)


def datacite_citation(doc: dict[str, Any]) -> dict[str, str]:
    """The DataCite-recommended form: Creators (Year). Title. Version. Publisher. DOI (interop's metadata)."""
    a = doc["datacite"]
    names = "; ".join(c.get("name", "") for c in a.get("creators", []))
    titles = {t.get("lang"): t["title"] for t in a.get("titles", [])}
    title_en = titles.get("en") or next(iter(titles.values()), "")
    title_ko = titles.get("ko") or title_en
    version = f" Version {a['version']}." if a.get("version") else ""
    publisher = a.get("publisher", {})
    publisher = publisher.get("name", "") if isinstance(publisher, dict) else str(publisher)
    doi = f" https://doi.org/{a['doi']}" if a.get("doi") else ""
    return {"en": f"{names} ({a.get('publicationYear', '')}). {title_en}.{version} {publisher}.{doi}",
            "ko": f"{names} ({a.get('publicationYear', '')}). {title_ko}.{version} {publisher}.{doi}"}


def file_tree(files: list[Any]) -> dict[str, Any]:
    """Paths -> nested folders: {"folders": {name: subtree}, "files": [file, ...]}."""
    root: dict[str, Any] = {"folders": {}, "files": []}
    for f in sorted(files, key=lambda f: f.path):
        node = root
        *folders, _name = f.path.split("/")
        for folder in folders:
            node = node["folders"].setdefault(folder, {"folders": {}, "files": []})
        node["files"].append(f)
    return root


def citation(ds: Any, project: Any, base_url: str) -> dict[str, str]:
    """A DataCite-style citation from the record's own metadata (creators, year, title, publisher, id)."""
    creators = [c.get("name", "") for c in ds.contributors if c.get("name")] or \
        ([project.pi_name] if project is not None else [ds.owner])
    when = ds.published_at or ds.created_at
    title = ds.title_en or ds.title_ko
    return {"en": f"{'; '.join(creators)} ({when.year}). {title}. Bio Data Station. "
                  f"{ds.accession}.{ds.version}. {base_url}/datasets/{ds.accession}.{ds.version}",
            "ko": f"{'; '.join(creators)} ({when.year}). {ds.title_ko or title}. 국가 바이오 데이터 스테이션. "
                  f"{ds.accession}.{ds.version}. {base_url}/datasets/{ds.accession}.{ds.version}"}
