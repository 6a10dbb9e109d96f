"""Schema validators (official schemas, see schemas/README.md) and fast bulk creation of published datasets."""
from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import insert, select

from biostation.accounts.models import Organisation, User
from biostation.clock import now
from biostation.datasets.models import Dataset, DatasetVersion
from biostation.projects.models import Project

SCHEMAS = Path(__file__).parent / "schemas"
OAI = "{http://www.openarchives.org/OAI/2.0/}"


@lru_cache
def xsd(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def assert_valid(schema: str, element: Any) -> None:
    s = xsd(schema)
    if not s.validate(element):
        raise AssertionError(f"{schema}: {s.error_log}")


def assert_oai_valid(body: bytes) -> Any:
    """The whole response against OAI-PMH.xsd, then every metadata payload against its own schema."""
    root = etree.fromstring(body)
    assert_valid("OAI-PMH.xsd", root)
    for meta in root.iter(f"{OAI}metadata"):
        payload = meta[0]
        if payload.tag.endswith("}dc"):
            assert_valid("oai_dc.xsd", payload)
        elif payload.tag.endswith("}oai_datacite"):
            assert_valid("oai_datacite.xsd", payload)
            assert_valid("datacite-kernel-4/metadata.xsd", payload.find(".//{http://datacite.org/schema/kernel-4}resource"))
        else:
            assert_valid("datacite-kernel-4/metadata.xsd", payload)
    return root


@lru_cache
def datacite_json_schema() -> dict:
    return json.loads((SCHEMAS / "datacite-v4.5.json").read_text())


def bulk_published(station: Any, n: int, *, start: int = 0, ministry: str = "MAFRA",
                   owner: str = "bulk") -> list[int]:
    """Insert n published datasets straight into the tables (no API), quickly; returns their ids."""
    t = now() - timedelta(days=1)
    with station.uow() as uow:
        s = uow.session
        user = s.scalar(select(User).where(User.username == owner))
        if user is None:
            org = s.scalar(select(Organisation).where(Organisation.code == "BULKORG"))
            if org is None:
                org = Organisation(code="BULKORG", name_en="Bulk org", name_ko="일괄 기관", kind="institute")
                s.add(org)
                s.flush()
            user = User(username=owner, email=f"{owner}@example.kr", display_name="Bulk Depositor",
                        organisation_id=org.id, roles=["researcher"])
            s.add(user)
            s.flush()
        project = s.scalar(select(Project).where(Project.project_number == f"RS-BULK-{ministry}"))
        if project is None:
            project = Project(project_number=f"RS-BULK-{ministry}", title_en="Bulk project", title_ko="일괄 과제",
                              ministry=ministry, pi_name="Kim, Minji", period_start=t.date(), period_end=t.date(),
                              owner_id=user.id, sharing_plan=[])
            s.add(project)
            s.flush()
        first = (s.scalar(select(Dataset.id).order_by(Dataset.id.desc()).limit(1)) or 0) + 1
        ids = list(range(first, first + n))
        s.execute(insert(Dataset), [
            {"id": i, "project_id": project.id, "owner_id": user.id, "access_level": "open", "latest_published": 1,
             "created_at": t, "updated_at": t} for i in ids])
        s.execute(insert(DatasetVersion), [
            {"dataset_id": i, "number": 1, "state": "published", "title_en": f"Rice sample set {start + k}",
             "title_ko": f"벼 시료 {start + k}", "description_en": f"Whole-genome reads of rice line {start + k}.",
             "description_ko": f"벼 계통 {start + k}의 전장 유전체 리드.", "research_field": "seeds_livestock",
             "data_types": ["genome_omics"], "organisms": [{"taxon_id": 4530, "name": "Oryza sativa"}],
             "keywords": ["rice", "heat stress"], "licence": "CC-BY-4.0",
             "contributors": [{"name": "Kim, Minji", "orcid": "0000-0002-1825-0097", "affiliation": "KRIBB",
                               "role": "creator"}],
             "publications": [], "extra": {}, "created_at": t, "updated_at": t, "submitted_at": t, "published_at": t}
            for k, i in enumerate(ids)])
        if s.get_bind().dialect.name == "postgresql":
            from sqlalchemy import text
            s.execute(text("SELECT setval(pg_get_serial_sequence('datasets', 'id'), (SELECT max(id) FROM datasets))"))
    return ids
