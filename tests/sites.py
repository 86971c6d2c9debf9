"""Building throwaway Pelican sites for the end-to-end tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pelican
from bs4 import BeautifulSoup
from packaging.version import Version
from pelican import Pelican, signals
from pelican.settings import read_settings

#: Before Pelican 4.12, ``--fatal warnings`` raised on every ``logger.warning()``
#: call, even one that a logging filter then drops (fixed in 4.12 by
#: getpelican/pelican#3547). The oldest Pelican we support has it.
FILTERED_WARNINGS_ARE_FATAL = Version(pelican.__version__) < Version("4.12")

MARKDOWN_ARTICLE = """\
Title: Lab news
Date: 2021-01-12 20:00
Category: News
Tags: lab
Author: Jane Doe

We moved to a new building.
"""


def build(
    tmp_path: Path, data_dir: Path | None, theme: str = "notmyidea", **overrides
) -> Path:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "lab-news.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    output = tmp_path / "output"
    settings = {
        "PATH": str(content),
        "OUTPUT_PATH": str(output),
        "THEME": theme,
        "SITENAME": "Test lab",
        "SITEURL": "https://lab.example.org",
        "TIMEZONE": "UTC",
        "PLUGINS": ["pelican_hotpapers"],
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "CACHE_PATH": str(tmp_path / "cache"),
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "FEED_ALL_RSS": "feeds/all.rss.xml",
        "DEFAULT_PAGINATION": False,
        # X alone (0.1's default) unless a test picks: the other sources'
        # default addresses are the real services, which no test may reach.
        "HOTPAPERS_SOURCES": ["x"],
    }
    if data_dir is not None:
        settings["HOTPAPERS_DATA_PATH"] = str(data_dir)
    settings.update(overrides)
    Pelican(read_settings(override=settings)).run()
    return output


def build_from_file(conf: Path, folder: Path, **overrides) -> Path:
    """Build the site that ``conf`` (a pelicanconf.py) describes into ``folder``.

    Output and cache go into ``folder``, with Pelican's content cache off,
    so that a test leaves the site's own folder as it was.
    """
    settings = read_settings(
        str(conf),
        override={
            "OUTPUT_PATH": str(folder / "output"),
            "CACHE_PATH": str(folder / "cache"),
            "LOAD_CONTENT_CACHE": False,
            **overrides,
        },
    )
    Pelican(settings).run()
    return folder / "output"


@contextlib.contextmanager
def hotpapers_articles() -> Iterator[list[Any]]:
    """The plugin's published articles of the builds run inside, as Pelican
    has filed them (``article_generator_finalized``)."""
    seen: list[Any] = []

    def grab(generator: Any) -> None:
        seen.extend(a for a in generator.articles if hasattr(a, "hotpapers"))

    signals.article_generator_finalized.connect(grab)
    try:
        yield seen
    finally:
        signals.article_generator_finalized.disconnect(grab)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article_links(page: Path) -> list[str]:
    """The hrefs of article permalinks on an index-like page, in order."""
    found = []
    for a in soup(page).find_all("a", href=True):
        href = a["href"]
        if href.endswith(".html") and ("hot-papers-" in href or "lab-news" in href):
            name = href.rsplit("/", 1)[-1]
            if name not in found:
                found.append(name)
    return found


def stylesheet_of(page: Path, output: Path, siteurl: str) -> Path:
    """The output file that the page's link to the Hot Papers stylesheet reaches.

    The link is resolved as a browser would, from the page's own URL under
    ``siteurl``, so a relative link must be right for the page's depth.
    """
    hrefs = [
        link["href"]
        for link in soup(page).find_all("link", rel="stylesheet")
        if "hotpapers" in link["href"] or link["href"].endswith("hp.css")
    ]
    assert len(hrefs) == 1, hrefs
    page_url = f"{siteurl}/{page.relative_to(output).as_posix()}"
    url = urlsplit(urljoin(page_url, hrefs[0]))
    assert f"{url.scheme}://{url.netloc}" == siteurl, hrefs[0]
    return output / url.path.lstrip("/")
