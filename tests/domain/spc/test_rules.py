"""Each run rule fires on a series built for it, at the point that completes the pattern, and
stays silent on the same series one step short. Zones: centre 0, sigma 1, limits at ±3."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from traceapp.domain.errors import InvalidInput
from traceapp.domain.spc.rules import NELSON, WESTERN_ELECTRIC, Rule, evaluate, parse_rules


def fired(values: Sequence[float], rules: Sequence[Rule]) -> list[tuple[str, int]]:
    count = len(values)
    found = evaluate(
        values,
        center=0.0,
        sigma=[1.0] * count,
        lcl=[-3.0] * count,
        ucl=[3.0] * count,
        rules=rules,
    )
    return [(v.rule.value, v.point) for v in found]


# rule -> (series that fires it, points flagged, series that just fails to)
CASES: dict[Rule, tuple[list[float], list[int], list[float]]] = {
    # one point beyond 3 sigma; exactly on the limit is not beyond
    Rule.N1: ([0, 0.5, 3.2, 0.5], [3], [0, 0.5, 3.0, 0.5]),
    # nine in a row on one side; a point on the centre line breaks the run
    Rule.N2: ([-0.5] + [0.5] * 9, [10], [-0.5] + [0.5] * 4 + [0.0] + [0.5] * 4),
    # six in a row increasing; equal neighbours break it
    Rule.N3: ([0.5, 0, 0.1, 0.2, 0.3, 0.4, 0.5], [7], [0.5, 0, 0.1, 0.2, 0.2, 0.3, 0.4]),
    # fourteen alternating up and down (13 alternate steps); thirteen points are not enough
    Rule.N4: ([0.5, -0.5] * 7, [14], [0.5, -0.5] * 6 + [0.5]),
    # two of three beyond 2 sigma, same side; the flagged point is one of them
    Rule.N5: ([0, 0, 2.5, 0.5, 2.5], [5], [0, 0, 2.5, 0.5, 0.5, 2.5]),
    # four of five beyond 1 sigma, same side; exactly 1 sigma is not beyond
    Rule.N6: ([0, 1.5, 1.5, 0.5, 1.5, 1.5], [6], [0, 1.5, 1.5, 0.5, 1.0, 1.5]),
    # fifteen within 1 sigma (exactly 1 is within); 1.01 is not
    Rule.N7: (
        [1.5, 0.2, 0.4, -0.3, -0.1, 0.5, 0.5, -0.2, 0.3, 0.6, -0.4, -0.4, 0.1, 1.0, -1.0, 0.0],
        [16],
        [1.5, 0.2, 0.4, -0.3, -0.1, 0.5, 0.5, -0.2, 0.3, 0.6, -0.4, -0.4, 0.1, 1.01, -1.0, 0.0],
    ),
    # eight beyond 1 sigma with some above and some below; one at exactly 1 sigma spoils it
    Rule.N8: (
        [1.5, 1.5, -1.5, -1.5, 1.5, 1.5, -1.5, -1.5],
        [8],
        [1.5, 1.5, -1.5, -1.0, 1.5, 1.5, -1.5, -1.5],
    ),
    Rule.WE1: ([0, -3.5, 0], [2], [0, -3.0, 0]),
    Rule.WE2: ([0, -2.5, -0.5, -2.5], [4], [0, -2.5, -0.5, -2.0]),
    Rule.WE3: ([0, -1.5, -1.5, -0.5, -1.5, -1.5], [6], [0, -1.5, -1.5, -0.5, 1.5, -1.5]),
    # eight on one side (each within 1 sigma, so WE3 stays silent)
    Rule.WE4: ([0.5] + [-0.5] * 8, [9], [0.5] + [-0.5] * 7 + [0.5]),
}


@pytest.mark.parametrize("rule", list(CASES), ids=lambda rule: rule.value)
def test_a_rule_fires_alone_where_its_pattern_completes(rule: Rule) -> None:
    series, points, _ = CASES[rule]
    family = NELSON if rule in NELSON else WESTERN_ELECTRIC
    assert fired(series, family) == [(rule.value, point) for point in points]


@pytest.mark.parametrize("rule", list(CASES), ids=lambda rule: rule.value)
def test_a_rule_stays_silent_one_step_short_of_its_pattern(rule: Rule) -> None:
    _, _, near_miss = CASES[rule]
    assert fired(near_miss, [rule]) == []


def test_the_points_that_keep_a_pattern_going_are_flagged_too() -> None:
    assert fired([0.5] * 11, [Rule.N2]) == [("N2", 9), ("N2", 10), ("N2", 11)]
    assert fired([0.1 * i for i in range(7)], [Rule.N3]) == [("N3", 6), ("N3", 7)]


def test_a_decreasing_run_counts_as_a_trend() -> None:
    assert fired([0.5, 0.4, 0.3, 0.2, 0.1, 0.0], [Rule.N3]) == [("N3", 6)]


def test_two_beyond_2_sigma_on_opposite_sides_are_no_pattern() -> None:
    assert fired([2.5, 0, -2.5], [Rule.N5, Rule.WE2]) == []


def test_a_point_inside_a_clipped_limit_is_not_beyond_it() -> None:
    # An R chart's LCL is 0: a range of 0 sits on it, nothing can be below it.
    found = evaluate(
        [0.0, 1.0], center=1.0, sigma=[0.5, 0.5], lcl=[0.0, 0.0], ucl=[2.5, 2.5], rules=[Rule.N1]
    )
    assert found == ()


def test_rule_sets_and_lists_are_parsed_and_typos_refused() -> None:
    assert parse_rules("nelson") == NELSON
    assert parse_rules("WE") == WESTERN_ELECTRIC
    assert parse_rules("n1, WE3,n1") == (Rule.N1, Rule.WE3)
    with pytest.raises(InvalidInput, match="'N9' is not a run rule"):
        parse_rules("N1,N9")


def test_a_pattern_can_complete_before_its_window_is_full() -> None:
    # The first two points beyond 2 sigma are two of (at most) three.
    assert fired([2.5, 2.5, 0], [Rule.N5]) == [("N5", 2)]
    assert fired([1.5, 1.5, 1.5, 1.5], [Rule.WE3]) == [("WE3", 4)]
    assert fired([1.5, 1.5, 1.5], [Rule.WE3]) == []


def test_a_point_on_a_zone_boundary_does_not_complete_a_k_of_m_pattern() -> None:
    # Four of 2-5 lie beyond 1 sigma, but point 6 sits on the boundary: only 5 is flagged.
    assert fired([0, 1.5, 1.5, 1.5, 1.5, 1.0], [Rule.N6]) == [("N6", 5)]
    assert fired([0, 2.5, 2.5, 2.0], [Rule.WE2]) == [("WE2", 3)]
