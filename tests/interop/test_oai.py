"""OAI-PMH provider: every verb valid against OAI-PMH.xsd, errors, sets, dates, deleted records, tokens."""
from __future__ import annotations

from datetime import timedelta

from lxml import etree
from sqlalchemy import update

from biostation import clock
from biostation.datasets.models import Dataset

from .helpers import OAI, assert_oai_valid, bulk_published


def oai(client, **params):
    r = client.get("/oai", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
    return assert_oai_valid(r.content)


def error_code(root):
    err = root.find(f"{OAI}error")
    return err.get("code") if err is not None else None


def test_identify_formats_sets_and_getrecord(station, client, published):
    root = oai(client, verb="Identify")
    ident = root.find(f"{OAI}Identify")
    assert ident.findtext(f"{OAI}protocolVersion") == "2.0"
    assert ident.findtext(f"{OAI}deletedRecord") == "persistent"
    assert ident.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    prefixes = [e.text for e in oai(client, verb="ListMetadataFormats").iter(f"{OAI}metadataPrefix")]
    assert prefixes == ["oai_dc", "oai_datacite", "datacite"]
    specs = [e.text for e in oai(client, verb="ListSets").iter(f"{OAI}setSpec")]
    assert {"ministry:MAFRA", "field:seeds_livestock", "type:genome_omics", "ministry"} <= set(specs)
    ident_id = f"oai:127.0.0.1:{published}"
    for prefix in ("oai_dc", "oai_datacite", "datacite"):
        rec = oai(client, verb="GetRecord", identifier=ident_id, metadataPrefix=prefix)
        assert rec.find(f".//{OAI}header/{OAI}identifier").text == ident_id
        assert {e.text for e in rec.iter(f"{OAI}setSpec")} == {"ministry", "ministry:MAFRA", "field",
                                                               "field:seeds_livestock", "type", "type:genome_omics"}
    dc = oai(client, verb="GetRecord", identifier=ident_id, metadataPrefix="oai_dc")
    assert "벼 전장유전체 리드" in [e.text for e in dc.iter("{http://purl.org/dc/elements/1.1/}title")]
    assert oai(client, verb="ListMetadataFormats", identifier=ident_id).find(f"{OAI}ListMetadataFormats") is not None
    # POST works the same way
    r = client.post("/oai", data={"verb": "GetRecord", "identifier": ident_id, "metadataPrefix": "oai_dc"})
    assert_oai_valid(r.content).find(f"{OAI}GetRecord") is not None


def test_errors(station, client, published):
    assert error_code(oai(client)) == "badVerb"
    assert error_code(oai(client, verb="Frobnicate")) == "badVerb"
    assert error_code(oai(client, verb="ListRecords")) == "badArgument"
    assert error_code(oai(client, verb="Identify", extra="1")) == "badArgument"
    r = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert error_code(assert_oai_valid(r.content)) == "badArgument"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="marc21")) == "cannotDisseminateFormat"
    assert error_code(oai(client, verb="GetRecord", identifier="oai:127.0.0.1:BSD999999Z",
                          metadataPrefix="oai_dc")) == "idDoesNotExist"
    assert error_code(oai(client, verb="GetRecord", identifier="oai:elsewhere:X", metadataPrefix="oai_dc")) == "idDoesNotExist"
    assert error_code(oai(client, verb="ListRecords", resumptionToken="garbage")) == "badResumptionToken"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", resumptionToken="x")) == "badArgument"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2024-13-45"})) == "badArgument"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2024-01-01"},
                          until="2024-01-01T00:00:00Z")) == "badArgument"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="ministry:NOPE")) == "noRecordsMatch"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", until="2000-01-01")) == "noRecordsMatch"
    assert error_code(oai(client, verb="ListSets", resumptionToken="abc")) == "badResumptionToken"
    root = oai(client, verb="Frobnicate")
    assert root.find(f"{OAI}request").attrib == {}  # badVerb: the request element carries no arguments


def test_paging_sets_dates_and_deleted(station, client, people):
    start = clock.now()
    clock.freeze(start - timedelta(hours=2))
    ids = bulk_published(station, 23, ministry="MAFRA")
    bulk_published(station, 7, ministry="MOHW", owner="bulk2")
    station.interop.sync()
    clock.freeze(start)
    station.config.values["oai_page_size"] = 10
    client.app.state.station.__dict__.pop("_oai_provider", None)

    seen, token, pages, cursors = [], None, 0, []
    while True:
        args = {"resumptionToken": token} if token else {"metadataPrefix": "oai_datacite"}
        root = oai(client, verb="ListRecords", **args)
        seen += [e.text for e in root.iter(f"{OAI}identifier")]
        t = root.find(f".//{OAI}resumptionToken")
        pages += 1
        if t is not None:
            cursors.append(int(t.get("cursor")))
            assert t.get("completeListSize") == "30"
        token = t.text if t is not None else None
        if not token:
            break
    assert len(seen) == len(set(seen)) == 30 and pages == 3 and cursors == [0, 10, 20]

    ids_only = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="ministry:MOHW")
    assert len(ids_only.findall(f".//{OAI}header")) == 7
    assert error_code(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="ministry:KDCA")) == "noRecordsMatch"

    # a record withdrawn from the public view turns into a deleted record with a new datestamp
    with station.uow() as uow:
        uow.session.execute(update(Dataset).where(Dataset.id == ids[0]).values(latest_published=None))
    clock.freeze(start + timedelta(hours=1))
    counts = station.interop.sync()
    assert counts["deleted"] == 1 and counts["unchanged"] == 29
    frm = (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = oai(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": frm})
    headers = recent.findall(f".//{OAI}header")
    assert len(headers) == 1 and headers[0].get("status") == "deleted"
    assert recent.find(f".//{OAI}metadata") is None
    day = (start + timedelta(hours=1)).strftime("%Y-%m-%d")
    assert len(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": day}, until=day)
               .findall(f".//{OAI}header")) >= 1
    # set harvests still report the deletion
    mafra = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="ministry:MAFRA", **{"from": frm})
    assert [h.get("status") for h in mafra.findall(f".//{OAI}header")] == ["deleted"]
