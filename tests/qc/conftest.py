"""Real sample files, written by each format's own library in a temp dir, then damaged by the tests."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest


def fastq_records(n: int = 200, length: int = 50, seed: int = 3) -> bytes:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        seq = bytes(np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, length)])
        qual = bytes((rng.integers(30, 41, length) + 33).astype(np.uint8))
        out.append(b"@read%d\n%s\n+\n%s\n" % (i, seq, qual))
    return b"".join(out)


@pytest.fixture
def fastq(tmp_path: Path) -> Path:
    import dnaio

    path = tmp_path / "reads.fastq"
    rng = np.random.default_rng(1)
    with dnaio.open(path, mode="w") as w:
        for i in range(300):
            seq = "".join(rng.choice(list("ACGT"), 60))
            w.write(dnaio.SequenceRecord(f"r{i}", seq, "I" * 30 + "5" * 30))
    return path


@pytest.fixture
def write_bytes(tmp_path: Path):
    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return _write


def gz(data: bytes) -> bytes:
    return gzip.compress(data)
