"""`traceapp spc chart|capability`: textbook CSV files in, published limits and violations out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env
from tests.domain.spc.textbook import (
    CIRCUIT_BOARDS,
    ORANGE_JUICE,
    PISTON_RINGS,
    PISTON_RINGS_PHASE2,
    TABLE_9_1,
)
from traceapp.cli import main


def write_csv(path: Path, header: str, rows: list[str]) -> str:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def rings(tmp_path: Path) -> str:
    rows = [
        f"{number},{value:.3f}"
        for number, group in enumerate(PISTON_RINGS + PISTON_RINGS_PHASE2, start=1)
        for value in group
    ]
    return write_csv(tmp_path / "rings.csv", "sample,diameter", rows)


@pytest.fixture
def juice(tmp_path: Path) -> str:
    return write_csv(tmp_path / "juice.csv", "defective,n", [f"{x},50" for x in ORANGE_JUICE])


@pytest.fixture
def boards(tmp_path: Path) -> str:
    return write_csv(tmp_path / "boards.csv", "nonconformities", [str(c) for c in CIRCUIT_BOARDS])


@pytest.fixture
def table_9_1(tmp_path: Path) -> str:
    return write_csv(tmp_path / "t91.csv", "x", [f"{x:.2f}" for x in TABLE_9_1])


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["spc", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_xbar_r_phase_one_limits_flag_the_phase_two_subgroups(capsys, rings: str) -> None:
    report = run_json(
        capsys, "chart", "--type", "xbar-r", "--csv", rings, "--value", "diameter",
        "--subgroup", "sample", "--phase1", "1-25",
    )  # fmt: skip
    xbar, r = report["charts"]
    assert report["phase1"] == {"first": 1, "last": 25}
    assert round(xbar["center"], 3) == 74.001
    assert xbar["lcl"] == pytest.approx(73.988, rel=1e-5)
    assert xbar["ucl"] == pytest.approx(74.014, rel=1e-5)
    assert round(r["center"], 3) == 0.023
    assert len(xbar["statistic"]) == 40
    assert report["violations"] == [
        {"chart": "xbar", "rule": "limit", "point": point} for point in (37, 38, 39)
    ]


def test_xbar_s_limits_agree_with_the_book(capsys, rings: str) -> None:
    report = run_json(
        capsys, "chart", "--type", "xbar-s", "--csv", rings, "--value", "diameter",
        "--subgroup", "sample", "--phase1", "1-25",
    )  # fmt: skip
    xbar, s = report["charts"]
    assert xbar["ucl"] == pytest.approx(74.014, rel=1e-5)
    assert round(s["center"], 4) == 0.0094
    assert round(s["ucl"], 4) == 0.0196


def test_xbar_s_with_subgroups_of_different_sizes_lists_limits_per_point(capsys, tmp_path) -> None:
    rows = [f"{i},{v}" for i, group in enumerate(PISTON_RINGS, 1) for v in group[: 3 + i % 3]]
    path = write_csv(tmp_path / "uneven.csv", "sample,d", rows)
    args = ["chart", "--type", "xbar-s", "--csv", path, "--value", "d", "--subgroup", "sample"]
    xbar, s = run_json(capsys, *args)["charts"]
    assert len(xbar["ucl"]) == len(s["ucl"]) == 25
    assert isinstance(s["center"], float)
    code, _, err = run(capsys, *args[:2], "xbar-r", *args[3:])
    assert code == 2
    assert "differ in size" in err


def test_the_p_chart_of_the_orange_juice_cans(capsys, juice: str) -> None:
    report = run_json(
        capsys, "chart", "--type", "p", "--csv", juice, "--value", "defective", "--size", "n"
    )
    (p,) = report["charts"]
    assert (round(p["center"], 4), round(p["lcl"], 4), round(p["ucl"], 4)) == (
        0.2313,
        0.0524,
        0.4102,
    )
    assert [v["point"] for v in p["violations"]] == [15, 23]


def test_a_p_chart_with_varying_sizes_lists_its_limits_per_point(capsys, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", "x,n", ["5,50", "10,100", "2,20"])
    (p,) = run_json(capsys, "chart", "--type", "p", "--csv", path, "--value", "x", "--size", "n")[
        "charts"
    ]
    assert isinstance(p["ucl"], list)
    assert len(p["ucl"]) == 3


def test_the_c_chart_of_the_circuit_boards(capsys, boards: str) -> None:
    report = run_json(capsys, "chart", "--type", "c", "--csv", boards, "--value", "nonconformities")
    (c,) = report["charts"]
    assert (round(c["center"], 2), round(c["lcl"], 2), round(c["ucl"], 5)) == (
        19.85,
        6.48,
        33.21086,
    )
    assert report["violations"] == [
        {"chart": "c", "rule": "limit", "point": 6},
        {"chart": "c", "rule": "limit", "point": 20},
    ]


def test_cusum_on_table_9_1_signals_at_period_29(capsys, table_9_1: str) -> None:
    report = run_json(
        capsys, "chart", "--type", "cusum", "--csv", table_9_1, "--value", "x",
        "--center", "10", "--sigma", "1",
    )  # fmt: skip
    assert report["parameters"] == {"k": 0.5, "h": 5.0, "K": 0.5, "H": 5.0}
    upper = report["charts"][0]
    assert round(upper["statistic"][28], 2) == 5.28
    assert report["violations"][0] == {"chart": "cusum_upper", "rule": "limit", "point": 29}


def test_ewma_on_table_9_1_signals_where_z_first_crosses_its_limit(capsys, table_9_1: str) -> None:
    report = run_json(
        capsys, "chart", "--type", "ewma", "--csv", table_9_1, "--value", "x",
        "--center", "10", "--sigma", "1", "--lambda", "0.1", "--L", "2.7",
    )  # fmt: skip
    (z,) = report["charts"]
    assert round(z["ucl"][0], 4) == 10.27
    assert [v["point"] for v in report["violations"]] == [29, 30]


def test_rules_are_selectable(capsys, rings: str) -> None:
    args = [
        "chart",
        "--type",
        "xbar-r",
        "--csv",
        rings,
        "--value",
        "diameter",
        "--subgroup",
        "sample",
    ]
    args += ["--phase1", "1-25"]
    nelson = run_json(capsys, *args, "--rules", "nelson")
    we = run_json(capsys, *args, "--rules", "we")
    only = run_json(capsys, *args, "--rules", "N6")
    assert {v["rule"] for v in nelson["violations"]} <= {f"N{i}" for i in range(1, 9)}
    assert {v["rule"] for v in we["violations"]} <= {"WE1", "WE2", "WE3", "WE4"}
    assert ("N1", 37) in {(v["rule"], v["point"]) for v in nelson["violations"]}
    assert {v["rule"] for v in only["violations"]} == {"N6"}


def test_capability_gives_every_index(capsys, rings: str) -> None:
    report = run_json(
        capsys, "capability", "--csv", rings, "--value", "diameter", "--subgroup", "sample",
        "--lsl", "73.95", "--usl", "74.05", "--phase1", "1-25",
    )  # fmt: skip
    assert report["observations"] == 125
    assert round(report["cp"], 3) == 1.668
    for key in ("cp", "cpk", "cpl", "cpu", "cpm", "pp", "ppk"):
        assert isinstance(report[key], float)
    assert report["cp_interval"]["low"] < report["cp"] < report["cp_interval"]["high"]
    assert report["cpk_interval"]["low"] < report["cpk"] < report["cpk_interval"]["high"]
    assert report["confidence"] == 0.95


def test_the_readable_table_shows_limits_and_flags(capsys, boards: str) -> None:
    code, out, _ = run(
        capsys, "chart", "--type", "c", "--csv", boards, "--value", "nonconformities"
    )
    assert code == 0
    assert "c: centre 19.8462, LCL 6.48145, UCL 33.2109" in out
    assert "2 violation(s)" in out
    line_20 = next(line for line in out.splitlines() if line.strip().startswith("20 "))
    assert line_20.split()[-1] == "limit"


@pytest.mark.parametrize(
    ("rows", "extra", "message"),
    [
        (["1,abc"], [], "'abc' is not a number"),
        (["1,3", "1,4"], ["--value", "missing"], "no column 'missing'"),
        (["1,3"], [], "too few"),
        ([f"{i},{v}" for i in (1, 2) for v in range(26)], [], "outside the constants' table"),
        ([f"{i},{v}" for i in (1, 2, 3) for v in (1, 2)], ["--phase1", "1-x"], "not a range"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, tmp_path: Path, rows, extra, message) -> None:
    path = write_csv(tmp_path / "bad.csv", "sample,value", rows)
    args = ["chart", "--type", "xbar-r", "--csv", path, "--value", "value", "--subgroup", "sample"]
    code, out, err = run(capsys, *args, *extra, "--json")
    assert code == 2
    assert message in json.loads(out)["error"]["message"]
    assert message in err


@pytest.mark.parametrize(
    ("rows", "message"),
    [(["3,50", "60,50"], "fraction above 1"), (["3,50", "-1,50"], "negative count")],
)
def test_impossible_counts_exit_2(capsys, tmp_path: Path, rows, message) -> None:
    path = write_csv(tmp_path / "p.csv", "x,n", rows)
    code, _, err = run(capsys, "chart", "--type", "p", "--csv", path, "--value", "x", "--size", "n")
    assert code == 2
    assert message in err


def test_a_missing_file_exits_2(capsys, tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "chart", "--type", "c", "--csv", str(tmp_path / "no.csv"), "--value", "x"
    )
    assert code == 2
    assert "Cannot read" in err


def test_the_installed_command_runs_as_a_script_would(rings: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "traceapp", "spc", "chart", "--type", "xbar-r", "--csv", rings,
         "--value", "diameter", "--subgroup", "sample", "--phase1", "1-25", "--json"],
        capture_output=True, text=True, env=clean_env(), stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [v["point"] for v in json.loads(done.stdout)["violations"]] == [37, 38, 39]
