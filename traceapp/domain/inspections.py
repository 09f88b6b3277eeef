"""Inspection plans and the check of each entered value against its characteristic."""

from __future__ import annotations

import enum
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from traceapp.domain.errors import InvalidInput, KnownError
from traceapp.domain.ids import LotId

MAX_NAME = 40  # a characteristic's name, as typed on the command line and shown in a grid
MAX_DECIMALS = 6  # the database keeps six decimals
MAX_SAMPLE_SIZE = 100
MAX_ANSWER = 80  # an attribute answer or defect code
MAX_UNIT = 16
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

PASSED = "passed"
FAILED = "failed"

# Attribute answers a person or a gauge may give for the usual two: "OK ", "pass" and "Passed"
# are one answer. The canonical spelling is the one the plan lists.
SYNONYMS: dict[str, frozenset[str]] = {
    "ok": frozenset({"ok", "pass", "passed", "good", "yes", "y", "io", "i.o.", "conforming"}),
    "fail": frozenset(
        {"fail", "failed", "nok", "not ok", "n.i.o.", "nio", "ng", "bad", "no", "n", "reject"}
    ),
}


class CharacteristicKind(enum.StrEnum):
    VARIABLE = "variable"  # a measured number with limits
    ATTRIBUTE = "attribute"  # one answer from a list (pass/fail or a defect code)
    COUNT = "count"  # a number of defects, at most so many


class InspectionRefused(KnownError):
    """The inspection as entered cannot be recorded (a reading missing, an answer unknown)."""

    code = "inspection_refused"


def normalise_answer(text: str) -> str:
    """Case, surrounding and doubled whitespace and accents do not make a different answer."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def _canonical(answer: str) -> str:
    key = normalise_answer(answer)
    for canonical, spellings in SYNONYMS.items():
        if key in spellings:
            return canonical
    return key


def round_reading(value: Decimal, decimals: int) -> Decimal:
    """A reading is rounded half away from zero to the characteristic's decimals before it is
    compared with the limits (a gauge may send more digits than the drawing states)."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def parse_number(text: str, *, what: str) -> Decimal:
    cleaned = text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text else text
    try:
        value = Decimal(cleaned.strip())
    except InvalidOperation:
        raise InvalidInput(f"{what}: {text.strip()!r} is not a number.") from None
    if not value.is_finite():
        raise InvalidInput(f"{what}: {text.strip()!r} is not a number.")
    return value


@dataclass(frozen=True, slots=True)
class Characteristic:
    """One thing a plan checks. Variables have limits, attributes a list of answers, counts a
    maximum."""

    name: str
    kind: CharacteristicKind
    nominal: Decimal | None = None
    lsl: Decimal | None = None
    usl: Decimal | None = None
    unit: str = ""
    decimals: int = 0
    answers: tuple[str, ...] = ()  # every allowed answer, incl. defect codes
    passing: tuple[str, ...] = ()  # the answers that pass
    max_count: int | None = None

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name) or len(self.name) > MAX_NAME:
            raise InvalidInput(
                f"{self.name!r} cannot name a characteristic.",
                hint=f"Use up to {MAX_NAME} letters, digits, '_', '-' or '.', e.g. diameter.",
            )
        if self.kind is CharacteristicKind.VARIABLE:
            self._check_variable()
        elif self.kind is CharacteristicKind.ATTRIBUTE:
            self._check_attribute()
        elif self.max_count is None or self.max_count < 0:
            raise InvalidInput(f"Count {self.name} needs the most defects allowed (0 or more).")

    def _check_variable(self) -> None:
        if self.lsl is None and self.usl is None:
            raise InvalidInput(f"Variable {self.name} needs an LSL, a USL or both.")
        if not 0 <= self.decimals <= MAX_DECIMALS:
            raise InvalidInput(f"{self.name}: decimals must be 0 to {MAX_DECIMALS}.")
        if len(self.unit) > MAX_UNIT:
            raise InvalidInput(f"{self.name}: the unit is longer than {MAX_UNIT} characters.")
        for label, limit in (("nominal", self.nominal), ("LSL", self.lsl), ("USL", self.usl)):
            # Readings are rounded to the decimals before the comparison: a finer limit would
            # judge them by a digit nobody reads.
            if limit is not None and round_reading(limit, self.decimals) != limit:
                raise InvalidInput(
                    f"{self.name}: the {label} {limit} has more decimals than the "
                    f"{self.decimals} the readings are rounded to.",
                    hint="Raise the decimals or round the limit.",
                )
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise InvalidInput(f"{self.name}: the LSL {self.lsl} must be below the USL {self.usl}.")
        if self.nominal is not None and (
            (self.lsl is not None and self.nominal < self.lsl)
            or (self.usl is not None and self.nominal > self.usl)
        ):
            raise InvalidInput(f"{self.name}: the nominal {self.nominal} is outside its limits.")

    def _check_attribute(self) -> None:
        if any(len(a.strip()) > MAX_ANSWER or not a.strip() for a in self.answers):
            raise InvalidInput(f"{self.name}: each answer is 1 to {MAX_ANSWER} characters.")
        keys = [_canonical(a) for a in self.answers]
        if len(keys) < 2 or len(set(keys)) != len(keys):
            raise InvalidInput(
                f"Attribute {self.name} needs two or more different answers "
                f"(e.g. ok,scratch,dent); got {', '.join(self.answers) or 'none'}.",
                hint="Spellings that mean the same (ok, pass, OK) count as one answer.",
            )
        if not self.passing or any(_canonical(p) not in keys for p in self.passing):
            raise InvalidInput(
                f"Attribute {self.name}: the passing answer must be one of "
                f"{', '.join(self.answers)}."
            )
        if len(self.passing) == len(self.answers):
            raise InvalidInput(f"Attribute {self.name}: at least one answer must fail.")

    @property
    def numeric(self) -> bool:
        return self.kind is not CharacteristicKind.ATTRIBUTE

    def limits_text(self) -> str:
        """The specification in words: '11.90 .. 12.10 mm (nominal 12.00)'."""
        if self.kind is CharacteristicKind.VARIABLE:
            low = self._fmt(self.lsl) if self.lsl is not None else "-"
            high = self._fmt(self.usl) if self.usl is not None else "-"
            nominal = f" (nominal {self._fmt(self.nominal)})" if self.nominal is not None else ""
            return f"{low} .. {high}{self._unit()}{nominal}"
        if self.kind is CharacteristicKind.ATTRIBUTE:
            return f"{'/'.join(self.passing)} passes; answers {', '.join(self.answers)}"
        return f"at most {self.max_count}"

    def _fmt(self, value: Decimal | None) -> str:
        assert value is not None
        return str(round_reading(value, self.decimals))

    def _unit(self) -> str:
        return f" {self.unit}" if self.unit else ""

    def check(self, entered: str, *, sample: int = 1) -> Check:
        """One entered value against this characteristic; unknown or unreadable input is refused
        (raises), a value outside its limits fails with the reason in words."""
        text = entered.strip()
        if not text:
            raise InspectionRefused(
                f"{self.name} has no reading.", hint="Measure it, or type the value."
            )
        if self.kind is CharacteristicKind.VARIABLE:
            value = round_reading(parse_number(text, what=self.name), self.decimals)
            shown = f"{value}{self._unit()}"
            if self.usl is not None and value > self.usl:
                why = f"{shown} is above the USL {self._fmt(self.usl)}{self._unit()}"
                return Check(self.name, sample, text, value, None, False, f"{self.name}: {why}")
            if self.lsl is not None and value < self.lsl:
                why = f"{shown} is below the LSL {self._fmt(self.lsl)}{self._unit()}"
                return Check(self.name, sample, text, value, None, False, f"{self.name}: {why}")
            return Check(self.name, sample, text, value, None, True, f"{self.name}: {shown} ok")
        if self.kind is CharacteristicKind.COUNT:
            number = parse_number(text, what=self.name)
            if number != number.to_integral_value() or number < 0:
                raise InvalidInput(f"{self.name}: a count is a whole number 0 or more, not {text}.")
            count = int(number)
            assert self.max_count is not None
            passed = count <= self.max_count
            why = (
                f"{self.name}: {count} found, at most {self.max_count} allowed"
                if not passed
                else f"{self.name}: {count} found ok"
            )
            return Check(self.name, sample, text, Decimal(count), None, passed, why)
        key = _canonical(text)
        for answer in self.answers:
            if _canonical(answer) == key:
                passed = any(_canonical(p) == key for p in self.passing)
                why = f"{self.name}: {answer}" + (
                    "" if passed else f" (only {'/'.join(self.passing)} passes)"
                )
                return Check(self.name, sample, text, None, answer, passed, why)
        raise InspectionRefused(
            f"{self.name}: {text!r} is not an answer of this plan.",
            hint=f"Answer one of: {', '.join(self.answers)}.",
        )


@dataclass(frozen=True, slots=True)
class Check:
    """One entered value as checked: what was typed, what was kept, pass or fail and why."""

    characteristic: str
    sample: int
    entered: str
    value: Decimal | None  # variables and counts, rounded as compared
    answer: str | None  # attributes, in the plan's spelling
    passed: bool
    reason: str  # "diameter: 12.43 mm is above the USL 12.40 mm"


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """One version of the inspection plan of a product at a step. A used version never changes:
    a change is a new version."""

    id: uuid.UUID
    product: str
    step: str
    version: int
    sample_size: int
    active: bool
    characteristics: tuple[Characteristic, ...]
    created_at: datetime
    created_by: str

    @property
    def label(self) -> str:
        return f"{self.product} @ {self.step} v{self.version}"

    def characteristic(self, name: str) -> Characteristic | None:
        key = name.strip().casefold()
        return next((c for c in self.characteristics if c.name.casefold() == key), None)

    def check_all(self, values: Mapping[str, Sequence[str]]) -> tuple[Check, ...]:
        """Every value entered for this plan, checked; refused as a whole when a numeric reading
        is missing, a characteristic is unknown, or a sample count is off."""
        by_name: dict[str, list[str]] = {}
        for name, entered in values.items():
            found = self.characteristic(name)
            if found is None:
                raise InspectionRefused(
                    f"{self.label} has no characteristic {name.strip()!r}.",
                    hint=f"It checks: {', '.join(c.name for c in self.characteristics)}.",
                )
            by_name.setdefault(found.name, []).extend(v for v in entered if v.strip())
        missing = [c.name for c in self.characteristics if c.numeric and not by_name.get(c.name)]
        if missing:
            raise InspectionRefused(
                f"No reading for {', '.join(missing)}: a numeric characteristic cannot pass "
                "without one.",
                hint="Measure it and enter the value; nothing was recorded.",
            )
        unanswered = [c.name for c in self.characteristics if not by_name.get(c.name)]
        if unanswered:
            raise InspectionRefused(
                f"No answer for {', '.join(unanswered)}.", hint="Answer every characteristic."
            )
        wrong = [
            f"{c.name} ({len(by_name[c.name])})"
            for c in self.characteristics
            if len(by_name[c.name]) != self.sample_size
        ]
        if wrong:
            raise InspectionRefused(
                f"The plan takes {self.sample_size} sample(s) of each characteristic; "
                f"got {', '.join(wrong)}.",
                hint="Enter one value per sample.",
            )
        return tuple(
            c.check(text, sample=i)
            for c in self.characteristics
            for i, text in enumerate(by_name[c.name], start=1)
        )


def failures(checks: Iterable[Check]) -> tuple[Check, ...]:
    return tuple(c for c in checks if not c.passed)


@dataclass(frozen=True, slots=True)
class Nonconformance:
    id: uuid.UUID
    lot_id: LotId
    lot: str
    inspection_id: uuid.UUID | None
    description: str
    status: str  # open, closed
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class InspectionRecord:
    """An inspection as stored: the plan version it used, every value, the result."""

    id: uuid.UUID
    lot_id: LotId
    lot: str
    plan: str  # "COOKIE @ final v2"
    plan_id: uuid.UUID
    plan_version: int
    inspector: str
    station: str | None
    inspected_at: datetime  # aware, in the station's offset
    result: str  # passed, failed
    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return failures(self.checks)


@dataclass(frozen=True, slots=True)
class InspectionOutcome:
    """What recording an inspection did: the inspection, and for a failure the nonconformance
    and the hold (None when the lot was already stopped)."""

    inspection: InspectionRecord
    nonconformance: Nonconformance | None
    hold_rule: str | None
    lot_status: str
