"""The handling steps through the `traceapp` command, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import clean_env
from traceapp.cli import main
from traceapp.db.uow import UnitOfWork
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.database import open_database
from traceapp.services.receiving import receive

TIMEOUT_S = 120


def cmd(text: str) -> list[str]:
    """Arguments written as a shell line, so the tests read like what a person types."""
    return shlex.split(text)


def run_cli(args: Sequence[str], home: Path) -> subprocess.CompletedProcess[str]:
    """`python -m traceapp ...` in a clean environment (no user settings, no TRACEAPP_DB)."""
    env = clean_env(TRACEAPP_CONFIG_DIR=str(home / "config"), TRACEAPP_DATA_DIR=str(home / "data"))
    return subprocess.run(
        [sys.executable, "-m", "traceapp", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        check=False,
    )


def run_json(args: Sequence[str], home: Path) -> Any:
    done = run_cli(["--json", *args], home)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`traceapp ...` in this process: faster where the process boundary is not the point."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def call_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = call(capsys, "--json", *args)
    assert code == 0, err
    return json.loads(out)


def counts(capsys: pytest.CaptureFixture[str], url: str) -> dict[str, int]:
    code, out, err = call(capsys, "--db", url, "--json", "db", "info")
    assert code == 0, err
    result: dict[str, int] = json.loads(out)["counts"]
    return result


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def plant(db_url: str) -> Iterator[str]:
    """A database with a site, a station, a mixer, products, a supplier, a customer and lot F-1."""
    # Built through the services (one open, not one per command) to keep the tests quick.
    engine, _ = open_database(db_url)
    try:
        with UnitOfWork(engine) as uow:
            masterdata.add_location(
                uow, actor=masterdata.actor_for(uow), code="SITE1", name="Main plant", kind="site"
            )
        for code, kind in (("RCV1", "station"), ("MIX1", "equipment")):
            with UnitOfWork(engine) as uow:
                masterdata.add_location(
                    uow,
                    actor=masterdata.actor_for(uow),
                    code=code,
                    name=code,
                    kind=kind,
                    parent="SITE1",
                )
        for part, kind in (("FLOUR", "raw"), ("DOUGH", "intermediate")):
            with UnitOfWork(engine) as uow:
                masterdata.add_product(
                    uow,
                    actor=masterdata.actor_for(uow),
                    part_number=part,
                    name=part.title(),
                    unit="kg",
                    kind=kind,
                )
        for code, kind in (("MILL", "supplier"), ("SHOP1", "customer")):
            with UnitOfWork(engine) as uow:
                masterdata.add_party(
                    uow, actor=masterdata.actor_for(uow), code=code, name=code.title(), kind=kind
                )
        with UnitOfWork(engine) as uow:
            receive(
                uow,
                actor=masterdata.actor_for(uow, station="RCV1"),
                supplier="MILL",
                supplier_lot_code="F-1",
                product="FLOUR",
                quantity=Quantity.parse("100 kg"),
            )
    finally:
        engine.dispose()
    return db_url


def test_master_data_added_from_the_command_line_is_listed(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["location", "add", "SITE1", "--name", "Main plant", "--kind", "site"],
        ["location", "add", "RCV1", "--name", "Dock", "--kind", "station", "--parent", "SITE1"],
        cmd(
            'product add FLOUR --name "Wheat flour" --unit kgs --shelf-life-days 90 --gtin 4006381333931'
        ),
        cmd(
            'party add MILL --name "Northern Mill" --kind supplier --contact-email qa@mill.example'
        ),
    ):
        code, out, err = call(capsys, "--db", db_url, *args)
        assert code == 0, (args, err)
        assert out.startswith("Added ")

    code, out, _ = call(capsys, "--db", db_url, "--json", "product", "list")
    assert json.loads(out)[0] | {"id": None} == {
        "id": None,
        "part_number": "FLOUR",
        "name": "Wheat flour",
        "unit": "kg",
        "kind": "raw",
        "gtin": "04006381333931",
        "shelf_life_days": 90,
    }
    code, out, err = call(capsys, "--db", db_url, "location", "list")
    assert code == 0, err
    assert out.splitlines()[0].split() == ["CODE", "NAME", "KIND", "PARENT"]
    assert out.splitlines()[1].split() == ["RCV1", "Dock", "station", "SITE1"]
    code, out, _ = call(capsys, "--db", db_url, "--json", "party", "list", "--kind", "supplier")
    assert [(p["code"], p["contact_email"]) for p in json.loads(out)] == [
        ("MILL", "qa@mill.example")
    ]
    code, _, err = call(
        capsys, "--db", db_url, "product", "add", "FLOUR", "--name", "x", "--unit", "kg"
    )
    assert code == 2
    assert "already exists" in err


def test_receive_produce_pack_ship_then_lot_show_json_has_the_whole_story(
    plant: str, tmp_path: Path
) -> None:
    received = run_json(
        [
            "--db",
            plant,
            *cmd('receive --supplier MILL --supplier-lot F-2 --product FLOUR --qty "50 kg"'),
            *cmd("--station RCV1 --doc DN-7"),
        ],
        tmp_path,
    )
    assert received["lots"][0]["on_hand"] == {"value": "50", "unit": "kg"}
    assert received["lots"][0]["name"] == "FLOUR/F-2"
    assert received["event"]["station"] == "RCV1"
    made = run_json(
        [
            "--db",
            plant,
            *cmd('produce --input FLOUR/F-1=60kg "F-2=10 kg" --output DOUGH/D-1=68kg'),
            *cmd("--equipment MIX1"),
        ],
        tmp_path,
    )
    assert made["event"]["event_type"] == "TransformationEvent"
    run_json(["--db", plant, "pack", "CASE-1", "D-1=20kg"], tmp_path)
    run_json(["--db", plant, "pack", "PAL-1", "CASE-1", "--kind", "pallet"], tmp_path)
    shipped = run_json(["--db", plant, "ship", "--customer", "SHOP1", "PAL-1"], tmp_path)
    assert shipped["event"]["party"] == "SHOP1"

    dough = run_json(["--db", plant, "lot", "show", "DOUGH/D-1"], tmp_path)

    assert dough["lot"]["status"] == "active"
    assert dough["lot"]["on_hand"] == {"value": "48", "unit": "kg"}
    assert dough["lot"]["initial"] == {"value": "68", "unit": "kg"}
    assert sorted((p["lot"], p["quantity"]["value"]) for p in dough["parents"]) == [
        ("FLOUR/F-1", "60"),
        ("FLOUR/F-2", "10"),
    ]
    assert [e["step"] for e in dough["events"]][:2] == ["produce", "pack"]
    for event in dough["events"]:
        uuid.UUID(event["id"])
        assert datetime.fromisoformat(event["event_time"]).utcoffset() is not None
    flour = run_json(["--db", plant, "lot", "show", "FLOUR/F-1"], tmp_path)
    assert flour["lot"]["on_hand"] == {"value": "40", "unit": "kg"}
    assert [c["lot"] for c in flour["children"]] == ["DOUGH/D-1"]


BAD_INPUTS = {
    "unknown product": (
        cmd('receive --supplier MILL --supplier-lot X-1 --product NOPE --qty "5 kg"'),
        3,
        "There is no product 'NOPE'",
    ),
    "mass balance exceeded": (
        ["produce", "--input", "FLOUR/F-1=500kg", "--output", "DOUGH/D-9=490kg"],
        2,
        "has 100 kg available; 500 kg requested",
    ),
    "quantity that is not a number": (
        cmd("receive --supplier MILL --supplier-lot X-2 --product FLOUR --qty abc"),
        2,
        "'abc' is not a quantity",
    ),
    "unknown lot code": (
        ["ship", "--customer", "SHOP1", "NO-SUCH-LOT=1kg"],
        3,
        "No lot, container or code binding carries the code 'NO-SUCH-LOT'",
    ),
    "unknown station": (
        cmd(
            'receive --supplier MILL --supplier-lot X-3 --product FLOUR --qty "5 kg" --station NOWHERE'
        ),
        3,
        "There is no station 'NOWHERE'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    case: str, plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args, expected_code, expected_message = BAD_INPUTS[case]
    before = counts(capsys, plant)

    code, out, err = call(capsys, "--db", plant, *args)

    assert code == expected_code, err
    assert err.startswith("error: ")
    assert expected_message in err
    assert "hint: " in err
    assert out == ""
    assert counts(capsys, plant) == before


def test_refused_step_exits_non_zero_from_a_real_process_without_a_traceback(
    plant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(capsys, plant)
    done = run_cli(["--db", plant, "ship", "--customer", "SHOP1", "F-1=abc"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "error: 'abc' is not a quantity."
    assert "Traceback" not in done.stderr
    assert counts(capsys, plant) == before


def test_bad_input_with_json_also_reports_the_error_on_stdout(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(
        capsys,
        "--db",
        plant,
        "--json",
        "produce",
        "--input",
        "F-1=500kg",
        "--output",
        "DOUGH/X=1kg",
    )
    assert code == 2
    error = json.loads(out)["error"]
    assert error["code"] == "insufficient_quantity"
    assert "100 kg available" in error["message"]
    assert error["hint"]
    assert "error: " in err


def test_same_event_id_twice_records_the_step_once(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    event_id = str(uuid.uuid4())
    args = ["--db", plant, "receive", "--supplier", "MILL", "--supplier-lot", "F-7"]
    args += ["--product", "FLOUR", "--qty", "7 kg", "--event-id", event_id]
    before = counts(capsys, plant)

    first = call_json(capsys, *args)
    second = call_json(capsys, *args)
    code, out, _ = call(capsys, *args)

    assert first["event"]["id"] == second["event"]["id"] == event_id
    assert (first["replayed"], second["replayed"]) == (False, True)
    assert code == 0
    assert "Already recorded" in out
    after = counts(capsys, plant)
    assert (after["events"], after["lots"]) == (before["events"] + 1, before["lots"] + 1)


def test_correct_reverses_a_receive(
    plant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    received = call_json(
        capsys,
        *["--db", plant, "receive", "--supplier", "MILL", "--supplier-lot", "F-8"],
        *["--product", "FLOUR", "--qty", "8 kg"],
    )
    wrong = received["event"]["id"]

    corrective = run_json(["--db", plant, "correct", wrong, "--reason", "wrong pallet"], tmp_path)

    assert corrective["event"]["step"] == "correct"
    assert corrective["event"]["reason"] == "wrong pallet"
    lot = call_json(capsys, "--db", plant, "lot", "show", "FLOUR/F-8")
    assert lot["lot"]["status"] == "voided"
    assert lot["lot"]["on_hand"] == {"value": "0", "unit": "kg"}
    receipt = next(e for e in lot["events"] if e["id"] == wrong)
    assert receipt["corrected_by"] == corrective["event"]["id"]
    code, _, err = call(capsys, "--db", plant, "correct", wrong, "--reason", "again")
    assert code == 2
    assert "already been corrected" in err


def test_unpack_and_move_report_what_changed(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert call(capsys, "--db", plant, "pack", "CASE-9", "F-1=10kg")[0] == 0
    code, out, err = call(capsys, "--db", plant, "unpack", "CASE-9")
    assert code == 0, err
    assert out.startswith("Recorded unpack event ")
    code, out, err = call(capsys, "--db", plant, "--json", "move", "--to", "MIX1", "F-1")
    assert code == 0, err
    assert json.loads(out)["lots"][0]["location"] == "MIX1"


def test_lot_show_reads_as_labelled_lines_and_tables(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = call(capsys, "--db", plant, "lot", "show", "F-1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Lot", "FLOUR/F-1"]
    assert "On hand     100 kg" in out
    assert "Supplier    MILL, their lot F-1" in out
    header = next(line for line in lines if "STEP" in line)
    row = next(line for line in lines if " receive " in line)
    assert header.index("STEP") == row.index("receive")


def test_lot_list_filters_by_status_and_text(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = call(capsys, "--db", plant, "--json", "lot", "list", "--status", "active")
    assert code == 0
    assert [lot["name"] for lot in json.loads(out)] == ["FLOUR/F-1"]
    code, out, _ = call(capsys, "--db", plant, "lot", "list", "--search", "nothing-like-it")
    assert (code, out.strip()) == (0, "No lots match.")
