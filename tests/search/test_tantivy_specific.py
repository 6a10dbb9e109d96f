"""What only the embedded engine has: generations on disk that other processes follow."""
from __future__ import annotations

from biostation.search.model import SearchDoc, SearchQuery
from biostation.search.service import open_engine, parse_filters
from biostation.search.tantivy_engine import TantivyEngine

from .conftest import D, STRANGER, bulk, corpus

import pytest
from biostation.errors import ValidationFailed


def test_second_reader_follows_a_rebuild(tmp_path):
    writer = TantivyEngine(tmp_path)
    writer.index(corpus())
    writer.commit()
    reader = TantivyEngine(tmp_path)  # as another API process would
    assert reader.query(SearchQuery(q="drought", principals=STRANGER)).total == 1
    writer.rebuild(bulk(12))
    assert reader.query(SearchQuery(q="drought", principals=STRANGER)).total == 0
    assert reader.query(SearchQuery(q="soil", principals=STRANGER)).total == 12
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == ["gen-000002"]


def test_relevance_pages_do_not_repeat_when_records_arrive_between_pages(tmp_path):
    engine = TantivyEngine(tmp_path)
    engine.index(bulk(30))
    engine.commit()
    first = engine.query(SearchQuery(q="soil cohort", limit=10, principals=STRANGER))
    engine.index([SearchDoc(D(700 + i), title_en="Soil cohort cohort cohort", readers=["public"]) for i in range(5)])
    engine.commit()
    second = engine.query(SearchQuery(q="soil cohort", limit=10, cursor=first.next_cursor, principals=STRANGER))
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_service_helpers(tmp_path):
    assert parse_filters(["year=2020", "year=2021", "organism=Homo sapiens"]) == {
        "year": ["2020", "2021"], "organism": ["Homo sapiens"]}
    with pytest.raises(ValidationFailed) as info:
        parse_filters(["year"])
    assert info.value.errors[0].code == "invalid_filter"
    engine = open_engine(path=tmp_path / "idx")
    engine.index(corpus()[:2])
    engine.commit()
    assert engine.count() == 2
