"""The shipped scan sounds are audible, short and tell done, look-again and refused apart; the
amber panel for a step already recorded takes the theme's warning colours."""

from __future__ import annotations

import wave
from importlib.resources import as_file, files

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from traceapp.ui.scan_station.feedback import FeedbackPanel
from traceapp.ui.theme import COLOURS, Theme, apply_theme

SOUNDS = ("ok.wav", "warning.wav", "refused.wav")


def _samples(name: str) -> tuple[np.ndarray, int]:
    resource = files("traceapp.resources").joinpath(f"sounds/{name}")
    with as_file(resource) as path, wave.open(str(path), "rb") as sound:
        assert (sound.getnchannels(), sound.getsampwidth()) == (1, 2)
        frames = sound.readframes(sound.getnframes())
        rate = sound.getframerate()
    return np.frombuffer(frames, dtype=np.int16).astype(np.float64) / 32768, rate


def _pitch(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


@pytest.mark.parametrize("name", SOUNDS)
def test_each_sound_is_short_loud_enough_and_does_not_clip(name: str) -> None:
    samples, rate = _samples(name)
    seconds = len(samples) / rate
    assert 0.1 <= seconds <= 0.6  # over before the next scan (a scanner fires every ~0.5 s)
    peak = float(np.max(np.abs(samples)))
    rms = float(np.sqrt(np.mean(samples**2)))
    assert 0.3 <= peak < 0.99  # -10 dBFS or louder, never clipped
    assert rms >= 0.1
    assert abs(samples[0]) < 0.05  # faded: no click at either end
    assert abs(samples[-1]) < 0.05


def test_the_three_sounds_are_told_apart_by_pitch() -> None:
    pitches = {name: _pitch(*_samples(name)) for name in SOUNDS}
    # done is high (880 -> 1320 Hz), refused low (220 Hz), look-again between (660 Hz)
    assert pitches["refused.wav"] < 400 < pitches["warning.wav"] < 800 < pitches["ok.wav"]


@pytest.mark.gui
@pytest.mark.parametrize("theme", list(Theme))
def test_the_warning_panel_is_amber_in_both_themes(
    qtbot: QtBot, qapp: QApplication, theme: Theme
) -> None:
    apply_theme(qapp, theme)
    panel = FeedbackPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 200)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_warning("Received FLOUR/L-118 — 25 kg", "Already recorded; nothing new saved.")
    assert panel.state == "warning"
    assert panel.shown_lines()[0] == "Received FLOUR/L-118 — 25 kg"
    colour = panel.grab().toImage().pixelColor(QPoint(panel.width() // 2, 4)).name()
    assert colour == COLOURS[theme].warning_bg
    apply_theme(qapp, Theme.LIGHT)
