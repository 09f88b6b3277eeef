"""`traceapp import KIND FILE [--dry-run] [--json]` end to end, with the sample files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from traceapp.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def counts(out: str) -> dict[str, list[int]]:
    report: Any = json.loads(out)
    return {
        c["kind"]: [c["created"], c["updated"], c["unchanged"]]
        for c in report["counts"]
        if c["created"] or c["updated"] or c["unchanged"]
    }


def test_the_sample_files_import_one_by_one_then_the_workbook_changes_nothing(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for kind in ("products", "suppliers", "customers", "locations", "plans"):
        code, out, err = call(capsys, "--db", db_url, "import", kind, str(SAMPLE / f"{kind}.csv"))
        assert code == 0, err
        assert "CREATED" in out
    code, out, err = call(
        capsys, "--db", db_url, "--json", "import", "all", str(SAMPLE / "master_data.xlsx")
    )
    assert code == 0, err
    assert counts(out) == {
        "products": [0, 0, 11],
        "parties": [0, 0, 7],
        "locations": [0, 0, 12],
        "plans": [0, 0, 3],
    }
    code, out, _ = call(capsys, "--db", db_url, "location", "list")
    assert "OVEN-LINE" in out
    code, out, _ = call(capsys, "--db", db_url, "plan", "show", "BREAD-WH500")
    assert "495 .. 520 g (nominal 505)" in out


def test_a_file_with_problems_lists_each_and_exits_2_writing_nothing(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "Artikel.csv"
    path.write_bytes(
        "\ufeffPart Number;Name;Unit;GTIN\r\nF-1;Mehl;kg;4012345000017\r\nF-2;Salz;Eimer;\r\n".encode()
    )
    code, out, _ = call(capsys, "--db", db_url, "import", "products", str(path), "--dry-run")
    assert code == 2
    assert "2 problem(s); nothing was written." in out
    assert "check digit" in out
    assert "Unknown unit 'Eimer'" in out
    code, out, _ = call(capsys, "--db", db_url, "--json", "import", "products", str(path))
    assert code == 2
    problems = json.loads(out)["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(2, "gtin"), (3, "unit")]
    code, out, _ = call(capsys, "--db", db_url, "product", "list")
    assert "No products yet" in out


def test_a_dry_run_says_what_would_change(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call(
        capsys, "--db", db_url, "import", "all", str(SAMPLE / "master_data.xlsx"), "--dry-run"
    )
    assert code == 0, err
    assert "Dry run: nothing was written" in out
    code, out, _ = call(capsys, "--db", db_url, "product", "list")
    assert "No products yet" in out


def test_a_file_that_cannot_be_read_is_refused(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = call(capsys, "--db", db_url, "import", "products", str(tmp_path / "none.csv"))
    assert code == 2
    assert "Cannot read" in err
