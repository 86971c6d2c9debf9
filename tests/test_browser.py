"""The example site's day, digest and paper pages, looked at in a real browser.

Headless Chromium or Chrome, whichever is installed (find_chromium() says where
it looks), driven through Playwright with that executable, so nothing is
downloaded. Without one, these tests are skipped with one line that says how
to install it; under ``CI=true`` they fail instead, and ``.ci/run`` installs
Debian's ``chromium`` where it is missing. The built site is served from a
loopback HTTP server.
Each page must log no console error, send no request outside the site, need
no horizontal scrolling at 375 px wide, and show every chart with a size.

Set HOTPAPERS_SCREENSHOTS to a folder to save the screenshots of a digest
and a paper page there (``docs/across-days.rst`` shows the ones in ``docs/``),
and of the top of the day from five sources, the README's
``docs/example-site.png``.
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

#: Commands of Chromium and Chrome, in the order they are looked for on PATH.
COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL = (
    "apt-get install -y chromium (Debian, Ubuntu) "
    "or .venv/bin/playwright install chromium"
)
SKIPPED = f"no Chromium or Chrome found, so the browser tests are skipped: {INSTALL}"
FAILED = f"no Chromium or Chrome found, and CI=true runs the browser tests: {INSTALL}"
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
    # The day from X, Bluesky, Hacker News, Hugging Face and Mastodon.
    "sources": "hot-papers-2026-08-21.html",
}


def playwright_browsers() -> Path:
    """Where Playwright keeps the browsers it downloaded (its registry's rule)."""
    chosen = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if chosen == "0":  # inside the package
        import playwright

        return (
            Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
        )
    if chosen:
        return Path(chosen)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "ms-playwright"


def find_chromium() -> str | None:
    """An installed Chromium or Chrome: a command on PATH, else the newest
    Chromium that Playwright has downloaded (``chromium-REVISION/``, with
    ``chrome-linux64/chrome`` since Playwright 1.57, ``chrome-linux/chrome``
    before)."""
    for command in COMMANDS:
        found = shutil.which(command)
        if found:
            return found
    downloaded = [
        chrome
        for chrome in playwright_browsers().glob("chromium-*/chrome-linux*/chrome")
        if chrome.parent.parent.name.removeprefix("chromium-").isdigit()
        and os.access(chrome, os.X_OK)
    ]
    if not downloaded:
        return None
    newest = max(downloaded, key=lambda c: int(c.parent.parent.name.split("-")[1]))
    return str(newest)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_chromium() -> str:
    """The browser to drive; without one, skip, or fail under CI."""
    found = find_chromium()
    if found:
        return found
    if in_ci():
        pytest.fail(FAILED, pytrace=False)
    pytest.skip(SKIPPED)


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
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def watch(page, site_url: str) -> tuple[list[str], list[str]]:
    """The page's console errors, and the requests it tried outside the site
    (recorded, and never let out)."""
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
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", guard)
    return errors, outside


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_chromium(browser, site_url, name):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    errors, outside = watch(page, site_url)
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


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Nothing on PATH, and an empty folder of Playwright's browsers."""
    monkeypatch.setattr(shutil, "which", lambda command: None)
    folder = tmp_path / "ms-playwright"
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(folder))
    return folder


def downloaded(folder: Path, name: str, mode: int = 0o755) -> Path:
    chrome = folder / name
    chrome.parent.mkdir(parents=True)
    chrome.write_text("", encoding="utf-8")
    chrome.chmod(mode)
    return chrome


def test_the_first_browser_command_on_path_is_driven(monkeypatch, no_browser):
    asked = []

    def which(command: str) -> str | None:
        asked.append(command)
        return "/opt/bin/google-chrome" if command == "google-chrome" else None

    monkeypatch.setattr(shutil, "which", which)
    downloaded(no_browser, "chromium-1255/chrome-linux64/chrome")
    assert find_chromium() == "/opt/bin/google-chrome"
    assert asked == ["chromium", "chromium-browser", "google-chrome"]


def test_else_the_newest_chromium_that_playwright_downloaded(no_browser):
    assert find_chromium() is None
    downloaded(no_browser, "chromium-999/chrome-linux/chrome")
    newest = downloaded(no_browser, "chromium-1255/chrome-linux64/chrome")
    downloaded(no_browser, "chromium-1300/chrome-linux64/chrome", mode=0o644)
    downloaded(no_browser, "chromium_headless_shell-1400/chrome-linux64/chrome")
    assert find_chromium() == str(newest)


def test_playwright_keeps_its_browsers_where_its_registry_says(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "chosen"))
    assert playwright_browsers() == tmp_path / "chosen"
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", "0")
    assert playwright_browsers().parts[-4:] == (
        "playwright",
        "driver",
        "package",
        ".local-browsers",
    )
    monkeypatch.delenv("PLAYWRIGHT_BROWSERS_PATH")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert playwright_browsers() == tmp_path / "xdg" / "ms-playwright"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert playwright_browsers() == tmp_path / "home" / ".cache" / "ms-playwright"


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_without_a_browser_the_tests_are_skipped_saying_how_to_install_one(
    monkeypatch, no_browser, ci
):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_chromium()
    assert str(skipped.value) == SKIPPED
    assert "apt-get install -y chromium" in SKIPPED
    assert "\n" not in SKIPPED


@pytest.mark.parametrize("ci", ["true", "1", "True"])
def test_under_ci_a_missing_browser_fails_the_run(monkeypatch, no_browser, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as failed:
        require_chromium()
    assert str(failed.value) == FAILED
    assert INSTALL in FAILED


def test_a_found_browser_is_required_even_under_ci(monkeypatch, no_browser):
    monkeypatch.setenv("CI", "true")
    chrome = downloaded(no_browser, "chromium-1255/chrome-linux64/chrome")
    assert require_chromium() == str(chrome)


@pytest.mark.parametrize("width", [375, 1100])
def test_the_day_from_five_sources_shows_every_card(browser, site_url, width):
    """The Hugging Face and Mastodon cards are seen beside the others, and the
    first paper's per-source line gives each service's counts in its words."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors, outside = watch(page, site_url)
    try:
        page.goto(site_url + PAGES["sources"], wait_until="load")
        first = page.locator("section.hotpapers-paper").first
        line = first.locator(".hotpapers-by-source")
        assert line.is_visible()
        text = line.inner_text()
        assert "Hugging Face: 163 upvotes, 1 comments" in text
        assert "Mastodon: 14 boosts, 41 favourites, 2 replies" in text
        for card in (
            "blockquote.hotpapers-post-huggingface",
            "blockquote.hotpapers-post-mastodon",
            "blockquote.twitter-tweet",
            "blockquote.bluesky-embed",
            ".hotpapers-post-hackernews",
        ):
            shown = first.locator(card).first
            shown.scroll_into_view_if_needed()
            assert shown.is_visible(), card
            box = shown.bounding_box()
            assert box and box["width"] > 0 and box["x"] + box["width"] <= width + 1
        hf = page.locator("blockquote.hotpapers-post-huggingface")
        toots = page.locator("blockquote.hotpapers-post-mastodon")
        assert hf.count() == toots.count() == 5  # those of 25 or more
        for cards in (hf, toots):
            for index in range(cards.count()):
                cards.nth(index).scroll_into_view_if_needed()
                assert cards.nth(index).is_visible()
        # A label of its own on the Hugging Face card, readable on its colour.
        label = first.locator(".hotpapers-hf")
        assert label.inner_text() == "Daily Papers" and label.is_visible()
        assert errors == []
        assert outside == []
        folder = os.environ.get("HOTPAPERS_SCREENSHOTS")
        if folder and width == 1100:
            # The README's picture: the top of the article, to the end of
            # its first paper's posts.
            page.evaluate("window.scrollTo(0, 0)")
            bottom = page.evaluate(
                "document.querySelector('section.hotpapers-paper')"
                ".getBoundingClientRect().bottom + window.scrollY"
            )
            page.screenshot(
                path=str(Path(folder) / "example-site.png"),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": bottom + 24},
            )
    finally:
        context.close()
