"""How much of one lot sits in each lot downstream (or of each lot upstream in one lot).

Pure arithmetic over a genealogy already in memory; the database only fetches the edges. The
same code serves the trace engine and the in-memory reference it is benchmarked against: a trace
runs `propagate` (floats, numpy, a level of the genealogy per step); `forward_shares` and
`backward_shares` are the same rules in Decimal, one edge at a time, the exact version the float
one is tested against.

Forward: the suspect lot S is all suspect, a(S) = initial(S) in S's unit. An edge p -> c that
took q(p->c) of p (in p's unit) carries the share q(p->c) / initial(p) of whatever of S was in p:
a(c) += a(p) * q(p->c) / initial(p). Diamonds add up; every amount stays in S's unit.
Backward: the target T is wholly what we ask about, f(T) = 1 (a fraction of each lot). A parent p
gave q(p->c) to c, so the amount of p inside T is b(p) = sum over c of q(p->c) * f(c) (in p's
unit), and f(p) = b(p) / initial(p).
When a quantity is missing or a lot's initial quantity is zero (imported data), the share cannot
be computed: the full amount passes on as an upper bound, and the lot is flagged.
Several start lots (a supplier lot code, a container, an equipment window): a start lot is
under suspicion as given, so what reaches it from another start lot is already inside it and is
not added again (a dough made from a suspect flour holds no more than itself). Backward, that
holds for a start lot taken whole (fraction 1); a part of a lot (what a container held) still
adds what of the lot went into the other start lots, and is never more than the whole lot.
Cycles (only possible in imported data) cannot make it loop: lots on a cycle, and lots after
one, are reached once, get the whole suspect amount (forward: the sum of the start amounts;
backward: the whole lot) as an upper bound, and are flagged.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Final, Generic, Literal, NamedTuple, TypeVar

if TYPE_CHECKING:  # numpy is imported when a trace first runs, not with the app
    import numpy as np
    import numpy.typing as npt

Node = TypeVar("Node", bound=Hashable)
ONE = Decimal(1)


class Edge(NamedTuple, Generic[Node]):
    """parent gave `quantity` (in the parent's unit; None when unknown) to child. (A named
    tuple: a large trace makes tens of thousands, and a tuple is made several times faster
    than a frozen dataclass.)"""

    parent: Node
    child: Node
    quantity: Decimal | None


class Share(NamedTuple):
    """An attributed amount, and whether it is only an upper bound."""

    amount: Decimal
    upper_bound: bool = False


def forward_shares(
    start: Mapping[Node, Decimal],
    edges: Iterable[Edge[Node]],
    initial: Mapping[Node, Decimal | None],
    *,
    depths: dict[Node, int] | None = None,
) -> dict[Node, Share]:
    """Amount of the suspect material (in its unit) in every lot reachable from `start`.
    `depths`, when given, is filled with the fewest edges from a start lot to each lot."""
    children: dict[Node, list[Edge[Node]]] = {}
    for edge in edges:
        theirs = children.get(edge[0])
        if theirs is None:
            children[edge[0]] = [edge]
        else:
            theirs.append(edge)
    return _propagate(start, children, _CHILD, initial, forward=True, depths=depths)


def backward_shares(
    start: Mapping[Node, Decimal],
    edges: Iterable[Edge[Node]],
    initial: Mapping[Node, Decimal | None],
    *,
    depths: dict[Node, int] | None = None,
) -> dict[Node, Share]:
    """Fraction of each upstream lot that ended up in the start lots (start values: fractions).
    `depths`, when given, is filled with the fewest edges from each lot to a start lot."""
    parents: dict[Node, list[Edge[Node]]] = {}
    for edge in edges:
        theirs = parents.get(edge[1])
        if theirs is None:
            parents[edge[1]] = [edge]
        else:
            theirs.append(edge)
    return _propagate(start, parents, _PARENT, initial, forward=False, depths=depths)


# The far end of an edge as an index into it (parent, child, quantity): a subscript where a
# function call per edge would cost more than the arithmetic on a 10,000-lot trace.
_PARENT: Final = 0
_CHILD: Final = 1
_End = Literal[0, 1]
_new_share = tuple.__new__  # Share's own __new__ is a Python function: 10,000 calls add up


def _propagate(
    start: Mapping[Node, Decimal],
    links: dict[Node, list[Edge[Node]]],
    far: _End,
    initial: Mapping[Node, Decimal | None],
    *,
    forward: bool,
    depths: dict[Node, int] | None = None,
) -> dict[Node, Share]:
    indegree = _reachable(start, links, far, depths)
    zero = Decimal(0)
    amount: dict[Node, Decimal] = dict.fromkeys(indegree, zero)
    amount.update(start)
    bounded: set[Node] = set()
    # Start lots whose amount is given whole: nothing that reaches them adds to it.
    fixed = {node for node, value in start.items() if forward or value >= ONE}
    ready = deque(node for node, count in indegree.items() if count == 0)
    done = 0
    no_links: list[Edge[Node]] = []
    while ready:
        node = ready.popleft()
        done += 1
        if not forward and node in start:
            amount[node] = min(amount[node], ONE)  # no more than the whole lot
        held = amount[node]
        node_bounded = node in bounded
        # Forward, every edge out of a node divides by the node's own initial quantity.
        total = initial.get(node) if forward else None
        for edge in links.get(node, no_links):
            other = edge[far]
            if other not in fixed:
                quantity = edge[2]
                if forward:
                    if quantity is None or not total:
                        amount[other] += held  # the share cannot be computed: all of it
                        bounded.add(other)
                    else:
                        amount[other] += held * quantity / total
                        if node_bounded:
                            bounded.add(other)
                else:
                    passed, exact = _passed_back(edge, held, initial)
                    amount[other] += passed
                    if not exact or node_bounded:
                        bounded.add(other)
            left = indegree[other] - 1
            indegree[other] = left
            if left == 0:
                ready.append(other)
    if done < len(indegree):
        # On a cycle or after one (their in-degree never reached zero): no order to add up
        # in. The whole suspect amount is the safe upper bound.
        whole = sum(start.values(), zero) if forward else ONE
        for node, count in indegree.items():
            if count > 0 and node not in fixed:
                amount[node] = whole
                bounded.add(node)
    return {node: _new_share(Share, (value, node in bounded)) for node, value in amount.items()}


def _passed_back(
    edge: Edge[Node], held: Decimal, initial: Mapping[Node, Decimal | None]
) -> tuple[Decimal, bool]:
    """What crosses one edge backward, and whether that is exact (False: an upper bound)."""
    parent_total = initial.get(edge.parent)
    if edge.quantity is None or not parent_total:
        return held, False
    # held is the fraction of the child that belongs to the target; the parent's share is the
    # amount it gave times that fraction, expressed as a fraction of the parent.
    return edge.quantity * held / parent_total, True


def _reachable(
    start: Iterable[Node],
    links: Mapping[Node, list[Edge[Node]]],
    far: _End,
    depths: dict[Node, int] | None,
) -> dict[Node, int]:
    """Every node reachable from `start`, with how many edges from reachable nodes enter it.
    Breadth first, so that `depths` (when given) gets the fewest edges to each node."""
    indegree = dict.fromkeys(start, 0)
    depth = depths if depths is not None else {}
    depth.update(dict.fromkeys(indegree, 0))
    pending = deque(indegree)
    no_links: list[Edge[Node]] = []
    while pending:
        node = pending.popleft()
        below = depth[node] + 1
        for edge in links.get(node, no_links):
            other = edge[far]
            count = indegree.get(other)
            if count is None:
                indegree[other] = 1
                depth[other] = below
                pending.append(other)
            else:
                indegree[other] = count + 1
    return indegree


class Propagation(NamedTuple):
    """What `propagate` found, per node index: the amount (a float), whether it is only an
    upper bound, and the depth (fewest edges from a start node; -1: not reached)."""

    amount: npt.NDArray[np.float64]
    bounded: npt.NDArray[np.bool_]
    depth: npt.NDArray[np.int64]


def propagate(
    count: int,
    start: Mapping[int, float],
    source: npt.NDArray[np.int64],
    target: npt.NDArray[np.int64],
    ratio: npt.NDArray[np.float64],
    *,
    forward: bool,
) -> Propagation:
    """`forward_shares` / `backward_shares` over nodes numbered 0..count-1, in floats, a level
    of the genealogy at a time (numpy), for traces of thousands of lots.

    Edge i leads from `source[i]` to `target[i]` in the direction of the trace (forward: parent
    to child; backward: child to parent) and carries `ratio[i]` = q / initial(parent) of what
    its near end holds (NaN: unknown, the whole amount passes on as an upper bound). Forward
    and backward are then the same sum, a(far) += a(near) * ratio; the semantics of the
    Decimal functions above hold (start lots taken whole are fixed, backward a part of a start
    lot is capped at the whole lot, cycles give the whole amount as an upper bound).

    Floats carry about 16 significant digits, so an amount rounded to 6 decimals can differ
    from the exact one by one unit in the last place where the exact value lies on (or within
    about 1e-16 relative of) a rounding tie; elsewhere it is the same.
    """
    import numpy as np_  # here, not at start-up: the window opens without numpy

    amount = np_.zeros(count, dtype=np_.float64)
    bounded = np_.zeros(count, dtype=np_.bool_)
    depth = np_.full(count, -1, dtype=np_.int64)
    if not start:
        return Propagation(amount, bounded, depth)
    starts = np_.fromiter(start, dtype=np_.int64, count=len(start))
    values = np_.fromiter(start.values(), dtype=np_.float64, count=len(start))
    amount[starts] = values
    fixed = np_.zeros(count, dtype=np_.bool_)
    fixed[starts[values >= 1.0] if not forward else starts] = True
    capped = np_.zeros(count, dtype=np_.bool_)
    if not forward:
        capped[starts] = True
    # Edges grouped by their near end (a CSR layout): the edges out of a set of nodes are
    # gathered with one repeat and one arange.
    order = np_.argsort(source, kind="stable")
    near = source[order]
    far = target[order]
    share = ratio[order]
    first = np_.searchsorted(near, np_.arange(count + 1))

    def out_of(nodes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        begin = first[nodes]
        sizes = first[nodes + 1] - begin
        total = int(sizes.sum())
        if not total:
            return np_.empty(0, dtype=np_.int64)
        ends = np_.cumsum(sizes)
        return np_.repeat(begin - ends + sizes, sizes) + np_.arange(total)

    # Reachable nodes and their depth: breadth first, a level per step.
    frontier = np_.unique(starts)
    depth[frontier] = 0
    level = 0
    while frontier.size:
        level += 1
        reached = far[out_of(frontier)]
        reached = np_.unique(reached[depth[reached] < 0])
        depth[reached] = level
        frontier = reached
    live = depth[near] >= 0  # edges out of reachable nodes (their far ends are reachable too)
    indegree = np_.bincount(far[live], minlength=count)
    # Kahn's order, a whole level of ready nodes per step.
    ready = np_.flatnonzero((depth >= 0) & (indegree == 0))
    done = 0
    while ready.size:
        done += ready.size
        if not forward:
            cap = ready[capped[ready]]
            amount[cap] = np_.minimum(amount[cap], 1.0)  # no more than the whole lot
        edges = out_of(ready)
        if not edges.size:
            break
        parents = near[edges]
        children = far[edges]
        ratios = share[edges]
        unknown = np_.isnan(ratios)
        held = amount[parents]
        adds = ~fixed[children]
        passed = np_.where(unknown, held, held * np_.where(unknown, 0.0, ratios))
        np_.add.at(amount, children[adds], passed[adds])
        bounded[children[adds & (unknown | bounded[parents])]] = True
        np_.subtract.at(indegree, children, 1)
        touched = np_.unique(children)
        ready = touched[indegree[touched] == 0]
    reachable = depth >= 0
    if done < int(reachable.sum()):
        # On a cycle or after one: no order to add up in; the whole amount, as an upper bound.
        whole = float(values.sum()) if forward else 1.0
        stuck = reachable & (indegree > 0) & ~fixed
        amount[stuck] = whole
        bounded[stuck] = True
    return Propagation(amount, bounded, depth)
