"""`traceapp sensors spc`: SPC enabled on a live channel, listed, disabled; refused settings (SQLite
and PostgreSQL). What the recorder then does with it: tests/services/test_spc_watch.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.test_spc_live import mixer  # noqa: F401  (the fixture)
from traceapp.cli.runner import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_enable_list_and_disable(mixer: Plant, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    db = ("--db", mixer.engine.url.render_as_string(hide_password=False))
    code, out, err = run(capsys, *db, "sensors", "spc", "MIX1/temp", "--rules", "we", "--hold")
    assert code == 0, err
    assert out.strip() == (
        "SPC enabled on MIX1/temp: rules we on second means, limits from the channel's "
        "control limits; holds the lots made in a signal's window."
    )
    code, out, err = run(
        capsys, *db, "sensors", "spc", "MIX1/temp", "--rules", "N1,N2", "--width", "minute",
        "--phase1-from", "2026-11-30T10:00Z", "--phase1-to", "2026-11-30T10:20Z", "--json",
    )  # fmt: skip
    assert code == 0, err
    row = json.loads(out)
    assert (row["rules"], row["width"], row["hold"], row["enabled"]) == (
        "n1,n2",
        "minute",
        False,
        True,
    )
    assert row["phase1"] == ["2026-11-30T10:00:00+00:00", "2026-11-30T10:20:00+00:00"]

    code, out, err = run(capsys, *db, "sensors", "spc", "--list")
    assert code == 0, err
    assert "MIX1/temp" in out
    assert "phase I 2026-11-30T10:00:00+00:00" in out

    code, out, err = run(capsys, *db, "sensors", "spc", "MIX1/temp", "--off", "--json")
    assert code == 0, err
    assert json.loads(out)["enabled"] is False
    code, out, err = run(capsys, *db, "sensors", "spc", "--list", "--json")
    assert [(r["channel"], r["enabled"]) for r in json.loads(out)] == [("MIX1/temp", False)]


def test_bad_settings_are_refused_with_what_to_do(
    mixer: Plant,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = ("--db", mixer.engine.url.render_as_string(hide_password=False))
    for extra, message in (
        (("--rules", "N9"), "'N9' is not a run rule"),
        (("--center", "50"), "Give --center and --sigma together"),
        (("--phase1-from", "2026-11-30T10:00Z"), "A phase-I window needs both ends"),
        (("--center", "50", "--sigma", "0"), "Sigma 0 is not above zero"),
    ):
        code, _, err = run(capsys, *db, "sensors", "spc", "MIX1/temp", *extra)
        assert code != 0
        assert message in err
    code, _, err = run(capsys, *db, "sensors", "spc", "MIX1/nope")
    assert code != 0
    assert "MIX1/nope" in err
    code, _, err = run(capsys, *db, "sensors", "spc")
    assert code != 0
    assert "Name the channel" in err


def test_the_recorder_raises_the_alarm_without_anyone_asking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """traceapp monitor --record on the simulator: SPC enabled on its channel with a centre its
    readings are far from, the recorder's review stores the signals as one alarm and says so."""
    for name, value in (
        ("TRACEAPP_CONFIG_DIR", str(tmp_path / "config")),
        ("TRACEAPP_DATA_DIR", str(tmp_path / "data")),
        ("TRACEAPP_ADMIN_PASSWORD", "admin-pass-123"),
        ("TRACEAPP_USER", "admin"),
        ("TRACEAPP_PASSWORD", "admin-pass-123"),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    db = ("--db", f"sqlite:///{tmp_path / 'plant.db'}")
    record = ("monitor", "--source", "simulator://?channels=1&rate=20&seed=1", "--record")
    code, _, err = run(capsys, *db, *record, "--seconds", "0.5")  # makes the channel
    assert code == 0, err
    code, out, err = run(
        capsys, *db, "sensors", "spc", "eq01/temp", "--rules", "N1", "--center", "0",
        "--sigma", "0.001",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(capsys, *db, *record, "--seconds", "2.5", "--json")
    assert code == 0, err
    events = [json.loads(line).get("event", "") for line in out.splitlines()]
    alarms = [e for e in events if e.startswith("SPC alarm")]
    assert alarms, events
    assert alarms[0].startswith("SPC alarm: eq01/temp rule N1, "), alarms
