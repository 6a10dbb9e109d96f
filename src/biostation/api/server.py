"""Entry point for the HTTP server's worker processes: they build the app from the environment's settings."""
from __future__ import annotations

from fastapi import FastAPI


def app_factory() -> FastAPI:
    from ..station import Station
    from .app import create_app
    return create_app(Station())
