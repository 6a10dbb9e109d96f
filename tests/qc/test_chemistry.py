from __future__ import annotations

from rdkit import Chem
from rdkit.Chem import rdChemReactions

from biostation.qc.service import check_file


def codes(r):
    return [e.code for e in r.errors]


def sdf(path, smiles):
    with Chem.SDWriter(str(path)) as w:
        for s in smiles:
            m = Chem.MolFromSmiles(s)
            m.SetProp("_Name", s)
            w.write(m)
    return path


def test_sdf_valid_and_unsanitisable(tmp_path):
    ok = check_file(sdf(tmp_path / "ok.sdf", ["CCO", "c1ccccc1", "CC(=O)O"]))
    assert ok.format == "sdf" and ok.valid and ok.metrics["molecule_count"] == 3
    # damage: remove the +1 charge of a quaternary nitrogen, leaving a 4-valent neutral N
    text = (tmp_path / "ok.sdf").read_text()
    bad = Chem.MolToMolBlock(Chem.MolFromSmiles("C[N+](C)(C)C")).replace("M  CHG  1   2   1\n", "")
    (tmp_path / "bad.sdf").write_text(text + bad + "$$$$\n")
    r = check_file(tmp_path / "bad.sdf")
    assert codes(r) == ["chem_sanitize"] and "record 4" in r.errors[0].location
    assert "valence" in r.errors[0].message.lower()
    assert r.metrics["failed_count"] == 1 and r.metrics["molecule_count"] == 4


def test_sdf_unparsable_block(tmp_path):
    text = sdf(tmp_path / "ok.sdf", ["CCO", "CCN"]).read_text()
    (tmp_path / "cut.sdf").write_text(text + "broken\n  RDKit\n\n  x\n$$$$\n")
    r = check_file(tmp_path / "cut.sdf")
    assert codes(r) == ["chem_parse"] and "record 3" in r.errors[0].location


def test_smiles_counts_failures(tmp_path):
    p = tmp_path / "m.smi"
    p.write_text("smiles name\nCCO ethanol\nC1CC open-ring\nCN(C)(C)(C)C pentavalent\nc1cccc1 bad-aromatic\n")
    r = check_file(p)
    assert r.format == "smiles"
    assert codes(r) == ["chem_parse", "chem_sanitize", "chem_sanitize"]
    assert "line 3" in r.errors[0].location and "line 4" in r.errors[1].location
    assert r.metrics["molecule_count"] == 4 and r.metrics["failed_count"] == 3


def test_reaction_smiles_and_rxn(tmp_path):
    p = tmp_path / "r.rsmi"
    p.write_text("CCO.CC(=O)O>>CCOC(C)=O.O\nCC(>>C\nCN(C)(C)(C)C>>C\n")
    r = check_file(p)
    assert r.format == "reaction-smiles" and codes(r) == ["reaction_parse", "chem_sanitize"]
    rxn = rdChemReactions.ReactionFromSmarts("CCO.CC(=O)O>>CCOC(C)=O.O", useSmiles=True)
    block = rdChemReactions.ReactionToRxnBlock(rxn)
    (tmp_path / "ok.rxn").write_text(block)
    ok = check_file(tmp_path / "ok.rxn")
    assert ok.format == "rxn" and ok.valid and ok.metrics["reactants"] == 2
    (tmp_path / "cut.rxn").write_text(block[:200])
    assert codes(check_file(tmp_path / "cut.rxn")) == ["reaction_parse"]
