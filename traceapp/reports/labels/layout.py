"""Where the symbol and each text line go on a label, in mm from its top-left corner.

Every output (PDF, PNG, ZPL) draws the same layout, so what the tests check here holds for all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from traceapp.domain.codes.build import DEFAULT_DIGITAL_LINK_DOMAIN
from traceapp.reports.labels.content import SEGMENT_GAP, LabelContent, Symbology
from traceapp.reports.labels.errors import LabelDoesNotFit
from traceapp.reports.labels.fonts import ASCENT, DESCENT, POINTS_PER_MM, text_width_mm
from traceapp.reports.labels.sizes import LabelSize
from traceapp.reports.labels.symbols import Symbol, make_symbol

MARGIN_MM = 1.5  # printers do not print to the die-cut edge, and labels shift by about 1 mm
GAP_MM = 1.5  # between symbol and text
# GS1 General Specifications, table 5.12.3.x for GS1 Data Matrix: X from 0.254 mm (rounded to the
# 0.25 mm two dots give at 203 dpi) to 0.990 mm. QR has no GS1 table of its own here; same range.
MIN_MODULE_MM = 0.25
MAX_MODULE_MM = 0.99
MAX_SYMBOL_SHARE = 0.45  # of the label's long side: the rest is for the text
MIN_FONT_PT = 5.0  # about 1.8 mm capitals: the smallest a person reads at arm's length
COMFORT_FONT_PT = 6.5  # text shrinks below this only when the symbol would otherwise shrink
TARGET_MODULE_MM = 0.4  # what handheld scanners read at a glance; below it only if text needs
MODULE_STEP = 0.9  # vector output: each smaller module size tried is 10 % smaller
MAX_FONT_PT = 24.0  # a pallet label is read from a forklift
FONT_STEP_PT = 0.25
LINE_SPACING = 1.2  # baseline to baseline, as a multiple of the font size
_TOKENS = re.compile(r"\s+|\S+")


@dataclass(frozen=True, slots=True)
class Box:
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float

    def contains(self, other: Box, tolerance_mm: float = 1e-6) -> bool:
        return (
            other.x_mm >= self.x_mm - tolerance_mm
            and other.y_mm >= self.y_mm - tolerance_mm
            and other.x_mm + other.width_mm <= self.x_mm + self.width_mm + tolerance_mm
            and other.y_mm + other.height_mm <= self.y_mm + self.height_mm + tolerance_mm
        )


@dataclass(frozen=True, slots=True)
class PlacedSymbol:
    symbol: Symbol
    x_mm: float  # top-left of the first module (the quiet zone lies outside)
    y_mm: float
    module_mm: float

    @property
    def outer(self) -> Box:
        """The symbol with its quiet zone."""
        quiet = self.symbol.quiet_zone * self.module_mm
        return Box(
            self.x_mm - quiet,
            self.y_mm - quiet,
            self.symbol.columns * self.module_mm + 2 * quiet,
            self.symbol.rows * self.module_mm + 2 * quiet,
        )


@dataclass(frozen=True, slots=True)
class PlacedLine:
    text: str
    x_mm: float
    baseline_mm: float
    size_pt: float
    bold: bool

    @property
    def box(self) -> Box:
        """The line's ink extent: width as measured, ascender to descender."""
        size_mm = self.size_pt / POINTS_PER_MM
        width = text_width_mm(self.text, self.size_pt, self.bold)
        top = self.baseline_mm - ASCENT * size_mm
        return Box(self.x_mm, top, width, (ASCENT + DESCENT) * size_mm)


@dataclass(frozen=True, slots=True)
class LabelLayout:
    size: LabelSize
    symbol: PlacedSymbol
    lines: tuple[PlacedLine, ...]
    text_box: Box

    @property
    def label_box(self) -> Box:
        return Box(0.0, 0.0, self.size.width_mm, self.size.height_mm)


def default_symbology(content: LabelContent) -> Symbology:
    """GS1 Data Matrix for GS1 content (what GS1 asks for on trade items); QR for internal codes."""
    return Symbology.DATA_MATRIX if content.is_gs1 else Symbology.QR


def layout_for(
    content: LabelContent,
    size: LabelSize,
    symbology: Symbology | None = None,
    *,
    domain: str = DEFAULT_DIGITAL_LINK_DOMAIN,
    dots_per_mm: float | None = None,
) -> LabelLayout:
    """The layout of one label; shared by the PDF, PNG and ZPL writers."""
    chosen = symbology or default_symbology(content)
    return lay_out(
        content, size, make_symbol(content, chosen, domain=domain), dots_per_mm=dots_per_mm
    )


def lay_out(
    content: LabelContent,
    size: LabelSize,
    symbol: Symbol,
    *,
    dots_per_mm: float | None = None,
) -> LabelLayout:
    """Landscape: symbol left, text beside it. Portrait: text from the top, symbol at the bottom.

    The symbol gets the largest module that leaves the text readable: first at COMFORT_FONT_PT,
    then at MIN_FONT_PT, then without the facts the HRI repeats. With `dots_per_mm` (a printer's
    or PNG's resolution) a module is a whole number of dots, so every module prints alike.
    """
    modules = _module_sizes(symbol, size, dots_per_mm)
    full, compact = _lines(content, compact=False), _lines(content, compact=True)
    # Scanning comes first: the symbol stays at TARGET_MODULE_MM while the text can shrink, and
    # goes below it only when even the compact text does not fit otherwise.
    attempts = (
        (TARGET_MODULE_MM, full, COMFORT_FONT_PT),
        (TARGET_MODULE_MM, full, MIN_FONT_PT),
        (TARGET_MODULE_MM, compact, MIN_FONT_PT),
        (MIN_MODULE_MM, full, MIN_FONT_PT),
        (MIN_MODULE_MM, compact, MIN_FONT_PT),
    )
    for smallest_module, lines, smallest_font in attempts:
        for module in modules:
            if module < smallest_module - 0.01:
                break
            placed, text_box = _place(symbol, size, module, dots_per_mm)
            fitted = _fit_text(lines, text_box, smallest_font, centred=size.landscape)
            if fitted is not None:
                return LabelLayout(size, placed, fitted, text_box)
    raise LabelDoesNotFit(
        f"The label text does not fit a {size.name} label beside the symbol, even at {MIN_FONT_PT} pt"
        f" with the symbol at its smallest ({MIN_MODULE_MM} mm modules).",
        hint="Use a larger label size, or leave out extra lines.",
    )


def _place(
    symbol: Symbol, size: LabelSize, module: float, dots_per_mm: float | None
) -> tuple[PlacedSymbol, Box]:
    width, height = size.width_mm, size.height_mm
    side = symbol.span * module
    if size.landscape:
        x, y = MARGIN_MM, (height - side) / 2
        text_box = Box(
            x + side + GAP_MM,
            MARGIN_MM,
            width - side - GAP_MM - 2 * MARGIN_MM,
            height - 2 * MARGIN_MM,
        )
    else:
        # Shipping labels read top-down: who and what first, the symbol where the scanner goes.
        x, y = (width - side) / 2, height - MARGIN_MM - side
        text_box = Box(
            MARGIN_MM, MARGIN_MM, width - 2 * MARGIN_MM, height - side - GAP_MM - 2 * MARGIN_MM
        )
    if dots_per_mm is not None:  # whole dots, so modules line up with the printer's dot rows
        x, y = (round(value * dots_per_mm) / dots_per_mm for value in (x, y))
    quiet = symbol.quiet_zone * module
    return PlacedSymbol(symbol, x + quiet, y + quiet, module), text_box


def _module_sizes(symbol: Symbol, size: LabelSize, dots_per_mm: float | None) -> list[float]:
    """Module sizes to try, largest first: from what the space allows down to MIN_MODULE_MM."""
    if size.landscape:
        room = min(size.height_mm - 2 * MARGIN_MM, size.width_mm * MAX_SYMBOL_SHARE)
    else:
        room = min(size.width_mm - 2 * MARGIN_MM, size.height_mm * MAX_SYMBOL_SHARE)
    largest = min(room / symbol.span, MAX_MODULE_MM)
    if dots_per_mm is None:
        sizes = [largest]
        while sizes[-1] * MODULE_STEP > MIN_MODULE_MM:
            sizes.append(sizes[-1] * MODULE_STEP)
        sizes.append(MIN_MODULE_MM)
    else:
        most = math.floor(largest * dots_per_mm + 1e-9)
        fewest = math.ceil(MIN_MODULE_MM * dots_per_mm - 1e-3)  # 0.25 mm is 1.998 dots at 203 dpi
        sizes = [dots / dots_per_mm for dots in range(most, fewest - 1, -1)]
    sizes = [module for module in sizes if module <= largest + 1e-9]
    if not sizes or sizes[0] < MIN_MODULE_MM - 0.01:
        raise LabelDoesNotFit(
            f"The {symbol.rows}×{symbol.columns} {symbol.symbology} symbol needs modules of at"
            f" least {MIN_MODULE_MM} mm ({symbol.span * MIN_MODULE_MM:.1f} mm with its quiet"
            f" zone); a {size.name} label leaves {largest:.2f} mm.",
            hint="Use a larger label size, or shorten the lot code, serial or extra fields.",
        )
    return sizes


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    bold: bool
    keep_segments: bool = False  # an HRI element ("(00) 0950…") is never split across lines


def _lines(content: LabelContent, *, compact: bool) -> list[_Line]:
    """In reading order: title, facts, then the HRI under the facts."""
    return [
        _Line(content.title(), bold=True),
        *(_Line(line, bold=False) for line in content.text_lines(compact=compact)),
        _Line(content.hri(), bold=True, keep_segments=True),
    ]


def _fit_text(
    lines: Sequence[_Line], box: Box, smallest_pt: float, *, centred: bool
) -> tuple[PlacedLine, ...] | None:
    """The lines at the largest font size at which all fit the box, wrapped; None if none does."""
    if box.width_mm <= 0 or box.height_mm <= 0:
        return None
    points = MAX_FONT_PT
    while points >= smallest_pt - 1e-9:
        if any(
            text_width_mm(segment, points, line.bold) > box.width_mm
            for line in lines
            if line.keep_segments
            for segment in line.text.split(SEGMENT_GAP)
        ):
            points -= FONT_STEP_PT
            continue
        wrapped = [
            (part, line.bold)
            for line in lines
            for part in _wrap(line.text, points, line.bold, box.width_mm)
        ]
        leading = points * LINE_SPACING / POINTS_PER_MM
        size_mm = points / POINTS_PER_MM
        block = (len(wrapped) - 1) * leading + (ASCENT + DESCENT) * size_mm
        if block <= box.height_mm:
            spare = box.height_mm - block
            first = box.y_mm + (spare / 2 if centred else 0.0) + ASCENT * size_mm
            return tuple(
                PlacedLine(text, box.x_mm, first + index * leading, points, bold)
                for index, (text, bold) in enumerate(wrapped)
            )
        points -= FONT_STEP_PT
    return None


def _wrap(text: str, points: float, bold: bool, width_mm: float) -> list[str]:
    """Segments (SEGMENT_GAP apart) side by side while they fit; each wrapped on its own if not."""
    result: list[str] = []
    line = ""
    for segment in text.split(SEGMENT_GAP):
        candidate = f"{line}{SEGMENT_GAP}{segment}" if line else segment
        if text_width_mm(candidate, points, bold) <= width_mm:
            line = candidate
            continue
        if line:
            result.append(line)
        *full, line = _wrap_words(segment, points, bold, width_mm) or [""]
        result.extend(full)
    if line:
        result.append(line)
    return result


def _wrap_words(text: str, points: float, bold: bool, width_mm: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    result: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        candidate = line + token
        if text_width_mm(candidate.rstrip(), points, bold) <= width_mm:
            line = candidate
            continue
        if line.strip():
            result.append(line.rstrip())
        line = "" if token.isspace() else token
        while text_width_mm(line, points, bold) > width_mm:
            cut = _longest_prefix(line, points, bold, width_mm)
            result.append(line[:cut])
            line = line[cut:]
    if line.strip():
        result.append(line.rstrip())
    return result


def _longest_prefix(text: str, points: float, bold: bool, width_mm: float) -> int:
    cut = len(text) - 1
    while cut > 1 and text_width_mm(text[:cut], points, bold) > width_mm:
        cut -= 1
    return max(cut, 1)
