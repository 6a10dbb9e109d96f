"""Korean and English analysis shared by every engine, the query parser and the highlighter.

Korean goes through a real morphological analyser (MeCab-ko by default: about 6x Kiwi's throughput here,
which matters at 7 million records; Kiwi when MeCab-ko is missing or asked for). Only content morphemes
are kept (nouns, roots, verb/adjective stems, foreign words, numbers), so "간암을" and "간암" index alike.
Analysis runs per eojeol (space-separated word) with a memo: titles and descriptions reuse a small
vocabulary of eojeols, so most words are analysed once per process.

English is split on non-alphanumerics, lowercased and stemmed with Snowball English (PyStemmer); the
tantivy engine runs the same Snowball algorithm in Rust at index time.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

import Stemmer

_WORD = re.compile(r"[^\W_]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_CONTENT_TAGS = ("NNG", "NNP", "NR", "SL", "SN", "SH", "XR", "VV", "VA")
MAX_TOKEN_LEN = 40

_stemmer = Stemmer.Stemmer("english")


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


def en_tokens(text: str) -> list[str]:
    """Stemmed English tokens in order (positions matter for phrases)."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) <= MAX_TOKEN_LEN]
    return _stemmer.stemWords(words) if words else []


def en_tokens_with_offsets(text: str) -> Iterator[tuple[str, int, int]]:
    for m in _WORD.finditer(text):
        w = m.group(0).lower()
        if len(w) <= MAX_TOKEN_LEN:
            yield _stemmer.stemWord(w), m.start(), m.end()


class KoreanAnalyzer:
    """Content morphemes of Korean text; one analyser object per process (taggers are not fork-safe)."""

    def __init__(self, backend: str = "auto", memo_size: int = 500_000):
        self.backend = backend
        self._memo: dict[str, tuple[tuple[str, int, int], ...]] = {}
        self._joined: dict[str, str] = {}
        self._memo_size = memo_size
        self._tagger = None
        if backend in ("auto", "mecab"):
            try:
                import mecab_ko

                self._tagger = mecab_ko.Tagger()
                self.backend = "mecab"
            except Exception:  # noqa: BLE001 - fall back to Kiwi when MeCab-ko cannot load
                if backend == "mecab":
                    raise
        if self._tagger is None:
            from kiwipiepy import Kiwi

            self._tagger = Kiwi(num_workers=0)
            self.backend = "kiwi"

    def _analyse_eojeol(self, word: str) -> tuple[tuple[str, int, int], ...]:
        """(morpheme, start, end) within the eojeol."""
        out: list[tuple[str, int, int]] = []
        if self.backend == "mecab":
            pos = 0
            for line in self._tagger.parse(word).split("\n"):
                if not line or line == "EOS":
                    continue
                surface, _, feature = line.partition("\t")
                start = word.find(surface, pos)
                if start < 0:
                    start = pos
                end = start + len(surface)
                pos = end
                parts = feature.split(",")
                tag = parts[0].split("+")[0]
                if tag not in _CONTENT_TAGS:
                    continue
                form = surface
                if tag in ("VV", "VA") and "+" in parts[0] and len(parts) > 7 and parts[7] != "*":
                    form = parts[7].split("+")[0].split("/")[0]
                out.append((form.lower(), start, end))
        else:
            for tok in self._tagger.tokenize(word):
                tag = tok.tag.split("-")[0]
                if tag in _CONTENT_TAGS:
                    out.append((tok.form.lower(), tok.start, tok.start + tok.len))
        return tuple(t for t in out if 0 < len(t[0]) <= MAX_TOKEN_LEN)

    def eojeol(self, word: str) -> tuple[tuple[str, int, int], ...]:
        hit = self._memo.get(word)
        if hit is None:
            if not has_hangul(word):
                hit = tuple((m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(word)
                            if len(m.group(0)) <= MAX_TOKEN_LEN)
            else:
                hit = self._analyse_eojeol(word)
            if len(self._memo) >= self._memo_size:
                self._memo.clear()
            self._memo[word] = hit
        return hit

    def tokens(self, text: str) -> list[str]:
        return self.joined(text).split()

    def joined(self, text: str) -> str:
        """Content morphemes joined by spaces: the hot path of indexing, memoised per eojeol."""
        memo = self._joined
        get = memo.get
        parts = []
        for word in text.split():
            forms = get(word)
            if forms is None:
                forms = " ".join(t[0] for t in self.eojeol(word))
                if len(memo) >= self._memo_size:
                    memo.clear()
                memo[word] = forms
            if forms:
                parts.append(forms)
        return " ".join(parts)

    def tokens_with_offsets(self, text: str) -> Iterator[tuple[str, int, int]]:
        for m in re.finditer(r"\S+", text):
            for form, s, e in self.eojeol(m.group(0)):
                yield form, m.start() + s, m.start() + e


_korean: KoreanAnalyzer | None = None


def korean() -> KoreanAnalyzer:
    global _korean
    if _korean is None:
        _korean = KoreanAnalyzer()
    return _korean


def ko_tokens(text: str) -> list[str]:
    return korean().tokens(text)


def ko_joined(text: str) -> str:
    return korean().joined(text)


@lru_cache(maxsize=4096)
def analyse_word(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A query word as (English stems, Korean morphemes): the query matches either language's fields."""
    return tuple(en_tokens(word)), tuple(ko_tokens(word))
