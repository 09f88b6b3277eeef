"""Event time as a UTC instant plus the station's UTC offset, and back to local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from traceapp.domain.errors import InvalidInput

MAX_OFFSET_MINUTES = 14 * 60


def now_local() -> datetime:
    """The current time with the machine's own UTC offset."""
    return datetime.now(UTC).astimezone()


def split_instant(moment: datetime) -> tuple[datetime, int]:
    """(UTC instant, offset in minutes) of an aware datetime; naive times are refused."""
    offset = moment.utcoffset()
    if offset is None:
        raise InvalidInput(
            f"The time {moment.isoformat()} has no UTC offset.",
            hint="Give times with an offset, e.g. 2026-03-01T08:00+01:00.",
        )
    minutes = int(offset.total_seconds() // 60)
    if abs(minutes) > MAX_OFFSET_MINUTES:
        raise InvalidInput(f"The UTC offset {offset} is outside ±14 hours.")
    return moment.astimezone(UTC), minutes


def join_instant(utc_moment: datetime, offset_minutes: int) -> datetime:
    """The instant shown in the station's own offset."""
    if utc_moment.tzinfo is None:
        utc_moment = utc_moment.replace(tzinfo=UTC)
    return utc_moment.astimezone(timezone(timedelta(minutes=offset_minutes)))


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with offset; a naive time is taken in the machine's local offset."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a date and time.", hint="Write it as 2026-03-01T08:00+01:00."
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment
