from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..api.deps import Caller, StationDep

router = APIRouter(prefix="/api", tags=["quality control"])


@router.get("/files/{accession}/qc")
def file_qc(accession: str, station: StationDep, caller: Caller) -> dict[str, Any]:
    """The file's QC report: errors with locations, warnings, metrics, grade and the rules behind it."""
    with station.uow() as uow:
        return station.qc.file_report(uow, caller, accession)


@router.get("/datasets/{accession}/qc")
def dataset_qc(accession: str, station: StationDep, caller: Caller, version: int | None = None) -> dict[str, Any]:
    """Progress and grades of every file in a version, and the version's grade once all are checked."""
    with station.uow() as uow:
        return station.qc.version_summary(uow, caller, accession, version)
