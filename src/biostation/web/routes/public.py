"""Pages anyone may open: home (headline numbers), the dataset list, and a dataset's landing page."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...errors import StationError
from ..render import WebRoute, identity_of, page, station_of
from ..stats import dataset_summary

router = APIRouter(route_class=WebRoute)


@router.get("/")
def home(request: Request) -> Response:
    station = station_of(request)
    summary = dataset_summary(station, identity_of(request))
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
    with station.uow() as uow:
        ds = station.datasets.out(uow, *station.datasets.get(uow, identity, accession, version))
        files, next_cursor = station.datasets.files(uow, identity, ds.accession, ds.version, cursor, 500)
        try:
            project = station.projects.out(uow, station.projects.get(uow, identity, ds.project))
        except StationError:
            project = None
    owner_view = identity.user_id is not None and (identity.username == ds.owner or
                                                   identity.has_role("curator", "operator"))
    base = station.config.effective_base_url
    return page(request, "dataset.html", ds=ds, files=files, tree_root=file_tree(files), next_cursor=next_cursor,
                project=project, owner_view=owner_view, citation=citation(ds, project, base),
                landing_url=f"{base}/datasets/{ds.accession}", open_files=ds.access_level == "open")


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
