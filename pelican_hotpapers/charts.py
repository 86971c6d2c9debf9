"""A paper's daily scores as a small static SVG chart.

Charts are drawn from numbers at build time: no script runs and nothing is
loaded from a third party. :func:`line_chart` computes the coordinates and
the text alternative; the markup is only in the overridable templates
``hotpapers/chart-sparkline.html`` and ``hotpapers/chart.html``, where
colours come from ``currentColor`` and CSS classes, so a theme restyles or
redraws them.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

import msgspec

from pelican_hotpapers.timeline import Points


# msgspec structs, as models.py's classes: a day draws a chart beside every
# paper, and a frozen dataclass's __init__ cost as much as the drawing.
class Mark(msgspec.Struct, frozen=True, gc=False):
    """A listed day: a dot on the line."""

    x: float
    y: float
    date: dt.date
    value: float


class Chart(msgspec.Struct, frozen=True, gc=False):
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
    """A score as readers read it: a whole number, half rounded up.

    The robust ranking caps and weighs counts, so its scores have fractions
    (538.39); two decimals of a capped count tell a reader nothing. The JSON
    files and ``show --explain`` keep the exact value.
    """
    return str(math.floor(value + 0.5))


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
