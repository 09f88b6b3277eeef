"""The command line loads only the module of the command given, and still lists every command."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys

import pytest

from tests.cli.conftest import clean_env
from traceapp.cli import runner
from traceapp.cli.parsing import Parsers, changing_options, common_options

HEAVY = ("asyncua", "paho", "reportlab", "openpyxl", "pyqtgraph", "cv2", "PySide6")


def _registered(module: str) -> list[tuple[str, str]]:
    """What a command module registers itself: (command, help) in its order."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    parsers = Parsers(common=common_options(), changing=changing_options())
    importlib.import_module(f"traceapp.cli.{module}").register(sub, parsers)
    return [(action.dest, str(action.help)) for action in sub._choices_actions]


def test_the_table_names_what_each_module_registers_in_order() -> None:
    modules = list(dict.fromkeys(module for _name, module, _help in runner.COMMANDS))
    from_modules = [entry for module in modules for entry in _registered(module)]
    from_table = [(name, help_text) for name, _module, help_text in runner.COMMANDS]
    assert from_table == from_modules


def test_the_help_lists_every_command_as_the_whole_parser_does() -> None:
    outline = runner.build_parser(()).format_help()
    assert outline == runner.build_parser().format_help()
    for name, _module, _help in runner.COMMANDS:
        assert f"\n    {name}" in outline


def _modules_after(arguments: list[str]) -> list[str]:
    """Parse these arguments in a fresh interpreter; the modules it then has loaded."""
    script = (
        "import json, sys\n"
        "from traceapp.cli.runner import parse\n"
        "try:\n"
        f"    parse({arguments!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def _command_modules(loaded: list[str]) -> set[str]:
    return {
        m.rsplit(".", 1)[1] for m in loaded if m.startswith("traceapp.cli.") and "_command" in m
    }


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--help"], set()),
        (["gui", "--db", "sqlite:///nothing.db"], {"demo_commands"}),
        (["trace", "--help"], {"trace_commands"}),
    ],
)
def test_only_the_chosen_commands_module_is_loaded(
    arguments: list[str], expected: set[str]
) -> None:
    loaded = _modules_after(arguments)
    assert _command_modules(loaded) == expected
    assert [m for m in HEAVY if m in loaded] == []


def test_a_commands_own_help_and_errors_come_from_its_module(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        runner.main(["lot", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: traceapp lot")
    assert "show" in out
    assert "list" in out
    with pytest.raises(SystemExit) as exited:
        runner.main(["receive", "--qty", "5"])  # its module's own required options
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "required: --supplier, --supplier-lot, --product" in err
    with pytest.raises(SystemExit) as exited:
        runner.main(["nosuchcommand"])
    assert exited.value.code == 2
    assert "invalid choice: 'nosuchcommand'" in capsys.readouterr().err
