"""Inspection plans and inspections: a failed inspection opens a nonconformance and holds the lot."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select

from traceapp.db.audit_log import lock_head
from traceapp.db.models import (
    Inspection,
    InspectionCharacteristic,
    InspectionMeasurement,
    InspectionPlan,
    Location,
    Lot,
    Product,
    Signature,
    User,
)
from traceapp.db.models import Nonconformance as NonconformanceRow
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import SYSTEM_USERNAME, Actor
from traceapp.domain.dispositions import ALLOWED_FROM, CLOSED, Decision
from traceapp.domain.errors import InvalidInput, NotFound
from traceapp.domain.ids import LotId, new_uuid
from traceapp.domain.inspections import (
    FAILED,
    MAX_SAMPLE_SIZE,
    NAME_PATTERN,
    PASSED,
    Characteristic,
    CharacteristicKind,
    Check,
    InspectionOutcome,
    InspectionRecord,
    InspectionRefused,
    Nonconformance,
    PlanVersion,
    failures,
)
from traceapp.domain.lots import LotStatus
from traceapp.domain.nonconformances import NcDisposition, NonconformanceEntry
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.timeutil import join_instant, split_instant
from traceapp.services import dispositions
from traceapp.services.masterdata import actor_for
from traceapp.services.recording import (
    MAX_TEXT,
    clean_text,
    lot_name,
    now_utc,
    require_lot,
    require_product,
    station_time,
)
from traceapp.services.signatures import Meaning, SignatureRefused, record_hash
from traceapp.services.users import LoginFailed, authenticate

MAX_STEP = 40
MAX_ENTERED = 80  # one typed or gauge-sent value
RULE_PREFIX = "inspection failed: "
MAX_RULE = dispositions.MAX_RULE
OPEN = "open"


def normalise_step(step: str) -> str:
    """A plan's step as stored: 'Final ' and 'final' are one step."""
    text = step.strip().casefold()
    if not text or len(text) > MAX_STEP or not NAME_PATTERN.match(text):
        raise InvalidInput(
            f"{step!r} cannot name an inspection step.",
            hint=f"Use up to {MAX_STEP} letters, digits, '_', '-' or '.', e.g. receive or final.",
        )
    return text


def add_plan(
    uow: UnitOfWork,
    *,
    actor: Actor,
    product: str,
    step: str,
    characteristics: Sequence[Characteristic],
    sample_size: int = 1,
) -> PlanVersion:
    """Add the first version of a product's plan at a step, or its next version (which becomes
    the active one). Versions in use are never edited: inspections keep the one they used."""
    require(actor.role, UseCase.MANAGE_PLANS, username=actor.username)
    step_key = normalise_step(step)
    if not characteristics:
        raise InvalidInput("A plan needs at least one characteristic.")
    names = [c.name.casefold() for c in characteristics]
    doubled = sorted({c.name for c in characteristics if names.count(c.name.casefold()) > 1})
    if doubled:
        raise InvalidInput(f"The plan names {', '.join(doubled)} more than once.")
    if not 1 <= sample_size <= MAX_SAMPLE_SIZE:
        raise InvalidInput(f"The sample size must be 1 to {MAX_SAMPLE_SIZE}, not {sample_size}.")
    session = uow.session
    lock_head(session)  # writers queue at the audit head first: two new versions cannot collide
    found = require_product(Repository(session), product)
    latest = session.scalar(
        select(func.max(InspectionPlan.version)).where(
            InspectionPlan.product_id == found.id, InspectionPlan.step == step_key
        )
    )
    version = (latest or 0) + 1
    uow.acting(actor, reason=f"inspection plan {found.part_number} @ {step_key} v{version}")
    for previous in session.scalars(
        select(InspectionPlan).where(
            InspectionPlan.product_id == found.id,
            InspectionPlan.step == step_key,
            InspectionPlan.active.is_(True),
        )
    ):
        previous.active = False  # the one change a used version gets: it is no longer the plan
    row = InspectionPlan(
        id=new_uuid(),
        product_id=found.id,
        step=step_key,
        version=version,
        sample_size=sample_size,
        active=True,
        created_at=now_utc(),
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    for position, characteristic in enumerate(characteristics, start=1):
        session.add(_characteristic_row(row.id, position, characteristic))
    uow.commit()
    return _plans(uow, [row])[0]


def _characteristic_row(
    plan_id: uuid.UUID, position: int, c: Characteristic
) -> InspectionCharacteristic:
    attribute = c.kind is CharacteristicKind.ATTRIBUTE
    return InspectionCharacteristic(
        id=new_uuid(),
        plan_id=plan_id,
        position=position,
        name=c.name,
        kind=c.kind.value,
        nominal=c.nominal,
        lsl=c.lsl,
        usl=c.usl,
        unit=c.unit,
        decimals=c.decimals,
        answers=json.dumps(list(c.answers), ensure_ascii=False) if attribute else None,
        passing=json.dumps(list(c.passing), ensure_ascii=False) if attribute else None,
        max_count=c.max_count,
    )


def _characteristic(row: InspectionCharacteristic) -> Characteristic:
    return Characteristic(
        name=row.name,
        kind=CharacteristicKind(row.kind),
        nominal=row.nominal,
        lsl=row.lsl,
        usl=row.usl,
        unit=row.unit,
        decimals=row.decimals,
        answers=tuple(json.loads(row.answers)) if row.answers else (),
        passing=tuple(json.loads(row.passing)) if row.passing else (),
        max_count=row.max_count,
    )


def _plans(uow: UnitOfWork, rows: Sequence[InspectionPlan]) -> list[PlanVersion]:
    if not rows:
        return []
    session = uow.session
    ids = [row.id for row in rows]
    characteristics: dict[uuid.UUID, list[Characteristic]] = {plan_id: [] for plan_id in ids}
    for c in session.scalars(
        select(InspectionCharacteristic)
        .where(InspectionCharacteristic.plan_id.in_(ids))
        .order_by(InspectionCharacteristic.position)
    ):
        characteristics[c.plan_id].append(_characteristic(c))
    parts = dict(
        session.execute(
            select(Product.id, Product.part_number).where(
                Product.id.in_({row.product_id for row in rows})
            )
        ).all()
    )
    users = dict(
        session.execute(
            select(User.id, User.username).where(User.id.in_({row.created_by for row in rows}))
        ).all()
    )
    return [
        PlanVersion(
            id=row.id,
            product=parts[row.product_id],
            step=row.step,
            version=row.version,
            sample_size=row.sample_size,
            active=row.active,
            characteristics=tuple(characteristics[row.id]),
            created_at=row.created_at,
            created_by=users.get(row.created_by, "?"),
        )
        for row in rows
    ]


def plan_versions(
    uow: UnitOfWork, *, product: str, step: str | None = None, actor: Actor | None = None
) -> tuple[PlanVersion, ...]:
    """Every version of a product's plans (one step, or all), by step, oldest version first."""
    if actor is not None:
        require(actor.role, UseCase.READ, username=actor.username)
    found = require_product(Repository(uow.session), product)
    query = select(InspectionPlan).where(InspectionPlan.product_id == found.id)
    if step is not None:
        query = query.where(InspectionPlan.step == normalise_step(step))
    rows = uow.session.scalars(query.order_by(InspectionPlan.step, InspectionPlan.version)).all()
    return tuple(_plans(uow, rows))


def _active_row(uow: UnitOfWork, product: Product, step: str | None) -> InspectionPlan:
    query = select(InspectionPlan).where(
        InspectionPlan.product_id == product.id, InspectionPlan.active.is_(True)
    )
    if step is not None:
        query = query.where(InspectionPlan.step == normalise_step(step))
    rows = uow.session.scalars(query.order_by(InspectionPlan.step)).all()
    if not rows:
        where = f" at step {normalise_step(step)}" if step is not None else ""
        raise NotFound(
            f"{product.part_number} has no inspection plan{where}.",
            hint="A quality manager adds one (traceapp plan add).",
        )
    if len(rows) > 1:
        raise InvalidInput(
            f"{product.part_number} has plans at several steps: "
            f"{', '.join(row.step for row in rows)}.",
            hint="Say which step the inspection is for (--step).",
        )
    return rows[0]


def plan_for_lot(
    uow: UnitOfWork, code: str, *, step: str | None = None, actor: Actor | None = None
) -> PlanVersion:
    """The active plan a scanned lot is inspected by: its product's, at the step (which may be
    left out when the product has plans at one step only)."""
    if actor is not None:
        require(actor.role, UseCase.READ, username=actor.username)
    row = require_lot(Repository(uow.session), code)
    return _plans(uow, [_active_row(uow, row.product, step)])[0]


def record_inspection(
    uow: UnitOfWork,
    *,
    actor: Actor,
    code: str,
    values: Mapping[str, Sequence[str]],
    step: str | None = None,
    inspected_at: datetime | None = None,
) -> InspectionOutcome:
    """Record an inspection of a lot with every value, each checked against the active plan.

    All in one transaction: the inspection and its measurements and, when a value fails, a
    nonconformance and the lot's automatic hold by the system, naming the failed characteristics.
    Refused as a whole (nothing recorded) when a numeric reading is missing or an answer unknown.
    """
    require(actor.role, UseCase.INSPECT, username=actor.username)
    session = uow.session
    # Writers queue at the audit head first (the hold below takes it again, then the lot): no
    # deadlock between this inspection and another writer.
    lock_head(session)
    repo = Repository(session)
    row = require_lot(repo, code, lock=True)
    name = lot_name(row)
    status = LotStatus(row.lot.status)
    if status in CLOSED:
        raise InspectionRefused(
            f"Lot {name} is {status.value.replace('_', ' ').upper()}: there is nothing left to "
            "inspect.",
            hint="Inspect a lot that is still in the plant.",
        )
    plan_row = _active_row(uow, row.product, step)
    plan = _plans(uow, [plan_row])[0]
    too_long = [
        f"{key}={text[:20]}..."
        for key, texts in values.items()
        for text in texts
        if len(text.strip()) > MAX_ENTERED
    ]
    if too_long:
        raise InvalidInput(f"A value is longer than {MAX_ENTERED} characters: {too_long[0]}.")
    checks = plan.check_all(values)
    failed = failures(checks)
    moment = station_time(actor, inspected_at)
    instant, offset = split_instant(moment)
    uow.acting(actor, reason=f"inspection by {plan.label}")
    inspection = Inspection(
        id=new_uuid(),
        lot_id=row.lot.id,
        plan_id=plan_row.id,
        user_id=actor.user_id,
        station_id=actor.station_id,
        inspected_at=instant,
        tz_offset_minutes=offset,
        result=FAILED if failed else PASSED,
    )
    session.add(inspection)
    session.flush()
    char_ids = dict(
        session.execute(
            select(InspectionCharacteristic.name, InspectionCharacteristic.id).where(
                InspectionCharacteristic.plan_id == plan_row.id
            )
        ).all()
    )
    for check in checks:
        session.add(
            InspectionMeasurement(
                id=new_uuid(),
                inspection_id=inspection.id,
                characteristic_id=char_ids[check.characteristic],
                sample=check.sample,
                entered=check.entered,
                value=check.value,
                answer=check.answer,
                passed=check.passed,
                reason=check.reason,
            )
        )
    nc_id: uuid.UUID | None = None
    rule: str | None = None
    description = ""
    if failed:
        description = _clip("; ".join(c.reason for c in failed), MAX_TEXT)
        nc_id = new_uuid()
        session.add(
            NonconformanceRow(
                id=nc_id,
                lot_id=row.lot.id,
                inspection_id=inspection.id,
                description=f"Inspection by {plan.label} failed: {description}",
                status=OPEN,
                opened_at=now_utc(),
                closed_at=None,
            )
        )
    session.flush()  # audited now, in the inspector's name
    if failed and status in ALLOWED_FROM[Decision.HOLD]:
        names = ", ".join(dict.fromkeys(c.characteristic for c in failed))
        rule = _clip(RULE_PREFIX + names, MAX_RULE)
        # The hold's own step commits this transaction: inspection, nonconformance and hold
        # are stored together or not at all.
        dispositions.hold(
            uow,
            actor=_system_actor(uow, actor),
            code=name,
            reason=_clip(f"Inspection by {plan.label} failed: {description}", MAX_TEXT),
            rule=rule,
            event_time=moment,
        )
    else:
        # Passed, or failed on a lot already stopped (on hold, rejected, recalled): it stays so.
        uow.commit()
    record = next(r for r in _inspections(uow, LotId(row.lot.id), name) if r.id == inspection.id)
    nonconformance = next(
        (n for n in _nonconformances(uow, LotId(row.lot.id), name) if n.id == nc_id), None
    )
    session.refresh(row.lot)
    return InspectionOutcome(
        inspection=record,
        nonconformance=nonconformance,
        hold_rule=rule,
        lot_status=row.lot.status,
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _system_actor(uow: UnitOfWork, inspector: Actor) -> Actor:
    """TraceApp itself, at the inspector's station, for the automatic hold."""
    system = actor_for(uow, username=SYSTEM_USERNAME)
    return dataclasses.replace(
        system,
        station_id=inspector.station_id,
        station_code=inspector.station_code,
        utc_offset_minutes=inspector.utc_offset_minutes,
    )


def inspections_of(
    uow: UnitOfWork, code: str, *, actor: Actor | None = None
) -> tuple[InspectionRecord, ...]:
    """Every inspection of a lot, oldest first, with the plan version each one used."""
    if actor is not None:
        require(actor.role, UseCase.READ, username=actor.username)
    row = require_lot(Repository(uow.session), code)
    return _inspections(uow, LotId(row.lot.id), lot_name(row))


def nonconformances_of(
    uow: UnitOfWork, code: str, *, actor: Actor | None = None
) -> tuple[Nonconformance, ...]:
    """Every nonconformance opened on a lot, oldest first."""
    if actor is not None:
        require(actor.role, UseCase.READ, username=actor.username)
    row = require_lot(Repository(uow.session), code)
    return _nonconformances(uow, LotId(row.lot.id), lot_name(row))


def _inspections(uow: UnitOfWork, lot_id: LotId, name: str) -> tuple[InspectionRecord, ...]:
    session = uow.session
    rows = session.scalars(
        select(Inspection)
        .where(Inspection.lot_id == lot_id)
        .order_by(Inspection.inspected_at, Inspection.id)
    ).all()
    if not rows:
        return ()
    plans = {
        p.id: p
        for p in _plans(
            uow,
            session.scalars(
                select(InspectionPlan).where(InspectionPlan.id.in_({r.plan_id for r in rows}))
            ).all(),
        )
    }
    users = dict(
        session.execute(
            select(User.id, User.username).where(User.id.in_({r.user_id for r in rows}))
        ).all()
    )
    station_ids = {r.station_id for r in rows if r.station_id}
    stations = (
        dict(
            session.execute(
                select(Location.id, Location.code).where(Location.id.in_(station_ids))
            ).all()
        )
        if station_ids
        else {}
    )
    checks: dict[uuid.UUID, list[Check]] = {r.id: [] for r in rows}
    for measurement, characteristic in session.execute(
        select(InspectionMeasurement, InspectionCharacteristic.name)
        .join(
            InspectionCharacteristic,
            InspectionCharacteristic.id == InspectionMeasurement.characteristic_id,
        )
        .where(InspectionMeasurement.inspection_id.in_(list(checks)))
        .order_by(InspectionCharacteristic.position, InspectionMeasurement.sample)
    ).all():
        checks[measurement.inspection_id].append(
            Check(
                characteristic=characteristic,
                sample=measurement.sample,
                entered=measurement.entered,
                value=measurement.value,
                answer=measurement.answer,
                passed=measurement.passed,
                reason=measurement.reason,
            )
        )
    return tuple(
        InspectionRecord(
            id=r.id,
            lot_id=lot_id,
            lot=name,
            plan=plans[r.plan_id].label,
            plan_id=r.plan_id,
            plan_version=plans[r.plan_id].version,
            inspector=users.get(r.user_id, "?"),
            station=stations.get(r.station_id) if r.station_id else None,
            inspected_at=join_instant(r.inspected_at, r.tz_offset_minutes),
            result=r.result,
            checks=tuple(checks[r.id]),
        )
        for r in rows
    )


def _nonconformances(uow: UnitOfWork, lot_id: LotId, name: str) -> tuple[Nonconformance, ...]:
    rows = uow.session.scalars(
        select(NonconformanceRow)
        .where(NonconformanceRow.lot_id == lot_id)
        .order_by(NonconformanceRow.opened_at, NonconformanceRow.id)
    ).all()
    return tuple(
        Nonconformance(
            id=r.id,
            lot_id=lot_id,
            lot=name,
            inspection_id=r.inspection_id,
            description=r.description,
            status=r.status,
            opened_at=r.opened_at.astimezone(),
        )
        for r in rows
    )


# --- nonconformances: listed, and closed by quality (signed) -------------------------------------

NC_RECORD_TYPE = "nonconformance"
CLOSED_NC = "closed"
NC_LIST_LIMIT = 200


def close_nonconformance(
    uow: UnitOfWork,
    *,
    actor: Actor,
    nonconformance: uuid.UUID,
    disposition: NcDisposition,
    reason: str,
    signed_by: dispositions.SignedBy,
) -> NonconformanceEntry:
    """Close an open nonconformance with a disposition and a reason; the quality manager signs.

    Once: a closed one is refused. The closing, its audit entries and the signature are stored
    together. The lot's status is not changed here: release, reject or scrap it as a decision
    of its own (those are signed lot decisions).
    """
    require(actor.role, UseCase.DISPOSE, username=actor.username)
    why = clean_text(reason, field="reason")
    if why is None:
        raise InvalidInput(
            "Closing a nonconformance needs a reason.",
            hint="Say what was found and decided, e.g. 're-measured 13.2 %, gauge was off'.",
        )
    try:
        # A wrong password counts towards the signer's lockout (committed on its own).
        signer = authenticate(uow, username=signed_by.username, password=signed_by.password)
    except LoginFailed as exc:
        raise SignatureRefused(
            "The signature was not accepted: user name or password is wrong.",
            hint="Type them again. Nothing was recorded.",
        ) from exc
    require(signer.role, UseCase.DISPOSE, username=signer.username)
    uow.restart()  # the closing's own transaction starts from fresh reads
    session = uow.session
    lock_head(session)
    row = session.get(NonconformanceRow, nonconformance, with_for_update=True)
    if row is None:
        raise NotFound(
            f"There is no nonconformance {nonconformance}.", hint="Pick one from the list."
        )
    if row.status != OPEN:
        raise InvalidInput(
            f"The nonconformance was closed already ({row.disposition or '?'}).",
            hint="A closed nonconformance stays as it was closed; open a new one if needed.",
        )
    lot = Repository(session).lot_row(row.lot_id)
    name = lot_name(lot)
    at = now_utc()
    uow.acting(actor, reason=f"nonconformance closed, {disposition.label}: {why}")
    row.status = CLOSED_NC
    row.closed_at = at
    row.closed_by = signer.user_id
    row.disposition = disposition.value
    row.close_reason = why
    session.flush()
    user = session.get_one(User, signer.user_id)
    content = {
        "nonconformance": str(row.id),
        "lot": name,
        "description": row.description,
        "disposition": disposition.value,
        "reason": why,
        "closed_at": at.isoformat(),
        "closed_by": signer.username,
    }
    meaning = signed_by.meaning or Meaning.APPROVED
    uow.acting(signer, reason=f"signature: {meaning.value}")
    session.add(
        Signature(
            id=new_uuid(),
            user_id=user.id,
            printed_name=user.full_name,
            signed_at=at,
            meaning=meaning.value,
            record_type=NC_RECORD_TYPE,
            record_id=str(row.id),
            record_hash=record_hash(content),
        )
    )
    session.flush()
    uow.commit()
    return _entries(uow, [row])[0]


def nonconformance_list(
    uow: UnitOfWork, *, actor: Actor, only_open: bool = False, limit: int = NC_LIST_LIMIT
) -> tuple[NonconformanceEntry, ...]:
    """Nonconformances, open ones first, newest first within each; with their closing."""
    require(actor.role, UseCase.READ, username=actor.username)
    query = select(NonconformanceRow)
    if only_open:
        query = query.where(NonconformanceRow.status == OPEN)
    rows = uow.session.scalars(
        query.order_by(
            (NonconformanceRow.status == OPEN).desc(),
            NonconformanceRow.opened_at.desc(),
            NonconformanceRow.id,
        ).limit(limit)
    ).all()
    return _entries(uow, rows)


def nonconformance_entries_of(
    uow: UnitOfWork, code: str, *, actor: Actor | None = None
) -> tuple[NonconformanceEntry, ...]:
    """Every nonconformance of a lot with its closing, oldest first."""
    if actor is not None:
        require(actor.role, UseCase.READ, username=actor.username)
    row = require_lot(Repository(uow.session), code)
    rows = uow.session.scalars(
        select(NonconformanceRow)
        .where(NonconformanceRow.lot_id == row.lot.id)
        .order_by(NonconformanceRow.opened_at, NonconformanceRow.id)
    ).all()
    return _entries(uow, rows)


def _entries(uow: UnitOfWork, rows: Sequence[NonconformanceRow]) -> tuple[NonconformanceEntry, ...]:
    if not rows:
        return ()
    session = uow.session
    names = {
        lot_id: f"{part}/{code}"
        for lot_id, part, code in session.execute(
            select(Lot.id, Product.part_number, Lot.lot_code)
            .join(Product, Product.id == Lot.product_id)
            .where(Lot.id.in_({r.lot_id for r in rows}))
        )
    }
    closers = {r.closed_by for r in rows if r.closed_by is not None}
    users = (
        dict(session.execute(select(User.id, User.username).where(User.id.in_(closers))).all())
        if closers
        else {}
    )
    closed_ids = [str(r.id) for r in rows if r.status != OPEN]
    lines: dict[str, str] = {}
    if closed_ids:
        for signature, username in session.execute(
            select(Signature, User.username)
            .join(User, User.id == Signature.user_id)
            .where(Signature.record_type == NC_RECORD_TYPE, Signature.record_id.in_(closed_ids))
        ):
            lines[signature.record_id] = (
                f"{signature.meaning.capitalize()} by {signature.printed_name} ({username}) "
                f"on {signature.signed_at:%Y-%m-%d %H:%M} UTC"
            )
    return tuple(
        NonconformanceEntry(
            id=r.id,
            lot_id=LotId(r.lot_id),
            lot=names.get(r.lot_id, "?"),
            inspection_id=r.inspection_id,
            description=r.description,
            status=r.status,
            opened_at=r.opened_at.astimezone(),
            closed_at=r.closed_at.astimezone() if r.closed_at is not None else None,
            closed_by=users.get(r.closed_by) if r.closed_by is not None else None,
            disposition=NcDisposition(r.disposition) if r.disposition else None,
            close_reason=r.close_reason,
            signature=lines.get(str(r.id)),
        )
        for r in rows
    )
