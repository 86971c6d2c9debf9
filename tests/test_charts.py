"""Chart geometry and its text alternative."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader, FileSystemLoader

from pelican_hotpapers.charts import line_chart, number
from pelican_hotpapers.render import CHART_SIZES, CHART_TEMPLATES, Renderer
from pelican_hotpapers.settings import HotpapersSettings

D = dt.date(2021, 1, 11)
#: The chart templates of 0.1, written for ``{% include %}`` with ``chart``.
TEMPLATES_0_1 = Path(__file__).parent / "data" / "templates-0.1"


def test_the_text_alternative_gives_every_listed_number():
    points = ((D, 100.0), (D + dt.timedelta(1), None), (D + dt.timedelta(2), 50.5))
    chart = line_chart(points, "Daily score", width=100, height=20, pad=0)
    assert chart.description == (
        "Daily score, 2021-01-11 to 2021-01-13: 2021-01-11: 100; "
        "2021-01-13: 51; not listed on the other days."
    )
    # The highest score touches the top, a day off the list the baseline.
    assert chart.line == "M0 0 L50 20 L100 9.9"
    assert [(m.x, m.y, m.value) for m in chart.marks] == [(0, 0, 100), (100, 9.9, 50.5)]
    assert chart.baseline == 20
    assert chart.max_value == 100


def test_one_point_and_no_points():
    chart = line_chart(((D, 7.0),), "Daily score", width=10, height=10)
    assert chart.description == "Daily score, 2021-01-11: 2021-01-11: 7."
    assert chart.marks[0].x == 5
    assert line_chart((), "Daily score", width=10, height=10) is None


def test_scores_are_shown_as_whole_numbers_half_rounded_up():
    assert number(3.0) == "3"
    assert number(2.5) == "3"
    assert number(538.39) == "538"
    assert number(0.49) == "0"
    assert number(1e6 + 0.5) == "1000001"


# --- Our macros, and the templates of 0.1 -------------------------------------

#: Titles that a theme or a caller might pass: markup, quotes, entities.
TITLES = st.sampled_from(
    ("Daily score", "<b>\"x\" & 'y'</b>", "&amp; <script>", "Ünïcødé ✓")
)
SCORES = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**6),
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda v: round(v, 2)),
)


@settings(max_examples=200, deadline=None)
@given(
    scores=st.lists(SCORES, min_size=1, max_size=40),
    title=TITLES,
    size=st.sampled_from(tuple(CHART_TEMPLATES)),
)
def test_our_chart_macros_draw_what_the_0_1_templates_drew(scores, title, size):
    """A chart is the same markup whether a theme has 0.1's chart template
    (included with ``chart``) or ours (a macro)."""
    renderer = Renderer(HotpapersSettings.from_pelican({}, Path.cwd()))
    old = Renderer(
        HotpapersSettings.from_pelican({}, Path.cwd()),
        FileSystemLoader(str(TEMPLATES_0_1)),
    )
    points = tuple((D + dt.timedelta(n), score) for n, score in enumerate(scores))
    width, height = CHART_SIZES[size]
    chart = line_chart(points, title, width=width, height=height)
    template = old.env.get_template(CHART_TEMPLATES[size])
    expected = template.render(chart=chart, hotpapers=old.settings).strip()
    assert str(old.chart(points, title, size)) == expected
    assert str(renderer.chart(points, title, size)) == expected


@pytest.mark.parametrize("size", tuple(CHART_TEMPLATES))
def test_a_theme_chart_template_still_wins(size):
    loader = DictLoader({CHART_TEMPLATES[size]: "<i>{{ chart.description }}</i>"})
    renderer = Renderer(HotpapersSettings.from_pelican({}, Path.cwd()), loader)
    points = ((D, 5.0), (D + dt.timedelta(1), None))
    assert str(renderer.chart(points, "<Daily>", size)) == (
        "<i>&lt;Daily&gt;, 2021-01-11 to 2021-01-12: 2021-01-11: 5; "
        "not listed on the other days.</i>"
    )
