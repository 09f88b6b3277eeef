#!/usr/bin/env bash
# Render every main view of the window on a demo plant into PNG files, one per view.
#
#   bash scripts/screenshots.sh [DIR]          (default: docs/screenshots of this checkout)
#
# Builds a small demo plant in a temporary SQLite file, opens the real window under Xvfb
# (xvfb-run -a, installed by bootstrap.sh), signs in with typed keys and grabs each view: the
# first administrator's screen, sign-in, a refused sign-in, every page, the dark theme, the lock.
# Without xvfb-run, or with QT_QPA_PLATFORM set (e.g. offscreen), it renders without X.
# QT_SCALE_FACTOR=2 bash scripts/screenshots.sh /tmp/hidpi  shows the views at 200 %.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/docs/screenshots}"

bash "$ROOT/scripts/bootstrap.sh"
PYTHON="$ROOT/.venv/bin/python"

if [ -z "${QT_QPA_PLATFORM:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
    exec xvfb-run -a -s "-screen 0 1920x1080x24" "$PYTHON" -m traceapp.ui.screenshots "$OUT"
fi
if [ -z "${QT_QPA_PLATFORM:-}" ]; then
    echo "screenshots: xvfb-run not found: rendering offscreen" >&2
fi
QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" exec "$PYTHON" -m traceapp.ui.screenshots "$OUT"
