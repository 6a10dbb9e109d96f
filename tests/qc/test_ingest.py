"""QC runs on ingest: in the embedded station (in-process jobs) and in a production-like setup
(PostgreSQL + RabbitMQ + a separate Dramatiq worker process)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.core.helpers import upload_bytes
from tests.qc.conftest import fastq_records


def test_upload_then_background_qc_report_and_grade(client, people, station, dataset):
    owner = people["owner"].headers
    good = fastq_records(300)
    bad = good.replace(b"+\n", b"+\nEXTRA\n", 1)  # a record with a broken layout
    upload_bytes(client, owner, dataset, "reads/good.fastq", good)
    broken = upload_bytes(client, owner, dataset, "reads/bad.fastq", bad)
    summary = client.get(f"/api/datasets/{dataset}/qc", headers=owner).json()
    assert summary["pending"] == 2 and {f["status"] for f in summary["files"]} == {"queued"}
    assert "grade" not in summary
    assert station.jobs.run_until_idle() >= 2
    summary = client.get(f"/api/datasets/{dataset}/qc", headers=owner).json()
    by_path = {f["path"]: f for f in summary["files"]}
    assert by_path["reads/good.fastq"]["valid"] is True and by_path["reads/good.fastq"]["grade"] in "ABCD"
    assert by_path["reads/good.fastq"]["format"] == "fastq"
    assert by_path["reads/bad.fastq"]["valid"] is False and by_path["reads/bad.fastq"]["grade"] == "F"
    assert summary["grade"]["grade"] == "F"
    assert any(r["rule"] == "version.invalid_file" for r in summary["grade"]["rules"])
    assert 0 <= summary["completeness"] <= 100
    report = client.get(f"/api/files/{broken['file']}/qc", headers=owner).json()
    assert report["status"] == "done" and report["errors"]
    err = report["errors"][0]
    assert err["code"] and err["location"] and err["message"] and err["message_ko"]
    assert report["metrics"]["sha256"] and report["metrics"]["md5"]
    # The QC report follows the file's rule: a draft's reports are invisible to others.
    assert client.get(f"/api/files/{broken['file']}/qc", headers=people["other"].headers).status_code == 404
    assert client.get(f"/api/datasets/{dataset}/qc", headers=people["other"].headers).status_code == 404


def test_version_grade_counts_metadata_completeness(client, people, station, dataset):
    owner = people["owner"].headers
    upload_bytes(client, owner, dataset, "reads/good.fastq", fastq_records(300))
    station.jobs.run_until_idle()
    sparse = client.get(f"/api/datasets/{dataset}/qc", headers=owner).json()
    rich = {"description_en": "Whole-genome reads of rice cultivar Ilmi under heat stress, Illumina NovaSeq.",
            "description_ko": "고온 스트레스 조건의 벼 일미 품종 전장 유전체 리드.", "keywords": ["rice", "WGS", "heat"],
            "contributors": [{"name": "Kim Minji", "orcid": "0000-0002-1825-0097", "affiliation": "KRIBB"}]}
    assert client.patch(f"/api/datasets/{dataset}", json=rich, headers=owner).status_code == 200
    richer = client.get(f"/api/datasets/{dataset}/qc", headers=owner).json()
    assert richer["completeness"] > sparse["completeness"]
    assert richer["grade"]["score"] >= sparse["grade"]["score"]
    assert any(r["rule"] == "metadata.completeness" for r in sparse["grade"]["rules"])


def test_unknown_format_is_accepted_and_marked_not_checked(client, people, station, dataset):
    owner = people["owner"].headers
    res = upload_bytes(client, owner, dataset, "notes/blob.xyz", os.urandom(4096))
    station.jobs.run_until_idle()
    report = client.get(f"/api/files/{res['file']}/qc", headers=owner).json()
    assert report["checked"] is False and report["format"] == "unknown"
    assert any(w["code"] == "not_checked" for w in report["warnings"])


def _rabbitmq_reason() -> str | None:
    import socket
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
        return None
    except OSError as exc:
        return f"RabbitMQ not reachable on 127.0.0.1:5672: {exc}"


def test_qc_in_production_setup_with_separate_worker(station, people, dataset, backend):
    if backend != "postgresql":
        pytest.skip("the production-like setup is PostgreSQL + RabbitMQ")
    reason = _rabbitmq_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from tests.core.livesrv import LiveServer
    env = {"BIOSTATION_JOBS_BACKEND": "dramatiq"}
    server = LiveServer(station, extra_env=env).start()
    worker = subprocess.Popen([sys.executable, "-m", "biostation.cli.main", "worker", "--processes", "1",
                               "--threads", "1"], env={**server.env, **env}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        headers = people["owner"].headers
        data = fastq_records(500)
        import hashlib
        up = httpx.post(f"{server.url}/api/datasets/{dataset}/uploads", json={"path": "r.fastq", "size": len(data)},
                        headers=headers).json()
        httpx.put(f"{server.url}/api/uploads/{up['id']}/parts/1", content=data,
                  headers={**headers, "X-Part-Sha256": hashlib.sha256(data).hexdigest()})
        done = httpx.post(f"{server.url}/api/uploads/{up['id']}/complete",
                          json={"sha256": hashlib.sha256(data).hexdigest()}, headers=headers)
        assert done.status_code == 200
        deadline = time.time() + 60
        summary = {}
        while time.time() < deadline:
            summary = httpx.get(f"{server.url}/api/datasets/{dataset}/qc", headers=headers).json()
            if summary.get("grade"):
                break
            time.sleep(0.5)
        assert summary.get("grade"), (summary, worker.stderr.read1().decode()[-2000:] if worker.poll() else "")
        assert summary["files"][0]["valid"] is True
        # The job ran in the worker process, not in the server: the server has no job thread in this mode.
        jobs = httpx.get(f"{server.url}/api/jobs", headers=people["admin"].headers).json()
        assert any(j["kind"].startswith("file.added:biostation.qc") and j["state"] == "done" for j in jobs)
    finally:
        import signal
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(20)
        server.stop()
