"""Control chart constants (d2, d3, c4 and the factors built from them) for subgroup sizes 2 to 25."""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from traceapp.domain.errors import InvalidInput

MIN_SIZE = 2
MAX_SIZE = 25  # the end of the printed tables (Montgomery, Appendix VI)

# The relative range W = max - min of n standard normal values: d2 = E[W], d3 = sd(W).
# Both come from Tippett's integrals over the normal distribution function F:
#   E[W]   = ∫ 1 - F(y)^n - (1 - F(y))^n dy
#   E[W^2] = 2 ∫_{t>0} ∫_y 1 - F(y)^n - (1 - F(y - t))^n + (F(y) - F(y - t))^n dy dt
# integrated with Simpson's rule on a grid fine enough for 8 significant digits.
_STEP = 0.02
_REACH = 9.0  # beyond ±9 sigma F is 0 or 1 to double precision


def _simpson_weights(count: int) -> np.ndarray:
    weights = np.ones(count)
    weights[1:-1:2] = 4.0
    weights[2:-1:2] = 2.0
    return weights * (_STEP / 3.0)


@cache
def _grid() -> tuple[np.ndarray, np.ndarray]:
    count = round(2 * _REACH / _STEP) + 1  # odd, as Simpson's rule needs
    points = np.linspace(-_REACH, _REACH, count)
    cdf = np.array([0.5 * math.erfc(-x / math.sqrt(2.0)) for x in points])
    return points, cdf


def check_size(n: int) -> None:
    if not MIN_SIZE <= n <= MAX_SIZE:
        raise InvalidInput(
            f"A subgroup of {n} is outside the constants' table (sizes {MIN_SIZE} to {MAX_SIZE}).",
            hint=f"Use subgroups of {MIN_SIZE} to {MAX_SIZE} measurements, or an individuals chart (imr) for single values.",
        )


@cache
def d2(n: int) -> float:
    """Mean of the range of n standard normal values."""
    check_size(n)
    _, cdf = _grid()
    integrand = 1.0 - cdf**n - (1.0 - cdf) ** n
    return float(np.sum(_simpson_weights(cdf.size) * integrand))


@cache
def d3(n: int) -> float:
    """Standard deviation of the range of n standard normal values."""
    check_size(n)
    _, cdf = _grid()
    size = cdf.size
    # Row m is the shift t = m * step: F(y - t) is the grid shifted by m, 0 below the grid.
    shifts = np.arange(size)[:, None]
    index = np.arange(size)[None, :] - shifts
    lower = np.where(index >= 0, cdf[np.clip(index, 0, None)], 0.0)
    upper = cdf[None, :]
    integrand = 1.0 - upper**n - (1.0 - lower) ** n + (upper - lower) ** n
    weights = _simpson_weights(size)
    second_moment = 2.0 * float(weights @ integrand @ weights)
    return math.sqrt(second_moment - d2(n) ** 2)


@cache
def c4(n: int) -> float:
    """Mean of the sample standard deviation of n standard normal values."""
    check_size(n)
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def a2(n: int) -> float:
    """X-bar limits from the mean range: x-double-bar ± A2 R-bar."""
    return 3.0 / (d2(n) * math.sqrt(n))


def a3(n: int) -> float:
    """X-bar limits from the mean standard deviation: x-double-bar ± A3 s-bar."""
    return 3.0 / (c4(n) * math.sqrt(n))


def d3_factor(n: int) -> float:
    """D3: R chart lower limit factor, D3 R-bar (0 where 3 sd of R reach below zero)."""
    return max(0.0, 1.0 - 3.0 * d3(n) / d2(n))


def d4_factor(n: int) -> float:
    """D4: R chart upper limit factor, D4 R-bar."""
    return 1.0 + 3.0 * d3(n) / d2(n)


def b3(n: int) -> float:
    """B3: s chart lower limit factor, B3 s-bar."""
    return max(0.0, 1.0 - 3.0 * math.sqrt(1.0 - c4(n) ** 2) / c4(n))


def b4(n: int) -> float:
    """B4: s chart upper limit factor, B4 s-bar."""
    return 1.0 + 3.0 * math.sqrt(1.0 - c4(n) ** 2) / c4(n)
