"""Distinct identifier types, so a lot id is never passed where an event id belongs."""

from __future__ import annotations

import os
import time
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


_RANDOM_BITS = (1 << 80) - 1  # everything below the 48-bit timestamp
_MARKS = (0xF << 76) | (0x3 << 62)  # the version and variant fields
_VERSION_7 = (7 << 76) | (0x2 << 62)  # version 7, RFC 4122 variant


def uuid7_int(millis: int, random_bits: int) -> int:
    """A version-7 UUID as an integer (RFC 9562): `millis` (Unix time in ms) in the top 48 bits,
    then the version, 12 random bits, the variant and 62 random bits (from `random_bits`)."""
    value = ((millis & 0xFFFF_FFFF_FFFF) << 80) | (random_bits & _RANDOM_BITS)
    return (value & ~_MARKS) | _VERSION_7


def new_uuid() -> uuid.UUID:
    """A UUID made where the record is created: 74 random bits, so stations working offline
    never collide, behind the time in milliseconds (version 7), so ids made later sort later
    and new rows land at the end of each index, near the rows made just before them, instead of
    on a random page of it (a large plant's inserts and traces read far fewer pages)."""
    return uuid.UUID(int=uuid7_int(time.time_ns() // 1_000_000, int.from_bytes(os.urandom(10))))
