"""A small bakery for the lots page's GUI tests: flour and sugar into dough into cookies, a case,
a shipment, and one flour lot that went into many doughs (more than the graph draws at once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata, users
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.receiving import receive
from traceapp.services.shipping import ship

FLOUR_GTIN = "09506000134352"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MANY = 15  # doughs made from FLOUR/F-300: more than one page of the graph


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def flour_label(lot: str) -> str:
    """What a DataMatrix scanner types for a flour label: AIM id, GTIN, then the lot (last)."""
    return f"]d201{FLOUR_GTIN}10{lot}"


def build_bakery(engine: Engine) -> Actor:
    with UnitOfWork(engine) as uow:
        admin = masterdata.actor_for(uow)
    for code, name, kind in (("SITE1", "Main plant", "site"), ("MIX1", "Mixer 1", "equipment")):
        with UnitOfWork(engine) as uow:
            masterdata.add_location(
                uow,
                actor=admin,
                code=code,
                name=name,
                kind=kind,
                parent=None if kind == "site" else "SITE1",
            )
    for part, name, unit, kind, gtin in (
        ("FLOUR", "Wheat flour", "kg", "raw", FLOUR_GTIN),
        ("SUGAR", "Fine sugar", "kg", "raw", None),
        ("DOUGH", "Dough", "kg", "intermediate", None),
        ("COOKIE", "Cookies 500 g", "ea", "finished", None),
    ):
        with UnitOfWork(engine) as uow:
            masterdata.add_product(
                uow, actor=admin, part_number=part, name=name, unit=unit, kind=kind, gtin=gtin
            )
    for code, name, kind in (
        ("MILL", "Northern Mill", "supplier"),
        ("SHOP1", "Shop 1", "customer"),
    ):
        with UnitOfWork(engine) as uow:
            masterdata.add_party(uow, actor=admin, code=code, name=name, kind=kind)
    for lot, product, amount, hours in (
        ("F-100", "FLOUR", "50 kg", 0),
        ("F-200", "FLOUR", "50 kg", 1),
        ("S-1", "SUGAR", "14 kg", 2),
        ("F-300", "FLOUR", "100 kg", 3),
    ):
        with UnitOfWork(engine) as uow:
            receive(
                uow,
                actor=admin,
                supplier="MILL",
                supplier_lot_code=lot,
                product=product,
                quantity=Quantity.parse(amount),
                event_time=at(hours),
            )
    _produce(admin, engine, {"F-100": "20 kg", "S-1": "5 kg"}, {"DOUGH/D-7": "25 kg"}, 4)
    _produce(admin, engine, {"DOUGH/D-7": "25 kg"}, {"COOKIE/C-1": "50 ea"}, 5)
    with UnitOfWork(engine) as uow:
        pack(
            uow,
            actor=admin,
            container="CASE-1",
            kind="case",
            items=[PackItem("COOKIE/C-1")],
            event_time=at(6),
        )
    with UnitOfWork(engine) as uow:
        ship(
            uow,
            actor=admin,
            customer="SHOP1",
            items=[PackItem("CASE-1")],
            reference_document="DN-1",
            event_time=at(7),
        )
    _produce(
        admin,
        engine,
        {"F-300": f"{MANY} kg"},
        {f"DOUGH/M-{i:02}": "1 kg" for i in range(1, MANY + 1)},
        8,
    )
    return admin


def _produce(
    actor: Actor, engine: Engine, inputs: dict[str, str], outputs: dict[str, str], hours: float
) -> None:
    with UnitOfWork(engine) as uow:
        produce(
            uow,
            actor=actor,
            inputs=[InputSpec(code, Quantity.parse(q)) for code, q in inputs.items()],
            outputs=[
                OutputSpec(*name.split("/"), Quantity.parse(q)) for name, q in outputs.items()
            ],
            equipment="MIX1",
            event_time=at(hours),
        )


# People who decide about lots: user name -> (full name, role, password).
DECIDERS = {
    "qm.quinn": ("Quinn Quality", "quality_manager", "quinn-pass-2026"),
    "sam.sup": ("Sam Supervisor", "supervisor", "sam-pass-2026"),
    "olga.op": ("Olga Operator", "operator", "olga-pass-2026"),
}


def add_deciders(engine: Engine, admin: Actor) -> None:
    for username, (full_name, role, password) in DECIDERS.items():
        with UnitOfWork(engine) as uow:
            users.add_user(
                uow,
                actor=admin,
                username=username,
                full_name=full_name,
                role=role,
                password=password,
            )


def actor_of(engine: Engine, username: str) -> Actor:
    """The actor a person becomes by signing in (the sign-in screen has tests of its own)."""
    with UnitOfWork(engine) as uow:
        return users.authenticate(uow, username=username, password=DECIDERS[username][2])
