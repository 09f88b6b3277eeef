"""Chart constants computed from their definitions agree with Montgomery's Appendix VI as printed."""

from __future__ import annotations

import math

import pytest

from traceapp.domain.errors import InvalidInput
from traceapp.domain.spc import constants

SIZES = range(2, 26)
# Appendix VI, n = 2..25, as printed.
D2 = [1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336]
D2 += [3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931]
SMALL_D3 = [0.853, 0.888, 0.880, 0.864, 0.848, 0.833, 0.820, 0.808, 0.797, 0.787, 0.778]
SMALL_D3 += [0.770, 0.763, 0.756, 0.750, 0.744, 0.739, 0.734, 0.729, 0.724, 0.720, 0.716]
SMALL_D3 += [0.712, 0.708]
C4 = [0.7979, 0.8862, 0.9213, 0.9400, 0.9515, 0.9594, 0.9650, 0.9693, 0.9727, 0.9754]
C4 += [0.9776, 0.9794, 0.9810, 0.9823, 0.9835, 0.9845, 0.9854, 0.9862, 0.9869, 0.9876]
C4 += [0.9882, 0.9887, 0.9892, 0.9896]
A2 = [1.880, 1.023, 0.729, 0.577, 0.483, 0.419, 0.373, 0.337, 0.308, 0.285, 0.266, 0.249]
A2 += [0.235, 0.223, 0.212, 0.203, 0.194, 0.187, 0.180, 0.173, 0.167, 0.162, 0.157, 0.153]
A3 = [2.659, 1.954, 1.628, 1.427, 1.287, 1.182, 1.099, 1.032, 0.975, 0.927, 0.886, 0.850]
A3 += [0.817, 0.789, 0.763, 0.739, 0.718, 0.698, 0.680, 0.663, 0.647, 0.633, 0.619, 0.606]
B3 = [0, 0, 0, 0, 0.030, 0.118, 0.185, 0.239, 0.284, 0.321, 0.354, 0.382, 0.406, 0.428]
B3 += [0.448, 0.466, 0.482, 0.497, 0.510, 0.523, 0.534, 0.545, 0.555, 0.565]
B4 = [3.267, 2.568, 2.266, 2.089, 1.970, 1.882, 1.815, 1.761, 1.716, 1.679, 1.646, 1.618]
B4 += [1.594, 1.572, 1.552, 1.534, 1.518, 1.503, 1.490, 1.477, 1.466, 1.455, 1.445, 1.435]
D3 = [0, 0, 0, 0, 0, 0.076, 0.136, 0.184, 0.223, 0.256, 0.283, 0.307, 0.328, 0.347, 0.363]
D3 += [0.378, 0.391, 0.403, 0.415, 0.425, 0.434, 0.443, 0.451, 0.459]
D4 = [3.267, 2.574, 2.282, 2.114, 2.004, 1.924, 1.864, 1.816, 1.777, 1.744, 1.717, 1.693]
D4 += [1.672, 1.653, 1.637, 1.622, 1.608, 1.597, 1.585, 1.575, 1.566, 1.557, 1.548, 1.541]


@pytest.mark.parametrize(
    ("name", "function", "printed", "places"),
    [
        ("d2", constants.d2, D2, 3),
        ("c4", constants.c4, C4, 4),
        ("A2", constants.a2, A2, 3),
        ("A3", constants.a3, A3, 3),
        ("B3", constants.b3, B3, 3),
        ("B4", constants.b4, B4, 3),
    ],
)
def test_each_constant_rounds_to_the_printed_table(name, function, printed, places) -> None:
    computed = [round(function(n), places) for n in SIZES]
    assert computed == printed, name


@pytest.mark.parametrize(
    ("function", "printed"),
    [(constants.d3, SMALL_D3), (constants.d3_factor, D3), (constants.d4_factor, D4)],
)
def test_d3_and_the_r_chart_factors_lie_within_one_printed_unit_of_the_table(
    function, printed
) -> None:
    # d3(19) = 0.73348 is printed 0.734; the printed D3 is truncated, not rounded, at n = 19, 22, 24 (0.4035 -> 0.403) and D4 printed
    # as 2 - D3, so D4(3) = 2.5746 reads 2.574; the exact values differ from print by < 0.001.
    for n, value in zip(SIZES, printed, strict=True):
        assert abs(function(n) - value) < 0.001, n


def test_d2_and_d3_match_the_exact_values_to_seven_digits() -> None:
    # For n = 2 exactly: d2 = 2/sqrt(pi), d3 = sqrt(2 - 4/pi); n = 5 from Harter's (1960) tables.
    assert constants.d2(2) == pytest.approx(2 / math.sqrt(math.pi), rel=1e-9)
    assert constants.d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), rel=1e-7)
    assert constants.d2(5) == pytest.approx(2.325929, abs=1e-6)
    assert constants.d3(5) == pytest.approx(0.864082, abs=1e-6)


@pytest.mark.parametrize("n", [0, 1, 26])
def test_a_size_outside_the_table_is_refused(n: int) -> None:
    with pytest.raises(InvalidInput, match="outside the constants' table"):
        constants.d2(n)
