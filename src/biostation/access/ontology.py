"""The vocabularies access decisions rest on: DUO terms (with their is_a tree), a disease ontology subset
(MONDO with DOID cross-references) and taxon lineages.

DUO and the NCBI taxonomy come from the registration forms' vocabularies (``biostation.forms.vocabularies``)
when that package is installed; the small tables here keep access working without it.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# DUO: id -> (parent, short code, English label, Korean label). Used when forms' DUO table is unavailable.
_DUO_FALLBACK: dict[str, tuple[str | None, str, str, str]] = {
    "DUO:0000001": (None, "", "data use permission", "데이터 이용 허가"),
    "DUO:0000004": ("DUO:0000001", "NRES", "no restriction", "제한 없음"),
    "DUO:0000042": ("DUO:0000001", "GRU", "general research use", "일반 연구 목적 이용"),
    "DUO:0000006": ("DUO:0000042", "HMB", "health or medical or biomedical research", "보건·의학·생의학 연구"),
    "DUO:0000007": ("DUO:0000006", "DS", "disease specific research", "특정 질병 연구"),
    "DUO:0000011": ("DUO:0000042", "POA", "population origins or ancestry research only", "인구 기원·조상 연구 전용"),
    "DUO:0000017": (None, "", "data use modifier", "데이터 이용 조건"),
    "DUO:0000012": ("DUO:0000017", "RS", "research specific restrictions", "연구 특정 제한"),
    "DUO:0000015": ("DUO:0000017", "NMDS", "no general methods research", "일반 방법론 연구 불가"),
    "DUO:0000016": ("DUO:0000017", "GSO", "genetic studies only", "유전 연구 전용"),
    "DUO:0000018": ("DUO:0000017", "NPUNCU", "not for profit, non commercial use only", "비영리·비상업적 이용 전용"),
    "DUO:0000045": ("DUO:0000017", "NPU", "not for profit organisation use only", "비영리 기관 이용 전용"),
    "DUO:0000046": ("DUO:0000017", "NCU", "non-commercial use only", "비상업적 이용 전용"),
    "DUO:0000019": ("DUO:0000017", "PUB", "publication required", "출판 필수"),
    "DUO:0000020": ("DUO:0000017", "COL", "collaboration required", "공동연구 필수"),
    "DUO:0000021": ("DUO:0000017", "IRB", "ethics approval required", "윤리 승인 필수"),
    "DUO:0000022": ("DUO:0000017", "GS", "geographical restriction", "지역 제한"),
    "DUO:0000024": ("DUO:0000017", "MOR", "publication moratorium", "출판 유예"),
    "DUO:0000025": ("DUO:0000017", "TS", "time limit on use", "이용 기간 제한"),
    "DUO:0000026": ("DUO:0000017", "US", "user specific restriction", "사용자 제한"),
    "DUO:0000027": ("DUO:0000017", "PS", "project specific restriction", "과제 제한"),
    "DUO:0000028": ("DUO:0000017", "IS", "institution specific restriction", "기관 제한"),
    "DUO:0000029": ("DUO:0000017", "RTN", "return to database or resource", "데이터베이스 환원"),
    "DUO:0000043": ("DUO:0000017", "CC", "clinical care use", "임상 진료 이용"),
    "DUO:0000044": ("DUO:0000017", "NPOA", "population origins or ancestry research prohibited",
                    "인구 기원·조상 연구 금지"),
}
PERMISSION_ROOT = "DUO:0000001"
MODIFIER_ROOT = "DUO:0000017"

# Pathogen lineages kept for when the forms' NCBI taxonomy subset is unavailable: taxid -> parent.
_TAXA_FALLBACK: dict[int, int | None] = {
    1: None, 10239: 1, 76804: 10239, 11118: 76804, 2501931: 11118, 694002: 2501931, 2509511: 694002,
    694009: 2509511, 2697049: 694009, 2509494: 694002, 1335626: 2509494, 11308: 10239, 197911: 11308,
    11320: 197911, 197912: 11308, 11520: 197912, 131567: 1, 2: 131567, 2759: 131567,
}


@dataclass(frozen=True)
class DuoTerm:
    id: str
    code: str
    label_en: str
    label_ko: str
    parent: str | None


@lru_cache(maxsize=1)
def duo_terms() -> dict[str, DuoTerm]:
    try:
        from ..forms import vocabularies
        vocab = vocabularies.get("duo")
        terms = {t.id: DuoTerm(t.id, t.synonyms[0] if t.synonyms else "", t.label_en, t.label_ko, t.parent)
                 for t in vocab.terms.values()}
        if terms:
            return terms
    except Exception:  # noqa: BLE001 - forms not installed: fall back to the built-in table
        pass
    return {k: DuoTerm(k, code, en, ko, parent) for k, (parent, code, en, ko) in _DUO_FALLBACK.items()}


@lru_cache(maxsize=1)
def _duo_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for t in duo_terms().values():
        out[t.id.casefold()] = t.id
        out[t.id.replace(":", "_").casefold()] = t.id
        if t.code:
            out[t.code.casefold()] = t.id
    return out


def duo_id(value: str) -> str | None:
    """'HMB', 'DUO:0000006' or 'DUO_0000006' -> 'DUO:0000006'; None if unknown."""
    return _duo_lookup().get(str(value).strip().casefold())


def duo_code(term_id: str) -> str:
    t = duo_terms().get(term_id)
    return (t.code or t.id) if t else term_id


def duo_ancestors_or_self(term_id: str) -> list[str]:
    out, seen = [], set()
    cur: str | None = term_id
    terms = duo_terms()
    while cur and cur not in seen:
        out.append(cur)
        seen.add(cur)
        cur = terms[cur].parent if cur in terms else None
    return out


def is_permission(term_id: str) -> bool:
    return term_id != PERMISSION_ROOT and PERMISSION_ROOT in duo_ancestors_or_self(term_id)


def is_modifier(term_id: str) -> bool:
    return term_id != MODIFIER_ROOT and MODIFIER_ROOT in duo_ancestors_or_self(term_id)


# diseases -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Disease:
    id: str
    label_en: str
    label_ko: str
    parents: tuple[str, ...]
    xrefs: tuple[str, ...]


@lru_cache(maxsize=1)
def diseases() -> dict[str, Disease]:
    out: dict[str, Disease] = {}
    with (DATA / "diseases.tsv").open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        for row in rows:
            out[row["id"]] = Disease(row["id"], row["label_en"], row["label_ko"],
                                     tuple(p for p in (row["parents"] or "").split("|") if p),
                                     tuple(x for x in (row["xrefs"] or "").split("|") if x))
    return out


@lru_cache(maxsize=1)
def _disease_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for d in diseases().values():
        for key in (d.id, d.id.replace(":", "_"), *d.xrefs, *(x.replace(":", "_") for x in d.xrefs), d.label_en,
                    d.label_ko):
            out.setdefault(key.casefold(), d.id)
    return out


def disease_id(value: str) -> str | None:
    """A MONDO id, a DOID cross-reference or a label -> the MONDO id kept here; None if unknown."""
    return _disease_lookup().get(str(value).strip().casefold())


@lru_cache(maxsize=4096)
def disease_ancestors_or_self(term_id: str) -> frozenset[str]:
    table = diseases()
    out: set[str] = set()
    stack = [term_id]
    while stack:
        cur = stack.pop()
        if cur in out:
            continue
        out.add(cur)
        if cur in table:
            stack.extend(table[cur].parents)
    return frozenset(out)


def disease_within(term_id: str, allowed: list[str] | tuple[str, ...] | set[str]) -> bool:
    """True when `term_id` is one of `allowed` or a sub-type of one of them (DAG: any path counts)."""
    return not disease_ancestors_or_self(term_id).isdisjoint(allowed)


# taxa ---------------------------------------------------------------------------------------------------------
def taxon_lineage(taxid: int) -> list[int]:
    """The taxon and its ancestors (forms' NCBI subset if installed, else the small pathogen table)."""
    try:
        from ..forms import vocabularies
        return [int(taxid), *vocabularies.ancestors(taxid)]
    except KeyError:
        pass
    except Exception:  # noqa: BLE001 - forms not installed
        pass
    out, cur = [], int(taxid)
    while cur is not None and cur not in out:
        out.append(cur)
        cur = _TAXA_FALLBACK.get(cur)
    return out


def taxon_known(taxid: int) -> bool:
    try:
        from ..forms import vocabularies
        return vocabularies.taxon(str(taxid)) is not None
    except Exception:  # noqa: BLE001
        return int(taxid) in _TAXA_FALLBACK


def taxon_name(taxid: int) -> str:
    try:
        from ..forms import vocabularies
        term = vocabularies.taxon(str(taxid))
        return term.label_en if term else str(taxid)
    except Exception:  # noqa: BLE001
        return str(taxid)
