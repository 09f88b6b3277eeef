"""The scan station's answer to every step: a big green or red panel in words, and a sound."""

from __future__ import annotations

import html
import logging
import shutil
import subprocess
import threading
from importlib.resources import as_file, files

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QWidget

log = logging.getLogger(__name__)

# The colours come from the theme's stylesheet (traceapp/ui/theme.py), which styles these object
# names: green for done, amber for look-again (already recorded), red for refused, plain for
# everything else, in light and dark.
OBJECT_NAMES = {
    "idle": "feedbackIdle",
    "ok": "feedbackOk",
    "warning": "feedbackWarning",
    "error": "feedbackRefused",
}
DETAIL_POINT_SIZE = 15  # the title takes the theme's size (26 pt); the reason reads smaller
# A refusal's second line is what to do about it, and says so: the inspector reads it at a glance.
WHAT_TO_DO = str(QT_TRANSLATE_NOOP("ScanStation", "What to do: {hint}"))
MIN_TITLE_POINT_SIZE = 16  # a long code shrinks the title down to this, never below
# Codes such as RM-FLOUR-T55/W-WALK-1 must not wrap at their hyphens ("RM-" / "FLOUR-T55/W-"):
# shown with non-breaking hyphens they wrap only at spaces or after a "/".
NON_BREAKING_HYPHEN = "\u2011"
PLAY_TIMEOUT_S = 5.0  # a sound player that hangs is abandoned, never waited for by the window


class FeedbackPanel(QLabel):
    """A big panel that says what just happened: idle, done (green) or refused (red). Under the
    title, a second line: what was done, or for a refusal what to do next."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setMinimumHeight(140)
        self._state = ""
        self.title_text = ""
        self.detail_text = ""
        self._act = False  # the detail is what to do next (a refusal), shown as such
        self.show_idle(
            QCoreApplication.translate("ScanStation", "Ready"),
            QCoreApplication.translate("ScanStation", "Scan a label."),
        )

    @property
    def state(self) -> str:
        return self._state

    def shown_lines(self) -> list[str]:
        """The lines the panel shows, as plain text (what a person reads on it)."""
        document = QTextDocument()
        document.setHtml(self.text())
        text = document.toPlainText().replace(NON_BREAKING_HYPHEN, "-")  # it looks like one
        return [line for line in text.splitlines() if line.strip()]

    def show_idle(self, title: str, detail: str = "") -> None:
        self._show("idle", title, detail)

    def show_ok(self, title: str, detail: str = "") -> None:
        self._show("ok", title, detail)

    def show_warning(self, title: str, detail: str = "") -> None:
        """Amber: nothing went wrong, but look (e.g. a step already recorded, not again)."""
        self._show("warning", title, detail)

    def show_error(self, title: str, detail: str = "") -> None:
        """Red, with the detail as it is given (e.g. a failed inspection: what follows from it)."""
        self._show("error", title, detail)

    def show_refused(self, reason: str, what_to_do: str) -> None:
        """Red: the reason as the title, then "What to do: …" on a line of its own."""
        self._show("error", reason, what_to_do, act=True)

    def _title_point_size(self, title: str) -> int | None:
        """A smaller size when the title's widest unbreakable piece (a long lot code) would not
        fit the panel at the theme's size; None keeps the theme's size."""
        font = QFont(self.font())
        size = font.pointSize()
        width = self.contentsRect().width()
        if size <= 0 or width <= 0:
            return None
        pieces = title.replace("/", "/ ").split()
        widest = max((QFontMetrics(font).horizontalAdvance(p) for p in pieces), default=0)
        if widest <= width:
            return None
        return max(MIN_TITLE_POINT_SIZE, size * width // widest)

    def _render(self) -> None:
        title, detail = self.title_text, self.detail_text
        shown = html.escape(title).replace("-", NON_BREAKING_HYPHEN)
        size = self._title_point_size(title.replace("-", NON_BREAKING_HYPHEN))
        style = f' style="font-size: {size}pt;"' if size is not None else ""
        body = f"<div{style}>{shown}</div>"
        if detail:
            # A detail of several lines (e.g. a failed inspection's reasons) keeps its lines.
            said = html.escape(detail).replace("-", NON_BREAKING_HYPHEN).replace("\n", "<br>")
            if self._act:
                # "What to do:" in bold, the hint after it: the line to act on, set apart from
                # the reason above by a gap.
                label, _, rest = (
                    html.escape(QCoreApplication.translate("ScanStation", WHAT_TO_DO))
                    .replace("-", NON_BREAKING_HYPHEN)
                    .partition("{hint}")
                )
                said = f"<b>{label}</b>{said}{rest}"
                gap = " margin-top: 10px;"
            else:
                gap = ""
            body += (
                f'<div style="font-size: {DETAIL_POINT_SIZE}pt; font-weight: normal;{gap}">'
                f"{said}</div>"
            )
        if body != self.text():
            self.setText(body)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._render()

    def _show(self, state: str, title: str, detail: str, *, act: bool = False) -> None:
        self.title_text, self.detail_text = title, detail
        self._act = act
        changed = state != self._state
        self._state = state
        self._render()
        self.setAccessibleName(title)
        self.setAccessibleDescription(detail)
        if not changed:
            return
        self.setObjectName(OBJECT_NAMES[state])
        # A new object name restyles only after the style is asked to look again (a few ms:
        # done only when the colour changes).
        self.style().unpolish(self)
        self.style().polish(self)


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

    def warning(self) -> None:
        """Two short mid beeps: look at the panel, nothing was refused."""
        self._play("warning.wav", bell=False)

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
