"""The DataCite REST client against a local HTTP server that checks each request (register mode)."""
from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest
from sqlalchemy import update

from biostation.datasets.models import Dataset

from .helpers import datacite_json_schema


class FakeDataCite:
    def __init__(self):
        self.requests: list[tuple[str, str, dict, dict]] = []
        self.fail_next = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _answer(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((self.command, self.path, dict(self.headers), body))
                if outer.fail_next:
                    outer.fail_next -= 1
                    self._send(422, {"errors": [{"title": "DOI is invalid"}]})
                    return
                attrs = body["data"]["attributes"]
                state = {"publish": "findable", "hide": "registered"}.get(attrs.get("event"), "draft")
                self._send(201 if self.command == "POST" else 200,
                           {"data": {"id": attrs["doi"], "type": "dois", "attributes": {"state": state}}})

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/vnd.api+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def datacite(station):
    fake = FakeDataCite()
    station.config.values.update(datacite_mode="register", datacite_url=fake.url, datacite_user="KR.BIOSTATION",
                                 datacite_password="s3cret", datacite_prefix="10.80000")
    yield fake
    fake.close()


def test_register_on_publish_then_hide_when_withdrawn(station, client, datacite, published):
    reqs = datacite.requests
    assert sorted((m, p, b["data"]["attributes"]["doi"], b["data"]["attributes"].get("event")) for m, p, _, b in reqs) == [
        ("POST", "/dois", f"10.80000/{published}", "publish"), ("POST", "/dois", f"10.80000/{published}.1", "publish")]
    for _, _, headers, body in reqs:
        assert headers["Authorization"] == "Basic " + base64.b64encode(b"KR.BIOSTATION:s3cret").decode()
        assert headers["Content-Type"] == "application/vnd.api+json"
        assert body["data"]["type"] == "dois"
        attrs = {k: v for k, v in body["data"]["attributes"].items() if k != "event"}
        jsonschema.validate({**attrs, "event": body["data"]["attributes"]["event"]}, datacite_json_schema())
    dois = {d["version"]: d["state"] for d in client.get(f"/api/datasets/{published}/dois").json()}
    assert dois == {0: "findable", 1: "findable"}

    # withdrawn from the public view: DataCite cannot delete a findable DOI, so it is hidden (event hide)
    with station.uow() as uow:
        uow.session.execute(update(Dataset).where(Dataset.id == int(published[3:9])).values(latest_published=None))
    reqs.clear()
    assert station.interop.sync()["deleted"] == 1
    station.jobs.run_until_idle()
    assert sorted((m, p, b["data"]["attributes"].get("event")) for m, p, _, b in reqs) == [
        ("PUT", f"/dois/10.80000/{published}", "hide"), ("PUT", f"/dois/10.80000/{published}.1", "hide")]


def test_refusal_is_kept_and_retried(station, client, datacite, people, dataset):
    from .conftest import publish_via_api
    datacite.fail_next = 2
    publish_via_api(client, people["owner"].headers, dataset)
    station.jobs.run_until_idle()
    with station.uow() as uow:
        rows = station.interop.dois(uow, people["owner"].identity, dataset)
        assert all(r.state == "reserved" and "DOI is invalid" in r.last_error for r in rows)
    assert station.interop.push_dois(int(dataset[3:9]), True) == {
        f"10.80000/{dataset}": "findable", f"10.80000/{dataset}.1": "findable"}


def test_reserve_mode_sends_nothing(station, client, published):
    with station.uow() as uow:
        from biostation.identity import SYSTEM
        assert {d.state for d in station.interop.dois(uow, SYSTEM, published)} == {"reserved"}
