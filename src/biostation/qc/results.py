"""QC results as the station shows them: per file (full report) and per dataset version (grade)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..datasets.models import DatasetFile, ManifestEntry
from ..db import UnitOfWork
from ..identity import Identity
from ..jobs.models import Job
from .models import QCResult
from .report import Issue, QCReport, Rule, grade_version


def report_from_dict(data: dict[str, Any], name: str) -> QCReport:
    return QCReport(file=name, format=data["format"], valid=data["valid"], grade=data["grade"],
                    score=data.get("score", 0.0), checked=data.get("checked", True),
                    errors=[Issue(**e) for e in data.get("errors", [])],
                    warnings=[Issue(**w) for w in data.get("warnings", [])], metrics=data.get("metrics", {}),
                    rules=[Rule(**r) for r in data.get("rules", [])], error_count=data.get("error_count", 0),
                    warning_count=data.get("warning_count", 0), completeness=data.get("completeness"))


class QCResultService:
    def __init__(self, station: Any):
        self.station = station

    def file_report(self, uow: UnitOfWork, identity: Identity, file_accession: str) -> dict[str, Any]:
        """The full report; readable exactly when the file itself is (404 otherwise)."""
        handle = self.station.datasets.open_file(uow, identity, file_accession)
        from .. import accessions
        file_id = accessions.parse(file_accession, "file")[1]
        result = uow.session.scalar(select(QCResult).where(QCResult.file_id == file_id))
        if result is None:
            status, progress = self._status(uow, file_id)
            return {"file": file_accession, "path": handle.path, "status": status, "progress": progress}
        return {"file": file_accession, "path": handle.path, "status": "done", **result.report}

    def version_summary(self, uow: UnitOfWork, identity: Identity, dataset_accession: str,
                        version: int | None = None) -> dict[str, Any]:
        """Each file's grade and the version's grade (once every file is checked)."""
        from .. import accessions
        dataset, ver = self.station.datasets.get(uow, identity, dataset_accession, version)
        rows = uow.session.execute(
            select(ManifestEntry.path, DatasetFile.id, QCResult)
            .join(DatasetFile, DatasetFile.id == ManifestEntry.file_id)
            .outerjoin(QCResult, QCResult.file_id == DatasetFile.id)
            .where(ManifestEntry.version_id == ver.id).order_by(ManifestEntry.path)).all()
        files, reports, pending = [], [], 0
        for path, file_id, result in rows:
            item = {"path": path, "file": accessions.make("file", file_id)}
            if result is None:
                item["status"], item["progress"] = self._status(uow, file_id)
                pending += 1
            else:
                item.update(status="done", format=result.format, valid=result.valid, checked=result.checked,
                            grade=result.grade, score=result.score, errors=result.report.get("error_count", 0),
                            warnings=result.report.get("warning_count", 0))
                reports.append(report_from_dict(result.report, path))
            files.append(item)
        summary: dict[str, Any] = {"dataset": dataset_accession, "version": ver.number, "files": files,
                                   "checked": len(reports), "pending": pending}
        if rows and not pending:
            # The version's grade folds in how completely its metadata fills the registration form.
            completeness = self.station.forms.dataset_completeness(uow, dataset, ver)
            summary["completeness"] = completeness
            summary["grade"] = grade_version(reports, completeness).as_dict()
        return summary

    @staticmethod
    def _status(uow: UnitOfWork, file_id: int) -> tuple[str, float]:
        """(queued / running / failed, fraction done) of this file's QC job."""
        row = uow.session.execute(select(Job.state, Job.progress).where(
            Job.ref == f"file:{file_id}", Job.kind.like("file.added:biostation.qc.%"))
            .order_by(Job.id.desc()).limit(1)).first()
        return (row[0], row[1]) if row else ("queued", 0.0)
