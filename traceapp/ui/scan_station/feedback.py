"""The scan station's answer to every step: a big green or red panel in words, and a sound."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from importlib.resources import as_file, files

from PySide6.QtWidgets import QApplication, QFrame, QLabel, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

# Green and red carry meaning here (done / refused), so they are fixed, not taken from the theme;
# white text on them keeps a contrast ratio above 4.5:1 in both the light and the dark theme.
_STYLE = """
QFrame#scanFeedback { border-radius: 8px; border: 2px solid palette(mid); }
QFrame#scanFeedback[state="ok"] { background: #1b7f3a; border-color: #1b7f3a; }
QFrame#scanFeedback[state="error"] { background: #b3261e; border-color: #b3261e; }
QFrame#scanFeedback[state="ok"] QLabel, QFrame#scanFeedback[state="error"] QLabel { color: white; }
"""
TITLE_POINT_SIZE = 22  # read from two metres away, box in hand
DETAIL_POINT_SIZE = 15
PLAY_TIMEOUT_S = 5.0  # a sound player that hangs is abandoned, never waited for by the window


class FeedbackPanel(QFrame):
    """A panel that says what just happened: idle, working, done (green) or refused (red)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scanFeedback")
        self.setStyleSheet(_STYLE)
        self.title = QLabel()
        self.title.setObjectName("scanFeedbackTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSize(TITLE_POINT_SIZE)
        font.setBold(True)
        self.title.setFont(font)
        self.detail = QLabel()
        self.detail.setObjectName("scanFeedbackDetail")
        self.detail.setWordWrap(True)
        font = self.detail.font()
        font.setPointSize(DETAIL_POINT_SIZE)
        self.detail.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        self.setMinimumHeight(120)
        self.show_idle("Ready", "Scan a label.")

    @property
    def state(self) -> str:
        return str(self.property("state"))

    def show_idle(self, title: str, detail: str = "") -> None:
        self._show("idle", title, detail)

    def show_ok(self, title: str, detail: str = "") -> None:
        self._show("ok", title, detail)

    def show_error(self, title: str, detail: str = "") -> None:
        self._show("error", title, detail)

    def _show(self, state: str, title: str, detail: str) -> None:
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        if self.property("state") == state:
            return
        self.setProperty("state", state)
        # A dynamic property only restyles after the style is asked to look again (a few ms:
        # done only when the colour changes).
        self.style().unpolish(self)
        self.style().polish(self)
        for label in (self.title, self.detail):
            label.style().unpolish(label)
            label.style().polish(label)


class FeedbackSound:
    """A short sound for done and for refused, where the machine can play one.

    No QtMultimedia (it would pull in PySide6-Addons): the WAVs shipped in resources/sounds are
    played by `paplay`, `pw-play` or `aplay` when one is on PATH, in a thread, never waited for.
    Without a player the system bell rings for a refusal (QApplication.beep); silence otherwise.
    """

    PLAYERS = ("paplay", "pw-play", "aplay")

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.player = next((p for p in map(shutil.which, self.PLAYERS) if p), None)

    def done(self) -> None:
        self._play("ok.wav", bell=False)

    def refused(self) -> None:
        self._play("refused.wav", bell=True)

    def _play(self, name: str, *, bell: bool) -> None:
        if not self.enabled:
            return
        if self.player is None:
            if bell:
                QApplication.beep()
            return
        threading.Thread(target=self._run, args=(self.player, name), daemon=True).start()

    @staticmethod
    def _run(player: str, name: str) -> None:
        try:
            with as_file(files("traceapp.resources").joinpath(f"sounds/{name}")) as path:
                subprocess.run(
                    [player, str(path)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=PLAY_TIMEOUT_S,
                    check=False,
                )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.info("sound %s not played: %s", name, exc)
