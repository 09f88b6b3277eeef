"""The demo plant has a mixer temperature channel with an excursion during a batch of the recall
landmark's lot: the demo's recall drill reports it, and the dough's record shows it."""

from __future__ import annotations

from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.services import conditions
from traceapp.services.demo.builder import SENSOR_LANDMARK, build_demo_plant
from traceapp.services.masterdata import actor_for
from traceapp.services.recall import run_recall, supplier_lot_of


def test_the_demo_recall_reports_a_mixer_excursion(sqlite_engine: Engine) -> None:
    summary = build_demo_plant(sqlite_engine, lots=600, days=7)
    landmark = summary.landmarks[SENSOR_LANDMARK]
    with UnitOfWork(sqlite_engine) as uow:
        actor = actor_for(uow)
        supplier_lot = supplier_lot_of(uow, landmark)
        assert supplier_lot is not None
        result = run_recall(uow, actor=actor, reason="demo", supplier_lot=supplier_lot)
    assert len(result.excursions) >= 1
    row = result.excursions[0]
    assert row.channel.endswith("/temp")
    assert row.unit == "degC"
    assert row.worst > 30
    assert str(row.limit) == "30"
    assert {lot.name for lot in result.forward.lots} >= {row.lot}
    with UnitOfWork(sqlite_engine) as uow:
        found = conditions.lot_conditions(uow, actor=actor, code=row.lot)
    assert found.flagged
    assert found.windows[0].channel.key == row.channel
