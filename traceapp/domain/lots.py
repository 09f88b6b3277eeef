"""Lot status rules and how a person names a lot (PART/LOTCODE or a bare lot code)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from traceapp.domain.errors import InsufficientQuantity, InvalidInput, LotNotUsable
from traceapp.domain.quantity import Quantity


class LotStatus(enum.StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    RELEASED = "released"
    REJECTED = "rejected"
    CONSUMED = "consumed"
    SHIPPED = "shipped"
    RECALLED = "recalled"
    # The step that created the lot was declared an error (it did not occur).
    VOIDED = "voided"


class LotOrigin(enum.StrEnum):
    RECEIVED = "received"
    PRODUCED = "produced"
    IMPORTED = "imported"


class ProductKind(enum.StrEnum):
    RAW = "raw"
    INTERMEDIATE = "intermediate"
    FINISHED = "finished"
    PACKAGING = "packaging"


# Statuses from which a lot may give material (be consumed, packed or shipped).
USABLE_STATUSES = frozenset({LotStatus.ACTIVE, LotStatus.RELEASED})

_WHAT_TO_DO = {
    LotStatus.ON_HOLD: "Ask a supervisor or quality manager to release it.",
    LotStatus.REJECTED: "A rejected lot may not be used; pick another lot.",
    LotStatus.RECALLED: "A recalled lot may not be used; quarantine it.",
    LotStatus.CONSUMED: "Nothing is left of it; scan the next lot.",
    LotStatus.SHIPPED: "It has left the plant; scan another lot.",
    LotStatus.VOIDED: "Its receipt or production was corrected away; scan another lot.",
}

MAX_CODE_LENGTH = 80


@dataclass(frozen=True, slots=True)
class LotReference:
    """What a person typed or scanned to name a lot."""

    part_number: str | None
    lot_code: str

    @classmethod
    def parse(cls, text: str) -> LotReference:
        cleaned = clean_code(text)
        if "/" in cleaned:
            part, _, lot = cleaned.partition("/")
            if not part or not lot:
                raise InvalidInput(
                    f"{text!r} is not PART/LOTCODE.", hint="Write e.g. FLOUR-01/L2417."
                )
            return cls(part, lot)
        return cls(None, cleaned)

    def __str__(self) -> str:
        return f"{self.part_number}/{self.lot_code}" if self.part_number else self.lot_code


def clean_code(text: str) -> str:
    """Trim a typed or scanned code and refuse what cannot be a code (control characters, overlong)."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("The code is empty.", hint="Scan or type a code.")
    if len(cleaned) > MAX_CODE_LENGTH:
        raise InvalidInput(
            f"The code is {len(cleaned)} characters long; at most {MAX_CODE_LENGTH} are allowed.",
            hint="Rescan it; if this keeps happening, check the scanner's suffix settings.",
        )
    if any(
        ord(ch) < 32 or ord(ch) == 127 or 0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069
        for ch in cleaned
    ):
        raise InvalidInput(
            "The code contains control characters.",
            hint="Rescan it; if this keeps happening, check the scanner's suffix settings.",
        )
    return cleaned


def ensure_usable(name: str, status: LotStatus, *, step: str) -> None:
    """Refuse to take material from a lot whose status forbids it."""
    if status not in USABLE_STATUSES:
        label = status.value.replace("_", " ").upper()
        raise LotNotUsable(
            f"Lot {name} is {label} and cannot be used to {step}.",
            hint=_WHAT_TO_DO.get(status, ""),
        )


def ensure_available(name: str, available: Quantity, requested: Quantity) -> None:
    """Mass balance: a lot cannot give more than it has on hand."""
    if not requested.is_positive():
        raise InvalidInput(
            f"The quantity for lot {name} must be more than zero, not {requested}.",
            hint="Type the quantity taken, e.g. 20 kg.",
        )
    needed = requested.to(available.unit)
    if needed.value > available.value:
        raise InsufficientQuantity(
            f"Lot {name} has {available} available; {needed} requested.",
            hint="Check the quantity, or scan another lot for the rest.",
        )
