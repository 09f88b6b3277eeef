"""Sensor excursions in the recall: the dough made on MIX1 during an excursion is in the recall's
JSON (so its SHA-256 binds it) and in the PDF with a chart, read back as text."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

from tests.reports.test_recall_pdf import assert_every_page_marked, pdf_pages
from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.test_recall import _at, build_recall_plant
from traceapp.db import sensors as store
from traceapp.domain.sensors import MICROS, Limits, Reading, to_micros
from traceapp.reports.recall_pdf import render_recall_pdf
from traceapp.services import sensors
from traceapp.services.recall import run_recall


def _hot_mixer(plant: Plant) -> None:  # noqa: F811
    with plant.uow() as uow:
        sensors.add_channel(
            uow,
            actor=plant.actor,
            site="plant1",
            equipment="MIX1",
            name="temp",
            quantity="temperature",
            unit="degC",
            limits=Limits(lsl=20.0, usl=80.0),
            # It reports every 10 s: with the 5 s default every interval would be a gap, and the
            # chart's line broken between every two readings.
            expected_period_us=30 * MICROS,
        )
    start = _at(1) - timedelta(minutes=30)
    readings = []
    for i in range(360):  # every 10 s for an hour; 85 degC for two minutes around the mix
        at = start + timedelta(seconds=10 * i)
        hot = abs((at - _at(1)).total_seconds()) <= 60
        readings.append(Reading("plant1", "MIX1", "temp", to_micros(at), 85.0 if hot else 50.0))
    store.SensorWriter(plant.engine, auto_create=False).write(readings)


def test_the_recall_reports_the_excursion_while_an_affected_lot_was_made(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
) -> None:
    build_recall_plant(plant)
    with plant.uow() as uow:
        before = run_recall(uow, actor=plant.actor, reason="test", lots=["FLOUR/F-1"])
    assert before.excursions == ()
    _hot_mixer(plant)
    with plant.uow() as uow:
        result = run_recall(uow, actor=plant.actor, reason="test", lots=["FLOUR/F-1"])
    (row,) = result.excursions  # the dough; cookies were made on no monitored equipment
    assert (row.lot, row.place, row.channel) == ("DOUGH/D-1", "MIX1", "MIX1/temp")
    assert (str(row.worst), str(row.limit), row.unit) == ("85", "80", "degC")
    assert row.start == _at(1) - timedelta(seconds=60)
    assert 1 < len(row.chart) <= 120
    assert max(p.high for p in row.chart) == 85
    plain = json.loads(result.canonical_json())
    assert plain["excursions"][0]["channel"] == "MIX1/temp"
    assert plain["excursions"][0]["worst"] == "85"
    # The hash binds the excursions: the same result without them hashes differently
    assert result.sha256() != result.__class__(**{**_fields(result), "excursions": ()}).sha256()

    out = tmp_path / "recall.pdf"
    render_recall_pdf(result, None, out)
    pages = pdf_pages(out)
    assert_every_page_marked(pages, result, signed=False)
    text = "\n".join(pages)
    assert "Sensor excursions during production and transit (1)" in text
    assert "MIX1/temp at MIX1: MIX1/temp 85 degC above USL 80 from" in text
    assert "Lots: DOUGH/D-1" in text
    assert "USL 80" in text
    assert "excursion" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(out), str(tmp_path / "page")], check=True)


def test_a_recall_without_excursions_says_so(plant: Plant, tmp_path: Path) -> None:  # noqa: F811
    build_recall_plant(plant)
    with plant.uow() as uow:
        result = run_recall(uow, actor=plant.actor, reason="test", lots=["FLOUR/F-1"])
    out = tmp_path / "recall.pdf"
    render_recall_pdf(result, None, out)
    text = "\n".join(pdf_pages(out))
    assert "Sensor excursions during production and transit (0)" in text
    assert "No reading outside the specification was recorded" in text


def _fields(result: object) -> dict[str, object]:
    return {name: getattr(result, name) for name in result.__dataclass_fields__}  # type: ignore[attr-defined]
