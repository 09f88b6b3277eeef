"""`traceapp lot hold|release|reject|rework|scrap|decisions|record` from a terminal, end to end."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import ADMIN_PASSWORD, clean_env
from traceapp.cli import main

QM_PASSWORD = "quality-pass-1"
OPERATOR_PASSWORD = "operator-pass-1"
AUDITOR_PASSWORD = "auditor-pass-1"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def call_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = call(capsys, "--json", *args)
    assert code == 0, err
    return json.loads(out)


def log_in_as(monkeypatch: pytest.MonkeyPatch, user: str, password: str) -> None:
    monkeypatch.setenv("TRACEAPP_USER", user)
    monkeypatch.setenv("TRACEAPP_PASSWORD", password)


def snapshot(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str) -> Any:
    """Record counts and the audit trail's length and head, read as the admin."""
    with monkeypatch.context() as m:
        log_in_as(m, "admin", ADMIN_PASSWORD)
        counts = call_json(capsys, "--db", url, "db", "info")["counts"]
        verdict = call_json(capsys, "--db", url, "audit", "verify")
        lot = call_json(capsys, "--db", url, "lot", "show", "FLOUR/F-1")["lot"]
    assert verdict["intact"]
    return counts, verdict, lot["status"]


@pytest.fixture
def plant(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """Admin, a quality manager, an operator, an auditor, flour received and made into dough."""
    for name, full_name, role, password in (
        ("quinn", "Quinn Manager", "quality_manager", QM_PASSWORD),
        ("olga", "Olga Operator", "operator", OPERATOR_PASSWORD),
        ("arne", "Arne Auditor", "auditor", AUDITOR_PASSWORD),
    ):
        with monkeypatch.context() as m:
            m.setenv("TRACEAPP_NEW_PASSWORD", password)
            code, _, err = call(
                capsys, "--db", db_url, "user", "add", name, "--full-name", full_name,
                "--role", role,
            )  # fmt: skip
        assert code == 0, err
    for args in (
        ["product", "add", "FLOUR", "--name", "Flour", "--unit", "kg", "--kind", "raw"],
        ["product", "add", "DOUGH", "--name", "Dough", "--unit", "kg", "--kind", "intermediate"],
        ["party", "add", "MILL", "--name", "Mill", "--kind", "supplier"],
        ["receive", "--supplier", "MILL", "--supplier-lot", "F-1", "--product", "FLOUR",
         "--qty", "100kg"],
        ["produce", "--input", "FLOUR/F-1=40kg", "--output", "DOUGH/D-1=40kg"],
    ):  # fmt: skip
        code, _, err = call(capsys, "--db", db_url, *args)
        assert code == 0, err
    return db_url


def test_an_operator_holds_and_a_quality_manager_releases_with_a_signature(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    code, out, err = call(
        capsys, "--db", plant, "lot", "hold", "FLOUR/F-1", "--reason", "mould on two bags",
        "--descendants",
    )  # fmt: skip
    assert code == 0, err
    assert "Recorded hold of FLOUR/F-1" in out
    assert "active -> on hold" in out
    assert "Also held: DOUGH/D-1" in out
    # A held lot cannot be used.
    code, _, err = call(
        capsys, "--db", plant, "produce", "--input", "FLOUR/F-1=10kg", "--output", "DOUGH/D-2=10kg"
    )
    assert code == 2
    assert "FLOUR/F-1 is ON HOLD" in err

    log_in_as(monkeypatch, "quinn", QM_PASSWORD)
    released = call_json(
        capsys, "--db", plant, "lot", "release", "FLOUR/F-1", "--reason",
        "re-inspected: bags were wet, no mould", "--sign-as", "quinn",
    )  # fmt: skip
    decision = released["decision"]
    assert (decision["status_before"], decision["status_after"]) == ("on_hold", "released")
    (signature,) = decision["signatures"]
    assert signature["printed_name"] == "Quinn Manager"
    assert signature["meaning"] == "released"
    assert signature["valid"] is True

    history = call_json(capsys, "--db", plant, "lot", "decisions", "FLOUR/F-1")
    assert [d["decision"] for d in history] == ["hold", "release"]
    assert history[0]["decided_by"] == "olga"
    assert history[1]["signatures"][0]["signed_at"] == signature["signed_at"]
    code, out, _ = call(capsys, "--db", plant, "lot", "decisions", "FLOUR/F-1")
    assert "Released by Quinn Manager (quinn) on " in out
    assert "signature valid" in out
    assert call_json(capsys, "--db", plant, "lot", "show", "DOUGH/D-1")["lot"]["status"] == (
        "on_hold"
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) is missing")
def test_the_lot_record_pdf_shows_the_signers_name_time_and_meaning(
    plant: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    log_in_as(monkeypatch, "quinn", QM_PASSWORD)
    released = call_json(
        capsys, "--db", plant, "lot", "release", "FLOUR/F-1", "--reason", "CoA checked",
        "--sign-as", "quinn",
    )  # fmt: skip
    pdf = tmp_path / "F-1.pdf"
    code, out, err = call(capsys, "--db", plant, "lot", "record", "FLOUR/F-1", "--pdf", str(pdf))
    assert code == 0, err
    assert f"to {pdf}" in out
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Lot record FLOUR/F-1" in text
    assert "Quinn Manager (quinn)" in text
    assert "Meaning: released" in text
    assert "Signature valid" in text
    signed = released["decision"]["signatures"][0]["signed_at"]  # ISO, local with offset
    day, clock = signed[:10], signed[11:19]
    # -layout may widen the gaps between words, depending on where columns fall
    assert re.search(rf"{day}\s+{clock}\s+UTC[+-]\d\d:\d\d", text), text
    assert "CoA checked" in text
    # The record carries the lot's process conditions (none monitored for this flour).
    assert "Process conditions" in text
    assert "No monitored equipment or logger recorded." in text
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "595.276 x 841.89 pts (A4)" in pages.stdout


@pytest.mark.parametrize(
    ("user", "password", "command"),
    [
        ("arne", AUDITOR_PASSWORD, ["hold", "FLOUR/F-1", "--reason", "looks odd"]),
        ("arne", AUDITOR_PASSWORD, ["release", "FLOUR/F-1", "--reason", "ok", "--sign-as", "arne"]),
        (
            "olga",
            OPERATOR_PASSWORD,
            ["release", "FLOUR/F-1", "--reason", "ok", "--sign-as", "olga"],
        ),
        ("olga", OPERATOR_PASSWORD, ["scrap", "FLOUR/F-1", "--reason", "bad", "--sign-as", "olga"]),
    ],
)
def test_roles_the_table_refuses_change_nothing(
    plant: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    user: str,
    password: str,
    command: list[str],
) -> None:
    before = snapshot(capsys, monkeypatch, plant)
    log_in_as(monkeypatch, user, password)
    code, out, err = call(capsys, "--db", plant, "lot", *command)
    assert code == 2
    assert f"{user} is an" in err
    assert "may not" in err
    assert out == ""
    assert snapshot(capsys, monkeypatch, plant) == before


def test_a_wrong_signing_password_is_refused_and_records_nothing(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "quinn", QM_PASSWORD)
    monkeypatch.setenv("TRACEAPP_SIGN_PASSWORD", "not-the-password")
    code, _, err = call(
        capsys, "--db", plant, "lot", "reject", "FLOUR/F-1", "--reason", "moisture 16 %",
        "--sign-as", "quinn",
    )  # fmt: skip
    assert code == 2
    assert "signature was not accepted" in err
    assert "not-the-password" not in err
    monkeypatch.delenv("TRACEAPP_SIGN_PASSWORD")
    assert call_json(capsys, "--db", plant, "lot", "decisions", "FLOUR/F-1") == []


def test_a_reason_is_required_and_lifting_no_hold_is_refused(
    plant: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "quinn", QM_PASSWORD)
    code, _, err = call(capsys, "--db", plant, "lot", "hold", "FLOUR/F-1", "--reason", " ")
    assert code == 2
    assert "needs a reason" in err
    code, _, err = call(
        capsys, "--db", plant, "lot", "lift-hold", "FLOUR/F-1", "--reason", "x", "--sign-as",
        "quinn",
    )  # fmt: skip
    assert code == 2
    assert "not on hold" in err


def test_headless_signing_takes_the_password_from_the_environment_without_a_prompt(
    plant: str, tmp_path: Path
) -> None:
    env = clean_env(
        TRACEAPP_CONFIG_DIR=str(tmp_path / "c"),
        TRACEAPP_DATA_DIR=str(tmp_path / "d"),
        TRACEAPP_SIGN_PASSWORD=QM_PASSWORD,
    )
    done = subprocess.run(
        [sys.executable, "-m", "traceapp", "--db", plant, "lot", "scrap", "FLOUR/F-1",
         "--reason", "rodent damage", "--sign-as", "quinn", "--meaning", "approved"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Approved by Quinn Manager (quinn)" in done.stdout
    assert "signature valid" in done.stdout
    # Logged in as admin, signed by the quality manager: the decision names both.
    history = json.loads(
        subprocess.run(
            [sys.executable, "-m", "traceapp", "--db", plant, "--json", "lot", "decisions",
             "FLOUR/F-1"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=120,
            check=True,
        ).stdout
    )  # fmt: skip
    assert history[0]["decided_by"] == "admin"
    assert history[0]["signatures"][0]["username"] == "quinn"
