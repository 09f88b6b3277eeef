"""Quantities as decimals with their unit, with the conversions a plant needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from traceapp.domain.errors import InvalidInput, UnitMismatch

# Each unit maps to (dimension, factor to the dimension's base unit).
_UNITS: dict[str, tuple[str, Decimal]] = {
    "kg": ("mass", Decimal(1)),
    "g": ("mass", Decimal("0.001")),
    "mg": ("mass", Decimal("0.000001")),
    "t": ("mass", Decimal(1000)),
    "lb": ("mass", Decimal("0.45359237")),
    "l": ("volume", Decimal(1)),
    "ml": ("volume", Decimal("0.001")),
    "m3": ("volume", Decimal(1000)),
    "ea": ("count", Decimal(1)),
    "m": ("length", Decimal(1)),
}
_ALIASES = {
    "pcs": "ea",
    "pc": "ea",
    "each": "ea",
    "unit": "ea",
    "units": "ea",
    "L": "l",
    "kgs": "kg",
    "litre": "l",
    "liter": "l",
    "mL": "ml",
}
_QUANTITY_RE = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*([A-Za-z0-9]+)\s*$")
MAX_DIGITS = 18  # Numeric(18, 6) columns: twelve integer digits, six decimals
SCALE = Decimal("0.000001")


def normalize_unit(unit: str) -> str:
    """The canonical spelling of a unit; unknown units are refused, not guessed."""
    cleaned = unit.strip()
    cleaned = _ALIASES.get(cleaned, cleaned)
    cleaned = _ALIASES.get(cleaned.lower(), cleaned.lower())
    if cleaned not in _UNITS:
        known = ", ".join(sorted(_UNITS))
        raise InvalidInput(f"Unknown unit {unit!r}.", hint=f"Use one of: {known}.")
    return cleaned


def to_decimal(value: Decimal | int | str) -> Decimal:
    """A finite decimal with at most six decimals; floats are refused to keep sums exact."""
    if isinstance(value, float):
        raise InvalidInput("Quantities are decimals; pass a string or Decimal, not a float.")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(f"{value!r} is not a number.", hint="Type digits, e.g. 12.5.") from None
    if not number.is_finite():
        raise InvalidInput(f"{value!r} is not a finite number.", hint="Type digits, e.g. 12.5.")
    if number != number.quantize(SCALE):
        raise InvalidInput(
            f"{value!r} has more than six decimals.", hint="Round it to six decimals or fewer."
        )
    if abs(number) >= Decimal(10) ** (MAX_DIGITS - 6):
        raise InvalidInput(
            f"{value!r} is too large for a quantity.", hint="Check the number and the unit."
        )
    return number.quantize(SCALE).normalize() if number else Decimal(0)


@dataclass(frozen=True, slots=True)
class Quantity:
    """An amount and its unit; arithmetic only between convertible units."""

    value: Decimal
    unit: str

    @classmethod
    def of(cls, value: Decimal | int | str, unit: str) -> Quantity:
        return cls(to_decimal(value), normalize_unit(unit))

    @classmethod
    def parse(cls, text: str) -> Quantity:
        """Read '12.5 kg' or '12,5kg'."""
        match = _QUANTITY_RE.match(text)
        if not match:
            raise InvalidInput(f"{text!r} is not a quantity.", hint="Write it as e.g. '12.5 kg'.")
        return cls.of(match.group(1), match.group(2))

    @property
    def dimension(self) -> str:
        return _UNITS[self.unit][0]

    def convertible_to(self, unit: str) -> bool:
        return _UNITS[normalize_unit(unit)][0] == self.dimension

    def to(self, unit: str) -> Quantity:
        target = normalize_unit(unit)
        if target == self.unit:
            return self
        dimension, factor = _UNITS[target]
        if dimension != self.dimension:
            raise UnitMismatch(
                f"{self} cannot be converted to {target}.",
                hint=f"Give the quantity in a {dimension} unit such as {target}.",
            )
        converted = self.value * _UNITS[self.unit][1] / factor
        return Quantity(converted.quantize(SCALE).normalize() if converted else Decimal(0), target)

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.value + other.to(self.unit).value, self.unit)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.value - other.to(self.unit).value, self.unit)

    def is_positive(self) -> bool:
        return self.value > 0

    def __str__(self) -> str:
        return f"{format_decimal(self.value)} {self.unit}"


def format_decimal(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: 12.5, 1000, 0.25."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
