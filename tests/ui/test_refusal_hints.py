"""Every refusal the scan station can show carries its own what-to-do line (the error's hint),
written where the refusal is decided: read from the source of the steps' use cases."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from traceapp.domain import errors
from traceapp.domain.codes import errors as code_errors

ROOT = Path(__file__).resolve().parents[2] / "traceapp"
# The modules behind the scan station's steps: resolving a scan, the six steps, undo, the
# station's outbox, and the domain rules they call.
STEP_MODULES = [
    "services/station.py",
    "services/scans.py",
    "services/recording.py",
    "services/receiving.py",
    "services/production.py",
    "services/packing.py",
    "services/shipping.py",
    "services/moving.py",
    "services/corrections.py",
    "services/sync_cache.py",
    "services/sync_commands.py",
    "domain/lots.py",
    "domain/quantity.py",
    "domain/permissions.py",
    "ui/scan_station/forms.py",
    "ui/scan_station/page.py",
]
# Errors that bring their own hint (their __init__ passes one), and the one that is a bug.
OWN_HINT = {"UnknownCode", "AmbiguousCode"}
PROGRAMMING_ERRORS = {"Quantities are decimals; pass a string or Decimal, not a float."}


def _refusal_classes() -> set[str]:
    names = set()
    for module in (errors, code_errors):
        for name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, errors.KnownError):
                names.add(name)
    return names


def _refusals_without_hint(source: str) -> list[str]:
    refusals = _refusal_classes() - OWN_HINT
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in refusals or any(k.arg == "hint" for k in node.keywords):
            continue
        text = ast.get_source_segment(source, node) or name
        if any(allowed in text for allowed in PROGRAMMING_ERRORS):
            continue
        found.append(f"line {node.lineno}: {' '.join(text.split())[:120]}")
    return found


@pytest.mark.parametrize("module", STEP_MODULES)
def test_every_refusal_of_a_step_says_what_to_do(module: str) -> None:
    source = (ROOT / module).read_text(encoding="utf-8")
    assert _refusals_without_hint(source) == []


def test_the_check_finds_a_refusal_without_a_hint() -> None:
    source = 'def f():\n    raise InvalidInput("Scan at least one lot.")\n'
    assert _refusals_without_hint(source) == ['line 2: InvalidInput("Scan at least one lot.")']
    with_hint = 'raise InvalidInput("Scan at least one lot.", hint="Scan a lot label.")\n'
    assert _refusals_without_hint(with_hint) == []
