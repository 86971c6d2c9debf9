"""End-to-end: digests, paper pages, trend marks and JSON files in real builds."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pelican_hotpapers import archive, export
from pelican_hotpapers.models import Entry

from .conftest import EXAMPLE_SITE
from .factories import make_day, make_entry, make_paper, make_post
from .sites import build, build_from_file, soup

pytestmark = pytest.mark.build

D = dt.date(2021, 1, 11)


def build_example(tmp_path: Path, theme: str, **overrides) -> Path:
    return build_from_file(
        EXAMPLE_SITE / "pelicanconf.py", tmp_path, THEME=theme, **overrides
    )


def local_target(page: Path, href: str) -> Path:
    return (page.parent / href.split("#")[0]).resolve()


@pytest.mark.parametrize("theme", ["notmyidea", "simple"])
def test_example_site_builds_everything_across_days(tmp_path, theme, caplog):
    caplog.set_level(logging.WARNING)
    out = build_example(tmp_path, theme)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]

    # Digests: a week and a month, like the days' articles.
    week = soup(out / "hot-papers-2021-W02.html")
    assert "Hot Papers, week 2021-W02" in week.title.get_text()
    month = soup(out / "hot-papers-2021-01.html")
    assert "Hot Papers, January 2021" in month.title.get_text()
    for period in ("2025-W11", "2025-03", "2026-W34", "2026-08"):
        assert (out / f"hot-papers-{period}.html").exists()
    # Days, digests and paper pages are styled by the one stylesheet.
    for page in (
        out / "hot-papers-2021-01-11.html",
        out / "hot-papers-2021-W02.html",
        out / "papers" / "2101.03164.html",
    ):
        (href,) = [
            link["href"]
            for link in soup(page).find_all("link", rel="stylesheet")
            if "hotpapers.css" in link["href"]
        ]
        assert local_target(page, href) == (out / "hotpapers" / "hotpapers.css")
        assert local_target(page, href).is_file()
    first = week.select_one("section.hotpapers-paper")
    assert "best daily rank" in first.select_one(".hotpapers-trend").get_text()
    assert len(week.select("section.hotpapers-paper")) <= 10

    # Trend marks on a day: "new" or "day N on the list", with a sparkline.
    day = soup(out / "hot-papers-2021-01-13.html")
    marks = [m.get_text() for m in day.select(".hotpapers-mark")]
    assert "new" in marks
    assert any(re.fullmatch(r"day [2-9] on the list", m) for m in marks)
    assert len(day.select(".hotpapers-paper svg.hotpapers-sparkline")) == len(
        day.select("section.hotpapers-paper")
    )

    # Paper pages, linked from days and digests; their links lead to files.
    pages = sorted((out / "papers").glob("*.html"))
    assert pages
    for page_path in [
        out / "hot-papers-2021-01-13.html",
        out / "hot-papers-2021-W02.html",
    ]:
        links = soup(page_path).select("a.hotpapers-paper-page")
        assert links
        for link in links:
            assert local_target(page_path, link["href"]).is_file(), link["href"]
    paper = soup(pages[0])
    assert paper.select("table.hotpapers-days tbody tr")
    for link in paper.select(".hotpapers-days a, .hotpapers-digests a"):
        assert local_target(pages[0], link["href"]).is_file(), link["href"]
    assert paper.select_one("svg.hotpapers-chart-full")

    # Every chart is an image with its numbers in words, and loads nothing.
    for path in [out / "hot-papers-2021-01-13.html", pages[0]]:
        for svg in soup(path).select("svg"):
            assert svg["role"] == "img"
            assert re.search(r"\d{4}-\d{2}-\d{2}: \d", svg["aria-label"])
            assert "currentColor" in str(svg)
            assert not svg.select("script, image, use, foreignObject")

    # JSON files, valid by their schemas.
    index = json.loads((out / "hotpapers" / "index.json").read_text("utf-8"))
    export.validator("site-index")(index)
    assert [d["date"] for d in index["days"]] == [
        "2026-08-21",
        "2025-03-10",
        "2021-01-15",
        "2021-01-14",
        "2021-01-13",
        "2021-01-12",
        "2021-01-11",
    ]
    assert {d["period"] for d in index["digests"]} >= {"2021-W02", "2021-01"}
    for entry in index["days"]:
        document = json.loads(
            (out / entry["json"].removeprefix("https://lab.example.org/")).read_text(
                "utf-8"
            )
        )
        export.validator("site-day")(document)
        assert document["date"] == entry["date"]
    # The robust ranking's reasons travel with the list.
    reference = json.loads(
        (out / "hotpapers" / "2021-01-11.json").read_text(encoding="utf-8")
    )
    assert reference["ranking"]["mode"] == "robust"
    (stuffed,) = (
        e for e in reference["entries"] if e["paper"]["arxiv_id"] == "2101.02831"
    )
    assert stuffed["accounts"] == len(stuffed["counted_posts"]) == 1
    (post,) = stuffed["counted_posts"]
    assert {flag["kind"] for flag in post["flags"]} == {"amplified", "hashtag"}
    assert post["counts"] == {"reposts": 1155, "likes": 15, "quotes": 0, "replies": 0}
    assert post["counted"] < 1170 and post["reason"]


FIVE_SOURCES_DAY = "2026-08-21"


@pytest.mark.parametrize("theme", ["notmyidea", "simple"])
def test_the_example_day_from_five_sources_builds_with_fatal_errors(tmp_path, theme):
    """Issue 20's acceptance: ``pelican --fatal errors``, as the workflow runs
    it, builds the example site offline with its day from X, Bluesky, Hacker
    News, Hugging Face and Mastodon, in both themes."""
    out, cache = tmp_path / "output", tmp_path / "cache"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pelican", "-s", "pelicanconf.py"),
            *("-o", str(out), "--fatal", "errors"),
            *("-e", f'THEME="{theme}"', f'CACHE_PATH="{cache}"'),
            "LOAD_CONTENT_CACHE=false",
        ],
        cwd=EXAMPLE_SITE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    page = soup(out / f"hot-papers-{FIVE_SOURCES_DAY}.html")
    intro = page.select_one(".hotpapers-intro").get_text()
    assert "on X, Bluesky, HN, Hugging Face, Mastodon" in intro
    papers = page.select("section.hotpapers-paper")
    assert len(papers) == 8  # of the 17 stored: the rest score under 50
    first = papers[0]
    assert "EnvHarness" in first.h2.get_text()
    assert first.select_one(".hotpapers-by-source").get_text() == (
        "X: 129 reposts, 384 likes · Bluesky: 29 reposts, 117 likes · "
        "HN: 212 points, 58 comments · Hugging Face: 163 upvotes, 1 comments · "
        "Mastodon: 14 boosts, 41 favourites, 2 replies"
    )
    (hf,) = first.select("blockquote.hotpapers-post-huggingface")
    assert hf.a["href"] == "https://huggingface.co/papers/2608.19880"
    (toot,) = first.select("blockquote.hotpapers-post-mastodon")
    assert toot.find("a", href="https://sigmoid.social/@agentsrg/112000000000000001")
    assert len(first.select("blockquote.twitter-tweet")) == 2
    assert len(first.select("blockquote.bluesky-embed")) == 1
    assert len(first.select(".hotpapers-post-hackernews")) == 1
    # One paper is on Hugging Face alone; several on Hugging Face and Mastodon.
    lines = [p.select_one(".hotpapers-by-source").get_text() for p in papers]
    labels = [{part.split(":")[0] for part in line.split(" · ")} for line in lines]
    assert labels.count({"Hugging Face"}) == 1
    assert labels.count({"Hugging Face", "Mastodon"}) == 3
    assert not page.find_all("script")


def test_a_paper_listed_on_one_day_has_no_page(tmp_path):
    data = tmp_path / "data"
    archive.write_day(
        data, make_day(D, entries=(make_entry("2101.00001", ((60, 0),)),))
    )
    archive.write_day(
        data,
        make_day(
            D + dt.timedelta(1),
            entries=(
                make_entry("2101.00001", ((70, 0),)),
                make_entry("2101.00002", ((90, 0),)),
            ),
        ),
    )
    out = build(tmp_path, data)
    assert sorted(p.name for p in (out / "papers").iterdir()) == ["2101.00001.html"]
    day = soup(out / "hot-papers-2021-01-12.html")
    hrefs = [a["href"] for a in day.select("a.hotpapers-paper-page")]
    assert hrefs == ["https://lab.example.org/papers/2101.00001.html"]
    page = soup(out / "papers" / "2101.00001.html")
    days = [a["href"] for a in page.select(".hotpapers-days a")]
    assert days == [
        "https://lab.example.org/hot-papers-2021-01-11.html",
        "https://lab.example.org/hot-papers-2021-01-12.html",
    ]
    out = build(tmp_path, data, HOTPAPERS_PAPER_PAGES_MIN_DAYS=1)
    assert len(list((out / "papers").iterdir())) == 2


def test_paper_urls_follow_the_settings_and_old_ids_are_safe(tmp_path):
    data = tmp_path / "data"
    old = "hep-th/9901001"
    for n in range(2):
        archive.write_day(
            data,
            make_day(D + dt.timedelta(n), entries=(make_entry(old, ((60, 0),)),)),
        )
    out = build(
        tmp_path,
        data,
        RELATIVE_URLS=True,
        HOTPAPERS_PAPER_URL="p/{slug}/",
        HOTPAPERS_PAPER_SAVE_AS="p/{slug}/index.html",
    )
    page_path = out / "p" / "hep-th-9901001" / "index.html"
    assert page_path.is_file()
    day_path = out / "hot-papers-2021-01-12.html"
    href = soup(day_path).select_one("a.hotpapers-paper-page")["href"]
    assert href == "./p/hep-th-9901001/"
    back = soup(page_path).select_one(".hotpapers-days a")["href"]
    assert back == "../../hot-papers-2021-01-11.html"
    assert local_target(page_path, back).is_file()


def test_a_period_in_progress_is_marked_so_far(tmp_path):
    today = dt.datetime.now(ZoneInfo("UTC")).date()
    data = tmp_path / "data"
    archive.write_day(data, make_day(today))
    out = build(tmp_path, data, HOTPAPERS_DIGESTS=["week", "month"])
    year, week, _ = today.isocalendar()
    page = soup(out / f"hot-papers-{year}-W{week:02d}.html")
    assert page.title.get_text().startswith(
        f"Hot Papers, week {year}-W{week:02d} (so far)"
    )
    assert page.select_one(".hotpapers-so-far")
    month = soup(out / f"hot-papers-{today:%Y-%m}.html")
    assert "(so far)" in month.title.get_text()


def test_digest_settings(tmp_path, data_dir):
    out = build(
        tmp_path,
        data_dir,
        HOTPAPERS_DIGESTS=["week"],
        HOTPAPERS_DIGEST_TITLE="Best of {period}",
        HOTPAPERS_DIGEST_SLUG="best-{period}",
        HOTPAPERS_DIGEST_MAX_PAPERS=1,
    )
    page = soup(out / "best-2021-W02.html")
    assert "Best of week 2021-W02" in page.title.get_text()
    assert "(so far)" not in page.title.get_text()
    assert len(page.select("section.hotpapers-paper")) == 1
    assert not list(out.glob("*2021-01.html"))
    # Filed like the days, dated at the end of the week.
    assert (out / "category" / "arxiv.html").read_text("utf-8").count("best-2021-W02")
    assert page.find("abbr", class_="published")["title"] == "2021-01-17T23:59:59+00:00"


def test_no_digests_by_default_and_outputs_can_be_turned_off(tmp_path, data_dir):
    out = build(tmp_path, data_dir)
    assert not list(out.glob("*W0*.html"))
    assert (out / "hotpapers" / "index.json").is_file()
    assert (out / "papers").is_dir()
    out = build(
        tmp_path,
        data_dir,
        HOTPAPERS_PAPER_PAGES=False,
        HOTPAPERS_JSON=False,
        DELETE_OUTPUT_DIRECTORY=True,
    )
    assert not list(out.glob("hotpapers/*.json"))
    assert not (out / "papers").exists()
    assert not soup(out / "hot-papers-2021-01-12.html").select("a.hotpapers-paper-page")


def test_paper_pages_escape_what_strangers_wrote(tmp_path):
    data = tmp_path / "data"
    title = "<script>alert(1)</script> & </title>"
    paper = make_paper("2101.00001", title=title)
    for n in range(2):
        post = make_post(("2101.00001",), 60, 0, text="<img src=x onerror=alert(1)>")
        archive.write_day(
            data, make_day(D + dt.timedelta(n), entries=(Entry(paper, (post,)),))
        )
    out = build(tmp_path, data)
    html = (out / "papers" / "2101.00001.html").read_text("utf-8")
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    page = soup(out / "papers" / "2101.00001.html")
    assert page.select_one("h1.entry-title").get_text() == title
    assert title in page.title.get_text()
