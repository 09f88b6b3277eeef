"""Rows written by the bulk loader are stored exactly as the ORM stores the same values.

Each case writes one record through the ORM and a twin (other id, same values) through
`bulk_insert` with `NativeTypes`, then compares both as the ORM reads them back and as the
database holds them (SQLite: storage class and literal; PostgreSQL: the value as text).
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import Engine, Table, select, text
from sqlalchemy.orm import DeclarativeBase

from traceapp.db.bulk import (
    POSTGRES_TYPES,
    SQLITE_TYPES,
    Native,
    NativeRow,
    NativeTypes,
    TableRows,
    bulk_insert,
    native_types,
    uuid7_hex,
)
from traceapp.db.models import Event, EventItem, Location, Lot, LotEdge, Product, User
from traceapp.db.uow import UnitOfWork

PARIS = ZoneInfo("Europe/Paris")
TIMES = [
    datetime(2026, 3, 2, 5, 0, tzinfo=UTC),  # no microseconds: isoformat would drop them
    datetime(2026, 3, 2, 5, 0, 1, 123456, tzinfo=UTC),
    datetime(2026, 3, 29, 3, 30, 0, 7, tzinfo=PARIS),  # just after the spring change, +02:00
    datetime(2026, 10, 25, 2, 30, tzinfo=PARIS, fold=1),  # the repeated hour, second time
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=ZoneInfo("America/New_York")),
]
THOUSANDTHS = [0, 1, 125, 999, 76_000, 712_500, 25_000_000, 1_234_567_891, 999_999_999_999_999]


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


def _value(types: NativeTypes, value: Any) -> Native:
    """The native value of one Python value, by its type, as the demo rows make them."""
    if value is None:
        return types.null
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return types.timestamp(value)
    if isinstance(value, date):
        return types.date(value)
    if isinstance(value, Decimal):
        thousandths = value.scaleb(3)
        assert thousandths == thousandths.to_integral_value()
        return types.quantity(int(thousandths))
    if isinstance(value, bool):
        raise TypeError("no bool columns in bulk-written tables")
    if isinstance(value, int):
        return types.integer(value)
    assert isinstance(value, str)
    return value


def _table(model: type[DeclarativeBase]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _columns(model: type[DeclarativeBase], values: dict[str, Any]) -> tuple[str, ...]:
    table = _table(model)
    return tuple(column.name for column in table.c if column.name in values)


def _twins(
    engine: Engine, model: type[DeclarativeBase], records: list[dict[str, Any]], key: str = "id"
) -> list[tuple[Any, Any]]:
    """Write each record via the ORM and via bulk_insert; return the pairs of their keys."""
    types = native_types(engine)
    orm_keys: list[Any] = []
    with UnitOfWork(engine) as uow:
        uow.act_as(None, "test", reason="ORM twin of a bulk row")
        for record in records:
            row = model(**{name: value for name, value in record.items() if name != "twin"})
            uow.session.add(row)
            uow.session.flush()
            orm_keys.append(getattr(row, key))
        uow.commit()
    twins = [{**record, **record["twin"]} for record in records]
    for twin in twins:
        twin.pop("twin")
    columns = _columns(model, twins[0])
    rows = [tuple(_value(types, twin[name]) for name in columns) for twin in twins]
    bulk_insert(engine, [TableRows(_table(model), columns, rows)])
    if key == "id" and "id" in twins[0]:
        bulk_keys = [twin["id"] for twin in twins]
    else:  # an autoincrement key: the bulk rows came right after the ORM rows
        with engine.connect() as connection:
            column = getattr(model, key)
            newest = connection.scalars(select(column).order_by(column.desc()).limit(len(twins)))
            bulk_keys = sorted(newest)
    return list(zip(orm_keys, bulk_keys, strict=True))


def _assert_same(
    engine: Engine,
    model: type[DeclarativeBase],
    pairs: list[tuple[Any, Any]],
    differ: tuple[str, ...] = (),
) -> None:
    """Every column but the key (and `differ`, which the twins had to change) is the same."""
    table = _table(model)
    key = next(iter(table.primary_key.columns))
    others = [c for c in table.c if c.name != key.name and c.name not in differ]
    with UnitOfWork(engine, write=False) as uow:
        for orm_key, bulk_key in pairs:
            orm = uow.session.get(model, orm_key)
            bulk = uow.session.get(model, bulk_key)
            assert orm is not None
            assert bulk is not None
            for column in others:
                assert getattr(bulk, column.key) == getattr(orm, column.key), column.name
                # Equal is not enough for quantities: 25.000 and 25 must be stored the same.
                assert repr(getattr(bulk, column.key)) == repr(getattr(orm, column.key))
    # As stored, byte for byte: SQLite keeps a storage class per value, so compare that too.
    if engine.dialect.name == "sqlite":
        shown = ", ".join(f"typeof({c.name}), quote({c.name})" for c in others)
    else:
        shown = ", ".join(f"{c.name}::text" for c in others)
    query = text(f"SELECT {shown} FROM {table.name} WHERE {key.name} = :key")
    with engine.connect() as connection:

        def stored(value: Any) -> Any:
            bound = (
                value.hex
                if isinstance(value, uuid.UUID) and engine.dialect.name == "sqlite"
                else value
            )
            return connection.execute(query, {"key": bound}).one()

        for orm_key, bulk_key in pairs:
            assert stored(bulk_key) == stored(orm_key)


def _master(engine: Engine) -> dict[str, uuid.UUID]:
    now = datetime.now(UTC)
    ids = {"product": _uuid(), "site": _uuid(), "station": _uuid()}
    with UnitOfWork(engine) as uow:
        uow.act_as(None, "test", reason="master data for bulk rows")
        session = uow.session
        session.add(
            Product(id=ids["product"], part_number="P-1", name="Salt", unit="kg", kind="raw",
                    created_at=now)
        )  # fmt: skip
        session.add(Location(id=ids["site"], code="S", name="Site", kind="site", created_at=now))
        session.flush()
        session.add(
            Location(id=ids["station"], code="ST", name="Station", kind="station",
                     parent_id=ids["site"], created_at=now)
        )  # fmt: skip
        user = session.scalars(select(User.id)).first()
        assert user is not None
        ids["user"] = user
        uow.commit()
    return ids


def _event(master: dict[str, uuid.UUID], at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "id": _uuid(),
        "external_event_id": None,
        "step": "receive",
        "event_type": "ObjectEvent",
        "action": "OBSERVE",
        "biz_step": "receiving",
        "disposition": "in_progress",
        "event_time": at,
        "event_tz_offset_minutes": 60,
        "recorded_at": at + timedelta(seconds=2),
        "station_id": master["station"],
        "equipment_id": None,
        "started_at": None,
        "ended_at": None,
        "user_id": master["user"],
        "party_id": None,
        "reference_document": "BL-1",
        "reason": None,
        "corrects_event_id": None,
        "twin": {"id": _uuid()},
        **extra,
    }


def test_bulk_rows_read_back_exactly_like_orm_rows(engine: Engine) -> None:
    master = _master(engine)
    events = [
        _event(master, at, event_tz_offset_minutes=offset, started_at=at - timedelta(minutes=5),
               ended_at=at)
        for at, offset in zip(TIMES, [0, 60, 120, -300, 330], strict=True)
    ]  # fmt: skip
    # Text that COPY must escape, and text with quotes and non-ASCII letters.
    events.append(
        _event(master, TIMES[1], reason="tab\there\nnew line, back\\slash \\N, \r", party_id=None)
    )
    events.append(_event(master, TIMES[1], reason="l'équipe « qualité » — 100 %"))
    events.append(
        _event(master, TIMES[1], reason="only a back\\Nslash, no tab", reference_document="\\N!")
    )
    _assert_same(engine, Event, _twins(engine, Event, events))

    lots = []
    for number, thousandths in enumerate(THOUSANDTHS):
        quantity = Decimal(thousandths).scaleb(-3)
        lots.append(
            {
                "id": _uuid(),
                "product_id": master["product"],
                "lot_code": f"L{number}",
                "unit": "kg",
                "initial_quantity": quantity,
                "on_hand": quantity,
                "status": "active",
                "origin": "received",
                "expiry": date(2026, 1, 1) + timedelta(days=number * 97),
                "supplier_id": None,
                "supplier_lot_code": None,
                "location_id": master["station"],
                "created_event_id": events[0]["id"],
                "created_at": TIMES[number % len(TIMES)],
                "twin": {"id": _uuid(), "lot_code": f"T{number}"},
            }
        )
    # (product, lot code) is unique: the twins carry another code.
    _assert_same(engine, Lot, _twins(engine, Lot, lots), differ=("lot_code",))

    edges = [
        {
            "id": _uuid(),
            "parent_lot_id": lots[0]["id"],
            "child_lot_id": lots[1]["id"],
            "quantity": Decimal(thousandths).scaleb(-3),
            "unit": "kg",
            "event_id": events[1]["id"],
            "voided_by_event_id": None,
            "twin": {"id": _uuid()},
        }
        for thousandths in THOUSANDTHS
    ]
    _assert_same(engine, LotEdge, _twins(engine, LotEdge, edges))

    items = [
        {
            "event_id": events[2]["id"],
            "role": "input",
            "lot_id": lots[3]["id"] if thousandths else None,
            "unit_id": None,
            "container_id": None,
            "quantity": Decimal(thousandths).scaleb(-3) if thousandths else None,
            "unit": "kg" if thousandths else None,
            "external_ref": None,
            "twin": {},
        }
        for thousandths in THOUSANDTHS
    ]
    _assert_same(engine, EventItem, _twins(engine, EventItem, items, key="id"))


@pytest.mark.parametrize("types", [SQLITE_TYPES, POSTGRES_TYPES], ids=["sqlite", "postgres"])
def test_a_naive_time_is_refused_as_the_orm_refuses_it(types: NativeTypes) -> None:
    with pytest.raises(ValueError, match="naive"):
        types.timestamp(datetime(2026, 3, 2, 5, 0))


def test_time_ordered_ids_are_version_7_uuids_with_the_milliseconds_first() -> None:
    rng = random.Random(7)
    made = []
    for _ in range(2000):
        millis, bits = rng.getrandbits(48), rng.getrandbits(128)
        value = uuid.UUID(uuid7_hex(millis, bits))
        assert (value.version, value.variant) == (7, uuid.RFC_4122)
        assert value.int >> 80 == millis
        # Every bit but the version and variant fields is the caller's (its low 80 bits).
        kept = ((1 << 80) - 1) & ~((0xF << 76) | (0x3 << 62))
        assert value.int & kept == bits & kept
        made.append((millis, value.hex))
    # Ordered by time, the ids are ordered as text too (what an index sorts them by).
    assert [text for _, text in sorted(made)] == sorted(text for _, text in made)
    assert uuid7_hex(0, 0) == "00000000000070008000000000000000"


def test_postgres_quantities_are_exact_decimal_text() -> None:
    for thousandths in [*THOUSANDTHS, -1, -125_000, -1_234_567]:
        assert Decimal(POSTGRES_TYPES.quantity(thousandths)) == Decimal(thousandths).scaleb(-3)
        assert SQLITE_TYPES.quantity(thousandths) == float(Decimal(thousandths).scaleb(-3))


def _location_row(types: NativeTypes, **values: Native) -> NativeRow:
    row: dict[str, Native] = {
        "id": uuid.uuid4().hex,
        "code": f"LOC-{uuid.uuid4().hex[:8]}",
        "name": "Cold room",
        "kind": "area",
        "parent_id": types.null,
        "gln": types.null,
        "created_at": types.timestamp(TIMES[0]),
    }
    row.update(values)
    return tuple(row.values())


LOCATION_COLUMNS = ("id", "code", "name", "kind", "parent_id", "gln", "created_at")


def test_the_null_marker_is_stored_as_null_and_refused_where_null_is(engine: Engine) -> None:
    types = native_types(engine)
    table = _table(Location)
    row = _location_row(types)
    bulk_insert(engine, [TableRows(table, LOCATION_COLUMNS, [row])])
    with engine.connect() as connection:
        stored = connection.execute(
            select(Location.parent_id, Location.gln).where(Location.code == row[1])
        ).one()
    assert tuple(stored) == (None, None)
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError), match=r"(?i)not.null"):
        bulk_insert(
            engine, [TableRows(table, LOCATION_COLUMNS, [_location_row(types, name=types.null)])]
        )
