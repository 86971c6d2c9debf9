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
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

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
    xs, commands, flat = _columns(len(points), width, height, pad)
    listed = [(index, date, value) for index, (date, value) in enumerate(points)]
    listed = [item for item in listed if item[2] is not None]
    top = max((value for _, _, value in listed), default=0) or 1.0
    inner_h = height - 2 * pad
    bottom = pad + inner_h  # y of a score of 0
    path = list(flat)
    marks: list[Mark] = []
    for index, date, value in listed:
        y = pad + inner_h * (1 - value / top) if value else bottom
        if value:
            path[index] = commands[index] + _coordinate(y)
        marks.append(Mark(xs[index], round(y, 1), date, value))
    numbers = "; ".join(f"{m.date.isoformat()}: {number(m.value)}" for m in marks)
    first, last = points[0][0], points[-1][0]
    span_text = first.isoformat() if first == last else f"{first.isoformat()} to {last}"
    description = f"{title}, {span_text}: {numbers or 'not listed'}"
    if len(marks) < len(points):
        description += "; not listed on the other days"
    return Chart(
        width=width,
        height=height,
        line=" ".join(path),
        marks=tuple(marks),
        max_value=top if any(m.value for m in marks) else 0.0,
        first=first,
        last=last,
        description=description + ".",
        baseline=round(bottom, 1),
    )


# --- The default markup (see the module's docstring) -------------------------
# Every value is escaped as Jinja's autoescape would, and written as Jinja
# writes it (str() of the number), so that the output is the template's.


def sparkline_svg(chart: Chart) -> Markup:
    """``hotpapers/chart-sparkline.html`` of the package, rendered."""
    label = escape(chart.description)
    width, height, baseline = chart.width, chart.height, chart.baseline
    marks = "".join(
        f'<circle class="hotpapers-chart-mark" cx="{mark.x}" cy="{mark.y}" r="2" '
        'fill="currentColor"/>'
        for mark in chart.marks
    )
    return Markup(
        f'<svg class="hotpapers-chart hotpapers-sparkline" role="img" '
        f'aria-label="{label}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{label}</title><line class="hotpapers-chart-baseline" x1="0" '
        f'y1="{baseline}" x2="{width}" y2="{baseline}" stroke="currentColor" '
        f'stroke-opacity=".25" stroke-width="1"/><path class="hotpapers-chart-line" '
        f'd="{escape(chart.line)}" fill="none" stroke="currentColor" '
        f'stroke-width="1.5" stroke-linejoin="round"/>{marks}</svg>'
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
