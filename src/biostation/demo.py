"""A small, realistic demo station: two organisations, a few users, an R&D project, three datasets with
real files written by the formats' own libraries (reads, variants, a phenotype table)."""
from __future__ import annotations

import csv
import gzip
import hashlib
import random
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .accounts.models import Organisation
from .identity import SYSTEM

DEMO_PASSWORD = "demo-station-2025"
DEMO_SIGN_IN_NOTE = (f"Demo users sign in on the web with the password '{DEMO_PASSWORD}'; API tokens come from "
                     "`biostation tokens create USER`.")


def _write_fastq(path: Path, n: int, seed: int) -> None:
    import dnaio
    rng = random.Random(seed)
    with dnaio.open(path, mode="w", fileformat="fastq") as out:
        for i in range(n):
            seq = "".join(rng.choice("ACGT") for _ in range(100))
            qual = "".join(chr(33 + rng.randint(20, 40)) for _ in range(100))
            out.write(dnaio.SequenceRecord(f"SRR000001.{i + 1} demo/1", seq, qual))


def _write_vcf(path: Path, seed: int) -> None:
    import pysam
    rng = random.Random(seed)
    header = pysam.VariantHeader()
    header.add_line("##contig=<ID=chr1,length=248956422>")
    header.add_line('##INFO=<ID=DP,Number=1,Type=Integer,Description="Read depth">')
    header.add_line('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    header.add_sample("KOR0001")
    with pysam.VariantFile(str(path), "w", header=header) as out:
        pos = 10_000
        for _ in range(200):
            pos += rng.randint(50, 5000)
            ref = rng.choice("ACGT")
            alt = rng.choice([b for b in "ACGT" if b != ref])
            rec = out.new_record(contig="chr1", start=pos - 1, stop=pos, alleles=(ref, alt))
            rec.info["DP"] = rng.randint(10, 60)
            rec.samples["KOR0001"]["GT"] = rng.choice([(0, 1), (1, 1)])
            out.write(rec)


def _write_phenotypes(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter="\t")
        w.writerow(["sample_id", "cultivar", "plant_height_cm", "days_to_heading", "grain_weight_g"])
        for i in range(300):
            w.writerow([f"RICE-{i + 1:04d}", rng.choice(["Ilmi", "Dongjin", "Hwayeong"]),
                        round(rng.gauss(95, 8), 1), rng.randint(95, 120), round(rng.gauss(23.5, 1.5), 2)])


def _put_file(station: Any, identity: Any, dataset: str, path: Path, remote: str) -> None:
    data = path.read_bytes()
    with station.uow() as uow:
        up = station.uploads.start(uow, identity, dataset, {"path": remote, "size": len(data)})
    ps = up.part_size
    for number in range(1, up.parts_total + 1):
        part = data[(number - 1) * ps:number * ps]
        station.uploads.put_part(identity, up.id, number, hashlib.sha256(part).hexdigest(), [part])
    with station.uow() as uow:
        station.uploads.complete(uow, identity, up.id, hashlib.sha256(data).hexdigest())


def load_demo(station: Any) -> list[str]:
    from .accounts.service import identity_for
    with station.uow() as uow:
        if uow.session.scalar(select(Organisation.id).where(Organisation.code == "KRIBB")):
            return ["demo already loaded"]
        acc = station.accounts
        acc.create_organisation(uow, SYSTEM, code="KRIBB", name_en="Korea Research Institute of Bioscience and "
                                "Biotechnology", name_ko="한국생명공학연구원", kind="institute")
        acc.create_organisation(uow, SYSTEM, code="NAAS", name_en="National Institute of Agricultural Sciences",
                                name_ko="국립농업과학원", kind="data_centre")
        users = {
            "admin": (["operator"], "KRIBB", "Station Operator / 운영자"),
            "curator": (["curator"], "KRIBB", "Park Jiwoo / 박지우"),
            "minji": (["researcher"], "KRIBB", "Kim Minji / 김민지"),
            "seojun": (["researcher"], "NAAS", "Lee Seojun / 이서준"),
            "dac": (["committee_member"], "KRIBB", "Choi Hana / 최하나"),
        }
        for name, (roles, org, display) in users.items():
            acc.create_user(uow, SYSTEM, username=name, email=f"{name}@demo.biostation.kr", display_name=display,
                            roles=roles, organisation=org)
            acc.set_password(uow, SYSTEM, name, DEMO_PASSWORD)
    with station.uow() as uow:
        minji = identity_for(acc.get_user(uow, "minji"))
        project = station.projects.create(uow, minji, {
            "project_number": "RS-2024-00123456", "title_en": "Multi-omics of Korean rice cultivars under heat stress",
            "title_ko": "고온 스트레스에서 한국 벼 품종의 다중오믹스 연구", "ministry": "MAFRA",
            "lead_organisation": "KRIBB", "pi_name": "Kim Minji", "pi_username": "minji",
            "funding_programme": "Next-generation BioGreen 21", "period_start": date(2024, 4, 1),
            "period_end": date(2027, 12, 31),
            "sharing_plan": [{"data_type": "genome_omics", "expected_date": "2025-06-30", "open_date": "2026-06-30"},
                             {"data_type": "phenotype", "expected_date": "2025-12-31", "open_date": "2026-12-31"}]})
        project_acc = station.projects.accession(project)
    specs = [
        ({"title_en": "Whole-genome sequencing reads of heat-tolerant rice 'Ilmi'",
          "title_ko": "내서성 벼 '일미' 전장 유전체 시퀀싱 리드",
          "description_en": "Illumina paired-end reads of the heat-tolerant cultivar Ilmi.",
          "description_ko": "내서성 품종 일미의 일루미나 페어드엔드 리드입니다.",
          "research_field": "seeds_livestock", "data_types": ["genome_omics"],
          "organisms": [{"taxon_id": 39947, "name": "Oryza sativa Japonica Group"}],
          "keywords": ["rice", "heat stress", "WGS", "벼", "고온"]}, "reads", True),
        ({"title_en": "Germline variants of a Korean reference individual",
          "title_ko": "한국인 표준 개인 생식세포 변이",
          "description_en": "Single-nucleotide variants on chromosome 1 called from a Korean genome.",
          "description_ko": "한국인 유전체에서 검출한 1번 염색체 단일염기변이입니다.",
          "research_field": "precision_medicine", "data_types": ["genome_omics"],
          "organisms": [{"taxon_id": 9606, "name": "Homo sapiens"}],
          "keywords": ["variants", "VCF", "변이"]}, "variants", True),
        ({"title_en": "Field phenotypes of three rice cultivars, Suwon 2025",
          "title_ko": "벼 3개 품종의 포장 표현형, 수원 2025",
          "description_en": "Plant height, heading date and grain weight (draft, not yet published).",
          "description_ko": "초장, 출수일, 종자 무게 (초안, 미공개).",
          "research_field": "smart_agriculture", "data_types": ["phenotype"],
          "organisms": [{"taxon_id": 4530, "name": "Oryza sativa"}],
          "keywords": ["phenotype", "표현형"]}, "phenotypes", False),
    ]
    lines = [f"project {project_acc}: RS-2024-00123456"]
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        _write_fastq(tmpdir / "R1.fastq", 2000, 1)
        with open(tmpdir / "R1.fastq", "rb") as src, gzip.open(tmpdir / "R1.fastq.gz", "wb") as dst:
            dst.write(src.read())
        _write_vcf(tmpdir / "chr1.vcf.gz", 2)
        _write_phenotypes(tmpdir / "phenotypes.tsv", 3)
        files = {"reads": [(tmpdir / "R1.fastq.gz", "reads/run1/R1.fastq.gz")],
                 "variants": [(tmpdir / "chr1.vcf.gz", "variants/chr1.vcf.gz")],
                 "phenotypes": [(tmpdir / "phenotypes.tsv", "tables/phenotypes.tsv")]}
        for fields, kind, publish in specs:
            with station.uow() as uow:
                ds, _ = station.datasets.create(uow, minji, {"project": project_acc, **fields})
                ds_acc = station.datasets.accession(ds)
            for local, remote in files[kind]:
                _put_file(station, minji, ds_acc, local, remote)
            if publish:
                with station.uow() as uow:
                    station.datasets.submit(uow, minji, ds_acc)
                    station.datasets.publish(uow, minji, ds_acc)
            lines.append(f"dataset {ds_acc}: {fields['title_en']} ({'published' if publish else 'draft'})")
    lines.append("users: admin (operator), curator, minji, seojun (researchers), dac (committee member); "
                 + DEMO_SIGN_IN_NOTE)
    return lines
