"""Capability indices: Montgomery's formulas, checked by hand on the piston rings and his interval examples."""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist, stdev

import pytest

from tests.domain.spc.textbook import PISTON_RINGS
from traceapp.domain.errors import InvalidInput
from traceapp.domain.spc import constants
from traceapp.domain.spc.capability import WithinSigma, capability, cp_interval, cpk_interval
from traceapp.domain.spc.distributions import chi2_cdf, chi2_quantile


def test_piston_ring_indices_follow_the_formulas_exactly() -> None:
    result = capability(PISTON_RINGS, lsl=73.95, usl=74.05)
    r_bar = float(sum(Fraction(str(max(g))) - Fraction(str(min(g))) for g in PISTON_RINGS) / 25)
    mean = float(sum(Fraction(str(v)) for g in PISTON_RINGS for v in g) / 125)
    sigma = r_bar / constants.d2(5)
    overall = stdev(v for g in PISTON_RINGS for v in g)
    assert result.observations == 125
    assert result.mean == pytest.approx(mean, rel=1e-12)
    assert result.sigma_within == pytest.approx(sigma, rel=1e-12)
    assert result.cp == pytest.approx(0.1 / (6 * sigma), rel=1e-9)
    assert result.cpu == pytest.approx((74.05 - mean) / (3 * sigma), rel=1e-9)
    assert result.cpl == pytest.approx((mean - 73.95) / (3 * sigma), rel=1e-9)
    assert result.cpk == result.cpu
    assert result.target == pytest.approx(74.0)
    assert result.cpm == pytest.approx(result.cp / math.sqrt(1 + ((mean - 74.0) / sigma) ** 2))
    assert result.pp == pytest.approx(0.1 / (6 * overall), rel=1e-9)
    assert result.ppk == pytest.approx((74.05 - mean) / (3 * overall), rel=1e-9)
    # Montgomery (Example 6.1) rounds sigma to 0.0099 and prints Cp = 1.68; unrounded: 1.668.
    assert round(0.1 / (6 * 0.0099), 2) == 1.68
    assert round(result.cp, 3) == 1.668


def test_s_bar_over_c4_is_the_other_within_sigma() -> None:
    result = capability(PISTON_RINGS, lsl=73.95, usl=74.05, within=WithinSigma.STDDEV)
    s_bar = sum(stdev(g) for g in PISTON_RINGS) / 25
    assert result.sigma_within == pytest.approx(s_bar / constants.c4(5), rel=1e-12)


def test_chi_square_quantiles_match_the_printed_table() -> None:
    # Appendix III: chi-square percentage points.
    assert round(chi2_quantile(0.025, 19), 2) == 8.91
    assert round(chi2_quantile(0.975, 19), 2) == 32.85
    assert round(chi2_quantile(0.95, 10), 2) == 18.31
    assert round(chi2_quantile(0.005, 1), 7) == 0.0000393
    assert round(chi2_quantile(0.99, 100), 1) == 135.8
    assert chi2_quantile(0.5, 2) == pytest.approx(2 * math.log(2), rel=1e-12)
    assert chi2_cdf(chi2_quantile(0.3, 7.5), 7.5) == pytest.approx(0.3, abs=1e-12)


def test_cp_interval_reproduces_montgomerys_example() -> None:
    # Example 8.5: USL 62, LSL 38, n = 20, s = 1.75: Cp = 2.29, 1.57 <= Cp <= 3.01 (worked from the
    # rounded 2.29; from the unrounded 2.2857 the lower end is 1.5649).
    assert round(24 / (6 * 1.75), 2) == 2.29
    interval = cp_interval(2.29, 20, 0.95)
    assert (round(interval.low, 2), round(interval.high, 2)) == (1.57, 3.01)
    assert interval.low == pytest.approx(2.29 * math.sqrt(chi2_quantile(0.025, 19) / 19))


def test_cpk_interval_is_bissells_approximation() -> None:
    z = NormalDist().inv_cdf(0.975)
    half = z * math.sqrt(1 / (9 * 20 * 1.33**2) + 1 / (2 * 19))
    interval = cpk_interval(1.33, 20, 0.95)
    assert (interval.low, interval.high) == pytest.approx((1.33 * (1 - half), 1.33 * (1 + half)))
    assert (round(interval.low, 2), round(interval.high, 2)) == (0.88, 1.78)
    wider = cpk_interval(1.33, 20, 0.99)
    assert wider.low < interval.low
    assert wider.high > interval.high


def test_cpk_interval_stays_finite_with_the_mean_on_a_limit() -> None:
    z = NormalDist().inv_cdf(0.975)
    interval = cpk_interval(0.0, 50, 0.95)
    assert (interval.low, interval.high) == pytest.approx((-z / math.sqrt(450), z / math.sqrt(450)))


def test_phase_one_limits_which_subgroups_count() -> None:
    shifted = PISTON_RINGS + [[v + 0.05 for v in g] for g in PISTON_RINGS]
    assert capability(shifted, lsl=73.95, usl=74.05, phase1=(1, 25)).cp == pytest.approx(
        capability(PISTON_RINGS, lsl=73.95, usl=74.05).cp
    )


def test_single_values_use_the_moving_range() -> None:
    result = capability([[1.0], [3.0], [2.0], [4.0]], lsl=-5, usl=10)
    assert result.sigma_within == pytest.approx((2 + 1 + 2) / 3 / constants.d2(2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lsl": 74.05, "usl": 73.95}, "is empty"),
        ({"lsl": 73.95, "usl": 74.05, "confidence": 1.5}, "not between 0 and 1"),
        ({"lsl": 73.95, "usl": 74.05, "phase1": (1, 40)}, "does not lie within"),
    ],
)
def test_bad_capability_input_is_refused(kwargs, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        capability(PISTON_RINGS, **kwargs)
