"""Registry: 105 composed forms + BioSample packages, curator versions, immutability, deprecation."""
from __future__ import annotations

import pytest

from biostation import vocab
from biostation.errors import Conflict, NotFound, ValidationFailed
from biostation.forms import FormRegistry, parse_document


def test_every_field_and_type_has_a_form(registry):
    for rf in vocab.RESEARCH_FIELDS:
        for dt in vocab.DATA_TYPES:
            form = registry.for_field_and_type(rf, dt)
            assert form.version == "1.0.0" and form.status == "active" and form.standards
            assert form.title_ko and form.title_en and form.dataset is not None
            mand = {f.id for f in form.sample.fields if f.requirement == "mandatory"}
            assert "sample_name" in mand
    assert len([f for f in registry.list() if f.research_field]) == 105


@pytest.mark.parametrize("form_id,must", [
    ("infectious_disease.genome_omics", {"organism", "collection_date", "geo_loc_name", "host", "lat_lon",
                                         "library_strategy", "platform", "instrument_model", "filename"}),
    ("precision_medicine.image", {"modality", "body_part_examined", "study_instance_uid", "study_date", "age", "sex",
                                  "tissue", "data_use"}),
    ("marine_bioresources.genome_omics", {"env_broad_scale", "env_local_scale", "env_medium", "depth", "lat_lon"}),
    ("new_drugs.biochemical_analysis", {"assay_type", "standard_type", "standard_value", "standard_units"}),
    ("smart_agriculture.phenotype", {"observation_unit_id", "observed_variable", "method", "value", "observation_date"}),
    ("food_nutrition.clinical_preclinical", {"study_id", "subject_id", "study_type", "subject_sex"}),
    ("forest_bioresources.molecular_structure", {"exptl_method", "structure_title", "structure_file"}),
    ("biochemicals_energy.chemical_reaction", {"reactants", "products"}),
])
def test_community_mandatory_fields_present(registry, form_id, must):
    form = registry.get(form_id)
    mand = {f.id for f in form.sample.fields if f.requirement == "mandatory"}
    assert must <= mand, must - mand


def test_fields_carry_bilingual_labels_and_help(registry):
    for form in registry.list():
        for sec in form.sections.values():
            for f in sec.fields:
                assert f.label_en and f.label_ko and f.help_en and f.help_ko, (form.id, f.id)


def test_shared_parts_not_copied(registry):
    a = registry.get("infectious_disease.genome_omics").sample.field("collection_date")
    b = registry.get("microbiome_environment.image").sample.field("collection_date")
    assert a.help_en == b.help_en  # one definition in the attribute library


def test_package_lookup(registry):
    assert registry.for_package("Pathogen.cl.1.0").id == "biosample.pathogen_cl"
    assert registry.for_package("Human; version 1.0").id == "biosample.human"
    assert registry.for_package("Nonexistent.1.0") is None


def _curator_doc(version="1.1.0", **extra):
    doc = {"extends": {"id": "infectious_disease.genome_omics", "version": "1.0.0"}, "id": "infectious_disease.genome_omics",
           "version": version,
           "add_fields": {"sample": [{"id": "vaccination_status", "label": {"en": "Vaccination status", "ko": "예방접종 여부"},
                                      "help": {"en": "Host vaccinated against the pathogen?", "ko": "숙주 예방접종 여부"},
                                      "type": "boolean", "requirement": "recommended"}]},
           "change_fields": {"sample": {"lat_lon": {"requirement": "recommended"}}}}
    doc.update(extra)
    return doc


def test_curator_adds_a_version_without_touching_the_old_one():
    reg = FormRegistry()
    old = reg.get("infectious_disease.genome_omics")
    new = reg.add_version(_curator_doc())
    assert reg.get("infectious_disease.genome_omics").version == "1.1.0"
    assert reg.get("infectious_disease.genome_omics", "1.0.0") is old
    assert old.sample.field("lat_lon").requirement == "mandatory"
    assert new.sample.field("lat_lon").requirement == "recommended" and new.sample.field("vaccination_status")
    assert [f.version for f in reg.versions(new.id)] == ["1.0.0", "1.1.0"]
    # the stored document is complete: it can be reloaded without the base (as the core will do from its table)
    again = FormRegistry([new.document])
    assert again.get(new.id, "1.1.0").digest == new.digest


def test_existing_version_cannot_change_but_identical_resubmission_is_fine():
    reg = FormRegistry()
    first = reg.add_version(_curator_doc())
    assert reg.add_version(_curator_doc()) is first
    changed = _curator_doc(change_fields={"sample": {"lat_lon": {"requirement": "optional"}}})
    with pytest.raises(Conflict) as exc:
        reg.add_version(changed)
    assert exc.value.code == "form_version_exists"
    with pytest.raises(Conflict):
        reg.add_version(dict(reg.get("biosample.human").document, title={"en": "Changed", "ko": "변경"}))


def test_deprecate_keeps_the_version_readable():
    reg = FormRegistry()
    reg.add_version(_curator_doc())
    reg.deprecate("infectious_disease.genome_omics", "1.1.0")
    assert reg.get("infectious_disease.genome_omics").version == "1.0.0"
    assert reg.get("infectious_disease.genome_omics", "1.1.0").status == "deprecated"
    with pytest.raises(NotFound):
        reg.deprecate("infectious_disease.genome_omics", "9.9.9")


def test_invalid_documents_list_every_problem():
    bad = {"id": "Bad Id", "version": "1", "title": {"en": "x"}, "sections": {"sample": {"fields": [
        {"id": "a", "label": {"en": "A", "ko": "가"}, "help": {"en": "h", "ko": "h"}, "type": "colour"}]}}}
    with pytest.raises(ValidationFailed) as exc:
        parse_document(bad)
    fields = {e.field for e in exc.value.errors}
    assert {"id", "version", "title.ko", "sections.sample.fields.0.type"} <= fields
    sem = {"id": "x.y", "version": "1.0.0", "title": {"en": "x", "ko": "엑스"}, "sections": {"sample": {"fields": [
        {"id": "a", "label": {"en": "A", "ko": "가"}, "help": {"en": "h", "ko": "h"}, "type": "term", "vocabulary": "nope"},
        {"id": "b", "label": {"en": "B", "ko": "나"}, "help": {"en": "h", "ko": "h"}, "pattern": "([", "example": "x"},
        {"id": "c", "label": {"en": "C", "ko": "다"}, "help": {"en": "h", "ko": "h"}, "type": "date", "example": "2023-13-01"}],
        "groups": [{"id": "g", "label": {"en": "g", "ko": "g"}, "fields": ["a", "zzz"]}]}}}
    with pytest.raises(ValidationFailed) as exc:
        parse_document(sem)
    got = {e.code for e in exc.value.errors}
    assert {"form_vocabulary_unknown", "form_pattern_invalid", "form_group_unknown_field"} <= got
    ex = dict(sem)
    ex["sections"] = {"sample": {"fields": [sem["sections"]["sample"]["fields"][2]]}}
    with pytest.raises(ValidationFailed) as exc:
        parse_document(ex)
    assert exc.value.errors[0].code == "form_example_invalid"


def test_unknown_form():
    with pytest.raises(NotFound):
        FormRegistry(packaged=False).get("nope")
