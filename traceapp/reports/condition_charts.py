"""Small printable charts of a channel during a lot's residence, legible in black and white.

The readings are drawn as min/max columns joined into a band (a peak shorter than a column is
never averaged away), limits as dashed lines named at the right, the residence as a light grey
background, and the excursion as a black bar under the plot with its name: nothing is told by
colour alone. The line breaks where the channel was silent (a gap the recorder recorded: no reading
for longer than the channel's expected period, as `traceapp sensors gaps` lists them and the Live
monitor and lot detail break their lines), so it is never drawn straight across an outage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from traceapp.domain.recall import ChartPoint
from traceapp.domain.sensors import from_micros, to_micros
from traceapp.reports.chart_gaps import Gaps, line_runs
from traceapp.reports.labels.fonts import font_name

HEIGHT = 38 * mm
LEFT = 16 * mm  # value labels
RIGHT = 16 * mm  # limit names
BOTTOM = 9 * mm  # time labels and the excursion bar
TOP = 3 * mm
RESIDENCE_FILL = colors.Color(0.88, 0.88, 0.88)


def _us(moment: datetime) -> int:
    return to_micros(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))


def _label(value: float) -> str:
    return f"{value:.4g}"


def condition_chart(
    points: Sequence[ChartPoint],
    *,
    width: float,
    unit: str,
    residence: tuple[datetime, datetime],
    excursion: tuple[datetime, datetime] | None,
    lsl: Decimal | None,
    usl: Decimal | None,
    gaps: Gaps = (),
) -> Drawing:
    """One channel: readings (band), LSL/USL, the residence and the excursion (if any) marked;
    the band breaks at the channel's recorded `gaps` (silences)."""
    regular = font_name(False)
    drawing = Drawing(width, HEIGHT)
    plot_w, plot_h = float(width - LEFT - RIGHT), float(HEIGHT - BOTTOM - TOP)
    since, until = _us(residence[0]), _us(residence[1])
    ex_start, ex_end = (_us(excursion[0]), _us(excursion[1])) if excursion else (since, until)
    times = [p.time_us for p in points]
    t0 = min([since, ex_start, *times])
    t1 = max([until, ex_end, *times])
    if t1 <= t0:
        t1 = t0 + 1_000_000
    values = [float(p.low) for p in points] + [float(p.high) for p in points]
    values += [float(v) for v in (lsl, usl) if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    shown = (low, high)  # labelled: the lowest and highest value drawn, not the padded frame
    span = high - low or max(abs(high), 1.0)
    low, high = low - span * 0.08, high + span * 0.08

    def x(t: int) -> float:
        return float(LEFT + (t - t0) / (t1 - t0) * plot_w)

    def y(v: float) -> float:
        return float(BOTTOM + (v - low) / (high - low) * plot_h)

    drawing.add(
        Rect(
            x(since),
            BOTTOM,
            max(x(until) - x(since), 0.8),
            plot_h,
            fillColor=RESIDENCE_FILL,
            strokeColor=None,
        )
    )
    drawing.add(
        Rect(
            LEFT, BOTTOM, plot_w, plot_h, fillColor=None, strokeColor=colors.black, strokeWidth=0.5
        )
    )
    for limit, name in ((usl, "USL"), (lsl, "LSL")):
        if limit is None:
            continue
        level = y(float(limit))
        drawing.add(
            Line(
                LEFT,
                level,
                LEFT + plot_w,
                level,
                strokeColor=colors.black,
                strokeWidth=0.6,
                strokeDashArray=[3, 2],
            )
        )
        drawing.add(
            String(
                LEFT + plot_w + 1.5,
                level - 2.5,
                f"{name} {_label(float(limit))}",
                fontName=regular,
                fontSize=6.5,
            )
        )
    runs = line_runs(points, gaps)
    for run in runs:
        upper = [(x(p.time_us), y(float(p.high))) for p in run]
        lower = [(x(p.time_us), y(float(p.low))) for p in run]
        for line in (upper, lower):
            flat = [c for xy in line for c in xy]
            if len(line) == 1:
                flat += [flat[0] + 0.5, flat[1]]
            drawing.add(PolyLine(flat, strokeColor=colors.black, strokeWidth=0.7))
        for (xa, ya), (_, yb) in zip(upper, lower, strict=True):
            if ya - yb > 0.6:  # a column with spread: join its min and max
                drawing.add(Line(xa, yb, xa, ya, strokeColor=colors.black, strokeWidth=0.4))
    if excursion is not None:
        # The excursion: a solid bar under the plot, named, with ticks up into the plot at its ends
        bar_y = BOTTOM - 3.2 * mm
        left, right = x(ex_start), max(x(ex_end), x(ex_start) + 1.2)
        drawing.add(
            Rect(left, bar_y, right - left, 1.6 * mm, fillColor=colors.black, strokeColor=None)
        )
        for edge in (left, right):
            drawing.add(
                Line(
                    edge,
                    bar_y,
                    edge,
                    BOTTOM + plot_h,
                    strokeColor=colors.black,
                    strokeWidth=0.4,
                    strokeDashArray=[1, 1.5],
                )
            )
        drawing.add(String(right + 1.5, bar_y + 0.2, "excursion", fontName=regular, fontSize=6.5))
    # Axes: value range on the left, the window's start and end times under it
    for value in sorted(set(shown)):
        drawing.add(
            String(
                LEFT - 1.5,
                y(value) - 2.2,
                _label(value),
                fontName=regular,
                fontSize=6.5,
                textAnchor="end",
            )
        )
    drawing.add(String(2, HEIGHT - TOP - 2, unit, fontName=regular, fontSize=6.5))
    start_text = f"{from_micros(t0):%Y-%m-%d %H:%M}Z"
    end_text = f"{from_micros(t1):%H:%M}Z"
    drawing.add(String(LEFT, 1, start_text, fontName=regular, fontSize=6.5))
    drawing.add(
        String(LEFT + plot_w, 1, end_text, fontName=regular, fontSize=6.5, textAnchor="end")
    )
    drawing.add(
        String(
            LEFT + plot_w / 2,
            1,
            "grey: while the lot was there"
            + ("; line broken: no readings" if len(runs) > 1 else ""),
            fontName=regular,
            fontSize=6.5,
            textAnchor="middle",
        )
    )
    return drawing
