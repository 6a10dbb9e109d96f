"""Compose the packaged form documents from the shared parts in definitions/ (YAML).

Shared parts are written once: the BioSample attribute library, the packages that pick from it, one block per
data type, and the research fields' extras. 15 x 7 forms and one form per BioSample package come out of them.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .. import vocab as core_vocab

DEFS = Path(__file__).resolve().parent / "definitions"


def _yaml(name: str) -> Any:
    return yaml.safe_load((DEFS / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _parts() -> dict[str, Any]:
    blocks = {}
    for path in sorted((DEFS / "blocks").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        blocks[data["id"]] = data
    library = {f["id"]: f for f in blocks.pop("biosample_attributes")["fields"]}
    return {"blocks": blocks, "library": library, "packages": _yaml("packages.yaml"),
            "composition": _yaml("composition.yaml")}


def _lib_field(library: dict[str, Any], fid: str, requirement: str, override: dict[str, Any] | None = None) -> dict:
    f = copy.deepcopy(library[fid])
    f["requirement"] = requirement
    if override:
        f.update(copy.deepcopy(override))
    return f


def package_sample_section(package_name: str) -> dict[str, Any]:
    """The sample section of an INSDC BioSample package: its attributes, requirement levels and groups."""
    parts = _parts()
    library, pk = parts["library"], parts["packages"]
    spec = next(p for p in pk["packages"] if p["name"] == package_name)
    override = spec.get("override", {})
    fields: list[dict] = []
    placed: set[str] = set()

    def add(fid: str, req: str) -> None:
        if fid not in placed:
            fields.append(_lib_field(library, fid, req, override.get(fid)))
            placed.add(fid)

    for fid in pk["common"]["mandatory"]:
        add(fid, "mandatory")
    for fid in spec.get("mandatory", []):
        add(fid, "mandatory")
    for g in spec.get("groups", []):
        for fid in g["fields"]:
            add(fid, "optional")
    for level in ("recommended", "optional"):
        for fid in spec.get(level, []):
            add(fid, level)
    for fid in pk["common"]["optional"]:
        add(fid, "optional")
    return {"fields": fields, "groups": copy.deepcopy(spec.get("groups", []))}


def _package_spec(name: str) -> dict[str, Any]:
    return next(p for p in _parts()["packages"]["packages"] if p["name"] == name)


def package_documents() -> list[dict[str, Any]]:
    """One form per BioSample package, used for BioSample XML/TSV files that name their package."""
    comp = _parts()["composition"]
    docs = []
    for spec in _parts()["packages"]["packages"]:
        docs.append({
            "id": spec["form_id"], "version": comp["version"], "status": "active",
            "title": {"en": f"INSDC BioSample package {spec['name']}: {spec['title']['en']}",
                      "ko": f"INSDC BioSample 패키지 {spec['name']}: {spec['title']['ko']}"},
            "package": spec["name"], "package_display_name": spec["display_name"],
            "standards": [f"INSDC BioSample package {spec['name']}", "GSC MIxS 6"],
            "sections": {"sample": package_sample_section(spec["name"])},
        })
    return docs


def _minimal_sample(mode: str, within: list[Any] | None) -> dict[str, Any]:
    library = _parts()["library"]
    organism_req = "mandatory" if mode == "organism" else "recommended"
    org_override: dict[str, Any] = {"example": "Homo sapiens"} if mode == "organism" else {"example": "Escherichia coli"}
    if within:
        org_override["within"] = within
    return {"fields": [_lib_field(library, "sample_name", "mandatory"),
                       _lib_field(library, "organism", organism_req, org_override),
                       _lib_field(library, "sample_title", "optional"),
                       _lib_field(library, "description", "optional")],
            "groups": []}


def composed_documents() -> list[dict[str, Any]]:
    """The 105 research field x data type forms."""
    parts = _parts()
    comp, blocks, library = parts["composition"], parts["blocks"], parts["library"]
    docs = []
    for rf, rf_spec in comp["research_fields"].items():
        for dt, dt_spec in comp["data_types"].items():
            mode = dt_spec["sample"]
            package = None
            if mode == "package":
                package = rf_spec.get("packages", {}).get(dt, rf_spec["package"])
                sample = package_sample_section(package)
            else:
                sample = _minimal_sample(mode, dt_spec.get("organism_within"))
            block_ids = list(dt_spec["blocks"])
            if dt == "image" and rf_spec.get("image_block"):
                block_ids = [rf_spec["image_block"]]
            dataset = {"fields": copy.deepcopy(blocks["dataset_common"]["dataset_fields"]), "groups": []}
            standards = list(dt_spec["standards"])
            if package:
                standards[0] = f"INSDC BioSample package {package}"
            for bid in block_ids:
                block = blocks[bid]
                _merge(sample, copy.deepcopy(block.get("fields", [])), copy.deepcopy(block.get("groups", [])))
                _merge(dataset, copy.deepcopy(block.get("dataset_fields", [])), [])
                if bid == "image_dicom":
                    standards = ["INSDC BioSample package " + (package or ""), "DICOM PS3.3 attributes", "EDAM"]
            for extra in rf_spec.get("extras", []):
                if dt not in extra["types"]:
                    continue
                if "ref" in extra:
                    f = _lib_field(library, extra["ref"], extra["requirement"])
                else:
                    f = {k: copy.deepcopy(v) for k, v in extra.items() if k != "types"}
                _merge(sample, [f], [])
            rf_en, rf_ko = core_vocab.RESEARCH_FIELDS[rf]
            dt_en, dt_ko = core_vocab.DATA_TYPES[dt]
            docs.append({
                "id": f"{rf}.{dt}", "version": comp["version"], "status": "active",
                "title": {"en": f"{rf_en} - {dt_en}", "ko": f"{rf_ko} - {dt_ko}"},
                "description": {"en": f"Registration form for {dt_en.lower()} data in {rf_en.lower()}.",
                                "ko": f"{rf_ko} 분야 {dt_ko} 데이터 등록 양식입니다."},
                "research_field": rf, "data_type": dt, "package": package,
                "standards": standards,
                "sections": {"sample": sample, "dataset": dataset},
            })
    return docs


def _merge(section: dict[str, Any], fields: list[dict], groups: list[dict]) -> None:
    """Add fields; a field already present takes the stricter requirement instead of being duplicated."""
    order = {"optional": 0, "recommended": 1, "mandatory": 2}
    index = {f["id"]: f for f in section["fields"]}
    for f in fields:
        old = index.get(f["id"])
        if old is None:
            section["fields"].append(f)
            index[f["id"]] = f
        elif order[f.get("requirement", "optional")] > order[old.get("requirement", "optional")]:
            old["requirement"] = f["requirement"]
    section["groups"].extend(groups)


def packaged_documents() -> list[dict[str, Any]]:
    return package_documents() + composed_documents()


def package_names() -> dict[str, str]:
    """BioSample package name and display name -> form id."""
    out = {}
    for spec in _parts()["packages"]["packages"]:
        out[spec["name"]] = spec["form_id"]
        out[spec["display_name"]] = spec["form_id"]
    return out
