"""SPC data from recorded inspections (SQLite and PostgreSQL): one subgroup per inspection, lots named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from traceapp.domain.errors import NotFound
from traceapp.domain.inspections import Characteristic, CharacteristicKind
from traceapp.domain.spc.charts import ChartType
from traceapp.domain.spc.rules import NELSON, Rule
from traceapp.domain.spc.series import analyse
from traceapp.services import inspections, spc_data

from .conftest import Plant

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MOISTURE = Characteristic(
    "Moisture",
    CharacteristicKind.VARIABLE,
    nominal=Decimal("12.0"),
    lsl=Decimal("10.0"),
    usl=Decimal("14.0"),
    unit="%",
    decimals=2,
)
LOOK = Characteristic("look", CharacteristicKind.ATTRIBUTE, answers=("ok", "bad"), passing=("ok",))
STONES = Characteristic("stones", CharacteristicKind.COUNT, max_count=5)
# Two samples per lot; lot 15 is high (within spec, so the inspection passes) but beyond 3 sigma.
PAIRS = [
    ("12.02", "11.95"),
    ("11.98", "12.05"),
    ("12.10", "12.01"),
    ("11.93", "11.99"),
    ("12.04", "12.08"),
    ("11.97", "11.90"),
    ("12.03", "12.00"),
    ("12.06", "11.96"),
    ("11.99", "12.07"),
    ("12.00", "11.94"),
    ("12.05", "12.02"),
    ("11.96", "12.01"),
    ("12.01", "11.97"),
    ("12.08", "12.03"),
    ("13.60", "13.70"),
    ("11.95", "12.04"),
    ("12.02", "11.98"),
    ("12.00", "12.06"),
    ("11.97", "12.03"),
    ("12.04", "11.99"),
]


@pytest.fixture
def inspected(plant: Plant) -> Plant:
    with plant.uow() as uow:
        inspections.add_plan(
            uow,
            actor=plant.actor,
            product="FLOUR",
            step="receive",
            characteristics=[MOISTURE, LOOK, STONES],
            sample_size=2,
        )
    for number, (a, b) in enumerate(PAIRS, start=1):
        plant.receive(f"F-{number}")
        with plant.uow() as uow:
            inspections.record_inspection(
                uow,
                actor=plant.actor,
                code=f"FLOUR/F-{number}",
                values={"moisture": [a, b], "look": ["ok", "ok"], "stones": ["0", "1"]},
                inspected_at=START + timedelta(minutes=number),
            )
    return plant


def test_products_and_numeric_characteristics_are_offered(inspected: Plant) -> None:
    with inspected.uow() as uow:
        assert spc_data.products_with_plans(uow, actor=inspected.actor) == ("FLOUR",)
        found = spc_data.characteristics(uow, product="FLOUR", actor=inspected.actor)
    assert [(c.step, c.name, c.kind, c.unit) for c in found] == [
        ("receive", "Moisture", "variable", "%"),
        ("receive", "stones", "count", ""),
    ]


def test_each_inspection_is_one_subgroup_naming_its_lot_in_order(inspected: Plant) -> None:
    with inspected.uow() as uow:
        data = spc_data.series(
            uow, product="FLOUR", step="receive", characteristic="moisture", actor=inspected.actor
        )
    assert (data.characteristic, data.unit, data.lsl, data.usl, data.nominal) == (
        "Moisture",
        "%",
        10.0,
        14.0,
        12.0,
    )
    assert [g.number for g in data.subgroups] == list(range(1, 21))
    assert [g.values for g in data.subgroups] == [(float(a), float(b)) for a, b in PAIRS]
    assert [g.lots for g in data.subgroups] == [(f"FLOUR/F-{n}",) for n in range(1, 21)]
    assert data.subgroups[0].inspected_at == START + timedelta(minutes=1)
    assert spc_data.lots_of(data.subgroups, [15, 15]) == data.subgroups[14].lot_ids


def test_xbar_r_from_inspections_flags_the_high_lot_with_rule_1(inspected: Plant) -> None:
    with inspected.uow() as uow:
        data = spc_data.series(
            uow, product="FLOUR", step="receive", characteristic="Moisture", actor=inspected.actor
        )
    result = analyse(data, kind=ChartType.XBAR_R, rules=NELSON, phase1=(1, 10))
    means = np.array([(float(a) + float(b)) / 2 for a, b in PAIRS])
    ranges = np.array([abs(float(a) - float(b)) for a, b in PAIRS])
    xbar, r = result.charts.charts
    assert r.center == pytest.approx(ranges[:10].mean())
    assert xbar.center == pytest.approx(means[:10].mean())
    # A2 for n = 2 is 1.880 (Montgomery, Appendix VI)
    assert xbar.ucl[0] == pytest.approx(means[:10].mean() + 1.880 * ranges[:10].mean(), rel=1e-3)
    assert (Rule.N1, 15) in {(v.rule, v.point) for v in result.violations[0]}
    assert result.capability is not None
    assert result.capability.phase1 == (1, 10)
    assert result.capability.cp == pytest.approx(4.0 / (6 * ranges[:10].mean() / 1.128), rel=1e-3)


def test_a_characteristic_not_in_the_plans_is_not_found(inspected: Plant) -> None:
    with inspected.uow() as uow, pytest.raises(NotFound, match="no numeric characteristic"):
        spc_data.series(
            uow, product="FLOUR", step="receive", characteristic="look", actor=inspected.actor
        )


def test_a_newer_plan_version_keeps_the_old_points_and_gives_its_limits(inspected: Plant) -> None:
    tighter = Characteristic(
        "moisture",
        CharacteristicKind.VARIABLE,
        nominal=Decimal("12.0"),
        lsl=Decimal("11.0"),
        usl=Decimal("13.8"),
        unit="%",
        decimals=2,
    )
    with inspected.uow() as uow:
        inspections.add_plan(
            uow, actor=inspected.actor, product="FLOUR", step="receive", characteristics=[tighter]
        )
    with inspected.uow() as uow:
        inspections.record_inspection(
            uow,
            actor=inspected.actor,
            code="FLOUR/F-1",
            values={"moisture": ["12.01"]},
            inspected_at=START + timedelta(hours=2),
        )
    with inspected.uow() as uow:
        data = spc_data.series(
            uow, product="FLOUR", step="receive", characteristic="moisture", actor=inspected.actor
        )
    assert (data.lsl, data.usl) == (11.0, 13.8)
    assert len(data.subgroups) == 21
    assert data.subgroups[-1].values == (12.01,)
    # Subgroups of different sizes: the individuals chart plots each inspection's mean;
    # capability says why it cannot be had.
    result = analyse(data, kind=ChartType.IMR, rules=(Rule.LIMIT,))
    assert result.charts.charts[0].statistic[-1] == 12.01
    assert result.capability is None
    assert "differ in size" in result.capability_note
