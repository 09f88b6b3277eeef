"""The built wheel carries what the app needs at run time: migrations, resources, type marker."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from traceapp.db import migrate

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "traceapp" / "db" / "migrations" / "versions"


@pytest.mark.slow
def test_an_installed_wheel_finds_its_resources_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("traceapp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "traceapp/resources/icons/traceapp.svg",
        "traceapp/resources/icons/scan.svg",
        "traceapp/resources/themes/traceapp.qss",
        "traceapp/resources/themes/dark.toml",
        "traceapp/resources/translations/traceapp_de.qm",
        "traceapp/resources/sounds/ok.wav",
        "traceapp/resources/sounds/warning.wav",
        "traceapp/db/migrations/env.py",
        "traceapp/db/migrations/script.py.mako",
        *(f"traceapp/db/migrations/versions/{p.name}" for p in MIGRATIONS.glob("0*.py")),
        "traceapp/py.typed",
    ):
        assert expected in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "import traceapp, importlib.resources as r; from traceapp.db import migrate; "
        "print(traceapp.__file__); print(r.files('traceapp.resources').joinpath('icons/traceapp.svg').is_file()); "
        "print(migrate.head_revision())"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    location, has_icon, head = out.stdout.split()
    assert location.startswith(str(target))
    assert has_icon == "True"
    assert head == migrate.head_revision()
