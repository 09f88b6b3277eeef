"""A recall result's canonical JSON and hash: stable, typed, refusing times without an offset."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import (
    CANONICAL_FORMAT,
    CriticalTrackingEvent,
    CteKind,
    RecallResult,
    RecallTotals,
    StockOnSite,
    Suspect,
    SuspectKind,
    new_recall_id,
)
from traceapp.domain.trace import Direction, TraceResult

AT = datetime(2026, 11, 30, 9, 15, tzinfo=timezone(timedelta(hours=1)))


def _empty(direction: Direction) -> TraceResult:
    return TraceResult("SL-9", direction, ("FLOUR/F-1",), "kg", (), (), (), (), (), 12.345)


def _result() -> RecallResult:
    return RecallResult(
        recall_id="RC-2026-11-30-ABCD",
        reason="Salmonella",
        suspects=(Suspect(SuspectKind.SUPPLIER_LOT, "SL-9"),),
        run_by="qm",
        run_at=AT,
        drill_ms=41.26,
        forward=_empty(Direction.FORWARD),
        backward=_empty(Direction.BACKWARD),
        on_site=(StockOnSite("FLOUR/F-1", "Flour", "active", "RCV1", Quantity(Decimal("60.5"), "kg")),),
        totals=RecallTotals(1, Quantity(Decimal(28), "kg"), False, 2, 2, 1),
        events=(
            CriticalTrackingEvent(
                CteKind.RECEIVING, "e1", AT, "FLOUR/F-1", None, "F-1", "Flour", Decimal("100.5"),
                "kg", "RCV1", None, "Northern Mill", None, "Northern Mill lot SL-9", "DN-77",
            ),
        ),
    )  # fmt: skip


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_decimals_and_offsets() -> None:
    text = _result().canonical_json()
    parsed = json.loads(text)
    assert text == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert parsed["on_site"][0]["on_hand"] == {"unit": "kg", "value": "60.5"}
    assert parsed["events"][0]["quantity"] == "100.5"
    assert parsed["events"][0]["occurred_at"] == "2026-11-30T09:15:00+01:00"
    assert parsed["events"][0]["cte"] == "receiving"
    assert parsed["drill_ms"] == "41.3"
    assert parsed["forward"]["direction"] == "forward"


def test_the_hash_is_sha256_of_the_canonical_json_and_changes_with_the_content() -> None:
    result = _result()
    assert result.sha256() == hashlib.sha256(result.canonical_json().encode()).hexdigest()
    assert result.sha256() == _result().sha256()
    assert replace(result, reason="Listeria").sha256() != result.sha256()


def test_a_time_without_an_offset_is_refused() -> None:
    naive = replace(_result(), run_at=datetime(2026, 11, 30, 9, 15))
    with pytest.raises(ValueError, match="offset"):
        naive.canonical_json()


def test_a_recall_id_names_the_day_and_is_hard_to_repeat() -> None:
    moment = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    ids = {new_recall_id(moment) for _ in range(50)}
    assert all(re.fullmatch(r"RC-2026-11-30-[0-9A-F]{4}", i) for i in ids)
    assert len(ids) > 40


def test_every_decimal_is_written_in_plain_notation_with_the_format_it_was_written_in() -> None:
    # Decimal's str of a normalized 600 is '6E+2'; a reading of 1234567 is '1.23457E+6'
    result = replace(
        _result(),
        on_site=(
            StockOnSite("FLOUR/F-1", "Flour", "active", "RCV1", Quantity(Decimal("6E+2"), "kg")),
            StockOnSite("SALT/S-1", "Salt", "active", "RCV1", Quantity(Decimal("0.250000"), "kg")),
        ),
        totals=RecallTotals(1, Quantity(Decimal("1E+3"), "kg"), False, 2, 2, 1),
        events=(
            replace(
                _result().events[0],  # type: ignore[index]
                quantity=Decimal("1.5E+3"),
                input_quantity=Decimal("-0"),
            ),
        ),
    )
    text = result.canonical_json()
    assert "E+" not in text
    assert "E-" not in text
    parsed = json.loads(text)
    assert [s["on_hand"]["value"] for s in parsed["on_site"]] == ["600", "0.25"]
    assert parsed["totals"]["shipped"]["value"] == "1000"
    assert parsed["events"][0]["quantity"] == "1500"
    assert parsed["events"][0]["input_quantity"] == "0"
    # The rule that wrote the numbers is named in the text the signature binds
    assert parsed["canonical_format"] == CANONICAL_FORMAT == 2
