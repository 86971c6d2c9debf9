"""The Article objects handed to Pelican: Pelican's own answers, made cheaper.

plugin._lighten spares Pelican two costs it pays again and again (see its
docstring). These tests hold its answers to Pelican's own methods on the
same objects, and check that the cheaper way is the one taken.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pelican.contents import Article, Static
from pelican.settings import DEFAULT_CONFIG

from pelican_hotpapers import plugin
from pelican_hotpapers.render import Renderer
from pelican_hotpapers.settings import HotpapersSettings

from .factories import make_day
from .sites import build, hotpapers_articles

CSS_PATH = "hotpapers/hotpapers.css"
STYLESHEET_LINK = '<link rel="stylesheet" href="{static}/hotpapers/hotpapers.css">'


def make_article(
    source_path: str | None = "/site/hotpapers/2021-01-11.json",
    content: str = "<p>x</p>",
    **config,
) -> Article:
    """A plain Article in a context where every kind of internal link resolves."""
    config = {**DEFAULT_CONFIG, "PATH": "/site/content", **config}
    context = {"static_content": {}, "generated_content": {}, "localsiteurl": ""}
    article = Article(
        content,
        metadata={"title": "Hot Papers", "date": dt.datetime(2021, 1, 12, 13, 59)},
        settings=config,
        source_path=source_path,
        context=context,
    )
    stylesheet = Static(
        "p {}",
        metadata={"save_as": CSS_PATH, "url": CSS_PATH},
        settings=config,
        source_path="/site/hotpapers.css",
        context=context,
    )
    context["static_content"][CSS_PATH] = stylesheet
    context["generated_content"]["lab-news.md"] = make_page(config, context)
    return article


def make_page(config: dict, context: dict) -> Article:
    return Article(
        "news",
        metadata={"title": "Lab news", "date": dt.datetime(2021, 1, 12)},
        settings=config,
        source_path="/site/content/lab-news.md",
        context=context,
    )


# Pieces of bodies: internal links of every kind and quoting, in one tag
# and across lines, plain links, and the characters the scan turns on.
PIECES = [
    STYLESHEET_LINK,
    "\n",
    '<a href="{filename}/lab-news.md">',
    "<a href='{filename}lab-news.md#top'>",
    '<a href="{category}News">',
    '<img src="|tag|lab">',
    '<a title="a" href = "{index}">',
    '<a\nhref="{author}Jane Doe">',
    '<a href="{static}/hotpapers/hotpapers.css">',
    '<a href="https://arxiv.org/abs/2101.02831">',
    # A link whose tag starts on one line and whose value is on the next.
    "<a href=",
    "<a\nhref",
    "\r\n",
    "\r",
    '"{filename}/lab-news.md">',
    "'{category}News'",
    '"|index|"',
    '<p title="a\nb">',
    "</a>",
    "text",
    "=",
    '"',
    "'",
    "{",
    "|",
    "}",
    "<",
    ">",
    " ",
    "href",
]


@settings(max_examples=400, deadline=None)
# A link whose value is on the line after its "=", one in the rest of the
# body, and one whose tag spans the line's end.
@example('<a href=\n"{filename}/lab-news.md">', "")
@example('<a href=\n  "{category}News">', "..")
@example(STYLESHEET_LINK + '\n<a href="{category}News">', "")
@example('<a\nhref="{index}">', "")
@given(
    st.lists(st.sampled_from(PIECES), max_size=24).map("".join),
    st.sampled_from(["", "..", "https://lab.example.org"]),
)
def test_links_are_replaced_exactly_as_pelican_replaces_them(content, siteurl):
    article = make_article()
    plain = Article._update_content(article, content, siteurl)
    assert plugin._update_content_of(article, content, siteurl) == plain


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ('<a href="{filename}/lab-news.md">', [(0, 33)]),
        ("<p>x</p><img src='|static|/a.png'>\n<p>", [(8, 34)]),
        ('<a href="https://a.org/{x}">abs</a> | <a href="https://a.org/|y|">', []),
        ("{filename}/lab-news.md", []),
        # The first character has nothing before it (not the text's last).
        ("{filename}/lab-news.md'", []),
        ('"\n{', []),
        ("<p>x | y</p>" * 3 + "<a\nhref='|tag|x'>", [(36, 53)]),
        # Two links in one line, and a tag opened on the line before its link.
        (
            '<a href="{index}"><b title="|tag|x">\n<p>x</p>\n<c\nd="{author}y">',
            [(0, 36), (45, 63)],
        ),
        ('a>"{x}"b>"{y}"\nz', [(2, 14)]),
        ("", []),
    ],
)
def test_the_stretches_that_may_hold_links(text, spans):
    assert plugin._link_spans(text) == spans


PELICANS_SCAN = Article._update_content


@pytest.fixture
def scanned(monkeypatch) -> list[str]:
    """What Pelican's own scan for internal links is given, call by call."""
    seen: list[str] = []

    def spy(self, content, siteurl):
        seen.append(content)
        return PELICANS_SCAN(self, content, siteurl)

    monkeypatch.setattr(Article, "_update_content", spy)
    return seen


def test_a_day_is_scanned_only_around_its_stylesheet_link(scanned):
    hp = HotpapersSettings.from_pelican({}, Path.cwd())
    body = Renderer(hp).render_day(plugin.ranking.rank_day(make_day(), hp.ranking))
    assert body.startswith(STYLESHEET_LINK + "\n")
    article = plugin._lighten(make_article(content=body))
    html = article.get_content("https://lab.example.org")
    assert scanned == [STYLESHEET_LINK]
    assert html == PELICANS_SCAN(make_article(), body, "https://lab.example.org")
    assert html.startswith(
        '<link rel="stylesheet" href="https://lab.example.org/hotpapers/hotpapers.css">'
    )


def test_another_link_regex_is_pelicans_scan(scanned):
    """A site's own INTRASITE_LINK_REGEX: no shortcut, Pelican's whole scan."""
    body = STYLESHEET_LINK + '\n<a href="[filename]/lab-news.md">'
    article = plugin._lighten(
        make_article(content=body, INTRASITE_LINK_REGEX=r"\[(?P<what>.*?)\]")
    )
    html = article.get_content("")
    assert scanned == [body]
    assert html.endswith('<a href="/lab-news.html">')


@pytest.mark.parametrize(
    ("path", "source_path"),
    [
        ("/site/content", "/site/hotpapers/2021-01-11.json"),
        ("/site/content", "/site/content/posts/x.md"),
        ("/site/content/", "/site/content/../hotpapers/./a.json"),
        ("/site/content", "posts/x.md"),
        ("content", "/site/hotpapers/2021-01-11.json"),
        ("content", "hotpapers/a.json"),
    ],
)
def test_relative_source_path_is_pelicans(path, source_path):
    article = make_article(source_path, PATH=path)
    lightened = plugin._lighten(make_article(source_path, PATH=path))
    assert lightened.get_relative_source_path() == article.get_relative_source_path()
    other = "/site/content/other.md"
    assert lightened.get_relative_source_path(other) == (
        article.get_relative_source_path(other)
    )
    assert lightened.url == article.url
    assert lightened.save_as == article.save_as


def test_a_relative_content_folder_follows_the_working_folder(tmp_path, monkeypatch):
    """Only two absolute paths give one answer for good: a relative PATH is
    read from the working folder, as Pelican reads it, wherever that is."""
    source = "/site/hotpapers/2021-01-11.json"
    for folder in ("one", "two/deeper"):
        (tmp_path / folder).mkdir(parents=True)
        monkeypatch.chdir(tmp_path / folder)
        lightened = plugin._lighten(make_article(source, PATH="content"))
        expected = make_article(source, PATH="content").get_relative_source_path()
        assert lightened.get_relative_source_path() == expected


def test_no_source_path_is_none_as_in_pelican():
    assert plugin._lighten(make_article(None)).get_relative_source_path() is None


def test_an_articles_path_is_worked_out_once():
    plugin._relative_source_path.cache_clear()
    article = plugin._lighten(make_article("/site/hotpapers/2021-01-11.json"))
    for _ in range(5):
        assert article.url == "hot-papers.html"
    info = plugin._relative_source_path.cache_info()
    assert info.misses == 1
    assert info.hits >= 4


def test_articles_stay_plain_articles_filed_under_shared_objects(tmp_path, data_dir):
    """Plugins test ``type(content) is Article``; one category object for all."""
    with hotpapers_articles() as seen:
        build(tmp_path, data_dir, HOTPAPERS_TAGS=["arXiv", "papers"])
    assert len(seen) >= 2
    assert all(type(article) is Article for article in seen)
    first, second = seen[:2]
    assert first.category is second.category
    assert first.author is second.author
    assert [t.name for t in first.tags] == ["arXiv", "papers"]
    assert all(a is b for a, b in zip(first.tags, second.tags, strict=True))
    # Each article has its own lists, as Pelican's readers give it.
    assert first.tags is not second.tags
    assert first.authors is not second.authors


def test_a_build_without_the_memo_hashes_nothing(tmp_path, data_dir, monkeypatch):
    """File and page fingerprints key the render memo only."""

    def refuse(data: bytes) -> str:
        raise AssertionError("hashed without a memo")

    monkeypatch.setattr(plugin, "digest", refuse)
    monkeypatch.setattr("pelican_hotpapers.history.digest", refuse)
    out = build(tmp_path, data_dir, HOTPAPERS_DIGESTS=["week"])
    assert (out / "hot-papers-2021-01-11.html").exists()
    assert (out / "hot-papers-2021-W02.html").exists()
