"""The window's wiring reads the workstation's settings: the idle lock time and the last station."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from traceapp.app import idle_lock_from_settings_file
from traceapp.domain.errors import InvalidInput
from traceapp.ui.application import station_for


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path))
    return tmp_path


def test_the_settings_file_sets_the_idle_lock_in_minutes(config_dir: Path) -> None:
    assert idle_lock_from_settings_file() is None  # no file: the window's own default
    (config_dir / "settings.toml").write_text("[workstation]\nidle_lock_minutes = 2.5\n")
    assert idle_lock_from_settings_file() == 150_000
    (config_dir / "settings.toml").write_text("[workstation]\nidle_lock_minutes = 0\n")
    assert idle_lock_from_settings_file() == 0  # never locks by itself


def test_a_wrong_idle_lock_value_says_how_to_write_it(config_dir: Path) -> None:
    (config_dir / "settings.toml").write_text('[workstation]\nidle_lock_minutes = "soon"\n')
    with pytest.raises(InvalidInput, match="idle_lock_minutes must be a number") as raised:
        idle_lock_from_settings_file()
    assert raised.value.hint == "Write e.g. idle_lock_minutes = 10, or 0 to never lock by itself."


def test_the_station_given_is_remembered_for_the_next_start(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert station_for(None, settings) is None
    assert station_for("LYON-PACK-ST1", settings) == "LYON-PACK-ST1"
    assert station_for(None, settings) == "LYON-PACK-ST1"
