"""The Live monitor page (F5): pick equipment and channels, watch them live, pause and scroll into history, acknowledge alarms.

Where the readings come from: the database, polled in a worker 10 times a second. Whoever records
(a `traceapp monitor --record` process on the station or a server, or a recorder in this process)
the page sees the same thing, and heavy ingest runs outside the GUI's interpreter lock. Gaps and
alarms are read twice a second. Frames are drawn by a 30 Hz timer, one setData per curve.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QHideEvent, QKeySequence, QPalette, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import KnownError
from traceapp.domain.permissions import Role
from traceapp.domain.sensors import MICROS, Channel, ExcursionKind, Gap, outside
from traceapp.services import live
from traceapp.ui.context import StationContext
from traceapp.ui.live_monitor.charts import (
    MAX_SPAN_S,
    MIN_SPAN_S,
    WINDOW_S,
    ZOOM_STEP,
    ChannelPlots,
)
from traceapp.ui.recorder_process import RecorderSupervisor, sources_from_settings_file

POLL_MS = 100  # new readings 10 times a second
OPEN_RAW_S = 60.0  # raw readings read when the page opens; older ones come from the aggregates
EVENTS_EVERY = 5  # gaps and alarms every 5th poll: twice a second
FRAME_MS = 33  # ~30 frames a second
HISTORY_DELAY_MS = 200  # history is asked for once the person stops scrolling for this long
ALL_EQUIPMENT = "All equipment"
ACKNOWLEDGE_KEYS = ("Ctrl+K",)
PAUSE_KEY = "Ctrl+Space"
BACK_KEY, FORWARD_KEY = "Ctrl+Left", "Ctrl+Right"
ZOOM_IN_KEYS, ZOOM_OUT_KEYS = ("Ctrl++", "Ctrl+="), ("Ctrl+-",)
LIVE_KEY = "Ctrl+End"
ALARM_COLUMNS = ("Time", "Channel", "Kind", "Worst", "State", "Acknowledged")
EQUIPMENT_SETTING = "live/equipment"
DARK_BELOW = 128  # a window lightness (0-255) below this is the dark theme
# Text colours of the value labels: (light theme, dark theme), at least 4.5:1 on the background.
SPEC_TEXT = ("#b0170f", "#ff7b72")
CONTROL_TEXT = ("#8a4b00", "#ffd23f")
SILENT_TEXT = ("#5b6370", "#a0a8b4")


def freeze_garbage() -> bool:
    """Collect once, then move every object alive now (the window, its pages, Qt and pyqtgraph
    and SQLAlchemy's module state) out of the collector's reach: a full collection then walks
    only what came later, not everything. Before this, one full collection in the window's
    process took 657 ms beside a 50,000 readings/s recorder (docs/live_monitor.md). True when
    this call froze (the first in the process), False when it had been done."""
    global _frozen
    if _frozen:
        return False
    _frozen = True
    gc.collect()
    gc.freeze()
    return True


_frozen = False


def _local(micros: int) -> str:
    return time.strftime("%H:%M:%S", time.localtime(micros / MICROS))


def _error_text(error: BaseException) -> str:
    if isinstance(error, KnownError):
        return f"{error.message} {error.hint}".strip()
    return f"Something went wrong: {type(error).__name__}. Try again; tell the administrator if it stays."


class LiveMonitorPage(QWidget):
    page_title = "Live monitor"
    page_shortcut = "F5"

    def __init__(
        self,
        context: StationContext,
        *,
        settings: QSettings | None = None,
        fast: bool = True,
        poll: bool = True,
        recorder_sources: Sequence[str] | None = None,
    ) -> None:
        """`fast=False` draws without the pyqtgraph practices (benchmark); `poll=False` leaves
        feeding to the caller (`feed`), as the frame-time benchmark does.

        `recorder_sources`: the sources of the recorder process this window runs; None reads
        `[monitoring] sources` of the settings file (none: no recorder is started here)."""
        super().__init__()
        self.setObjectName("liveMonitorPage")
        self.context = context
        self._settings = settings
        self._channels: list[Channel] = []
        self._shown: list[Channel] = []
        self._since_us: dict[int, int] = {}
        self._latest: dict[int, tuple[float, float]] = {}
        self._silent_since: dict[int, int] = {}
        self._alarms: list[live.Alarm] = []
        self._polling = False
        self._error_shown = ""  # the error in `message`, for the next working poll to clear
        self._polls = 0
        self._history_loading = False
        self._history_span: tuple[float, float] | None = None
        self.paused = False
        self.frames = 0
        self.history_width = ""  # second | minute, once history was loaded

        self.equipment = QComboBox()
        self.equipment.setObjectName("liveEquipment")
        self.equipment.setToolTip("Equipment whose channels are listed")
        self.channel_list = QListWidget()
        self.channel_list.setObjectName("liveChannels")
        self.channel_list.setMaximumWidth(240)
        self.channel_list.itemChanged.connect(self._on_channel_ticked)
        self.equipment.currentTextChanged.connect(self._on_equipment_changed)

        self.charts = ChannelPlots(fast=fast)
        self.charts.pause_toggled.connect(self.toggle_pause)
        self.charts.scroll_requested.connect(self.scroll_view)
        self.charts.zoom_requested.connect(self.zoom)
        self.charts.live_requested.connect(self.go_live)
        self.charts.view_changed.connect(self._on_view_changed)
        self.charts.plots_built.connect(self._on_plots_built)
        self.charts.plots_ready.connect(self._on_plots_ready)
        # The plots are made a few per event-loop turn (charts.set_channels); meanwhile this says so.
        self.charts_loading = QLabel()
        self.charts_loading.setObjectName("liveChartsLoading")
        self.charts_loading.setVisible(False)

        self.values = QWidget()
        self.values.setObjectName("liveValues")
        self._values_layout = QHBoxLayout(self.values)
        self._values_layout.setContentsMargins(0, 0, 0, 0)
        self.value_labels: dict[int, QLabel] = {}

        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("livePause")
        self.pause_button.setToolTip(f"Pause / resume ({PAUSE_KEY}; Space on the chart)")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.back_button = QPushButton("\u25c0 Back")
        self.back_button.setToolTip(f"Scroll back ({BACK_KEY}; Left on the chart)")
        self.back_button.clicked.connect(lambda: self.scroll_view(-0.25))
        self.forward_button = QPushButton("Forward \u25b6")
        self.forward_button.setToolTip(f"Scroll forward ({FORWARD_KEY}; Right on the chart)")
        self.forward_button.clicked.connect(lambda: self.scroll_view(0.25))
        self.zoom_in_button = QPushButton("Zoom +")
        self.zoom_in_button.setToolTip("Show less time (Ctrl++; + on the chart; mouse wheel)")
        self.zoom_in_button.clicked.connect(lambda: self.zoom(1 / ZOOM_STEP))
        self.zoom_out_button = QPushButton("Zoom \u2212")
        self.zoom_out_button.setToolTip("Show more time (Ctrl+-; - on the chart; mouse wheel)")
        self.zoom_out_button.clicked.connect(lambda: self.zoom(ZOOM_STEP))
        self.live_button = QPushButton("Live")
        self.live_button.setObjectName("liveFollow")
        self.live_button.setToolTip(f"Back to now, following ({LIVE_KEY}; End on the chart)")
        self.live_button.clicked.connect(self.go_live)
        self.span_label = QLabel()
        self.span_label.setObjectName("liveSpan")
        self.state_label = QLabel()
        self.state_label.setObjectName("liveState")
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.recorder_label = QLabel()
        self.recorder_label.setObjectName("liveRecorder")
        self.recorder_label.setWordWrap(True)  # an error with its hint is long
        self.recorder_label.setVisible(False)
        self.recorder: RecorderSupervisor | None = None
        self._watched: QWidget | None = None

        self.alarm_table = QTableWidget(0, len(ALARM_COLUMNS))
        self.alarm_table.setObjectName("liveAlarms")
        self.alarm_table.setHorizontalHeaderLabels(ALARM_COLUMNS)
        self.alarm_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.alarm_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.alarm_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.alarm_table.verticalHeader().setVisible(False)
        self.alarm_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.alarm_table.horizontalHeader().setStretchLastSection(True)
        self.acknowledge_button = QPushButton("&Acknowledge")
        self.acknowledge_button.setObjectName("liveAcknowledge")
        self.acknowledge_button.setToolTip(
            "Acknowledge the selected alarm, or the newest one not yet acknowledged (Ctrl+K)"
        )
        self.acknowledge_button.clicked.connect(self.acknowledge_selected)
        self.alarm_title = QLabel("Alarms")
        self.alarm_title.setObjectName("liveAlarmTitle")

        picker = QVBoxLayout()
        picker.addWidget(QLabel("Equipment"))
        picker.addWidget(self.equipment)
        picker.addWidget(QLabel("Channels"))
        picker.addWidget(self.channel_list, 1)
        controls = QHBoxLayout()
        for widget in (
            self.pause_button,
            self.back_button,
            self.forward_button,
            self.zoom_in_button,
            self.zoom_out_button,
            self.live_button,
        ):
            controls.addWidget(widget)
        controls.addWidget(self.span_label)
        controls.addStretch(1)
        controls.addWidget(self.state_label)
        centre = QVBoxLayout()
        centre.addLayout(controls)
        centre.addWidget(self.recorder_label)
        centre.addWidget(self.values)
        centre.addWidget(self.charts_loading)
        centre.addWidget(self.charts, 1)
        centre.addWidget(self.message)
        top = QWidget()
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(picker)
        top_layout.addLayout(centre, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        alarm_bar = QHBoxLayout()
        alarm_bar.addWidget(self.alarm_title)
        alarm_bar.addStretch(1)
        alarm_bar.addWidget(self.acknowledge_button)
        bottom_layout.addLayout(alarm_bar)
        bottom_layout.addWidget(self.alarm_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.alarm_table.setMinimumHeight(140)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        shortcuts = [
            (PAUSE_KEY, self.toggle_pause),
            (BACK_KEY, lambda: self.scroll_view(-0.25)),
            (FORWARD_KEY, lambda: self.scroll_view(0.25)),
            (LIVE_KEY, self.go_live),
            *((key, self.acknowledge_selected) for key in ACKNOWLEDGE_KEYS),
            *((key, lambda: self.zoom(1 / ZOOM_STEP)) for key in ZOOM_IN_KEYS),
            *((key, lambda: self.zoom(ZOOM_STEP)) for key in ZOOM_OUT_KEYS),
        ]
        for key, slot in shortcuts:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self._poll)
        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(FRAME_MS)
        self._frame_timer.timeout.connect(self.render_frame)
        self._history_timer = QTimer(self)
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(HISTORY_DELAY_MS)
        self._history_timer.timeout.connect(self._load_history)
        self._use_polling = poll
        context.signed_in.connect(self._on_signed_in)
        context.signed_out.connect(self._on_signed_out)
        context.locked.connect(self.stop)
        self._loaded_for: str | None = None  # whose channel list is loaded
        self._update_controls()
        self._start_recorder(recorder_sources)

    # --- the recorder process of this window ----------------------------------------------

    def _start_recorder(self, sources: Sequence[str] | None) -> None:
        """Start (and supervise) a recorder process for the configured sources, if any.

        Made once with the window; it stops when the application quits (or `stop_recorder`)."""
        if sources is None:
            try:
                sources = sources_from_settings_file()
            except KnownError as exc:
                self._show_recorder(f"Recorder: not started. {exc.message} {exc.hint}", ok=False)
                return
        if not sources:
            return
        self.recorder = RecorderSupervisor(self.context.engine.url, sources, parent=self)
        self.recorder.status_changed.connect(self._on_recorder_status)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_recorder)
        self.recorder.start()
        self._show_recorder(self.recorder.status, ok=True)

    def stop_recorder(self) -> None:
        if self.recorder is not None:
            self.recorder.stop()

    def _watch_window(self) -> None:
        """Stop the recorder when the window this page sits in closes (the application
        quitting stops it too, for a page that was never shown)."""
        window = self.window()
        if self.recorder is None or window is self or window is self._watched:
            return
        self._watched = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._watched and event.type() == QEvent.Type.Close:
            self.stop_recorder()
        return super().eventFilter(watched, event)

    def _on_recorder_status(self, text: str, ok: bool) -> None:
        self._watch_window()
        self._show_recorder(text, ok=ok)
        recorder = self.recorder
        # Channels the recorder created since the list was read: read it again.
        if (
            recorder is not None
            and recorder.channels > len(self._channels)
            and self._loaded_for is not None
            and self.isVisible()
        ):
            self._load_channels()

    def _show_recorder(self, text: str, *, ok: bool) -> None:
        self.recorder_label.setVisible(True)
        self.recorder_label.setText(text)
        self.recorder_label.setToolTip(
            f"{text}\n(the recorder process this window runs for the settings file's "
            "[monitoring] sources)"
        )
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < DARK_BELOW
        self.recorder_label.setProperty("problem", not ok)
        self.recorder_label.setStyleSheet(
            "" if ok else f"color: {SPEC_TEXT[dark]}; font-weight: bold;"
        )

    # --- page protocol --------------------------------------------------------------------

    def visible_to(self, role: Role) -> bool:
        return live.may_watch(role)

    def page_activated(self) -> None:
        self.charts.setFocus()

    def _on_signed_in(self, actor: Actor) -> None:
        if self.isVisible():
            self._load_channels_once(actor)

    def _load_channels_once(self, actor: Actor | None) -> None:
        if actor is None or not live.may_watch(actor.role):
            return
        if self._loaded_for != actor.username:
            self._loaded_for = actor.username
            self._load_channels()
        elif self._shown:
            self.start()

    def _on_signed_out(self) -> None:
        self.stop()
        self._loaded_for = None
        self._alarms = []
        self._show_alarms()

    def start(self) -> None:
        """Start polling and drawing (done by itself once the channels are known and the page
        is in front) - once every plot exists: `_on_plots_ready` starts it then."""
        if self.charts.building:
            return
        freeze_garbage()  # before the first frame: the window is built, its modules loaded
        if self._use_polling:
            self._poll_timer.start()
        self._frame_timer.start()

    def stop(self) -> None:
        self._poll_timer.stop()
        self._frame_timer.stop()

    def hideEvent(self, event: QHideEvent) -> None:
        # A page not in front neither reads nor draws; when it comes back, the first poll
        # reads what came meanwhile (up to live.MAX_POLL_US), so the chart has no hole.
        self.stop()
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._watch_window()
        self._load_channels_once(self.context.actor)

    # --- channels -------------------------------------------------------------------------

    def _load_channels(self) -> None:
        self.context.run(
            lambda uow, actor: live.channels(uow, actor=actor),
            self._on_channels,
            self._on_error,
        )

    def _on_channels(self, channels: list[Channel]) -> None:
        self._channels = channels
        equipment = sorted({c.equipment for c in channels})
        wanted = str(self._settings.value(EQUIPMENT_SETTING, "")) if self._settings else ""
        self.equipment.blockSignals(True)
        self.equipment.clear()
        self.equipment.addItems([ALL_EQUIPMENT, *equipment])
        index = self.equipment.findText(wanted) if wanted else -1
        self.equipment.setCurrentIndex(index if index >= 0 else (1 if equipment else 0))
        self.equipment.blockSignals(False)
        self._on_equipment_changed(self.equipment.currentText())
        if not channels:
            self.message.setText(
                "No sensor channels yet: waiting for the recorder's first readings."
                if self.recorder is not None
                else "No sensor channels yet. Start a recorder: traceapp monitor --source URL "
                "--record, or name sources under [monitoring] in the settings file."
            )
        elif self.message.text().startswith("No sensor channels yet"):
            self.message.clear()

    def set_channels(self, channels: Sequence[Channel]) -> None:
        """Show these channels (all of them ticked); used by the benchmark and the list."""
        self._channels = list(channels)
        self.equipment.blockSignals(True)
        self.equipment.clear()
        self.equipment.addItems([ALL_EQUIPMENT, *sorted({c.equipment for c in channels})])
        self.equipment.blockSignals(False)
        self._on_equipment_changed(ALL_EQUIPMENT)

    def _on_equipment_changed(self, equipment: str) -> None:
        if self._settings is not None and equipment:
            self._settings.setValue(EQUIPMENT_SETTING, equipment)
        listed = [c for c in self._channels if equipment in (ALL_EQUIPMENT, c.equipment)]
        self.channel_list.blockSignals(True)
        self.channel_list.clear()
        for channel in listed:
            item = QListWidgetItem(f"{channel.key} ({channel.unit})")
            item.setData(Qt.ItemDataRole.UserRole, channel.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.channel_list.addItem(item)
        self.channel_list.blockSignals(False)
        self._show_channels(listed)

    def _on_channel_ticked(self, _item: QListWidgetItem) -> None:
        ticked = set()
        for row in range(self.channel_list.count()):
            item = self.channel_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                ticked.add(int(item.data(Qt.ItemDataRole.UserRole)))
        self._show_channels([c for c in self._channels if c.id in ticked])

    def _show_channels(self, channels: Sequence[Channel]) -> None:
        self._shown = list(channels)
        self.charts.set_channels(self._shown)
        now_us = time.time_ns() // 1000
        # The first poll reads the last OPEN_RAW_S of raw readings; the rest of the window comes
        # from the per-second aggregates (history): 16 channels x 10 minutes x 100 Hz raw are
        # 960,000 rows, seconds to read (benchmarks/sensor_query.py "open"), 9,600 aggregates not.
        self._since_us = {c.id: now_us - int(OPEN_RAW_S * MICROS) for c in self._shown}
        self._latest = {}
        self._silent_since = {}
        self._history_span = None
        while self._values_layout.count():
            taken = self._values_layout.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.hide()  # gone at once, not when the event loop deletes it
                widget.deleteLater()
        self.value_labels = {}
        for channel in self._shown:
            label = QLabel(f"{channel.key}\n\u2014")
            label.setObjectName(f"value_{channel.equipment}_{channel.name}")
            label.setProperty("excursion", "")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.value_labels[channel.id] = label
            self._values_layout.addWidget(label)
        self._values_layout.addStretch(1)
        self._polls = 0
        self.stop()  # reading and drawing start when every plot exists (_on_plots_ready)
        self._history_timer.stop()
        self._on_plots_built(0, len(self._shown))

    @property
    def charts_ready(self) -> bool:
        """Every plot of the shown channels exists (they are made a few per event-loop turn)."""
        return not self.charts.building

    def _on_plots_built(self, built: int, total: int) -> None:
        self.charts_loading.setText(f"Loading charts\u2026 {built} of {total}")
        self.charts_loading.setVisible(built < total)

    def _on_plots_ready(self) -> None:
        self.charts_loading.setVisible(False)
        if self._shown and self.isVisible():
            self.start()
            self._history_timer.start()

    def value_label(self, key: str) -> QLabel:
        """The value label of EQUIPMENT/CHANNEL (tests and screenshots)."""
        for channel in self._shown:
            if channel.key == key:
                return self.value_labels[channel.id]
        raise KeyError(key)

    def channel(self, key: str) -> Channel:
        return next(c for c in self._shown if c.key == key)

    # --- live data ------------------------------------------------------------------------

    def _poll(self) -> None:
        if self._polling or not self._shown or self.context.actor is None:
            return
        self._polling = True
        with_events = self._polls % EVENTS_EVERY == 0
        self._polls += 1
        since = dict(self._since_us)
        now_us = time.time_ns() // 1000
        window_us = int(max(self.charts.span, WINDOW_S) * MICROS)

        def work(uow: UnitOfWork, actor: Actor) -> live.LiveUpdate:
            return live.poll(
                uow,
                actor=actor,
                since_us=since,
                now_us=now_us,
                window_us=window_us,
                with_events=with_events,
            )

        self.context.run(work, self._on_polled, self._on_poll_failed)

    def _on_poll_failed(self, error: BaseException, details: str) -> None:
        self._polling = False
        self._on_error(error, details)

    def _on_polled(self, update: live.LiveUpdate) -> None:
        self._polling = False
        # A poll that works takes back an error (the database answers again), and only an
        # error: the answer to an acknowledgement stays (a poll comes every few hundred
        # milliseconds, and cleared it before it could be read).
        if self._error_shown and self.message.text() == self._error_shown:
            self.message.clear()
        self._error_shown = ""
        self.feed(update.series)
        if update.gaps is not None:
            self.set_gaps(update.gaps)
        if update.alarms is not None and list(update.alarms) != self._alarms:
            self._alarms = list(update.alarms)
            self._show_alarms()

    def feed(self, series: Sequence[live.ChannelSeries]) -> None:
        """New readings (from a poll, or straight from the benchmark)."""
        for s in series:
            if s.channel_id not in self._since_us or len(s) == 0:
                continue
            self.charts.add(s.channel_id, s.times, s.values)
            last_us = round(float(s.times[-1]) * MICROS)
            self._since_us[s.channel_id] = max(self._since_us[s.channel_id], last_us)
            self._latest[s.channel_id] = (float(s.times[-1]), float(s.values[-1]))
            self._silent_since.pop(s.channel_id, None)
            self._show_value(s.channel_id)

    def set_gaps(self, gaps: Sequence[Gap]) -> None:
        self.charts.set_gaps(gaps, time.time())
        for gap in gaps:
            if gap.end_us is None and gap.channel_id in self.value_labels:
                self._silent_since[gap.channel_id] = gap.start_us
                self._show_value(gap.channel_id)

    def _show_value(self, channel_id: int) -> None:
        label = self.value_labels.get(channel_id)
        if label is None:
            return
        channel = next(c for c in self._shown if c.id == channel_id)
        latest = self._latest.get(channel_id)
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < DARK_BELOW
        state, colour = "", ""
        if channel_id in self._silent_since:
            last = "" if latest is None else f"{_value_text(latest[1], channel.unit)}, "
            since = _local(self._silent_since[channel_id])
            text = f"{channel.key}\n{last}silent since {since}"
            state, colour = "silent", SILENT_TEXT[dark]
        elif latest is None:
            text = f"{channel.key}\n\u2014"
        else:
            value = latest[1]
            text = f"{channel.key}\n{_value_text(value, channel.unit)}"
            limits = channel.limits
            if outside(value, limits.lsl, limits.usl):
                state, colour = ExcursionKind.SPEC.value, SPEC_TEXT[dark]
                text += "  OUT OF SPEC"
            elif outside(value, limits.lcl, limits.ucl):
                state, colour = ExcursionKind.CONTROL.value, CONTROL_TEXT[dark]
                text += "  out of control"
        if label.text() != text:
            label.setText(text)
        if label.property("excursion") != state:
            label.setProperty("excursion", state)
            style = f"color: {colour}; font-weight: bold;" if colour else ""
            label.setStyleSheet(style)
            palette = label.palette()
            palette.setColor(
                QPalette.ColorRole.WindowText,
                QColor(colour) if colour else self.palette().color(QPalette.ColorRole.WindowText),
            )
            label.setPalette(palette)

    # --- frames, pause, scroll, zoom ------------------------------------------------------

    def render_frame(self) -> None:
        self.charts.render_frame(None if self.paused else time.time())
        self.frames += 1

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        self._update_controls()
        if not self.paused:
            self.render_frame()

    def go_live(self) -> None:
        self.paused = False
        self._update_controls()
        self.render_frame()

    def scroll_view(self, fraction: float) -> None:
        """Move the view by a fraction of its span (negative: back in time); it pauses."""
        self.paused = True
        start, end = self.charts.view
        shift = fraction * (end - start)
        end = min(end + shift, time.time())
        self.charts.set_view(end - (self.charts.span), end)
        self._update_controls()
        self._history_timer.start()

    def zoom(self, factor: float) -> None:
        """Show `factor` times as much time (below 1 zooms in), ending where the view ends."""
        start, end = self.charts.view
        span = min(max((end - start) * factor, MIN_SPAN_S), MAX_SPAN_S)
        self.charts.set_view(end - span, end)
        self._update_controls()
        self._history_timer.start()

    def _on_view_changed(self, start: float, end: float) -> None:
        # The mouse moved the view: a drag into the past pauses; the wheel only zooms.
        if end < time.time() - 1.0 and not self.paused:
            self.paused = True
        self._update_controls()
        self._history_timer.start()

    def _update_controls(self) -> None:
        self.pause_button.setText("Resume" if self.paused else "Pause")
        self.state_label.setText("PAUSED" if self.paused else "LIVE")
        self.state_label.setProperty("paused", self.paused)
        self.span_label.setText(f"showing {_span_text(self.charts.span)}")

    # --- history --------------------------------------------------------------------------

    def _load_history(self) -> None:
        """When the view reaches before the live buffer, read aggregates of the view (in a worker)."""
        if not self._shown or self._history_loading or self.context.actor is None:
            return
        start, end = self.charts.view
        earliest = min(
            (e.ring.times[0] for e in self.charts.plots.values() if len(e.ring)),
            default=end,
        )
        if start >= earliest:
            return
        loaded = self._history_span
        # Only the part before the live buffer needs the aggregates.
        if loaded is not None and loaded[0] <= start and min(end, earliest) <= loaded[1]:
            return
        span = end - start
        want = (start - span / 2, min(end + span / 2, time.time()))
        ids = [c.id for c in self._shown]
        self._history_loading = True
        self.state_label.setText("PAUSED \u2013 loading history\u2026" if self.paused else "LIVE")

        def work(uow: UnitOfWork, actor: Actor) -> live.History:
            return live.history(
                uow,
                actor=actor,
                channel_ids=ids,
                start_us=int(want[0] * MICROS),
                end_us=int(want[1] * MICROS),
            )

        self.context.run(work, self._on_history, self._on_history_failed)

    def _on_history(self, history: live.History) -> None:
        self._history_loading = False
        self._history_span = (history.start_us / MICROS, history.end_us / MICROS)
        for s in history.series:
            self.charts.set_history(s.channel_id, s.times, s.mean)
        self.charts.set_gaps(history.gaps, time.time())
        self.history_width = history.width
        self._update_controls()
        self.charts.render_frame(None if self.paused else time.time())
        self._history_timer.start()  # the view may have moved on meanwhile

    def _on_history_failed(self, error: BaseException, details: str) -> None:
        self._history_loading = False
        self._on_error(error, details)

    # --- alarms ---------------------------------------------------------------------------

    def _show_alarms(self) -> None:
        selected = self.selected_alarm()
        table = self.alarm_table
        table.setRowCount(len(self._alarms))
        waiting = 0
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < DARK_BELOW
        for row, alarm in enumerate(self._alarms):
            ack = (
                f"{alarm.acknowledged_by} at {alarm.acknowledged_at.astimezone():%H:%M:%S}"
                if alarm.acknowledged_by is not None and alarm.acknowledged_at is not None
                else "\u2014 not yet"
            )
            waiting += not alarm.acknowledged
            cells = (
                _local(alarm.start_us),
                alarm.channel.key,
                alarm.kind_text,
                f"{alarm.worst:.{_decimals(alarm.worst)}f} {alarm.channel.unit}",
                _state_text(alarm),
                ack,
            )
            colour = (SPEC_TEXT if alarm.kind is ExcursionKind.SPEC else CONTROL_TEXT)[dark]
            for column, text in enumerate(cells):
                item = table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    table.setItem(row, column, item)
                item.setText(text)
                item.setData(Qt.ItemDataRole.UserRole, alarm.key)
                font = item.font()
                font.setBold(not alarm.acknowledged)
                item.setFont(font)
                if column == 2:
                    item.setForeground(QColor(colour))
        newest = "the newest " if len(self._alarms) >= live.MAX_ALARMS else ""
        self.alarm_title.setText(
            f"Alarms: {newest}{len(self._alarms)}, {waiting} not acknowledged"
            if self._alarms
            else "Alarms: none in the window"
        )
        if selected is not None:
            for row, alarm in enumerate(self._alarms):
                if alarm.key == selected.key:
                    table.selectRow(row)

    def alarm_rows(self) -> list[tuple[str, ...]]:
        """The alarm table as a person reads it (tests)."""
        table = self.alarm_table
        return [
            tuple(_cell(table, r, c) for c in range(table.columnCount()))
            for r in range(table.rowCount())
        ]

    def selected_alarm(self) -> live.Alarm | None:
        rows = self.alarm_table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self._alarms[row] if row < len(self._alarms) else None

    def acknowledge_selected(self) -> None:
        """Acknowledge the selected alarm, else the newest one nobody acknowledged yet."""
        alarm = self.selected_alarm()
        if alarm is None or alarm.acknowledged:
            alarm = next((a for a in self._alarms if not a.acknowledged), None)
        if alarm is None:
            self.message.setText("No alarm waits for acknowledgement.")
            return
        target = alarm

        def work(uow: UnitOfWork, actor: Actor) -> live.Alarm:
            return live.acknowledge(
                uow,
                actor=actor,
                channel_id=target.channel.id,
                kind=target.kind,
                start_us=target.start_us,
                rule=target.rule,
            )

        self.context.run(work, self._on_acknowledged, self._on_error, write=True)

    def _on_acknowledged(self, alarm: live.Alarm) -> None:
        self._alarms = [alarm if a.key == alarm.key else a for a in self._alarms]
        self._show_alarms()
        self.message.setText(f"Acknowledged: {alarm.channel.key} {alarm.kind_text} alarm.")

    def _on_error(self, error: BaseException, _details: str) -> None:
        self._error_shown = _error_text(error)
        self.message.setText(self._error_shown)


def _state_text(alarm: live.Alarm) -> str:
    if alarm.rule is not None:  # an SPC alarm: its signals, the last one's time
        plural = "s" if alarm.count != 1 else ""
        return f"{alarm.count} signal{plural}, last {_local(alarm.end_us)}"
    return "still outside" if alarm.open else f"ended {_local(alarm.end_us)}"


def _value_text(value: float, unit: str) -> str:
    return f"{value:.{_decimals(value)}f} {unit}".strip()


def _decimals(value: float) -> int:
    size = abs(value)
    if not math.isfinite(size) or size >= 10_000:
        return 0
    if size >= 1000:
        return 1
    return 2 if size >= 1 else 3


def _span_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""
