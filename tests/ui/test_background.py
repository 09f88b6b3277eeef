"""Background work: results on the GUI thread, throttled progress, cooperative cancel."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from traceapp.ui.background import Background, Cancelled, Progress

WAIT_MS = 10_000


def test_a_busy_job_s_many_reports_reach_the_window_a_few_times_and_the_last_one_always(
    qtbot: QtBot,
) -> None:
    background = Background()
    results: list[object] = []
    seen: list[tuple[int, int, str]] = []

    def count(progress: Progress) -> int:
        for done in range(1, 100_001):
            progress.report(done, 0 if done < 100_000 else 100_000, "counting")
        return threading.get_ident()

    # Announced before the work starts, so no report can slip past the listener.
    background.started.connect(lambda job: job.progressed.connect(lambda *a: seen.append(a)))
    progress = background.run_with_progress(
        count, results.append, lambda e, _tb: results.append(e), title="Count"
    )
    qtbot.waitUntil(lambda: results != [], timeout=WAIT_MS)
    assert results[0] != threading.get_ident()  # it ran in the pool, not on the GUI thread
    qtbot.waitUntil(lambda: seen != [] and seen[-1][0] == 100_000, timeout=WAIT_MS)
    assert len(seen) < 1000  # 100,000 reports, throttled to a few per 50 ms
    assert (progress.done, progress.total, progress.text) == (100_000, 100_000, "counting")
    assert not progress.running
    background.wait()


def test_cancel_stops_the_work_at_its_next_check(qtbot: QtBot) -> None:
    background = Background()
    started = threading.Event()
    outcome: list[object] = []

    def endless(progress: Progress) -> None:
        started.set()
        while True:
            progress.check()
            threading.Event().wait(0.001)

    progress = background.run_with_progress(
        endless, outcome.append, lambda e, _tb: outcome.append(e), title="Endless"
    )
    assert started.wait(5)
    progress.cancel()
    qtbot.waitUntil(lambda: outcome != [], timeout=WAIT_MS)
    assert isinstance(outcome[0], Cancelled)
    assert not progress.running
    background.wait()
