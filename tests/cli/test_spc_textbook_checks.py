"""`traceapp spc` on textbook data sets checked the way a reviewer checks them.

Each expected figure was computed independently of TraceApp (numpy/scipy from the data: d2 and
d3 by integrating the range distribution, c4 from the gamma function, chi-square and normal
quantiles from scipy, the run rules re-implemented from shared/standards/spc-rules.md) and agrees
with the published figure where the source prints one (given in the comments, rounded as printed).
The CSV files in spc_data/ were typed in from the sources named in each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.domain.spc.textbook import PISTON_RINGS, PISTON_RINGS_PHASE2
from traceapp.cli import main

DATA = Path(__file__).parent / "spc_data"


def spc(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code = main(["spc", *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def violations(chart: dict) -> list[tuple[str, int]]:
    return [(v["rule"], v["point"]) for v in chart["violations"]]


@pytest.fixture
def rings(tmp_path: Path) -> str:
    path = tmp_path / "rings.csv"
    rows = [
        f"{number},{value:.3f}"
        for number, group in enumerate(PISTON_RINGS + PISTON_RINGS_PHASE2, start=1)
        for value in group
    ]
    path.write_text("sample,diameter\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_loan_costs_imr(capsys: pytest.CaptureFixture[str]) -> None:
    # Montgomery, individuals chart of weekly mortgage-loan processing costs (20 weeks):
    # x-bar 300.5, MR-bar 7.79, limits 279.8 / 321.2, MR chart UCL 25.45 (3.267 x 7.79).
    for rules in ("nelson", "we"):
        result = spc(
            capsys, "chart", "--type", "imr", "--csv", str(DATA / "loan_costs.csv"),
            "--value", "cost", "--rules", rules,
        )  # fmt: skip
        x, mr = result["charts"]
        assert x["center"] == pytest.approx(300.5, abs=1e-9)
        assert x["lcl"] == pytest.approx(279.7902761, rel=1e-8)
        assert x["ucl"] == pytest.approx(321.2097239, rel=1e-8)
        assert mr["center"] == pytest.approx(148 / 19, rel=1e-12)
        assert mr["lcl"] == 0
        assert mr["ucl"] == pytest.approx(25.4445644, rel=1e-7)
        assert mr["points"][0] == 2  # the first moving range belongs to week 2
        assert violations(x) == []
        assert violations(mr) == []


def test_computers_u_chart(capsys: pytest.CaptureFixture[str]) -> None:
    # Montgomery, nonconformities in 20 samples of 5 personal computers: u-bar 1.93,
    # limits 0.07 / 3.79, in control.
    result = spc(
        capsys, "chart", "--type", "u", "--csv", str(DATA / "computers.csv"),
        "--value", "nonconformities", "--size", "units", "--rules", "we",
    )  # fmt: skip
    (u,) = result["charts"]
    assert u["center"] == pytest.approx(1.93, rel=1e-12)
    assert u["lcl"] == pytest.approx(0.06613305, rel=1e-6)
    assert u["ucl"] == pytest.approx(3.79386695, rel=1e-8)
    assert violations(u) == []


def test_juice_cans_np_chart_and_run_rules(capsys: pytest.CaptureFixture[str]) -> None:
    # Montgomery Table 7.1 as an np chart (n = 50): np-bar = 50 x 0.2313, limits 2.62 / 20.51,
    # samples 15 and 23 beyond the UCL; the rules add 22 (two of three beyond 2 sigma) and 24
    # (four of five beyond 1 sigma).
    csv = str(DATA / "juice_cans.csv")
    result = spc(capsys, "chart", "--type", "np", "--csv", csv, "--value", "defective",
                 "--size", "n")  # fmt: skip
    (chart,) = result["charts"]
    assert chart["center"] == pytest.approx(347 / 30, rel=1e-12)
    assert chart["lcl"] == pytest.approx(2.62137740, rel=1e-8)
    assert chart["ucl"] == pytest.approx(20.51195593, rel=1e-8)
    assert violations(chart) == [("limit", 15), ("limit", 23)]
    nelson = spc(capsys, "chart", "--type", "np", "--csv", csv, "--value", "defective",
                 "--size", "n", "--rules", "nelson")  # fmt: skip
    assert violations(nelson["charts"][0]) == [
        ("N1", 15), ("N5", 22), ("N1", 23), ("N5", 23), ("N6", 24),
    ]  # fmt: skip
    we = spc(capsys, "chart", "--type", "p", "--csv", csv, "--value", "defective",
             "--size", "n", "--rules", "we")  # fmt: skip
    assert violations(we["charts"][0]) == [
        ("WE1", 15), ("WE2", 22), ("WE1", 23), ("WE2", 23), ("WE3", 24),
    ]  # fmt: skip


def test_nist_ewma_example(capsys: pytest.CaptureFixture[str]) -> None:
    # NIST/SEMATECH e-Handbook 6.3.2.4: target 50, s 2.0539, lambda 0.3, k 3. Published EWMA
    # 50.60, 49.52, 50.56, ... 51.94, 51.99 and (asymptotic) limits 47.4115 / 52.5884; the
    # process stays in control. TraceApp draws the exact limits, which reach those by point 20.
    result = spc(
        capsys, "chart", "--type", "ewma", "--csv", str(DATA / "nist_ewma.csv"), "--value", "x",
        "--center", "50", "--sigma", "2.0539", "--lambda", "0.3", "--L", "3",
    )  # fmt: skip
    (chart,) = result["charts"]
    published = [50.60, 49.52, 50.56, 50.18, 50.16, 49.21, 49.75, 49.85, 50.26, 50.33]
    published += [50.11, 49.36, 49.52, 50.05, 49.38, 49.92, 50.73, 51.23, 51.94, 51.99]
    assert [round(z, 2) for z in chart["statistic"]] == published
    assert chart["statistic"][-1] == pytest.approx(51.988243, abs=1e-6)
    assert chart["ucl"][0] == pytest.approx(51.84851, abs=1e-5)  # 50 + 3 x 0.3 x 2.0539
    assert chart["ucl"][-1] == pytest.approx(52.58843, abs=1e-5)
    assert chart["lcl"][-1] == pytest.approx(47.41157, abs=1e-5)
    assert violations(chart) == []


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ("nelson", [("N5", 35), ("N1", 37), ("N5", 37), ("N1", 38), ("N5", 38), ("N6", 38),
                    ("N1", 39), ("N5", 39), ("N6", 39), ("N5", 40), ("N6", 40)]),
        ("we", [("WE2", 35), ("WE1", 37), ("WE2", 37), ("WE1", 38), ("WE2", 38), ("WE3", 38),
                ("WE1", 39), ("WE2", 39), ("WE3", 39), ("WE2", 40), ("WE3", 40)]),
    ],
)  # fmt: skip
def test_piston_rings_phase_two_rules(
    capsys: pytest.CaptureFixture[str], rings: str, rules: str, expected: list
) -> None:
    # Montgomery Tables 6.3/6.4: subgroups 26-40 on the phase-I limits; the book marks 37-39
    # beyond the UCL. The run rules flag the drift from 35 on; the R chart stays in control.
    for kind in ("xbar-r", "xbar-s"):
        result = spc(
            capsys, "chart", "--type", kind, "--csv", rings, "--value", "diameter",
            "--subgroup", "sample", "--phase1", "1-25", "--rules", rules,
        )  # fmt: skip
        xbar, spread = result["charts"]
        assert violations(xbar) == expected
        assert violations(spread) == []


def test_piston_rings_capability_with_intervals(
    capsys: pytest.CaptureFixture[str], rings: str
) -> None:
    # Montgomery (Example 6.1's specification 74.000 +- 0.05): sigma = R-bar/d2 = 0.0099,
    # Cp = 0.10 / (6 x 0.0099) = 1.68 from the rounded sigma. n = 125 values.
    result = spc(
        capsys, "capability", "--csv", rings, "--value", "diameter", "--subgroup", "sample",
        "--phase1", "1-25", "--lsl", "73.95", "--usl", "74.05",
    )  # fmt: skip
    assert result["cp"] == pytest.approx(1.668050, rel=1e-6)
    assert result["cpk"] == pytest.approx(1.628817, rel=1e-6)
    assert result["cpm"] == pytest.approx(1.656615, rel=1e-6)
    assert result["pp"] == pytest.approx(1.634166, rel=1e-6)
    assert result["ppk"] == pytest.approx(1.595731, rel=1e-6)
    assert result["cp_interval"]["low"] == pytest.approx(1.460563, rel=1e-6)
    assert result["cp_interval"]["high"] == pytest.approx(1.875220, rel=1e-6)
    assert result["cpk_interval"]["low"] == pytest.approx(1.417844, rel=1e-6)
    assert result["cpk_interval"]["high"] == pytest.approx(1.839791, rel=1e-6)


def test_loan_costs_capability_of_single_values(capsys: pytest.CaptureFixture[str]) -> None:
    # Single values (each week its own subgroup): within sigma MR-bar/1.128, n = 20.
    result = spc(
        capsys, "capability", "--csv", str(DATA / "loan_costs.csv"), "--value", "cost",
        "--subgroup", "week", "--lsl", "280", "--usl", "330",
    )  # fmt: skip
    assert result["cp"] == pytest.approx(1.207162, rel=1e-6)
    assert result["cpk"] == pytest.approx(0.989873, rel=1e-6)
    assert result["cpm"] == pytest.approx(1.011274, rel=1e-6)
    assert result["pp"] == pytest.approx(1.264645, rel=1e-6)
    assert result["ppk"] == pytest.approx(1.037009, rel=1e-6)
    assert result["cp_interval"]["low"] == pytest.approx(0.826500, rel=1e-5)
    assert result["cp_interval"]["high"] == pytest.approx(1.587347, rel=1e-6)
    assert result["cpk_interval"]["low"] == pytest.approx(0.642893, rel=1e-6)
    assert result["cpk_interval"]["high"] == pytest.approx(1.336854, rel=1e-6)
