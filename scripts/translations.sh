#!/usr/bin/env bash
# Update the translations of the workstation's wrapped strings and build the files it loads.
#
#   bash scripts/translations.sh            lupdate -> resources/translations/traceapp_de.ts,
#                                           lrelease -> traceapp_de.qm (both are committed)
#
# Strings are wrapped in traceapp/ui/scan_station/*.py (QCoreApplication.translate with the
# context "ScanStation", QT_TRANSLATE_NOOP for constants), main_window.py ("Navigation"), the
# lots page, lots_page.py and lot_table.py ("Lots"), station_picker.py ("StationPicker") and
# status_bar.py ("StatusBar"). After this script, translate what
# it reports as unfinished (pyside6-linguist resources/translations/traceapp_de.ts, or edit the
# XML), run it again, and commit the .ts and the .qm. tests/ui/test_translation.py fails while
# a string of the scan station is unfinished, equals its source text or loses a {placeholder}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.venv/bin"
SOURCES=("$ROOT"/traceapp/ui/scan_station/*.py "$ROOT"/traceapp/ui/main_window.py
    "$ROOT"/traceapp/ui/lots_page.py "$ROOT"/traceapp/ui/lot_table.py
    "$ROOT"/traceapp/ui/station_picker.py "$ROOT"/traceapp/ui/status_bar.py)
LANGUAGES=(de)

for language in "${LANGUAGES[@]}"; do
    ts="$ROOT/resources/translations/traceapp_${language}.ts"
    "$BIN/pyside6-lupdate" -no-obsolete "${SOURCES[@]}" -ts "$ts"
    "$BIN/pyside6-lrelease" "$ts" -qm "${ts%.ts}.qm"
done
