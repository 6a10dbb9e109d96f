"""Routes: OAI-PMH at /oai, GA4GH DRS at /ga4gh/drs/v1, and per-dataset exports under /api/datasets/{acc}."""
from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from ..api.deps import Caller, SignedIn, StationDep
from ..errors import StationError
from . import formats
from .drs import Drs
from .export import Exporter
from .oai import Provider
from .schemas import DoiOut, RunOut, SourceIn, SourceOut

router = APIRouter()
XML = "application/xml; charset=utf-8"


# OAI-PMH -------------------------------------------------------------------------------------------------------
def _provider(station: Any) -> Provider:
    provider = station.__dict__.get("_oai_provider")
    if provider is None:
        provider = station.__dict__["_oai_provider"] = Provider(station)
    return provider


@router.get("/oai", tags=["interop"], summary="OAI-PMH 2.0 (GET)", response_class=Response)
async def oai_get(request: Request, station: StationDep) -> Response:
    body = await run_in_threadpool(_provider(station).respond, request.query_params.multi_items())
    return Response(body, media_type="text/xml; charset=utf-8")


@router.post("/oai", tags=["interop"], summary="OAI-PMH 2.0 (POST, form-encoded)", response_class=Response)
async def oai_post(request: Request, station: StationDep) -> Response:
    form = await request.form()
    body = await run_in_threadpool(_provider(station).respond, [(k, str(v)) for k, v in form.multi_items()])
    return Response(body, media_type="text/xml; charset=utf-8")


# per-dataset metadata and citations ----------------------------------------------------------------------------
CITATION_TYPES = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl": ("application/vnd.citationstyles.csl+json", "json"),
    "datacite": ("application/vnd.datacite.datacite+xml", "xml"),
}


def _doc(station: Any, caller: Any, accession: str, version: int | None) -> dict[str, Any]:
    with station.uow() as uow:
        return station.interop.document(uow, caller, accession, version)


@router.get("/api/datasets/{accession}/datacite", tags=["interop"],
            summary="DataCite Metadata Schema 4 (XML, or JSON with ?format=json)")
def datacite(accession: str, station: StationDep, caller: Caller, version: int | None = None,
             format: str = Query("xml", pattern="^(xml|json)$")) -> Response:
    doc = _doc(station, caller, accession, version)
    if format == "json":
        return JSONResponse({"data": {"type": "dois", "id": doc["datacite"]["doi"], "attributes": doc["datacite"]}},
                            media_type="application/vnd.api+json")
    return Response(formats.datacite_xml(doc["datacite"]), media_type=XML)


@router.get("/api/datasets/{accession}/jsonld", tags=["interop"], summary="schema.org Dataset / Bioschemas JSON-LD")
def jsonld(accession: str, station: StationDep, caller: Caller, version: int | None = None) -> Response:
    return JSONResponse(formats.jsonld(_doc(station, caller, accession, version)), media_type="application/ld+json")


@router.get("/api/datasets/{accession}/citation", tags=["interop"],
            summary="Citation: bibtex, ris, csl (CSL-JSON) or datacite (XML), as a download")
def citation(accession: str, station: StationDep, caller: Caller, version: int | None = None,
             style: str = Query("bibtex", pattern="^(bibtex|ris|csl|datacite)$")) -> Response:
    doc = _doc(station, caller, accession, version)
    media, ext = CITATION_TYPES[style]
    if style == "bibtex":
        body: bytes = formats.bibtex(doc).encode()
    elif style == "ris":
        body = formats.ris(doc).encode()
    elif style == "csl":
        body = json.dumps([formats.csl_json(doc)], ensure_ascii=False, indent=1).encode()
    else:
        body = formats.datacite_xml(doc["datacite"])
    name = f"{doc['station']['accession']}.{doc['station']['version']}.{ext}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/datasets/{accession}/dois", response_model=list[DoiOut], tags=["interop"])
def dois(accession: str, station: StationDep, caller: Caller) -> list[DoiOut]:
    with station.uow() as uow:
        return [DoiOut.model_validate(d) for d in station.interop.dois(uow, caller, accession)]


@router.get("/api/datasets/{accession}/export/{kind}", tags=["interop"],
            summary="INSDC BioSample XML (biosample) or SRA/ENA XML (sra-experiment, sra-run)")
def export(accession: str, kind: str, station: StationDep, caller: Caller) -> Response:
    if kind not in ("biosample", "sra-experiment", "sra-run"):
        raise StationError("unknown_export", f"Unknown export '{kind}'.", f"알 수 없는 내보내기 형식입니다: '{kind}'.",
                           404, "Use biosample, sra-experiment or sra-run.")
    with station.uow() as uow:
        ex = Exporter(station)
        body = ex.biosample_xml(uow, caller, accession) if kind == "biosample" else \
            ex.sra_xml(uow, caller, accession, kind.split("-", 1)[1])
    return Response(body, media_type=XML,
                    headers={"Content-Disposition": f'attachment; filename="{accession}.{kind}.xml"'})


# harvest sources (operators) ------------------------------------------------------------------------------------
@router.post("/api/interop/harvest-sources", response_model=SourceOut, status_code=201, tags=["interop"])
def add_source(body: SourceIn, station: StationDep, caller: SignedIn) -> SourceOut:
    with station.uow() as uow:
        return SourceOut.model_validate(station.interop.add_source(uow, caller, body))


@router.get("/api/interop/harvest-sources", response_model=list[SourceOut], tags=["interop"])
def list_sources(station: StationDep, caller: SignedIn) -> list[SourceOut]:
    with station.uow() as uow:
        return [SourceOut.model_validate(s) for s in station.interop.sources(uow, caller)]


@router.get("/api/interop/harvest-sources/{code}/runs", response_model=list[RunOut], tags=["interop"])
def list_runs(code: str, station: StationDep, caller: SignedIn) -> list[RunOut]:
    with station.uow() as uow:
        return [RunOut.model_validate(r) for r in station.interop.runs(uow, caller, code)]


@router.post("/api/interop/harvest-sources/{code}/harvest", status_code=202, tags=["interop"])
def start_harvest(code: str, station: StationDep, caller: SignedIn) -> dict[str, str]:
    with station.uow() as uow:
        station.interop.source(uow, caller, code)
        station.jobs.enqueue(uow, "interop.harvest", {"source": code})
    return {"status": "queued", "source": code}


# GA4GH DRS 1.2 ---------------------------------------------------------------------------------------------------
def _drs_error(exc: StationError) -> JSONResponse:
    return JSONResponse({"msg": f"{exc.message_en} / {exc.message_ko}", "status_code": exc.status},
                        status_code=exc.status)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


@router.get("/ga4gh/drs/v1/service-info", tags=["ga4gh-drs"])
def drs_service_info(station: StationDep) -> dict[str, Any]:
    return Drs(station).service_info()


@router.get("/ga4gh/drs/v1/objects/{object_id}", tags=["ga4gh-drs"])
def drs_object(object_id: str, request: Request, station: StationDep, caller: Caller,
               expand: bool = False) -> Response:
    try:
        with station.uow() as uow:
            return JSONResponse(Drs(station).get(uow, caller, object_id, _bearer(request), expand))
    except StationError as exc:
        return _drs_error(exc)


@router.get("/ga4gh/drs/v1/objects/{object_id}/access/{access_id}", tags=["ga4gh-drs"])
def drs_access(object_id: str, access_id: str, request: Request, station: StationDep, caller: Caller) -> Response:
    try:
        with station.uow() as uow:
            return JSONResponse(Drs(station).access(uow, caller, object_id, access_id, _bearer(request)))
    except StationError as exc:
        return _drs_error(exc)
