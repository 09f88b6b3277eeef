"""People, settings and the sign-in gestures the shell's GUI tests share (helpers, not fixtures)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.services import users
from traceapp.services.masterdata import actor_for
from traceapp.ui.main_window import MainWindow

ADMIN_PASSWORD = "admin-pass-2026"
PEOPLE = {
    # user name: (role, password)
    "anna.op": ("operator", "anna-pass-2026"),
    "dmitri.aud": ("auditor", "dmitri-pass-2026"),
}
BADGE, PIN = "04A1B2C3D4E5F6", "4711"  # anna.op's badge
WAIT_MS = 10_000  # a password check is 50-100 ms of argon2 in a worker; slow CI gets room


def add_people(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        users.set_first_admin_password(uow, password=ADMIN_PASSWORD)
    with UnitOfWork(engine) as uow:
        admin = actor_for(uow)
    for name, (role, password) in PEOPLE.items():
        badge = {"badge": BADGE, "pin": PIN} if name == "anna.op" else {}
        with UnitOfWork(engine) as uow:
            users.add_user(
                uow,
                actor=admin,
                username=name,
                full_name=name,
                role=role,
                password=password,
                **badge,
            )


def settings_file(tmp_path: Path) -> QSettings:
    """The window's QSettings in a file of the test's own, never the person's real settings."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def wait_for_sign_in_screen(qtbot: QtBot, window: MainWindow) -> None:
    screen = window.sign_in_screen
    qtbot.waitUntil(
        lambda: screen.isVisible() and screen.identity.isEnabled() and screen.identity.hasFocus(),
        timeout=WAIT_MS,
    )


def type_sign_in(qtbot: QtBot, window: MainWindow, identity: str, secret: str) -> None:
    """What a person does: type (or scan) into the focused field, Enter, password, Enter."""
    screen = window.sign_in_screen
    assert screen.identity.hasFocus()
    qtbot.keyClicks(screen.identity, identity)
    qtbot.keyClick(screen.identity, Qt.Key.Key_Return)
    assert screen.secret.hasFocus()
    qtbot.keyClicks(screen.secret, secret)
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)


def sign_in(qtbot: QtBot, window: MainWindow, name: str) -> None:
    wait_for_sign_in_screen(qtbot, window)
    password = ADMIN_PASSWORD if name == "admin" else PEOPLE[name][1]
    type_sign_in(qtbot, window, name, password)
    qtbot.waitUntil(lambda: window.workspace.isVisible(), timeout=WAIT_MS)
