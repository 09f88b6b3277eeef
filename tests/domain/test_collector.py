"""`collector_paused`: one counted pause of the garbage collector for the whole process."""

from __future__ import annotations

import gc
import threading

from traceapp.domain.collector import collector_paused


def test_the_collector_pauses_only_while_a_result_is_built() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused(keep=True):
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer scope still runs
        assert gc.get_freeze_count() > 0  # what was built is left out of later collections
    assert gc.isenabled()
    gc.unfreeze()


def test_a_pause_ending_in_one_thread_does_not_end_another_threads_pause() -> None:
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            leave.wait(10)

    assert gc.isenabled()
    with collector_paused():
        thread = threading.Thread(target=other)
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other thread's pause still runs
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
