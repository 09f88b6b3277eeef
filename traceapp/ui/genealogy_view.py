"""Interactive genealogy graph: the lot in the middle, where it came from on the left, where it
went on the right; each node expands one level at a time, loaded in the background."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.genealogy import GraphNode, Neighbours, NodeKey, NodeKind, Step
from traceapp.domain.quantity import Quantity
from traceapp.services import genealogy
from traceapp.ui.context import StationContext
from traceapp.ui.messages import error_text
from traceapp.ui.status_colours import status_colours

PAGE = 12  # neighbours drawn per expansion; "+N more" loads the next page
ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.1, 4.0
MAX_DRAWN = 300  # nodes on the graph at once: redrawing more takes over 100 ms on a slow PC
# Every size on the graph follows the view's font (the theme's, scaled by Qt on high-DPI
# screens): text sizes as shares of it, boxes in lines and characters of it.
CAPTION_SCALE = 0.9  # the kind/part line and the status badge
DETAIL_SCALE = 0.9  # the product name under the lot code
EDGE_LABEL_SCALE = 0.9  # the quantity on a line
NODE_CHARS = 24  # a node is as wide as this many average characters of its bold label
# Fitting a big graph never shrinks its smallest text below this share of the theme's font
# (9.6 pt at the theme's 12 pt: 13 px on a 96 dpi screen, more on high DPI); it centres the
# selection at that size instead.
MIN_TEXT_SCALE = 0.8

_PAN: dict[int, tuple[int, int]] = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}
_KIND_CAPTION = {
    NodeKind.LOT: "LOT",
    NodeKind.CONTAINER: "CONTAINER",
    NodeKind.SHIPMENT: "SHIPMENT",
    NodeKind.CUSTOMER: "CUSTOMER",
    NodeKind.SUPPLIER: "SUPPLIER",
}


def _scaled(base: QFont, factor: float, *, bold: bool = False) -> QFont:
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * factor)
    elif base.pixelSize() > 0:  # a font given in pixels (a stylesheet's px)
        font.setPixelSize(max(1, round(base.pixelSize() * factor)))
    font.setBold(bold)
    return font


@dataclass(frozen=True)
class Geometry:
    """Fonts and box sizes of the graph, all from one base font (the view's `sizing`; not
    `geometry`, which is QWidget's own)."""

    caption: QFont
    label: QFont
    detail: QFont
    edge: QFont
    node_width: float
    node_height: float
    handle_width: float  # the expand/collapse strip on each side of a node
    column_gap: float
    row_gap: float
    padding: float
    readable_zoom: float  # the smallest zoom at which `fit` still shows all text readable

    @classmethod
    def for_font(cls, base: QFont) -> Geometry:
        caption = _scaled(base, CAPTION_SCALE)
        label = _scaled(base, 1.0, bold=True)
        detail = _scaled(base, DETAIL_SCALE)
        edge = _scaled(base, EDGE_LABEL_SCALE)
        label_metrics = QFontMetricsF(label)
        line = label_metrics.height()
        char = label_metrics.averageCharWidth()
        padding = round(line * 0.3)
        height = (
            QFontMetricsF(caption).height() + line + QFontMetricsF(detail).height() + 2 * padding
        )
        return cls(
            caption=caption,
            label=label,
            detail=detail,
            edge=edge,
            node_width=round(char * NODE_CHARS),
            node_height=math.ceil(height),
            handle_width=round(label_metrics.horizontalAdvance("+99") + 1.5 * char),
            # room for a quantity such as "12 500.5 kg" over the line between two columns
            column_gap=round(QFontMetricsF(edge).horizontalAdvance("12 500.5 kg") + 2 * char),
            row_gap=round(line * 0.9),
            padding=padding,
            readable_zoom=MIN_TEXT_SCALE / min(CAPTION_SCALE, DETAIL_SCALE, EDGE_LABEL_SCALE),
        )


@dataclass
class _Level:
    keys: list[NodeKey] = field(default_factory=list)
    quantities: dict[NodeKey, Quantity | None] = field(default_factory=dict)
    total: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.total - len(self.keys))


@dataclass
class _State:
    node: GraphNode
    levels: dict[Step, _Level] = field(default_factory=dict)
    expanded: set[Step] = field(default_factory=set)
    loading: set[Step] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _More:
    """The "+N more" box after the neighbours of `of` in `step`'s direction."""

    of: NodeKey
    step: Step


class GraphModel:
    """What is loaded and what is open; which nodes show and in which column (no Qt)."""

    def __init__(self, root: GraphNode) -> None:
        self.root = root.key
        self.states: dict[NodeKey, _State] = {root.key: _State(root)}

    def add(self, level: Neighbours) -> None:
        state = self.states[level.of]
        known = state.levels.setdefault(level.step, _Level())
        for link in level.links:
            self.states.setdefault(link.node.key, _State(link.node))
            if link.node.key not in known.quantities:
                known.keys.append(link.node.key)
                known.quantities[link.node.key] = link.quantity
        known.total = level.total
        state.expanded.add(level.step)
        state.loading.discard(level.step)

    def visible(
        self,
    ) -> tuple[dict[NodeKey, int], list[tuple[NodeKey, NodeKey, Step]], list[_More]]:
        """Columns of the shown nodes (breadth first from the root), edges, "+N more" boxes."""
        columns = {self.root: 0}
        order = [self.root]
        edges: list[tuple[NodeKey, NodeKey, Step]] = []
        more: list[_More] = []
        for key in order:
            state = self.states[key]
            for step in (Step.BACKWARD, Step.FORWARD):
                level = state.levels.get(step)
                if step not in state.expanded or level is None:
                    continue
                shift = 1 if step is Step.FORWARD else -1
                for other in level.keys:
                    if other not in columns:
                        columns[other] = columns[key] + shift
                        order.append(other)
                    edges.append((key, other, step))
                if level.remaining:
                    more.append(_More(key, step))
        return columns, edges, more


class NodeItem(QGraphicsItem):
    """A box with the node's kind, label and detail; side strips expand and collapse."""

    def __init__(self, view: GenealogyView, state: _State) -> None:
        super().__init__()
        self._view = view
        self.state = state
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self._tooltip())

    @property
    def key(self) -> NodeKey:
        return self.state.node.key

    def _tooltip(self) -> str:
        node = self.state.node
        lines = [f"{_KIND_CAPTION[node.key.kind].title()} {node.label}", node.detail]
        if node.status:
            lines.append(f"Status: {node.status.replace('_', ' ')}")
        lines.append(f"{node.backward} upstream, {node.forward} downstream")
        return "\n".join(line for line in lines if line)

    def boundingRect(self) -> QRectF:
        g = self._view.sizing
        return QRectF(-g.handle_width, 0, g.node_width + 2 * g.handle_width, g.node_height)

    def body(self) -> QRectF:
        g = self._view.sizing
        return QRectF(0, 0, g.node_width, g.node_height)

    def handle(self, step: Step) -> QRectF:
        g = self._view.sizing
        x = g.node_width if step is Step.FORWARD else -g.handle_width
        return QRectF(x, g.padding, g.handle_width, g.node_height - 2 * g.padding)

    def handle_text(self, step: Step) -> str:
        count = self.state.node.count(step)
        if count == 0:
            return ""
        if step in self.state.loading:
            return "…"
        if step in self.state.expanded:
            return "−"
        return f"+{count}" if count < 100 else "+99"

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        palette = self._view.palette()
        node = self.state.node
        selected = self.isSelected()
        is_root = self._view.model is not None and self._view.model.root == node.key
        border = palette.color(
            QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Text
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(border, 4 if selected else (3 if is_root else 1.5))
        if node.key.kind is not NodeKind.LOT:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        radius = 14 if node.key.kind in (NodeKind.CUSTOMER, NodeKind.SUPPLIER) else 6
        painter.drawRoundedRect(self.body(), radius, radius)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        g = self._view.sizing
        caption_font, label_font, detail_font = g.caption, g.label, g.detail
        inner = self.body().adjusted(2 * g.padding, g.padding, -2 * g.padding, -g.padding)
        painter.setFont(caption_font)
        painter.setPen(muted)
        caption_metrics = QFontMetricsF(caption_font)
        caption_height = caption_metrics.height()
        caption, label = _KIND_CAPTION[node.key.kind], node.label
        if node.key.kind is NodeKind.LOT and "/" in label:
            # PART/LOT: the part above in small type, the lot code below in full.
            part, label = label.split("/", 1)
            caption = f"LOT  {part}"
        badge_width = 0.0
        if node.status:
            badge_width = self._paint_status(
                painter, caption_font, inner, caption_height, node.status
            )
        painter.setPen(muted)
        painter.drawText(
            QRectF(inner.left(), inner.top(), inner.width() - badge_width - 6, caption_height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            caption_metrics.elidedText(
                caption, Qt.TextElideMode.ElideRight, inner.width() - badge_width - 6
            ),
        )
        painter.setPen(text)
        painter.setFont(label_font)
        label_height = QFontMetricsF(label_font).height()
        top = inner.top() + caption_height
        painter.drawText(
            QRectF(inner.left(), top, inner.width(), label_height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetricsF(label_font).elidedText(
                label, Qt.TextElideMode.ElideMiddle, inner.width()
            ),
        )
        painter.setFont(detail_font)
        painter.drawText(
            QRectF(
                inner.left(), top + label_height, inner.width(), inner.bottom() - top - label_height
            ),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetricsF(detail_font).elidedText(
                node.detail, Qt.TextElideMode.ElideRight, inner.width()
            ),
        )
        painter.setFont(label_font)
        for step in (Step.BACKWARD, Step.FORWARD):
            label = self.handle_text(step)
            if not label:
                continue
            rect = self.handle(step)
            painter.setPen(QPen(border, 1.5))
            painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
            painter.drawRoundedRect(rect, 6, 6)
            painter.setPen(text)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_status(
        self, painter: QPainter, font: QFont, inner: QRectF, height: float, status: str
    ) -> float:
        colours = status_colours(status)
        words = status.replace("_", " ").upper()
        width = QFontMetricsF(font).horizontalAdvance(words) + 12
        badge = QRectF(inner.right() - width, inner.top(), width, height)
        if colours is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colours[0]))
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(QColor(colours[1]))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, words)
        return width

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        position = event.pos()
        for step in (Step.BACKWARD, Step.FORWARD):
            if self.handle_text(step) and self.handle(step).contains(position):
                self._view.toggle(self.key, step)
                event.accept()
                return
        self._view.select(self.key)
        self._view.activate(self.key)
        event.accept()


class MoreItem(QGraphicsItem):
    """ "+N more": click (or Enter) to load the next page of neighbours."""

    def __init__(self, view: GenealogyView, more: _More, remaining: int) -> None:
        super().__init__()
        self._view = view
        self.more = more
        self.remaining = remaining
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Load the next neighbours")

    @property
    def text(self) -> str:
        return f"+{self.remaining} more"

    def boundingRect(self) -> QRectF:
        g = self._view.sizing
        return QRectF(0, 0, g.node_width, g.node_height * 0.6)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        palette = self._view.palette()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        role = QPalette.ColorRole.Highlight if self.isSelected() else QPalette.ColorRole.Text
        pen = QPen(palette.color(role), 3 if self.isSelected() else 1.5, Qt.PenStyle.DotLine)
        painter.setPen(pen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(self.boundingRect(), 6, 6)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.setFont(self._view.sizing.label)
        painter.drawText(self.boundingRect(), Qt.AlignmentFlag.AlignCenter, self.text)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._view.load_more(self.more)
        event.accept()


class GenealogyView(QGraphicsView):
    """The graph. Mouse: click a lot to open it, click a side strip to expand or collapse,
    wheel to zoom, drag to pan. Keys: arrows move between nodes (Right/Left expand a side with
    nothing drawn yet), Shift+Right/Left expand or collapse that side, Ctrl+arrows pan, Enter
    opens the lot, Backspace collapses the node, +/- zoom, F fits the graph to the view."""

    lot_activated = Signal(object)  # uuid.UUID of a lot the person clicked or pressed Enter on
    node_selected = Signal(object)  # GraphNode
    failed = Signal(str)
    level_loaded = Signal()

    def __init__(self, context: StationContext) -> None:
        super().__init__()
        self._context = context
        self.setObjectName("genealogyGraph")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.model: GraphModel | None = None
        self.items_by_key: dict[NodeKey, NodeItem] = {}
        self.more_items: list[MoreItem] = []
        self._edges: list[QGraphicsItem] = []
        self._selected: NodeKey | _More | None = None
        self._generation = 0
        self._columns: dict[NodeKey, int] = {}
        self._linked: dict[NodeKey, set[NodeKey]] = {}
        self._relayout_pending = False
        self._revealing: tuple[NodeKey, Step] | None = None
        self._labels: dict[tuple[NodeKey, NodeKey, Step], QGraphicsSimpleTextItem] = {}
        self._dirty: set[NodeKey] = set()  # nodes whose side strips must be repainted
        self._in_flight = 0  # levels being loaded
        self._fit_pending = False
        self._auto_fit = False  # fitted and untouched since: a resize fits again
        self.sizing = Geometry.for_font(self.font())
        # Items come and go as nodes expand and collapse: no index to rebuild each time.
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)

    # --- loading ---------------------------------------------------------------------------

    def show_root(self, root: GraphNode, levels: list[Neighbours]) -> None:
        """Start over from `root` with the levels already loaded for it."""
        self._generation += 1
        self.model = GraphModel(root)
        for level in levels:
            self.model.add(level)
        self.scene().clear()
        self.items_by_key.clear()
        self.more_items.clear()
        self._edges.clear()
        self._labels.clear()
        self._selected = root.key
        self._relayout()
        self._fit_pending = True
        if self.isVisible():
            self.fit()

    def clear_graph(self) -> None:
        self._generation += 1
        self.model = None
        self.scene().clear()
        self.items_by_key.clear()
        self.more_items.clear()
        self._edges.clear()
        self._labels.clear()
        self._selected = None

    def toggle(self, key: NodeKey, step: Step) -> None:
        if self.model is None:
            return
        state = self.model.states[key]
        self._dirty.add(key)
        if step in state.expanded:
            state.expanded.discard(step)
            self._relayout()
        elif step in state.levels:
            state.expanded.add(step)
            self._relayout()
            self._reveal(key, step)
        elif state.node.count(step) and step not in state.loading:
            if len(self.items_by_key) + PAGE * self._in_flight >= MAX_DRAWN:
                self.failed.emit(_too_many())
                return
            self._load(key, step, 0)

    def load_more(self, more: _More) -> None:
        if self.model is None:
            return
        level = self.model.states[more.of].levels.get(more.step)
        if len(self.items_by_key) + PAGE * self._in_flight >= MAX_DRAWN:
            self.failed.emit(_too_many())
            return
        self._load(more.of, more.step, len(level.keys) if level else 0)

    def _load(self, key: NodeKey, step: Step, offset: int) -> None:
        assert self.model is not None
        self.model.states[key].loading.add(step)
        self._repaint_node(key)
        generation = self._generation
        self._in_flight += 1

        def work(uow: UnitOfWork, actor: Actor) -> Neighbours:
            return genealogy.neighbours(
                uow, actor=actor, key=key, step=step, limit=PAGE, offset=offset
            )

        def done(level: Neighbours) -> None:
            self._in_flight -= 1
            if generation != self._generation or self.model is None:
                return  # the person moved on to another lot meanwhile
            self.model.add(level)
            self.level_loaded.emit()
            self._dirty.add(key)
            self._revealing = (key, step)
            self._schedule_relayout()

        def fail(error: BaseException, details: str) -> None:
            self._in_flight -= 1
            if generation == self._generation and self.model is not None:
                self.model.states[key].loading.discard(step)
                self._repaint_node(key)
            self.failed.emit(error_text(error, details))

        self._context.run(work, done, fail)

    # --- layout ----------------------------------------------------------------------------

    def _schedule_relayout(self) -> None:
        """Answers that arrive together (several nodes expanded at once) are drawn once."""
        if not self._relayout_pending:
            self._relayout_pending = True
            QTimer.singleShot(0, self._pending_relayout)

    def _pending_relayout(self) -> None:
        if not self._relayout_pending:
            return
        self._relayout_pending = False
        self._relayout()
        if self._revealing is not None:
            key, step = self._revealing
            self._revealing = None
            if self.model is not None and key in self.model.states:
                self._reveal(key, step)

    def _relayout(self) -> None:
        if self.model is None:
            return
        columns, edges, more = self.model.visible()
        self._columns = columns
        self._linked = {}
        for source, target, _step in edges:
            self._linked.setdefault(source, set()).add(target)
            self._linked.setdefault(target, set()).add(source)
        shown = set(columns)
        for key in list(self.items_by_key):
            if key not in shown:
                self.scene().removeItem(self.items_by_key.pop(key))
        for item in [*self.more_items, *self._edges]:
            self.scene().removeItem(item)
        used_labels: set[tuple[object, NodeKey | _More, Step]] = set()
        self.more_items.clear()
        self._edges.clear()
        lines = QPainterPath()
        for key in columns:
            if key not in self.items_by_key:
                item = NodeItem(self, self.model.states[key])
                self.items_by_key[key] = item
                self.scene().addItem(item)
        positions = _layout(self.model, columns, more, self.sizing)
        for placed, (x, y) in positions.items():
            if isinstance(placed, NodeKey):
                self.items_by_key[placed].setPos(x, y)
        for entry in more:
            level = self.model.states[entry.of].levels[entry.step]
            item = MoreItem(self, entry, level.remaining)
            x, y = positions[entry]
            item.setPos(x, y)
            self.scene().addItem(item)
            self.more_items.append(item)
            self._edge(lines, self.items_by_key[entry.of], item, entry.step)
        for source, target, step in edges:
            quantity = self.model.states[source].levels[step].quantities.get(target)
            middle = self._edge(lines, self.items_by_key[source], self.items_by_key[target], step)
            if quantity is not None:
                self._place_label((source, target, step), str(quantity), middle)
                used_labels.add((source, target, step))
        for gone in set(self._labels) - used_labels:
            self.scene().removeItem(self._labels.pop(gone))
        # One item draws every line: thousands of edges cost one item, not thousands.
        drawn = QGraphicsPathItem(lines)
        colour = self.palette().color(QPalette.ColorRole.Text)
        colour.setAlpha(150)
        drawn.setPen(QPen(colour, 1.5))
        drawn.setZValue(-1)
        self.scene().addItem(drawn)
        self._edges.append(drawn)
        for key in self._dirty:
            if key in self.items_by_key:
                self.items_by_key[key].update()  # its side strips changed (+N, −, …)
        self._dirty.clear()
        bounds = lines.boundingRect()
        g = self.sizing
        for x, y in positions.values():
            bounds = bounds.united(
                QRectF(x - g.handle_width, y, g.node_width + 2 * g.handle_width, g.node_height)
            )
        self.scene().setSceneRect(bounds.adjusted(-80, -80, 80, 80))
        self._restore_selection()

    def _edge(
        self, lines: QPainterPath, source: NodeItem, target: QGraphicsItem, step: Step
    ) -> QPointF:
        """Add the curve from the left node's right side to the right node's left side to
        `lines`; return its middle (where the quantity goes)."""
        left, right = (source, target) if step is Step.FORWARD else (target, source)
        g = self.sizing
        if isinstance(left, MoreItem):
            start = left.pos() + QPointF(g.node_width, left.boundingRect().height() / 2)
        else:
            start = left.pos() + QPointF(g.node_width + g.handle_width, g.node_height / 2)
        if isinstance(right, MoreItem):
            end = right.pos() + QPointF(0.0, right.boundingRect().height() / 2)
        else:
            end = right.pos() + QPointF(-g.handle_width, g.node_height / 2)
        middle = (start.x() + end.x()) / 2
        lines.moveTo(start)
        lines.cubicTo(QPointF(middle, start.y()), QPointF(middle, end.y()), end)
        return QPointF(middle, (start.y() + end.y()) / 2)

    def _place_label(self, edge: tuple[NodeKey, NodeKey, Step], text: str, at: QPointF) -> None:
        label = self._labels.get(edge)
        if label is None:
            label = QGraphicsSimpleTextItem(text)
            label.setBrush(QBrush(self.palette().color(QPalette.ColorRole.Text)))
            label.setFont(self.sizing.edge)
            label.setZValue(-1)
            self.scene().addItem(label)
            self._labels[edge] = label
        box = label.boundingRect()
        label.setPos(at.x() - box.width() / 2, at.y() - box.height() - 2)

    def _reveal(self, key: NodeKey, step: Step) -> None:
        """Scroll so the expanded node and the first of its new neighbours are in view."""
        assert self.model is not None
        level = self.model.states[key].levels.get(step)
        node = self.items_by_key.get(key)
        if node is None or level is None:
            return
        rect = node.sceneBoundingRect()
        for other in level.keys[:3]:
            item = self.items_by_key.get(other)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        self.ensureVisible(rect, 30, 30)
        self.ensureVisible(node, 30, 30)

    def _repaint_node(self, key: NodeKey) -> None:
        item = self.items_by_key.get(key)
        if item is not None:
            item.update()

    # --- selection and keys ----------------------------------------------------------------

    def select(self, key: NodeKey | _More) -> None:
        self._selected = key
        self._restore_selection()
        if isinstance(key, NodeKey) and self.model is not None:
            self.node_selected.emit(self.model.states[key].node)

    def _restore_selection(self) -> None:
        self.scene().clearSelection()
        item = self._selected_item()
        if item is not None:
            item.setSelected(True)
            self.ensureVisible(item, 40, 40)

    def _selected_item(self) -> NodeItem | MoreItem | None:
        if isinstance(self._selected, NodeKey):
            return self.items_by_key.get(self._selected)
        for more in self.more_items:
            if more.more == self._selected:
                return more
        return None

    def node_labels(self) -> list[str]:
        """The labels of the nodes on the graph (drawn, whether scrolled into view or not)."""
        return [item.state.node.label for item in self.items_by_key.values()]

    @property
    def selected_key(self) -> NodeKey | None:
        return self._selected if isinstance(self._selected, NodeKey) else None

    def activate(self, key: NodeKey) -> None:
        if key.kind is NodeKind.LOT:
            self.lot_activated.emit(key.id)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        shifted = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and key in _PAN:
            dx, dy = _PAN[key]  # Ctrl+arrows pan, a tenth of the view at a time
            self._auto_fit = False
            bar_x, bar_y = self.horizontalScrollBar(), self.verticalScrollBar()
            bar_x.setValue(bar_x.value() + dx * max(20, self.viewport().width() // 10))
            bar_y.setValue(bar_y.value() + dy * max(20, self.viewport().height() // 10))
            event.accept()
            return
        handlers: dict[int, Callable[[], None]] = {
            Qt.Key.Key_Right: lambda: self._step_key(Step.FORWARD, toggle=shifted),
            Qt.Key.Key_Left: lambda: self._step_key(Step.BACKWARD, toggle=shifted),
            Qt.Key.Key_Up: lambda: self._vertical(-1),
            Qt.Key.Key_Down: lambda: self._vertical(1),
            Qt.Key.Key_Return: self._enter,
            Qt.Key.Key_Enter: self._enter,
            Qt.Key.Key_Backspace: self._collapse,
            Qt.Key.Key_Plus: lambda: self.zoom(ZOOM_STEP),
            Qt.Key.Key_Equal: lambda: self.zoom(ZOOM_STEP),
            Qt.Key.Key_Minus: lambda: self.zoom(1 / ZOOM_STEP),
            Qt.Key.Key_F: self.fit,
            Qt.Key.Key_0: self.fit,
        }
        handler = handlers.get(key)
        if handler is None or self.model is None:
            super().keyPressEvent(event)
            return
        handler()
        event.accept()

    def _step_key(self, step: Step, *, toggle: bool = False) -> None:
        """Right/Left: move to the nearest node drawn on that side and linked to this one; with
        none there, expand. Shift+Right/Left: expand or collapse that side."""
        if self.model is None:
            return
        key = self.selected_key
        if key is None:
            self.select(self.model.root)
            return
        if toggle:
            self.toggle(key, step)
            return
        column = self._columns.get(key)
        shift = 1 if step is Step.FORWARD else -1
        near = [
            self.items_by_key[other]
            for other in self._linked.get(key, ())
            if column is not None and self._columns.get(other) == column + shift
        ]
        if near:
            here = self.items_by_key[key].y()
            self.select(min(near, key=lambda item: (abs(item.y() - here), item.y())).key)
            return
        if step not in self.model.states[key].expanded:
            self.toggle(key, step)

    def _vertical(self, direction: int) -> None:
        current = self._selected_item()
        if current is None:
            return
        candidates: list[NodeItem | MoreItem] = [*self.items_by_key.values(), *self.more_items]
        same_column = [item for item in candidates if abs(item.x() - current.x()) < 1]
        same_column.sort(key=lambda item: item.y())
        index = same_column.index(current) + direction
        if 0 <= index < len(same_column):
            target = same_column[index]
            self.select(target.key if isinstance(target, NodeItem) else target.more)

    def _enter(self) -> None:
        if isinstance(self._selected, _More):
            self.load_more(self._selected)
        elif isinstance(self._selected, NodeKey):
            self.activate(self._selected)

    def _collapse(self) -> None:
        key = self.selected_key
        if key is None or self.model is None:
            return
        self.model.states[key].expanded.clear()
        self._dirty.add(key)
        self._relayout()

    # --- zoom ------------------------------------------------------------------------------

    def zoom(self, factor: float) -> None:
        self._auto_fit = False  # the person chose a size: resizing keeps it
        current = self.transform().m11()
        factor = min(max(current * factor, MIN_ZOOM), MAX_ZOOM) / current
        self.scale(factor, factor)

    def fit(self) -> None:
        """The whole graph in view, unless its text would get too small to read: then the
        selected node in the middle at the smallest readable size."""
        self._fit_pending = False
        self._auto_fit = True
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            return
        self.fitInView(rect.adjusted(-30, -30, 30, 30), Qt.AspectRatioMode.KeepAspectRatio)
        scale = self.transform().m11()
        if scale > 1.0:  # a small graph stays at its natural size
            self.resetTransform()
            self.centerOn(rect.center())
        elif scale < self.sizing.readable_zoom:
            self.resetTransform()
            self.scale(self.sizing.readable_zoom, self.sizing.readable_zoom)
            item = self._selected_item()
            self.centerOn(item if item is not None else rect.center())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_pending:
            # Drawn while its tab was hidden: fit once the tab has its final size (at show time
            # the viewport can still have an old one, and the graph's ends were cut off).
            QTimer.singleShot(0, self._fit_if_pending)

    def _fit_if_pending(self) -> None:
        if self._fit_pending and self.isVisible():
            self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Fitted and not zoomed or moved since: stay fitted as the pane gets its size.
        if (self._fit_pending or self._auto_fit) and self.isVisible():
            self.fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            # A turn later: a font change can arrive inside a restyle's polish of this view,
            # which is no place to take the scene's items apart.
            QTimer.singleShot(0, self, self._on_font_changed)

    def _on_font_changed(self) -> None:
        """A new font (the person's size, another screen's DPI): new sizes, drawn again."""
        geometry = Geometry.for_font(self.font())
        if geometry == self.sizing:
            return
        self.sizing = geometry
        # Boxes change size: the items are made again at the new size, what is open is kept.
        for item in [*self.items_by_key.values(), *self._labels.values()]:
            self.scene().removeItem(item)
        self.items_by_key.clear()
        self._labels.clear()
        if self.model is not None:
            self._relayout()
            self._fit_pending = self._auto_fit
            if self._auto_fit and self.isVisible():
                self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(ZOOM_STEP**steps)
            event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        super().mouseDoubleClickEvent(event)


def _too_many() -> str:
    return (
        f"The graph already shows {MAX_DRAWN} nodes.\n"
        "Collapse some branches (Backspace), or open a lot further along and start from it."
    )


def _layout(
    model: GraphModel, columns: dict[NodeKey, int], more: list[_More], g: Geometry
) -> dict[NodeKey | _More, tuple[float, float]]:
    """Columns left to right; in each, every node's neighbours stacked around it, in order."""
    more_set = set(more)
    parents: dict[NodeKey | _More, NodeKey] = {}
    children: dict[NodeKey, dict[Step, list[NodeKey | _More]]] = {}
    for key in columns:
        state = model.states[key]
        for step in (Step.BACKWARD, Step.FORWARD):
            if step not in state.expanded or step not in state.levels:
                continue
            shift = 1 if step is Step.FORWARD else -1
            group: list[NodeKey | _More] = []
            for other in state.levels[step].keys:
                if other not in parents and columns[other] == columns[key] + shift:
                    parents[other] = key
                    group.append(other)
            entry = _More(key, step)
            if entry in more_set:
                parents[entry] = key
                group.append(entry)
            children.setdefault(key, {})[step] = group
    y: dict[NodeKey | _More, float] = {model.root: 0.0}
    column_x = g.node_width + 2 * g.handle_width + g.column_gap
    pitch = g.node_height + g.row_gap
    bottom: dict[int, float] = {}
    # Outward from the root, one column at a time, so a node's place is known before its group.
    ordered = sorted(columns, key=lambda key: (abs(columns[key]), columns[key]))
    for key in ordered:
        for step in (Step.BACKWARD, Step.FORWARD):
            group = children.get(key, {}).get(step, [])
            if not group:
                continue
            column = columns[key] + (1 if step is Step.FORWARD else -1)
            top = y.get(key, 0.0) - (len(group) - 1) * pitch / 2
            top = max(top, bottom.get(column, top))
            for index, member in enumerate(group):
                y[member] = top + index * pitch
            bottom[column] = top + len(group) * pitch
    positions: dict[NodeKey | _More, tuple[float, float]] = {}
    for key, column in columns.items():
        positions[key] = (column * column_x, y.get(key, 0.0))
    for entry in more:
        column = columns[entry.of] + (1 if entry.step is Step.FORWARD else -1)
        positions[entry] = (column * column_x, y.get(entry, 0.0))
    return positions


class GenealogyPanel(QWidget):
    """The graph with its buttons and a line saying what is selected."""

    lot_activated = Signal(object)  # uuid.UUID

    def __init__(self, context: StationContext) -> None:
        super().__init__()
        self._context = context
        self.view = GenealogyView(context)
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Fit the graph to the view (F)")
        self.zoom_in_button = QPushButton("+")
        self.zoom_in_button.setToolTip("Zoom in (+ or mouse wheel)")
        self.zoom_out_button = QPushButton("−")
        self.zoom_out_button.setToolTip("Zoom out (- or mouse wheel)")
        self.help = QLabel(
            "Click a lot to open it · click a side strip to expand or collapse · keys: arrows move,"
            " Shift+←/→ expand, Ctrl+arrows pan, +/− zoom, Enter opens, F fits"
        )
        self.help.setObjectName("infoText")
        self.help.setWordWrap(True)
        self.selection = QLabel("Scan or pick a lot to see where it came from and went.")
        self.selection.setObjectName("genealogySelection")
        self.selection.setTextFormat(Qt.TextFormat.PlainText)
        self.selection.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()
        bar = QHBoxLayout()
        bar.addWidget(self.help, 1)
        for button in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.selection)
        self.fit_button.clicked.connect(self.view.fit)
        self.zoom_in_button.clicked.connect(lambda: self.view.zoom(ZOOM_STEP))
        self.zoom_out_button.clicked.connect(lambda: self.view.zoom(1 / ZOOM_STEP))
        self.view.node_selected.connect(self._on_node_selected)
        self.view.lot_activated.connect(self.lot_activated)
        self.view.failed.connect(self._on_failed)
        self.view.level_loaded.connect(self.message.hide)
        self._generation = 0

    def show_key(self, key: NodeKey) -> None:
        """Load the node and one level each way in the background, then draw it."""
        self._generation += 1
        generation = self._generation

        def work(uow: UnitOfWork, actor: Actor) -> tuple[GraphNode, list[Neighbours]]:
            root = genealogy.node(uow, actor=actor, key=key)
            return root, _first_levels(uow, actor, root)

        self._run(work, generation)

    def show_code(self, code: str) -> None:
        self._generation += 1
        generation = self._generation

        def work(uow: UnitOfWork, actor: Actor) -> tuple[GraphNode, list[Neighbours]]:
            root = genealogy.start_node(uow, actor=actor, code=code)
            return root, _first_levels(uow, actor, root)

        self._run(work, generation)

    def clear(self) -> None:
        self._generation += 1
        self.view.clear_graph()
        self.selection.setText("Scan or pick a lot to see where it came from and went.")
        self.message.hide()

    def _run(
        self,
        work: Callable[[UnitOfWork, Actor], tuple[GraphNode, list[Neighbours]]],
        generation: int,
    ) -> None:
        def done(result: tuple[GraphNode, list[Neighbours]]) -> None:
            if generation != self._generation:
                return
            root, levels = result
            self.message.hide()
            self.view.show_root(root, levels)
            self._on_node_selected(root)

        def fail(error: BaseException, details: str) -> None:
            if generation == self._generation:
                self._on_failed(error_text(error, details))

        self._context.run(work, done, fail)

    def _on_node_selected(self, node: GraphNode) -> None:
        words = [f"{_KIND_CAPTION[node.key.kind].title()} {node.label}", node.detail]
        if node.status:
            words.append(node.status.replace("_", " "))
        words.append(f"{node.backward} upstream, {node.forward} downstream")
        self.selection.setText(" — ".join(word for word in words if word))

    def _on_failed(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()


def _first_levels(uow: UnitOfWork, actor: Actor, root: GraphNode) -> list[Neighbours]:
    return [
        genealogy.neighbours(uow, actor=actor, key=root.key, step=step, limit=PAGE)
        for step in (Step.BACKWARD, Step.FORWARD)
        if root.count(step)
    ]


def lot_key(lot_id: uuid.UUID) -> NodeKey:
    return NodeKey(NodeKind.LOT, lot_id)
