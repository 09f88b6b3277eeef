"""German for the scan station and the lots page: every string translated, none left as its
English source, and the pages a person sees speak German when `[ui] language = "de"`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from traceapp.domain.codes import GS
from traceapp.domain.steps import HandlingStep
from traceapp.ui.context import StationContext
from traceapp.ui.lots_page import GRAPH_TAB, LotsPage
from traceapp.ui.resources import configured_language, install_translator, remove_translator
from traceapp.ui.scan_station import ScanStationPage
from traceapp.ui.scan_station.feedback import FeedbackSound
from traceapp.ui.station_picker import StationPicker

from .lots_plant import build_bakery, flour_label
from .scan_plant import FLOUR_GTIN, build_plant, floor_actor, label

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "traceapp_de.ts"
QM = TS.with_suffix(".qm")
BIN = ROOT / ".venv" / "bin"
UI = ROOT / "traceapp" / "ui"
# what scripts/translations.sh hands lupdate
SOURCES = [
    *sorted((UI / "scan_station").glob("*.py")),
    UI / "main_window.py",
    UI / "lots_page.py",
    UI / "lot_table.py",
    UI / "station_picker.py",
    UI / "status_bar.py",
]
CONTEXTS = ("ScanStation", "Navigation", "Lots", "StationPicker", "StatusBar")
WAIT_MS = 10_000
# Words that are the same in German and English, each on purpose.
IDENTICAL: frozenset[str] = frozenset(
    {"Status", "ONLINE", "Station: {code}", "Scanner: {state}"}  # shop-floor German as well
)
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _messages(ts: Path) -> list[tuple[str, str, str]]:
    """(source, translation, type) of every message of the scan station and the navigation."""
    found = []
    for context in ET.parse(ts).getroot().iter("context"):
        if context.findtext("name") not in CONTEXTS:
            continue
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            found.append(
                (
                    message.findtext("source") or "",
                    translation.text or "",
                    translation.get("type", ""),
                )
            )
    return found


def _tool(name: str) -> str:
    tool = BIN / name
    if not tool.exists():
        found = shutil.which(name)
        assert found, f"{name} is installed with PySide6 (bash scripts/bootstrap.sh)"
        return found
    return str(tool)


def test_lrelease_finds_no_unfinished_string(tmp_path: Path) -> None:
    out = subprocess.run(
        [_tool("pyside6-lrelease"), str(TS), "-qm", str(tmp_path / "de.qm")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts = re.search(
        r"Generated (\d+) translation\(s\) \((\d+) finished and (\d+) unfinished", out
    )
    assert counts is not None, out
    generated, finished, unfinished = map(int, counts.groups())
    assert unfinished == 0
    assert generated == finished > 100
    # the committed .qm is the one this .ts makes (scripts/translations.sh was run)
    assert (tmp_path / "de.qm").read_bytes() == QM.read_bytes()


def test_every_wrapped_string_of_the_scan_station_is_in_the_ts_file(tmp_path: Path) -> None:
    """lupdate over today's source finds nothing new and nothing gone."""
    copy = tmp_path / "traceapp_de.ts"
    shutil.copy(TS, copy)
    subprocess.run(
        [_tool("pyside6-lupdate"), "-no-obsolete", *map(str, SOURCES), "-ts", str(copy)],
        capture_output=True,
        text=True,
        check=True,
    )
    now = {source for source, _, _ in _messages(copy)}
    committed = {source for source, _, _ in _messages(TS)}
    assert now - committed == set(), "run bash scripts/translations.sh and translate"
    assert committed - now == set(), "run bash scripts/translations.sh: strings are gone"


def test_no_translation_is_its_source_and_placeholders_survive() -> None:
    messages = _messages(TS)
    assert len(messages) > 100
    for source, translation, kind in messages:
        assert kind == "", (source, kind)  # not unfinished, vanished or obsolete
        assert translation.strip(), source
        if source not in IDENTICAL:
            assert translation != source, source
        assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(source))
        assert translation.count("&") == source.count("&"), source  # one mnemonic each


def test_language_comes_from_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path))
    assert configured_language() is None
    (tmp_path / "settings.toml").write_text('[ui]\nlanguage = "de"\n', encoding="utf-8")
    assert configured_language() == "de"


@pytest.fixture
def german(qapp: object) -> Iterator[None]:
    translator = install_translator("de")
    assert translator is not None
    yield
    remove_translator(translator)


@pytest.mark.gui
def test_the_scan_station_speaks_german(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path, german: None
) -> None:
    build_plant(sqlite_engine)
    settings = QSettings(os.path.join(tmp_path, "settings.ini"), QSettings.Format.IniFormat)
    context = StationContext(
        sqlite_engine, station_code="RCV1", database_label="local — test", shared=False
    )
    context.sign_in(floor_actor(sqlite_engine, "sam"))
    page = ScanStationPage(context, settings=settings, sound=FeedbackSound(enabled=False))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    receive = page.forms[HandlingStep.RECEIVE]
    qtbot.waitUntil(lambda: receive.supplier.currentIndex() >= 0, timeout=WAIT_MS)

    buttons = [b.text() for b in page.findChildren(QPushButton) if b.isVisible()]
    for text in ("&Wareneingang\nAlt+1", "Ver&sand\nAlt+5", "Buchen   F12", "Rückgängig\nStrg+Z"):
        assert text in buttons
    assert page.scan.placeholderText() == "Etikett scannen oder Code eintippen und Enter drücken"
    assert page.step_box.title() == "Wareneingang"

    # A supplier's label, scanned: the panel says what was read, in German.
    page.scan.setFocus()
    qtbot.keyClicks(page.scan, label(FLOUR_GTIN, "L-118", kg="25").replace("\x1d", ""))
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: page.feedback.title_text.startswith("Etikett gelesen: FLOUR"), timeout=WAIT_MS
    )
    assert page.missing.text() == "Bereit: F12 oder Enter drücken."
    qtbot.keyClick(page.scan, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.feedback.state == "ok", timeout=WAIT_MS)
    assert page.feedback.title_text == "Eingang gebucht: FLOUR/L-118 — 25 kg"

    # Umlagern (Alt+6) without anything scanned: F12 is refused with the reason in German.
    qtbot.keyClick(page.scan, Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.step_box.title() == "Umlagern", timeout=WAIT_MS)
    assert page.missing.text() == (
        "Es fehlt noch: Scannen Sie die Chargen oder Behälter zum Umlagern."
    )
    qtbot.keyClick(page.scan, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.feedback.state == "error", timeout=WAIT_MS)
    assert page.feedback.title_text == "Der Schritt ist nicht vollständig."
    context.background.wait()


@pytest.mark.gui
def test_the_lots_page_speaks_german(qtbot: QtBot, sqlite_engine: Engine, german: None) -> None:
    actor = build_bakery(sqlite_engine)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    context.sign_in(actor)
    page = LotsPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.count.text() == "21 Chargen angezeigt", timeout=WAIT_MS)
    model = page.table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:4] == ["Charge", "Status", "Bestand", "Produkt"]
    assert page.search.placeholderText().startswith("Charge, Behälter, Teil oder Produkt")
    assert page.dated.text() == "Hergestellt zwischen"
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "&Datenblatt",
        "&Stammbaum",
    ]
    # A sack's label scanned into the search: one lot, its status in German.
    page.search.setFocus()
    qtbot.keyClicks(page.search, flour_label("F-300").replace(GS, ""))
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.count.text() == "1 Charge angezeigt", timeout=WAIT_MS)
    assert model.index(0, 1).data() == "aktiv"
    # Alt+S (the German mnemonic) shows the genealogy.
    qtbot.keyClick(page.search, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.tabs.currentIndex() == GRAPH_TAB, timeout=WAIT_MS)
    context.background.wait()


@pytest.mark.gui
def test_the_station_picker_speaks_german(
    qtbot: QtBot, sqlite_engine: Engine, german: None
) -> None:
    build_plant(sqlite_engine)  # one station: RCV1
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    picker = StationPicker(context)
    qtbot.addWidget(picker)
    picker.load()
    picker.show()
    qtbot.waitUntil(lambda: picker.filter.isEnabled(), timeout=WAIT_MS)
    assert picker.title.text() == "Station wählen"
    assert picker.current.text().startswith("Jetzt: keine Station gewählt.")
    assert picker.use.text() == "Diese Station nehmen"
    qtbot.keyClicks(picker.filter, "ofen")
    assert picker.message.text() == "Keine Station passt zu 'ofen'. Feld leeren, um alle zu sehen."
    context.background.wait()
