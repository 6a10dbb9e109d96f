from __future__ import annotations

import os
import subprocess
import sys

import httpx
from typer.testing import CliRunner

from biostation.cli.main import app


def _env(station):
    return {"BIOSTATION_DATABASE_URL": station.config.database_url}


def test_operator_commands(station, monkeypatch):
    monkeypatch.setenv("BIOSTATION_DATABASE_URL", station.config.database_url)
    base = ["--data-dir", str(station.config.data_path)]
    runner = CliRunner()
    r = runner.invoke(app, base + ["db", "upgrade"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, base + ["orgs", "create", "SNUH", "--name-en", "Seoul National University Hospital",
                                   "--name-ko", "서울대학교병원", "--kind", "hospital"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, base + ["users", "create", "jiho", "--email", "jiho@snuh.org", "--role", "researcher",
                                   "--role", "curator", "--org", "SNUH"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, base + ["users", "create", "jiho", "--email", "jiho@snuh.org"])
    assert r.exit_code == 1 and "duplicate_user" in r.output
    r = runner.invoke(app, base + ["users", "create", "Bad Name", "--email", "nope", "--role", "king"])
    assert r.exit_code == 1
    assert "username" in r.output and "email" in r.output and "roles" in r.output
    r = runner.invoke(app, base + ["tokens", "create", "jiho"])
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("bst_")
    from biostation.accounts.service import hash_token
    with station.uow() as uow:
        ident = station.accounts.authenticate(uow, token)
        assert ident.username == "jiho" and ident.roles == {"researcher", "curator"}
        # Only the hash is stored.
        from sqlalchemy import text
        stored = [row[0] for row in uow.session.execute(text("SELECT token_hash FROM api_tokens"))]
        assert hash_token(token) in stored and token not in stored


def test_upload_command_uploads_a_folder(station, people, dataset, tmp_path):
    from tests.core.livesrv import LiveServer
    folder = tmp_path / "run1"
    (folder / "lane1").mkdir(parents=True)
    (folder / "lane1" / "R1.fastq").write_bytes(b"@r1\nACGT\n+\nIIII\n")
    (folder / "lane1" / "R2.fastq").write_bytes(b"@r1\nTTTT\n+\nIIII\n")
    server = LiveServer(station).start()
    try:
        env = {**os.environ, "BIOSTATION_TOKEN": people["owner"].token, "BIOSTATION_URL": server.url}
        result = subprocess.run([sys.executable, "-m", "biostation.cli.main", "upload", str(folder), "--dataset",
                                 dataset, "--dest", "reads"], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        files = httpx.get(f"{server.url}/api/datasets/{dataset}/files",
                          headers=people["owner"].headers).json()["items"]
        assert sorted(f["path"] for f in files) == ["reads/lane1/R1.fastq", "reads/lane1/R2.fastq"]
        # A sha256sum manifest saves the client a pass; a wrong checksum in it is refused by the station.
        import hashlib
        good = folder / "lane1" / "R1.fastq"
        manifest = folder / "SHA256SUMS"
        manifest.write_text(f"{hashlib.sha256(good.read_bytes()).hexdigest()}  lane1/R1.fastq\n")
        result = subprocess.run([sys.executable, "-m", "biostation.cli.main", "upload", str(good), "--dataset",
                                 dataset, "--dest", "again/R1.fastq", "--checksums", str(manifest)], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        manifest.write_text(f"{'0' * 64}  lane1/R1.fastq\n")
        result = subprocess.run([sys.executable, "-m", "biostation.cli.main", "upload", str(good), "--dataset",
                                 dataset, "--dest", "wrong/R1.fastq", "--checksums", str(manifest)], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1 and "checksum_mismatch" in result.stderr
        # A wrong token is a clear error, not a traceback.
        env["BIOSTATION_TOKEN"] = "bst_wrong"
        result = subprocess.run([sys.executable, "-m", "biostation.cli.main", "upload", str(folder), "--dataset",
                                 dataset], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and "invalid_token" in result.stderr
    finally:
        server.stop()


def test_demo_loads_real_files(tmp_path):
    env = {**os.environ, "BIOSTATION_DATA_DIR": str(tmp_path / "d")}
    env.pop("BIOSTATION_DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-m", "biostation.cli.main", "demo", "--no-serve"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("dataset BSD") == 3 and "published" in r.stderr
    again = subprocess.run([sys.executable, "-m", "biostation.cli.main", "demo", "--no-serve"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "already loaded" in again.stderr


def test_passwords_are_hashed_and_checked(station, people):
    from biostation.errors import StationError, ValidationFailed
    from biostation.identity import SYSTEM
    with station.uow() as uow:
        station.accounts.set_password(uow, SYSTEM, "owner", "correct horse battery")
        stored = station.accounts.get_user(uow, "owner").password_hash
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    with station.uow() as uow:
        assert station.accounts.sign_in(uow, "owner", "correct horse battery").username == "owner"
    for user, pw in (("owner", "wrong password"), ("nobody", "correct horse battery")):
        with station.uow() as uow:
            try:
                station.accounts.sign_in(uow, user, pw)
                raise AssertionError("sign-in should fail")
            except StationError as exc:
                assert exc.code == "sign_in_failed" and exc.status == 401
    with station.uow() as uow:
        try:
            station.accounts.set_password(uow, SYSTEM, "owner", "short")
            raise AssertionError("short password accepted")
        except ValidationFailed as exc:
            assert exc.errors[0].field == "password"
