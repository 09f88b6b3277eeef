"""Process capability (Cp, Cpk, Cpl, Cpu, Cpm, Pp, Ppk) with confidence intervals for Cp and Cpk."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from traceapp.domain.errors import InvalidInput
from traceapp.domain.spc import constants
from traceapp.domain.spc.charts import resolve_phase1
from traceapp.domain.spc.distributions import chi2_quantile, normal_quantile


class WithinSigma(enum.Enum):
    """How the within-subgroup sigma is estimated (Montgomery 6.2 and 6.3)."""

    RANGE = "range"  # R-bar / d2 (single values: moving range MR-bar / d2(2))
    STDDEV = "stddev"  # s-bar / c4


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Capability:
    """Capability indices of the phase-I data against the specification.

    Cp, Cpk, Cpl, Cpu and Cpm use the within-subgroup sigma; Pp and Ppk the overall sample
    standard deviation. The intervals: chi-square for Cp, Bissell's normal approximation for Cpk,
    both with n = the number of single values.
    """

    observations: int
    subgroups: int
    subgroup_size: int
    phase1: tuple[int, int]
    mean: float
    sigma_within: float
    sigma_overall: float
    within_method: WithinSigma
    lsl: float
    usl: float
    target: float
    cp: float
    cpl: float
    cpu: float
    cpk: float
    cpm: float
    pp: float
    ppl: float
    ppu: float
    ppk: float
    confidence: float
    cp_interval: Interval
    cpk_interval: Interval


def cp_interval(cp: float, n: int, confidence: float) -> Interval:
    """Ĉp √(χ²_{α/2,n-1}/(n-1)) ≤ Cp ≤ Ĉp √(χ²_{1-α/2,n-1}/(n-1)) (Montgomery 8.3.5)."""
    alpha = 1 - confidence
    df = n - 1
    return Interval(
        cp * math.sqrt(chi2_quantile(alpha / 2, df) / df),
        cp * math.sqrt(chi2_quantile(1 - alpha / 2, df) / df),
    )


def cpk_interval(cpk: float, n: int, confidence: float) -> Interval:
    """Bissell (1990): Ĉpk [1 ± z_{α/2} √(1/(9nĈpk²) + 1/(2(n-1)))] (Montgomery 8.3.5)."""
    z = normal_quantile(1 - (1 - confidence) / 2)
    # Ĉpk z √(1/(9nĈpk²) + ...) written so that Ĉpk = 0 (mean on a limit) stays finite.
    half = z * math.sqrt(1 / (9 * n) + cpk**2 / (2 * (n - 1)))
    return Interval(cpk - half, cpk + half)


def capability(
    subgroups: Sequence[Sequence[float]],
    *,
    lsl: float,
    usl: float,
    target: float | None = None,
    phase1: tuple[int, int] | None = None,
    within: WithinSigma = WithinSigma.RANGE,
    confidence: float = 0.95,
) -> Capability:
    """Capability of the phase-I subgroups (all of them when no phase I is named).

    Subgroups of one size 2-25, or single values (size 1: sigma from the moving range).
    The target for Cpm defaults to the middle of the specification, as R's qcc does.
    """
    if not (math.isfinite(lsl) and math.isfinite(usl)) or not lsl < usl:
        raise InvalidInput(
            f"The specification {lsl:g} to {usl:g} is empty.",
            hint="Give --lsl below --usl.",
        )
    if not 0 < confidence < 1:
        raise InvalidInput(
            f"A confidence of {confidence} is not between 0 and 1.", hint="Use e.g. 0.95."
        )
    sizes = {len(group) for group in subgroups}
    if len(sizes) > 1:
        raise InvalidInput(
            f"Subgroups differ in size ({', '.join(map(str, sorted(sizes)))}).",
            hint="Capability here needs subgroups of one size; drop or complete the odd ones.",
        )
    first, last = resolve_phase1(phase1, len(subgroups))
    data = np.array([list(group) for group in subgroups[first - 1 : last]], dtype=float)
    if not np.all(np.isfinite(data)):
        raise InvalidInput(
            "A measurement is not a finite number.", hint="Give numbers in every row."
        )
    size = data.shape[1]
    values = data.ravel()
    count = values.size
    mean = float(values.mean())
    if size == 1:
        sigma_within = float(np.abs(np.diff(values)).mean()) / constants.d2(2)
        within = WithinSigma.RANGE
    else:
        constants.check_size(size)
        if within is WithinSigma.RANGE:
            ranges = data.max(axis=1) - data.min(axis=1)
            sigma_within = float(ranges.mean()) / constants.d2(size)
        else:
            sigma_within = float(data.std(axis=1, ddof=1).mean()) / constants.c4(size)
    sigma_overall = float(values.std(ddof=1))
    if sigma_within <= 0 or sigma_overall <= 0:
        raise InvalidInput(
            "The measurements do not vary, so capability cannot be estimated.",
            hint="Check the value column.",
        )
    aim = (lsl + usl) / 2 if target is None else target
    cp = (usl - lsl) / (6 * sigma_within)
    cpl = (mean - lsl) / (3 * sigma_within)
    cpu = (usl - mean) / (3 * sigma_within)
    cpk = min(cpl, cpu)
    ppl = (mean - lsl) / (3 * sigma_overall)
    ppu = (usl - mean) / (3 * sigma_overall)
    return Capability(
        observations=count,
        subgroups=len(data),
        subgroup_size=size,
        phase1=(first, last),
        mean=mean,
        sigma_within=sigma_within,
        sigma_overall=sigma_overall,
        within_method=within,
        lsl=lsl,
        usl=usl,
        target=aim,
        cp=cp,
        cpl=cpl,
        cpu=cpu,
        cpk=cpk,
        cpm=cp / math.sqrt(1 + ((mean - aim) / sigma_within) ** 2),
        pp=(usl - lsl) / (6 * sigma_overall),
        ppl=ppl,
        ppu=ppu,
        ppk=min(ppl, ppu),
        confidence=confidence,
        cp_interval=cp_interval(cp, count, confidence),
        cpk_interval=cpk_interval(cpk, count, confidence),
    )
