"""The built program runs on a machine without the venv: version, headless demo, window, zbar."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
import qrcode
from PIL import Image

import traceapp
from tests.installer.conftest import BUILD_INFO, ROOT
from traceapp.db.migrate import head_revision

RUN_TIMEOUT_S = 300
PROGRAM = "TraceApp"


def workstation_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A login session's environment: no venv, no PYTHONPATH, no developer's TRACEAPP_*, its own
    home, data and settings folders, and no display (offscreen)."""
    home = tmp_path / "home"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TRACEAPP_DATA_DIR": str(tmp_path / "data"),
        "TRACEAPP_CONFIG_DIR": str(tmp_path / "config"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.update(extra)
    return env


def run(command: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run from a folder that is neither the checkout nor the bundle."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return subprocess.run(
        command,
        cwd=elsewhere,
        env=workstation_env(tmp_path, **extra),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_the_bundle_prints_the_package_version(bundle: Path, tmp_path: Path) -> None:
    done = run([str(bundle / PROGRAM), "--version"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"traceapp {traceapp.__version__}\n"


def test_the_bundle_carries_no_interpreter_of_the_build_machine(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert list(internal.glob("libpython3*.so*")), "the bundle must bring its own libpython"
    # Nothing in the bundle points back into the checkout or its venv.
    linked = [p for p in bundle.rglob("*") if p.is_symlink()]
    outside = [p for p in linked if not p.resolve().is_relative_to(bundle.resolve())]
    assert outside == []


def test_the_headless_demo_writes_the_plant_spreadsheet_and_pdf(
    bundle: Path, tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    done = run(
        [str(bundle / PROGRAM), "demo", "--headless", "--out", str(out), "--lots", "120"],
        tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Demo plant built in" in done.stdout
    assert "Recall drill" in done.stdout
    plant = out / "plant.db"
    assert plant.stat().st_size > 100_000  # migrated by the bundled Alembic scripts, then filled
    [xlsx] = out.glob("recall-*.xlsx")
    [pdf] = out.glob("recall-*.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 20_000
    assert b"/FontFile2" in pdf.read_bytes()  # reportlab's Vera embedded: the fonts came along
    with zipfile.ZipFile(xlsx) as book:
        assert "xl/workbook.xml" in book.namelist()
        assert len(book.read("xl/worksheets/sheet1.xml")) > 2_000
    # The database the bundle made is at the newest schema of this checkout.
    info = run(
        [str(bundle / PROGRAM), "db", "info", "--db", f"sqlite:///{plant}", "--json"], tmp_path
    )
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["revision"] == head_revision()


def test_the_window_opens_from_the_bundle_and_takes_input(bundle: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    database = tmp_path / "window.db"
    done = run(
        [str(bundle / PROGRAM), "gui", "--db", f"sqlite:///{database}"],
        tmp_path,
        TRACEAPP_STARTUP_MARKER_FILE=str(marker),
        TRACEAPP_QUIT_WHEN_READY="1",
        TRACEAPP_ADMIN_PASSWORD="first-start-Passw0rd",
    )
    assert done.returncode == 0, done.stderr
    marks = [line.split()[0] for line in marker.read_text(encoding="utf-8").splitlines()]
    assert marks[:2] == ["shown", "ready"]
    # No Qt plugin or library the window needed was left out of the bundle.
    assert "Could not load the Qt platform plugin" not in done.stderr
    assert "cannot open shared object" not in done.stderr


def test_the_live_monitors_recorder_child_runs_from_the_bundle(
    bundle: Path, tmp_path: Path
) -> None:
    """The window starts its recorder as `sys.executable -m traceapp.services.recorder_service`
    (traceapp/ui/recorder_process.py); in the bundle sys.executable is the program itself."""
    from sqlalchemy import func, select

    from traceapp.db.models.sensors import sensor_readings
    from traceapp.db.uow import UnitOfWork
    from traceapp.services.database import open_database
    from traceapp.services.masterdata import ensure_builtin_users
    from traceapp.services.recorder_service import DB_VARIABLE
    from traceapp.ui.recorder_process import SERVICE_MODULE

    url = f"sqlite:///{tmp_path / 'recorded.db'}"
    engine, _ = open_database(url)
    with UnitOfWork(engine) as uow:
        ensure_builtin_users(uow)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = [str(bundle / PROGRAM), "-m", SERVICE_MODULE,
               "--source", "simulator://?channels=2&rate=20&seed=1&site=bundle"]  # fmt: skip
    child = subprocess.Popen(
        command,
        cwd=elsewhere,
        env=workstation_env(tmp_path, **{DB_VARIABLE: url, "PYTHONUNBUFFERED": "1"}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    states: list[dict[str, object]] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:  # a status line a second
            states.append(json.loads(line))
            if states[-1].get("state") != "running" or int(str(states[-1]["written"])) > 0:
                break
        assert states, "the child printed no status"
        assert states[-1].get("state") == "running", states
    finally:
        child.terminate()  # as the window stops it: SIGTERM, it writes what it holds
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert json.loads(out.splitlines()[-1]) == {"state": "stopped"}
    with engine.connect() as connection:
        written = connection.execute(select(func.count()).select_from(sensor_readings))
        assert written.scalar_one() > 0
    engine.dispose()
    # Only the program's own child modules run with -m.
    refused = run([str(bundle / PROGRAM), "-m", "http.server"], tmp_path)
    assert refused.returncode == 2
    assert "not a module this program runs" in refused.stderr


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text("ascii").split()]
    return found


def test_the_window_of_the_bundle_records_its_monitoring_sources(
    bundle: Path, tmp_path: Path
) -> None:
    """`[monitoring] sources` in the settings file: the bundled window starts the recorder child
    (itself, with -m), readings reach the database, and the child ends with the window."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.exc import OperationalError

    from traceapp.db.models.sensors import sensor_readings

    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(
        '[monitoring]\nsources = ["simulator://?channels=2&rate=20&seed=1&site=bundlegui"]\n',
        encoding="utf-8",
    )
    database = tmp_path / "window.db"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    window = subprocess.Popen(
        [str(bundle / PROGRAM), "gui", "--db", f"sqlite:///{database}"],
        cwd=elsewhere,
        env=workstation_env(tmp_path, TRACEAPP_ADMIN_PASSWORD="first-start-Passw0rd"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    children: list[int] = []
    written = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and window.poll() is None:
            children = children or _children(window.pid)
            if children and database.exists():
                engine = create_engine(f"sqlite:///{database}")
                try:
                    with engine.connect() as connection:
                        query = select(func.count()).select_from(sensor_readings)
                        written = connection.execute(query).scalar_one()
                except OperationalError:  # the window is still creating its database
                    written = 0
                finally:
                    engine.dispose()
                if written > 0:
                    break
            time.sleep(0.5)
        assert window.poll() is None, window.stderr.read() if window.stderr else ""
        (child,) = children
        command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        assert command[1:3] == [b"-m", b"traceapp.services.recorder_service"]
        assert written > 0
    finally:
        window.terminate()  # as a session ending: the window stops its recorder
        _, err = window.communicate(timeout=60)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists(), err


def test_codes_are_read_with_zxing_and_pyzbar_loads_the_bundled_zbar(
    bundle: Path, tmp_path: Path
) -> None:
    qr = tmp_path / "qr.png"
    qrcode.make("TRACE-LOT-0042").save(qr)
    blank = tmp_path / "blank.png"
    Image.new("L", (240, 240), 255).save(blank)
    done = run([str(bundle / PROGRAM), "code", "decode", str(qr), "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    assert [(code["text"], code["decoder"]) for code in entry["codes"]] == [
        ("TRACE-LOT-0042", "zxing-cpp")
    ]
    assert "is not available, skipping it" not in done.stderr
    # Nothing found by zxing-cpp: the chain goes on to pyzbar, which must load libzbar from the
    # bundle (the workstation has no libzbar0), not the build machine's system copy.
    done = run([str(bundle / PROGRAM), "code", "decode", str(blank)], tmp_path, LD_DEBUG="files")
    assert done.returncode == 1, done.stderr[-3000:]
    loaded = re.findall(r"file=(\S*libzbar\.so\S*) \[0\];\s+dynamically loaded", done.stderr)
    assert loaded, "pyzbar never loaded libzbar"
    internal = (bundle / "_internal").resolve()
    assert all(Path(path).resolve().is_relative_to(internal) for path in loaded), loaded
    assert "is not available, skipping it" not in done.stderr


def test_every_bundled_library_finds_what_it_links_against(bundle: Path) -> None:
    internal = bundle / "_internal"
    libraries = [p for p in internal.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    assert len(libraries) > 50
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": f"{internal}:{internal / 'PySide6/Qt/lib'}"}
    missing: dict[str, list[str]] = {}
    for library in libraries:
        done = subprocess.run(
            ["ldd", str(library)], env=env, capture_output=True, text=True, check=False
        )
        gaps = [line.split()[0] for line in done.stdout.splitlines() if "not found" in line]
        if gaps:
            missing[str(library.relative_to(bundle))] = gaps
    assert missing == {}


def test_the_qt_plugins_are_the_chosen_few(bundle: Path) -> None:
    plugins = bundle / "_internal" / "PySide6" / "Qt" / "plugins"
    platforms = {p.name for p in (plugins / "platforms").iterdir()}
    assert platforms == {"libqxcb.so", "libqoffscreen.so"}
    assert (plugins / "imageformats" / "libqsvg.so").exists()
    assert (plugins / "iconengines" / "libqsvgicon.so").exists()
    assert not (plugins / "platformthemes" / "libqgtk3.so").exists()  # needs GTK, not shipped
    internal = bundle / "_internal"
    assert not list(internal.rglob("libQt6Quick*")), "QtQuick is not used"
    assert not list(internal.rglob("libQt6WebEngine*"))
    assert not (internal / "tkinter").exists()


def test_resources_and_migrations_are_every_file_of_the_checkout(bundle: Path) -> None:
    def files(folder: Path) -> set[str]:
        return {
            str(p.relative_to(folder))
            for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }

    internal = bundle / "_internal" / "traceapp"
    assert files(ROOT / "resources") <= files(internal / "resources")
    assert files(ROOT / "traceapp" / "db" / "migrations") <= files(internal / "db" / "migrations")


def test_the_tarball_holds_the_program_folder(bundle: Path) -> None:
    info = json.loads(BUILD_INFO.read_text(encoding="utf-8"))
    if bundle.resolve() != (ROOT / "dist" / "TraceApp").resolve() or not info.get("tarball"):
        pytest.skip("this bundle was given as it is, without the tar.gz of build_linux.sh")
    tarball = ROOT / info["tarball"]
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    assert {"TraceApp/TraceApp", "TraceApp/install.sh", "TraceApp/traceapp.desktop"} <= names
    assert "TraceApp/_internal/traceapp/resources/icons/traceapp.svg" in names


def test_the_menu_entry_is_valid(bundle: Path) -> None:
    validator = shutil.which("desktop-file-validate")
    assert validator, "desktop-file-validate missing: bash scripts/bootstrap.sh --installer"
    done = subprocess.run(
        [validator, str(bundle / "traceapp.desktop")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""  # not even a hint


def test_install_puts_program_command_menu_entry_and_icon_in_place(
    bundle: Path, tmp_path: Path
) -> None:
    prefix, bindir, datadir = tmp_path / "opt" / "traceapp", tmp_path / "bin", tmp_path / "share"
    layout = {"PREFIX": str(prefix), "BINDIR": str(bindir), "DATADIR": str(datadir)}
    env = {"PATH": os.environ["PATH"], **layout}
    done = subprocess.run(
        ["sh", str(bundle / "install.sh")], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    entry = (datadir / "applications" / "traceapp.desktop").read_text(encoding="utf-8")
    assert f"Exec={prefix}/TraceApp\n" in entry
    icon = datadir / "icons" / "hicolor" / "scalable" / "apps" / "traceapp.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "icons" / "traceapp.svg").read_bytes()
    # The command on PATH is a link to the program; the program finds its folder through it.
    version = run([str(bindir / "traceapp"), "--version"], tmp_path)
    assert version.stdout == f"traceapp {traceapp.__version__}\n", version.stderr

    done = subprocess.run(
        ["sh", str(prefix / "install.sh"), "--uninstall"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert not prefix.exists()
    assert not (bindir / "traceapp").exists()
    assert not icon.exists()
