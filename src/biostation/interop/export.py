"""Export of a dataset's sample and read metadata in the international archives' submission formats:
INSDC BioSample XML (a BioSampleSet, as NCBI and DDBJ accept and the forms domain reads back) and
SRA/ENA XML (EXPERIMENT_SET and RUN_SET).

Samples come from the version's sample sheets (files named like ``samples*.tsv|xlsx|xml``, read with the
forms domain's streaming readers) or, failing those, from ``extra.samples``. Runs are the sheet's
``filename``/``filename2`` columns matched to the version's files, with their checksums.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Iterator

from lxml import etree

_SHEET = re.compile(r"(^|/)[^/]*samples?[^/]*\.(tsv|txt|xlsx|xml)$", re.IGNORECASE)
_CORE = {"sample_name", "sample_title", "organism", "description", "bioproject_accession", "library_ID",
         "library_id", "library_name", "library_strategy", "library_source", "library_selection", "library_layout",
         "platform", "instrument_model", "filename", "filename2", "file_md5", "filetype", "file_format",
         "insert_size", "design_description", "title"}


class Exporter:
    def __init__(self, station: Any):
        self.station = station

    def _files(self, uow: Any, identity: Any, acc: str, version: int) -> Iterator[Any]:
        cursor = None
        while True:
            files, cursor = self.station.datasets.files(uow, identity, acc, version, cursor)
            yield from files
            if not cursor:
                return

    def samples(self, uow: Any, identity: Any, accession: str) -> tuple[Any, Any, list[dict[str, Any]], dict]:
        """(dataset, version, sample records, files by basename) as the caller may read them."""
        from ..forms.readers import read_records
        dataset, ver = self.station.datasets.get(uow, identity, accession)
        acc = accession.split(".", 1)[0]
        files = list(self._files(uow, identity, acc, ver.number))
        by_name = {f.path.rsplit("/", 1)[-1]: f for f in files}
        records: list[dict[str, Any]] = []
        for f in files:
            if not _SHEET.search(f.path):
                continue
            handle = self.station.datasets.open_file(uow, identity, f.accession)
            suffix = Path(f.path).suffix
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in self.station.store.read(handle.key, 0, handle.size):
                    tmp.write(chunk)
                tmp.flush()
                records.extend({k: v for k, v in r.items() if not k.startswith("@")}
                               for r in read_records(tmp.name))
        if not records:
            records = [dict(s) for s in (ver.extra or {}).get("samples", [])]
        return dataset, ver, records, by_name

    def biosample_xml(self, uow: Any, identity: Any, accession: str) -> bytes:
        dataset, ver, records, _ = self.samples(uow, identity, accession)
        organisms = {o["name"]: o["taxon_id"] for o in ver.organisms or []}
        root = etree.Element("BioSampleSet")
        for rec in records:
            name = str(rec.get("sample_name") or "").strip()
            if not name:
                continue
            bs = etree.SubElement(root, "BioSample")
            ids = etree.SubElement(bs, "SampleId")
            etree.SubElement(ids, "SPUID", spuid_namespace="BIOSTATION").text = name
            desc = etree.SubElement(bs, "Descriptor")
            etree.SubElement(desc, "Title").text = str(rec.get("sample_title") or name)
            if rec.get("description"):
                etree.SubElement(etree.SubElement(desc, "Description"), "p").text = str(rec["description"])
            org_name = str(rec.get("organism") or next(iter(organisms), ""))
            org = etree.SubElement(bs, "Organism")
            if org_name in organisms:
                org.set("taxonomy_id", str(organisms[org_name]))
            etree.SubElement(org, "OrganismName").text = org_name
            if rec.get("bioproject_accession"):
                bp = etree.SubElement(bs, "BioProject")
                etree.SubElement(bp, "PrimaryId", db="BioProject").text = str(rec["bioproject_accession"])
            package = (ver.extra or {}).get("biosample_package")
            if package:
                etree.SubElement(bs, "Package").text = str(package)
            attrs = etree.SubElement(bs, "Attributes")
            for key, value in rec.items():
                if key in _CORE or value in (None, ""):
                    continue
                etree.SubElement(attrs, "Attribute", attribute_name=str(key)).text = str(value)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def sra_xml(self, uow: Any, identity: Any, accession: str, which: str) -> bytes:
        """which = 'experiment' (EXPERIMENT_SET) or 'run' (RUN_SET)."""
        dataset, ver, records, by_name = self.samples(uow, identity, accession)
        extra = ver.extra or {}
        acc = accession.split(".", 1)[0]
        root = etree.Element("EXPERIMENT_SET" if which == "experiment" else "RUN_SET")
        for i, rec in enumerate(r for r in records if r.get("sample_name")):
            lib = str(rec.get("library_ID") or rec.get("library_id") or rec.get("library_name")
                      or f"{rec['sample_name']}_lib")
            if which == "experiment":
                exp = etree.SubElement(root, "EXPERIMENT", alias=lib, center_name="BIOSTATION")
                etree.SubElement(exp, "TITLE").text = str(rec.get("title") or f"{ver.title_en}: {rec['sample_name']}")
                etree.SubElement(exp, "STUDY_REF", refname=acc)
                design = etree.SubElement(exp, "DESIGN")
                etree.SubElement(design, "DESIGN_DESCRIPTION").text = str(rec.get("design_description") or "")
                etree.SubElement(design, "SAMPLE_DESCRIPTOR", refname=str(rec["sample_name"]))
                ld = etree.SubElement(design, "LIBRARY_DESCRIPTOR")
                etree.SubElement(ld, "LIBRARY_NAME").text = lib
                for tag, key, default in (("LIBRARY_STRATEGY", "library_strategy", "OTHER"),
                                          ("LIBRARY_SOURCE", "library_source", "OTHER"),
                                          ("LIBRARY_SELECTION", "library_selection", "unspecified")):
                    etree.SubElement(ld, tag).text = str(rec.get(key) or extra.get(key) or default)
                layout = etree.SubElement(ld, "LIBRARY_LAYOUT")
                kind = str(rec.get("library_layout") or extra.get("library_layout") or "SINGLE").upper()
                el = etree.SubElement(layout, "PAIRED" if kind.startswith("PAIRED") else "SINGLE")
                if kind.startswith("PAIRED") and str(rec.get("insert_size") or "").isdigit():
                    el.set("NOMINAL_LENGTH", str(rec["insert_size"]))
                platform = str(rec.get("platform") or extra.get("platform") or "ILLUMINA").upper()
                plat = etree.SubElement(etree.SubElement(exp, "PLATFORM"), platform)
                etree.SubElement(plat, "INSTRUMENT_MODEL").text = str(
                    rec.get("instrument_model") or extra.get("instrument_model") or "unspecified")
            else:
                names = [str(rec.get(k)) for k in ("filename", "filename2") if rec.get(k)]
                files = [by_name[n] for n in names if n in by_name]
                if not files:
                    continue
                run = etree.SubElement(root, "RUN", alias=f"{lib}_run{i + 1}", center_name="BIOSTATION")
                etree.SubElement(run, "EXPERIMENT_REF", refname=lib)
                fs = etree.SubElement(etree.SubElement(run, "DATA_BLOCK"), "FILES")
                for f in files:
                    ext = f.path.lower().removesuffix(".gz").removesuffix(".bz2").rsplit(".", 1)[-1]
                    kind = {"fq": "fastq", "fastq": "fastq", "bam": "bam", "cram": "cram", "sff": "sff"}.get(ext, "fastq")
                    attrs = {"filename": f.path, "filetype": kind}
                    if f.md5:
                        attrs.update(checksum_method="MD5", checksum=f.md5)
                    etree.SubElement(fs, "FILE", **attrs)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
