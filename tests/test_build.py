"""End-to-end: real Pelican builds into a temporary folder, checked as HTML.

As in the pelican-plugins sitemap and seo tests, these build a throwaway
site with ``Pelican(read_settings(override=...)).run()`` and assert on the
files written, parsed with BeautifulSoup.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pelican import Pelican
from pelican.settings import read_settings

from pelican_hotpapers import archive
from pelican_hotpapers.articles import DESCRIPTION_LENGTH, describe
from pelican_hotpapers.models import Entry
from pelican_hotpapers.render import TEMPLATES_PATH

from .conftest import EXAMPLE_SITE, REFERENCE_POST, ROOT
from .factories import make_day, make_entry, make_paper, make_post
from .sites import (
    article_links,
    build,
    build_from_file,
    hotpapers_articles,
    soup,
    stylesheet_of,
)

pytestmark = pytest.mark.build

SITEURL = "https://lab.example.org"
CSS = (TEMPLATES_PATH / "hotpapers" / "hotpapers.css").read_text(encoding="utf-8")


@pytest.mark.parametrize("theme", ["notmyidea", "simple"])
def test_days_become_articles_everywhere(tmp_path, data_dir, theme):
    out = build(tmp_path, data_dir, theme)

    page = soup(out / "hot-papers-2021-01-11.html")
    assert "Hot Papers 2021-01-11" in page.title.get_text()
    papers = page.select("section.hotpapers-paper")
    assert [p.select_one(".hotpapers-rank").get_text() for p in papers] == ["1.", "2."]
    first = papers[0]
    assert "A paper about 2101.02831" in first.h2.get_text()
    assert first.select_one(".hotpapers-authors").get_text() == (
        "Ada Lovelace, Alan Turing"
    )
    counts = first.select_one(".hotpapers-counts").get_text()
    # X's current words, as in the post embed under it.
    assert counts == "reposts: 100, likes: 50 (2021-01-12 13:59 UTC)"
    assert first.select_one(".hotpapers-post-counts").get_text() == (
        "100 reposts · 50 likes"
    )
    assert not first.select(".hotpapers-score, .hotpapers-by-source")
    assert not re.search(r"retweet|favorite", page.get_text(), re.IGNORECASE)
    hrefs = [a["href"] for a in first.select(".hotpapers-links a")]
    assert hrefs == [
        "https://arxiv.org/abs/2101.02831",
        "https://arxiv.org/pdf/2101.02831",
    ]
    categories = {
        a.get_text(): a["href"] for a in first.select(".hotpapers-categories a")
    }
    assert categories == {
        "cs.LG": "https://arxiv.org/list/cs.LG/recent",
        "stat.ML": "https://arxiv.org/list/stat.ML/recent",
    }
    assert "We study 2101.02831" in first.select_one(".hotpapers-abstract").get_text()
    embeds = first.select("blockquote.twitter-tweet")
    assert len(embeds) == 1
    assert embeds[0].find("a", href=re.compile(r"^https://x\.com/user\d+/status/"))
    # The second paper's 5+5 post is below the post threshold of 25.
    assert len(papers[1].select("blockquote.twitter-tweet")) == 1

    # Listed like a hand-written article: index, category, tag, author, feeds.
    for listing in ("index.html", "category/arxiv.html", "tag/arxiv.html"):
        assert "hot-papers-2021-01-11.html" in article_links(out / listing), listing
    assert "hot-papers-2021-01-11.html" in article_links(out / "archives.html")
    assert (out / "author" / "hot-papers.html").exists()
    atom = ElementTree.parse(out / "feeds" / "all.atom.xml")
    titles = [t.text for t in atom.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Hot Papers 2021-01-11" in titles
    rss = (out / "feeds" / "all.rss.xml").read_text(encoding="utf-8")
    assert "hot-papers-2021-01-12.html" in rss

    # Mixed with the Markdown article in date order (newest first): the
    # counts of 2021-01-12 were taken on the 13th, after the lab news.
    assert article_links(out / "index.html") == [
        "hot-papers-2021-01-12.html",
        "lab-news.html",
        "hot-papers-2021-01-11.html",
    ]

    # Styled by one stylesheet that the article links, not by CSS in its text.
    assert page.find("style") is None
    stylesheet = stylesheet_of(out / "hot-papers-2021-01-11.html", out, SITEURL)
    assert stylesheet.read_text(encoding="utf-8").strip() == CSS.strip()


def test_no_third_party_script_by_default(tmp_path, data_dir):
    out = build(tmp_path, data_dir)
    page = soup(out / "hot-papers-2021-01-11.html")
    for tag in page.find_all(["script", "iframe", "img", "link"]):
        url = tag.get("src") or tag.get("href") or ""
        assert "twitter.com" not in url and "x.com" not in url, tag


def test_embed_script_is_opt_in(tmp_path, data_dir):
    out = build(tmp_path, data_dir, HOTPAPERS_EMBED_SCRIPT=True)
    page = soup(out / "hot-papers-2021-01-11.html")
    scripts = page.find_all("script", src="https://platform.twitter.com/widgets.js")
    assert len(scripts) == 1
    assert all(b["data-dnt"] == "true" for b in page.select("blockquote.twitter-tweet"))


def test_article_metadata(tmp_path, data_dir):
    out = build(
        tmp_path,
        data_dir,
        HOTPAPERS_TITLE="Buzz of {date}",
        HOTPAPERS_CATEGORY="Reading list",
        HOTPAPERS_TAGS=["papers", "ml"],
        HOTPAPERS_AUTHOR="Paper Bot",
        ARTICLE_URL="posts/{date:%Y}/{slug}/",
        ARTICLE_SAVE_AS="posts/{date:%Y}/{slug}/index.html",
    )
    path = out / "posts" / "2021" / "hot-papers-2021-01-11" / "index.html"
    page = soup(path)
    assert "Buzz of 2021-01-11" in page.title.get_text()
    assert (out / "category" / "reading-list.html").exists()
    assert (out / "tag" / "papers.html").exists()
    assert (out / "tag" / "ml.html").exists()
    assert (out / "author" / "paper-bot.html").exists()
    published = page.find("abbr", class_="published")
    assert published["title"] == "2021-01-12T13:59:29+00:00"
    feed = (out / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    assert "posts/2021/hot-papers-2021-01-11/" in feed
    # The summary names the top paper.
    assert "A paper about 2101.02831" in soup(out / "index.html").get_text()


def test_author_falls_back_to_site_author(tmp_path, data_dir):
    out = build(tmp_path, data_dir, AUTHOR="Site Owner")
    assert (out / "author" / "site-owner.html").exists()


def test_articles_carry_the_structured_day(tmp_path, data_dir):
    with hotpapers_articles() as articles:
        build(tmp_path, data_dir)
    seen = {article.slug: article.hotpapers for article in articles}
    ranked = seen["hot-papers-2021-01-11"]
    assert ranked.date == dt.date(2021, 1, 11)
    assert [e.paper.arxiv_id for e in ranked.entries] == ["2101.02831", "2101.03164"]
    assert ranked.entries[0].score == 150


# --- The stylesheet ------------------------------------------------------------


def test_stylesheet_link_works_at_every_depth_with_relative_urls(tmp_path, data_dir):
    out = build(
        tmp_path,
        data_dir,
        RELATIVE_URLS=True,
        ARTICLE_URL="posts/{date:%Y}/{slug}/",
        ARTICLE_SAVE_AS="posts/{date:%Y}/{slug}/index.html",
    )
    page = out / "posts" / "2021" / "hot-papers-2021-01-11" / "index.html"
    link = soup(page).find("link", href=re.compile("hotpapers.css"))
    assert link["href"] == "../../../hotpapers/hotpapers.css"
    assert stylesheet_of(page, out, SITEURL) == out / "hotpapers" / "hotpapers.css"
    # notmyidea shows the newest article in full on the index, one level up.
    assert stylesheet_of(out / "index.html", out, SITEURL).exists()
    # Feeds get an absolute URL.
    feed = (out / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    assert f"{SITEURL}/hotpapers/hotpapers.css" in feed


def test_stylesheet_save_as_and_theme_override(tmp_path, data_dir):
    overrides = tmp_path / "overrides"
    (overrides / "hotpapers").mkdir(parents=True)
    (overrides / "hotpapers" / "hotpapers.css").write_text(".theme-css { x: y }")
    out = build(
        tmp_path,
        data_dir,
        HOTPAPERS_CSS_SAVE_AS="theme/css/hp.css",
        THEME_TEMPLATES_OVERRIDES=[str(overrides)],
    )
    target = stylesheet_of(out / "hot-papers-2021-01-12.html", out, SITEURL)
    assert target == out / "theme" / "css" / "hp.css"
    assert target.read_text(encoding="utf-8") == ".theme-css { x: y }\n"
    assert not (out / "hotpapers" / "hotpapers.css").exists()


@pytest.mark.parametrize(
    ("setting", "inline"),
    [
        ({"HOTPAPERS_CSS": "inline"}, True),
        ({"HOTPAPERS_INLINE_CSS": True}, True),
        ({"HOTPAPERS_CSS": None}, False),
        ({"HOTPAPERS_INLINE_CSS": False}, False),
    ],
)
def test_inline_or_no_stylesheet(tmp_path, data_dir, setting, inline):
    out = build(tmp_path, data_dir, **setting)
    page = soup(out / "hot-papers-2021-01-11.html")
    style = page.find("style")
    assert (style is not None) == inline
    if inline:
        assert style.get_text().strip() == CSS.strip()
    assert page.find("link", href=re.compile("hotpapers")) is None
    assert not (out / "hotpapers" / "hotpapers.css").exists()


def test_a_broken_theme_stylesheet_is_one_error(tmp_path, data_dir, caplog):
    overrides = tmp_path / "overrides"
    (overrides / "hotpapers").mkdir(parents=True)
    (overrides / "hotpapers" / "hotpapers.css").write_text("{% if %}")
    out = build(tmp_path, data_dir, THEME_TEMPLATES_OVERRIDES=[str(overrides)])
    assert (out / "hot-papers-2021-01-11.html").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("hotpapers: the stylesheet")


def test_no_stylesheet_without_an_article(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "2021-01-13.json").write_text("{", encoding="utf-8")
    out = build(tmp_path, data)
    assert (out / "lab-news.html").exists()
    assert not (out / "hotpapers" / "hotpapers.css").exists()


# --- What other plugins and themes read ------------------------------------------


def test_description_is_the_summary_as_bounded_plain_text():
    summary = (
        "<p>3 hot papers on 2021-01-11, led by <bdi>Fast &amp; &lt;exact&gt; "
        'ranking of "quoted" things</bdi>; <bdi>Bayes\' rule</bdi>.</p>'
    )
    assert describe(summary) == (
        "3 hot papers on 2021-01-11, led by Fast & \u2039exact\u203a ranking of "
        "\u201dquoted\u201d things; Bayes\u2019 rule."
    )
    long = "<p>" + " ".join(["word"] * 100) + "</p>"
    text = describe(long)
    assert len(text) <= DESCRIPTION_LENGTH
    assert text.endswith("word\u2026")
    assert describe("<p>" + "x" * 300 + "</p>") == "x" * 159 + "\u2026"


def test_description_cannot_break_out_of_a_theme_attribute(tmp_path):
    """Pelican's "simple" theme prints ``description`` into a meta tag unescaped."""
    data = tmp_path / "data"
    title = 'Evil "><script>alert(1)</script> title'
    entry = Entry(paper=make_paper("2101.02831", title=title), posts=(make_post(),))
    archive.write_day(data, make_day(entries=(entry,)))
    out = build(tmp_path, data, "simple", HOTPAPERS_MIN_PAPER_SCORE=0)
    page = soup(out / "hot-papers-2021-01-11.html")
    assert page.head.find("script") is None
    meta = page.head.find("meta", attrs={"name": "description"})
    assert "Evil \u201d\u203a\u2039script\u203aalert(1)" in meta["content"]


@pytest.mark.parametrize(
    ("settings", "lang", "name"),
    [
        ({}, "en", "hot-papers-2021-01-11.html"),
        ({"DEFAULT_LANG": "de"}, "de", "hot-papers-2021-01-11.html"),
        ({"HOTPAPERS_LANG": "fr"}, "fr", "hot-papers-2021-01-11-fr.html"),
    ],
)
def test_articles_carry_a_language(tmp_path, data_dir, settings, lang, name):
    out = build(tmp_path, data_dir, **settings)
    # Not in the site's language: Pelican saves it as ARTICLE_LANG_SAVE_AS.
    assert soup(out / name).html["lang"] == lang


def test_the_day_file_is_the_source(tmp_path, data_dir):
    """OUTPUT_SOURCES copies each article's source; {filename} links reach it."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "pointer.md").write_text(
        "Title: Pointer\nDate: 2021-01-13\n\n"
        "[the day]({filename}/../hotpapers/2021-01-11.json)\n",
        encoding="utf-8",
    )
    out = build(tmp_path, data_dir, OUTPUT_SOURCES=True)
    copied = out / "hot-papers-2021-01-11.text"
    assert copied.read_bytes() == (data_dir / "2021-01-11.json").read_bytes()
    link = soup(out / "pointer.html").find("a", string="the day")
    assert link["href"] == f"{SITEURL}/hot-papers-2021-01-11.html"


def test_no_data_folder_builds_with_one_info_line(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    missing = tmp_path / "nowhere"
    out = build(tmp_path, missing)
    assert (out / "lab-news.html").exists()
    lines = [r for r in caplog.records if "no stored days" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].levelno == logging.INFO
    assert str(missing) in lines[0].getMessage()
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("pelican_hotpapers")
    ]
    assert not list(out.glob("hot-papers-*.html"))


def test_empty_data_folder_builds(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    empty = tmp_path / "empty"
    empty.mkdir()
    out = build(tmp_path, empty)
    assert (out / "lab-news.html").exists()
    assert any(
        "no stored days" in r.getMessage() and r.levelno == logging.INFO
        for r in caplog.records
    )


def test_a_misnamed_day_is_one_warning_in_the_build_log(tmp_path, data_dir, caplog):
    caplog.set_level(logging.INFO)
    misnamed = data_dir / "2021-1-13.json"
    misnamed.write_bytes(archive.day_path(data_dir, dt.date(2021, 1, 11)).read_bytes())
    out = build(tmp_path, data_dir)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert warnings[0].getMessage().startswith("hotpapers: 2021-1-13.json in ")
    assert "rename it to 2021-01-13.json" in warnings[0].getMessage()
    # The other days are built as ever; the misnamed one is not read.
    assert sorted(p.name for p in out.glob("hot-papers-*.html")) == [
        "hot-papers-2021-01-11.html",
        "hot-papers-2021-01-12.html",
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOTPAPERS_MIN_PAPER_SCORE", "fifty"),
        ("HOTPAPERS_MAX_PAPERS", 0),
        ("HOTPAPERS_CATEGORIES", "cs.LG"),
        ("HOTPAPERS_TITLE", "Hot {day}"),
        ("HOTPAPERS_EMBED_SCRIPT", "yes"),
        ("HOTPAPERS_DATA_PATH", 42),
        ("HOTPAPERS_STATUS", "secret"),
    ],
)
def test_bad_setting_is_one_error_and_the_site_still_builds(
    tmp_path, data_dir, caplog, name, value
):
    caplog.set_level(logging.INFO)
    out = build(tmp_path, data_dir, **{name: value})
    assert (out / "lab-news.html").exists()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert name in errors[0].getMessage()
    assert errors[0].getMessage().startswith("hotpapers:")
    assert not list(out.glob("hot-papers-*.html"))


def test_data_folder_inside_content_is_refused(tmp_path, caplog):
    inside = tmp_path / "content" / "hotpapers"
    inside.mkdir(parents=True)
    archive.write_day(inside, make_day())
    out = build(tmp_path, inside)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "HOTPAPERS_DATA_PATH" in errors[0] and "inside PATH" in errors[0]
    assert not (out / "hot-papers-2021-01-11.html").exists()


def test_a_bad_day_file_does_not_stop_the_others(tmp_path, data_dir, caplog):
    bad = data_dir / "2021-01-13.json"
    bad.write_text('{"schema_version": 1, "date": "2021-01-13"', encoding="utf-8")
    before = bad.read_bytes()
    out = build(tmp_path, data_dir)
    assert (out / "hot-papers-2021-01-11.html").exists()
    assert (out / "hot-papers-2021-01-12.html").exists()
    assert not (out / "hot-papers-2021-01-13.html").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "2021-01-13.json" in errors[0]
    assert bad.read_bytes() == before


def test_each_bad_day_file_is_one_error_naming_it_and_is_kept(
    tmp_path, data_dir, caplog
):
    not_json = data_dir / "2021-01-09.json"
    not_json.write_text("nope", encoding="utf-8")
    invalid = json.loads((data_dir / "2021-01-11.json").read_text(encoding="utf-8"))
    invalid["date"] = "2021-01-13"
    invalid["entries"][0]["paper"]["arxiv_id"] = "bogus"
    invalid_path = data_dir / "2021-01-13.json"
    invalid_path.write_text(json.dumps(invalid), encoding="utf-8")
    wrong_date = data_dir / "2021-01-14.json"
    wrong_date.write_bytes((data_dir / "2021-01-11.json").read_bytes())
    bad = [not_json, invalid_path, wrong_date]
    contents = [(p.read_bytes(), p.stat().st_mtime_ns) for p in bad]

    out = build(tmp_path, data_dir)

    built = sorted(p.name for p in out.glob("hot-papers-2021-*.html"))
    assert built == ["hot-papers-2021-01-11.html", "hot-papers-2021-01-12.html"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 3
    for path, message in zip(bad, errors, strict=True):
        assert str(path) in message and "\n" not in message
    assert "entries[0].paper.arxiv_id" in errors[1]
    assert "file name says 2021-01-14" in errors[2]
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in bad] == contents


def test_good_day_files_log_no_warning(tmp_path, data_dir, caplog):
    build(tmp_path, data_dir)
    ours = [r for r in caplog.records if r.name.startswith("pelican_hotpapers")]
    assert [r for r in ours if r.levelno >= logging.WARNING] == []


def test_status_hidden_keeps_articles_out_of_listings(tmp_path, data_dir):
    out = build(tmp_path, data_dir, HOTPAPERS_STATUS="hidden")
    assert (out / "hot-papers-2021-01-11.html").exists()
    assert "hot-papers-2021-01-11.html" not in article_links(out / "index.html")


def test_ranking_settings_reach_the_page(tmp_path):
    data = tmp_path / "data"
    archive.write_day(
        data,
        make_day(
            entries=(
                make_entry("2101.00001", ((200, 0),), categories=("cs.CV",)),
                make_entry("2101.00002", ((100, 0),), categories=("math.AG",)),
                make_entry("2101.00003", ((60, 0), (20, 5)), categories=("cs.LG",)),
                make_entry("2101.00004", ((40, 0),), categories=("cs.LG",)),
            )
        ),
    )
    out = build(
        tmp_path,
        data,
        HOTPAPERS_RANKING="sum",
        HOTPAPERS_CATEGORIES=["cs"],
        HOTPAPERS_MIN_POST_SCORE=10,
        HOTPAPERS_MAX_POSTS_PER_PAPER=1,
    )
    page = soup(out / "hot-papers-2021-01-11.html")
    titles = [h.a.get_text() for h in page.select("h2.hotpapers-title")]
    assert titles == ["A paper about 2101.00001", "A paper about 2101.00003"]
    assert len(page.select("#paper-2 blockquote")) == 1


# --- Template overrides -------------------------------------------------------

OVERRIDE_DAY = """\
{% extends "!hotpapers/hotpapers/day.html" %}
{% block intro %}<p class="theme-intro">Our picks for {{ day.date }}</p>{% endblock %}
"""
OVERRIDE_POST = """\
<div class="theme-post">{{ post.author_name }}: {{ post.text }}</div>
"""


def test_theme_overrides_and_extends_our_template(tmp_path, data_dir):
    import pelican

    theme = tmp_path / "mytheme"
    shutil.copytree(Path(pelican.__file__).parent / "themes" / "simple", theme)
    (theme / "templates" / "hotpapers").mkdir()
    (theme / "templates" / "hotpapers" / "day.html").write_text(OVERRIDE_DAY)
    out = build(tmp_path, data_dir, theme=str(theme))
    page = soup(out / "hot-papers-2021-01-11.html")
    assert page.select_one("p.theme-intro").get_text() == "Our picks for 2021-01-11"
    assert page.select_one("p.hotpapers-intro") is None
    # The rest of our template still renders through the extension.
    assert len(page.select("section.hotpapers-paper")) == 2


def test_theme_templates_overrides_setting(tmp_path, data_dir):
    overrides = tmp_path / "overrides"
    (overrides / "hotpapers").mkdir(parents=True)
    (overrides / "hotpapers" / "post.html").write_text(OVERRIDE_POST)
    out = build(tmp_path, data_dir, THEME_TEMPLATES_OVERRIDES=[str(overrides)])
    page = soup(out / "hot-papers-2021-01-11.html")
    assert len(page.select("div.theme-post")) == 2
    assert not page.select("blockquote.twitter-tweet")


def test_override_template_output_is_still_escaped(tmp_path):
    data = tmp_path / "data"
    post = make_post(text="<script>alert(1)</script> https://t.co/x", reposts=100)
    entry = Entry(paper=make_paper("2101.02831"), posts=(post,))
    archive.write_day(data, make_day(entries=(entry,)))
    overrides = tmp_path / "overrides"
    (overrides / "hotpapers").mkdir(parents=True)
    (overrides / "hotpapers" / "post.html").write_text(OVERRIDE_POST)
    out = build(tmp_path, data, THEME_TEMPLATES_OVERRIDES=[str(overrides)])
    page = soup(out / "hot-papers-2021-01-11.html")
    assert page.select_one("div.theme-post").find("script") is None
    assert "<script>alert(1)</script>" in page.select_one("div.theme-post").get_text()


# --- The example site against the reference post ------------------------------


def parse_reference(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    papers = []
    for block in re.split(r"^# (?=\d+\. )", text, flags=re.M)[1:]:
        heading = block.splitlines()[0]
        rank, title = re.match(r"(\d+)\. (.*)", heading).groups()
        reposts, likes = re.search(r"retweets: (\d+), favorites: (\d+)", block).groups()
        statuses = re.findall(r"twitter\.com/\w+/status/(\d+)", block)
        papers.append(
            {
                "rank": int(rank),
                "title": " ".join(title.split()),
                "arxiv_id": re.search(r"arxiv\.org/abs/([\d.]+)", block).group(1),
                "reposts": int(reposts),
                "likes": int(likes),
                "categories": re.findall(
                    r"\[([\w.-]+)\]\(https://arxiv\.org/list/", block
                ),
                "statuses": statuses,
            }
        )
    return papers


def test_example_site_matches_the_reference_post(tmp_path):
    reference = parse_reference(REFERENCE_POST)
    assert len(reference) == 7
    # The reference post's own rule; the example site keeps "robust".
    build_from_file(EXAMPLE_SITE / "pelicanconf.py", tmp_path, HOTPAPERS_RANKING="sum")
    page = soup(tmp_path / "output" / "hot-papers-2021-01-11.html")
    sections = page.select("section.hotpapers-paper")
    assert len(sections) == 7
    for expected, section in zip(reference, sections, strict=True):
        assert (
            section.select_one(".hotpapers-rank").get_text() == f"{expected['rank']}."
        )
        assert section.h2.a.get_text() == expected["title"]
        assert section.h2.a["href"] == f"https://arxiv.org/abs/{expected['arxiv_id']}"
        assert (
            int(section.select_one(".hotpapers-reposts").get_text())
            == (expected["reposts"])
        )
        assert (
            int(section.select_one(".hotpapers-likes").get_text()) == expected["likes"]
        )
        shown = [a.get_text() for a in section.select(".hotpapers-categories a")]
        assert shown == expected["categories"]
        embedded = [
            re.search(r"/status/(\d+)", a["href"]).group(1)
            for a in section.select("blockquote.twitter-tweet > a[href*='/status/']")
        ]
        assert embedded == expected["statuses"]
    assert sections[6].select("blockquote") == []
    assert "2021-01-12 13:59" in sections[0].select_one(".hotpapers-counts").get_text()
    # The example site's other days and Markdown articles build too.
    assert len(list((tmp_path / "output").glob("hot-papers-*.html"))) >= 5


def test_the_quick_start_writes_only_into_folders_that_git_ignores(
    tmp_path, monkeypatch
):
    """The README's quick start builds the example site from the checkout's
    root. All it writes must land in folders that .gitignore names: the
    digests' files once went to cache/ at the root, and were committed."""
    clone = tmp_path / "clone"
    shutil.copytree(
        EXAMPLE_SITE,
        clone / "example_site",
        ignore=shutil.ignore_patterns("output", "cache"),
    )
    before = set(clone.rglob("*"))
    monkeypatch.chdir(clone)
    Pelican(read_settings("example_site/pelicanconf.py")).run()
    written = sorted(
        path.relative_to(clone).as_posix()
        for path in clone.rglob("*")
        if path.is_file() and path not in before
    )
    assert "example_site/output/index.html" in written
    assert "example_site/cache/hotpapers-digests/week-2021-W02.json" in written
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", "--stdin"],
        cwd=ROOT,
        input="\n".join(written),
        capture_output=True,
        text=True,
        check=False,
    )
    kept = [line.split("\t", 1)[1] for line in ignored.stdout.splitlines()]
    assert kept == written, ignored.stderr
    assert [line for line in ignored.stdout.splitlines() if line.startswith("::")] == []


def test_data_is_found_beside_a_settings_file_without_sitename(tmp_path, monkeypatch):
    """A relative HOTPAPERS_DATA_PATH is read beside pelicanconf.py, which is
    told apart from the other loaded modules by its PATH and PLUGINS when it
    sets no SITENAME."""
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    archive.write_day(site / "hotpapers", make_day(dt.date(2021, 1, 11)))
    conf = site / "pelicanconf.py"
    conf.write_text(
        'PATH = "content"\nPLUGINS = ["pelican_hotpapers"]\nTIMEZONE = "UTC"\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = build_from_file(conf, tmp_path)
    assert (out / "hot-papers-2021-01-11.html").exists()


def test_example_site_ranks_its_reference_day_robustly(tmp_path):
    """Issue 12's acceptance, as readers see it: the example site keeps the
    default ranking, "robust", and shows why the hashtag-stuffed post fell."""
    with hotpapers_articles() as articles:
        build_from_file(EXAMPLE_SITE / "pelicanconf.py", tmp_path)
    seen = {article.slug: article.hotpapers for article in articles}
    page = soup(tmp_path / "output" / "hot-papers-2021-01-11.html")
    sections = page.select("section.hotpapers-paper")
    ids = [s.h2.a["href"].rsplit("/", 1)[1] for s in sections]
    assert ids[:2] == ["2101.03164", "2101.03149"]
    assert ids.index("2101.02831") > ids.index("2101.03149")
    tale = sections[ids.index("2101.02831")]
    flags = {
        span["class"][-1]: span.get_text()
        for span in tale.select(".hotpapers-flags .hotpapers-flag")
    }
    assert flags == {
        "hotpapers-flag-amplified": "amplified: 1155 reposts, 15 likes",
        "hotpapers-flag-hashtag": "hashtag stuffing: 15 hashtags in 28 words",
    }
    # No other post of the day is flagged; every paper says who posted it.
    assert len(page.select(".hotpapers-flag")) == 2
    accounts = [s.select_one(".hotpapers-accounts").get_text() for s in sections]
    assert accounts[ids.index("2101.02726")] == "posted by 3 accounts"
    assert accounts[0] == "posted by 1 account"
    assert page.select_one(".hotpapers-rules") is not None
    # The raw counts are still shown as they were read.
    assert tale.select_one(".hotpapers-reposts").get_text() == "1155"
    # Themes find the same reasons on the article.
    ranked = seen["hot-papers-2021-01-11"]
    entry = next(e for e in ranked.entries if e.paper.arxiv_id == "2101.02831")
    assert [f.label for c in entry.counted_posts for f in c.flags] == list(
        flags.values()
    )


def test_data_folder_inside_the_output_is_refused(tmp_path, caplog):
    """Pelican publishes OUTPUT_PATH and may empty it: never the archive."""
    inside = tmp_path / "output" / "hotpapers"
    archive.write_day(inside, make_day())
    build(tmp_path, inside, DELETE_OUTPUT_DIRECTORY=False)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "inside OUTPUT_PATH" in errors[0]
    assert archive.day_path(inside, make_day().date).exists()


# --- what the glue guards against ----------------------------------------------

HAND_WRITTEN = """\
Title: {title}
Date: 2021-01-13 09:00
Slug: {slug}
Category: News

Written by hand.
"""


@pytest.mark.parametrize(
    ("slug", "settings", "setting"),
    [
        ("hot-papers-2021-01-11", {}, "HOTPAPERS_SLUG"),
        (
            "hot-papers-2021-W02",
            {"HOTPAPERS_DIGESTS": ["week"]},
            "HOTPAPERS_DIGEST_SLUG",
        ),
    ],
)
def test_a_taken_slug_keeps_the_hand_written_article(
    tmp_path, data_dir, caplog, slug, settings, setting
):
    content = tmp_path / "content"
    content.mkdir()
    text = HAND_WRITTEN.format(title="Mine", slug=slug)
    (content / "mine.md").write_text(text, encoding="utf-8")

    out = build(tmp_path, data_dir, **settings)

    page = soup(out / f"{slug}.html")
    assert "Written by hand." in page.get_text()
    assert not page.select(".hotpapers")
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert repr(slug) in warnings[0] and setting in warnings[0]
    # The other days are still added.
    assert (out / "hot-papers-2021-01-12.html").exists()


@pytest.mark.parametrize(
    ("status", "kept_in"), [("draft", "drafts"), ("hidden", "hidden_articles")]
)
def test_drafts_and_hidden_articles_are_ordered_like_pelicans_own(
    tmp_path, data_dir, status, kept_in
):
    from pelican import signals

    seen: list[str] = []

    def grab(generator):
        seen.extend(article.slug for article in getattr(generator, kept_in))

    signals.article_generator_finalized.connect(grab)
    try:
        build(tmp_path, data_dir, HOTPAPERS_STATUS=status)
    finally:
        signals.article_generator_finalized.disconnect(grab)
    # ARTICLE_ORDER_BY is "reversed-date": the newest first, as Pelican
    # orders its own; the days were added oldest first.
    assert seen == ["hot-papers-2021-01-12", "hot-papers-2021-01-11"]


@pytest.mark.parametrize("step", ["ranking", "rendering"])
def test_one_broken_day_does_not_end_the_build(
    tmp_path, data_dir, caplog, monkeypatch, step
):
    from pelican_hotpapers import ranking
    from pelican_hotpapers.render import Renderer

    broken_day = dt.date(2021, 1, 11)
    if step == "ranking":
        rank = ranking.Ranker.rank

        def rank_or_fail(self, day, *args, **kwargs):
            if day.date == broken_day:
                raise RuntimeError("a day blew up")
            return rank(self, day, *args, **kwargs)

        monkeypatch.setattr(ranking.Ranker, "rank", rank_or_fail)
    else:
        render_day = Renderer.render_day

        def render_or_fail(self, ranked, *args, **kwargs):
            if ranked.date == broken_day:
                raise RuntimeError("a day blew up")
            return render_day(self, ranked, *args, **kwargs)

        monkeypatch.setattr(Renderer, "render_day", render_or_fail)

    out = build(tmp_path, data_dir)

    assert (out / "hot-papers-2021-01-12.html").exists()
    assert not (out / "hot-papers-2021-01-11.html").exists()
    assert (out / "lab-news.html").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "hotpapers: the article for 2021-01-11.json could not be made: "
        "RuntimeError: a day blew up"
    ]


def test_an_unreadable_day_file_is_one_error(tmp_path, data_dir, caplog, monkeypatch):
    original = Path.read_bytes

    def read_bytes(self):
        if self.name == "2021-01-11.json":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    out = build(tmp_path, data_dir)

    assert (out / "hot-papers-2021-01-12.html").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "2021-01-11.json: cannot be read (Permission denied)" in errors[0]


def test_one_broken_digest_does_not_end_the_build(
    tmp_path, data_dir, caplog, monkeypatch
):
    def broken(self, digest, marks=None):
        raise RuntimeError("no digest today")

    monkeypatch.setattr("pelican_hotpapers.render.Renderer.render_digest", broken)
    out = build(tmp_path, data_dir, HOTPAPERS_DIGESTS=["week"])

    assert (out / "hot-papers-2021-01-11.html").exists()
    assert not (out / "hot-papers-2021-W02.html").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "hotpapers: the digest for week-2021-W02 could not be made: "
        "RuntimeError: no digest today"
    ]


def test_a_fetch_that_fails_unexpectedly_leaves_the_stored_days(
    tmp_path, data_dir, caplog, monkeypatch
):
    def boom(hp):
        raise RuntimeError("boom")

    monkeypatch.setattr("pelican_hotpapers.fetch.fetch_for_build", boom)
    out = build(tmp_path, data_dir, HOTPAPERS_FETCH="always")

    assert (out / "hot-papers-2021-01-11.html").exists()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "hotpapers: fetching failed unexpectedly (RuntimeError: boom); the stored "
        "days are used"
    ]


@pytest.mark.parametrize("cached", [False, True])
def test_a_build_hands_every_object_back_to_the_collector(tmp_path, data_dir, cached):
    """The days are read with the collector paused and frozen, not for good."""
    import gc

    settings = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True} if cached else {}
    frozen: list[int] = []

    def during(generator) -> None:
        frozen.append(gc.get_freeze_count())

    from pelican import signals

    signals.article_generator_finalized.connect(during)
    try:
        out = build(tmp_path, data_dir, **settings)
        if cached:  # the second build loads the memo, frozen too
            build(tmp_path, data_dir, **settings)
    finally:
        signals.article_generator_finalized.disconnect(during)
    assert (out / "hot-papers-2021-01-11.html").exists()
    # Frozen while the build ran, handed back at its end, the collector on.
    assert frozen and all(count > 0 for count in frozen)
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_pelicans_generator_layer_cache_builds_and_builds_again(tmp_path, data_dir):
    """With CONTENT_CACHING_LAYER = "generator", Pelican pickles the articles
    it read, and with them the build's context, which holds the plugin's
    index of the days: the index is left out of the pickle, and the next
    build, which loads the cached articles, makes the same pages."""
    cached = {
        "CONTENT_CACHING_LAYER": "generator",
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "HOTPAPERS_DIGESTS": ["week"],
    }
    first = build(tmp_path, data_dir, OUTPUT_PATH=str(tmp_path / "one"), **cached)
    assert list((tmp_path / "cache").glob("ArticlesGenerator*"))
    pages = sorted(p.relative_to(first) for p in first.rglob("*.html"))
    again = build(tmp_path, data_dir, OUTPUT_PATH=str(tmp_path / "two"), **cached)
    assert sorted(p.relative_to(again) for p in again.rglob("*.html")) == pages
    for page in pages:
        assert (again / page).read_bytes() == (first / page).read_bytes(), page
