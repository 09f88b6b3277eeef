"""The lot record PDF: every signature's name, meaning, local time and validity, on A4 pages."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from traceapp.domain.dispositions import Decision, DecisionRecord, DecisionSignature, LotRecord
from traceapp.domain.ids import EventId, LotId
from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import EventItemSummary, EventSummary, LotDetail, LotSummary
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.reports.lot_record import render_lot_record, when

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) is missing",
)

BERLIN = timezone(timedelta(hours=1))
STATION = timezone(timedelta(hours=-5, minutes=-30))
LOT_ID = LotId(uuid.uuid4())
LONG_REASON = (
    "mould visible on two bags at the bottom of the pallet; pallet photographed and set aside "
    "in quarantine bay 3 awaiting the laboratory's count of yeasts and moulds (sample LAB-2291)"
)


def _event(step: HandlingStep, at: datetime, reason: str | None = None) -> EventSummary:
    return EventSummary(
        id=EventId(uuid.uuid4()),
        step=step,
        event_type="ObjectEvent",
        action="OBSERVE",
        biz_step="holding" if step is HandlingStep.HOLD else "receiving",
        disposition="in_progress",
        event_time=at,
        station="RCV1",
        user="olga",
        reason=reason,
        items=(EventItemSummary(ItemRole.OBSERVED, "FLOUR/L2417", Quantity.parse("100 kg")),),
    )


def _record(*, valid: bool, events: int = 3) -> LotRecord:
    lot = LotSummary(
        id=LOT_ID,
        part_number="FLOUR",
        product_name="Wheat flour type 550",
        lot_code="L2417",
        status=LotStatus.RELEASED,
        on_hand=Quantity.parse("60 kg"),
        initial=Quantity.parse("100 kg"),
        origin=LotOrigin.RECEIVED,
        supplier="MILL",
        supplier_lot_code="M-88",
    )
    start = datetime(2026, 3, 1, 8, 0, tzinfo=STATION)
    timeline = tuple(
        _event(HandlingStep.MOVE, start + timedelta(minutes=i), reason=f"step {i}")
        for i in range(events)
    )
    signature = DecisionSignature(
        printed_name="Quinn Müller-Løvstad",
        username="quinn",
        signed_at=datetime(2026, 3, 2, 14, 5, 9, tzinfo=BERLIN),
        meaning="released",
        valid=valid,
    )
    decisions = (
        DecisionRecord(
            event_id=EventId(uuid.uuid4()),
            lot_id=LOT_ID,
            lot="FLOUR/L2417",
            decision=Decision.HOLD,
            reason=LONG_REASON,
            decided_at=datetime(2026, 3, 1, 9, 15, tzinfo=STATION),
            decided_by="system",
            station="RCV1",
            status_before=LotStatus.ACTIVE,
            status_after=LotStatus.ON_HOLD,
            rule="SPC rule 2 on MOIST-1",
        ),
        DecisionRecord(
            event_id=EventId(uuid.uuid4()),
            lot_id=LOT_ID,
            lot="FLOUR/L2417",
            decision=Decision.RELEASE,
            reason="re-inspected: no mould",
            decided_at=datetime(2026, 3, 2, 8, 4, tzinfo=STATION),
            decided_by="quinn",
            station=None,
            status_before=LotStatus.ON_HOLD,
            status_after=LotStatus.RELEASED,
            signatures=(signature,),
        ),
    )
    return LotRecord(
        detail=LotDetail(lot=lot, events=timeline),
        decisions=decisions,
        printed_at=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
        printed_by="arne",
    )


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(done.stdout.split())  # wrapped cells read as one line of words


def _pages(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def test_times_are_local_with_their_offset() -> None:
    assert when(datetime(2026, 3, 2, 14, 5, 9, tzinfo=BERLIN)) == "2026-03-02 14:05:09 UTC+01:00"
    assert when(datetime(2026, 3, 1, 8, 0, tzinfo=STATION)) == "2026-03-01 08:00:00 UTC-05:30"


def test_a_signed_release_shows_name_meaning_time_and_a_valid_signature(tmp_path: Path) -> None:
    text = _text(render_lot_record(_record(valid=True)), tmp_path)
    assert "Lot record FLOUR/L2417" in text
    assert "Quinn Müller-Løvstad (quinn)" in text
    assert "Meaning: released" in text
    assert "2026-03-02 14:05:09 UTC+01:00" in text  # signed
    assert "2026-03-02 08:04:00 UTC-05:30" in text  # decided, at the station's offset
    assert "Signature valid" in text
    assert "RECORD CHANGED" not in text
    # The automatic hold names the rule and the system; its long reason is there in full.
    assert "Automatic: rule SPC rule 2 on MOIST-1" in text
    assert LONG_REASON.split()[-1] in text
    assert " ".join(LONG_REASON.split()[:6]) in text
    assert "not signed (a hold needs a reason only)" in text
    assert "Printed 2026-03-03 10:00:00 UTC+00:00 by arne" in text
    assert "A4" in _pages(render_lot_record(_record(valid=True)), tmp_path)


def test_a_record_changed_since_signing_says_so(tmp_path: Path) -> None:
    text = _text(render_lot_record(_record(valid=False)), tmp_path)
    assert "RECORD CHANGED SINCE SIGNING" in text
    assert "Signature valid" not in text


def test_a_long_history_runs_onto_more_pages_with_the_header_repeated(tmp_path: Path) -> None:
    pdf = render_lot_record(_record(valid=True, events=120))
    info = _pages(pdf, tmp_path)
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 3
    text = _text(pdf, tmp_path)
    assert "step 0 " in text
    assert "step 119" in text
    assert f"Page {pages}" in text
    assert text.count("Step (CBV)") >= pages - 1  # the table header on every page it spans
