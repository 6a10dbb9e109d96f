"""Ancestor expansion, done at index time so a search or filter on a parent finds its descendants.

A record annotated with mouse (10090) is indexed with Muridae, Rodentia, Mammalia ... and their names;
one annotated "hepatocellular carcinoma" also carries "carcinoma", "liver cancer" and "cancer". Queries
then need no expansion, so they cost the same whatever the depth of the tree.

The lookups are injectable: the station passes the NCBI taxonomy subset and the ontologies shipped by the
registration forms; the small tables below are the fallback for tests, demos and the benchmark.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

# taxid: (parent taxid, scientific name, Korean name, other names)
TAXA: dict[int, tuple[int | None, str, str, tuple[str, ...]]] = {
    1: (None, "root", "", ()),
    131567: (1, "cellular organisms", "세포생물", ()),
    2759: (131567, "Eukaryota", "진핵생물", ("eukaryotes",)),
    33208: (2759, "Metazoa", "후생동물", ("animals",)),
    6656: (33208, "Arthropoda", "절지동물", ()),
    50557: (6656, "Insecta", "곤충강", ("insects",)),
    7227: (50557, "Drosophila melanogaster", "노랑초파리", ("fruit fly",)),
    7089: (50557, "Bombyx mori", "누에", ("silkworm",)),
    6231: (33208, "Nematoda", "선형동물", ("nematodes",)),
    6239: (6231, "Caenorhabditis elegans", "예쁜꼬마선충", ("C. elegans",)),
    7711: (33208, "Chordata", "척삭동물", ()),
    7742: (7711, "Vertebrata", "척추동물", ("vertebrates",)),
    7898: (7742, "Actinopterygii", "조기어강", ("ray-finned fishes",)),
    7955: (7898, "Danio rerio", "제브라피시", ("zebrafish",)),
    8030: (7898, "Salmo salar", "대서양연어", ("Atlantic salmon",)),
    8782: (7742, "Aves", "조류", ("birds",)),
    9031: (8782, "Gallus gallus", "닭", ("chicken",)),
    40674: (7742, "Mammalia", "포유류", ("mammals",)),
    9443: (40674, "Primates", "영장류", ()),
    9604: (9443, "Hominidae", "사람과", ("great apes",)),
    9606: (9604, "Homo sapiens", "사람", ("human",)),
    9544: (9443, "Macaca mulatta", "붉은털원숭이", ("rhesus monkey",)),
    9989: (40674, "Rodentia", "설치류", ("rodents",)),
    10066: (9989, "Muridae", "쥐과", ()),
    10090: (10066, "Mus musculus", "생쥐", ("mouse", "house mouse")),
    10116: (10066, "Rattus norvegicus", "시궁쥐", ("rat", "Norway rat")),
    91561: (40674, "Artiodactyla", "우제류", ("even-toed ungulates",)),
    9913: (91561, "Bos taurus", "소", ("cattle", "cow", "한우")),
    9823: (91561, "Sus scrofa", "돼지", ("pig",)),
    9940: (91561, "Ovis aries", "양", ("sheep",)),
    9615: (40674, "Canis lupus familiaris", "개", ("dog",)),
    33090: (2759, "Viridiplantae", "녹색식물", ("green plants", "plants")),
    3193: (33090, "Embryophyta", "육상식물", ("land plants",)),
    4479: (3193, "Poaceae", "벼과", ("grasses",)),
    4530: (4479, "Oryza sativa", "벼", ("rice",)),
    4577: (4479, "Zea mays", "옥수수", ("maize", "corn")),
    4565: (4479, "Triticum aestivum", "밀", ("bread wheat", "wheat")),
    3803: (3193, "Fabaceae", "콩과", ("legumes",)),
    3847: (3803, "Glycine max", "콩", ("soybean",)),
    3700: (3193, "Brassicaceae", "십자화과", ()),
    3702: (3700, "Arabidopsis thaliana", "애기장대", ("thale cress",)),
    3711: (3700, "Brassica rapa", "배추", ("Chinese cabbage",)),
    4070: (3193, "Solanaceae", "가지과", ("nightshades",)),
    4072: (4070, "Capsicum annuum", "고추", ("pepper", "chili pepper")),
    4081: (4070, "Solanum lycopersicum", "토마토", ("tomato",)),
    4113: (4070, "Solanum tuberosum", "감자", ("potato",)),
    4054: (3193, "Panax ginseng", "인삼", ("Korean ginseng", "ginseng")),
    4751: (2759, "Fungi", "균류", ("fungi",)),
    4932: (4751, "Saccharomyces cerevisiae", "출아효모", ("baker's yeast", "yeast")),
    5062: (4751, "Aspergillus oryzae", "누룩곰팡이", ("koji mold",)),
    2: (131567, "Bacteria", "세균", ("bacteria",)),
    1224: (2, "Pseudomonadota", "슈도모나스문", ("Proteobacteria",)),
    543: (1224, "Enterobacteriaceae", "장내세균과", ()),
    562: (543, "Escherichia coli", "대장균", ("E. coli",)),
    590: (543, "Salmonella enterica", "살모넬라", ()),
    1239: (2, "Bacillota", "후벽균문", ("Firmicutes",)),
    1423: (1239, "Bacillus subtilis", "고초균", ()),
    1280: (1239, "Staphylococcus aureus", "황색포도상구균", ()),
    1590: (1239, "Lactiplantibacillus plantarum", "락토바실러스 플란타룸", ("Lactobacillus plantarum",)),
    201174: (2, "Actinomycetota", "방선균문", ("Actinobacteria",)),
    1773: (201174, "Mycobacterium tuberculosis", "결핵균", ()),
    1902: (201174, "Streptomyces coelicolor", "스트렙토미세스 코엘리컬러", ()),
    10239: (1, "Viruses", "바이러스", ("viruses",)),
    11118: (10239, "Coronaviridae", "코로나바이러스과", ("coronaviruses",)),
    2697049: (11118, "Severe acute respiratory syndrome coronavirus 2", "사스코로나바이러스2",
              ("SARS-CoV-2", "코로나19 바이러스")),
    11308: (10239, "Orthomyxoviridae", "오르토믹소바이러스과", ()),
    11320: (11308, "Influenza A virus", "A형 인플루엔자 바이러스", ("influenza A",)),
    10407: (10239, "Hepatitis B virus", "B형 간염 바이러스", ("HBV",)),
    11676: (10239, "Human immunodeficiency virus 1", "인간면역결핍바이러스1", ("HIV-1",)),
}

# term id: (parent ids, English label, Korean label, synonyms)
TERMS: dict[str, tuple[tuple[str, ...], str, str, tuple[str, ...]]] = {
    "DOID:4": ((), "disease", "질병", ()),
    "DOID:162": (("DOID:4",), "cancer", "암", ("malignant neoplasm", "tumor")),
    "DOID:305": (("DOID:162",), "carcinoma", "암종", ()),
    "DOID:299": (("DOID:305",), "adenocarcinoma", "선암", ()),
    "DOID:3571": (("DOID:162",), "liver cancer", "간암", ()),
    "DOID:684": (("DOID:3571", "DOID:305"), "hepatocellular carcinoma", "간세포암종", ("HCC", "hepatoma")),
    "DOID:1324": (("DOID:162",), "lung cancer", "폐암", ()),
    "DOID:3910": (("DOID:1324", "DOID:299"), "lung adenocarcinoma", "폐선암", ()),
    "DOID:1612": (("DOID:162",), "breast cancer", "유방암", ()),
    "DOID:3459": (("DOID:1612", "DOID:305"), "breast carcinoma", "유방암종", ()),
    "DOID:10534": (("DOID:162",), "stomach cancer", "위암", ("gastric cancer",)),
    "DOID:3717": (("DOID:10534", "DOID:299"), "gastric adenocarcinoma", "위선암", ()),
    "DOID:9256": (("DOID:162",), "colorectal cancer", "대장암", ()),
    "DOID:0050861": (("DOID:9256", "DOID:299"), "colorectal adenocarcinoma", "대장선암", ()),
    "DOID:1793": (("DOID:162",), "pancreatic cancer", "췌장암", ()),
    "DOID:3498": (("DOID:1793", "DOID:299"), "pancreatic ductal adenocarcinoma", "췌관선암", ("PDAC",)),
    "DOID:1240": (("DOID:162",), "leukemia", "백혈병", ()),
    "DOID:9119": (("DOID:1240",), "acute myeloid leukemia", "급성골수성백혈병", ("AML",)),
    "DOID:0014667": (("DOID:4",), "disease of metabolism", "대사질환", ()),
    "DOID:9351": (("DOID:0014667",), "diabetes mellitus", "당뇨병", ()),
    "DOID:9352": (("DOID:9351",), "type 2 diabetes mellitus", "제2형 당뇨병", ("T2D",)),
    "DOID:9744": (("DOID:9351",), "type 1 diabetes mellitus", "제1형 당뇨병", ("T1D",)),
    "DOID:9970": (("DOID:0014667",), "obesity", "비만", ()),
    "DOID:863": (("DOID:4",), "nervous system disease", "신경계 질환", ()),
    "DOID:1289": (("DOID:863",), "neurodegenerative disease", "퇴행성 신경질환", ()),
    "DOID:10652": (("DOID:1289",), "Alzheimer's disease", "알츠하이머병", ()),
    "DOID:14330": (("DOID:1289",), "Parkinson's disease", "파킨슨병", ()),
    "DOID:1287": (("DOID:4",), "cardiovascular system disease", "심혈관 질환", ()),
    "DOID:5844": (("DOID:1287",), "myocardial infarction", "심근경색", ()),
    "DOID:10763": (("DOID:1287",), "hypertension", "고혈압", ()),
    "DOID:0050117": (("DOID:4",), "disease by infectious agent", "감염병", ("infectious disease",)),
    "DOID:934": (("DOID:0050117",), "viral infectious disease", "바이러스 감염병", ()),
    "DOID:0080600": (("DOID:934",), "COVID-19", "코로나19", ()),
    "DOID:8469": (("DOID:934",), "influenza", "인플루엔자", ("flu",)),
    "DOID:2043": (("DOID:934",), "hepatitis B", "B형 간염", ()),
    "DOID:104": (("DOID:0050117",), "bacterial infectious disease", "세균 감염병", ()),
    "DOID:399": (("DOID:104",), "tuberculosis", "결핵", ()),
    "DOID:2841": (("DOID:4",), "asthma", "천식", ()),
    "DOID:2377": (("DOID:4",), "multiple sclerosis", "다발경화증", ()),
}


@dataclass
class Ontology:
    """Injectable lookups; each returns what it knows and an empty result for the rest."""

    taxon_parent: Callable[[int], int | None]
    taxon_names: Callable[[int], Iterable[str]]
    term_parents: Callable[[str], Iterable[str]]
    term_labels: Callable[[str], Iterable[str]]

    def __post_init__(self) -> None:
        self.taxon_lineage = lru_cache(maxsize=100_000)(self._taxon_lineage)
        self.term_closure = lru_cache(maxsize=100_000)(self._term_closure)

    def _taxon_lineage(self, taxid: int) -> tuple[int, ...]:
        """The taxon and its ancestors, nearest first (cycles and unknown parents end the walk)."""
        out: list[int] = []
        seen: set[int] = set()
        node: int | None = int(taxid)
        while node is not None and node not in seen and len(out) < 64:
            out.append(node)
            seen.add(node)
            node = self.taxon_parent(node)
        return tuple(t for t in out if t != 1 or taxid == 1)

    def _term_closure(self, term: str) -> tuple[str, ...]:
        out: list[str] = []
        stack = [term]
        while stack:
            t = stack.pop()
            if t in out:
                continue
            out.append(t)
            stack.extend(self.term_parents(t))
        return tuple(out)


def _builtin_parent(taxid: int) -> int | None:
    row = TAXA.get(taxid)
    return row[0] if row else None


def _builtin_taxon_names(taxid: int) -> list[str]:
    row = TAXA.get(taxid)
    return [n for n in (row[1], row[2], *row[3]) if n] if row else []


def _builtin_term_parents(term: str) -> tuple[str, ...]:
    row = TERMS.get(term)
    return row[0] if row else ()


def _builtin_term_labels(term: str) -> list[str]:
    row = TERMS.get(term)
    return [n for n in (row[1], row[2], *row[3]) if n] if row else []


BUILTIN = Ontology(_builtin_parent, _builtin_taxon_names, _builtin_term_parents, _builtin_term_labels)
