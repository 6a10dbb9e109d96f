"""OAI-PMH 2.0 provider: the six verbs, sets, oai_dc / oai_datacite / datacite, deleted records.

Lists page by the key (datestamp, id): a resumption token carries the last key seen, so page 2,000 costs
what page 1 costs and a token never expires. Datestamps have second granularity.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable
from urllib.parse import urlparse

from lxml import etree
from sqlalchemy import func, literal, select, tuple_

from .. import accessions
from ..clock import now
from ..errors import ValidationFailed
from ..vocab import DATA_TYPES, MINISTRIES, RESEARCH_FIELDS
from . import formats
from .models import OaiRecord, OaiSetMember

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
XSI = formats.XSI
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
FORMATS = {
    "oai_dc": (formats.OAI_DC_XSD, formats.OAI_DC_NS),
    "oai_datacite": (formats.OAI_DATACITE_XSD, formats.OAI_DATACITE_NS),
    "datacite": (formats.DATACITE_XSD, formats.DATACITE_NS),
}
VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def stamp(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_second(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(microsecond=0)


def all_sets() -> list[tuple[str, str, str]]:
    """(setSpec, English name, Korean name): three hierarchies with the controlled lists as leaves."""
    out = [("ministry", "By funding ministry", "부처별"), ("field", "By research field", "연구분야별"),
           ("type", "By data type", "데이터 유형별")]
    out += [(f"ministry:{k}", en, ko) for k, (en, ko) in MINISTRIES.items()]
    out += [(f"field:{k}", en, ko) for k, (en, ko) in RESEARCH_FIELDS.items()]
    out += [(f"type:{k}", en, ko) for k, (en, ko) in DATA_TYPES.items()]
    return out


def repository_id(base_url: str) -> str:
    return urlparse(base_url).hostname or "biostation.kr"


def oai_identifier(repo: str, dataset_id: int) -> str:
    return f"oai:{repo}:{accessions.make('dataset', dataset_id)}"


# resumption tokens -------------------------------------------------------------------------------------------
def encode_token(state: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{body}.{hashlib.sha256(body.encode()).hexdigest()[:10]}"


def decode_token(token: str) -> dict[str, Any]:
    try:
        body, check = token.rsplit(".", 1)
        if hashlib.sha256(body.encode()).hexdigest()[:10] != check:
            raise ValueError("checksum")
        state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if state.get("m") not in FORMATS or not isinstance(state.get("i"), int):
            raise ValueError("fields")
        datetime.fromisoformat(state["d"])
        return state
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise OaiError("badResumptionToken", "The resumptionToken is invalid; restart the list without it.") from None


def parse_date(value: str, name: str, upper: bool) -> tuple[datetime, str]:
    if _SECOND.match(value):
        gran = "second"
    elif _DAY.match(value):
        gran = "day"
    else:
        raise OaiError("badArgument", f"'{name}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, not '{value}'.")
    try:
        dt = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ" if gran == "second" else "%Y-%m-%d")
    except ValueError:
        raise OaiError("badArgument", f"'{name}' is not a real date: '{value}'.") from None
    dt = dt.replace(tzinfo=timezone.utc)
    if upper:  # 'until' is inclusive at its granularity
        dt += timedelta(days=1) if gran == "day" else timedelta(seconds=1)
    return dt, gran


# the provider ------------------------------------------------------------------------------------------------
class Provider:
    def __init__(self, station: Any):
        self.station = station
        cfg = station.config
        self.base_url = cfg.effective_base_url.rstrip("/") + "/oai"
        self.repo = repository_id(cfg.effective_base_url)
        self.page_size = cfg.oai_page_size
        self.symbol = cfg.datacite_user or "BIOSTATION"
        self.parser = etree.XMLParser(remove_blank_text=True, huge_tree=True)

    def respond(self, params: Iterable[tuple[str, str]]) -> bytes:
        pairs = list(params)
        root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI})
        root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} {OAI_XSD}")
        etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = stamp(now())
        request = etree.SubElement(root, f"{{{OAI_NS}}}request")
        request.text = self.base_url
        try:
            verb, args = self._check(pairs)
            for key, value in [("verb", verb), *args.items()]:
                request.set(key, value)
            body = etree.SubElement(root, f"{{{OAI_NS}}}{verb}")
            getattr(self, f"_{verb}")(body, args)
        except OaiError as exc:
            for child in list(root)[2:]:
                root.remove(child)
            if exc.code in ("badVerb", "badArgument"):
                request.attrib.clear()
            err = etree.SubElement(root, f"{{{OAI_NS}}}error", code=exc.code)
            err.text = exc.message
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _check(self, pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        verbs = [v for k, v in pairs if k == "verb"]
        if len(verbs) != 1 or verbs[0] not in VERBS:
            raise OaiError("badVerb", "Give exactly one verb: " + ", ".join(VERBS) + ".")
        verb = verbs[0]
        required, optional = VERBS[verb]
        args: dict[str, str] = {}
        for key, value in pairs:
            if key == "verb":
                continue
            if key in args:
                raise OaiError("badArgument", f"The argument '{key}' is repeated.")
            if key not in required | optional:
                raise OaiError("badArgument", f"'{key}' is not an argument of {verb}.")
            args[key] = value
        if "resumptionToken" in args:
            if len(args) > 1:
                raise OaiError("badArgument", "resumptionToken is an exclusive argument; send it alone with the verb.")
            return verb, args
        missing = required - set(args)
        if missing:
            raise OaiError("badArgument", f"{verb} needs: {', '.join(sorted(missing))}.")
        return verb, args

    # verbs ---------------------------------------------------------------------------------------------------
    def _Identify(self, body: etree._Element, args: dict[str, str]) -> None:
        with self.station.uow() as uow:
            earliest = uow.session.scalar(select(func.min(OaiRecord.datestamp)))
        cfg = self.station.config
        for tag, text in (("repositoryName", cfg.publisher), ("baseURL", self.base_url), ("protocolVersion", "2.0"),
                          ("adminEmail", cfg.admin_email), ("earliestDatestamp", stamp(earliest or now())),
                          ("deletedRecord", "persistent"), ("granularity", GRANULARITY)):
            etree.SubElement(body, f"{{{OAI_NS}}}{tag}").text = text

    def _ListMetadataFormats(self, body: etree._Element, args: dict[str, str]) -> None:
        if "identifier" in args:
            self._record_by_identifier(args["identifier"])
        for prefix, (schema, ns) in FORMATS.items():
            fmt = etree.SubElement(body, f"{{{OAI_NS}}}metadataFormat")
            etree.SubElement(fmt, f"{{{OAI_NS}}}metadataPrefix").text = prefix
            etree.SubElement(fmt, f"{{{OAI_NS}}}schema").text = schema
            etree.SubElement(fmt, f"{{{OAI_NS}}}metadataNamespace").text = ns

    def _ListSets(self, body: etree._Element, args: dict[str, str]) -> None:
        if "resumptionToken" in args:
            raise OaiError("badResumptionToken", "ListSets is answered in one response; it issues no tokens.")
        for spec, en, ko in all_sets():
            s = etree.SubElement(body, f"{{{OAI_NS}}}set")
            etree.SubElement(s, f"{{{OAI_NS}}}setSpec").text = spec
            etree.SubElement(s, f"{{{OAI_NS}}}setName").text = f"{en} ({ko})"

    def _GetRecord(self, body: etree._Element, args: dict[str, str]) -> None:
        prefix = self._prefix(args["metadataPrefix"])
        rec = self._record_by_identifier(args["identifier"])
        xml = rec.xml_dc if prefix == "oai_dc" else rec.xml_datacite
        self._append(body, rec.dataset_id, rec.datestamp, rec.deleted, xml, prefix, True, rec.sets or [])

    def _ListIdentifiers(self, body: etree._Element, args: dict[str, str]) -> None:
        self._list(body, args, False)

    def _ListRecords(self, body: etree._Element, args: dict[str, str]) -> None:
        self._list(body, args, True)

    # helpers -------------------------------------------------------------------------------------------------
    def _prefix(self, prefix: str) -> str:
        if prefix not in FORMATS:
            raise OaiError("cannotDisseminateFormat", f"'{prefix}' is not offered; use one of {', '.join(FORMATS)}.")
        return prefix

    def _record_by_identifier(self, identifier: str) -> OaiRecord:
        acc = identifier.rsplit(":", 1)[-1]
        if not identifier.startswith(f"oai:{self.repo}:"):
            raise OaiError("idDoesNotExist", f"'{identifier}' is not an identifier of this repository.")
        try:
            _, number, _ = accessions.parse(acc, "dataset")
        except ValidationFailed:
            raise OaiError("idDoesNotExist", f"'{identifier}' is not an identifier of this repository.") from None
        with self.station.uow() as uow:
            rec = uow.session.scalar(select(OaiRecord).where(OaiRecord.dataset_id == number))
        if rec is None:
            raise OaiError("idDoesNotExist", f"No record has the identifier '{identifier}'.")
        return rec

    def _list(self, body: etree._Element, args: dict[str, str], with_metadata: bool) -> None:
        if "resumptionToken" in args:
            state = decode_token(args["resumptionToken"])
        else:
            prefix = self._prefix(args["metadataPrefix"])
            lo = hi = None
            if "from" in args:
                lo, g1 = parse_date(args["from"], "from", False)
            if "until" in args:
                hi, g2 = parse_date(args["until"], "until", True)
            if lo and hi:
                if g1 != g2:
                    raise OaiError("badArgument", "'from' and 'until' must have the same granularity.")
                if lo >= hi:
                    raise OaiError("badArgument", "'from' is later than 'until'.")
            spec = args.get("set")
            if spec is not None and spec not in {s for s, _, _ in all_sets()}:
                raise OaiError("noRecordsMatch", f"There is no set '{spec}'; ListSets names them all.")
            state = {"m": prefix, "s": spec, "f": lo.isoformat() if lo else None,
                     "u": hi.isoformat() if hi else None, "d": "0001-01-01T00:00:00+00:00", "i": 0, "c": 0}
        rows, total = self._page(state, with_metadata)
        if not rows:
            raise OaiError("noRecordsMatch", "No record matches the arguments.")
        more = len(rows) > self.page_size
        rows = rows[:self.page_size]
        for _rid, dataset_id, datestamp, deleted, sets, xml in rows:
            self._append(body, dataset_id, datestamp, deleted, xml, state["m"], with_metadata, sets or [])
        cursor = state["c"]
        if total is None:
            total = state.get("n")
        if more or "resumptionToken" in args:
            token = etree.SubElement(body, f"{{{OAI_NS}}}resumptionToken", cursor=str(cursor))
            if total is not None:
                token.set("completeListSize", str(total))
            if more:
                last = rows[-1]
                token.text = encode_token({**state, "d": last[2].isoformat(), "i": last[0],
                                           "c": cursor + len(rows), "n": total})

    def _page(self, state: dict[str, Any], with_metadata: bool) -> tuple[list[tuple], int | None]:
        """One keyset page (page_size + 1 rows, to know whether more follow); the size on the first page only."""
        after_d = datetime.fromisoformat(state["d"])
        after_i = state["i"]
        xml = OaiRecord.xml_dc if state["m"] == "oai_dc" else OaiRecord.xml_datacite
        cols = [OaiRecord.id, OaiRecord.dataset_id, OaiRecord.datestamp, OaiRecord.deleted, OaiRecord.sets,
                xml if with_metadata else literal(None).label("xml")]
        if state.get("s"):
            m = OaiSetMember
            key_d, key_i = m.datestamp, m.record_id
            base = select(*cols).join(m, m.record_id == OaiRecord.id).where(m.set_spec == state["s"])
            count = select(func.count()).select_from(m).where(m.set_spec == state["s"])
        else:
            key_d, key_i = OaiRecord.datestamp, OaiRecord.id
            base = select(*cols)
            count = select(func.count()).select_from(OaiRecord)
        conds = []
        if state.get("f"):
            conds.append(key_d >= datetime.fromisoformat(state["f"]))
        if state.get("u"):
            conds.append(key_d < datetime.fromisoformat(state["u"]))
        keyset = tuple_(key_d, key_i) > tuple_(after_d, after_i)  # a row value: one index range on both engines
        with self.station.uow() as uow:
            rows = uow.session.execute(base.where(*conds, keyset).order_by(key_d, key_i)
                                       .limit(self.page_size + 1)).all()
            total = None
            if state["c"] == 0 and rows:
                total = uow.session.scalar(count.where(*conds))
        return [tuple(r) for r in rows], total

    def _append(self, body: etree._Element, dataset_id: int, datestamp: datetime, deleted: bool,
                xml: str | None, prefix: str, with_metadata: bool, sets: list[str]) -> None:
        parent = etree.SubElement(body, f"{{{OAI_NS}}}record") if with_metadata else body
        header = etree.SubElement(parent, f"{{{OAI_NS}}}header")
        if deleted:
            header.set("status", "deleted")
        etree.SubElement(header, f"{{{OAI_NS}}}identifier").text = oai_identifier(self.repo, dataset_id)
        etree.SubElement(header, f"{{{OAI_NS}}}datestamp").text = stamp(datestamp)
        for spec in sets:
            etree.SubElement(header, f"{{{OAI_NS}}}setSpec").text = spec
        if with_metadata and not deleted:
            meta = etree.SubElement(parent, f"{{{OAI_NS}}}metadata")
            fragment = etree.fromstring(xml, self.parser)
            if prefix == "oai_datacite":
                wrapper = etree.SubElement(meta, f"{{{formats.OAI_DATACITE_NS}}}oai_datacite",
                                           nsmap={None: formats.OAI_DATACITE_NS, "xsi": XSI})
                wrapper.set(f"{{{XSI}}}schemaLocation", f"{formats.OAI_DATACITE_NS} {formats.OAI_DATACITE_XSD}")
                etree.SubElement(wrapper, f"{{{formats.OAI_DATACITE_NS}}}schemaVersion").text = "4"
                etree.SubElement(wrapper, f"{{{formats.OAI_DATACITE_NS}}}datacentreSymbol").text = self.symbol
                etree.SubElement(wrapper, f"{{{formats.OAI_DATACITE_NS}}}payload").append(fragment)
            else:
                meta.append(fragment)
