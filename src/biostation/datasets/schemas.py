from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..validation import choice, invalid
from ..vocab import DATA_TYPES, RESEARCH_FIELDS

# SPDX identifiers the station accepts, plus the Korea Open Government Licence types (KOGL).
LICENCES = {
    "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0",
    "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0", "MIT", "Apache-2.0", "GPL-3.0-or-later",
    "LicenseRef-KOGL-Type1", "LicenseRef-KOGL-Type2", "LicenseRef-KOGL-Type3", "LicenseRef-KOGL-Type4",
}
_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


class Organism(BaseModel):
    model_config = ConfigDict(extra="forbid")
    taxon_id: int = Field(gt=0, description="NCBI Taxonomy id, e.g. 9606")
    name: str = Field(min_length=2, description="Scientific name, e.g. Homo sapiens")


class Contributor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    orcid: str | None = None
    affiliation: str = ""
    role: str = "creator"

    @field_validator("orcid")
    @classmethod
    def _orcid(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        v = v.removeprefix("https://orcid.org/")
        if not _ORCID.match(v) or not _orcid_checksum_ok(v):
            raise invalid("invalid_orcid", f"{v!r} is not a valid ORCID iD.", f"{v!r}은(는) 올바른 ORCID가 아닙니다.",
                          "Write it as 0000-0002-1825-0097 (the last character is a checksum).")
        return v


def _orcid_checksum_ok(orcid: str) -> bool:
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


class Publication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doi: str | None = None
    pmid: str | None = None
    citation: str = ""

    @field_validator("doi")
    @classmethod
    def _doi(cls, v: str | None) -> str | None:
        if v and not re.match(r"^10\.\d{4,9}/\S+$", v.removeprefix("https://doi.org/")):
            raise invalid("invalid_doi", f"{v!r} is not a DOI.", f"{v!r}은(는) DOI 형식이 아닙니다.",
                          "Write it as 10.1234/abcd")
        return v.removeprefix("https://doi.org/") if v else v


def _check_research_field(v: str) -> str:
    return choice(v, RESEARCH_FIELDS, "research field", "연구 분야")


def _check_data_types(v: list[str]) -> list[str]:
    for item in v:
        choice(item, DATA_TYPES, "data type", "데이터 유형")
    return list(dict.fromkeys(v))


def _check_licence(v: str) -> str:
    if v not in LICENCES:
        raise invalid("invalid_licence", f"{v!r} is not a licence the station accepts.",
                      f"{v!r}은(는) 허용되는 이용 허락(라이선스)이 아닙니다.",
                      "Use an SPDX id such as CC-BY-4.0, CC0-1.0 or LicenseRef-KOGL-Type1.")
    return v


class DatasetFields(BaseModel):
    """The describable part of a dataset version; every field optional so it also serves as a patch."""

    model_config = ConfigDict(extra="forbid")
    title_en: str | None = Field(None, min_length=3, max_length=1000)
    title_ko: str | None = Field(None, min_length=2, max_length=1000)
    description_en: str | None = Field(None, max_length=100_000)
    description_ko: str | None = Field(None, max_length=100_000)
    research_field: str | None = None
    data_types: list[str] | None = None
    organisms: list[Organism] | None = None
    keywords: list[str] | None = None
    licence: str | None = None
    contributors: list[Contributor] | None = None
    publications: list[Publication] | None = None
    extra: dict | None = Field(None, description="Fields of the dataset's registration form")

    @field_validator("research_field")
    @classmethod
    def _research_field(cls, v: str | None) -> str | None:
        return v if v is None else _check_research_field(v)

    @field_validator("data_types")
    @classmethod
    def _data_types(cls, v: list[str] | None) -> list[str] | None:
        return v if v is None else _check_data_types(v)

    @field_validator("licence")
    @classmethod
    def _licence(cls, v: str | None) -> str | None:
        return v if v is None else _check_licence(v)


class DatasetIn(DatasetFields):
    project: str = Field(description="Accession of the R&D project, e.g. BSP000001X")
    title_en: str = Field(min_length=3, max_length=1000)
    title_ko: str = Field(min_length=2, max_length=1000)
    research_field: str
    data_types: list[str] = Field(min_length=1)
    licence: str = "CC-BY-4.0"


class FileOut(BaseModel):
    accession: str
    path: str
    size: int
    sha256: str
    md5: str | None
    created_at: datetime
    download_url: str


class VersionSummary(BaseModel):
    number: int
    state: str
    created_at: datetime
    published_at: datetime | None


class DatasetOut(BaseModel):
    accession: str
    version: int
    state: str
    project: str
    owner: str
    access_level: str
    title_en: str
    title_ko: str
    description_en: str
    description_ko: str
    research_field: str
    data_types: list[str]
    organisms: list[dict]
    keywords: list[str]
    licence: str
    contributors: list[dict]
    publications: list[dict]
    extra: dict
    file_count: int
    total_size: int
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    published_at: datetime | None
    versions: list[VersionSummary]
