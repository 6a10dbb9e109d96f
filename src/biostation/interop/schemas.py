"""Request and response bodies of the interop API."""
from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..validation import choice, invalid
from ..vocab import DATA_TYPES, RESEARCH_FIELDS


class SourceIn(BaseModel):
    """A ministry data centre's (or another station's) OAI-PMH endpoint to harvest."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="Short code, e.g. NABIC")
    name: str = Field(min_length=2, max_length=300, description="Name shown in provenance, e.g. 'NABIC (농업생명자원)'")
    base_url: str = Field(description="OAI-PMH base URL, e.g. https://dc.example.kr/oai")
    metadata_prefix: str = Field("oai_datacite", description="oai_datacite, datacite or oai_dc")
    set_spec: str | None = Field(None, description="Harvest only this set")
    project: str = Field(description="Accession of the R&D project the harvested datasets belong to")
    owner: str = Field(description="Username that owns the harvested datasets (the data centre's account)")
    research_field: str = Field(description="Research field used when a record does not name one")
    data_type: str = Field(description="Data type used when a record does not name one")
    schedule_minutes: int = Field(1440, ge=1, le=60 * 24 * 31, description="Minutes between harvests")

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", v):
            raise invalid("invalid_url", f"{v!r} is not an http(s) URL.", f"{v!r}은(는) http(s) 주소가 아닙니다.",
                          "Write the full base URL, e.g. https://dc.example.kr/oai")
        return v

    @field_validator("metadata_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if v not in ("oai_datacite", "datacite", "oai_dc"):
            raise invalid("invalid_choice", f"Unsupported metadata prefix {v!r}.",
                          f"지원하지 않는 메타데이터 형식입니다: {v!r}.", "Use oai_datacite, datacite or oai_dc.")
        return v

    @field_validator("research_field")
    @classmethod
    def _field(cls, v: str) -> str:
        return choice(v, RESEARCH_FIELDS, "research field", "연구 분야")

    @field_validator("data_type")
    @classmethod
    def _type(cls, v: str) -> str:
        return choice(v, DATA_TYPES, "data type", "데이터 유형")


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    base_url: str
    metadata_prefix: str
    set_spec: str
    schedule_minutes: int
    enabled: bool
    state: str
    last_datestamp: str
    resumption_token: str
    next_run_at: datetime | None


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    state: str
    from_datestamp: str
    started_at: datetime
    finished_at: datetime | None
    pages: int
    created: int
    updated: int
    deleted: int
    unchanged: int
    failed: int
    message: str


class DoiOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    doi: str
    version: int = Field(description="0 for the concept DOI (all versions)")
    state: str
    mode: str
    last_error: str
