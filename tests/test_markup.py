"""markup.py writes our templates' bytes, and a theme's template still wins.

The renderer writes a page in Python only while the site overrides none of
the templates the page is made of. These tests render every kind of page
both ways, through the templates and through markup.py, over the example
site and over generated sites full of awkward text, and hold the two equal
byte for byte; then they override each template in turn and check that the
override takes effect.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader
from markupsafe import escape

from pelican_hotpapers import archive
from pelican_hotpapers.history import LoadedDay, SiteHistory
from pelican_hotpapers.markup import DefaultMarkup, escape_text
from pelican_hotpapers.models import Counts, Day, Entry, Link, Paper, Post
from pelican_hotpapers.ranking import rank_day
from pelican_hotpapers.render import (
    CSS_TEMPLATE,
    DAY_PAGE,
    DAY_TEMPLATE,
    DIGEST_PAGE,
    DIGEST_SUMMARY_TEMPLATE,
    DIGEST_TEMPLATE,
    PAPER_HISTORY_PAGE,
    PAPER_HISTORY_TEMPLATE,
    SUMMARY_TEMPLATE,
    Marks,
    Renderer,
)
from pelican_hotpapers.settings import HotpapersSettings

EXAMPLE_DAYS = Path(__file__).parent.parent / "example_site" / "hotpapers"

#: Settings that change what the templates write, one site each.
SITES = (
    {},
    {"HOTPAPERS_RANKING": "robust", "HOTPAPERS_EMBED_SCRIPT": True},
    {"HOTPAPERS_CSS": "inline", "HOTPAPERS_SUMMARY_PAPERS": 0},
    {
        "HOTPAPERS_CSS": None,
        "HOTPAPERS_TIME_FORMAT": "<%H> & '%M'",
        "HOTPAPERS_SUMMARY_PAPERS": 1,
        "TIMEZONE": "Asia/Kolkata",
    },
)


@functools.cache
def site_renderer(index: int) -> Renderer:
    """One renderer per site, kept across examples, as a build keeps one."""
    pelican = {"TIMEZONE": "UTC", "HOTPAPERS_DIGESTS": ["week", "month"]}
    pelican.update(SITES[index])
    return Renderer(HotpapersSettings.from_pelican(pelican, Path.cwd()))


def through_templates(renderer: Renderer, site: SiteHistory) -> dict[str, str]:
    """Every page body of ``site``, rendered by our templates, by a name."""
    env = renderer.env
    pages = {}
    for ranked in site.timeline.days.values():
        context = renderer._context(ranked, site.day_marks(ranked))
        pages[f"day {ranked.date}"] = env.get_template(DAY_TEMPLATE).render(context)
        summary = env.get_template(SUMMARY_TEMPLATE).render(context).strip()
        pages[f"summary {ranked.date}"] = summary
    for found in site.digests:
        marks = Marks(pages=site.page_links(found.ranked))
        extra = {"digest": found, "period": found.period}
        context = renderer._context(found.ranked, marks)
        key = found.period.key
        pages[f"digest {key}"] = env.get_template(DIGEST_TEMPLATE).render(
            context, **extra
        )
        pages[f"digest summary {key}"] = (
            env.get_template(DIGEST_SUMMARY_TEMPLATE).render(context, **extra).strip()
        )
    for arxiv_id in site.pages:
        history = site.paper_history(arxiv_id, "..")
        pages[f"paper {arxiv_id}"] = env.get_template(PAPER_HISTORY_TEMPLATE).render(
            paper=history.paper, history=history, hotpapers=renderer.settings
        )
    return pages


def through_renderer(renderer: Renderer, site: SiteHistory) -> dict[str, str]:
    """The same pages as :func:`through_templates`, as a build renders them."""
    pages = {}
    for ranked in site.timeline.days.values():
        pages[f"day {ranked.date}"] = renderer.render_day(
            ranked, site.day_marks(ranked)
        )
        pages[f"summary {ranked.date}"] = renderer.render_summary(ranked)
    for found in site.digests:
        marks = Marks(pages=site.page_links(found.ranked))
        key = found.period.key
        pages[f"digest {key}"] = renderer.render_digest(found, marks)
        pages[f"digest summary {key}"] = renderer.render_digest_summary(found)
    for arxiv_id in site.pages:
        history = site.paper_history(arxiv_id, "..")
        pages[f"paper {arxiv_id}"] = renderer.render_paper_page(history)
    return pages


def make_site(renderer: Renderer, days: list[Day]) -> SiteHistory:
    """The index over ``days``, with digests and links, as a build makes it."""
    hp = renderer.settings
    ranked = [rank_day(day, hp.ranking) for day in days]
    loaded = [LoadedDay(Path(f"{r.date}.json"), "", r) for r in ranked]
    today = max(day.date for day in days)
    site = SiteHistory.build(hp, loaded, {}, today=today)
    site.renderer = renderer
    # Every other day has an article URL, with characters to escape.
    for number, day in enumerate(days):
        if number % 2 == 0:
            site.day_urls[day.date] = f"hot-papers-{day.date}.html?a=<b>&c='d'"
    timeline = site.timeline
    for kind in hp.history.digests:
        for period in timeline.periods(kind):
            found = timeline.digest(
                period, hp.ranking, hp.history.digest_max_papers, site.today
            )
            timeline.record(found)
            site.digests.append(found)
            site.digest_urls[(kind, period.key)] = f"{period.key}.html"
    return site


def assert_same_pages(renderer: Renderer, site: SiteHistory) -> None:
    expected = through_templates(renderer, site)
    got = through_renderer(renderer, site)
    assert got.keys() == expected.keys()
    for name, html in expected.items():
        assert got[name] == html, name


# --- The example site ------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(SITES)))
def test_the_example_site_is_written_as_the_templates_write_it(index):
    renderer = site_renderer(index)
    days = [archive.read_day(path) for path in archive.day_files(EXAMPLE_DAYS)]
    site = make_site(renderer, days)
    assert site.digests and site.pages
    assert_same_pages(renderer, site)


# --- Generated sites -----------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(list("<>\"'&\n\r#@ ")),
    max_size=12,
)
#: Pieces of a post's text: words, marked and unmarked links, mentions, tags.
POST_WORDS = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "https://t.co/abc",
            "https://t.co/abc).",
            "HTTPS://t.co/abc",
            "http://example.org/<x>",
            "arxiv.org/abs/2101.00001",
            "@some_one.",
            "@a.bsky.social",
            "#tag",
            "a#b",
            "&amp;",
        ]
    ),
)
LINKS = st.lists(
    st.builds(
        Link,
        url=st.sampled_from(["https://t.co/abc", "arxiv.org/abs/2101.00001", ""]),
        expanded_url=st.sampled_from(
            ["https://arxiv.org/abs/2101.00001", "javascript:alert(1)", "", "<x>"]
        ),
        display_url=st.one_of(st.just(""), TEXT),
    ),
    max_size=2,
)
SOURCES = ("x", "bluesky", "hackernews", "toy")
WHEN = st.datetimes(
    min_value=dt.datetime(2021, 1, 1),
    max_value=dt.datetime(2021, 2, 1),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5))]),
)
COUNT = st.integers(min_value=0, max_value=150)


@st.composite
def posts(draw) -> Post:
    source = draw(st.sampled_from(SOURCES))
    return Post(
        source=source,
        id=draw(st.sampled_from(["1", "2", "3", "at://did:plc:x/<y>"])),
        url=draw(
            st.sampled_from(["https://x.com/a/status/1", "javascript:x", "", "<u>"])
        ),
        author_name=draw(TEXT),
        author_handle=draw(st.sampled_from(["ada", "bob", "<c>"])),
        text=" ".join(draw(st.lists(POST_WORDS, max_size=6))),
        created_at=draw(WHEN),
        counts=Counts(draw(COUNT), draw(COUNT), draw(COUNT), draw(COUNT)),
        lang=draw(st.sampled_from(["", "en", 'e"n'])),
        links=tuple(draw(LINKS)),
        author_id=draw(st.sampled_from(["", "u1", "u2"])),
        author_followers=draw(st.one_of(st.none(), st.integers(0, 10**6))),
    )


@st.composite
def papers(draw) -> Paper:
    return Paper(
        arxiv_id=draw(
            st.sampled_from(
                ["2101.00001", "2101.00002", "2101.00003", "hep-th/9901001"]
            )
        ),
        # Some longer than a summary shows.
        title=draw(st.one_of(TEXT, TEXT.map(lambda text: "A long title " * 10 + text))),
        authors=tuple(draw(st.lists(TEXT, max_size=3))),
        abstract=draw(TEXT),
        categories=tuple(
            draw(st.lists(st.sampled_from(["cs.LG", "stat.ML", "<b>", ""]), max_size=3))
        ),
        published=draw(st.one_of(st.none(), st.dates())),
    )


@st.composite
def days(draw) -> list[Day]:
    """One to four days in a row, whose papers come back from day to day."""
    start = draw(st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2021, 3, 1)))
    result = []
    for offset in range(draw(st.integers(1, 4))):
        entries = {}
        for _ in range(draw(st.integers(0, 3))):
            paper = draw(papers())
            entries[paper.arxiv_id] = Entry(
                paper, tuple(draw(st.lists(posts(), min_size=1, max_size=3)))
            )
        date = start + dt.timedelta(days=offset)
        result.append(
            Day(
                date=date,
                counts_taken_at=draw(WHEN),
                sources=tuple(draw(st.lists(st.sampled_from(SOURCES), max_size=3))),
                entries=tuple(entries.values()),
                failed_sources=tuple(
                    draw(st.lists(st.sampled_from(SOURCES), max_size=2))
                ),
            )
        )
    return result


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(SITES) - 1), stored=days())
def test_generated_sites_are_written_as_the_templates_write_them(index, stored):
    renderer = site_renderer(index)
    assert_same_pages(renderer, make_site(renderer, stored))


@given(text=st.text())
def test_escape_text_is_markupsafes_escape(text):
    assert escape_text(text) == str(escape(text))


# --- Overrides ---------------------------------------------------------------------

#: What a theme's copy of each template writes: a mark the tests look for.
THEME_MARK = "<i class=theme>{{ 1 + 1 }}</i>"


def example_site(renderer: Renderer) -> SiteHistory:
    days = [archive.read_day(path) for path in archive.day_files(EXAMPLE_DAYS)]
    return make_site(renderer, days)


@pytest.fixture
def written_in_python(monkeypatch):
    """Make markup.py's pages say so, to tell them from the templates' pages."""
    for name in ("day", "digest", "paper_history", "summary", "digest_summary"):
        monkeypatch.setattr(DefaultMarkup, name, lambda *args: "PYTHON")


def test_without_overrides_every_page_is_written_in_python(written_in_python):
    renderer = Renderer(HotpapersSettings.from_pelican({}, Path.cwd()))
    pages = through_renderer(renderer, example_site(renderer))
    assert set(pages.values()) == {"PYTHON"}


def renderer_with(overrides: dict[str, str], **pelican) -> Renderer:
    hp = HotpapersSettings.from_pelican(
        {"HOTPAPERS_DIGESTS": ["week", "month"], **pelican}, Path.cwd()
    )
    return Renderer(hp, DictLoader(overrides))


def pages_of(renderer: Renderer, kind: str) -> list[str]:
    pages = through_renderer(renderer, example_site(renderer))
    return [html for name, html in pages.items() if name.rsplit(" ", 1)[0] == kind]


@pytest.mark.parametrize(
    ("kind", "name"),
    [("day", name) for name in DAY_PAGE]
    + [("digest", name) for name in DIGEST_PAGE]
    + [("paper", name) for name in PAPER_HISTORY_PAGE]
    + [("summary", SUMMARY_TEMPLATE), ("digest summary", DIGEST_SUMMARY_TEMPLATE)],
)
def test_a_theme_template_of_a_page_wins(written_in_python, kind, name):
    renderer = renderer_with({name: THEME_MARK})
    for html in pages_of(renderer, kind):
        assert "<i class=theme>2</i>" in html
    # The other kinds of page are still written in Python.
    assert "PYTHON" in pages_of(renderer, "summary" if kind != "summary" else "day")


@pytest.mark.parametrize("kind", ["day", "digest", "paper"])
def test_a_theme_stylesheet_wins_when_inline(written_in_python, kind):
    renderer = renderer_with(
        {CSS_TEMPLATE: ".theme { color: red }"}, HOTPAPERS_CSS="inline"
    )
    for html in pages_of(renderer, kind):
        assert "<style>.theme { color: red }</style>" in html


def test_a_theme_stylesheet_changes_nothing_when_linked(written_in_python):
    renderer = renderer_with({CSS_TEMPLATE: ".theme { color: red }"})
    assert set(pages_of(renderer, "day")) == {"PYTHON"}


@pytest.mark.parametrize(
    "name", ["hotpapers/post-x.html", "hotpapers/post-bluesky.html"]
)
def test_a_theme_post_template_wins_for_its_source_only(name):
    renderer = renderer_with({name: THEME_MARK})
    source = name.removeprefix("hotpapers/post-").removesuffix(".html")
    site = example_site(renderer)
    for ranked in site.timeline.days.values():
        html = renderer.render_day(ranked, site.day_marks(ranked))
        shown = sum(
            post.source == source for entry in ranked.entries for post in entry.posts
        )
        assert html.count("<i class=theme>2</i>") == shown
    for arxiv_id in site.pages:
        history = site.paper_history(arxiv_id, "..")
        html = renderer.render_paper_page(history)
        shown = sum(post.source == source for post in history.posts)
        assert html.count("<i class=theme>2</i>") == shown


def toy_day(source: str) -> Day:
    post = Post(
        source=source,
        id="1",
        url="https://example.org/1",
        author_name="Toy",
        author_handle="toy",
        text="A toy post",
        created_at=dt.datetime(2021, 1, 11, tzinfo=dt.UTC),
        counts=Counts(reposts=60, likes=60),
    )
    paper = Paper("2101.00001", "A toy paper")
    return Day(
        date=dt.date(2021, 1, 11),
        counts_taken_at=dt.datetime(2021, 1, 12, tzinfo=dt.UTC),
        sources=(source,),
        entries=(Entry(paper, (post,)),),
    )


def test_a_theme_template_for_a_new_source_wins_and_others_stay_in_python(
    written_in_python,
):
    renderer = renderer_with({"hotpapers/post-toy.html": THEME_MARK})
    hp = renderer.settings
    assert "<i class=theme>2</i>" in renderer.render_day(
        rank_day(toy_day("toy"), hp.ranking)
    )
    assert renderer.render_day(rank_day(toy_day("other"), hp.ranking)) == "PYTHON"
    # Asked again, the renderer still knows the toy source's template is the theme's.
    assert "<i class=theme>2</i>" in renderer.render_day(
        rank_day(toy_day("toy"), hp.ranking)
    )


def test_a_theme_generic_post_template_wins_for_sources_without_their_own():
    renderer = renderer_with({"hotpapers/post-generic.html": THEME_MARK})
    hp = renderer.settings
    toy = renderer.render_day(rank_day(toy_day("toy"), hp.ranking))
    assert "<i class=theme>2</i>" in toy
    x_day = renderer.render_day(rank_day(toy_day("x"), hp.ranking))
    assert "<i class=theme>2</i>" not in x_day
    assert "twitter-tweet" in x_day


def test_a_broken_theme_template_fails_as_it_always_has():
    """A template that does not compile is reported by Jinja, not hidden."""
    renderer = renderer_with({"hotpapers/paper.html": "{% if %}"})
    site = example_site(renderer)
    ranked = next(iter(site.timeline.days.values()))
    with pytest.raises(Exception, match="Expected an expression"):
        renderer.render_day(ranked, site.day_marks(ranked))


@pytest.mark.parametrize(
    ("pelican", "kept"),
    [
        ({"HOTPAPERS_PAPER_PAGES": False}, False),
        ({}, True),
        ({"HOTPAPERS_PAPER_PAGES": False, "HOTPAPERS_DIGESTS": ["week"]}, True),
    ],
)
def test_post_texts_are_kept_only_for_pages_that_show_them_again(pelican, kept):
    """Digests and paper pages show a day's posts again; without either, a
    site of ten years would hold every post's text for nothing."""
    renderer = Renderer(HotpapersSettings.from_pelican(pelican, Path.cwd()))
    day = rank_day(toy_day("x"), renderer.settings.ranking)
    html = renderer.render_day(day)
    assert bool(renderer._markup._texts) is kept
    assert renderer.render_day(day) == html


def test_a_site_that_overrides_nothing_compiles_none_of_our_templates(monkeypatch):
    """Compiling them took 60 ms a build, for templates markup.py writes.

    Only the stylesheet is, when it is inline: markup.py puts in what it renders.
    """
    renderer = Renderer(
        HotpapersSettings.from_pelican(
            {"HOTPAPERS_DIGESTS": ["week", "month"], "HOTPAPERS_CSS": "inline"},
            Path.cwd(),
        )
    )
    site = example_site(renderer)

    compile_css = renderer.env.compile

    def compile_(source, name=None, *args, **kwargs):
        assert name == CSS_TEMPLATE, f"{name} was compiled"
        return compile_css(source, name, *args, **kwargs)

    monkeypatch.setattr(renderer.env, "compile", compile_)
    for html in through_renderer(renderer, site).values():
        assert html


def quiet_days() -> list[Day]:
    """Two days on which one paper stays under the list, but not over the week."""
    paper = Paper("2101.00009", "Quiet but steady", categories=("cs.LG",))
    days = []
    for offset in range(2):
        post = Post(
            source="x",
            id=str(offset),
            url=f"https://x.com/a/status/{offset}",
            author_name="A",
            author_handle=f"a{offset}",
            text="A paper",
            created_at=dt.datetime(2021, 1, 11 + offset, tzinfo=dt.UTC),
            counts=Counts(reposts=15, likes=15),
        )
        days.append(
            Day(
                date=dt.date(2021, 1, 11 + offset),
                counts_taken_at=dt.datetime(2021, 1, 13, tzinfo=dt.UTC),
                sources=("x",),
                entries=(Entry(paper, (post,)),),
            )
        )
    return days


def test_what_no_build_of_the_example_shows_is_written_as_the_templates_write_it():
    renderer = site_renderer(0)
    site = make_site(renderer, quiet_days())
    (week, *_) = site.digests
    # A paper on no day's list, but in the week's: its posts add up.
    assert week.ranked.entries
    assert not week.entry(week.ranked.entries[0].paper.arxiv_id).listings
    # A digest that knows nothing of a paper's days, and a day whose marks
    # link a paper page but give no trend mark.
    unknown = dataclasses.replace(week, entries={})
    example = example_site(renderer)
    ranked = next(iter(example.timeline.days.values()))
    pages_only = Marks(pages={e.paper.arxiv_id: "p.html?a&b" for e in ranked.entries})
    for found, marks in ((week, Marks()), (unknown, Marks())):
        context = renderer._context(found.ranked, marks)
        template = renderer.env.get_template(DIGEST_TEMPLATE)
        expected = template.render(context, digest=found, period=found.period)
        assert renderer.render_digest(found, marks) == expected
    expected = renderer.env.get_template(DAY_TEMPLATE).render(
        renderer._context(ranked, pages_only)
    )
    assert renderer.render_day(ranked, pages_only) == expected
    assert "All its days" in expected


@pytest.mark.parametrize("size", ["sparkline", "full"])
def test_no_points_draw_no_chart(size):
    assert site_renderer(0).chart((), "Daily score", size) == ""
