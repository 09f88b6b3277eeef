"""Every GUI event-loop turn longer than 100 ms during a scripted session at the workstation (issue 6).

    .venv/bin/python benchmarks/gui_stalls.py [--label NAME] [--think-ms 1000] [--lots 3000]
        [--live-channels 16]

Builds a 3,000-lot demo plant (--lots) (plus two GS1 products, a supplier and a customer for the scan
flow) in a temporary SQLite file, opens the real window (the pages `traceapp gui` builds, at
1366x768) and runs one session through the keyboard, as a person would:

start -> sign in (typed) -> F3, F4, F5, F6, F2 (every page in turn) -> receive -> produce ->
pack -> ship at the scan station (wedge-scanner bursts, Enter / F12) -> F3 and the shipped lot's
genealogy graph (Alt+G) -> Ctrl+Shift+T (dark theme) -> F6 and a recall drill on a demo lot
(Ctrl+Enter) -> Ctrl+Shift+T back.

Between two steps the script waits until the window shows the step's result, then `--think-ms`
(a person reading it). Each key goes in its own event-loop turn.

The probe: a precise 10 ms QTimer on the GUI thread notes each tick; a tick more than 100 ms
after the one before means one turn (or a run of them without a gap) kept the loop from its
timers that long. A watchdog thread samples the GUI thread's Python stack every 5 ms while the
loop is late, so each stall in the JSON names the script step, the innermost traceapp frames and
the modules being imported while it lasted, and the garbage collections (their generation and
milliseconds) that ran in it. The 1-minute load average before and after is
written beside the figures (2 shared cores: run it at normal priority, others under nice).
Results merge into benchmarks/results/gui_stalls.json under --label.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "gui_stalls.json"
STALL_MS = 100.0
TICK_MS = 10
SAMPLE_S = 0.005
LATE_S = 0.04  # the watchdog starts sampling once the loop is this late
STATION = "LYON-PACK-ST1"
USER, PASSWORD = "bruno.sup", "demo-bruno-2026"  # a supervisor: every floor page
FLOUR_GTIN = "09506000134352"
COOKIE_GTIN = "09506000134376"
SSCC = "106141410000099990"
STEP_TIMEOUT_S = 60.0
HUMAN_KEY_GAP_MS = 120  # a person's keys: never within a scanner's burst
LIVE_EQUIPMENT = "BENCH-OVEN"  # the equipment of --live-channels


# -- the probe ------------------------------------------------------------------------------


def _stack_summary(frame: FrameType | None) -> tuple[list[str], list[str]]:
    """(innermost traceapp frames, innermost first; modules being imported, outermost first)."""
    ours: list[str] = []
    imports: list[str] = []
    innermost = None
    while frame is not None:
        code = frame.f_code
        if innermost is None:
            innermost = f"{Path(code.co_filename).name}:{code.co_name}"
        if "/traceapp/" in code.co_filename and len(ours) < 4:
            where = code.co_filename.split("/traceapp/", 1)[1]
            ours.append(f"{where}:{code.co_name}")
        if code.co_name == "_find_and_load" and "importlib" in code.co_filename:
            name = frame.f_locals.get("name")
            if isinstance(name, str):
                imports.append(name)
        frame = frame.f_back
    if innermost is not None:
        ours.insert(0, f"innermost {innermost}")
    return ours, list(reversed(imports))


@dataclass
class Stall:
    at_s: float
    turn_ms: float
    steps: list[str]
    frames: list[tuple[str, int]]
    imports: list[str]
    samples: int
    gc_ms: list[tuple[int, float]]  # (generation, ms) of each collection in the stall


@dataclass
class Probe:
    """Lateness of a 10 ms timer on the GUI thread, with stack samples of the late stretches."""

    started: float = field(default_factory=time.perf_counter)
    step: str = "start"
    step_log: list[tuple[float, str]] = field(default_factory=list)
    stalls: list[Stall] = field(default_factory=list)
    gaps_ms: list[float] = field(default_factory=list)
    _last: float = 0.0
    _samples: list[tuple[float, list[str], list[str]]] = field(default_factory=list)
    _collections: list[tuple[float, int, float]] = field(default_factory=list)  # at, gen, ms
    _gc_began: float = 0.0
    # Re-entrant: a garbage collection can start inside a `with self._lock` (any allocation),
    # and `_on_gc` then takes the lock again in the same thread. A plain Lock deadlocked the
    # run there (watchdog and GUI thread both waiting on it, seen 2026-12-01).
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def set_step(self, step: str) -> None:
        self.step = step
        self.step_log.append((time.perf_counter(), step))

    def start(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last = time.perf_counter()
        self._timer.start()
        self._main = threading.main_thread().ident
        self._watchdog = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)
        self._watchdog.start()
        gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        self._timer.stop()
        gc.callbacks.remove(self._on_gc)
        self._stop.set()
        self._watchdog.join()

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_began = now
        else:
            with self._lock:
                self._collections.append(
                    (self._gc_began, info["generation"], (now - self._gc_began) * 1000.0)
                )

    def _watch(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            now = time.perf_counter()
            if now - self._last < LATE_S:
                continue
            frame = sys._current_frames().get(self._main or 0)
            ours, imports = _stack_summary(frame)
            del frame
            with self._lock:
                self._samples.append((now, ours, imports))

    def _tick(self) -> None:
        now = time.perf_counter()
        gap_ms = (now - self._last) * 1000.0
        self.gaps_ms.append(gap_ms)
        with self._lock:
            samples = [s for s in self._samples if self._last <= s[0] <= now]
            self._samples = [s for s in self._samples if s[0] > now]
            collections = [c for c in self._collections if self._last <= c[0] <= now]
            self._collections = [c for c in self._collections if c[0] > now]
        if gap_ms > STALL_MS:
            steps = [self.step_at(self._last)] + [
                step for at, step in self.step_log if self._last < at <= now
            ]
            frames: Counter[str] = Counter()
            imported: list[str] = []
            for _at, ours, imports in samples:
                frames.update(ours[:3])
                for name in imports[:2]:
                    if name not in imported:
                        imported.append(name)
            self.stalls.append(
                Stall(
                    at_s=round(self._last - self.started, 3),
                    turn_ms=round(gap_ms, 1),
                    steps=steps,
                    frames=frames.most_common(8),
                    imports=imported[:12],
                    samples=len(samples),
                    gc_ms=[(gen, round(ms, 1)) for _at, gen, ms in collections if ms >= 1.0],
                )
            )
        self._last = now

    def step_at(self, moment: float) -> str:
        current = "start"
        for at, step in self.step_log:
            if at <= moment:
                current = step
        return current


# -- the plant ------------------------------------------------------------------------------


def build_plant(
    folder: Path, lots: int = 3000, live_channels: int = 0
) -> tuple[Any, dict[str, str]]:
    from traceapp.db.uow import UnitOfWork
    from traceapp.domain.sensors import Limits
    from traceapp.services import masterdata, sensors
    from traceapp.services.database import open_database
    from traceapp.services.demo import build_demo_plant

    engine, _ = open_database(f"sqlite:///{folder / 'plant.db'}")
    demo = build_demo_plant(engine, lots=lots, days=21)
    with UnitOfWork(engine) as uow:
        admin = masterdata.actor_for(uow)
        for part, name, unit, kind, gtin in (
            ("FLOUR", "Wheat flour", "kg", "raw", FLOUR_GTIN),
            ("COOKIE", "Cookies 500 g", "ea", "finished", COOKIE_GTIN),
        ):
            masterdata.add_product(
                uow, actor=admin, part_number=part, name=name, unit=unit, kind=kind, gtin=gtin
            )
        masterdata.add_party(uow, actor=admin, code="MILL", name="Northern Mill", kind="supplier")
        masterdata.add_party(uow, actor=admin, code="SHOP1", name="Shop 1", kind="customer")
        for number in range(live_channels):  # the Live monitor (F5) shows these (--live-channels)
            sensors.add_channel(
                uow,
                actor=admin,
                site="demo",
                equipment=LIVE_EQUIPMENT,
                name=f"t{number:02d}",
                quantity="temperature",
                unit="degC",
                limits=Limits(lsl=10.0, usl=90.0, lcl=20.0, ucl=80.0),
            )
    return engine, demo.landmarks


def label(gtin: str, lot: str, *, kg: str | None = None, count: int | None = None) -> str:
    from traceapp.domain.codes.build import build_gs1
    from traceapp.domain.quantity import Quantity

    data = build_gs1(
        gtin=gtin,
        lot=lot,
        expiry=date(2027, 1, 31) if kg else None,
        net_weight=Quantity.parse(f"{kg} kg") if kg else None,
        count=count,
    )
    return "]d2" + data.element_string


# -- the session ----------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    act: Callable[[], None]
    done: Callable[[], bool] = lambda: True


def session(window: Any, landmarks: dict[str, str], live_channels: int = 0) -> Iterator[Step]:
    """The person's session, one step at a time; `done` says what the window shows after it."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QComboBox, QLineEdit

    ctrl = Qt.KeyboardModifier.ControlModifier
    alt = Qt.KeyboardModifier.AltModifier
    shift = Qt.KeyboardModifier.ShiftModifier

    def focus() -> Any:
        return window.focusWidget() or window

    def key(k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        QTest.keyClick(focus(), k, mod)

    def burst(text: str) -> Callable[[], None]:
        """A keyboard-wedge scanner: the code as fast keys, GS as Ctrl+], then Enter."""

        def send() -> None:
            target = focus()
            for number, part in enumerate(text.split("\x1d")):
                if number:
                    QTest.keyClick(target, Qt.Key.Key_BracketRight, ctrl)
                QTest.keyClicks(target, part)
            QTest.keyClick(target, Qt.Key.Key_Return)

        return send

    def typed(text: str) -> Callable[[], None]:
        def send() -> None:
            QTest.keyClicks(focus(), text)
            QTest.keyClick(focus(), Qt.Key.Key_Return)

        return send

    screen = window.sign_in_screen
    yield Step("window shown", lambda: None, lambda: screen.identity.isEnabled())
    yield Step("sign in: user", typed(USER), lambda: screen.secret.hasFocus())
    yield Step(
        "sign in: password",
        typed(PASSWORD),
        lambda: window.screens.currentWidget() is window.workspace,
    )

    def page_up(title: str) -> Callable[[], bool]:
        return lambda: window.is_built(title) and window.page(title).isVisible()

    lots_title = "Lots & genealogy"
    pages = (
        ("F3", Qt.Key.Key_F3, lots_title),
        ("F4", Qt.Key.Key_F4, "Quality"),
        ("F5", Qt.Key.Key_F5, "Live monitor"),
        ("F6", Qt.Key.Key_F6, "Recall & reports"),
        ("F2", Qt.Key.Key_F2, "Scan station"),
    )

    def live_up() -> bool:
        # The Live monitor makes its plots a few per turn: the step ends when all exist.
        if not page_up("Live monitor")():
            return False
        page = window.page("Live monitor")
        return page.charts_ready and len(page.charts.plots) >= live_channels

    for name, k, title in pages:
        done = live_up if title == "Live monitor" and live_channels else page_up(title)
        yield Step(f"{name} {title}", lambda k=k: key(k), done)

    scan_page = window.page("Scan station")
    feedback = scan_page.feedback

    def panel(state: str, start: str) -> Callable[[], bool]:
        return lambda: feedback.state == state and feedback.shown_lines()[0].startswith(start)

    def said(start: str) -> Callable[[], bool]:
        return lambda: feedback.shown_lines()[0].startswith(start)

    def answer_combo(code: str) -> Callable[[], None]:
        """Enter went to a missing choice: type its code (keyboard search), Enter."""

        def send() -> None:
            # A person's keys, one per turn, slower than a scanner's burst (which the page
            # would take as a scan whichever field has focus).
            keys = [*code, "\n"] if isinstance(focus(), QComboBox) else ["\n"]
            for number, char in enumerate(keys):
                QTimer.singleShot(HUMAN_KEY_GAP_MS * (number + 1), lambda c=char: press_char(c))

        return send

    def press_char(char: str) -> None:
        if char == "\n":
            QTest.keyClick(focus(), Qt.Key.Key_Return)
        else:
            QTest.keyClicks(focus(), char)

    def combo_focused() -> bool:
        return isinstance(window.focusWidget(), QComboBox)

    def or_done(state: str, start: str) -> Callable[[], bool]:
        return lambda: combo_focused() or panel(state, start)()

    yield Step("Alt+1 receive", lambda: key(Qt.Key.Key_1, alt), lambda: True)
    yield Step("scan receive label", burst(label(FLOUR_GTIN, "L-118", kg="25")), said("Label"))
    yield Step("Enter (receive)", lambda: key(Qt.Key.Key_Return), or_done("ok", "Received"))
    yield Step("choose supplier, Enter", answer_combo("MILL"), panel("ok", "Received"))
    yield Step("Alt+2 produce", lambda: key(Qt.Key.Key_2, alt))
    yield Step("scan input", burst(label(FLOUR_GTIN, "L-118")), said("Input"))
    yield Step("scan output", burst(label(COOKIE_GTIN, "C-1", count=40)), said("Output"))
    yield Step("F12 (produce)", lambda: key(Qt.Key.Key_F12), or_done("ok", "Produced"))
    yield Step("choose equipment, Enter", answer_combo("LYON"), panel("ok", "Produced"))
    yield Step("Alt+3 pack", lambda: key(Qt.Key.Key_3, alt))
    yield Step("scan pallet", burst(f"]d200{SSCC}"), said("Packing into"))
    yield Step("scan cookies", burst(label(COOKIE_GTIN, "C-1")), said("Item"))
    yield Step("Enter (pack)", lambda: key(Qt.Key.Key_Return), panel("ok", "Packed"))
    yield Step("Alt+5 ship", lambda: key(Qt.Key.Key_5, alt))
    yield Step("scan pallet to ship", burst(f"]d200{SSCC}"), said("Ship"))
    yield Step("Ctrl+Enter (ship)", lambda: key(Qt.Key.Key_Return, ctrl), or_done("ok", "Shipped"))
    yield Step("choose customer, Enter", answer_combo("SHOP1"), panel("ok", "Shipped"))

    yield Step("F3 lots", lambda: key(Qt.Key.Key_F3), page_up(lots_title))
    lots = window.page(lots_title)
    yield Step(
        "search the shipped lot",
        typed("COOKIE/C-1"),
        lambda: lots.count.text() == "1 lot shown" and status_shown(lots) == "SHIPPED",
    )
    graph = lots.genealogy
    yield Step(
        "Alt+G genealogy graph",
        lambda: key(Qt.Key.Key_G, alt),
        lambda: lots.tabs.currentWidget().isAncestorOf(graph) or lots.tabs.currentWidget() is graph,
    )
    yield Step("Ctrl+Shift+T dark theme", lambda: key(Qt.Key.Key_T, ctrl | shift))
    yield Step("F6 recall", lambda: key(Qt.Key.Key_F6), page_up("Recall & reports"))
    recall = window.page("Recall & reports")
    suspect = recall.findChild(QLineEdit, "recallSuspectInput")
    yield Step(
        "type the suspect lot",
        lambda: (suspect.setFocus(), typed(landmarks["forward_100"])()),
        lambda: recall.suspect_names() != [],
    )
    yield Step(
        "Ctrl+Enter recall drill",
        lambda: QTest.keyClick(suspect, Qt.Key.Key_Return, ctrl),
        lambda: getattr(recall, "result", None) is not None,
    )
    yield Step("Ctrl+Shift+T light theme", lambda: key(Qt.Key.Key_T, ctrl | shift))
    yield Step("F2 scan station", lambda: key(Qt.Key.Key_F2), page_up("Scan station"))


def status_shown(page: Any) -> str:
    from PySide6.QtWidgets import QLabel

    badge = page.findChild(QLabel, "lotStatus")
    return str(badge.text()) if badge is not None and badge.isVisible() else ""


# -- running it ------------------------------------------------------------------------------


def run(
    think_ms: int, size: tuple[int, int], lots: int = 3000, live_channels: int = 0
) -> dict[str, Any]:
    from PySide6.QtCore import QSettings, QTimer

    from traceapp.ui.application import application, build_window, standard_pages
    from traceapp.ui.context import StationContext

    with tempfile.TemporaryDirectory(prefix="traceapp-stalls-") as tmp:
        folder = Path(tmp)
        os.environ["TRACEAPP_CONFIG_DIR"] = str(folder / "config")  # no [monitoring]
        engine, landmarks = build_plant(folder, lots, live_channels)
        app = application()
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        if live_channels:
            settings.setValue("live/equipment", LIVE_EQUIPMENT)  # F5 opens on their equipment
        context = StationContext(
            engine, station_code=STATION, database_label="plant.db (demo)", shared=False
        )
        probe = Probe()
        built = time.perf_counter()
        # The window `traceapp gui` opens (run_window): the same pages and options.
        window = build_window(context, standard_pages(settings), settings, freeze=True)
        window.resize(*size)
        window.show()
        window.raise_()
        window.activateWindow()
        window_ms = (time.perf_counter() - built) * 1000.0
        steps = session(window, landmarks, live_channels)
        timeline: list[dict[str, Any]] = []
        state: dict[str, Any] = {"step": None, "since": 0.0, "error": None, "ready_at": None}

        def advance() -> None:
            try:
                current: Step | None = state["step"]
                now = time.perf_counter()
                if current is not None:
                    if not current.done():
                        if now - state["since"] > STEP_TIMEOUT_S:
                            shown = window.page("Scan station").feedback.shown_lines()
                            focused = window.focusWidget()
                            raise TimeoutError(
                                f"step {current.name!r} did not finish (scan station says "
                                f"{shown} {window.page('Scan station').missing.text()!r}, focus on {type(focused).__name__} "
                                f"{focused.objectName() if focused else ''})"
                            )
                        QTimer.singleShot(20, advance)
                        return
                    if state["ready_at"] is None:
                        state["ready_at"] = now
                        timeline[-1]["shown_s"] = round(now - state["since"], 3)
                    if (now - state["ready_at"]) * 1000.0 < think_ms:
                        QTimer.singleShot(20, advance)
                        return
                nxt = next(steps, None)
                if nxt is None:
                    app.quit()
                    return
                probe.set_step(nxt.name)
                state.update(step=nxt, since=time.perf_counter(), ready_at=None)
                timeline.append({"step": nxt.name, "at_s": round(now - probe.started, 3)})
                nxt.act()
                QTimer.singleShot(20, advance)
            except Exception as exc:  # written into the JSON, then stop
                state["error"] = f"{type(exc).__name__}: {exc}"
                app.quit()

        probe.start()
        QTimer.singleShot(0, advance)
        app.exec()
        probe.stop()
        window.close()
        context.background.wait()
        engine.dispose()
    gaps = sorted(probe.gaps_ms)
    over = [g for g in gaps if g > STALL_MS]
    return {
        "window_built_ms_before_loop": round(window_ms, 1),
        "error": state["error"],
        "ticks": len(gaps),
        "longest_turn_ms": round(gaps[-1], 1) if gaps else None,
        "p99_tick_gap_ms": round(gaps[int(len(gaps) * 0.99)], 1) if gaps else None,
        "turns_over_100_ms": len(over),
        "turns_over_50_ms": len([g for g in gaps if g > 50.0]),
        "stalls": [stall.__dict__ for stall in probe.stalls],
        "steps": timeline,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="current", help="key of this run in the JSON")
    parser.add_argument("--think-ms", type=int, default=1000, help="pause after each result")
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--lots", type=int, default=3000, help="lots of the demo plant")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--note", default="")
    parser.add_argument(
        "--live-channels",
        type=int,
        default=0,
        help="channels on one equipment that the Live monitor (F5) opens on (0: the demo's own)",
    )
    args = parser.parse_args(argv)
    os.environ["QT_QPA_PLATFORM"] = args.platform
    width, height = (int(part) for part in args.size.lower().split("x"))
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    result = run(args.think_ms, (width, height), args.lots, args.live_channels)
    record = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": args.platform,
        "size": args.size,
        "think_ms": args.think_ms,
        "lots": args.lots,
        "live_channels": args.live_channels,
        "note": args.note,
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
        "wall_s": round(time.perf_counter() - began, 1),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        **result,
    }
    existing: dict[str, Any] = {}
    if args.out.exists():
        existing = json.loads(args.out.read_text(encoding="utf-8"))
    existing.setdefault("runs", {})[args.label] = record
    existing["what"] = __doc__.splitlines()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(existing, indent=2) + "\n", encoding="utf-8")
    print(
        f"{args.label}: longest turn {record['longest_turn_ms']} ms, "
        f"{record['turns_over_100_ms']} turns > 100 ms, load "
        f"{record['load_1min_before']} -> {record['load_1min_after']}, error {record['error']}"
    )
    for stall in record["stalls"]:
        print(
            f"  {stall['turn_ms']:7.1f} ms  {stall['steps']}  {stall['imports'][:4]}"
            f"  gc {stall['gc_ms']}"
        )
        for frame, count in stall["frames"][:4]:
            print(f"            {count:3d} {frame}")
    return 1 if record["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
