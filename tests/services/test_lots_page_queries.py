"""What the lots page asks: search by code, scan, product, status and date; a lot's full record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from traceapp.domain.errors import PermissionDenied, UnknownCode
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import LotQuery, LotSearch
from traceapp.services import masterdata
from traceapp.services.lots import lot_detail, lot_detail_by_id, search_lots
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.shipping import ship

from .conftest import Plant

# Recent: a lot recorded long after it was made is outside a date search (RECORDING_DELAY).
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
GTIN = "09506000134352"


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _search(plant: Plant, **fields: object) -> LotSearch:
    with plant.uow() as uow:
        return search_lots(uow, actor=plant.actor, query=LotQuery(**fields))  # type: ignore[arg-type]


def _names(result: LotSearch) -> list[str]:
    return [lot.name for lot in result.lots]


def _gtin_product(plant: Plant) -> None:
    with plant.uow() as uow:
        masterdata.add_product(
            uow,
            actor=masterdata.actor_for(uow),
            part_number="GFLOUR",
            name="Flour with GTIN",
            unit="kg",
            gtin=GTIN,
        )


def _plant_with_history(plant: Plant) -> None:
    plant.receive("F-1", "100 kg", event_time=_at(0))
    plant.receive("F-2", "100 kg", event_time=_at(24))
    plant.receive("S-1", "50 kg", product="SUGAR", event_time=_at(48))
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec("F-1", Quantity.parse("60 kg"))],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("60 kg"))],
            equipment="MIX1",
            event_time=_at(49),
        )
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            kind="case",
            items=[PackItem("F-1", Quantity.parse("30 kg"))],
            event_time=_at(50),
        )
    with plant.uow() as uow:
        ship(
            uow, actor=plant.actor, customer="SHOP1", items=[PackItem("CASE-1")], event_time=_at(51)
        )


def test_a_fragment_finds_lots_newest_first_and_says_when_there_are_more(plant: Plant) -> None:
    _plant_with_history(plant)
    assert _names(_search(plant, text="F-")) == ["FLOUR/F-2", "FLOUR/F-1"]
    limited = _search(plant, text="flour", limit=1)
    assert (_names(limited), limited.more) == (["FLOUR/F-2"], True)
    assert not _search(plant, text="flour").more


def test_product_status_and_date_range_narrow_the_list(plant: Plant) -> None:
    _plant_with_history(plant)
    assert _names(_search(plant, product="SUGAR")) == ["SUGAR/S-1"]
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec("F-2", Quantity.parse("100 kg"))],
            outputs=[OutputSpec("DOUGH", "D-2", Quantity.parse("100 kg"))],
            event_time=_at(52),
        )
    assert _names(_search(plant, product="FLOUR", status=LotStatus.ACTIVE)) == ["FLOUR/F-1"]
    assert _names(_search(plant, product="FLOUR", status=LotStatus.CONSUMED)) == ["FLOUR/F-2"]
    between = _search(plant, made_after=_at(12), made_before=_at(48.5))
    assert _names(between) == ["SUGAR/S-1", "FLOUR/F-2"]
    assert _names(_search(plant, made_after=_at(49))) == ["DOUGH/D-2", "DOUGH/D-1"]


def test_a_typed_lot_name_is_found_exactly_among_its_fragment_matches(plant: Plant) -> None:
    _plant_with_history(plant)
    found = _search(plant, text="FLOUR/F-1")
    assert found.scanned_lot is not None
    assert found.scanned_lot.name == "FLOUR/F-1"
    assert _names(found) == ["FLOUR/F-1"]


def test_a_scanned_gs1_label_finds_its_lot(plant: Plant) -> None:
    _plant_with_history(plant)
    _gtin_product(plant)
    plant.receive("G-2", "10 kg", product="GFLOUR")
    found = _search(plant, text=f"]d201{GTIN}10G-2")
    assert found.scanned_lot is not None
    assert (found.scanned_lot.name, _names(found)) == ("GFLOUR/G-2", ["GFLOUR/G-2"])


def test_a_scanned_label_of_a_lot_that_does_not_exist_says_so(plant: Plant) -> None:
    _plant_with_history(plant)
    _gtin_product(plant)
    with pytest.raises(UnknownCode):
        _search(plant, text=f"]d201{GTIN}10G-9")


def test_a_container_code_lists_what_is_inside(plant: Plant) -> None:
    _plant_with_history(plant)
    found = _search(plant, text="CASE-1")
    assert found.scanned_container is not None
    assert (found.scanned_container.code, found.scanned_container.status) == ("CASE-1", "shipped")
    assert _names(found) == ["FLOUR/F-1"]


def test_the_record_says_where_the_quantity_went_and_where_the_lot_sat(plant: Plant) -> None:
    _plant_with_history(plant)
    with plant.uow() as uow:
        flour = lot_detail(uow, "F-1", actor=plant.actor)
    assert flour.consumed == Quantity(Decimal(60), "kg")
    assert flour.shipped == Quantity(Decimal(30), "kg")
    assert flour.lot.on_hand == Quantity(Decimal(10), "kg")
    assert [(s.code, s.status, str(s.quantity)) for s in flour.container_stays] == [
        ("CASE-1", "shipped", "30 kg")
    ]
    assert flour.origin_event is not None
    assert flour.origin_event.step.value == "receive"
    assert [event.step.value for event in flour.events] == ["receive", "produce", "pack"]
    assert [event.step.value for event in flour.container_events] == ["ship"]
    with plant.uow() as uow:
        dough = lot_detail_by_id(uow, flour.children[0].lot_id, actor=plant.actor)
    assert dough.origin_event is not None
    assert (dough.origin_event.step.value, dough.origin_event.equipment) == ("produce", "MIX1")
    assert dough.consumed == Quantity(Decimal(0), "kg")


def test_searching_needs_the_read_permission(plant: Plant) -> None:
    from traceapp.domain.actor import Actor

    visitor = Actor(user_id=plant.actor.user_id, username="mallory", role="visitor")
    with plant.uow() as uow, pytest.raises(PermissionDenied):
        search_lots(uow, actor=visitor, query=LotQuery(text="F"))


def test_a_lot_code_two_products_share_lists_both_lots(plant: Plant) -> None:
    plant.receive("X-1", "10 kg")
    plant.receive("X-1", "10 kg", product="SUGAR")
    plant.receive("X-10", "10 kg")
    found = _search(plant, text="X-1")
    assert found.scanned_lot is None
    assert sorted(_names(found)) == ["FLOUR/X-1", "SUGAR/X-1"]
    assert sorted(_names(_search(plant, text="X-"))) == ["FLOUR/X-1", "FLOUR/X-10", "SUGAR/X-1"]
