from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base


class QCResult(Base):
    """The QC report of one deposited file (as the validator left it; grades are recomputed from it)."""

    __tablename__ = "qc_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("dataset_files.id", ondelete="CASCADE"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(40))
    valid: Mapped[bool]
    checked: Mapped[bool]
    grade: Mapped[str] = mapped_column(String(2))
    score: Mapped[float]
    report: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=now)
