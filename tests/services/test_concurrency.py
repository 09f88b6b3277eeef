"""Two stations racing for the last kilos of one lot: exactly one of them gets it."""

from __future__ import annotations

import threading
from decimal import Decimal

from traceapp.domain.errors import InsufficientQuantity
from traceapp.domain.quantity import Quantity
from traceapp.services.lots import lot_detail
from traceapp.services.production import InputSpec, OutputSpec, produce

from .conftest import Plant

STATIONS = 4


def test_concurrent_consumers_never_take_more_than_the_lot_has(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    start = threading.Barrier(STATIONS)
    outcomes: list[str] = []

    def station(number: int) -> None:
        start.wait()
        try:
            with plant.uow() as uow:
                produce(
                    uow,
                    actor=plant.actor,
                    inputs=[InputSpec("F-1", Quantity.parse("7 kg"))],
                    outputs=[OutputSpec("DOUGH", f"D-{number}", Quantity.parse("7 kg"))],
                )
            outcomes.append("ok")
        except InsufficientQuantity:
            outcomes.append("refused")

    threads = [threading.Thread(target=station, args=(n,)) for n in range(STATIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok"] + ["refused"] * (STATIONS - 1)
    with plant.uow() as uow:
        assert lot_detail(uow, "F-1").lot.on_hand == Quantity(Decimal(3), "kg")


def test_crossing_steps_on_the_same_two_lots_never_deadlock(plant: Plant) -> None:
    plant.receive("A-1", "1000 kg")
    plant.receive("B-1", "1000 kg")
    rounds = 6
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def station(first: str, second: str, prefix: str) -> None:
        start.wait()
        for number in range(rounds):
            try:
                with plant.uow() as uow:
                    produce(
                        uow,
                        actor=plant.actor,
                        inputs=[
                            InputSpec(first, Quantity.parse("1 kg")),
                            InputSpec(second, Quantity.parse("1 kg")),
                        ],
                        outputs=[OutputSpec("DOUGH", f"{prefix}-{number}", Quantity.parse("2 kg"))],
                    )
            except BaseException as exc:
                failures.append(exc)

    threads = [
        threading.Thread(target=station, args=("A-1", "B-1", "AB")),
        threading.Thread(target=station, args=("B-1", "A-1", "BA")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with plant.uow() as uow:
        assert lot_detail(uow, "A-1").lot.on_hand == Quantity(Decimal(1000 - 2 * rounds), "kg")
