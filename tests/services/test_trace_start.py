"""A trace resolves its code on its own cursor (`db.trace_start`) by the app's code rules: for
every kind of code it names what the app's look-ups (`recording.find_lot_or_container`) name, or
refuses it with the same error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from traceapp.db import trace_walk as walk
from traceapp.db.models import Container, ContainerContent, Lot, Shipment, ShipmentItem
from traceapp.db.repositories import LotRow, Repository
from traceapp.db.trace import contents_at
from traceapp.db.trace_start import StartContainer, StartLookups, StartLot
from traceapp.domain.errors import KnownError
from traceapp.services.packing import unpack
from traceapp.services.recording import find_lot_or_container, now_utc
from traceapp.services.scans import lot_or_container_named, read_scan

from .conftest import Plant
from .test_scanned_labels import GS, GTIN, SSCC, labelled  # noqa: F401 (a fixture)
from .test_trace import _at, _mix, _pack, _ship, bind_tags, put_on_directly

CODES = [
    "OIL/L-77",  # PART/LOT
    "L-77",  # a bare lot code, one product has it
    "B-1",  # a bare lot code two products have: refused as ambiguous
    "FLOUR/B-1",
    "SUGAR/B-1",
    "OIL/X/2",  # no such part and code: the whole text as a bare code, which has a slash
    "X/2",
    "FLOUR/NONE",
    f"]d201{GTIN}10L-77{GS}17271231",  # GS1 Data Matrix: GTIN + lot
    f"https://id.gs1.org/01/{GTIN}/10/L-77",  # Digital Link
    "]d20100614141123452" + "10L-77",  # a GTIN no product has: refused
    f"]d201{GTIN}",  # a GTIN without a lot: refused
    f"]C100{SSCC}",  # an SSCC label
    SSCC,
    "CASE-1",  # a container's own code
    "TAG-LOT",  # bound to a lot
    "TAG-CASE",  # bound to a container
    "TAG-OLD",  # a binding that ended: names nothing
    "OIL/L-77 ",  # spaces around are not part of the code
    "NOTHING",
]


@pytest.fixture
def coded(labelled: Plant) -> Plant:  # noqa: F811 (the fixture imported above)
    """OIL/L-77 (with a GTIN), B-1 of two products, X/2, a case on a pallet with an SSCC, tags."""
    plant = labelled
    plant.receive("S-B1", "100 kg", lot_code="B-1")
    plant.receive("S-B2", "100 kg", product="SUGAR", lot_code="B-1")
    plant.receive("S-X2", "100 kg", lot_code="X/2")
    _mix(plant, {"FLOUR/B-1": "10 kg"}, {"DOUGH/D-1": "10 kg"}, 1)
    _pack(plant, "CASE-1", ["DOUGH/D-1"], 2)
    _pack(plant, f"]C100{SSCC}", ["CASE-1"], 3, kind="pallet")
    bind_tags(
        plant, {"TAG-LOT": ("L-77", None), "TAG-CASE": ("CASE-1", None), "TAG-OLD": ("L-77", 1)}
    )
    return plant


def _named(found: object, reader: walk.TraceReader) -> tuple[str, str, str] | None:
    """What a look-up found, comparable across the two kinds: (kind, raw id, name)."""
    if isinstance(found, LotRow):
        name = f"{found.product.part_number}/{found.lot.lot_code}"
        return ("lot", reader.raw_id(found.lot.id), name)
    if isinstance(found, Container):
        return ("container", reader.raw_id(found.id), found.code)
    if isinstance(found, StartLot):
        return ("lot", found.id, f"{found.part_number}/{found.lot_code}")
    if isinstance(found, StartContainer):
        return ("container", found.id, found.code)
    assert found is None
    return None


def _outcome(look: object) -> object:
    try:
        return look()  # type: ignore[operator]
    except KnownError as refused:
        return (type(refused).__name__, str(refused))


@pytest.mark.parametrize("code", CODES)
def test_a_trace_names_what_the_app_names_for_every_kind_of_code(coded: Plant, code: str) -> None:
    with coded.uow() as uow:
        reader = walk.TraceReader(uow.session)
        app = _outcome(lambda: _named(find_lot_or_container(Repository(uow.session), code), reader))
        lookups = StartLookups(reader, now_utc())
        ours = _outcome(lambda: _named(lot_or_container_named(lookups, read_scan(code)), reader))
    assert ours == app


def test_the_codes_cover_every_outcome(coded: Plant) -> None:
    """The list above reaches lots, containers, nothing, and each refusal."""
    with coded.uow() as uow:
        reader = walk.TraceReader(uow.session)
        outcomes = [
            _outcome(
                lambda c=code: _named(find_lot_or_container(Repository(uow.session), c), reader)
            )  # type: ignore[misc]
            for code in CODES
        ]
    kinds = {o[0] if isinstance(o, tuple) and o[0] in ("lot", "container") else o for o in outcomes}
    refusals = {o[0] for o in outcomes if isinstance(o, tuple) and o[0] not in ("lot", "container")}
    assert {"lot", "container", None} <= kinds
    assert refusals == {"AmbiguousCode", "NotFound", "InvalidInput"}


def test_what_a_container_held_when_it_left_is_what_the_app_reads_then(plant: Plant) -> None:
    """The trace reads a container's contents at its first shipment in one statement of its own
    (`TraceReader.container_start`); the app reads contents at a moment with `contents_at`. Two
    spellings of one rule: held to each other on pallets shipped, emptied after
    leaving, moved between, nested, and never shipped."""
    for n in (1, 2, 3, 4):
        plant.receive(f"F-{n}", "100 kg")
        _pack(plant, f"CASE-{n}", [f"F-{n}"], 1)
    _pack(plant, "PAL-P", ["CASE-1", "CASE-2"], 2, kind="pallet")
    with plant.uow() as uow:
        unpack(uow, actor=plant.actor, container="PAL-P", items=["CASE-1"], event_time=_at(3))
    _pack(plant, "PAL-Q", ["CASE-1"], 4, kind="pallet")
    _ship(plant, "SHOP2", ["PAL-Q"], 5)
    _ship(plant, "SHOP1", ["PAL-P"], 6)
    # After they left, as imported data may have it: PAL-P emptied, a case put on PAL-Q.
    put_on_directly(plant, "PAL-Q", "CASE-2", 10)
    with plant.engine.begin() as connection:
        ids = dict(connection.execute(select(Container.code, Container.id)).all())
        connection.execute(
            update(ContainerContent)
            .where(
                ContainerContent.container_id == ids["PAL-P"],
                ContainerContent.child_container_id == ids["CASE-2"],
            )
            .values(unpacked_at=_at(7))
        )
    _pack(plant, "PAL-R", ["CASE-3", "CASE-4"], 8, kind="pallet")
    with plant.uow() as uow:
        unpack(uow, actor=plant.actor, container="PAL-R", items=["CASE-4"], event_time=_at(9))
    with plant.uow() as uow:
        session = uow.session
        reader = walk.TraceReader(session)
        held: dict[str, dict[str, Decimal]] = {}
        for container_id, code in session.execute(select(Container.id, Container.code)):
            left = session.scalar(
                select(func.min(Shipment.shipped_at))
                .join(ShipmentItem, ShipmentItem.shipment_id == Shipment.id)
                .where(
                    ShipmentItem.container_id == container_id,
                    Shipment.voided_by_event_id.is_(None),
                )
            )
            expected: dict[str, Decimal] = {}
            for row in contents_at(session, container_id, left):
                lot_id = reader.raw_id(row.lot_id)
                expected[lot_id] = expected.get(lot_id, Decimal(0)) + (row.quantity or Decimal(0))
            assert reader.container_start(reader.raw_id(container_id)) == expected, code
            lots = session.execute(select(Lot.id, Lot.lot_code)).all()
            names = {reader.raw_id(lot_id): lot_code for lot_id, lot_code in lots}
            held[code] = {names[lot_id]: amount for lot_id, amount in expected.items()}
    assert held["PAL-P"] == {"F-2": Decimal(100)}  # as it left: CASE-1 had moved to PAL-Q
    assert held["PAL-Q"] == {"F-1": Decimal(100)}  # not the case put on it afterwards
    assert held["PAL-R"] == {"F-3": Decimal(100)}  # never shipped: as it is now
    assert held["CASE-2"] == {"F-2": Decimal(100)}
