"""`traceapp sensors spc`: SPC enabled on a live channel, listed, disabled; refused settings (SQLite
and PostgreSQL). What the recorder then does with it: tests/services/test_spc_watch.py."""

from __future__ import annotations

import json

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
