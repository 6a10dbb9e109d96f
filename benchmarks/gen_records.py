"""Realistic search records, reproducible from a seed and streamed (7 million never sit in memory).

Bilingual titles and descriptions are built from real disease (Disease Ontology), organism (NCBI taxonomy),
assay, tissue and gene vocabularies; organisms, fields, ministries, institutions, years and grades follow
skewed (Zipf-like) distributions as deposits do. Chunk k of a run depends only on (seed, k), so worker
processes can generate chunks independently and the stream is the same however it is split.

Also plants the relevance set: records that given queries must rank in the top 10 (see RELEVANCE).

    .venv/bin/python benchmarks/gen_records.py --n 5 --seed 1     # print records as JSON lines
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from typing import Iterator

from biostation.accessions import make
from biostation.search.model import SearchDoc
from biostation.search.ontology import TAXA, TERMS
from biostation.vocab import DATA_TYPES, MINISTRIES, RESEARCH_FIELDS

CHUNK = 10_000

# (taxid, weight): human and mouse dominate, as in every public archive
ORGANISMS = [(9606, 300), (10090, 140), (10116, 30), (4530, 40), (3702, 25), (9913, 20), (9823, 18), (9031, 15),
             (7955, 14), (7227, 10), (6239, 6), (4932, 14), (562, 22), (1423, 5), (1280, 8), (1773, 7),
             (2697049, 25), (11320, 10), (10407, 5), (11676, 5), (4577, 9), (4565, 6), (3847, 8), (4072, 7),
             (4081, 6), (4113, 4), (4054, 6), (3711, 5), (9544, 4), (9615, 3), (9940, 3), (8030, 3), (7089, 3),
             (5062, 4), (590, 4), (1590, 5), (1902, 2)]
COMMON = {9606: ("human", "사람"), 10090: ("mouse", "생쥐"), 10116: ("rat", "흰쥐"), 4530: ("rice", "벼"),
          9913: ("cattle", "한우"), 9823: ("pig", "돼지"), 9031: ("chicken", "닭"), 7955: ("zebrafish", "제브라피시"),
          562: ("E. coli", "대장균"), 4932: ("yeast", "효모"), 3847: ("soybean", "콩"), 4072: ("pepper", "고추"),
          4054: ("ginseng", "인삼"), 3711: ("Chinese cabbage", "배추")}
DISEASES = [t for t in TERMS if t not in ("DOID:4", "DOID:0014667", "DOID:863", "DOID:0050117", "DOID:934",
                                            "DOID:104", "DOID:1287")]
ASSAYS = [("RNA-seq", "전사체 시퀀싱", "genome_omics", "FASTQ"),
          ("whole genome sequencing", "전장 유전체 시퀀싱", "genome_omics", "BAM"),
          ("whole exome sequencing", "전장 엑솜 시퀀싱", "genome_omics", "VCF"),
          ("single-cell RNA-seq", "단일세포 전사체 분석", "genome_omics", "H5AD"),
          ("ChIP-seq", "염색질 면역침강 시퀀싱", "genome_omics", "BED"),
          ("DNA methylation profiling", "DNA 메틸화 분석", "genome_omics", "IDAT"),
          ("shotgun metagenomics", "메타유전체 분석", "genome_omics", "FASTQ"),
          ("16S rRNA amplicon sequencing", "16S rRNA 앰플리콘 시퀀싱", "genome_omics", "FASTQ"),
          ("mass spectrometry proteomics", "질량분석 단백체 분석", "biochemical_analysis", "mzML"),
          ("untargeted metabolomics", "비표적 대사체 분석", "biochemical_analysis", "mzML"),
          ("enzyme activity assay", "효소 활성 분석", "biochemical_analysis", "CSV"),
          ("confocal microscopy imaging", "공초점 현미경 이미지", "image", "TIFF"),
          ("histopathology whole slide imaging", "조직병리 슬라이드 이미지", "image", "SVS"),
          ("MRI brain imaging", "뇌 자기공명영상", "image", "NIfTI"),
          ("field phenotyping", "포장 표현형 조사", "phenotype", "CSV"),
          ("growth curve measurement", "생장 곡선 측정", "phenotype", "XLSX"),
          ("clinical cohort follow-up", "임상 코호트 추적 조사", "clinical_preclinical", "CSV"),
          ("preclinical toxicity study", "비임상 독성 시험", "clinical_preclinical", "XLSX"),
          ("cryo-EM structure determination", "극저온 전자현미경 구조 분석", "molecular_structure", "MRC"),
          ("X-ray crystallography", "X선 결정학 구조 분석", "molecular_structure", "PDB"),
          ("reaction yield screening", "반응 수율 스크리닝", "chemical_reaction", "RXN")]
ASSAY_W = [30, 14, 8, 9, 4, 4, 6, 6, 8, 6, 3, 5, 4, 3, 6, 3, 6, 3, 2, 2, 1]
TISSUES = [("liver", "간"), ("lung", "폐"), ("brain", "뇌"), ("blood", "혈액"), ("kidney", "신장"), ("heart", "심장"),
           ("gut", "장"), ("skin", "피부"), ("muscle", "근육"), ("leaf", "잎"), ("root", "뿌리"), ("seed", "종자"),
           ("tumour", "종양"), ("serum", "혈청"), ("stool", "분변"), ("soil", "토양"), ("cell line", "세포주"),
           ("organoid", "오가노이드"), ("retina", "망막"), ("bone marrow", "골수")]
GENES = ("TP53 BRCA1 BRCA2 EGFR KRAS BRAF PIK3CA PTEN APC MYC ERBB2 ALK ROS1 MET RET IDH1 IDH2 TERT CDKN2A RB1 "
         "NRAS HRAS ATM ARID1A SMAD4 STK11 KEAP1 NOTCH1 FBXW7 CTNNB1 VHL NF1 NF2 JAK2 FLT3 NPM1 DNMT3A TET2 ASXL1 "
         "RUNX1 GATA3 FOXA1 ESR1 PGR AR SOX2 POU5F1 NANOG KLF4 LIN28A PAX6 NEUROD1 APOE APP PSEN1 PSEN2 MAPT SNCA "
         "LRRK2 PARK7 PINK1 HTT SOD1 C9orf72 FUS TARDBP INS GCG PPARG TCF7L2 SLC30A8 FTO MC4R LEP LEPR ADIPOQ "
         "ACE2 TMPRSS2 IFNAR2 OAS1 TLR7 IL6 TNF IL1B CXCL8 CCL2 HLA-A HLA-B HLA-DRB1 CD4 CD8A FOXP3 PDCD1 CD274 "
         "CTLA4 LAG3 HAVCR2 GZMB PRF1 MS4A1 CD19 CD3E PTPRC ALB AFP GPC3 CYP3A4 CYP2D6 UGT1A1 ABCB1 SLCO1B1 VKORC1 "
         "MTHFR COL1A1 COL2A1 FBN1 DMD CFTR HBB HBA1 F8 F9 VWF GBA HEXA SMN1 MECP2 FMR1 SCN1A KCNQ1 KCNH2 MYH7 "
         "TTN LMNA PKP2 OsDREB1A OsNAC6 OsSPL14 Sub1A GW5 Hd1 Ghd7 SD1 Rht-B1 Ppd-D1 FT FLC CO PHYB DELLA WRKY33 "
         "NPR1 PR1 MYB10 Rpi-blb1 Mi-1.2 Pvr4 ZmCCT GmFT2a E1 Dt1 PgNAC CYP716A53v2 mecA blaKPC blaNDM vanA "
         "katG rpoB inhA gyrA spike ORF1ab NS1 HA NA PB2 HBx env gag pol").split()
GRADES = ["A", "B", "C", "D", "E"]
GRADE_W = [15, 35, 30, 15, 5]
LICENCES = [("CC-BY-4.0", 55), ("CC0-1.0", 15), ("KOGL-1", 12), ("CC-BY-NC-4.0", 10), ("custom", 8)]
ACCESS = [("open", 80), ("embargoed", 7), ("controlled", 8), ("private", 5)]
INSTITUTION_STEMS = ["Korea Research Institute of Bioscience and Biotechnology", "Korea Institute of Science and Technology",
                     "Seoul National University", "Yonsei University", "Korea University", "KAIST", "POSTECH",
                     "Sungkyunkwan University", "National Institute of Agricultural Sciences",
                     "National Institute of Crop Science", "National Institute of Animal Science",
                     "Korea Disease Control and Prevention Agency", "National Cancer Center", "Asan Medical Center",
                     "Samsung Medical Center", "Seoul National University Hospital", "Korea Brain Research Institute",
                     "Korea Institute of Ocean Science and Technology", "National Institute of Forest Science",
                     "Korea Food Research Institute", "Korea Institute of Oriental Medicine", "Institute for Basic Science",
                     "Chungnam National University", "Kyungpook National University", "Pusan National University",
                     "Jeonbuk National University", "Gyeongsang National University", "Chonnam National University",
                     "Korea Research Institute of Chemical Technology", "Korea Institute of Toxicology"]
INSTITUTIONS = INSTITUTION_STEMS + [f"{s} {d}" for s in INSTITUTION_STEMS[:20]
                                    for d in ("Department of Biology", "College of Medicine", "Genome Center",
                                              "Bioinformatics Lab", "Plant Science Lab", "Graduate School")]
EN_FILLER = ("samples were collected processed sequenced analysed aligned normalised annotated quality filtered "
             "replicates controls treatment baseline cohort longitudinal cross-sectional expression variants "
             "pathway differential clustering markers signatures biomarkers validation independent raw processed "
             "matrices counts reads libraries protocol standardised metadata reference genome assembly annotation "
             "time-course dose response stress tolerance resistance susceptibility infection immune response "
             "inflammation metabolism development regeneration ageing fibrosis tumour microenvironment").split()
KO_FILLER = ("시료를 채취하여 분석하였다 반복 실험 대조군 처리군 발현 변이 경로 차등 군집 표지자 검증 원시 자료 "
             "가공 자료 참조 유전체 조립 주석 시간 경과 용량 반응 스트레스 내성 저항성 감수성 감염 면역 반응 염증 "
             "대사 발달 재생 노화 섬유화 종양 미세환경 표준화된 프로토콜 메타데이터를 포함한다 데이터는 연구에 "
             "활용될 수 있다 결과를 바탕으로 분석한 자료이다").split()
FIELD_BY_TYPE = {"genome_omics": ["precision_medicine", "infectious_disease", "seeds_livestock",
                                  "microbiome_environment", "marine_bioresources"],
                 "image": ["medical_devices", "brain_neuroscience", "regenerative_medicine"],
                 "biochemical_analysis": ["new_drugs", "natural_products_cosmetics", "food_nutrition",
                                          "biochemicals_energy"],
                 "phenotype": ["smart_agriculture", "seeds_livestock", "forest_bioresources"],
                 "clinical_preclinical": ["new_drugs", "precision_medicine", "medical_devices"],
                 "molecular_structure": ["new_drugs", "synthetic_biology"],
                 "chemical_reaction": ["synthetic_biology", "biochemicals_energy"]}
MINISTRY_BY_FIELD_W = [("MSIT", 30), ("MOHW", 22), ("MAFRA", 10), ("RDA", 9), ("KDCA", 7), ("MOTIE", 7),
                       ("MOF", 5), ("ME", 4), ("MFDS", 3), ("KFS", 2), ("MSS", 1)]
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _cum(weights):
    return list(accumulate(weights))


_ORG_CUM = _cum([w for _, w in ORGANISMS])
_ASSAY_CUM = _cum(ASSAY_W)
_GRADE_CUM = _cum(GRADE_W)
_LIC_CUM = _cum([w for _, w in LICENCES])
_ACC_CUM = _cum([w for _, w in ACCESS])
_MIN_CUM = _cum([w for _, w in MINISTRY_BY_FIELD_W])
_DIS_CUM = _cum([1.0 / (i + 1) ** 0.7 for i in range(len(DISEASES))])
_INST_CUM = _cum([1.0 / (i + 1) ** 1.1 for i in range(len(INSTITUTIONS))])
_GENE_CUM = _cum([1.0 / (i + 1) ** 0.8 for i in range(len(GENES))])
_YEARS = list(range(2005, 2027))
_YEAR_CUM = _cum([1.25 ** i for i in range(len(_YEARS))])


def _name(taxid: int) -> tuple[str, str]:
    if taxid in COMMON:
        return COMMON[taxid]
    row = TAXA[taxid]
    return row[1], row[2]


@dataclass(frozen=True)
class Judged:
    q: str
    relevant: str  # accession that must rank in the top 10
    kind: str  # english | korean | ontology | taxon | phrase | typo


def _planted(i: int) -> tuple[SearchDoc, Judged]:
    """The i-th relevance record and its query; deterministic, spread over query kinds."""
    r = random.Random(1_000_003 * (i + 1))
    gene = GENES[(i * 7) % len(GENES)]
    taxid = [9606, 10090, 10116, 7955, 9031, 9913, 4530, 3702][i % 8]
    org_en, org_ko = _name(taxid)
    assay = ASSAYS[i % len(ASSAYS)]
    disease = DISEASES[(i * 5) % len(DISEASES)]
    d_en, d_ko = TERMS[disease][1], TERMS[disease][2]
    tissue = TISSUES[i % len(TISSUES)]
    kind = ["english", "korean", "ontology", "taxon", "phrase", "typo"][i % 6]
    title_en = f"{gene} {assay[0]} of {org_en} {tissue[0]} in {d_en}"
    title_ko = f"{d_ko} {org_ko} {tissue[1]}의 {gene} {assay[1]}"
    desc_en = f"We profiled {gene} in {tissue[0]} samples from {org_en} with {d_en} using {assay[0]}."
    desc_ko = f"{d_ko}에 걸린 {org_ko}의 {tissue[1]} 시료에서 {gene}을 {assay[1]}으로 분석하였다."
    terms = [disease]
    if kind == "english":
        q = f"{gene} {d_en} {tissue[0]}"
    elif kind == "korean":
        title_en = desc_en = ""
        q = f"{d_ko}에 걸린 {org_ko}에서 {gene}"
    elif kind == "ontology":
        # text names the specific disease only; the query names an ancestor
        leaf = [t for t in ("DOID:684", "DOID:3910", "DOID:3717", "DOID:0050861", "DOID:3498", "DOID:3459")][i % 6]
        terms = [leaf]
        title_en = f"{gene} {assay[0]} of {org_en} {tissue[0]} ({TERMS[leaf][3][0] if TERMS[leaf][3] else 'tumour'})"
        desc_en = f"{gene} profiling of tumour samples ({TERMS[leaf][2]})."
        q = f"carcinoma {gene} {org_en}"
    elif kind == "taxon":
        parent = {9606: "Primates", 10090: "Rodentia", 10116: "Rodentia", 7955: "Actinopterygii", 9031: "Aves",
                  9913: "Artiodactyla", 4530: "Poaceae", 3702: "Brassicaceae"}[taxid]
        q = f"{gene} {parent} {tissue[0]}"
    elif kind == "phrase":
        q = f'"{assay[0]}" {gene} {d_en}'
    else:
        word = max(f"{assay[0]} {d_en}".split(), key=len)
        typo = word[:3] + word[4:] if len(word) > 6 else word
        q = f"{gene} {typo} {tissue[0]}"
    doc = SearchDoc(make("material", 900_000 + i), "material", title_en, title_ko, desc_en, desc_ko, [gene],
                    [taxid], [TAXA[taxid][1]], terms, FIELD_BY_TYPE[assay[2]][0], [assay[2]], "MSIT",
                    INSTITUTIONS[i % len(INSTITUTIONS)], "open", 2024, [assay[3]], "B", "CC-BY-4.0",
                    date(2024, 1, 1) + timedelta(days=i), ["public"])
    del r
    return doc, Judged(q, doc.id, kind)


RELEVANCE_COUNT = 60


def relevance_set() -> list[Judged]:
    return [_planted(i)[1] for i in range(RELEVANCE_COUNT)]


def _record(r: random.Random, n: int) -> SearchDoc:
    choice = r.choices
    taxid = ORGANISMS[_pick(r, _ORG_CUM)][0]
    org_en, org_ko = _name(taxid)
    a = ASSAYS[_pick(r, _ASSAY_CUM)]
    disease = DISEASES[_pick(r, _DIS_CUM)] if r.random() < 0.7 else None
    tissue = TISSUES[r.randrange(len(TISSUES))]
    gene = GENES[_pick(r, _GENE_CUM)] if r.random() < 0.35 else None
    d_en, d_ko = (TERMS[disease][1], TERMS[disease][2]) if disease else ("healthy controls", "정상 대조군")
    kind_roll = r.random()
    kind = "dataset" if kind_roll < 0.40 else "sample" if kind_roll < 0.98 else "material"
    title_en = f"{a[0][0].upper() + a[0][1:]} of {org_en} {tissue[0]}" + (f" in {d_en}" if disease else "") + \
        (f" ({gene})" if gene and r.random() < 0.5 else "")
    title_ko = f"{d_ko} {org_ko} {tissue[1]} {a[1]}" if r.random() < 0.85 else ""
    filler_en = " ".join(choice(EN_FILLER, k=r.randint(18, 45)))
    filler_ko = " ".join(choice(KO_FILLER, k=r.randint(12, 30)))
    desc_en = (f"{a[0][0].upper() + a[0][1:]} data from {tissue[0]} of {org_en}"
               + (f" with {d_en}" if disease else "") + (f", focusing on {gene}" if gene else "")
               + f". {filler_en}.")
    desc_ko = (f"{d_ko} {org_ko}의 {tissue[1]}에서 얻은 {a[1]} 자료이다. "
               + (f"{gene} 유전자를 중심으로 " if gene else "") + filler_ko) if title_ko else ""
    dtype = a[2]
    dtypes = [dtype] + ([r.choice(list(DATA_TYPES))] if r.random() < 0.15 else [])
    fields = FIELD_BY_TYPE[dtype]
    rf = fields[min(int(r.expovariate(1.2)), len(fields) - 1)] if r.random() < 0.9 else r.choice(list(RESEARCH_FIELDS))
    access = ACCESS[_pick(r, _ACC_CUM)][0]
    year = _YEARS[_pick(r, _YEAR_CUM)]
    published = date(year, 1, 1) + timedelta(days=r.randrange(365))
    owner = r.randrange(1, 50_000)
    readers: list[str]
    embargo = None
    if access == "open":
        readers = ["public"]
    elif access == "embargoed":
        readers = ["public", f"dataset-members:{n}", f"user:{owner}"]
        embargo = NOW + timedelta(days=r.randrange(-200, 400))
    elif access == "controlled":
        readers = [f"dataset-members:{n}", f"user:{owner}", "role:curator"] + \
            [f"grant:{n}-{k}" for k in range(r.randrange(0, 3))]
    else:
        readers = [f"user:{owner}"]
    grade = GRADES[_pick(r, _GRADE_CUM)] if r.random() < 0.9 else None
    fmts = [a[3]] + (["CSV"] if r.random() < 0.2 and a[3] != "CSV" else [])
    return SearchDoc(make(kind, n), kind, title_en, title_ko, desc_en, desc_ko,
                     [w for w in (gene, tissue[0]) if w], [taxid], [TAXA[taxid][1]],
                     [disease] if disease else [], rf, dtypes, MINISTRY_BY_FIELD_W[_pick(r, _MIN_CUM)][0],
                     INSTITUTIONS[_pick(r, _INST_CUM)], access, year, fmts, grade,
                     LICENCES[_pick(r, _LIC_CUM)][0], published, readers, embargo)


def _pick(r: random.Random, cum: list[float]) -> int:
    x = r.random() * cum[-1]
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def chunk(seed: int, k: int, n_total: int) -> list[SearchDoc]:
    """Records k*CHUNK .. min(n_total, (k+1)*CHUNK), planted relevance records included."""
    r = random.Random(seed * 1_000_003 + k)
    start, end = k * CHUNK, min(n_total, (k + 1) * CHUNK)
    plant_every = max(n_total // RELEVANCE_COUNT, 1)
    out = []
    for n in range(start, end):
        if n % plant_every == plant_every // 2 and n // plant_every < RELEVANCE_COUNT:
            out.append(_planted(n // plant_every)[0])
        else:
            out.append(_record(r, n + 1))
    return out


def n_chunks(n_total: int) -> int:
    return (n_total + CHUNK - 1) // CHUNK


def generate(n: int, seed: int = 42) -> Iterator[SearchDoc]:
    for k in range(n_chunks(n)):
        yield from chunk(seed, k, n)


def _jsonable(doc: SearchDoc) -> dict:
    d = doc.as_dict()
    d["published"] = d["published"].isoformat() if d["published"] else None
    d["embargo_until"] = d["embargo_until"].isoformat() if d["embargo_until"] else None
    return d


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    for doc in generate(args.n, args.seed):
        sys.stdout.write(json.dumps(_jsonable(doc), ensure_ascii=False) + "\n")
