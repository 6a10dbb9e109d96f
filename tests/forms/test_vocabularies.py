"""Vocabularies: dict look-ups by id/label/synonym, hierarchies for ontology-aware search and access."""
from __future__ import annotations

from biostation.forms import vocabularies as v


def test_taxonomy_lineage_and_descendants():
    lineage = v.ancestors(2697049)  # SARS-CoV-2
    assert lineage[:3] == [694009, 2509511, 694002] and lineage[-1] == 1 and 11118 in lineage and 10239 in lineage
    assert {2697049, 694009, 1335626} <= v.taxon_descendants(11118)  # Coronaviridae finds SARS-CoV-2 and MERS
    assert {114727, 119210, 102793} <= v.taxon_descendants("Influenza A virus")
    assert 9606 in v.taxon_descendants(40674) and 9606 not in v.taxon_descendants(2)
    assert v.ancestors(9606)[:2] == [9605, 9604]


def test_taxonomy_covers_required_groups():
    names = {t.label_en for t in v.get("ncbi_taxonomy").terms.values()}
    for n in ("Homo sapiens", "Mus musculus", "Danio rerio", "Drosophila melanogaster", "Caenorhabditis elegans",
              "Saccharomyces cerevisiae", "Arabidopsis thaliana", "Oryza sativa", "Zea mays", "Glycine max",
              "Bos taurus", "Sus scrofa", "Gallus gallus", "Escherichia coli", "Mycobacterium tuberculosis",
              "Severe acute respiratory syndrome coronavirus 2", "Influenza A virus",
              "Middle East respiratory syndrome-related coronavirus", "African swine fever virus"):
        assert n in names, n
    tax = v.get("ncbi_taxonomy")
    for t in tax.terms.values():  # every lineage reaches the root
        assert t.id == "1" or v.term_ancestors("ncbi_taxonomy", t.id)[-1] == "1", t


def test_lookup_by_label_synonym_korean_and_id():
    tax = v.get("ncbi_taxonomy")
    assert tax.resolve("사람").id == "9606" and tax.resolve("9606").id == "9606" and tax.resolve("human").id == "9606"
    edam = v.get("edam")
    assert edam.resolve("fastq").id == "format_1930" and edam.resolve("format_1930").label_en == "FASTQ"
    assert v.get("obi_assay").resolve("RNA-seq").id == "OBI:0001271"
    uo = v.get("uo")
    assert uo.resolve("M").id == "UO:0000062" and uo.resolve("m").id == "UO:0000008"  # case matters for units


def test_duo_hierarchy_and_codes():
    assert v.term_ancestors("duo", "DUO:0000007") == ["DUO:0000006", "DUO:0000042", "DUO:0000001"]
    assert v.get("duo").resolve("HMB").id == "DUO:0000006"
    assert "DUO:0000007" in v.term_descendants("duo", "DUO:0000042")


def test_country_list_and_missing_terms():
    countries = v.get("insdc_country").terms
    assert "South Korea" in countries and "Viet Nam" in countries and countries["Korea"].get("status") == "historical"
    assert len([c for c in countries.values() if c.get("status") == "current"]) > 250
    assert v.missing_terms()["not collected"] == "not collected"
    assert "missing: control sample" in v.missing_terms().values()


def test_lookups_are_hashed_not_scanned():
    tax = v.get("ncbi_taxonomy")
    assert isinstance(tax._lookup, dict) and len(tax._lookup) >= len(tax)
