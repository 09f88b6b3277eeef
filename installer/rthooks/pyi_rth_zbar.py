"""PyInstaller runtime hook: pyzbar finds the libzbar bundled in the program folder.

pyzbar loads ZBar with `ctypes.util.find_library("zbar")`, which on Linux asks ldconfig and the
compiler, and so finds only a system-wide libzbar0 (absent on most workstations). This hook runs
before any application code and answers that one name with the bundled copy; every other name goes
to the original function. On Windows pyzbar loads the DLLs that its wheel ships, not this way.
"""

from __future__ import annotations

import ctypes.util
import glob
import os
import sys

_PATTERNS = {"linux": "libzbar.so*", "darwin": "libzbar*.dylib"}
_original_find_library = ctypes.util.find_library


def _bundled_zbar() -> str | None:
    pattern = _PATTERNS.get(sys.platform)
    bundle = getattr(sys, "_MEIPASS", None)
    if pattern is None or bundle is None:
        return None
    found = sorted(glob.glob(os.path.join(bundle, pattern)))
    return found[0] if found else None


def _find_library(name: str) -> str | None:
    if name == "zbar":
        bundled = _bundled_zbar()
        if bundled is not None:
            return bundled
    return _original_find_library(name)


ctypes.util.find_library = _find_library
