"""Sign-in inside the window: user + password or badge + PIN, and a new database's first administrator.

Nothing here is a blocking dialog: the screens are pages of the main window's central area, and
every check of a password (argon2, 50-100 ms) runs in the worker pool.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import LOCAL_ADMIN_USERNAME, Actor
from traceapp.domain.errors import AlreadyExists
from traceapp.services import users
from traceapp.services.sync import is_offline_error
from traceapp.ui.context import StationContext
from traceapp.ui.messages import error_text

CARD_WIDTH_EM = 38  # the form's width in letters: scales with the font and the screen


def sign_in_work(
    engine: Engine, identity: str, secret: str, station: str | None
) -> Callable[[], Actor]:
    """Who `identity` + `secret` is: a badge code and its PIN, or a user name and password.

    A badge scanner types its code into the same field a person types a name into, so both are
    tried: first the badge (a hash lookup; no account matched costs nothing and counts nothing),
    then the user name. A failure counts towards the lockout of the account it names, only.
    """

    def work() -> Actor:
        with UnitOfWork(engine) as uow:
            try:
                return users.authenticate_badge(uow, badge=identity, pin=secret, station=station)
            except users.LoginFailed:
                pass
        with UnitOfWork(engine) as uow:
            return users.authenticate(uow, username=identity, password=secret, station=station)

    return work


def first_admin_work(
    engine: Engine, full_name: str, password: str, station: str | None
) -> Callable[[], Actor]:
    def work() -> Actor:
        with UnitOfWork(engine) as uow:
            users.set_first_admin_password(uow, password=password, full_name=full_name or None)
        with UnitOfWork(engine) as uow:
            return users.authenticate(
                uow, username=LOCAL_ADMIN_USERNAME, password=password, station=station
            )

    return work


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("screenTitle")
    label.setWordWrap(True)
    return label


def _text(name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _Card(QWidget):
    """A centred card with a title, a form and a row of buttons."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.card = QFrame()
        self.card.setObjectName("authCard")
        self.card.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * CARD_WIDTH_EM)
        self.title = _title(title)
        self.subtitle = _text("screenSubtitle")
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.message = _text("errorText")
        self.message.hide()
        self.info = _text("infoText")
        self.buttons = QHBoxLayout()
        inner = QVBoxLayout(self.card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(14)
        inner.addWidget(self.title)
        inner.addWidget(self.subtitle)
        inner.addLayout(self.form)
        inner.addWidget(self.message)
        inner.addLayout(self.buttons)
        inner.addWidget(self.info)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def clear_error(self) -> None:
        self.message.clear()
        self.message.hide()


class SignInScreen(_Card):
    """User name or badge, then password or PIN; Enter moves on, Enter again signs in."""

    signed_in = Signal(object)  # Actor

    def __init__(self, context: StationContext) -> None:
        super().__init__("Sign in")
        self._context = context
        self.identity = QLineEdit()
        self.identity.setObjectName("signInIdentity")
        self.identity.setPlaceholderText("Your user name, or a badge scan")
        self.identity.setAccessibleName("User name or badge")
        self.secret = QLineEdit()
        self.secret.setObjectName("signInSecret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("Password, or the badge's PIN")
        self.secret.setAccessibleName("Password or PIN")
        self.form.addRow("User or badge", self.identity)
        self.form.addRow("Password or PIN", self.secret)
        self.submit = QPushButton("Sign in")
        self.submit.setObjectName("primary")
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.submit)
        self.info.setText(
            "Badge: scan it, then type your PIN and press Enter.\n"
            f"{users.MAX_FAILED_LOGINS} wrong tries lock the account for "
            f"{int(users.LOCKOUT.total_seconds() // 60)} minutes."
        )
        self.identity.returnPressed.connect(self._on_identity_entered)
        self.secret.returnPressed.connect(self._on_secret_entered)
        self.submit.clicked.connect(self.attempt)
        self._busy = False
        if context.sync is not None:
            context.sync.session_refused.connect(self._on_session_refused)
            context.sync.status_changed.connect(self._on_sync_status)
        self.show_ready()

    def show_ready(self, *, locked_for: str | None = None) -> None:
        """Empty form for anyone, or the locked session's user prefilled (selected, so a badge
        scan or someone else's name simply replaces it)."""
        self._set_busy(False)
        self.secret.clear()
        self.clear_error()
        station = self._context.station_code or "no station chosen"
        if locked_for:
            self.title.setText("Locked")
            self.subtitle.setText(
                f"{locked_for} locked this station ({station}); their work is kept. "
                "Sign in again to go on. Someone else signing in ends that session."
            )
            self.identity.setText(locked_for)
        else:
            self.title.setText("Sign in")
            self.subtitle.setText(self._station_line() + self._offline_note())
            self.identity.clear()
        self.identity.selectAll()
        self.identity.setFocus()

    def _station_line(self) -> str:
        code = self._context.station_code
        return f"Station {code}" if code else "No station chosen yet (Ctrl+Shift+S chooses one)"

    def _offline_note(self, *, known_offline: bool = False) -> str:
        sync = self._context.sync
        if sync is None or (sync.status.online is not False and not known_offline):
            return ""
        days = sync.offline_sign_in_age.total_seconds() / 86_400
        return (
            " · OFFLINE: the server cannot be reached. Whoever signed in at this station in the "
            f"last {days:g} days can sign in; scans are kept here and sent later."
        )

    def show_open_failed(self, error: BaseException, details: str) -> None:
        """The start-up check could not read the database. In shared mode with the server out of
        reach that is not an error for the person at the station: they sign in from its copy."""
        self.show_ready()
        if self._context.sync is not None and is_offline_error(error):
            self.subtitle.setText(self._station_line() + self._offline_note(known_offline=True))
            return
        self.show_error(error_text(error, details))

    def _on_sync_status(self, _status: object) -> None:
        if self.title.text() == "Sign in":  # not while a locked session's name is shown
            self.subtitle.setText(self._station_line() + self._offline_note())

    def _on_session_refused(self, username: str, message: str) -> None:
        actor = self._context.actor
        if actor is None or actor.username != username:
            return  # someone else is signed in by now
        self._context.sign_out()
        self.show_ready()
        self.show_error(message)

    def show_opening(self) -> None:
        self.title.setText("Opening the database…")
        self._set_busy(True)

    def attempt(self) -> None:
        if self._busy:
            return
        identity = self.identity.text().strip()
        secret = self.secret.text()
        if not identity:
            self.show_error("Type your user name or scan your badge.")
            self.identity.setFocus()
            return
        if not secret:
            self.show_error("Type your password or your badge's PIN.")
            self.secret.setFocus()
            return
        self.clear_error()
        self._set_busy(True)
        station = self._context.station_code
        sync = self._context.sync
        work: Callable[[], Actor]
        if sync is not None:  # shared mode: the server, or this station's copy when it is gone
            work = partial(sync.sign_in, identity, secret, station)
        else:
            work = sign_in_work(self._context.engine, identity, secret, station)
        self._context.background.run(work, self._on_signed_in, self._on_failed)

    def _on_identity_entered(self) -> None:
        if self.identity.text().strip() and not self.secret.text():
            self.secret.setFocus()
        else:
            self.attempt()

    def _on_secret_entered(self) -> None:
        if not self.identity.text().strip() and self.secret.text():
            # A badge scanned while the PIN field had the focus: it is the badge, not the PIN.
            self.identity.setText(self.secret.text().strip())
            self.secret.clear()
            self.clear_error()
            self.secret.setFocus()
            return
        self.attempt()

    def _on_signed_in(self, actor: Actor) -> None:
        self._set_busy(False)
        self.secret.clear()
        self.signed_in.emit(actor)

    def _on_failed(self, error: BaseException, details: str) -> None:
        self._set_busy(False)
        self.secret.clear()
        self.show_error(error_text(error, details))
        self.secret.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.identity, self.secret, self.submit):
            widget.setEnabled(not busy)
        self.submit.setText("Signing in…" if busy else "Sign in")


class FirstAdminScreen(_Card):
    """A new database: its `admin` account gets a password here, and is signed in with it."""

    signed_in = Signal(object)  # Actor
    already_set_up = Signal(str)  # another workstation was first: sign in instead (message)

    def __init__(self, context: StationContext) -> None:
        super().__init__("Set up the first administrator")
        self._context = context
        self.subtitle.setText(
            "This database is new and nobody can sign in yet. Choose the password of the "
            f"administrator account '{LOCAL_ADMIN_USERNAME}': it adds the other users."
        )
        self.full_name = QLineEdit()
        self.full_name.setObjectName("adminFullName")
        self.full_name.setPlaceholderText("optional, e.g. Maria Rossi")
        self.password = QLineEdit()
        self.password.setObjectName("adminPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("adminRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow("Full name", self.full_name)
        self.form.addRow("Password", self.password)
        self.form.addRow("Password again", self.repeat)
        self.submit = QPushButton("Create administrator")
        self.submit.setObjectName("primary")
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.submit)
        self.info.setText(
            f"At least {users.MIN_PASSWORD_LENGTH} characters, no spaces at the start or end."
        )
        self.full_name.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.repeat.setFocus)
        self.repeat.returnPressed.connect(self.attempt)
        self.submit.clicked.connect(self.attempt)
        self._busy = False

    def show_ready(self) -> None:
        self.clear_error()
        self._set_busy(False)
        self.password.setFocus()

    def attempt(self) -> None:
        if self._busy:
            return
        password = self.password.text()
        if password != self.repeat.text():
            self.show_error("The two passwords differ.\nType the same password twice.")
            self.repeat.clear()
            self.password.selectAll()
            self.password.setFocus()
            return
        self.clear_error()
        self._set_busy(True)
        work = first_admin_work(
            self._context.engine,
            self.full_name.text().strip(),
            password,
            self._context.station_code,
        )
        self._context.background.run(work, self._on_done, self._on_failed)

    def _on_done(self, actor: Actor) -> None:
        self._set_busy(False)
        for field in (self.password, self.repeat):
            field.clear()
        self.signed_in.emit(actor)

    def _on_failed(self, error: BaseException, details: str) -> None:
        self._set_busy(False)
        self.repeat.clear()
        if isinstance(error, AlreadyExists):
            self.password.clear()
            self.already_set_up.emit(error_text(error, details))
            return
        self.show_error(error_text(error, details))
        self.password.selectAll()
        self.password.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.full_name, self.password, self.repeat, self.submit):
            widget.setEnabled(not busy)
        self.submit.setText("Setting up…" if busy else "Create administrator")
