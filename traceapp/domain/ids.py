"""Distinct identifier types, so a lot id is never passed where an event id belongs."""

from __future__ import annotations

import uuid
from typing import NewType

LotId = NewType("LotId", uuid.UUID)
EventId = NewType("EventId", uuid.UUID)
ProductId = NewType("ProductId", uuid.UUID)
PartyId = NewType("PartyId", uuid.UUID)
LocationId = NewType("LocationId", uuid.UUID)
ContainerId = NewType("ContainerId", uuid.UUID)
UnitId = NewType("UnitId", uuid.UUID)
UserId = NewType("UserId", uuid.UUID)
ShipmentId = NewType("ShipmentId", uuid.UUID)


def new_uuid() -> uuid.UUID:
    """A random UUID made where the record is created (offline stations never collide)."""
    return uuid.uuid4()
