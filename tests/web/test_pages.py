"""The pages through HTTP, on SQLite and PostgreSQL: what a user sees and what the services did."""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from tests.conftest import DATASET
from tests.core.helpers import upload_bytes

from .conftest import WebClient, csrf_of


def publish_with_file(station: Any, client: Any, people: dict, dataset: str) -> None:
    upload_bytes(client, people["owner"].headers, dataset, "reads/run1/R1.fastq", b"@r1\nACGT\n+\nIIII\n")
    upload_bytes(client, people["owner"].headers, dataset, "tables/samples.tsv", b"id\tx\n1\t2\n")
    with station.uow() as uow:
        station.datasets.submit(uow, people["owner"].identity, dataset)
        station.datasets.publish(uow, people["owner"].identity, dataset)
    station.jobs.run_until_idle()  # indexing, QC and DOIs follow publication as jobs


def error_slot(html: str, name: str) -> str:
    m = re.search(rf'<p class="field-error" id="err-{re.escape(name)}"[^>]*>(.*?)</p>', html, re.S)
    assert m, f"no error slot for {name}"
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def test_home_korean_by_default_with_headline_numbers(web: WebClient, station: Any, client: Any, people: dict,
                                                      dataset: str) -> None:
    r = web.get("/")
    assert r.status_code == 200
    assert '<html lang="ko">' in r.text and "국가 바이오 데이터 스테이션" in r.text
    assert "아직 데이터셋이 없습니다." in r.text  # a draft is not counted
    publish_with_file(station, client, people, dataset)
    r = web.get("/")
    assert re.search(r"<strong>1</strong>\s*개의 공개 데이터셋", r.text)
    assert re.search(r'>종자·가축</a></td><td class="num">1</td>', r.text)      # by research field
    assert re.search(r'>농림축산식품부</a></td><td class="num">1</td>', r.text)   # by ministry (MAFRA)


def test_language_switch_is_one_click_and_kept(web: WebClient) -> None:
    r = web.get("/lang/en?next=/datasets", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/datasets"
    r = web.get("/datasets")
    assert '<html lang="en">' in r.text and ">Datasets</h1>" in r.text
    assert 'href="/lang/ko?next=/datasets"' in r.text
    r = web.get("/lang/ko?next=//evil.example", follow_redirects=False)
    assert r.headers["location"] == "/"  # no open redirect


def test_sign_in_wrong_password_then_right_then_out(web: WebClient) -> None:
    r = web.post("/sign-in", {"username": "owner", "password": "nope-nope", "next": "/"}, token_from="/sign-in")
    assert r.status_code == 401 and "사용자 이름 또는 비밀번호가 틀렸습니다." in r.text
    r = web.sign_in("owner")
    assert r.status_code == 303
    r = web.get("/")
    assert "owner(으)로 로그인했습니다." in r.text and "로그아웃" in r.text
    assert web.post("/sign-out", {}, follow_redirects=False).status_code == 303
    assert "로그인" in web.get("/").text and web.get("/my/datasets", follow_redirects=False).status_code == 303


def test_csrf_is_required_for_cookie_authenticated_changes(web: WebClient, people: dict, project: str) -> None:
    assert web.c.post("/sign-in", data={"username": "owner", "password": "pass-word-1"}).status_code == 403
    web.sign_in("owner")
    body = {"project": project, **DATASET}
    r = web.c.post("/api/datasets", json=body)
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    token = web.token()
    r = web.c.post("/api/datasets", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["owner"] == "owner"
    # An API token needs no CSRF header (no cookie is involved) and wins over the session.
    r = web.c.post("/api/datasets", json=body, headers=people["other"].headers)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert web.c.post("/projects/new", data={"project_number": "X"}).status_code == 403


def test_project_form_shows_errors_beside_fields_then_registers(web: WebClient, station: Any) -> None:
    web.sign_in("owner")
    form = {"project_number": "RS-2025-00000077", "title_ko": "시험 과제", "title_en": "A test project",
            "ministry": "", "pi_name": "Kim", "period_start": "2025-01-01", "period_end": "2024-01-01"}
    r = web.post("/projects/new", form, token_from="/projects/new")
    assert r.status_code == 422
    assert "필수 항목이 비어 있습니다." in error_slot(r.text, "ministry")
    assert 'role="alert"' in r.text and 'value="RS-2025-00000077"' in r.text  # what was typed is kept
    form.update(ministry="MSIT")
    r = web.post("/projects/new", form, token_from="/projects/new")
    assert r.status_code == 422 and "연구 종료일이 시작일보다 빠릅니다." in error_slot(r.text, "period_end")
    form.update(ministry="MSIT", period_end="2026-12-31", plan_data_type="phenotype", plan_open_date="2027-01-01")
    r = web.post("/projects/new", form, token_from="/projects/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/datasets/new?project=BSP")
    acc = r.headers["location"].rsplit("=", 1)[1]
    with station.uow() as uow:
        p = station.projects.out(uow, station.projects.get(uow, None, acc))
    assert p.ministry == "MSIT" and p.owner == "owner" and p.sharing_plan[0]["data_type"] == "phenotype"


def _dataset_form(project: str, **over: Any) -> dict:
    form = {"project": project, "research_field": "seeds_livestock", "data_types": ["genome_omics"],
            "title_ko": "벼 리드", "title_en": "Rice reads", "description_en": "Reads of rice.",
            "organism": "Oryza sativa", "keywords": "rice, 벼", "licence": "CC-BY-4.0",
            "extra.contact_email": "kim@example.kr", "extra.study_design": "Two cultivars, three replicates.",
            "extra.access_level": "open"}
    form.update(over)
    return form


def test_dataset_form_checks_as_you_type_only_touched_fields(web: WebClient, project: str) -> None:
    web.sign_in("owner")
    page = web.get(f"/datasets/new?project={project}")
    assert page.status_code == 200 and "이 데이터셋이 속한" not in page.text
    token = csrf_of(page.text)
    form = _dataset_form(project, title_en="x", contributor_orcid="0000-0002-1825-0091", touched="title_en")
    r = web.c.post("/datasets/new/check", data={**form, "csrf_token": token})
    assert r.status_code == 200
    assert 'id="err-title_en" hx-swap-oob="true"' in r.text and "값이 너무 짧습니다." in r.text
    assert "err-contributor_orcid" not in r.text  # not touched yet: no error shown while typing elsewhere
    r = web.c.post("/datasets/new/check", data={**form, "touched": "title_en,contributor_orcid",
                                                  "csrf_token": token})
    assert "올바른 ORCID가 아닙니다" in r.text


def test_dataset_form_uses_the_registration_form(web: WebClient, project: str) -> None:
    web.sign_in("owner")
    r = web.get("/datasets/new/form-fields?research_field=seeds_livestock&data_types=genome_omics")
    assert "seeds_livestock.genome_omics@" in r.text
    assert 'name="extra.study_design"' in r.text and 'aria-required="true"' in r.text
    assert "(권장)" in r.text  # recommended marker
    r = web.get("/vocab/ncbi_taxonomy/options?q=oryza")
    assert "Oryza sativa" in r.text and "<option" in r.text


def test_dataset_form_submit_shows_every_error_then_creates_a_draft(web: WebClient, station: Any,
                                                                    project: str) -> None:
    web.sign_in("owner")
    bad = _dataset_form(project, title_en="", organism="Not a real organism",
                        **{"extra.contact_email": "not-an-email", "extra.study_design": ""})
    r = web.post("/datasets/new", bad, token_from="/datasets/new")
    assert r.status_code == 422 and 'id="error-summary"' in r.text
    assert error_slot(r.text, "title_en")
    assert "NCBI 분류에 없습니다" in error_slot(r.text, "organism")
    assert error_slot(r.text, "extra-contact_email")
    assert error_slot(r.text, "extra-study_design")
    r = web.post("/datasets/new", _dataset_form(project), token_from="/datasets/new", follow_redirects=False)
    assert r.status_code == 303
    acc = r.headers["location"].split("/")[2]
    with station.uow() as uow:
        from biostation.accounts.service import identity_for
        owner = identity_for(station.accounts.get_user(uow, "owner"))
        ds = station.datasets.out(uow, *station.datasets.get(uow, owner, acc))
    assert ds.state == "draft" and ds.organisms == [{"taxon_id": 4530, "name": "Oryza sativa"}]
    assert ds.keywords == ["rice", "벼"] and ds.extra["study_design"].startswith("Two cultivars")
    assert ds.extra["form"].startswith("seeds_livestock.genome_omics@")


def test_dataset_form_refuses_a_project_of_someone_else(web: WebClient, project: str) -> None:
    web.sign_in("other")
    r = web.post("/datasets/new", _dataset_form(project), token_from="/datasets/new")
    assert r.status_code == 422 and error_slot(r.text, "project")


def test_landing_page_files_by_folder_versions_citation(web: WebClient, station: Any, client: Any, people: dict,
                                                        dataset: str) -> None:
    assert web.get(f"/datasets/{dataset}").status_code == 404  # a draft is hidden from the public
    publish_with_file(station, client, people, dataset)
    r = web.get(f"/datasets/{dataset}")
    assert r.status_code == 200
    assert "reads/</summary>" in r.text and "run1/</summary>" in r.text and "R1.fastq</a>" in r.text
    assert "tables/</summary>" in r.text
    assert f"{dataset}.1" in r.text and "인용 방법" in r.text and "Kim Minji (20" in r.text
    assert "공개" in r.text and "누구나 파일을 내려받을 수 있습니다." in r.text
    assert "공개 신청(제출)" not in r.text  # no owner actions for the public


def test_files_page_submit_then_publish(web: WebClient, station: Any, client: Any, people: dict,
                                        dataset: str) -> None:
    web.sign_in("owner")
    r = web.get(f"/datasets/{dataset}/files")
    assert r.status_code == 200 and 'id="uploader"' in r.text and 'data-dataset="' + dataset in r.text
    r = web.post(f"/datasets/{dataset}/submit", {}, follow_redirects=True)
    assert "데이터셋에 파일이 없습니다." in r.text  # the service's reason, in Korean
    upload_bytes(client, people["owner"].headers, dataset, "a/b.txt", b"hello")
    assert "a/b.txt" in web.get(f"/datasets/{dataset}/files/list").text
    r = web.post(f"/datasets/{dataset}/submit", {}, follow_redirects=True)
    assert "공개를 위해 제출했습니다." in r.text and "state-submitted" in r.text
    r = web.post(f"/datasets/{dataset}/publish", {}, follow_redirects=True)
    assert "공개했습니다." in r.text
    with station.uow() as uow:
        ds = station.datasets.out(uow, *station.datasets.get(uow, people["owner"].identity, dataset))
    assert ds.state == "published"
    web2 = web  # another user may not publish or upload there
    web2.post("/sign-out", {})
    web2.sign_in("other")
    assert web2.post(f"/datasets/{dataset}/new-version", {}).status_code == 403


def test_my_datasets_lists_only_mine(web: WebClient, station: Any, project: str, dataset: str, people: dict) -> None:
    with station.uow() as uow:
        station.projects.add_member(uow, people["owner"].identity, project, "other")
        station.datasets.create(uow, people["other"].identity, {"project": project, **DATASET,
                                                                "title_en": "Someone else's data"})
    web.sign_in("owner")
    r = web.get("/my/datasets")
    assert dataset in r.text and "Someone else&#39;s data" not in r.text


def test_operator_dashboard_for_operators_only(web: WebClient, station: Any, client: Any, people: dict,
                                               dataset: str) -> None:
    publish_with_file(station, client, people, dataset)
    web.sign_in("owner")
    assert web.get("/operator").status_code == 403
    web.post("/sign-out", {})
    web.sign_in("admin")
    files = client.get(f"/api/datasets/{dataset}/files").json()["items"]
    assert client.get(files[0]["download_url"]).status_code == 200  # one download of one of one published
    r = web.get("/operator")
    assert r.status_code == 200
    assert r.text.count("<svg") >= 7 and "농림축산식품부" in r.text
    assert "dataset.publish" in r.text and "operator_dashboard.open" in r.text  # the denial above is audited
    # downloads per month (bars with a table) and the utilisation rate per ministry and field, in Korean
    downloads = re.search(r'<desc id="ch-downloads-desc">(.*?)</desc>', r.text).group(1)
    assert downloads.endswith(": 1") and downloads.count(";") == 11  # twelve months
    assert re.search(r'<desc id="ch-util-ministry-desc">농림축산식품부: 100%</desc>', r.text)
    assert re.search(r'<desc id="ch-util-field-desc">종자·가축: 100%</desc>', r.text)
    assert "활용률: 기간 말까지 공개된 데이터셋 가운데" in r.text and "(1개 중 1개)" in r.text
    assert re.search(r'<td class="num">1</td><td class="num">1</td><td class="num">100%</td>', r.text)
    web.get("/lang/en?next=/operator")
    r = web.get("/operator?from=2024-01&to=2024-03")  # a period without downloads, in English
    assert "Utilisation rate by research field" in r.text and "No downloads in this period." in r.text
    assert "Period: Jan 2024 to Mar 2024 (UTC)." in r.text
    assert re.search(r'<desc id="ch-util-ministry-desc">Ministry of Agriculture, Food and Rural Affairs: 0%</desc>',
                     r.text) is None  # published after the period: not in its denominator
    r = web.get("/operator?from=2024-13")
    assert r.status_code == 422 and "2024-13" in r.text
    web.get("/lang/ko?next=/operator")
    r = web.get(f"/operator?action=dataset.publish&target={dataset}")
    rows = re.findall(r'<tr class="decision-(\w+)">', r.text)
    assert rows == ["allow"]


def test_search_facets_snippets_cursor_and_bookmarkable_urls(web: WebClient, station: Any, client: Any,
                                                            people: dict, project: str, dataset: str) -> None:
    publish_with_file(station, client, people, dataset)
    with station.uow() as uow:
        for i in range(3):
            ds, _ = station.datasets.create(uow, people["owner"].identity, {
                "project": project, **DATASET, "title_en": f"Maize drought panel {i}", "research_field": "smart_agriculture"})
    with station.uow() as uow:
        page = station.datasets.list(uow, people["owner"].identity)
        accs = [station.datasets.accession(d) for d in page.items][1:]
    for a in accs:
        upload_bytes(client, people["owner"].headers, a, "x.tsv", b"a\tb\n1\t2\n")
        with station.uow() as uow:
            station.datasets.submit(uow, people["owner"].identity, a)
            station.datasets.publish(uow, people["owner"].identity, a)
    station.jobs.run_until_idle()
    r = web.get("/search?q=rice")
    assert r.status_code == 200 and "<mark>Rice</mark>" in r.text and dataset in r.text
    r = web.get("/search?q=maize")
    assert re.search(r'results-h">검색 결과 3', r.text)
    assert 'href="/search?q=maize&amp;filter=research_field%3Dsmart_agriculture"' in r.text  # a facet link
    r = web.get("/search?q=maize&filter=research_field%3Dseeds_livestock")
    assert re.search(r'results-h">검색 결과 0', r.text) and 'class="chip" href="/search?q=maize"' in r.text  # remove it
    r = web.get("/search?q=maize&filter=research_field%3Dsmart_agriculture")
    assert re.search(r'results-h">검색 결과 3', r.text) and 'aria-current="true"' in r.text
    # cursor pages: one result per page would need a limit; with 20 per page all three are on page 1
    r = web.get("/search?filter=research_field%3Dsmart_agriculture&sort=date")
    assert r.text.count('class="card"') == 3 and 'selected>' in r.text
    r = web.get("/search?filter=nonsense")
    assert r.status_code == 422 and "key=value" in r.text
    # Over a very large result set the engine estimates the counts: the page says so.
    engine, real = station.search_engine, station.search_engine.query
    engine.query = lambda query: dataclasses.replace(real(query), approximate=True)
    try:
        r = web.get("/search?q=maize")
    finally:
        engine.query = real
    assert re.search(r'results-h">검색 결과 약 3', r.text) and "표본으로 추정" in r.text
    r = web.get(f"/search?q={dataset}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/datasets/{dataset}"


def test_bulk_samples_errors_by_row_and_column_then_fixed(web: WebClient, station: Any, project: str,
                                                          tmp_path: Any) -> None:
    from tests.forms.helpers import pathogen_rows, write_tsv
    web.sign_in("owner")
    page = web.get("/samples/bulk?form=biosample.pathogen_cl")
    assert page.status_code == 200
    assert 'href="/samples/template/biosample.pathogen_cl.xlsx"' in page.text
    tsv = web.get("/samples/template/biosample.pathogen_cl.tsv")
    assert tsv.status_code == 200 and "collection_date" in tsv.text
    xlsx = web.get("/samples/template/biosample.pathogen_cl.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert web.get("/samples/template/biosample.pathogen_cl.pdf").status_code == 422
    rows = pathogen_rows(5)
    rows[2]["collection_date"] = "2023-13-45"
    rows[4]["geo_loc_name"] = "Atlantis"
    comment = ["Bio Data Station sample sheet - form=biosample.pathogen_cl@1.0.0"]
    bad = write_tsv(tmp_path / "isolates.tsv", rows, comments=comment)
    token = csrf_of(page.text)

    def upload(path: Any) -> Any:
        return web.c.post("/samples/bulk", data={"csrf_token": token, "project": project},
                          files={"sheet": (path.name, path.read_bytes(), "text/tab-separated-values")})
    r = upload(bad)
    assert r.status_code == 422
    table = re.search(r'<table class="list" id="sheet-errors">(.*?)</table>', r.text, re.S).group(1)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]
    where = {(c[0], re.sub(r"<[^>]+>", "", c[1])) for c in cells}
    assert any(col == "collection_date" for _row, col in where) and any(col == "geo_loc_name" for _r, col in where)
    assert "아무것도 등록하지 않았습니다" in r.text or "nothing was registered" in r.text
    with station.uow() as uow:
        assert station.forms.samples.list(uow, people_identity(station, "owner"), project=project).items == []
    rows[2]["collection_date"], rows[4]["geo_loc_name"] = "2023-03-05", "South Korea: Seoul"
    r = upload(write_tsv(tmp_path / "isolates.tsv", rows, comments=comment))
    assert r.status_code == 201 and 'id="registered"' in r.text and "BSS" in r.text
    with station.uow() as uow:
        assert len(station.forms.samples.list(uow, people_identity(station, "owner"), project=project).items) == 5


def people_identity(station: Any, username: str) -> Any:
    from biostation.accounts.service import identity_for
    with station.uow() as uow:
        return identity_for(station.accounts.get_user(uow, username))


def controlled_dataset(station: Any, client: Any, people: dict, dataset: str) -> int:
    """A published dataset under committee control: HMB use only, reviewed by the 'member' user."""
    with station.uow() as uow:
        committee = station.access.create_committee(uow, people["admin"].identity, {
            "name": "Rice data access committee", "quorum": 1, "members": [{"username": "member", "role": "chair"}]})
        station.access.set_level(uow, people["owner"].identity, dataset, {
            "level": "controlled", "data_use": {"permission": "HMB"}, "committee": committee.id})
    publish_with_file(station, client, people, dataset)
    return committee.id


def test_request_access_then_committee_approves(web: WebClient, station: Any, client: Any, people: dict,
                                                dataset: str) -> None:
    controlled_dataset(station, client, people, dataset)
    web.sign_in("other")
    r = web.get(f"/datasets/{dataset}")
    assert f'href="/datasets/{dataset}/request-access"' in r.text and "R1.fastq</a>" not in r.text
    form = {"use": "HMB", "purpose_text": "too short", "institution": "KRIBB", "project_title": "Rice heat genes"}
    r = web.post(f"/datasets/{dataset}/request-access", form, token_from=f"/datasets/{dataset}/request-access")
    assert r.status_code == 422 and error_slot(r.text, "purpose_text")
    form["purpose_text"] = "We will map heat-tolerance loci in rice and compare them with wheat panels."
    r = web.post(f"/datasets/{dataset}/request-access", form, token_from=f"/datasets/{dataset}/request-access",
                 follow_redirects=True)
    assert r.url.path == "/my/requests" and "심사 대기" in r.text
    web.post("/sign-out", {})
    web.sign_in("member")
    r = web.get("/committee")
    assert r.status_code == 200 and "Rice heat genes" in r.text and "이용 조건에 맞음" in r.text
    req_id = re.search(r'action="/committee/(\d+)/vote"', r.text).group(1)
    r = web.post(f"/committee/{req_id}/vote", {"vote": "approve", "comment": "Fine."}, follow_redirects=True)
    assert "승인됨" in r.text
    web.post("/sign-out", {})
    web.sign_in("other")
    assert "R1.fastq</a>" in web.get(f"/datasets/{dataset}").text  # the files open to the approved requester
    assert "승인됨" in web.get("/my/requests").text
    web.post("/sign-out", {})
    web.sign_in("owner")
    assert web.get("/committee").status_code == 403  # not a committee member


def test_declare_and_end_an_emergency(web: WebClient, station: Any, client: Any, people: dict,
                                      dataset: str) -> None:
    from datetime import date, timedelta
    web.sign_in("admin")
    r = web.post("/operator/emergencies", {"title": "", "taxa": "abc", "ends_on": ""}, token_from="/operator")
    assert r.status_code == 422 and error_slot(r.text, "taxa") and error_slot(r.text, "ends_on")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    r = web.post("/operator/emergencies", {"title": "Rice blast outbreak", "taxa": "4530", "ends_on": tomorrow},
                 token_from="/operator", follow_redirects=True)
    assert 'id="emergency-banner"' in r.text and "Rice blast outbreak" in r.text
    assert 'id="emergency-banner"' in web.get("/").text
    eid = re.search(r'action="/operator/emergencies/(\d+)/end"', r.text).group(1)
    r = web.post(f"/operator/emergencies/{eid}/end", {"reason": "x"}, token_from="/operator", follow_redirects=True)
    assert 'class="flash error"' in r.text and 'id="emergency-banner"' in r.text  # reason too short
    r = web.post(f"/operator/emergencies/{eid}/end", {"reason": "Outbreak contained."}, token_from="/operator",
                 follow_redirects=True)
    assert 'id="emergency-banner"' not in r.text and "Outbreak contained." in r.text
    web.post("/sign-out", {})
    web.sign_in("owner")
    assert web.post("/operator/emergencies", {"title": "x", "taxa": "4530", "ends_on": tomorrow},
                    token_from="/").status_code == 403


def test_session_secret_is_a_setting_or_kept_in_the_data_folder(station: Any, tmp_path: Any) -> None:
    from biostation.config import load_config
    from biostation.web.session import session_secret
    first = session_secret(station)
    assert len(first) >= 40 and session_secret(station) == first  # made once, then reused by every worker
    assert (station.config.data_path / "web-session.key").stat().st_mode & 0o777 == 0o600
    configured = load_config({"data_dir": str(tmp_path), "web_session_secret": "s3cret-from-settings"}, environ={})
    assert session_secret(type("S", (), {"config": configured})()) == "s3cret-from-settings"
    assert any(r["name"] == "web_session_secret" and r["value"] == "********" for r in configured.rows())


def test_owner_sets_access_level_and_makes_a_reviewer_link(web: WebClient, station: Any, client: Any,
                                                           people: dict, dataset: str) -> None:
    upload_bytes(client, people["owner"].headers, dataset, "a/b.txt", b"draft bytes")
    web.sign_in("owner")
    r = web.get(f"/datasets/{dataset}")
    assert 'id="sharing-h"' in r.text
    r = web.post(f"/datasets/{dataset}/access", {"level": "embargoed", "embargo_until": "2099-01-01"},
                 follow_redirects=True)
    assert "공개 수준" in r.text and 'class="flash error"' in r.text  # more than three years: refused, in Korean
    r = web.post(f"/datasets/{dataset}/access", {"level": "private"}, follow_redirects=True)
    assert "공개 수준을 저장했습니다." in r.text
    r = web.post(f"/datasets/{dataset}/reviewer-links", {"label": "J Rice Sci MS-123", "days": "30"},
                 follow_redirects=True)
    url = re.search(r"(/review/[A-Za-z0-9_\-]+)", r.text).group(1)
    web.post("/sign-out", {})
    r = web.get(url)  # a referee without an account reads the unpublished draft
    assert r.status_code == 200 and "b.txt" in r.text and 'name="robots" content="noindex' in r.text
    assert web.get(url + "x").status_code in (401, 403, 404)
    web.sign_in("other")
    assert 'id="sharing-h"' not in web.get(url).text
    assert web.post(f"/datasets/{dataset}/access", {"level": "open"}).status_code == 404  # a draft stays hidden


def test_my_lab_data_quota_and_colleagues(web: WebClient, station: Any, client: Any, people: dict,
                                          dataset: str) -> None:
    with station.uow() as uow:
        station.access.set_level(uow, people["owner"].identity, dataset, {"level": "private"})
    upload_bytes(client, people["owner"].headers, dataset, "lab/notes.txt", b"x" * 1500)
    web.sign_in("owner")
    r = web.get("/my/lab")
    assert r.status_code == 200 and dataset in r.text and "1.5kB" in r.text and "아직 없음" in r.text
    r = web.post(f"/datasets/{dataset}/colleagues", {"username": "nobody-here"}, token_from="/my/lab",
                 follow_redirects=True)
    assert 'class="flash error"' in r.text
    r = web.post(f"/datasets/{dataset}/colleagues", {"username": "other"}, token_from="/my/lab",
                 follow_redirects=True)
    assert "other과(와) 공유했습니다." in r.text
    web.post("/sign-out", {})
    web.sign_in("other")
    assert web.get(f"/datasets/{dataset}").status_code == 200  # the colleague reads the private draft


def test_sample_landing_page(web: WebClient, station: Any, project: str, tmp_path: Any, people: dict) -> None:
    from tests.forms.helpers import pathogen_rows, write_tsv
    sheet = write_tsv(tmp_path / "s.tsv", pathogen_rows(2),
                      comments=["Bio Data Station sample sheet - form=biosample.pathogen_cl@1.0.0"])
    with station.uow() as uow:
        reg = station.forms.samples.register(uow, people["owner"].identity, sheet, project=project)
    acc = reg.as_dict()["first"]
    assert web.get(f"/samples/{acc}").status_code == 404  # unlinked: only its R&D project's people read it
    web.sign_in("owner")
    r = web.get(f"/samples/{acc}")
    assert r.status_code == 200 and "biosample.pathogen_cl@1.0.0" in r.text and "<code>collection_date</code>" in r.text


def test_home_still_counts_when_the_search_index_fails(web: WebClient, station: Any, client: Any, people: dict,
                                                       dataset: str, monkeypatch: Any) -> None:
    publish_with_file(station, client, people, dataset)

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("index is being rebuilt")
    monkeypatch.setattr("biostation.web.routes.search.run_search", broken)
    r = web.get("/")
    assert r.status_code == 200 and re.search(r"<strong>1</strong>\s*개의 공개 데이터셋", r.text)


def test_edit_a_draft_description(web: WebClient, station: Any, dataset: str, people: dict) -> None:
    web.sign_in("owner")
    page = web.get(f"/datasets/{dataset}/edit")
    assert page.status_code == 200 and 'value="Rice WGS reads"' in page.text and 'value="Oryza sativa"' in page.text
    form = {"project": re.search(r'name="project" value="([^"]+)"', page.text).group(1),
            "research_field": "seeds_livestock", "data_types": ["genome_omics"], "title_ko": "벼 리드",
            "title_en": "Rice WGS reads, run 1", "description_en": "Reads.", "organism": "Oryza sativa",
            "licence": "CC0-1.0", "contributor_name": "Kim Minji", "contributor_orcid": "0000-0002-1825-0091",
            "extra.contact_email": "kim@example.kr", "extra.study_design": "One run.", "extra.access_level": "open"}
    r = web.post(f"/datasets/{dataset}/edit", form, token_from=f"/datasets/{dataset}/edit")
    assert r.status_code == 422 and "올바른 ORCID가 아닙니다" in error_slot(r.text, "contributor_orcid")
    form["contributor_orcid"] = "0000-0002-1825-0097"
    r = web.post(f"/datasets/{dataset}/edit", form, token_from=f"/datasets/{dataset}/edit", follow_redirects=True)
    assert "저장했습니다." in r.text and "CC0-1.0" in r.text
    with station.uow() as uow:
        ds = station.datasets.out(uow, *station.datasets.get(uow, people["owner"].identity, dataset))
    assert ds.title_en == "Rice WGS reads, run 1" and ds.contributors[0]["orcid"] == "0000-0002-1825-0097"
    web.post("/sign-out", {})
    web.sign_in("other")
    assert web.post(f"/datasets/{dataset}/edit", form, token_from="/").status_code == 404  # someone else's draft
