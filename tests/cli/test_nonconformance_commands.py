"""`traceapp nonconformance list|close` (SQLite and PostgreSQL): a failed inspection's
nonconformance listed, closed by the quality manager with a signed disposition, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.test_inspections import GOOD, PASSWORD, inspect, people, planned  # noqa: F401
from traceapp.cli.runner import main
from traceapp.domain.actor import Actor
from traceapp.domain.permissions import Role


@pytest.fixture
def failed(
    planned: Plant,  # noqa: F811
    people: dict[Role, Actor],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    inspect(planned, people[Role.OPERATOR], {**GOOD, "moisture": ["16.04"]})
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.delenv("TRACEAPP_SIGN_PASSWORD", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRACEAPP_USER", "qm")
    monkeypatch.setenv("TRACEAPP_PASSWORD", PASSWORD)
    return planned.engine.url.render_as_string(hide_password=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_then_close_signed_once(failed: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", failed, "nonconformance", "list", "--open", "--json")
    assert code == 0, err
    (nc,) = json.loads(out)
    assert (nc["lot"], nc["status"], nc["disposition"]) == ("FLOUR/F-1", "open", None)
    code, out, err = run(capsys, "--db", failed, "nonconformance", "list")
    assert code == 0, err
    assert nc["id"][:8] in out
    assert "FLOUR/F-1" in out

    code, out, err = run(
        capsys, "--db", failed, "nonconformance", "close", nc["id"][:8],
        "--disposition", "not_confirmed", "--reason", "re-measured 12.9 %, the gauge was off",
        "--meaning", "reviewed", "--sign-as", "qm",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith(
        "Closed the nonconformance of FLOUR/F-1: not confirmed by qm: re-measured 12.9 %, the "
        "gauge was off.\n  Reviewed by "
    )
    code, out, err = run(capsys, "--db", failed, "nonconformance", "list", "--open")
    assert (code, out.strip()) == (0, "No open nonconformances.")
    code, out, err = run(capsys, "--db", failed, "nonconformance", "list", "--json")
    (closed,) = json.loads(out)
    assert (closed["status"], closed["disposition"], closed["closed_by"]) == (
        "closed",
        "not_confirmed",
        "qm",
    )
    assert closed["signature"].startswith("Reviewed by ")

    code, _, err = run(
        capsys, "--db", failed, "nonconformance", "close", nc["id"], "--disposition", "scrap",
        "--reason", "again",
    )  # fmt: skip
    assert code != 0
    assert "closed already" in err


def test_bad_ids_and_a_wrong_password_are_refused(
    failed: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    close = ("--db", failed, "nonconformance", "close")
    why = ("--disposition", "scrap", "--reason", "mould")
    code, _, err = run(capsys, *close, "abc", *why)
    assert code != 0
    assert "is not a nonconformance id" in err
    code, _, err = run(capsys, *close, "ffffffff", *why)
    assert code != 0
    assert "No nonconformance has an id starting ffffffff" in err
    code, out, _ = run(capsys, "--db", failed, "nonconformance", "list", "--json")
    (nc,) = json.loads(out)
    monkeypatch.setenv("TRACEAPP_SIGN_PASSWORD", "wrong")
    code, _, err = run(capsys, *close, nc["id"], *why)
    assert code != 0
    assert "signature was not accepted" in err
    code, out, _ = run(capsys, "--db", failed, "nonconformance", "list", "--open", "--json")
    assert [n["id"] for n in json.loads(out)] == [nc["id"]]  # nothing recorded
