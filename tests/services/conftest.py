"""A small plant for service tests: products, a supplier, customers, a station and a mixer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import StepResult
from traceapp.services import masterdata
from traceapp.services.masterdata import actor_for
from traceapp.services.receiving import receive


@dataclass
class Plant:
    engine: Engine
    actor: Actor

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def receive(
        self, lot: str, qty: str = "100 kg", product: str = "FLOUR", **kwargs: object
    ) -> StepResult:
        with self.uow() as uow:
            return receive(
                uow,
                actor=self.actor,
                supplier="MILL",
                supplier_lot_code=lot,
                product=product,
                quantity=Quantity.parse(qty),
                **kwargs,  # type: ignore[arg-type]
            )


@pytest.fixture
def plant(engine: Engine) -> Plant:
    with UnitOfWork(engine) as uow:
        masterdata.add_location(
            uow, actor=masterdata.actor_for(uow), code="SITE1", name="Main plant", kind="site"
        )
    with UnitOfWork(engine) as uow:
        masterdata.add_location(
            uow,
            actor=masterdata.actor_for(uow),
            code="RCV1",
            name="Receiving dock",
            kind="station",
            parent="SITE1",
        )
    with UnitOfWork(engine) as uow:
        masterdata.add_location(
            uow,
            actor=masterdata.actor_for(uow),
            code="MIX1",
            name="Mixer 1",
            kind="equipment",
            parent="SITE1",
        )
    for part, name, unit, kind in (
        ("FLOUR", "Wheat flour", "kg", "raw"),
        ("SUGAR", "Sugar", "kg", "raw"),
        ("DOUGH", "Dough", "kg", "intermediate"),
        ("COOKIE", "Cookies 500 g", "ea", "finished"),
    ):
        with UnitOfWork(engine) as uow:
            masterdata.add_product(
                uow,
                actor=masterdata.actor_for(uow),
                part_number=part,
                name=name,
                unit=unit,
                kind=kind,
            )
    with UnitOfWork(engine) as uow:
        masterdata.add_party(
            uow,
            actor=masterdata.actor_for(uow),
            code="MILL",
            name="Northern Mill",
            kind="supplier",
            contact_email="qa@mill.example",
        )
    for code in ("SHOP1", "SHOP2"):
        with UnitOfWork(engine) as uow:
            masterdata.add_party(
                uow,
                actor=masterdata.actor_for(uow),
                code=code,
                name=f"Shop {code[-1]}",
                kind="customer",
            )
    with UnitOfWork(engine) as uow:
        actor = actor_for(uow, station="RCV1")
    return Plant(engine, actor)
