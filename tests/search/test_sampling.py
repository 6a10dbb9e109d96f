"""Approximate counts and sampled first pages over large result sets (tantivy only: PostgreSQL counts exactly).

Small knobs make a few thousand records "large": when a pass would walk more than `approx_threshold` records, the
engine counts a stable hash sample of the matching readable records and scales up, and relevance pages start with
the best of a sample. The access rule stays a required clause, so nothing unreadable shows anywhere.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from biostation.search.model import SearchDoc, SearchQuery
from biostation.search.engine import plan
from biostation.search.tantivy_engine import TEXT_SAMPLE_LEVELS, TantivyEngine, sample_levels

from .conftest import D, HIDDEN_IDS, HIDDEN_WORD, STRANGER, corpus

N = 4000
KNOBS = dict(approx_threshold=400, sample_budget=600, sample_floor=20)
FIELDS = ["precision_medicine", "smart_agriculture", "infectious_disease", "microbiome_environment"]
MINISTRIES = ["MSIT", "MOHW", "RDA", "ME", "KDCA"]


def records(n: int = N, start: int = 1000) -> list[SearchDoc]:
    """Broad 'cohort' records with skewed facets, a 'tissue' word in a quarter of them and a rarer 'biopsy' word
    (2%); 'north' and 'south' are each in half of them, both in one record in 194."""
    out = []
    for i in range(n):
        words = "cohort survey" + (" biopsy" if i % 50 == 0 else "") + (" tissue" if i % 4 == 1 else "")
        out.append(SearchDoc(
            D(start + i), "dataset", f"Liver {words} {i}", "간 코호트 조사",
            f"Soil and liver {words} of site {i % 97}." + " cohort" * (i % 3) + " north" * (i % 2 == 0)
            + " south" * (i % 2 == 1 or i % 97 == 0), "", [], [9606], ["Homo sapiens"], [],
            FIELDS[(i * 7) % 10 % 4], ["genome_omics"], MINISTRIES[min(4, (i * 13) % 16 // 3)], "KRIBB", "open",
            2015 + i % 8, ["FASTQ"], "ABCDE"[i % 5], "CC-BY-4.0", date(2015, 1, 1) + timedelta(days=i), ["public"]))
    return out


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    path = tmp_path_factory.mktemp("sampling")
    writer = TantivyEngine(path)
    writer.index(records() + corpus())
    writer.commit()
    sampled = TantivyEngine(path, **KNOBS)
    exact = TantivyEngine(path, approx_threshold=None, sample_pages=False)
    return sampled, exact


def test_sample_levels_nest_and_halve():
    levels = [sample_levels(D(i)) for i in range(20000)]
    assert all(lv == list(range(1, len(lv) + 1)) for lv in levels)
    share = [sum(1 for lv in levels if j in lv) / len(levels) for j in (1, 2, 3, 4)]
    for j, got in enumerate(share, 1):
        assert abs(got - 2 ** -j) < 0.02


def test_small_result_sets_are_counted_exactly(engines):
    sampled, exact = engines
    q = SearchQuery(q="biopsy", principals=STRANGER)
    a, b = sampled.query(q), exact.query(q)
    assert not a.approximate and a.total == b.total == N // 50
    assert a.facets == b.facets
    assert [h.id for h in a.hits] == [h.id for h in b.hits]


@pytest.mark.parametrize("word", ["cohort", "tissue"])
def test_large_result_sets_are_estimated_within_tolerance(engines, word):
    """'cohort' is in every record: its sample is a sample level's list; 'tissue' is in a quarter: its sample
    is read from the level's own text fields."""
    sampled, exact = engines
    q = SearchQuery(q=word, filters={"ministry": ["MSIT", "MOHW"]}, principals=STRANGER)
    a, b = sampled.query(q), exact.query(q)
    assert a.approximate and not b.approximate
    assert b.total > KNOBS["approx_threshold"]
    level, sampled_text = sampled._sample_level(sampled._fresh(), plan(q), False)
    assert sampled_text == (word == "tissue") and (level in TEXT_SAMPLE_LEVELS or not sampled_text), level
    assert abs(a.total - b.total) / b.total < 0.2
    for name in b.facets:
        est = {v.value: v.count for v in a.facets[name]}
        for v in b.facets[name]:
            if v.count >= 0.1 * b.total:  # the large values; a sample cannot promise the rare ones
                assert abs(est.get(v.value, 0) - v.count) / v.count < 0.35, (name, v, est)
    # the filtered facet keeps its other values, estimated from the same kind of sample
    assert {v.value for v in a.facets["ministry"]} >= {"MSIT", "MOHW"}


def test_small_result_set_behind_long_lists_is_counted_and_ranked_exactly(engines):
    """'north south' walks a long list (half the records) but matches few: the sample holds too few to scale
    up, so the counts and the first page are the exact ones."""
    sampled, exact = engines
    q = SearchQuery(q="north south", limit=20, principals=STRANGER)
    assert sampled._sample_level(sampled._fresh(), plan(q), False)[0] > 0
    a, b = sampled.query(q), exact.query(q)
    assert not a.approximate and a.total == b.total == len(range(0, N, 194))
    assert a.facets == b.facets
    assert [h.id for h in a.hits] == [h.id for h in b.hits]


def test_too_small_a_sample_is_retried_on_a_larger_one(engines):
    """With a tight budget 'tissue' (a quarter of the records) is sampled on level 5, where the filtered result
    holds fewer than sample_floor matches: the counts and the first page retry on level 3 (4 times larger,
    still sampled) rather than walking everything."""
    sampled, exact = engines
    tight = TantivyEngine(sampled.root, approx_threshold=400, sample_budget=150, sample_floor=20)
    q = SearchQuery(q="tissue", filters={"ministry": ["MSIT"]}, facets=(), principals=STRANGER)
    level, sampled_text = tight._sample_level(tight._fresh(), plan(q), False)
    assert (level, sampled_text) == (5, True)
    assert tight._larger(5, 10, True) == 3 and tight._larger(5, 2, True) == 0
    a, b = tight.query(q), exact.query(q)
    assert a.approximate and not b.approximate
    assert abs(a.total - b.total) / b.total < 0.35, (a.total, b.total)
    assert len(a.hits) == len(b.hits) == 20


def test_exact_engine_never_approximates(engines):
    _, exact = engines
    assert not exact.query(SearchQuery(q="cohort", principals=STRANGER)).approximate


def test_no_leaks_with_sampling(engines, frozen_clock):
    sampled, _ = engines
    for q in ("cohort", "", HIDDEN_WORD, f"cohort OR {HIDDEN_WORD}", "hepatocellular carcinoma"):
        res = sampled.query(SearchQuery(q=q, principals=STRANGER, facets=("ministry", "institution",
                                                                          "access_level", "research_field")))
        assert not {h.id for h in res.hits} & HIDDEN_IDS
        assert "MSS" not in {v.value for v in res.facets["ministry"]}
        assert "Hidden Lab Institute" not in {v.value for v in res.facets["institution"]}
        assert {v.value for v in res.facets["access_level"]} <= {"open"}
        for h in res.hits:
            assert HIDDEN_WORD not in " ".join(h.snippets).lower()
    res = sampled.query(SearchQuery(q=HIDDEN_WORD, principals=STRANGER))
    assert res.total == 0 and not res.hits
    assert not [t for t, _ in sampled.suggest("quokka", STRANGER)]


@pytest.mark.parametrize("word", ["cohort", "tissue"])
def test_sampled_relevance_walk_visits_every_record_once(engines, word):
    sampled, exact = engines
    q = SearchQuery(q=word, filters={"year": ["2016..2019"]}, limit=100, facets=(), principals=STRANGER)
    first = sampled.query(q)
    assert first.approximate
    ids: list[str] = []
    res = first
    while True:
        ids += [h.id for h in res.hits]
        if not res.next_cursor:
            break
        res = sampled.query(SearchQuery(q=word, filters={"year": ["2016..2019"]}, limit=100, facets=(),
                                        cursor=res.next_cursor, principals=STRANGER))
    want = {h.id for h in _walk(exact, q)}
    assert len(ids) == len(set(ids)) and set(ids) == want


def test_first_sampled_page_ranks_well(engines):
    """The best of a sample scores close to the exact best (the top scores of a broad query are flat)."""
    sampled, exact = engines
    q = SearchQuery(q="liver cohort", limit=20, facets=(), principals=STRANGER)
    a, b = sampled.query(q), exact.query(q)
    assert a.approximate and len(a.hits) == 20
    assert a.hits[-1].score >= 0.8 * b.hits[-1].score


def _walk(engine, q: SearchQuery):
    res = engine.query(q)
    out = list(res.hits)
    while res.next_cursor:
        res = engine.query(SearchQuery(q=q.q, filters=q.filters, limit=q.limit, facets=(), cursor=res.next_cursor,
                                       principals=q.principals))
        out += res.hits
    return out


def test_index_built_with_other_fields_serves_empty_until_reindexed(tmp_path):
    """An index from before the sample levels cannot be opened with today's fields: the engine starts, serves
    an empty generation, and a reindex fills it."""
    import tantivy

    (tmp_path / "gen-000001").mkdir()
    (tmp_path / "CURRENT").write_text("gen-000001\n")
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True)
    tantivy.Index(sb.build(), path=str(tmp_path / "gen-000001")).writer(15_000_000, 1).commit()
    engine = TantivyEngine(tmp_path)
    assert engine.query(SearchQuery(q="cohort", principals=STRANGER)).total == 0
    engine.rebuild(records(30))
    assert engine.query(SearchQuery(q="cohort", principals=STRANGER)).total == 30
    assert TantivyEngine(tmp_path).query(SearchQuery(q="cohort", principals=STRANGER)).total == 30
