"""Bar charts drawn on the server: this module works out where each bar, tick and label goes;
``templates/reports/partials/bar_chart.html`` draws the SVG.

A chart says what it shows in words as well as shapes: its ``title`` and ``description`` are
the SVG's ``<title>`` and ``<desc>`` (what a screen reader reads), the y axis carries round
values, the latest week's bar its own value, and each bar a tooltip. The page puts the same
numbers in a table beside the charts, so nothing is only in the picture.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext

#: The drawing's own units; the SVG scales to the width it is given.
WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 18, 24
#: Round steps for the top of the y axis: 1, 2, 2.5, 5 times a power of ten.
STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    tooltip: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor: the last date ends at the plot's edge


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    unit: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[Bar]
    y_ticks: list[Label]  # a grid line and its value at each
    x_labels: list[Label]
    latest: Label | None  # the latest bar's value, above it


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest round number (1, 2, 2.5 or 5 times a power of ten) at least ``value``."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (value.adjusted())
    for step in STEPS:
        if step * power >= value:
            return step * power
    return 10 * power


def compact(value: Decimal | int) -> str:
    """A value in few characters, for an axis or above a bar: 40, 2.5, 60k, 1.5M."""
    value, suffix = Decimal(value), ""
    for size, letter in ((Decimal(1_000_000), "M"), (Decimal(1000), "k")):
        if value >= size:
            value, suffix = value / size, letter
            break
    if value >= 100 or value == value.to_integral_value():
        return f"{value:.0f}{suffix}"
    return f"{value:.1f}".rstrip("0").rstrip(".") + suffix


def bar_chart(
    points: list[tuple[dt.date, Decimal | int]],
    *,
    id: str,
    title: str,
    unit: str,
    value_text: Callable[[Decimal | int], str] = str,
) -> BarChart:
    """One bar per week ending on the date given, on a y axis from 0 to a round top."""
    values = [Decimal(value) for _, value in points]
    top = nice_ceiling(max(values, default=Decimal(0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    base = TOP + plot_h

    def y_of(value: Decimal) -> float:
        return round(base - float(value / top) * plot_h, 1)

    bars = []
    for i, ((day, raw), value) in enumerate(zip(points, values, strict=True)):
        y = y_of(value)
        tooltip = gettext("Week ending %(day)s: %(value)s") % {
            "day": date_format(day, "j M"),
            "value": value_text(raw),
        }
        bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.15, 1),
                y=y,
                w=round(slot * 0.7, 1),
                h=round(base - y, 1),
                tooltip=tooltip,
            )
        )
    y_ticks = [Label(x=LEFT - 4, y=y_of(v), text=compact(v)) for v in (Decimal(0), top / 2, top)]
    # The first week, the last, and every fifth one between them not too close to the last.
    every = 5
    shown = [i for i in range(0, len(points), every) if len(points) - 1 - i >= every / 2]
    if points:
        shown.append(len(points) - 1)
    x_labels = [
        Label(
            x=WIDTH - RIGHT if i == len(points) - 1 else round(LEFT + i * slot + slot / 2, 1),
            y=HEIGHT - 6,
            text=date_format(points[i][0], "j M"),
            anchor="end" if i == len(points) - 1 else "middle",
        )
        for i in shown
    ]
    latest = None
    if bars:
        last = bars[-1]
        latest = Label(
            x=round(last.x + last.w / 2, 1), y=round(last.y - 4, 1), text=compact(values[-1])
        )
    description = _describe(points, values, value_text)
    return BarChart(
        id=id,
        title=title,
        description=description,
        unit=unit,
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=base,
        bars=bars,
        y_ticks=y_ticks,
        x_labels=x_labels,
        latest=latest,
    )


def _describe(points, values, value_text) -> str:
    """The chart in one or two sentences: its span, its highest week and its latest."""
    if not points:
        return gettext("No weeks to show yet.")
    peak = max(range(len(values)), key=lambda i: values[i])
    return gettext(
        "%(weeks)s weeks, from the week ending %(first)s to the week ending %(last)s. "
        "Highest: %(peak)s, in the week ending %(peak_day)s. Latest: %(latest)s."
    ) % {
        "weeks": len(points),
        "first": date_format(points[0][0], "j M Y"),
        "last": date_format(points[-1][0], "j M Y"),
        "peak": value_text(points[peak][1]),
        "peak_day": date_format(points[peak][0], "j M"),
        "latest": value_text(points[-1][1]),
    }
