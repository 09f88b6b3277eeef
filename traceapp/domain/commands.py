"""A handling step as a stored request: made at the station, replayable on the server exactly once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput
from traceapp.domain.ids import LocationId, UserId
from traceapp.domain.steps import HandlingStep

COMMAND_VERSION = 1  # bumped when the stored shape changes; older rows stay readable

# JSON values the arguments may hold: quantities as text ("25 kg"), dates as ISO text.
JsonValue = None | bool | int | str | list["JsonValue"] | dict[str, "JsonValue"]


def actor_data(actor: Actor) -> dict[str, JsonValue]:
    """The acting user as JSON, to travel with a command (or be kept for an offline restart)."""
    return {
        "user_id": str(actor.user_id),
        "username": actor.username,
        "role": actor.role,
        "station_id": str(actor.station_id) if actor.station_id else None,
        "station_code": actor.station_code,
        "utc_offset_minutes": actor.utc_offset_minutes,
    }


def actor_from_data(who: Mapping[str, Any]) -> Actor:
    return Actor(
        user_id=UserId(uuid.UUID(who["user_id"])),
        username=str(who["username"]),
        role=str(who["role"]),
        station_id=LocationId(uuid.UUID(who["station_id"])) if who["station_id"] else None,
        station_code=who["station_code"],
        utc_offset_minutes=who["utc_offset_minutes"],
    )


@dataclass(frozen=True, slots=True)
class StepCommand:
    """One confirmed step as the station asked for it.

    `id` is the event's UUID, made where the scan happened: the server records at most one event
    per id, so sending a command twice (a retry after a lost answer) records it once.
    `event_time` is when the operator confirmed, in the station's offset, not when it arrived.
    """

    id: uuid.UUID
    step: HandlingStep
    arguments: Mapping[str, JsonValue]
    event_time: datetime
    actor: Actor
    station: str | None = None
    version: int = field(default=COMMAND_VERSION)

    def __post_init__(self) -> None:
        if self.event_time.tzinfo is None:
            raise InvalidInput("A step's event time needs its UTC offset.")

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": self.version,
                "id": str(self.id),
                "step": self.step.value,
                "arguments": dict(self.arguments),
                "event_time": self.event_time.isoformat(),
                "station": self.station,
                "actor": actor_data(self.actor),
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> StepCommand:
        try:
            data: dict[str, Any] = json.loads(text)
            actor = actor_from_data(data["actor"])
            return cls(
                id=uuid.UUID(data["id"]),
                step=HandlingStep(data["step"]),
                arguments=dict(data["arguments"]),
                event_time=datetime.fromisoformat(data["event_time"]),
                actor=actor,
                station=data["station"],
                version=int(data["v"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"A stored step cannot be read: {exc}",
                hint="It is kept as it was; report it to the administrator.",
            ) from exc


class OutboxState:
    """Where a stored command stands. Nothing leaves the outbox: settled rows keep their state."""

    PENDING = "pending"  # waiting to be sent, in the order confirmed
    DELIVERED = "delivered"  # recorded on the server (or found there already)
    REFUSED = "refused"  # the server said no while the operator watched: shown red at once
    CONFLICT = "conflict"  # the server said no later (e.g. the lot was held meanwhile): review it
    REVIEWED = "reviewed"  # a person looked at the conflict and settled it by hand


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One row of a station's outbox, as the status bar and the conflict list show it."""

    seq: int
    command: StepCommand
    state: str
    queued_at: datetime
    attempts: int = 0
    reason: str | None = None  # the server's refusal, in words
    hint: str | None = None  # what to do about it
    note: str | None = None  # what the reviewer wrote


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    conflicts: int
