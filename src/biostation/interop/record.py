"""The public record of a dataset version: gathered in bulk from rows the access layer let through, then
turned into DataCite attributes (the one canonical form every other format is written from).

``gather`` takes (dataset, version) pairs that ``station.datasets.get`` or ``station.datasets.list`` already
admitted and fetches what goes with them (project, file totals, DOIs, provenance) in a handful of queries
per batch, never one query per record.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import func, select

from .. import accessions
from ..accounts.models import User
from ..datasets.models import Dataset, DatasetFile, DatasetVersion, ManifestEntry
from ..projects.models import Project
from ..vocab import ACCESS_LEVELS, DATA_TYPES, MINISTRIES, RESEARCH_FIELDS
from .models import Doi, HarvestSource, Provenance

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"
TAXONOMY_URI = "https://www.ncbi.nlm.nih.gov/taxonomy"
FIELD_SCHEME = "Bio Data Station research field (바이오 데이터 스테이션 연구분야)"
TYPE_SCHEME = "Bio Data Station data type (데이터 유형)"

# SPDX id -> (name, URI); the KOGL types are Korea's public-sector licences.
LICENCE_NAMES = {
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/legalcode"),
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/legalcode"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution Share Alike 4.0 International",
                     "https://creativecommons.org/licenses/by-sa/4.0/legalcode"),
    "CC-BY-NC-4.0": ("Creative Commons Attribution Non Commercial 4.0 International",
                     "https://creativecommons.org/licenses/by-nc/4.0/legalcode"),
    "CC-BY-NC-SA-4.0": ("Creative Commons Attribution Non Commercial Share Alike 4.0 International",
                        "https://creativecommons.org/licenses/by-nc-sa/4.0/legalcode"),
    "CC-BY-ND-4.0": ("Creative Commons Attribution No Derivatives 4.0 International",
                     "https://creativecommons.org/licenses/by-nd/4.0/legalcode"),
    "CC-BY-NC-ND-4.0": ("Creative Commons Attribution Non Commercial No Derivatives 4.0 International",
                        "https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "ODC-By-1.0": ("Open Data Commons Attribution License v1.0", "https://opendatacommons.org/licenses/by/1-0/"),
    "PDDL-1.0": ("Open Data Commons Public Domain Dedication & License 1.0",
                 "https://opendatacommons.org/licenses/pddl/1-0/"),
    "MIT": ("MIT License", "https://opensource.org/licenses/MIT"),
    "Apache-2.0": ("Apache License 2.0", "https://www.apache.org/licenses/LICENSE-2.0"),
    "GPL-3.0-or-later": ("GNU General Public License v3.0 or later", "https://www.gnu.org/licenses/gpl-3.0-standalone.html"),
}
ACCESS_RIGHTS = {"open": "info:eu-repo/semantics/openAccess", "embargoed": "info:eu-repo/semantics/embargoedAccess",
                 "controlled": "info:eu-repo/semantics/restrictedAccess",
                 "private": "info:eu-repo/semantics/closedAccess"}
CONTRIBUTOR_TYPES = {
    "contact": "ContactPerson", "contact_person": "ContactPerson", "data_collector": "DataCollector",
    "data_curator": "DataCurator", "curator": "DataCurator", "data_manager": "DataManager", "editor": "Editor",
    "producer": "Producer", "project_leader": "ProjectLeader", "pi": "ProjectLeader",
    "project_manager": "ProjectManager", "project_member": "ProjectMember", "researcher": "Researcher",
    "research_group": "ResearchGroup", "rights_holder": "RightsHolder", "sponsor": "Sponsor",
    "supervisor": "Supervisor", "work_package_leader": "WorkPackageLeader", "hosting_institution": "HostingInstitution",
}


def concept_doi(prefix: str, dataset_id: int) -> str:
    return f"{prefix}/{accessions.make('dataset', dataset_id)}"


def version_doi(prefix: str, dataset_id: int, number: int) -> str:
    return f"{prefix}/{accessions.make('dataset', dataset_id)}.{number}"


def landing_url(base_url: str, accession: str, version: int | None = None) -> str:
    return f"{base_url.rstrip('/')}/datasets/{accession}" + (f".{version}" if version else "")


def gather(session: Any, pairs: Iterable[tuple[Dataset, DatasetVersion]]) -> list[dict[str, Any]]:
    """Everything the formats need for each admitted (dataset, version), in a few queries per batch."""
    pairs = list(pairs)
    if not pairs:
        return []
    dataset_ids = {d.id for d, _ in pairs}
    version_ids = [v.id for _, v in pairs]
    projects = {p.id: p for p in session.scalars(select(Project).where(
        Project.id.in_({d.project_id for d, _ in pairs})))}
    owners = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({d.owner_id for d, _ in pairs}))).all())
    stats = {row[0]: (row[1], int(row[2])) for row in session.execute(
        select(ManifestEntry.version_id, func.count(), func.coalesce(func.sum(DatasetFile.size), 0))
        .join(DatasetFile, DatasetFile.id == ManifestEntry.file_id)
        .where(ManifestEntry.version_id.in_(version_ids)).group_by(ManifestEntry.version_id))}
    published: dict[int, list[int]] = {}
    for ds_id, number in session.execute(select(DatasetVersion.dataset_id, DatasetVersion.number).where(
            DatasetVersion.dataset_id.in_(dataset_ids), DatasetVersion.state == "published")
            .order_by(DatasetVersion.dataset_id, DatasetVersion.number)):
        published.setdefault(ds_id, []).append(number)
    dois: dict[tuple[int, int], str] = {(r.dataset_id, r.version): r.doi for r in session.execute(
        select(Doi.dataset_id, Doi.version, Doi.doi).where(Doi.dataset_id.in_(dataset_ids)))}
    prov = {row[0]: row[1:] for row in session.execute(
        select(Provenance.dataset_id, Provenance.remote_identifier, Provenance.remote_doi, Provenance.remote_deleted,
               HarvestSource.code, HarvestSource.name, HarvestSource.base_url)
        .join(HarvestSource, HarvestSource.id == Provenance.source_id)
        .where(Provenance.dataset_id.in_(dataset_ids)))}
    out = []
    for d, v in pairs:
        p = projects.get(d.project_id)
        files, size = stats.get(v.id, (0, 0))
        pr = prov.get(d.id)
        out.append({
            "dataset_id": d.id, "accession": accessions.make("dataset", d.id), "version": v.number,
            "state": v.state, "access_level": d.access_level, "published_versions": published.get(d.id, []),
            "title_en": v.title_en, "title_ko": v.title_ko, "description_en": v.description_en or "",
            "description_ko": v.description_ko or "", "research_field": v.research_field,
            "data_types": list(v.data_types or []), "organisms": list(v.organisms or []),
            "keywords": list(v.keywords or []), "licence": v.licence, "contributors": list(v.contributors or []),
            "publications": list(v.publications or []), "extra": dict(v.extra or {}),
            "owner_name": owners.get(d.owner_id, ""), "created_at": v.created_at, "published_at": v.published_at,
            "updated_at": v.updated_at, "file_count": files, "total_size": size,
            "project": None if p is None else {
                "accession": accessions.make("project", p.id), "number": p.project_number, "title_en": p.title_en,
                "title_ko": p.title_ko, "ministry": p.ministry, "pi_name": p.pi_name,
                "programme": p.funding_programme},
            "doi": dois.get((d.id, v.number)), "concept_doi": dois.get((d.id, 0)),
            "provenance": None if pr is None else {
                "remote_identifier": pr[0], "remote_doi": pr[1], "remote_deleted": pr[2], "source": pr[3],
                "source_name": pr[4], "source_url": pr[5]},
        })
    return out


def _person(c: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c["name"]}
    if c.get("orcid"):
        out["nameType"] = "Personal"
        out["nameIdentifiers"] = [{"nameIdentifier": f"https://orcid.org/{c['orcid']}",
                                   "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}]
    if "," in c["name"]:
        family, given = (s.strip() for s in c["name"].split(",", 1))
        out.update(nameType="Personal", familyName=family, givenName=given)
    if c.get("affiliation"):
        out["affiliation"] = [{"name": c["affiliation"]}]
    return out


def datacite_attributes(src: dict[str, Any], publisher: str, base_url: str,
                        prefix: str = "10.5072") -> dict[str, Any]:
    """DataCite Metadata Schema 4.x attributes (the REST API's JSON) for one version."""
    acc, number = src["accession"], src["version"]
    remote_doi = (src.get("provenance") or {}).get("remote_doi") or None
    doi = src.get("doi") or remote_doi or version_doi(prefix, src["dataset_id"], number)
    concept = src.get("concept_doi") or (None if src.get("provenance") else concept_doi(prefix, src["dataset_id"]))
    contributors = src["contributors"]
    creators = [c for c in contributors if c.get("role", "creator") in ("creator", "author")] or \
        [{"name": src["project"]["pi_name"] if src.get("project") else src["owner_name"] or publisher}]
    others = [c for c in contributors if c.get("role", "creator") not in ("creator", "author")]
    year = (src["published_at"] or src["created_at"]).year
    field_en, field_ko = RESEARCH_FIELDS.get(src["research_field"], (src["research_field"],) * 2)
    subjects: list[dict[str, Any]] = [
        {"subject": field_en, "subjectScheme": FIELD_SCHEME, "classificationCode": src["research_field"], "lang": "en"},
        {"subject": field_ko, "subjectScheme": FIELD_SCHEME, "classificationCode": src["research_field"], "lang": "ko"},
    ]
    for t in src["data_types"]:
        subjects.append({"subject": DATA_TYPES.get(t, (t,))[0], "subjectScheme": TYPE_SCHEME, "classificationCode": t})
    for o in src["organisms"]:
        subjects.append({"subject": o["name"], "subjectScheme": "NCBI Taxonomy", "schemeUri": TAXONOMY_URI,
                         "valueUri": f"https://www.ncbi.nlm.nih.gov/Taxonomy/Browser/wwwtax.cgi?id={o['taxon_id']}",
                         "classificationCode": str(o["taxon_id"])})
    subjects += [{"subject": k} for k in src["keywords"] if k]
    contribs = []
    for c in others:
        item = _person(c)
        item["contributorType"] = CONTRIBUTOR_TYPES.get(str(c.get("role", "")).lower(), "Other")
        contribs.append(item)
    if src.get("project") and not any(c.get("contributorType") == "ProjectLeader" for c in contribs):
        contribs.append({"name": src["project"]["pi_name"], "contributorType": "ProjectLeader"})
    contribs.append({"name": publisher, "nameType": "Organizational", "contributorType": "HostingInstitution"})
    dates = [{"date": src["created_at"].date().isoformat(), "dateType": "Created"}]
    if src["published_at"]:
        dates.append({"date": src["published_at"].date().isoformat(), "dateType": "Issued"})
    related: list[dict[str, Any]] = []
    for pub in src["publications"]:
        if pub.get("doi"):
            related.append({"relatedIdentifier": pub["doi"], "relatedIdentifierType": "DOI",
                            "relationType": "IsSupplementTo", "resourceTypeGeneral": "JournalArticle"})
        if pub.get("pmid"):
            related.append({"relatedIdentifier": str(pub["pmid"]), "relatedIdentifierType": "PMID",
                            "relationType": "IsSupplementTo", "resourceTypeGeneral": "JournalArticle"})
    if concept and number:
        related.append({"relatedIdentifier": concept, "relatedIdentifierType": "DOI", "relationType": "IsVersionOf"})
    versions = src["published_versions"]
    earlier = [n for n in versions if n < number]
    later = [n for n in versions if n > number]
    if earlier:
        related.append({"relatedIdentifier": version_doi(prefix, src["dataset_id"], earlier[-1]) if not remote_doi
                        else landing_url(base_url, acc, earlier[-1]),
                        "relatedIdentifierType": "URL" if remote_doi else "DOI", "relationType": "IsNewVersionOf"})
    if later:
        related.append({"relatedIdentifier": version_doi(prefix, src["dataset_id"], later[0]) if not remote_doi
                        else landing_url(base_url, acc, later[0]),
                        "relatedIdentifierType": "URL" if remote_doi else "DOI", "relationType": "IsPreviousVersionOf"})
    rights = []
    name, uri = LICENCE_NAMES.get(src["licence"], (src["licence"], ""))
    lic = {"rights": name, "rightsIdentifier": src["licence"].lower(), "rightsIdentifierScheme": "SPDX",
           "schemeUri": "https://spdx.org/licenses/"}
    if uri:
        lic["rightsUri"] = uri
    if src["licence"].startswith("LicenseRef-KOGL"):
        lic = {"rights": f"Korea Open Government Licence {src['licence'].rsplit('Type', 1)[-1]}",
               "rightsUri": "https://www.kogl.or.kr/info/license.do"}
    rights.append(lic)
    level = src["access_level"]
    rights.append({"rights": ACCESS_LEVELS.get(level, (level,))[0] + " access",
                   "rightsUri": ACCESS_RIGHTS.get(level, ACCESS_RIGHTS["private"])})
    descriptions = [{"description": text, "descriptionType": "Abstract", "lang": lang}
                    for text, lang in ((src["description_en"], "en"), (src["description_ko"], "ko")) if text]
    funding = []
    if src.get("project"):
        p = src["project"]
        funding.append({"funderName": MINISTRIES.get(p["ministry"], (p["ministry"],))[0],
                         "awardNumber": p["number"], "awardTitle": p["title_en"]})
    alternate = [{"alternateIdentifier": f"{acc}.{number}", "alternateIdentifierType": "Bio Data Station accession"}]
    if src.get("provenance"):
        alternate.append({"alternateIdentifier": src["provenance"]["remote_identifier"],
                          "alternateIdentifierType": f"OAI identifier at {src['provenance']['source']}"})
    return {
        "doi": doi, "url": landing_url(base_url, acc, number),
        "types": {"resourceTypeGeneral": "Dataset",
                  "resourceType": ", ".join(DATA_TYPES.get(t, (t,))[0] for t in src["data_types"]) or "Dataset"},
        "creators": [_person(c) for c in creators],
        "titles": [{"title": src["title_en"], "lang": "en"},
                   {"title": src["title_ko"], "lang": "ko", "titleType": "TranslatedTitle"}],
        "publisher": {"name": publisher}, "publicationYear": str(year),
        "subjects": subjects, "contributors": contribs, "dates": dates,
        "alternateIdentifiers": alternate, "relatedIdentifiers": related,
        "sizes": [f"{src['file_count']} files", f"{src['total_size']} bytes"],
        "version": str(number), "rightsList": rights, "descriptions": descriptions,
        "fundingReferences": funding, "schemaVersion": SCHEMA_VERSION,
    }


def build_doc(src: dict[str, Any], publisher: str, base_url: str, prefix: str) -> dict[str, Any]:
    """The stored public record: DataCite attributes plus the station facts other formats need."""
    p = src.get("project") or {}
    return {
        "datacite": datacite_attributes(src, publisher, base_url, prefix),
        "station": {
            "accession": src["accession"], "version": src["version"], "research_field": src["research_field"],
            "data_types": src["data_types"], "ministry": p.get("ministry", ""), "access_level": src["access_level"],
            "organisms": src["organisms"], "keywords": src["keywords"], "licence": src["licence"],
            "concept_doi": src.get("concept_doi") or (
                None if src.get("provenance") else concept_doi(prefix, src["dataset_id"])), "project": p.get("accession", ""),
            "modified": (src["updated_at"] or src["created_at"]).isoformat(),
            "provenance": src.get("provenance"),
        },
    }


def set_specs(doc: dict[str, Any]) -> list[str]:
    st = doc["station"]
    out = [f"field:{st['research_field']}"] + [f"type:{t}" for t in st["data_types"]]
    if st.get("ministry"):
        out.append(f"ministry:{st['ministry']}")
    return sorted(set(out) | {spec.split(":", 1)[0] for spec in out})  # and each parent set
