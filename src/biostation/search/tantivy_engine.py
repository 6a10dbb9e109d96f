"""The embedded default engine: tantivy, an on-disk index that needs no server.

Layout: <root>/CURRENT names the serving generation folder (gen-000001, ...). A rebuild writes the next
generation while the current one keeps serving, replays the updates that arrived meanwhile, then
swaps CURRENT atomically; readers in other processes notice the change on their next query.

English text is analysed in Rust (simple tokenizer, lowercase, Snowball English); Korean arrives as
MeCab-ko morphemes (prepare.py) and is split on whitespace. Facets are fast-field term aggregations.
The access filter is a required clause of every query, aggregation and suggestion.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable

import tantivy
from tantivy import FieldType, Occur, Query

from .engine import Constraint, Plan, Progress, SearchEngine, facet_values, fuzzy_distance, plan
from .analysis import has_hangul, ko_tokens
from .cursor import decode as decode_cursor, encode as encode_cursor, is_int
from .highlight import snippets_for
from .model import FACETS, Hit, SearchDoc, SearchQuery, SearchResult
from .ontology import BUILTIN, Ontology
from .prepare import PUBLIC, PUBLIC_AFTER_EMBARGO, RESTRICTED, Prepared, prepare

_log = logging.getLogger(__name__)
TEXT_FIELDS = ("title", "body", "onto")
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-agg")
FIELD_WEIGHTS = {"title": 3.0, "body": 1.0, "onto": 1.5}
RESTRICT = {None: TEXT_FIELDS, "title": ("title",), "description": ("body",), "keyword": ("body",)}
FACET_FIELDS = [f for f in FACETS if f != "year"]
# Sampling levels for approximate counts over passes that would walk many records: a record belongs to level j
# (1..SAMPLE_LEVELS) when the low j bits of a stable hash of its id are zero, so level j holds about
# 1/2**j of all records, level j+1 is a subset of level j, and each level is one posting list
# (the integer term j).
SAMPLE_LEVELS = 10
# Levels whose records also carry their text in fields of their own ("title_en_s5", ...): a sampled pass of a
# text query then walks the term's short sampled posting list, about 1/2**j of the term's, instead of
# seeking the term for every record of the level. Each copy costs index space: about 1/4 + 1/16 + ... = 1/3 of
# a copy of the text in all.
TEXT_SAMPLE_LEVELS = (3, 5, 7, 9)
# Records a pass may walk before the counts and the first relevance pages are worked out on a sample
# (TantivyEngine(approx_threshold=...)); and at most, on a sample. A pass walks the shortest required
# posting list (a term's, a filter's or a sample level's), at about 30-70 ns a record on this kind of machine.
APPROX_THRESHOLD = 24_000
SAMPLE_BUDGET = 12_000
SAMPLE_FLOOR = 40  # matches a sample must hold to be scaled up; fewer, and the pass retries on a larger one
RETRY_STEPS = 2  # ... at most 2**RETRY_STEPS times larger (and as much dearer); beyond, it counts exactly


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_bytes_field("src", stored=True)
    for suffix in [""] + [f"_s{level}" for level in TEXT_SAMPLE_LEVELS]:
        for f in TEXT_FIELDS:
            sb.add_text_field(f"{f}_en{suffix}", tokenizer_name="en_stem")
            sb.add_text_field(f"{f}_ko{suffix}", tokenizer_name="ko_ws")
    for f in ("taxa", "terms", "readers"):
        sb.add_text_field(f, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("suggest", tokenizer_name="raw", index_option="basic")
    for f in FACET_FIELDS:
        sb.add_text_field(f, stored=(f == "kind"), tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("embargo_until", indexed=False, fast=True)
    sb.add_integer_field("date_key", indexed=False, fast=True)
    sb.add_integer_field("rank_key", indexed=False, fast=True)
    sb.add_float_field("qboost", fast=True)
    sb.add_integer_field("sample", indexed=True, fast=False)
    return sb.build()


def _register(index: tantivy.Index) -> None:
    index.register_tokenizer("en_stem", _en_analyzer())
    index.register_tokenizer("ko_ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
                             .filter(tantivy.Filter.lowercase()).build())


def _en_analyzer() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.stemmer("english")).build())


def sample_levels(doc_id: str) -> list[int]:
    """The sampling levels a record belongs to (see SAMPLE_LEVELS): stable across rebuilds and processes."""
    h = int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=4).digest(), "big") | (1 << SAMPLE_LEVELS)
    zeros = (h & -h).bit_length() - 1
    return list(range(1, zeros + 1))


def _fields(p: Prepared, src: Any) -> dict[str, Any]:
    """The document's fields; only how the stored source is encoded differs between the two writers."""
    d: dict[str, Any] = {
        "id": p.id, "kind": p.kind, "src": src,
        "taxa": p.taxa_keys, "terms": p.term_keys, "readers": p.readers, "suggest": p.suggest,
        "embargo_until": p.embargo_until, "date_key": p.date_key, "rank_key": p.rank_key, "qboost": p.qboost,
    }
    levels = sample_levels(p.id)
    if levels:
        d["sample"] = levels
    suffixes = [""] + [f"_s{level}" for level in TEXT_SAMPLE_LEVELS if level in levels]
    for f in TEXT_FIELDS:
        for suffix in suffixes:
            if p.text_en[f]:
                d[f"{f}_en{suffix}"] = p.text_en[f]
            if p.text_ko[f]:
                d[f"{f}_ko{suffix}"] = p.text_ko[f]
    for name, values in p.facets.items():
        if values and name != "kind":
            d[name] = values
    if p.year is not None:
        d["year"] = p.year
    return d


def to_document(p: Prepared) -> tantivy.Document:
    return tantivy.Document.from_dict(_fields(p, json.dumps(p.src, ensure_ascii=False).encode()))


def to_json(p: Prepared) -> str:
    """The same document as JSON text: built in worker processes, parsed in Rust by add_json."""
    src = base64.b64encode(json.dumps(p.src, ensure_ascii=False).encode()).decode()
    return json.dumps(_fields(p, src), ensure_ascii=False)


def _and(qs: list[Query]) -> Query:
    qs = [q for q in qs if q is not None]
    if len(qs) == 1:
        return qs[0]
    return Query.boolean_query([(Occur.Must, q) for q in qs])


def _or(qs: list[Query]) -> Query | None:
    qs = [q for q in qs if q is not None]
    if not qs:
        return None
    if len(qs) == 1:
        return qs[0]
    return Query.boolean_query([(Occur.Should, q) for q in qs])


class TantivyEngine(SearchEngine):
    name = "tantivy"

    def __init__(self, path: str | os.PathLike[str], ontology: Ontology = BUILTIN,
                 writer_heap: int = 256_000_000, writer_threads: int = 0,
                 approx_threshold: int | None = APPROX_THRESHOLD, sample_budget: int = SAMPLE_BUDGET,
                 sample_floor: int = SAMPLE_FLOOR, sample_pages: bool = True):
        """approx_threshold: a query whose passes would each walk more records than this has its total and
        facet counts estimated on a sample level that a pass walks in at most about `sample_budget` records
        (None: always count exactly); a sample holding fewer than `sample_floor` matches is counted exactly.
        sample_pages: relevance pages of such a query start with the best of the sample, then go on through
        the rest (False: rank every match, exact but linear)."""
        self.approx_threshold = approx_threshold
        self.sample_budget = max(1, sample_budget)
        self.sample_floor = max(1, sample_floor)
        self.sample_pages = sample_pages
        self.root = Path(path)
        self.root.mkdir(parents=True, exist_ok=True)
        self.ontology = ontology
        self.schema = build_schema()
        self._en = _en_analyzer()
        self._heap = writer_heap
        self._threads = writer_threads
        self._lock = threading.RLock()
        self._writer: tantivy.IndexWriter | None = None
        self._journal: list[tuple[str, Any]] | None = None  # updates made while a rebuild runs
        self._current_stat: int | None = None
        self._gen: str = ""
        self._open_current()

    # ---------------------------------------------------------------- generations

    def _read_current(self) -> str:
        marker = self.root / "CURRENT"
        if not marker.exists():
            self._write_current("gen-000001")
        return marker.read_text().strip()

    def _write_current(self, gen: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(gen + "\n")
        os.replace(tmp, self.root / "CURRENT")

    def _open_index(self, gen: str) -> tantivy.Index:
        folder = self.root / gen
        folder.mkdir(exist_ok=True)
        index = tantivy.Index(self.schema, path=str(folder), reuse=True)
        _register(index)
        return index

    def _open_current(self) -> None:
        gen = self._read_current()
        try:
            self._index = self._open_index(gen)
        except ValueError as exc:
            if "schema does not match" not in str(exc):
                raise
            # Built by an older version (the fields changed): serve a fresh, empty generation until
            # `biostation search reindex` fills it from the database; the old one stays until then.
            gen = f"gen-{int(gen.split('-')[1]) + 1:06d}"
            _log.warning("search index %s was built with other fields; serving an empty index at %s until "
                         "`biostation search reindex` rebuilds it", self.root, gen)
            shutil.rmtree(self.root / gen, ignore_errors=True)
            self._index = self._open_index(gen)
            self._write_current(gen)
        self._gen = gen
        self._current_stat = (self.root / "CURRENT").stat().st_mtime_ns

    def _fresh(self) -> tantivy.Searcher:
        """The searcher of the serving generation; follows a swap made by another process."""
        try:
            stat = (self.root / "CURRENT").stat().st_mtime_ns
        except FileNotFoundError:
            stat = self._current_stat
        if stat != self._current_stat:
            with self._lock:
                if self.root.joinpath("CURRENT").read_text().strip() != self._gen and self._journal is None:
                    self._writer = None
                    self._open_current()
                self._current_stat = stat
        return self._index.searcher()

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._index.writer(heap_size=self._heap, num_threads=self._threads)
        return self._writer

    # ---------------------------------------------------------------- writing

    def index(self, docs: Iterable[SearchDoc]) -> int:
        n = 0
        with self._lock:
            writer = self._get_writer()
            for doc in docs:
                prepared = prepare(doc, self.ontology)
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(to_document(prepared))
                if self._journal is not None:
                    self._journal.append(("index", doc))
                n += 1
        return n

    def delete(self, ids: Iterable[str]) -> int:
        n = 0
        with self._lock:
            writer = self._get_writer()
            for doc_id in ids:
                writer.delete_documents_by_term("id", doc_id)
                if self._journal is not None:
                    self._journal.append(("delete", doc_id))
                n += 1
        return n

    def commit(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.commit()
            self._index.reload()

    def count(self) -> int:
        return self._fresh().num_docs

    def rebuild(self, docs: Iterable[SearchDoc], progress: Progress | None = None,
                prepared: Iterable[Prepared | str] | None = None) -> int:
        """`prepared` lets a caller supply records already analysed by worker processes: Prepared
        objects or their to_json() text (cheapest to pass between processes)."""
        with self._lock:
            if self._journal is not None:
                raise RuntimeError("a rebuild is already running")
            self._journal = []
            old_gen = self._gen
            number = int(old_gen.split("-")[1]) + 1
        new_gen = f"gen-{number:06d}"
        try:
            shutil.rmtree(self.root / new_gen, ignore_errors=True)
            index = self._open_index(new_gen)
            writer = index.writer(heap_size=max(self._heap, 512_000_000), num_threads=self._threads)
            stream = prepared if prepared is not None else (prepare(d, self.ontology) for d in docs)
            n = 0
            for p in stream:
                if isinstance(p, str):
                    writer.add_json(p)
                else:
                    writer.add_document(to_document(p))
                n += 1
                if progress and n % 10_000 == 0:
                    progress(n)
            writer.commit()
            writer.wait_merging_threads()
            with self._lock:
                writer = index.writer(heap_size=self._heap, num_threads=self._threads)
                for op, arg in self._journal:
                    if op == "index":
                        writer.delete_documents_by_term("id", arg.id)
                        writer.add_document(to_document(prepare(arg, self.ontology)))
                    else:
                        writer.delete_documents_by_term("id", arg)
                writer.commit()
                index.reload()
                self._writer = None
                self._index, self._writer, self._gen = index, writer, new_gen
                self._write_current(new_gen)
                self._current_stat = (self.root / "CURRENT").stat().st_mtime_ns
                self._journal = None
            if progress:
                progress(n)
        except BaseException:
            with self._lock:
                self._journal = None
            shutil.rmtree(self.root / new_gen, ignore_errors=True)
            raise
        for old in self.root.glob("gen-*"):
            if old.name != new_gen:
                shutil.rmtree(old, ignore_errors=True)
        return n

    def close(self) -> None:
        with self._lock:
            self._writer = None

    # ---------------------------------------------------------------- reading

    def _term(self, field: str, value: Any) -> Query:
        return Query.term_query(self.schema, field, value)

    def _access(self, plan_: Plan) -> tuple[list[Query], list[Query]]:
        """(required, excluded) clauses that limit a query to what the caller may read.

        Most records are public, so for a caller holding "public" the rule is written as an exclusion
        of the restricted records this caller holds no principal for: intersecting with the short
        restricted list costs far less than with the long public one. Other callers get the plain
        "readers contains one of my principals" clause."""
        principals = sorted(set(plan_.query.principals))
        lifted = _and([self._term("readers", PUBLIC_AFTER_EMBARGO),
                       Query.range_query(self.schema, "embargo_until", FieldType.Integer, upper_bound=plan_.now)])
        if PUBLIC in principals:
            mine = [self._term("readers", x) for x in principals if x != PUBLIC] + [lifted]
            hidden = Query.boolean_query([(Occur.Must, self._term("readers", RESTRICTED))]
                                         + [(Occur.MustNot, q) for q in mine])
            return [], [hidden]
        if not principals:
            return [Query.empty_query()], []
        return [Query.const_score_query(Query.term_set_query(self.schema, "readers", principals), 0.0)], []

    def _access_query(self, p: Plan) -> Query:
        required, excluded = self._access(p)
        return self._combine(None, required, excluded)

    @staticmethod
    def _within(q: Query, inside: list[tuple[Any, Query]] | None) -> Query:
        """A leaf restricted to a sample: the sample's short posting list leads each leaf's intersection,
        so a union of leaves (fields, languages) never has to be sought through record by record."""
        return Query.boolean_query([(Occur.Must, q)] + inside) if inside else q

    def _leaf_field(self, field: str, lang: str, level: int) -> str:
        return f"{field}_{lang}_s{level}" if level in TEXT_SAMPLE_LEVELS else f"{field}_{lang}"

    def _text_term(self, lang: str, fields: tuple[str, ...], term: str, fuzzy: int, boosted: bool,
                   level: int = 0, inside: list[tuple[Any, Query]] | None = None) -> Query:
        subs = []
        for f in fields:
            name = self._leaf_field(f, lang, level)
            if fuzzy:
                q = Query.fuzzy_term_query(self.schema, name, term, distance=fuzzy)
            else:
                q = self._term(name, term)
            q = self._within(q, inside)
            subs.append(Query.boost_query(q, FIELD_WEIGHTS[f]) if boosted else q)
        return subs[0] if len(subs) == 1 else Query.disjunction_max_query(subs, 0.1)

    def _phrase(self, lang: str, fields: tuple[str, ...], words: list[str], boosted: bool,
                level: int = 0, inside: list[tuple[Any, Query]] | None = None) -> Query:
        subs = []
        for f in fields:
            q = self._within(Query.phrase_query(self.schema, self._leaf_field(f, lang, level), words), inside)
            subs.append(Query.boost_query(q, FIELD_WEIGHTS[f]) if boosted else q)
        return subs[0] if len(subs) == 1 else Query.disjunction_max_query(subs, 0.1)

    def _alternatives(self, c, fuzzy: bool) -> list[tuple[str, list[str], int]]:
        """(language, terms, edit distance) for each language the clause's text is analysed in."""
        en = self._en.analyze(c.text) if not has_hangul(c.text) else []
        ko = ko_tokens(c.text)
        dist = fuzzy_distance(c.text) if (fuzzy and c.kind == "word") else 0
        return [(lang, terms, dist if lang == "en" else 0) for lang, terms in (("en", en), ("ko", ko)) if terms]

    def _clause(self, c, fuzzy: bool, searcher: tantivy.Searcher | None = None, level: int = 0,
                inside: list[tuple[Any, Query]] | None = None) -> Query | None:
        """The clause as (English alternative) OR (Korean alternative), each over the text fields.

        With a searcher, fields in which a term occurs in no record are left out (and an alternative
        that cannot match at all): their postings are empty, so the matches and the scores stay the same,
        but every field left in costs the union a little on every candidate record."""
        fields = RESTRICT.get(c.field, TEXT_FIELDS)
        boosted = len(fields) > 1
        alts = []
        pruned = False

        def present(lang: str, term: str) -> tuple[str, ...]:
            if searcher is None:
                return fields
            return tuple(f for f in fields if searcher.doc_freq(f"{f}_{lang}", term) > 0)

        for lang, terms, dist in self._alternatives(c, fuzzy):
            if c.kind == "phrase" and len(terms) > 1:
                live = fields
                if searcher is not None:
                    live = tuple(f for f in fields if all(searcher.doc_freq(f"{f}_{lang}", t) > 0 for t in terms))
                if not live:
                    pruned = True
                    continue
                alts.append(self._phrase(lang, live, terms, boosted, level, inside))
            else:
                per_term = [(t, fields if dist else present(lang, t)) for t in terms]
                if any(not live for _, live in per_term):
                    pruned = True
                    continue
                alts.append(_and([self._text_term(lang, live, t, dist, boosted, level, inside)
                                  for t, live in per_term]))
        if not alts and pruned:
            return Query.empty_query()
        return _or(alts)

    def _constraint_field(self, c: Constraint) -> str:
        return {"organism": "taxa", "term": "terms"}.get(c.field, c.field)

    def _constraint(self, c: Constraint) -> Query:
        if c.field == "year":
            subs = [Query.range_query(self.schema, "year", FieldType.Integer, lower_bound=lo, upper_bound=hi)
                    for lo, hi in c.year_ranges()]
        else:
            subs = [self._term(self._constraint_field(c), k) for k in c.keys()]
        return _or(subs)

    def _walk(self, searcher: tantivy.Searcher, p: Plan, fuzzy: bool) -> tuple[int, int]:
        """(records a pass walks, of which the text's), estimated from document frequencies: tantivy's
        intersection is led by its shortest required posting list, so that list's length is the cost.
        A text clause costs the sum of its fields' and languages' lists (a union); several clauses, the
        cheapest; the text's share is what sampled text fields divide."""
        n = searcher.num_docs
        text = n
        for c in p.text:
            if c.negate:
                continue
            fields = RESTRICT.get(c.field, TEXT_FIELDS)
            cost = 0
            for lang, terms, dist in self._alternatives(c, fuzzy):
                if dist:
                    cost = n
                    break
                cost += min(sum(searcher.doc_freq(f"{f}_{lang}", t) for f in fields) for t in terms)
            text = min(text, cost)
        others = n
        for c in list(p.fields) + list(p.filters.values()):
            if not c.negate and c.field != "year":
                others = min(others, sum(searcher.doc_freq(self._constraint_field(c), k) for k in c.keys()))
        return min(text, others), (text if p.scored else n)

    def _sample_level(self, searcher: tantivy.Searcher, p: Plan, fuzzy: bool) -> tuple[int, bool]:
        """(the sample level this query's passes work on, whether its text reads the level's sampled text
        fields). Level 0 (everything, exactly) while a pass walks at most approx_threshold records; else the
        lowest level (the largest sample) a pass walks in about sample_budget records. Sampled text fields
        are read when the text's lists are shorter than all the records (else a level's own list, which
        then leads each text leaf, is as short): a pass walks those lists over 2**j."""
        if self.approx_threshold is None:
            return 0, False
        walk, text = self._walk(searcher, p, fuzzy)
        if walk <= self.approx_threshold:
            return 0, False
        n = searcher.num_docs
        sampled_text = p.scored and text < n
        for level in range(1, SAMPLE_LEVELS + 1):
            own = (text >> level) if (sampled_text and level in TEXT_SAMPLE_LEVELS) else min(text, n >> level)
            if min(walk, own) <= self.sample_budget:
                return level, sampled_text
        return SAMPLE_LEVELS, sampled_text

    def _base(self, p: Plan, fuzzy: bool, searcher: tantivy.Searcher | None = None, level: int = 0,
              inside: list[tuple[Any, Query]] | None = None) -> tuple[Query | None, list[Query], list[Query]]:
        """(scored text query, required constraint queries, excluded queries); the positive text clauses
        read the fields of sample `level` (0: all) and carry the clauses `inside` in every leaf."""
        must: list[Query] = []
        must_not: list[Query] = []
        for c in p.text:
            q = self._clause(c, fuzzy, searcher, 0 if c.negate else level, None if c.negate else inside)
            if q is None:
                continue
            (must_not if c.negate else must).append(q)
        cons: list[Query] = []
        for c in p.fields:
            q = self._constraint(c)
            if c.negate:
                must_not.append(q)
            else:
                cons.append(Query.const_score_query(q, 0.0))
        return (_and(must) if must else None), cons, must_not

    @staticmethod
    def _combine(text: Query | None, required: list[Query], must_not: list[Query]) -> Query:
        clauses = ([(Occur.Must, text)] if text is not None else []) + [(Occur.Must, q) for q in required]
        if not clauses:
            clauses = [(Occur.Must, Query.all_query())]
        clauses += [(Occur.MustNot, q) for q in must_not]
        return Query.boolean_query(clauses)

    def query(self, query: SearchQuery) -> SearchResult:
        p = plan(query)
        searcher = self._fresh()
        access = self._access(p)
        if p.accession and not query.cursor:
            found = searcher.search(self._combine(self._term("id", p.accession), *access), 1, count=False)
            if found.hits:
                hit = self._hit(searcher, found.hits[0][1], 1.0, p, snippets=False)
                return SearchResult([hit], {}, 1, None, redirect=hit.id)
        result = self._run(searcher, p, access, fuzzy=False)
        if result.total == 0 and p.scored and any(fuzzy_distance(c.text) for c in p.text if c.kind == "word"):
            p.fuzzy = p.fuzzy_stems()
            fuzzy_result = self._run(searcher, p, access, fuzzy=True)
            if fuzzy_result.total:
                fuzzy_result.fuzzy = True
                return fuzzy_result
        return result

    def _run(self, searcher: tantivy.Searcher, p: Plan, access: tuple[list[Query], list[Query]],
             fuzzy: bool) -> SearchResult:
        q = p.query
        filters = {name: Query.const_score_query(self._constraint(c), 0.0) for name, c in p.filters.items()}
        scored = p.scored
        level, sampled_text = self._sample_level(searcher, p, fuzzy)

        def build(skip: str | None = None, level: int = 0, exclude: int = 0) -> Query:
            """The query, less the filter of facet `skip`, restricted to sample level `level` (0: all) and
            outside level `exclude` (0: none). The text reads the level's sampled text fields where it
            has them (and sampled_text); otherwise the level's list goes into every text leaf and the top."""
            own_fields = sampled_text and level in TEXT_SAMPLE_LEVELS
            sample = [(Occur.Must, Query.const_score_query(self._term("sample", level), 0.0))] if level else []
            outside = [(Occur.MustNot, self._term("sample", exclude))] if exclude else []
            inside = (outside if own_fields else sample + outside) if level else None
            text, required, must_not = self._base(p, fuzzy, searcher, level if own_fields else 0, inside)
            top = [] if own_fields else [c for _, c in sample]
            return self._combine(text, access[0] + required + [f for k, f in filters.items() if k != skip] + top,
                                 access[1] + must_not + [c for _, c in outside])

        # Counts: one aggregation for the total and the facets without an active filter, one per facet with
        # a filter (its own filter left out, so its other values stay visible); all on the same sample level
        # (see _sample_level). tantivy releases the GIL while it searches, so they and the page run side by side.
        larger = functools.partial(self._larger, sampled_text=sampled_text)
        main_aggs: dict[str, Any] = {name: {"terms": {"field": name, "size": q.facet_size}}
                                     for name in q.facets if name not in p.filters}
        main_aggs["_n"] = {"value_count": {"field": "date_key"}}
        jobs = {}
        for name in q.facets:
            if name in p.filters:
                jobs[name] = _POOL.submit(self._counts, searcher, functools.partial(build, name),
                                          {name: {"terms": {"field": name, "size": q.facet_size}},
                                           "_n": main_aggs["_n"]}, level, larger)
        jobs["_main"] = _POOL.submit(self._counts, searcher, build, main_aggs, level, larger)
        hits, next_cursor, page_sampled = self._page(searcher, p, build, scored, level if self.sample_pages else 0,
                                                     larger)
        raw, total, approximate = jobs["_main"].result()
        approximate = approximate or page_sampled
        if next_cursor is not None and total <= 0:
            next_cursor = None
        facets: dict[str, list] = {}
        for name in q.facets:
            if name in p.filters:
                sub, _, sub_approx = jobs[name].result()
                approximate = approximate or sub_approx
            else:
                sub = raw
            facets[name] = facet_values(name, ((self._bucket_key(b["key"]), b["doc_count"])
                                               for b in sub[name]["buckets"]))
        return SearchResult(hits, facets, total, next_cursor, approximate=approximate)

    def _larger(self, level: int, seen: int, sampled_text: bool) -> int:
        """The level to retry on when sample `level` held only `seen` (fewer than sample_floor) matches: the
        highest lower level expected to hold sample_floor, within RETRY_STEPS levels (with sampled text
        fields where the text reads them); else 0, everything, exactly (a small result set)."""
        levels = TEXT_SAMPLE_LEVELS if sampled_text else range(1, level)
        for j in sorted((j for j in levels if level - RETRY_STEPS <= j < level), reverse=True):
            if (seen << (level - j)) >= self.sample_floor:
                return j
        return 0

    def _counts(self, searcher: tantivy.Searcher, build: Callable[..., Query], aggs: dict[str, Any],
                level: int, larger: Callable[[int, int], int]) -> tuple[dict[str, Any], int, bool]:
        """(aggregation result, number of matches, approximate?); `aggs` holds "_n", a value_count of a field
        every record has. On sample level j > 0 every count is scaled by 2**j; a sample holding fewer than
        sample_floor matches is retried once on a larger one (`larger`, see _larger), or counted exactly."""
        if level:
            raw = searcher.aggregate(build(level=level), aggs)
            seen = self._n(raw)
            if seen < self.sample_floor:
                level = larger(level, seen)
                if level:
                    raw = searcher.aggregate(build(level=level), aggs)
                    seen = self._n(raw)
            if level and seen >= self.sample_floor:
                return self._scaled(raw, level), seen << level, True
        raw = searcher.aggregate(build(), aggs)
        return raw, self._n(raw), False

    @staticmethod
    def _n(raw: dict[str, Any]) -> int:
        return int(raw.get("_n", {}).get("value", 0) or 0)

    @staticmethod
    def _scaled(raw: dict[str, Any], level: int) -> dict[str, Any]:
        for name, agg in raw.items():
            for b in agg.get("buckets", ()) if isinstance(agg, dict) else ():
                b["doc_count"] = int(b["doc_count"]) << level
        return raw

    @staticmethod
    def _bucket_key(key: Any) -> str:
        return str(int(key)) if isinstance(key, float) and key.is_integer() else str(key)

    @staticmethod
    def _strata(top: int) -> list[int]:
        """The sample levels a sampled relevance walk goes through: `top`, the lower levels with sampled
        text fields, then 0 (everything); each stratum leaves out the one before it."""
        return [top] + [level for level in reversed(TEXT_SAMPLE_LEVELS) if level < top] + [0]

    def _valid_key(self, relevance: bool, key: Any) -> bool:
        """A cursor key as _page writes it: [offset, last score, ids at that score] (+ [top, stratum] on a
        sampled walk) for relevance, else the last sort value."""
        if not relevance:
            return is_int(key)
        if not (isinstance(key, list) and len(key) in (3, 5) and is_int(key[0]) and key[0] >= 0
                and isinstance(key[2], list) and all(isinstance(i, str) for i in key[2])):
            return False
        if len(key) == 3:
            return True
        top, k = key[3], key[4]
        return is_int(top) and is_int(k) and 0 <= top <= SAMPLE_LEVELS and k in self._strata(top)

    def _page(self, searcher: tantivy.Searcher, p: Plan, build: Callable[..., Query], scored: bool,
              level: int = 0, larger: Callable[[int, int], int] | None = None) -> tuple[list[Hit], str | None, bool]:
        """One page of hits, the next cursor, and whether the page ranks a sample (see below).

        Relevance order costs a scoring pass over every match (tantivy prunes only pure term unions, and
        the quality weight turns that off too). Over a large result set (level > 0) the walk goes through
        strata instead (see _strata; levels nest, so the strata are disjoint and together hold every
        match): the best of a sample of the matches come first, every record still comes exactly once, and
        the first pages cost a pass over the sample only. The cursor carries the stratum."""
        q = p.query
        key = decode_cursor(q, functools.partial(self._valid_key, q.sort == "relevance" and scored))
        limit = q.limit
        if q.sort == "relevance" and scored:
            # tantivy's Python API has no score-threshold collector, so a relevance cursor carries the
            # position and the last score; the top-n collector's cost is linear in matches whatever the
            # position (it keeps a bounded buffer), and hits at or above the last score already shown
            # are dropped so a page never repeats a record.
            if key is None:
                offset, last_ids, top, k = 0, [], level, level
            else:
                offset, _, last_ids = key[:3]
                top, k = (key[3], key[4]) if len(key) >= 5 else (0, 0)
            strata = self._strata(top)
            retried = False
            hits: list[Hit] = []
            while True:
                above = strata[strata.index(k) - 1] if k != top else 0
                stratum = build(level=k, exclude=above) if top else build()
                first = key is None and k == top > 0
                res = searcher.search(stratum, limit - len(hits) + len(last_ids) + 1,
                                      count=first, offset=offset, weight_by_field="qboost")
                if first and res.count < self.sample_floor:
                    # Too small a sample for a fair first page (a smaller result set behind a long posting
                    # list, such as a conjunction of common words): a larger one, like the counts; or exactly.
                    top = k = larger(top, res.count) if (larger and not retried) else 0
                    strata, retried = self._strata(top), True
                    continue
                seen = set(last_ids)
                raw_hits = res.hits
                here: list[Hit] = []
                consumed = offset
                for score, addr in raw_hits:
                    if len(hits) + len(here) == limit:
                        break
                    consumed += 1
                    doc = searcher.doc(addr)
                    if doc.get_first("id") in seen:
                        continue
                    here.append(self._hit(searcher, addr, float(score), p, doc=doc))
                hits += here
                if len(raw_hits) > consumed - offset and here:  # more in this stratum
                    tail = [h.id for h in here if abs(h.score - here[-1].score) < 1e-9]
                    return hits, encode_cursor(q, [consumed, here[-1].score, tail] + ([top, k] if top else [])), top > 0
                if top == 0 or k == 0:
                    return hits, None, top > 0
                k, offset, last_ids = strata[strata.index(k) + 1], 0, []
                if len(hits) == limit:
                    return hits, encode_cursor(q, [0, None, [], top, k]), True
        field, order = {"relevance": ("rank_key", tantivy.Order.Desc), "date": ("date_key", tantivy.Order.Desc),
                        "date_asc": ("date_key", tantivy.Order.Asc)}[q.sort]
        full = query = build()
        if key is not None:
            desc = order == tantivy.Order.Desc
            if desc:
                rng = Query.range_query(self.schema, field, FieldType.Integer, upper_bound=key,
                                        include_upper=False)
            else:
                rng = Query.range_query(self.schema, field, FieldType.Integer, lower_bound=key,
                                        include_lower=False)
            query = Query.boolean_query([(Occur.Must, full), (Occur.Must, rng)])
        res = searcher.search(query, limit + 1, count=False, order_by_field=field, order=order)
        rows = res.hits[:limit]
        hits = [self._hit(searcher, addr, 0.0, p) for _, addr in rows]
        more = len(res.hits) > limit
        return hits, (encode_cursor(q, int(rows[-1][0])) if more and rows else None), False

    def _hit(self, searcher: tantivy.Searcher, addr: Any, score: float, p: Plan, doc: Any = None,
             snippets: bool = True) -> Hit:
        doc = doc or searcher.doc(addr)
        src = json.loads(bytes(doc.get_first("src")).decode())
        title = src.get("title_en") or src.get("title_ko") or doc.get_first("id")
        snips = snippets_for(src, p.en_terms, p.ko_terms, fuzzy=p.fuzzy) if (snippets and p.query.snippets) else []
        return Hit(doc.get_first("id"), doc.get_first("kind"), score, title, src.get("title_ko", ""), snips)

    def suggest(self, prefix: str, principals: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
        prefix = prefix.strip().lower()
        if not prefix:
            return []
        from .model import SearchQuery as _Q

        p = plan(_Q(principals=frozenset(principals)))
        searcher = self._fresh()
        rows = searcher.terms_with_prefix("suggest", prefix, filter_query=self._access_query(p), limit=limit)
        return [(t, int(n)) for t, n in rows if n > 0]

