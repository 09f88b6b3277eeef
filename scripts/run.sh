#!/usr/bin/env bash
# Run TraceApp from this checkout on the embedded SQLite default (installs what is missing first).
#
#   bash scripts/run.sh [ARGS...]
#
# With a display ($DISPLAY or $WAYLAND_DISPLAY set):  .venv/bin/traceapp gui [ARGS...]
# Without one, or with TRACEAPP_HEADLESS=1:            .venv/bin/traceapp demo --headless --out DIR [ARGS...]
#   DIR is $TRACEAPP_DEMO_OUT, default ./demo-out (in the current directory), rebuilt on each run;
#   an --out in ARGS wins (and is never overwritten).
# ARGS go to the subcommand, e.g. `bash scripts/run.sh --db postgresql+psycopg://host/db`
# or, headless, `bash scripts/run.sh --seed 7 --lots 50 --days 3`.
set -euo pipefail

# Paths in ARGS (and ./demo-out) are relative to where you run this from.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRACEAPP="$ROOT/.venv/bin/traceapp"

bash "$ROOT/scripts/bootstrap.sh"

if [ -z "${TRACEAPP_HEADLESS:-}" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
    exec "$TRACEAPP" gui "$@"
fi

out=()
has_out=0
for arg in "$@"; do
    case "$arg" in --out | --out=*) has_out=1 ;; esac
done
if [ "$has_out" = 0 ]; then
    # Our own demo folder: rebuild it on every run so the command can be repeated as written.
    out=(--out "${TRACEAPP_DEMO_OUT:-./demo-out}" --fresh)
fi
if [ -n "${TRACEAPP_HEADLESS:-}" ]; then
    echo "run: TRACEAPP_HEADLESS is set: running the headless demo" >&2
else
    echo "run: no display (DISPLAY/WAYLAND_DISPLAY unset): running the headless demo" >&2
fi
exec "$TRACEAPP" demo --headless "${out[@]}" "$@"
