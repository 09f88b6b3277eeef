"""A scripted station without a window: confirms steps through the outbox as an operator would.

Used by the fault tests and the load benchmark, and by a person checking a plant's server:

    python -m traceapp.services.sync_station --db postgresql+psycopg://… --outbox /tmp/s1.sqlite \
        --station RCV1 --scans 500 --rate 10 --acks /tmp/s1.acks

Each scan is a receipt of a new lot of `--product` from `--supplier` (lot codes `<prefix>-<n>`),
and every `--move-every`-th scan also moves the previous lot to the station. A scan counts as
acknowledged once `submit` returns (it is in the outbox or on the server); its event UUID is then
appended to the `--acks` file and flushed to disk, so a test can compare the server against
what the station acknowledged, even after a kill -9. Afterwards (the outbox drained):

    python -m traceapp.services.sync_station --db postgresql+psycopg://… --verify /tmp/s1.acks

prints how many acknowledged scans the server has, and which are missing (there must be none;
the event UUID is the primary key, so none can be there twice).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from traceapp.db.engine import make_engine, parse_url
from traceapp.db.models import Event
from traceapp.db.outbox import Outbox
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.commands import actor_data, actor_from_data
from traceapp.domain.quantity import Quantity
from traceapp.services.masterdata import actor_for
from traceapp.services.packing import PackItem
from traceapp.services.sync import ACK_WAIT_SECONDS, PG_CONNECT_ARGS, Forwarder
from traceapp.services.sync_commands import (
    StepRequest,
    move_request,
    receive_request,
    ship_request,
)

ACTOR_CACHE = "actor"  # the signed-in person, so a restarted station can go on offline


def forwarder_engine(url: str) -> Engine:
    """An engine for the forwarder: PostgreSQL connections that give up quickly on a dead link."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        return make_engine(parsed, connect_args=dict(PG_CONNECT_ARGS), pool_size=2)
    return make_engine(parsed)


def station_actor(engine: Engine, outbox: Outbox, *, username: str, station: str | None) -> Actor:
    """The acting user from the server, kept in the outbox; from the outbox when offline."""
    try:
        with UnitOfWork(engine, write=False) as uow:
            actor = actor_for(uow, username=username, station=station)
    except Exception:
        cached = outbox.cache_get(ACTOR_CACHE)
        if cached is None:
            raise
        return actor_from_data(json.loads(cached[0]))
    outbox.cache_put(ACTOR_CACHE, json.dumps(actor_data(actor)))
    return actor


@dataclass(frozen=True, slots=True)
class ScriptedScan:
    request: StepRequest
    label: str


def script(prefix: str, count: int, *, product: str, supplier: str, station: str | None,
           move_every: int) -> list[ScriptedScan]:  # fmt: skip
    scans: list[ScriptedScan] = []
    for number in range(count):
        lot = f"{prefix}-{number}"
        if move_every and number and number % move_every == 0 and station:
            previous = f"{product}/{prefix}-{number - 1}"
            scans.append(
                ScriptedScan(move_request(items=[previous], to=station), f"move {previous}")
            )
        request = receive_request(
            supplier=supplier,
            supplier_lot_code=lot,
            product=product,
            quantity=Quantity.of(1 + number % 50, "kg"),
        )
        scans.append(ScriptedScan(request, f"receive {lot}"))
    return scans[:count]


def verify(url: str, acks: Path) -> dict[str, object]:
    """The acknowledged event UUIDs of an acks file, counted on the server."""
    acknowledged = [line.strip() for line in acks.read_text(encoding="utf-8").splitlines()]
    wanted = {uuid.UUID(text) for text in acknowledged if text}
    engine = make_engine(url)
    found: set[uuid.UUID] = set()
    try:
        with UnitOfWork(engine, write=False) as uow:
            chunk = sorted(wanted)
            for start in range(0, len(chunk), 1000):
                part = chunk[start : start + 1000]
                found.update(uow.session.scalars(select(Event.id).where(Event.id.in_(part))))
    finally:
        engine.dispose()
    missing = sorted(str(i) for i in wanted - found)
    return {
        "acknowledged": len(wanted),
        "acknowledged_lines": len([a for a in acknowledged if a]),
        "on_server": len(found),
        "missing": len(missing),
        "missing_ids": missing[:20],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", required=True)
    parser.add_argument("--outbox", required=True, type=Path)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--station", default=None)
    parser.add_argument("--scans", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="scans per second (0: flat out)")
    parser.add_argument("--prefix", default=f"S{os.getpid()}")
    parser.add_argument("--product", default="FLOUR")
    parser.add_argument("--supplier", default="MILL")
    parser.add_argument("--move-every", type=int, default=0)
    parser.add_argument("--ship", help="a lot (PART/LOT) to ship 1 kg of, at scan --ship-at")
    parser.add_argument("--ship-at", type=int, default=0)
    parser.add_argument("--customer", default="SHOP1")
    parser.add_argument("--wait", type=float, default=ACK_WAIT_SECONDS)
    parser.add_argument("--acks", type=Path, help="append each acknowledged event UUID here")
    parser.add_argument("--drain-seconds", type=float, default=0.0,
                        help="after the last scan, wait up to this long for the outbox to empty")  # fmt: skip
    parser.add_argument("--verify", type=Path, help="count this acks file's events on the server")
    args = parser.parse_args(argv)
    if args.verify:
        print(json.dumps(verify(args.db, args.verify)), flush=True)
        return 0

    engine = forwarder_engine(args.db)
    outbox = Outbox(args.outbox)
    actor = station_actor(engine, outbox, username=args.user, station=args.station)
    forwarder = Forwarder(outbox, engine, retry_seconds=0.5)
    forwarder.start()
    acks = args.acks.open("a", encoding="utf-8") if args.acks else None
    scans = script(args.prefix, args.scans, product=args.product, supplier=args.supplier,
                   station=args.station, move_every=args.move_every)  # fmt: skip
    if args.ship:
        shipment = ship_request(
            customer=args.customer, items=[PackItem(args.ship, Quantity.of(1, "kg"))]
        )
        scans[args.ship_at] = ScriptedScan(shipment, f"ship {args.ship}")
    period = 1.0 / args.rate if args.rate > 0 else 0.0
    start = time.perf_counter()
    try:
        for number, scan in enumerate(scans):
            due = start + number * period
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            command = scan.request.command(actor)
            began = time.perf_counter()
            delivery = forwarder.submit(command, wait=args.wait)
            ack_ms = (time.perf_counter() - began) * 1000
            if acks is not None:
                acks.write(f"{command.id}\n")
                acks.flush()
                os.fsync(acks.fileno())
            record = {"id": str(command.id), "state": delivery.state, "ack_ms": round(ack_ms, 3),
                      "scan": scan.label}  # fmt: skip
            print(json.dumps(record), flush=True)
        deadline = time.perf_counter() + args.drain_seconds
        while outbox.counts().pending and time.perf_counter() < deadline:
            forwarder.wake()
            time.sleep(0.1)
    finally:
        forwarder.stop()
        if acks is not None:
            acks.close()
        status = forwarder.status()
        print(json.dumps({"done": True, "pending": status.pending, "conflicts": status.conflicts}),
              flush=True)  # fmt: skip
        outbox.close()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
