"""A small plant for the scan station's tests and benchmark: GS1 products, people, places."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.codes.build import build_gs1
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata, users

FLOUR_GTIN = "09506000134352"
COOKIE_GTIN = "09506000134376"
PASSWORD = "floor-pass-2026"


def gtin_with_check(body13: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


def label(
    gtin: str,
    lot: str,
    *,
    kg: str | None = None,
    count: int | None = None,
    expiry: date | None = None,
    aim: str = "]d2",
) -> str:
    """What a DataMatrix scanner sends for a product label: AIM id, then the element string."""
    data = build_gs1(
        gtin=gtin,
        lot=lot,
        expiry=expiry,
        net_weight=Quantity.parse(f"{kg} kg") if kg else None,
        count=count,
    )
    return aim + data.element_string


def build_plant(engine: Engine) -> None:
    """Master data and two floor accounts: olga (operator) and sam (supervisor)."""

    def admin(uow: UnitOfWork) -> Actor:
        return masterdata.actor_for(uow)

    for code, name, kind, parent in (
        ("SITE1", "Main plant", "site", None),
        ("RCV1", "Receiving dock", "station", "SITE1"),
        ("STORE", "Raw store", "area", "SITE1"),
        ("MIX1", "Mixer 1", "equipment", "SITE1"),
    ):
        with UnitOfWork(engine) as uow:
            masterdata.add_location(
                uow, actor=admin(uow), code=code, name=name, kind=kind, parent=parent
            )
    for part, name, unit, kind, gtin in (
        ("FLOUR", "Wheat flour", "kg", "raw", FLOUR_GTIN),
        ("DOUGH", "Dough", "kg", "intermediate", None),
        ("COOKIE", "Cookies 500 g", "ea", "finished", COOKIE_GTIN),
    ):
        with UnitOfWork(engine) as uow:
            masterdata.add_product(
                uow, actor=admin(uow), part_number=part, name=name, unit=unit, kind=kind, gtin=gtin
            )
    for code, name, kind in (
        ("MILL", "Northern Mill", "supplier"),
        ("SHOP1", "Shop 1", "customer"),
    ):
        with UnitOfWork(engine) as uow:
            masterdata.add_party(uow, actor=admin(uow), code=code, name=name, kind=kind)
    for username, role in (("olga", "operator"), ("sam", "supervisor")):
        with UnitOfWork(engine) as uow:
            users.add_user(
                uow,
                actor=admin(uow),
                username=username,
                full_name=username.title(),
                role=role,
                password=PASSWORD,
            )


def floor_actor(engine: Engine, username: str) -> Actor:
    with UnitOfWork(engine) as uow:
        return masterdata.actor_for(uow, username=username, station="RCV1")
