"""The `traceapp` command itself: version, db commands, sources, errors and exit codes, demo, gui."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import traceapp
from tests.cli.conftest import clean_env
from traceapp.cli import lot_commands, main
from traceapp.db.migrate import head_revision
from traceapp.db.uow import UnitOfWork
from traceapp.services import masterdata

TIMEOUT_S = 120
BUILDER = "traceapp.services.demo.builder"


def run_cli(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(TRACEAPP_CONFIG_DIR=str(home / "config"), TRACEAPP_DATA_DIR=str(home / "data"))
    return subprocess.run(
        [sys.executable, "-m", "traceapp", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        check=False,
    )


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user settings, no TRACEAPP_DB, no display: every test says what it needs."""
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'plant' / 'trace.db'}"


def test_version_prints_the_package_version(home: Path) -> None:
    done = run_cli(["--version"], home)
    assert done.returncode == 0
    assert done.stdout.strip() == f"traceapp {traceapp.__version__}"


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    for code in ("2", "3", "4", "70"):
        assert f"\n  {code} " in out


def test_db_upgrade_then_info_on_a_new_sqlite_file(home: Path, sqlite_url: str) -> None:
    db_file = Path(sqlite_url.removeprefix("sqlite:///"))

    before = run_cli(["--db", sqlite_url, "--json", "db", "info"], home)
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["revision"] is None
    assert not db_file.exists()

    upgraded = run_cli(["--db", sqlite_url, "db", "upgrade"], home)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"schema revision {head_revision()}" in upgraded.stdout

    info = run_cli(["db", "info", "--json", "--db", sqlite_url], home)
    assert info.returncode == 0, info.stderr
    described = json.loads(info.stdout)
    assert described["url"] == sqlite_url
    assert described["source"] == "command_line"
    assert described["dialect"] == "sqlite"
    assert described["revision"] == described["head"] == head_revision()
    assert described["up_to_date"] is True
    assert described["counts"]["lots"] == described["counts"]["events"] == 0


def test_db_upgrade_of_a_current_database_makes_no_backup(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert call(capsys, "--db", sqlite_url, "db", "upgrade")[0] == 0
    code, out, _ = call(capsys, "--db", sqlite_url, "--json", "db", "upgrade")
    assert code == 0
    assert json.loads(out)["backup"] is None


def test_db_info_names_each_source_of_the_url(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = call(capsys, "--json", "db", "info")
    described = json.loads(out)
    assert (code, described["source"], described["exists"]) == (0, "default", False)
    assert described["url"] == f"sqlite:///{(home / 'data' / 'traceapp.db').resolve()}"

    settings = home / "config" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "file.db"}"\n')
    code, out, _ = call(capsys, "db", "info")
    assert code == 0
    assert f"the settings file {settings}" in out

    monkeypatch.setenv("TRACEAPP_DB", f"sqlite:///{tmp_path / 'env.db'}")
    code, out, _ = call(capsys, "--json", "db", "info")
    assert json.loads(out)["source"] == "environment"


def test_broken_settings_file_is_reported_with_its_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = home / "config" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text('[database]\nurl = "unterminated\n')
    code, out, err = call(capsys, "lot", "list")
    assert code == 2
    assert out == ""
    assert f"error: The settings file {settings} is not valid TOML at line 2" in err


def test_password_in_the_url_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 1 refuses at once: the server is "down", which is exit 4, not a bug.
    url = "postgresql+psycopg://trace:s3cret-pw@127.0.0.1:1/plant"
    for args in (["lot", "list"], ["--json", "db", "info"], ["db", "upgrade"]):
        code, out, err = call(capsys, "--db", url, *args)
        assert code == 4, err
        assert "s3cret-pw" not in out + err
        assert "error: " in err


def test_unknown_code_with_json_gives_an_error_object_and_exit_3(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(capsys, "--db", sqlite_url, "--json", "lot", "show", "NOPE-1")
    assert code == 3
    assert json.loads(out) == {
        "error": {
            "code": "unknown_code",
            "message": "No lot, container or code binding carries the code 'NOPE-1'.",
            "hint": "Check the label, or receive or bind the code first.",
        }
    }
    assert err.splitlines()[0].startswith("error: No lot")


def test_unexpected_exception_is_an_internal_error_with_traceback_and_exit_70(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(lot_commands, "list_lots", broken)
    code, out, err = call(capsys, "--db", sqlite_url, "lot", "list")
    assert code == 70
    assert out == ""
    assert err.splitlines()[0] == "internal error: RuntimeError (a bug; please report it)"
    assert "Traceback" in err
    assert "RuntimeError: boom" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["receive", "--supplier", "MILL"])
    assert exited.value.code == 2
    assert "required" in capsys.readouterr().err
    assert main([]) == 2


def test_global_options_work_before_and_after_the_subcommand(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, after, _ = call(capsys, "lot", "list", "--json", "--db", sqlite_url)
    assert (code, json.loads(after)) == (0, [])
    code, before, _ = call(capsys, "--json", "--db", sqlite_url, "lot", "list")
    assert (code, json.loads(before)) == (0, [])


def test_bad_database_url_says_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACEAPP_DB", "mysql://plant/db")
    code, _, err = call(capsys, "lot", "list")
    assert code == 2
    assert "mysql databases are not supported" in err
    assert "TRACEAPP_DB" in err


@dataclass
class FakeSummary:
    lots: int
    events: int
    shipments: int
    customers: int

    def to_json_dict(self) -> dict[str, object]:
        return asdict(self)


@pytest.fixture
def fake_builder(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A stand-in demo builder that records its calls and writes one product."""
    calls: list[dict[str, Any]] = []

    def build_demo_plant(engine: Engine, **sizes: Any) -> FakeSummary:
        calls.append(sizes)
        with UnitOfWork(engine) as uow:
            masterdata.add_product(
                uow, actor=masterdata.actor_for(uow), part_number="DEMO", name="Demo", unit="kg"
            )
        return FakeSummary(lots=12, events=34, shipments=5, customers=6)

    module = types.ModuleType(BUILDER)
    module.build_demo_plant = build_demo_plant  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, BUILDER, module)
    return calls


def test_demo_builds_a_fresh_plant_db_in_the_out_folder(
    tmp_path: Path, fake_builder: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = call(capsys, "demo", "--headless", "--out", str(out_dir), "--seed", "3")
    assert code == 0, err
    assert fake_builder == [{"seed": 3}]
    assert (out_dir / "plant.db").exists()
    assert f"Demo plant built in {(out_dir / 'plant.db').resolve()}" in out
    assert "  shipments  5" in out
    assert "  time" in out


def test_demo_refuses_an_out_folder_that_already_holds_a_plant_unless_fresh(
    tmp_path: Path, fake_builder: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = str(tmp_path / "demo")
    assert call(capsys, "demo", "--headless", "--out", out_dir)[0] == 0

    code, out, err = call(capsys, "demo", "--headless", "--out", out_dir)
    assert code == 2
    assert "already holds data (1 products" in err
    assert "--fresh" in err
    assert len(fake_builder) == 1

    code, out, err = call(capsys, "--json", "demo", "--headless", "--out", out_dir, "--fresh")
    assert code == 0, err
    result = json.loads(out)
    assert result["summary"] == {"lots": 12, "events": 34, "shipments": 5, "customers": 6}
    assert result["database"].endswith("plant.db")


def test_demo_builds_into_an_empty_database_given_with_db(
    sqlite_url: str, fake_builder: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = call(capsys, "--db", sqlite_url, "demo", "--headless", "--lots", "100")
    assert code == 0, err
    assert fake_builder == [{"lots": 100}]
    code, _, err = call(capsys, "--db", sqlite_url, "demo", "--headless")
    assert code == 2
    assert "Choose an empty database" in err


def test_demo_needs_a_place_to_build(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call(capsys, "demo", "--headless")
    assert code == 2
    assert "--out DIR" in err


def test_demo_without_the_builder_says_it_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, BUILDER, None)
    code, _, err = call(capsys, "demo", "--headless", "--out", str(tmp_path / "demo"))
    assert code == 2
    assert "demo plant builder is not available" in err
    assert not (tmp_path / "demo" / "plant.db").exists()


def test_demo_without_headless_and_without_display_just_prints_the_summary(
    tmp_path: Path, fake_builder: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = call(capsys, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0
    assert "No display found; open it later with: traceapp gui --db sqlite:///" in out


@pytest.fixture
def fake_gui(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []

    def run_gui(url: str) -> int:
        opened.append(url)
        return 0

    module = types.ModuleType("traceapp.app")
    module.run_gui = run_gui  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "traceapp.app", module)
    monkeypatch.setenv("DISPLAY", ":99")
    return opened


def test_demo_without_headless_opens_the_window_on_the_new_plant(
    tmp_path: Path,
    fake_builder: list[dict[str, Any]],
    fake_gui: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = call(capsys, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0, err
    assert fake_gui == [f"sqlite:///{(tmp_path / 'demo' / 'plant.db').resolve()}"]


def test_gui_opens_the_window_on_the_resolved_database(
    sqlite_url: str, fake_gui: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert call(capsys, "gui", "--db", sqlite_url)[0] == 0
    assert fake_gui == [sqlite_url]


def test_gui_without_the_window_module_exits_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "traceapp.app", None)
    monkeypatch.setenv("DISPLAY", ":99")
    code, _, err = call(capsys, "gui")
    assert code == 2
    assert "desktop window is not available" in err


def test_gui_without_a_display_exits_with_a_clear_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = call(capsys, "gui")
    assert code == 2
    assert "No display is available" in err


def test_demo_summary_counts_read_as_words() -> None:
    from traceapp.cli.demo_commands import _counted

    assert _counted(1, "customer") == "1 customer"
    assert _counted(5, "lot") == "5 lots"
    assert _counted(0, "customer") == "0 customers"
