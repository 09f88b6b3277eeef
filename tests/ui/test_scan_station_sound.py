"""The scan station's sounds: played by a player found on PATH, in the background, never waited for."""

from __future__ import annotations

import os
import time
import wave
from pathlib import Path

import pytest

from traceapp.ui.scan_station.feedback import FeedbackSound

PLAYER = """#!/bin/sh
sleep 0.3
echo "$1" >> "{log}"
"""


@pytest.fixture
def player_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in `paplay` first on PATH that notes which file it was asked to play."""
    log = tmp_path / "played.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "paplay"
    script.write_text(PLAYER.format(log=log), encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def _wait_for_lines(log: Path, count: int) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if log.exists() and len(lines := log.read_text(encoding="utf-8").split()) >= count:
            return lines
        time.sleep(0.02)
    raise AssertionError(f"the player was not run {count} times")


def test_done_and_refused_play_the_shipped_wavs_without_waiting(player_log: Path) -> None:
    sound = FeedbackSound()
    assert sound.player is not None
    assert sound.player.endswith("paplay")
    started = time.monotonic()
    sound.done()
    sound.refused()
    assert time.monotonic() - started < 0.2  # the player sleeps 0.3 s; the window does not wait
    played = sorted(Path(line).name for line in _wait_for_lines(player_log, 2))
    assert played == ["ok.wav", "refused.wav"]
    for line in _wait_for_lines(player_log, 2):
        with wave.open(line, "rb") as sound_file:  # a real, short WAV
            assert 0.1 < sound_file.getnframes() / sound_file.getframerate() < 1.0


def test_a_station_with_sound_off_plays_nothing(player_log: Path) -> None:
    sound = FeedbackSound(enabled=False)
    sound.done()
    sound.refused()
    time.sleep(0.5)
    assert not player_log.exists()
