"""The harvester: pulls a data centre's OAI-PMH records into station datasets, incrementally.

One run asks ``ListRecords`` with ``from`` = the newest datestamp the last complete run saw, follows the
resumption tokens, and saves the token after every page; a run that is interrupted (the data centre goes
away, the process dies) leaves the token in place, and the next run continues from it. Each record is taken
in its own transaction: one bad record is written down with its reason and the run goes on.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any, Callable

import httpx
from lxml import etree
from pydantic import ValidationError
from sqlalchemy import select

from .. import accessions
from ..accounts.models import User
from ..accounts.service import identity_for
from ..audit.service import record
from ..clock import now
from ..datasets.models import Dataset, DatasetVersion
from ..datasets.schemas import LICENCES, DatasetFields
from ..errors import StationError
from ..validation import to_field_errors
from ..vocab import DATA_TYPES, RESEARCH_FIELDS
from . import formats
from .models import HarvestError, HarvestRun, HarvestSource, Provenance
from .record import FIELD_SCHEME, TYPE_SCHEME

log = logging.getLogger("biostation.interop.harvest")
OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = f"{{{formats.DC_NS}}}"
DCK = f"{{{formats.DATACITE_NS}}}"
XML_LANG = formats.XML_LANG


class HarvestFailed(StationError):
    def __init__(self, source: str, why: str):
        super().__init__("harvest_failed", f"Harvesting {source} stopped: {why}",
                         f"{source} 수집이 중단되었습니다: {why}", 502,
                         "The run resumes from the last resumption token the next time it runs.")


class RecordProblem(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# mapping ----------------------------------------------------------------------------------------------------
def _text(el: Any) -> str:
    return (el.text or "").strip() if el is not None else ""


def _by_lang(items: list[tuple[str, str | None]]) -> tuple[str, str]:
    en = next((t for t, lang in items if lang and lang.lower().startswith("en")), "")
    ko = next((t for t, lang in items if lang and lang.lower().startswith("ko")), "")
    first = items[0][0] if items else ""
    return en or first, ko or first


def map_datacite(resource: Any, defaults: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """kernel-4 <resource> -> (dataset fields, DOI)."""
    doi = ""
    ident = resource.find(f"{DCK}identifier")
    if ident is not None and ident.get("identifierType", "").upper() == "DOI":
        doi = _text(ident)
    titles = [(_text(t), t.get(XML_LANG)) for t in resource.iter(f"{DCK}title") if _text(t)]
    descs = [(_text(d), d.get(XML_LANG)) for d in resource.iter(f"{DCK}description") if _text(d)]
    title_en, title_ko = _by_lang(titles)
    desc_en, desc_ko = _by_lang(descs) if descs else ("", "")
    fields: dict[str, Any] = {"title_en": title_en, "title_ko": title_ko, "description_en": desc_en,
                              "description_ko": desc_ko if desc_ko != desc_en else ""}
    keywords, organisms, research_field, data_types = [], [], None, []
    for s in resource.iter(f"{DCK}subject"):
        scheme, code = s.get("subjectScheme", ""), s.get("classificationCode", "")
        if scheme == "NCBI Taxonomy" and code.isdigit():
            organisms.append({"taxon_id": int(code), "name": _text(s)})
        elif scheme == FIELD_SCHEME and code in RESEARCH_FIELDS:
            research_field = code
        elif scheme == TYPE_SCHEME and code in DATA_TYPES:
            data_types.append(code)
        elif not scheme and _text(s):
            keywords.append(_text(s))
    contributors = []
    for c in resource.iter(f"{DCK}creator"):
        orcid = next((_text(n).rsplit("/", 1)[-1] for n in c.iter(f"{DCK}nameIdentifier")
                      if n.get("nameIdentifierScheme", "").upper() == "ORCID"), None)
        aff = _text(c.find(f"{DCK}affiliation"))
        contributors.append({"name": _text(c.find(f"{DCK}creatorName")), "orcid": orcid, "affiliation": aff,
                             "role": "creator"})
    publications = []
    for r in resource.iter(f"{DCK}relatedIdentifier"):
        if r.get("relationType") in ("IsSupplementTo", "IsReferencedBy", "IsCitedBy", "IsDescribedBy"):
            if r.get("relatedIdentifierType") == "DOI":
                publications.append({"doi": _text(r)})
            elif r.get("relatedIdentifierType") == "PMID":
                publications.append({"pmid": _text(r)})
    licence = None
    rights_text = []
    for r in resource.iter(f"{DCK}rights"):
        rights_text.append(_text(r) or r.get("rightsURI", ""))
        rid = (r.get("rightsIdentifier") or "").lower()
        licence = licence or next((lic for lic in LICENCES if lic.lower() == rid), None)
    fields.update(keywords=keywords, organisms=organisms, contributors=[c for c in contributors if c["name"]],
                  publications=publications, research_field=research_field or defaults["research_field"],
                  data_types=list(dict.fromkeys(data_types)) or [defaults["data_type"]],
                  licence=licence or "CC-BY-4.0")
    if not licence:
        fields["extra_rights"] = rights_text
    return fields, doi


def map_dc(dc: Any, defaults: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """oai_dc -> (dataset fields, DOI)."""
    titles = [(_text(t), t.get(XML_LANG)) for t in dc.iter(f"{DC}title") if _text(t)]
    descs = [(_text(t), t.get(XML_LANG)) for t in dc.iter(f"{DC}description") if _text(t)]
    title_en, title_ko = _by_lang(titles)
    desc_en, desc_ko = _by_lang(descs) if descs else ("", "")
    doi = next((_text(i).split("doi.org/", 1)[1] for i in dc.iter(f"{DC}identifier") if "doi.org/10." in _text(i)), "")
    rights = [_text(r) for r in dc.iter(f"{DC}rights")]
    fields = {"title_en": title_en, "title_ko": title_ko, "description_en": desc_en,
              "description_ko": desc_ko if desc_ko != desc_en else "",
              "keywords": [_text(s) for s in dc.iter(f"{DC}subject") if _text(s)],
              "contributors": [{"name": _text(c), "role": "creator"} for c in dc.iter(f"{DC}creator") if _text(c)],
              "research_field": defaults["research_field"], "data_types": [defaults["data_type"]],
              "licence": "CC-BY-4.0", "extra_rights": rights}
    return fields, doi


# the run ----------------------------------------------------------------------------------------------------
class Harvester:
    def __init__(self, station: Any, source_id: int, client: httpx.Client | None = None):
        self.station = station
        self.source_id = source_id
        self.http = client or httpx.Client(timeout=60.0)

    def run(self, progress: Callable[[float], None] | None = None, max_pages: int | None = None) -> dict[str, Any]:
        with self.station.uow() as uow:
            src = uow.session.get(HarvestSource, self.source_id)
            resuming = bool(src.resumption_token)
            if not resuming:
                src.run_from, src.run_max = src.last_datestamp, src.last_datestamp
            src.state = "running"
            run = HarvestRun(source_id=src.id, from_datestamp=src.run_from,
                             message="resumed from a resumption token" if resuming else "")
            uow.session.add(run)
            uow.session.flush()
            run_id, code = run.id, src.code
            record(uow, self._operator(uow, src), "harvest.start", "harvest_source", code,
                   {"from": src.run_from, "resumed": resuming})
        pages = 0
        try:
            while True:
                with self.station.uow() as uow:
                    src = uow.session.get(HarvestSource, self.source_id)
                    params = {"verb": "ListRecords"}
                    if src.resumption_token:
                        params["resumptionToken"] = src.resumption_token
                    else:
                        params["metadataPrefix"] = src.metadata_prefix
                        if src.run_from:
                            params["from"] = src.run_from
                        if src.set_spec:
                            params["set"] = src.set_spec
                    base_url = src.base_url
                root = self._fetch(base_url, params, code)
                error = root.find(f"{OAI}error")
                if error is not None:
                    if error.get("code") == "noRecordsMatch":
                        self._finish(run_id, "done", "")
                        return self._summary(run_id)
                    if error.get("code") == "badResumptionToken":
                        with self.station.uow() as uow:
                            uow.session.get(HarvestSource, self.source_id).resumption_token = ""
                    raise HarvestFailed(code, f"{error.get('code')}: {_text(error)}")
                body = root.find(f"{OAI}ListRecords")
                counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 0}
                newest = ""
                for rec in body.iterfind(f"{OAI}record"):
                    outcome, stamp = self._take(rec, run_id, code)
                    counts[outcome] += 1
                    newest = max(newest, stamp)
                token_el = body.find(f"{OAI}resumptionToken")
                token = _text(token_el) if token_el is not None else ""
                pages += 1
                with self.station.uow() as uow:
                    src = uow.session.get(HarvestSource, self.source_id)
                    src.resumption_token = token
                    src.run_max = max(src.run_max or "", newest)
                    run = uow.session.get(HarvestRun, run_id)
                    run.pages += 1
                    for key, value in counts.items():
                        setattr(run, key, getattr(run, key) + value)
                if progress and token_el is not None and token_el.get("completeListSize"):
                    done = int(token_el.get("cursor") or 0) + sum(counts.values())
                    progress(min(done / max(int(token_el.get("completeListSize")), 1), 1.0))
                if not token:
                    self._finish(run_id, "done", "")
                    return self._summary(run_id)
                if max_pages is not None and pages >= max_pages:
                    self._finish(run_id, "interrupted", f"stopped after {pages} pages; the next run resumes")
                    return self._summary(run_id)
        except (HarvestFailed, httpx.HTTPError, etree.XMLSyntaxError) as exc:
            message = exc.message_en if isinstance(exc, StationError) else f"{type(exc).__name__}: {exc}"
            self._finish(run_id, "failed", message)
            raise HarvestFailed(code, message) from None

    def _operator(self, uow: Any, src: HarvestSource) -> Any:
        return identity_for(uow.session.get(User, src.owner_id), via="system")

    def _fetch(self, url: str, params: dict[str, str], code: str) -> Any:
        last: Exception | None = None
        for _ in range(2):
            try:
                r = self.http.get(url, params=params)
                if r.status_code >= 500:
                    raise httpx.HTTPStatusError(f"HTTP {r.status_code}", request=r.request, response=r)
                return etree.fromstring(r.content)
            except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                last = exc
        raise HarvestFailed(code, f"{type(last).__name__}: {last}")

    def _finish(self, run_id: int, state: str, message: str) -> None:
        with self.station.uow() as uow:
            run = uow.session.get(HarvestRun, run_id)
            src = uow.session.get(HarvestSource, self.source_id)
            run.state, run.finished_at = state, now()
            if message:
                run.message = (run.message + "; " if run.message else "") + message
            if state == "done":
                src.last_datestamp = src.run_max or src.last_datestamp
                src.resumption_token, src.state = "", "idle"
            else:
                src.state = "interrupted"
            src.next_run_at = now() + timedelta(minutes=src.schedule_minutes if state == "done" else 5)
            record(uow, self._operator(uow, src), f"harvest.{state}", "harvest_source", src.code,
                   {"run": run_id, "pages": run.pages, "created": run.created, "updated": run.updated,
                    "deleted": run.deleted, "failed": run.failed, "message": message})

    def _summary(self, run_id: int) -> dict[str, Any]:
        with self.station.uow() as uow:
            run = uow.session.get(HarvestRun, run_id)
            return {k: getattr(run, k) for k in ("id", "state", "pages", "created", "updated", "deleted",
                                                 "unchanged", "failed", "message", "from_datestamp")}

    # one record -------------------------------------------------------------------------------------------
    def _take(self, rec: Any, run_id: int, code: str) -> tuple[str, str]:
        header = rec.find(f"{OAI}header")
        identifier = _text(header.find(f"{OAI}identifier"))
        stamp = _text(header.find(f"{OAI}datestamp"))
        try:
            with self.station.uow() as uow:
                outcome = self._apply(uow, rec, header, identifier, stamp)
            return outcome, stamp
        except (RecordProblem, StationError, ValidationError, ValueError, KeyError) as exc:
            if isinstance(exc, StationError):
                detail = "; ".join(f"{e.field}: {e.message_en}" for e in exc.errors) or exc.message_en
                err_code = exc.code
            elif isinstance(exc, ValidationError):
                detail = "; ".join(f"{e.field}: {e.message_en}" for e in to_field_errors(exc))
                err_code = "invalid_record"
            else:
                detail, err_code = str(exc), getattr(exc, "code", "unreadable_record")
            with self.station.uow() as uow:
                uow.session.add(HarvestError(run_id=run_id, identifier=identifier or "?", code=err_code,
                                             message=detail[:4000]))
            log.info("harvest %s: record %s skipped: %s", code, identifier, detail)
            return "failed", stamp

    def _apply(self, uow: Any, rec: Any, header: Any, identifier: str, stamp: str) -> str:
        s = uow.session
        src = s.get(HarvestSource, self.source_id)
        owner = identity_for(s.get(User, src.owner_id), via="system")
        prov = s.scalar(select(Provenance).where(Provenance.source_id == src.id,
                                                 Provenance.remote_identifier == identifier))
        if header.get("status") == "deleted":
            if prov is None or prov.remote_deleted:
                return "unchanged"
            prov.remote_deleted, prov.remote_datestamp, prov.harvested_at = True, stamp, now()
            record(uow, owner, "harvest.record_deleted", "dataset", accessions.make("dataset", prov.dataset_id),
                   {"source": src.code, "remote": identifier})
            dataset_id = prov.dataset_id
            uow.after_commit(lambda: self.station.interop.sync_dataset(dataset_id))
            return "deleted"
        fields, doi = self._map(rec, src)
        extra_rights = fields.pop("extra_rights", None)
        digest = hashlib.sha256(json.dumps([fields, doi], sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        if prov is not None and prov.content_hash == digest and not prov.remote_deleted:
            prov.remote_datestamp = stamp
            return "unchanged"
        extra = {"harvested_from": src.code, "remote_identifier": identifier, "remote_doi": doi,
                 "provenance": f"via data centre {src.name}"}
        if extra_rights:
            extra["remote_rights"] = extra_rights
        fields["extra"] = extra
        DatasetFields.model_validate(fields)  # every problem of the record at once, before anything changes
        ds = self.station.datasets
        if prov is None:
            dataset, draft = ds.create(uow, owner, {"project": accessions.make("project", src.project_id), **fields})
            outcome = "created"
        else:
            dataset, draft = ds.update(uow, owner, accessions.make("dataset", prov.dataset_id), fields)
            outcome = "updated"
        self._publish(uow, owner, dataset, draft, src.code)
        if prov is None:
            prov = Provenance(dataset_id=dataset.id, source_id=src.id, remote_identifier=identifier)
            s.add(prov)
        prov.remote_datestamp, prov.remote_doi, prov.remote_deleted = stamp, doi, False
        prov.content_hash, prov.harvested_at = digest, now()
        return outcome

    def _map(self, rec: Any, src: HarvestSource) -> tuple[dict[str, Any], str]:
        meta = rec.find(f"{OAI}metadata")
        if meta is None or len(meta) == 0:
            raise RecordProblem("no_metadata", "The record has no metadata.")
        payload = meta[0]
        defaults = {"research_field": src.research_field, "data_type": src.data_type}
        if payload.tag == f"{DCK}resource":
            return map_datacite(payload, defaults)
        if payload.tag == f"{{{formats.OAI_DATACITE_NS}}}oai_datacite":
            resource = payload.find(f"{{{formats.OAI_DATACITE_NS}}}payload/{DCK}resource")
            if resource is None:
                raise RecordProblem("unsupported_schema", "oai_datacite payload is not DataCite kernel-4.")
            return map_datacite(resource, defaults)
        if payload.tag == f"{{{formats.OAI_DC_NS}}}dc":
            return map_dc(payload, defaults)
        raise RecordProblem("unsupported_schema", f"Metadata in {payload.tag} is not understood.")

    def _publish(self, uow: Any, identity: Any, dataset: Dataset, draft: DatasetVersion, code: str) -> None:
        """Publish a harvested (metadata-only) version: its files stay at the data centre, so the core's
        submit step, which requires files, does not apply; the change is audited and announced like any publish."""
        draft.state, draft.submitted_at, draft.published_at = "published", now(), now()
        dataset.latest_published = draft.number
        record(uow, identity, "dataset.publish", "dataset", accessions.make("dataset", dataset.id),
               {"version": draft.number, "via": f"harvest:{code}"})
        self.station.jobs.emit(uow, "dataset.published", {"dataset_id": dataset.id, "version": draft.number})
