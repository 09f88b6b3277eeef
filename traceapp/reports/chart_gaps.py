"""Where a printed chart's line breaks: the recorded silences of a channel between its columns.

Without reportlab, so the services can keep a recall's gaps without loading the PDF library.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import pairwise

from traceapp.domain.recall import ChartPoint

Gaps = Sequence[tuple[int, int | None]]  # recorded silences: (last reading, next one or None)


def line_runs(points: Sequence[ChartPoint], gaps: Gaps) -> list[list[ChartPoint]]:
    """The points cut into runs drawn as one line each: the line from one column to the next
    is cut when a recorded silence began in the first (at or after its time, before the next)
    and lasted until the next column or beyond (or has not ended). A silence shorter than a
    column lies inside one column, whose band already spans it (the print cannot show it).
    Points and gaps in any order."""
    if not points:
        return []
    ordered = sorted(points, key=lambda p: p.time_us)
    runs: list[list[ChartPoint]] = [[ordered[0]]]
    for point, cut in zip(ordered[1:], _cuts([p.time_us for p in ordered], gaps), strict=True):
        if cut is None:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def cutting_gaps(points: Sequence[ChartPoint], gaps: Gaps) -> tuple[tuple[int, int | None], ...]:
    """The gaps that cut the chart's line (one per cut, fewer than its columns): what a recall
    keeps with the chart, so a channel silent between every two readings (a period set too
    short) does not put thousands of gaps in the recall's JSON."""
    found = _cuts(sorted(p.time_us for p in points), gaps)
    return tuple(gap for gap in found if gap is not None)


def _cuts(times: list[int], gaps: Gaps) -> list[tuple[int, int | None] | None]:
    """For each two neighbouring column times a < b: a silence that began at or after a,
    before b, and lasted to b (None: the line goes on). Gaps sorted once, found by bisection."""
    ordered = sorted(gaps, key=lambda g: g[0])
    starts = [g[0] for g in ordered]
    out: list[tuple[int, int | None] | None] = []
    for a, b in pairwise(times):
        cut = None
        for k in range(bisect_left(starts, a), bisect_left(starts, b)):
            start, end = ordered[k]
            if end is None or end >= b:
                cut = (start, end)
                break
        out.append(cut)
    return out
