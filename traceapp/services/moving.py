"""Move: lots or containers change location inside the plant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from traceapp.db.models import Event
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import ContainerNotUsable, InvalidInput
from traceapp.domain.lots import LotStatus
from traceapp.domain.results import StepResult
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.services.recording import (
    add_item,
    find_container,
    new_event,
    record_once,
    require_location,
    require_lot,
)

GONE = frozenset({LotStatus.SHIPPED.value, LotStatus.CONSUMED.value, LotStatus.VOIDED.value})


def move(
    uow: UnitOfWork,
    *,
    actor: Actor,
    items: Sequence[str],
    to: str,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> StepResult:
    """Record that lots or containers now stand at another location."""
    if not items:
        raise InvalidInput(
            "Scan at least one lot or container to move.",
            hint="Scan the lot or case labels, then confirm.",
        )

    def apply() -> Event:
        repo = Repository(uow.session)
        place = require_location(repo, to, kinds=("site", "area", "station", "equipment"))
        # The event, its items and the lots' and containers' new places go in one flush.
        event = new_event(
            uow,
            actor=actor,
            step=HandlingStep.MOVE,
            event_id=event_id,
            event_time=event_time,
            flush=False,
        )
        for code in items:
            container = find_container(repo, code, lock=True)
            if container is not None:
                if container.status == "shipped":
                    raise ContainerNotUsable(
                        f"Container {container.code} has been shipped; it is not in the plant.",
                        hint="Check the label, or scan another container.",
                    )
                container.location_id = place.id
                add_item(uow, event, ItemRole.OBSERVED, container=container)
                continue
            row = require_lot(repo, code, lock=True)
            if row.lot.status in GONE:
                raise InvalidInput(
                    f"Lot {row.product.part_number}/{row.lot.lot_code} is {row.lot.status}; nothing of it is left to move.",
                    hint="Scan the lot that is really there; if this label is on real material,"
                    " tell a supervisor.",
                )
            row.lot.location_id = place.id
            add_item(uow, event, ItemRole.OBSERVED, lot=row.lot)
        return event

    return record_once(uow, actor=actor, event_id=event_id, step=HandlingStep.MOVE, apply=apply)
