"""What the statistics API takes and returns."""
from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ..validation import invalid

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class PeriodIn(BaseModel):
    """A period of whole months, both ends included (``YYYY-MM``); either end may be left out."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    start: str | None = Field(None, alias="from")
    end: str | None = Field(None, alias="to")

    @field_validator("start", "end")
    @classmethod
    def _month(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _MONTH.fullmatch(value):
            raise invalid("month_format", f"{value!r} is not a month.", f"{value!r}은(는) 월 형식이 아닙니다.",
                          "Write the month as YYYY-MM, e.g. 2025-03.")
        start = info.data.get("start")
        if info.field_name == "end" and start and start > value:
            raise invalid("period_order", f"The period starts ({start}) after it ends ({value}).",
                          f"기간의 시작({start})이 끝({value})보다 늦습니다.", "Give 'from' a month on or before 'to'.")
        return value


class Period(BaseModel):
    start: str = Field(description="First month of the period, YYYY-MM (UTC)")
    end: str = Field(description="Last month of the period, YYYY-MM (UTC), included")
    months: list[str] = Field(description="Every month of the period, oldest first")


class Count(BaseModel):
    key: str
    datasets: int


class MonthCount(BaseModel):
    month: str
    key: str
    datasets: int


class LevelCount(BaseModel):
    level: str = Field(description="open, embargoed (still under embargo), controlled or private")
    datasets: int = Field(description="Datasets in any state")
    published: int = Field(description="Datasets with a published version")


class Usage(BaseModel):
    month: str
    views: int
    downloads: int
    bytes_out: int


class GroupUsage(Usage):
    key: str


class Utilisation(BaseModel):
    """Of the ``published`` datasets available in the period, ``downloaded`` were downloaded at least once
    in it; ``rate`` = downloaded / published (0 when nothing was published)."""

    key: str
    published: int
    downloaded: int
    rate: float


class StatsOut(BaseModel):
    """The station's statistics. Counts by data type, access level and grade are of all published datasets
    now; the monthly series and the utilisation rate cover ``period``. Months are UTC."""

    period: Period
    generated_at: datetime
    datasets: int = Field(description="Datasets in any state")
    published: int = Field(description="Datasets with a published version")
    published_by_month_ministry: list[MonthCount] = Field(description="First publications per month and ministry")
    published_by_month_field: list[MonthCount] = Field(description="First publications per month and research field")
    by_data_type: list[Count] = Field(description="Published datasets per data type (a dataset may have several)")
    by_access: list[LevelCount]
    by_grade: list[Count] = Field(description="Published datasets per QC grade of their newest published "
                                              "version; 'pending' while files are being checked")
    usage_by_month: list[Usage] = Field(description="Every month of the period, zeros included")
    usage_by_month_ministry: list[GroupUsage]
    usage_by_month_field: list[GroupUsage]
    utilisation: Utilisation
    utilisation_by_ministry: list[Utilisation]
    utilisation_by_field: list[Utilisation]


class Headline(BaseModel):
    """Public numbers: published datasets the caller may read, per research field and ministry."""

    datasets: int
    by_field: list[Count]
    by_ministry: list[Count]
