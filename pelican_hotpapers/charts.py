"""A paper's daily scores as the geometry of a small static SVG chart.

Charts are drawn from numbers at build time: no script runs and nothing is
loaded from a third party. This module only computes coordinates and the
text alternative; the markup is in the overridable templates
``hotpapers/chart-sparkline.html`` and ``hotpapers/chart.html``, where
colours come from ``currentColor`` and CSS classes, so a theme restyles them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


def line_chart(
    points: Points, title: str, *, width: int, height: int, pad: float = 2.0
) -> Chart | None:
    """The chart of ``points`` (day, score or None), or None if there are none.

    The value axis starts at 0 and ends at the highest score, so two charts
    of one paper compare by shape, and a day off the list sits on the baseline.
    """
    if not points:
        return None
    values = [value or 0.0 for _, value in points]
    top = max(values) or 1.0
    span = max(len(points) - 1, 1)
    inner_w, inner_h = width - 2 * pad, height - 2 * pad

    def x_of(index: int) -> float:
        if len(points) == 1:
            return width / 2
        return pad + inner_w * index / span

    def y_of(value: float) -> float:
        return pad + inner_h * (1 - value / top)

    commands = []
    for index, value in enumerate(values):
        verb = "M" if index == 0 else "L"
        commands.append(f"{verb}{_coordinate(x_of(index))} {_coordinate(y_of(value))}")
    marks = tuple(
        Mark(round(x_of(i), 1), round(y_of(value), 1), date, value)
        for i, (date, value) in enumerate(points)
        if value is not None
    )
    listed = "; ".join(f"{m.date.isoformat()}: {number(m.value)}" for m in marks)
    first, last = points[0][0], points[-1][0]
    span_text = first.isoformat() if first == last else f"{first.isoformat()} to {last}"
    description = f"{title}, {span_text}: {listed or 'not listed'}"
    if len(marks) < len(points):
        description += "; not listed on the other days"
    return Chart(
        width=width,
        height=height,
        line=" ".join(commands),
        marks=marks,
        max_value=top if any(values) else 0.0,
        first=first,
        last=last,
        description=description + ".",
        baseline=round(y_of(0.0), 1),
    )
