"""DataCite XML/JSON against the official schemas, DOIs per version and concept, JSON-LD and citations."""
from __future__ import annotations

import json

import jsonschema
from lxml import etree

from biostation.interop import formats

from .conftest import publish_via_api
from .helpers import assert_valid, datacite_json_schema

DC = "{http://datacite.org/schema/kernel-4}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_datacite_xml_and_json_validate(station, client, published):
    r = client.get(f"/api/datasets/{published}/datacite")
    assert r.status_code == 200
    root = etree.fromstring(r.content)
    assert_valid("datacite-kernel-4/metadata.xsd", root)
    assert root.findtext(f"{DC}identifier") == f"10.5072/{published}.1"
    titles = {t.get(XML_LANG): t.text for t in root.iter(f"{DC}title")}
    assert titles == {"en": "Rice WGS reads", "ko": "벼 전장유전체 리드"}
    orcid = root.find(f".//{DC}creator/{DC}nameIdentifier")
    assert orcid.text == "https://orcid.org/0000-0002-1825-0097" and orcid.get("nameIdentifierScheme") == "ORCID"
    assert root.find(f".//{DC}contributor[@contributorType='DataCurator']") is not None
    taxon = root.find(f".//{DC}subject[@subjectScheme='NCBI Taxonomy']")
    assert taxon.text == "Oryza sativa" and taxon.get("classificationCode") == "4530"
    assert root.find(f"{DC}resourceType").get("resourceTypeGeneral") == "Dataset"
    rights = root.find(f".//{DC}rights[@rightsIdentifierScheme='SPDX']")
    assert rights.get("rightsIdentifier") == "cc-by-4.0"
    fund = root.find(f".//{DC}fundingReference")
    assert fund.findtext(f"{DC}awardNumber") == "RS-2024-00000001"
    assert "Agriculture" in fund.findtext(f"{DC}funderName")
    rel = {(e.get("relationType"), e.text) for e in root.iter(f"{DC}relatedIdentifier")}
    assert ("IsSupplementTo", "10.1234/journal.5678") in rel and ("IsVersionOf", f"10.5072/{published}") in rel

    j = client.get(f"/api/datasets/{published}/datacite", params={"format": "json"}).json()
    jsonschema.validate(j["data"]["attributes"], datacite_json_schema())
    assert j["data"]["attributes"]["publisher"]["name"].startswith("Korea Bio Data Station")


def test_version_dois_concept_and_links(station, client, people, published):
    h = people["owner"].headers
    assert client.patch(f"/api/datasets/{published}", headers=h, json={"title_en": "Rice WGS reads v2"}).status_code == 200
    assert client.post(f"/api/datasets/{published}/submit", headers=h).status_code == 200
    assert client.post(f"/api/datasets/{published}/publish", headers=h).status_code == 200
    station.jobs.run_until_idle()
    dois = client.get(f"/api/datasets/{published}/dois").json()
    assert [(d["version"], d["doi"], d["state"]) for d in dois] == [
        (0, f"10.5072/{published}", "reserved"), (1, f"10.5072/{published}.1", "reserved"),
        (2, f"10.5072/{published}.2", "reserved")]
    v1 = etree.fromstring(client.get(f"/api/datasets/{published}/datacite", params={"version": 1}).content)
    v2 = etree.fromstring(client.get(f"/api/datasets/{published}/datacite").content)
    assert_valid("datacite-kernel-4/metadata.xsd", v2)
    rel1 = {(e.get("relationType"), e.text) for e in v1.iter(f"{DC}relatedIdentifier")}
    rel2 = {(e.get("relationType"), e.text) for e in v2.iter(f"{DC}relatedIdentifier")}
    assert ("IsPreviousVersionOf", f"10.5072/{published}.2") in rel1
    assert ("IsNewVersionOf", f"10.5072/{published}.1") in rel2
    with station.uow() as uow:
        ds, _ = station.datasets.get(uow, people["owner"].identity, published)
        concept = station.interop.concept_attributes(uow, ds, station.interop.document(uow, people["owner"].identity,
                                                                                       published))
    assert_valid("datacite-kernel-4/metadata.xsd", formats.datacite_element(concept))
    assert {r["relatedIdentifier"] for r in concept["relatedIdentifiers"] if r["relationType"] == "HasVersion"} == {
        f"10.5072/{published}.1", f"10.5072/{published}.2"}


def test_drafts_have_no_public_metadata(station, client, dataset):
    r = client.get(f"/api/datasets/{dataset}/datacite")
    assert r.status_code == 404  # the datasets domain hides drafts from anonymous callers
    assert client.get(f"/api/datasets/{dataset}/dois").status_code == 404


def test_jsonld_and_citations(station, client, people, published):
    ld = client.get(f"/api/datasets/{published}/jsonld")
    assert ld.headers["content-type"].startswith("application/ld+json")
    d = ld.json()
    assert d["@context"] == "https://schema.org" and d["@type"] == "Dataset"
    assert d["dct:conformsTo"]["@id"].startswith("https://bioschemas.org/profiles/Dataset/")
    for key in ("name", "description", "identifier", "keywords", "license", "url", "creator"):
        assert d.get(key), key  # Bioschemas Dataset minimum and recommended properties
    assert d["creator"][0]["@id"] == "https://orcid.org/0000-0002-1825-0097"
    assert d["about"][0]["url"].endswith("NCBITaxon_4530")
    with station.uow() as uow:
        script = station.interop.jsonld_script(uow, people["other"].identity, published)
    assert script.startswith('<script type="application/ld+json">')
    assert json.loads(script.split("\n", 1)[1].rsplit("</script>", 1)[0])["@type"] == "Dataset"

    bib = client.get(f"/api/datasets/{published}/citation", params={"style": "bibtex"})
    assert "attachment" in bib.headers["content-disposition"]
    assert bib.text.startswith(f"@misc{{{published}_1,") and f"doi = {{10.5072/{published}.1}}" in bib.text
    assert "author = {Kim, Minji}" in bib.text
    ris = client.get(f"/api/datasets/{published}/citation", params={"style": "ris"}).text
    assert ris.startswith("TY  - DATA\r\n") and "DO  - 10.5072/" in ris and ris.rstrip().endswith("ER  -")
    csl = client.get(f"/api/datasets/{published}/citation", params={"style": "csl"}).json()
    assert csl[0]["type"] == "dataset" and csl[0]["author"][0] == {"family": "Kim", "given": "Minji"}
    xml = client.get(f"/api/datasets/{published}/citation", params={"style": "datacite"})
    assert_valid("datacite-kernel-4/metadata.xsd", etree.fromstring(xml.content))
    assert client.get(f"/api/datasets/{published}/citation", params={"style": "apa"}).status_code == 422


def test_second_dataset_publish_mints_its_own(station, client, people, project):
    h = people["owner"].headers
    r = client.post("/api/datasets", headers=h, json={"project": project, "title_en": "Pig phenotypes",
                                                      "title_ko": "돼지 표현형", "research_field": "seeds_livestock",
                                                      "data_types": ["phenotype"], "description_en": "Weights.",
                                                      "licence": "LicenseRef-KOGL-Type1"})
    acc = r.json()["accession"]
    publish_via_api(client, h, acc, b"id\tweight\n1\t80\n", "pheno.tsv")
    station.jobs.run_until_idle()
    root = etree.fromstring(client.get(f"/api/datasets/{acc}/datacite").content)
    assert_valid("datacite-kernel-4/metadata.xsd", root)
    assert "Korea Open Government Licence" in root.findtext(f".//{DC}rights")
