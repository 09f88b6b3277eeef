"""Control charts (Shewhart, EWMA, CUSUM): limits from phase-I subgroups or standard values, applied to every point."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from traceapp.domain.errors import InvalidInput
from traceapp.domain.spc import constants
from traceapp.domain.spc.rules import Rule, Violation, evaluate

MIN_PHASE1 = 2  # the least that gives a spread to estimate; Montgomery asks for 20-25


class ChartType(enum.Enum):
    XBAR_R = "xbar-r"
    XBAR_S = "xbar-s"
    IMR = "imr"
    P = "p"
    NP = "np"
    C = "c"
    U = "u"
    EWMA = "ewma"
    CUSUM = "cusum"


# EWMA and CUSUM points depend on each other: the run rules do not apply, only the decision limit.
LIMIT_ONLY = frozenset({ChartType.EWMA, ChartType.CUSUM})


@dataclass(frozen=True, slots=True)
class Chart:
    """One plotted chart: its statistic at each point and the centre line and limits there.

    `points` are the 1-based subgroup numbers plotted (a moving range starts at 2); `lcl`/`ucl` are
    per point (p and u charts with varying sizes, EWMA); None where the chart has no such limit.
    `zone_sigma` is the plotted statistic's standard deviation at each point (the run-rule zones).
    """

    name: str
    points: tuple[int, ...]
    statistic: tuple[float, ...]
    center: float
    lcl: tuple[float | None, ...]
    ucl: tuple[float | None, ...]
    zone_sigma: tuple[float, ...]

    def violations(self, rules: Iterable[Rule]) -> tuple[Violation, ...]:
        found = evaluate(
            self.statistic,
            center=self.center,
            sigma=self.zone_sigma,
            lcl=self.lcl,
            ucl=self.ucl,
            rules=rules,
        )
        # evaluate numbers positions from 1; report the subgroup number instead.
        return tuple(Violation(v.rule, self.points[v.point - 1]) for v in found)


@dataclass(frozen=True, slots=True)
class ChartSet:
    """The charts of one analysis (X-bar and R, or C+ and C-), with what their limits came from.

    `mean` and `sigma` are the process centre and standard deviation of single values: estimated
    from phase-I subgroups `phase1` (1-based, inclusive) or given as standard values.
    """

    kind: ChartType
    charts: tuple[Chart, ...]
    mean: float
    sigma: float | None
    phase1: tuple[int, int]
    standard_center: bool
    standard_sigma: bool
    subgroup_size: float | None


# --- input checks -----------------------------------------------------------------------------


def _finite(values: Sequence[float], what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.size and not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0]) + 1
        raise InvalidInput(
            f"{what} number {bad} is not a finite number.", hint="Give numbers in every row."
        )
    return array


def resolve_phase1(phase1: tuple[int, int] | None, count: int) -> tuple[int, int]:
    """The phase-I range, 1-based and inclusive; all subgroups when none is given."""
    first, last = phase1 if phase1 is not None else (1, count)
    if not 1 <= first <= last <= count:
        raise InvalidInput(
            f"Phase I {first}-{last} does not lie within the {count} subgroups.",
            hint=f"Name a range within 1-{count}, e.g. --phase1 1-{min(count, 25)}.",
        )
    if last - first + 1 < MIN_PHASE1:
        raise InvalidInput(
            f"Phase I has {last - first + 1} subgroup(s); limits need at least {MIN_PHASE1}.",
            hint="Give more subgroups for phase I (20 to 25 is the usual advice).",
        )
    return first, last


def _equal_size(subgroups: Sequence[Sequence[float]]) -> int:
    if len(subgroups) < MIN_PHASE1:
        raise InvalidInput(
            f"{len(subgroups)} subgroup(s) is too few for control limits.",
            hint=f"Give at least {MIN_PHASE1} subgroups (20 to 25 is the usual advice).",
        )
    sizes = {len(group) for group in subgroups}
    if len(sizes) != 1:
        numbers = [i + 1 for i, g in enumerate(subgroups) if len(g) != len(subgroups[0])]
        raise InvalidInput(
            f"Subgroups differ in size ({', '.join(map(str, sorted(sizes)))}), first at subgroup {numbers[0]}.",
            hint="Use an X-bar and s chart (--type xbar-s) for subgroups of different sizes.",
        )
    size = sizes.pop()
    constants.check_size(size)
    return size


def _constant(value: float, count: int) -> tuple[float, ...]:
    return (float(value),) * count


def _floored(value: float) -> float:
    return max(0.0, value)


# --- X-bar with R or s --------------------------------------------------------------------------


def xbar_r(
    subgroups: Sequence[Sequence[float]],
    *,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """X-bar and R charts (Montgomery 6.2): x̿ ± A2 R̄, R̄ with D3 R̄ and D4 R̄; σ = R̄/d2."""
    n = _equal_size(subgroups)
    data = np.array([_finite(g, "A measurement") for g in subgroups])
    first, last = resolve_phase1(phase1, len(data))
    means = data.mean(axis=1)
    ranges = data.max(axis=1) - data.min(axis=1)
    base = slice(first - 1, last)
    d2, d3 = constants.d2(n), constants.d3(n)
    mean = float(means[base].mean()) if center is None else center
    process_sigma = float(ranges[base].mean()) / d2 if sigma is None else sigma
    return _xbar_with_spread(
        ChartType.XBAR_R,
        "r",
        means,
        ranges,
        n=n,
        mean=mean,
        sigma=process_sigma,
        spread_center=d2 * process_sigma,
        spread_sd=d3 * process_sigma,
        phase1=(first, last),
        standard=(center is not None, sigma is not None),
    )


def xbar_s(
    subgroups: Sequence[Sequence[float]],
    *,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """X-bar and s charts (Montgomery 6.3): x̿ ± A3 s̄, s̄ with B3 s̄ and B4 s̄; σ = s̄/c4.

    Subgroups of different sizes follow Montgomery 6.3.2 instead: limits per point.
    """
    if len({len(group) for group in subgroups}) > 1:
        return _xbar_s_varying(subgroups, phase1=phase1, center=center, sigma=sigma)
    n = _equal_size(subgroups)
    data = np.array([_finite(g, "A measurement") for g in subgroups])
    first, last = resolve_phase1(phase1, len(data))
    means = data.mean(axis=1)
    sds = data.std(axis=1, ddof=1)
    base = slice(first - 1, last)
    c4 = constants.c4(n)
    mean = float(means[base].mean()) if center is None else center
    process_sigma = float(sds[base].mean()) / c4 if sigma is None else sigma
    return _xbar_with_spread(
        ChartType.XBAR_S,
        "s",
        means,
        sds,
        n=n,
        mean=mean,
        sigma=process_sigma,
        spread_center=c4 * process_sigma,
        spread_sd=math.sqrt(1 - c4**2) * process_sigma,
        phase1=(first, last),
        standard=(center is not None, sigma is not None),
    )


def _xbar_s_varying(
    subgroups: Sequence[Sequence[float]],
    *,
    phase1: tuple[int, int] | None,
    center: float | None,
    sigma: float | None,
) -> ChartSet:
    """Montgomery 6.3.2: x̿ = Σnᵢx̄ᵢ/Σnᵢ, s̄ = √(Σ(nᵢ-1)sᵢ²/(Σnᵢ - m)) over phase I; each point's
    limits x̿ ± A3(nᵢ) s̄ and B3(nᵢ) s̄, B4(nᵢ) s̄ around the centre line s̄."""
    if len(subgroups) < MIN_PHASE1:
        raise InvalidInput(
            f"{len(subgroups)} subgroup(s) is too few for control limits.",
            hint=f"Give at least {MIN_PHASE1} subgroups (20 to 25 is the usual advice).",
        )
    if sigma is not None:
        raise InvalidInput(
            "A standard sigma with subgroups of different sizes gives no single s-chart centre line.",
            hint="Leave --sigma out (s-bar is pooled from phase I), or use subgroups of one size.",
        )
    for group in subgroups:
        constants.check_size(len(group))
    arrays = [_finite(group, "A measurement") for group in subgroups]
    first, last = resolve_phase1(phase1, len(arrays))
    sizes = np.array([a.size for a in arrays])
    means = np.array([a.mean() for a in arrays])
    sds = np.array([a.std(ddof=1) for a in arrays])
    base = slice(first - 1, last)
    weights = sizes[base]
    mean = float((weights * means[base]).sum() / weights.sum()) if center is None else center
    s_bar = math.sqrt(
        float(((weights - 1) * sds[base] ** 2).sum() / (weights.sum() - weights.size))
    )
    _check_sigma(s_bar)
    c4 = np.array([constants.c4(int(n)) for n in sizes])
    sd_mean = s_bar / (c4 * np.sqrt(sizes))
    sd_s = s_bar * np.sqrt(1 - c4**2) / c4
    points = tuple(range(1, len(arrays) + 1))
    xbar = Chart(
        name="xbar",
        points=points,
        statistic=tuple(float(v) for v in means),
        center=mean,
        lcl=tuple(float(v) for v in mean - 3 * sd_mean),
        ucl=tuple(float(v) for v in mean + 3 * sd_mean),
        zone_sigma=tuple(float(v) for v in sd_mean),
    )
    spread = Chart(
        name="s",
        points=points,
        statistic=tuple(float(v) for v in sds),
        center=s_bar,
        lcl=tuple(_floored(float(v)) for v in s_bar - 3 * sd_s),
        ucl=tuple(float(v) for v in s_bar + 3 * sd_s),
        zone_sigma=tuple(float(v) for v in sd_s),
    )
    return ChartSet(
        ChartType.XBAR_S,
        (xbar, spread),
        mean,
        s_bar,  # the pooled standard deviation estimates sigma (Montgomery 6.3.2)
        (first, last),
        center is not None,
        False,
        subgroup_size=None,
    )


def _xbar_with_spread(
    kind: ChartType,
    spread_name: str,
    means: np.ndarray,
    spreads: np.ndarray,
    *,
    n: int,
    mean: float,
    sigma: float,
    spread_center: float,
    spread_sd: float,
    phase1: tuple[int, int],
    standard: tuple[bool, bool],
) -> ChartSet:
    _check_sigma(sigma, given=standard[1])
    count = len(means)
    points = tuple(range(1, count + 1))
    sigma_mean = sigma / math.sqrt(n)
    xbar = Chart(
        name="xbar",
        points=points,
        statistic=tuple(float(v) for v in means),
        center=mean,
        lcl=_constant(mean - 3 * sigma_mean, count),
        ucl=_constant(mean + 3 * sigma_mean, count),
        zone_sigma=_constant(sigma_mean, count),
    )
    spread = Chart(
        name=spread_name,
        points=points,
        statistic=tuple(float(v) for v in spreads),
        center=spread_center,
        lcl=_constant(_floored(spread_center - 3 * spread_sd), count),
        ucl=_constant(spread_center + 3 * spread_sd, count),
        zone_sigma=_constant(spread_sd, count),
    )
    return ChartSet(kind, (xbar, spread), mean, sigma, phase1, *standard, subgroup_size=n)


def _check_sigma(sigma: float, *, given: bool = False) -> None:
    if not math.isfinite(sigma) or sigma < 0 or (given and sigma == 0):
        raise InvalidInput(f"Sigma {sigma:g} is not a spread.", hint="Give a --sigma above 0.")
    if sigma == 0:
        raise InvalidInput(
            "The phase-I data do not vary (sigma is 0), so there are no limits to draw.",
            hint="Check the value column, or give the process sigma with --sigma.",
        )


# --- individuals and moving range ---------------------------------------------------------------


def _moving_range_sigma(values: np.ndarray) -> float:
    return float(np.abs(np.diff(values)).mean()) / constants.d2(2)


def individuals(
    values: Sequence[float],
    *,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """Individuals and moving-range charts (Montgomery 6.4): x̄ ± 3 MR̄/d2, MR̄ with D4 MR̄."""
    data = _finite(values, "Value")
    if data.size < MIN_PHASE1:
        raise InvalidInput(
            f"{data.size} value(s) is too few for an individuals chart.",
            hint="Give at least 2 values (20 to 25 is the usual advice).",
        )
    first, last = resolve_phase1(phase1, data.size)
    base = data[first - 1 : last]
    mean = float(base.mean()) if center is None else center
    process_sigma = _moving_range_sigma(base) if sigma is None else sigma
    _check_sigma(process_sigma, given=sigma is not None)
    count = data.size
    points = tuple(range(1, count + 1))
    x = Chart(
        name="x",
        points=points,
        statistic=tuple(float(v) for v in data),
        center=mean,
        lcl=_constant(mean - 3 * process_sigma, count),
        ucl=_constant(mean + 3 * process_sigma, count),
        zone_sigma=_constant(process_sigma, count),
    )
    d2, d3 = constants.d2(2), constants.d3(2)
    mr_center, mr_sd = d2 * process_sigma, d3 * process_sigma
    mr = Chart(
        name="mr",
        points=points[1:],
        statistic=tuple(float(v) for v in np.abs(np.diff(data))),
        center=mr_center,
        lcl=_constant(_floored(mr_center - 3 * mr_sd), count - 1),
        ucl=_constant(mr_center + 3 * mr_sd, count - 1),
        zone_sigma=_constant(mr_sd, count - 1),
    )
    return ChartSet(
        ChartType.IMR,
        (x, mr),
        mean,
        process_sigma,
        (first, last),
        center is not None,
        sigma is not None,
        subgroup_size=1,
    )


# --- attribute charts ---------------------------------------------------------------------------


def _counts(
    counts: Sequence[float], sizes: Sequence[float] | None
) -> tuple[np.ndarray, np.ndarray]:
    x = _finite(counts, "Count")
    n = _finite(sizes, "Sample size") if sizes is not None else np.ones_like(x)
    if x.size != n.size:
        raise InvalidInput(
            "Counts and sample sizes differ in number.", hint="Give one size per count."
        )
    if x.size < MIN_PHASE1:
        raise InvalidInput(
            f"{x.size} sample(s) is too few for control limits.",
            hint="Give at least 2 samples (20 to 25 is the usual advice).",
        )
    if np.any(x < 0):
        bad = int(np.flatnonzero(x < 0)[0]) + 1
        raise InvalidInput(
            f"Sample {bad} has a negative count ({x[bad - 1]:g}).", hint="Counts are 0 or more."
        )
    if np.any(n <= 0):
        bad = int(np.flatnonzero(n <= 0)[0]) + 1
        raise InvalidInput(
            f"Sample {bad} has size {n[bad - 1]:g}.", hint="Sample sizes are more than 0."
        )
    return x, n


def _whole(x: np.ndarray, what: str) -> None:
    if np.any(x != np.round(x)):
        bad = int(np.flatnonzero(x != np.round(x))[0]) + 1
        raise InvalidInput(
            f"{what} {bad} is not a whole number ({x[bad - 1]:g}).",
            hint="Counts are whole numbers.",
        )


def _fraction_inputs(
    counts: Sequence[float], sizes: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    x, n = _counts(counts, sizes)
    _whole(x, "Count of sample")
    _whole(n, "Size of sample")
    if np.any(x > n):
        bad = int(np.flatnonzero(x > n)[0]) + 1
        raise InvalidInput(
            f"Sample {bad} has {x[bad - 1]:g} nonconforming of {n[bad - 1]:g} (a fraction above 1).",
            hint="The count of nonconforming units cannot exceed the sample size; check the columns.",
        )
    return x, n


def _check_standard_sigma(sigma: float | None, kind: ChartType) -> None:
    if sigma is not None:
        raise InvalidInput(
            f"A {kind.value} chart takes no --sigma: its spread follows from the centre line.",
            hint="Give only --center (the standard value of the plotted statistic).",
        )


def p_chart(
    counts: Sequence[float],
    sizes: Sequence[float],
    *,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """Fraction nonconforming (Montgomery 7.2): p̄ ± 3 √(p̄(1-p̄)/nᵢ), clipped to 0 and 1."""
    _check_standard_sigma(sigma, ChartType.P)
    x, n = _fraction_inputs(counts, sizes)
    first, last = resolve_phase1(phase1, x.size)
    base = slice(first - 1, last)
    p_bar = float(x[base].sum() / n[base].sum()) if center is None else center
    if not 0 <= p_bar <= 1:
        raise InvalidInput(
            f"A fraction of {p_bar} is not between 0 and 1.", hint="Give --center between 0 and 1."
        )
    sd = np.sqrt(p_bar * (1 - p_bar) / n)
    chart = Chart(
        name="p",
        points=tuple(range(1, x.size + 1)),
        statistic=tuple(float(v) for v in x / n),
        center=p_bar,
        lcl=tuple(max(0.0, float(v)) for v in p_bar - 3 * sd),
        ucl=tuple(min(1.0, float(v)) for v in p_bar + 3 * sd),
        zone_sigma=tuple(float(v) for v in sd),
    )
    size = float(n[0]) if np.all(n == n[0]) else None
    return ChartSet(
        ChartType.P, (chart,), p_bar, None, (first, last), center is not None, False, size
    )


def np_chart(
    counts: Sequence[float],
    sizes: Sequence[float],
    *,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """Number nonconforming (Montgomery 7.2.3): np̄ ± 3 √(np̄(1-p̄)), one sample size."""
    _check_standard_sigma(sigma, ChartType.NP)
    x, n = _fraction_inputs(counts, sizes)
    if not np.all(n == n[0]):
        raise InvalidInput(
            "An np chart needs one sample size; these samples differ in size.",
            hint="Use a p chart (--type p) for samples of different sizes.",
        )
    size = float(n[0])
    first, last = resolve_phase1(phase1, x.size)
    base = slice(first - 1, last)
    p_bar = float(x[base].sum() / n[base].sum()) if center is None else center / size
    if not 0 <= p_bar <= 1:
        raise InvalidInput(
            f"A centre of {center} is more than the sample size {size:g}.",
            hint="Give --center as the standard number nonconforming per sample (n times p).",
        )
    mean = size * p_bar
    sd = math.sqrt(size * p_bar * (1 - p_bar))
    count = x.size
    chart = Chart(
        name="np",
        points=tuple(range(1, count + 1)),
        statistic=tuple(float(v) for v in x),
        center=mean,
        lcl=_constant(_floored(mean - 3 * sd), count),
        ucl=_constant(min(size, mean + 3 * sd), count),
        zone_sigma=_constant(sd, count),
    )
    return ChartSet(
        ChartType.NP, (chart,), mean, None, (first, last), center is not None, False, size
    )


def c_chart(
    counts: Sequence[float],
    *,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """Nonconformities per unit of constant size (Montgomery 7.3.1): c̄ ± 3 √c̄, floored at 0."""
    _check_standard_sigma(sigma, ChartType.C)
    x, _ = _counts(counts, None)
    _whole(x, "Count of sample")
    first, last = resolve_phase1(phase1, x.size)
    c_bar = float(x[first - 1 : last].mean()) if center is None else center
    if c_bar < 0:
        raise InvalidInput(f"A centre of {c_bar} is below 0.", hint="Give --center of 0 or more.")
    sd = math.sqrt(c_bar)
    count = x.size
    chart = Chart(
        name="c",
        points=tuple(range(1, count + 1)),
        statistic=tuple(float(v) for v in x),
        center=c_bar,
        lcl=_constant(_floored(c_bar - 3 * sd), count),
        ucl=_constant(c_bar + 3 * sd, count),
        zone_sigma=_constant(sd, count),
    )
    return ChartSet(
        ChartType.C, (chart,), c_bar, None, (first, last), center is not None, False, 1.0
    )


def u_chart(
    counts: Sequence[float],
    sizes: Sequence[float],
    *,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """Nonconformities per inspection unit (Montgomery 7.3.2): ū ± 3 √(ū/nᵢ), floored at 0."""
    _check_standard_sigma(sigma, ChartType.U)
    x, n = _counts(counts, sizes)
    _whole(x, "Count of sample")
    first, last = resolve_phase1(phase1, x.size)
    base = slice(first - 1, last)
    u_bar = float(x[base].sum() / n[base].sum()) if center is None else center
    if u_bar < 0:
        raise InvalidInput(f"A centre of {u_bar} is below 0.", hint="Give --center of 0 or more.")
    sd = np.sqrt(u_bar / n)
    chart = Chart(
        name="u",
        points=tuple(range(1, x.size + 1)),
        statistic=tuple(float(v) for v in x / n),
        center=u_bar,
        lcl=tuple(max(0.0, float(v)) for v in u_bar - 3 * sd),
        ucl=tuple(float(v) for v in u_bar + 3 * sd),
        zone_sigma=tuple(float(v) for v in sd),
    )
    size = float(n[0]) if np.all(n == n[0]) else None
    return ChartSet(
        ChartType.U, (chart,), u_bar, None, (first, last), center is not None, False, size
    )


# --- time-weighted charts -----------------------------------------------------------------------


def _plotted_values(
    subgroups: Sequence[Sequence[float]],
    phase1: tuple[int, int] | None,
    center: float | None,
    sigma: float | None,
) -> tuple[np.ndarray, int, tuple[int, int], float, float]:
    """Subgroup means (or single values), their size, phase I, the target and sigma of one value."""
    if subgroups and all(len(group) == 1 for group in subgroups):
        values = _finite([group[0] for group in subgroups], "Value")
        n = 1
        if values.size < MIN_PHASE1:
            raise InvalidInput(
                f"{values.size} value(s) is too few for a chart.",
                hint="Give at least 2 values (20 to 25 is the usual advice).",
            )
        first, last = resolve_phase1(phase1, values.size)
        base = values[first - 1 : last]
        estimated = _moving_range_sigma(base) if sigma is None else sigma
    else:
        n = _equal_size(subgroups)
        data = np.array([_finite(g, "A measurement") for g in subgroups])
        values = data.mean(axis=1)
        first, last = resolve_phase1(phase1, len(values))
        base = values[first - 1 : last]
        ranges = (data.max(axis=1) - data.min(axis=1))[first - 1 : last]
        estimated = float(ranges.mean()) / constants.d2(n) if sigma is None else sigma
    target = float(base.mean()) if center is None else center
    _check_sigma(estimated, given=sigma is not None)
    return values, n, (first, last), target, estimated


def ewma(
    subgroups: Sequence[Sequence[float]],
    *,
    lam: float = 0.2,
    width: float = 3.0,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """EWMA (Montgomery 9.2): zᵢ = λxᵢ + (1-λ)zᵢ₋₁, z₀ = μ₀, limits μ₀ ± Lσ √(λ/(2-λ)(1-(1-λ)^2i))."""
    if not 0 < lam <= 1:
        raise InvalidInput(
            f"lambda {lam} is outside (0, 1].", hint="Use --lambda between 0 and 1, e.g. 0.2."
        )
    if not width > 0:
        raise InvalidInput(f"L {width} is not positive.", hint="Use --L above 0, e.g. 3.")
    values, n, phase, target, process_sigma = _plotted_values(subgroups, phase1, center, sigma)
    sigma_x = process_sigma / math.sqrt(n)
    z = np.empty_like(values)
    previous = target
    for i, value in enumerate(values):
        previous = lam * value + (1 - lam) * previous
        z[i] = previous
    steps = np.arange(1, values.size + 1)
    sd = sigma_x * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * steps)))
    chart = Chart(
        name="ewma",
        points=tuple(int(i) for i in steps),
        statistic=tuple(float(v) for v in z),
        center=target,
        lcl=tuple(float(v) for v in target - width * sd),
        ucl=tuple(float(v) for v in target + width * sd),
        zone_sigma=tuple(float(v) for v in sd),
    )
    return ChartSet(
        ChartType.EWMA,
        (chart,),
        target,
        process_sigma,
        phase,
        center is not None,
        sigma is not None,
        n,
    )


def cusum(
    subgroups: Sequence[Sequence[float]],
    *,
    k: float = 0.5,
    h: float = 5.0,
    phase1: tuple[int, int] | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ChartSet:
    """Tabular CUSUM (Montgomery 9.1): C⁺ᵢ = max(0, xᵢ - (μ₀+K) + C⁺ᵢ₋₁), C⁻ᵢ = max(0, (μ₀-K) - xᵢ + C⁻ᵢ₋₁).

    K = kσ and H = hσ (σ of the plotted value); a point signals when C⁺ or C⁻ exceeds H.
    """
    if not k >= 0:
        raise InvalidInput(f"k {k} is negative.", hint="Use --k of 0 or more, e.g. 0.5.")
    if not h > 0:
        raise InvalidInput(f"h {h} is not positive.", hint="Use --h above 0, e.g. 5.")
    values, n, phase, target, process_sigma = _plotted_values(subgroups, phase1, center, sigma)
    sigma_x = process_sigma / math.sqrt(n)
    allowance, decision = k * sigma_x, h * sigma_x
    upper = np.empty_like(values)
    lower = np.empty_like(values)
    high = low = 0.0
    for i, value in enumerate(values):
        high = max(0.0, value - (target + allowance) + high)
        low = max(0.0, (target - allowance) - value + low)
        upper[i], lower[i] = high, low
    count = values.size
    points = tuple(range(1, count + 1))
    charts = tuple(
        Chart(
            name=name,
            points=points,
            statistic=tuple(float(v) for v in sums),
            center=0.0,
            lcl=(None,) * count,
            ucl=_constant(decision, count),
            zone_sigma=_constant(sigma_x, count),
        )
        for name, sums in (("cusum_upper", upper), ("cusum_lower", lower))
    )
    return ChartSet(
        ChartType.CUSUM,
        charts,
        target,
        process_sigma,
        phase,
        center is not None,
        sigma is not None,
        n,
    )
