#!/usr/bin/env bash
# Build the Linux program folder and its tar.gz from this checkout, in one command:
#
#   bash installer/build_linux.sh
#
# Output:  dist/TraceApp/                                the program (dist/TraceApp/TraceApp)
#          dist/TraceApp-<version>-linux-x86_64.tar.gz   what IT copies to a workstation
#          dist/TraceApp.build.json                      version, build seconds, sizes
#          build/build_linux.log                         PyInstaller's output
# Install on a workstation: unpack, then `sudo TraceApp/install.sh` (installer/linux/install.sh).
#
# PyInstaller comes from the `installer` extra (pinned in constraints.txt), installed into .venv
# by scripts/bootstrap.sh --installer. The bundle is built on (and for) this OS and glibc: build
# on the oldest Linux the workstations run.
#   TRACEAPP_BUNDLE_NO_TAR=1   skip the tar.gz (tests that only start the program)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { echo "build_linux: $*" >&2; }

bash scripts/bootstrap.sh --installer

version="$(.venv/bin/python -c 'import traceapp; print(traceapp.__version__)')"
arch="$(uname -m)"
mkdir -p build dist
log=build/build_linux.log

say "PyInstaller: installer/traceapp.spec -> dist/TraceApp (log: $log)"
started=$(date +%s.%N)
if ! .venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
    --workpath build/pyinstaller installer/traceapp.spec >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    say "PyInstaller failed; the whole output is in $log"
    exit 1
fi
# A Python built from source (pyenv) keeps debug info in libpython and the standard library's
# extension modules (~20 MB), of no use on a workstation. Only those are stripped: libraries from
# wheels were edited by auditwheel/patchelf, and strip can break such files.
internal=dist/TraceApp/_internal
find "$internal" -maxdepth 1 -name 'libpython3*.so*' -type f -exec strip --strip-debug {} +
if compgen -G "$internal/python3.*/lib-dynload" >/dev/null; then
    find "$internal"/python3.*/lib-dynload -name '*.so' -type f -exec strip --strip-debug {} +
fi
built=$(date +%s.%N)

# Beside the program: the menu entry and the install script (they use _internal's icon).
install -m 644 installer/linux/traceapp.desktop dist/TraceApp/traceapp.desktop
install -m 755 installer/linux/install.sh dist/TraceApp/install.sh

tarball=""
if [ "${TRACEAPP_BUNDLE_NO_TAR:-}" != 1 ]; then
    tarball="dist/TraceApp-${version}-linux-${arch}.tar.gz"
    say "packing $tarball"
    tar -C dist -czf "$tarball.part" TraceApp
    mv "$tarball.part" "$tarball"
fi
finished=$(date +%s.%N)

# The build's own figures, read by benchmarks/bundle.py and tests/installer.
.venv/bin/python - "$version" "$started" "$built" "$finished" "$tarball" <<'EOF'
import json, os, sys
from datetime import UTC, datetime
from pathlib import Path

version, started, built, finished, tarball = sys.argv[1:]
folder = Path("dist/TraceApp")
size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
info = {
    "version": version,
    "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    "pyinstaller_seconds": round(float(built) - float(started), 1),
    "total_seconds": round(float(finished) - float(started), 1),
    "bundle": str(folder),
    "bundle_bytes": size,
    "tarball": tarball or None,
    "tarball_bytes": os.path.getsize(tarball) if tarball else None,
    "load_average": [round(x, 2) for x in os.getloadavg()],
}
Path("dist/TraceApp.build.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
mb = size / 1e6
print(f"build_linux: dist/TraceApp ({mb:.0f} MB) in {info['pyinstaller_seconds']} s"
      + (f"; {tarball} ({info['tarball_bytes'] / 1e6:.0f} MB)" if tarball else ""), file=sys.stderr)
EOF
