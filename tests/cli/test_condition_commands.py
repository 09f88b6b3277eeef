"""`traceapp sensors conditions|review|import-logger`: a lot's conditions printed, the review
holding by settings.toml `[monitoring] hold_on_excursion`, and a transit logger's CSV bound to a
shipment, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.test_conditions import T0, _channel, _make, _readings
from traceapp.cli.runner import main
from traceapp.db import sensors as store
from traceapp.domain.quantity import Quantity
from traceapp.domain.sensors import Reading, to_micros
from traceapp.services.packing import PackItem
from traceapp.services.shipping import ship


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hot(plant: Plant) -> str:  # noqa: F811
    """D-1 made on MIX1 during an excursion; the database URL for the command line."""
    plant.receive("F-1")
    _channel(plant)
    _readings(plant, T0 - timedelta(minutes=5), 30, hot=(3, 4))
    _make(plant, "D-1", T0, T0 + timedelta(minutes=10))
    _make(plant, "D-2", T0 + timedelta(minutes=12), T0 + timedelta(minutes=20))
    return plant.engine.url.render_as_string(hide_password=False)


def test_conditions_review_and_the_hold_setting(
    hot: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run(capsys, "--db", hot, "sensors", "conditions", "DOUGH/D-1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "DOUGH/D-1: FLAGGED"
    assert lines[1].startswith("  MIX1: 2026-11-30T10:00:00+00:00 to 2026-11-30T10:10:00+00:00")
    assert lines[1].endswith("channels: MIX1/temp")
    assert lines[2].startswith(
        "  SPEC     MIX1/temp 85 degC above USL 80 from 2026-11-30 10:03:00Z"
    )

    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.toml").write_text("[monitoring]\nhold_on_excursion = 1\n")
    code, _, err = run(capsys, "--db", hot, "sensors", "review", "--since", "2026-11-29T00:00Z")
    assert code != 0
    assert "hold_on_excursion must be true or false" in err
    (tmp_path / "settings.toml").write_text("[monitoring]\nhold_on_excursion = true\n")
    code, out, err = run(capsys, "--db", hot, "sensors", "review", "--since", "2026-11-29T00:00Z")
    assert code == 0, err
    assert out.splitlines()[0].startswith("flagged DOUGH/D-1: MIX1/temp 85 degC above USL 80")
    assert out.splitlines()[1] == "held DOUGH/D-1 for review"
    code, out, _ = run(capsys, "--db", hot, "sensors", "review", "--since", "2026-11-29T00:00Z")
    assert (code, out) == (0, "no lot newly flagged\n")
    code, out, _ = run(capsys, "--db", hot, "lot", "show", "DOUGH/D-1")
    assert code == 0
    assert "on_hold" in out.lower() or "on hold" in out.lower()


def test_a_logger_csv_is_imported_and_bound_to_a_shipment(
    plant: Plant,  # noqa: F811
    hot: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    with plant.uow() as uow:
        ship(
            uow,
            actor=plant.actor,
            customer="SHOP1",
            items=[PackItem("DOUGH/D-2", Quantity.parse("10 kg"))],
            reference_document="DN-9",
            event_time=T0 + timedelta(hours=1),
        )
    trip = tmp_path / "trip.csv"
    trip.write_text(
        "time,temperature\n"
        "2026-11-30T12:00:00Z,4.0\n"
        "2026-11-30T12:10:00Z,9.0\n"
        "2026-11-30T12:20:00Z,5.0\n"
    )
    code, out, err = run(
        capsys, "--db", hot, "sensors", "import-logger", str(trip), "--shipment", "DN-9",
        "--logger", "LG-1", "--unit", "temperature=degC", "--usl", "temperature=8", "--no-hold",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        "imported 3 readings of LG-1/temperature from 2026-11-30T12:00:00.000000Z to "
        "2026-11-30T12:20:00.000000Z, bound to shipment DN-9"
    )
    # The review after the import covers the mixer's excursion too (not reviewed before)
    assert any(
        line.startswith("flagged DOUGH/D-2: LG-1/temperature 9 degC above USL 8") for line in lines
    )
    assert any(line.startswith("flagged DOUGH/D-1: MIX1/temp 85") for line in lines)
    code, out, _ = run(capsys, "--db", hot, "sensors", "conditions", "DOUGH/D-2")
    assert "in transit: shipment DN-9" in out
    code, _, err = run(
        capsys, "--db", hot, "sensors", "import-logger", str(trip), "--shipment", "DN-9",
        "--logger", "LG-1", "--usl", "temperature",
    )  # fmt: skip
    assert code != 0
    assert "is not QUANTITY=VALUE" in err


def test_the_recorder_reviews_and_holds_a_lot_made_during_an_excursion(
    plant: Plant,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`traceapp monitor --record --hold` reviews as it records: the lot made an hour ago on
    MIX1 while it ran hot is held by the system, once."""
    made = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    plant.receive("F-1")
    _channel(plant)
    store.SensorWriter(plant.engine, auto_create=False).write(
        [
            Reading("plant1", "MIX1", "temp", to_micros(made + timedelta(minutes=m)), v, "degC")
            for m, v in ((0, 50.0), (1, 90.0), (2, 50.0))
        ]
    )
    _make(plant, "D-1", made, made + timedelta(minutes=5))
    db = plant.engine.url.render_as_string(hide_password=False)
    code, out, err = run(
        capsys, "--db", db, "monitor", "--source", "simulator://?channels=1&rate=5",
        "--record", "--seconds", "1", "--hold",
    )  # fmt: skip
    assert code == 0, err
    assert "held DOUGH/D-1 for review (sensor excursion)" in out
    assert "flagged DOUGH/D-1: MIX1/temp 90 degC above USL 80" in out
    code, out, _ = run(
        capsys, "--db", db, "monitor", "--source", "simulator://?channels=1&rate=5",
        "--record", "--seconds", "1", "--hold",
    )  # fmt: skip
    assert code == 0
    assert "held" not in out
