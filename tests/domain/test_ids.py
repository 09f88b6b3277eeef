"""Ids made where records are created: version-7 UUIDs, unique, in time order."""

from __future__ import annotations

import time
import uuid

from hypothesis import given
from hypothesis import strategies as st

from traceapp.domain.ids import new_uuid, uuid7_int


def test_a_new_id_is_a_version_7_uuid_carrying_the_time_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = new_uuid()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after


def test_ids_made_later_sort_later_and_never_repeat() -> None:
    first = new_uuid()
    time.sleep(0.002)
    many = [new_uuid() for _ in range(10_000)]
    assert all(first < later for later in many)
    assert len(set(many)) == len(many)


@given(st.integers(0, (1 << 48) - 1), st.integers(0, (1 << 80) - 1))
def test_the_layout_keeps_the_milliseconds_and_marks_version_and_variant(
    millis: int, bits: int
) -> None:
    made = uuid.UUID(int=uuid7_int(millis, bits))
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 == millis
