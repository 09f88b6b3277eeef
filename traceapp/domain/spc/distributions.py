"""Normal and chi-square quantiles for capability intervals, without scipy (regularized gamma)."""

from __future__ import annotations

import math
from statistics import NormalDist

from traceapp.domain.errors import InvalidInput

_EPSILON = 1e-15
_MAX_TERMS = 10_000


def normal_quantile(p: float) -> float:
    """The standard normal value below which a fraction p lies."""
    return NormalDist().inv_cdf(p)


def regularized_gamma_p(a: float, x: float) -> float:
    """P(a, x) = γ(a, x) / Γ(a): series below a + 1, Lentz's continued fraction above."""
    if x <= 0:
        return 0.0
    log_prefix = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        denominator = a
        for _ in range(_MAX_TERMS):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * _EPSILON:
                break
        return total * math.exp(log_prefix)
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    fraction = d
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        fraction *= delta
        if abs(delta - 1) < _EPSILON:
            break
    return 1.0 - math.exp(log_prefix) * fraction


def chi2_cdf(x: float, df: float) -> float:
    return regularized_gamma_p(df / 2, x / 2)


def chi2_quantile(p: float, df: float) -> float:
    """The chi-square value with df degrees of freedom below which a fraction p lies (bisection)."""
    if not 0 < p < 1 or df <= 0:
        raise InvalidInput(
            f"No chi-square quantile for p={p}, df={df}.",
            hint="Use a probability between 0 and 1 and at least 1 degree of freedom.",
        )
    low, high = 0.0, max(1.0, df)
    while chi2_cdf(high, df) < p:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if chi2_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low <= 1e-14 * max(1.0, high):
            break
    return (low + high) / 2
