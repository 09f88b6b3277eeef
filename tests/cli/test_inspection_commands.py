"""`traceapp plan add|show`, `traceapp inspect`, `traceapp lot inspections`, end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import ADMIN_PASSWORD
from traceapp.cli import main

QM_PASSWORD = "quality-pass-1"
OPERATOR_PASSWORD = "operator-pass-1"
AUDITOR_PASSWORD = "auditor-pass-1"
DIAMETER = "diameter:variable:12.00:11.90:12.10:mm:2"
SEAL = "seal:attribute:ok:ok,leak,crease"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def call_json(capsys: pytest.CaptureFixture[str], *args: str, expect: int = 0) -> Any:
    code, out, err = call(capsys, "--json", *args)
    assert code == expect, err
    return json.loads(out)


def log_in_as(monkeypatch: pytest.MonkeyPatch, user: str, password: str) -> None:
    monkeypatch.setenv("TRACEAPP_USER", user)
    monkeypatch.setenv("TRACEAPP_PASSWORD", password)


@pytest.fixture
def plant(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """Admin, a quality manager, an operator, an auditor; cookies received as lots L-1 and L-2."""
    for name, role, password in (
        ("quinn", "quality_manager", QM_PASSWORD),
        ("olga", "operator", OPERATOR_PASSWORD),
        ("arne", "auditor", AUDITOR_PASSWORD),
    ):
        with monkeypatch.context() as m:
            m.setenv("TRACEAPP_NEW_PASSWORD", password)
            code, _, err = call(
                capsys, "--db", db_url, "user", "add", name, "--full-name", name.title(),
                "--role", role,
            )  # fmt: skip
        assert code == 0, err
    for args in (
        ["product", "add", "COOKIE", "--name", "Cookie", "--unit", "ea", "--kind", "raw"],
        ["party", "add", "BAKERY", "--name", "Bakery", "--kind", "supplier"],
        ["party", "add", "SHOP", "--name", "Shop", "--kind", "customer"],
        ["location", "add", "QC1", "--name", "QC bench", "--kind", "station"],
        ["receive", "--supplier", "BAKERY", "--supplier-lot", "L-1", "--product", "COOKIE",
         "--qty", "100ea"],
        ["receive", "--supplier", "BAKERY", "--supplier-lot", "L-2", "--product", "COOKIE",
         "--qty", "100ea"],
    ):  # fmt: skip
        code, _, err = call(capsys, "--db", db_url, *args)
        assert code == 0, err
    log_in_as(monkeypatch, "quinn", QM_PASSWORD)
    code, out, err = call(
        capsys, "--db", db_url, "plan", "add", "COOKIE", "--step", "final", "--char", DIAMETER,
        "--char", SEAL, "--char", "blemishes:count:2",
    )  # fmt: skip
    assert code == 0, err
    assert "Added COOKIE @ final v1 (now the active plan)." in out
    assert "11.90 .. 12.10 mm (nominal 12.00)" in out
    monkeypatch.setenv("TRACEAPP_USER", "admin")
    monkeypatch.setenv("TRACEAPP_PASSWORD", ADMIN_PASSWORD)
    return db_url


def test_a_failed_inspection_exits_1_holds_the_lot_and_it_cannot_be_shipped(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    code, out, err = call(
        capsys, "--db", plant, "--station", "QC1", "inspect", "COOKIE/L-1", "--value",
        "diameter=12.43", "--value", "seal= OK", "--value", "blemishes=0",
    )  # fmt: skip
    assert code == 1, err
    assert "FAILED" in out
    assert "diameter: 12.43 mm is above the USL 12.10 mm" in out
    assert "Lot put on hold by the system (rule: inspection failed: diameter)." in out
    assert call_json(capsys, "--db", plant, "lot", "show", "COOKIE/L-1")["lot"]["status"] == (
        "on_hold"
    )
    code, _, err = call(capsys, "--db", plant, "ship", "--customer", "SHOP", "COOKIE/L-1=1ea")
    assert code == 2
    assert "ON HOLD" in err
    decisions = call_json(capsys, "--db", plant, "lot", "decisions", "COOKIE/L-1")
    assert [(d["decided_by"], d["rule"]) for d in decisions] == [
        ("system", "inspection failed: diameter")
    ]
    found = call_json(capsys, "--db", plant, "lot", "inspections", "COOKIE/L-1")
    (inspection,) = found["inspections"]
    assert (inspection["result"], inspection["inspector"], inspection["station"]) == (
        "failed",
        "olga",
        "QC1",
    )
    assert [(c["characteristic"], c["passed"]) for c in inspection["checks"]] == [
        ("diameter", False),
        ("seal", True),
        ("blemishes", True),
    ]
    assert inspection["checks"][1]["answer"] == "ok"
    (nc,) = found["nonconformances"]
    assert nc["status"] == "open"
    code, out, _ = call(capsys, "--db", plant, "lot", "inspections", "COOKIE/L-1")
    assert "COOKIE @ final v1  FAILED  by olga at QC1" in out
    assert "Nonconformances:" in out


def test_a_passing_inspection_exits_0_and_json_gives_the_record(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    outcome = call_json(
        capsys, "--db", plant, "inspect", "COOKIE/L-2", "--value", "diameter=12,034",
        "--value", "seal=pass", "--value", "blemishes=2",
    )  # fmt: skip
    assert outcome["inspection"]["result"] == "passed"
    assert outcome["lot_status"] == "active"
    assert outcome["nonconformance"] is None
    assert outcome["inspection"]["checks"][0]["value"] == "12.03"


def test_a_failed_inspection_with_json_exits_1_with_the_whole_record(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    outcome = call_json(
        capsys, "--db", plant, "inspect", "COOKIE/L-2", "--value", "diameter=12.00",
        "--value", "seal=Crease", "--value", "blemishes=3", expect=1,
    )  # fmt: skip
    assert outcome["hold_rule"] == "inspection failed: seal, blemishes"
    assert outcome["lot_status"] == "on_hold"


def test_a_missing_reading_exits_2_and_records_nothing(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    code, _, err = call(
        capsys, "--db", plant, "inspect", "COOKIE/L-1", "--value", "seal=ok", "--value",
        "blemishes=0",
    )  # fmt: skip
    assert code == 2
    assert "No reading for diameter" in err
    code, _, err = call(
        capsys, "--db", plant, "inspect", "COOKIE/L-1", "--value", "diameter=12", "--value",
        "seal=wobbly", "--value", "blemishes=0",
    )  # fmt: skip
    assert code == 2
    assert "hint: Answer one of: ok, leak, crease." in err
    code, out, _ = call(capsys, "--db", plant, "lot", "inspections", "COOKIE/L-1")
    assert out.strip() == "No inspections of this lot."


def test_only_a_quality_manager_adds_plans_and_an_auditor_does_not_inspect(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    code, _, err = call(
        capsys, "--db", plant, "plan", "add", "COOKIE", "--step", "final", "--char", DIAMETER
    )
    assert code == 2
    assert "olga is an operator and may not manage plans." in err
    log_in_as(monkeypatch, "arne", AUDITOR_PASSWORD)
    code, _, err = call(
        capsys, "--db", plant, "inspect", "COOKIE/L-1", "--value", "diameter=12", "--value",
        "seal=ok", "--value", "blemishes=0",
    )  # fmt: skip
    assert code == 2
    assert "may not inspect" in err


def test_a_plan_from_a_csv_file_becomes_the_next_version(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sheet = tmp_path / "cookie-final.csv"
    sheet.write_text(
        "\ufeffname,kind,nominal,lsl,usl,unit,decimals,passing,answers\n"
        "diameter,variable,12.00,11.95,12.05,mm,2,,\n"
        'seal,attribute,,,,,,ok,"ok,leak,crease,burnt"\n'
        "blemishes,count,,,1,,,,\n",
        encoding="utf-8",
    )
    log_in_as(monkeypatch, "quinn", QM_PASSWORD)
    plan = call_json(
        capsys, "--db", plant, "plan", "add", "COOKIE", "--step", "Final", "--file", str(sheet),
        "--sample-size", "2",
    )  # fmt: skip
    assert (plan["version"], plan["sample_size"], plan["active"]) == (2, 2, True)
    assert plan["characteristics"][1]["answers"] == ["ok", "leak", "crease", "burnt"]
    assert plan["characteristics"][2]["max_count"] == 1
    plans = call_json(capsys, "--db", plant, "plan", "show", "COOKIE", "--all")
    assert [(p["version"], p["active"]) for p in plans] == [(1, False), (2, True)]
    code, out, _ = call(capsys, "--db", plant, "plan", "show", "COOKIE")
    assert "COOKIE @ final v2 (active; sample size 2" in out
    assert "v1" not in out
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    code, _, err = call(
        capsys, "--db", plant, "inspect", "COOKIE/L-2", "--value", "diameter=12.00",
        "--value", "seal=ok", "--value", "blemishes=0",
    )  # fmt: skip
    assert code == 2
    assert "takes 2 sample(s)" in err
    outcome = call_json(
        capsys, "--db", plant, "inspect", "COOKIE/L-2", "--value", "diameter=12.00",
        "--value", "diameter=12.01", "--value", "seal=ok", "--value", "seal=OK",
        "--value", "blemishes=0", "--value", "blemishes=1",
    )  # fmt: skip
    assert (outcome["inspection"]["plan_version"], outcome["inspection"]["result"]) == (
        2,
        "passed",
    )


def test_a_malformed_char_spec_says_how_to_write_it(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "quinn", QM_PASSWORD)
    code, _, err = call(
        capsys, "--db", plant, "plan", "add", "COOKIE", "--step", "final", "--char",
        "diameter:variable:12:11.9:12.1:mm",
    )  # fmt: skip
    assert code == 2
    assert "a variable has 7 parts separated by ':', not 6" in err
    code, _, err = call(
        capsys, "--db", plant, "plan", "add", "COOKIE", "--step", "final", "--char", "x:y:1"
    )
    assert code == 2
    assert "the kind must be variable, attribute or count" in err
