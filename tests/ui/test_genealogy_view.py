"""The genealogy graph used like a person: scan a label, look at the graph, expand, click."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.ui.lots_plant import MANY, build_bakery, flour_label
from traceapp.domain.genealogy import Step
from traceapp.ui import genealogy_view
from traceapp.ui.context import StationContext
from traceapp.ui.genealogy_view import (
    PAGE,
    GenealogyView,
    MoreItem,
    NodeItem,
)
from traceapp.ui.lots_page import GRAPH_TAB, RECORD_TAB, LotsPage

WAIT_MS = 10_000


@pytest.fixture
def page(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[LotsPage]:
    actor = build_bakery(sqlite_engine)
    context = StationContext(
        sqlite_engine, station_code=None, database_label="local — test", shared=False
    )
    context.sign_in(actor)
    shown = LotsPage(context)
    qtbot.addWidget(shown)
    shown.resize(1280, 800)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    context.background.wait()


def _shown(view: GenealogyView) -> dict[str, NodeItem]:
    """Nodes drawn and inside the visible part of the view, by their label."""
    area = view.mapToScene(view.viewport().rect()).boundingRect()
    return {
        item.state.node.label: item
        for item in view.items_by_key.values()
        if item.isVisible() and area.intersects(item.sceneBoundingRect())
    }


def _columns(view: GenealogyView) -> dict[str, float]:
    return {label: item.x() for label, item in _shown(view).items()}


def _click(qtbot: QtBot, view: GenealogyView, item: NodeItem | MoreItem, at: QPointF) -> None:
    point = view.mapFromScene(item.mapToScene(at))
    assert view.viewport().rect().contains(point), "the spot to click is off screen"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point))


def _scroll_until_shown(qtbot: QtBot, view: GenealogyView, label: str) -> NodeItem:
    """Page the scroll bars towards the node, as a person clicks beside a scroll bar's handle."""
    for _ in range(20):
        shown = _shown(view)
        if label in shown and view.viewport().rect().contains(
            view.mapFromScene(shown[label].sceneBoundingRect()).boundingRect()
        ):
            return shown[label]
        target = next(i for i in view.items_by_key.values() if i.state.node.label == label)
        centre = view.mapFromScene(target.sceneBoundingRect().center())
        for bar, offset, size in (
            (view.horizontalScrollBar(), centre.x(), view.viewport().width()),
            (view.verticalScrollBar(), centre.y(), view.viewport().height()),
        ):
            if bar.isVisible() and not 0 <= offset <= size:
                horizontal = bar is view.horizontalScrollBar()
                end = bar.width() - 30 if horizontal else bar.height() - 30
                spot = 30 if offset < 0 else end
                pos = (
                    QPoint(spot, bar.height() // 2)
                    if horizontal
                    else QPoint(bar.width() // 2, spot)
                )
                qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=pos)
    raise AssertionError(f"{label} could not be scrolled into view")


def _click_handle(qtbot: QtBot, view: GenealogyView, item: NodeItem, step: Step) -> None:
    _click(qtbot, view, item, item.handle(step).center())


def _click_body(qtbot: QtBot, view: GenealogyView, item: NodeItem) -> None:
    _click(qtbot, view, item, item.body().center())


def _click_tab(qtbot: QtBot, page: LotsPage, tab: int) -> None:
    bar = page.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tab).center())


def _scan_and_open_graph(qtbot: QtBot, page: LotsPage, scanned: str, root: str) -> GenealogyView:
    page.search.setFocus()
    qtbot.keyClicks(page.search, scanned)  # a keyboard-wedge scanner types like a person
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail.title.text() == root, timeout=WAIT_MS)
    _click_tab(qtbot, page, GRAPH_TAB)
    view = page.genealogy.view
    qtbot.waitUntil(lambda: view.isVisible() and root in _shown(view), timeout=WAIT_MS)
    return view


def test_a_scanned_label_opens_the_lot_with_its_supplier_left_and_its_dough_right(
    qtbot: QtBot, page: LotsPage
) -> None:
    view = _scan_and_open_graph(qtbot, page, flour_label("F-100"), "FLOUR/F-100")
    columns = _columns(view)
    assert set(columns) == {"FLOUR/F-100", "Northern Mill", "DOUGH/D-7"}
    assert columns["Northern Mill"] < columns["FLOUR/F-100"] < columns["DOUGH/D-7"]
    assert page.genealogy.selection.text() == (
        "Lot FLOUR/F-100 — Wheat flour — active — 1 upstream, 1 downstream"
    )


def test_a_scanned_intermediate_shows_its_parents_and_children(
    qtbot: QtBot, page: LotsPage
) -> None:
    view = _scan_and_open_graph(qtbot, page, "DOUGH/D-7", "DOUGH/D-7")
    columns = _columns(view)
    assert columns["FLOUR/F-100"] < columns["DOUGH/D-7"]
    assert columns["SUGAR/S-1"] < columns["DOUGH/D-7"]
    assert columns["COOKIE/C-1"] > columns["DOUGH/D-7"]


def test_expanding_nodes_walks_downstream_to_the_customer(qtbot: QtBot, page: LotsPage) -> None:
    view = _scan_and_open_graph(qtbot, page, "DOUGH/D-7", "DOUGH/D-7")
    assert "CASE-1" not in _shown(view)
    _click_handle(qtbot, view, _shown(view)["COOKIE/C-1"], Step.FORWARD)
    qtbot.waitUntil(lambda: "CASE-1" in _shown(view), timeout=WAIT_MS)
    assert _columns(view)["CASE-1"] > _columns(view)["COOKIE/C-1"]
    _click_handle(qtbot, view, _shown(view)["CASE-1"], Step.FORWARD)
    qtbot.waitUntil(lambda: "Shipment DN-1" in _shown(view), timeout=WAIT_MS)
    _click_handle(qtbot, view, _shown(view)["Shipment DN-1"], Step.FORWARD)
    qtbot.waitUntil(lambda: "Shop 1" in _shown(view), timeout=WAIT_MS)
    # Collapsing the cookies takes everything downstream of them off the graph.
    _click_handle(qtbot, view, _scroll_until_shown(qtbot, view, "COOKIE/C-1"), Step.FORWARD)
    qtbot.waitUntil(lambda: "CASE-1" not in view.node_labels(), timeout=WAIT_MS)
    assert "Shop 1" not in view.node_labels()


def test_the_keyboard_expands_and_opens_lots(qtbot: QtBot, page: LotsPage) -> None:
    view = _scan_and_open_graph(qtbot, page, "DOUGH/D-7", "DOUGH/D-7")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)  # to the cookies
    assert page.genealogy.selection.text().startswith("Lot COOKIE/C-1")
    qtbot.keyClick(view, Qt.Key.Key_Right)  # nothing drawn to their right yet: expand
    qtbot.waitUntil(lambda: "CASE-1" in _shown(view), timeout=WAIT_MS)
    qtbot.keyClick(view, Qt.Key.Key_Right)  # to the case
    assert page.genealogy.selection.text().startswith("Container CASE-1")
    qtbot.keyClick(view, Qt.Key.Key_Left)  # back to the cookies
    qtbot.keyClick(view, Qt.Key.Key_Left)  # back to the dough
    qtbot.keyClick(view, Qt.Key.Key_Left)  # to its largest input: the flour
    assert page.genealogy.selection.text().startswith("Lot FLOUR/F-100")
    qtbot.keyClick(view, Qt.Key.Key_Return)
    _click_tab(qtbot, page, RECORD_TAB)
    qtbot.waitUntil(lambda: page.detail.title.text() == "FLOUR/F-100", timeout=WAIT_MS)


def test_clicking_a_lot_in_the_graph_opens_its_record(qtbot: QtBot, page: LotsPage) -> None:
    view = _scan_and_open_graph(qtbot, page, "DOUGH/D-7", "DOUGH/D-7")
    _click_body(qtbot, view, _shown(view)["SUGAR/S-1"])
    qtbot.waitUntil(
        lambda: page.genealogy.selection.text().startswith("Lot SUGAR/S-1"), timeout=WAIT_MS
    )
    _click_tab(qtbot, page, RECORD_TAB)
    qtbot.waitUntil(lambda: page.detail.title.text() == "SUGAR/S-1", timeout=WAIT_MS)
    assert page.detail.product.text() == "Fine sugar"
    # The graph stays where the person left it.
    _click_tab(qtbot, page, GRAPH_TAB)
    assert "DOUGH/D-7" in _shown(view)


def test_a_lot_with_many_children_shows_a_page_and_loads_more_on_click(
    qtbot: QtBot, page: LotsPage
) -> None:
    view = _scan_and_open_graph(qtbot, page, "FLOUR/F-300", "FLOUR/F-300")
    doughs = [label for label in view.node_labels() if label.startswith("DOUGH/M-")]
    assert len(doughs) == PAGE
    assert [item.text for item in view.more_items] == [f"+{MANY - PAGE} more"]
    more = view.more_items[0]
    view.centerOn(more)  # the person scrolls down to it
    _click(qtbot, view, more, more.boundingRect().center())
    qtbot.waitUntil(lambda: not view.more_items, timeout=WAIT_MS)
    doughs = [label for label in view.node_labels() if label.startswith("DOUGH/M-")]
    assert len(doughs) == MANY


def test_a_scanned_case_starts_the_graph_at_the_case(qtbot: QtBot, page: LotsPage) -> None:
    page.search.setFocus()
    qtbot.keyClicks(page.search, "CASE-1")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    view = page.genealogy.view
    qtbot.waitUntil(lambda: view.isVisible() and "CASE-1" in _shown(view), timeout=WAIT_MS)
    columns = _columns(view)
    assert columns["COOKIE/C-1"] < columns["CASE-1"] < columns["Shipment DN-1"]
    assert page.container_info.text() == "Case CASE-1 (shipped) holds the 1 lot below."


def test_a_graph_at_its_size_limit_says_what_to_do_instead_of_growing(
    qtbot: QtBot, page: LotsPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _scan_and_open_graph(qtbot, page, "FLOUR/F-300", "FLOUR/F-300")
    drawn = len(view.node_labels())
    monkeypatch.setattr(genealogy_view, "MAX_DRAWN", drawn)
    more = view.more_items[0]
    view.centerOn(more)
    _click(qtbot, view, more, more.boundingRect().center())
    message = page.genealogy.message
    qtbot.waitUntil(message.isVisible, timeout=WAIT_MS)
    assert message.text().startswith(f"The graph already shows {drawn} nodes.")
    assert len(view.node_labels()) == drawn


def test_keys_zoom_pan_and_fit_the_graph(qtbot: QtBot, page: LotsPage) -> None:
    view = _scan_and_open_graph(qtbot, page, "FLOUR/F-300", "FLOUR/F-300")
    view.setFocus()
    fitted = view.transform().m11()
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.transform().m11() > fitted
    bar = view.verticalScrollBar()
    before = bar.value()
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert bar.value() > before
    assert page.genealogy.selection.text().startswith("Lot FLOUR/F-300")  # panning kept it
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.transform().m11() == pytest.approx(fitted)


def test_a_label_with_a_group_separator_typed_by_the_scanner_finds_its_lot(
    qtbot: QtBot, page: LotsPage
) -> None:
    # A DataMatrix with lot, then expiry: the scanner sends GS after the lot as Ctrl+].
    page.search.setFocus()
    qtbot.keyClicks(page.search, flour_label("F-100"))
    qtbot.keyClick(page.search, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.search, "17261231")
    assert page.search.text() == flour_label("F-100") + "\u241d17261231"
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail.title.text() == "FLOUR/F-100", timeout=WAIT_MS)
    _click_tab(qtbot, page, GRAPH_TAB)
    view = page.genealogy.view
    qtbot.waitUntil(lambda: "DOUGH/D-7" in _shown(view), timeout=WAIT_MS)


def _smallest_text_pt(view: GenealogyView) -> float:
    """The smallest text on the graph as the person sees it: its size times the zoom."""
    g = view.sizing
    smallest = min(font.pointSizeF() for font in (g.caption, g.detail, g.edge))
    return smallest * view.transform().m11()


def test_a_fitted_big_graph_keeps_its_smallest_text_readable(qtbot: QtBot, page: LotsPage) -> None:
    page.resize(1366 - 250, 700)  # the lots page beside the navigation on a 1366x768 screen
    view = _scan_and_open_graph(qtbot, page, "FLOUR/F-300", "FLOUR/F-300")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F)  # fit: too big to fit whole, so it stops at readable
    theme_pt = view.font().pointSizeF()
    assert _smallest_text_pt(view) >= genealogy_view.MIN_TEXT_SCALE * theme_pt - 0.01
    # The root is centred at that size, its caption and badge inside its box.
    root = _shown(view)["FLOUR/F-300"]
    g = view.sizing
    text_height = sum(QFontMetricsF(font).height() for font in (g.caption, g.label, g.detail))
    assert text_height + 2 * g.padding <= root.body().height()


def test_node_text_follows_the_font_and_expanding_still_works(qtbot: QtBot, page: LotsPage) -> None:
    view = _scan_and_open_graph(qtbot, page, "DOUGH/D-7", "DOUGH/D-7")
    before = view.sizing
    bigger = QFont(view.font())
    bigger.setPointSizeF(view.font().pointSizeF() * 1.5)  # a larger theme font, or 150 % DPI
    view.setFont(bigger)
    qtbot.waitUntil(lambda: view.sizing.node_height > before.node_height, timeout=WAIT_MS)
    g = view.sizing
    assert g.caption.pointSizeF() == pytest.approx(
        bigger.pointSizeF() * genealogy_view.CAPTION_SCALE
    )
    assert g.node_width > before.node_width
    cookies = view.items_by_key[
        next(k for k, i in view.items_by_key.items() if i.state.node.label == "COOKIE/C-1")
    ]
    assert cookies.body().height() == g.node_height  # the boxes were made again at the new size
    view.centerOn(cookies)  # the person scrolls to it
    _click_handle(qtbot, view, cookies, Step.FORWARD)
    qtbot.waitUntil(lambda: "CASE-1" in view.node_labels(), timeout=WAIT_MS)
    view.centerOn(cookies)
    _click_handle(qtbot, view, cookies, Step.FORWARD)
    qtbot.waitUntil(lambda: "CASE-1" not in view.node_labels(), timeout=WAIT_MS)
