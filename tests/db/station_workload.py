"""Stations as separate processes recording random steps on one database, and the audit of the result.

`run_station` is what each process runs: its own engine, a seeded random mix of handling steps
on a shared pool of lots, and deliberate races at barriers (every station acting on the same
small lot at once). It writes what happened to each step (recorded, replayed or refused, with
the error's kind and message) to a JSON file. `check_invariants` then replays every recorded
event in commit order (the audit trail's sequence) and reports each broken rule.
"""

from __future__ import annotations

import json
import random
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from threading import Barrier
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from traceapp.db.engine import make_engine
from traceapp.db.models import (
    AuditEntry,
    Container,
    ContainerContent,
    Event,
    EventItem,
    Lot,
    LotEdge,
    Product,
)
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import KnownError
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata, users
from traceapp.services.dispositions import SignedBy, hold, lift_hold
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.receiving import receive
from traceapp.services.shipping import ship

SIGNER = "qm"
SIGNER_PASSWORD = "quality-manager-1"
HOT_LOTS = 8  # shared lots every station draws from: small, so stations run them dry together
HOT_QUANTITY = Decimal(150)
RACE_QUANTITY = Decimal(10)
NAMESPACE = uuid.UUID("6f1d3c2e-93c4-4a4e-9a55-0b7f6a1c0d10")

# What a station may be refused for when it races the others; anything else is a finding.
EXPECTED_REFUSALS = frozenset(
    {
        "insufficient_quantity",  # another station took the last kilos first
        "lot_not_usable",  # held, consumed or shipped meanwhile
        "lot_closed",  # a hold on a lot used up meanwhile
        "container_not_usable",  # the case was shipped by another station
        "unknown_code",  # a lot or case another station has not made yet
        "not_on_hold",  # a lift of a hold that another station already lifted
        "decision_refused",  # a hold on a lot that is already on hold
        "invalid_input",  # shipping "all that is free" of a lot with nothing free
    }
)


def hot_code(number: int) -> str:
    return f"HOT-{number:02d}"


def race_code(round_number: int) -> str:
    return f"RACE-{round_number:03d}"


def station_code(number: int) -> str:
    return f"ST{number + 1}"


def set_up_plant(engine: Engine, *, stations: int, race_rounds: int) -> None:
    """Master data, the signer, the hot lots and one small lot per race round."""
    with UnitOfWork(engine) as uow:
        masterdata.ensure_builtin_users(uow)
    steps: list[Callable[[UnitOfWork, Actor], object]] = [
        lambda uow, a: masterdata.add_location(
            uow, actor=a, code="SITE1", name="Plant", kind="site"
        ),
        *[
            (
                lambda uow, a, n=n: masterdata.add_location(
                    uow,
                    actor=a,
                    code=station_code(n),
                    name=f"Station {n + 1}",
                    kind="station",
                    parent="SITE1",
                )
            )
            for n in range(stations)
        ],
        lambda uow, a: masterdata.add_product(
            uow, actor=a, part_number="FLOUR", name="Flour", unit="kg", kind="raw"
        ),
        lambda uow, a: masterdata.add_product(
            uow, actor=a, part_number="DOUGH", name="Dough", unit="kg", kind="intermediate"
        ),
        lambda uow, a: masterdata.add_party(
            uow, actor=a, code="MILL", name="Mill", kind="supplier"
        ),
        lambda uow, a: masterdata.add_party(
            uow, actor=a, code="SHOP1", name="Shop", kind="customer"
        ),
    ]
    for step in steps:
        with UnitOfWork(engine) as uow:
            step(uow, masterdata.actor_for(uow))
    # Every lift of a hold checks the signer's password. argon2 at its default cost takes most
    # of a second of CPU here; the hash carries its own parameters, so a cheap one made for the
    # test is verified by the same code, just faster.
    default_hasher = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        with UnitOfWork(engine) as uow:
            users.add_user(
                uow,
                actor=masterdata.actor_for(uow),
                username=SIGNER,
                full_name="Quality Manager",
                role="quality_manager",
                password=SIGNER_PASSWORD,
            )
    finally:
        users._hasher = default_hasher
    with UnitOfWork(engine) as uow:
        actor = masterdata.actor_for(uow, station=station_code(0))
    lots = [(hot_code(n), HOT_QUANTITY) for n in range(HOT_LOTS)]
    lots += [(race_code(r), RACE_QUANTITY) for r in range(race_rounds)]
    for code, amount in lots:
        with UnitOfWork(engine) as uow:
            receive(
                uow,
                actor=actor,
                supplier="MILL",
                supplier_lot_code=code,
                product="FLOUR",
                quantity=Quantity(amount, "kg"),
            )


@dataclass(frozen=True, slots=True)
class StationPlan:
    """What one station process does: how many random steps, and the barrier for race rounds."""

    url: str
    number: int
    stations: int
    operations: int
    race_rounds: int
    seed: int
    out: str


def _kilos(rng: random.Random, low: int, high: int) -> Quantity:
    # Three decimals, as a scale reports: sums must balance to the gram, not approximately.
    return Quantity(Decimal(rng.randint(low * 1000, high * 1000)) / 1000, "kg")


class _Station:
    def __init__(self, plan: StationPlan, engine: Engine, actor: Actor) -> None:
        self.plan = plan
        self.engine = engine
        self.actor = actor
        self.rng = random.Random(plan.seed * 1000 + plan.number)
        self.log: list[dict[str, Any]] = []
        self.received = 0
        self.produced = 0
        self.cases = 0
        self.recorded: list[tuple[str, Callable[[uuid.UUID], object]]] = []
        self.signed_by = SignedBy(SIGNER, SIGNER_PASSWORD)
        self.held: list[str] = []

    # Names of lots and cases this or another station makes, so stations race for them too.
    def some_lot(self) -> str:
        pick = self.rng.random()
        if pick < 0.4:
            return hot_code(self.rng.randrange(HOT_LOTS))
        other = self.rng.randrange(self.plan.stations)
        # Mostly recent lots (the ones still on the floor), sometimes one not made yet.
        if pick < 0.75:
            return f"S{other}-R{max(0, self.received - self.rng.randint(1, 6))}"
        return f"DOUGH/S{other}-P{max(0, self.produced - self.rng.randint(1, 6))}"

    def some_case(self) -> str:
        other = self.rng.randrange(self.plan.stations)
        return f"C-S{other}-{max(0, self.cases - self.rng.randint(1, 4))}"

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def attempt(
        self, op: str, step: Callable[[uuid.UUID], object], event_id: uuid.UUID | None = None
    ) -> bool:
        """Run one step; True when it recorded something new."""
        event_id = event_id or uuid.UUID(int=self.rng.getrandbits(128), version=4)
        entry: dict[str, Any] = {"station": self.plan.number, "op": op, "event_id": str(event_id)}
        try:
            result = step(event_id)
        except KnownError as exc:
            entry.update(outcome="refused", kind=exc.code, message=exc.message, hint=exc.hint)
        except Exception as exc:  # a bug or a lost race the services did not handle
            entry.update(
                outcome="crash", kind=type(exc).__name__, message=traceback.format_exc(limit=8)
            )
        else:
            replayed = bool(getattr(result, "replayed", False))
            entry["outcome"] = "replayed" if replayed else "recorded"
            self.recorded.append((f"{op}:{event_id}", step))
        self.log.append(entry)
        return entry["outcome"] == "recorded"

    # The steps, each a function of the event UUID (so it can be sent again as it was).
    def receive(self) -> None:
        code = f"S{self.plan.number}-R{self.received}"
        self.received += 1
        amount = _kilos(self.rng, 20, 80)

        def step(event_id: uuid.UUID) -> object:
            with self.uow() as uow:
                return receive(
                    uow,
                    actor=self.actor,
                    supplier="MILL",
                    supplier_lot_code=code,
                    product="FLOUR",
                    quantity=amount,
                    event_id=event_id,
                )

        self.attempt("receive", step)

    def produce(self) -> None:
        inputs = [
            InputSpec(self.some_lot(), _kilos(self.rng, 1, 12))
            for _ in range(self.rng.choice((1, 1, 2)))
        ]
        # Only a recorded step uses up its number: the codes other stations guess mostly exist.
        output = f"S{self.plan.number}-P{self.produced}"
        made = Quantity(sum((i.quantity.value for i in inputs), Decimal(0)), "kg")

        def step(event_id: uuid.UUID) -> object:
            with self.uow() as uow:
                return produce(
                    uow,
                    actor=self.actor,
                    inputs=inputs,
                    outputs=[OutputSpec("DOUGH", output, made)],
                    event_id=event_id,
                )

        if self.attempt("produce", step):
            self.produced += 1

    def pack(self) -> None:
        new_case = self.rng.random() < 0.5 or self.cases == 0
        case = f"C-S{self.plan.number}-{self.cases if new_case else self.cases - 1}"
        items = [PackItem(self.some_lot(), _kilos(self.rng, 1, 6))]

        def step(event_id: uuid.UUID) -> object:
            with self.uow() as uow:
                return pack(uow, actor=self.actor, container=case, items=items, event_id=event_id)

        if self.attempt("pack", step) and new_case:
            self.cases += 1

    def ship_loose(self) -> None:
        amount = None if self.rng.random() < 0.2 else _kilos(self.rng, 1, 8)
        items = [PackItem(self.some_lot(), amount)]
        self.attempt("ship", self._shipping(items))

    def ship_case(self) -> None:
        self.attempt("ship_case", self._shipping([PackItem(self.some_case())]))

    def _shipping(self, items: list[PackItem]) -> Callable[[uuid.UUID], object]:
        def step(event_id: uuid.UUID) -> object:
            with self.uow() as uow:
                return ship(uow, actor=self.actor, customer="SHOP1", items=items, event_id=event_id)

        return step

    def hold(self, code: str | None = None) -> None:
        target = code or self.some_lot()
        self.held.append(target)

        def step(event_id: uuid.UUID) -> object:
            with self.uow() as uow:
                return hold(
                    uow,
                    actor=self.actor,
                    code=target,
                    reason=f"station {self.plan.number} found a problem",
                    event_id=event_id,
                )

        self.attempt("hold", step)

    def lift(self) -> None:
        target = self.held[-1] if self.held and self.rng.random() < 0.7 else self.some_lot()

        def step(event_id: uuid.UUID) -> object:
            with self.uow() as uow:
                return lift_hold(
                    uow,
                    actor=self.actor,
                    code=target,
                    reason="checked: no problem",
                    signed_by=self.signed_by,
                    event_id=event_id,
                )

        self.attempt("lift_hold", step)

    def resend(self) -> None:
        """Send a step recorded earlier again with its UUID, as an outbox does after a timeout."""
        if not self.recorded:
            return
        key, step = self.rng.choice(self.recorded)
        op, _, event_id = key.partition(":")
        self.attempt(f"resend_{op.removeprefix('resend_')}", step, uuid.UUID(event_id))

    def race(self, round_number: int, barrier: Barrier) -> None:
        """Every station acts on one 10 kg lot at once: one holds it, one ships it whole, the
        others consume 7 kg each; and all send the same event UUID for one receipt."""
        code = race_code(round_number)
        role = (self.plan.number + round_number) % self.plan.stations
        duplicate = uuid.uuid5(NAMESPACE, f"race-{round_number}")
        shared_lot = f"DUP-{round_number:03d}"

        def receive_shared(event_id: uuid.UUID) -> object:
            with self.uow() as uow:
                return receive(
                    uow,
                    actor=self.actor,
                    supplier="MILL",
                    supplier_lot_code=shared_lot,
                    product="FLOUR",
                    quantity=Quantity(Decimal(5), "kg"),
                    event_id=event_id,
                )

        barrier.wait()
        if role == 0:
            self.hold(code)
        elif role == 1:
            self.attempt("ship", self._shipping([PackItem(code)]))
        else:
            amount = Quantity(Decimal(7), "kg")
            output = f"S{self.plan.number}-P{self.produced}"

            def step(event_id: uuid.UUID) -> object:
                with self.uow() as uow:
                    return produce(
                        uow,
                        actor=self.actor,
                        inputs=[InputSpec(code, amount)],
                        outputs=[OutputSpec("DOUGH", output, amount)],
                        event_id=event_id,
                    )

            if self.attempt("produce", step):
                self.produced += 1
        barrier.wait()
        self.attempt("receive", receive_shared, duplicate)

    def run(self, barrier: Barrier) -> None:
        moves: list[tuple[float, Callable[[], None]]] = [
            (0.16, self.receive),
            (0.28, self.produce),
            (0.14, self.pack),
            (0.12, self.ship_loose),
            (0.08, self.ship_case),
            (0.06, self.hold),
            (0.06, self.lift),
            (0.10, self.resend),
        ]
        weights = [w for w, _ in moves]
        every = max(1, self.plan.operations // max(1, self.plan.race_rounds))
        round_number = 0
        for number in range(self.plan.operations):
            if number % every == 0 and round_number < self.plan.race_rounds:
                self.race(round_number, barrier)
                round_number += 1
            self.rng.choices(moves, weights)[0][1]()
        while round_number < self.plan.race_rounds:
            self.race(round_number, barrier)
            round_number += 1


def run_station(plan: StationPlan, barrier: Barrier) -> None:
    """One workstation process: its own engine and pool, then the plan; the log goes to JSON."""
    engine = make_engine(plan.url)
    try:
        with UnitOfWork(engine) as uow:
            actor = masterdata.actor_for(uow, station=station_code(plan.number))
        station = _Station(plan, engine, actor)
        try:
            station.run(barrier)
        except BaseException:
            barrier.abort()  # the others must not wait for a station that is gone
            station.log.append(
                {"station": plan.number, "op": "run", "outcome": "crash", "kind": "abort",
                 "message": traceback.format_exc(limit=8)}
            )  # fmt: skip
        Path(plan.out).write_text(json.dumps(station.log), encoding="utf-8")
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# The audit of the final database.


@dataclass
class _LotState:
    name: str
    on_hand: Decimal = Decimal(0)
    packed: Decimal = Decimal(0)
    status: str = "active"
    before_hold: str = "active"


@dataclass
class Findings:
    """Broken rules found by the replay (empty when the run kept every invariant)."""

    violations: list[str] = field(default_factory=list)
    events: int = 0
    by_step: Counter[str] = field(default_factory=Counter)

    def add(self, text: str) -> None:
        self.violations.append(text)


def _events_in_commit_order(uow: UnitOfWork) -> list[Event]:
    """Events ordered by the audit sequence of their insert: a writer numbers its entries under
    the audit head's lock and holds it until its commit, so the sequence is the commit order."""
    rows = uow.session.execute(
        select(AuditEntry.entity_id, AuditEntry.seq).where(
            AuditEntry.entity == "events", AuditEntry.action == "create"
        )
    ).all()
    seq = {uuid.UUID(entity_id): number for entity_id, number in rows}
    events = list(uow.session.scalars(select(Event)))
    missing = [e.id for e in events if e.id not in seq]
    if missing:
        raise AssertionError(f"{len(missing)} events have no audit entry, e.g. {missing[0]}")
    return sorted(events, key=lambda e: seq[e.id])


def check_invariants(engine: Engine) -> Findings:
    """Replay every event in commit order and compare with what the database holds."""
    found = Findings()
    with UnitOfWork(engine, write=False) as uow:
        session = uow.session
        part = {p.id: p.part_number for p in session.scalars(select(Product))}
        lots = {lot.id: lot for lot in session.scalars(select(Lot))}
        state = {i: _LotState(f"{part[lot.product_id]}/{lot.lot_code}") for i, lot in lots.items()}
        items: dict[uuid.UUID, list[EventItem]] = defaultdict(list)
        for item in session.scalars(select(EventItem).order_by(EventItem.id)):
            items[item.event_id].append(item)
        contents: dict[uuid.UUID, list[ContainerContent]] = defaultdict(list)
        for content in session.scalars(select(ContainerContent)):
            contents[content.packed_event_id].append(content)
        in_case: dict[uuid.UUID, list[ContainerContent]] = defaultdict(list)
        shipped_cases: set[uuid.UUID] = set()
        edges: dict[uuid.UUID, list[LotEdge]] = defaultdict(list)
        for edge in session.scalars(select(LotEdge)):
            edges[edge.event_id].append(edge)
        events = _events_in_commit_order(uow)
        found.events = len(events)
        for event in events:
            found.by_step[event.step] += 1
            here = items[event.id]
            where = f"{event.step} {event.id}"
            if event.step == "receive":
                for item in here:
                    assert item.lot_id is not None
                    assert item.quantity is not None
                    state[item.lot_id].on_hand += item.quantity
            elif event.step == "produce":
                _replay_produce(found, state, here, edges[event.id], where)
            elif event.step == "pack":
                for content in contents[event.id]:
                    if content.lot_id is None or content.quantity is None:
                        continue
                    lot = state[content.lot_id]
                    _take_check(found, lot, content.quantity, where, free=True)
                    lot.packed += content.quantity
                    in_case[content.container_id].append(content)
            elif event.step == "ship":
                _replay_ship(found, state, here, in_case, shipped_cases, where)
            elif event.step == "hold":
                for item in here:
                    assert item.lot_id is not None
                    lot = state[item.lot_id]
                    if lot.status in ("consumed", "shipped", "on_hold"):
                        found.add(f"{where}: held {lot.name} while it was {lot.status}")
                    lot.before_hold, lot.status = lot.status, "on_hold"
            elif event.step == "lift_hold":
                for item in here:
                    assert item.lot_id is not None
                    lot = state[item.lot_id]
                    if lot.status != "on_hold":
                        found.add(f"{where}: lifted a hold on {lot.name}, which was {lot.status}")
                    lot.status = lot.before_hold
            else:
                found.add(f"{where}: a step the workload never records")
        for lot_id, lot in state.items():
            stored = lots[lot_id]
            if stored.on_hand != lot.on_hand or stored.status != lot.status:
                found.add(
                    f"{lot.name}: stored {stored.on_hand} kg {stored.status}, replay gives "
                    f"{lot.on_hand} kg {lot.status}"
                )
            if stored.on_hand < 0 or lot.packed > lot.on_hand:
                found.add(f"{lot.name}: {lot.on_hand} kg on hand but {lot.packed} kg packed")
        for container in session.scalars(select(Container)):
            if (container.status == "shipped") != (container.id in shipped_cases):
                found.add(f"case {container.code}: stored {container.status}")
    return found


def _take_check(
    found: Findings, lot: _LotState, amount: Decimal, where: str, *, free: bool
) -> None:
    """The lot must be usable and have the amount free (on hand less what sits in cases)."""
    if lot.status not in ("active", "released"):
        found.add(f"{where}: took {amount} kg of {lot.name} while it was {lot.status}")
    available = lot.on_hand - lot.packed if free else lot.on_hand
    if amount > available:
        found.add(f"{where}: took {amount} kg of {lot.name}, which had {available} kg free")


def _replay_produce(
    found: Findings,
    state: dict[uuid.UUID, _LotState],
    here: list[EventItem],
    edges: list[LotEdge],
    where: str,
) -> None:
    inputs = [i for i in here if i.role == "input"]
    outputs = [i for i in here if i.role == "output"]
    for item in inputs:
        assert item.lot_id is not None
        assert item.quantity is not None
        lot = state[item.lot_id]
        _take_check(found, lot, item.quantity, where, free=True)
        lot.on_hand -= item.quantity
        if lot.on_hand == 0:
            lot.status = "consumed"
    for item in outputs:
        assert item.lot_id is not None
        assert item.quantity is not None
        state[item.lot_id].on_hand += item.quantity
    # Genealogy: one edge per input x output of this event, carrying the whole input (one output).
    expected = {(i.lot_id, o.lot_id): i.quantity for i in inputs for o in outputs}
    got = {(e.parent_lot_id, e.child_lot_id): e.quantity for e in edges}
    if got != expected:
        found.add(f"{where}: genealogy edges {got} do not match its items {expected}")


def _replay_ship(
    found: Findings,
    state: dict[uuid.UUID, _LotState],
    here: list[EventItem],
    in_case: dict[uuid.UUID, list[ContainerContent]],
    shipped_cases: set[uuid.UUID],
    where: str,
) -> None:
    for item in here:
        if item.container_id is not None:
            if item.container_id in shipped_cases:
                found.add(f"{where}: shipped case {item.container_id} a second time")
            shipped_cases.add(item.container_id)
            for content in in_case.pop(item.container_id, []):
                assert content.lot_id is not None
                assert content.quantity is not None
                lot = state[content.lot_id]
                _take_check(found, lot, content.quantity, where, free=False)
                lot.on_hand -= content.quantity
                lot.packed -= content.quantity
                _close_if_empty(lot, "shipped")
        elif item.lot_id is not None and item.quantity is not None:
            lot = state[item.lot_id]
            _take_check(found, lot, item.quantity, where, free=True)
            lot.on_hand -= item.quantity
            _close_if_empty(lot, "shipped")


def _close_if_empty(lot: _LotState, status: str) -> None:
    if lot.on_hand <= 0:
        lot.status = status


def read_logs(paths: Iterator[Path] | list[Path]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for path in paths:
        entries += json.loads(path.read_text(encoding="utf-8"))
    return entries
