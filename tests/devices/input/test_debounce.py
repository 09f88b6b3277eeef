"""Debounce: one tag held at a reader counts once, a deliberate rescan counts again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.devices.input.helpers import FakeClock
from traceapp.devices.input import DEBOUNCE, Debouncer, InputSettingsError, ScanEvent, SourceKind

READS_PER_SECOND = 20


def _event(clock: FakeClock, payload: str, source: str = "rfid-1") -> ScanEvent:
    return ScanEvent(source, SourceKind.RFID, payload, clock.monotonic(), clock.utc_now())


def test_a_tag_reported_twenty_times_a_second_counts_once(clock: FakeClock) -> None:
    debouncer = Debouncer(DEBOUNCE)
    accepted = []
    for _ in range(3 * READS_PER_SECOND):  # three seconds in the field
        accepted.append(debouncer.accept(_event(clock, "E2801160600002054CC2")))
        clock.advance(1 / READS_PER_SECOND)
    assert accepted.count(True) == 1
    assert accepted[0] is True


def test_a_rescan_after_the_window_counts_again(clock: FakeClock) -> None:
    debouncer = Debouncer(timedelta(milliseconds=800))
    assert debouncer.accept(_event(clock, "LOT-1"))
    clock.advance(0.5)
    assert not debouncer.accept(_event(clock, "LOT-1"))
    clock.advance(0.81)
    assert debouncer.accept(_event(clock, "LOT-1"))


def test_the_window_runs_from_the_last_sighting_not_the_first(clock: FakeClock) -> None:
    debouncer = Debouncer(timedelta(milliseconds=800))
    assert debouncer.accept(_event(clock, "TAG"))
    for _ in range(5):  # seen every 0.5 s: never absent for a whole window
        clock.advance(0.5)
        assert not debouncer.accept(_event(clock, "TAG"))


def test_interleaved_tags_each_count_once(clock: FakeClock) -> None:
    debouncer = Debouncer()
    counted = []
    for _ in range(READS_PER_SECOND):
        for tag in ("TAG-A", "TAG-B", "TAG-C"):
            event = _event(clock, tag)
            if debouncer.accept(event):
                counted.append(event.payload)
        clock.advance(1 / READS_PER_SECOND)
    assert counted == ["TAG-A", "TAG-B", "TAG-C"]


def test_the_same_code_from_two_sources_counts_for_each(clock: FakeClock) -> None:
    debouncer = Debouncer()
    assert debouncer.accept(_event(clock, "LOT-1", source="dock-1"))
    assert debouncer.accept(_event(clock, "LOT-1", source="dock-2"))


def test_filter_passes_only_accepted_events(clock: FakeClock) -> None:
    seen: list[ScanEvent] = []
    sink = Debouncer().filter(seen.append)
    for _ in range(5):
        sink(_event(clock, "LOT-1"))
        clock.advance(0.1)
    assert [e.payload for e in seen] == ["LOT-1"]


def test_an_earlier_stamp_from_another_thread_does_not_reopen_the_window() -> None:
    debouncer = Debouncer(timedelta(milliseconds=800))
    assert debouncer.accept_payload("s", "X", at=10.0)
    assert not debouncer.accept_payload("s", "X", at=9.9)
    assert not debouncer.accept_payload("s", "X", at=10.7)


def test_old_sightings_are_forgotten(clock: FakeClock) -> None:
    debouncer = Debouncer(timedelta(milliseconds=800))
    for n in range(1000):
        debouncer.accept(_event(clock, f"TAG-{n}"))
        clock.advance(0.1)
    assert len(debouncer._last_seen) <= 10


def test_a_zero_window_counts_every_read() -> None:
    debouncer = Debouncer(timedelta(0))
    assert all(debouncer.accept_payload("s", "X", at=5.0) for _ in range(3))


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(InputSettingsError):
        Debouncer(timedelta(milliseconds=-1))
