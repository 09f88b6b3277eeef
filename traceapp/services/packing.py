"""Pack and unpack: lots and cases into and out of containers (cases, pallets, SSCC)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from traceapp.db.models import Container, ContainerContent, Event
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import ContainerNotUsable, InvalidInput, UnknownCode
from traceapp.domain.ids import new_uuid
from traceapp.domain.lots import LotStatus, ensure_available, ensure_usable
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import StepResult
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.services.recording import (
    add_item,
    find_container,
    lot_name,
    new_event,
    now_utc,
    positive,
    record_once,
    require_lot,
)
from traceapp.services.scans import read_scan

CONTAINER_KINDS = ("case", "pallet", "tote")


@dataclass(frozen=True, slots=True)
class PackItem:
    """A lot (with the quantity packed; all that is free when None) or a container."""

    code: str
    quantity: Quantity | None = None


def is_sscc(code: str) -> bool:
    """An SSCC is 18 digits with a GS1 mod-10 check digit."""
    if len(code) != 18 or not code.isdigit():
        return False
    body, check = code[:-1], int(code[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return (10 - total % 10) % 10 == check


def container_chain(repo: Repository, container: Container) -> list[uuid.UUID]:
    """The container and every container it sits in, innermost first."""
    chain = [container.id]
    current = repo.open_parent_of_container(container.id)
    while current is not None and current.container_id not in chain:
        chain.append(current.container_id)
        current = repo.open_parent_of_container(current.container_id)
    return chain


def pack(
    uow: UnitOfWork,
    *,
    actor: Actor,
    container: str,
    items: Sequence[PackItem],
    kind: str = "case",
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> StepResult:
    """Put lot quantities or whole containers into a container, creating it on first use."""
    if not items:
        raise InvalidInput(
            "Scan at least one lot or case to pack.",
            hint="Scan what goes into the container, then confirm.",
        )
    if kind not in CONTAINER_KINDS:
        raise InvalidInput(
            f"{kind!r} is not a container kind.", hint=f"Use one of {', '.join(CONTAINER_KINDS)}."
        )

    def apply() -> Event:
        repo = Repository(uow.session)
        target = _open_or_create(uow, repo, container, kind)
        event = new_event(
            uow, actor=actor, step=HandlingStep.PACK, event_id=event_id, event_time=event_time
        )
        packed_at = event.event_time
        add_item(uow, event, ItemRole.PARENT, container=target)
        outer = container_chain(repo, target)
        seen: set[uuid.UUID] = set()
        for item in items:
            inner = find_container(repo, item.code, lock=True)
            if inner is not None:
                _check_nestable(repo, inner, outer, seen)
                uow.session.add(
                    ContainerContent(
                        id=new_uuid(),
                        container_id=target.id,
                        child_container_id=inner.id,
                        packed_at=packed_at,
                        packed_event_id=event.id,
                    )
                )
                add_item(uow, event, ItemRole.CHILD, container=inner)
                continue
            row = require_lot(repo, item.code, lock=True)
            name = lot_name(row)
            if row.lot.id in seen:
                raise InvalidInput(
                    f"Lot {name} is scanned twice in one pack step.",
                    hint="Delete the second line, or give one quantity for the lot.",
                )
            seen.add(row.lot.id)
            ensure_usable(name, LotStatus(row.lot.status), step="pack")
            free = Quantity(row.lot.on_hand - repo.open_packed_total(row.lot.id), row.lot.unit)
            amount = positive(item.quantity.to(row.lot.unit), what=name) if item.quantity else free
            ensure_available(name, free, amount)
            uow.session.add(
                ContainerContent(
                    id=new_uuid(),
                    container_id=target.id,
                    lot_id=row.lot.id,
                    quantity=amount.value,
                    unit=amount.unit,
                    packed_at=packed_at,
                    packed_event_id=event.id,
                )
            )
            add_item(uow, event, ItemRole.CHILD, lot=row.lot, amount=amount)
        target.location_id = actor.station_id or target.location_id
        return event

    return record_once(uow, actor=actor, event_id=event_id, step=HandlingStep.PACK, apply=apply)


def _open_or_create(uow: UnitOfWork, repo: Repository, code: str, kind: str) -> Container:
    existing = find_container(repo, code, lock=True)
    if existing is not None:
        if existing.status == "shipped":
            raise ContainerNotUsable(
                f"Container {existing.code} has been shipped; nothing can be packed into it.",
                hint="Scan a new case or pallet label.",
            )
        return existing
    reading = read_scan(code)
    if reading.structured:
        if reading.parsed is None or not reading.parsed.sscc:
            raise InvalidInput(
                "That label names a product or lot, not a container.",
                hint="Scan the case or pallet label (SSCC).",
            )
        text = reading.parsed.sscc
    else:
        assert reading.text is not None
        text = reading.text
    if repo.lots_by_code(text, None):
        raise InvalidInput(
            f"{text} is a lot code, not a container.", hint="Scan the case or pallet label first."
        )
    if text.isdigit() and len(text) == 18 and not is_sscc(text):
        raise InvalidInput(f"SSCC {text} has a wrong check digit.", hint="Rescan the pallet label.")
    created = Container(
        id=new_uuid(),
        code=text,
        sscc=text if is_sscc(text) else None,
        kind=kind,
        status="open",
        created_at=now_utc(),
    )
    uow.session.add(created)
    uow.session.flush()
    return created


def _check_nestable(
    repo: Repository, inner: Container, outer: list[uuid.UUID], seen: set[uuid.UUID]
) -> None:
    if inner.id in outer:
        raise InvalidInput(
            f"Container {inner.code} cannot be packed into itself or into a container inside it.",
            hint="Delete it from the items, or pack into another container.",
        )
    if inner.id in seen:
        raise InvalidInput(
            f"Container {inner.code} is scanned twice in one pack step.",
            hint="Delete the second line.",
        )
    seen.add(inner.id)
    if inner.status == "shipped":
        raise ContainerNotUsable(
            f"Container {inner.code} has been shipped.",
            hint="Check the label, or scan another container.",
        )
    current = repo.open_parent_of_container(inner.id)
    if current is not None:
        where = repo.container_codes([current.container_id]).get(current.container_id, "?")
        raise ContainerNotUsable(
            f"Container {inner.code} is already in {where}.",
            hint=f"Unpack it from {where} first.",
        )


def unpack(
    uow: UnitOfWork,
    *,
    actor: Actor,
    container: str,
    items: Sequence[str] = (),
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> StepResult:
    """Take the named lots or cases (or everything, when none is named) out of a container."""

    def apply() -> Event:
        repo = Repository(uow.session)
        target = find_container(repo, container, lock=True)
        if target is None:
            raise UnknownCode(container.strip())
        if target.status == "shipped":
            raise ContainerNotUsable(
                f"Container {target.code} has been shipped; it cannot be unpacked here.",
                hint="Check the label, or scan another container.",
            )
        contents = repo.open_contents(target.id)
        if not contents:
            raise ContainerNotUsable(
                f"Container {target.code} is empty.",
                hint="Nothing to unpack: scan another container.",
            )
        chosen = (
            contents
            if not items
            else [_content_for(repo, target, contents, code) for code in items]
        )
        event = new_event(
            uow, actor=actor, step=HandlingStep.UNPACK, event_id=event_id, event_time=event_time
        )
        add_item(uow, event, ItemRole.PARENT, container=target)
        for content in dict.fromkeys(chosen):
            content.unpacked_at = event.event_time
            content.unpacked_event_id = event.id
            if content.child_container_id:
                add_item(
                    uow,
                    event,
                    ItemRole.CHILD,
                    container=uow.session.get_one(Container, content.child_container_id),
                )
            elif content.lot_id:
                lot_row = repo.lot_row(content.lot_id)
                amount = (
                    Quantity(content.quantity, content.unit)
                    if content.quantity is not None and content.unit
                    else None
                )
                add_item(uow, event, ItemRole.CHILD, lot=lot_row.lot, amount=amount)
        return event

    return record_once(uow, actor=actor, event_id=event_id, step=HandlingStep.UNPACK, apply=apply)


def _content_for(
    repo: Repository, target: Container, contents: list[ContainerContent], code: str
) -> ContainerContent:
    inner = find_container(repo, code)
    if inner is not None:
        for content in contents:
            if content.child_container_id == inner.id:
                return content
        raise InvalidInput(
            f"Container {inner.code} is not in {target.code}.",
            hint="Delete it from the items, or scan the container it is in.",
        )
    row = require_lot(repo, code)
    for content in contents:
        if content.lot_id == row.lot.id:
            return content
    raise InvalidInput(
        f"Lot {lot_name(row)} is not in {target.code}.",
        hint="Delete it from the items, or scan the container it is in.",
    )
