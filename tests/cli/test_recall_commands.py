"""`traceapp recall`: a drill from the command line, its JSON, spreadsheets, sign-off and holds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.reports.test_recall_pdf import pdf_pages
from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.test_recall import build_recall_plant
from traceapp.cli import main
from traceapp.domain.lots import LotStatus
from traceapp.reports.fsma204 import COLUMNS, SHEET
from traceapp.services import users
from traceapp.services.lots import lot_detail
from traceapp.services.signatures import signatures_of

QM_PASSWORD = "qm-recall-pass-1"
_TLC_SOURCE = [c.title for c in COLUMNS].index("TLC source or TLC source reference")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def url(plant: Plant) -> str:  # noqa: F811
    build_recall_plant(plant)
    return plant.engine.url.render_as_string(hide_password=False)


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_is_the_canonical_result_with_counts_customers_and_drill_time(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(capsys, "--db", url, "--json", "recall", "--supplier-lot", "SL-9")
    assert code == 0, err
    text = out.strip()
    data: dict[str, Any] = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert data["totals"]["lots"] == 4
    assert data["totals"]["customers"] == 2
    assert {c["code"] for c in data["forward"]["customers"]} == {"SHOP1", "SHOP2"}
    assert float(data["drill_ms"]) > 0
    assert f"sha256: {hashlib.sha256(text.encode()).hexdigest()}" in err


def test_a_drill_writes_the_spreadsheets_signs_and_holds(
    url: str,
    plant: Plant,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with plant.uow() as uow:
        users.add_user(
            uow, actor=plant.actor, username="qm", full_name="Quinn Manager",
            role="quality_manager", password=QM_PASSWORD,
        )  # fmt: skip
    monkeypatch.setenv("TRACEAPP_SIGN_PASSWORD", QM_PASSWORD)
    xlsx, csv_path = tmp_path / "r.xlsx", tmp_path / "r.csv"
    code, out, err = call(
        capsys, "--db", url, "recall", "--lot", "FLOUR/F-1", "--reason", "mill alert",
        "--xlsx", str(xlsx), "--csv", str(csv_path), "--sign-as", "qm", "--hold",
    )  # fmt: skip
    assert code == 0, err
    assert "Customers to contact" in out
    assert "Shop 1" in out
    assert "Shop 2" in out
    assert "Stock still on site" in out
    assert "Held 2 lots" in out
    assert "Approved by Quinn Manager (qm)" in out
    recall_id = next(line.split()[-1] for line in out.splitlines() if line.startswith("Recall"))
    digest = next(line.split()[-1] for line in out.splitlines() if line.startswith("SHA-256"))
    rows = list(load_workbook(xlsx)[SHEET].iter_rows(values_only=True))
    assert len(rows) == 1 + 7
    assert len(csv_path.read_text(encoding="utf-8-sig").splitlines()) == 1 + 7
    with plant.uow() as uow:
        stored = signatures_of(uow, record_type="recall", record_id=recall_id)
        assert lot_detail(uow, "COOKIE/C-2").lot.status is LotStatus.ON_HOLD
        assert lot_detail(uow, "COOKIE/C-1").lot.status is not LotStatus.ON_HOLD  # shipped
    assert [s.record_hash for s in stored] == [digest]


def test_pdf_unsigned_is_marked_not_signed_on_every_page(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "r.pdf"
    code, out, err = call(
        capsys, "--db", url, "--json", "recall", "--supplier-lot", "SL-9", "--pdf", str(target)
    )
    assert code == 0, err
    data = json.loads(out)
    digest = hashlib.sha256(out.strip().encode()).hexdigest()
    assert f"wrote {target}" in err
    pages = pdf_pages(target)
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert data["recall_id"] in page
        assert f"page {number} of {len(pages)}" in page
        assert digest in page
        assert "NOT SIGNED" in page
    text = "\n".join(pages)
    for lot in ("FLOUR/F-1", "DOUGH/D-1", "COOKIE/C-1", "COOKIE/C-2"):
        assert lot in text
    assert "Shop 1" in text
    assert "Shop 2" in text


def test_pdf_signed_with_sign_as_shows_the_signature_bound_to_the_hash(
    url: str,
    plant: Plant,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with plant.uow() as uow:
        users.add_user(
            uow, actor=plant.actor, username="qm", full_name="Quinn Manager",
            role="quality_manager", password=QM_PASSWORD,
        )  # fmt: skip
    monkeypatch.setenv("TRACEAPP_SIGN_PASSWORD", QM_PASSWORD)
    target = tmp_path / "r.pdf"
    code, out, err = call(
        capsys, "--db", url, "recall", "--lot", "FLOUR/F-1", "--sign-as", "qm",
        "--meaning", "reviewed", "--pdf", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert f"Wrote {target}" in out
    assert "Reviewed by Quinn Manager (qm)" in out
    digest = next(line.split()[-1] for line in out.splitlines() if line.startswith("SHA-256"))
    pages = pdf_pages(target)
    for page in pages:
        assert digest in page
        assert "NOT SIGNED" not in page
    assert "Quinn Manager (qm)" in pages[-1]
    assert "Meaning Reviewed" in " ".join(pages[-1].split())
    assert "21 CFR 11.50" in pages[-1]
    # A lot decision's meaning is not offered for a recall report.
    with pytest.raises(SystemExit) as refused:
        call(
            capsys, "--db", url, "recall", "--lot", "FLOUR/F-1", "--sign-as", "qm",
            "--meaning", "released",
        )  # fmt: skip
    assert refused.value.code == 2
    assert "invalid choice: 'released'" in capsys.readouterr().err


def test_an_operator_may_not_print_the_recall_pdf(
    url: str,
    plant: Plant,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with plant.uow() as uow:
        users.add_user(
            uow, actor=plant.actor, username="op", full_name="Olga Operator",
            role="operator", password=QM_PASSWORD,
        )  # fmt: skip
    monkeypatch.setenv("TRACEAPP_USER", "op")
    monkeypatch.setenv("TRACEAPP_PASSWORD", QM_PASSWORD)
    target = tmp_path / "r.pdf"
    code, _, err = call(
        capsys, "--db", url, "recall", "--supplier-lot", "SL-9", "--pdf", str(target)
    )
    assert code == 2
    assert "may not export" in err
    assert not target.exists()


def test_bad_starts_get_their_exit_codes(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert call(capsys, "--db", url, "recall")[0] == 2
    assert call(capsys, "--db", url, "recall", "--supplier-lot", "NOPE")[0] == 3
    assert call(capsys, "--db", url, "recall", "--lot", "FLOUR/NOPE")[0] == 3
    code, _, err = call(capsys, "--db", url, "recall", "--equipment", "MIX1")
    assert code == 2
    assert "time window" in err


def test_an_operator_may_not_export_the_spreadsheet(
    url: str,
    plant: Plant,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with plant.uow() as uow:
        users.add_user(
            uow, actor=plant.actor, username="op", full_name="Olga Operator",
            role="operator", password=QM_PASSWORD,
        )  # fmt: skip
    monkeypatch.setenv("TRACEAPP_USER", "op")
    monkeypatch.setenv("TRACEAPP_PASSWORD", QM_PASSWORD)
    target = tmp_path / "r.xlsx"
    code, _, err = call(
        capsys, "--db", url, "recall", "--supplier-lot", "SL-9", "--xlsx", str(target)
    )
    assert code == 2
    assert "may not export" in err
    assert not target.exists()


def test_the_headless_demo_ends_with_a_recall_drill_and_its_spreadsheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = call(
        capsys, "--json", "demo", "--headless", "--out", str(out_dir), "--lots", "300"
    )
    assert code == 0, err
    drill = json.loads(out)["recall"]
    [sheet] = list(out_dir.glob("recall-RC-*.xlsx"))
    assert drill["xlsx"] == str(sheet)
    [report] = list(out_dir.glob("recall-RC-*.pdf"))
    assert drill["pdf"] == str(report)
    pages = pdf_pages(report)
    assert all(drill["recall_id"] in p and drill["sha256"] in p for p in pages)
    assert all("NOT SIGNED" in p for p in pages)
    assert drill["lots"] >= 1
    rows = list(load_workbook(sheet)[SHEET].iter_rows(values_only=True))
    assert len(rows) > 1
    assert {row[0] for row in rows[1:]} >= {"receiving", "transformation"}
    supplier_lots = {
        row[_TLC_SOURCE] for row in rows[1:] if row[0] == "receiving" and row[_TLC_SOURCE]
    }
    assert any(str(s).endswith(f"lot {drill['supplier_lot']}") for s in supplier_lots)
