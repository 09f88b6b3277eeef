"""Who is acting and where: every use case is told the user and the station."""

from __future__ import annotations

from dataclasses import dataclass

from traceapp.domain.ids import LocationId, UserId

SYSTEM_USERNAME = "system"
LOCAL_ADMIN_USERNAME = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: UserId
    username: str
    role: str
    station_id: LocationId | None = None
    station_code: str | None = None
    utc_offset_minutes: int | None = None  # the station's offset; None means the machine's own
