"""Every search test runs against every engine: tantivy (embedded) and PostgreSQL full-text search."""
from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from biostation import clock
from biostation.accessions import make
from biostation.search.model import SearchDoc

ENGINES = ["tantivy", "postgres"]
PG_ADMIN_DSN = os.environ.get("BIOSTATION_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
HIDDEN_WORD = "quokkagene"


def D(n: int) -> str:
    return make("dataset", n)


def S(n: int) -> str:
    return make("sample", n)


def corpus() -> list[SearchDoc]:
    """A small bilingual corpus: open records, and a private, an embargoed and a controlled one."""
    return [
        SearchDoc(D(1), "dataset", "Hepatocellular carcinoma RNA-seq of mouse liver", "생쥐 간세포암종 전사체 분석",
                  "Transcriptome profiling of hepatocellular carcinoma in a mouse model fed a high-fat diet.",
                  "고지방 식이를 한 생쥐 모델에서 간세포암종의 전사체를 분석했습니다.",
                  ["liver", "RNA-seq"], [10090], ["Mus musculus"], ["DOID:684"], "precision_medicine",
                  ["genome_omics"], "MSIT", "KRIBB", "open", 2021, ["FASTQ"], "A", "CC-BY-4.0", date(2021, 3, 1),
                  ["public"]),
        SearchDoc(D(2), "dataset", "Whole genome sequencing of lung adenocarcinoma patients", "폐선암 환자 전장 유전체 분석",
                  "Tumour and matched normal genomes from 120 patients with lung adenocarcinoma.",
                  "폐선암 환자 120명의 종양과 정상 조직 유전체를 시퀀싱했습니다.",
                  ["WGS", "cancer genomics"], [9606], ["Homo sapiens"], ["DOID:3910"], "precision_medicine",
                  ["genome_omics", "clinical_preclinical"], "MOHW", "Seoul National University Hospital", "open",
                  2022, ["BAM", "VCF"], "B", "CC-BY-4.0", date(2022, 5, 10), ["public"]),
        SearchDoc(D(3), "dataset", "Drought tolerance phenotypes of rice cultivars", "벼 품종의 가뭄 내성 표현형",
                  "Field trial measurements of drought stress in Korean rice cultivars.",
                  "국내 벼 품종의 가뭄 스트레스를 포장 시험으로 측정한 자료입니다.",
                  ["drought", "field trial"], [4530], ["Oryza sativa"], [], "smart_agriculture", ["phenotype"],
                  "RDA", "National Institute of Crop Science", "open", 2020, ["CSV"], "C", "KOGL-1",
                  date(2020, 9, 1), ["public"]),
        SearchDoc(D(4), "dataset", "", "간암 환자 유래 오가노이드 현미경 이미지",
                  "", "간암을 앓는 환자에게서 얻은 오가노이드를 현미경으로 촬영한 이미지입니다.",
                  ["오가노이드"], [9606], ["Homo sapiens"], ["DOID:3571"], "regenerative_medicine", ["image"],
                  "MOHW", "Asan Medical Center", "open", 2023, ["TIFF"], "B", "CC-BY-4.0", date(2023, 2, 14),
                  ["public"]),
        SearchDoc(D(5), "dataset", "Avian influenza surveillance in chicken farms", "닭 농장의 조류 인플루엔자 감시",
                  "Influenza A virus genomes sampled from poultry farms during the 2020 outbreak.",
                  "2020년 유행 기간 가금 농장에서 채취한 인플루엔자 바이러스 유전체입니다.",
                  ["avian influenza"], [9031, 11320], ["Gallus gallus", "Influenza A virus"], ["DOID:8469"],
                  "infectious_disease", ["genome_omics"], "KDCA", "Animal and Plant Quarantine Agency", "open", 2020,
                  ["FASTA"], "A", "CC0-1.0", date(2020, 12, 1), ["public"]),
        SearchDoc(S(1), "sample", "Mouse liver tissue sample", "생쥐 간 조직 시료",
                  "Liver tissue from a C57BL/6 mouse with induced carcinoma.", "유도된 암종이 있는 C57BL/6 생쥐의 간 조직.",
                  [], [10090], ["Mus musculus"], ["DOID:305"], "precision_medicine", ["genome_omics"], "MSIT",
                  "KRIBB", "open", 2021, [], "B", "CC-BY-4.0", date(2021, 4, 1), ["public"]),
        # The three records a stranger must never see, each carrying words found nowhere else.
        SearchDoc(D(6), "dataset", f"Private {HIDDEN_WORD} knockout screen", "비밀유전자 녹아웃 스크리닝",
                  f"Unpublished {HIDDEN_WORD} CRISPR screen in human neurons.", "비밀유전자 CRISPR 스크리닝 미공개 자료.",
                  [HIDDEN_WORD], [9606], ["Homo sapiens"], ["DOID:10652"], "brain_neuroscience", ["genome_omics"],
                  "MSS", "Hidden Lab Institute", "private", 2019, ["HDF5"], "A", "proprietary", date(2019, 1, 5),
                  ["user:12"]),
        SearchDoc(D(7), "dataset", f"Embargoed {HIDDEN_WORD} hepatocellular carcinoma proteome",
                  "비밀유전자 간세포암종 단백체", f"Proteome of {HIDDEN_WORD} tumours, embargoed until publication.",
                  "논문 출판 전까지 엠바고된 비밀유전자 단백체 자료.", [HIDDEN_WORD], [9606], ["Homo sapiens"],
                  ["DOID:684"], "precision_medicine", ["biochemical_analysis"], "MSS", "Hidden Lab Institute",
                  "embargoed", 2019, ["HDF5"], "A", "proprietary", date(2019, 2, 5),
                  ["public", "dataset-members:34"], NOW + timedelta(days=30)),
        SearchDoc(D(8), "dataset", f"Controlled {HIDDEN_WORD} cohort genomes", "비밀유전자 코호트 유전체",
                  f"Genomes of a {HIDDEN_WORD} cohort; access reviewed by a committee.", "위원회 심의를 거쳐 접근하는 코호트 유전체.",
                  [HIDDEN_WORD], [9606], ["Homo sapiens"], ["DOID:9352"], "precision_medicine", ["genome_omics"],
                  "MSS", "Hidden Lab Institute", "controlled", 2019, ["HDF5"], "A", "proprietary", date(2019, 3, 5),
                  ["dataset-members:35", "role:curator"]),
    ]


HIDDEN_IDS = {D(6), D(7), D(8)}
STRANGER = frozenset({"public", "user:99"})


def bulk(n: int, start: int = 100) -> list[SearchDoc]:
    """Records for paging: same words, spread over dates and grades, some sharing a date."""
    grades = ["A", "B", "C", "D", None]
    return [SearchDoc(D(start + i), "dataset", f"Soil microbiome cohort survey {i}", f"토양 미생물 군집 조사 {i}",
                      "Amplicon sequencing of soil microbiome samples." + (" cohort" * (i % 4)),
                      "토양 미생물 군집의 앰플리콘 시퀀싱.", [], [2], ["Bacteria"], [], "microbiome_environment",
                      ["genome_omics"], "ME", "Korea Environment Institute", "open", 2015 + i % 8, ["FASTQ"],
                      grades[i % 5], "CC-BY-4.0", date(2015, 1, 1) + timedelta(days=(i // 2) * 13), ["public"])
            for i in range(n)]


@pytest.fixture
def frozen_clock():
    clock.freeze(NOW)
    yield
    clock.reset()


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway database for the PostgreSQL engine, dropped at the end of the session."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL not reachable ({exc}); set BIOSTATION_TEST_PG_DSN")
    name = f"biostation_test_search_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.replace("dbname=postgres", "")
    yield f"{base} dbname={name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(params=ENGINES)
def make_engine(request, tmp_path, frozen_clock):
    """Factory: make_engine(docs) -> a committed engine holding docs."""
    made = []

    def factory(docs=(), **kwargs):
        if request.param == "tantivy":
            from biostation.search.tantivy_engine import TantivyEngine

            engine = TantivyEngine(tmp_path / f"index{len(made)}", **kwargs)
        else:
            from biostation.search.pg_engine import PostgresEngine

            dsn = request.getfixturevalue("pg_database")
            engine = PostgresEngine(dsn, table=f"search_{uuid.uuid4().hex[:8]}", **kwargs)
        made.append(engine)
        engine.index(docs)
        engine.commit()
        return engine

    yield factory
    for engine in made:
        if hasattr(engine, "drop"):
            engine.drop()
        engine.close()


@pytest.fixture
def engine(make_engine):
    return make_engine(corpus())
