"""Highlighted snippets, computed from the stored text of hits the caller may read.

Done in Python with the same analysers as indexing, so Korean morphemes highlight correctly ("간암을"
lights up for a search on "간암") and every engine shows the same snippets.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import Iterable

from .analysis import _stemmer, en_tokens_with_offsets, has_hangul, korean

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


@lru_cache(maxsize=1024)
def _candidates(terms: frozenset[str]) -> re.Pattern[str]:
    """Words that could stem to a query term: a stem is a prefix of its word but for a final y->i."""
    prefixes = sorted({t[:-1] if len(t) > 3 else t for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, prefixes)) + r")[^\W_]*", re.I)


def within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most limit (the typo tolerance of fuzzy matching)."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        if min(cur) > limit:
            return False
        prev = cur
    return prev[-1] <= limit


def spans(text: str, en_terms: set[str], ko_terms: set[str],
          fuzzy: dict[str, int] | None = None) -> list[tuple[int, int]]:
    """Character spans of words whose analysed form is a query term (only candidate words are analysed);
    with `fuzzy` ({stem: distance}), words within that distance of a stem count too."""
    found: list[tuple[int, int]] = []
    if fuzzy:
        for t, s, e in en_tokens_with_offsets(text):
            if any(within(t, stem, d) for stem, d in fuzzy.items()):
                found.append((s, e))
    if en_terms:
        for m in _candidates(frozenset(en_terms)).finditer(text):
            word = m.group(0).lower()
            if word in en_terms or _stemmer.stemWord(word) in en_terms:
                found.append((m.start(), m.end()))
    if ko_terms and has_hangul(text):
        if any(t in text for t in ko_terms) or any(t[:1] in text for t in ko_terms):
            found += [(s, e) for t, s, e in korean().tokens_with_offsets(text) if t in ko_terms]
    elif ko_terms:
        for m in _candidates(frozenset(ko_terms)).finditer(text):
            if m.group(0).lower() in ko_terms:
                found.append((m.start(), m.end()))
    found.sort()
    merged: list[tuple[int, int]] = []
    for s, e in found:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def snippet(text: str, en_terms: set[str], ko_terms: set[str], max_chars: int = 200,
            fuzzy: dict[str, int] | None = None) -> str | None:
    """HTML-escaped fragment around the first match, matches wrapped in <mark>; None without a match."""
    if not text:
        return None
    found = spans(text, en_terms, ko_terms, fuzzy)
    if not found:
        return None
    start = max(0, found[0][0] - max_chars // 4)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(text), start + max_chars)
    out = ["…" if start else ""]
    pos = start
    for s, e in found:
        if s < start or e > end:
            continue
        out += [escape(text[pos:s]), MARK_OPEN, escape(text[s:e]), MARK_CLOSE]
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def snippets_for(src: dict[str, str], en_terms: set[str], ko_terms: set[str],
                 fields: Iterable[str] = ("title_en", "title_ko", "description_en", "description_ko"),
                 fuzzy: dict[str, int] | None = None) -> list[str]:
    out = []
    for name in fields:
        frag = snippet(src.get(name, ""), en_terms, ko_terms, fuzzy=fuzzy)
        if frag:
            out.append(frag)
    return out
