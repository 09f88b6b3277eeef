"""Database connection dialog: this station on a local file or on the plant server, tested in the
background and saved to the settings file (the password to the OS keyring, never to the file)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from traceapp import config
from traceapp.config import ConnectionSettings, ServerSettings
from traceapp.domain.actor import Actor
from traceapp.domain.connection import ConnectionCheck
from traceapp.domain.errors import InvalidInput
from traceapp.domain.permissions import Role
from traceapp.services.connection import check_connection
from traceapp.ui.background import Background
from traceapp.ui.context import StationContext
from traceapp.ui.icons import decorate
from traceapp.ui.messages import error_text

DIALOG_WIDTH_EM = 46
NO_KEYRING_NOTE = (
    "This computer has no system keyring, so the password is not saved. TraceApp asks for it "
    "at each start, unless IT puts it in a PostgreSQL password file (PGPASSFILE)."
)
KEYRING_NOTE = "The password is kept in the system keyring, never in the settings file."
OK_COLOUR = "#146c2e"
RESTART_NOTE_MS = 20_000
FAILED_COLOUR = "#b0170f"


def paint_result(label: QLabel, background: str) -> None:
    """White on a strong colour, painted through the palette: readable on either theme (as the
    status badges), and no per-widget style sheet to re-polish."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(background))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#ffffff"))
    label.setPalette(palette)
    label.setAutoFillBackground(True)
    label.setMargin(8)


def _label(name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class ConnectionDialog(QDialog):
    """Local file or plant server; "Test connection" checks it off the GUI thread, "Save" keeps it.

    After Save, `url` is the URL to open now (with a typed password, in memory only).
    """

    tested = Signal(bool)  # a test ended: True when the connection works

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        problem: str = "",
        keyring: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Database connection")
        self.setObjectName("connectionDialog")
        self._environ = environ
        self._background = Background(self)
        self._keyring = config.keyring_available() if keyring is None else keyring
        self._testing = False
        self.url: str | None = None
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * DIALOG_WIDTH_EM)

        title = _label("screenTitle", "Where this station keeps its data")
        self.local = QRadioButton("This computer only (a local database file)")
        self.shared = QRadioButton("The plant server (shared by every station)")
        self.local.setObjectName("modeLocal")
        self.shared.setObjectName("modeShared")
        modes = QButtonGroup(self)
        modes.addButton(self.local)
        modes.addButton(self.shared)

        self.local_box = QGroupBox("Local file")
        self.path = QLineEdit()
        self.path.setObjectName("localPath")
        self.path.setPlaceholderText(str(config.data_dir(environ) / config.DEFAULT_DB_FILE))
        self.browse = QPushButton("Browse…")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        local_form = QFormLayout(self.local_box)
        local_form.addRow("File", row)

        self.server_box = QGroupBox("Plant server (PostgreSQL)")
        self.host = QLineEdit()
        self.host.setObjectName("serverHost")
        self.host.setPlaceholderText("e.g. traceapp-db.plant.local")
        self.port = QSpinBox()
        self.port.setObjectName("serverPort")
        self.port.setRange(1, 65535)
        self.port.setValue(config.DEFAULT_PORT)
        self.database = QLineEdit()
        self.database.setObjectName("serverDatabase")
        self.database.setPlaceholderText("e.g. traceapp")
        self.user = QLineEdit()
        self.user.setObjectName("serverUser")
        self.user.setPlaceholderText("the station login IT gave you")
        self.password = QLineEdit()
        self.password.setObjectName("serverPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sslmode = QComboBox()
        self.sslmode.setObjectName("serverSslMode")
        self.sslmode.addItems(config.SSL_MODES)
        self.sslmode.setCurrentText("prefer")
        self.remember = QCheckBox("Remember the password on this computer")
        self.remember.setObjectName("rememberPassword")
        self.keyring_note = _label("infoText", KEYRING_NOTE if self._keyring else NO_KEYRING_NOTE)
        self.keyring_note.setObjectName("keyringNote")
        self.remember.setChecked(self._keyring)
        self.remember.setEnabled(self._keyring)
        server_form = QFormLayout()
        server_form.addRow("Server", self.host)
        server_form.addRow("Port", self.port)
        server_form.addRow("Database", self.database)
        server_form.addRow("User", self.user)
        server_form.addRow("Password", self.password)
        server_form.addRow("SSL", self.sslmode)
        server_form.addRow(self.remember)
        # Below the form, not a form row: a wrapped label in a form row gets cut short.
        server_layout = QVBoxLayout(self.server_box)
        server_layout.addLayout(server_form)
        server_layout.addWidget(self.keyring_note)

        self.outcome = _label("infoText")
        self.outcome.setObjectName("connectionResult")
        self.outcome.hide()
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primary")
        self.cancel_button = QPushButton("Cancel")
        # Enter saves; the style's focus frame and padding must not crop a label.
        self.save_button.setDefault(True)
        for button in (self.test_button, self.cancel_button, self.save_button):
            button.setAutoDefault(button is self.save_button)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 48)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.local)
        layout.addWidget(self.local_box)
        layout.addWidget(self.shared)
        layout.addWidget(self.server_box)
        layout.addWidget(self.outcome)
        layout.addLayout(buttons)

        self.local.toggled.connect(self._on_mode_changed)
        self.browse.clicked.connect(self._on_browse)
        self.test_button.clicked.connect(self.test)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self._fill(problem)

    # -- what is on screen -------------------------------------------------------------------

    def _fill(self, problem: str) -> None:
        try:
            current = config.connection_settings(self._environ)
        except InvalidInput as exc:  # a broken settings file: start blank, say why
            current = None
            problem = problem or error_text(exc, "")
        if current is not None and current.mode == "shared" and current.server is not None:
            server = current.server
            self.shared.setChecked(True)
            self.host.setText(server.host)
            self.port.setValue(server.port)
            self.database.setText(server.database)
            self.user.setText(server.user)
            self.sslmode.setCurrentText(server.sslmode)
        else:
            self.local.setChecked(True)
            if current is not None and current.path is not None:
                self.path.setText(str(current.path))
        self._on_mode_changed()
        if problem:
            self._show(problem, ok=False)

    def _on_mode_changed(self) -> None:
        local = self.local.isChecked()
        self.local_box.setEnabled(local)
        self.server_box.setEnabled(not local)
        (self.path if local else self.host).setFocus()

    def _on_browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            "Database file",
            self.path.text() or self.path.placeholderText(),
            "TraceApp database (*.db);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if chosen:
            self.path.setText(chosen)

    def _show(self, text: str, *, ok: bool) -> None:
        paint_result(self.outcome, OK_COLOUR if ok else FAILED_COLOUR)
        self.outcome.setText(text)
        self.outcome.show()

    # -- reading the form --------------------------------------------------------------------

    def connection(self) -> ConnectionSettings:
        """What the form says; a missing field raises InvalidInput naming it."""
        if self.local.isChecked():
            text = self.path.text().strip()
            return ConnectionSettings("local", Path(text).expanduser() if text else None)
        for field, name in (
            (self.host, "server"),
            (self.database, "database"),
            (self.user, "user"),
        ):
            if not field.text().strip():
                field.setFocus()
                raise InvalidInput(
                    f"Type the {name}.",
                    hint="IT gives every station the server, database and user.",
                )
        return ConnectionSettings(
            "shared",
            server=ServerSettings(
                host=self.host.text().strip(),
                database=self.database.text().strip(),
                user=self.user.text().strip(),
                port=self.port.value(),
                sslmode=self.sslmode.currentText(),
            ),
        )

    @staticmethod
    def _url(connection: ConnectionSettings, typed: str, environ: Mapping[str, str] | None) -> str:
        """The URL to try: the typed password, else the one saved in the keyring (read in the
        worker: a keyring may take a moment to answer)."""
        password = typed or None
        if password is None and connection.server is not None:
            password = config.saved_password(connection.server)
        return connection.url(password, environ=environ)

    # -- actions -----------------------------------------------------------------------------

    def test(self) -> None:
        """Check the connection in the worker pool; the answer replaces the result line."""
        if self._testing:
            return
        try:
            connection = self.connection()
        except InvalidInput as exc:
            self._show(error_text(exc, ""), ok=False)
            return
        typed, environ = self.password.text(), self._environ
        self._set_testing(True)
        self._show("Testing the connection…", ok=True)
        self._background.run(
            lambda: check_connection(self._url(connection, typed, environ)),
            lambda check: self._on_tested(check),
            lambda error, details: self._on_failed(error, details),
        )

    def _on_tested(self, check: ConnectionCheck) -> None:
        self._set_testing(False)
        self._show(check.describe(), ok=True)
        self.tested.emit(True)

    def _on_failed(self, error: BaseException, details: str) -> None:
        self._set_testing(False)
        self._show(error_text(error, details), ok=False)
        self.tested.emit(False)

    def _set_testing(self, testing: bool) -> None:
        self._testing = testing
        self.test_button.setEnabled(not testing)
        self.test_button.setText("Testing…" if testing else "Test connection")

    def save(self) -> None:
        """Write the settings (and the password to the keyring, when asked and possible)."""
        try:
            connection = self.connection()
            config.save_connection_settings(connection, self._environ)
        except InvalidInput as exc:
            self._show(error_text(exc, ""), ok=False)
            return
        if connection.server is not None and self.password.text():
            if self.remember.isChecked():
                config.save_password(connection.server, self.password.text())
            else:
                config.forget_password(connection.server)
        # For this session only: the typed password (app.py adds a saved one when none is).
        self.url = connection.url(self.password.text() or None, environ=self._environ)
        self.accept()


def connection_button(window: QWidget, context: StationContext) -> QPushButton:
    """The main window's "Database connection…" entry: shown to administrators only (the
    settings file is this computer's, so changing it is an administrator's job)."""
    button = QPushButton("Database\nconnection…")
    button.setObjectName("connectionButton")
    decorate(button, "settings")
    button.setToolTip("Where this station keeps its data: a local file or the plant server")
    button.hide()

    def on_signed_in(actor: Actor) -> None:
        button.setVisible(actor.role == Role.ADMIN.value)

    def on_saved() -> None:
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(
                "Connection saved. Restart TraceApp to use it.", RESTART_NOTE_MS
            )

    def on_clicked() -> None:
        # Window-modal, not exec(): the window's timers (idle lock, status) keep running.
        dialog = ConnectionDialog(window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(on_saved)
        dialog.open()

    context.signed_in.connect(on_signed_in)
    context.signed_out.connect(button.hide)
    button.clicked.connect(on_clicked)
    return button
