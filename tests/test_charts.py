"""Chart geometry and its text alternative."""

from __future__ import annotations

import datetime as dt

from pelican_hotpapers.charts import line_chart, number

D = dt.date(2021, 1, 11)


def test_the_text_alternative_gives_every_listed_number():
    points = ((D, 100.0), (D + dt.timedelta(1), None), (D + dt.timedelta(2), 50.5))
    chart = line_chart(points, "Daily score", width=100, height=20, pad=0)
    assert chart.description == (
        "Daily score, 2021-01-11 to 2021-01-13: 2021-01-11: 100; "
        "2021-01-13: 50.50; not listed on the other days."
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


def test_numbers_are_whole_when_whole():
    assert number(3.0) == "3"
    assert number(2.5) == "2.50"
