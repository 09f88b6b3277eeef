"""Pausing Python's cyclic garbage collector around work it would only slow down or endanger.

One pause for the whole process, counted: the collector is process-wide, so a pause that put it
back as it found it would, in one thread, switch it on again in the middle of another thread's
pause (a trace ending in a worker while the window lists its widgets). It runs again when the
last pause ends, if it ran before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = True


@contextmanager
def collector_paused(*, keep: bool = False) -> Iterator[None]:
    """No cyclic garbage collection inside the block, in any thread.

    With `keep`, what exists at the end (a large result without reference cycles, freed by
    reference counting when dropped) moves to the permanent generation, so later collections
    do not walk it either; reference cycles left unreachable by then are never collected.
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if keep:
                gc.freeze()
            if _depth == 0 and _was_enabled:
                gc.enable()
