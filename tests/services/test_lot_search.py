"""Finding lots by what a person types: the full name, a fragment, any case, symbols literally."""

from __future__ import annotations

from traceapp.services.lots import list_lots

from .conftest import Plant


def _names(plant: Plant, text: str | None = None, status: str | None = None) -> list[str]:
    with plant.uow() as uow:
        return sorted(lot.name for lot in list_lots(uow, text=text, status=status))


def test_lots_are_found_by_full_name_fragment_product_name_and_supplier_lot(plant: Plant) -> None:
    plant.receive("F-100", "5 kg", lot_code="R-1")
    plant.receive("S_200", "5 kg", product="SUGAR")
    assert _names(plant, "FLOUR/R-1") == ["FLOUR/R-1"]
    assert _names(plant, "flour/r") == ["FLOUR/R-1"]
    assert _names(plant, "wheat") == ["FLOUR/R-1"]
    assert _names(plant, "F-100") == ["FLOUR/R-1"]  # the supplier's own lot code
    assert _names(plant, "S_2") == ["SUGAR/S_200"]
    assert _names(plant, "%") == []  # a typed % is a character, not a wildcard
    assert _names(plant, "_") == ["SUGAR/S_200"]
    assert _names(plant, None, "active") == ["FLOUR/R-1", "SUGAR/S_200"]
    assert _names(plant, None, "on_hold") == []
