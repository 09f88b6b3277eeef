"""Data for the SPC views: a product's numeric characteristics and their subgroups per inspection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from traceapp.db.models import (
    Inspection,
    InspectionCharacteristic,
    InspectionMeasurement,
    InspectionPlan,
    Lot,
    Product,
)
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import NotFound
from traceapp.domain.inspections import CharacteristicKind
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.spc.series import SpcCharacteristic, SpcSeries, SpcSubgroup
from traceapp.domain.timeutil import join_instant
from traceapp.services.recording import require_product

NUMERIC = (CharacteristicKind.VARIABLE.value, CharacteristicKind.COUNT.value)
MAX_SUBGROUPS = 1_000  # the newest; a chart of more points is unreadable and slow to draw


def products_with_plans(uow: UnitOfWork, *, actor: Actor) -> tuple[str, ...]:
    """Part numbers of the products that have an inspection plan with a numeric characteristic."""
    require(actor.role, UseCase.READ, username=actor.username)
    query = (
        select(Product.part_number)
        .join(InspectionPlan, InspectionPlan.product_id == Product.id)
        .join(InspectionCharacteristic, InspectionCharacteristic.plan_id == InspectionPlan.id)
        .where(InspectionCharacteristic.kind.in_(NUMERIC))
        .distinct()
        .order_by(Product.part_number)
    )
    return tuple(uow.session.scalars(query))


def characteristics(
    uow: UnitOfWork, *, product: str, actor: Actor
) -> tuple[SpcCharacteristic, ...]:
    """The numeric characteristics of every version of a product's plans, by step and name."""
    require(actor.role, UseCase.READ, username=actor.username)
    found = require_product(Repository(uow.session), product)
    rows = uow.session.execute(
        select(
            InspectionPlan.step,
            InspectionCharacteristic.name,
            InspectionCharacteristic.kind,
            InspectionCharacteristic.unit,
            InspectionPlan.version,
        )
        .join(InspectionCharacteristic, InspectionCharacteristic.plan_id == InspectionPlan.id)
        .where(InspectionPlan.product_id == found.id, InspectionCharacteristic.kind.in_(NUMERIC))
        .order_by(InspectionPlan.step, InspectionPlan.version)
    ).all()
    newest: dict[tuple[str, str], SpcCharacteristic] = {}
    for step, name, kind, unit, _version in rows:  # later versions overwrite: their unit counts
        newest[(step, name.casefold())] = SpcCharacteristic(
            found.part_number, step, name, kind, unit
        )
    return tuple(sorted(newest.values(), key=lambda c: (c.step, c.name.casefold())))


def series(
    uow: UnitOfWork,
    *,
    product: str,
    step: str,
    characteristic: str,
    actor: Actor,
    limit: int = MAX_SUBGROUPS,
) -> SpcSeries:
    """Every inspection's samples of one characteristic (any plan version), oldest first.

    One subgroup per inspection, so each point on a chart names the lot it was measured on.
    Spec limits are the newest plan version's.
    """
    require(actor.role, UseCase.READ, username=actor.username)
    session = uow.session
    found = require_product(Repository(session), product)
    name_key = characteristic.strip().casefold()
    plans = (
        select(InspectionCharacteristic.id)
        .join(InspectionPlan, InspectionPlan.id == InspectionCharacteristic.plan_id)
        .where(
            InspectionPlan.product_id == found.id,
            InspectionPlan.step == step,
            func.lower(InspectionCharacteristic.name) == name_key,
            InspectionCharacteristic.kind.in_(NUMERIC),
        )
    )
    spec = session.execute(
        select(
            InspectionCharacteristic.name,
            InspectionCharacteristic.unit,
            InspectionCharacteristic.nominal,
            InspectionCharacteristic.lsl,
            InspectionCharacteristic.usl,
        )
        .join(InspectionPlan, InspectionPlan.id == InspectionCharacteristic.plan_id)
        .where(InspectionCharacteristic.id.in_(plans))
        .order_by(InspectionPlan.version.desc())
        .limit(1)
    ).first()
    if spec is None:
        raise NotFound(
            f"{found.part_number} has no numeric characteristic {characteristic!r} at step {step}.",
            hint="Pick one of the characteristics its inspection plans list.",
        )
    newest = (
        select(Inspection.id)
        .join(InspectionMeasurement, InspectionMeasurement.inspection_id == Inspection.id)
        .where(
            InspectionMeasurement.characteristic_id.in_(plans),
            InspectionMeasurement.value.is_not(None),
        )
        .group_by(Inspection.id, Inspection.inspected_at)
        .order_by(Inspection.inspected_at.desc(), Inspection.id.desc())
        .limit(limit)
    )
    rows = session.execute(
        select(
            Inspection.id,
            Inspection.inspected_at,
            Inspection.tz_offset_minutes,
            Lot.id,
            Lot.lot_code,
            InspectionMeasurement.value,
        )
        .join(InspectionMeasurement, InspectionMeasurement.inspection_id == Inspection.id)
        .join(Lot, Lot.id == Inspection.lot_id)
        .where(
            Inspection.id.in_(newest),
            InspectionMeasurement.characteristic_id.in_(plans),
            InspectionMeasurement.value.is_not(None),
        )
        .order_by(Inspection.inspected_at, Inspection.id, InspectionMeasurement.sample)
    ).all()
    groups: dict[uuid.UUID, list[float]] = {}
    heads: dict[uuid.UUID, tuple[uuid.UUID, str, datetime]] = {}
    for inspection_id, at, offset, lot_id, lot_code, value in rows:
        if value is None:  # excluded by the query; the column may hold none for attributes
            continue
        groups.setdefault(inspection_id, []).append(float(value))
        heads.setdefault(
            inspection_id, (lot_id, f"{found.part_number}/{lot_code}", join_instant(at, offset))
        )
    subgroups = tuple(
        SpcSubgroup(
            number=number,
            values=tuple(values),
            inspection_id=inspection_id,
            lot_ids=(heads[inspection_id][0],),
            lots=(heads[inspection_id][1],),
            inspected_at=heads[inspection_id][2],
        )
        for number, (inspection_id, values) in enumerate(groups.items(), start=1)
    )
    return SpcSeries(
        product=found.part_number,
        step=step,
        characteristic=spec.name,
        unit=spec.unit,
        nominal=_float(spec.nominal),
        lsl=_float(spec.lsl),
        usl=_float(spec.usl),
        subgroups=subgroups,
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def lots_of(subgroups: Sequence[SpcSubgroup], numbers: Sequence[int]) -> tuple[uuid.UUID, ...]:
    """The lots behind the given 1-based points, each once."""
    by_number = {g.number: g for g in subgroups}
    return tuple(
        dict.fromkeys(lot for n in numbers if n in by_number for lot in by_number[n].lot_ids)
    )
