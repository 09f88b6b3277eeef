"""The lot record PDF with the lot's process conditions: verdict, excursions and a chart per
channel and residence, read back as text."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

from tests.reports.test_recall_pdf import pdf_pages
from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.test_conditions import T0, _channel, _make, _readings
from traceapp.reports.lot_record import render_lot_record
from traceapp.services import conditions
from traceapp.services.dispositions import lot_record


def test_the_lot_record_prints_the_conditions_with_a_chart(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
) -> None:
    plant.receive("F-1")
    _channel(plant)
    _readings(plant, T0 - timedelta(minutes=5), 30, hot=(3, 4))
    _make(plant, "D-1", T0, T0 + timedelta(minutes=10))
    with plant.uow() as uow:
        record = lot_record(uow, "DOUGH/D-1")
        found = conditions.lot_conditions(uow, actor=plant.actor, code="DOUGH/D-1")
        flour = lot_record(uow, "FLOUR/F-1")
        unwatched = conditions.lot_conditions(uow, actor=plant.actor, code="FLOUR/F-1")
    out = tmp_path / "record.pdf"
    out.write_bytes(render_lot_record(record, found))
    text = "\n".join(pdf_pages(out))
    assert "Process conditions" in text
    assert "FLAGGED: 1 excursion(s) outside the specification at MIX1." in text
    assert "SPEC: MIX1/temp 85 degC above USL 80 from 2026-11-30 10:03:00Z to 10:03:50Z" in text
    assert "control: MIX1/temp 85 degC above UCL 60" in text
    assert "MIX1/temp at MIX1 (second)" in text
    assert "USL 80" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(out), str(tmp_path / "page")], check=True)
    # Without conditions (the old call) and for a lot on no monitored equipment
    assert "Process conditions" not in "\n".join(_text_of(tmp_path, render_lot_record(flour)))
    plain = _text_of(tmp_path, render_lot_record(flour, unwatched))
    assert "No monitored equipment or logger recorded." in "\n".join(plain)


def _text_of(folder: Path, data: bytes) -> list[str]:
    path = folder / "other.pdf"
    path.write_bytes(data)
    return pdf_pages(path)
