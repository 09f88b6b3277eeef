"""Lot status badges: colours that carry meaning, each a self-contained pair readable on any theme.

A badge paints its own background, so the pair holds the same contrast in the light and the dark
theme (white on the dark colours at 5:1 or more, near-black on amber at 12:1).
"""

from __future__ import annotations

from traceapp.domain.lots import LotStatus

_GREEN = ("#146c2e", "#ffffff")  # usable
_BLUE = ("#0b4fb3", "#ffffff")  # released by quality
_AMBER = ("#ffd23f", "#111418")  # on hold: look before using
_RED = ("#b0170f", "#ffffff")  # refused: rejected, recalled
_GREY = ("#4a515c", "#ffffff")  # finished with: consumed, shipped, voided

STATUS_COLOURS: dict[str, tuple[str, str]] = {
    LotStatus.ACTIVE.value: _GREEN,
    LotStatus.RELEASED.value: _BLUE,
    LotStatus.ON_HOLD.value: _AMBER,
    LotStatus.REJECTED.value: _RED,
    LotStatus.RECALLED.value: _RED,
    LotStatus.CONSUMED.value: _GREY,
    LotStatus.SHIPPED.value: _GREY,
    LotStatus.VOIDED.value: _GREY,
    # containers and shipments
    "open": _GREEN,
    "voided": _GREY,
}


def status_colours(status: str) -> tuple[str, str] | None:
    """(background, text) of the status badge, or None for a status shown as plain text."""
    return STATUS_COLOURS.get(status)


def badge_style(status: str) -> str:
    """A style sheet for a QLabel that shows the status as a badge."""
    colours = status_colours(status)
    if colours is None:
        return "font-weight: bold; padding: 4px 10px;"
    background, text = colours
    return (
        f"background: {background}; color: {text}; font-weight: bold; "
        "padding: 4px 10px; border-radius: 6px;"
    )
