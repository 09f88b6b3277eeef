"""Look up lots and containers by what a person scans or types."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from traceapp.db import trace as trace_queries
from traceapp.db.models import (
    Container,
    ContainerContent,
    ErrorDeclaration,
    Event,
    EventItem,
    Lot,
    LotEdge,
    Product,
)
from traceapp.db.repositories import LotRow, Repository
from traceapp.db.trace_walk import Stay, TraceReader, as_uuid
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.codes.errors import CodeError
from traceapp.domain.errors import AmbiguousCode, InvalidInput, NotFound, UnknownCode
from traceapp.domain.ids import EventId, LotId
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.results import (
    ContainerStay,
    ContainerSummary,
    GenealogyLink,
    LotDetail,
    LotQuery,
    LotSearch,
    LotSummary,
)
from traceapp.services.recording import find_container, find_lot
from traceapp.services.scans import ScanReading, read_scan
from traceapp.services.summaries import (
    container_summaries,
    event_summaries,
    lot_summaries,
    quantity,
)

EVENT_LIMIT = 500  # a lot's timeline; a lot with more says so rather than loading thousands
MAX_SEARCH_LIMIT = 5000
CLOCK_SKEW = timedelta(days=1)  # a station's clock may run this far ahead of the server's
RECORDING_DELAY = timedelta(days=31)  # the longest a made lot waits to be recorded (offline)


def _may_read(actor: Actor | None) -> None:
    # The CLI's read-only commands run without a login; a signed-in station names its user.
    if actor is not None:
        require(actor.role, UseCase.READ, username=actor.username)


def lot_detail(uow: UnitOfWork, code: str, *, actor: Actor | None = None) -> LotDetail:
    """Status, quantities, history, parents and children of the lot a code names."""
    _may_read(actor)
    repo = Repository(uow.session)
    row = find_lot(repo, code)
    if row is None:
        raise UnknownCode(code.strip())
    return _detail(uow, repo, row)


def lot_detail_by_id(uow: UnitOfWork, lot_id: uuid.UUID, *, actor: Actor) -> LotDetail:
    """The same record for a lot picked from a list or a graph (its id, never ambiguous)."""
    _may_read(actor)
    repo = Repository(uow.session)
    if uow.session.get(Lot, lot_id) is None:
        raise NotFound("That lot is not in the database.", hint="Search for it again.")
    return _detail(uow, repo, repo.lot_row(lot_id))


def _detail(uow: UnitOfWork, repo: Repository, row: LotRow) -> LotDetail:
    lot = row.lot
    summary = lot_summaries(repo, [(lot, row.product)])[0]
    rows = repo.events_of_lot(lot.id, limit=EVENT_LIMIT + 1)
    # The same walk and shipment rule as the trace, so the record and a recall agree.
    reader = TraceReader(uow.session)
    held, _containers = reader.held_in_containers([reader.raw_id(lot.id)])
    around = _container_events(uow, reader, held, {row.id for row in rows})
    events = event_summaries(repo, rows[:EVENT_LIMIT])
    origin = next((event for event in events if event.id == lot.created_event_id), None)
    if origin is None and lot.created_event_id is not None:
        created = repo.event(lot.created_event_id)
        origin = event_summaries(repo, [created])[0] if created is not None else None
    parents, children = repo.edges_of(lot.id)
    return LotDetail(
        lot=summary,
        events=events,
        parents=tuple(_links(parents, parent=True)),
        children=tuple(_links(children, parent=False)),
        containers=tuple(repo.open_containers_of_lot(lot.id)),
        consumed=quantity(sum((_amount(e.quantity) for e, _ in children), Decimal(0)), lot.unit),
        shipped=quantity(_shipped(reader, lot.id, held), lot.unit),
        origin_event=origin,
        container_stays=_stays(uow, lot.id, lot.unit),
        events_truncated=len(rows) > EVENT_LIMIT,
        container_events=event_summaries(repo, around),
    )


def _amount(value: Decimal | None) -> Decimal:
    return Decimal(value) if value is not None else Decimal(0)


def _container_events(
    uow: UnitOfWork, reader: TraceReader, held: list[Stay], own: set[uuid.UUID]
) -> list[Event]:
    """Events of containers the lot sat in (directly or nested) while it was inside: the pallet
    it was on being packed onto a truck or shipped. The lot's own events are left out."""
    stays: dict[uuid.UUID, list[tuple[datetime, datetime | None]]] = {}
    for stay in held:
        until = reader.instant(stay.until) if stay.until is not None else None
        stays.setdefault(as_uuid(stay.container_id), []).append((reader.instant(stay.since), until))
    if not stays:
        return []
    rows = uow.session.execute(
        select(Event, EventItem.container_id)
        .join(EventItem, EventItem.event_id == Event.id)
        .where(EventItem.container_id.in_(list(stays)))
        .order_by(Event.event_time, Event.recorded_at)
        .limit(EVENT_LIMIT)
    )
    found: dict[uuid.UUID, Event] = {}
    for event, container_id in rows:
        if event.id in own or container_id is None:
            continue
        # The packing that put the lot in is its own event; later container events count
        # while it is inside.
        moment = _aware(event.event_time)
        if any(
            since < moment and (until is None or moment < until)
            for since, until in stays[container_id]
        ):
            found.setdefault(event.id, event)
    return list(found.values())


def _shipped(reader: TraceReader, lot_id: uuid.UUID, held: list[Stay]) -> Decimal:
    """Loose shipments of the lot plus what sat in containers when they were shipped (each
    content row once per shipment, as the trace counts it)."""
    lines = reader.shipments_of([reader.raw_id(lot_id)], held)
    return sum((_amount(line.quantity) for line in lines if not line.repeat), Decimal(0))


def _stays(uow: UnitOfWork, lot_id: uuid.UUID, unit: str) -> tuple[ContainerStay, ...]:
    declared = select(ErrorDeclaration.event_id)
    rows = uow.session.execute(
        select(ContainerContent, Container)
        .join(Container, Container.id == ContainerContent.container_id)
        .where(ContainerContent.lot_id == lot_id, ContainerContent.packed_event_id.not_in(declared))
        .order_by(ContainerContent.packed_at)
    )
    return tuple(
        ContainerStay(
            code=container.code,
            kind=container.kind,
            status=container.status,
            quantity=quantity(content.quantity, content.unit or unit)
            if content.quantity is not None
            else None,
            since=_aware(content.packed_at),
            until=_aware(content.unpacked_at) if content.unpacked_at else None,
        )
        for content, container in rows
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC instants; PostgreSQL aware ones.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _links(rows: list[tuple[LotEdge, str]], *, parent: bool) -> list[GenealogyLink]:
    links = []
    for edge, name in rows:
        lot_id = edge.parent_lot_id if parent else edge.child_lot_id
        amount = quantity(edge.quantity or Decimal(0), edge.unit or "ea")
        links.append(
            GenealogyLink(
                lot=name, lot_id=LotId(lot_id), quantity=amount, event_id=EventId(edge.event_id)
            )
        )
    # The largest share first, as a person reads a recipe; then by name, so the order is stable.
    return sorted(links, key=lambda link: (-link.quantity.value, link.lot))


def container_summary(uow: UnitOfWork, code: str) -> ContainerSummary:
    repo = Repository(uow.session)
    container = find_container(repo, code)
    if container is None:
        raise UnknownCode(code.strip())
    return container_summaries(repo, [container])[0]


def escape_like(text: str) -> str:
    """Make % and _ typed by a person match themselves, not any text."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_lots(
    uow: UnitOfWork,
    *,
    limit: int = 200,
    text: str | None = None,
    status: str | None = None,
    actor: Actor | None = None,
) -> tuple[LotSummary, ...]:
    """Lots newest first, filtered by a code or part fragment and a status (bound parameters only)."""
    _may_read(actor)
    query = select(Lot, Product).join(Product, Product.id == Lot.product_id)
    if text:
        pattern = f"%{escape_like(text.strip())}%"
        full_name = Product.part_number + "/" + Lot.lot_code
        query = query.where(
            full_name.ilike(pattern, escape="\\")
            | Product.name.ilike(pattern, escape="\\")
            | Lot.supplier_lot_code.ilike(pattern, escape="\\")
        )
    if status:
        query = query.where(Lot.status == status)
    rows = uow.session.execute(query.order_by(Lot.created_at.desc()).limit(limit))
    return lot_summaries(Repository(uow.session), list(rows))


def search_lots(uow: UnitOfWork, *, actor: Actor, query: LotQuery) -> LotSearch:
    """Lots by code fragment, product, status and when they were made; a scan finds its lot.

    Text that names one lot or container exactly (a GS1 label, an SSCC, a bound RFID tag,
    PART/LOT or a unique lot code) is reported as `scanned_lot` / `scanned_container`; a
    container lists the lots inside it. Other text matches as a fragment, newest lots first,
    at most `limit` of them (`more` says others match).
    """
    _may_read(actor)
    if not 1 <= query.limit <= MAX_SEARCH_LIMIT:
        raise InvalidInput(f"Ask for 1 to {MAX_SEARCH_LIMIT} lots.")
    repo = Repository(uow.session)
    text = (query.text or "").strip()
    if text:
        reading = _reading(text)
        if reading is not None and reading.structured:
            return _scanned(uow, repo, text, query)
        if reading is not None:
            exact = _exact_lot(repo, text)
            # A scan or a full name: the lot (or the lots sharing that code) at once; a
            # fragment scan of a million lots would take seconds for the same answer.
            if isinstance(exact, LotSummary):
                return LotSearch(lots=(exact,), scanned_lot=exact)
            if exact:
                return LotSearch(lots=exact[: query.limit], more=len(exact) > query.limit)
            container = find_container(repo, text)
            if container is not None:
                return _container_search(uow, repo, container, query)
    lots, more = _matching(uow, query, text)
    return LotSearch(lots=lots, more=more)


def _reading(text: str) -> ScanReading | None:
    try:
        return read_scan(text)
    except CodeError:
        return None  # not a code (yet: the person is still typing); search it as a fragment
    except InvalidInput:
        return None


def _exact_lot(repo: Repository, text: str) -> LotSummary | tuple[LotSummary, ...] | None:
    """The lot the text names; the lots of several products that share the code; or None."""
    try:
        row = find_lot(repo, text)
    except AmbiguousCode:
        # Every lot with that exact code, from the index: no fragment scan needed.
        rows = repo.lots_by_code(text, None)
        return lot_summaries(repo, [(r.lot, r.product) for r in rows[:MAX_SEARCH_LIMIT]])
    return lot_summaries(repo, [(row.lot, row.product)])[0] if row is not None else None


def _scanned(uow: UnitOfWork, repo: Repository, text: str, query: LotQuery) -> LotSearch:
    """A structured label names its lot or container, or nothing: then say why."""
    row = find_lot(repo, text)
    if row is not None:
        exact = lot_summaries(repo, [(row.lot, row.product)])[0]
        return LotSearch(lots=(exact,), scanned_lot=exact)
    container = find_container(repo, text)
    if container is not None:
        return _container_search(uow, repo, container, query)
    raise UnknownCode(text)


def _container_search(
    uow: UnitOfWork, repo: Repository, container: Container, query: LotQuery
) -> LotSearch:
    held = trace_queries.contents_at(uow.session, container.id, None)
    lot_ids = list(dict.fromkeys(row.lot_id for row in held))
    if not lot_ids:  # emptied (or shipped and unpacked): what it ever held directly
        lot_ids = list(
            dict.fromkeys(
                uow.session.scalars(
                    select(ContainerContent.lot_id).where(
                        ContainerContent.container_id == container.id,
                        ContainerContent.lot_id.is_not(None),
                    )
                )
            )
        )
    rows = repo.lot_rows(lot_ids[: query.limit])
    lots = lot_summaries(repo, [(rows[i].lot, rows[i].product) for i in lot_ids if i in rows])
    return LotSearch(
        lots=lots,
        more=len(lot_ids) > query.limit,
        scanned_container=container_summaries(repo, [container])[0],
    )


def _matching(uow: UnitOfWork, query: LotQuery, text: str) -> tuple[tuple[LotSummary, ...], bool]:
    select_lots = select(Lot, Product).join(Product, Product.id == Lot.product_id)
    if text:
        pattern = f"%{escape_like(text)}%"
        full_name = Product.part_number + "/" + Lot.lot_code
        # SQLite's LIKE ignores ASCII case by itself (and its lower() knows no other letters):
        # ILIKE's lower() on both sides only doubles the work of scanning a million lots.
        sqlite = uow.dialect == "sqlite"

        def matches(column: Any) -> Any:
            if sqlite:
                return column.like(pattern, escape="\\")
            return column.ilike(pattern, escape="\\")

        select_lots = select_lots.where(
            matches(full_name) | matches(Product.name) | matches(Lot.supplier_lot_code)
        )
    if query.product:
        select_lots = select_lots.where(Product.part_number == query.product)
    if query.status is not None:
        select_lots = select_lots.where(Lot.status == query.status.value)
    if query.made_after is not None or query.made_before is not None:
        # When it was made is the time of the receipt or production, not when it was typed in.
        # The recording time (indexed) bounds the search: a lot is recorded after it is made
        # (allowing for clock skew) and within RECORDING_DELAY of it (offline backlogs).
        select_lots = select_lots.join(Event, Event.id == Lot.created_event_id)
        if query.made_after is not None:
            after = _stored(query.made_after)
            select_lots = select_lots.where(
                Event.event_time >= after, Lot.created_at >= after - CLOCK_SKEW
            )
        if query.made_before is not None:
            before = _stored(query.made_before)
            select_lots = select_lots.where(
                Event.event_time < before, Lot.created_at < before + RECORDING_DELAY
            )
    rows = list(
        uow.session.execute(
            select_lots.order_by(Lot.created_at.desc(), Lot.id).limit(query.limit + 1)
        )
    )
    more = len(rows) > query.limit
    return lot_summaries(Repository(uow.session), rows[: query.limit]), more


def _stored(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("A search time needs its UTC offset.")
    return moment.astimezone(UTC)
