"""First start: a PC without a plant database offers the demo plant, an empty local plant or the
plant server, before the main window (which then sets up the first administrator)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCommandLinkButton,
    QDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from traceapp import config
from traceapp.config import first_start_needed
from traceapp.domain.errors import AlreadyExists, InvalidInput
from traceapp.services.database import open_database
from traceapp.services.demo.builder import build_demo_plant
from traceapp.services.demo.summary import DemoSummary
from traceapp.ui.background import Background, Progress
from traceapp.ui.connection_dialog import FAILED_COLOUR, ConnectionDialog, paint_result
from traceapp.ui.messages import error_text
from traceapp.ui.theme import Theme, apply_theme

__all__ = ["FirstStartDialog", "choose_database", "demo_path", "first_start_needed"]

DEMO_FILE = "demo-plant.db"
DEMO_LOTS = 300  # small: built in seconds on a shop-floor PC, still a plant worth tracing
DEMO_DAYS = 14
DIALOG_WIDTH_EM = 44


def _label(name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _choice(title: str, text: str, name: str) -> QCommandLinkButton:
    # A command link: a title and a wrapped description, one big target per way to begin.
    button = QCommandLinkButton(title, text)
    button.setObjectName(name)
    button.setAccessibleName(title)
    return button


def demo_path(environ: Mapping[str, str] | None = None) -> Path:
    return config.data_dir(environ) / DEMO_FILE


class FirstStartDialog(QDialog):
    """Three ways to begin. On Accepted, `url` is the database to open (settings already saved)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        demo_lots: int = DEMO_LOTS,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to TraceApp")
        self.setObjectName("firstStartDialog")
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * DIALOG_WIDTH_EM)
        self._environ = environ
        self._demo_lots = demo_lots
        self._background = Background(self)
        self.url: str | None = None
        self.demo_summary: DemoSummary | None = None
        self.connection_dialog: ConnectionDialog | None = None

        title = _label("screenTitle", "Welcome to TraceApp")
        intro = _label(
            "screenSubtitle",
            "This computer has no plant database yet. How do you want to start?",
        )
        self.demo_button = _choice(
            "Open demo plant",
            f"A sample bakery with {demo_lots} lots, shipments and one user per role, to try "
            "TraceApp. Kept apart from real data.",
            "demoChoice",
        )
        self.empty_button = _choice(
            "Create empty local plant",
            "A new database on this computer only. You set up the first administrator next.",
            "emptyChoice",
        )
        self.server_button = _choice(
            "Connect to plant server",
            "Use your plant's shared database server. IT gives you its address and a login.",
            "serverChoice",
        )
        self.status = _label("infoText")
        self.status.setObjectName("firstStartStatus")
        self.status.hide()
        self.continue_button = QPushButton("Continue")
        self.continue_button.setObjectName("primary")
        self.continue_button.hide()

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(intro)
        for button in (self.demo_button, self.empty_button, self.server_button):
            layout.addWidget(button)
        layout.addWidget(self.status)
        layout.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)

        self.demo_button.clicked.connect(self.open_demo)
        self.empty_button.clicked.connect(self.create_empty)
        self.server_button.clicked.connect(self.connect_server)
        self.continue_button.clicked.connect(self.accept)
        self.demo_button.setFocus()

    @property
    def choices(self) -> tuple[QCommandLinkButton, ...]:
        return (self.demo_button, self.empty_button, self.server_button)

    def _busy(self, busy: bool) -> None:
        for button in self.choices:
            button.setEnabled(not busy)

    def _say(self, text: str, *, failed: bool = False) -> None:
        if failed:
            paint_result(self.status, FAILED_COLOUR)
        self.status.setText(text)
        self.status.show()

    # -- the three choices -------------------------------------------------------------------

    def create_empty(self) -> None:
        """The default local file; the main window asks for the first administrator."""
        connection = config.ConnectionSettings("local")
        try:
            config.save_connection_settings(connection, self._environ)
        except InvalidInput as exc:
            self._say(error_text(exc, ""), failed=True)
            return
        self.url = connection.url(environ=self._environ)
        self.accept()

    def open_demo(self) -> None:
        """Build the small demo plant into a file of its own, in the background."""
        path = demo_path(self._environ)
        url = f"sqlite:///{path.resolve()}"
        lots = self._demo_lots
        self._busy(True)
        self._say(f"Building the demo plant ({lots} lots)…")

        def work(progress: Progress) -> DemoSummary | None:
            engine, _backup = open_database(url)
            try:
                return build_demo_plant(
                    engine,
                    lots=lots,
                    days=DEMO_DAYS,
                    progress=lambda stage, rows: progress.report(rows, 0, stage),
                )
            except AlreadyExists:
                return None  # built at an earlier first start: open that one
            finally:
                engine.dispose()

        progress = self._background.run_with_progress(
            work,
            lambda summary: self._on_demo_built(url, summary),
            self._on_failed,
            title="Demo plant",
        )
        progress.progressed.connect(self._on_demo_progress)

    def _on_demo_progress(self, rows: int, _total: int, stage: str) -> None:
        counted = f", {rows:,} rows" if rows else ""
        self._say(f"Building the demo plant: {stage}{counted}…")

    def _on_demo_built(self, url: str, summary: DemoSummary | None) -> None:
        self.demo_summary = summary
        path = Path(url.removeprefix("sqlite:///"))
        try:
            config.save_connection_settings(config.ConnectionSettings("local", path), self._environ)
        except InvalidInput as exc:
            self._busy(False)
            self._say(error_text(exc, ""), failed=True)
            return
        self.url = url
        if summary is None:
            self._say(f"The demo plant built earlier is ready in {path}.")
        else:
            people = "\n".join(
                f"  {user}  ({role.replace('_', ' ')})  password: {password}"
                for user, role, password in summary.users
            )
            self._say(
                f"The demo plant is ready: {summary.lots:,} lots in {path}.\n"
                f"Sign in as one of its users to try each role:\n{people}"
            )
        for button in self.choices:
            button.hide()
        self.continue_button.show()
        self.continue_button.setDefault(True)
        self.continue_button.setFocus()

    def _on_failed(self, error: BaseException, details: str) -> None:
        self._busy(False)
        self._say(error_text(error, details), failed=True)

    def connect_server(self) -> None:
        """The connection dialog; once it is saved, that server is the database."""
        dialog = ConnectionDialog(self, environ=self._environ)
        dialog.shared.setChecked(True)
        dialog.accepted.connect(lambda: self._on_connected(dialog))
        self.connection_dialog = dialog
        dialog.open()

    def _on_connected(self, dialog: ConnectionDialog) -> None:
        self.url = dialog.url
        self.accept()


def choose_database(environ: Mapping[str, str] | None = None) -> str | None:
    """Show the first-start dialog; the URL chosen, or None when the person closed it."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, Theme.LIGHT)  # the window applies the station's own theme after
    dialog = FirstStartDialog(environ=environ)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.url
