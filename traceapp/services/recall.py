"""Recall drill: trace suspect lots both ways, list stock on site and FSMA 204 events, sign, hold."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    Uuid,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from traceapp.db import trace as queries
from traceapp.db import trace_walk as walk
from traceapp.db.models import (
    ErrorDeclaration,
    Event,
    EventItem,
    Inspection,
    Location,
    Lot,
    LotEdge,
    Party,
    Product,
    Signature,
    User,
)
from traceapp.db.models import Nonconformance as NonconformanceRow
from traceapp.db.repositories import Repository
from traceapp.db.trace_snapshot import trace_reader
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput, KnownError, NotFound, UnknownCode
from traceapp.domain.ids import LotId, new_uuid
from traceapp.domain.lots import USABLE_STATUSES, LotStatus
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import (
    RECORD_TYPE,
    CriticalTrackingEvent,
    CteKind,
    RecallResult,
    RecallTotals,
    StockOnSite,
    Suspect,
    SuspectKind,
    new_recall_id,
)
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.domain.timeutil import split_instant
from traceapp.domain.trace import Direction, ProcessedLot, TraceResult
from traceapp.services import conditions, dispositions, inspections
from traceapp.services.equipment_runs import ran_on
from traceapp.services.recording import find_lot, now_utc
from traceapp.services.signatures import Meaning, SignatureRefused, SignatureSummary
from traceapp.services.trace import TraceStart, trace_rows
from traceapp.services.users import LoginFailed, authenticate

if TYPE_CHECKING:
    from traceapp.reports.recall_pdf import RecallQuality


@dataclass(frozen=True, slots=True)
class _LotInfo:
    name: str
    lot_code: str
    gtin: str | None
    product_name: str
    status: str
    unit: str
    on_hand: Decimal
    location: str | None
    supplier: str | None
    supplier_lot_code: str | None
    made_at: str | None  # the station that assigned the lot code, when made here


def supplier_lot_of(uow: UnitOfWork, code: str) -> str | None:
    """The supplier's lot code of a received lot (None for a lot made here, or no such lot)."""
    row = find_lot(Repository(uow.session), code)
    return row.lot.supplier_lot_code if row is not None else None


def may_export(actor: Actor) -> None:
    """Refuse an actor who may not export reports (the FSMA 204 spreadsheet)."""
    require(actor.role, UseCase.EXPORT, username=actor.username)


def run_drill(
    uow: UnitOfWork,
    *,
    actor: Actor,
    reason: str,
    lots: Sequence[str] = (),
    supplier_lot: str | None = None,
    equipment: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> RecallResult:
    """A recall drill from suspect lots, a supplier's lot code, or equipment and a time window:
    the forward and backward traces (affected lots, customers, shipments) and the stock still on
    site. The FSMA 204 events and sensor excursions are not read yet (`events` and `excursions`
    are None): `gather_details` adds them for the reports. Reads only; nothing is recorded."""
    started = time.perf_counter()
    require(actor.role, UseCase.READ, username=actor.username)
    why = reason.strip()
    if not why:
        raise InvalidInput("A recall needs a reason.", hint="Say what is suspected and why.")
    reader = walk.TraceReader(uow.session)
    start, suspects, processed = _start(uow, reader, lots, supplier_lot, equipment, since, until)
    with queries.index_walks(uow.session), trace_reader(uow.session) as snapshot:
        forward = trace_rows(snapshot, start, Direction.FORWARD, started=started)
        backward = trace_rows(snapshot, start, Direction.BACKWARD)
    here = _lot_info(uow, [lot.id for lot in forward.lots if lot.on_hand.value > 0])
    on_site = tuple(
        StockOnSite(i.name, i.product_name, i.status, i.location, Quantity(i.on_hand, i.unit))
        for i in sorted(here.values(), key=lambda i: i.name)
        if i.on_hand > 0
    )
    totals = _totals(forward, len(on_site))
    drill_ms = (time.perf_counter() - started) * 1000
    run_at = now_utc()
    return RecallResult(
        recall_id=new_recall_id(run_at),
        reason=why,
        suspects=suspects,
        run_by=actor.username,
        run_at=run_at,
        drill_ms=round(drill_ms, 1),
        forward=forward,
        backward=backward,
        on_site=on_site,
        totals=totals,
        events=None,
        excursions=None,
        processed=processed,
    )


def gather_details(uow: UnitOfWork, drill: RecallResult) -> RecallResult:
    """The drill's result with the FSMA 204 events and the sensor excursions of every affected
    lot: what the spreadsheet, the PDF and a signature need (the hash binds them). The same
    recall id; a result that has them already comes back as it is."""
    if drill.complete:
        return drill
    reader = walk.TraceReader(uow.session)
    ids = [lot.id for lot in drill.forward.lots]
    events = critical_tracking_events(uow, reader, _lot_info(uow, ids))
    excursions = conditions.recall_excursions(uow.session, ids)
    return dataclasses.replace(drill, events=events, excursions=excursions)


def run_recall(
    uow: UnitOfWork,
    *,
    actor: Actor,
    reason: str,
    lots: Sequence[str] = (),
    supplier_lot: str | None = None,
    equipment: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> RecallResult:
    """The drill and its details in one: what the command line and the benchmark ask for."""
    drill = run_drill(
        uow,
        actor=actor,
        reason=reason,
        lots=lots,
        supplier_lot=supplier_lot,
        equipment=equipment,
        since=since,
        until=until,
    )
    return gather_details(uow, drill)


def _start(
    uow: UnitOfWork,
    reader: walk.TraceReader,
    lots: Sequence[str],
    supplier_lot: str | None,
    equipment: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[TraceStart, tuple[Suspect, ...], tuple[ProcessedLot, ...]]:
    given = sum(1 for x in (bool(lots), supplier_lot is not None, equipment is not None) if x)
    if given != 1:
        raise InvalidInput(
            "Start a recall from lots, a supplier lot code, or equipment with a time window.",
            hint="Give exactly one of them.",
        )
    if lots:
        repo = Repository(uow.session)
        chosen: dict[walk.RawId, Decimal | None] = {}
        names: list[str] = []
        for code in lots:
            row = find_lot(repo, code)
            if row is None:
                raise UnknownCode(code.strip())
            name = f"{row.product.part_number}/{row.lot.lot_code}"
            if reader.raw_id(row.lot.id) not in chosen:
                names.append(name)
            chosen[reader.raw_id(row.lot.id)] = None
        suspects = tuple(Suspect(SuspectKind.LOT, name) for name in names)
        return TraceStart(chosen, ", ".join(names)), suspects, ()
    if supplier_lot is not None:
        code = supplier_lot.strip()
        found = list(uow.session.scalars(select(Lot.id).where(Lot.supplier_lot_code == code)))
        if not found:
            raise NotFound(
                f"No lot was received with supplier lot code {code!r}.",
                hint="Check the code on the supplier's label or delivery note.",
            )
        start = TraceStart(dict.fromkeys(map(reader.raw_id, found)), f"supplier lot {code}")
        return start, (Suspect(SuspectKind.SUPPLIER_LOT, code),), ()
    assert equipment is not None
    if since is None or until is None:
        raise InvalidInput(
            "A recall from equipment needs a time window.", hint="Give --from and --to."
        )
    for moment in (since, until):
        split_instant(moment)  # refuses a time without an offset, with a clear message
    if until < since:
        raise InvalidInput(
            "The end of the time window is before its start.", hint="Swap --from and --to."
        )
    machine = queries.equipment_by_code(uow.session, equipment.strip())
    if machine is None:
        raise NotFound(
            f"There is no equipment {equipment!r}.", hint="Pick one from the location list."
        )
    amounts, processed = ran_on(uow.session, machine.id, since, until)
    window = f"between {since.isoformat()} and {until.isoformat()}"
    if not amounts:
        went_in = ", ".join(p.lot for p in processed)
        raise NotFound(
            f"No lot was made on {machine.code} {window}"
            + (f"; only consumed there: {went_in}." if went_in else "."),
            hint="Check the equipment and the time window.",
        )
    label = f"{machine.code} {since.isoformat()} – {until.isoformat()}"
    start = TraceStart({reader.raw_id(lot): amount for lot, amount in amounts.items()}, label)
    return start, (Suspect(SuspectKind.EQUIPMENT, machine.code, since, until),), processed


def _totals(forward: TraceResult, on_site: int) -> RecallTotals:
    shipped: Quantity | None = None
    upper = False
    for shipment in forward.shipments:
        if shipment.quantity is None:
            upper = True
            continue
        upper = upper or shipment.upper_bound
        shipped = shipment.quantity if shipped is None else shipped + shipment.quantity
    return RecallTotals(
        lots=len(forward.lots),
        shipped=shipped,
        shipped_upper_bound=upper,
        customers=len(forward.customers),
        shipments=len(forward.shipments),
        lots_on_site=on_site,
    )


def _among(column: Any, ids: Collection[uuid.UUID], dialect: str) -> ColumnElement[bool]:
    """`column` is one of `ids` (see `_among_raw`)."""
    return _among_raw(column, [walk.raw_id(dialect, i) for i in ids], dialect)


def _among_raw(column: Any, ids: Collection[walk.RawId], dialect: str) -> ColumnElement[bool]:
    """`column` is one of `ids` (as the database spells them), bound as ONE parameter: an IN
    list of 10,000 binds took longer to bind and plan than the query took to run (~0.2 s a
    statement on PostgreSQL). An array on PostgreSQL, a JSON array read by json_each on
    SQLite."""
    if dialect == "postgresql":
        listed = "{" + ",".join(ids) + "}"
        array = cast(bindparam(None, listed, type_=String), postgresql.ARRAY(Uuid(as_uuid=True)))
        return column == any_(array)  # type: ignore[no-any-return]
    values: Select[tuple[Any]] = select(literal_column("value")).select_from(
        func.json_each(bindparam(None, json.dumps(list(ids)), type_=String))
    )
    return column.in_(values)  # type: ignore[no-any-return]


def _raw(column: Any, dialect: str) -> Any:
    """An id column read as text, as `walk.raw_id` spells it: 40,000 events' ids are joined
    here, and text is made and hashed several times faster than uuid.UUID objects."""
    return cast(column, Text) if dialect == "postgresql" else type_coerce(column, String)


def _bare(column: Any) -> Any:
    """A column read without SQLAlchemy's result processing (converted by the caller)."""
    return type_coerce(column, NullType())


def _event_id(raw: walk.RawId) -> str:
    """The canonical (hyphenated) spelling of an event id read as text."""
    if len(raw) == 32:
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return raw


def _lot_info(uow: UnitOfWork, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, _LotInfo]:
    here = aliased(Location)
    made = aliased(Event)
    made_at = aliased(Location)
    supplier = aliased(Party)
    info: dict[uuid.UUID, _LotInfo] = {}
    if not ids:
        return info
    connection = uow.session.connection()
    rows = connection.execute(
        select(
            Lot.id,
            Product.part_number,
            Lot.lot_code,
            Product.gtin,
            Product.name,
            Lot.status,
            Lot.unit,
            Lot.on_hand,
            here.code,
            supplier.name,
            Lot.supplier_lot_code,
            made_at.code,
        )
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(here, here.id == Lot.location_id)
        .outerjoin(supplier, supplier.id == Lot.supplier_id)
        .outerjoin(made, made.id == Lot.created_event_id)
        .outerjoin(made_at, made_at.id == made.station_id)
        .where(_among(Lot.id, ids, connection.dialect.name))
    )
    for row in rows:
        info[row[0]] = _LotInfo(
            f"{row[1]}/{row[2]}", row[2], row[3], row[4], row[5], row[6],
            row[7], row[8], row[9], row[10], row[11],
        )  # fmt: skip
    return info


def _tlc_source(lot: _LotInfo) -> str | None:
    if lot.supplier is not None:
        return f"{lot.supplier} lot {lot.supplier_lot_code}" if lot.supplier_lot_code else None
    return lot.made_at


_ZONES: dict[int, timezone] = {}


def _when(moment: datetime, offset: int) -> datetime:
    """`join_instant` with one zone object per offset (41,344 events of a large recall)."""
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES[offset] = timezone(timedelta(minutes=offset))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


_SortKey = tuple[datetime, str, str, str]


@dataclass(frozen=True, slots=True)
class _EventRow:
    step: str
    event_time: datetime  # UTC
    offset: int
    reference_document: str | None
    station_id: walk.RawId | None
    party_id: walk.RawId | None


def critical_tracking_events(
    uow: UnitOfWork, reader: walk.TraceReader, info: dict[uuid.UUID, _LotInfo]
) -> tuple[CriticalTrackingEvent, ...]:
    """The receiving, transformation and shipping events of the lots in `info`, with their FSMA
    204 key data elements.

    A few statements over all the lots, each one index lookup per id (the ids bound as one
    array), joined here: the lots' event items and parent edges, then their events, the parent
    lots, stations and parties by primary key. One statement joining them all had PostgreSQL
    plan hash joins over whole tables (2.8 s for 10,000 lots on the 1,000,000-lot plant)."""
    if not info:
        return ()
    connection = uow.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Each statement is a few index scans; compiling them (JIT, chosen from the row
        # estimates of a 10,000-id array) took 0.2-0.4 s a statement. This transaction only.
        connection.exec_driver_sql("SET LOCAL jit = off")
    lots = {walk.raw_id(dialect, lot_id): lot for lot_id, lot in info.items()}
    # Quantities and times as the driver gives them, converted as the trace reader does (its
    # converters agree with SQLAlchemy's to the digit, and remember repeated quantities).
    decimal, instant = reader.decimal, reader.instant
    items: Sequence[Any] = connection.execute(
        select(
            _raw(EventItem.event_id, dialect),
            _raw(EventItem.lot_id, dialect),
            EventItem.role,
            _bare(EventItem.quantity),
            EventItem.unit,
        ).where(_among_raw(EventItem.lot_id, lots, dialect))
    ).all()
    edges: Sequence[Any] = connection.execute(
        select(
            _raw(LotEdge.event_id, dialect),
            _raw(LotEdge.child_lot_id, dialect),
            _raw(LotEdge.parent_lot_id, dialect),
            _bare(LotEdge.quantity),
            LotEdge.unit,
        ).where(
            _among_raw(LotEdge.child_lot_id, lots, dialect), LotEdge.voided_by_event_id.is_(None)
        )
    ).all()
    event_ids = {edge[0] for edge in edges} | {item[0] for item in items}
    events: dict[walk.RawId, _EventRow] = {
        r[0]: _EventRow(r[1], instant(r[2]), r[3], r[4], r[5], r[6])
        for r in connection.execute(
            select(
                _raw(Event.id, dialect),
                Event.step,
                _bare(Event.event_time),
                Event.event_tz_offset_minutes,
                Event.reference_document,
                _raw(Event.station_id, dialect),
                _raw(Event.party_id, dialect),
            ).where(_among_raw(Event.id, event_ids, dialect))
        )
    }
    # Events declared in error are left out (their corrections are events of their own).
    for (declared,) in connection.execute(
        select(_raw(ErrorDeclaration.event_id, dialect)).where(
            _among_raw(ErrorDeclaration.event_id, event_ids, dialect)
        )
    ):
        events.pop(declared, None)
    parents = {
        r[0]: (f"{r[1]}/{r[2]}", r[3], r[4])
        for r in connection.execute(
            select(_raw(Lot.id, dialect), Product.part_number, Lot.lot_code, Product.name, Lot.unit)
            .join(Product, Product.id == Lot.product_id)
            .where(_among_raw(Lot.id, {edge[2] for edge in edges}, dialect))
        )
    }
    places = _places(connection, dialect, events.values())
    keyed: list[tuple[_SortKey, CriticalTrackingEvent]] = []
    kind, receiving = CteKind.RECEIVING, CteKind.RECEIVING.value
    receive = HandlingStep.RECEIVE.value
    output = ItemRole.OUTPUT.value
    made_here: dict[tuple[walk.RawId, walk.RawId], tuple[Decimal | None, str | None]] = {}
    for event_id, lot_id, role, bare_quantity, unit in items:
        quantity = decimal(bare_quantity)
        event = events.get(event_id)
        if event is None:
            continue
        if role == output:
            made_here[(event_id, lot_id)] = (quantity, unit)
        if event.step != receive:
            continue
        lot = lots[lot_id]
        station, station_gln, _ = places.get(event.station_id, _NOWHERE)
        _, party_gln, party = places.get(event.party_id, _NOWHERE)
        keyed.append((
            (event.event_time, receiving, lot.name, ""),
            CriticalTrackingEvent(
                kind, _event_id(event_id), _when(event.event_time, event.offset), lot.name,
                lot.gtin, lot.lot_code, lot.product_name, quantity, unit, station, station_gln,
                party, party_gln, _tlc_source(lot), event.reference_document,
            ),
        ))  # fmt: skip
    kind, transformation = CteKind.TRANSFORMATION, CteKind.TRANSFORMATION.value
    for event_id, child_id, parent_id, bare_given, given_unit in edges:
        given = decimal(bare_given)
        event = events.get(event_id)
        if event is None:
            continue
        lot = lots[child_id]
        quantity, unit = made_here.get((event_id, child_id), (None, None))
        input_tlc, input_product, parent_unit = parents[parent_id]
        station, station_gln, _ = places.get(event.station_id, _NOWHERE)
        keyed.append((
            (event.event_time, transformation, lot.name, input_tlc),
            CriticalTrackingEvent(
                kind, _event_id(event_id), _when(event.event_time, event.offset), lot.name,
                lot.gtin, lot.lot_code, lot.product_name, quantity, unit, station, station_gln,
                None, None, station, event.reference_document, input_tlc=input_tlc,
                input_product=input_product, input_quantity=given,
                input_unit=given_unit or parent_unit,
            ),
        ))  # fmt: skip
    keyed += _shipping(connection, reader, lots)
    # Sorted by the UTC instants (one zone: compared without offsets), then kind and lots: the
    # same order as by the local times, several times faster for 40,000 events.
    keyed.sort(key=_first)
    return tuple(event for _key, event in keyed)


_NOWHERE: tuple[str | None, str | None, str | None] = (None, None, None)


def _places(
    connection: Connection, dialect: str, events: Iterable[_EventRow]
) -> dict[walk.RawId | None, tuple[str | None, str | None, str | None]]:
    """Stations (code, GLN, -) and parties (-, GLN, name) of the events, by id."""
    stations: set[walk.RawId] = set()
    parties: set[walk.RawId] = set()
    for event in events:
        if event.station_id is not None:
            stations.add(event.station_id)
        if event.party_id is not None:
            parties.add(event.party_id)
    found: dict[walk.RawId | None, tuple[str | None, str | None, str | None]] = {}
    if stations:
        for r in connection.execute(
            select(_raw(Location.id, dialect), Location.code, Location.gln).where(
                _among_raw(Location.id, stations, dialect)
            )
        ):
            found[r[0]] = (r[1], r[2], None)
    if parties:
        for row in connection.execute(
            select(_raw(Party.id, dialect), Party.gln, Party.name).where(
                _among_raw(Party.id, parties, dialect)
            )
        ):
            found[row[0]] = (None, row[1], row[2])
    return found


def _first(pair: tuple[_SortKey, CriticalTrackingEvent]) -> _SortKey:
    return pair[0]


def _shipping(
    connection: Connection, reader: walk.TraceReader, lots: dict[walk.RawId, _LotInfo]
) -> list[tuple[_SortKey, CriticalTrackingEvent]]:
    """Shipping events, loose or in a container that left while the lot was in it: the same
    container walk the trace uses, so a lot is on the shipments the trace names."""
    raw = list(lots)
    stays, _ = reader.held_in_containers(raw)
    lines = [line for line in reader.shipments_of(raw, stays) if not line.repeat]
    if not lines:
        return []
    dialect = connection.dialect.name
    station = aliased(Location)
    where: dict[walk.RawId, tuple[int, str | None, str | None, str | None]] = {}
    for r in connection.execute(
        select(
            _raw(Event.id, dialect),
            Event.event_tz_offset_minutes,
            station.code,
            station.gln,
            Party.gln,
        )
        .outerjoin(station, station.id == Event.station_id)
        .outerjoin(Party, Party.id == Event.party_id)
        .where(_among_raw(Event.id, {line.event_id for line in lines}, dialect))
    ):
        where[r[0]] = (r[1], r[2], r[3], r[4])
    rows: list[tuple[_SortKey, CriticalTrackingEvent]] = []
    kind, shipping = CteKind.SHIPPING, CteKind.SHIPPING.value
    for line in lines:
        offset, location, gln, customer_gln = where[line.event_id]
        lot = lots[line.lot_id]
        rows.append((
            (line.shipped_at, shipping, lot.name, ""),
            CriticalTrackingEvent(
                kind, _event_id(line.event_id), _when(line.shipped_at, offset), lot.name,
                lot.gtin, lot.lot_code, lot.product_name, line.quantity,
                lot.unit if line.quantity is not None else None, location, gln,
                line.customer_name, customer_gln, _tlc_source(lot), line.reference_document,
            ),
        ))  # fmt: skip
    return rows


# What a recall report's signer may say the signature means (21 CFR 11.50: review, approval,
# authorship...); "released" and "rejected" belong to lot decisions.
RECALL_MEANINGS = (Meaning.APPROVED, Meaning.REVIEWED, Meaning.VERIFIED, Meaning.AUTHORED)


def sign_off(
    uow: UnitOfWork,
    *,
    result: RecallResult,
    signer: str,
    password: str,
    meaning: Meaning = Meaning.APPROVED,
) -> SignatureSummary:
    """The signer answers for the recall report: a signature bound to the result's SHA-256,
    with its meaning (approved, reviewed, verified, authored)."""
    if meaning not in RECALL_MEANINGS:
        raise InvalidInput(
            f"A recall report is not signed as {meaning.value!r}.",
            hint="Sign it as " + ", ".join(m.value for m in RECALL_MEANINGS) + ".",
        )
    digest = result.sha256()  # a drill result without its events is refused here, unsigned
    try:
        person = authenticate(uow, username=signer, password=password)
    except LoginFailed as exc:
        raise SignatureRefused(
            "The signature was not accepted: user name or password is wrong.",
            hint="Type them again. Nothing was signed.",
        ) from exc
    require(person.role, UseCase.EXPORT, username=person.username)
    uow.restart()
    user = uow.session.get_one(User, person.user_id)
    uow.acting(person, reason=f"signature: recall sign-off {result.recall_id} ({meaning.value})")
    signature = Signature(
        id=new_uuid(),
        user_id=user.id,
        printed_name=user.full_name,
        signed_at=now_utc(),
        meaning=meaning.value,
        record_type=RECORD_TYPE,
        record_id=result.recall_id,
        record_hash=digest,
    )
    uow.session.add(signature)
    uow.commit()
    return SignatureSummary(
        id=signature.id,
        printed_name=signature.printed_name,
        username=user.username,
        signed_at=signature.signed_at,
        meaning=meaning,
        record_type=RECORD_TYPE,
        record_id=result.recall_id,
        record_hash=signature.record_hash,
    )


@dataclass(frozen=True, slots=True)
class HoldRefusal:
    lot: str  # PART/LOT
    why: str  # the service's message and hint


@dataclass(frozen=True, slots=True)
class HoldReport:
    held: tuple[str, ...]
    skipped: tuple[str, ...]  # already stopped when the drill ran: on hold, rejected, ...
    refused: tuple[HoldRefusal, ...] = ()  # refused when it was tried (held meanwhile, ...)
    not_tried: tuple[str, ...] = ()  # `on_lot` said stop before these were reached


def hold_event_id(recall_id: str, lot: str) -> uuid.UUID:
    """One hold event per recall and lot: holding again after a partial failure does not hold a
    lot twice (the dispositions service replays a known event id)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"traceapp:recall-hold:{recall_id}:{lot}")


def hold_affected(
    uow: UnitOfWork,
    *,
    actor: Actor,
    result: RecallResult,
    reason: str | None = None,
    on_lot: Callable[[int, int, str], bool] | None = None,
) -> HoldReport:
    """Hold every affected lot still on site and usable, each through `dispositions.hold` in
    its own transaction, with the reason "recall RC-...: <reason>" (default: the recall's).

    A lot the service refuses does not stop the others: it is listed with why. `on_lot(done,
    total, lot)` is told before each lot is tried; when it returns False, the lots from there
    on are listed as not tried (a person pressed Cancel)."""
    require(actor.role, UseCase.HOLD, username=actor.username)
    why = (reason if reason is not None else result.reason).strip()
    if not why:
        raise InvalidInput("A hold needs a reason.", hint="Say what is suspected and why.")
    held: list[str] = []
    skipped: list[str] = []
    refused: list[HoldRefusal] = []
    usable: list[str] = []
    for stock in result.on_site:
        if LotStatus(stock.status) in USABLE_STATUSES:
            usable.append(stock.lot)
        else:
            skipped.append(f"{stock.lot} ({stock.status.replace('_', ' ')})")
    for done, lot in enumerate(usable):
        if on_lot is not None and not on_lot(done, len(usable), lot):
            return HoldReport(tuple(held), tuple(skipped), tuple(refused), tuple(usable[done:]))
        try:
            dispositions.hold(
                uow,
                actor=actor,
                code=lot,
                reason=f"recall {result.recall_id}: {why}",
                event_id=hold_event_id(result.recall_id, lot),
            )
        except KnownError as exc:
            uow.restart()
            refused.append(HoldRefusal(lot, f"{exc.message} {exc.hint or ''}".strip()))
        else:
            held.append(lot)
    return HoldReport(tuple(held), tuple(skipped), tuple(refused))


QUALITY_CHUNK = 500  # lot ids per statement when finding the lots with quality records


def quality_of(uow: UnitOfWork, result: RecallResult) -> RecallQuality:
    """The inspections and nonconformances of every lot of the recall (forward and backward),
    oldest first per lot, for the report. A few statements find the lots that have any; only
    those are read in full."""
    from traceapp.reports.recall_pdf import RecallQuality  # reportlab: only for the report

    names = {lot.id: lot.name for lot in (*result.backward.lots, *result.forward.lots)}
    ids = list(names)
    inspected: set[uuid.UUID] = set()
    opened: set[uuid.UUID] = set()
    session = uow.session
    for start in range(0, len(ids), QUALITY_CHUNK):
        chunk = ids[start : start + QUALITY_CHUNK]
        inspected.update(
            session.scalars(
                select(Inspection.lot_id).where(Inspection.lot_id.in_(chunk)).distinct()
            )
        )
        opened.update(
            session.scalars(
                select(NonconformanceRow.lot_id)
                .where(NonconformanceRow.lot_id.in_(chunk))
                .distinct()
            )
        )
    by_name = sorted(names, key=lambda lot_id: names[lot_id])
    return RecallQuality(
        inspections=tuple(
            record
            for lot_id in by_name
            if lot_id in inspected
            for record in inspections._inspections(uow, LotId(lot_id), names[lot_id])
        ),
        nonconformances=tuple(
            nc
            for lot_id in by_name
            if lot_id in opened
            for nc in inspections._nonconformances(uow, LotId(lot_id), names[lot_id])
        ),
    )
