from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..vocab import ACCESS_LEVELS, DATA_TYPES, MINISTRIES
from ..validation import choice, invalid


class SharingPlanItem(BaseModel):
    """What data the project will produce and when it will be opened."""

    model_config = ConfigDict(extra="forbid")
    data_type: str
    description: str = ""
    expected_date: date | None = None
    open_date: date | None = None
    access_level: str = "open"

    @field_validator("data_type")
    @classmethod
    def _data_type(cls, v: str) -> str:
        return choice(v, DATA_TYPES, "data type", "데이터 유형")

    @field_validator("access_level")
    @classmethod
    def _access(cls, v: str) -> str:
        return choice(v, ACCESS_LEVELS, "access level", "공개 수준")


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project_number: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,63}$",
                                description="National R&D project number, e.g. RS-2024-00123456")
    title_en: str = Field(min_length=3, max_length=1000)
    title_ko: str = Field(min_length=2, max_length=1000)
    ministry: str
    lead_organisation: str | None = Field(None, description="Organisation code of the lead institution")
    pi_name: str = Field(min_length=1, max_length=300)
    pi_username: str | None = None
    funding_programme: str = ""
    period_start: date
    period_end: date
    sharing_plan: list[SharingPlanItem] = []

    @field_validator("ministry")
    @classmethod
    def _ministry(cls, v: str) -> str:
        return choice(v, MINISTRIES, "ministry", "부처")

    @model_validator(mode="after")
    def _period(self) -> "ProjectIn":
        if self.period_end < self.period_start:
            raise invalid("period_reversed", "period_end is before period_start.",
                          "연구 종료일이 시작일보다 빠릅니다.", "Swap the dates or correct the end date.")
        return self


class ProjectOut(BaseModel):
    accession: str
    project_number: str
    title_en: str
    title_ko: str
    ministry: str
    lead_organisation: str | None
    pi_name: str
    funding_programme: str
    period_start: date
    period_end: date
    sharing_plan: list[dict]
    owner: str
    created_at: datetime
