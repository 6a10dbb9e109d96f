"""PostgreSQL full-text search on a table of its own, for a station that runs on PostgreSQL.

It indexes exactly the tokens the embedded engine indexes (prepare.py: Snowball English stems, MeCab-ko
morphemes, ontology expansion), written as a tsvector literal so PostgreSQL's own parser, which does
not know Korean, never re-splits them. Lexemes carry a language prefix (e_ English, k_ Korean) and a
weight per field (A title, B description and keywords, C ontology), so field queries are weight
restrictions. The access rule is part of every WHERE clause, for hits, counts, facets and suggestions.
Relevance pages use a real keyset: (score, date_key) < (last score, last key).
"""
from __future__ import annotations

import json
import math
import re
import threading
import uuid
from typing import Any, Iterable

import psycopg
from psycopg import sql

from .analysis import en_tokens, has_hangul, ko_tokens
from .cursor import decode as decode_cursor, encode as encode_cursor, is_int
from .engine import Constraint, Plan, Progress, SearchEngine, facet_values, fuzzy_distance, plan
from .highlight import snippets_for
from .model import FACETS, Hit, SearchDoc, SearchQuery, SearchResult
from .ontology import BUILTIN, Ontology
from .prepare import PUBLIC, PUBLIC_AFTER_EMBARGO, Prepared, prepare

WEIGHT = {"title": "A", "body": "B", "onto": "C"}
RESTRICT = {None: "", "title": "A", "description": "B", "keyword": "B"}
MULTI = {name for name, (_, multi) in FACETS.items() if multi}
COLUMN = {"data_type": "data_type", "organism": "organism", "file_format": "file_format"}
MAX_POS = 16383
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


def _lit(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(p: Prepared) -> str:
    """Positions run through title, body and ontology text with a gap between fields (no phrase spans)."""
    positions: dict[str, list[str]] = {}
    pos = 0
    for field in ("title", "body", "onto"):
        for prefix, tokens in (("e_", en_tokens(p.text_en[field])), ("k_", p.text_ko[field].split())):
            for tok in tokens:
                pos = min(pos + 1, MAX_POS)
                slots = positions.setdefault(prefix + tok, [])
                if len(slots) < 255:
                    slots.append(f"{pos}{WEIGHT[field]}")
            pos = min(pos + 2, MAX_POS)
    return " ".join(f"{_lit(lex)}:{','.join(slots)}" for lex, slots in positions.items())


class PostgresEngine(SearchEngine):
    name = "postgres"

    def __init__(self, dsn: str, table: str = "search_docs", ontology: Ontology = BUILTIN):
        if not _NAME.match(table):
            raise ValueError(f"table name {table!r} must be a plain lower-case identifier")
        self.dsn = dsn
        self.table = table
        self.ontology = ontology
        self._lock = threading.RLock()
        self._write = psycopg.connect(dsn)
        self._read = psycopg.connect(dsn, autocommit=True)
        self._journal: list[tuple[str, Any]] | None = None
        with self._write.transaction():
            self._write.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            self._write.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
            self._create(self._write, table)
            self._write.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (word text PRIMARY KEY)").format(
                sql.Identifier(f"{table}_lex")))
            self._write.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (word gin_trgm_ops)").format(
                sql.Identifier(f"{table}_lex_trgm"), sql.Identifier(f"{table}_lex")))

    # ---------------------------------------------------------------- schema

    @staticmethod
    def _create(conn: psycopg.Connection, table: str) -> None:
        t = sql.Identifier(table)
        conn.execute(sql.SQL("""
            CREATE TABLE IF NOT EXISTS {} (
                id text PRIMARY KEY, kind text NOT NULL, src jsonb NOT NULL, tsv tsvector NOT NULL,
                taxa text[] NOT NULL, terms text[] NOT NULL, readers text[] NOT NULL, suggest text[] NOT NULL,
                research_field text, data_type text[], organism text[], ministry text, institution text,
                access_level text, file_format text[], quality_grade text, licence text, year int,
                embargo_until bigint NOT NULL, date_key bigint NOT NULL, rank_key bigint NOT NULL,
                qboost real NOT NULL)""").format(t))
        tag = uuid.uuid4().hex[:8]
        for col, method in (("tsv", "gin"), ("readers", "gin"), ("taxa", "gin"), ("terms", "gin"),
                            ("date_key", "btree"), ("rank_key", "btree")):
            conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING {} ({})").format(
                sql.Identifier(f"{table}_{col}_{tag}"), t, sql.SQL(method), sql.Identifier(col)))

    def drop(self) -> None:
        with self._lock, self._write.transaction():
            for name in (self.table, f"{self.table}_lex", f"{self.table}_new"):
                self._write.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))

    # ---------------------------------------------------------------- writing

    @staticmethod
    def _row(p: Prepared) -> tuple:
        f = p.facets
        first = lambda name: (f.get(name) or [None])[0]  # noqa: E731
        return (p.id, p.kind, json.dumps(p.src, ensure_ascii=False), tsvector_literal(p), p.taxa_keys, p.term_keys,
                p.readers, p.suggest, first("research_field"), f.get("data_type", []), f.get("organism", []),
                first("ministry"), first("institution"), first("access_level"), f.get("file_format", []),
                first("quality_grade"), first("licence"), p.year, p.embargo_until, p.date_key, p.rank_key,
                p.qboost)

    def _upsert(self, conn: psycopg.Connection, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = ("id, kind, src, tsv, taxa, terms, readers, suggest, research_field, data_type, organism, ministry, "
                "institution, access_level, file_format, quality_grade, licence, year, embargo_until, date_key, "
                "rank_key, qboost")
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols.split(", ")[1:])
        with conn.cursor() as cur:
            cur.executemany(sql.SQL(
                "INSERT INTO {} (" + cols + ") VALUES (%s, %s, %s::jsonb, %s::tsvector, %s, %s, %s, %s, %s, %s, "
                "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET " + updates
            ).format(sql.Identifier(table)), rows)
            words = sorted({lex.split("'")[1] for r in rows for lex in r[3].split(" ") if lex.startswith("'e_")})
            cur.executemany(sql.SQL("INSERT INTO {} VALUES (%s) ON CONFLICT DO NOTHING").format(
                sql.Identifier(f"{self.table}_lex")), [(w,) for w in words])

    def index(self, docs: Iterable[SearchDoc]) -> int:
        docs = list(docs)
        with self._lock:
            self._upsert(self._write, self.table, [self._row(prepare(d, self.ontology)) for d in docs])
            if self._journal is not None:
                self._journal += [("index", d) for d in docs]
        return len(docs)

    def delete(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        with self._lock:
            self._write.execute(sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(sql.Identifier(self.table)),
                                [ids])
            if self._journal is not None:
                self._journal += [("delete", i) for i in ids]
        return len(ids)

    def commit(self) -> None:
        with self._lock:
            self._write.commit()

    def count(self) -> int:
        return self._read.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(self.table))).fetchone()[0]

    def rebuild(self, docs: Iterable[SearchDoc], progress: Progress | None = None) -> int:
        """Load a new table while the old one serves; replay updates made meanwhile; rename in one transaction."""
        new = f"{self.table}_new"
        with self._lock:
            if self._journal is not None:
                raise RuntimeError("a rebuild is already running")
            self._journal = []
        conn = psycopg.connect(self.dsn)
        n = 0
        try:
            with conn.transaction():
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(new)))
                self._create(conn, new)
            batch: list[tuple] = []
            for doc in docs:
                batch.append(self._row(prepare(doc, self.ontology)))
                n += 1
                if len(batch) >= 1000:
                    self._upsert(conn, new, batch)
                    conn.commit()
                    batch = []
                if progress and n % 10_000 == 0:
                    progress(n)
            self._upsert(conn, new, batch)
            conn.commit()
            with self._lock:
                self._write.commit()
                for op, arg in self._journal:
                    if op == "index":
                        self._upsert(conn, new, [self._row(prepare(arg, self.ontology))])
                    else:
                        conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(sql.Identifier(new)), [arg])
                old = f"{self.table}_old"
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(old)))
                conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(self.table),
                                                                          sql.Identifier(old)))
                conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(new),
                                                                          sql.Identifier(self.table)))
                conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(old)))
                conn.commit()
                self._journal = None
        except BaseException:
            conn.rollback()
            with self._lock:
                self._journal = None
            raise
        finally:
            conn.close()
        if progress:
            progress(n)
        return n

    def close(self) -> None:
        for conn in (self._write, self._read):
            if not conn.closed:
                conn.close()

    # ---------------------------------------------------------------- reading

    def _access(self, p: Plan) -> tuple[str, list[Any]]:
        principals = sorted(set(p.query.principals))
        clause = "readers && %s::text[]"
        args: list[Any] = [principals]
        if PUBLIC in principals:
            clause = f"({clause} OR (readers @> ARRAY[%s]::text[] AND embargo_until <= %s))"
            args += [PUBLIC_AFTER_EMBARGO, p.now]
        return clause, args

    @staticmethod
    def _terms_query(prefix: str, terms: list[str], weight: str, phrase: bool, fuzzy: dict[str, list[str]]) -> str:
        def one(t: str) -> str:
            alts = fuzzy.get(t) if prefix == "e_" else None
            if alts:
                return "(" + " | ".join(_lit(a) + (f":{weight}" if weight else "") for a in alts) + ")"
            return _lit(prefix + t) + (f":{weight}" if weight else "")
        return "(" + (" <-> " if phrase else " & ").join(one(t) for t in terms) + ")"

    def _tsquery(self, p: Plan, fuzzy: dict[str, list[str]]) -> tuple[str | None, str | None]:
        """(positive tsquery, negative tsquery) in tsquery syntax over prefixed lexemes."""
        pos, neg = [], []
        for c in p.text:
            weight = RESTRICT.get(c.field, "")
            en = en_tokens(c.text) if not has_hangul(c.text) else []
            ko = ko_tokens(c.text)
            alts = []
            phrase = c.kind == "phrase"
            if en:
                alts.append(self._terms_query("e_", en, weight, phrase, fuzzy if not phrase else {}))
            if ko:
                alts.append(self._terms_query("k_", ko, weight, phrase, {}))
            if alts:
                (neg if c.negate else pos).append("(" + " | ".join(alts) + ")")
        return (" & ".join(pos) or None), (" | ".join(neg) or None)

    def _constraint(self, c: Constraint) -> tuple[str, list[Any]]:
        if c.field == "year":
            parts, args = [], []
            for lo, hi in c.year_ranges():
                parts.append("(year >= %s AND year <= %s)")
                args += [lo if lo is not None else -10**6, hi if hi is not None else 10**6]
            return "(" + " OR ".join(parts) + ")", args
        keys = c.keys()
        if c.field == "organism":
            return "taxa && %s::text[]", [keys]
        if c.field == "term":
            return "terms && %s::text[]", [keys]
        if c.field == "id":
            return "id = ANY(%s)", [keys]
        if c.field in MULTI:
            return f"{COLUMN[c.field]} && %s::text[]", [keys]
        return f"{c.field} = ANY(%s)", [keys]

    def _fuzzy_terms(self, p: Plan) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c in p.text:
            if c.kind != "word" or c.negate or has_hangul(c.text) or not fuzzy_distance(c.text):
                continue
            for stem in en_tokens(c.text):
                rows = self._read.execute(sql.SQL(
                    "SELECT word FROM {} WHERE word %% %s AND levenshtein(word, %s) <= %s ORDER BY word LIMIT 50"
                ).format(sql.Identifier(f"{self.table}_lex")), ["e_" + stem, "e_" + stem,
                                                                fuzzy_distance(c.text)]).fetchall()
                if rows:
                    out[stem] = [r[0] for r in rows]
        return out

    def query(self, query: SearchQuery) -> SearchResult:
        p = plan(query)
        if p.accession and not query.cursor:
            access, aargs = self._access(p)
            row = self._read.execute(sql.SQL(f"SELECT id, kind, src FROM {{}} WHERE id = %s AND {access}").format(
                sql.Identifier(self.table)), [p.accession, *aargs]).fetchone()
            if row:
                return SearchResult([self._hit(row, 1.0, p, snippets=False)], {}, 1, None, redirect=row[0])
        result = self._run(p, {})
        if result.total == 0 and p.scored and any(fuzzy_distance(c.text) for c in p.text if c.kind == "word"):
            fuzzy = self._fuzzy_terms(p)
            if fuzzy:
                p.fuzzy = p.fuzzy_stems()
                retry = self._run(p, fuzzy)
                if retry.total:
                    retry.fuzzy = True
                    return retry
        return result

    def _run(self, p: Plan, fuzzy: dict[str, list[str]]) -> SearchResult:
        q = p.query
        t = sql.Identifier(self.table)
        pos, neg = self._tsquery(p, fuzzy)
        base: list[tuple[str, list[Any]]] = [self._access(p)]
        if pos:
            base.append(("tsv @@ %s::tsquery", [pos]))
        if neg:
            base.append(("NOT (tsv @@ %s::tsquery)", [neg]))
        for c in p.fields:
            clause, args = self._constraint(c)
            base.append((f"NOT {clause}" if c.negate else clause, args))
        filters = {name: self._constraint(c) for name, c in p.filters.items()}

        def where(skip: str | None = None) -> tuple[str, list[Any]]:
            parts = base + [v for k, v in filters.items() if k != skip]
            return " AND ".join(c for c, _ in parts), [a for _, args in parts for a in args]

        w, args = where()
        total = self._read.execute(sql.SQL(f"SELECT count(*) FROM {{}} WHERE {w}").format(t), args).fetchone()[0]
        facets = {}
        for name in q.facets:
            fw, fargs = where(skip=name if name in p.filters else None)
            col = COLUMN.get(name, name)
            src = sql.SQL(f"FROM {{}}, unnest({col}) AS v WHERE {fw}" if name in MULTI
                          else f"FROM {{}} WHERE {fw} AND {col} IS NOT NULL").format(t)
            value = "v" if name in MULTI else (f"{col}::text")
            rows = self._read.execute(sql.SQL(f"SELECT {value}, count(*) ").format() + src +
                                      sql.SQL(" GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s"), [*fargs, q.facet_size])
            facets[name] = facet_values(name, rows.fetchall())
        hits, next_cursor = self._page(p, w, args, pos)
        return SearchResult(hits, facets, total, next_cursor)

    def _page(self, p: Plan, w: str, args: list[Any], pos: str | None) -> tuple[list[Hit], str | None]:
        q = p.query
        t = sql.Identifier(self.table)
        scored = q.sort == "relevance" and bool(pos)
        key = decode_cursor(q, lambda k: (isinstance(k, list) and len(k) == 2 and isinstance(k[0], (int, float))
                                          and not isinstance(k[0], bool) and is_int(k[1])) if scored else is_int(k))
        limit = q.limit
        if scored:
            score = ("ts_rank('{{0, 0.5, 0.3333, 1}}', tsv, %s::tsquery) * log(2, 2 + qboost::numeric)::float8")
            inner = sql.SQL(f"SELECT id, kind, src, date_key, {score} AS score FROM {{}} WHERE {w}").format(t)
            outer_args: list[Any] = [pos, *args]
            cond = ""
            if key is not None:
                cond = "WHERE (score, date_key) < (%s, %s)"
                outer_args += [float(key[0]), int(key[1])]
            rows = self._read.execute(sql.SQL("SELECT id, kind, src, date_key, score FROM (") + inner +
                                      sql.SQL(f") AS m {cond} ORDER BY score DESC, date_key DESC LIMIT %s"),
                                      [*outer_args, limit + 1]).fetchall()
            hits = [self._hit(r, float(r[4]), p) for r in rows[:limit]]
            more = len(rows) > limit
            return hits, (encode_cursor(q, [float(rows[limit - 1][4]), int(rows[limit - 1][3])]) if more else None)
        col, desc = {"relevance": ("rank_key", True), "date": ("date_key", True),
                     "date_asc": ("date_key", False)}[q.sort]
        cond, extra = "", []
        if key is not None:
            cond = f" AND {col} {'<' if desc else '>'} %s"
            extra = [int(key)]
        rows = self._read.execute(sql.SQL(
            f"SELECT id, kind, src, {col} FROM {{}} WHERE {w}{cond} ORDER BY {col} {'DESC' if desc else 'ASC'} "
            "LIMIT %s").format(t), [*args, *extra, limit + 1]).fetchall()
        hits = [self._hit(r, 0.0, p) for r in rows[:limit]]
        more = len(rows) > limit
        return hits, (encode_cursor(q, int(rows[limit - 1][3])) if more else None)

    def _hit(self, row: tuple, score: float, p: Plan, snippets: bool = True) -> Hit:
        doc_id, kind, src = row[0], row[1], row[2]
        if isinstance(src, str):
            src = json.loads(src)
        title = src.get("title_en") or src.get("title_ko") or doc_id
        snips = snippets_for(src, p.en_terms, p.ko_terms, fuzzy=p.fuzzy) if (snippets and p.query.snippets) else []
        return Hit(doc_id, kind, score if math.isfinite(score) else 0.0, title, src.get("title_ko", ""), snips)

    def suggest(self, prefix: str, principals: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
        prefix = prefix.strip().lower()
        if not prefix:
            return []
        p = plan(SearchQuery(principals=frozenset(principals)))
        access, args = self._access(p)
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._read.execute(sql.SQL(
            f"SELECT s, count(*) FROM {{}}, unnest(suggest) AS s WHERE s LIKE %s AND {access} "
            "GROUP BY s ORDER BY 2 DESC, 1 LIMIT %s").format(sql.Identifier(self.table)),
            [like, *args, limit]).fetchall()
        return [(s, int(n)) for s, n in rows]
