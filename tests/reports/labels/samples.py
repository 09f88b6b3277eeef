"""Label samples shared by the tests: one content per kind, and a PDF → PNG rasterizer (pdftoppm)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from traceapp.domain.quantity import Quantity
from traceapp.reports.labels import LabelContent, LabelKind

GTIN = "09506000134352"
SSCC = "095060001343520000"
RASTER_DPI = 300  # what the round trip renders at: a common scanner-equivalent resolution

CONTENTS = {
    "lot": LabelContent(
        LabelKind.LOT,
        "P-100",
        "Tomato sauce base, 5 kg bucket",
        gtin=GTIN,
        lot="L2024-117",
        expiry=date(2026, 12, 31),
        net_weight=Quantity.of("12.5", "kg"),
    ),
    "case": LabelContent(
        LabelKind.CASE,
        "P-100",
        "Tomato sauce base",
        gtin=GTIN,
        sscc=SSCC,
        count=Quantity.of(12, "ea"),
        best_before=date(2026, 6, 15),
    ),
    "pallet": LabelContent(
        LabelKind.PALLET,
        "P-100",
        "Tomato sauce base",
        gtin=GTIN,
        sscc=SSCC,
        lot="L2024-117",
        count=Quantity.of(48, "ea"),
        lines=("Ship to: Example Foods Ltd, Dock 4",),
    ),
    "internal": LabelContent(
        LabelKind.LOT,
        "RAW-7",
        "Sugar, fine (supplier lot S-99)",
        lot="L2024-118",
        net_weight=Quantity.of("25", "kg"),
    ),
}


def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        message = "pdftoppm (poppler-utils) is not installed"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the label round trip is required)")
        pytest.skip(message)
    return found


def rasterize(pdf: bytes, tmp_path: Path, dpi: int = RASTER_DPI) -> list[np.ndarray]:
    """Every page of the PDF as a greyscale image, rendered by poppler as a viewer would."""
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [_pdftoppm(), "-png", "-gray", "-r", str(dpi), str(source), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages, "pdftoppm wrote no pages"
    return [np.asarray(Image.open(page).convert("L")) for page in pages]
