"""One Chromium for the whole browser suite (the machine is shared): Debian's chromium driven by Playwright,
a fresh profile folder, and a live station server with the demo loaded."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def require_browser() -> None:
    """Skip locally without Chromium/Playwright; in CI their absence is a failure (they are installed there)."""
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install playwright; never `playwright install`)"
    if reason is None and not shutil.which(CHROMIUM):
        reason = f"{CHROMIUM} missing (apt-get install chromium chromium-driver)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def axe_violations(page: Any) -> list[dict]:
    """Serious and critical axe-core findings on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Any, name: str) -> None:
    bad = axe_violations(page)
    assert not bad, f"axe-core on {name}: " + json.dumps(bad, ensure_ascii=False, indent=1)


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def assert_fits_phone(page: Any, name: str) -> None:
    """On a phone-width screen the page does not scroll sideways; a failure names what sticks out."""
    page.set_viewport_size(PHONE)
    wider = page.evaluate("""() => {
        const w = window.innerWidth;
        if (document.documentElement.scrollWidth <= w + 1) return [];
        return Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 5)
            .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + e.className : ''}`
                      + ` ends at ${Math.round(e.getBoundingClientRect().right)} px`);
    }""")
    assert not wider, f"{name} scrolls sideways at {PHONE['width']} px: " + "; ".join(wider)


def screenshot(page: Any, name: str) -> Path:
    """A small PNG of what is on screen (not the full page) for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
    return path
