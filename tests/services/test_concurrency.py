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
