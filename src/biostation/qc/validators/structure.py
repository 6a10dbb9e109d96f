"""mmCIF and PDB through gemmi: the file must parse and hold atoms; resolution and R-free are metrics.

gemmi reads the whole model into memory, which is fine for coordinate files (the largest PDB
entries are a few hundred MB as mmCIF); the CIF syntax pass streams the text.
"""
from __future__ import annotations

import math

import gemmi

from biostation.qc.validators.base import Context, register


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or v <= 0 else v


@register("mmcif", "pdb")
def validate_structure(ctx: Context) -> None:
    path = str(ctx.path)
    gz = ctx.compression != "none"
    try:
        if ctx.format == "mmcif":
            doc = gemmi.cif.read(path)  # syntax errors carry the line number
            block = doc.sole_block() if len(doc) == 1 else doc[0]
            st = gemmi.make_structure_from_block(block)
        else:
            st = gemmi.read_pdb(path) if not gz else gemmi.read_structure(path)
            block = None
    except (RuntimeError, ValueError, IndexError) as exc:
        ctx.error("structure_parse", "file", reason=str(exc))
        return
    st.setup_entities()
    atoms = st[0].count_atom_sites() if len(st) else 0
    residues = sum(len(ch) for ch in st[0]) if len(st) else 0
    if not len(st) or atoms == 0:
        ctx.error("structure_empty", "model 1")
    m = ctx.metrics
    m.update({"models": len(st), "chains": len(st[0]) if len(st) else 0, "residues": residues, "atoms": atoms,
              "space_group": st.spacegroup_hm or None,
              "method": (getattr(st.meta, "experiments", None) and st.meta.experiments[0].method) or None})
    resolution = _num(st.resolution)
    r_free = r_work = None
    for ref in st.meta.refinement:
        r_free = r_free or _num(ref.r_free)
        r_work = r_work or _num(ref.r_work)
        resolution = resolution or _num(ref.resolution_high)
    if block is not None:
        r_free = r_free or _num(block.find_value("_refine.ls_R_factor_R_free"))
        r_work = r_work or _num(block.find_value("_refine.ls_R_factor_R_work"))
        resolution = resolution or _num(block.find_value("_refine.ls_d_res_high"))
    m["resolution"] = resolution
    m["r_free"] = r_free
    m["r_work"] = r_work
    method = (m["method"] or "").upper()
    if resolution is None and atoms and "NMR" not in method and "PREDICT" not in method:
        ctx.warn("structure_no_resolution", "refinement")
