"""Hostile input through the command line: SQL fragments, overlong strings, control characters
and bidi overrides are refused with a clear message or stored harmlessly, and never reach the
terminal raw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from traceapp.cli import main

SQL = "'; DROP TABLE lots; --"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Evil\u202egnp.exe" shows as "Evilexe.png"
LONG = "A" * 10_000
RAW_UNSAFE = ("\x1b", "\x07", "\r", RLO, "\u2066", "\u200f")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        for char in RAW_UNSAFE:
            assert char not in text, f"raw {char!r} reached the terminal"
    return code, captured.out, captured.err


def call_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = call(capsys, "--json", *args)
    assert code == 0, err
    return json.loads(out)


def state(capsys: pytest.CaptureFixture[str], url: str) -> tuple[Any, int]:
    counts = call_json(capsys, "--db", url, "db", "info")["counts"]
    entries = call_json(capsys, "--db", url, "audit", "verify")["entries"]
    return counts, entries


@pytest.fixture
def plant(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    for args in (
        ["product", "add", "FLOUR", "--name", "Flour", "--unit", "kg", "--kind", "raw"],
        ["party", "add", "MILL", "--name", "Mill", "--kind", "supplier"],
        ["receive", "--supplier", "MILL", "--supplier-lot", "F-1", "--product", "FLOUR",
         "--qty", "100kg"],
    ):  # fmt: skip
        code, _, err = call(capsys, "--db", db_url, *args)
        assert code == 0, err
    return db_url


def test_sql_fragments_are_stored_as_plain_text(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = call(
        capsys, "--db", plant, "receive", "--supplier", "MILL", "--supplier-lot", f"X{SQL}",
        "--product", "FLOUR", "--qty", "1kg",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = call(
        capsys, "--db", plant, "party", "add", "P1", "--name", f"Robert{SQL}", "--kind", "customer"
    )
    assert code == 0, err
    lot = call_json(capsys, "--db", plant, "lot", "show", f"FLOUR/X{SQL}")
    assert lot["lot"]["name"] == f"FLOUR/X{SQL}"
    parties = {p["code"]: p for p in call_json(capsys, "--db", plant, "party", "list")}
    assert parties["P1"]["name"] == f"Robert{SQL}"
    # The lots table is still there and holds both lots.
    counts, _ = state(capsys, plant)
    assert counts["lots"] == 2
    assert call_json(capsys, "--db", plant, "audit", "verify")["intact"] is True


@pytest.mark.parametrize(
    "search", ["%", "_", "%%", "\\", "' OR '1'='1", SQL, "F%1", "F_1", "*", LONG]
)
def test_a_search_with_wildcards_or_sql_finds_nothing_unexpected(
    plant: str, capsys: pytest.CaptureFixture[str], search: str
) -> None:
    code, out, err = call(capsys, "--db", plant, "--json", "lot", "list", "--search", search)
    assert code in (0, 2), err
    if code == 0:
        assert json.loads(out) == []
    else:
        assert "long" in err


def test_a_search_finds_the_literal_text(plant: str, capsys: pytest.CaptureFixture[str]) -> None:
    found = call_json(capsys, "--db", plant, "lot", "list", "--search", "F-1")
    assert [lot["name"] for lot in found] == ["FLOUR/F-1"]


@pytest.mark.parametrize(
    "args",
    [
        ["party", "add", "P2", "--name", LONG, "--kind", "supplier"],
        ["product", "add", "SUGAR", "--name", LONG, "--unit", "kg", "--kind", "raw"],
        ["product", "add", LONG, "--name", "Sugar", "--unit", "kg", "--kind", "raw"],
        ["party", "add", LONG, "--name", "Long", "--kind", "supplier"],
        ["receive", "--supplier", "MILL", "--supplier-lot", LONG, "--product", "FLOUR",
         "--qty", "1kg"],
        ["location", "add", "L1", "--name", LONG, "--kind", "site"],
    ],
    ids=["party-name", "product-name", "part-number", "party-code", "lot-code", "location"],
)  # fmt: skip
def test_overlong_text_is_refused_and_nothing_is_stored(
    plant: str, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    before = state(capsys, plant)
    code, out, err = call(capsys, "--db", plant, *args)
    assert code == 2, err
    assert out == ""
    assert "characters long" in err or "too long" in err or "at most" in err
    assert len(err) < 2_000  # the message names the length, it does not echo the text
    assert state(capsys, plant) == before


@pytest.mark.parametrize(
    "args",
    [
        ["party", "add", "P3", "--name", "Evil\x1b[31m red", "--kind", "supplier"],
        ["product", "add", "SUGAR", "--name", "Sugar\rFake", "--unit", "kg", "--kind", "raw"],
        ["receive", "--supplier", "MILL", "--supplier-lot", "A\x1b]0;title\x07", "--product",
         "FLOUR", "--qty", "1kg"],
        ["receive", "--supplier", "MILL", "--supplier-lot", f"L{RLO}X", "--product", "FLOUR",
         "--qty", "1kg"],
    ],
    ids=["escape-in-name", "carriage-return", "osc-in-code", "bidi-in-code"],
)  # fmt: skip
def test_control_characters_are_refused(
    plant: str, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    before = state(capsys, plant)
    code, _out, err = call(capsys, "--db", plant, *args)
    assert code == 2, err
    assert "control characters" in err
    assert state(capsys, plant) == before


def test_a_bidi_override_in_a_name_is_stored_and_shown_escaped(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"Evil{RLO}gnp.exe"
    code, out, err = call(capsys, "--db", plant, "party", "add", "P4", "--name", name,
                          "--kind", "supplier")  # fmt: skip
    assert code == 0, err
    assert "Evil\\u202egnp.exe" in out
    code, out, _ = call(capsys, "--db", plant, "party", "list")
    assert "Evil\\u202egnp.exe" in out
    # Scripts get the exact text back: the escape is JSON's own.
    parties = {p["code"]: p for p in call_json(capsys, "--db", plant, "party", "list")}
    assert parties["P4"]["name"] == name
    # The audit trail shows it escaped too.
    code, out, _ = call(capsys, "--db", plant, "audit", "show", "--entity", "parties")
    assert code == 0
    assert "Evil\\u202egnp.exe" in out or "Evil\\\\u202egnp.exe" in out
