"""`traceapp spc live`: rules on a channel's minute means, signals as JSON, --hold once (SQLite
and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.test_spc_live import mixer  # noqa: F401  (the fixture)
from traceapp.cli.runner import main

WINDOW = ("--from", "2026-11-30T10:00Z", "--to", "2026-11-30T11:00Z")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_live_signals_and_holds_once(
    mixer: Plant,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = mixer.engine.url.render_as_string(hide_password=False)
    base = ("--db", url, "spc", "live", "--channel", "MIX1/temp", *WINDOW, "--rules", "N1")
    code, out, err = run(capsys, *base, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["alarm"] is True
    assert report["limits"] == {
        "center": 50.0,
        "sigma": pytest.approx(20 / 6),
        "lcl": pytest.approx(40.0),
        "ucl": pytest.approx(60.0),
        "source": "control limits",
    }
    assert [(s["rule"], s["time"], s["value"]) for s in report["signals"]] == [
        ("N1", "2026-11-30T10:30:00Z", 62.0),
        ("N1", "2026-11-30T10:31:00Z", 62.0),
        ("N1", "2026-11-30T10:32:00Z", 62.0),
    ]
    assert report["held"] == []

    code, out, err = run(capsys, *base, "--hold", "--json")
    assert code == 0, err
    assert sorted(json.loads(out)["held"]) == ["DOUGH/D-HOT"]  # not its flour input

    code, out, err = run(capsys, *base, "--hold")
    assert code == 0, err
    assert "ALARM: 3 signal(s)" in out
    assert "already held DOUGH/D-HOT (SPC N1 on MIX1/temp)" in out
    assert "\nheld " not in out


def test_the_hold_setting_holds_and_no_hold_overrides_it(
    mixer: Plant,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = mixer.engine.url.render_as_string(hide_password=False)
    base = ("--db", url, "spc", "live", "--channel", "MIX1/temp", *WINDOW, "--rules", "N1")
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.toml").write_text("[monitoring]\nhold_on_spc_signal = 1\n")
    code, _, err = run(capsys, *base, "--json")
    assert code != 0
    assert "hold_on_spc_signal must be true or false" in err
    (tmp_path / "settings.toml").write_text("[monitoring]\nhold_on_spc_signal = true\n")
    code, out, err = run(capsys, *base, "--no-hold", "--json")
    assert code == 0, err
    assert json.loads(out)["held"] == []
    code, out, err = run(capsys, *base, "--json")
    assert code == 0, err
    assert sorted(json.loads(out)["held"]) == ["DOUGH/D-HOT"]  # not its flour input


def test_a_bad_rule_name_exits_with_a_message(
    mixer: Plant,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = mixer.engine.url.render_as_string(hide_password=False)
    code, _, err = run(
        capsys, "--db", url, "spc", "live", "--channel", "MIX1/temp", *WINDOW, "--rules", "N9"
    )
    assert code != 0
    assert "'N9' is not a run rule" in err
