"""Fault tests with the real PostgreSQL server: the network cut mid-burst, the station killed -9.

The server itself is never stopped: a small TCP proxy of the test's own stands between the
scripted station (a subprocess) and the server, and a cut closes every connection through it and
refuses new ones until it is restored. Afterwards every scan the station acknowledged must be on
the server exactly once, and a scan the server refused while nobody waited must be listed as a
conflict.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from traceapp.db.models import Event, Lot
from traceapp.db.outbox import Outbox
from traceapp.domain.commands import OutboxState
from traceapp.services.dispositions import hold
from traceapp.services.sync_station import verify

from .conftest import Plant

pytestmark = pytest.mark.postgres
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_url(pg_url: str) -> str:
    """These tests are about the shared server: PostgreSQL only."""
    return pg_url


class CuttableProxy:
    """TCP between the station and the server that a test can cut and restore."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.cuts = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self.up = False
            self.cuts += 1
            for sock in self._open:
                self._kill(sock)
            self._open.clear()

    def restore(self) -> None:
        with self._lock:
            self.up = True

    def close(self) -> None:
        self._closed = True
        self.cut()
        self.listener.close()

    @staticmethod
    def _kill(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                if not self.up:
                    self._kill(client)
                    continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                self._kill(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with self._lock:
                self._open.discard(sock)
            self._kill(sock)


@pytest.fixture
def proxy(pg_url: str) -> Iterator[CuttableProxy]:
    url = make_url(pg_url)
    through = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    yield through
    through.close()


def _through(pg_url: str, proxy: CuttableProxy) -> str:
    return make_url(pg_url).set(port=proxy.port).render_as_string(hide_password=False)


def _station(url: str, outbox: Path, acks: Path, *args: str) -> subprocess.Popen[str]:
    """A scripted station in its own process; its stderr goes to station.err beside the outbox."""
    with (outbox.parent / "station.err").open("a") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "traceapp.services.sync_station", "--db", url,
             "--outbox", str(outbox), "--acks", str(acks), "--station", "RCV1", *args],
            cwd=REPO, stdout=subprocess.PIPE, stderr=errors, text=True,
            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip


def _errors(tmp_path: Path) -> str:
    return (tmp_path / "station.err").read_text(encoding="utf-8")[-3000:]


def _records(stream: IO[str]) -> Iterator[dict[str, object]]:
    for line in stream:
        if line.startswith("{"):
            yield json.loads(line)


def _acked(acks: Path) -> list[str]:
    return [line for line in acks.read_text(encoding="utf-8").splitlines() if line]


def _on_server(plant: Plant, prefix: str, sent: set[str]) -> tuple[set[str], int, int]:
    """Which of the `sent` event ids the server has, how many of them are receipts, and how
    many lots of the station's prefix exist (one receipt per lot: nothing recorded twice)."""
    with plant.uow() as uow:
        rows = uow.session.execute(select(Event.id, Event.step)).all()
        lots = uow.session.scalar(
            select(func.count()).select_from(Lot).where(Lot.lot_code.like(f"{prefix}-%"))
        )
    found = {str(event_id): step for event_id, step in rows if str(event_id) in sent}
    receipts = sum(1 for step in found.values() if step == "receive")
    return set(found), receipts, int(lots or 0)


def test_a_network_cut_mid_burst_loses_and_doubles_nothing(
    plant: Plant, proxy: CuttableProxy, tmp_path: Path
) -> None:
    plant.receive("HELD-1", "50 kg")
    outbox, acks = tmp_path / "outbox.sqlite", tmp_path / "acks.txt"
    station = _station(
        _through(plant_url(plant), proxy), outbox, acks, "--scans", "160", "--rate", "40",
        "--prefix", "CUT", "--move-every", "4", "--ship-at", "50", "--ship", "FLOUR/HELD-1",
        "--customer", "SHOP1", "--drain-seconds", "60",
    )  # fmt: skip
    states: list[object] = []
    final: dict[str, object] = {}
    with station:
        assert station.stdout is not None
        for record in _records(station.stdout):
            if record.get("done"):
                final = record
                break
            states.append(record["state"])
            if len(states) == 40:
                proxy.cut()
                # Meanwhile on the server, quality holds the lot the station ships while offline.
                with plant.uow() as uow:
                    hold(uow, actor=plant.actor, code="FLOUR/HELD-1", reason="foreign body found")
                threading.Timer(3.0, proxy.restore).start()
        assert station.wait(timeout=120) == 0, _errors(tmp_path)
    assert proxy.cuts == 1
    assert "pending" in states  # some scans were acknowledged while the server was out of reach
    assert final["pending"] == 0
    assert final["conflicts"] == 1
    acked = _acked(acks)
    assert len(acked) == len(set(acked)) == 160
    box = Outbox(outbox)
    try:
        (conflict,) = box.items(OutboxState.CONFLICT)
        delivered = {str(i.command.id) for i in box.items(OutboxState.DELIVERED)}
    finally:
        box.close()
    ids, receipts, lots = _on_server(plant, "CUT", set(acked))
    assert "HELD-1" in (conflict.reason or "")
    assert "ON HOLD" in (conflict.reason or "").upper()
    assert str(conflict.command.id) not in ids
    assert set(acked) - {str(conflict.command.id)} == delivered
    assert delivered <= ids  # every acknowledged scan is on the server
    assert ids == delivered  # ... and the refused one is not
    assert receipts == lots > 100  # ... once: one receipt per lot, no lot twice


def plant_url(plant: Plant) -> str:
    return plant.engine.url.render_as_string(hide_password=False)


def test_a_station_killed_mid_burst_delivers_every_acknowledged_scan_once_after_restart(
    plant: Plant, proxy: CuttableProxy, tmp_path: Path
) -> None:
    outbox, acks = tmp_path / "outbox.sqlite", tmp_path / "acks.txt"
    url = _through(plant_url(plant), proxy)
    station = _station(url, outbox, acks, "--scans", "400", "--rate", "50", "--prefix", "KILL",
                       "--move-every", "5")  # fmt: skip
    with station:
        assert station.stdout is not None
        for seen, _record in enumerate(_records(station.stdout), start=1):
            if seen == 60:
                proxy.cut()  # part of what is acknowledged waits in the outbox...
            if seen == 120:
                break
        station.send_signal(signal.SIGKILL)  # ... when the station dies mid-burst
        station.wait(timeout=30)
    proxy.restore()
    acked = _acked(acks)
    assert 120 <= len(acked) < 400
    box = Outbox(outbox)
    try:
        assert box.counts().pending > 0  # the kill left a backlog behind
    finally:
        box.close()
    # The station starts again (offline sign-in from its cache not needed: the server is back)
    # and drains its outbox.
    with _station(
        url, outbox, tmp_path / "acks2.txt", "--scans", "0", "--drain-seconds", "60"
    ) as again:
        again.communicate(timeout=120)
    assert again.returncode == 0, _errors(tmp_path)
    box = Outbox(outbox)
    try:
        assert box.counts().pending == 0
        assert box.counts().conflicts == 0
        stored = {str(i.command.id) for i in box.items(OutboxState.DELIVERED)}
    finally:
        box.close()
    ids, receipts, lots = _on_server(plant, "KILL", stored | set(acked))
    assert set(acked) <= stored  # acknowledged means stored: nothing was lost in the kill
    assert set(acked) <= ids  # every acknowledged scan reached the server
    assert stored == ids  # and nothing else did
    assert receipts == lots >= 96  # exactly once (120+ scans, every 5th a move)
    # What a person runs to check a plant's server against a scripted station's acks file.
    checked = verify(plant_url(plant), acks)
    assert checked["acknowledged"] == checked["on_server"] == len(acked)
    assert checked["missing"] == 0
