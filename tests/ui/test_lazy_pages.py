"""Start-up: the window comes up without the heavy modules; pages are built when first opened.

Guards issue 6's start-up time without a wall clock: a fresh `traceapp gui` process that shows
its window (up to the sign-in screen taking input) must not have loaded the sensor sources
(asyncua, paho), the report libraries (reportlab, openpyxl), pyqtgraph, OpenCV, numpy, or the modules
of the pages nobody opened yet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.shell_support import (
    WAIT_MS,
    add_people,
    settings_file,
    sign_in,
    wait_for_sign_in_screen,
)
from traceapp.domain.permissions import Role
from traceapp.ui.application import build_window, standard_pages
from traceapp.ui.context import StationContext
from traceapp.ui.main_window import PREPARE_IDLE_MS, STARTUP_MARKER_ENV, LazyPage, MainWindow

NOT_AT_START = (
    "asyncua",
    "paho",
    "reportlab",
    "openpyxl",
    "pyqtgraph",
    "cv2",
    "numpy",
    "traceapp.ui.lots_page",
    "traceapp.ui.quality_page",
    "traceapp.ui.live_monitor",
    "traceapp.ui.recall_page",
    "traceapp.services.recall",
)

LAZY = ("Lots & genealogy", "Quality", "Live monitor", "Recall & reports")

START_AND_LIST = """\
import json, sys
from traceapp.cli import main
code = main(["gui", "--db", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_the_window_starts_without_the_heavy_modules(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEAPP_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        TRACEAPP_CONFIG_DIR=str(tmp_path / "config" / "traceapp"),
        TRACEAPP_QUIT_WHEN_READY="1",
    )
    env[STARTUP_MARKER_ENV] = str(marker)
    done = subprocess.run(
        [sys.executable, "-c", START_AND_LIST, f"sqlite:///{tmp_path / 'plant.db'}"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # The window was shown and its first screen took input before it closed itself.
    assert [line.split()[0] for line in marker.read_text().splitlines()] == ["shown", "ready"]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["code"] == 0
    loaded = set(report["modules"])
    assert "traceapp.ui.main_window" in loaded  # it did start the window
    assert "traceapp.ui.scan_station" in loaded  # the one page built with it
    assert [name for name in NOT_AT_START if name in loaded] == []


@pytest.fixture
def people(sqlite_engine: Engine) -> Engine:
    add_people(sqlite_engine)
    return sqlite_engine


def test_each_lazy_entry_shows_to_the_roles_its_page_does(
    qtbot: QtBot, people: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path))  # no [monitoring]: all lazy
    context = StationContext(people, station_code=None, database_label="test", shared=False)
    entries = [make(context) for make in standard_pages(settings_file(tmp_path))]
    lazy = [entry for entry in entries if isinstance(entry, LazyPage)]
    assert [entry.page_title for entry in lazy] == [
        "Lots & genealogy",
        "Quality",
        "Live monitor",
        "Recall & reports",
    ]
    for entry in lazy:
        page = entry.build()
        qtbot.addWidget(page)
        assert getattr(page, "page_title", None) == entry.page_title
        assert getattr(page, "page_shortcut", None) == entry.page_shortcut
        for role in Role:
            assert entry.visible_to(role) == page.visible_to(role), (entry.page_title, role)  # type: ignore[attr-defined]
        stop = getattr(page, "stop", None)
        if callable(stop):
            stop()
    context.background.wait()


def test_a_monitoring_station_builds_the_live_monitor_with_the_window(
    qtbot: QtBot, people: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The recorder process starts with the page: a station that records builds it at once.
    (tmp_path / "settings.toml").write_text("[monitoring]\nsources = []\n", encoding="utf-8")
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path))
    context = StationContext(people, station_code=None, database_label="test", shared=False)
    live = standard_pages(settings_file(tmp_path))[3](context)
    assert not isinstance(live, LazyPage)
    qtbot.addWidget(live)
    assert getattr(live, "page_title", None) == "Live monitor"
    context.background.wait()


def test_a_page_is_built_when_first_opened_and_works_for_the_person_signed_in(
    qtbot: QtBot, people: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path))
    settings = settings_file(tmp_path)
    context = StationContext(people, station_code=None, database_label="test", shared=False)
    window = MainWindow(context, [make(context) for make in standard_pages(settings)], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert not window.is_built("Lots & genealogy")
    sign_in(qtbot, window, "anna.op")
    # The operator's entries are there before their pages exist; only the first one is built.
    shown = [title for title, button in window.nav_buttons.items() if button.isVisible()]
    assert shown == ["Scan station", "Lots & genealogy", "Quality"]
    assert not window.is_built("Lots & genealogy")
    assert not window.is_built("Quality")
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F3)
    assert window.is_built("Lots & genealogy")
    lots = window.page("Lots & genealogy")
    qtbot.waitUntil(lots.isVisible, timeout=WAIT_MS)
    assert window.nav_buttons["Lots & genealogy"].isChecked()
    # Built after the sign-in, it still searches for the person signed in (no lots yet).
    count = lots.count  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: count.text() == "0 lots shown", timeout=WAIT_MS)
    assert lots.isAncestorOf(window.focusWidget())
    # F5 is not the operator's: the Live monitor is neither shown nor built.
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F5)
    assert not window.is_built("Live monitor")
    assert lots.isVisible()
    assert not window.is_built("Quality")  # listed in F1's keys all the same
    assert window.shortcut_lines()[:3] == [
        "F2\tScan station",
        "F3\tLots & genealogy",
        "F4\tQuality",
    ]
    window.sign_out()
    context.background.wait()


def _prepared_window(
    qtbot: QtBot, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> MainWindow:
    """The window `traceapp gui` opens (build_window: it prepares pages after sign-in)."""
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path))  # no [monitoring]: all lazy
    settings = settings_file(tmp_path)
    context = StationContext(engine, station_code=None, database_label="test", shared=False)
    window = build_window(context, standard_pages(settings), settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_after_sign_in_the_idle_window_builds_the_pages_ahead_and_they_work(
    qtbot: QtBot, people: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _prepared_window(qtbot, people, tmp_path, monkeypatch)
    wait_for_sign_in_screen(qtbot, window)
    qtbot.wait(PREPARE_IDLE_MS + 200)  # nobody signed in: nothing is prepared
    assert [title for title in LAZY if window.is_built(title)] == []
    sign_in(qtbot, window, "anna.op")
    # Nobody touches the station: its modules imported in a worker thread, then each page the
    # operator may open is built, one at a time; none of the pages she may not open.
    ahead = ["Lots & genealogy", "Quality"]
    qtbot.waitUntil(lambda: all(window.is_built(title) for title in ahead), timeout=WAIT_MS)
    qtbot.wait(PREPARE_IDLE_MS + 200)
    assert not window.is_built("Live monitor")
    assert not window.is_built("Recall & reports")
    assert window.current_page is window.page("Scan station")  # still where the person was
    lots = window.page("Lots & genealogy")
    qtbot.waitUntil(lambda: window.page_stack.indexOf(lots) >= 0, timeout=WAIT_MS)
    # Opened by its key, the page built ahead is the one shown, searching for the person.
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F3)
    qtbot.waitUntil(lots.isVisible, timeout=WAIT_MS)
    count = lots.count  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: count.text() == "0 lots shown", timeout=WAIT_MS)
    assert lots.isAncestorOf(window.focusWidget())
    window.sign_out()
    window.context.background.wait()


def test_while_someone_keeps_working_no_page_is_built_ahead(
    qtbot: QtBot, people: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _prepared_window(qtbot, people, tmp_path, monkeypatch)
    sign_in(qtbot, window, "anna.op")
    scan = window.page("Scan station").scan  # type: ignore[attr-defined]
    # Keys every 200 ms for three seconds (the station asks for 800 ms of quiet first).
    for _ in range(15):
        qtbot.keyClick(scan, Qt.Key.Key_A)
        qtbot.wait(200)
    assert not window.warmer.running  # the modules were imported meanwhile
    assert [title for title in LAZY if window.is_built(title)] == []
    qtbot.waitUntil(lambda: window.is_built("Lots & genealogy"), timeout=WAIT_MS)
    window.sign_out()
    window.context.background.wait()


def test_the_idle_window_builds_the_quality_tabs_ahead_one_turn_each(
    qtbot: QtBot, people: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _prepared_window(qtbot, people, tmp_path, monkeypatch)
    sign_in(qtbot, window, "anna.op")
    qtbot.waitUntil(lambda: window.is_built("Quality"), timeout=WAIT_MS)
    quality: Any = window.page("Quality")
    # Built with the page they made its one turn 100-260 ms: the SPC and Nonconformances
    # tabs come in later idle turns, nobody having opened them.
    qtbot.waitUntil(lambda: quality.unbuilt_tabs() == [], timeout=WAIT_MS)
    assert window.current_page is window.page("Scan station")  # still where the person was
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F4)
    qtbot.waitUntil(quality.isVisible, timeout=WAIT_MS)
    bar = quality.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    spc = quality.spc
    qtbot.waitUntil(spc.isVisible, timeout=WAIT_MS)
    assert spc.draw_button.text() == "Draw"
    assert spc.message.text() != ""
    window.sign_out()
    window.context.background.wait()
