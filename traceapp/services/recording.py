"""Shared machinery of the handling steps: names to rows, event writing, idempotent replays."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import Integer, Table, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from traceapp.db.audit_log import (
    ADVISORY_NAMESPACE,
    MissingAuditContext,
    append_entries,
    created,
)
from traceapp.db.models import (
    Container,
    Event,
    EventItem,
    Location,
    Lot,
    Party,
    Product,
    User,
)
from traceapp.db.repositories import LotRow, Repository
from traceapp.db.uow import UnitOfWork, is_transient
from traceapp.domain.actor import Actor
from traceapp.domain.errors import (
    EventIdConflict,
    InvalidInput,
    NotFound,
    StorageError,
    StorageUnavailable,
    UnknownCode,
)
from traceapp.domain.ids import EventId, new_uuid
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import EventItemSummary, EventSummary, StepResult
from traceapp.domain.steps import HandlingStep, ItemRole, vocabulary_for
from traceapp.domain.timeutil import join_instant, split_instant
from traceapp.services import station_cache
from traceapp.services.scans import (
    BoundTo,
    container_named,
    lot_named,
    lot_or_container_named,
    read_scan,
)
from traceapp.services.summaries import (
    container_summaries,
    event_summaries,
    lot_summaries,
    lot_summary,
    quantity,
)

MAX_TEXT = 2000  # reasons and reference documents: generous, but bounded
MAX_REFERENCE = 120


def now_utc() -> datetime:
    return datetime.now(UTC)


def station_time(actor: Actor, moment: datetime | None) -> datetime:
    """The event time: given, or now in the station's offset (or the machine's)."""
    if moment is not None:
        return moment
    if actor.utc_offset_minutes is not None:
        return now_utc().astimezone(timezone(timedelta(minutes=actor.utc_offset_minutes)))
    return now_utc().astimezone()


def clean_text(value: str | None, *, field: str, limit: int = MAX_TEXT) -> str | None:
    """Free text as stored: trimmed, bounded, without control characters that corrupt displays."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > limit:
        raise InvalidInput(
            f"The {field} is {len(text)} characters long; at most {limit} are allowed.",
            hint="Shorten it.",
        )
    if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in text):
        raise InvalidInput(f"The {field} contains control characters.", hint="Retype it.")
    return text


def require_product(repo: Repository, part_number: str) -> Product:
    part = part_number.strip()
    product = station_cache.by_code(repo.session, Product, part, lambda: repo.product_by_part(part))
    if product is None:
        raise NotFound(
            f"There is no product {part_number!r}.", hint="Add it to the product list first."
        )
    keep_loaded(repo.session, product)
    return product


def require_party(repo: Repository, code: str, *, kind: str) -> Party:
    text = code.strip()
    party = station_cache.by_code(repo.session, Party, text, lambda: repo.party_by_code(text))
    if party is None:
        raise NotFound(
            f"There is no {kind} {code!r}.", hint=f"Add the {kind} to the party list first."
        )
    if party.kind not in (kind, "both"):
        raise InvalidInput(
            f"{party.code} is a {party.kind}, not a {kind}.", hint=f"Pick a {kind} from the list."
        )
    keep_loaded(repo.session, party)
    return party


def require_location(
    repo: Repository, code: str, *, kinds: Sequence[str] | None = None
) -> Location:
    text = code.strip()
    location = station_cache.by_code(
        repo.session, Location, text, lambda: repo.location_by_code(text)
    )
    if location is None:
        raise NotFound(f"There is no location {code!r}.", hint="Pick one from the location list.")
    if kinds is not None and location.kind not in kinds:
        raise InvalidInput(
            f"{location.code} is a {location.kind}; a {' or '.join(kinds)} is needed here.",
            hint="Pick one from the location list.",
        )
    keep_loaded(repo.session, location)
    return location


def lot_name(row: LotRow) -> str:
    return f"{row.product.part_number}/{row.lot.lot_code}"


def find_lot(repo: Repository, code: str, *, lock: bool = False) -> LotRow | None:
    """The lot a code names: a bound code, a GS1 label (GTIN + lot), PART/LOTCODE, or a bare lot code."""
    reading = read_scan(code)
    lookups = _RepositoryLookups(repo, lock)
    return lot_named(lookups, reading, lookups.binding(reading.binding_keys))


def find_lot_or_container(repo: Repository, code: str) -> LotRow | Container | None:
    """The lot a code names (as `find_lot`), else the container (as `find_container`), with
    the scan read and its binding looked up once."""
    return lot_or_container_named(_RepositoryLookups(repo, lock=False), read_scan(code))


@dataclass(frozen=True, slots=True)
class _RepositoryLookups:
    """The look-ups of the code rules (`scans.lot_named`, ...) as ORM entities, locked for a
    change (`lock`) or not."""

    repo: Repository
    lock: bool

    def binding(self, keys: Sequence[str]) -> BoundTo | None:
        found = self.repo.first_active_binding(keys, now_utc())
        return (found.lot_id, found.container_id) if found is not None else None

    def lot(self, lot_id: uuid.UUID) -> LotRow:
        return self.repo.lot_row(lot_id, lock=self.lock)

    def part_by_gtin(self, gtin: str) -> str | None:
        product = self.repo.product_by_gtin(gtin)
        return product.part_number if product is not None else None

    def lots_by_code(self, lot_code: str, part_number: str | None) -> list[LotRow]:
        return self.repo.lots_by_code(lot_code, part_number, lock=self.lock)

    def lot_name(self, lot: LotRow) -> str:
        return lot_name(lot)

    def container(self, container_id: uuid.UUID) -> Container | None:
        return self.repo.session.get(Container, container_id)

    def container_by_code(self, code: str) -> Container | None:
        return self.repo.container_by_code(code, lock=self.lock)


def require_lot(repo: Repository, code: str, *, lock: bool = False) -> LotRow:
    row = find_lot(repo, code, lock=lock)
    if row is None:
        read_scan(code).refuse_if_unreadable()
        raise UnknownCode(code.strip())
    keep_loaded(repo.session, row.product)
    return row


def find_container(repo: Repository, code: str, *, lock: bool = False) -> Container | None:
    """The container a code names: a bound code, an SSCC label, or the container's own code."""
    reading = read_scan(code)
    lookups = _RepositoryLookups(repo, lock)
    return container_named(lookups, reading, lookups.binding(reading.binding_keys))


def new_event(
    uow: UnitOfWork,
    *,
    actor: Actor,
    step: HandlingStep,
    event_id: uuid.UUID | None,
    event_time: datetime | None,
    reason: str | None = None,
    reference_document: str | None = None,
    party_id: uuid.UUID | None = None,
    equipment_id: uuid.UUID | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    corrects_event_id: uuid.UUID | None = None,
    flush: bool = True,
) -> Event:
    """Add an immutable event row with the step's EPCIS vocabulary, inserted at once (`flush`).

    Rows added next point at the event, and both databases check foreign keys at each insert.
    A flush orders its inserts by model name, not by foreign key (no relationships here): the
    event comes before its items (`events.EventItem`) and the lots it makes
    (`inventory.Lot`), not before every other row. A step whose other rows all sort after the
    event passes `flush=False` and has them inserted together, in one flush.
    """
    vocabulary = vocabulary_for(step)
    instant, offset = split_instant(station_time(actor, event_time))
    event = Event(
        id=event_id or new_uuid(),
        step=step.value,
        event_type=vocabulary.event_type.value,
        action=vocabulary.action.value if vocabulary.action else None,
        biz_step=vocabulary.biz_step,
        disposition=vocabulary.disposition,
        event_time=instant,
        event_tz_offset_minutes=offset,
        recorded_at=now_utc(),
        station_id=actor.station_id,
        equipment_id=equipment_id,
        started_at=started_at,
        ended_at=ended_at,
        user_id=actor.user_id,
        party_id=party_id,
        reference_document=clean_text(
            reference_document, field="reference document", limit=MAX_REFERENCE
        ),
        reason=clean_text(reason, field="reason"),
        corrects_event_id=corrects_event_id,
    )
    uow.session.add(event)
    if flush:
        uow.session.flush()
    return event


def add_item(
    uow: UnitOfWork,
    event: Event,
    role: ItemRole,
    *,
    lot: Lot | None = None,
    container: Container | None = None,
    amount: Quantity | None = None,
) -> None:
    item = _new_item(event, role, lot, container, amount)
    uow.session.add(item)
    _written(uow.session).append((item, lot, container))


def _new_item(
    event: Event,
    role: ItemRole,
    lot: Lot | None,
    container: Container | None,
    amount: Quantity | None,
) -> EventItem:
    return EventItem(
        event_id=event.id,
        role=role.value,
        lot_id=lot.id if lot else None,
        container_id=container.id if container else None,
        quantity=amount.value if amount else None,
        unit=amount.unit if amount else None,
    )


EVENT_ITEMS = Table(EventItem.__tablename__, EventItem.metadata)  # the mapped table
_ITEM_COLUMNS = ("event_id", "role", "lot_id", "unit_id", "container_id", "quantity", "unit")


def insert_item(
    uow: UnitOfWork,
    event: Event,
    role: ItemRole,
    *,
    lot: Lot | None = None,
    amount: Quantity | None = None,
) -> None:
    """`add_item` for an event and lot already inserted: one Core INSERT now, no ORM flush.

    An item is append-only and nothing reads it back in the step (its answer is built from
    what `add_item` notes, as here); its audit entry is the one a flush would have noted.
    """
    if uow.audit is None:
        raise MissingAuditContext("an event item without an acting user")
    item = _new_item(event, role, lot, None, amount)
    session = uow.session
    session.connection().execute(
        insert(EVENT_ITEMS), {name: getattr(item, name) for name in _ITEM_COLUMNS}
    )
    append_entries(session, uow.audit, [created(item)])
    _written(session).append((item, lot, None))


# session.info key: the items this transaction's steps added, with the rows they name, so the
# step's answer is built from what was just written instead of read back (see written_result).
WRITTEN = "traceapp_written_items"
# Quantity columns keep six decimals: a value with more is rounded by the database, so its
# answer is read back from there (a replay must give the same figures).
STORED_DECIMALS = 6
KEPT = "traceapp_kept_rows"


def keep_loaded(session: Session, *rows: object) -> None:
    """Hold rows a step loaded until its answer is built (the session holds them only weakly),
    so the answer names them without reading them again."""
    session.info.setdefault(KEPT, []).extend(rows)


def forget_step(session: Session) -> None:
    session.info.pop(WRITTEN, None)
    session.info.pop(KEPT, None)


def _written(session: Session) -> list[tuple[EventItem, Lot | None, Container | None]]:
    written: list[tuple[EventItem, Lot | None, Container | None]] = session.info.setdefault(
        WRITTEN, []
    )
    return written


def step_result(
    uow: UnitOfWork,
    event: Event,
    *,
    replayed: bool = False,
) -> StepResult:
    """The result of a recorded step, rebuilt from what is stored (so a replay matches)."""
    repo = Repository(uow.session)
    items = repo.event_items([event.id])
    lot_rows = repo.lot_rows(item.lot_id for item in items if item.lot_id)
    ordered_lots = []
    seen: set[uuid.UUID] = set()
    for item in items:
        if item.lot_id and item.lot_id not in seen and item.lot_id in lot_rows:
            seen.add(item.lot_id)
            ordered_lots.append((lot_rows[item.lot_id].lot, lot_rows[item.lot_id].product))
    containers = [
        uow.session.get_one(Container, cid)
        for cid in dict.fromkeys(i.container_id for i in items if i.container_id)
    ]
    return StepResult(
        event=event_summaries(repo, [event])[0],
        lots=lot_summaries(repo, ordered_lots),
        containers=container_summaries(repo, containers),
        replayed=replayed,
    )


def _names(
    repo: Repository, model: type[Party] | type[Location] | type[User], ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Codes (usernames) by id: the rows loaded already, the station's copy, one query for
    the others."""
    return station_cache.codes_by_id(repo.session, model, ids)


def _fits_storage(value: Decimal | None) -> bool:
    if value is None:
        return True
    exponent = Decimal(value).as_tuple().exponent
    return isinstance(exponent, int) and -exponent <= STORED_DECIMALS


def written_result(uow: UnitOfWork, event: Event) -> StepResult | None:
    """The answer of a step just recorded in this transaction, from the rows it wrote.

    What `step_result` reads back, without reading it back: the event, its items (in the order
    added) and the lots and containers they name as they are now. Names of the places, parties
    and users come from the rows this transaction loaded, the rest in one query per kind. None
    when a figure would be rounded by the database (then the caller reads the stored one).
    A new event cannot have been corrected yet, so `corrected_by` is None.
    """
    session = uow.session
    written = [entry for entry in _written(session) if entry[0].event_id == event.id]
    lots: dict[uuid.UUID, Lot] = {}
    containers: dict[uuid.UUID, Container] = {}
    for item, lot, container in written:
        if not _fits_storage(item.quantity):
            return None
        if lot is not None:
            if not (_fits_storage(lot.on_hand) and _fits_storage(lot.initial_quantity)):
                return None
            lots.setdefault(lot.id, lot)
        if container is not None:
            containers.setdefault(container.id, container)
    repo = Repository(session)
    products: dict[uuid.UUID, Product] = {}
    for lot in lots.values():
        product = station_cache.by_id(session, Product, lot.product_id)
        products[lot.id] = product if product is not None else repo.get_product(lot.product_id)
    places = _names(
        repo,
        Location,
        {i for i in (event.station_id, event.equipment_id) if i}
        | {lot.location_id for lot in lots.values() if lot.location_id},
    )
    parties = _names(
        repo,
        Party,
        ({event.party_id} if event.party_id else set())
        | {lot.supplier_id for lot in lots.values() if lot.supplier_id},
    )
    users = _names(repo, User, {event.user_id} if event.user_id else set())
    labels = []
    for item, lot, container in written:
        if lot is not None:
            label = f"{products[lot.id].part_number}/{lot.lot_code}"
        elif container is not None:
            label = container.code
        else:
            label = item.external_ref or "?"
        amount = (
            quantity(item.quantity, item.unit) if item.quantity is not None and item.unit else None
        )
        labels.append(EventItemSummary(ItemRole(item.role), label, amount))
    summary = EventSummary(
        id=EventId(event.id),
        step=HandlingStep(event.step),
        event_type=event.event_type,
        action=event.action,
        biz_step=event.biz_step,
        disposition=event.disposition,
        event_time=join_instant(event.event_time, event.event_tz_offset_minutes),
        station=places.get(event.station_id) if event.station_id else None,
        user=users.get(event.user_id, "?") if event.user_id else "?",
        reason=event.reason,
        reference_document=event.reference_document,
        party=parties.get(event.party_id) if event.party_id else None,
        equipment=places.get(event.equipment_id) if event.equipment_id else None,
        items=tuple(labels),
        corrected_by=None,
    )
    lot_list = tuple(lot_summary(lot, products[lot.id], parties, places) for lot in lots.values())
    return StepResult(
        event=summary,
        lots=lot_list,
        containers=container_summaries(repo, list(containers.values())) if containers else (),
    )


MAX_ATTEMPTS = 3  # a step that lost a deadlock race is run again, from fresh reads


# Which permission each handling step needs.
STEP_USE_CASE = {
    HandlingStep.RECEIVE: UseCase.RECEIVE,
    HandlingStep.PRODUCE: UseCase.PRODUCE,
    HandlingStep.PACK: UseCase.PACK,
    HandlingStep.UNPACK: UseCase.UNPACK,
    HandlingStep.SHIP: UseCase.SHIP,
    HandlingStep.MOVE: UseCase.MOVE,
    HandlingStep.CORRECT: UseCase.CORRECT,
    HandlingStep.HOLD: UseCase.HOLD,
    HandlingStep.LIFT_HOLD: UseCase.LIFT_HOLD,
    HandlingStep.RELEASE: UseCase.RELEASE,
    HandlingStep.REJECT: UseCase.DISPOSE,
    HandlingStep.REWORK: UseCase.DISPOSE,
    HandlingStep.SCRAP: UseCase.DISPOSE,
}


def record_once(
    uow: UnitOfWork,
    *,
    actor: Actor,
    event_id: uuid.UUID | None,
    step: HandlingStep,
    apply: Callable[[], Event],
    reason: str | None = None,
) -> StepResult:
    """Run a step exactly once per event UUID: a resubmission returns what was recorded then.

    The actor's permission is checked first, and every row the step writes is audited in its name.
    """
    require(actor.role, STEP_USE_CASE[step], username=actor.username)
    uow.acting(actor, reason=reason)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return _record(uow, event_id=event_id, step=step, apply=apply)
        except OperationalError as exc:
            uow.restart()
            if is_transient(exc) and attempt < MAX_ATTEMPTS:
                continue
            raise StorageUnavailable(
                f"The database could not record the {step.value} step: {exc.orig}",
                hint="Nothing was saved. Try again; if it keeps failing, check the database server.",
            ) from exc
    raise AssertionError("unreachable: the last attempt returns or raises")


EVENT_ID_KEY_BITS = 31  # pg_advisory_xact_lock(int4, int4): the UUID's low bits, made signed


def begin_step(uow: UnitOfWork, event_id: uuid.UUID | None) -> bool:
    """Start recording a step: True when `event_id` is recorded already (then it is replayed).

    Once per transaction (again after a rollback): the event UUID's lock (PostgreSQL), then one
    statement that says whether the event is there and reads the master data version the
    station's copy is checked against (`station_cache`).
    """
    session = uow.session
    noted = station_cache.noted_step(session, event_id)
    if noted is not None:
        return noted
    if event_id is not None:
        claim_event_id(uow, event_id)
    exists, version = Repository(session).step_start(event_id)
    station_cache.note_step(session, event_id, exists=exists, version=version)
    return exists


_CLAIM = select(func.pg_advisory_xact_lock(ADVISORY_NAMESPACE + 1, bindparam("key", type_=Integer)))


def claim_event_id(uow: UnitOfWork, event_id: uuid.UUID) -> None:
    """Queue behind another transaction recording the same event UUID (PostgreSQL).

    Two stations (or an outbox and its retry) sending one UUID at once would otherwise both find
    it absent and both run the step: the second would wait on the first's lot locks and then be
    refused for the kilos the first took, instead of being answered with the first's result.
    The audit trail no longer serialises all writers (its head is locked only at the commit), so
    the UUID gets a lock of its own; two UUIDs sharing the low bits merely wait for each other.
    """
    if uow.dialect != "postgresql":
        return  # SQLite writers are serialised by BEGIN IMMEDIATE
    key = (event_id.int & ((1 << 32) - 1)) - (1 << EVENT_ID_KEY_BITS)
    uow.session.connection().execute(_CLAIM, {"key": key})


def _record(
    uow: UnitOfWork,
    *,
    event_id: uuid.UUID | None,
    step: HandlingStep,
    apply: Callable[[], Event],
) -> StepResult:
    # Items an earlier attempt of this transaction noted (rolled back since).
    uow.session.info.pop(WRITTEN, None)
    if begin_step(uow, event_id) and event_id is not None:
        previous = Repository(uow.session).event(event_id)
        if previous is not None:
            return _replay(uow, previous, step)
    try:
        event = apply()
        uow.session.flush()
        result = written_result(uow, event) or step_result(uow, event)
        forget_step(uow.session)
        uow.commit()
    except IntegrityError as exc:
        uow.restart()
        # Another station (or a retry) may have stored the same UUID between check and insert.
        previous = Repository(uow.session).event(event_id) if event_id else None
        if previous is None:
            raise StorageError(
                f"The database refused the {step.value} step: {exc.orig}",
                hint="Nothing was saved. Check the input; if it looks right, report this.",
            ) from exc
        return _replay(uow, previous, step)
    return result


def _replay(uow: UnitOfWork, previous: Event, step: HandlingStep) -> StepResult:
    if previous.step != step.value:
        raise EventIdConflict(
            f"Event {previous.id} was already recorded as a {previous.step} step, not {step.value}.",
            hint="It is kept for review; nothing new was recorded.",
        )
    return step_result(uow, previous, replayed=True)


def positive(amount: Quantity, *, what: str) -> Quantity:
    if amount.value <= Decimal(0):
        raise InvalidInput(
            f"The quantity of {what} must be more than zero, not {amount}.",
            hint="Type the quantity, e.g. 20 kg.",
        )
    return amount
