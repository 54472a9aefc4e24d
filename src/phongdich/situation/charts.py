"""Charts drawn on the server as SVG geometry for the templates: no script, no chart library.

The dashboard's two charts (stacked daily bars; a line with its credible band) are simple enough that
computing their rectangles and paths here is smaller than vendoring a library, works without JavaScript
(and in print), and costs a few hundred microseconds per page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
HEIGHT = 220
LEFT = 40  # room for the y axis labels
BOTTOM = 22  # room for the dates
TOP = 8
RIGHT = 18  # room for the last date label


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    line: str = ""  # SVG polyline points
    band: str = ""  # SVG polygon points
    dashed_line: str = ""
    dashed_band: str = ""
    reference_y: float | None = None  # a horizontal reference line (R = 1)
    left: int = LEFT
    bottom_y: float = HEIGHT - BOTTOM
    empty: bool = True


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _count_maximum(value: float) -> float:
    """An axis maximum for counts: four equal whole-number steps (0, 1, 2, 3, 4 rather than 0, 0.5 … 2)."""
    need = max(value, 1.0) / 4
    magnitude = 10 ** math.floor(math.log10(need)) if need >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        size = step * magnitude
        if size >= need and float(size).is_integer():
            return float(4 * size)
    return float(40 * magnitude)


def _y_ticks(maximum: float, plot_height: float, decimals: int = 0) -> list[Tick]:
    ticks = []
    for index in range(5):
        value = maximum * index / 4
        label = f"{value:.{decimals}f}" if decimals else f"{round(value):,}"
        ticks.append(Tick(TOP + plot_height - plot_height * index / 4, label))
    return ticks


def _x_ticks(days: Sequence[dt.date], x_of: object) -> list[Tick]:
    assert callable(x_of)
    if not days:
        return []
    step = max(1, len(days) // 8)
    return [Tick(x_of(index), day.strftime("%d/%m")) for index, day in enumerate(days) if index % step == 0]


def stacked_bars(days: Sequence[dt.date], series: Sequence[tuple[str, str, Sequence[int]]]) -> Chart:
    """Daily bars, one segment per series (label, color, values), stacked from the bottom."""
    chart = Chart()
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - BOTTOM - TOP
    totals = [sum(values[index] for _label, _color, values in series) for index in range(len(days))]
    maximum = _count_maximum(max(totals, default=0))
    slot = plot_width / max(len(days), 1)
    bar = max(slot * 0.8, 1.0)
    for index, day in enumerate(days):
        base = 0
        for label, color, values in series:
            value = values[index]
            if value <= 0:
                continue
            height = plot_height * value / maximum
            y = TOP + plot_height - plot_height * (base + value) / maximum
            chart.rects.append(Rect(LEFT + index * slot, y, bar, height, color, f"{day:%d/%m}: {label} {value}"))
            base += value
    chart.y_ticks = _y_ticks(maximum, plot_height)
    chart.x_ticks = _x_ticks(days, lambda index: LEFT + index * slot + bar / 2)
    chart.empty = not any(totals)
    return chart


def line_with_band(
    days: Sequence[dt.date],
    observed: Sequence[tuple[dt.date, float, float, float]],
    projected: Sequence[tuple[dt.date, float, float, float]] = (),
    *,
    reference: float | None = None,
    cap: float | None = None,
) -> Chart:
    """A line (mean) with its band (low–high) over ``days``; ``projected`` points drawn dashed after it."""
    chart = Chart()
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - BOTTOM - TOP
    values = [high for _day, _mean, _low, high in [*observed, *projected]]
    if reference is not None:
        values.append(reference)
    top = max(values, default=0.0)
    if cap is not None:
        top = min(top, cap)
    maximum = _nice_max(top)
    index_of = {day: index for index, day in enumerate(days)}
    slot = plot_width / max(len(days) - 1, 1)

    def x(day: dt.date) -> float:
        return LEFT + index_of[day] * slot

    def y(value: float) -> float:
        return TOP + plot_height - plot_height * min(value, maximum) / maximum

    def draw(points: Sequence[tuple[dt.date, float, float, float]]) -> tuple[str, str]:
        kept = [p for p in points if p[0] in index_of]
        line = " ".join(f"{x(day):.1f},{y(mean):.1f}" for day, mean, _low, _high in kept)
        upper = [f"{x(day):.1f},{y(high):.1f}" for day, _mean, _low, high in kept]
        lower = [f"{x(day):.1f},{y(low):.1f}" for day, _mean, low, _high in reversed(kept)]
        return line, " ".join(upper + lower)

    chart.line, chart.band = draw(observed)
    chart.dashed_line, chart.dashed_band = draw(projected)
    if reference is not None:
        chart.reference_y = y(reference)
    chart.y_ticks = _y_ticks(maximum, plot_height, decimals=1 if maximum <= 5 else 0)
    chart.x_ticks = _x_ticks(days, lambda index: LEFT + index * slot)
    chart.empty = not observed and not projected
    return chart


def svg(chart: Chart, label: str) -> SafeString:
    """The chart as inline SVG (built here rather than in a template loop: a few hundred shapes per chart)."""
    parts = [
        f'<svg class="chart" viewBox="0 0 {chart.width} {chart.height}" role="img" aria-label="{escape(label)}" '
        'preserveAspectRatio="none">'
    ]
    for tick in chart.y_ticks:
        y = f"{tick.position:.1f}"
        parts.append(
            f'<line class="grid" x1="{chart.left}" x2="{chart.width}" y1="{y}" y2="{y}"/>'
            f'<text class="axis" x="{chart.left - 4}" y="{tick.position:.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(tick.label)}</text>'
        )
    for tick in chart.x_ticks:
        parts.append(
            f'<text class="axis" x="{tick.position:.1f}" y="{chart.height - 6}" text-anchor="middle">'
            f"{escape(tick.label)}</text>"
        )
    for rect in chart.rects:
        parts.append(
            f'<rect x="{rect.x:.1f}" y="{rect.y:.1f}" width="{rect.width:.1f}" height="{rect.height:.1f}" '
            f'fill="{escape(rect.color)}"><title>{escape(rect.title)}</title></rect>'
        )
    if chart.band:
        parts.append(f'<polygon class="band" points="{chart.band}"/>')
    if chart.line:
        parts.append(f'<polyline class="line" points="{chart.line}"/>')
    if chart.dashed_band:
        parts.append(f'<polygon class="band projected" points="{chart.dashed_band}"/>')
    if chart.dashed_line:
        parts.append(f'<polyline class="line projected" points="{chart.dashed_line}"/>')
    if chart.reference_y is not None:
        y = f"{chart.reference_y:.1f}"
        parts.append(f'<line class="reference" x1="{chart.left}" x2="{chart.width}" y1="{y}" y2="{y}"/>')
    parts.append("</svg>")
    # Every text part above is escaped; the numbers are formatted floats.
    return mark_safe("".join(parts))  # noqa: S308
