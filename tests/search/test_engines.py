"""Behaviour of the bio data map, run against every engine (see conftest.make_engine)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from biostation import clock
from biostation.errors import ValidationFailed
from biostation.search.model import SearchDoc, SearchQuery

from .conftest import D, HIDDEN_IDS, HIDDEN_WORD, S, STRANGER, bulk, corpus

EVERYONE = frozenset({"public", "user:12", "dataset-members:34", "dataset-members:35"})


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


def search(engine, q="", principals=STRANGER, **kw):
    return engine.query(SearchQuery(q=q, principals=principals, **kw))


# ------------------------------------------------------------------ analysis


def test_korean_particles_are_analysed_away(engine):
    with_particle = search(engine, "간암을")
    plain = search(engine, "간암")
    assert D(4) in ids(with_particle)
    assert set(ids(with_particle)) == set(ids(plain))


def test_korean_query_finds_korean_only_record(engine):
    result = search(engine, "오가노이드 현미경")
    assert ids(result) == [D(4)]
    assert any("<mark>오가노이드</mark>" in s for s in result.hits[0].snippets)


def test_korean_verb_forms_match(engine):
    # "앓는" in the text and "앓았던" in the query share the stem 앓.
    assert D(4) in ids(search(engine, "간암 앓았던"))


def test_english_stemming(engine):
    assert D(3) in ids(search(engine, "cultivar phenotyped"))
    assert D(2) in ids(search(engine, "sequenced genomes"))


def test_words_are_conjunctive(engine):
    assert ids(search(engine, "rice drought")) == [D(3)]
    assert ids(search(engine, "rice carcinoma")) == []


def test_exact_phrase(engine):
    assert ids(search(engine, '"lung adenocarcinoma"')) == [D(2)]
    # the same words, not adjacent in this order, do not match the phrase
    assert ids(search(engine, '"adenocarcinoma lung"')) == []
    assert D(3) in ids(search(engine, '"가뭄 내성"'))


def test_field_queries(engine):
    assert set(ids(search(engine, 'organism:"Homo sapiens"'))) == {D(2), D(4)}
    assert ids(search(engine, "title:drought")) == [D(3)]
    assert ids(search(engine, "description:trial")) == [D(3)]
    assert ids(search(engine, "title:trial")) == []
    assert set(ids(search(engine, "ministry:KDCA"))) == {D(5)}
    assert set(ids(search(engine, "carcinoma -mouse"))) == {D(2)}


def test_unknown_field_is_an_error_with_hint(engine):
    with pytest.raises(ValidationFailed) as info:
        search(engine, "colour:blue")
    err = info.value.errors[0]
    assert err.code == "unknown_search_field" and err.field == "q" and err.message_ko and "organism" in err.hint


def test_accession_lookup_jumps_to_record(engine):
    result = search(engine, D(3))
    assert result.redirect == D(3) and ids(result) == [D(3)]
    assert search(engine, S(1).lower()).redirect == S(1)


def test_typo_tolerance_for_long_words(engine):
    result = search(engine, "hepatocelular")
    assert result.fuzzy and D(1) in ids(result)
    first = result.hits[ids(result).index(D(1))]
    assert any("<mark>Hepatocellular</mark>" in s for s in first.snippets)
    assert search(engine, "carcinomma").total >= 1
    # short words are never fuzzy: "rise" must not find rice
    assert search(engine, "rise").total == 0


# ------------------------------------------------------------------ ontology


def test_taxon_ancestor_filter_and_search(engine):
    mammals = search(engine, filters={"organism": ["Mammalia"]})
    assert {D(1), D(2), D(4), S(1)} <= set(ids(mammals))
    assert D(3) not in ids(mammals) and D(5) not in ids(mammals)
    assert D(1) in ids(search(engine, "Mammalia"))
    assert D(1) in ids(search(engine, "포유류"))  # Korean name of the ancestor
    assert set(ids(search(engine, filters={"taxon": ["40674"]}))) == set(ids(mammals))
    assert ids(search(engine, "organism:Poaceae")) == [D(3)]


def test_term_ancestors(engine):
    carcinoma = set(ids(search(engine, "carcinoma")))
    assert {D(1), D(2), S(1)} <= carcinoma  # D2 via lung adenocarcinoma -> adenocarcinoma -> carcinoma
    cancer = set(ids(search(engine, filters={"term": ["DOID:162"]})))
    assert {D(1), D(2), D(4), S(1)} <= cancer  # D4 is "liver cancer", never says "cancer" in English
    assert set(ids(search(engine, "DOID:3571"))) == {D(1), D(4)}
    assert D(4) in ids(search(engine, "암종")) or D(1) in ids(search(engine, "암종"))


# ------------------------------------------------------------------ facets


def test_facet_counts(engine):
    result = search(engine, facets=("research_field", "data_type", "organism", "ministry", "year", "kind"))
    counts = {f: {v.value: v.count for v in vals} for f, vals in result.facets.items()}
    assert result.total == 6
    assert counts["research_field"]["precision_medicine"] == 3
    assert counts["data_type"]["genome_omics"] == 4
    assert counts["organism"]["Homo sapiens"] == 2
    assert counts["year"]["2021"] == 2
    assert counts["kind"] == {"dataset": 5, "sample": 1}
    labels = {v.value: v.label_ko for v in result.facets["research_field"]}
    assert labels["precision_medicine"] == "정밀의료·유전체의학"


def test_facet_counts_reflect_other_filters(engine):
    result = search(engine, filters={"data_type": ["genome_omics"], "ministry": ["MSIT"]},
                    facets=("research_field", "data_type", "ministry"))
    counts = {f: {v.value: v.count for v in vals} for f, vals in result.facets.items()}
    assert result.total == 2 and set(ids(result)) == {D(1), S(1)}
    assert counts["research_field"] == {"precision_medicine": 2}
    # a facet's own filter is left out of its counts, so the user sees the alternatives
    assert counts["data_type"] == {"genome_omics": 2}
    assert counts["ministry"] == {"MSIT": 2, "MOHW": 1, "KDCA": 1}


def test_several_values_of_one_filter_are_alternatives(engine):
    result = search(engine, filters={"ministry": ["RDA", "KDCA"], "year": ["2020"]})
    assert set(ids(result)) == {D(3), D(5)}
    assert set(ids(search(engine, filters={"year": ["2021..2022"]}))) == {D(1), D(2), S(1)}


def test_bad_filter_is_an_error(engine):
    with pytest.raises(ValidationFailed) as info:
        search(engine, filters={"colour": ["blue"]}, limit=0)
    codes = {e.code for e in info.value.errors}
    assert codes == {"unknown_filter", "invalid_limit"}


# ------------------------------------------------------------------ sorting and cursors


@pytest.mark.parametrize("sort,q", [("relevance", "soil cohort"), ("date", "soil"), ("date_asc", ""),
                                    ("relevance", "")])
def test_cursor_walks_every_record_once(make_engine, sort, q):
    docs = bulk(57)
    engine = make_engine(docs)
    seen, cursor, pages = [], None, 0
    while True:
        result = engine.query(SearchQuery(q=q, sort=sort, cursor=cursor, limit=10, principals=STRANGER))
        assert result.total == 57
        seen += ids(result)
        pages += 1
        cursor = result.next_cursor
        if not cursor:
            break
    assert pages == 6
    assert len(seen) == len(set(seen)) == 57
    if sort in ("date", "date_asc"):
        by_id = {d.id: d for d in docs}
        dates = [by_id[i].published for i in seen]
        assert dates == sorted(dates, reverse=(sort == "date"))


def test_relevance_then_quality(make_engine):
    twins = [SearchDoc(D(300 + i), title_en="Ginseng saponin profile", readers=["public"], quality_grade=g)
             for i, g in enumerate(["C", None, "A", "B"])]
    result = make_engine(twins).query(SearchQuery(q="ginseng saponin", principals=STRANGER))
    assert ids(result) == [D(302), D(303), D(300), D(301)]


def test_cursor_from_another_query_is_refused(engine):
    first = search(engine, "carcinoma", limit=1)
    assert first.next_cursor
    with pytest.raises(ValidationFailed) as info:
        search(engine, "rice", cursor=first.next_cursor)
    assert info.value.errors[0].code == "invalid_cursor"



@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("key", ["abc", [0, None], [0.5], [0, None, [], 4, 6], [0, None, [], 99, 99], True, None])
def test_hand_made_cursor_is_refused_with_a_clear_error(engine, sort, key):
    """A cursor that carries this query's fingerprint but a key no engine wrote is refused as invalid_cursor,
    never a server error."""
    from biostation.search.cursor import encode

    q = SearchQuery(q="carcinoma", sort=sort, principals=STRANGER)
    with pytest.raises(ValidationFailed) as info:
        engine.query(SearchQuery(q="carcinoma", sort=sort, principals=STRANGER, cursor=encode(q, key)))
    assert info.value.errors[0].code == "invalid_cursor" and info.value.errors[0].field == "cursor"


# ------------------------------------------------------------------ no leaks


def _all_text(result) -> str:
    parts = [result.redirect or ""]
    for h in result.hits:
        parts += [h.id, h.title, h.title_ko, *h.snippets]
    for name, values in result.facets.items():
        parts += [f"{name}={v.value}" for v in values]
    return " ".join(parts)


@pytest.mark.parametrize("q", [HIDDEN_WORD, "quokkagenes", "quokagene", "비밀유전자", "Hidden Lab Institute",
                               "", "carcinoma", "proteome", "cohort genomes", D(6), D(7), D(8),
                               "institution:\"Hidden Lab Institute\"", "access:private", "year:2019"])
def test_stranger_sees_nothing_hidden(engine, q):
    result = search(engine, q, facets=("research_field", "data_type", "organism", "ministry", "institution",
                                       "access_level", "year", "file_format", "quality_grade", "licence", "kind"))
    assert not HIDDEN_IDS & set(ids(result))
    text = _all_text(result)
    for secret in (HIDDEN_WORD, "비밀유전자", "Hidden Lab", "HDF5", "proprietary", "MSS", "2019", "private",
                   "embargoed", "controlled", "brain_neuroscience", "biochemical_analysis"):
        assert secret not in text, (q, secret)
    visible = search(engine, "").total
    assert result.total <= visible == 6
    assert result.redirect is None or result.redirect not in HIDDEN_IDS


def test_hidden_records_do_not_change_counts(engine, make_engine):
    without_hidden = make_engine([d for d in corpus() if d.id not in HIDDEN_IDS])
    for q in ("carcinoma", "", "genomes", "간세포암종"):
        a = search(engine, q, facets=("research_field", "organism", "year"))
        b = search(without_hidden, q, facets=("research_field", "organism", "year"))
        assert a.total == b.total and ids(a) == ids(b)
        assert a.facets == b.facets


def test_suggestions_do_not_leak(engine):
    assert engine.suggest("quok", STRANGER) == []
    assert engine.suggest("quok", {"user:12"}) == [(HIDDEN_WORD, 1)]
    assert ("drought", 1) in engine.suggest("dro", STRANGER)


def test_readers_see_their_records(engine):
    assert ids(search(engine, HIDDEN_WORD, principals=frozenset({"user:12"}))) == [D(6)]
    assert ids(search(engine, HIDDEN_WORD, principals=frozenset({"dataset-members:34"}))) == [D(7)]
    assert ids(search(engine, HIDDEN_WORD, principals=frozenset({"role:curator"}))) == [D(8)]
    assert search(engine, D(8), principals=frozenset({"role:curator"})).redirect == D(8)
    assert search(engine, "", principals=frozenset()).total == 0


def test_embargo_lifts_on_time_without_reindexing(engine):
    assert D(7) not in ids(search(engine, HIDDEN_WORD, principals=frozenset({"public"})))
    clock.advance(timedelta(days=31))
    assert ids(search(engine, HIDDEN_WORD, principals=frozenset({"public"}))) == [D(7)]


# ------------------------------------------------------------------ updates and rebuild


def test_update_and_delete(engine):
    changed = corpus()[2]
    changed.title_en = "Salt tolerance phenotypes of rice cultivars"
    engine.index([changed])
    engine.delete([D(5)])
    engine.commit()
    assert ids(search(engine, "salt")) == [D(3)]
    assert search(engine, "drought tolerance", facets=()).total == 1  # description still says drought
    assert search(engine, "influenza").total == 0
    assert engine.count() == len(corpus()) - 1


def test_access_change_is_seen_after_commit(engine):
    opened = corpus()[6]
    opened.readers, opened.access_level = ["public"], "open"
    engine.index([opened])
    engine.commit()
    assert ids(search(engine, HIDDEN_WORD)) == [D(6)]


def test_rebuild_while_serving(make_engine):
    engine = make_engine(corpus())
    started, release = threading.Event(), threading.Event()

    def slow_docs():
        for i, doc in enumerate(bulk(30) + corpus()[:3]):
            if i == 5:
                started.set()
                assert release.wait(20)
            yield doc

    errors: list[BaseException] = []
    progress: list[int] = []

    def run():
        try:
            engine.rebuild(slow_docs(), progress=progress.append)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(20)
    # the old index keeps serving while the new one is built
    assert ids(search(engine, "drought")) == [D(3)]
    assert search(engine, "soil").total == 0
    # updates made during the rebuild survive the swap
    engine.index([SearchDoc(D(900), title_en="Marine sponge metagenome", readers=["public"])])
    engine.delete([D(1)])
    engine.commit()
    assert ids(search(engine, "sponge")) == [D(900)]
    release.set()
    worker.join(30)
    assert not errors
    assert progress and progress[-1] == 33
    assert search(engine, "soil").total == 30
    assert ids(search(engine, "sponge")) == [D(900)]
    assert search(engine, "hepatocellular").total == 0
    assert ids(search(engine, "drought")) == [D(3)]
    assert engine.count() == 33


def test_reserved_markers_grant_nothing(engine):
    for marker in ("~restricted", "public@embargo"):
        result = search(engine, HIDDEN_WORD, principals=frozenset({"public", marker}))
        assert result.total == 0 and not ids(result)
