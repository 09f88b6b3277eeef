#!/bin/sh
# Install (or remove) the TraceApp bundle this script sits in: /opt/traceapp, a `traceapp` command
# and a menu entry with the icon. Run as root from the unpacked tar.gz:
#
#   tar -xzf TraceApp-<version>-linux-x86_64.tar.gz && sudo TraceApp/install.sh
#   sudo /opt/traceapp/install.sh --uninstall
#
# PREFIX=/opt/traceapp (program folder), BINDIR=/usr/local/bin, DATADIR=/usr/share (menu entry and
# icon); DESTDIR=/some/root stages everything under that root instead (packaging, tests).
# Each user's data (the embedded database, settings) stays in their home folder and is never
# touched here.
set -eu

PREFIX="${PREFIX:-/opt/traceapp}"
BINDIR="${BINDIR:-/usr/local/bin}"
DATADIR="${DATADIR:-/usr/share}"
DESTDIR="${DESTDIR:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"

APPS="$DESTDIR$DATADIR/applications"
ICONS="$DESTDIR$DATADIR/icons/hicolor"
DESKTOP="$APPS/traceapp.desktop"
ICON="$ICONS/scalable/apps/traceapp.svg"

refresh_menus() {
    # Desktops re-read menus and icons by themselves; these make it immediate where available.
    [ -n "$DESTDIR" ] && return 0
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DATADIR/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$DATADIR/icons/hicolor" || true
    fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$DESKTOP" "$ICON" "$DESTDIR$BINDIR/traceapp"
    rm -rf "$DESTDIR$PREFIX"
    refresh_menus
    echo "TraceApp removed ($PREFIX). Users' databases and settings in their home folders are kept."
    exit 0
elif [ -n "${1:-}" ]; then
    echo "install.sh: unknown argument: $1 (use --uninstall or nothing)" >&2
    exit 2
fi

if [ ! -x "$HERE/TraceApp" ] || [ ! -d "$HERE/_internal" ]; then
    echo "install.sh: run me from the unpacked TraceApp folder (TraceApp and _internal/ beside me)" >&2
    exit 1
fi

# A fresh copy: files of an older version must not linger among the new one's.
if [ "$HERE" != "$DESTDIR$PREFIX" ]; then
    rm -rf "$DESTDIR$PREFIX"
    mkdir -p "$DESTDIR$PREFIX"
    cp -a "$HERE/." "$DESTDIR$PREFIX/"
fi

mkdir -p "$DESTDIR$BINDIR" "$APPS" "$ICONS/scalable/apps"
ln -sfn "$PREFIX/TraceApp" "$DESTDIR$BINDIR/traceapp"
# The entry names /opt/traceapp; another PREFIX is written into the copy that is installed.
sed "s#/opt/traceapp/#$PREFIX/#g" "$HERE/traceapp.desktop" >"$DESKTOP"
chmod 644 "$DESKTOP"
install -m 644 "$HERE/_internal/traceapp/resources/icons/traceapp.svg" "$ICON"
refresh_menus

echo "TraceApp installed in $PREFIX; menu entry $DATADIR/applications/traceapp.desktop;"
echo "command: $BINDIR/traceapp (e.g. traceapp --version, traceapp demo --out ~/demo)."
