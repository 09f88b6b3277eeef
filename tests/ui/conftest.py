"""GUI tests run offscreen; the window's data come from a real SQLite plant."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
