"""The station's side of the bio data map: search documents built from the database.

A dataset is indexed once it has a published version; its readers (and embargo end) come from the access
policy, so the index filters exactly as the API does. Documents are rebuilt on publish, on an access change
and when QC changes the grade; `biostation search reindex` rebuilds them all from the database.
"""
from __future__ import annotations

from typing import Any, Iterator

from sqlalchemy import select

from .. import accessions
from ..accounts.models import Organisation
from ..datasets.models import Dataset, DatasetFile, DatasetVersion, ManifestEntry
from ..projects.models import Project
from .model import SearchDoc
from .ontology import BUILTIN, Ontology


def station_ontology() -> Ontology:
    """The forms' NCBI taxonomy subset for lineages, the built-in tables for what it lacks."""
    from ..forms import vocabularies

    def parent(taxid: int) -> int | None:
        lineage = vocabularies.ancestors(taxid)
        if len(lineage) > 1:
            return lineage[1]
        return BUILTIN.taxon_parent(taxid)

    def names(taxid: int) -> list[str]:
        term = vocabularies.taxon(taxid)
        found = [term.label_en, *term.synonyms] if term else []
        return found or list(BUILTIN.taxon_names(taxid))

    return Ontology(taxon_parent=parent, taxon_names=names, term_parents=BUILTIN.term_parents,
                    term_labels=BUILTIN.term_labels)


def dataset_doc(station: Any, uow: Any, dataset: Dataset) -> SearchDoc | None:
    """The document for a dataset's newest published version, or None if nothing is published."""
    if dataset.latest_published is None:
        return None
    s = uow.session
    version = s.scalar(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id,
                                                    DatasetVersion.number == dataset.latest_published))
    project = s.get(Project, dataset.project_id)
    org = s.get(Organisation, project.lead_organisation_id) if project.lead_organisation_id else None
    formats, grade = _quality(uow, station, dataset, version)
    readers, embargo_until = station.access.search_acl(uow, dataset)
    published = version.published_at
    return SearchDoc(
        id=accessions.make("dataset", dataset.id), kind="dataset", title_en=version.title_en,
        title_ko=version.title_ko, description_en=version.description_en, description_ko=version.description_ko,
        keywords=list(version.keywords or []),
        organism_taxids=[int(o["taxon_id"]) for o in version.organisms or []],
        organism_names=[o["name"] for o in version.organisms or []],
        ontology_terms=[str(t) for t in (version.extra or {}).get("ontology_terms", [])],
        research_field=version.research_field, data_types=list(version.data_types or []),
        ministry=project.ministry, institution=org.code if org else None,
        access_level=_level(uow, dataset),
        year=published.year if published else None, file_formats=formats, quality_grade=grade,
        licence=version.licence, published=published.date() if published else None,
        readers=sorted(readers), embargo_until=embargo_until)


def _level(uow: Any, dataset: Dataset) -> str:
    """The level in force now (an embargo that has ended counts as open)."""
    from ..access.models import AccessSettings
    from ..access.policy import effective_level
    from ..clock import now
    return effective_level(dataset.access_level, uow.session.get(AccessSettings, dataset.id), now())


def _quality(uow: Any, station: Any, dataset: Dataset, version: DatasetVersion) -> tuple[list[str], str | None]:
    """File formats found by QC and the version's grade (None until every file is checked)."""
    from ..qc.models import QCResult
    rows = uow.session.execute(
        select(QCResult.format).join(DatasetFile, DatasetFile.id == QCResult.file_id)
        .join(ManifestEntry, ManifestEntry.file_id == DatasetFile.id)
        .where(ManifestEntry.version_id == version.id)).all()
    formats = sorted({r[0] for r in rows if r[0] and r[0] != "unknown"})
    from ..identity import SYSTEM
    summary = station.qc.version_summary(uow, SYSTEM, accessions.make("dataset", dataset.id), version.number)
    grade = summary.get("grade", {}).get("grade")
    return formats, grade


def all_docs(station: Any, batch: int = 1000) -> Iterator[SearchDoc]:
    """Every searchable record, streamed in keyset batches (bounded memory at millions of records)."""
    last = 0
    while True:
        with station.uow() as uow:
            rows = list(uow.session.scalars(select(Dataset).where(Dataset.id > last,
                                                                  Dataset.latest_published.is_not(None))
                                            .order_by(Dataset.id).limit(batch)))
            if not rows:
                return
            docs = [dataset_doc(station, uow, d) for d in rows]
            last = rows[-1].id
        yield from (d for d in docs if d is not None)


def reindex_dataset(station: Any, dataset_id: int) -> str:
    """Put the dataset's current document in the index (or take it out); returns what was done."""
    engine = station.search_engine
    with station.uow() as uow:
        dataset = uow.session.get(Dataset, dataset_id)
        doc = dataset_doc(station, uow, dataset) if dataset is not None else None
    acc = accessions.make("dataset", dataset_id)
    if doc is None:
        engine.delete([acc])
        engine.commit()
        return "removed"
    engine.index([doc])
    engine.commit()
    return "indexed"
