"""A small plant whose steps cover every EPCIS mapping: GTIN and plant lots, a mixer with a
temperature channel, a case, a shipment with despatch advice, and a corrected step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import fresh_pg_url
from tests.services.conftest import Plant
from tests.services.sensor_plant import add_channel, make_on_mixer, write_readings
from traceapp.db.uow import UnitOfWork
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.corrections import correct
from traceapp.services.database import open_database
from traceapp.services.masterdata import ensure_builtin_users
from traceapp.services.packing import PackItem, pack
from traceapp.services.shipping import ship

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
GTIN = "04012345123456"  # company prefix 4012345 (7 digits)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def build_epcis_plant(plant: Plant) -> None:
    """OIL/O-1 (GTIN) and FLOUR/F-1 received; dough D-1 mixed on MIX1 from both while the mixer
    reads 50..54 degC; D-1 packed into CASE-1, shipped to SHOP1 on BOL-1; a wrong receipt of
    SUGAR/S-9 corrected."""
    with plant.uow() as uow:
        masterdata.add_product(
            uow,
            actor=plant.actor,
            part_number="OIL",
            name="Sunflower oil",
            unit="kg",
            kind="raw",
            gtin=GTIN,
            company_prefix_length=7,
        )
    plant.receive("SL-9", "100 kg", lot_code="F-1", reference_document="PO-77", event_time=at(0))
    plant.receive("OL-1", "20 kg", product="OIL", lot_code="O-1", event_time=at(0.5))
    wrong = plant.receive("SL-5", "10 kg", product="SUGAR", lot_code="S-9", event_time=at(0.6))
    with plant.uow() as uow:
        correct(
            uow,
            actor=plant.actor,
            event=wrong.event.id,
            reason="wrong supplier lot",
            event_time=at(0.7),
        )
    add_channel(plant)
    write_readings(plant, [(at(1) + timedelta(minutes=i), 50.0 + i) for i in range(5)])
    make_on_mixer(
        plant,
        "D-1",
        at(1),
        at(1) + timedelta(minutes=10),
        inputs=(("FLOUR/F-1", "40 kg"), ("OIL/O-1", "5 kg")),
        quantity="45 kg",
        event_time=at(1) + timedelta(minutes=10),
    )
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            kind="case",
            items=[PackItem("DOUGH/D-1", Quantity.parse("20 kg"))],
            event_time=at(2),
        )
    with plant.uow() as uow:
        ship(
            uow,
            actor=plant.actor,
            customer="SHOP1",
            items=[PackItem("CASE-1")],
            reference_document="BOL-1",
            event_time=at(3),
        )


@pytest.fixture
def empty(db_url: str, request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Engine]:
    """A second, empty database of the same kind as `engine`."""
    urls: Iterator[str] | None = None
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('empty') / 'empty.db'}"
    else:
        urls = fresh_pg_url(request.getfixturevalue("pg_template"))
        url = next(urls)
    opened, _ = open_database(url)
    with UnitOfWork(opened) as uow:
        ensure_builtin_users(uow)
    yield opened
    opened.dispose()
    if urls is not None:
        next(urls, None)  # drops the database
