"""Every page of the web interface, one module per area; all of them only call services."""
from __future__ import annotations

from fastapi import APIRouter

from ..render import WebRoute
from . import access, auth, deposit, operator, public, samples, search

router = APIRouter(route_class=WebRoute, include_in_schema=False)
for module in (auth, access, deposit, public, search, samples, operator):  # /datasets/new before /datasets/{accession}
    router.include_router(module.router)
