"""Entry point of the bundled program: the `traceapp` command line, the window when started bare.

In the bundle `sys.executable` is this program, not a Python: a child process that the window
starts as `sys.executable -m MODULE ...` (the Live monitor's recorder, traceapp/ui/recorder_process.py)
arrives here with `-m MODULE` as its first arguments. The modules started that way are run here
as `python -m` would run them; anything else after `-m` is refused.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence


def _recorder_service(argv: Sequence[str]) -> int:
    from traceapp.services import recorder_service

    return recorder_service.main(argv)


# Modules the program starts as children of itself with `-m` (the same command line as in a
# development checkout, where sys.executable is the venv's Python).
CHILD_MODULES: dict[str, Callable[[Sequence[str]], int]] = {
    "traceapp.services.recorder_service": _recorder_service,
}


def run(arguments: list[str]) -> int:
    if arguments[:1] == ["-m"]:
        module = arguments[1] if len(arguments) > 1 else ""
        child = CHILD_MODULES.get(module)
        if child is None:
            print(f"TraceApp: -m {module!r}: not a module this program runs", file=sys.stderr)
            return 2
        return child(arguments[2:])
    from traceapp.cli import main

    # A menu entry or a double click starts the program without arguments: that means the window.
    # With arguments it is the same command line as `traceapp` in a development checkout.
    return main(arguments or ["gui"])


if __name__ == "__main__":
    # No-op unless a library starts multiprocessing children from the frozen program (Windows
    # spawns them as this executable); none does today, it costs nothing.
    multiprocessing.freeze_support()
    sys.exit(run(sys.argv[1:]))
