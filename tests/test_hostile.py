"""Hostile input never reaches a reader as markup or script.

A real site is built from a day whose every field that comes from outside
holds a hostile string; every written file is then parsed and checked.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import lxml.html
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pelican_hotpapers import archive
from pelican_hotpapers.models import (
    Counts,
    Entry,
    Link,
    Paper,
    Post,
    clean_text,
    day_to_dict,
)
from pelican_hotpapers.ranking import rank_day
from pelican_hotpapers.render import EMBED_SCRIPT_URL, Renderer
from pelican_hotpapers.settings import HotpapersSettings

from .factories import make_day, make_entry
from .hostile import HOSTILE, LARGE
from .sites import build

SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc")
#: The fields of one entry that show their text on the page.
SHOWN_FIELDS = 8


def hostile_entry(n: int, text: str) -> Entry:
    arxiv_id = f"2101.{n + 1:05d}"
    post = Post(
        source="x",
        id=str(1348000000000000000 + n),
        url=text,
        author_name=text,
        author_handle=text,
        text=f"{text} https://t.co/h{n}",
        lang=text,
        created_at=dt.datetime(2021, 1, 11, 12, tzinfo=dt.UTC),
        counts=Counts(reposts=100, likes=100),
        arxiv_ids=(arxiv_id,),
        links=(Link(f"https://t.co/h{n}", text, text),),
    )
    paper = Paper(
        arxiv_id=arxiv_id,
        title=text,
        authors=(text,),
        abstract=text,
        primary_category=text,
        categories=(text, "cs.LG"),
    )
    return Entry(paper=paper, posts=(post,))


def visible(text: str) -> str:
    """How a string reads on the page: unsafe characters become U+FFFD, and
    line ends become newlines (as HTML parsing does)."""
    return clean_text(text).replace("\r\n", "\n").replace("\r", "\n")


#: libxml2's HTML parser, as BeautifulSoup's "lxml" builder uses it, but with
#: the tree built in C: pages of tens of MB parse in well under a second.
HTML_PARSER = lxml.html.HTMLParser(huge_tree=True)


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html, parser=HTML_PARSER)


def with_class(root: lxml.html.HtmlElement, name: str) -> list:
    """The elements whose class attribute holds ``name``."""
    return root.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), $name)]",
        name=f" {name} ",
    )


def check_markup(html: str, where: str, *, script_allowed: bool) -> None:
    for element in parse(html).iter():
        if not isinstance(element.tag, str):
            continue  # a comment or a processing instruction: never run
        if element.tag == "script":
            src = element.get("src")
            assert script_allowed and src == EMBED_SCRIPT_URL, (where, src)
        handlers = [name for name in element.attrib if name.lower().startswith("on")]
        assert not handlers, (where, element.tag, handlers)
        for name in URL_ATTRIBUTES:
            value = element.get(name)
            if value is not None:
                cleaned = re.sub(r"[\x00-\x20\x7f]", "", value)
                assert urlsplit(cleaned).scheme.lower() in SAFE_SCHEMES, (where, value)


def check_output(out: Path, *, script_allowed: bool) -> None:
    for path in out.rglob("*"):
        if path.suffix == ".html":
            check_markup(
                path.read_text(encoding="utf-8"),
                str(path),
                script_allowed=script_allowed,
            )
        elif path.suffix == ".xml":
            feed = ElementTree.parse(path)  # must stay well-formed XML
            for element in feed.iter():
                if (
                    element.tag.endswith(("content", "summary", "description"))
                    and element.text
                ):
                    check_markup(element.text, str(path), script_allowed=script_allowed)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> tuple[Path, Path]:
    tmp_path = tmp_path_factory.mktemp("hostile")
    data = tmp_path / "data"
    entries = tuple(hostile_entry(n, text) for n, text in enumerate(HOSTILE))
    archive.write_day(data, make_day(entries=entries))
    # The simple theme lists summaries, not whole articles, on index pages,
    # and one feed of each kind is enough: the 1 MB strings would otherwise
    # be written (and parsed here) a dozen times over.
    out = build(
        tmp_path,
        data,
        theme="simple",
        CATEGORY_FEED_ATOM=None,
        AUTHOR_FEED_ATOM=None,
        AUTHOR_FEED_RSS=None,
        TRANSLATION_FEED_ATOM=None,
    )
    return out, data


def test_hostile_strings_are_text_and_nothing_else(hostile_site):
    out, _ = hostile_site
    check_output(out, script_allowed=False)


def test_every_hostile_string_is_still_shown(hostile_site):
    out, _ = hostile_site
    page = parse((out / "hot-papers-2021-01-11.html").read_text(encoding="utf-8"))
    sections = with_class(page, "hotpapers-paper")
    assert len(sections) == len(HOSTILE)
    by_id = {s.find(".//h2/a").get("href").rsplit("/", 1)[-1]: s for s in sections}
    for n, text in enumerate(HOSTILE):
        shown = by_id[f"2101.{n + 1:05d}"].text_content()
        assert shown.count(visible(text)) >= SHOWN_FIELDS, (n, text[:80])


def test_only_safe_links_are_made(hostile_site):
    out, _ = hostile_site
    page = parse((out / "hot-papers-2021-01-11.html").read_text(encoding="utf-8"))
    posts = with_class(page, "hotpapers-post")
    assert len(posts) == len(HOSTILE)
    for post in posts:
        for href in post.xpath(".//a/@href"):
            assert urlsplit(href).scheme in ("http", "https")
    # Only real arXiv categories are linked.
    categories = with_class(page, "hotpapers-categories")
    assert len(categories) == len(HOSTILE)
    for element in categories:
        assert element.xpath(".//a/@href") == ["https://arxiv.org/list/cs.LG/recent"]


def test_the_opted_in_script_is_the_only_script(tmp_path):
    data = tmp_path / "data"
    entries = tuple(hostile_entry(n, text) for n, text in enumerate(HOSTILE[:40]))
    archive.write_day(data, make_day(entries=entries))
    out = build(tmp_path, data, HOTPAPERS_EMBED_SCRIPT=True)
    check_output(out, script_allowed=True)
    page = parse((out / "hot-papers-2021-01-11.html").read_text(encoding="utf-8"))
    assert len(page.xpath("//script[@src=$url]", url=EMBED_SCRIPT_URL)) == 1


def test_huge_titles_leave_the_index_pages_small(tmp_path):
    """A summary is repeated on every index page: its titles are cut."""
    data = tmp_path / "data"
    entries = tuple(
        make_entry(f"2101.0000{n}", ((100, 0),), title=text)
        for n, text in enumerate(LARGE, start=1)
    )
    archive.write_day(data, make_day(entries=entries))
    # Without feeds: they carry whole articles, so this is about the pages.
    out = build(tmp_path, data, theme="simple", FEED_ALL_ATOM=None, FEED_ALL_RSS=None)
    for listing in ("index.html", "category/arxiv.html", "tag/arxiv.html"):
        text = (out / listing).read_text(encoding="utf-8")
        assert len(text) < 20_000, listing
        assert "A" * 119 + "…" in text
        assert "&lt;b&gt;" * 39 + "&lt;b…" in text
    # The article itself still shows every title whole.
    article = (out / "hot-papers-2021-01-11.html").read_text(encoding="utf-8")
    assert article.count("A" * 1_000_000) == 1
    assert article.count("&lt;b&gt;" * 333_333 + "x") == 1


def test_hostile_ids_never_reach_a_page(tmp_path, caplog):
    """Ids are checked by the schema: a day with a hostile id is refused, not shown."""
    data = tmp_path / "data"
    archive.write_day(data, make_day())
    bad = archive.day_path(data, dt.date(2021, 1, 12))
    text = archive.day_path(data, dt.date(2021, 1, 11)).read_text(encoding="utf-8")
    bad.write_text(
        text.replace('"2021-01-11"', '"2021-01-12"').replace(
            '"2101.02831"', '"2101.02831\\"><script>alert(1)</script>"'
        ),
        encoding="utf-8",
    )
    out = build(tmp_path, data)
    assert not (out / "hot-papers-2021-01-12.html").exists()
    assert any("2021-01-12.json" in r.getMessage() for r in caplog.records)
    check_output(out, script_allowed=False)


# --- fuzzing the renderer ------------------------------------------------------

texts = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from(list("<>\"'&=:/;\n")),
    max_size=60,
)


def fuzzed_entry(text: list[str]) -> Entry:
    """An entry whose every field from outside holds one of eight strings."""
    post = Post(
        source="x",
        id="1",
        url=text[0],
        author_name=text[1],
        author_handle=text[2],
        text=text[3] + " https://t.co/z " + text[4],
        lang=text[5],
        created_at=dt.datetime(2021, 1, 11, tzinfo=dt.UTC),
        counts=Counts(reposts=60, likes=60),
        arxiv_ids=("2101.00001",),
        links=(Link("https://t.co/z", text[6], text[7]),),
    )
    paper = Paper(
        arxiv_id="2101.00001",
        title=text[4],
        authors=(text[5], text[6]),
        abstract=text[7],
        categories=(text[0], "cs.LG"),
    )
    return Entry(paper=paper, posts=(post,))


fuzzed_entries = st.lists(texts, min_size=8, max_size=8).map(fuzzed_entry)


def page_text(html: str) -> str:
    """The text a reader sees: every text node but those of style and script.

    Read with lxml, not BeautifulSoup's get_text(): bs4 4.13+ turns a text
    node that is only whitespace ("\t") into one space, so a title of "\t"
    would compare as missing now and then; lxml keeps every character.
    """
    root = parse(html)
    for element in list(root.iter("style", "script")):
        element.drop_tree()
    return root.text_content()


@functools.cache
def default_renderer() -> Renderer:
    """One renderer for every example, as a build has one for every day."""
    return Renderer(HotpapersSettings.from_pelican({}, Path(".")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=fuzzed_entries, ascii=st.booleans())
# Whitespace alone, which bs4's get_text() used to make one space of.
@example(
    entry=fuzzed_entry(["\t", "\t", " ", "\n", "\t", "\r", "\t", " \t"]), ascii=False
)
@example(
    entry=fuzzed_entry(["\x00", "\x0b", "\x1f", "\ufffe", "\x08", "", "a", "\x0c"]),
    ascii=True,
)
def test_fuzzed_days_render_safely(entry, ascii):
    renderer = default_renderer()
    # Text reaches the renderer the way a build reads it: a day file read by
    # the archive's reader, which must clean it. The file is written as
    # another tool might write it, uncleaned, with or without escapes.
    data = day_to_dict(make_day(entries=(entry,)))
    raw = json.dumps(data, ensure_ascii=ascii).encode("utf-8")
    day = archive.parse_day(Path("2021-01-11.json"), raw)
    ranked = rank_day(day, renderer.settings.ranking)
    html = renderer.render_day(ranked)
    check_markup(html, "fuzz", script_allowed=False)
    shown = page_text(html)
    for value in (entry.paper.title, entry.paper.abstract, entry.posts[0].author_name):
        assert visible(value) in shown
