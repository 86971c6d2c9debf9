"""The templates are the one renderer, and a theme's copy of any of them wins.

0.1 wrote its partials (``paper.html``, ``post-x.html``...) for
``{% include %}``; 0.2 writes them as macros that a page imports once. A
theme that copied 0.1's templates must still get the same pages: the tests
render every kind of page with those copies (``tests/data/templates-0.1/``)
as the theme's, all of them or one at a time, over the example site and
over generated sites full of awkward text, and hold them to the pages our
own templates write, byte for byte. Then they override each template in
turn, in either style, and check that the override takes effect.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader, FileSystemLoader, Template
from jinja2.runtime import Context
from markupsafe import escape

from pelican_hotpapers import archive, charts, render
from pelican_hotpapers.history import LoadedDay, SiteHistory
from pelican_hotpapers.models import Counts, Day, Entry, Link, Paper, Post
from pelican_hotpapers.ranking import rank_day
from pelican_hotpapers.render import (
    CSS_TEMPLATE,
    DAY_TEMPLATE,
    DIGEST_SUMMARY_TEMPLATE,
    DIGEST_TEMPLATE,
    PAPER_HISTORY_TEMPLATE,
    SUMMARY_TEMPLATE,
    Marks,
    Renderer,
    escape_text,
)
from pelican_hotpapers.settings import HotpapersSettings

EXAMPLE_DAYS = Path(__file__).parent.parent / "example_site" / "hotpapers"
#: Every template of 0.1, as a theme that copied them has them.
TEMPLATES_0_1 = Path(__file__).parent / "data" / "templates-0.1"
#: But the stylesheet, which 0.2 changed (it styles the new sources' cards):
#: a theme with 0.1's gets 0.1's, as it asked.
NAMES_0_1 = sorted(
    f"hotpapers/{path.name}"
    for path in (TEMPLATES_0_1 / "hotpapers").iterdir()
    if path.name != "hotpapers.css"
)

#: The templates each kind of page is made of.
PARTS = (
    "hotpapers/stylesheet.html",
    "hotpapers/paper.html",
    "hotpapers/trend.html",
    "hotpapers/categories.html",
    "hotpapers/post.html",
)
DAY_PAGE = (DAY_TEMPLATE, *PARTS)
DIGEST_PAGE = (DIGEST_TEMPLATE, *PARTS)
PAPER_HISTORY_PAGE = (
    PAPER_HISTORY_TEMPLATE,
    "hotpapers/categories.html",
    "hotpapers/post.html",
)

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


def site_settings(index: int) -> HotpapersSettings:
    pelican = {
        "TIMEZONE": "UTC",
        "HOTPAPERS_DIGESTS": ["week", "month"],
        "HOTPAPERS_TEMPLATE_CACHE": False,
    }
    pelican.update(SITES[index])
    return HotpapersSettings.from_pelican(pelican, Path.cwd())


@functools.cache
def site_renderer(index: int, theme: str | None = None) -> Renderer:
    """One renderer per site and theme, kept across examples, as a build
    keeps one. ``theme``: a template of 0.1 the theme has, or "all"."""
    if theme is None:
        loader = None
    elif theme == "all":
        loader = DictLoader(
            {name: (TEMPLATES_0_1 / name).read_text("utf-8") for name in NAMES_0_1}
        )
    else:
        loader = DictLoader({theme: (TEMPLATES_0_1 / theme).read_text("utf-8")})
    return Renderer(site_settings(index), loader)


def pages_of_site(renderer: Renderer, site: SiteHistory) -> dict[str, str]:
    """Every page body of ``site``, as a build renders them, by a name."""
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


def make_site(hp: HotpapersSettings, days: list[Day]) -> SiteHistory:
    """The index over ``days``, with digests and links, as a build makes it."""
    ranked = [rank_day(day, hp.ranking) for day in days]
    loaded = [LoadedDay(Path(f"{r.date}.json"), "", r) for r in ranked]
    today = max(day.date for day in days)
    site = SiteHistory.build(hp, loaded, {}, today=today)
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


def example_days() -> list[Day]:
    return [archive.read_day(path) for path in archive.day_files(EXAMPLE_DAYS)]


#: A paper's score, as paper.html of 0.1 writes it: exact (538.39), where
#: 0.2 writes it whole (538) with the ``score`` filter.
EXACT_SCORE = re.compile(r'(<span class="hotpapers-score">)(\d+(?:\.\d+)?)(</span>)')


def whole_scores(html: str) -> str:
    """A 0.1 page with its scores whole, as 0.2 shows them."""
    return EXACT_SCORE.sub(
        lambda m: m.group(1) + charts.number(float(m.group(2))) + m.group(3), html
    )


#: The sources that 0.1 knew.
SOURCES_0_1 = frozenset({"x", "bluesky", "hackernews"})


def example_days_of_0_1() -> list[Day]:
    """The example site's days from the sources 0.1 knew.

    0.1's templates predate the Hugging Face and Mastodon cards and the
    per-source line in each service's words: its ``paper.html`` writes
    "Hugging Face: 0 reposts, 163 likes" where ours write "163 upvotes, 1
    comments". A theme that kept that copy gets its own words, as it asked,
    so a day with those sources (2026-08-21), and the digests and paper pages
    made from it, are not the same page; the comparisons leave them out.
    """
    return [day for day in example_days() if set(day.sources) <= SOURCES_0_1]


def assert_same_pages(index: int, days: list[Day], theme: str = "all") -> None:
    site = make_site(site_settings(index), days)
    expected = pages_of_site(site_renderer(index), site)
    got = {
        name: whole_scores(html)
        for name, html in pages_of_site(site_renderer(index, theme), site).items()
    }
    assert got.keys() == expected.keys()
    for name, html in expected.items():
        assert got[name] == html, name


# --- The templates of 0.1, as a theme's --------------------------------------------


@pytest.mark.parametrize("index", range(len(SITES)))
def test_a_theme_with_every_template_of_0_1_gets_the_same_pages(index):
    days = example_days_of_0_1()
    site = make_site(site_settings(index), days)
    assert site.digests and site.pages
    assert_same_pages(index, days)


@pytest.mark.parametrize("name", NAMES_0_1)
def test_a_theme_with_one_template_of_0_1_gets_the_same_pages(name):
    """An include-style partial among our macros, and an include-style page
    (day.html of 0.1) around our macro partials, write what ours write."""
    assert_same_pages(1, example_days_of_0_1(), theme=name)


def test_the_0_1_partials_are_really_the_themes():
    """The comparisons above compare something: the 0.1 partial is the one
    rendered, through the context it had as an include."""
    loader = DictLoader(
        {
            "hotpapers/paper.html": "<i class=old>{{ entry.rank }} "
            "{{ entry.paper.title }}"
            "{% if digest is defined %} {{ period.key }}{% endif %}</i>"
        }
    )
    hp = site_settings(0)
    site = make_site(hp, example_days())
    renderer = Renderer(hp, loader)
    ranked = next(iter(site.timeline.days.values()))
    html = renderer.render_day(ranked, site.day_marks(ranked))
    first = ranked.entries[0]
    assert f"<i class=old>1 {escape(first.paper.title)}</i>" in html
    found = site.digests[0]
    digest = renderer.render_digest(found, Marks())
    assert f" {found.period.key}</i>" in digest


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


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(SITES) - 1), stored=days())
def test_generated_sites_are_written_by_0_1_themes_as_by_our_templates(index, stored):
    assert_same_pages(index, stored)


def quiet_days() -> list[Day]:
    """Two days on which one paper stays under the list, but not over the week."""
    paper = Paper("2101.00009", "Quiet but steady", categories=("cs.LG",))
    result = []
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
        result.append(
            Day(
                date=dt.date(2021, 1, 11 + offset),
                counts_taken_at=dt.datetime(2021, 1, 13, tzinfo=dt.UTC),
                sources=("x",),
                entries=(Entry(paper, (post,)),),
            )
        )
    return result


def test_what_no_build_of_the_example_shows_is_written_the_same_by_0_1_themes():
    hp = site_settings(0)
    site = make_site(hp, quiet_days())
    (week, *_) = site.digests
    # A paper on no day's list, but in the week's: its posts add up.
    assert week.ranked.entries
    assert not week.entry(week.ranked.entries[0].paper.arxiv_id).listings
    # A digest that knows nothing of a paper's days, and a day whose marks
    # link a paper page but give no trend mark.
    unknown = dataclasses.replace(week, entries={})
    ranked = next(iter(make_site(hp, example_days()).timeline.days.values()))
    pages_only = Marks(pages={e.paper.arxiv_id: "p.html?a&b" for e in ranked.entries})
    ours, theirs = site_renderer(0), site_renderer(0, "all")
    for found in (week, unknown):
        expected = ours.render_digest(found, Marks())
        assert whole_scores(theirs.render_digest(found, Marks())) == expected
    expected = ours.render_day(ranked, pages_only)
    assert whole_scores(theirs.render_day(ranked, pages_only)) == expected
    assert "All its days" in expected


# --- Jinja's own ways, and ours ----------------------------------------------------


def stock_renderer(index: int) -> Renderer:
    """Our templates through Jinja's own Template and Context classes."""
    original = render.make_environment

    def make(*args, **kwargs):
        env = original(*args, **kwargs)
        env.template_class = Template
        env.context_class = Context
        return env

    render.make_environment = make
    try:
        return Renderer(site_settings(index))
    finally:
        render.make_environment = original


@functools.cache
def stock(index: int) -> Renderer:
    return stock_renderer(index)


def test_our_escape_and_calls_are_installed_and_jinjas_are_not():
    ours = site_renderer(0).env.get_template("hotpapers/paper.html")
    assert ours.root_render_func.__globals__["escape"] is render._escape_output
    theirs = stock(0).env.get_template("hotpapers/paper.html")
    assert theirs.root_render_func.__globals__["escape"] is escape
    assert site_renderer(0).env.context_class is render._Context


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(SITES) - 1), stored=days())
def test_pages_are_written_as_jinjas_own_classes_write_them(index, stored):
    site = make_site(site_settings(index), stored)
    assert pages_of_site(site_renderer(index), site) == pages_of_site(
        stock(index), site
    )


@given(
    value=st.one_of(
        st.text(),
        st.integers(),
        st.floats(allow_nan=False),
        st.none(),
        st.text().map(escape),
    )
)
def test_the_escape_of_written_values_is_markupsafes(value):
    assert render._escape_output(value) == str(escape(value))


@given(text=st.text())
def test_escape_text_is_markupsafes_escape(text):
    assert escape_text(text) == str(escape(text))


def test_a_call_that_wants_the_context_still_gets_it():
    """The quick call is for macros and plain methods; the rest go Jinja's way."""
    from jinja2 import pass_context

    @pass_context
    def where(context):
        return context["here"]

    class Plain:
        def name(self, suffix):
            return "plain" + suffix

    env = render.make_environment(DictLoader({"t": "{{ where() }} {{ p.name('!') }}"}))
    assert env.get_template("t").render(where=where, here="ctx", p=Plain()) == (
        "ctx plain!"
    )


# --- Overrides ---------------------------------------------------------------------

#: What a theme's copy of each template writes: a mark the tests look for.
THEME_MARK = "<i class=theme>{{ 1 + 1 }}</i>"


def renderer_with(overrides: dict[str, str], **pelican) -> Renderer:
    hp = HotpapersSettings.from_pelican(
        {
            "HOTPAPERS_DIGESTS": ["week", "month"],
            "HOTPAPERS_TEMPLATE_CACHE": False,
            **pelican,
        },
        Path.cwd(),
    )
    return Renderer(hp, DictLoader(overrides))


def pages_of(renderer: Renderer, kind: str) -> list[str]:
    pages = pages_of_site(renderer, make_site(renderer.settings, example_days()))
    return [html for name, html in pages.items() if name.rsplit(" ", 1)[0] == kind]


@pytest.mark.parametrize(
    ("kind", "name"),
    [("day", name) for name in DAY_PAGE]
    + [("digest", name) for name in DIGEST_PAGE]
    + [("paper", name) for name in PAPER_HISTORY_PAGE]
    + [("summary", SUMMARY_TEMPLATE), ("digest summary", DIGEST_SUMMARY_TEMPLATE)],
)
def test_a_theme_template_of_a_page_wins(kind, name):
    renderer = renderer_with({name: THEME_MARK})
    pages = pages_of(renderer, kind)
    assert pages
    for html in pages:
        assert "<i class=theme>2</i>" in html


#: Each partial, written as 0.2 writes it: the macro that takes its place.
MACRO_OVERRIDES = {
    "hotpapers/paper.html": (
        "{% macro show_paper(entry, day, marks, digest=none) %}"
        "<i class=theme>{{ entry.rank }}</i>{% endmacro %}",
        "day",
    ),
    "hotpapers/trend.html": (
        "{% macro show_trend(entry, day, marks, digest=none) %}"
        "<i class=theme>{{ entry.rank }}</i>{% endmacro %}",
        "day",
    ),
    "hotpapers/categories.html": (
        "{% macro show_categories(paper) %}"
        "<i class=theme>{{ paper.arxiv_id }}</i>{% endmacro %}",
        "paper",
    ),
    "hotpapers/post.html": (
        "{% macro show_post(post, entry=none, day=none) %}"
        "<i class=theme>{{ post.id }}</i>{% endmacro %}",
        "day",
    ),
    "hotpapers/chart-sparkline.html": (
        "{% macro draw_sparkline(chart) %}"
        "<i class=theme>{{ chart.width }}</i>{% endmacro %}",
        "day",
    ),
    "hotpapers/chart.html": (
        "{% macro draw_chart(chart) %}"
        "<i class=theme>{{ chart.width }}</i>{% endmacro %}",
        "paper",
    ),
}


@pytest.mark.parametrize("name", sorted(MACRO_OVERRIDES))
def test_a_theme_macro_takes_the_place_of_ours(name):
    source, kind = MACRO_OVERRIDES[name]
    pages = pages_of(renderer_with({name: source}, HOTPAPERS_RANKING="robust"), kind)
    assert any("<i class=theme>" in html for html in pages)


def test_a_theme_flags_macro_labels_flagged_posts():
    flags = (
        "{% macro show_flags(flags) %}<i class=theme>"
        "{{ flags|map(attribute='kind')|join(',') }}</i>{% endmacro %}"
    )
    renderer = renderer_with(
        {"hotpapers/flags.html": flags}, HOTPAPERS_RANKING="robust"
    )
    day = rank_day(amplified_day(), renderer.settings.ranking)
    assert "<i class=theme>amplified</i>" in renderer.render_day(day)


def test_a_theme_can_extend_our_partial_and_keep_its_macro():
    """An override that extends ours gets the macro from ours."""
    renderer = renderer_with(
        {"hotpapers/paper.html": '{% extends "!hotpapers/hotpapers/paper.html" %}'}
    )
    assert pages_of(renderer, "day") == pages_of(site_renderer(0), "day")


@pytest.mark.parametrize("kind", ["day", "digest", "paper"])
def test_a_theme_stylesheet_wins_when_inline(kind):
    renderer = renderer_with(
        {CSS_TEMPLATE: ".theme { color: red }"}, HOTPAPERS_CSS="inline"
    )
    for html in pages_of(renderer, kind):
        assert "<style>.theme { color: red }</style>" in html


@pytest.mark.parametrize(
    "name", ["hotpapers/post-x.html", "hotpapers/post-bluesky.html"]
)
@pytest.mark.parametrize("style", ["include", "macro"])
def test_a_theme_post_template_wins_for_its_source_only(name, style):
    if style == "macro":
        source = (
            "{% macro show_post(post, entry=none, day=none) %}"
            f"{THEME_MARK}{{% endmacro %}}"
        )
    else:
        source = THEME_MARK
    renderer = renderer_with({name: source})
    wanted = name.removeprefix("hotpapers/post-").removesuffix(".html")
    site = make_site(renderer.settings, example_days())
    seen = 0
    for ranked in site.timeline.days.values():
        html = renderer.render_day(ranked, site.day_marks(ranked))
        shown = sum(
            post.source == wanted for entry in ranked.entries for post in entry.posts
        )
        assert html.count("<i class=theme>2</i>") == shown
        seen += shown
    for arxiv_id in site.pages:
        history = site.paper_history(arxiv_id, "..")
        html = renderer.render_paper_page(history)
        shown = sum(post.source == wanted for post in history.posts)
        assert html.count("<i class=theme>2</i>") == shown
        seen += shown
    assert seen


def toy_day(source: str, reposts: int = 60) -> Day:
    post = Post(
        source=source,
        id="1",
        url="https://example.org/1",
        author_name="Toy",
        author_handle="toy",
        text="A toy post",
        created_at=dt.datetime(2021, 1, 11, tzinfo=dt.UTC),
        counts=Counts(reposts=reposts, likes=60),
    )
    paper = Paper("2101.00001", "A toy paper")
    return Day(
        date=dt.date(2021, 1, 11),
        counts_taken_at=dt.datetime(2021, 1, 12, tzinfo=dt.UTC),
        sources=(source,),
        entries=(Entry(paper, (post,)),),
    )


def amplified_day() -> Day:
    """A post whose reposts are far beyond its likes: the robust rules flag it."""
    return toy_day("x", reposts=5000)


def test_a_theme_template_for_a_new_source_wins_and_others_stay_ours():
    renderer = renderer_with({"hotpapers/post-toy.html": THEME_MARK})
    hp = renderer.settings
    assert "<i class=theme>2</i>" in renderer.render_day(
        rank_day(toy_day("toy"), hp.ranking)
    )
    other = renderer.render_day(rank_day(toy_day("other"), hp.ranking))
    assert "<i class=theme>" not in other
    assert "hotpapers-post-other" in other
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
    ranked = rank_day(toy_day("x"), renderer.settings.ranking)
    with pytest.raises(Exception, match="Expected an expression"):
        renderer.render_day(ranked)


@pytest.mark.parametrize("size", ["sparkline", "full"])
def test_no_points_draw_no_chart(size):
    assert site_renderer(0).chart((), "Daily score", size) == ""


# --- The compiled templates, kept between builds ----------------------------------


def cached_renderer(where, theme=None) -> Renderer:
    hp = HotpapersSettings.from_pelican({"HOTPAPERS_TEMPLATE_CACHE": where}, Path.cwd())
    return Renderer(hp, theme)


def test_a_cache_folder_keeps_the_compiled_templates_for_the_next_build(
    tmp_path, monkeypatch
):
    folder = tmp_path / "jinja"
    ranked = rank_day(toy_day("x"), site_settings(0).ranking)
    first = cached_renderer(str(folder)).render_day(ranked)
    kept = sorted(path.name for path in folder.iterdir())
    assert kept and all(name.startswith("__pelican_hotpapers_") for name in kept)
    # The next build compiles nothing: every template comes from the folder.
    renderer = cached_renderer(str(folder))

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(renderer.env, "compile", refuse)
    assert renderer.render_day(ranked) == first


def test_a_changed_template_is_compiled_again(tmp_path):
    """Jinja keys the cache by a template's source: an edited override shows."""
    theme = tmp_path / "theme"
    (theme / "hotpapers").mkdir(parents=True)
    override = theme / "hotpapers" / "summary.html"
    ranked = rank_day(toy_day("x"), site_settings(0).ranking)
    pages = []
    for text in ("one", "two"):
        override.write_text(f"<i>{text}</i>", "utf-8")
        renderer = cached_renderer(str(tmp_path / "jinja"), FileSystemLoader(theme))
        pages.append(renderer.render_summary(ranked))
    assert pages == ["<i>one</i>", "<i>two</i>"]


def test_the_default_cache_is_jinjas_folder_for_the_user():
    import tempfile

    from jinja2 import FileSystemBytecodeCache

    cache = cached_renderer(True).env.bytecode_cache
    assert isinstance(cache, FileSystemBytecodeCache)
    assert Path(cache.directory).parent == Path(tempfile.gettempdir())
    assert cache.pattern.startswith("__pelican_hotpapers_")


def test_no_cache_keeps_nothing():
    assert cached_renderer(False).env.bytecode_cache is None


def test_a_cache_folder_that_cannot_be_made_costs_only_compiling(tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("", "utf-8")
    renderer = cached_renderer(str(blocked / "jinja"))
    assert renderer.env.bytecode_cache is None
    assert "hotpapers: HOTPAPERS_TEMPLATE_CACHE" in caplog.text
    ranked = rank_day(toy_day("x"), site_settings(0).ranking)
    assert "A toy paper" in renderer.render_day(ranked)


# --- The cards of Hugging Face and Mastodon ----------------------------------------


def free_sources_day() -> Day:
    """One paper listed on Hugging Face and tooted on Mastodon, with hostile text."""
    when = dt.datetime(2026, 8, 21, 9, 30, tzinfo=dt.UTC)
    listing = Post(
        source="huggingface",
        id="2608.01234",
        url="https://huggingface.co/papers/2608.01234",
        author_name="Ada <b>L</b>",
        author_handle="ada",
        text="Attention & <script>x</script>",
        created_at=when,
        counts=Counts(likes=212, replies=9),
        links=(Link("https://huggingface.co/papers/2608.01234", ""),),
    )
    status = Post(
        source="mastodon",
        id="https://sigmoid.social/users/bob/statuses/1",
        url="https://sigmoid.social/@bob/1",
        author_name="Bob",
        author_handle="bob@sigmoid.social",
        text="New preprint \u202e arxiv.org/abs/2608.01234",
        created_at=when,
        counts=Counts(reposts=14, likes=41, replies=2),
        lang="en",
    )
    return Day(
        date=dt.date(2026, 8, 21),
        counts_taken_at=dt.datetime(2026, 8, 22, 6, 30, tzinfo=dt.UTC),
        sources=("huggingface", "mastodon"),
        entries=(Entry(Paper("2608.01234", "A free paper"), (listing, status)),),
    )


def test_each_source_counts_in_its_own_words():
    renderer = site_renderer(0)
    html = renderer.render_day(rank_day(free_sources_day(), renderer.settings.ranking))
    assert (
        '<span class="hotpapers-source-huggingface">Hugging Face: 212 upvotes, '
        '9 comments</span> · <span class="hotpapers-source-mastodon">Mastodon: '
        "14 boosts, 41 favourites, 2 replies</span>"
    ) in html


def test_the_free_sources_have_static_cards_of_their_own():
    from bs4 import BeautifulSoup

    renderer = site_renderer(0)
    html = renderer.render_day(rank_day(free_sources_day(), renderer.settings.ranking))
    soup = BeautifulSoup(html, "html.parser")
    (hf,) = soup.select("blockquote.hotpapers-post-huggingface")
    assert hf.a["href"] == "https://huggingface.co/papers/2608.01234"
    assert hf.a.get_text() == "Attention & <script>x</script>"
    assert "submitted by Ada <b>L</b> (ada)" in hf.get_text()
    assert "212 upvotes · 9 comments" in hf.get_text()
    (toot,) = soup.select("blockquote.hotpapers-post-mastodon")
    assert "(@bob@sigmoid.social)" in toot.get_text()
    assert "14 boosts · 41 favourites · 2 replies" in toot.get_text()
    assert toot.find("a", href="https://sigmoid.social/@bob/1")
    # Markup in the text is text, and nothing is loaded from elsewhere.
    assert soup.find("script") is None and soup.find("b") is None
    assert not soup.select("[src]")


@pytest.mark.parametrize("source", ["huggingface", "mastodon"])
def test_a_theme_card_for_a_free_source_wins(source):
    renderer = renderer_with({f"hotpapers/post-{source}.html": THEME_MARK})
    html = renderer.render_day(rank_day(free_sources_day(), renderer.settings.ranking))
    assert html.count("<i class=theme>2</i>") == 1
