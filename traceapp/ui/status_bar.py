"""The status bar: who is signed in, at which station, on which database, the scanner, long work."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from traceapp.domain.actor import Actor
from traceapp.services.sync import SyncStatus
from traceapp.ui.background import Progress
from traceapp.ui.context import StationContext
from traceapp.ui.outbox_conflicts import ConflictsDialog

DATABASE_LABEL_EM = 30  # the database's share of the status bar, in letters
CONTEXT = "StatusBar"  # of the translations (scripts/translations.sh)
# Role names as the status bar says them; QT_TRANSLATE_NOOP lets lupdate find them.
ROLE_WORDS: dict[str, str] = {
    "operator": str(QT_TRANSLATE_NOOP("StatusBar", "operator")),
    "supervisor": str(QT_TRANSLATE_NOOP("StatusBar", "supervisor")),
    "quality_manager": str(QT_TRANSLATE_NOOP("StatusBar", "quality manager")),
    "auditor": str(QT_TRANSLATE_NOOP("StatusBar", "auditor")),
    "admin": str(QT_TRANSLATE_NOOP("StatusBar", "admin")),
}
# What the scanner field says of a keyboard-wedge scanner (the context's default state).
SCANNER_WORDS: dict[str, str] = {"keyboard": str(QT_TRANSLATE_NOOP("StatusBar", "keyboard"))}


def _tr(text: str) -> str:
    """A string marked with QT_TRANSLATE_NOOP above, in the installed language."""
    return QCoreApplication.translate(CONTEXT, text)


def sync_text(status: SyncStatus) -> tuple[str, bool]:
    """The shared-mode link in words for the status bar, and whether all is well."""
    if status.online is False:
        text = QCoreApplication.translate("StatusBar", "OFFLINE — {pending} waiting").format(
            pending=status.pending
        )
    elif status.pending:
        text = QCoreApplication.translate("StatusBar", "ONLINE — sending {pending}").format(
            pending=status.pending
        )
    elif status.online:
        text = QCoreApplication.translate("StatusBar", "ONLINE")
    else:
        text = QCoreApplication.translate("StatusBar", "Server: checking…")
    if status.conflicts:
        text += QCoreApplication.translate("StatusBar", " · {conflicts} to review").format(
            conflicts=status.conflicts
        )
    return text, status.online is not False and not status.conflicts


def role_label(role: str) -> str:
    words = ROLE_WORDS.get(role)
    return _tr(words) if words is not None else role.replace("_", " ")


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    # User and station names come from the database: never read them as rich text.
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class StationStatusBar(QStatusBar):
    """Permanent fields on the right; a progress bar and Cancel button while long work runs."""

    def __init__(self, context: StationContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.setSizeGripEnabled(False)
        self.user = _label("statusUser")
        # The station is a button: a click (or Ctrl+Shift+S anywhere) opens the station picker.
        self.station = QPushButton()
        self.station.setObjectName("statusStation")
        self.station.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a scan never lands on it
        self.station.setToolTip(
            QCoreApplication.translate(
                "StatusBar", "Choose this workstation's station (Ctrl+Shift+S)"
            )
        )
        self.database = _label("statusDatabase")
        self.scanner = _label("scannerOk")
        self.work_text = _label("statusWork")
        self.progress = QProgressBar()
        self.progress.setObjectName("statusProgress")
        self.progress.setMaximumWidth(260)  # device-independent px: scales with the screen
        self.cancel = QPushButton(QCoreApplication.translate("StatusBar", "Cancel"))
        self.cancel.setObjectName("statusCancel")
        self.cancel.setToolTip(
            QCoreApplication.translate(
                "StatusBar", "Stop the work that is running (Esc in the status bar)"
            )
        )
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.addWidget(self.work_text, 1)
        self.addWidget(self.progress)
        self.addWidget(self.cancel)
        for widget in (self.user, self.station, self.database, self.scanner):
            self.addPermanentWidget(widget)
        # Shared mode: the link to the server, the backlog and the conflicts; a click reviews them.
        self.sync = QPushButton()
        self.sync.setObjectName("syncOk")
        self.sync.setFlat(True)
        self.sync.setToolTip(
            QCoreApplication.translate(
                "StatusBar", "Steps kept at this station and the ones the server refused: review"
            )
        )
        self.sync.clicked.connect(self.show_conflicts)
        self.conflicts_dialog: ConflictsDialog | None = None
        if context.sync is not None:
            self.addPermanentWidget(self.sync)
            self.set_sync_status(context.sync.status)
            context.sync.status_changed.connect(self.set_sync_status)
        else:
            self.sync.hide()
        self._running: list[Progress] = []
        self._show_work()
        self.show_station(context.station_code or "")
        kind = (
            QCoreApplication.translate("StatusBar", "shared")
            if context.shared
            else QCoreApplication.translate("StatusBar", "local")
        )
        full = QCoreApplication.translate("StatusBar", "Database: {kind} — {label}").format(
            kind=kind, label=context.database_label
        )
        # A file path or server URL can be long: keep its ends, the whole of it in the tooltip.
        width = self.fontMetrics().horizontalAdvance("M") * DATABASE_LABEL_EM
        self.database.setText(
            self.fontMetrics().elidedText(full, Qt.TextElideMode.ElideMiddle, width)
        )
        self.database.setToolTip(full)
        self.show_signed_out()
        self.set_scanner_state(*context.scanner_state)
        context.signed_in.connect(self.show_actor)
        context.signed_out.connect(self.show_signed_out)
        context.locked.connect(self.show_locked)
        context.scanner_state_changed.connect(self.set_scanner_state)
        context.station_changed.connect(self.show_station)
        context.background.started.connect(self.track)

    def show_actor(self, actor: Actor) -> None:
        self.user.setText(
            QCoreApplication.translate("StatusBar", "User: {user} ({role})").format(
                user=actor.username, role=role_label(actor.role)
            )
        )
        if actor.station_code:
            self.show_station(actor.station_code)

    def show_station(self, code: str) -> None:
        # "&" in a code from the database would turn the next letter into a mnemonic.
        shown = code or QCoreApplication.translate("StatusBar", "none")
        self.station.setText(
            QCoreApplication.translate("StatusBar", "Station: {code}")
            .format(code=shown)
            .replace("&", "&&")
        )

    def show_signed_out(self) -> None:
        self.user.setText(QCoreApplication.translate("StatusBar", "User: nobody signed in"))

    def show_locked(self) -> None:
        self.user.setText(
            QCoreApplication.translate("StatusBar", "User: locked ({user})").format(
                user=self._context.locked_for
            )
        )

    def set_scanner_state(self, text: str, ok: bool) -> None:
        words = SCANNER_WORDS.get(text)
        self.scanner.setText(
            QCoreApplication.translate("StatusBar", "Scanner: {state}").format(
                state=_tr(words) if words is not None else text
            )
        )
        name = "scannerOk" if ok else "scannerProblem"
        if self.scanner.objectName() != name:
            self.scanner.setObjectName(name)
            # The stylesheet matches object names when a widget is polished: polish again.
            self.scanner.style().unpolish(self.scanner)
            self.scanner.style().polish(self.scanner)

    def set_sync_status(self, status: SyncStatus) -> None:
        text, ok = sync_text(status)
        self.sync.setText(text)
        if status.last_error and status.online is False:
            self.sync.setToolTip(
                QCoreApplication.translate(
                    "StatusBar", "The server cannot be reached: {error}"
                ).format(error=status.last_error)
            )
        name = "syncOk" if ok else "syncProblem"
        if self.sync.objectName() != name:
            self.sync.setObjectName(name)
            self.sync.style().unpolish(self.sync)
            self.sync.style().polish(self.sync)
        if self.conflicts_dialog is not None and self.conflicts_dialog.isVisible():
            self.conflicts_dialog.reload()

    def show_conflicts(self) -> None:
        """The review list of steps the server refused (shared mode only)."""
        if self._context.sync is None:
            return
        if self.conflicts_dialog is None:
            self.conflicts_dialog = ConflictsDialog(self._context, self.window())
        else:
            self.conflicts_dialog.reload()
        self.conflicts_dialog.show()
        self.conflicts_dialog.activateWindow()

    def track(self, progress: Progress) -> None:
        """Show long work until it ends; the newest running job is the one shown."""
        self._running.append(progress)
        progress.progressed.connect(lambda *_: self._show_work())
        progress.ended.connect(lambda: self._on_ended(progress))
        self._show_work()

    def cancel_current(self) -> bool:
        if not self._running:
            return False
        self._running[-1].cancel()
        self._show_work()
        return True

    def _on_cancel_clicked(self) -> None:
        self.cancel_current()

    def _on_ended(self, progress: Progress) -> None:
        if progress in self._running:
            self._running.remove(progress)
        self._show_work()

    def _show_work(self) -> None:
        if not self._running:
            self.work_text.setText("")
            self.progress.hide()
            self.cancel.hide()
            return
        job = self._running[-1]
        more = (
            QCoreApplication.translate("StatusBar", " (+{count} more)").format(
                count=len(self._running) - 1
            )
            if len(self._running) > 1
            else ""
        )
        if job.cancelled:
            self.work_text.setText(
                QCoreApplication.translate("StatusBar", "{title}: cancelling…").format(
                    title=job.title
                )
                + more
            )
        else:
            detail = f" — {job.text}" if job.text else ""
            self.work_text.setText(f"{job.title}{detail}{more}")
        if job.total > 0:
            self.progress.setRange(0, job.total)
            self.progress.setValue(min(job.done, job.total))
        else:
            self.progress.setRange(0, 0)  # busy indicator: the total is not known
        self.progress.show()
        self.cancel.show()
        self.cancel.setEnabled(not job.cancelled)
