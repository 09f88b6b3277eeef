"""A SQLite writer that waits out the busy timeout queues again instead of refusing the scan."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from traceapp.db import engine as engine_module
from traceapp.db import uow as uow_module
from traceapp.db.engine import make_engine
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import StorageUnavailable


def _hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


def test_a_writer_outlasting_one_busy_timeout_still_begins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "busy.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        pass  # the file exists, in WAL mode
    held = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 0.5, held))
    holder.start()
    held.wait()
    try:
        with UnitOfWork(engine) as uow:  # 0.5 s held > 0.2 s timeout: a second round
            assert uow.session.in_transaction()
    finally:
        holder.join()
        engine.dispose()


def test_a_writer_locked_out_for_every_round_is_told_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(uow_module, "BUSY_ROUNDS", 2)
    path = tmp_path / "busy.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        pass
    held = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 1.0, held))
    holder.start()
    held.wait()
    try:
        with pytest.raises(StorageUnavailable, match="database is locked"), UnitOfWork(engine):
            pass
    finally:
        holder.join()
        engine.dispose()
