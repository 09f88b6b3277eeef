"""`traceapp trace`: a lot forward to customers, a pallet backward, equipment windows, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from traceapp.cli import main
from traceapp.db.uow import UnitOfWork
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.database import open_database
from traceapp.services.masterdata import actor_for
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.receiving import receive
from traceapp.services.shipping import ship

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def call_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = call(capsys, "--json", *args)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def plant(db_url: str) -> str:
    """Flour F-1 → dough D-1 (on MIX1) → cookies C-1 in CASE-1 on PAL-1, shipped to SHOP1; 10 kg
    of F-1 shipped loose to SHOP2 later."""
    engine, _ = open_database(db_url)
    try:
        with UnitOfWork(engine) as uow:
            masterdata.ensure_builtin_users(uow)
        with UnitOfWork(engine) as uow:
            masterdata.add_location(
                uow, actor=masterdata.actor_for(uow), code="SITE1", name="Main plant", kind="site"
            )
        for code, name, kind in (("RCV1", "Receiving", "station"), ("MIX1", "Mixer", "equipment")):
            with UnitOfWork(engine) as uow:
                masterdata.add_location(
                    uow,
                    actor=masterdata.actor_for(uow),
                    code=code,
                    name=name,
                    kind=kind,
                    parent="SITE1",
                )
        for part, name, unit, kind in (
            ("FLOUR", "Wheat flour", "kg", "raw"),
            ("DOUGH", "Dough", "kg", "intermediate"),
            ("COOKIE", "Cookies 500 g", "ea", "finished"),
        ):
            with UnitOfWork(engine) as uow:
                masterdata.add_product(
                    uow,
                    actor=masterdata.actor_for(uow),
                    part_number=part,
                    name=name,
                    unit=unit,
                    kind=kind,
                )
        with UnitOfWork(engine) as uow:
            masterdata.add_party(
                uow,
                actor=masterdata.actor_for(uow),
                code="MILL",
                name="Northern Mill",
                kind="supplier",
            )
        with UnitOfWork(engine) as uow:
            masterdata.add_party(
                uow,
                actor=masterdata.actor_for(uow),
                code="SHOP1",
                name="Corner Shop",
                kind="customer",
                contact_name="Ann Recall",
                contact_email="qa@shop1.example",
                contact_phone="+44 20 7946 0000",
            )
        with UnitOfWork(engine) as uow:
            masterdata.add_party(
                uow,
                actor=masterdata.actor_for(uow),
                code="SHOP2",
                name="Market Stall",
                kind="customer",
            )
        with UnitOfWork(engine) as uow:
            actor = actor_for(uow, station="RCV1")
        at = T0
        with UnitOfWork(engine) as uow:
            receive(
                uow,
                actor=actor,
                supplier="MILL",
                supplier_lot_code="F-1",
                product="FLOUR",
                quantity=Quantity.parse("100 kg"),
                event_time=at,
            )
        with UnitOfWork(engine) as uow:
            produce(
                uow,
                actor=actor,
                inputs=[InputSpec("FLOUR/F-1", Quantity.parse("40 kg"))],
                outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("40 kg"))],
                equipment="MIX1",
                started_at=at + timedelta(hours=0.5),
                ended_at=at + timedelta(hours=1),
                event_time=at + timedelta(hours=1),
            )
        with UnitOfWork(engine) as uow:
            produce(
                uow,
                actor=actor,
                inputs=[InputSpec("DOUGH/D-1", Quantity.parse("40 kg"))],
                outputs=[OutputSpec("COOKIE", "C-1", Quantity.parse("80 ea"))],
                event_time=at + timedelta(hours=2),
            )
        for container, items, kind, hours in (
            ("CASE-1", ["COOKIE/C-1"], "case", 3),
            ("PAL-1", ["CASE-1"], "pallet", 4),
        ):
            with UnitOfWork(engine) as uow:
                pack(
                    uow,
                    actor=actor,
                    container=container,
                    kind=kind,
                    items=[PackItem(item) for item in items],
                    event_time=at + timedelta(hours=hours),
                )
        for customer, item, hours in (
            ("SHOP1", PackItem("PAL-1"), 5),
            ("SHOP2", PackItem("FLOUR/F-1", Quantity.parse("10 kg")), 6),
        ):
            with UnitOfWork(engine) as uow:
                ship(
                    uow,
                    actor=actor,
                    customer=customer,
                    items=[item],
                    reference_document=f"DN-{customer}",
                    event_time=at + timedelta(hours=hours),
                )
    finally:
        engine.dispose()
    return db_url


def test_forward_trace_json_gives_lots_containers_shipments_customers_and_time(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = call_json(capsys, "--db", plant, "trace", "FLOUR/F-1", "--direction", "forward")
    assert result["direction"] == "forward"
    assert result["unit"] == "kg"
    lots = {lot["name"]: lot for lot in result["lots"]}
    assert {name: lot["quantity"] for name, lot in lots.items()} == {
        "FLOUR/F-1": {"value": "100", "unit": "kg"},
        "DOUGH/D-1": {"value": "40", "unit": "kg"},
        "COOKIE/C-1": {"value": "40", "unit": "kg"},  # of the flour, in the flour's unit
    }
    assert lots["COOKIE/C-1"]["product_name"] == "Cookies 500 g"
    assert lots["COOKIE/C-1"]["status"] == "shipped"
    assert [lot["depth"] for lot in result["lots"]] == [0, 1, 2]
    assert {c["code"] for c in result["containers"]} == {"CASE-1", "PAL-1"}
    shipments = [(s["customer"], s["containers"], s["quantity"]) for s in result["shipments"]]
    assert shipments == [
        ("SHOP1", ["PAL-1"], {"value": "40", "unit": "kg"}),
        ("SHOP2", [], {"value": "10", "unit": "kg"}),
    ]
    assert result["shipments"][0]["shipped_at"] == _at(5)
    assert result["shipments"][0]["reference_document"] == "DN-SHOP1"
    shop1, shop2 = result["customers"]
    assert (shop1["code"], shop1["contact_email"], shop1["contact_phone"]) == (
        "SHOP1",
        "qa@shop1.example",
        "+44 20 7946 0000",
    )
    assert shop1["quantity"] == {"value": "40", "unit": "kg"}
    assert shop1["first_shipped"] == _at(5)
    assert shop2["code"] == "SHOP2"
    assert result["counts"] == {
        "lots": 3,
        "containers": 2,
        "shipments": 2,
        "customers": 2,
        "suppliers": 0,
    }
    assert isinstance(result["elapsed_ms"], float)
    assert result["elapsed_ms"] > 0


def test_time_window_narrows_the_shipments(plant: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = call_json(
        capsys, "--db", plant, "trace", "FLOUR/F-1", "--from", _at(5.5), "--to", _at(7)
    )
    assert [s["customer"] for s in result["shipments"]] == ["SHOP2"]
    assert [c["code"] for c in result["customers"]] == ["SHOP2"]
    assert result["window"] == {"from": _at(5.5), "to": _at(7)}
    assert len(result["lots"]) == 3  # the window narrows shipments, not the genealogy


def test_backward_trace_from_a_shipped_pallet_reaches_the_supplier(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = call_json(capsys, "--db", plant, "trace", "PAL-1", "--direction", "backward")
    assert result["start"] == ["COOKIE/C-1"]
    amounts = {lot["name"]: lot["quantity"] for lot in result["lots"]}
    assert amounts["FLOUR/F-1"] == {"value": "40", "unit": "kg"}
    assert amounts["DOUGH/D-1"] == {"value": "40", "unit": "kg"}
    assert [s["code"] for s in result["suppliers"]] == ["MILL"]
    assert result["shipments"] == []


def test_both_directions_is_the_default(plant: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = call_json(capsys, "--db", plant, "trace", "DOUGH/D-1")
    assert result["direction"] == "both"
    assert [lot["name"] for lot in result["lots"]] == ["FLOUR/F-1", "DOUGH/D-1", "COOKIE/C-1"]
    assert [c["code"] for c in result["customers"]] == ["SHOP1"]


def test_equipment_trace_finds_the_lots_that_ran_in_the_window(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = call_json(
        capsys, "--db", plant, "trace", "--equipment", "MIX1", "--from", _at(0), "--to", _at(2)
    )
    # What MIX1 made in the window and where it went; the flour that went in is listed as
    # processed there, not traced from (its other uses are not suspect).
    assert {lot["name"] for lot in result["lots"]} == {"DOUGH/D-1", "COOKIE/C-1"}
    assert [(p["lot"], p["made"]) for p in result["processed"]] == [
        ("DOUGH/D-1", True),
        ("FLOUR/F-1", False),
    ]
    assert result["counts"]["processed"] == 2
    # SHOP2 got only flour F-1 itself, shipped loose: not made on MIX1, not suspect.
    assert {c["code"] for c in result["customers"]} == {"SHOP1"}
    code, out, err = call(
        capsys, "--db", plant, "trace", "--equipment", "MIX1", "--from", _at(0), "--to", _at(2)
    )
    assert code == 0, err
    processed = out[out.index("Processed in the window") :]
    flour = next(line for line in processed.splitlines() if "FLOUR/F-1" in line)
    assert "went in" in flour
    empty = call_json(
        capsys, "--db", plant, "trace", "--equipment", "MIX1", "--from", _at(2), "--to", _at(3)
    )
    assert empty["lots"] == []
    assert empty["counts"]["lots"] == 0


def test_human_output_summarises_then_lists_customers_and_lots(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(capsys, "--db", plant, "trace", "FLOUR/F-1", "--direction", "forward")
    assert code == 0, err
    assert "3 lots, 2 containers, 2 shipments, 2 customers" in out
    assert " ms" in out
    customers_at = out.index("Customers to contact")
    lots_at = out.index("\nLots\n")
    assert customers_at < lots_at
    shop1 = next(line for line in out.splitlines() if line.strip().startswith("SHOP1"))
    assert "Ann Recall, qa@shop1.example, +44 20 7946 0000" in shop1
    assert "40 kg" in shop1
    cookie = next(line for line in out[lots_at:].splitlines() if "COOKIE/C-1" in line)
    assert "Cookies 500 g" in cookie
    assert "shipped" in cookie
    assert not any(line != line.rstrip() for line in out.splitlines())


def test_an_unknown_code_exits_3(plant: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call(capsys, "--db", plant, "--json", "trace", "NOPE-404")
    assert code == 3
    assert json.loads(out)["error"]["code"] == "unknown_code"
    assert "NOPE-404" in err


def test_a_window_ending_before_it_starts_exits_2(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(
        capsys, "--db", plant, "--json", "trace", "FLOUR/F-1", "--from", _at(5), "--to", _at(1)
    )
    assert code == 2
    assert json.loads(out)["error"]["code"] == "invalid_input"
    assert "--from" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--equipment", "MIX1"], "--equipment needs a time window"),
        (["--equipment", "MIX1", "--from", "2026-03-02T08:00+00:00"], "--equipment needs"),
        (["FLOUR/F-1", "--equipment", "MIX1"], "not both"),
        ([], "Nothing to trace"),
        (["FLOUR/F-1", "--from", "yesterday"], "is not a date and time"),
    ],
)
def test_usage_mistakes_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Refused before the database is opened, so the file is never created.
    db = tmp_path / "never.db"
    code, _, err = call(capsys, "--db", f"sqlite:///{db}", "trace", *args)
    assert code == 2
    assert message in err
    assert not db.exists()


def test_an_unknown_direction_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["trace", "FLOUR/F-1", "--direction", "sideways"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_an_unknown_equipment_exits_3(plant: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call(
        capsys, "--db", plant, "trace", "--equipment", "OVEN9", "--from", _at(0), "--to", _at(1)
    )
    assert code == 3
    assert "OVEN9" in err
