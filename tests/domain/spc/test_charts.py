"""Control charts against Montgomery's published examples, exact formulas, and invariants."""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import stdev

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.domain.spc.textbook import (
    CIRCUIT_BOARDS,
    ORANGE_JUICE,
    PISTON_RINGS,
    PISTON_RINGS_PHASE2,
    TABLE_9_1,
    TABLE_9_2_UPPER,
)
from traceapp.domain.errors import InvalidInput
from traceapp.domain.spc import charts, constants
from traceapp.domain.spc.rules import Rule


def limit_points(chart: charts.Chart) -> list[int]:
    return [v.point for v in chart.violations([Rule.LIMIT])]


def exact(values: list[float]) -> list[Fraction]:
    return [Fraction(str(v)) for v in values]


# --- Xbar-R and Xbar-S: Example 6.1 and 6.3 ------------------------------------------------------


def test_piston_rings_xbar_r_gives_the_published_centre_and_limits() -> None:
    result = charts.xbar_r(PISTON_RINGS)
    xbar, r = result.charts
    assert round(xbar.center, 3) == 74.001
    assert round(r.center, 3) == 0.023
    # Montgomery works from the rounded 74.001 and 0.023 (74.001 ± 0.577 x 0.023); unrounded the
    # limits are 73.98777 / 74.01458, which agree with the printed ones to 5 significant digits.
    assert (round(74.001 - 0.577 * 0.023, 3), round(74.001 + 0.577 * 0.023, 3)) == (73.988, 74.014)
    assert xbar.lcl[0] == pytest.approx(73.988, rel=1e-5)
    assert xbar.ucl[0] == pytest.approx(74.014, rel=1e-5)
    assert r.lcl[0] == 0.0
    assert round(r.ucl[0], 3) == 0.049
    assert limit_points(xbar) == []
    assert limit_points(r) == []
    # Exactly: the 125 diameters sum to 9250.147 (x-double-bar 74.001176); the ranges to 0.581.
    grand = sum(sum(exact(group)) / 5 for group in PISTON_RINGS) / 25
    r_bar = sum(max(exact(g)) - min(exact(g)) for g in PISTON_RINGS) / 25
    assert (grand, r_bar) == (Fraction("9250.147") / 125, Fraction("0.581") / 25)
    assert xbar.center == pytest.approx(float(grand), rel=1e-12)
    assert xbar.ucl[0] == pytest.approx(float(grand) + constants.a2(5) * float(r_bar), rel=1e-12)
    assert r.ucl[0] == pytest.approx(constants.d4_factor(5) * float(r_bar), rel=1e-12)
    assert result.sigma == pytest.approx(float(r_bar) / constants.d2(5), rel=1e-12)


def test_piston_rings_xbar_s_gives_the_published_centre_and_limits() -> None:
    xbar, s = charts.xbar_s(PISTON_RINGS).charts
    assert round(s.center, 4) == 0.0094
    assert xbar.lcl[0] == pytest.approx(73.988, rel=1e-5)
    assert xbar.ucl[0] == pytest.approx(74.014, rel=1e-5)
    assert s.lcl[0] == 0.0
    assert round(s.ucl[0], 4) == 0.0196
    assert xbar.ucl[0] == pytest.approx(xbar.center + constants.a3(5) * s.center, rel=1e-12)
    assert s.ucl[0] == pytest.approx(constants.b4(5) * s.center, rel=1e-12)


def test_xbar_s_with_varying_sizes_pools_s_and_draws_limits_per_point() -> None:
    # Montgomery 6.3.2: x-double-bar weighted by size, s-bar pooled, A3/B3/B4 of each n.
    groups = [group[: 3 + i % 3] for i, group in enumerate(PISTON_RINGS)]
    xbar, s = charts.xbar_s(groups).charts
    values = [Fraction(str(v)) for g in groups for v in g]
    grand = sum(values) / len(values)
    pooled = math.sqrt(
        sum((len(g) - 1) * stdev(g) ** 2 for g in groups) / (len(values) - len(groups))
    )
    assert xbar.center == pytest.approx(float(grand), rel=1e-12)
    assert s.center == pytest.approx(pooled, rel=1e-12)
    for i, group in enumerate(groups):
        n = len(group)
        assert xbar.ucl[i] == pytest.approx(float(grand) + constants.a3(n) * pooled, rel=1e-12)
        assert s.ucl[i] == pytest.approx(constants.b4(n) * pooled, rel=1e-12)
        assert s.lcl[i] == pytest.approx(constants.b3(n) * pooled, abs=1e-15)
    assert len(set(xbar.ucl)) == 3
    with pytest.raises(InvalidInput, match="different sizes"):
        charts.xbar_s(groups, sigma=0.01)
    with pytest.raises(InvalidInput, match="xbar-s"):
        charts.xbar_r(groups)


def test_phase_one_limits_apply_to_the_later_subgroups() -> None:
    data = PISTON_RINGS + PISTON_RINGS_PHASE2
    phase1 = charts.xbar_r(PISTON_RINGS)
    both = charts.xbar_r(data, phase1=(1, 25))
    assert both.charts[0].ucl[0] == phase1.charts[0].ucl[0]
    assert both.phase1 == (1, 25)
    # Subgroup means 74.0166, 74.0196, 74.0234 lie above UCL 74.0146; 74.0128 (40) does not.
    assert limit_points(both.charts[0]) == [37, 38, 39]
    # Limits from all 40 differ: phase I is what sets them.
    assert charts.xbar_r(data).charts[0].ucl[0] != both.charts[0].ucl[0]


def test_standard_values_replace_the_estimates() -> None:
    result = charts.xbar_r(PISTON_RINGS, center=74.0, sigma=0.01)
    xbar, r = result.charts
    assert xbar.center == 74.0
    assert xbar.ucl[0] == pytest.approx(74.0 + 3 * 0.01 / math.sqrt(5), rel=1e-12)
    d2, d3 = constants.d2(5), constants.d3(5)
    assert r.center == pytest.approx(d2 * 0.01)
    assert r.ucl[0] == pytest.approx((d2 + 3 * d3) * 0.01)
    assert (result.standard_center, result.standard_sigma) == (True, True)


# --- individuals ---------------------------------------------------------------------------------


def test_individuals_use_the_mean_moving_range_over_d2() -> None:
    values = [2.0, 4.0, 6.0, 4.0, 2.0, 4.0, 6.0, 4.0]
    x, mr = charts.individuals(values).charts
    assert x.center == 4.0
    sigma = 2.0 / constants.d2(2)
    assert x.ucl[0] == pytest.approx(4.0 + 3 * sigma)
    assert mr.points[0] == 2
    assert mr.statistic == (2.0,) * 7
    assert mr.ucl[0] == pytest.approx(constants.d4_factor(2) * 2.0)


# --- attribute charts ----------------------------------------------------------------------------


def test_orange_juice_p_chart_gives_the_published_figures() -> None:
    result = charts.p_chart(ORANGE_JUICE, [50] * 30)
    (p,) = result.charts
    assert p.center == pytest.approx(347 / 1500, rel=1e-12)
    assert round(p.center, 4) == 0.2313
    assert (round(p.lcl[0], 4), round(p.ucl[0], 4)) == (0.0524, 0.4102)
    assert limit_points(p) == [15, 23]


def test_a_p_chart_with_varying_sizes_has_limits_per_point() -> None:
    (p,) = charts.p_chart([5, 10, 2], [50, 100, 20]).charts
    p_bar = 17 / 170
    assert p.center == pytest.approx(p_bar)
    assert p.ucl == pytest.approx(
        tuple(p_bar + 3 * math.sqrt(p_bar * 0.9 / n) for n in (50, 100, 20))
    )
    assert p.lcl == (0.0, 0.010000000000000009, 0.0) or (p.lcl[0] == 0.0 and p.lcl[2] == 0.0)


def test_np_chart_is_the_p_chart_times_n() -> None:
    (np_,) = charts.np_chart(ORANGE_JUICE, [50] * 30).charts
    assert np_.center == pytest.approx(347 / 30)
    assert np_.ucl[0] == pytest.approx(50 * 0.41023912, rel=1e-6)
    assert limit_points(np_) == [15, 23]


def test_circuit_boards_c_chart_gives_the_published_figures() -> None:
    (c,) = charts.c_chart(CIRCUIT_BOARDS).charts
    assert round(c.center, 2) == 19.85
    assert round(c.lcl[0], 2) == 6.48
    # The book prints UCL 33.22, worked from the rounded 19.85; from c-bar = 516/26 it is
    # 33.2109 (R's qcc prints 33.21086).
    assert round(19.85 + 3 * math.sqrt(19.85), 2) == 33.22
    assert round(c.ucl[0], 5) == 33.21086
    assert c.ucl[0] == pytest.approx(516 / 26 + 3 * math.sqrt(516 / 26), rel=1e-12)
    assert limit_points(c) == [6, 20]


def test_u_chart_divides_by_the_inspection_units() -> None:
    (u,) = charts.u_chart([10, 6, 9], [2.0, 1.0, 1.5]).charts
    u_bar = 25 / 4.5
    assert u.statistic == (5.0, 6.0, 6.0)
    assert u.ucl[1] == pytest.approx(u_bar + 3 * math.sqrt(u_bar / 1.0))
    assert u.lcl[0] == pytest.approx(max(0.0, u_bar - 3 * math.sqrt(u_bar / 2.0)))


# --- EWMA and CUSUM: Table 9.1 -------------------------------------------------------------------


def single(values: list[float]) -> list[list[float]]:
    return [[v] for v in values]


def test_tabular_cusum_reproduces_table_9_2_and_signals_at_period_29() -> None:
    upper, lower = charts.cusum(single(TABLE_9_1), k=0.5, h=5, center=10, sigma=1).charts
    assert [round(v, 2) for v in upper.statistic[:29]] == TABLE_9_2_UPPER
    assert upper.ucl[0] == 5.0
    assert limit_points(upper) == [29, 30]
    assert limit_points(lower) == []


def test_ewma_has_exact_time_varying_limits_and_signals_when_z_crosses_them() -> None:
    (z,) = charts.ewma(single(TABLE_9_1), lam=0.1, width=2.7, center=10, sigma=1).charts
    assert z.statistic[0] == pytest.approx(9.945)  # 0.1 * 9.45 + 0.9 * 10
    assert z.ucl[0] == pytest.approx(10 + 2.7 * 0.1)  # sqrt(0.1/1.9 * (1 - 0.81)) = 0.1
    assert z.ucl[-1] == pytest.approx(10 + 2.7 * math.sqrt(0.1 / 1.9 * (1 - 0.9**60)))
    # z28 = 10.5731 stays below UCL 10.6186; z29 = 10.6468 is the first above it.
    assert round(z.statistic[27], 4) == 10.5731
    assert round(z.statistic[28], 4) == 10.6468
    assert limit_points(z) == [29, 30]


def test_ewma_and_cusum_on_subgroups_use_the_means_and_sigma_over_root_n() -> None:
    (z,) = charts.ewma(PISTON_RINGS, lam=0.2, width=3).charts
    sigma = sum(max(g) - min(g) for g in PISTON_RINGS) / 25 / constants.d2(5)
    assert z.ucl[-1] == pytest.approx(
        z.center + 3 * sigma / math.sqrt(5) * math.sqrt(0.2 / 1.8 * (1 - 0.8**50)), rel=1e-9
    )


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: charts.xbar_r([[1.0, 2.0]]), "too few"),
        (lambda: charts.xbar_r([[1.0] * 26, [2.0] * 26]), "outside the constants' table"),
        (lambda: charts.xbar_r([[1.0, 2.0], [1.0, 2.0, 3.0]]), "differ in size"),
        (lambda: charts.xbar_s([[1.0, 2.0], [1.0] * 26]), "outside the constants' table"),
        (lambda: charts.xbar_r([[1.0, math.nan], [1.0, 2.0]]), "not a finite number"),
        (lambda: charts.xbar_r([[1.0, 1.0], [1.0, 1.0]]), "do not vary"),
        (lambda: charts.xbar_r(PISTON_RINGS, sigma=0.0), "not a spread"),
        (lambda: charts.individuals([1.0, 2.0, 3.0], sigma=-1.0), "not a spread"),
        (lambda: charts.xbar_r(PISTON_RINGS, phase1=(20, 30)), "does not lie within"),
        (lambda: charts.xbar_r(PISTON_RINGS, phase1=(3, 3)), "at least 2"),
        (lambda: charts.p_chart([3, 60], [50, 50]), "fraction above 1"),
        (lambda: charts.p_chart([3, -1], [50, 50]), "negative count"),
        (lambda: charts.p_chart([3, 1], [50, 0]), "has size 0"),
        (lambda: charts.c_chart([3, 1.5]), "not a whole number"),
        (lambda: charts.np_chart([3, 1], [50, 40]), "one sample size"),
        (lambda: charts.c_chart([3, 1], sigma=2.0), "takes no --sigma"),
        (lambda: charts.ewma(single(TABLE_9_1), lam=1.5), "outside"),
        (lambda: charts.cusum(single(TABLE_9_1), h=0), "not positive"),
    ],
)
def test_bad_input_is_refused_with_a_typed_error(build, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        build()
    assert caught.value.hint


# --- invariants ----------------------------------------------------------------------------------

measurement = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def subgroup_sets(draw: st.DrawFn) -> list[list[float]]:
    size = draw(st.integers(2, 10))
    count = draw(st.integers(2, 30))
    groups = draw(
        st.lists(
            st.lists(measurement, min_size=size, max_size=size), min_size=count, max_size=count
        )
    )
    if all(max(g) == min(g) for g in groups):
        groups[0][0] += 1.0
    return groups


@settings(max_examples=60, deadline=None)
@given(subgroup_sets())
def test_xbar_limits_are_symmetric_about_the_centre(groups: list[list[float]]) -> None:
    for build in (charts.xbar_r, charts.xbar_s):
        xbar = build(groups).charts[0]
        assert xbar.ucl[0] - xbar.center == pytest.approx(
            xbar.center - xbar.lcl[0], rel=1e-9, abs=1e-9
        )


@settings(max_examples=60, deadline=None)
@given(subgroup_sets(), st.floats(min_value=-100, max_value=100, allow_nan=False))
def test_shifting_all_data_shifts_the_centre_and_limits_not_the_spread(
    groups: list[list[float]], shift: float
) -> None:
    before = charts.xbar_r(groups)
    after = charts.xbar_r([[v + shift for v in g] for g in groups])
    assert after.charts[0].center == pytest.approx(before.charts[0].center + shift, abs=1e-6)
    assert after.charts[0].ucl[0] == pytest.approx(before.charts[0].ucl[0] + shift, abs=1e-6)
    assert after.charts[1].center == pytest.approx(before.charts[1].center, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 40)), min_size=2, max_size=30).map(
        lambda pairs: [(min(x, n), n) for x, n in pairs]
    )
)
def test_p_chart_limits_stay_between_0_and_1(samples: list[tuple[int, int]]) -> None:
    (p,) = charts.p_chart([x for x, _ in samples], [n for _, n in samples]).charts
    for low, high in zip(p.lcl, p.ucl, strict=True):
        assert low is not None
        assert high is not None
        assert 0.0 <= low <= p.center <= high <= 1.0
