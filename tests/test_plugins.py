"""End-to-end: the plugin beside the Pelican plugins that real sites combine.

Each build runs ``pelican`` in a child process, as a site owner runs it:
Pelican never disconnects a plugin's receivers, so a plugin loaded in this
process would go on acting in every later test's build (pelican-seo writes
a report into the working folder, show_source copies every file it has ever
seen). The child loads a small probe plugin that writes what the other
plugins computed for each article to ``probe.json`` in each site's output.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pelican_hotpapers import archive

from .factories import make_day
from .sites import MARKDOWN_ARTICLE, article_links, soup, stylesheet_of

pytestmark = pytest.mark.build

SITEURL = "https://lab.example.org"
CSS = (
    Path(__file__).resolve().parent.parent
    / "pelican_hotpapers"
    / "templates"
    / "hotpapers"
    / "hotpapers.css"
)

GERMAN_ARTICLE = """\
Title: Laborneuigkeiten
Date: 2021-01-12 21:00
Category: News
Lang: de
Author: Jane Doe
Slug: laborneuigkeiten

Wir sind umgezogen.
"""

PROBE = '''\
"""Writes what other plugins computed for each article to probe.json."""

import json
import os

from pelican import signals


def dump(generator, writer):
    found = {}
    for article in generator.articles + generator.drafts:
        stats = getattr(article, "statistics", None) or {}
        found[article.slug] = {
            "lang": article.lang,
            "listed": article in generator.articles,
            "source_path": article.source_path,
            "readtime": getattr(article, "readtime", None),
            "words": sorted(stats.get("word_counts", {})),
            "description": article.metadata.get("description"),
        }
    with open(os.path.join(generator.output_path, "probe.json"), "w") as out:
        json.dump(found, out)


def register():
    signals.article_writer_finalized.connect(dump)
    first = os.environ.get("PROBE_FIRST")
    if first:
        # Blinker calls a signal's receivers in no fixed order; this runs
        # the receivers of the module named by PROBE_FIRST before the others.
        signal = signals.article_generator_pretaxonomy
        receivers_for = signal.receivers_for

        def ordered(sender):
            found = list(receivers_for(sender))
            return sorted(found, key=lambda r: first not in r.__module__)

        signal.receivers_for = ordered
'''


def build_site(site: Path, first: str | None = None, **settings) -> Path:
    """Build ``site`` with ``pelican`` in a child process; the output folder."""
    (site / "content").mkdir(parents=True, exist_ok=True)
    (site / "content" / "lab-news.md").write_text(
        MARKDOWN_ARTICLE.replace("Author:", "Lang: en\nAuthor:"), encoding="utf-8"
    )
    (site / "plugins").mkdir(exist_ok=True)
    (site / "plugins" / "probe.py").write_text(PROBE, encoding="utf-8")
    conf = {
        "SITENAME": "Test lab",
        "SITEURL": SITEURL,
        "PATH": "content",
        "OUTPUT_PATH": "output",
        "TIMEZONE": "UTC",
        "DEFAULT_LANG": "en",
        "PLUGIN_PATHS": ["plugins"],
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "DEFAULT_PAGINATION": False,
        "HOTPAPERS_FETCH": "never",
        **settings,
    }
    conf["PLUGINS"] = [*conf.get("PLUGINS", ["pelican_hotpapers"]), "probe"]
    (site / "pelicanconf.py").write_text(
        "".join(f"{name} = {value!r}\n" for name, value in conf.items()),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop("PROBE_FIRST", None)
    if first:
        env["PROBE_FIRST"] = first
    result = subprocess.run(
        [sys.executable, "-m", "pelican", "-s", "pelicanconf.py", "--fatal", "errors"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return site / "output"


def probe(output: Path) -> dict:
    return json.loads((output / "probe.json").read_text(encoding="utf-8"))


ALL_PLUGINS = [
    "pelican_hotpapers",
    "sitemap",
    "seo",
    "i18n_subsites",
    "show_source",
    "readtime",
    "statistics",
]


@pytest.fixture(scope="module")
def combined(tmp_path_factory) -> Path:
    """One site with the plugins users combine, and a German subsite."""
    site = tmp_path_factory.mktemp("combined")
    for day in (dt.date(2021, 1, 11), dt.date(2021, 1, 12)):
        archive.write_day(site / "hotpapers", make_day(day))
    # No German article here: show_source cannot copy into the main site's
    # drafts/ folder, which i18n_subsites has the main site write only after
    # the subsites (a clash of those two plugins, with or without ours).
    return build_site(
        site,
        PLUGINS=ALL_PLUGINS,
        I18N_SUBSITES={"de": {"SITENAME": "Testlabor"}},
        SEO_ENHANCER=True,
        SEO_ENHANCER_OPEN_GRAPH=True,
        SHOW_SOURCE_ALL_POSTS=True,
        READTIME_WPM=1,  # so an article's read time in minutes is its word count
        RELATIVE_URLS=True,
        HOTPAPERS_DIGESTS=["week"],
    )


def test_seo_gets_a_plain_text_description(combined):
    page = soup(combined / "hot-papers-2021-01-11.html")
    og = page.find("meta", property="og:description")
    assert og is not None
    assert og["content"] == probe(combined)["hot-papers-2021-01-11"]["description"]
    assert og["content"].startswith("2 hot papers on 2021-01-11, led by A paper")
    assert "<" not in og["content"] and len(og["content"]) <= 160


def test_a_digest_is_filed_like_the_days(combined):
    """A week's digest carries a description and the language too, and
    show_source finds a real file for it: what the digest was made of."""
    found = probe(combined)["hot-papers-2021-W02"]
    assert found["lang"] == "en"
    assert found["listed"]
    assert found["description"].startswith("The 2 hottest papers of week 2021-W02")
    og = soup(combined / "hot-papers-2021-W02.html").find(
        "meta", property="og:description"
    )
    assert og["content"] == found["description"]
    shown = json.loads(
        (combined / "hot-papers-2021-W02.txt").read_text(encoding="utf-8")
    )
    assert shown == {
        "period": "week",
        "key": "2021-W02",
        "complete": True,
        "days": ["2021-01-11.json", "2021-01-12.json"],
    }
    assert Path(found["source_path"]).read_text(encoding="utf-8") == json.dumps(
        shown, indent=2
    )


def test_sitemap_lists_the_articles(combined):
    sitemap = (combined / "sitemap.xml").read_text(encoding="utf-8")
    urls = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    assert f"{SITEURL}/hot-papers-2021-01-11.html" in urls
    assert f"{SITEURL}/hot-papers-2021-01-12.html" in urls
    assert f"{SITEURL}/lab-news.html" in urls


def test_show_source_publishes_the_day_file(combined):
    day_file = combined.parent / "hotpapers" / "2021-01-11.json"
    assert probe(combined)["hot-papers-2021-01-11"]["source_path"] == str(day_file)
    shown = combined / "hot-papers-2021-01-11.txt"
    assert shown.read_text(encoding="utf-8") == day_file.read_text(encoding="utf-8")
    # Nothing is written beside the day files, outside the output.
    assert sorted(p.name for p in day_file.parent.iterdir()) == [
        "2021-01-11.json",
        "2021-01-12.json",
    ]


def test_english_articles_stay_english_in_the_german_subsite(combined):
    assert article_links(combined / "index.html") == [
        "hot-papers-2021-W02.html",
        "hot-papers-2021-01-12.html",
        "lab-news.html",
        "hot-papers-2021-01-11.html",
    ]
    german = combined / "de"
    listed = [a["href"] for a in soup(german / "index.html").find_all("a", href=True)]
    assert not any("hot-papers" in href or "lab-news" in href for href in listed)
    # Handled as the hand-written English article is (I18N_UNTRANSLATED_ARTICLES
    # "hide": a draft of the subsite), and still English there.
    seen = probe(german)
    for slug in ("hot-papers-2021-01-11", "hot-papers-2021-W02", "lab-news"):
        assert seen[slug]["lang"] == "en"
        assert seen[slug]["listed"] is False
        assert (german / "drafts" / f"{slug}-en.html").exists()
    draft = soup(german / "drafts" / "hot-papers-2021-01-11-en.html")
    assert draft.html["lang"] == "en"


def test_readtime_and_statistics_count_no_css(combined):
    seen = probe(combined)["hot-papers-2021-01-11"]
    page = soup(combined / "hot-papers-2021-01-11.html")
    assert page.find("style") is None
    page_path = combined / "hot-papers-2021-01-11.html"
    assert stylesheet_of(page_path, combined, SITEURL).read_text() == CSS.read_text()
    css_words = set(CSS.read_text(encoding="utf-8").split())
    assert not css_words & set(seen["words"])
    assert "margin" not in seen["words"] and "study" in seen["words"]
    assert seen["readtime"] is not None


def test_inline_css_is_what_readtime_counted(tmp_path, data_dir):
    """The same article with the stylesheet inline: readtime counts the CSS."""
    plugins = {
        "PLUGINS": ["pelican_hotpapers", "readtime"],
        "READTIME_WPM": 1,
        "HOTPAPERS_DATA_PATH": str(data_dir),
    }
    linked = probe(build_site(tmp_path / "linked", **plugins))
    inline = probe(build_site(tmp_path / "inline", HOTPAPERS_CSS="inline", **plugins))
    css_words = len(CSS.read_text(encoding="utf-8").split())
    for slug in ("hot-papers-2021-01-11", "hot-papers-2021-01-12"):
        assert inline[slug]["readtime"] >= linked[slug]["readtime"] + css_words - 3


@pytest.fixture
def two_language_site(tmp_path: Path, data_dir: Path) -> Path:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "content" / "laborneuigkeiten.md").write_text(
        GERMAN_ARTICLE, encoding="utf-8"
    )
    data_dir.rename(site / "hotpapers")
    return site


@pytest.mark.parametrize("first", ["i18n_subsites", "pelican_hotpapers"])
def test_subsite_filter_sees_the_articles_whichever_runs_first(
    two_language_site, first
):
    out = build_site(
        two_language_site,
        first=first,
        PLUGINS=["pelican_hotpapers", "i18n_subsites"],
        I18N_SUBSITES={"de": {}},
    )
    assert "hot-papers-2021-01-11.html" in article_links(out / "index.html")
    listed = [a["href"] for a in soup(out / "de" / "index.html").find_all("a")]
    assert any("laborneuigkeiten" in href for href in listed)
    assert not any("hot-papers" in href for href in listed)
    assert (out / "de" / "drafts" / "hot-papers-2021-01-11-en.html").exists()
    assert probe(out / "de")["hot-papers-2021-01-11"]["lang"] == "en"


def test_a_subsite_may_list_the_articles_in_its_language(two_language_site):
    out = build_site(
        two_language_site,
        PLUGINS=["pelican_hotpapers", "i18n_subsites"],
        I18N_SUBSITES={"de": {"HOTPAPERS_LANG": "de"}},
        I18N_UNTRANSLATED_ARTICLES="remove",
    )
    assert "hot-papers-2021-01-11.html" in article_links(out / "de" / "index.html")
    assert probe(out / "de")["hot-papers-2021-01-11"]["lang"] == "de"
    assert probe(out)["hot-papers-2021-01-11"]["lang"] == "en"
