"""Embargoes: closed until their date (the clock decides, no job), at most 3 years, extendable once by 2 years
with a reason, or until a linked publication; published data never becomes more closed by its owner."""
from __future__ import annotations

from datetime import timedelta

from biostation import accessions, clock
from biostation.access.service import date_start
from biostation.datasets.models import Dataset
from biostation.identity import ANONYMOUS
from tests.access.helpers import can_view, listed
from tests.access.world import T0, add_file, new_dataset, publish


def _embargoed(station, people, project, until: str | None = None, **extra) -> tuple[str, str]:
    owner = people["owner"].identity
    acc = new_dataset(station, owner, project)
    f = add_file(station, owner, acc, "a.txt", b"embargoed bytes\n")
    body = {"level": "embargoed", **({"embargo_until": until} if until else {}), **extra}
    with station.uow() as uow:
        station.access.set_level(uow, owner, acc, body)
    publish(station, owner, acc)
    return acc, f


def test_embargo_lifts_at_its_date(station, people, project, client):
    clock.freeze(T0)
    lift = (T0 + timedelta(days=100)).date()
    acc, f = _embargoed(station, people, project, lift.isoformat())
    other = people["other"].identity

    clock.freeze(date_start(lift) - timedelta(seconds=1))
    assert client.get(f"/api/datasets/{acc}").status_code == 404
    assert client.get(f"/api/files/{f}/content").status_code == 404
    assert client.get(f"/api/files/{f}/qc").status_code == 404
    assert not can_view(station, other, acc) and acc not in listed(station, other)
    with station.uow() as uow:
        ds = uow.session.get(Dataset, accessions.parse(acc, "dataset")[1])
        assert "public" not in station.access.readers(uow, ds)
        readers, until = station.access.search_acl(uow, ds)
        assert "public" in readers and until == date_start(lift)  # for engines that lift embargoes themselves

    clock.freeze(date_start(lift))  # midnight in Korea on the day
    r = client.get(f"/api/datasets/{acc}")
    assert r.status_code == 200 and r.json()["access_level"] == "embargoed"
    assert client.get(f"/api/access/datasets/{acc}").json()["effective_level"] == "open"
    r = client.get(f"/api/files/{f}/content")
    assert r.status_code == 200 and r.content == b"embargoed bytes\n"
    assert acc in listed(station, ANONYMOUS)
    with station.uow() as uow:
        ds = uow.session.get(Dataset, accessions.parse(acc, "dataset")[1])
        assert "public" in station.access.readers(uow, ds)


def test_embargo_limits_extension_and_publication(station, people, project, client):
    clock.freeze(T0)
    owner = people["owner"].headers
    acc = new_dataset(station, people["owner"].identity, project)
    too_long = (T0 + timedelta(days=3 * 365 + 5)).date().isoformat()
    r = client.put(f"/api/access/datasets/{acc}", headers=owner,
                   json={"level": "embargoed", "embargo_until": too_long, "data_use": {"permission": "GRU"}})
    assert r.status_code == 422
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert set(errors) == {"embargo_until", "data_use"}
    assert errors["embargo_until"]["code"] == "embargo_too_long" and errors["embargo_until"]["message_ko"]
    assert errors["data_use"]["code"] == "not_applicable"
    r = client.put(f"/api/access/datasets/{acc}", headers=owner, json={"level": "embargoed"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "embargo_end_required"
    first_end = (T0 + timedelta(days=3 * 365)).date()
    r = client.put(f"/api/access/datasets/{acc}", headers=owner,
                   json={"level": "embargoed", "embargo_until": first_end.isoformat()})
    assert r.status_code == 200 and r.json()["level"] == "embargoed"

    # Extension: a reason, at most 5 years from the start, once.
    url = f"/api/access/datasets/{acc}/embargo/extend"
    r = client.post(url, headers=owner, json={"until": (T0 + timedelta(days=4 * 365)).date().isoformat(),
                                              "reason": "short"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(url, headers=owner, json={"until": (T0 + timedelta(days=6 * 365)).date().isoformat(),
                                              "reason": "The paper is in its second round of review."})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "invalid_extension"
    new_end = (T0 + timedelta(days=5 * 365 - 2)).date()
    r = client.post(url, headers=owner, json={"until": new_end.isoformat(),
                                              "reason": "The paper is in its second round of review."})
    assert r.status_code == 200 and r.json()["embargo_extended"] is True
    assert r.json()["embargo_until"].startswith(str(date_start(new_end).date()))
    r = client.post(url, headers=owner, json={"until": new_end.isoformat(), "reason": "Once more, please, thanks."})
    assert r.status_code == 409 and r.json()["code"] == "already_extended"
    assert client.post(url, headers=people["other"].headers,
                       json={"until": new_end.isoformat(), "reason": "x" * 30}).status_code == 404


def test_embargo_until_publication(station, people, project, client):
    clock.freeze(T0)
    acc, f = _embargoed(station, people, project, embargo_until_publication=True)
    assert client.get(f"/api/datasets/{acc}").status_code == 404
    info = client.get(f"/api/access/datasets/{acc}", headers=people["owner"].headers).json()
    assert info["embargo_until_publication"] and info["embargo_until"].startswith(str(T0.year + 3))  # backstop
    # A new version citing the paper, once published, lifts the embargo by itself.
    with station.uow() as uow:
        station.datasets.update(uow, people["owner"].identity, acc,
                                {"publications": [{"doi": "10.1234/kjv.2025.001", "citation": "Kim et al."}]})
    publish(station, people["owner"].identity, acc)
    assert client.get(f"/api/datasets/{acc}").status_code == 200
    assert client.get(f"/api/files/{f}/content").status_code == 200
    # Or the owner links it explicitly.
    acc2, _ = _embargoed(station, people, project, embargo_until_publication=True)
    r = client.post(f"/api/access/datasets/{acc2}/embargo/publication", headers=people["owner"].headers,
                    json={"doi": "https://doi.org/10.1234/abc"})
    assert r.status_code == 200 and r.json()["effective_level"] == "open"
    assert client.get(f"/api/datasets/{acc2}").status_code == 200


def test_published_data_only_opens_further(station, people, project, client):
    clock.freeze(T0)
    owner, admin = people["owner"].headers, people["admin"].headers
    acc = new_dataset(station, people["owner"].identity, project)
    add_file(station, people["owner"].identity, acc, "a.txt", b"open\n")
    publish(station, people["owner"].identity, acc)
    until = (T0 + timedelta(days=30)).date().isoformat()
    r = client.put(f"/api/access/datasets/{acc}", headers=owner, json={"level": "embargoed", "embargo_until": until})
    assert r.status_code == 409 and r.json()["code"] == "cannot_restrict_published"
    r = client.put(f"/api/access/datasets/{acc}", headers=owner, json={"level": "private"})
    assert r.status_code == 409 and r.json()["code"] == "published_cannot_be_private"
    r = client.put(f"/api/access/datasets/{acc}", headers=admin, json={"level": "embargoed", "embargo_until": until})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.put(f"/api/access/datasets/{acc}", headers=admin,
                   json={"level": "embargoed", "embargo_until": until, "reason": "Consent under review by the IRB"})
    assert r.status_code == 200
    assert client.get(f"/api/datasets/{acc}").status_code == 404
    r = client.put(f"/api/access/datasets/{acc}", headers=owner, json={"level": "open"})
    assert r.status_code == 200 and client.get(f"/api/datasets/{acc}").status_code == 200
    r = client.put(f"/api/access/datasets/{acc}", headers=owner, json={"level": "controlled"})
    assert r.status_code == 409  # open data cannot become controlled again by its owner


def test_level_stated_in_the_registration_form_is_never_opened_by_publishing(station, people, project, client):
    clock.freeze(T0)
    owner = people["owner"].identity
    until = (T0 + timedelta(days=200)).date().isoformat()
    acc = new_dataset(station, owner, project, extra={"access_level": "embargoed", "embargo_until": until})
    f = add_file(station, owner, acc, "a.txt", b"form says embargoed\n")
    publish(station, owner, acc)  # the form's embargo is applied on first publication
    assert client.get(f"/api/datasets/{acc}").status_code == 404
    assert client.get(f"/api/files/{f}/content").status_code == 404
    info = client.get(f"/api/access/datasets/{acc}", headers=people["owner"].headers).json()
    assert info["level"] == "embargoed" and info["embargo_until"].startswith(str(date_start(
        (T0 + timedelta(days=200)).date()).date()))
    # Controlled needs a committee, which the form does not name: publishing is refused until it is set.
    acc2 = new_dataset(station, owner, project, extra={"access_level": "controlled", "data_use": ["DUO:0000006"]})
    add_file(station, owner, acc2, "b.txt", b"form says controlled\n")
    with station.uow() as uow:
        station.datasets.submit(uow, owner, acc2)
    r = client.post(f"/api/datasets/{acc2}/publish", headers=people["owner"].headers)
    assert r.status_code == 409 and r.json()["code"] == "access_level_not_applied" and r.json()["title_ko"]
    assert client.get(f"/api/datasets/{acc2}").status_code == 404
