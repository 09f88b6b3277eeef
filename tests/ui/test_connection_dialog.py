"""The connection dialog, used like a person: pick the mode, type the server, test, save."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, fresh_pg_url
from tests.ui.shell_support import add_people, settings_file, sign_in
from traceapp import config
from traceapp.ui.connection_dialog import NO_KEYRING_NOTE, ConnectionDialog
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import LotsPage
from traceapp.ui.main_window import MainWindow

pytestmark = pytest.mark.gui
WAIT_MS = 20_000  # a test connects to a real server, on a busy machine


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    return {
        config.ENV_CONFIG_DIR: str(tmp_path / "config"),
        config.ENV_DATA_DIR: str(tmp_path / "data"),
    }


def _dialog(qtbot: QtBot, environ: dict[str, str], *, keyring: bool = False) -> ConnectionDialog:
    dialog = ConnectionDialog(environ=environ, keyring=keyring)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    return dialog


def _type(qtbot: QtBot, field: object, text: str) -> None:
    field.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(field, text)


def _fill_server(qtbot: QtBot, dialog: ConnectionDialog, url: str) -> None:
    parts = make_url(url)
    qtbot.mouseClick(dialog.shared, Qt.MouseButton.LeftButton)
    _type(qtbot, dialog.host, parts.host or "")
    _type(qtbot, dialog.port, str(parts.port or 5432))
    _type(qtbot, dialog.database, parts.database or "")
    _type(qtbot, dialog.user, parts.username or "")


def _test(qtbot: QtBot, dialog: ConnectionDialog) -> str:
    with qtbot.waitSignal(dialog.tested, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        # The window stays alive while the check runs in the background.
        assert dialog.test_button.text() == "Testing…"
    return dialog.outcome.text()


@pytest.fixture
def plant_db(pg_template: str) -> Iterator[str]:
    yield from fresh_pg_url(pg_template)


@pytest.mark.postgres
def test_testing_a_working_server_says_it_is_ready_and_save_writes_no_password(
    qtbot: QtBot, environ: dict[str, str], plant_db: str
) -> None:
    dialog = _dialog(qtbot, environ)
    _fill_server(qtbot, dialog, plant_db)
    qtbot.keyClicks(dialog.password, "typed-secret")
    assert dialog.server_box.isEnabled()
    assert not dialog.local_box.isEnabled()
    assert "ready" in _test(qtbot, dialog)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    text = (Path(environ[config.ENV_CONFIG_DIR]) / config.SETTINGS_FILE).read_text()
    assert 'mode = "shared"' in text
    assert f'database = "{make_url(plant_db).database}"' in text
    assert "typed-secret" not in text
    assert dialog.url is not None
    assert make_url(dialog.url).password == "typed-secret"  # for this session, in memory


@pytest.mark.postgres
def test_a_missing_database_is_named_with_what_to_do(
    qtbot: QtBot, environ: dict[str, str], pg_template: str
) -> None:
    dialog = _dialog(qtbot, environ)
    _fill_server(qtbot, dialog, make_url(PG_URL).set(database="no_such_plant").render_as_string())
    shown = _test(qtbot, dialog)
    assert "The database 'no_such_plant'" in shown
    assert "does not exist" in shown
    assert "ask IT to create it" in shown


@pytest.mark.postgres
def test_a_wrong_user_is_an_authentication_failure(
    qtbot: QtBot, environ: dict[str, str], pg_template: str
) -> None:
    dialog = _dialog(qtbot, environ)
    _fill_server(qtbot, dialog, make_url(PG_URL).set(username="nobody_here").render_as_string())
    assert "refused the user name or password" in _test(qtbot, dialog)


def test_a_server_nobody_answers_on_is_unreachable(qtbot: QtBot, environ: dict[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dialog = _dialog(qtbot, environ)
    _fill_server(qtbot, dialog, f"postgresql://station@127.0.0.1:{port}/plant")
    shown = _test(qtbot, dialog)
    assert f"The server 127.0.0.1:{port} cannot be reached" in shown
    assert "plant network" in shown


def test_a_missing_field_is_named_before_anything_is_tried(
    qtbot: QtBot, environ: dict[str, str]
) -> None:
    dialog = _dialog(qtbot, environ)
    qtbot.mouseClick(dialog.shared, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.host, "db1")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.outcome.text().startswith("Type the database.")
    assert dialog.isVisible()
    qtbot.waitUntil(dialog.database.hasFocus, timeout=WAIT_MS)
    assert not (Path(environ[config.ENV_CONFIG_DIR]) / config.SETTINGS_FILE).exists()


def test_without_a_keyring_the_dialog_says_the_password_is_not_saved(
    qtbot: QtBot, environ: dict[str, str]
) -> None:
    dialog = _dialog(qtbot, environ, keyring=False)
    qtbot.mouseClick(dialog.shared, Qt.MouseButton.LeftButton)
    assert dialog.keyring_note.text() == NO_KEYRING_NOTE
    assert dialog.keyring_note.isVisible()
    assert not dialog.remember.isEnabled()
    assert not dialog.remember.isChecked()


def test_a_local_file_is_tested_and_saved(
    qtbot: QtBot, environ: dict[str, str], tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, environ)
    assert dialog.local.isChecked()
    qtbot.keyClicks(dialog.path, str(tmp_path / "plant.db"))
    assert "empty" in _test(qtbot, dialog)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert config.connection_settings(environ) == config.ConnectionSettings(
        "local", tmp_path / "plant.db"
    )
    assert dialog.url == f"sqlite:///{tmp_path / 'plant.db'}"


def test_the_dialog_opens_on_the_saved_server(qtbot: QtBot, environ: dict[str, str]) -> None:
    server = config.ServerSettings(host="db1", database="trace", user="st4", port=5433)
    config.save_connection_settings(config.ConnectionSettings("shared", server=server), environ)
    dialog = _dialog(qtbot, environ)
    assert dialog.shared.isChecked()
    assert (dialog.host.text(), dialog.port.value(), dialog.user.text()) == ("db1", 5433, "st4")


def _window(qtbot: QtBot, engine: Engine, tmp_path: Path) -> MainWindow:
    add_people(engine)
    context = StationContext(engine, station_code=None, database_label="test.db", shared=False)
    window = MainWindow(context, [LotsPage(context)], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def test_an_administrator_opens_the_dialog_from_the_main_window(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.ENV_CONFIG_DIR, str(tmp_path / "config"))
    window = _window(qtbot, sqlite_engine, tmp_path)
    sign_in(qtbot, window, "admin")
    assert window.connection_button.isVisible()
    assert window.connection_button.text() == "Database\nconnection…"
    qtbot.mouseClick(window.connection_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(ConnectionDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.path, str(tmp_path / "plant.db"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.statusBar().currentMessage() == "Connection saved. Restart TraceApp to use it."
    assert config.connection_settings() == config.ConnectionSettings("local", tmp_path / "plant.db")
    window.context.background.wait()


def test_an_operator_does_not_see_the_database_connection(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path
) -> None:
    window = _window(qtbot, sqlite_engine, tmp_path)
    sign_in(qtbot, window, "anna.op")
    assert not window.connection_button.isVisible()
    window.context.background.wait()
