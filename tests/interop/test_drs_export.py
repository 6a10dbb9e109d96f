"""GA4GH DRS responses against the DRS 1.2 schemas, through the datasets permission layer; archive exports."""
from __future__ import annotations

import json

from jsonschema import Draft7Validator
from lxml import etree
from referencing import Registry, Resource

from tests.core.helpers import upload_bytes

from .conftest import publish_via_api, sha
from .helpers import SCHEMAS


def drs_validate(name: str, instance: dict) -> None:
    folder = SCHEMAS / "drs-1.2.0"
    registry = Registry().with_resources(
        (p.name, Resource.from_contents(json.loads(p.read_text()))) for p in folder.glob("*.json"))
    schema = json.loads((folder / name).read_text())
    errors = list(Draft7Validator(schema, registry=registry).iter_errors(instance))
    assert not errors, [e.message for e in errors]


def test_drs_objects_bundles_and_access(station, client, people, published):
    files = client.get(f"/api/datasets/{published}/files").json()["items"]
    acc = files[0]["accession"]
    station.jobs.run_until_idle()  # the background verify computes the md5 partner archives ask for
    obj = client.get(f"/ga4gh/drs/v1/objects/{acc}", headers=people["other"].headers).json()
    drs_validate("drs_object.json", obj)
    assert obj["size"] == files[0]["size"] and obj["self_uri"] == f"drs://127.0.0.1:8000/{acc}"
    sums = {c["type"]: c["checksum"] for c in obj["checksums"]}
    assert sums["sha-256"] == sha(b"@r1\nACGT\n+\nIIII\n") and len(sums.get("md5", "x" * 32)) == 32
    method = obj["access_methods"][0]
    assert method["type"] == "https" and method["access_url"]["url"].endswith(f"/api/files/{acc}/content")
    assert method["access_url"]["headers"] == [f"Authorization: Bearer {people['other'].token}"]
    access = client.get(f"/ga4gh/drs/v1/objects/{acc}/access/https").json()
    drs_validate("access_url.json", access)
    bundle = client.get(f"/ga4gh/drs/v1/objects/{published}").json()
    drs_validate("drs_bundle.json", bundle)
    drs_validate("drs_object.json", bundle)
    assert bundle["id"] == f"{published}.1" and [c["id"] for c in bundle["contents"]] == [acc]
    info = client.get("/ga4gh/drs/v1/service-info").json()
    drs_validate("service_info.json", info)
    assert info["type"]["artifact"] == "drs"


def test_drs_hides_what_the_caller_may_not_read(station, client, people, dataset):
    h = people["owner"].headers
    up = upload_bytes(client, h, dataset, "secret.fastq", b"@s\nA\n+\nI\n")
    acc = up["file"] if "file" in up else client.get(f"/api/datasets/{dataset}/files", headers=h).json()["items"][0]["accession"]
    r = client.get(f"/ga4gh/drs/v1/objects/{acc}")
    assert r.status_code == 404
    drs_validate("error.json", r.json())
    assert client.get(f"/ga4gh/drs/v1/objects/{dataset}").status_code == 404
    assert client.get(f"/ga4gh/drs/v1/objects/{acc}", headers=h).status_code == 200  # the owner may
    assert client.get("/ga4gh/drs/v1/objects/BSF000001Q").status_code in (404, 422)  # bad check character


SHEET = (b"sample_name\torganism\tcultivar\tlibrary_ID\tlibrary_strategy\tlibrary_source\tlibrary_selection\t"
         b"library_layout\tplatform\tinstrument_model\tfilename\tfilename2\n"
         b"rice-1\tOryza sativa\tNipponbare\tlib1\tWGS\tGENOMIC\tRANDOM\tPAIRED\tILLUMINA\tIllumina NovaSeq 6000\t"
         b"r1_1.fq.gz\tr1_2.fq.gz\n")


def test_biosample_and_sra_export(station, client, people, dataset, tmp_path):
    h = people["owner"].headers
    upload_bytes(client, h, dataset, "samples.tsv", SHEET)
    upload_bytes(client, h, dataset, "r1_1.fq.gz", b"\x1f\x8b reads one")
    publish_via_api(client, h, dataset, b"\x1f\x8b reads two", "r1_2.fq.gz")
    station.jobs.run_until_idle()
    bs = client.get(f"/api/datasets/{dataset}/export/biosample")
    assert bs.status_code == 200
    root = etree.fromstring(bs.content)
    assert root.tag == "BioSampleSet" and root.findtext(".//SPUID") == "rice-1"
    assert root.find(".//Organism").get("taxonomy_id") == "4530"
    (tmp_path / "bs.xml").write_bytes(bs.content)
    from biostation.forms.readers import read_records
    back = list(read_records(tmp_path / "bs.xml"))  # the forms domain reads the export back
    assert back[0]["sample_name"] == "rice-1" and back[0]["cultivar"] == "Nipponbare"
    exp = etree.fromstring(client.get(f"/api/datasets/{dataset}/export/sra-experiment").content)
    assert exp.findtext(".//LIBRARY_STRATEGY") == "WGS" and exp.find(".//LIBRARY_LAYOUT/PAIRED") is not None
    assert exp.findtext(".//INSTRUMENT_MODEL") == "Illumina NovaSeq 6000"
    assert exp.find(".//SAMPLE_DESCRIPTOR").get("refname") == "rice-1"
    run = etree.fromstring(client.get(f"/api/datasets/{dataset}/export/sra-run").content)
    names = [f.get("filename") for f in run.iter("FILE")]
    assert names == ["r1_1.fq.gz", "r1_2.fq.gz"]
    assert all(f.get("checksum_method") == "MD5" and len(f.get("checksum")) == 32 for f in run.iter("FILE"))
    assert client.get(f"/api/datasets/{dataset}/export/embl").status_code == 404
