"""The station's offline cache: master data kept in the outbox file resolves scans without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from traceapp.db.outbox import Outbox
from traceapp.domain.errors import AmbiguousCode
from traceapp.domain.quantity import Quantity
from traceapp.services.packing import PackItem, pack
from traceapp.services.station import ScanTarget, resolve_scan
from traceapp.services.sync_cache import load_cache, refresh_cache, resolve_offline

from .conftest import Plant


def test_the_cache_reads_back_the_same_master_data_and_open_lots(
    plant: Plant, tmp_path: Path
) -> None:
    plant.receive("F-1", "40 kg")
    plant.receive("S-1", "10 kg", product="SUGAR")
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            items=[PackItem("FLOUR/F-1", Quantity.parse("5 kg"))],
        )
    outbox = Outbox(tmp_path / "outbox.sqlite")
    try:
        saved = refresh_cache(outbox, plant.engine, plant.actor)
        cached = load_cache(outbox)
    finally:
        outbox.close()
    assert cached == saved
    assert {p.part_number for p in cached.choices.products} >= {"FLOUR", "SUGAR", "DOUGH"}
    assert {p.code for p in cached.choices.suppliers} == {"MILL"}
    assert {lot.name for lot in cached.lots} == {"FLOUR/F-1", "SUGAR/S-1"}
    assert [c.code for c in cached.containers] == ["CASE-1"]
    assert {p.code for p in cached.choices.equipment} == {"MIX1"}


def test_scans_resolve_offline_as_they_do_online(plant: Plant, tmp_path: Path) -> None:
    plant.receive("F-1", "40 kg")
    plant.receive("F-1", "8 kg", product="SUGAR")
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            items=[PackItem("FLOUR/F-1", Quantity.parse("5 kg"))],
        )
    outbox = Outbox(tmp_path / "outbox.sqlite")
    try:
        cached = refresh_cache(outbox, plant.engine, plant.actor)
    finally:
        outbox.close()
    for code in ("FLOUR/F-1", "CASE-1", "MIX1", "NEW-LABEL-7"):
        offline = resolve_offline(cached, code)
        with plant.uow() as uow:
            online = resolve_scan(uow, actor=plant.actor, code=code)
        assert offline.target == online.target, code
        assert offline.display == online.display
    assert resolve_offline(cached, "FLOUR/F-1").target is ScanTarget.LOT
    assert resolve_offline(cached, "FLOUR/F-1").free == Quantity.parse("40 kg")  # as last seen
    with pytest.raises(AmbiguousCode):
        resolve_offline(cached, "F-1")
