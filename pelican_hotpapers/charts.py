"""A paper's daily scores as a small static SVG chart.

Charts are drawn from numbers at build time: no script runs and nothing is
loaded from a third party. :func:`line_chart` computes the coordinates and
the text alternative. The markup is in the overridable templates
``hotpapers/chart-sparkline.html`` and ``hotpapers/chart.html``, where
colours come from ``currentColor`` and CSS classes, so a theme restyles them.

A day shows a sparkline beside every paper, and a template call per chart
cost more than the rest of the paper's markup. So the markup of those two
templates is also written out here (:func:`sparkline_svg`, :func:`full_svg`),
and the renderer uses it while the site has not overridden the template.
``tests/test_charts.py`` renders both ways and holds them byte for byte
equal: the templates stay the reference, and an override still wins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from pelican_hotpapers.markup import escape_text
from pelican_hotpapers.timeline import Points


@dataclass(frozen=True, slots=True)
class Mark:
    """A listed day: a dot on the line."""

    x: float
    y: float
    date: dt.date
    value: float


@dataclass(frozen=True, slots=True)
class Chart:
    """Coordinates in a ``width`` x ``height`` box, and the numbers in words."""

    width: int
    height: int
    #: The SVG path of the line over every day (0 where not listed).
    line: str
    marks: tuple[Mark, ...]
    max_value: float
    first: dt.date
    last: dt.date
    #: The text alternative: every listed day and its score.
    description: str
    #: Where the value axis is 0, for a baseline.
    baseline: float


def number(value: float) -> str:
    """A score as readers see it elsewhere: whole when whole."""
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def _coordinate(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=64)
def _columns(
    count: int, width: int, height: int, pad: float
) -> tuple[tuple[float, ...], tuple[str, ...], tuple[str, ...]]:
    """Each point's x rounded for its mark, its path command up to the y, and
    its whole command on the baseline.

    They depend only on a chart's size and how many points it has, and a
    site draws thousands of charts of a few sizes, mostly on the baseline.
    """
    if count == 1:
        xs = [width / 2]
    else:
        inner_w = width - 2 * pad
        xs = [pad + inner_w * index / (count - 1) for index in range(count)]
    commands = tuple(
        f"{'M' if index == 0 else 'L'}{_coordinate(x)} " for index, x in enumerate(xs)
    )
    bottom = _coordinate(pad + (height - 2 * pad))
    return (
        tuple(round(x, 1) for x in xs),
        commands,
        tuple(command + bottom for command in commands),
    )


def line_chart(
    points: Points, title: str, *, width: int, height: int, pad: float = 2.0
) -> Chart | None:
    """The chart of ``points`` (day, score or None), or None if there are none.

    The value axis starts at 0 and ends at the highest score, so two charts
    of one paper compare by shape, and a day off the list sits on the baseline.
    """
    if not points:
        return None
    line, marks, max_value, description, baseline = _plot(
        points, title, width, height, pad
    )
    return Chart(
        width=width,
        height=height,
        line=line,
        marks=tuple(Mark(*mark) for mark in marks),
        max_value=max_value,
        first=points[0][0],
        last=points[-1][0],
        description=description,
        baseline=baseline,
    )


def _plot(
    points: Points, title: str, width: int, height: int, pad: float
) -> tuple[str, list[tuple[float, float, dt.date, float]], float, str, float]:
    """What a :class:`Chart` of ``points`` holds, as plain values: its line,
    its marks (x, y, date, value), highest value, description and baseline."""
    xs, commands, flat = _columns(len(points), width, height, pad)
    listed = [
        (index, date, value)
        for index, (date, value) in enumerate(points)
        if value is not None
    ]
    top = max([value for _, _, value in listed], default=0) or 1.0
    inner_h = height - 2 * pad
    bottom = pad + inner_h  # y of a score of 0
    path = list(flat)
    marks = []
    numbers = []
    above_zero = False
    for index, date, value in listed:
        if value:
            above_zero = True
            y = pad + inner_h * (1 - value / top)
            path[index] = commands[index] + _coordinate(y)
        else:
            y = bottom
        marks.append((xs[index], round(y, 1), date, value))
        numbers.append(f"{date.isoformat()}: {number(value)}")
    first, last = points[0][0], points[-1][0]
    span_text = first.isoformat() if first == last else f"{first.isoformat()} to {last}"
    description = f"{title}, {span_text}: {'; '.join(numbers) or 'not listed'}"
    if len(marks) < len(points):
        description += "; not listed on the other days"
    return (
        " ".join(path),
        marks,
        top if above_zero else 0.0,
        description + ".",
        round(bottom, 1),
    )


# --- The default markup (see the module's docstring) -------------------------
# Every value is escaped as Jinja's autoescape would, and written as Jinja
# writes it (str() of the number), so that the output is the template's.


def sparkline(
    points: Points, title: str, *, width: int, height: int, pad: float = 2.0
) -> Markup:
    """``sparkline_svg(line_chart(...))``, without making the Chart.

    A day's list draws a sparkline beside every paper; the objects cost
    about as much as the markup.
    """
    if not points:
        return Markup("")
    line, marks, _, description, baseline = _plot(points, title, width, height, pad)
    return _sparkline_markup(width, height, line, marks, description, baseline)


def sparkline_svg(chart: Chart) -> Markup:
    """``hotpapers/chart-sparkline.html`` of the package, rendered."""
    return _sparkline_markup(
        chart.width,
        chart.height,
        chart.line,
        [(mark.x, mark.y) for mark in chart.marks],
        chart.description,
        chart.baseline,
    )


def _sparkline_markup(
    width: int,
    height: int,
    line: str,
    marks: Iterable[tuple[Any, ...]],
    description: str,
    baseline: float,
) -> Markup:
    label = escape_text(description)
    circles = "".join(
        f'<circle class="hotpapers-chart-mark" cx="{mark[0]}" cy="{mark[1]}" r="2" '
        'fill="currentColor"/>'
        for mark in marks
    )
    return Markup(
        f'<svg class="hotpapers-chart hotpapers-sparkline" role="img" '
        f'aria-label="{label}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{label}</title><line class="hotpapers-chart-baseline" x1="0" '
        f'y1="{baseline}" x2="{width}" y2="{baseline}" stroke="currentColor" '
        f'stroke-opacity=".25" stroke-width="1"/><path class="hotpapers-chart-line" '
        f'd="{escape_text(line)}" fill="none" stroke="currentColor" '
        f'stroke-width="1.5" stroke-linejoin="round"/>{circles}</svg>'
    )


def full_svg(chart: Chart) -> Markup:
    """``hotpapers/chart.html`` of the package, rendered."""
    label = escape(chart.description)
    width, height, baseline = chart.width, chart.height, chart.baseline
    marks = "".join(
        f'<circle class="hotpapers-chart-mark" cx="{mark.x}" cy="{mark.y}" '
        f'r="3.5" fill="currentColor"><title>{mark.date.isoformat()}: '
        f"{number(mark.value)}</title></circle>"
        for mark in chart.marks
    )
    label_y = height + 14
    return Markup(
        f'<figure class="hotpapers-figure">\n<svg class="hotpapers-chart '
        f'hotpapers-chart-full" role="img" aria-label="{label}" '
        f'viewBox="0 -14 {width} {height + 30}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        f'<line class="hotpapers-chart-baseline" x1="0" y1="{baseline}" '
        f'x2="{width}" y2="{baseline}" stroke="currentColor" stroke-opacity=".35" '
        f'stroke-width="1"/><path class="hotpapers-chart-line" '
        f'd="{escape(chart.line)}" fill="none" stroke="currentColor" '
        f'stroke-width="2" stroke-linejoin="round"/>{marks}'
        f'<text class="hotpapers-chart-label" x="0" y="-3" font-size="12" '
        f'fill="currentColor">{number(chart.max_value)}</text>'
        f'<text class="hotpapers-chart-label" x="0" y="{label_y}" font-size="12" '
        f'fill="currentColor">{chart.first.isoformat()}</text>'
        f'<text class="hotpapers-chart-label" x="{width}" y="{label_y}" '
        f'font-size="12" fill="currentColor" text-anchor="end">'
        f"{chart.last.isoformat()}</text></svg>\n</figure>"
    )
