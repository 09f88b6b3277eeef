"""First start on a PC without a plant: demo, empty local plant or the plant server, by mouse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, fresh_pg_url
from traceapp import app, config
from traceapp.db.engine import make_engine
from traceapp.db.models import Lot
from traceapp.db.uow import UnitOfWork
from traceapp.services import users
from traceapp.ui.connection_dialog import ConnectionDialog
from traceapp.ui.first_start import FirstStartDialog, demo_path, first_start_needed

pytestmark = pytest.mark.gui
WAIT_MS = 120_000  # the demo plant is built for real, on a busy machine
DEMO_LOTS = 100  # the smallest plant the builder makes


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    return {
        config.ENV_CONFIG_DIR: str(tmp_path / "config"),
        config.ENV_DATA_DIR: str(tmp_path / "data"),
    }


@pytest.fixture
def dialog(qtbot: QtBot, environ: dict[str, str]) -> Iterator[FirstStartDialog]:
    shown = FirstStartDialog(environ=environ, demo_lots=DEMO_LOTS)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    shown.activateWindow()
    yield shown
    shown._background.wait()


def _click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def test_a_new_pc_needs_a_first_start_and_one_with_a_plant_does_not(
    environ: dict[str, str], tmp_path: Path
) -> None:
    default = config.default_database_url(environ)
    assert first_start_needed(default, environ)
    assert not first_start_needed(f"sqlite:///{tmp_path / 'other.db'}", environ)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / config.DEFAULT_DB_FILE).write_bytes(b"")
    assert not first_start_needed(default, environ)


def test_the_three_choices_are_offered(dialog: FirstStartDialog) -> None:
    titles = [button.text().splitlines()[0] for button in dialog.choices]
    assert titles == ["Open demo plant", "Create empty local plant", "Connect to plant server"]
    assert all(button.isVisible() for button in dialog.choices)


def test_an_empty_local_plant_is_the_default_file_saved_as_local_mode(
    qtbot: QtBot, dialog: FirstStartDialog, environ: dict[str, str]
) -> None:
    _click(qtbot, dialog.empty_button)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.url == config.default_database_url(environ)
    assert config.connection_settings(environ) == config.ConnectionSettings("local")


def test_the_demo_plant_is_built_and_its_users_are_shown(
    qtbot: QtBot, dialog: FirstStartDialog, environ: dict[str, str]
) -> None:
    _click(qtbot, dialog.demo_button)
    assert "Building the demo plant" in dialog.status.text()
    assert not dialog.empty_button.isEnabled()  # one choice at a time
    qtbot.waitUntil(
        lambda: dialog.continue_button.isVisible() or dialog.empty_button.isEnabled(),
        timeout=WAIT_MS,
    )
    shown = dialog.status.text()
    assert shown.startswith("The demo plant is ready:"), shown
    assert "admin  (admin)  password: " in shown
    assert "anna.op  (operator)" in shown
    assert not dialog.demo_button.isVisible()
    _click(qtbot, dialog.continue_button)
    assert dialog.result() == QDialog.DialogCode.Accepted
    path = demo_path(environ)
    assert dialog.url == f"sqlite:///{path.resolve()}"
    assert config.connection_settings(environ) == config.ConnectionSettings("local", path.resolve())
    engine = make_engine(dialog.url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Lot)) >= DEMO_LOTS
    engine.dispose()


@pytest.mark.postgres
def test_connecting_to_the_plant_server_uses_the_connection_dialog(
    qtbot: QtBot, dialog: FirstStartDialog, environ: dict[str, str], pg_template: str
) -> None:
    for url in fresh_pg_url(pg_template):
        parts = make_url(url)
        _click(qtbot, dialog.server_button)
        server = dialog.connection_dialog
        assert server is not None
        qtbot.waitExposed(server)
        assert server.shared.isChecked()
        qtbot.keyClicks(server.host, parts.host or "")
        server.port.selectAll()
        qtbot.keyClicks(server.port, str(parts.port or 5432))
        qtbot.keyClicks(server.database, parts.database or "")
        qtbot.keyClicks(server.user, parts.username or "")
        with qtbot.waitSignal(server.tested, timeout=WAIT_MS):
            _click(qtbot, server.test_button)
        assert "ready" in server.outcome.text()
        _click(qtbot, server.save_button)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert dialog.url is not None
        assert make_url(dialog.url).database == parts.database
        saved = config.connection_settings(environ)
        assert saved is not None
        assert saved.mode == "shared"


# How `traceapp gui` starts: app.py shows these dialogs before the main window.


def _answer_when_shown(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    kind: type[QDialog],
    answer: Callable[[QDialog], None],
) -> list[str]:
    """Stand in for the modal `exec()` of `kind`: show the dialog, let `answer` click in it as a
    person would, and return what it ended with (no nested event loop inside the test)."""
    seen: list[str] = []

    def run(dialog: QDialog) -> int:
        dialog.show()
        qtbot.waitExposed(dialog)
        seen.append(type(dialog).__name__)
        answer(dialog)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
        return int(dialog.result())

    monkeypatch.setattr(kind, "exec", run)
    return seen


def test_gui_start_on_a_new_pc_offers_the_first_start_and_opens_the_chosen_plant(
    qtbot: QtBot, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    seen = _answer_when_shown(
        qtbot,
        monkeypatch,
        FirstStartDialog,
        lambda d: _click(qtbot, d.empty_button),  # type: ignore[attr-defined]
    )
    engine = app._open_station_database(config.default_database_url())
    assert seen == ["FirstStartDialog"]
    assert engine is not None
    try:
        with UnitOfWork(engine) as uow:
            assert users.admin_needs_password(uow)  # the window asks for the first admin next
    finally:
        engine.dispose()
    assert not config.first_start_needed(config.default_database_url())


def test_closing_the_first_start_opens_nothing(
    qtbot: QtBot, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    _answer_when_shown(qtbot, monkeypatch, FirstStartDialog, lambda d: d.reject())
    assert app._open_station_database(config.default_database_url()) is None
    assert not (Path(environ[config.ENV_DATA_DIR]) / config.DEFAULT_DB_FILE).exists()


@pytest.mark.postgres
def test_a_server_login_refused_at_start_asks_in_the_connection_dialog(
    qtbot: QtBot, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch, pg_template: str
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(config, "keyring_available", lambda: False)
    parts = make_url(PG_URL)
    server = config.ServerSettings(
        host=parts.host or "127.0.0.1",
        port=parts.port or 5432,
        database=pg_template,
        user="traceapp_nobody",
    )
    config.save_connection_settings(config.ConnectionSettings("shared", server=server))
    shown: list[str] = []

    def cancel(dialog: QDialog) -> None:
        shown.append(dialog.outcome.text())  # type: ignore[attr-defined]
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]

    _answer_when_shown(qtbot, monkeypatch, ConnectionDialog, cancel)
    assert app._open_station_database(config.resolve_database().url) is None
    assert len(shown) == 1
    assert "refused the user name or password" in shown[0]
