"""Printed condition charts break their line where the channel was silent (a recorded gap), as the
Live monitor and the lot detail do: checked on the lines each chart draws, in the lot record and
the recall report, on the database's recorded gaps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from reportlab.graphics.shapes import Drawing, PolyLine

from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.sensor_plant import make_on_mixer, write_readings
from tests.services.test_conditions import T0
from tests.services.test_recall import _at, build_recall_plant
from traceapp.domain.conditions import envelope
from traceapp.domain.recall import ChartPoint
from traceapp.domain.sensors import MICROS, Limits, to_micros
from traceapp.reports import lot_record as lot_record_pdf
from traceapp.reports import recall_pdf
from traceapp.reports.chart_gaps import cutting_gaps, line_runs
from traceapp.reports.condition_charts import condition_chart
from traceapp.services import conditions, sensors
from traceapp.services.dispositions import lot_record
from traceapp.services.recall import run_recall

PERIOD = timedelta(seconds=30)  # the channel reports every 10 s; silent longer than 30 s: a gap


def _point(seconds: int, value: str = "50") -> ChartPoint:
    return ChartPoint(seconds * MICROS, Decimal(value), Decimal(value))


def _lines(drawing: Drawing) -> list[list[float]]:
    """The x coordinates of every polyline the chart drew (upper and lower band lines)."""
    return [list(shape.points[0::2]) for shape in drawing.contents if isinstance(shape, PolyLine)]


def _chart(points: list[ChartPoint], gaps: list[tuple[int, int | None]]) -> Drawing:
    return condition_chart(
        points,
        width=400,
        unit="degC",
        residence=(T0, T0 + timedelta(minutes=2)),
        excursion=None,
        lsl=None,
        usl=Decimal(80),
        gaps=gaps,
    )


def _texts(drawing: Drawing) -> str:
    return " ".join(getattr(shape, "text", "") for shape in drawing.contents)


def test_a_silence_between_two_columns_cuts_the_line_there() -> None:
    points = [_point(s) for s in (0, 10, 20, 90, 100)]
    # silent after the reading at 20 s until the one at 90 s
    runs = line_runs(points, [(20 * MICROS, 90 * MICROS)])
    assert [[p.time_us // MICROS for p in run] for run in runs] == [[0, 10, 20], [90, 100]]
    # aggregates: a column starts before the reading that ended the silence (88 s in the 80 s
    # column) and the silence began inside an earlier column: still cut
    assert len(line_runs([_point(0), _point(40), _point(80)], [(45 * MICROS, 88 * MICROS)])) == 2
    # a silence inside one column (from 41 to 70 s in the column starting at 40 s): that column's
    # band already spans it, nothing to cut
    assert len(line_runs([_point(0), _point(40), _point(80)], [(41 * MICROS, 70 * MICROS)])) == 1
    # still silent: nothing after it is joined to what came before
    assert len(line_runs(points, [(20 * MICROS, None)])) == 2
    assert line_runs(points, []) == [points]
    assert line_runs([], [(0, None)]) == []


def test_a_recall_keeps_only_the_gaps_that_cut_its_chart() -> None:
    # A channel silent between every two readings (period set shorter than it reports): 1,000
    # gaps, 120 columns of 8 readings each; only the 119 between columns cut the line.
    points = [_point(s) for s in range(0, 9600, 80)]
    gaps = [(s * MICROS, (s + 10) * MICROS) for s in range(0, 9600, 10)]
    kept = cutting_gaps(points, gaps)
    assert len(kept) == len(points) - 1
    assert kept[0] == (70 * MICROS, 80 * MICROS)
    assert len(line_runs(points, kept)) == len(line_runs(points, gaps)) == len(points)
    assert cutting_gaps(points, [(5 * MICROS, 9 * MICROS)]) == ()


def test_the_chart_draws_one_line_per_run_and_says_why_it_is_broken() -> None:
    points = [_point(s) for s in (0, 10, 20, 90, 100)]
    whole = _chart(points, [])
    assert [len(xs) for xs in _lines(whole)] == [5, 5]  # upper and lower band
    assert "line broken" not in _texts(whole)
    broken = _chart(points, [(20 * MICROS, 90 * MICROS)])
    upper_1, lower_1, upper_2, lower_2 = _lines(broken)
    assert len(upper_1) == len(lower_1) == 3
    assert len(upper_2) == len(lower_2) == 2
    assert max(upper_1) < min(upper_2)  # nothing drawn across the silence
    assert "line broken: no readings" in _texts(broken)


def _channel(plant: Plant, equipment: str = "MIX1") -> None:  # noqa: F811
    with plant.uow() as uow:
        sensors.add_channel(
            uow,
            actor=plant.actor,
            site="plant1",
            equipment=equipment,
            name="temp",
            quantity="temperature",
            unit="degC",
            limits=Limits(lsl=20.0, usl=80.0),
            expected_period_us=int(PERIOD / timedelta(microseconds=1)),
        )


def _readings_with_silence(
    plant: Plant,  # noqa: F811
    start: datetime,
    minutes: int,
    *,
    hot: datetime,
    quiet: tuple[datetime, datetime],
) -> None:
    """A reading every 10 s from `start`, none strictly between the `quiet` times; 85 degC
    within a minute of `hot` (an excursion), 50 otherwise."""
    quiet_from, quiet_to = quiet
    times = [start + timedelta(seconds=10 * i) for i in range(minutes * 6)]
    write_readings(
        plant,
        [
            (t, 85.0 if abs((t - hot).total_seconds()) <= 60 else 50.0)
            for t in times
            if not quiet_from < t < quiet_to
        ],
    )


def _drawn(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[Drawing]:
    """Every chart `module` draws, kept for the test."""
    drawn: list[Drawing] = []
    real: Callable[..., Drawing] = module.condition_chart

    def keep(*args: Any, **kwargs: Any) -> Drawing:
        drawing = real(*args, **kwargs)
        drawn.append(drawing)
        return drawing

    monkeypatch.setattr(module, "condition_chart", keep)
    return drawn


def _split_at_silence(drawing: Drawing, chart: list[tuple[int, Any]], silence_start: int) -> None:
    """Two runs, upper and lower each: the first ends with the last column before the silence."""
    before = sum(1 for time_us, _ in chart if time_us <= silence_start)
    xs = _lines(drawing)
    assert [len(x) for x in xs] == [before, before, len(chart) - before, len(chart) - before]
    assert max(xs[0]) < min(xs[2])


def _png(pdf: Path, folder: Path) -> None:
    """The pages as PNG (pdftoppm -r 80, as a person looks at them); kept when asked."""
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(folder / "page")], check=True)
    keep = os.environ.get("TRACEAPP_KEEP_CHARTS")
    if keep:
        for png in folder.glob("page*.png"):
            shutil.copy(png, Path(keep) / f"{pdf.stem}-{png.name}")


def test_the_lot_record_chart_breaks_at_the_recorded_gap(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plant.receive("F-1")
    _channel(plant)
    quiet = (T0 + timedelta(minutes=3), T0 + timedelta(minutes=6))  # while the dough was mixed
    _readings_with_silence(
        plant, T0 - timedelta(minutes=5), 30, hot=T0 + timedelta(minutes=8), quiet=quiet
    )
    make_on_mixer(plant, "D-1", T0, T0 + timedelta(minutes=10))
    with plant.uow() as uow:
        record = lot_record(uow, "DOUGH/D-1")
        found = conditions.lot_conditions(uow, actor=plant.actor, code="DOUGH/D-1")
    (window,) = found.windows
    silence_start = to_micros(quiet[0])
    assert (silence_start, to_micros(quiet[1])) in window.gaps  # the recorder recorded it
    drawn = _drawn(monkeypatch, lot_record_pdf)
    out = tmp_path / "lot-record.pdf"
    out.write_bytes(lot_record_pdf.render_lot_record(record, found))
    (drawing,) = drawn
    chart = [(p.time_us, p) for p in envelope(window.points)]
    _split_at_silence(drawing, chart, silence_start)
    assert "line broken: no readings" in _texts(drawing)
    _png(out, tmp_path)


def test_the_recall_chart_breaks_at_the_recorded_gap_and_the_hash_binds_it(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_recall_plant(plant)  # dough D-1 made on MIX1 at _at(1)
    _channel(plant)
    # The chart spans the excursion (a minute either side of the mix) and a minute more
    quiet = (_at(1) + timedelta(seconds=70), _at(1) + timedelta(seconds=110))
    _readings_with_silence(plant, _at(1) - timedelta(minutes=30), 60, hot=_at(1), quiet=quiet)
    with plant.uow() as uow:
        result = run_recall(uow, actor=plant.actor, reason="test", lots=["FLOUR/F-1"])
    (row,) = result.excursions or ()
    silence_start, silence_end = to_micros(quiet[0]), to_micros(quiet[1])
    assert (silence_start, silence_end) in row.gaps
    plain = json.loads(result.canonical_json())
    assert [silence_start, silence_end] in plain["excursions"][0]["gaps"]
    drawn = _drawn(monkeypatch, recall_pdf)
    out = tmp_path / "recall.pdf"
    recall_pdf.render_recall_pdf(result, None, out)
    (drawing,) = drawn
    _split_at_silence(drawing, [(p.time_us, p) for p in row.chart], silence_start)
    _png(out, tmp_path)
