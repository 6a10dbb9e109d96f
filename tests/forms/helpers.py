"""Builders of real-world-shaped sample sheets (NCBI batch TSV, BioSampleSet XML, station XLSX)."""
from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any


PATHOGEN_COLUMNS = ["sample_name", "sample_title", "bioproject_accession", "organism", "strain", "isolate",
                    "collected_by", "collection_date", "geo_loc_name", "host", "host_disease", "isolation_source",
                    "lat_lon", "host_age", "host_sex", "serovar"]
CITIES = [("Seoul", "37.5665 N 126.9780 E"), ("Busan", "35.1796 N 129.0756 E"), ("Daejeon", "36.3504 N 127.3845 E"),
          ("Gwangju", "35.1595 N 126.8526 E"), ("Jeju", "33.4996 N 126.5312 E")]
ORGANISMS = ["Escherichia coli", "Klebsiella pneumoniae", "Staphylococcus aureus", "Salmonella enterica",
             "Pseudomonas aeruginosa"]
SOURCES = ["urine", "blood", "sputum", "stool", "wound swab"]


def pathogen_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    """Clinical isolates as a hospital lab would list them: varied organisms, sites, dates and hosts."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        city, latlon = rnd.choice(CITIES)
        org = rnd.choice(ORGANISMS)
        rows.append({
            "sample_name": f"SNUH-{2023}-{rnd.randrange(10**6):06d}-{i}",
            "sample_title": f"{org} clinical isolate {i} from {city}",
            "bioproject_accession": "PRJNA998877",
            "organism": org,
            "strain": "",
            "isolate": f"KR-{city[:3].upper()}-{i:05d}",
            "collected_by": rnd.choice(["Seoul National University Hospital", "Pusan National University Hospital",
                                        "Korea Disease Control and Prevention Agency"]),
            "collection_date": f"2023-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "geo_loc_name": f"South Korea: {city}",
            "host": "Homo sapiens",
            "host_disease": rnd.choice(["urinary tract infection", "bacteremia", "pneumonia", "not collected"]),
            "isolation_source": rnd.choice(SOURCES),
            "lat_lon": latlon,
            "host_age": f"{rnd.randint(1, 95)} years",
            "host_sex": rnd.choice(["male", "female"]),
            "serovar": "",
        })
    return rows


def write_tsv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None,
              comments: list[str] = (), header: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as fh:
        for c in comments:
            fh.write(f"# {c}\n")
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(header or columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])
    return path


def ncbi_batch_tsv(path: Path, rows: list[dict[str, Any]], package_display: str, mandatory: set[str]) -> Path:
    """The NCBI BioSample batch template shape: '#' comment lines, then '*' on mandatory columns."""
    columns = list(rows[0])
    comments = [
        "This is a submission template for batch deposit of "
        f"'{package_display}' samples to the NCBI BioSample database (https://www.ncbi.nlm.nih.gov/biosample/).",
        "Fields with an asterisk (*) are mandatory. Your submission will fail if any mandatory fields are not completed.",
        "At least one of strain or isolate is required.",
        "CAUTION: Be aware that Excel may automatically apply formatting to your data.",
    ]
    header = [("*" + c) if c in mandatory else c for c in columns]
    return write_tsv(path, rows, columns, comments, header)


def biosample_xml(path: Path, samples: list[dict[str, Any]], package: str) -> Path:
    """A BioSampleSet document as NCBI/DDBJ export it (Ids, Description, Owner, Models, Package, Attributes)."""
    from xml.sax.saxutils import escape, quoteattr

    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<BioSampleSet>"]
    for i, s in enumerate(samples, start=1):
        attrs = {k: v for k, v in s.items() if k not in ("sample_name", "sample_title", "organism")}
        out.append(f'  <BioSample access="public" publication_date="2023-09-01T00:00:00.000" id="{3000000 + i}" '
                   f'accession="SAMN{30000000 + i}">')
        out.append("    <Ids>")
        out.append(f'      <Id db="BioSample" is_primary="1">SAMN{30000000 + i}</Id>')
        out.append(f'      <Id db_label="Sample name">{escape(s["sample_name"])}</Id>')
        out.append("    </Ids>")
        out.append("    <Description>")
        if s.get("sample_title"):
            out.append(f"      <Title>{escape(s['sample_title'])}</Title>")
        out.append(f'      <Organism taxonomy_id="0" taxonomy_name={quoteattr(s["organism"])}>'
                   f"<OrganismName>{escape(s['organism'])}</OrganismName></Organism>")
        out.append("      <Comment><Paragraph>Clinical isolate for genomic surveillance.</Paragraph></Comment>")
        out.append("    </Description>")
        out.append('    <Owner><Name abbreviation="KDCA">Korea Disease Control and Prevention Agency</Name></Owner>')
        out.append(f"    <Models><Model>{package.rsplit('.', 2)[0]}</Model></Models>")
        out.append(f'    <Package display_name="{package}">{package}</Package>')
        out.append("    <Attributes>")
        for k, v in attrs.items():
            if v != "":
                out.append(f'      <Attribute attribute_name="{k}" harmonized_name="{k}" display_name="{k}">{escape(str(v))}</Attribute>')
        out.append("    </Attributes>")
        out.append("    <Links><Link type=\"entrez\" target=\"bioproject\" label=\"PRJNA998877\">998877</Link></Links>")
        out.append("    <Status status=\"live\" when=\"2023-09-01T00:00:00.000\"/>")
        out.append("  </BioSample>")
    out.append("</BioSampleSet>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def codes(report, level: str = "error") -> set[str]:
    items = report.errors if level == "error" else report.warnings
    return {i.code for i in items}


def find(report, code: str):
    return [i for i in report.errors + report.warnings if i.code == code]
