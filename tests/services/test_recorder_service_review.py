"""The window's recorder child (`python -m traceapp.services.recorder_service`), run as the
window runs it, on SQLite and PostgreSQL: besides recording, it runs the periodic review of
`traceapp monitor --record` as the system user, so a lot made during an excursion is flagged
and (by `[monitoring] hold_on_excursion`) held, naming the rule; with --no-hold only flagged."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from traceapp.db import sensors as store
from traceapp.domain.dispositions import Decision
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.sensors import Limits, Reading, to_micros
from traceapp.services import dispositions, lots, sensors
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.recorder_service import DB_VARIABLE

from .conftest import Plant

LIMITS = Limits(lsl=20.0, usl=80.0, lcl=40.0, ucl=60.0)
SOURCE = "simulator://?channels=1&rate=10&seed=3&site=child"
WAIT_S = 90.0  # a slow CI machine; the review runs every 0.3 s


def _hot_lot_and_cool_lot(plant: Plant) -> datetime:
    """MIX1/temp 85 degC (above USL 80) from minute 3 to 4; DOUGH/D-HOT made over minutes 0-10,
    DOUGH/D-COOL over 12-20. Times an hour ago: inside the review's look-back."""
    t0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    plant.receive("F-1")
    with plant.uow() as uow:
        sensors.add_channel(
            uow,
            actor=plant.actor,
            site="plant1",
            equipment="MIX1",
            name="temp",
            quantity="temperature",
            unit="degC",
            limits=LIMITS,
        )
    batch = []
    for i in range(30 * 6):
        at = t0 - timedelta(minutes=5) + timedelta(seconds=10 * i)
        minute = (at - t0) / timedelta(minutes=1)
        value = 85.0 if 3 <= minute < 4 else 50.0
        batch.append(Reading("plant1", "MIX1", "temp", to_micros(at), value, "degC"))
    store.SensorWriter(plant.engine, auto_create=False).write(batch)
    for lot, start, end in (("D-HOT", 0, 10), ("D-COOL", 12, 20)):
        with plant.uow() as uow:
            produce(
                uow,
                actor=plant.actor,
                inputs=[InputSpec("FLOUR/F-1", Quantity.parse("10 kg"))],
                outputs=[OutputSpec("DOUGH", lot, Quantity.parse("10 kg"))],
                equipment="MIX1",
                started_at=t0 + timedelta(minutes=start),
                ended_at=t0 + timedelta(minutes=end),
            )
    return t0


def _run_child(
    plant: Plant, config_dir: Path, *extra: str, until: str
) -> tuple[list[dict[str, object]], int]:
    """Start the child as the window does (database in the environment), read its JSON lines
    until an event starts with `until` and a status said it runs, then SIGTERM it as the
    window's close does."""
    environment = dict(os.environ)
    environment[DB_VARIABLE] = plant.engine.url.render_as_string(hide_password=False)
    environment["TRACEAPP_CONFIG_DIR"] = str(config_dir)
    environment["PYTHONUNBUFFERED"] = "1"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "traceapp.services.recorder_service",
            "--source",
            SOURCE,
            "--review-every",
            "0.3",
            *extra,
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    said: list[dict[str, object]] = []
    deadline = time.monotonic() + WAIT_S
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if child.poll() is not None:
                    break
                continue
            said.append(json.loads(line))
            seen = any(str(s.get("event", "")).startswith(until) for s in said)
            if seen and any(s.get("state") == "running" for s in said):
                break
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        try:
            code = child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            raise
        reader.join(timeout=5)
    while not lines.empty():
        said.append(json.loads(lines.get()))
    assert child.stderr is not None
    errors = child.stderr.read()
    child.stderr.close()
    assert child.stdout is not None
    child.stdout.close()
    events = [str(s["event"]) for s in said if "event" in s]
    assert any(e.startswith(until) for e in events), (said, errors)
    return said, code


def _status(plant: Plant, code: str) -> LotStatus:
    with plant.uow() as uow:
        return lots.lot_detail(uow, code).lot.status


def test_the_windows_recorder_holds_a_lot_made_during_an_excursion_as_the_system(
    plant: Plant, tmp_path: Path
) -> None:
    _hot_lot_and_cool_lot(plant)
    (tmp_path / "settings.toml").write_text(
        "[monitoring]\nhold_on_excursion = true\n", encoding="utf-8"
    )
    said, code = _run_child(plant, tmp_path, until="held DOUGH/D-HOT")
    assert code == 0
    assert said[-1] == {"state": "stopped"}
    assert any(s.get("state") == "running" for s in said)  # it records as before
    events = [str(s["event"]) for s in said if "event" in s]
    assert any(e.startswith("flagged DOUGH/D-HOT") for e in events)
    assert not any("D-COOL" in e for e in events)
    assert _status(plant, "DOUGH/D-HOT") is LotStatus.ON_HOLD
    assert _status(plant, "DOUGH/D-COOL") is LotStatus.ACTIVE
    with plant.uow() as uow:
        (decision,) = dispositions.decisions_of(uow, "DOUGH/D-HOT")
    assert decision.decision is Decision.HOLD
    assert decision.decided_by == "system"
    assert decision.automatic
    assert decision.rule is not None
    assert "MIX1/temp" in decision.rule
    assert "sensor excursion" in decision.reason
    # The recorder recorded its own source meanwhile
    with plant.uow() as uow:
        keys = {c.key for c in sensors.list_channels(uow, actor=plant.actor)}
    assert keys - {"MIX1/temp"}, keys


def test_with_no_hold_the_windows_recorder_only_flags(plant: Plant, tmp_path: Path) -> None:
    _hot_lot_and_cool_lot(plant)
    (tmp_path / "settings.toml").write_text(
        "[monitoring]\nhold_on_excursion = true\n", encoding="utf-8"
    )
    said, code = _run_child(plant, tmp_path, "--no-hold", until="flagged DOUGH/D-HOT")
    assert code == 0
    events = [str(s["event"]) for s in said if "event" in s]
    assert not any(e.startswith("held") for e in events)
    assert _status(plant, "DOUGH/D-HOT") is LotStatus.ACTIVE
    with plant.uow() as uow:
        assert dispositions.decisions_of(uow, "DOUGH/D-HOT") == ()


def test_a_broken_hold_setting_stops_the_child_with_the_fix(plant: Plant, tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        '[monitoring]\nhold_on_excursion = "yes"\n', encoding="utf-8"
    )
    environment = dict(os.environ)
    environment[DB_VARIABLE] = plant.engine.url.render_as_string(hide_password=False)
    environment["TRACEAPP_CONFIG_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "traceapp.services.recorder_service", "--source", SOURCE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    last = json.loads(done.stdout.splitlines()[-1])
    assert last["state"] == "failed"
    assert "hold_on_excursion must be true or false" in last["error"]
    assert "Write hold_on_excursion = true" in last["error"]
