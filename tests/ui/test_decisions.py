"""Deciding about a lot in the window, like a person: open it, press the button (or its key),
type the reason and the password, pick the meaning, Enter; read the badge and the decisions."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.lots_plant import actor_of, add_deciders, build_bakery
from tests.ui.shell_support import settings_file, type_sign_in, wait_for_sign_in_screen
from traceapp.db.uow import UnitOfWork
from traceapp.domain.dispositions import Decision
from traceapp.domain.quantity import Quantity
from traceapp.services import users
from traceapp.services.dispositions import hold
from traceapp.services.masterdata import actor_for
from traceapp.services.receiving import receive
from traceapp.ui.context import StationContext
from traceapp.ui.decisions import DecisionDialog
from traceapp.ui.lots_page import LotsPage
from traceapp.ui.main_window import MainWindow

WAIT_MS = 10_000
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
HELD = "FLOUR/F-200"
LONG_LOT = "FLOUR/F260306-52-LYON"


@pytest.fixture
def plant(sqlite_engine: Engine) -> Engine:
    admin = build_bakery(sqlite_engine)
    add_deciders(sqlite_engine, admin)
    with UnitOfWork(sqlite_engine) as uow:
        hold(uow, actor=admin, code=HELD, reason="mould on two bags")
    return sqlite_engine


@pytest.fixture
def open_page(qtbot: QtBot, plant: Engine) -> Iterator[Callable[[str], LotsPage]]:
    """The lots page with `username` signed in."""
    contexts: list[StationContext] = []

    def make(username: str) -> LotsPage:
        context = StationContext(
            plant, station_code=None, database_label="local — test", shared=False
        )
        context.sign_in(actor_of(plant, username))
        contexts.append(context)
        page = LotsPage(context)
        qtbot.addWidget(page)
        page.resize(1366, 800)
        page.show()
        qtbot.waitExposed(page)
        page.activateWindow()  # window shortcuts reach the active window only, as on a desk
        qtbot.waitUntil(page.isActiveWindow, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: page.count.text() == "21 lots shown", timeout=WAIT_MS)
        return page

    yield make
    for context in contexts:
        context.background.wait()


def _open(qtbot: QtBot, page: LotsPage, code: str) -> None:
    page.search.setFocus()
    qtbot.keyClicks(page.search, code)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            page.detail.title.text() == code
            and page.decision_actions.state is not None
            and page.decision_actions.state.name == code
        ),
        timeout=WAIT_MS,
    )


def _press(qtbot: QtBot, page: LotsPage, key: Qt.Key, shift: bool = False) -> None:
    """A shortcut, pressed while the window is the active one (as at a desk)."""
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT_MS)  # a closed dialog hands it back
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(page.search, key, modifiers)


def _button(page: LotsPage, decision: Decision) -> QWidget:
    return page.decision_actions.buttons[decision]


def _dialog(qtbot: QtBot, page: LotsPage) -> DecisionDialog:
    qtbot.waitUntil(
        lambda: (
            page.decision_actions.dialog is not None
            and page.decision_actions.dialog.isVisible()
            and page.decision_actions.dialog.reason.hasFocus()  # the window is active
        ),
        timeout=WAIT_MS,
    )
    dialog = page.decision_actions.dialog
    assert dialog is not None
    return dialog


def _sign(qtbot: QtBot, dialog: DecisionDialog, reason: str, password: str, meaning: str) -> None:
    assert dialog.reason.hasFocus()
    qtbot.keyClicks(dialog.reason, reason)
    assert dialog.signer is not None
    assert dialog.password is not None
    assert dialog.meaning is not None
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
    assert dialog.signer.hasFocus()
    qtbot.keyClick(dialog.signer, Qt.Key.Key_Tab)
    assert dialog.password.hasFocus()
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Tab)
    assert dialog.meaning.hasFocus()
    qtbot.keyClicks(dialog.meaning, meaning)
    assert dialog.meaning.currentText() == meaning
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_a_quality_manager_releases_a_held_lot_with_a_signature(
    qtbot: QtBot, open_page: Callable[[str], LotsPage]
) -> None:
    page = open_page("qm.quinn")
    _open(qtbot, page, HELD)
    detail = page.detail
    assert detail.status.text() == "ON HOLD"
    assert detail.decisions.isVisible()
    [held] = detail.decisions.lines()
    assert "Put on hold   ACTIVE → ON HOLD" in held[0]
    assert held[1] == "By admin. Reason: mould on two bags"
    # The domain's rules: a held lot can be lifted or released, not held again.
    assert not _button(page, Decision.HOLD).isEnabled()
    assert _button(page, Decision.LIFT_HOLD).isEnabled()
    release = _button(page, Decision.RELEASE)
    assert release.isVisible()
    assert release.isEnabled()
    assert "Ctrl+Shift+R" in release.text()  # type: ignore[attr-defined]

    qtbot.mouseClick(release, Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot, page)
    assert dialog.signer is not None
    assert dialog.signer.text() == "qm.quinn"
    assert dialog.password is not None
    assert dialog.password.echoMode() is dialog.password.EchoMode.Password
    _sign(qtbot, dialog, "re-tested: moisture 12 %", "quinn-pass-2026", "reviewed")

    qtbot.waitUntil(lambda: detail.status.text() == "RELEASED", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(detail.decisions.lines()) == 2, timeout=WAIT_MS)
    assert page.decision_actions.dialog is None  # closed
    assert page.decision_actions.result.text() == f"Released: {HELD} is now RELEASED."
    heading, by, signature = detail.decisions.lines()[1]
    assert "Released   ON HOLD → RELEASED" in heading
    assert by == "By qm.quinn. Reason: re-tested: moisture 12 %"
    assert signature.startswith("Signed by Quinn Quality (qm.quinn) — reviewed — ")
    assert signature.endswith(" — ✓ valid")
    shown = TIME.search(signature)
    assert shown is not None
    assert shown.group(0)[:10] == datetime.now().strftime("%Y-%m-%d")
    steps = [detail.events.item(r, 1).text() for r in range(detail.events.rowCount())]
    assert steps[-2:] == ["Put on hold", "Released"]
    assert not _button(page, Decision.RELEASE).isEnabled()  # released already
    assert _button(page, Decision.HOLD).isEnabled()


def test_a_wrong_password_keeps_the_dialog_open_with_the_reason(
    qtbot: QtBot, open_page: Callable[[str], LotsPage]
) -> None:
    page = open_page("qm.quinn")
    _open(qtbot, page, HELD)
    _press(qtbot, page, Qt.Key.Key_R, shift=True)
    dialog = _dialog(qtbot, page)
    assert "I release lot FLOUR/F-200" in dialog.statement.text()
    _sign(qtbot, dialog, "re-tested", "not-my-password", "released")
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    assert dialog.isVisible()
    assert "user name or password is wrong" in dialog.message.text()
    assert dialog.reason.text() == "re-tested"
    assert dialog.password is not None
    assert dialog.password.text() == ""
    assert dialog.password.hasFocus()
    assert dialog.statement.text().startswith("I release lot FLOUR/F-200: re-tested")
    assert page.detail.status.text() == "ON HOLD"
    # Esc cancels: nothing recorded.
    qtbot.keyClick(dialog.password, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.decision_actions.dialog is None, timeout=WAIT_MS)
    assert len(page.detail.decisions.lines()) == 1


def test_an_operator_may_hold_but_not_release(
    qtbot: QtBot, open_page: Callable[[str], LotsPage]
) -> None:
    page = open_page("olga.op")
    _open(qtbot, page, "FLOUR/F-100")
    assert not page.detail.decisions.isVisible()  # no decisions: no empty section
    hold_button = _button(page, Decision.HOLD)
    assert hold_button.isVisible()
    assert hold_button.isEnabled()
    for decision in (Decision.LIFT_HOLD, Decision.RELEASE, Decision.REJECT, Decision.SCRAP):
        assert not _button(page, decision).isVisible()
    assert not page.decision_actions.print_button.isVisible()  # an operator exports nothing
    _press(qtbot, page, Qt.Key.Key_R, shift=True)
    qtbot.wait(100)
    assert page.decision_actions.dialog is None  # the key does not open what the role may not do

    _press(qtbot, page, Qt.Key.Key_H)
    dialog = _dialog(qtbot, page)
    assert dialog.signer is None  # a hold needs a reason, not a signature
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    assert dialog.message.text().startswith("A hold needs a reason.")
    qtbot.keyClicks(dialog.reason, "bag torn")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail.status.text() == "ON HOLD", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(page.detail.decisions.lines()) == 1, timeout=WAIT_MS)
    assert page.detail.decisions.lines()[0][1] == "By olga.op. Reason: bag torn"
    assert not _button(page, Decision.HOLD).isEnabled()


def test_hold_every_descendant_of_a_lot(qtbot: QtBot, open_page: Callable[[str], LotsPage]) -> None:
    page = open_page("sam.sup")
    _open(qtbot, page, "FLOUR/F-300")
    qtbot.mouseClick(_button(page, Decision.HOLD), Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot, page)
    qtbot.keyClicks(dialog.reason, "metal found in sieve")
    assert dialog.descendants is not None
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
    assert dialog.descendants.hasFocus()
    qtbot.keyClick(dialog.descendants, Qt.Key.Key_Space)
    assert dialog.descendants.isChecked()
    assert "and every usable lot made from it" in dialog.statement.text()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail.status.text() == "ON HOLD", timeout=WAIT_MS)
    assert page.decision_actions.result.text() == (
        "Put on hold: FLOUR/F-300 is now ON HOLD; 15 lots made from it held too."
    )
    _open_child = "DOUGH/M-07"
    page.search.clear()
    _open(qtbot, page, _open_child)
    assert page.detail.status.text() == "ON HOLD"
    [held] = page.detail.decisions.lines()
    assert held[1] == "By sam.sup. Reason: metal found in sieve (made from FLOUR/F-300)"


def test_print_writes_a_pdf_with_the_signature(
    qtbot: QtBot, open_page: Callable[[str], LotsPage], tmp_path: Path
) -> None:
    page = open_page("qm.quinn")
    _open(qtbot, page, HELD)
    _press(qtbot, page, Qt.Key.Key_R, shift=True)
    _sign(qtbot, _dialog(qtbot, page), "re-tested: moisture 12 %", "quinn-pass-2026", "approved")
    qtbot.waitUntil(lambda: page.detail.status.text() == "RELEASED", timeout=WAIT_MS)
    target = tmp_path / "f200"
    asked: list[str] = []

    def choose(suggested: str) -> str:
        asked.append(suggested)
        return str(target)

    page.decision_actions.choose_pdf_path = choose
    _press(qtbot, page, Qt.Key.Key_P)
    actions = page.decision_actions
    qtbot.waitUntil(lambda: actions.open_pdf.isVisible(), timeout=WAIT_MS)
    assert asked
    assert asked[0].endswith("lot-record-FLOUR_F-200.pdf")
    written = tmp_path / "f200.pdf"
    assert actions.result.text().startswith(f"Lot record written to {written} (")
    text = subprocess.run(
        ["pdftotext", "-layout", str(written), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Quinn Quality" in text
    assert "Approved" in text or "approved" in text
    assert "re-tested: moisture 12 %" in text


def test_a_used_up_lot_can_only_hold_what_was_made_from_it_and_a_refusal_stays_in_the_dialog(
    qtbot: QtBot, open_page: Callable[[str], LotsPage]
) -> None:
    page = open_page("sam.sup")
    _open(qtbot, page, "DOUGH/D-7")
    assert page.detail.status.text() == "CONSUMED"
    assert not _button(page, Decision.LIFT_HOLD).isEnabled()
    hold_button = _button(page, Decision.HOLD)
    assert hold_button.isEnabled()  # for its descendants
    qtbot.mouseClick(hold_button, Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot, page)
    assert dialog.descendants is not None
    assert dialog.descendants.isChecked()
    assert not dialog.descendants.isEnabled()
    qtbot.keyClicks(dialog.reason, "dough too warm")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    # Its only descendant, the cookies, was shipped: the service refuses, with what to do.
    assert dialog.isVisible()
    assert "none of the 1 lots made from it can be held" in dialog.message.text()
    assert "recall matter" in dialog.message.text()
    assert dialog.reason.text() == "dough too warm"
    assert dialog.confirm.isEnabled()
    assert not dialog.descendants.isEnabled()  # stays locked after the answer
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.decision_actions.dialog is None, timeout=WAIT_MS)
    assert not page.detail.decisions.isVisible()


def test_a_supervisor_lifts_a_hold_with_a_signature_and_may_not_release(
    qtbot: QtBot, open_page: Callable[[str], LotsPage]
) -> None:
    page = open_page("sam.sup")
    _open(qtbot, page, HELD)
    assert not _button(page, Decision.RELEASE).isVisible()
    assert not _button(page, Decision.SCRAP).isVisible()
    assert page.decision_actions.print_button.isVisible()  # a supervisor may export
    _press(qtbot, page, Qt.Key.Key_H, shift=True)
    dialog = _dialog(qtbot, page)
    assert dialog.meaning is not None
    assert dialog.meaning.currentText() == "approved"  # the domain's meaning for a lift
    assert dialog.statement.text().startswith("I lift the hold on lot FLOUR/F-200: …")
    _sign(qtbot, dialog, "bags were dusty, not mouldy", "sam-pass-2026", "approved")
    qtbot.waitUntil(lambda: page.detail.status.text() == "ACTIVE", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(page.detail.decisions.lines()) == 2, timeout=WAIT_MS)
    heading, _by, signature = page.detail.decisions.lines()[1]
    assert "Hold lifted   ON HOLD → ACTIVE" in heading
    assert signature.startswith("Signed by Sam Supervisor (sam.sup) — approved — ")
    steps = [page.detail.events.item(r, 1).text() for r in range(page.detail.events.rowCount())]
    assert steps[-1] == "Hold lifted"


@pytest.mark.usefixtures("shop_floor_look")
def test_at_1366_by_768_a_quality_managers_buttons_and_the_lot_list_fit_side_by_side(
    qtbot: QtBot, plant: Engine, tmp_path: Path
) -> None:
    """Seven buttons, four to a row, made the record as wide as 'Print lot record' four times
    over: the list beside it lost the On hand figures. Three to a row both fit."""
    with UnitOfWork(plant) as uow:
        users.set_first_admin_password(uow, password="admin-pass-2026")
        admin = actor_for(uow)
    with UnitOfWork(plant) as uow:
        # A lot code as long as the demo plant's (FG-BBQ-500/F260306-52): the Lot column widens.
        receive(
            uow,
            actor=admin,
            supplier="MILL",
            supplier_lot_code="S3-26034-F7",
            lot_code=LONG_LOT.split("/", 1)[1],
            product="FLOUR",
            quantity=Quantity.parse("7 kg"),
        )
    context = StationContext(plant, station_code=None, database_label="local — test", shared=False)
    lots = LotsPage(context)
    window = MainWindow(context, [lots], settings_file(tmp_path))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    wait_for_sign_in_screen(qtbot, window)
    type_sign_in(qtbot, window, "qm.quinn", "quinn-pass-2026")
    qtbot.waitUntil(lambda: lots.count.text() == "22 lots shown", timeout=WAIT_MS)
    _open(qtbot, lots, LONG_LOT)
    qtbot.waitUntil(lots.decision_actions.isVisible, timeout=WAIT_MS)
    qtbot.wait(100)  # the splitter settles after the buttons came
    buttons = lots.decision_actions.permitted()
    assert len(buttons) == 7  # six decisions and Print
    viewport = lots.detail.viewport()
    for button in buttons:
        assert button.isVisible()
        assert button.width() >= button.sizeHint().width(), button.text()  # every word whole
        right = button.mapTo(viewport, QPoint(button.width(), 0)).x()
        assert right <= viewport.width(), button.text()  # nothing hidden to the right
    header = lots.table.horizontalHeader()
    titles = [
        lots.table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())
    ]
    on_hand = titles.index("On hand")
    right_edge = header.sectionViewportPosition(on_hand) + header.sectionSize(on_hand)
    assert right_edge <= lots.table.viewport().width()  # the stock figures stay on screen
    context.background.wait()
