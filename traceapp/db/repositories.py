"""Queries the services need, kept in one place so SQL never leaks into the use cases."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from traceapp.db.models import (
    CodeBinding,
    Container,
    ContainerContent,
    ErrorDeclaration,
    Event,
    EventItem,
    Location,
    Lot,
    LotEdge,
    Party,
    PlantMeta,
    Product,
    User,
)

_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")
# plant_meta key of the counter the database bumps when master data changes (migration 0013).
MASTER_DATA_VERSION = "master_data_version"


def locked(query: _Query, *, of: type[Lot] | type[Container]) -> _Query:
    """FOR UPDATE, in primary-key order (two stations never wait on each other in a circle), and
    re-read: a row this session loaded before the lock must not keep its stale values."""
    return query.with_for_update(of=of).order_by(of.id).execution_options(populate_existing=True)


# Statements every recorded step runs, built once (Core, through the session's connection).
_VERSION = select(PlantMeta.value).where(PlantMeta.key == MASTER_DATA_VERSION).scalar_subquery()
_MASTER_VERSION = select(_VERSION)
_STEP_START = select(select(Event.id).where(Event.id == bindparam("event_id")).exists(), _VERSION)
_LOT_CODE_TAKEN = (
    select(literal(1))
    .select_from(Lot)
    .where(Lot.product_id == bindparam("product_id"), Lot.lot_code == bindparam("lot_code"))
    .limit(1)
)


# What a scan is resolved with (a binding, a lot by its code, a container by its code), built
# once: building a statement took longer than running it, and every scan and trace runs them.
_BINDING_OPEN = (
    CodeBinding.valid_from <= bindparam("at"),
    or_(CodeBinding.valid_to.is_(None), CodeBinding.valid_to > bindparam("at")),
)
_ACTIVE_BINDING = select(CodeBinding).where(
    CodeBinding.payload == bindparam("payload"), *_BINDING_OPEN
)
_ACTIVE_BINDINGS = select(CodeBinding).where(
    CodeBinding.payload.in_(bindparam("payloads", expanding=True)), *_BINDING_OPEN
)
_CONTAINER_BY_CODE = select(Container).where(
    or_(Container.code == bindparam("code"), Container.sscc == bindparam("code"))
)
_LOTS_BY_CODE = (
    select(Lot, Product)
    .join(Product, Product.id == Lot.product_id)
    .where(Lot.lot_code == bindparam("lot_code"))
)
_LOTS_BY_PART_AND_CODE = _LOTS_BY_CODE.where(Product.part_number == bindparam("part_number"))
_LOTS_BY_CODE_READ = {
    False: _LOTS_BY_CODE.order_by(Product.part_number),
    True: _LOTS_BY_PART_AND_CODE.order_by(Product.part_number),
}
_LOTS_BY_CODE_LOCKED = {
    False: locked(_LOTS_BY_CODE, of=Lot).order_by(Product.part_number),
    True: locked(_LOTS_BY_PART_AND_CODE, of=Lot).order_by(Product.part_number),
}


@dataclass(frozen=True, slots=True)
class LotRow:
    lot: Lot
    product: Product


class Repository:
    """Reads and writes through one session; the unit of work owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- master data -------------------------------------------------------------------------

    def product_by_part(self, part_number: str) -> Product | None:
        return self.session.scalar(select(Product).where(Product.part_number == part_number))

    def product_by_gtin(self, gtin: str) -> Product | None:
        return self.session.scalar(select(Product).where(Product.gtin == gtin))

    def party_by_code(self, code: str) -> Party | None:
        return self.session.scalar(select(Party).where(Party.code == code))

    def location_by_code(self, code: str) -> Location | None:
        return self.session.scalar(select(Location).where(Location.code == code))

    def user_by_name(self, username: str) -> User | None:
        return self.session.scalar(select(User).where(User.username == username))

    def get_product(self, product_id: uuid.UUID) -> Product:
        return self.session.get_one(Product, product_id)

    def names_by_id(
        self, model: type[Party] | type[Location] | type[User], ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        column = model.username if model is User else model.code  # type: ignore[union-attr]
        rows = self.session.execute(select(model.id, column).where(model.id.in_(wanted)))
        return {row[0]: row[1] for row in rows}

    def step_start(self, event_id: uuid.UUID | None) -> tuple[bool, int | None]:
        """In one statement: is `event_id` recorded already, and the master data version (None
        when the database keeps none, e.g. before migration 0013)."""
        connection = self.session.connection()
        if event_id is None:
            exists, value = False, connection.execute(_MASTER_VERSION).scalar()
        else:
            found = connection.execute(_STEP_START, {"event_id": event_id}).one()
            exists, value = found[0], found[1]
        try:
            return bool(exists), int(value) if value is not None else None
        except ValueError:
            return bool(exists), None

    def lot_code_taken(self, product_id: uuid.UUID, lot_code: str) -> bool:
        """Whether the product has a lot with this code (one indexed read, no rows loaded)."""
        found = self.session.connection().execute(
            _LOT_CODE_TAKEN, {"product_id": product_id, "lot_code": lot_code}
        )
        return found.first() is not None

    def rows_by_id(
        self,
        model: type[Product] | type[Party] | type[Location] | type[User],
        ids: Iterable[uuid.UUID],
    ) -> list[Product | Party | Location | User]:
        wanted = set(ids)
        if not wanted:
            return []
        found = self.session.scalars(select(model).where(model.id.in_(wanted)))
        return [row for row in found if isinstance(row, Product | Party | Location | User)]

    def meta(self, key: str) -> str | None:
        row = self.session.get(PlantMeta, key)
        return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.session.merge(PlantMeta(key=key, value=value))

    # --- lots ---------------------------------------------------------------------------------

    def lots_by_code(
        self, lot_code: str, part_number: str | None, *, lock: bool = False
    ) -> list[LotRow]:
        query = (_LOTS_BY_CODE_LOCKED if lock else _LOTS_BY_CODE_READ)[part_number is not None]
        values = {"lot_code": lot_code}
        if part_number is not None:
            values["part_number"] = part_number
        return [LotRow(lot, product) for lot, product in self.session.execute(query, values)]

    def lot_row(self, lot_id: uuid.UUID, *, lock: bool = False) -> LotRow:
        query = (
            select(Lot, Product).join(Product, Product.id == Lot.product_id).where(Lot.id == lot_id)
        )
        if lock:
            query = locked(query, of=Lot)
        lot, product = self.session.execute(query).one()
        return LotRow(lot, product)

    def lot_rows(
        self, lot_ids: Iterable[uuid.UUID], *, lock: bool = False
    ) -> dict[uuid.UUID, LotRow]:
        wanted = set(lot_ids)
        if not wanted:
            return {}
        query = (
            select(Lot, Product)
            .join(Product, Product.id == Lot.product_id)
            .where(Lot.id.in_(wanted))
        )
        if lock:
            query = locked(query, of=Lot)
        return {lot.id: LotRow(lot, product) for lot, product in self.session.execute(query)}

    def open_packed_total(self, lot_id: uuid.UUID) -> Decimal:
        """Sum of the lot's quantity sitting in containers that have not been shipped."""
        query = (
            select(func.coalesce(func.sum(ContainerContent.quantity), 0))
            .join(Container, Container.id == ContainerContent.container_id)
            .where(
                ContainerContent.lot_id == lot_id,
                ContainerContent.unpacked_at.is_(None),
                Container.status != "shipped",
            )
        )
        return Decimal(self.session.scalar(query) or 0)

    def ancestors(self, lot_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Every lot upstream of the given lots (a recursive CTE; UNION stops on cycles)."""
        if not lot_ids:
            return set()
        seed = select(LotEdge.parent_lot_id.label("lot_id")).where(
            LotEdge.child_lot_id.in_(lot_ids), LotEdge.voided_by_event_id.is_(None)
        )
        walk = seed.cte("ancestors", recursive=True)
        edge = aliased(LotEdge)
        walk = walk.union(
            select(edge.parent_lot_id)
            .join(walk, edge.child_lot_id == walk.c.lot_id)
            .where(edge.voided_by_event_id.is_(None))
        )
        return set(self.session.scalars(select(walk.c.lot_id)))

    # --- containers ---------------------------------------------------------------------------

    def container_by_code(self, code: str, *, lock: bool = False) -> Container | None:
        query = locked(_CONTAINER_BY_CODE, of=Container) if lock else _CONTAINER_BY_CODE
        return self.session.scalar(query, {"code": code})

    def open_contents(self, container_id: uuid.UUID) -> list[ContainerContent]:
        return list(
            self.session.scalars(
                select(ContainerContent).where(
                    ContainerContent.container_id == container_id,
                    ContainerContent.unpacked_at.is_(None),
                )
            )
        )

    def open_parent_of_container(self, container_id: uuid.UUID) -> ContainerContent | None:
        return self.session.scalar(
            select(ContainerContent).where(
                ContainerContent.child_container_id == container_id,
                ContainerContent.unpacked_at.is_(None),
            )
        )

    def open_containers_of_lot(self, lot_id: uuid.UUID) -> list[str]:
        query = (
            select(Container.code)
            .join(ContainerContent, ContainerContent.container_id == Container.id)
            .where(ContainerContent.lot_id == lot_id, ContainerContent.unpacked_at.is_(None))
            .order_by(Container.code)
        )
        return list(self.session.scalars(query))

    def container_codes(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            select(Container.id, Container.code).where(Container.id.in_(wanted))
        )
        return {row[0]: row[1] for row in rows}

    # --- code bindings ------------------------------------------------------------------------

    def active_binding(self, payload: str, at: datetime) -> CodeBinding | None:
        return self.session.scalar(_ACTIVE_BINDING, {"payload": payload, "at": at})

    def first_active_binding(self, payloads: Sequence[str], at: datetime) -> CodeBinding | None:
        """The active binding of the first of `payloads` that has one, in one statement."""
        if not payloads:
            return None
        if len(payloads) == 1:
            return self.active_binding(payloads[0], at)
        found = {
            binding.payload: binding
            for binding in self.session.scalars(
                _ACTIVE_BINDINGS, {"payloads": list(payloads), "at": at}
            )
        }
        return next((found[key] for key in payloads if key in found), None)

    # --- events -------------------------------------------------------------------------------

    def event(self, event_id: uuid.UUID) -> Event | None:
        return self.session.get(Event, event_id)

    def event_items(self, event_ids: Sequence[uuid.UUID]) -> list[EventItem]:
        if not event_ids:
            return []
        return list(
            self.session.scalars(
                select(EventItem).where(EventItem.event_id.in_(event_ids)).order_by(EventItem.id)
            )
        )

    def declarations(self, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ErrorDeclaration]:
        if not event_ids:
            return {}
        rows = self.session.scalars(
            select(ErrorDeclaration).where(ErrorDeclaration.event_id.in_(event_ids))
        )
        return {row.event_id: row for row in rows}

    def events_of_lot(self, lot_id: uuid.UUID, limit: int = 500) -> list[Event]:
        via_items = select(EventItem.event_id).where(EventItem.lot_id == lot_id)
        query = (
            select(Event)
            .where(Event.id.in_(via_items))
            .order_by(Event.event_time, Event.recorded_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def later_events_touching_lots(self, lot_ids: Sequence[uuid.UUID], after: Event) -> list[Event]:
        """Events after `after` that involve any of the lots and were not themselves corrected."""
        if not lot_ids:
            return []
        declared = select(ErrorDeclaration.event_id)
        query = (
            select(Event)
            .join(EventItem, EventItem.event_id == Event.id)
            .where(
                EventItem.lot_id.in_(lot_ids),
                Event.id != after.id,
                Event.recorded_at >= after.recorded_at,
                Event.id.not_in(declared),
                Event.corrects_event_id.is_(None),
            )
            .distinct()
        )
        return list(self.session.scalars(query))

    def edges_of(
        self, lot_id: uuid.UUID
    ) -> tuple[list[tuple[LotEdge, str]], list[tuple[LotEdge, str]]]:
        """(parents, children) of a lot with the other lot's PART/LOT name."""
        other = aliased(Lot)
        name = Product.part_number + literal("/") + other.lot_code
        parents = self.session.execute(
            select(LotEdge, name)
            .join(other, other.id == LotEdge.parent_lot_id)
            .join(Product, Product.id == other.product_id)
            .where(LotEdge.child_lot_id == lot_id, LotEdge.voided_by_event_id.is_(None))
        )
        children = self.session.execute(
            select(LotEdge, name)
            .join(other, other.id == LotEdge.child_lot_id)
            .join(Product, Product.id == other.product_id)
            .where(LotEdge.parent_lot_id == lot_id, LotEdge.voided_by_event_id.is_(None))
        )
        return list(parents), list(children)

    def edges_of_event(self, event_id: uuid.UUID) -> list[LotEdge]:
        return list(self.session.scalars(select(LotEdge).where(LotEdge.event_id == event_id)))

    def contents_packed_by(self, event_id: uuid.UUID) -> list[ContainerContent]:
        return list(
            self.session.scalars(
                select(ContainerContent).where(ContainerContent.packed_event_id == event_id)
            )
        )

    def contents_unpacked_by(self, event_id: uuid.UUID) -> list[ContainerContent]:
        return list(
            self.session.scalars(
                select(ContainerContent).where(ContainerContent.unpacked_event_id == event_id)
            )
        )

    def count(self, model: type[object]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(model)) or 0)
