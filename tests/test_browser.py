"""The example site's day, digest and paper pages, looked at in a real browser.

Headless Chromium from Debian's ``chromium`` package (``.ci/run`` installs it
where it is missing), driven through Playwright with that executable, so
nothing is downloaded. The built site is served from a loopback HTTP server.
Each page must log no console error, send no request outside the site, need
no horizontal scrolling at 375 px wide, and show every chart with a size.

Set HOTPAPERS_SCREENSHOTS to a folder to save the screenshots of a digest
and a paper page there (``docs/across-days.rst`` shows the ones in ``docs/``).
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import EXAMPLE_SITE
from .sites import build_from_file

pytestmark = pytest.mark.build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Elements of ours that reach past the right edge of the window: a theme may
# clip its content (notmyidea does), which hides overflow from scrollWidth.
BEYOND_THE_EDGE = """() => Array
  .from(document.querySelectorAll('.hotpapers, .hotpapers *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName + '.' + e.getAttribute('class'))"""
PAGES = {
    "day": "hot-papers-2021-01-13.html",
    "week": "hot-papers-2021-W02.html",
    "month": "hot-papers-2021-01.html",
    "paper": "papers/2101.03164.html",
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser")
    out = build_from_file(EXAMPLE_SITE / "pelicanconf.py", root)
    handler = functools.partial(QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[object]:
    assert CHROMIUM, (
        "Chromium is needed: apt-get install -y chromium (.ci/run installs it)"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_chromium(browser, site_url, name):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))

    def guard(route):
        url = route.request.url
        if url.startswith((site_url, "data:")):
            route.continue_()
        else:  # recorded, and never let out
            outside.append(url)
            route.abort()

    page.route("**/*", guard)
    try:
        page.goto(site_url + PAGES[name], wait_until="load")
        assert errors == []
        assert outside == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name} scrolls sideways: {width} px"
        assert page.evaluate(BEYOND_THE_EDGE) == []
        charts = page.locator("svg[role=img]")
        assert charts.count() > 0
        for index in range(charts.count()):
            chart = charts.nth(index)
            chart.scroll_into_view_if_needed()
            assert chart.is_visible()
            box = chart.bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0, box
            assert chart.get_attribute("aria-label")
        folder = os.environ.get("HOTPAPERS_SCREENSHOTS")
        if folder and name in ("week", "paper"):
            page.set_viewport_size({"width": 1000, "height": 1250})
            page.evaluate("window.scrollTo(0, 0)")
            target = Path(folder) / f"{name}-page.png"
            page.screenshot(path=str(target))
    finally:
        context.close()
