"""The FastAPI application: mounts every domain's router and turns station errors into problem details."""
from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import text
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import StationError, ValidationFailed
from ..station import Station
from ..validation import from_error_list
from ..web import mount_web

# Each domain that has an api.py exposing `router` is mounted, in this order.
DOMAINS = ["accounts", "projects", "datasets", "audit", "jobs", "forms", "qc", "search", "access", "materials",
           "interop", "stats"]
PROBLEM = "application/problem+json"


def create_app(station: Station | None = None, *, start_jobs: bool = True) -> FastAPI:
    station = station or Station()
    app = FastAPI(title="Bio Data Station API", version=__version__,
                  description="Deposit, check, find and access national bio research data. "
                              "국가 바이오 연구데이터 등록·검증·검색·활용 API.")
    app.state.station = station

    @app.exception_handler(StationError)
    async def _station_error(request: Request, exc: StationError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.problem(str(request.url.path)), exc.status, media_type=PROBLEM, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = from_error_list(exc.errors(), strip_body=True)
        problem = ValidationFailed(errors)
        return JSONResponse(problem.problem(str(request.url.path)), 422, media_type=PROBLEM)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = StationError(code, str(exc.detail), "요청을 처리할 수 없습니다.", exc.status_code,
                            "Check the URL and method against /docs.").problem(str(request.url.path))
        return JSONResponse(body, exc.status_code, media_type=PROBLEM)

    @app.get("/api/health", tags=["station"])
    def health() -> dict[str, Any]:
        with station.uow() as uow:
            uow.session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    for domain in DOMAINS:
        name = f"biostation.{domain}.api"
        if importlib.util.find_spec(f"biostation.{domain}") and importlib.util.find_spec(name):
            app.include_router(importlib.import_module(name).router)

    mount_web(app, station)  # the web pages at /, static files, session cookie + CSRF for /api calls

    from ..jobs import load_handlers
    load_handlers()  # import the domains' job handlers now, not inside the first request that emits an event

    if start_jobs and station.config.jobs_backend == "inprocess":
        @app.on_event("startup")
        def _start_jobs() -> None:
            station.jobs.start()

        @app.on_event("shutdown")
        def _stop_jobs() -> None:
            station.jobs.stop()
    return app
