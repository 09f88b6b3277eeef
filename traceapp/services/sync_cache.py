"""Master data a station keeps in its outbox file, so it can resolve scans and fill lists offline."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from sqlalchemy import Engine, select

from traceapp.db.models import Container, Lot, Product
from traceapp.db.outbox import Outbox
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AmbiguousCode, InvalidInput
from traceapp.domain.inspections import PlanVersion
from traceapp.domain.lots import LotReference, LotStatus
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.results import ContainerSummary, LotSummary
from traceapp.services.inspections import plan_versions
from traceapp.services.scans import lot_key, product_without_lot, read_scan, unknown_gtin
from traceapp.services.station import LabelFields, ScanInfo, ScanTarget, StationChoices
from traceapp.services.station import station_choices as server_choices
from traceapp.services.summaries import container_summaries, lot_summaries

CACHE_NAME = "station_master_data"
OPEN_LOT_STATUSES = (LotStatus.ACTIVE, LotStatus.ON_HOLD, LotStatus.RELEASED)
MAX_CACHED_LOTS = 50_000  # a station's offline list; beyond this the oldest lots are left out

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StationCache:
    """What a station needs offline: its pick lists, the open lots and containers, the plans."""

    choices: StationChoices
    lots: tuple[LotSummary, ...]
    containers: tuple[ContainerSummary, ...]
    plans: tuple[PlanVersion, ...]
    saved_at: datetime


# A small codec for the frozen result dataclasses: JSON out, the same dataclasses back in.
def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


@cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    supertype = getattr(kind, "__supertype__", None)  # NewType ids
    if supertype is not None:
        return _decode(supertype, value)
    origin = get_origin(kind)
    if origin is typing.Union or origin is types.UnionType:
        options = [a for a in get_args(kind) if a is not type(None)]
        return _decode(options[0], value)
    if origin is tuple:
        return tuple(_decode(get_args(kind)[0], v) for v in value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(
            **{
                f.name: _decode(hints[f.name], value[f.name])
                for f in dataclasses.fields(kind)
                if f.init
            }
        )
    if kind in (uuid.UUID, Decimal):
        return kind(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    return value


def encode(value: object) -> str:
    return json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"))


def decode(kind: type[T], text: str) -> T:
    result: T = _decode(kind, json.loads(text))
    return result


def build_cache(uow: UnitOfWork, *, actor: Actor) -> StationCache:
    """Read what the station needs offline from the server (in a worker, while online)."""
    require(actor.role, UseCase.READ, username=actor.username)
    choices = server_choices(uow, actor=actor)
    repo = Repository(uow.session)
    rows = uow.session.execute(
        select(Lot, Product)
        .join(Product, Lot.product_id == Product.id)
        .where(Lot.status.in_([s.value for s in OPEN_LOT_STATUSES]))
        .order_by(Lot.id.desc())
        .limit(MAX_CACHED_LOTS)
    ).all()
    lots = lot_summaries(repo, [(lot, product) for lot, product in rows])
    containers = uow.session.scalars(select(Container).where(Container.status != "shipped")).all()
    plans: list[PlanVersion] = []
    for product in choices.products:
        plans.extend(p for p in plan_versions(uow, product=product.part_number) if p.active)
    return StationCache(
        choices=choices,
        lots=lots,
        containers=container_summaries(repo, list(containers)),
        plans=tuple(plans),
        saved_at=datetime.now().astimezone(),
    )


def save_cache(outbox: Outbox, cache_: StationCache) -> None:
    outbox.cache_put(CACHE_NAME, encode(cache_))


def load_cache(outbox: Outbox) -> StationCache | None:
    stored = outbox.cache_get(CACHE_NAME)
    return decode(StationCache, stored[0]) if stored else None


def refresh_cache(outbox: Outbox, engine: Engine, actor: Actor) -> StationCache:
    """Read the station's master data from the server and keep it in the outbox file."""
    with UnitOfWork(engine, write=False) as uow:
        fresh = build_cache(uow, actor=actor)
    save_cache(outbox, fresh)
    return fresh


def resolve_offline(cached: StationCache, code: str) -> ScanInfo:
    """What a scanned code names, from the cache (the server is out of reach).

    Lots and containers made while offline are not in it; a scan of one is taken as a new code.
    The free quantity of a lot is its quantity on hand as last seen (packing is not cached).
    """
    reading = read_scan(code)
    parsed = reading.parsed if reading.structured else None
    fields = LabelFields()
    if parsed is not None:
        fields = LabelFields(
            gtin=parsed.gtin,
            lot=parsed.lot,
            expiry=parsed.expiry or parsed.best_before,
            quantity=parsed.net_weight or parsed.count,
            sscc=parsed.sscc,
        )
    products = {p.gtin: p for p in cached.choices.products if p.gtin}
    product = products.get(fields.gtin) if fields.gtin else None
    if fields.gtin and product is None:
        raise unknown_gtin(fields.gtin)
    containers = {c.code: c for c in cached.containers}
    container = containers.get(fields.sscc or "") if parsed else containers.get(reading.text or "")
    if container is not None:
        return ScanInfo(code, ScanTarget.CONTAINER, fields, container=container, product=product)
    if parsed is not None and parsed.gtin and not parsed.lot:
        return ScanInfo(code, ScanTarget.LABEL, fields, product=product)
    lot = _cached_lot(cached, reading.text, parsed)
    if lot is not None:
        return ScanInfo(code, ScanTarget.LOT, fields, lot=lot, free=lot.on_hand, product=product)
    if product is not None:
        return ScanInfo(code, ScanTarget.LABEL, fields, product=product)
    if reading.text is not None:
        place = next((p for p in cached.choices.locations if p.code == reading.text), None)
        if place is not None:
            return ScanInfo(code, ScanTarget.LOCATION, fields, location=place)
    reading.refuse_if_unreadable()
    return ScanInfo(code, ScanTarget.NEW, fields)


def _cached_lot(cached: StationCache, text: str | None, parsed: Any) -> LotSummary | None:
    if parsed is not None:
        key = lot_key(parsed)
        if key is None:
            if parsed.gtin and not parsed.sscc:
                raise product_without_lot(parsed)
            return None
        part = next((p.part_number for p in cached.choices.products if p.gtin == key[0]), None)
        return next(
            (x for x in cached.lots if x.part_number == part and x.lot_code == key[1]), None
        )
    if text is None:
        return None
    try:
        reference = LotReference.parse(text)
    except InvalidInput:
        return None
    matches = [
        x
        for x in cached.lots
        if x.lot_code == reference.lot_code
        and (reference.part_number is None or x.part_number == reference.part_number)
    ]
    if len(matches) > 1:
        raise AmbiguousCode(text, [x.name for x in matches])
    return matches[0] if matches else None
