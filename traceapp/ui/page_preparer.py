"""Import the unopened pages' modules in a worker thread, a module at a time (issue 6).

The pages opened after sign-in (Lots, Quality, Live monitor, Recall) import pyqtgraph,
reportlab, numpy and their own modules: ~0.4 s the first time. Done on the GUI thread when the
person presses F3, that froze the window; `ModuleWarmer` does it after sign-in in a thread.

A thread holds Python's GIL while it runs a module's body, and the GUI thread needs the GIL for
every event (the app's event filters are Python). Imported in one go, a package's many modules
would keep the GUI waiting for the GIL in long stretches; here a finder placed first on
`sys.meta_path` sleeps a moment before each module the warm-up thread loads (only that thread),
so the GUI thread gets the GIL between any two modules and waits at most for one module's own
body. `benchmarks/gui_stalls.py` measures what is left.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import logging
import sys
import threading
import time
from collections.abc import Sequence
from types import ModuleType

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

YIELD_S = 0.0005  # before each module the warm-up thread imports: the GUI thread's turn


class _YieldBeforeEachModule(importlib.abc.MetaPathFinder):
    """Finds nothing; in the warm-up thread it sleeps first (releasing the GIL)."""

    def __init__(self, thread_id: int, hurry: threading.Event) -> None:
        self._thread_id = thread_id
        self._hurry = hurry

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if threading.get_ident() == self._thread_id and not self._hurry.is_set():
            time.sleep(YIELD_S)
        return None


def import_in_small_steps(
    modules: Sequence[str], stop: threading.Event, hurry: threading.Event | None = None
) -> list[str]:
    """Import `modules` (and what they import) in this thread, yielding the GIL before each
    module until `hurry` is set; returns the ones that failed (their page reports the error
    when it is opened)."""
    finder = _YieldBeforeEachModule(threading.get_ident(), hurry or threading.Event())
    sys.meta_path.insert(0, finder)
    failed: list[str] = []
    try:
        for name in modules:
            if stop.is_set():
                break
            try:
                importlib.import_module(name)
            except Exception:  # the page's own build shows it to the person
                log.exception("warming up %s failed", name)
                failed.append(name)
    finally:
        sys.meta_path.remove(finder)
    return failed


class ModuleWarmer(QObject):
    """`start(modules)` imports them in a daemon thread; `finished` arrives on the GUI thread."""

    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop = threading.Event()
        self._hurry = threading.Event()
        self._thread: threading.Thread | None = None
        self._done = threading.Event()  # set before `finished`: the thread may still be alive
        self.failed: list[str] = []

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._done.is_set()

    def start(self, modules: Sequence[str]) -> None:
        if self.running:
            return
        self._stop.clear()
        self._hurry.clear()
        wanted = [name for name in modules if name not in sys.modules]
        if not wanted:
            self.finished.emit()
            return

        def work() -> None:
            self.failed = import_in_small_steps(wanted, self._stop, self._hurry)
            self._done.set()
            self.finished.emit()  # queued to the GUI thread (this object lives there)

        self._done.clear()
        self._thread = threading.Thread(target=work, name="traceapp-warm-up", daemon=True)
        self._thread.start()

    def hurry(self) -> None:
        """The GUI thread needs a page now: import the rest at full speed (the GUI thread waits
        for a module the warm-up is importing anyway)."""
        self._hurry.set()

    def stop(self) -> None:
        """Stop after the module being imported now (a module is never left half-imported)."""
        self._stop.set()

    def wait(self, timeout_s: float = 30.0) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
        return not self.running
