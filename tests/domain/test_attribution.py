"""Attribution of quantities, checked against sums over every path, in exact fractions.

The reference below knows nothing of the implementation's topological order: it enumerates
each path from a start lot and multiplies the shares of its edges (q / initial of the giving
lot; 1 where the share is unknown), exactly, with `fractions.Fraction`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from traceapp.domain.attribution import (
    Edge,
    Propagation,
    Share,
    backward_shares,
    forward_shares,
    propagate,
)

D = Decimal


# --- the reference: sums over paths -------------------------------------------------------------


def _ratio(edge: Edge[int], initial: Mapping[int, Decimal | None]) -> Fraction | None:
    """Share of the giving (parent) lot that crossed the edge; None when it cannot be known."""
    total = initial.get(edge.parent)
    if edge.quantity is None or not total:
        return None
    return Fraction(edge.quantity) / Fraction(total)


def _paths(
    node: int, links: Mapping[int, list[Edge[int]]], forward: bool, stop: set[int]
) -> Iterator[list[Edge[int]]]:
    """Every path leaving `node` (the empty one included) that enters no `stop` node."""
    stack: list[tuple[int, list[Edge[int]]]] = [(node, [])]
    while stack:
        here, path = stack.pop()
        yield path
        for edge in links.get(here, ()):
            other = edge.child if forward else edge.parent
            if other not in stop:
                stack.append((other, [*path, edge]))


def reference(
    start: Mapping[int, Decimal],
    edges: list[Edge[int]],
    initial: Mapping[int, Decimal | None],
    *,
    forward: bool,
) -> dict[int, tuple[Fraction, bool]]:
    """(amount, upper bound) per reachable lot of an acyclic genealogy, by enumerating paths.

    A start lot taken whole (forward: every start lot; backward: a fraction of 1 or more) keeps
    its start amount: paths end where they would enter one. (Backward, a part of a start lot is
    also capped at the whole lot, which no sum over paths models: the backward property leaves
    out the rare genealogies, inconsistent or with unknown shares, where that cap applies.)
    """
    links: dict[int, list[Edge[int]]] = {}
    for edge in edges:
        links.setdefault(edge.parent if forward else edge.child, []).append(edge)
    fixed = {node for node, value in start.items() if forward or value >= 1}
    result: dict[int, tuple[Fraction, bool]] = {}
    for origin, value in start.items():
        for path in _paths(origin, links, forward, fixed):
            end = (path[-1].child if forward else path[-1].parent) if path else origin
            product = Fraction(value)
            bounded = False
            for edge in path:
                ratio = _ratio(edge, initial)
                bounded = bounded or ratio is None
                product *= ratio if ratio is not None else 1
            amount, was_bounded = result.get(end, (Fraction(0), False))
            result[end] = (amount + product, was_bounded or bounded)
    for node in fixed:
        result[node] = (Fraction(start[node]), False)
    return result


def _assert_matches(got: dict[int, Share], expected: dict[int, tuple[Fraction, bool]]) -> None:
    assert set(got) == set(expected)
    for node, (amount, bounded) in expected.items():
        share = got[node]
        # Decimal keeps 28 significant digits; a handful of divisions in a row stay within this.
        assert abs(Fraction(share.amount) - amount) <= Fraction(1, 10**20) * max(
            Fraction(1), abs(amount)
        ), node
        assert share.upper_bound is bounded, node


# --- strategies -------------------------------------------------------------------------------

quantities = st.integers(1, 500).map(D)
maybe_quantity = st.one_of(quantities, quantities, quantities, quantities, st.none())


@st.composite
def dags(draw: st.DrawFn, max_lots: int = 8) -> tuple[int, list[Edge[int]], dict[int, D | None]]:
    """A random acyclic genealogy: edges only go from a lower to a higher lot number."""
    count = draw(st.integers(1, max_lots))
    edges = [
        Edge(parent, child, draw(maybe_quantity))
        for child in range(count)
        for parent in range(child)
        if draw(st.integers(0, 2)) == 0
    ]
    initial: dict[int, D | None] = {
        lot: draw(st.one_of(st.integers(1, 1000).map(D), st.just(D(0)), st.none()))
        if draw(st.integers(0, 7)) == 0
        else draw(st.integers(1, 1000).map(D))
        for lot in range(count)
    }
    return count, edges, initial


# --- examples ---------------------------------------------------------------------------------


def test_forward_shares_split_by_what_each_edge_took_and_add_up_through_a_diamond() -> None:
    edges = [
        Edge("F", "A", D(30)),
        Edge("F", "B", D(10)),
        Edge("A", "C", D(30)),
        Edge("B", "C", D(20)),
    ]
    initial = {"F": D(100), "A": D(60), "B": D(20), "C": D(50)}
    shares = forward_shares({"F": D(100)}, edges, initial)
    assert shares == {
        "F": Share(D(100)),
        "A": Share(D(30)),
        "B": Share(D(10)),
        "C": Share(D(25)),  # 30 x 30/60 + 10 x 20/20
    }


def test_backward_shares_give_the_fraction_of_each_input_that_ended_up_in_the_target() -> None:
    edges = [Edge("F", "D", D(40)), Edge("S", "D", D(10)), Edge("D", "E", D(25))]
    initial = {"F": D(100), "S": D(100), "D": D(50), "E": D(25)}
    shares = backward_shares({"E": D(1)}, edges, initial)
    assert shares == {
        "E": Share(D(1)),
        "D": Share(D("0.5")),
        "F": Share(D("0.2")),  # 20 kg of the 100 kg lot
        "S": Share(D("0.05")),
    }


def test_a_missing_quantity_passes_the_whole_amount_on_as_an_upper_bound() -> None:
    shares = forward_shares(
        {"F": D(100)},
        [Edge("F", "A", None), Edge("A", "B", D(5))],
        {"F": D(100), "A": D(10), "B": D(5)},
    )
    assert shares["A"] == Share(D(100), upper_bound=True)
    assert shares["B"] == Share(D(50), upper_bound=True)  # downstream of a bound stays a bound


@pytest.mark.parametrize("initial", [D(0), None])
def test_a_lot_of_zero_or_unknown_size_passes_the_whole_amount_on_as_an_upper_bound(
    initial: Decimal | None,
) -> None:
    forward = forward_shares({"F": D(0)}, [Edge("F", "A", D(5))], {"F": initial, "A": D(5)})
    assert forward["A"].upper_bound
    backward = backward_shares({"A": D(1)}, [Edge("F", "A", D(5))], {"F": initial, "A": D(5)})
    assert backward["F"] == Share(D(1), upper_bound=True)


def test_a_cycle_ends_and_flags_every_lot_on_it_and_after_it() -> None:
    edges = [
        Edge("R", "A", D(10)),
        Edge("A", "B", D(10)),
        Edge("B", "C", D(10)),
        Edge("C", "A", D(1)),
        Edge("C", "D", D(5)),
        Edge("R", "X", D(10)),
    ]
    initial = {lot: D(20) for lot in "RABCDX"}
    shares = forward_shares({"R": D(20)}, edges, initial)
    assert {lot for lot, share in shares.items() if share.upper_bound} == {"A", "B", "C", "D"}
    assert all(shares[lot].amount == D(20) for lot in "ABCD")
    assert shares["X"] == Share(D(10))
    backward = backward_shares({"D": D(1)}, edges, initial)
    assert {lot for lot, share in backward.items() if share.upper_bound} == {"A", "B", "C", "R"}


def test_the_upper_bound_on_a_cycle_covers_what_several_start_lots_gave_together() -> None:
    edges = [
        Edge("A", "C", D(10)),
        Edge("B", "C", D(10)),
        Edge("C", "E", D(20)),
        Edge("E", "C", D(1)),
    ]
    initial = {"A": D(10), "B": D(10), "C": D(21), "E": D(20)}
    shares = forward_shares({"A": D(10), "B": D(10)}, edges, initial)
    # All of A and all of B went into C: 20 of the suspect material, not the larger start alone.
    assert shares["C"] == Share(D(20), upper_bound=True)
    assert shares["E"] == Share(D(20), upper_bound=True)


def test_a_start_lot_made_from_another_start_lot_holds_no_more_than_itself() -> None:
    # An equipment window: the flour went in, the dough came out; both are start lots.
    edges = [Edge("F", "D", D(40)), Edge("D", "X", D(30))]
    initial = {"F": D(100), "D": D(60), "X": D(30)}
    forward = forward_shares({"F": D(100), "D": D(60)}, edges, initial)
    assert forward["D"] == Share(D(60))  # not 60 + 40
    assert forward["X"] == Share(D(30))
    backward = backward_shares({"F": D(1), "D": D(1)}, edges, initial)
    assert backward["F"] == Share(D(1))  # the whole flour lot, not 1.4 of it


def test_part_of_a_start_lot_adds_what_of_it_went_into_another_start_lot() -> None:
    # A container held 10 of F's 100 and all of D, which was made with 40 of F.
    backward = backward_shares(
        {"F": D("0.1"), "D": D(1)}, [Edge("F", "D", D(40))], {"F": D(100), "D": D(60)}
    )
    assert backward["F"] == Share(D("0.5"))


def test_a_lot_reached_from_no_edge_is_just_the_start() -> None:
    assert forward_shares({"F": D(7)}, [], {"F": D(7)}) == {"F": Share(D(7))}
    assert backward_shares({"F": D(1)}, [], {"F": D(7)}) == {"F": Share(D(1))}


def test_a_chain_deeper_than_the_recursion_limit_is_walked_without_recursion() -> None:
    depth = 5000
    edges = [Edge(n, n + 1, D(2)) for n in range(depth)]
    initial = {n: D(2) for n in range(depth + 1)}
    forward = forward_shares({0: D(2)}, edges, initial)
    assert forward[depth] == Share(D(2))
    backward = backward_shares({depth: D(1)}, edges, initial)
    assert backward[0] == Share(D(1))


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_forward_shares_equal_the_sum_over_every_path_of_the_products_of_shares(
    dag: tuple[int, list[Edge[int]], dict[int, D | None]], data: st.DataObject
) -> None:
    count, edges, initial = dag
    starts = data.draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=3))
    start = {lot: data.draw(st.integers(0, 1000).map(D)) for lot in starts}
    _assert_matches(
        forward_shares(start, edges, initial), reference(start, edges, initial, forward=True)
    )


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_backward_shares_equal_the_sum_over_every_path_of_the_products_of_shares(
    dag: tuple[int, list[Edge[int]], dict[int, D | None]], data: st.DataObject
) -> None:
    count, edges, initial = dag
    starts = data.draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=3))
    fractions = st.one_of(st.just(D(1)), st.integers(0, 100).map(lambda n: D(n) / 100))
    start = {lot: data.draw(fractions) for lot in starts}
    expected = reference(start, edges, initial, forward=False)
    assume(all(expected[lot][0] <= 1 for lot in start))
    _assert_matches(backward_shares(start, edges, initial), expected)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 9), st.data())
def test_with_cycles_every_lot_is_reached_once_and_those_after_a_cycle_are_upper_bounds(
    count: int, data: st.DataObject
) -> None:
    pairs = st.tuples(st.integers(0, count - 1), st.integers(0, count - 1))
    edges = [
        Edge(parent, child, D(data.draw(st.integers(1, 50))))
        for parent, child in data.draw(st.lists(pairs, max_size=20))
        if parent != child
    ]
    initial: dict[int, D | None] = {lot: D(100) for lot in range(count)}
    start = {0: D(100)}
    shares = forward_shares(start, edges, initial)
    children: dict[int, set[int]] = {}
    for edge in edges:
        children.setdefault(edge.parent, set()).add(edge.child)

    def after(node: int) -> set[int]:
        seen: set[int] = set()
        pending = list(children.get(node, ()))
        while pending:
            here = pending.pop()
            if here not in seen:
                seen.add(here)
                pending.extend(children.get(here, ()))
        return seen

    reachable = {0} | after(0)
    assert set(shares) == reachable
    on_cycle = {node for node in reachable if node in after(node)}
    tainted = set(on_cycle)
    for node in on_cycle:
        tainted |= after(node)
    tainted.discard(0)  # the start lot is what was asked about, whole
    assert {node for node, share in shares.items() if share.upper_bound} == tainted
    for node in tainted:
        assert shares[node].amount == D(100)
    # The lots before any cycle are exact, as on the acyclic part alone.
    clean_edges = [e for e in edges if e.child not in tainted and e.parent not in tainted]
    expected = reference(start, clean_edges, initial, forward=True)
    _assert_matches({n: shares[n] for n in expected}, expected)


# --- propagate: the same sums in floats over numbered nodes (what a trace runs) ----------------


def _propagated(
    count: int,
    start: Mapping[int, Decimal],
    edges: list[Edge[int]],
    initial: Mapping[int, Decimal | None],
    *,
    forward: bool,
) -> Propagation:
    """`propagate` over the same genealogy: edges in the trace's direction, ratio q / initial
    of the giving lot (NaN where unknown)."""
    near = [e.parent if forward else e.child for e in edges]
    far = [e.child if forward else e.parent for e in edges]
    ratios = []
    for edge in edges:
        total = initial.get(edge.parent)
        ratios.append(
            float(edge.quantity / total) if edge.quantity is not None and total else np.nan
        )
    return propagate(
        count,
        {lot: float(value) for lot, value in start.items()},
        np.array(near, dtype=np.int64),
        np.array(far, dtype=np.int64),
        np.array(ratios, dtype=np.float64),
        forward=forward,
    )


def _assert_close(
    got: Propagation, expected: Mapping[int, tuple[Fraction, bool]], count: int
) -> None:
    """Same lots, same flags, amounts within float rounding; rounded to six decimals (what the
    trace shows) within one unit of the exact amount rounded."""
    assert {n for n in range(count) if got.depth[n] >= 0} == set(expected)
    for node, (amount, bounded) in expected.items():
        value = float(got.amount[node])
        assert abs(Fraction(value) - amount) <= Fraction(1, 10**12) * max(1, abs(amount)), node
        assert bool(got.bounded[node]) is bounded, node
        millionths = int(np.rint(got.amount[node] * 10**6))
        assert abs(millionths - round(amount * 10**6)) <= 1, node


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_propagate_forward_equals_the_sum_over_every_path_and_the_depths_of_a_breadth_first_walk(
    dag: tuple[int, list[Edge[int]], dict[int, D | None]], data: st.DataObject
) -> None:
    count, edges, initial = dag
    starts = data.draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=3))
    start = {lot: data.draw(st.integers(0, 1000).map(D)) for lot in starts}
    got = _propagated(count, start, edges, initial, forward=True)
    _assert_close(got, reference(start, edges, initial, forward=True), count)
    depths: dict[int, int] = {}
    forward_shares(start, edges, initial, depths=depths)
    assert {n: int(got.depth[n]) for n in range(count) if got.depth[n] >= 0} == depths


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_propagate_backward_equals_the_sum_over_every_path_of_the_products_of_shares(
    dag: tuple[int, list[Edge[int]], dict[int, D | None]], data: st.DataObject
) -> None:
    count, edges, initial = dag
    starts = data.draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=3))
    fractions = st.one_of(st.just(D(1)), st.integers(0, 100).map(lambda n: D(n) / 100))
    start = {lot: data.draw(fractions) for lot in starts}
    expected = reference(start, edges, initial, forward=False)
    assume(all(expected[lot][0] <= 1 for lot in start))
    _assert_close(_propagated(count, start, edges, initial, forward=False), expected, count)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9), st.booleans(), st.data())
def test_propagate_agrees_with_the_decimal_functions_on_any_genealogy_cycles_included(
    count: int, forward: bool, data: st.DataObject
) -> None:
    """Cycles, unknown and zero quantities, several start lots, parts of start lots: the float
    version gives the same lots, flags and (to float rounding) amounts as the Decimal one."""
    pairs = st.tuples(st.integers(0, count - 1), st.integers(0, count - 1))
    edges = [
        Edge(parent, child, data.draw(maybe_quantity))
        for parent, child in data.draw(st.lists(pairs, max_size=20))
        if parent != child
    ]
    initial: dict[int, D | None] = {
        lot: data.draw(st.one_of(st.integers(1, 1000).map(D), st.just(D(0)), st.none()))
        for lot in range(count)
    }
    starts = data.draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=3))
    values = (
        st.integers(0, 1000).map(D)
        if forward
        else st.one_of(st.just(D(1)), st.integers(0, 100).map(lambda n: D(n) / 100))
    )
    start = {lot: data.draw(values) for lot in starts}
    shares = (forward_shares if forward else backward_shares)(start, edges, initial)
    expected = {node: (Fraction(s.amount), s.upper_bound) for node, s in shares.items()}
    _assert_close(_propagated(count, start, edges, initial, forward=forward), expected, count)


def test_propagate_walks_a_chain_a_thousand_deep_and_a_fan_out_of_ten_thousand() -> None:
    chain = [Edge(i, i + 1, D(1)) for i in range(1000)]
    fan = [Edge(1001, 1002 + i, D(1)) for i in range(10_000)]
    initial: dict[int, D | None] = dict.fromkeys(range(11_002), D(2))
    got = _propagated(11_002, {0: D(8), 1001: D(2)}, chain + fan, initial, forward=True)
    assert got.depth[1000] == 1000
    assert got.amount[3] == 1.0  # 8 halved three times
    assert got.amount[1000] == 8 * 0.5**1000  # below the last decimal: 0 once rounded
    assert np.all(got.amount[1002:] == 1.0)
    assert not got.bounded.any()
