"""A trace resolves its code on its own cursor (`db.trace_start`) by the app's code rules: for
every kind of code it names what the app's look-ups (`recording.find_lot_or_container`) name, or
refuses it with the same error."""

from __future__ import annotations

import pytest

from traceapp.db import trace_walk as walk
from traceapp.db.models import Container
from traceapp.db.repositories import LotRow, Repository
from traceapp.db.trace_start import StartContainer, StartLookups, StartLot
from traceapp.domain.errors import KnownError
from traceapp.services.recording import find_lot_or_container, now_utc
from traceapp.services.scans import lot_or_container_named, read_scan

from .conftest import Plant
from .test_scanned_labels import GS, GTIN, SSCC, labelled  # noqa: F401 (a fixture)
from .test_trace import _mix, _pack, bind_tags

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
