"""Inspection plans: each entered value checked against its characteristic, answers normalised."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from traceapp.domain.errors import InvalidInput
from traceapp.domain.inspections import (
    Characteristic,
    CharacteristicKind,
    InspectionRefused,
    PlanVersion,
    normalise_answer,
    round_reading,
)

DIAMETER = Characteristic(
    "diameter",
    CharacteristicKind.VARIABLE,
    nominal=Decimal("12.00"),
    lsl=Decimal("11.90"),
    usl=Decimal("12.40"),
    unit="mm",
    decimals=2,
)
SEAL = Characteristic(
    "seal", CharacteristicKind.ATTRIBUTE, answers=("ok", "leak", "Crease"), passing=("ok",)
)
BLEMISHES = Characteristic("blemishes", CharacteristicKind.COUNT, max_count=2)


def plan(sample_size: int = 1) -> PlanVersion:
    return PlanVersion(
        id=uuid.uuid4(),
        product="COOKIE",
        step="final",
        version=1,
        sample_size=sample_size,
        active=True,
        characteristics=(DIAMETER, SEAL, BLEMISHES),
        created_at=datetime.now(UTC),
        created_by="qm",
    )


def test_a_value_above_the_usl_fails_with_the_reason_in_words() -> None:
    check = DIAMETER.check("12.43")
    assert not check.passed
    assert check.reason == "diameter: 12.43 mm is above the USL 12.40 mm"


def test_a_value_below_the_lsl_fails_and_one_on_a_limit_passes() -> None:
    assert DIAMETER.check("11.89").reason == "diameter: 11.89 mm is below the LSL 11.90 mm"
    assert DIAMETER.check("11.90").passed
    assert DIAMETER.check("12.40").passed


def test_a_reading_is_rounded_half_up_to_the_decimals_before_the_limits() -> None:
    assert round_reading(Decimal("12.405"), 2) == Decimal("12.41")
    assert round_reading(Decimal("12.4049"), 2) == Decimal("12.40")
    assert DIAMETER.check("12.4049").passed
    failed = DIAMETER.check("12.405")
    assert not failed.passed
    assert failed.value == Decimal("12.41")


def test_a_decimal_comma_from_a_gauge_is_read() -> None:
    assert DIAMETER.check("12,03").value == Decimal("12.03")


def test_a_reading_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a number"):
        DIAMETER.check("12.0x")
    with pytest.raises(InvalidInput, match="not a number"):
        DIAMETER.check("NaN")


@pytest.mark.parametrize("typed", ["ok", "OK ", " pass", "Passed", "Ok", "GOOD"])
def test_spellings_of_ok_are_the_same_answer(typed: str) -> None:
    check = SEAL.check(typed)
    assert check.passed
    assert check.answer == "ok"


@pytest.mark.parametrize("typed", ["crease", "CREASE", "  Créase "])
def test_defect_codes_are_not_case_accent_or_space_traps(typed: str) -> None:
    check = SEAL.check(typed)
    assert not check.passed
    assert check.answer == "Crease"
    assert "only ok passes" in check.reason


def test_an_unknown_answer_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(InspectionRefused) as refused:
        SEAL.check("wobbly")
    assert "ok, leak, Crease" in refused.value.hint


def test_normalisation_folds_case_space_and_accents() -> None:
    assert normalise_answer("  Rayé  Profond ") == "raye profond"


def test_a_count_passes_up_to_its_maximum() -> None:
    assert BLEMISHES.check("2").passed
    assert BLEMISHES.check("3").reason == "blemishes: 3 found, at most 2 allowed"
    with pytest.raises(InvalidInput, match="whole number"):
        BLEMISHES.check("1.5")


def test_a_missing_numeric_reading_cannot_pass() -> None:
    with pytest.raises(InspectionRefused, match="No reading for diameter"):
        plan().check_all({"seal": ["ok"], "blemishes": ["0"], "diameter": ["  "]})
    with pytest.raises(InspectionRefused, match="No reading for blemishes"):
        plan().check_all({"seal": ["ok"], "diameter": ["12.00"]})


def test_an_unknown_characteristic_is_refused_with_the_plans_list() -> None:
    with pytest.raises(InspectionRefused) as refused:
        plan().check_all({"diameter": ["12"], "seal": ["ok"], "blemishes": ["0"], "x": ["1"]})
    assert "diameter, seal, blemishes" in refused.value.hint


def test_every_sample_is_checked() -> None:
    checks = plan(sample_size=2).check_all(
        {"Diameter": ["12.00", "12.50"], "seal": ["ok", "pass"], "blemishes": ["0", "1"]}
    )
    assert [(c.characteristic, c.sample, c.passed) for c in checks] == [
        ("diameter", 1, True),
        ("diameter", 2, False),
        ("seal", 1, True),
        ("seal", 2, True),
        ("blemishes", 1, True),
        ("blemishes", 2, True),
    ]
    with pytest.raises(InspectionRefused, match="2 sample"):
        plan(sample_size=2).check_all({"diameter": ["12"], "seal": ["ok"], "blemishes": ["0"]})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": CharacteristicKind.VARIABLE}, "LSL, a USL or both"),
        (
            {"kind": CharacteristicKind.VARIABLE, "lsl": Decimal(2), "usl": Decimal(1)},
            "must be below",
        ),
        ({"kind": CharacteristicKind.ATTRIBUTE, "answers": ("ok", "pass")}, "two or more"),
        (
            {"kind": CharacteristicKind.ATTRIBUTE, "answers": ("ok", "dent"), "passing": ("x",)},
            "passing answer",
        ),
        ({"kind": CharacteristicKind.COUNT}, "most defects"),
        (
            {"kind": CharacteristicKind.VARIABLE, "usl": Decimal("12.105"), "decimals": 2},
            "USL 12.105 has more decimals than the 2",
        ),
        (
            {"kind": CharacteristicKind.ATTRIBUTE, "answers": ("ok", "x" * 81), "passing": ("ok",)},
            "1 to 80 characters",
        ),
    ],
)
def test_a_characteristic_that_cannot_be_checked_is_refused(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        Characteristic("c", **kwargs)  # type: ignore[arg-type]
