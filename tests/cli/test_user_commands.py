"""Logging in from the command line: first start, `user add|list|disable|passwd`, and each role
trying what the permission table refuses it (refused, nothing changed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import ADMIN_PASSWORD, clean_env
from traceapp.cli import main
from traceapp.db.uow import UnitOfWork
from traceapp.services.database import open_database
from traceapp.services.demo.users import set_up_demo_users
from traceapp.services.users import admin_needs_password, authenticate

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
    """Record counts, the audit trail's length and the users, read as the admin."""
    with monkeypatch.context() as m:
        log_in_as(m, "admin", ADMIN_PASSWORD)
        counts = call_json(capsys, "--db", url, "db", "info")["counts"]
        verdict = call_json(capsys, "--db", url, "audit", "verify")
        people = call_json(capsys, "--db", url, "user", "list")
    assert verdict["intact"]
    return counts, verdict["entries"], people


@pytest.fixture
def staffed(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    """A database with admin, an operator, an auditor, a product, a supplier and one receipt."""
    for name, role, password in (
        ("olga", "operator", OPERATOR_PASSWORD),
        ("arne", "auditor", AUDITOR_PASSWORD),
    ):
        with monkeypatch.context() as m:
            m.setenv("TRACEAPP_NEW_PASSWORD", password)
            code, _, err = call(
                capsys, "--db", db_url, "user", "add", name, "--full-name", name.title(),
                "--role", role,
            )  # fmt: skip
        assert code == 0, err
    for args in (
        ["product", "add", "FLOUR", "--name", "Flour", "--unit", "kg", "--kind", "raw"],
        ["party", "add", "MILL", "--name", "Mill", "--kind", "supplier"],
        ["receive", "--supplier", "MILL", "--supplier-lot", "F-1", "--product", "FLOUR",
         "--qty", "100kg"],
    ):  # fmt: skip
        code, _, err = call(capsys, "--db", db_url, *args)
        assert code == 0, err
    return db_url


def test_a_new_database_without_an_admin_password_refuses_and_creates_nothing(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACEAPP_ADMIN_PASSWORD")
    code, out, err = call(
        capsys, "--db", db_url, "product", "add", "FLOUR", "--name", "Flour", "--unit", "kg",
        "--kind", "raw",
    )  # fmt: skip
    assert code == 5
    assert out == ""
    assert "This database has no administrator password yet. Set TRACEAPP_ADMIN_PASSWORD" in err
    engine, _ = open_database(db_url)
    try:
        with UnitOfWork(engine, write=False) as uow:
            assert admin_needs_password(uow)
    finally:
        engine.dispose()
    assert call_json(capsys, "--db", db_url, "product", "list") == []


def test_a_new_database_gets_its_admin_password_from_the_environment(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    added = call_json(
        capsys, "--db", db_url, "product", "add", "FLOUR", "--name", "Flour", "--unit", "kg",
        "--kind", "raw",
    )  # fmt: skip
    assert added["code"] == "FLOUR"
    engine, _ = open_database(db_url)
    try:
        with UnitOfWork(engine) as uow:
            assert not admin_needs_password(uow)
            assert authenticate(uow, username="admin", password=ADMIN_PASSWORD).role == "admin"
    finally:
        engine.dispose()
    # Once set, the variable changes nothing: a different value is no key to the database.
    monkeypatch.setenv("TRACEAPP_ADMIN_PASSWORD", "another-pass-2")
    log_in_as(monkeypatch, "admin", "another-pass-2")
    code, _, err = call(capsys, "--db", db_url, "user", "list")
    assert code == 5
    assert "user name or password is wrong" in err


def test_without_a_user_a_change_is_refused_with_what_to_set(db_url: str, tmp_path: Path) -> None:
    env = clean_env(TRACEAPP_CONFIG_DIR=str(tmp_path / "c"), TRACEAPP_DATA_DIR=str(tmp_path / "d"))
    del env["TRACEAPP_USER"], env["TRACEAPP_PASSWORD"]
    done = subprocess.run(
        [sys.executable, "-m", "traceapp", "--db", db_url, "party", "add", "MILL", "--name",
         "Mill", "--kind", "supplier"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 5, done.stderr
    assert "--user" in done.stderr
    assert "TRACEAPP_USER" in done.stderr
    assert "TRACEAPP_PASSWORD" in done.stderr
    # A name without a password is refused too: nobody at a terminal can be asked.
    env["TRACEAPP_USER"] = "admin"
    done = subprocess.run(
        [sys.executable, "-m", "traceapp", "--db", db_url, "--json", "party", "add", "MILL",
         "--name", "Mill", "--kind", "supplier"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 5
    assert json.loads(done.stdout)["error"]["code"] == "login_required"
    # No password reaches the output, not even the admin's one from the environment.
    assert ADMIN_PASSWORD not in done.stdout + done.stderr


def test_an_operator_may_not_add_products_add_users_or_verify(
    staffed: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(capsys, monkeypatch, staffed)
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    monkeypatch.setenv("TRACEAPP_NEW_PASSWORD", "intruder-pass-1")
    attempts = [
        ["product", "add", "SUGAR", "--name", "Sugar", "--unit", "kg", "--kind", "raw"],
        ["user", "add", "mallory", "--full-name", "Mallory", "--role", "admin"],
        ["user", "passwd", "admin"],
        ["user", "disable", "arne", "--reason", "no"],
        ["audit", "verify"],
    ]
    for args in attempts:
        code, out, err = call(capsys, "--db", staffed, *args)
        assert code == 2, (args, err)
        assert "olga is an operator and may not" in err
        assert out == ""
    assert snapshot(capsys, monkeypatch, staffed) == before


def test_an_operator_may_not_correct_a_receipt(
    staffed: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The receipt's event id, from the trail (as an auditor would find it).
    lines = call_json(capsys, "--db", staffed, "audit", "show", "--entity", "events")
    event_id = lines[0]["entity_id"]
    before = snapshot(capsys, monkeypatch, staffed)
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    code, _, err = call(capsys, "--db", staffed, "correct", event_id, "--reason", "oops")
    assert code == 2, err
    assert "may not correct" in err
    assert snapshot(capsys, monkeypatch, staffed) == before


def test_an_auditor_may_verify_the_trail_but_not_receive(
    staffed: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(capsys, monkeypatch, staffed)
    log_in_as(monkeypatch, "arne", AUDITOR_PASSWORD)
    code, out, err = call(
        capsys, "--db", staffed, "receive", "--supplier", "MILL", "--supplier-lot", "F-2",
        "--product", "FLOUR", "--qty", "5kg",
    )  # fmt: skip
    assert code == 2
    assert "arne is an auditor and may not receive" in err
    code, out, err = call(capsys, "--db", staffed, "audit", "verify")
    assert code == 0, err
    assert "Audit trail intact" in out
    assert call_json(capsys, "--db", staffed, "audit", "show", "--limit", "3")
    assert snapshot(capsys, monkeypatch, staffed) == before


def test_users_are_listed_disabled_and_change_passwords(
    staffed: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = call(capsys, "--db", staffed, "user", "list")
    assert code == 0
    assert "olga" in out
    assert "operator" in out
    # Own password: the operator changes it, and logs in with the new one.
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    monkeypatch.setenv("TRACEAPP_NEW_PASSWORD", "operator-pass-2")
    assert call(capsys, "--db", staffed, "user", "passwd")[0] == 0
    assert call(capsys, "--db", staffed, "lot", "list")[0] == 0
    code, _, err = call(capsys, "--db", staffed, "user", "passwd")
    assert code == 5  # the old password no longer logs in
    log_in_as(monkeypatch, "olga", "operator-pass-2")
    monkeypatch.delenv("TRACEAPP_NEW_PASSWORD")
    code, _, err = call(capsys, "--db", staffed, "user", "passwd")
    assert code == 2
    assert "TRACEAPP_NEW_PASSWORD" in err
    # The admin sets another's password and disables an account with a reason.
    log_in_as(monkeypatch, "admin", ADMIN_PASSWORD)
    monkeypatch.setenv("TRACEAPP_NEW_PASSWORD", "auditor-pass-9")
    assert call(capsys, "--db", staffed, "user", "passwd", "arne")[0] == 0
    assert call(capsys, "--db", staffed, "user", "disable", "olga", "--reason", "left")[0] == 0
    listed = {u["username"]: u for u in call_json(capsys, "--db", staffed, "user", "list")}
    assert listed["olga"]["active"] is False
    log_in_as(monkeypatch, "olga", "operator-pass-2")
    code, _, err = call(
        capsys, "--db", staffed, "party", "add", "X1", "--name", "X", "--kind", "supplier"
    )
    assert code == 5
    assert "user name or password is wrong" in err


def test_a_new_user_needs_a_password_and_a_known_role(
    staffed: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(capsys, monkeypatch, staffed)
    code, _, err = call(
        capsys, "--db", staffed, "user", "add", "nina", "--full-name", "Nina", "--role", "operator"
    )
    assert code == 2
    assert "TRACEAPP_NEW_PASSWORD" in err
    monkeypatch.setenv("TRACEAPP_NEW_PASSWORD", "short")
    code, _, err = call(
        capsys, "--db", staffed, "user", "add", "nina", "--full-name", "Nina", "--role", "operator"
    )
    assert code == 2
    assert "at least 10 characters" in err
    monkeypatch.setenv("TRACEAPP_NEW_PASSWORD", "nina-pass-01")
    code, _, err = call(
        capsys, "--db", staffed, "user", "add", "nina'; DROP TABLE users; --", "--full-name",
        "Nina", "--role", "operator",
    )  # fmt: skip
    assert code == 2
    assert "not a valid user name" in err
    assert snapshot(capsys, monkeypatch, staffed) == before


def test_wrong_passwords_lock_the_account(
    staffed: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "olga", "not-her-password")
    for _ in range(5):
        code, _, err = call(capsys, "--db", staffed, "user", "passwd")
        assert code == 5
        assert "user name or password is wrong" in err
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    code, _, err = call(capsys, "--db", staffed, "user", "passwd")
    assert code == 5
    assert "locked" in err


def test_the_demo_adds_no_accounts_to_a_configured_database_without_an_admin_login(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The admin has a password (first CLI use), the database is otherwise empty.
    assert call(capsys, "--db", db_url, "user", "list")[0] == 0
    before = snapshot(capsys, monkeypatch, db_url)
    monkeypatch.delenv("TRACEAPP_USER")
    code, _, err = call(capsys, "--db", db_url, "demo", "--headless", "--lots", "100")
    assert code == 5, err
    assert "--user" in err
    monkeypatch.setenv("TRACEAPP_NEW_PASSWORD", OPERATOR_PASSWORD)
    with monkeypatch.context() as m:
        log_in_as(m, "admin", ADMIN_PASSWORD)
        assert call(capsys, "--db", db_url, "user", "add", "olga", "--full-name", "Olga",
                    "--role", "operator")[0] == 0  # fmt: skip
    before = snapshot(capsys, monkeypatch, db_url)
    log_in_as(monkeypatch, "olga", OPERATOR_PASSWORD)
    code, _, err = call(capsys, "--db", db_url, "demo", "--headless", "--lots", "100")
    assert code == 2, err
    assert "may not build demo" in err
    assert snapshot(capsys, monkeypatch, db_url) == before
    # The service itself refuses without an acting administrator.
    engine, _ = open_database(db_url)
    try:
        with pytest.raises(Exception, match="already has a password"):
            set_up_demo_users(engine)
    finally:
        engine.dispose()
    assert snapshot(capsys, monkeypatch, db_url) == before
    # An administrator who logged in may build it; the accounts are printed.
    log_in_as(monkeypatch, "admin", ADMIN_PASSWORD)
    code, out, err = call(capsys, "--db", db_url, "demo", "--headless", "--lots", "100")
    assert code == 0, err
    assert "anna.op" in out
    assert "dmitri.aud" in out
