"""DUO matching on the DUO term tree and the disease ontology subset (no database)."""
from __future__ import annotations

import pytest

from biostation.access import duo, ontology
from biostation.access.schemas import DataUse, Purpose, check_data_use
from biostation.errors import ValidationFailed
from biostation.validation import parse


def check(data_use: dict, purpose: dict, **kw) -> duo.MatchResult:
    du = parse(DataUse, data_use)
    assert check_data_use(du) == []
    return duo.match(du.model_dump(mode="json"), parse(Purpose, purpose).model_dump(mode="json"), **kw)


def codes(result: duo.MatchResult) -> list[str]:
    return [p.code for p in result.problems]


def test_disease_subtype_request_fits_disease_specific_dataset():
    # Dataset: research on liver cancer only. A study of hepatocellular carcinoma (a sub-type) fits.
    r = check({"permission": "DS", "diseases": ["MONDO:0002691"]}, {"use": "DS", "diseases": ["MONDO:0007256"]})
    assert r.compatible and r.problems == []
    # The same request written with the Disease Ontology id resolves to the same MONDO term.
    assert check({"permission": "DS", "diseases": ["DOID:3571"]}, {"use": "DS", "diseases": ["DOID:684"]}).compatible
    # Several parents (a DAG): HCC is also a carcinoma, so a carcinoma-only dataset fits it too.
    assert check({"permission": "DS", "diseases": ["MONDO:0004993"]},
                 {"use": "DS", "diseases": ["MONDO:0007256"]}).compatible
    # Deeper: lung adenocarcinoma under NSCLC under lung cancer under cancer.
    assert check({"permission": "DS", "diseases": ["MONDO:0004992"]},
                 {"use": "DS", "diseases": ["MONDO:0005061"]}).compatible


def test_broader_or_unrelated_disease_does_not_fit():
    r = check({"permission": "DS", "diseases": ["MONDO:0007256"]}, {"use": "DS", "diseases": ["MONDO:0002691"]})
    assert codes(r) == ["disease_not_covered"]
    assert "liver cancer" in r.problems[0].message_en and r.problems[0].message_ko
    r = check({"permission": "DS", "diseases": ["MONDO:0002691"]}, {"use": "DS", "diseases": ["MONDO:0005061"]})
    assert codes(r) == ["disease_not_covered"]
    # One covered, one not: still incompatible, and the problem names the one that is not.
    r = check({"permission": "DS", "diseases": ["MONDO:0004992"]},
              {"use": "DS", "diseases": ["MONDO:0007256", "MONDO:0005148"]})
    assert codes(r) == ["disease_not_covered"] and "type 2 diabetes" in r.problems[0].message_en


def test_purpose_must_be_within_the_permission_in_the_duo_tree():
    hmb = {"permission": "HMB"}
    assert check(hmb, {"use": "DS", "diseases": ["MONDO:0100096"]}).compatible  # DS is_a HMB
    assert check(hmb, {"use": "HMB"}).compatible
    assert codes(check(hmb, {"use": "GRU"})) == ["purpose_outside_permission"]  # broader
    assert codes(check(hmb, {"use": "POA"})) == ["purpose_outside_permission"]  # sibling branch
    gru = {"permission": "GRU"}
    assert check(gru, {"use": "POA"}).compatible and check(gru, {"use": "HMB"}).compatible
    assert codes(check({"permission": "DS", "diseases": ["MONDO:0004992"]}, {"use": "HMB"})) == [
        "purpose_outside_permission"]
    # No restriction fits everything, even commercial work.
    assert check({"permission": "NRES"}, {"use": "GRU", "commercial": True}).compatible
    assert codes(check({"permission": "GRU", "modifiers": ["NPOA"]}, {"use": "POA"})) == [
        "ancestry_research_prohibited"]


def test_commercial_purpose_on_non_commercial_dataset_is_not_compatible():
    r = check({"permission": "HMB", "modifiers": ["NCU"]}, {"use": "HMB", "commercial": True})
    assert not r.compatible and codes(r) == ["commercial_use"]
    assert r.problems[0].term == "DUO:0000046" and r.problems[0].message_ko
    assert check({"permission": "HMB", "modifiers": ["NCU"]}, {"use": "HMB"}).compatible
    # NPUNCU binds both the use and the organisation.
    r = check({"permission": "GRU", "modifiers": ["NPUNCU"]},
              {"use": "GRU", "commercial": True, "for_profit_organisation": True})
    assert codes(r) == ["commercial_use", "for_profit_organisation"]
    assert codes(check({"permission": "GRU", "modifiers": ["NPU"]},
                       {"use": "GRU", "for_profit_organisation": True})) == ["for_profit_organisation"]


def test_modifiers_obligations_and_ethics():
    du = {"permission": "HMB", "modifiers": ["PUB", "COL", "IRB", "GSO", "US"]}
    r = check(du, {"use": "HMB", "genetic_study": True, "accepts": ["PUB"]})
    assert codes(r) == ["obligation_not_accepted", "ethics_approval_missing"] and r.needs_ethics
    r = check(du, {"use": "HMB", "genetic_study": True, "accepts": ["PUB", "COL"]}, ethics_attached=True)
    assert r.compatible
    assert {o.term for o in r.obligations} == {"DUO:0000019", "DUO:0000020", "DUO:0000021", "DUO:0000026"}
    assert codes(check(du, {"use": "HMB", "accepts": ["PUB", "COL"]}, ethics_attached=True)) == ["not_genetic_study"]
    ts = {"permission": "GRU", "modifiers": ["TS"], "time_limit_days": 180}
    r = check(ts, {"use": "GRU"}, requested_days=365)
    assert codes(r) == ["time_limit_exceeded"] and r.max_days == 180
    gs = {"permission": "GRU", "modifiers": ["GS"], "countries": ["kr"]}
    assert check(gs, {"use": "GRU", "country": "KR"}).compatible
    assert codes(check(gs, {"use": "GRU", "country": "US"})) == ["country_not_allowed"]
    inst = {"permission": "GRU", "modifiers": ["IS"], "institutions": ["KRIBB"]}
    assert check(inst, {"use": "GRU"}, institution="kribb").compatible
    assert codes(check(inst, {"use": "GRU"}, institution="Acme Pharma")) == ["institution_not_allowed"]
    assert codes(check({"permission": "HMB", "modifiers": ["NMDS"]}, {"use": "HMB", "methods_development": True})) \
        == ["methods_research"]
    assert codes(check({"permission": "HMB"}, {"use": "HMB", "clinical_care": True})) == ["clinical_care_not_allowed"]


def test_terms_are_validated_with_every_error_in_both_languages():
    with pytest.raises(ValidationFailed) as exc:
        parse(DataUse, {"permission": "NCU", "modifiers": ["HMB", "XYZ"], "diseases": ["MONDO:9999999"],
                        "countries": ["KOR"]})
    fields = {e.field: e for e in exc.value.errors}
    assert set(fields) == {"permission", "modifiers", "diseases", "countries"}
    assert fields["permission"].code == "invalid_duo_term" and "HMB" in fields["permission"].hint
    assert fields["diseases"].code == "unknown_disease" and fields["diseases"].message_ko
    du = parse(DataUse, {"permission": "DS", "modifiers": ["TS", "GS"]})
    assert {e.field for e in check_data_use(du)} == {"data_use.diseases", "data_use.countries",
                                                     "data_use.time_limit_days"}


def test_ontology_lookups():
    assert ontology.duo_id("ds") == ontology.duo_id("DUO_0000007") == "DUO:0000007"
    assert ontology.disease_id("간세포암종") == "MONDO:0007256"
    assert {"MONDO:0002691", "MONDO:0004993", "MONDO:0004992", "MONDO:0000001"} < \
        ontology.disease_ancestors_or_self("MONDO:0007256")
    lineage = ontology.taxon_lineage(2697049)  # SARS-CoV-2
    assert lineage[0] == 2697049 and 11118 in lineage and 10239 in lineage  # Coronaviridae, Viruses
    assert 11118 not in ontology.taxon_lineage(11320)  # influenza A is no coronavirus
