"""Label layout: text inside the label and clear of the symbol, modules never below 0.25 mm."""

from __future__ import annotations

import io

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from tests.reports.labels.samples import CONTENTS, GTIN
from traceapp.reports.labels import (
    A4_2X7,
    A4_3X8,
    LABEL_4X6,
    LABEL_50X25,
    LABEL_70X37,
    LABEL_99X38,
    LABEL_100X50,
    LabelContent,
    LabelDoesNotFit,
    LabelError,
    LabelKind,
    LabelSize,
    SheetLayout,
    Symbology,
    layout_for,
    render_pdf,
    render_png,
)
from traceapp.reports.labels.layout import MARGIN_MM, MIN_FONT_PT, MIN_MODULE_MM
from traceapp.reports.labels.symbols import gs1_data_matrix

SIZES = [LABEL_100X50, LABEL_50X25, LABEL_4X6, LABEL_99X38, LABEL_70X37]


@pytest.mark.parametrize("symbology", list(Symbology))
@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
@pytest.mark.parametrize("kind", list(CONTENTS))
def test_text_stays_in_its_box_and_clear_of_the_symbol(
    kind: str, size: LabelSize, symbology: Symbology
) -> None:
    layout = layout_for(CONTENTS[kind], size, symbology)
    symbol = layout.symbol.outer
    assert layout.label_box.contains(symbol)
    assert layout.symbol.module_mm >= MIN_MODULE_MM
    assert layout.lines
    for line in layout.lines:
        assert line.size_pt >= MIN_FONT_PT
        assert layout.text_box.contains(line.box), line
        assert layout.label_box.contains(line.box)
        clear_right = line.box.x_mm >= symbol.x_mm + symbol.width_mm
        clear_below = line.box.y_mm + line.box.height_mm <= symbol.y_mm
        assert clear_right or clear_below, line


def test_a_printers_resolution_gives_whole_dots_per_module() -> None:
    for dpi in (203, 300):
        layout = layout_for(CONTENTS["pallet"], LABEL_50X25, dots_per_mm=dpi / 25.4)
        dots = layout.symbol.module_mm * dpi / 25.4
        assert dots == pytest.approx(round(dots))
        assert round(dots) >= 2


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("kind", list(CONTENTS))
def test_nothing_is_drawn_in_the_png_margin(kind: str, dpi: int) -> None:
    """Nothing cut off: the outer margin of every label stays blank."""
    png = Image.open(io.BytesIO(render_png(CONTENTS[kind], LABEL_50X25, dpi=dpi)))
    pixels = np.asarray(png.convert("L"))
    edge = int(MARGIN_MM * dpi / 25.4) - 1
    for strip in (pixels[:edge], pixels[-edge:], pixels[:, :edge], pixels[:, -edge:]):
        assert strip.min() == 255


def test_a_long_name_wraps_instead_of_running_off_the_label() -> None:
    content = LabelContent(
        LabelKind.LOT,
        "P-100",
        "Extra-long product description that no 50 mm label could ever hold on one line",
        gtin=GTIN,
        lot="L1",
    )
    layout = layout_for(content, LABEL_50X25)
    assert sum(line.bold for line in layout.lines) >= 3  # title over several lines, then HRI
    assert all(layout.text_box.contains(line.box) for line in layout.lines)


def test_an_hri_element_is_never_split_across_lines() -> None:
    layout = layout_for(CONTENTS["case"], LABEL_50X25, Symbology.QR)
    texts = [line.text for line in layout.lines]
    assert any(text.startswith("(00) 095060001343520000") for text in texts)
    assert "(00)" not in texts


def test_text_that_cannot_fit_raises_instead_of_being_cut() -> None:
    crowded = LabelContent(
        LabelKind.LOT,
        "P-100",
        "Sauce",
        gtin=GTIN,
        lot="L1",
        lines=tuple(f"Note {i}" for i in range(12)),
    )
    with pytest.raises(LabelDoesNotFit, match="larger label"):
        layout_for(crowded, LABEL_50X25)
    assert layout_for(crowded, LABEL_4X6).lines


def test_a_symbol_that_needs_modules_below_the_minimum_is_refused() -> None:
    content = LabelContent(LabelKind.LOT, "P-100", "Sauce", internal_code="X" * 80)
    tiny = LabelSize("20×10 mm", 20.0, 10.0)
    with pytest.raises(LabelDoesNotFit, match=r"0\.25 mm"):
        layout_for(content, tiny, Symbology.QR)


def test_a_sheet_that_does_not_fit_its_page_is_refused() -> None:
    with pytest.raises(LabelError, match="does not fit"):
        SheetLayout("too wide", LABEL_100X50, 3, 5, 0.0, 0.0, 100.0, 50.0)


def test_sheet_layouts_fill_a4_row_by_row() -> None:
    assert (A4_2X7.per_page, A4_3X8.per_page) == (14, 24)
    assert A4_2X7.origin(0) == (4.65, 15.15)
    assert A4_2X7.origin(1) == pytest.approx((106.25, 15.15))
    assert A4_3X8.origin(23) == pytest.approx((140.0, 259.5))


def test_slots_before_first_slot_stay_empty_and_bad_slots_are_refused() -> None:
    with pytest.raises(LabelError, match="Slot 24"):
        render_pdf([CONTENTS["lot"]], A4_3X8, first_slot=24)
    with pytest.raises(LabelError, match="no labels"):
        render_pdf([], LABEL_100X50)


def test_the_same_labels_give_the_same_pdf_bytes() -> None:
    first = render_pdf(list(CONTENTS.values()), LABEL_100X50)
    assert first == render_pdf(list(CONTENTS.values()), LABEL_100X50)
    assert first.startswith(b"%PDF")
    assert first.count(b"/Type /Page\n") == len(CONTENTS)


def test_a_rectangular_data_matrix_would_be_refused() -> None:
    """The guard behind forceSquare: zxing-cpp's default picks a DMRE rectangle."""
    rectangle = zxingcpp.create_barcode(
        f"[01]{GTIN}[10]ABC", zxingcpp.BarcodeFormat.DataMatrix, gs1=True
    )
    shape = np.asarray(rectangle.to_image(scale=1, add_quiet_zones=False)).shape
    assert shape[0] != shape[1]  # if this fails, zxing-cpp changed its default
    content = CONTENTS["lot"]
    assert content.gs1 is not None
    symbol = gs1_data_matrix(content.gs1)
    assert symbol.rows == symbol.columns


def test_a_lot_with_parentheses_goes_into_the_data_matrix_verbatim() -> None:
    """GS1 allows "(" and ")" in a lot; they must not be taken for AI brackets on the way in."""
    content = LabelContent(LabelKind.LOT, "P-100", gtin=GTIN, lot="A(17)261231")
    assert content.gs1 is not None
    symbol = gs1_data_matrix(content.gs1)  # checks the bytes zxing-cpp encoded
    assert symbol.payload == f"01{GTIN}10A(17)261231"
