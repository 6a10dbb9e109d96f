"""Completeness of datasets against their field x data-type form, and the check of a dataset's form fields."""
from __future__ import annotations

from biostation.forms.service import validate_dataset_extra

EXTRA = {"study_design": "Heat-stressed and control rice, three replicates each, leaves sampled at day 7.",
         "protocols": "Illumina TruSeq DNA PCR-free; NovaSeq 6000 2x150.", "contact_email": "minji@kribb.re.kr"}


def test_dataset_completeness_endpoint_and_function(client, people, station, dataset):
    owner = people["owner"].headers
    r = client.get(f"/api/datasets/{dataset}/completeness", headers=owner)
    assert r.status_code == 200, r.text
    before = r.json()
    assert before["form"] == "seeds_livestock.genome_omics" and before["form_version"] == "1.0.0"
    assert before["dataset"] == dataset and before["version"] == 1
    lost = {f for rule in before["rules"] if rule["code"] == "mandatory_missing" for f in rule["fields"]}
    assert "study_design" in lost and "title" not in lost and "license" not in lost
    got = {f for rule in before["rules"] if rule["code"] == "mandatory_filled" for f in rule["fields"]}
    assert {"title", "description", "research_field", "data_type", "license", "contact_email"} <= got
    assert client.patch(f"/api/datasets/{dataset}", json={"extra": EXTRA, "keywords": ["rice", "heat stress"]},
                        headers=owner).status_code == 200
    after = client.get(f"/api/datasets/{dataset}/completeness", headers=owner).json()
    assert after["score"] > before["score"]
    assert not [r for r in after["rules"] if r["code"] == "mandatory_missing"]
    # the function the QC grade calls gives the same number
    with station.uow() as uow:
        ds, ver = station.datasets.get(uow, people["owner"].identity, dataset)
        assert station.forms.dataset_completeness(uow, ds, ver) == float(after["score"])
    # the station's check of a dataset's form fields uses the station's registry (stored versions included)
    assert station.forms.validate_dataset_extra("seeds_livestock", ["genome_omics"], {}, submit=True)[0].field == \
        "extra.study_design"
    # a draft is not readable by others: its completeness is not either
    assert client.get(f"/api/datasets/{dataset}/completeness", headers=people["other"].headers).status_code == 404
    assert client.get(f"/api/datasets/{dataset}/completeness").status_code in (401, 404)


def test_validate_dataset_extra():
    # value errors always; missing mandatory fields only for a submission; fields the dataset itself carries never
    errors = validate_dataset_extra("seeds_livestock", ["genome_omics"], {"contact_email": "minji at kribb"})
    assert [(e.code, e.field) for e in errors] == [("email_format", "extra.contact_email")]
    assert errors[0].message_ko and errors[0].hint
    assert validate_dataset_extra("seeds_livestock", ["genome_omics"], {}) == []
    missing = validate_dataset_extra("seeds_livestock", ["genome_omics"], {}, submit=True)
    assert {(e.code, e.field) for e in missing} == {("mandatory_missing", "extra.study_design")}
    assert validate_dataset_extra("seeds_livestock", ["genome_omics"], EXTRA, submit=True) == []
    # warnings (an unknown key) block nothing; lists and numbers are read as text
    assert validate_dataset_extra("seeds_livestock", ["genome_omics"],
                                  {**EXTRA, "my_note": "x", "keywords": ["a", "b"]}, submit=True) == []
    assert validate_dataset_extra("no_such_field", ["genome_omics"], {"x": 1}) == []
