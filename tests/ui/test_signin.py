"""Signing in at the station like a person: typed names, scanned badges, wrong passwords, a new database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.shell_support import (
    ADMIN_PASSWORD,
    BADGE,
    PEOPLE,
    PIN,
    WAIT_MS,
    add_people,
    settings_file,
    sign_in,
    type_sign_in,
    wait_for_sign_in_screen,
)
from traceapp.db.uow import UnitOfWork
from traceapp.services import masterdata, users
from traceapp.services.masterdata import actor_for
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import LotsPage
from traceapp.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _open(qtbot: QtBot, engine: Engine, tmp_path: Path) -> MainWindow:
    context = StationContext(engine, station_code=None, database_label="test.db", shared=False)
    window = MainWindow(context, [LotsPage(context)], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


@pytest.fixture
def window(qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[MainWindow]:
    add_people(sqlite_engine)
    shown = _open(qtbot, sqlite_engine, tmp_path)
    yield shown
    shown.context.background.wait()


def test_signing_in_with_a_password_opens_the_role_s_pages(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert not window.workspace.isVisible()
    assert window.status.user.text() == "User: nobody signed in"
    sign_in(qtbot, window, "anna.op")
    assert window.nav_user.text() == "anna.op\noperator"
    assert window.status.user.text() == "User: anna.op (operator)"
    assert window.nav_buttons["Lots & genealogy"].isVisible()
    assert window.page("Lots & genealogy").isVisible()
    assert not window.sign_in_screen.isVisible()


def test_a_station_without_a_chosen_station_says_how_to_choose_one(window: MainWindow) -> None:
    subtitle = window.sign_in_screen.subtitle
    assert subtitle.isVisible()
    assert subtitle.text() == "No station chosen yet (Ctrl+Shift+S chooses one)"


def test_a_wrong_password_says_why_and_lets_nobody_in(qtbot: QtBot, window: MainWindow) -> None:
    wait_for_sign_in_screen(qtbot, window)
    screen = window.sign_in_screen
    type_sign_in(qtbot, window, "anna.op", "not-her-password")
    qtbot.waitUntil(lambda: screen.message.isVisible(), timeout=WAIT_MS)
    assert screen.message.text() == "The user name or password is wrong.\nCheck them and try again."
    assert not window.workspace.isVisible()
    assert window.context.actor is None
    # The name stays, the password is gone and the cursor waits in it for the next try.
    assert screen.identity.text() == "anna.op"
    assert screen.secret.text() == ""
    assert screen.secret.hasFocus()
    qtbot.keyClicks(screen.secret, PEOPLE["anna.op"][1])
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace.isVisible(), timeout=WAIT_MS)
    assert not screen.message.isVisible()


def test_too_many_wrong_passwords_lock_the_account_and_say_for_how_long(
    qtbot: QtBot, window: MainWindow
) -> None:
    wait_for_sign_in_screen(qtbot, window)
    screen = window.sign_in_screen
    qtbot.keyClicks(screen.identity, "anna.op")
    qtbot.keyClick(screen.identity, Qt.Key.Key_Return)
    for attempt in range(users.MAX_FAILED_LOGINS + 1):
        qtbot.keyClicks(screen.secret, f"wrong-{attempt}")
        qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: screen.secret.isEnabled() and screen.message.isVisible(), timeout=WAIT_MS
        )
    assert screen.message.text() == (
        f"The account anna.op is locked after {users.MAX_FAILED_LOGINS} failed logins.\n"
        "Try again in 15 minutes, or ask an administrator."
    )
    # Even the right password waits for the lockout to end.
    qtbot.keyClicks(screen.secret, PEOPLE["anna.op"][1])
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.secret.isEnabled(), timeout=WAIT_MS)
    assert "is locked" in screen.message.text()
    assert not window.workspace.isVisible()


def test_a_badge_scan_then_the_pin_signs_in(qtbot: QtBot, window: MainWindow) -> None:
    wait_for_sign_in_screen(qtbot, window)
    # The badge reader types its code and Enter into the focused field; the PIN is typed.
    type_sign_in(qtbot, window, BADGE, PIN)
    qtbot.waitUntil(lambda: window.workspace.isVisible(), timeout=WAIT_MS)
    assert window.status.user.text() == "User: anna.op (operator)"


def test_a_badge_scanned_into_the_pin_field_is_taken_as_the_badge(
    qtbot: QtBot, window: MainWindow
) -> None:
    wait_for_sign_in_screen(qtbot, window)
    screen = window.sign_in_screen
    qtbot.mouseClick(screen.secret, Qt.MouseButton.LeftButton)
    assert screen.secret.hasFocus()
    qtbot.keyClicks(screen.secret, BADGE)
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    assert screen.identity.text() == BADGE
    assert screen.secret.text() == ""
    assert screen.secret.hasFocus()
    qtbot.keyClicks(screen.secret, PIN)
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace.isVisible(), timeout=WAIT_MS)
    assert window.nav_user.text() == "anna.op\noperator"


def test_a_wrong_pin_is_refused(qtbot: QtBot, window: MainWindow) -> None:
    wait_for_sign_in_screen(qtbot, window)
    type_sign_in(qtbot, window, BADGE, "0000")
    screen = window.sign_in_screen
    qtbot.waitUntil(lambda: screen.message.isVisible(), timeout=WAIT_MS)
    assert screen.message.text().startswith("The user name or password is wrong.")
    assert not window.workspace.isVisible()


def test_an_empty_password_is_asked_for_before_anything_is_checked(
    qtbot: QtBot, window: MainWindow
) -> None:
    wait_for_sign_in_screen(qtbot, window)
    screen = window.sign_in_screen
    qtbot.keyClicks(screen.identity, "anna.op")
    qtbot.mouseClick(screen.submit, Qt.MouseButton.LeftButton)
    assert screen.message.text() == "Type your password or your badge's PIN."
    assert screen.secret.hasFocus()


def test_signing_out_leaves_an_empty_sign_in_for_the_next_person(
    qtbot: QtBot, window: MainWindow
) -> None:
    sign_in(qtbot, window, "anna.op")
    qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    wait_for_sign_in_screen(qtbot, window)
    assert window.sign_in_screen.identity.text() == ""
    assert window.sign_in_screen.title.text() == "Sign in"
    assert window.status.user.text() == "User: nobody signed in"
    assert window.context.actor is None
    sign_in(qtbot, window, "dmitri.aud")
    assert window.status.user.text() == "User: dmitri.aud (auditor)"


def test_a_new_database_gets_its_first_administrator_in_the_window(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    window = _open(qtbot, sqlite_engine, tmp_path)
    screen = window.first_admin_screen
    qtbot.waitUntil(lambda: screen.isVisible() and screen.password.hasFocus(), timeout=WAIT_MS)
    assert not window.sign_in_screen.isVisible()

    qtbot.keyClicks(screen.password, ADMIN_PASSWORD)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.repeat, ADMIN_PASSWORD + "x")
    qtbot.keyClick(screen.repeat, Qt.Key.Key_Return)
    assert screen.message.text() == "The two passwords differ.\nType the same password twice."
    assert screen.password.hasFocus()

    qtbot.keyClicks(screen.password, "short")  # replaces the selected text
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.repeat, "short")
    qtbot.keyClick(screen.repeat, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "at least" in screen.message.text(), timeout=WAIT_MS)
    assert screen.message.text() == (
        f"A password needs at least {users.MIN_PASSWORD_LENGTH} characters."
    )
    assert not window.workspace.isVisible()

    qtbot.keyClicks(screen.password, ADMIN_PASSWORD)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.repeat, ADMIN_PASSWORD)
    qtbot.keyClick(screen.repeat, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace.isVisible(), timeout=WAIT_MS)
    assert window.status.user.text() == "User: admin (admin)"

    # The password works from now on: sign out and in again with it.
    qtbot.keyClick(
        window,
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    sign_in(qtbot, window, "admin")
    assert window.status.user.text() == "User: admin (admin)"
    window.context.background.wait()


def _station_window(qtbot: QtBot, engine: Engine, tmp_path: Path, station: str) -> MainWindow:
    context = StationContext(engine, station_code=station, database_label="t", shared=False)
    window = MainWindow(context, [LotsPage(context)], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def test_signing_in_at_a_station_records_the_station(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    add_people(sqlite_engine)
    with UnitOfWork(sqlite_engine) as uow:
        masterdata.add_location(
            uow, actor=actor_for(uow), code="PACK-1", name="Case packer", kind="station"
        )
    window = _station_window(qtbot, sqlite_engine, tmp_path, "PACK-1")
    sign_in(qtbot, window, "anna.op")
    actor = window.context.actor
    assert actor is not None
    assert actor.station_code == "PACK-1"
    assert window.status.station.text() == "Station: PACK-1"
    window.context.background.wait()


def test_a_station_the_database_lacks_is_named_before_anyone_types(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    add_people(sqlite_engine)
    window = _station_window(qtbot, sqlite_engine, tmp_path, "NOWHERE-9")
    screen = window.sign_in_screen
    qtbot.waitUntil(lambda: screen.message.isVisible(), timeout=WAIT_MS)
    assert screen.message.text() == (
        "This database has no station 'NOWHERE-9', so nobody can sign in at it.\n"
        "Choose one of its stations (Ctrl+Shift+S, or click the station in the status bar)."
    )
    picker = window.station_picker  # open already: the keyboard is in its filter
    assert picker is not None
    qtbot.waitUntil(lambda: picker.isVisible() and picker.filter.hasFocus(), timeout=WAIT_MS)
    window.context.background.wait()


def test_when_another_workstation_set_up_the_administrator_first_this_one_signs_in(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    window = _open(qtbot, sqlite_engine, tmp_path)
    screen = window.first_admin_screen
    qtbot.waitUntil(lambda: screen.isVisible() and screen.password.hasFocus(), timeout=WAIT_MS)
    with UnitOfWork(sqlite_engine) as uow:  # the other workstation, a moment earlier
        users.set_first_admin_password(uow, password=ADMIN_PASSWORD)
    qtbot.keyClicks(screen.password, "another-password-1")
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.repeat, "another-password-1")
    qtbot.keyClick(screen.repeat, Qt.Key.Key_Return)
    signin = window.sign_in_screen
    qtbot.waitUntil(lambda: signin.isVisible() and signin.message.isVisible(), timeout=WAIT_MS)
    assert signin.message.text() == (
        "The first administrator is already set up.\nLog in as admin, or ask an administrator."
    )
    sign_in(qtbot, window, "admin")
    window.context.background.wait()
