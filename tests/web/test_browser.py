"""Journeys in a real browser (Debian's Chromium through Playwright) against a real server process.

SQLite only (one backend is enough for what the browser sees); one browser for the module."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from biostation.config import load_config
from biostation.demo import DEMO_PASSWORD, load_demo
from biostation.station import Station
from tests.core.livesrv import LiveServer

from .browser import CHROMIUM, DESKTOP, FLAGS, PHONE, assert_accessible, assert_fits_phone, require_browser, screenshot

pytestmark = pytest.mark.browser
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    require_browser()
    data = tmp_path_factory.mktemp("web-live")
    station = Station(load_config({"data_dir": str(data)}, environ={}))
    station.upgrade()
    load_demo(station)
    with station.uow() as uow:
        from biostation.identity import SYSTEM
        items = station.datasets.list_out(uow, SYSTEM, station.datasets.list(uow, SYSTEM))
    controlled = _controlled_dataset(station, data)
    server = LiveServer(station, {"BIOSTATION_CONFIG": str(data / "none.toml"),
                                  "BIOSTATION_STATS_CACHE_SECONDS": "0"}).start()  # the journeys change usage
    server.controlled = controlled
    import time

    import httpx
    deadline = time.time() + 90  # the server's job runner indexes the demo (and checks its files) on start
    while time.time() < deadline and not httpx.get(server.url + "/api/search?q=rice").json()["total"]:
        time.sleep(0.5)
    server.demo = {d.state: d.accession for d in items}
    server.demo_published = [d.accession for d in items if d.state == "published"]
    yield server
    server.stop()
    station.close()


def _controlled_dataset(station: Station, data: Path) -> str:
    """minji's published, committee-controlled dataset (HMB only); 'dac' chairs its committee."""
    import hashlib

    from biostation.accounts.service import identity_for
    from biostation.identity import SYSTEM
    with station.uow() as uow:
        minji = identity_for(station.accounts.get_user(uow, "minji"))
        project = station.projects.list(uow, minji).items[0]
        committee = station.access.create_committee(uow, SYSTEM, {
            "name": "KRIBB data access committee", "quorum": 1, "members": [{"username": "dac", "role": "chair"}]})
        ds, _v = station.datasets.create(uow, minji, {
            "project": station.projects.accession(project), "title_en": "Korean rice breeder genotypes (controlled)",
            "title_ko": "한국 벼 육종가 유전형 (통제 접근)", "description_en": "Genotype calls under data-use conditions.",
            "research_field": "seeds_livestock", "data_types": ["genome_omics"],
            "organisms": [{"taxon_id": 4530, "name": "Oryza sativa"}]})
        acc = station.datasets.accession(ds)
        station.access.set_level(uow, minji, acc, {"level": "controlled", "data_use": {"permission": "HMB"},
                                                   "committee": committee.id, "emergency_opt_in": True})
    body = b"sample\tgenotype\nR1\tAA\n"
    with station.uow() as uow:
        up = station.uploads.start(uow, minji, acc, {"path": "genotypes.tsv", "size": len(body)})
    station.uploads.put_part(minji, up.id, 1, hashlib.sha256(body).hexdigest(), [body])
    with station.uow() as uow:
        station.uploads.complete(uow, minji, up.id, hashlib.sha256(body).hexdigest())
    with station.uow() as uow:
        station.datasets.submit(uow, minji, acc)
        station.datasets.publish(uow, minji, acc)
    return acc


@pytest.fixture(scope="module")
def context(live: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport=DESKTOP, locale="ko-KR", base_url=live.url)
        ctx.set_default_timeout(20_000)
        yield ctx
        ctx.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    context.clear_cookies()
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    p.close()
    assert not errors, f"JavaScript errors: {errors}"


def sign_out(page: Any) -> None:
    page.click("form[action='/sign-out'] button")
    page.wait_for_selector("a[href^='/sign-in']")


def sign_in(page: Any, username: str) -> None:
    page.goto("/sign-in")
    page.fill("#f-username", username)
    page.fill("#f-password", DEMO_PASSWORD)
    page.click("form.narrow button[type=submit]")
    page.wait_for_selector("form[action='/sign-out']")


def test_switch_language(page: Any) -> None:
    page.goto("/")
    assert page.get_attribute("html", "lang") == "ko"
    assert page.locator("h1").inner_text() == "국가 바이오 데이터 스테이션"
    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Bio Data Station"
    page.goto("/datasets")  # the choice is kept
    assert page.locator("h1").inner_text() == "Datasets"
    page.click("a.lang")
    page.wait_for_selector("html[lang=ko]")
    assert page.url.endswith("/datasets")


def test_deposit_a_dataset_with_two_files_and_publish(page: Any, tmp_path: Path) -> None:
    sign_in(page, "minji")
    page.click("nav >> text=데이터 등록")
    page.wait_for_selector("#dataset-form")
    # Step 1: project, field, type; the registration form's fields arrive for that field and type.
    page.select_option("#f-project", index=1)
    page.select_option("#f-research_field", "seeds_livestock")
    page.check("input[name=data_types][value=genome_omics]")
    page.wait_for_selector("#form-title", state="attached")
    page.click("[data-next]")
    # Step 2: an error appears beside the title while typing, and goes when fixed.
    page.fill("#f-title_en", "x")
    page.press("#f-title_en", "Tab")
    page.wait_for_function("document.getElementById('err-title_en').textContent.includes('짧습니다')")
    assert page.get_attribute("#f-title_en", "aria-invalid") == "true"
    page.fill("#f-title_en", "Heat-stress RNA-seq of rice seedlings")
    page.wait_for_function("document.getElementById('err-title_en').textContent.trim() === ''")
    page.fill("#f-title_ko", "벼 유묘 고온 스트레스 RNA-seq")
    page.fill("#f-description_en", "RNA-seq of seedlings at 42 °C and 28 °C.")
    page.fill("#f-organism", "Oryza sativa")
    page.fill("#f-keywords", "rice, RNA-seq, 벼")
    page.click("[data-next]")
    # Step 3: the registration form's mandatory fields.
    page.fill("#f-extra-contact_email", "minji@demo.biostation.kr")
    page.fill("#f-extra-study_design", "Two temperatures, three replicates each.")
    page.select_option("#f-extra-access_level", "open")
    page.click("[data-submit]")
    page.wait_for_selector("#uploader")
    acc = page.get_attribute("#uploader", "data-dataset")
    # Files: one of two parts (8 MiB each) and one small file, in a folder.
    big = tmp_path / "R1.fastq"
    big.write_bytes((b"@r\nACGTACGTAC\n+\nIIIIIIIIII\n") * (9 * MiB // 26))
    small = tmp_path / "samples.tsv"
    small.write_text("sample\ttemp\nS1\t42\nS2\t28\n")
    page.set_input_files("#pick-files", [str(big), str(small)])
    page.wait_for_function("document.getElementById('overall-text').textContent.includes('모든 파일을 올렸습니다')",
                           timeout=60_000)
    page.wait_for_selector("#files >> text=R1.fastq")
    page.wait_for_selector("#files >> text=samples.tsv")
    assert page.locator("#overall-progress").get_attribute("value") == "100"
    page.click("#submit-dataset")
    page.wait_for_selector("text=공개를 위해 제출했습니다.")
    page.click("form[action$='/publish'] button")
    page.wait_for_selector("text=공개했습니다.")
    assert page.locator(".kicker .badge").inner_text() == "공개됨"
    tree = page.locator("ul.tree").inner_text()
    assert "R1.fastq" in tree and "samples.tsv" in tree
    assert f"{acc}.1" in page.locator("#citation").inner_text()


def test_drop_files_on_the_drop_zone(page: Any, live: Any) -> None:
    sign_in(page, "minji")
    page.goto(f"/datasets/{live.demo['draft']}/files")
    page.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["plot\\theight\\nP1\\t92\\n"], "dropped-plots.tsv"));
        dt.items.add(new File(["field notes"], "dropped-notes.txt"));
        document.getElementById('dropzone').dispatchEvent(
            new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""")
    page.wait_for_function("document.getElementById('overall-text').textContent.includes('모든 파일을 올렸습니다')")
    page.wait_for_selector("#files >> text=dropped-plots.tsv")
    page.wait_for_selector("#files >> text=dropped-notes.txt")


def test_upload_pauses_and_resumes_after_a_reload(page: Any, live: Any, tmp_path: Path) -> None:
    """Pause after the first part, reload the page, choose the file again: only the missing parts are sent."""
    sign_in(page, "minji")
    draft = live.demo["draft"]
    page.goto(f"/datasets/{draft}/files")
    data = os.urandom(17 * MiB)
    f = tmp_path / "big.bin"
    f.write_bytes(data)
    held: list[Any] = []
    page.route("**/parts/2", lambda route: held.append(route))  # hold part 2 in flight: a slow line
    sent: list[str] = []
    page.on("requestfinished", lambda r: sent.append(r.url) if r.method == "PUT" else None)
    page.set_input_files("#pick-files", str(f))
    for _ in range(300):  # part 2 is held once part 1 has been sent (its "finished" event may come a bit later)
        if held and any(u.endswith("/parts/1") for u in sent):
            break
        page.wait_for_timeout(100)
    assert held and any(u.endswith("/parts/1") for u in sent)
    page.click("#pause")
    page.wait_for_function("document.querySelector('#queue tbody td:last-child').textContent.includes('일시 정지')")
    page.unroute("**/parts/2")
    for route in held:
        try:
            route.abort()
        except Exception:  # noqa: BLE001 - the page already cancelled it
            pass
    page.reload()
    page.wait_for_selector("#resumable:not([hidden])")
    assert "big.bin" in page.locator("#resumable").inner_text()
    sent.clear()
    page.set_input_files("#pick-files", str(f))
    page.wait_for_function("document.getElementById('overall-text').textContent.includes('모든 파일을 올렸습니다')",
                           timeout=60_000)
    assert sent and not any(u.endswith("/parts/1") for u in sent), sent  # part 1 was kept by the server
    page.wait_for_selector("#files >> text=big.bin")
    assert page.locator("#resumable").is_hidden()


def test_search_and_filter(page: Any, live: Any) -> None:
    """Search from the home page, narrow by a facet, and open the same URL again: the same results."""
    page.goto("/")
    page.fill("#home-q", "rice")
    page.press("#home-q", "Enter")
    page.wait_for_selector("#results-h")
    assert page.locator(".hits mark").first.inner_text().lower() == "rice"
    total = page.locator("#results-h").inner_text()
    page.click(".facet a:has-text('종자·가축')")
    page.wait_for_url(re.compile(r"filter=research_field%3Dseeds_livestock"))
    assert page.locator(".facet a.active").first.inner_text().endswith("종자·가축")
    hits = page.locator(".hits .card h3").all_inner_texts()
    assert hits and all("벼" in h for h in hits)
    url = page.url
    page.goto("/")
    page.goto(url)  # bookmarkable: the URL alone brings the page back
    assert page.locator(".hits .card h3").all_inner_texts() == hits
    page.click(".chip")  # remove the filter
    page.wait_for_selector("#results-h")
    assert page.locator("#results-h").inner_text() == total
    page.click(".hits .card h3 a")
    page.wait_for_selector("#citation")
    assert page.locator("script[type='application/ld+json']").count() == 1


def test_bulk_samples_with_errors_then_fixed(page: Any, tmp_path: Path) -> None:
    """Download the template, upload a sheet with two mistakes, read them by row and column, fix, upload."""
    from tests.forms.helpers import pathogen_rows, write_tsv
    sign_in(page, "minji")
    page.click("nav >> text=시료")
    page.select_option("#template-form-id", "biosample.pathogen_cl")
    page.click("#template-form button")
    href = page.get_attribute("#template-links a:has-text('TSV')", "href")
    template = page.request.get(href).text()  # the link the user clicks, fetched with the page's cookies
    assert "biosample.pathogen_cl" in template and "collection_date" in template
    rows = pathogen_rows(4)
    rows[1]["collection_date"] = "2023-02-30"
    rows[3]["organism"] = ""
    comment = ["Bio Data Station sample sheet - form=biosample.pathogen_cl@1.0.0"]
    sheet = write_tsv(tmp_path / "isolates.tsv", rows, comments=comment)
    page.select_option("#f-project", index=1)
    page.set_input_files("#f-sheet", str(sheet))
    page.click("#bulk-form button[type=submit]")
    page.wait_for_selector("#sheet-errors")
    cells = page.locator("#sheet-errors tbody tr").all_inner_texts()
    assert any("collection_date" in c for c in cells) and any("organism" in c for c in cells)
    assert_accessible(page, "bulk samples with errors")
    screenshot(page, "samples-bulk-errors")
    rows[1]["collection_date"], rows[3]["organism"] = "2023-02-28", "Escherichia coli"
    write_tsv(sheet, rows, comments=comment)
    page.select_option("#f-project", index=1)
    page.set_input_files("#f-sheet", str(sheet))
    page.click("#bulk-form button[type=submit]")
    page.wait_for_selector("#registered")
    assert "4" in page.locator("#registered").inner_text() and "BSS" in page.locator("#registered").inner_text()
    assert page.locator("#sheet-errors").count() == 0


def test_request_access_and_approve_as_committee_member(page: Any, live: Any, tmp_path: Path) -> None:
    """Request access; the committee first asks for changes, the requester answers with an ethics document,
    then the committee approves, and the grant shows its end date with a Renew button."""
    acc = live.controlled
    sign_in(page, "seojun")
    page.goto(f"/datasets/{acc}")
    assert page.locator("ul.tree a").count() == 0  # no downloads before approval
    page.click(f"a[href='/datasets/{acc}/request-access']")
    page.fill("#f-purpose_text", "Too short")
    page.fill("#f-institution", "NAAS")
    page.fill("#f-project_title", "Heat tolerance loci in Korean rice")
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert page.locator("#err-purpose_text").inner_text().strip()
    page.fill("#f-purpose_text", "We will map heat-tolerance loci and validate them in field trials in Suwon.")
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("text=데이터 접근 위원회에 보냈습니다")
    assert "심사 대기" in page.locator(".req-state").first.inner_text()
    sign_out(page)
    sign_in(page, "dac")
    page.click("nav >> text=심사 대기열")
    card = page.locator(".card.request", has_text="Heat tolerance loci in Korean rice")
    assert "이용 조건에 맞음" in card.locator(".verdict").inner_text()
    req = card.get_attribute("id").split("-")[1]
    assert_accessible(page, "committee review queue")
    screenshot(page, "committee-queue")
    # asking for changes needs a message: the error appears beside the box, tied to it
    page.locator(f"form[action='/committee/{req}/vote'] button[value=changes]").click()
    page.wait_for_selector(f"#err-comment-{req} span")
    assert "요청자가 무엇을 고쳐야" in page.locator(f"#err-comment-{req}").inner_text()
    assert f"err-comment-{req}" in page.locator(f"#comment-{req}").get_attribute("aria-describedby")
    assert_accessible(page, "committee review queue, message missing")
    assert_fits_phone(page, "committee review queue, message missing")
    page.set_viewport_size(DESKTOP)
    page.fill(f"#comment-{req}", "Please attach the IRB approval of the field trials.")
    page.locator(f"form[action='/committee/{req}/vote'] button[value=changes]").click()
    page.wait_for_selector("text=요청자에게 돌려보냈습니다")
    sign_out(page)
    # the requester reads the message and answers with the ethics approval
    sign_in(page, "seojun")
    page.goto("/my/requests")
    assert "Please attach the IRB approval" in page.locator(f"#request-{req} .changes-message").inner_text()
    page.click(f"a.button[href='/my/requests/{req}']")
    page.wait_for_selector("#changes-message")
    assert "IRB approval of the field trials" in page.locator("#changes-message").inner_text()
    assert_accessible(page, "request page, changes asked")
    screenshot(page, "request-changes")
    assert_fits_phone(page, "request page, changes asked")
    assert_accessible(page, "request page on a phone")
    page.set_viewport_size(DESKTOP)
    irb = tmp_path / "irb-approval.pdf"
    irb.write_bytes(b"%PDF-1.4\n% IRB approval NAAS-2025-031\n%%EOF\n")
    page.fill("#f-purpose_text", "We will map heat-tolerance loci and validate them in field trials in Suwon "
                                 "(IRB NAAS-2025-031).")
    page.set_input_files("#f-ethics", str(irb))
    page.click("#changes-form button[value=resubmit]")
    page.wait_for_selector("text=위원회에 다시 보냈습니다")
    assert "심사 대기" in page.locator(".req-state").first.inner_text()
    assert "irb-approval.pdf" in page.locator("#documents").inner_text()
    assert "IRB approval of the field trials" in page.locator("#history").inner_text()
    assert_accessible(page, "request page, sent again")
    sign_out(page)
    # the committee sees the resubmission with its document, and approves
    sign_in(page, "dac")
    page.goto("/committee")
    card = page.locator(f"#request-{req}")
    assert "irb-approval.pdf" in card.locator(".documents").inner_text() and "2차" in card.inner_text()
    page.locator(f"form[action='/committee/{req}/vote'] button[value=approve]").click()
    page.wait_for_selector("text=투표를 기록했습니다")
    sign_out(page)
    sign_in(page, "seojun")
    page.goto("/my/requests")
    assert "승인됨" in page.locator(f"#request-{req} .req-state").inner_text()
    grant = page.locator(".card.grant", has_text=acc)
    assert grant.locator(".expiry time").inner_text().strip() and grant.locator("form.renew button").count() == 1
    assert_accessible(page, "my requests with a grant")
    assert_fits_phone(page, "my requests with a grant")
    page.set_viewport_size(DESKTOP)
    page.goto(f"/datasets/{acc}")
    assert page.locator("ul.tree a", has_text="genotypes.tsv").count() == 1


def test_declare_and_end_an_emergency(page: Any) -> None:
    from datetime import date, timedelta
    sign_in(page, "admin")
    page.goto("/operator")
    page.fill("#f-title", "Rice blast outbreak, Jeolla")
    page.fill("#f-taxa", "4530")
    page.fill("#f-ends_on", (date.today() + timedelta(days=14)).isoformat())
    page.click("#declare-form button[type=submit]")
    page.wait_for_selector("#emergency-banner")
    assert "Rice blast outbreak" in page.locator("#emergency-banner").inner_text()
    sign_out(page)
    page.goto("/")  # everyone sees the banner
    assert page.locator("#emergency-banner").is_visible()
    assert_accessible(page, "home with the emergency banner")
    screenshot(page, "emergency-banner")
    sign_in(page, "admin")
    page.goto("/operator")
    form = page.locator("form.end-emergency").first
    form.locator("input[name=reason]").fill("Outbreak contained by the provincial office.")
    form.locator("button").click()
    page.wait_for_selector("text=종료했습니다")
    assert page.locator("#emergency-banner").count() == 0


def test_operator_sees_downloads_and_utilisation(page: Any, live: Any) -> None:
    """A download of a published file shows in the dashboard's downloads chart and utilisation rate."""
    acc = live.demo_published[0]
    files = page.request.get(f"/api/datasets/{acc}/files").json()["items"]
    assert page.request.get(files[0]["download_url"]).ok
    sign_in(page, "admin")
    page.goto("/operator")
    section = page.locator("section[aria-labelledby=use-h]")
    page.locator("#use-h").evaluate("h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 16)")
    assert section.locator("#ch-downloads-cap").inner_text() == "월별 내려받기"
    assert section.locator("#ch-downloads-desc").text_content().endswith(": 1")
    assert "%" in section.locator("#ch-util-ministry-desc").text_content()
    assert "%" in section.locator("#ch-util-field-desc").text_content()
    assert "활용률:" in section.locator("#utilisation-definition").inner_text()
    assert_accessible(page, "operator dashboard, downloads and utilisation")
    screenshot(page, "operator-usage")


MAIN_PAGES = [
    ("home", None, "/"),
    ("search", None, "/search?q=rice"),
    ("datasets", None, "/datasets"),
    ("dataset-landing", None, "{published}"),
    ("sign-in", None, "/sign-in"),
    ("my-datasets", "minji", "/my/datasets"),
    ("project-new", "minji", "/projects/new"),
    ("dataset-new", "minji", "/datasets/new"),
    ("dataset-files", "minji", "{draft_files}"),
    ("samples-bulk", "minji", "/samples/bulk?form=biosample.pathogen_cl"),
    ("operator", "admin", "/operator"),
    ("my-requests", "seojun", "/my/requests"),
    ("my-lab", "minji", "/my/lab"),
    ("committee", "dac", "/committee?state=approved"),
    ("request-access", "seojun", "/datasets/{controlled}/request-access"),
]


@pytest.mark.parametrize("name,user,url", MAIN_PAGES, ids=[p[0] for p in MAIN_PAGES])
def test_main_pages_are_accessible(page: Any, live: Any, name: str, user: str | None, url: str) -> None:
    """axe-core finds no serious or critical problem; the page is saved as a screenshot for the README."""
    if user:
        sign_in(page, user)
    url = url.format(published="/datasets/" + live.demo_published[0], controlled=live.controlled,
                     draft_files=f"/datasets/{live.demo['draft']}/files")
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert_accessible(page, name)
    shot = screenshot(page, name)
    assert shot.stat().st_size < 200_000


def test_phone_width_and_english(page: Any, live: Any) -> None:
    """The landing page in English on a phone-width screen: no sideways scrolling, still accessible."""
    page.set_viewport_size(PHONE)
    page.goto("/lang/en?next=/datasets/" + live.demo_published[0])
    page.wait_for_selector("html[lang=en]")
    assert_fits_phone(page, "landing page, English")
    assert_accessible(page, "landing on a phone, English")
    screenshot(page, "dataset-landing-phone-en")
    page.goto("/lang/ko?next=/")
