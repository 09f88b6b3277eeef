"""A shared-mode station started while the server cannot be reached: it opens on its own copy,
the person who signed in there before signs in, scans are kept, and reach the server once.

The server is never stopped: the station talks to it through a TCP proxy of the test's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from tests.ui.shell_support import settings_file, type_sign_in, wait_for_sign_in_screen
from traceapp import app
from traceapp.db.models import Event, EventItem, Lot
from traceapp.db.outbox import OUTBOX_FILE
from traceapp.db.uow import UnitOfWork
from traceapp.domain.quantity import Quantity
from traceapp.domain.steps import HandlingStep
from traceapp.services import masterdata, users
from traceapp.services.lots import lot_detail
from traceapp.services.receiving import receive
from traceapp.ui.context import StationContext
from traceapp.ui.main_window import MainWindow
from traceapp.ui.scan_station import ScanStationPage
from traceapp.ui.scan_station.feedback import FeedbackSound
from traceapp.ui.station_sync import StationSync

from ..services.test_sync_faults import CuttableProxy
from .scan_plant import FLOUR_GTIN, PASSWORD, build_plant, floor_actor, label

pytestmark = [pytest.mark.postgres, pytest.mark.gui]
WAIT_MS = 30_000
SCREENSHOTS = Path(os.environ.get("TRACEAPP_SCREENSHOTS", "/tmp/traceapp-shots"))


@pytest.fixture
def server(pg_url: str) -> Iterator[Engine]:
    from traceapp.services.database import open_database

    engine, _ = open_database(pg_url)
    build_plant(engine)
    with UnitOfWork(engine) as uow:
        receive(
            uow,
            actor=floor_actor(engine, "sam"),
            supplier="MILL",
            supplier_lot_code="H-1",
            product="FLOUR",
            quantity=Quantity.parse("10 kg"),
        )
    yield engine
    engine.dispose()


@pytest.fixture
def proxy(pg_url: str) -> Iterator[CuttableProxy]:
    url = make_url(pg_url)
    through = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    yield through
    through.close()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(folder))
    # The verifier carries its own parameters: the same code checks it, only faster.
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    return folder


def _url_through(pg_url: str, proxy: CuttableProxy) -> str:
    return make_url(pg_url).set(port=proxy.port).render_as_string(hide_password=False)


def _worked_here_yesterday(url: str, outbox: Path) -> None:
    """olga signed in at this station while the server answered: the station kept her sign-in
    and its copy of the master data."""
    from traceapp.db.engine import make_engine

    engine = make_engine(url)
    sync = StationSync(engine, outbox)
    try:
        actor = sync.sign_in("olga", PASSWORD, "RCV1")
        sync.set_actor(actor)
    finally:
        sync.close()
        engine.dispose()


def _open_window(qtbot: QtBot, engine: Engine, outbox: Path, tmp_path: Path) -> MainWindow:
    sync = StationSync(engine, outbox)
    sync.forwarder.retry_seconds = 0.2
    context = StationContext(
        engine, station_code="RCV1", database_label="shared — test", shared=True, sync=sync
    )
    sync.start()
    settings = settings_file(tmp_path)
    page = ScanStationPage(context, settings=settings, sound=FeedbackSound(enabled=False))
    window = MainWindow(context, [page], settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def _close(window: MainWindow) -> None:
    window.context.background.wait()
    sync = window.context.sync
    assert sync is not None
    sync.close()
    window.context.engine.dispose()


def test_a_station_started_offline_signs_in_scans_and_delivers_each_scan_once(
    qtbot: QtBot,
    server: Engine,
    proxy: CuttableProxy,
    pg_url: str,
    config: Path,
    tmp_path: Path,
) -> None:
    url = _url_through(pg_url, proxy)
    outbox = config / OUTBOX_FILE
    _worked_here_yesterday(url, outbox)

    proxy.cut()
    # What `traceapp gui` does at start: the server cannot be reached, the station's copy can.
    engine = app._open_station_database(url)
    assert engine is not None
    window = _open_window(qtbot, engine, outbox, tmp_path)
    try:
        screen = window.sign_in_screen
        qtbot.waitUntil(lambda: "OFFLINE" in screen.subtitle.text(), timeout=WAIT_MS)
        wait_for_sign_in_screen(qtbot, window)
        assert "signed in at this station in the last 7 days" in screen.subtitle.text()
        window.grab().save(str(_shots() / "sign-in-offline.png"))

        # Someone who never signed in here is refused, and told why.
        type_sign_in(qtbot, window, "sam", PASSWORD)
        qtbot.waitUntil(lambda: screen.message.isVisible(), timeout=WAIT_MS)
        assert "has not signed in at this station" in screen.message.text()
        # olga is let in from the kept verifier.
        screen.identity.clear()
        screen.identity.setFocus()
        type_sign_in(qtbot, window, "olga", PASSWORD)
        qtbot.waitUntil(lambda: window.workspace.isVisible(), timeout=WAIT_MS)
        assert window.status.sync.text() == "OFFLINE — 0 waiting"

        page = window.page("Scan station")
        assert isinstance(page, ScanStationPage)
        page.choose_step(HandlingStep.RECEIVE)
        form = page.forms[HandlingStep.RECEIVE]
        qtbot.waitUntil(lambda: form.supplier.currentIndex() >= 0, timeout=WAIT_MS)
        page.scan.setFocus()
        qtbot.keyClicks(page.scan, label(FLOUR_GTIN, "OFF-1", kg="7.5"))
        qtbot.keyClick(page.scan, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: form.supplier_lot.text() == "OFF-1", timeout=WAIT_MS)
        qtbot.wait(90)
        qtbot.keyClick(window.focusWidget() or page, Qt.Key.Key_F12)
        qtbot.waitUntil(
            lambda: "kept at this station" in page.feedback.shown_lines()[0], timeout=WAIT_MS
        )
        qtbot.waitUntil(lambda: window.status.sync.text() == "OFFLINE — 1 waiting", timeout=WAIT_MS)
        window.grab().save(str(_shots() / "scan-station-started-offline.png"))

        proxy.restore()
        qtbot.waitUntil(lambda: window.status.sync.text() == "ONLINE", timeout=WAIT_MS)
        assert window.workspace.isVisible()  # olga is still signed in: the server knows her
    finally:
        _close(window)

    with UnitOfWork(server, write=False) as uow:
        assert lot_detail(uow, "FLOUR/OFF-1").lot.on_hand == Quantity.parse("7.5 kg")
        receipts = uow.session.scalar(
            select(func.count())
            .select_from(Event)
            .join(EventItem, EventItem.event_id == Event.id)
            .join(Lot, Lot.id == EventItem.lot_id)
            .where(Event.step == "receive", Lot.lot_code == "OFF-1")
        )
        by_olga = uow.session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.user_id == floor_actor(server, "olga").user_id)
        )
    assert receipts == 1
    assert by_olga == 1


def test_a_user_disabled_while_the_station_was_offline_is_signed_out_when_it_is_back(
    qtbot: QtBot,
    server: Engine,
    proxy: CuttableProxy,
    pg_url: str,
    config: Path,
    tmp_path: Path,
) -> None:
    url = _url_through(pg_url, proxy)
    outbox = config / OUTBOX_FILE
    _worked_here_yesterday(url, outbox)
    proxy.cut()
    engine = app._open_station_database(url)
    assert engine is not None
    window = _open_window(qtbot, engine, outbox, tmp_path)
    try:
        screen = window.sign_in_screen
        qtbot.waitUntil(lambda: "OFFLINE" in screen.subtitle.text(), timeout=WAIT_MS)
        wait_for_sign_in_screen(qtbot, window)
        type_sign_in(qtbot, window, "olga", PASSWORD)
        qtbot.waitUntil(lambda: window.workspace.isVisible(), timeout=WAIT_MS)

        with UnitOfWork(server) as uow:
            users.disable_user(
                uow, actor=masterdata.actor_for(uow), username="olga", reason="left the company"
            )
        proxy.restore()
        qtbot.waitUntil(lambda: screen.isVisible() and screen.message.isVisible(), timeout=WAIT_MS)
        assert screen.message.text() == (
            "olga was signed out: the account is disabled on the server. Ask an administrator."
        )
        assert window.context.actor is None
        window.grab().save(str(_shots() / "sign-in-refused-online-again.png"))
        # Her kept sign-in is gone too: offline again, she can no longer sign in here.
        sync = window.context.sync
        assert sync is not None
        assert not sync.outbox.cache_names("signin:")
    finally:
        _close(window)


def _shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
