from __future__ import annotations

import gemmi
import pytest

from biostation.qc.service import check_file


def structure(resolution=2.1, r_free=0.245):
    st = gemmi.Structure()
    st.name = "TEST"
    st.cell = gemmi.UnitCell(20, 20, 20, 90, 90, 90)
    st.spacegroup_hm = "P 1"
    model, chain = gemmi.Model(1), gemmi.Chain("A")
    for i, name in enumerate(["ALA", "GLY", "SER"]):
        res = gemmi.Residue()
        res.name, res.seqid, res.entity_type = name, gemmi.SeqId(i + 1, " "), gemmi.EntityType.Polymer
        for j, atom_name in enumerate(["N", "CA", "C", "O"]):
            atom = gemmi.Atom()
            atom.name, atom.element = atom_name, gemmi.Element(atom_name[0])
            atom.pos, atom.occ, atom.b_iso = gemmi.Position(i * 3.8 + j, j * 0.5, 0), 1.0, 20.0
            res.add_atom(atom)
        chain.add_residue(res)
    model.add_chain(chain)
    st.add_model(model)
    st.resolution = resolution
    ref = gemmi.RefinementInfo()
    ref.r_free, ref.r_work, ref.resolution_high = r_free, 0.2, resolution
    st.meta.refinement = [ref]
    st.setup_entities()
    return st


def test_mmcif_and_pdb_metrics(tmp_path):
    st = structure()
    st.make_mmcif_document().write_file(str(tmp_path / "s.cif"))
    st.write_pdb(str(tmp_path / "s.pdb"))
    c = check_file(tmp_path / "s.cif")
    assert c.format == "mmcif" and c.valid and c.grade == "A"
    assert c.metrics["resolution"] == pytest.approx(2.1) and c.metrics["r_free"] == pytest.approx(0.245)
    assert c.metrics["atoms"] == 12
    p = check_file(tmp_path / "s.pdb")
    assert p.format == "pdb" and p.valid and p.metrics["resolution"] == pytest.approx(2.1)


def test_poor_structure_is_graded_down(tmp_path):
    structure(resolution=5.0, r_free=0.45).make_mmcif_document().write_file(str(tmp_path / "poor.cif"))
    r = check_file(tmp_path / "poor.cif")
    assert r.valid and r.grade in ("C", "D")
    assert {x.rule for x in r.rules} == {"structure.resolution", "structure.r_free"}


def test_broken_cif(tmp_path):
    structure().make_mmcif_document().write_file(str(tmp_path / "s.cif"))
    text = (tmp_path / "s.cif").read_text()
    (tmp_path / "bad.cif").write_text(text.replace("loop_\n_atom_site.group_PDB", "loop_\n'unclosed\n_atom_site.group_PDB"))
    r = check_file(tmp_path / "bad.cif")
    assert not r.valid and r.errors[0].code == "structure_parse"
    (tmp_path / "empty.cif").write_text("data_x\n_entry.id x\n")
    assert [e.code for e in check_file(tmp_path / "empty.cif").errors] == ["structure_empty"]
