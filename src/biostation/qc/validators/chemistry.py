"""SDF/MOL, SMILES, reaction SMILES and RXN through RDKit.

Molecules are parsed without sanitisation, then sanitised one by one so every failure is counted
and named (RDKit's reason: "Explicit valence for atom # 1 N, 4, is greater than permitted").
Files are streamed record by record.
"""
from __future__ import annotations

import gzip
import io
import logging
import re
from contextlib import contextmanager
from typing import Any, Iterator

from rdkit import Chem, RDLogger, rdBase
from rdkit.Chem import rdChemReactions

from biostation.qc.validators.base import Context, loc, register


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = _STAMP.sub("", record.getMessage().strip())
        if msg and "****" not in msg and "moving to the beginning of the next molecule" not in msg:
            self.messages.append(msg)

    def take(self) -> str:
        out = "; ".join(m for m in self.messages if m)
        self.messages.clear()
        return out[:500]


_STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\]\s*(ERROR:\s*|WARNING:\s*)?")


@contextmanager
def _rdkit_log() -> Iterator[_Log]:
    """RDKit writes parse reasons to its own log; route it to Python logging and keep it per record."""
    handler = _Log()
    logger = logging.getLogger("rdkit")
    old_propagate = logger.propagate
    old_handlers = list(logger.handlers)
    for h in old_handlers:
        logger.removeHandler(h)
    logger.addHandler(handler)
    logger.propagate = False
    rdBase.LogToPythonLogger()
    RDLogger.EnableLog("rdApp.error")
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        for h in old_handlers:
            logger.addHandler(h)
        logger.propagate = old_propagate
        rdBase.LogToCppStreams()


def _open_text(ctx: Context):
    if ctx.compression != "none":
        return io.TextIOWrapper(gzip.open(ctx.path, "rb"), encoding="utf-8", errors="replace")
    return open(ctx.path, encoding="utf-8", errors="replace")


def _sanitize(ctx: Context, mol, where: str, log: _Log) -> bool:
    if mol.GetNumAtoms() == 0:
        ctx.error("chem_empty_molecule", where)
        return False
    try:
        Chem.SanitizeMol(mol)
    except Exception as exc:  # noqa: BLE001 - RDKit raises MolSanitizeException subclasses
        log.take()
        ctx.error("chem_sanitize", where, reason=str(exc))
        return False
    return True


def _finish(ctx: Context, total: int, failed: int, unit: str = "molecule") -> None:
    m = ctx.metrics
    m[f"{unit}_count"] = total
    m["failed_count"] = failed
    m["failed_percent"] = round(100 * failed / total, 3) if total else 0.0
    if total == 0 and not ctx.errors:
        ctx.error("empty_file", "record 1")


@register("sdf", "mol")
def validate_sdf(ctx: Context) -> None:
    total = failed = atoms = 0
    opener = gzip.open if ctx.compression != "none" else open
    with opener(ctx.path, "rb") as fh, _rdkit_log() as log:
        supplier = Chem.ForwardSDMolSupplier(fh, sanitize=False, removeHs=False, strictParsing=True)
        for total, mol in enumerate(supplier, 1):
            where = loc(record=total)
            if mol is None:
                failed += 1
                ctx.error("chem_parse", where, reason=log.take() or "RDKit could not read the molecule block")
                continue
            name = mol.GetProp("_Name") if mol.HasProp("_Name") else ""
            if name:
                where = loc(record=total, name=name)
            if not _sanitize(ctx, mol, where, log):
                failed += 1
                continue
            atoms += mol.GetNumAtoms()
            if total % 10000 == 0:
                ctx.report_progress(fh.tell())
    if ctx.format == "mol" and total > 1:
        ctx.metrics["note"] = "a MOL file normally holds one molecule"
    _finish(ctx, total, failed)
    if total - failed > 0:
        ctx.metrics["mean_atoms"] = round(atoms / (total - failed), 2)


_HEADER_TOKENS = {"smiles", "smi", "canonical_smiles", "rxn", "reaction", "reaction_smiles", "rsmi"}


def _records(fh: Any) -> Iterator[tuple[int, int, str]]:
    """(record number, line number, SMILES) per line: blanks, comments and a header line are skipped."""
    total = 0
    for lineno, line in enumerate(fh, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        token = text.split()[0]
        if lineno == 1 and token.lower() in _HEADER_TOKENS:
            continue
        total += 1
        yield total, lineno, token


@register("smiles")
def validate_smiles(ctx: Context) -> None:
    total = failed = 0
    with _open_text(ctx) as fh, _rdkit_log() as log:
        for total, lineno, token in _records(fh):
            where = loc(record=total, line=lineno)
            mol = Chem.MolFromSmiles(token, sanitize=False)
            if mol is None:
                failed += 1
                ctx.error("chem_parse", where, reason=log.take() or f"cannot parse {token!r}")
                continue
            if not _sanitize(ctx, mol, where, log):
                failed += 1
    _finish(ctx, total, failed)


def _check_reaction(ctx: Context, rxn, where: str, log: _Log) -> bool:
    if rxn.GetNumReactantTemplates() == 0 or rxn.GetNumProductTemplates() == 0:
        ctx.error("reaction_empty", where)
        return False
    ok = True
    for role, mols in (("reactant", rxn.GetReactants()), ("product", rxn.GetProducts())):
        for i, mol in enumerate(mols, 1):
            mol = Chem.Mol(mol)
            if not _sanitize(ctx, mol, f"{where}, {role} {i}", log):
                ok = False
    return ok


@register("reaction-smiles")
def validate_reaction_smiles(ctx: Context) -> None:
    total = failed = 0
    with _open_text(ctx) as fh, _rdkit_log() as log:
        for total, lineno, token in _records(fh):
            where = loc(record=total, line=lineno)
            try:
                rxn = rdChemReactions.ReactionFromSmarts(token, useSmiles=True)
            except ValueError as exc:
                failed += 1
                ctx.error("reaction_parse", where, reason=log.take() or str(exc))
                continue
            if rxn is None:
                failed += 1
                ctx.error("reaction_parse", where, reason=log.take() or f"cannot parse {token!r}")
                continue
            if not _check_reaction(ctx, rxn, where, log):
                failed += 1
    _finish(ctx, total, failed, "reaction")


@register("rxn")
def validate_rxn(ctx: Context) -> None:
    with _open_text(ctx) as fh, _rdkit_log() as log:
        block = fh.read(64 << 20)  # an RXN file is one reaction; refuse to hold more than 64 MiB
        try:
            rxn = rdChemReactions.ReactionFromRxnBlock(block, sanitize=False)
        except ValueError as exc:
            ctx.error("reaction_parse", "record 1", reason=log.take() or str(exc))
            _finish(ctx, 1, 1, "reaction")
            return
        if rxn is None:
            ctx.error("reaction_parse", "record 1", reason=log.take() or "RDKit could not read the RXN block")
            _finish(ctx, 1, 1, "reaction")
            return
        ok = _check_reaction(ctx, rxn, "record 1", log)
        ctx.metrics["reactants"] = rxn.GetNumReactantTemplates()
        ctx.metrics["products"] = rxn.GetNumProductTemplates()
    _finish(ctx, 1, 0 if ok else 1, "reaction")
