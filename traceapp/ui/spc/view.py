"""The SPC view: pick a product's characteristic, chart and rules; click a point to open its lot."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.results import LotDetail
from traceapp.domain.spc.capability import Capability
from traceapp.domain.spc.charts import LIMIT_ONLY, Chart, ChartType
from traceapp.domain.spc.rules import NELSON, WESTERN_ELECTRIC, Rule, Violation
from traceapp.domain.spc.series import VARIABLE_CHARTS, Analysis, SpcCharacteristic, analyse
from traceapp.services import lots as lot_queries
from traceapp.services import spc_data
from traceapp.services.dispositions import decisions_of
from traceapp.ui.context import StationContext
from traceapp.ui.decisions import LotState
from traceapp.ui.lot_detail import LotDetailPanel
from traceapp.ui.messages import error_text
from traceapp.ui.spc.plots import ControlChart, Histogram

CHART_NAMES = {
    ChartType.XBAR_R: "X-bar / R",
    ChartType.XBAR_S: "X-bar / s",
    ChartType.IMR: "Individuals / MR",
    ChartType.EWMA: "EWMA",
    ChartType.CUSUM: "CUSUM",
}
RULE_SETS: dict[str, tuple[Rule, ...]] = {
    "Nelson 1-8": NELSON,
    "Western Electric 1-4": WESTERN_ELECTRIC,
    "Limits only": (Rule.LIMIT,),
}
MAX_PHASE1 = 100_000
SIDE_MIN_WIDTH = 320
PHASE_BOX_WIDTH = 80  # up to five digits and the arrows


@dataclass(frozen=True, slots=True)
class _Choices:
    products: tuple[str, ...]
    characteristics: tuple[SpcCharacteristic, ...]


def capability_text(found: Capability | None, note: str) -> str:
    """The capability summary as the view shows it (plain text, one index a line)."""
    if found is None:
        return note
    level = f"{found.confidence:.0%}"
    return "\n".join(
        (
            f"Capability of subgroups {found.phase1[0]}-{found.phase1[1]} "
            f"({found.observations} values)",
            # Short lines: the side panel is ~430 px at 1366 px (45 characters of the theme's
            # monospace); a longer line lost its end there.
            f"mean {found.mean:.6g}",
            f"sigma within {found.sigma_within:.4g}, overall {found.sigma_overall:.4g}",
            f"Cp   {found.cp:.3f}   ({level} CI {found.cp_interval.low:.3f} to "
            f"{found.cp_interval.high:.3f})",
            f"Cpk  {found.cpk:.3f}   ({level} CI {found.cpk_interval.low:.3f} to "
            f"{found.cpk_interval.high:.3f})",
            f"Cpl  {found.cpl:.3f}    Cpu  {found.cpu:.3f}    Cpm  {found.cpm:.3f}",
            f"Pp   {found.pp:.3f}    Ppk  {found.ppk:.3f}",
        )
    )


class SpcView(QWidget):
    """Control chart(s), histogram and capability of one characteristic, loaded in the background."""

    def __init__(self, context: StationContext) -> None:
        super().__init__()
        self.setObjectName("spcView")
        self._context = context
        self._generation = 0
        self._detail_generation = 0
        self._loaded_once = False
        self._sized = False
        self._build_generation = 0
        self.analysis: Analysis | None = None
        self.charts: list[ControlChart] = []
        self.histogram: Histogram | None = None
        self._characteristics: tuple[SpcCharacteristic, ...] = ()

        self.product = QComboBox()
        self.product.setObjectName("spcProduct")
        self.product.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.product.activated.connect(self._on_product_chosen)
        self.characteristic = QComboBox()
        self.characteristic.setObjectName("spcCharacteristic")
        self.characteristic.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.chart_type = QComboBox()
        self.chart_type.setObjectName("spcChartType")
        for kind in VARIABLE_CHARTS:
            self.chart_type.addItem(CHART_NAMES[kind], kind)
        self.rules = QComboBox()
        self.rules.setObjectName("spcRules")
        self.rules.addItems(list(RULE_SETS))
        for combo in (self.chart_type, self.rules):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.phase_from = QSpinBox()
        self.phase_from.setObjectName("spcPhaseFrom")
        self.phase_to = QSpinBox()
        self.phase_to.setObjectName("spcPhaseTo")
        for box in (self.phase_from, self.phase_to):
            box.setRange(0, MAX_PHASE1)
            box.setSpecialValueText("all")
            box.setMaximumWidth(PHASE_BOX_WIDTH)
            box.setToolTip("Phase I: the subgroups the limits are estimated from (0 = all)")
        self.draw_button = QPushButton("Draw")
        self.draw_button.setObjectName("spcDraw")
        self.draw_button.clicked.connect(self.draw)
        # Two rows: what is charted, then how; one row squeezed the boxes' texts at 1366 px.
        what = QHBoxLayout()
        how = QHBoxLayout()
        for row, text, widget in (
            (what, "Product", self.product),
            (what, "Characteristic", self.characteristic),
            (how, "Chart", self.chart_type),
            (how, "Rules", self.rules),
            (how, "Phase I", self.phase_from),
            (how, "to", self.phase_to),
        ):
            row.addWidget(QLabel(text))
            row.addWidget(widget)
        how.addWidget(self.draw_button)
        what.addStretch(1)
        how.addStretch(1)
        controls = QVBoxLayout()
        controls.addLayout(what)
        controls.addLayout(how)

        self.message = QLabel("Pick a product and a characteristic, then Draw.")
        self.message.setObjectName("spcMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.capability = QLabel("")
        self.capability.setObjectName("spcCapability")
        self.capability.setTextFormat(Qt.TextFormat.PlainText)
        self.capability.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.capability.font()
        font.setStyleHint(font.StyleHint.Monospace)
        font.setFamily("monospace")
        self.capability.setFont(font)
        # Narrower still (a smaller screen, a wider splitter): a line wraps, it is never cut.
        self.capability.setWordWrap(True)
        self._plots = QVBoxLayout()
        self._plots.setContentsMargins(0, 0, 0, 0)
        charts = QWidget()
        charts.setLayout(self._plots)
        # Beside the charts: the distribution and capability, or the lot behind a clicked point.
        summary = QWidget()
        self._histogram_box = QVBoxLayout(summary)
        self._histogram_box.setContentsMargins(0, 0, 0, 0)
        self._histogram_box.addWidget(self.capability)
        # The lot behind a clicked point: its record is built when first needed (~25 ms of the
        # view's construction otherwise, issue 6), in this holder.
        self._detail: LotDetailPanel | None = None
        self._detail_holder = QWidget()
        self._detail_layout = QVBoxLayout(self._detail_holder)
        self._detail_layout.setContentsMargins(0, 0, 0, 0)
        self.side = QTabWidget()
        self.side.setObjectName("spcSide")
        # Set, so the lot record's wide content cannot squeeze the charts (it scrolls instead).
        self.side.setMinimumWidth(SIDE_MIN_WIDTH)
        self.side.addTab(summary, "Histogram && capability")
        self.side.addTab(self._detail_holder, "Lot")
        self.side.currentChanged.connect(self._on_side_changed)
        self.splitter = QSplitter()
        self.splitter.addWidget(charts)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)
        context.signed_out.connect(self._on_signed_out)

    @property
    def detail(self) -> LotDetailPanel:
        """The record of the lot behind a clicked point (built on first use)."""
        if self._detail is None:
            panel = LotDetailPanel(None, context=self._context)
            self._detail_layout.addWidget(panel)
            self.detail = panel
        assert self._detail is not None
        return self._detail

    @detail.setter
    def detail(self, panel: LotDetailPanel) -> None:
        """(A test's own panel stays where it is.)"""
        self._detail = panel
        panel.lot_requested.connect(self.open_lot_id)

    def _on_side_changed(self, index: int) -> None:
        if self.side.widget(index) is self._detail_holder:
            _ = self.detail

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            # Three fifths for the control charts, the rest for histogram, capability or lot.
            self._sized = True
            width = max(self.splitter.width(), 900)
            self.splitter.setSizes([width * 3 // 5, width * 2 // 5])
        if not self._loaded_once and self._context.actor is not None:
            self._loaded_once = True
            self.load_choices()

    # --- choices ---------------------------------------------------------------------------

    def load_choices(self, product: str | None = None) -> None:
        """Products with numeric characteristics, and the characteristics of one (off the GUI thread)."""
        wanted = product if product is not None else self.product.currentText() or None

        def work(uow: UnitOfWork, who: Actor) -> _Choices:
            products = spc_data.products_with_plans(uow, actor=who)
            chosen = wanted if wanted in products else (products[0] if products else None)
            found = spc_data.characteristics(uow, product=chosen, actor=who) if chosen else ()
            return _Choices(products, found)

        self._context.run(work, self._on_choices, self._on_failed)

    def _on_choices(self, choices: _Choices) -> None:
        self.product.clear()
        self.product.addItems(list(choices.products))
        self._characteristics = choices.characteristics
        self.characteristic.clear()
        for c in choices.characteristics:
            self.characteristic.addItem(f"{c.name} @ {c.step}", c)
        if choices.characteristics:
            self.product.setCurrentText(choices.characteristics[0].product)
        elif not choices.products:
            self.message.setText("No product has an inspection plan with a numeric characteristic.")

    def _on_product_chosen(self, _index: int) -> None:
        self.load_choices(self.product.currentText())

    def choose(self, product: str, characteristic: str, *, chart: ChartType | None = None) -> None:
        """Pick a characteristic (as a person would in the boxes), e.g. for a link from elsewhere."""
        self.product.setCurrentText(product)
        for index in range(self.characteristic.count()):
            c = self.characteristic.itemData(index)
            if c.product == product and c.name.casefold() == characteristic.casefold():
                self.characteristic.setCurrentIndex(index)
        if chart is not None:
            self.chart_type.setCurrentIndex(self.chart_type.findData(chart))

    # --- drawing ---------------------------------------------------------------------------

    def draw(self) -> None:
        """Read the chosen characteristic's subgroups and chart them (in the worker pool)."""
        chosen = self.characteristic.currentData()
        if not isinstance(chosen, SpcCharacteristic):
            self.message.setText("Pick a characteristic first.")
            return
        kind: ChartType = self.chart_type.currentData()
        rules = RULE_SETS[self.rules.currentText()]
        first, last = self.phase_from.value(), self.phase_to.value()
        self._generation += 1
        generation = self._generation

        def work(uow: UnitOfWork, who: Actor) -> Analysis:
            data = spc_data.series(
                uow,
                product=chosen.product,
                step=chosen.step,
                characteristic=chosen.name,
                actor=who,
            )
            count = len(data.subgroups)
            phase1 = (first or 1, last or count) if (first or last) else None
            return analyse(data, kind=kind, rules=rules, phase1=phase1)

        def done(analysis: Analysis) -> None:
            if generation == self._generation:
                self.show_analysis(analysis)

        def failed(error: BaseException, details: str) -> None:
            if generation == self._generation:
                self._clear_plots()
                self.message.setText(error_text(error, details))

        self.message.setText(f"Reading {chosen.product} {chosen.name}…")
        self._context.run(work, done, failed)

    def _clear_plots(self) -> None:
        self._build_generation += 1  # plots still queued from an earlier analysis are dropped
        for chart in self.charts:
            chart.setParent(None)
            chart.deleteLater()
        self.charts = []
        if self.histogram is not None:
            self.histogram.setParent(None)
            self.histogram.deleteLater()
            self.histogram = None
        self.capability.clear()

    def show_analysis(self, analysis: Analysis) -> None:
        """Show an analysis: one plot per event-loop turn (each is up to ~0.1 s of work at
        1,000 points), so the window keeps answering while they are built."""
        self._clear_plots()
        self.analysis = analysis
        self._build_generation += 1
        build = self._build_generation
        data = analysis.series
        result = analysis.charts
        zones = result.kind not in LIMIT_ONLY
        steps: list[Callable[[], None]] = []
        for chart, violations in zip(result.charts, analysis.violations, strict=True):
            steps.append(partial(self._add_chart, chart, violations, zones))
        steps.append(self._add_histogram)

        def next_step() -> None:
            if build != self._build_generation or not steps:
                return
            steps.pop(0)()
            if steps:
                QTimer.singleShot(0, next_step)

        next_step()
        self.capability.setText(capability_text(analysis.capability, analysis.capability_note))
        flagged = sorted({v.point for found in analysis.violations for v in found})
        first, last = result.phase1
        summary = (
            f"{data.product} {data.characteristic} at {data.step}: {len(data.subgroups)} "
            f"inspections, limits from subgroups {first}-{last}. "
        )
        if flagged:
            summary += (
                f"{len(flagged)} point(s) break a rule: {', '.join(map(str, flagged[:20]))}"
                f"{'…' if len(flagged) > 20 else ''}. Click a point to open its lot."
            )
        else:
            summary += "No point breaks a rule. Click a point to open its lot."
        self.message.setText(summary)

    def _add_chart(self, chart: Chart, violations: Sequence[Violation], zones: bool) -> None:
        if self.analysis is None:
            return
        data = self.analysis.series
        widget = ControlChart(chart, violations, data.subgroups, zones=zones, unit=data.unit)
        widget.point_clicked.connect(self.open_point)
        self._plots.addWidget(widget)
        self.charts.append(widget)

    def _add_histogram(self) -> None:
        if self.analysis is None:
            return
        data = self.analysis.series
        values = [v for g in data.subgroups for v in g.values]
        self.histogram = Histogram(
            values, lsl=data.lsl, usl=data.usl, target=data.nominal, unit=data.unit
        )
        self._histogram_box.insertWidget(0, self.histogram, 1)

    # --- the lot behind a point ------------------------------------------------------------

    def open_point(self, number: int) -> None:
        if self.analysis is None:
            return
        lots = spc_data.lots_of(self.analysis.series.subgroups, [number])
        if lots:
            self.open_lot_id(lots[0])

    def open_lot_id(self, lot_id: uuid.UUID) -> None:
        self._detail_generation += 1
        generation = self._detail_generation

        def work(uow: UnitOfWork, actor: Actor) -> LotState:
            detail: LotDetail = lot_queries.lot_detail_by_id(uow, lot_id, actor=actor)
            return LotState(detail, decisions_of(uow, detail.lot.name, actor=actor))

        def done(state: LotState) -> None:
            if generation == self._detail_generation:
                self.detail.show_detail(state.detail, state.decisions)
                self.side.setCurrentWidget(self._detail_holder)

        def failed(error: BaseException, details: str) -> None:
            if generation == self._detail_generation:
                self.detail.show_message(error_text(error, details))
                self.side.setCurrentWidget(self._detail_holder)

        self._context.run(work, done, failed)

    def _on_failed(self, error: BaseException, details: str) -> None:
        self.message.setText(error_text(error, details))

    def _on_signed_out(self) -> None:
        self._generation += 1
        self._detail_generation += 1
        self._clear_plots()
        self.analysis = None
        if self._detail is not None:
            self._detail.clear()
        self.side.setCurrentIndex(0)
        self.product.clear()
        self.characteristic.clear()
        self._loaded_once = False
        self.message.setText("Pick a product and a characteristic, then Draw.")


def violations_text(analysis: Analysis) -> Sequence[str]:
    """Each violation as 'point 7: N1' (for a list or a test)."""
    return [
        f"{chart.name} point {v.point}: {v.rule.value}"
        for chart, found in zip(analysis.charts.charts, analysis.violations, strict=True)
        for v in found
    ]
