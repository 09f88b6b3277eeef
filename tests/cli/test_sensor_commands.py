"""`traceapp monitor --record` as a real process (MQTT, simulator) and `traceapp sensors channel|export`."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env
from tests.devices.sensors.mqtt_helpers import Publisher, require_broker, unique_site
from traceapp.cli.runner import main
from traceapp.db.sensors import SensorWriter
from traceapp.domain.sensors import SECOND_US, Reading
from traceapp.services.database import open_database

T0 = 1_796_040_000_000_000  # 2026-11-30T12:00:00Z


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'plant.db'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_channels_are_added_and_listed(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "--db", db, "sensors", "channel", "add", "oven3/temp", "--site", "plant1",
        "--unit", "degC", "--lsl", "150", "--usl", "200", "--period", "2",
    )  # fmt: skip
    assert (code, out) == (0, "added channel plant1/oven3/temp (degC)\n"), err
    code, out, _ = run(capsys, "--db", db, "sensors", "channel", "list")
    assert code == 0
    assert out.splitlines()[1].split() == [
        "plant1", "oven3/temp", "temp", "degC", "150.0", "200.0", "-", "-", "2.0",
    ]  # fmt: skip
    code, _, err = run(
        capsys, "--db", db, "sensors", "channel", "add", "oven3/temp", "--site", "plant1",
        "--unit", "degC",
    )  # fmt: skip
    assert code != 0
    assert "already exists" in err
    code, _, err = run(
        capsys, "--db", db, "sensors", "channel", "add", "oven3/te#mp", "--site", "p", "--unit", "x"
    )
    assert code != 0
    assert "not a valid channel name" in err


def test_export_writes_raw_readings_or_aggregates_as_csv(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    engine, _ = open_database(db)
    SensorWriter(engine).write(
        [
            Reading("p1", "oven3", "temp", T0 + i * SECOND_US // 4, 100.0 + i, "degC")
            for i in range(12)
        ]
    )
    engine.dispose()
    code, out, err = run(
        capsys, "--db", db, "sensors", "export", "--channel", "oven3/temp",
        "--from", "2026-11-30T12:00:01Z", "--to", "2026-11-30T13:00:02+01:00", "--csv",
    )  # fmt: skip
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["time", "value", "unit"]
    assert rows[1] == ["2026-11-30T12:00:01.000000Z", "104.0", "degC"]
    assert len(rows) == 1 + 4
    target = tmp_path / "seconds.csv"
    code, _, err = run(
        capsys, "--db", db, "sensors", "export", "--channel", "oven3/temp", "--aggregate",
        "second", "--from", "2026-11-30T12:00Z", "--to", "2026-11-30T12:01Z", "--csv", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert "wrote 3 rows" in err
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert rows[0] == ["start", "minimum", "mean", "maximum", "count", "unit"]
    assert rows[1:] == [
        ["2026-11-30T12:00:00.000000Z", "100.0", "101.5", "103.0", "4", "degC"],
        ["2026-11-30T12:00:01.000000Z", "104.0", "105.5", "107.0", "4", "degC"],
        ["2026-11-30T12:00:02.000000Z", "108.0", "109.5", "111.0", "4", "degC"],
    ]
    code, _, err = run(
        capsys, "--db", db, "sensors", "export", "--channel", "oven3/temp",
        "--from", "noon", "--to", "2026-11-30T12:01Z", "--csv",
    )  # fmt: skip
    assert code != 0
    assert "ISO 8601" in err


def test_gaps_and_excursions_of_a_channel_are_listed(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "--db", db, "sensors", "channel", "add", "oven3/temp", "--site", "plant1",
        "--unit", "degC", "--usl", "200", "--period", "2",
    )  # fmt: skip
    assert code == 0, err
    engine, _ = open_database(db)
    writer = SensorWriter(engine, auto_create=False)
    writer.write([Reading("plant1", "oven3", "temp", T0, 180.0)])
    writer.write([Reading("plant1", "oven3", "temp", T0 + 10 * SECOND_US, 210.0),
                  Reading("plant1", "oven3", "temp", T0 + 11 * SECOND_US, 190.0)])  # fmt: skip
    writer.check_silence(T0 + 20 * SECOND_US)
    engine.dispose()
    code, out, err = run(
        capsys, "--db", db, "sensors", "gaps", "--channel", "oven3/temp", "--from",
        "2026-11-30T12:00Z", "--to", "2026-11-30T13:00Z",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "gaps of oven3/temp (expected a reading every 2 s):"
    assert lines[2].split() == [
        "2026-11-30T12:00:00.000000Z",
        "2026-11-30T12:00:10.000000Z",
        "10.0",
    ]
    assert lines[3].split() == ["2026-11-30T12:00:11.000000Z", "still", "silent", "-"]
    assert lines[4] == "excursions:"
    assert lines[6].split() == [
        "spec", "2026-11-30T12:00:10.000000Z", "2026-11-30T12:00:10.000000Z", "210.0", "1", "no",
    ]  # fmt: skip


class Lines:
    """A process's stdout, read line by line in a thread so the test can wait for a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        self.thread = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self.thread.start()

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in list(self.lines)):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not printed; got {self.lines}")
            time.sleep(0.05)


def _start(db: str, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "traceapp", "--db", db, "monitor", *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env=clean_env(),
    )  # fmt: skip


@pytest.mark.mqtt
def test_the_headless_recorder_records_what_is_published_and_stops_cleanly_on_ctrl_c(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    require_broker()
    site = unique_site()
    publisher = Publisher()
    process = _start(db, "--source", f"mqtt://127.0.0.1:1883/plant/{site}/#", "--record",
                     "--every", "1")  # fmt: skip
    with process:
        try:
            lines = Lines(process)
            lines.wait_for("source connected")
            time.sleep(0.5)
            for i in range(5):
                publisher.send(f"plant/{site}/mixer2/speed", {"value": 100 + i, "unit": "rpm",
                               "time": f"2026-11-30T12:00:0{i}Z"})  # fmt: skip
            publisher.send(f"plant/{site}/mixer2/speed", b"not json", raw=True)
            lines.wait_for("5 written")
            process.send_signal(signal.SIGINT)
            try:
                code = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pytest.fail(f"the recorder did not stop within 30 s of Ctrl+C: {lines.lines}")
            assert code == 0
            lines.thread.join(timeout=5)
            assert process.stderr is not None
            assert "Dropped MQTT message" in process.stderr.read()
        finally:
            publisher.close()
            if process.poll() is None:
                process.kill()
    assert any("done: 5 written  1 channels" in line and "1 bad messages" in line
               for line in lines.lines), lines.lines  # fmt: skip
    code, out, err = run(
        capsys, "--db", db, "sensors", "export", "--channel", "mixer2/speed",
        "--from", "2026-11-30T12:00Z", "--to", "2026-11-30T12:01Z", "--csv",
    )  # fmt: skip
    assert code == 0, err
    assert [row[1] for row in csv.reader(io.StringIO(out))][1:] == [
        "100.0", "101.0", "102.0", "103.0", "104.0",
    ]  # fmt: skip


def test_the_recorder_records_the_simulator_for_some_seconds_with_json_status(db: str) -> None:
    with _start(db, "--source", "simulator://?channels=3&rate=50&seed=2", "--record",
                "--seconds", "2", "--every", "0.5", "--json") as process:  # fmt: skip
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0] == {"event": "source connected"}
    final = records[-1]
    assert final["final"] is True
    assert final["status"]["channels"] == 3
    assert 3 * 50 * 1 < final["status"]["written"] < 3 * 50 * 4
    assert any("status" in r and not r["final"] for r in records)


def test_monitor_without_record_or_with_a_bad_source_is_refused(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", db, "monitor", "--source", "simulator://")
    assert code != 0
    assert "--record" in err
    code, _, err = run(capsys, "--db", db, "monitor", "--source", "ftp://x", "--record")
    assert code != 0
    assert "not a sensor source" in err


def test_the_recorder_stops_on_sigint_even_when_started_with_sigint_ignored(db: str) -> None:
    # A background job of a non-interactive shell (a script, a CI runner) starts with SIGINT
    # ignored; Python then installs no Ctrl+C handler of its own.
    process = subprocess.Popen(
        [sys.executable, "-m", "traceapp", "--db", db, "monitor", "--source",
         "simulator://?channels=1&rate=10&seed=1", "--record", "--every", "0.5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env=clean_env(), preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )  # fmt: skip
    with process:
        try:
            lines = Lines(process)
            lines.wait_for("written")
            process.send_signal(signal.SIGINT)
            try:
                code = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pytest.fail(f"SIGINT did not stop the recorder: {lines.lines}")
        finally:
            if process.poll() is None:
                process.kill()
    lines.thread.join(timeout=5)
    assert code == 0
    assert any("done:" in line for line in lines.lines), lines.lines
