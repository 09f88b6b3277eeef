"""Label sizes and A4 sheet layouts, in millimetres."""

from __future__ import annotations

from dataclasses import dataclass

from traceapp.reports.labels.errors import LabelError

MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)


@dataclass(frozen=True, slots=True)
class LabelSize:
    """One label's width and height in mm (landscape when wider than high)."""

    name: str
    width_mm: float
    height_mm: float

    def __post_init__(self) -> None:
        if self.width_mm <= 0 or self.height_mm <= 0:
            raise LabelError(f"Label size {self.name!r} must have a positive width and height.")

    @property
    def landscape(self) -> bool:
        return self.width_mm >= self.height_mm


LABEL_100X50 = LabelSize("100×50 mm", 100.0, 50.0)
LABEL_50X25 = LabelSize("50×25 mm", 50.0, 25.0)
LABEL_4X6 = LabelSize("4×6 in", 4 * MM_PER_INCH, 6 * MM_PER_INCH)
LABEL_99X38 = LabelSize("99.1×38.1 mm", 99.1, 38.1)
LABEL_70X37 = LabelSize("70×37 mm", 70.0, 37.0)


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """N-up labels on a sheet: columns × rows of one label size, from the top-left corner."""

    name: str
    label: LabelSize
    columns: int
    rows: int
    left_mm: float  # page edge to the first column
    top_mm: float  # page edge to the first row
    column_pitch_mm: float  # left edge to left edge
    row_pitch_mm: float  # top edge to top edge
    page_mm: tuple[float, float] = A4_MM

    def __post_init__(self) -> None:
        right = self.left_mm + (self.columns - 1) * self.column_pitch_mm + self.label.width_mm
        bottom = self.top_mm + (self.rows - 1) * self.row_pitch_mm + self.label.height_mm
        # A tenth of a millimetre of slack: sheet specifications round their margins.
        if (
            self.columns < 1
            or self.rows < 1
            or self.left_mm < 0
            or self.top_mm < 0
            or right > self.page_mm[0] + 0.1
            or bottom > self.page_mm[1] + 0.1
            or self.column_pitch_mm < self.label.width_mm
            or self.row_pitch_mm < self.label.height_mm
        ):
            raise LabelError(
                f"Sheet layout {self.name!r} does not fit its page or overlaps its labels.",
                hint="Check the margins and pitches against the label sheet's specification.",
            )

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, slot: int) -> tuple[float, float]:
        """Top-left corner (mm from the page's top-left) of slot 0, 1, … counted row by row."""
        row, column = divmod(slot % self.per_page, self.columns)
        return self.left_mm + column * self.column_pitch_mm, self.top_mm + row * self.row_pitch_mm


# 14 per A4 sheet (the common 99.1×38.1 mm layout, e.g. Avery L7163).
A4_2X7 = SheetLayout("A4 2×7 99.1×38.1 mm", LABEL_99X38, 2, 7, 4.65, 15.15, 101.6, 38.1)
# 24 per A4 sheet, edge to edge (e.g. 70×37 mm address labels).
A4_3X8 = SheetLayout("A4 3×8 70×37 mm", LABEL_70X37, 3, 8, 0.0, 0.5, 70.0, 37.0)
