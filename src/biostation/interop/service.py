"""Interoperability service: keeps the OAI catalogue and the DOIs in step with what the public may read,
and serves the public record of a version in every exchange format.

"Public" is decided by the datasets domain, never here: a dataset is public when ``station.datasets.list``
shows it to an anonymous caller (the same rule that builds every list's filter). Each sync pass walks the
datasets in id order, a page at a time; records that left the public view become deleted OAI records and
their DOIs are hidden at DataCite; records that (re)entered it get a new datestamp and a findable DOI.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Callable

from sqlalchemy import delete, insert, select, update

from .. import accessions
from ..audit.service import record
from ..clock import now
from ..datasets.models import Dataset, DatasetVersion
from ..accounts.service import identity_for
from ..db import UnitOfWork
from ..errors import Conflict, NotFound
from ..validation import parse
from ..identity import ANONYMOUS, SYSTEM, Identity
from ..pagination import encode_cursor
from ..policy import require
from .datacite import DataCiteClient, DataCiteError
from .models import Doi, InteropState, OaiRecord, OaiSetMember, Provenance
from .oai import to_second
from .record import build_doc, concept_doi, gather, set_specs, version_doi

log = logging.getLogger("biostation.interop")
BATCH = 500


def _rendered(doc: dict[str, Any]) -> dict[str, str]:
    """The record's XML, serialised once when it changes, so an OAI page only splices stored fragments."""
    from lxml import etree

    from . import formats
    return {"xml_dc": etree.tostring(formats.oai_dc_element(doc), encoding="unicode"),
            "xml_datacite": etree.tostring(formats.datacite_element(doc["datacite"]), encoding="unicode")}


class InteropService:
    def __init__(self, station: Any):
        self.station = station
        self._client: DataCiteClient | None = None

    # configuration ------------------------------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        return self.station.config.datacite_prefix

    @property
    def registering(self) -> bool:
        return self.station.config.datacite_mode == "register"

    def client(self) -> DataCiteClient:
        if self._client is None:
            cfg = self.station.config
            self._client = DataCiteClient(cfg.datacite_url, cfg.datacite_user, cfg.datacite_password)
        return self._client

    def _doc(self, src: dict[str, Any]) -> dict[str, Any]:
        cfg = self.station.config
        return build_doc(src, cfg.publisher, cfg.effective_base_url, self.prefix)

    # the public record of one version ----------------------------------------------------------------------
    def document(self, uow: UnitOfWork, identity: Identity, accession: str,
                 version: int | None = None) -> dict[str, Any]:
        """The record as the caller may read it (the datasets domain decides; 404 otherwise)."""
        dataset, ver = self.station.datasets.get(uow, identity, accession, version)
        return self._doc(gather(uow.session, [(dataset, ver)])[0])

    def concept_attributes(self, uow: UnitOfWork, dataset: Dataset, latest: dict[str, Any]) -> dict[str, Any]:
        """The concept DOI's metadata: the latest version's, with HasVersion links to every version."""
        attrs = dict(latest["datacite"])
        attrs["doi"] = concept_doi(self.prefix, dataset.id)
        attrs.pop("version", None)
        versions = uow.session.scalars(select(Doi).where(Doi.dataset_id == dataset.id, Doi.version > 0)
                                       .order_by(Doi.version)).all()
        attrs["relatedIdentifiers"] = [r for r in attrs.get("relatedIdentifiers", [])
                                       if r["relationType"] not in ("IsVersionOf", "IsNewVersionOf",
                                                                    "IsPreviousVersionOf")]
        attrs["relatedIdentifiers"] += [{"relatedIdentifier": d.doi, "relatedIdentifierType": "DOI",
                                         "relationType": "HasVersion"} for d in versions]
        attrs["url"] = attrs["url"].rsplit(".", 1)[0] if attrs["url"].count(".") else attrs["url"]
        attrs["alternateIdentifiers"] = [{"alternateIdentifier": accessions.make("dataset", dataset.id),
                                          "alternateIdentifierType": "Bio Data Station accession"}]
        return attrs

    # DOIs ---------------------------------------------------------------------------------------------------
    def _mint(self, uow: UnitOfWork, published: dict[int, list[int]]) -> None:
        """Mint (locally, idempotently) each dataset's concept DOI and one DOI per published version."""
        if not published:
            return
        have = set(tuple(r) for r in uow.session.execute(select(Doi.dataset_id, Doi.version).where(
            Doi.dataset_id.in_(list(published)))).all())
        mode = self.station.config.datacite_mode
        rows = []
        for dataset_id, numbers in published.items():
            minted = []
            for n in [0, *numbers]:
                if (dataset_id, n) not in have:
                    doi = concept_doi(self.prefix, dataset_id) if n == 0 else version_doi(self.prefix, dataset_id, n)
                    rows.append({"dataset_id": dataset_id, "version": n, "doi": doi, "state": "reserved",
                                 "mode": mode, "last_error": "", "created_at": now(), "updated_at": now()})
                    minted.append(doi)
            if minted:
                record(uow, SYSTEM, "doi.reserve", "dataset", accessions.make("dataset", dataset_id),
                       {"dois": minted, "mode": mode})
        if rows:
            uow.session.execute(insert(Doi), rows)

    def push_dois(self, dataset_id: int, public: bool) -> dict[str, str]:
        """Bring DataCite in line: findable while public, draft before, hidden (registered) after.

        Reserve mode keeps the states locally. Each DOI is its own transaction, so one refusal does not
        undo the others; a refused DOI keeps its error and is tried again on the next sync.
        """
        results: dict[str, str] = {}
        with self.station.uow() as uow:
            dataset = uow.session.get(Dataset, dataset_id)
            if uow.session.get(Provenance, dataset_id) is not None:
                return results  # harvested records keep the data centre's DOI
            numbers = list(uow.session.scalars(select(DatasetVersion.number).where(
                DatasetVersion.dataset_id == dataset_id, DatasetVersion.state == "published")
                .order_by(DatasetVersion.number)))
            if not numbers:
                return results
            self._mint(uow, {dataset_id: numbers})
            dois = list(uow.session.scalars(select(Doi).where(Doi.dataset_id == dataset_id).order_by(Doi.version)))
            versions = {v.number: v for v in uow.session.scalars(select(DatasetVersion).where(
                DatasetVersion.dataset_id == dataset_id, DatasetVersion.number.in_(numbers)))}
            srcs = {s["version"]: s for s in gather(uow.session, [(dataset, versions[n]) for n in numbers])}
            docs = {n: self._doc(srcs[n]) for n in numbers}
            plans = []
            for d in dois:
                attrs = self.concept_attributes(uow, dataset, docs[numbers[-1]]) if d.version == 0 \
                    else docs[d.version]["datacite"]
                plans.append((d.id, d.doi, d.state, attrs))
        for doi_id, doi, state, attrs in plans:
            target = "findable" if public else ("registered" if state in ("findable", "registered") else "draft")
            if target == state and state != "findable":
                results[doi] = state
                continue
            error = ""
            if self.registering:
                try:
                    self._send(doi, state, target, attrs)
                except DataCiteError as exc:
                    error = exc.message_en
                    log.warning("DataCite: %s", error)
            with self.station.uow() as uow:
                row = uow.session.get(Doi, doi_id)
                if error:
                    row.last_error = error
                else:
                    if row.state != target:
                        record(uow, SYSTEM, f"doi.{target}", "dataset", accessions.make("dataset", dataset_id),
                               {"doi": doi, "from": row.state, "mode": self.station.config.datacite_mode})
                    row.state, row.last_error, row.mode = target, "", self.station.config.datacite_mode
            results[doi] = error and "error" or target
        return results

    def _send(self, doi: str, state: str, target: str, attrs: dict[str, Any]) -> None:
        client = self.client()
        event = {"findable": "publish", "registered": "hide", "draft": None}[target]
        if state == "reserved":
            try:
                client.create(doi, attrs, event)
                return
            except DataCiteError as exc:
                if exc.http_status != 422:
                    raise
                try:  # 422 may mean the DOI exists already (an earlier try got through): then update it
                    exists = client.get(doi) is not None
                except DataCiteError:
                    exists = False
                if not exists:
                    raise
        client.update(doi, attrs, event)

    # the OAI catalogue --------------------------------------------------------------------------------------
    def sync(self, progress: Callable[[float], None] | None = None, *, batch: int = BATCH) -> dict[str, int]:
        """Walk every dataset in id order; returns counts of records added, changed and deleted."""
        totals = {"added": 0, "changed": 0, "deleted": 0, "unchanged": 0}
        after = 0
        with self.station.uow() as uow:
            last_id = uow.session.scalar(select(Dataset.id).order_by(Dataset.id.desc()).limit(1)) or 0
        while True:
            counts, after = self._sync_page(after, batch)
            for k, v in counts.items():
                totals[k] += v
            if progress and last_id:
                progress(min(after / last_id, 1.0) if after else 1.0)
            if after is None:
                break
        with self.station.uow() as uow:
            state = uow.session.get(InteropState, "oai_sync") or InteropState(key="oai_sync")
            state.value = {"at": now().isoformat(), **totals}
            uow.session.merge(state)
        return totals

    def sync_dataset(self, dataset_id: int) -> dict[str, int]:
        counts, _ = self._sync_page(dataset_id - 1, 1, only=dataset_id)
        return counts

    def _sync_page(self, after: int, limit: int, only: int | None = None) -> tuple[dict[str, int], int | None]:
        counts = {"added": 0, "changed": 0, "deleted": 0, "unchanged": 0}
        doi_work: list[tuple[int, bool]] = []
        with self.station.uow() as uow:
            page = self.station.datasets.list(uow, ANONYMOUS, cursor=encode_cursor(after) if after else None,
                                              limit=limit)
            visible = [d for d in page.items if only is None or d.id == only]
            upper = page.items[-1].id if page.next_cursor else None
            if only is not None:
                upper = only
            harvested_gone = set(uow.session.scalars(select(Provenance.dataset_id).where(
                Provenance.dataset_id.in_([d.id for d in visible]), Provenance.remote_deleted.is_(True))))
            visible = [d for d in visible if d.id not in harvested_gone and d.latest_published is not None]
            versions = {(v.dataset_id, v.number): v for v in uow.session.scalars(select(DatasetVersion).where(
                DatasetVersion.dataset_id.in_([d.id for d in visible]), DatasetVersion.state == "published"))}
            pairs = [(d, versions[(d.id, d.latest_published)]) for d in visible
                     if (d.id, d.latest_published) in versions]
            q = select(OaiRecord).where(OaiRecord.dataset_id > after)
            if upper is not None:
                q = q.where(OaiRecord.dataset_id <= upper)
            existing = {r.dataset_id: r for r in uow.session.scalars(q)}
            stamp_now = to_second(now())
            new_records: list[tuple[OaiRecord, list[str]]] = []
            srcs = gather(uow.session, pairs)
            harvested = set(uow.session.scalars(select(Provenance.dataset_id).where(
                Provenance.dataset_id.in_([s["dataset_id"] for s in srcs]))))
            self._mint(uow, {s["dataset_id"]: s["published_versions"] for s in srcs
                             if s["dataset_id"] not in harvested})
            for src in srcs:
                doc = self._doc(src)
                rec = existing.pop(src["dataset_id"], None)
                if rec is None:
                    rec = OaiRecord(dataset_id=src["dataset_id"], version=src["version"], datestamp=stamp_now,
                                    deleted=False, doc=doc, sets=set_specs(doc), **_rendered(doc))
                    uow.session.add(rec)
                    new_records.append((rec, set_specs(doc)))
                    counts["added"] += 1
                elif rec.deleted or rec.doc != doc or rec.version != src["version"]:
                    rec.version, rec.doc, rec.deleted, rec.datestamp = src["version"], doc, False, stamp_now
                    rec.sets = set_specs(doc)
                    for key, value in _rendered(doc).items():
                        setattr(rec, key, value)
                    self._reset_sets(uow, rec.id, set_specs(doc), stamp_now)
                    counts["changed"] += 1
                else:
                    counts["unchanged"] += 1
                    continue
                if src["dataset_id"] not in harvested:
                    doi_work.append((src["dataset_id"], True))
            for rec in existing.values():  # in the range, on file, but no longer public
                if not rec.deleted:
                    rec.deleted, rec.datestamp = True, stamp_now
                    uow.session.execute(update(OaiSetMember).where(OaiSetMember.record_id == rec.id)
                                        .values(datestamp=stamp_now))
                    counts["deleted"] += 1
                    doi_work.append((rec.dataset_id, False))
                    record(uow, SYSTEM, "oai.delete", "dataset", accessions.make("dataset", rec.dataset_id),
                           {"reason": "no longer public"})
            if new_records:
                uow.session.flush()
                rows = [{"set_spec": s, "record_id": rec.id, "datestamp": stamp_now}
                        for rec, specs in new_records for s in specs]
                uow.session.execute(insert(OaiSetMember), rows)
            if self.registering:
                for dataset_id, public in doi_work:
                    self.station.jobs.enqueue(uow, "interop.push_dois", {"dataset_id": dataset_id, "public": public})
        return counts, upper

    def _reset_sets(self, uow: UnitOfWork, record_id: int, specs: list[str], stamp: Any) -> None:
        uow.session.execute(delete(OaiSetMember).where(OaiSetMember.record_id == record_id))
        if specs:
            uow.session.execute(insert(OaiSetMember), [{"set_spec": s, "record_id": record_id, "datestamp": stamp}
                                                       for s in specs])

    # operator views -----------------------------------------------------------------------------------------
    def dois(self, uow: UnitOfWork, identity: Identity, accession: str) -> list[Doi]:
        dataset, _ = self.station.datasets.get(uow, identity, accession)
        return list(uow.session.scalars(select(Doi).where(Doi.dataset_id == dataset.id).order_by(Doi.version)))

    def require_operator(self, identity: Identity, action: str, target: str) -> None:
        require(self.station, identity, identity.has_role("operator"), action, "interop", target)

    # harvest sources ----------------------------------------------------------------------------------------
    def add_source(self, uow: UnitOfWork, identity: Identity, data: dict[str, Any] | Any) -> Any:
        """Register a data centre's OAI-PMH endpoint (operators only)."""
        from .schemas import SourceIn
        from .models import HarvestSource
        self.require_operator(identity, "register harvest source", str(getattr(data, "code", None) or
                                                                        (data or {}).get("code", "?")))
        data = parse(SourceIn, data)
        project = self.station.projects.get(uow, identity, data.project)
        owner = self.station.accounts.get_user(uow, data.owner)
        self.station.projects.require_deposit(uow, identity_for(owner, via="system"), project)
        if uow.session.scalar(select(HarvestSource).where(HarvestSource.code == data.code)):
            raise Conflict("source_exists", f"A harvest source '{data.code}' already exists.",
                           f"수집 대상 '{data.code}'이(가) 이미 있습니다.", "Choose another code.")
        src = HarvestSource(code=data.code, name=data.name, base_url=data.base_url,
                            metadata_prefix=data.metadata_prefix, set_spec=data.set_spec or "",
                            project_id=project.id, owner_id=owner.id, research_field=data.research_field,
                            data_type=data.data_type, schedule_minutes=data.schedule_minutes,
                            created_by=identity.user_id, next_run_at=now())
        uow.session.add(src)
        uow.session.flush()
        record(uow, identity, "harvest.source_add", "harvest_source", data.code,
               {"base_url": data.base_url, "prefix": data.metadata_prefix, "set": data.set_spec,
                "schedule_minutes": data.schedule_minutes})
        return src

    def sources(self, uow: UnitOfWork, identity: Identity) -> list[Any]:
        from .models import HarvestSource
        self.require_operator(identity, "list", "harvest sources")
        return list(uow.session.scalars(select(HarvestSource).order_by(HarvestSource.id)))

    def source(self, uow: UnitOfWork, identity: Identity, code: str) -> Any:
        from .models import HarvestSource
        self.require_operator(identity, "read", f"harvest source {code}")
        src = uow.session.scalar(select(HarvestSource).where(HarvestSource.code == code))
        if src is None:
            raise NotFound("Harvest source", code)
        return src

    def runs(self, uow: UnitOfWork, identity: Identity, code: str, limit: int = 20) -> list[Any]:
        from .models import HarvestRun
        src = self.source(uow, identity, code)
        return list(uow.session.scalars(select(HarvestRun).where(HarvestRun.source_id == src.id)
                                        .order_by(HarvestRun.id.desc()).limit(limit)))

    def errors(self, uow: UnitOfWork, identity: Identity, run_id: int, limit: int = 1000) -> list[Any]:
        from .models import HarvestError
        self.require_operator(identity, "read", f"harvest run {run_id}")
        return list(uow.session.scalars(select(HarvestError).where(HarvestError.run_id == run_id)
                                        .order_by(HarvestError.id).limit(limit)))

    def harvest(self, identity: Identity, code: str, progress: Callable[[float], None] | None = None,
                max_pages: int | None = None) -> dict[str, Any]:
        """Run one harvest of a source now (the scheduled job calls this too)."""
        from .harvest import Harvester
        with self.station.uow() as uow:
            src_id = self.source(uow, identity, code).id
        return Harvester(self.station, src_id).run(progress, max_pages=max_pages)

    def enqueue_due(self, identity: Identity) -> list[str]:
        """Queue a harvest job for every enabled source whose time has come (run from cron: `interop tick`)."""
        from .models import HarvestSource
        self.require_operator(identity, "schedule", "harvests")
        due = []
        with self.station.uow() as uow:
            for src in uow.session.scalars(select(HarvestSource).where(
                    HarvestSource.enabled.is_(True), HarvestSource.state != "running",
                    HarvestSource.next_run_at <= now())):
                src.next_run_at = now() + timedelta(minutes=max(src.schedule_minutes, 1))
                self.station.jobs.enqueue(uow, "interop.harvest", {"source": src.code})
                due.append(src.code)
        return due

    # for the web UI -----------------------------------------------------------------------------------------
    def jsonld_script(self, uow: UnitOfWork, identity: Identity, accession: str, version: int | None = None) -> str:
        """The <script type="application/ld+json"> block a landing page embeds."""
        from .formats import jsonld_script
        return jsonld_script(self.document(uow, identity, accession, version))
