#!/usr/bin/env bash
# Make this checkout runnable: system packages (Debian/Ubuntu), then .venv with pinned deps.
#
#   bash scripts/bootstrap.sh          # runtime deps:          pip install -e .
#   bash scripts/bootstrap.sh --test   # plus the test tools:   pip install -e ".[test]"
#   bash scripts/bootstrap.sh --installer  # plus PyInstaller (installer/build_linux.sh uses it)
#                                      # and binutils + desktop-file-utils from apt
#
# Idempotent and fast when nothing is missing: one dpkg-query call decides whether apt is
# needed, and pip is skipped while .venv/.bootstrap-stamp matches the hash of pyproject.toml,
# constraints.txt and setup.py (plus the extras and the venv's Python). Extras add up: a venv
# bootstrapped with --installer keeps PyInstaller when --test comes next.
#
# Environment:
#   PYTHON=/path/to/python3.11+     interpreter used to create .venv (default: python3, then
#                                   python3.13 / python3.12 / python3.11 on PATH)
#   TRACEAPP_SKIP_SYSTEM_DEPS=1     do not check or install system packages
#   TRACEAPP_FORCE_PIP=1            run pip even when the stamp matches
#
# Called (not sourced) by scripts/run.sh and scripts/test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

EXTRAS=""
INSTALLER=0
for arg in "$@"; do
    case "$arg" in
        --test) EXTRAS="${EXTRAS:+$EXTRAS,}test" ;;
        --installer)
            EXTRAS="${EXTRAS:+$EXTRAS,}installer"
            INSTALLER=1
            ;;
        -h | --help)
            sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "bootstrap: unknown argument: $arg (use --test, --installer or nothing)" >&2
            exit 2
            ;;
    esac
done

say() { echo "bootstrap: $*" >&2; }

# --------------------------------------------------------------------------------------------
# 1. System packages
# --------------------------------------------------------------------------------------------
# Checked with `ldd` against the PySide6-Essentials 6.11.3 wheel: the xcb platform plugin
# (libqxcb + libQt6XcbQpa), offscreen, wayland, QtGui/QtWidgets/QtOpenGL/QtDBus/QtSvg/
# QtPrintSupport/QtTest. The GTK3 platform theme plugin is optional and not covered.
QT_PACKAGES=(
    libglib2.0-0 libgl1 libegl1 libfontconfig1 libfreetype6 libdbus-1-3
    libxkbcommon0 libxkbcommon-x11-0
    libx11-6 libx11-xcb1 libxext6 libxrender1
    libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
    libxcb-util1 libxcb-xfixes0 libxcb-xkb1
    libwayland-client0 libwayland-cursor0 libwayland-egl1
)
APP_PACKAGES=(
    libzbar0        # pyzbar loads it with ctypes
    xvfb xauth      # xvfb-run: screenshots, tests that want a real X server
    poppler-utils   # pdftoppm: look at generated PDF reports
    fonts-dejavu-core
)
SYSTEM_PACKAGES=("${QT_PACKAGES[@]}" "${APP_PACKAGES[@]}")
if [ "$INSTALLER" = 1 ]; then
    # PyInstaller reads binaries with objdump; tests/installer validates the menu entry.
    SYSTEM_PACKAGES+=(binutils desktop-file-utils)
fi

# Run a command as root: directly, through non-interactive sudo, or not at all (returns 1).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

# Prints the packages of "$@" that dpkg does not have installed. Ubuntu 24.04 / Debian 13
# renamed some libraries with a t64 suffix; either name counts as installed.
missing_debs() {
    local installed
    installed="$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' 2>/dev/null |
        awk '$2 == "installed" { print $1 }' | sed 's/:.*//')"
    local pkg
    for pkg in "$@"; do
        if ! grep -qxF -e "$pkg" -e "${pkg}t64" <<<"$installed"; then
            echo "$pkg"
        fi
    done
}

# True when this release's apt can install the package (needs a fresh `apt-get update`).
apt_has() { apt-cache policy "$1" 2>/dev/null | grep 'Candidate: [^(]' >/dev/null; }

# Maps names to what this release's apt knows (Ubuntu 24.04 / Debian 13 t64 renames).
apt_names() {
    local pkg
    for pkg in "$@"; do
        if ! apt_has "$pkg" && apt_has "${pkg}t64"; then
            echo "${pkg}t64"
        else
            echo "$pkg"
        fi
    done
}

apt_install() {
    local missing=("$@")
    say "installing system packages: ${missing[*]}"
    if ! as_root true 2>/dev/null; then
        say "not root and no passwordless sudo: cannot install them. Run, as root:"
        echo "    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    mapfile -t names < <(apt_names "${missing[@]}")
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${names[@]}" >/dev/null
}

system_deps() {
    if [ "${TRACEAPP_SKIP_SYSTEM_DEPS:-}" = 1 ]; then
        return
    fi
    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        say "not a Debian/Ubuntu system: cannot check system packages. TraceApp needs:"
        say "  - ZBar shared library (libzbar.so.0), for pyzbar"
        say "  - Qt 6 runtime libraries for xcb: OpenGL/EGL, fontconfig, freetype, glib2, dbus,"
        say "    xkbcommon + xkbcommon-x11, xcb-cursor, xcb-icccm, xcb-image, xcb-keysyms,"
        say "    xcb-randr, xcb-render-util, xcb-shape, xcb-xkb, xcb-xfixes, X11-xcb"
        say "  - Xvfb + xauth (xvfb-run), poppler utils (pdftoppm), DejaVu fonts"
        say "Debian names: ${SYSTEM_PACKAGES[*]}"
        say "continuing; set TRACEAPP_SKIP_SYSTEM_DEPS=1 to silence this"
        return
    fi
    mapfile -t missing < <(missing_debs "${SYSTEM_PACKAGES[@]}")
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

# --------------------------------------------------------------------------------------------
# 2. Python >= 3.11 and .venv
# --------------------------------------------------------------------------------------------
py_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; }

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 && py_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

make_venv() {
    local python
    if ! python="$(find_python)"; then
        local found="none"
        command -v python3 >/dev/null 2>&1 && found="$(python3 --version 2>&1)"
        say "TraceApp needs Python >= 3.11; python3 on PATH is: $found."
        say "Install Python 3.11 or newer (Debian 12: apt-get install python3; Ubuntu 22.04: the"
        say "python3.11 and python3.11-venv packages) and re-run, or set PYTHON=/path/to/python3.11."
        exit 1
    fi
    if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
        local ver
        ver="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        if command -v apt-get >/dev/null 2>&1 && [ "${python#/usr/bin/}" != "$python" ]; then
            mapfile -t missing < <(missing_debs python3-venv "python${ver}-venv")
            if [ "${#missing[@]}" -gt 0 ]; then
                apt_install "${missing[@]}"
            fi
        fi
        if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
            say "$python has no working venv module. On Debian/Ubuntu install python3-venv"
            say "(or python${ver}-venv); elsewhere, install a Python build that includes venv."
            exit 1
        fi
    fi
    say "creating .venv with $python ($("$python" --version 2>&1))"
    "$python" -m venv --clear .venv
    # Python's bundled pip is old; take the pinned one from constraints.txt.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt --upgrade pip
}

venv_ok() { [ -x .venv/bin/python ] && py_ok .venv/bin/python && .venv/bin/python -m pip --version >/dev/null 2>&1; }

# --------------------------------------------------------------------------------------------
# 3. pip install, skipped while the stamp matches
# --------------------------------------------------------------------------------------------
STAMP=.venv/.bootstrap-stamp

# The union of two comma-separated extras lists, sorted ("test,installer" + "test").
merge_extras() { tr ',' '\n' <<<"$1,$2" | sed '/^$/d' | sort -u | paste -sd, -; }

deps_hash() {
    {
        cat pyproject.toml constraints.txt setup.py 2>/dev/null
        .venv/bin/python -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

pip_install() {
    local hash target stamped_hash="" stamped_extras=""
    hash="$(deps_hash)"
    if [ -f "$STAMP" ] && [ -f .venv/bin/traceapp ]; then
        read -r stamped_hash stamped_extras <"$STAMP" || true
    fi
    # Keep what an earlier run installed: the extras asked for now plus the stamped ones.
    EXTRAS="$(merge_extras "$EXTRAS" "${stamped_extras:-}")"
    if [ "${TRACEAPP_FORCE_PIP:-}" != 1 ] && [ -n "$stamped_hash" ]; then
        # A venv with the test extras also serves run.sh.
        if [ "$stamped_hash" = "$hash" ] && [ "${stamped_extras:-}" = "$EXTRAS" ]; then
            return
        fi
    fi
    target="."
    [ -n "$EXTRAS" ] && target=".[$EXTRAS]"
    say "pip install -c constraints.txt -e \"$target\""
    rm -f "$STAMP"
    PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/python -m pip install --quiet \
        -c constraints.txt -e "$target"
    echo "$hash ${EXTRAS:-}" >"$STAMP"
}

system_deps
if ! venv_ok; then
    make_venv
fi
pip_install
