"""`traceapp label`: labels printed to PDF, rasterized by poppler, decoded, scanned back to the lot.

The loop each test closes: a lot (or pallet) recorded through the services → `traceapp label …`
writes a file → `pdftoppm -png -r 300` renders it as a viewer or printer driver would → zxing-cpp
(and pyzbar for QR) decodes the symbol → `parse_code` reads the GS1 fields → the decoded text,
given to the services as a scan, finds the same lot or pallet.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zxingcpp
from biip.checksums import gs1_standard_check_digit
from PIL import Image
from pyzbar import pyzbar
from sqlalchemy import Engine

from tests.cli.test_cli_steps import call, call_json
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.codes import CodeKind, parse_code
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.database import open_database
from traceapp.services.lots import container_summary, lot_detail
from traceapp.services.packing import PackItem, pack
from traceapp.services.receiving import receive

FLOUR_GTIN = "09506000134352"
COOKIE_GTIN = "04006381333931"
EXPIRY = date(2027, 3, 31)
RASTER_DPI = 300
# A descriptive name as master data imports bring them, and a lot code of GS1's full 20
# characters: fine on 100×50, too much for 50×25.
LONG_LOT = "ORG-2027-03-31-B0042"
LONG_NAME = (
    "Wheat flour type 550, stone-ground, organic, from the northern mill cooperative; " * 3
)[:200]


def _sscc(serial: int) -> str:
    body = f"0950600{serial:010d}"
    return body + str(gs1_standard_check_digit(body))


PALLET_SSCC = _sscc(42)


@dataclass
class Db:
    url: str
    engine: Engine

    def uow(self, *, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.engine, write=write)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def db(db_url: str) -> Iterator[Db]:
    """Lots received through the services: flour by weight and cookies by count (with GTINs),
    sugar without GTIN, a long-named product; and a pallet of cookies under an SSCC."""
    engine, _ = open_database(db_url)
    with UnitOfWork(engine) as uow:
        masterdata.add_location(
            uow, actor=masterdata.actor_for(uow), code="RCV1", name="Dock", kind="station"
        )
    for part, name, unit, gtin in (
        ("FLOUR", "Wheat flour", "kg", FLOUR_GTIN),
        ("COOKIE", "Cookies 500 g", "ea", COOKIE_GTIN),
        ("SUGAR", "Sugar", "kg", None),
        ("ORGANIC", LONG_NAME, "kg", "09506000134369"),
    ):
        with UnitOfWork(engine) as uow:
            masterdata.add_product(
                uow,
                actor=masterdata.actor_for(uow),
                part_number=part,
                name=name,
                unit=unit,
                gtin=gtin,
            )
    with UnitOfWork(engine) as uow:
        masterdata.add_party(
            uow, actor=masterdata.actor_for(uow), code="MILL", name="Mill", kind="supplier"
        )
    with UnitOfWork(engine) as uow:
        actor = masterdata.actor_for(uow, station="RCV1")
    for lot, qty, product, expiry in (
        ("F-1", "12.5 kg", "FLOUR", EXPIRY),
        ("F-2", "40 kg", "FLOUR", date(2027, 4, 30)),
        ("C-1", "48 ea", "COOKIE", EXPIRY),
        ("S-1", "25 kg", "SUGAR", None),
        (LONG_LOT, "5 kg", "ORGANIC", EXPIRY),
    ):
        with UnitOfWork(engine) as uow:
            receive(
                uow,
                actor=actor,
                supplier="MILL",
                supplier_lot_code=lot,
                product=product,
                quantity=Quantity.parse(qty),
                expiry=expiry,
            )
    with UnitOfWork(engine) as uow:
        pack(
            uow,
            actor=actor,
            container=PALLET_SSCC,
            kind="pallet",
            items=[PackItem("C-1", Quantity.of(24, "ea"))],
        )
    try:
        yield Db(db_url, engine)
    finally:
        engine.dispose()


def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        message = "pdftoppm (poppler-utils) is not installed"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the label round trip is required)")
        pytest.skip(message)
    return found


def rasterize(pdf: Path) -> list[np.ndarray]:
    """`pdftoppm -png -r 300`: every page as the greyscale image a viewer would show."""
    prefix = pdf.with_suffix("")
    subprocess.run(
        [_pdftoppm(), "-png", "-r", str(RASTER_DPI), str(pdf), str(prefix)],
        check=True,
        capture_output=True,
    )
    pages = sorted(pdf.parent.glob(f"{prefix.name}-*.png"))
    assert pages, "pdftoppm wrote no pages"
    return [np.asarray(Image.open(page).convert("L")) for page in pages]


def assert_page_mm(page: np.ndarray, width_mm: float, height_mm: float) -> None:
    """The page has this size; poppler rounds the pixel count up or down by one."""
    expected = np.array([height_mm, width_mm]) / 25.4 * RASTER_DPI
    assert np.all(np.abs(np.array(page.shape) - expected) <= 1), (page.shape, expected)


def decode(image: np.ndarray) -> list[zxingcpp.Barcode]:
    # Plain text mode: the bytes as a scanner sends them, GS separators included.
    return zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)


def scan_text(barcode: zxingcpp.Barcode) -> str:
    """What a scanner set to send AIM symbology identifiers transmits."""
    return barcode.symbology_identifier + barcode.text


def label(capsys: pytest.CaptureFixture[str], db: Db, *args: str) -> Any:
    return call_json(capsys, "--db", db.url, "label", *args)


def test_a_lot_label_pdf_decodes_to_gs1_data_matrix_and_scans_back_to_the_lot(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lot.pdf"
    written = label(capsys, db, "lot", "FLOUR/F-1", "--out", str(out))

    (page,) = rasterize(out)
    (barcode,) = decode(page)
    assert barcode.format == zxingcpp.BarcodeFormat.DataMatrix
    assert barcode.symbology_identifier == "]d2"
    parsed = parse_code(scan_text(barcode))
    assert parsed.kind is CodeKind.GS1_ELEMENT_STRING
    assert (parsed.gtin, parsed.lot, parsed.expiry) == (FLOUR_GTIN, "F-1", EXPIRY)
    assert parsed.net_weight == Quantity.of("12.5", "kg")
    with db.uow(write=False) as uow:
        detail = lot_detail(uow, scan_text(barcode))
    assert detail.lot.name == "FLOUR/F-1"
    assert written["file"] == str(out)
    assert written["labels"] == [
        {
            "code": "FLOUR/F-1",
            "file": str(out),
            "kind": "lot",
            "part_number": "FLOUR",
            "gtin": FLOUR_GTIN,
            "lot": "F-1",
            "expiry": "2027-03-31",
            "sscc": None,
            "net_weight": {"value": "12.5", "unit": "kg"},
            "count": None,
            "internal_code": None,
            "gs1": f"(01){FLOUR_GTIN}(17)270331(3101)000125(10)F-1",
            "payload": barcode.text,
        }
    ]


def test_a_qr_lot_label_on_50x25_is_a_digital_link_both_decoders_read(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "small.pdf"
    label(capsys, db, "lot", "C-1", "--symbology", "qr", "--size", "50x25", "--out", str(out))

    (page,) = rasterize(out)
    assert_page_mm(page, 50, 25)
    (barcode,) = decode(page)
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert [r.data.decode() for r in pyzbar.decode(Image.fromarray(page))] == [barcode.text]
    parsed = parse_code(barcode.text)
    assert parsed.kind is CodeKind.GS1_DIGITAL_LINK
    assert barcode.text.startswith(f"https://id.gs1.org/01/{COOKIE_GTIN}/10/C-1")
    assert (parsed.gtin, parsed.lot, parsed.expiry) == (COOKIE_GTIN, "C-1", EXPIRY)
    assert parsed.count == Quantity.of(48, "ea")  # on hand: packing half onto a pallet keeps it
    with db.uow(write=False) as uow:
        assert lot_detail(uow, scan_text(barcode)).lot.name == "COOKIE/C-1"
        assert lot_detail(uow, barcode.text).lot.name == "COOKIE/C-1"


def test_an_a4_sheet_of_several_lots_decodes_to_every_lot(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sheet.pdf"
    codes = ["FLOUR/F-1", "F-2", "C-1", "SUGAR/S-1"]
    written = label(capsys, db, "lot", *codes, "--size", "a4-3x8", "--skip", "1", "--out", str(out))

    (page,) = rasterize(out)
    assert_page_mm(page, 210, 297)
    barcodes = decode(page)
    assert len(barcodes) == len(codes)
    found = {}
    with db.uow(write=False) as uow:
        for barcode in barcodes:
            # The plain code as the symbol holds it: find_lot takes no ]d1 prefix on a plain code.
            text = scan_text(barcode) if barcode.symbology_identifier == "]d2" else barcode.text
            found[lot_detail(uow, text).lot.name] = barcode.symbology_identifier
    assert found == {
        "FLOUR/F-1": "]d2",
        "FLOUR/F-2": "]d2",
        "COOKIE/C-1": "]d2",
        "SUGAR/S-1": "]d1",  # no GTIN: a plain Data Matrix holding PART/LOT
    }
    assert [entry["code"] for entry in written["labels"]] == codes
    assert written["labels"][3]["internal_code"] == "SUGAR/S-1"


def test_one_pdf_holds_one_label_per_page(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pages.pdf"
    label(capsys, db, "lot", "F-1", "F-2", "--out", str(out))
    pages = rasterize(out)
    with db.uow(write=False) as uow:
        names = [lot_detail(uow, scan_text(b)).lot.name for page in pages for b in decode(page)]
    assert names == ["FLOUR/F-1", "FLOUR/F-2"]


@pytest.mark.parametrize("symbology", ["datamatrix", "qr"])
def test_a_pallet_sscc_label_scans_back_to_the_pallet(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str], symbology: str
) -> None:
    out = tmp_path / "pallet.pdf"
    written = label(
        capsys,
        db,
        "container",
        PALLET_SSCC,
        "--size",
        "4x6",
        "--symbology",
        symbology,
        "--out",
        str(out),
    )

    (page,) = rasterize(out)
    (barcode,) = decode(page)
    parsed = parse_code(scan_text(barcode))
    assert (parsed.sscc, parsed.lot, parsed.expiry) == (PALLET_SSCC, "C-1", EXPIRY)
    assert dict(parsed.elements)["02"] == COOKIE_GTIN
    assert parsed.count == Quantity.of(24, "ea")
    if symbology == "qr":
        assert parsed.kind is CodeKind.GS1_DIGITAL_LINK
        assert [r.data.decode() for r in pyzbar.decode(Image.fromarray(page))] == [barcode.text]
    else:
        assert barcode.symbology_identifier == "]d2"
    with db.uow(write=False) as uow:
        summary = container_summary(uow, scan_text(barcode))
    assert (summary.code, summary.kind) == (PALLET_SSCC, "pallet")
    assert written["labels"][0]["sscc"] == PALLET_SSCC
    assert written["labels"][0]["kind"] == "pallet"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database is not the point
def test_zpl_holds_a_data_matrix_or_qr_field_per_label(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "labels.zpl"
    label(capsys, db, "lot", "F-1", "C-1", "--dpi", "300", "--out", str(out))
    zpl = out.read_text()
    assert zpl.count("^XA") == zpl.count("^XZ") == 2
    assert zpl.count("^BXN,") == 2
    # "_1" is FNC1 in first position: the printer makes a GS1 (]d2) Data Matrix.
    assert f"^FD_101{FLOUR_GTIN}" in zpl

    qr = tmp_path / "pallet.zpl"
    label(capsys, db, "container", PALLET_SSCC, "--symbology", "qr", "--out", str(qr))
    assert "^BQN,2," in qr.read_text()
    assert f"^FDMA,https://id.gs1.org/00/{PALLET_SSCC}" in qr.read_text()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database is not the point
def test_several_png_labels_are_numbered_files_that_decode(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "label.png"
    written = label(capsys, db, "lot", "F-1", "F-2", "--dpi", "203", "--out", str(out))
    files = [tmp_path / "label-1.png", tmp_path / "label-2.png"]
    assert written["files"] == [str(path) for path in files]
    assert written["file"] is None
    assert not out.exists()
    with db.uow(write=False) as uow:
        for path, lot in zip(files, ("FLOUR/F-1", "FLOUR/F-2"), strict=True):
            image = Image.open(path)
            assert image.info["dpi"] == pytest.approx((203, 203), abs=0.01)  # PNG stores dots/metre
            (barcode,) = decode(np.asarray(image.convert("L")))
            assert lot_detail(uow, scan_text(barcode)).lot.name == lot


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database is not the point
def test_an_unknown_lot_exits_3_and_writes_nothing(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    code, _, err = call(capsys, "--db", db.url, "label", "lot", "F-1", "NOPE-9", "--out", str(out))
    assert code == 3
    assert "NOPE-9" in err
    assert not out.exists()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database is not the point
def test_a_lot_too_big_for_50x25_is_refused_with_exit_2(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    code, _, err = call(
        capsys, "--db", db.url, "label", "lot", LONG_LOT, "--size", "50x25", "--out", str(out)
    )
    assert code == 2
    assert err.startswith("error: The label text does not fit a 50×25 mm label")
    assert "hint: Use a larger label size" in err
    assert not out.exists()
    # The same lot fits the default 100×50 label.
    code, _, err = call(capsys, "--db", db.url, "label", "lot", LONG_LOT, "--out", str(out))
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "a4-2x7", "--out", "x.png"], "printed as PDF"),
        (["--dpi", "300", "--out", "x.pdf"], "--dpi applies to PNG and ZPL"),
        (["--skip", "2", "--out", "x.pdf"], "--skip applies to A4 sheets only"),
        (["--out", "x.txt"], "Cannot tell the label format"),
        (["--out", "missing/x.pdf"], "does not exist"),
    ],
)
def test_options_that_do_not_go_together_are_refused_before_the_database_is_opened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    args = [str(tmp_path / arg) if arg.startswith(("x.", "missing/")) else arg for arg in args]
    never_opened = f"sqlite:///{tmp_path / 'absent.db'}"
    code, _, err = call(capsys, "--db", never_opened, "label", "lot", "F-1", *args)
    assert code == 2
    assert message in err
    assert sorted(path.name for path in tmp_path.iterdir()) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database is not the point
def test_a_lot_code_given_to_label_container_is_refused(
    db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = call(
        capsys, "--db", db.url, "label", "container", "F-1", "--out", str(tmp_path / "x.pdf")
    )
    assert code == 2
    assert "names lot FLOUR/F-1, not a case or pallet" in err


def test_an_unknown_size_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        call(capsys, "label", "lot", "F-1", "--size", "3x3", "--out", str(tmp_path / "x.pdf"))
    assert exited.value.code == 2
    assert "invalid choice: '3x3'" in capsys.readouterr().err


def test_product_add_stores_the_company_prefix_length(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = call(
        capsys,
        *["--db", db_url, "product", "add", "NUTS", "--name", "Nuts", "--unit", "kg"],
        *["--gtin", "4006381333931", "--company-prefix-length", "7"],
    )
    assert code == 0, err
    code, _, err = call(
        capsys,
        *["--db", db_url, "product", "add", "BOLTS", "--name", "Bolts", "--unit", "ea"],
        *["--company-prefix-length", "13"],
    )
    assert code == 2
    assert "6 to 12 digits" in err
    engine, _ = open_database(db_url)
    try:
        with UnitOfWork(engine, write=False) as uow:
            product = Repository(uow.session).product_by_part("NUTS")
            assert product is not None
            assert product.company_prefix_length == 7
    finally:
        engine.dispose()
