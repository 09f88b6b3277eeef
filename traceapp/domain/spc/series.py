"""What an SPC view plots from recorded inspections: subgroups with the lots behind each point."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from traceapp.domain.errors import InvalidInput
from traceapp.domain.spc import charts
from traceapp.domain.spc.capability import Capability, capability
from traceapp.domain.spc.charts import LIMIT_ONLY, ChartSet, ChartType
from traceapp.domain.spc.rules import Rule, Violation


@dataclass(frozen=True, slots=True)
class SpcCharacteristic:
    """A numeric characteristic of a product's plans at a step, as the view offers it."""

    product: str
    step: str
    name: str
    kind: str  # variable or count
    unit: str


@dataclass(frozen=True, slots=True)
class SpcSubgroup:
    """One plotted subgroup: the samples of one inspection of one lot.

    Values are floats: they feed the SPC math (numpy); the recorded Decimals stay in the database.
    """

    number: int  # 1-based, in the order of inspection
    values: tuple[float, ...]
    inspection_id: uuid.UUID
    lot_ids: tuple[uuid.UUID, ...]
    lots: tuple[str, ...]  # PART/LOT, as shown
    inspected_at: datetime


@dataclass(frozen=True, slots=True)
class SpcSeries:
    """Every recorded subgroup of a characteristic, oldest first, with the newest plan's limits."""

    product: str
    step: str
    characteristic: str
    unit: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    subgroups: tuple[SpcSubgroup, ...]


# Charts the SPC view draws from measured subgroups (attribute charts need counts and sizes).
VARIABLE_CHARTS = (
    ChartType.XBAR_R,
    ChartType.XBAR_S,
    ChartType.IMR,
    ChartType.EWMA,
    ChartType.CUSUM,
)


@dataclass(frozen=True, slots=True)
class Analysis:
    """A series charted: the charts with their violations, and capability when it can be had.

    `capability_note` says why capability is missing (no spec limits, unequal subgroups, ...).
    """

    series: SpcSeries
    charts: ChartSet
    violations: tuple[tuple[Violation, ...], ...]  # per chart in `charts.charts`
    capability: Capability | None
    capability_note: str


def analyse(
    data: SpcSeries,
    *,
    kind: ChartType,
    rules: Sequence[Rule],
    phase1: tuple[int, int] | None = None,
) -> Analysis:
    """Chart a series with limits from its phase-I subgroups and check the rules on every point.

    An individuals chart plots each inspection's mean (one point per lot inspected); with one
    sample per inspection that is the textbook chart of single values.
    """
    groups = [list(g.values) for g in data.subgroups]
    if kind is ChartType.XBAR_R:
        result = charts.xbar_r(groups, phase1=phase1)
    elif kind is ChartType.XBAR_S:
        result = charts.xbar_s(groups, phase1=phase1)
    elif kind is ChartType.IMR:
        result = charts.individuals([sum(g) / len(g) for g in groups], phase1=phase1)
    elif kind is ChartType.EWMA:
        result = charts.ewma(groups, phase1=phase1)
    elif kind is ChartType.CUSUM:
        result = charts.cusum(groups, phase1=phase1)
    else:
        raise InvalidInput(
            f"A {kind.value} chart needs counts and sample sizes, not measurements.",
            hint="Pick X-bar/R, X-bar/s, individuals, EWMA or CUSUM.",
        )
    applied = (Rule.LIMIT,) if kind in LIMIT_ONLY or not rules else tuple(rules)
    violations = tuple(chart.violations(applied) for chart in result.charts)
    found, note = _capability(data, groups, result.phase1)
    return Analysis(data, result, violations, found, note)


def _capability(
    data: SpcSeries, groups: list[list[float]], phase1: tuple[int, int]
) -> tuple[Capability | None, str]:
    if data.lsl is None or data.usl is None:
        return None, "No capability: the plan gives no lower and upper specification limit."
    try:
        return (
            capability(
                groups,
                lsl=data.lsl,
                usl=data.usl,
                target=data.nominal,
                phase1=phase1,
            ),
            "",
        )
    except InvalidInput as error:
        return None, f"No capability: {error.message}"
