"""Completeness score: full records reach 100, gaps and bad values take points, and the rules say which."""
from __future__ import annotations

from biostation.forms.score import completeness
from biostation.forms.templates import example_value


def _full(form):
    return {f.id: example_value(f) for f in form.sample.fields}


def test_full_record_scores_100(registry):
    form = registry.get("infectious_disease.genome_omics")
    s = completeness(form, _full(form))
    assert s.score == 100 and all(r.points >= 0 for r in s.rules)


def test_gaps_and_missing_terms_lose_points_with_reasons(registry):
    form = registry.get("infectious_disease.genome_omics")
    full = _full(form)
    rec = {f.id: full[f.id] for f in form.sample.fields if f.requirement == "mandatory"}
    rec["strain"] = "ATCC 25922"
    rec["lat_lon"] = "not collected"
    s = completeness(form, rec)
    assert 40 < s.score < 90
    by = {r.code: r for r in s.rules}
    assert "lat_lon" in by["mandatory_missing"].fields and by["mandatory_missing"].points < 0
    assert "host_age" in by["recommended_missing"].fields
    assert by["mandatory_filled"].principle == "F2" and by["terms_resolved"].principle == "I2"
    assert completeness(form, full).score > s.score


def test_invalid_and_unresolved_values_lose_points(registry):
    form = registry.get("biosample.pathogen_cl")
    good = _full(form)
    bad = dict(good, lat_lon="37.5, 127.0", organism="Bacillus unknownensis")
    g, b = completeness(form, good), completeness(form, bad)
    assert b.score < g.score
    rules = {r.code: r for r in b.rules}
    assert "lat_lon" in rules["values_invalid"].fields and "organism" in rules["terms_unresolved"].fields


def test_dataset_section_scores_too(registry):
    form = registry.get("precision_medicine.genome_omics")
    rec = {"title": "Exomes of a Korean liver cancer cohort", "description": "Tumour/normal pairs.",
           "research_field": "precision_medicine", "data_type": "genome_omics", "license": "CC-BY-4.0",
           "access_level": "controlled", "data_use": "DUO:0000007; DUO:0000019", "contact_email": "pi@snu.ac.kr",
           "study_design": "Paired tumour and normal tissue."}
    s = completeness(form, rec, section="dataset")
    assert s.score >= 60
    missing = completeness(form, dict(rec, data_use=""), section="dataset")
    assert "data_use" in {f for r in missing.rules if r.code == "values_invalid" for f in r.fields} or \
        missing.score < s.score
    d = s.as_dict()
    assert set(d) == {"score", "rules"} and {"code", "points", "max_points", "message_ko"} <= set(d["rules"][0])


def test_fast_points_equal_the_full_score(registry):
    """Bulk registration scores with Scorer.points; it must give what completeness() gives, record by record."""
    import random

    from biostation.forms.score import Scorer
    from biostation.forms.validate import validate_records

    rnd = random.Random(5)
    for form_id in ("infectious_disease.genome_omics", "biosample.pathogen_cl", "new_drugs.chemical_reaction",
                    "marine_bioresources.image"):
        form = registry.get(form_id)
        full = _full(form)
        odd = ["not collected", "NA", "missing", "Unknown organism xyz", "  padded  ", "2023/01/02", "Not Applicable",
               "미상", "Not Collected", "restricted access", "missing: control sample", "Ｎot provided", "0"]
        scorer = Scorer(form)
        for _ in range(60):
            rec = {k: (rnd.choice(odd) if rnd.random() < 0.15 else v) for k, v in full.items() if rnd.random() < 0.8}
            rec["sample_name"] = full["sample_name"]
            report = validate_records(form, [rec], source="record")
            assert scorer.points(rec, report.errors, report.warnings) == completeness(form, rec).score
