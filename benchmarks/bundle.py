"""Size of the PyInstaller bundle, its build time, and its start-up next to `python -m traceapp`.

    .venv/bin/python benchmarks/bundle.py [--build] [--runs 5] [--out benchmarks/results/bundle.json]

Without --build the bundle in dist/TraceApp (from `bash installer/build_linux.sh`) is measured and
its build time read from dist/TraceApp.build.json; with --build it is built first and timed here.
Size: the whole folder, and its ten largest components (the entries of _internal/, plus the
program file), each counting every file under it. Start-up, interleaved so load hits both alike:
`TraceApp --version` vs `python -m traceapp --version`, and `TraceApp gui` vs `python -m traceapp
gui` on a migrated demo plant, to the main window's first showEvent and to the sign-in screen
taking input (the marker protocol of benchmarks/gui_startup.py). Every start gets a clean
environment (PATH, HOME and XDG folders in a temporary directory, QT_QPA_PLATFORM), from a folder
that is neither the checkout nor the bundle. Wall times are medians; the children's CPU time is
reported too, since the machine is shared.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "dist" / "TraceApp"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "bundle.json"
BUILD_INFO = "TraceApp.build.json"  # written beside the bundle by installer/build_linux.sh
PROGRAM = "TraceApp"
RUN_TIMEOUT_S = 180
MB = 1_000_000


def _gui_startup() -> ModuleType:
    """benchmarks/gui_startup.py, whose marker protocol and summaries this reuses."""
    spec = importlib.util.spec_from_file_location(
        "benchmark_gui_startup_for_bundle", Path(__file__).with_name("gui_startup.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _file_bytes(path: Path) -> int:
    if path.is_symlink() or not path.is_file():
        return 0  # a link's target is counted where it lives
    return path.stat().st_size


def _tree_bytes(path: Path) -> tuple[int, int]:
    """Bytes and files under `path` (itself if a file), links not followed."""
    if not path.is_dir() or path.is_symlink():
        return _file_bytes(path), 1 if _file_bytes(path) else 0
    sizes = [_file_bytes(p) for p in path.rglob("*")]
    return sum(sizes), sum(1 for size in sizes if size)


def size_report(bundle: Path, top: int = 10) -> dict[str, Any]:
    """The folder's total size and its `top` largest components.

    A component is an entry of _internal/ (a package folder such as PySide6 or cv2, a vendored
    .libs folder, or a shared library), or a file beside the program; each counts all its files.
    """
    if not (bundle / PROGRAM).exists():
        raise FileNotFoundError(
            f"{bundle} has no {PROGRAM}: build it with installer/build_linux.sh"
        )
    components: list[tuple[str, int, int]] = []
    for entry in sorted(bundle.iterdir()):
        if entry.name == "_internal" and entry.is_dir():
            for inner in sorted(entry.iterdir()):
                size, files = _tree_bytes(inner)
                components.append((f"_internal/{inner.name}", size, files))
        else:
            size, files = _tree_bytes(entry)
            components.append((entry.name, size, files))
    total = sum(size for _, size, _ in components)
    ordered = sorted(components, key=lambda item: (-item[1], item[0]))
    return {
        "total_bytes": total,
        "total_mb": round(total / MB, 1),
        "files": sum(files for _, _, files in components),
        "components": len(components),
        "largest": [
            {
                "component": name,
                "bytes": size,
                "mb": round(size / MB, 1),
                "share": round(size / total, 3) if total else 0.0,
            }
            for name, size, _ in ordered[:top]
        ],
    }


def clean_env(workdir: Path, qt_platform: str) -> dict[str, str]:
    """What a workstation session offers: no venv, no PYTHONPATH, data and settings of its own."""
    home = workdir / "home"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TRACEAPP_CONFIG_DIR": str(home / ".config" / "traceapp"),
        "TRACEAPP_DATA_DIR": str(home / ".local" / "share" / "traceapp"),
        "QT_QPA_PLATFORM": qt_platform,
    }
    for name in ("DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"):
        if qt_platform != "offscreen" and name in os.environ:
            env[name] = os.environ[name]
    return env


def _run_timed(
    command: list[str], env: dict[str, str], cwd: Path
) -> tuple[subprocess.CompletedProcess[str], float, float, float]:
    """Run; returns the result, the spawn instant, the wall ms and the child's CPU ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.time()
    started = time.perf_counter()
    done = subprocess.run(
        command,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_ms = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{command} exited with {done.returncode}: {done.stderr[-2000:]}")
    return done, began, wall_ms, cpu_ms


def time_version(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    done, _, wall_ms, cpu_ms = _run_timed([*command, "--version"], env, cwd)
    if not done.stdout.startswith("traceapp "):
        raise RuntimeError(f"{command} --version printed {done.stdout!r}")
    return {"wall_ms": wall_ms, "cpu_ms": cpu_ms}


def time_window(
    command: list[str], url: str, env: dict[str, str], cwd: Path, marker: Path, markers: ModuleType
) -> dict[str, float]:
    marker.unlink(missing_ok=True)
    env = {**env, markers.MARKER_ENV: str(marker), markers.QUIT_ENV: "1"}
    _, began, wall_ms, cpu_ms = _run_timed([*command, "gui", "--db", url], env, cwd)
    marks = dict(line.split() for line in marker.read_text(encoding="utf-8").splitlines())
    return {
        "shown_ms": (float(marks["shown"]) - began) * 1000,
        "ready_ms": (float(marks["ready"]) - began) * 1000,
        "exit_ms": wall_ms,
        "cpu_ms": cpu_ms,
    }


def build(bundle: Path) -> dict[str, Any]:
    """Run installer/build_linux.sh and time it (only for the default dist/TraceApp)."""
    if bundle.resolve() != DEFAULT_BUNDLE.resolve():
        raise SystemExit("--build makes dist/TraceApp; do not combine it with --bundle")
    started = time.perf_counter()
    subprocess.run(["bash", str(ROOT / "installer" / "build_linux.sh")], cwd=ROOT, check=True)
    return {"build_seconds_measured_here": round(time.perf_counter() - started, 1)}


def build_info(bundle: Path) -> dict[str, Any] | None:
    path = bundle.parent / BUILD_INFO
    if not path.exists():
        return None
    info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return info


def measure_starts(
    bundle: Path, runs: int, lots: int, qt_platform: str, workdir: Path
) -> dict[str, Any]:
    markers = _gui_startup()
    elsewhere = workdir / "cwd"  # neither the checkout nor the bundle
    elsewhere.mkdir(exist_ok=True)
    env = clean_env(workdir, qt_platform)
    commands = {
        "bundle": [str(bundle / PROGRAM)],
        "venv": [sys.executable, "-m", "traceapp"],
    }
    # The venv runs traceapp from this checkout, the one the bundle is built from (not from
    # wherever the venv's editable install points).
    envs = {"bundle": env, "venv": {**env, "PYTHONPATH": str(ROOT)}}
    # The plant is made by this checkout's `traceapp demo`, so its schema is the bundle's.
    plant = workdir / "plant"
    shutil.rmtree(plant, ignore_errors=True)
    demo = [*commands["venv"], "demo", "--headless", "--out", str(plant), "--lots", str(lots)]
    _run_timed([*demo, "--days", "5"], envs["venv"], elsewhere)
    url = f"sqlite:///{plant / 'plant.db'}"
    for name, command in commands.items():  # warm the OS file cache; not counted
        time_window(command, url, envs[name], elsewhere, workdir / "marker-warm.txt", markers)
    version: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    window: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    for i in range(runs):
        for name, command in commands.items():
            version[name].append(time_version(command, envs[name], elsewhere))
            marker = workdir / f"marker-{name}-{i}.txt"
            window[name].append(time_window(command, url, envs[name], elsewhere, marker, markers))

    def figures(name: str) -> dict[str, Any]:
        summary = markers._summary
        return {
            "version": summary([r["wall_ms"] for r in version[name]]),
            "version_cpu": summary([r["cpu_ms"] for r in version[name]]),
            "first_window": summary([r["shown_ms"] for r in window[name]]),
            "sign_in_ready": summary([r["ready_ms"] for r in window[name]]),
            "gui_cpu": summary([r["cpu_ms"] for r in window[name]]),
        }

    return {
        "command": {name: " ".join(command) for name, command in commands.items()},
        "bundle": figures("bundle"),
        "venv": figures("venv"),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="the program folder")
    parser.add_argument("--build", action="store_true", help="build it first, timing the build")
    parser.add_argument("--runs", type=int, default=5, help="starts of each kind (median)")
    parser.add_argument("--lots", type=int, default=1000, help="demo plant size for the window")
    parser.add_argument("--top", type=int, default=10, help="largest components to list")
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM of the runs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument("--workdir", type=Path, help="folder for the plant (default: temporary)")
    args = parser.parse_args(argv)

    built = build(args.bundle) if args.build else {}
    size = size_report(args.bundle, args.top)
    with tempfile.TemporaryDirectory(prefix="traceapp-bundle-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        starts = measure_starts(args.bundle, args.runs, args.lots, args.platform, workdir)

    info = build_info(args.bundle)
    report: dict[str, Any] = {
        "benchmark": "bundle",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "what": (
            "PyInstaller one-folder bundle (installer/traceapp.spec): size; build time; fresh "
            "processes in a clean environment, bundle vs `python -m traceapp` in the venv, "
            "interleaved: `--version`, and `gui` on a migrated SQLite demo plant to the main "
            "window's first showEvent (first_window) and the sign-in screen taking input"
        ),
        "bundle": str(args.bundle),
        "size": size,
        "build": {**(info or {}), **built} or None,
        "runs": args.runs,
        "lots": args.lots,
        "qt_platform": args.platform,
        "start": starts,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    bundle_start, venv_start = starts["bundle"], starts["venv"]
    print(
        f"bundle: {size['total_mb']} MB in {size['files']} files; first window "
        f"{bundle_start['first_window']['median_ms']} ms (venv {venv_start['first_window']['median_ms']} ms); "
        f"--version {bundle_start['version']['median_ms']} ms (venv {venv_start['version']['median_ms']} ms) "
        f"-> {args.out}"
    )
    return report


if __name__ == "__main__":
    main()
    sys.exit(0)
