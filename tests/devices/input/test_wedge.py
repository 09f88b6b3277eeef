"""Keyboard wedge: scanner bursts are told from typing by key timing; GS arrives in many guises."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

import pytest

from tests.devices.input.helpers import FakeClock
from traceapp.devices.input import (
    InputSettingsError,
    KeyboardWedge,
    KeyboardWedgeSource,
    KeyPress,
    ScanEvent,
    SourceKind,
    Termination,
    TypedKeys,
    WedgeOutput,
    WedgeScan,
    WedgeSettings,
)
from traceapp.domain.codes import GS, MAX_PAYLOAD_LENGTH, parse_code

GTIN = "09506000134352"  # a GTIN with a valid check digit (GS1's own example)
GS1_HEAD = f"01{GTIN}10ABC123"  # GTIN, then the variable-length lot that needs a GS after it
GS1_TAIL = "21S1"
SCANNER_GAPS = (5, 9, 12, 15, 7, 11)  # ms between keys of a USB scanner, cycled
TYPING_GAPS = (80, 140, 250, 110, 95, 180)  # ms between keys of a person


def enter(at_ms: float) -> KeyPress:
    return KeyPress(at_ms, text="\r", key="Enter")


def typed(text: str, start_ms: float, gaps: Sequence[float]) -> list[KeyPress]:
    """Key presses for `text`, the n-th gap taken from `gaps` in turn."""
    keys, at = [], start_ms
    for n, char in enumerate(text):
        if n:
            at += gaps[(n - 1) % len(gaps)]
        keys.append(KeyPress(at, text=char, key=char.upper()))
    return keys


def after(keys: Sequence[KeyPress], gap_ms: float) -> float:
    return keys[-1].at_ms + gap_ms


def run(wedge: KeyboardWedge, keys: Iterable[KeyPress]) -> list[WedgeOutput]:
    """Feed the keys, then let every pending run time out, as the UI's timer would."""
    out = wedge.feed_all(keys)
    while (deadline := wedge.deadline_ms()) is not None:
        out += wedge.poll(deadline)
    return out


def scans(outputs: Iterable[WedgeOutput]) -> list[WedgeScan]:
    return [o for o in outputs if isinstance(o, WedgeScan)]


def typed_text(outputs: Iterable[WedgeOutput]) -> str:
    return "".join(o.text for o in outputs if isinstance(o, TypedKeys))


def test_a_scanner_burst_ending_in_enter_is_one_scan() -> None:
    keys = typed("LOT-2024-117", 0, SCANNER_GAPS)
    out = run(KeyboardWedge(), [*keys, enter(after(keys, 8))])
    assert out == [WedgeScan("LOT-2024-117", None, 0, after(keys, 8), Termination.SUFFIX)]


def test_a_person_typing_passes_through_with_their_enter() -> None:
    keys = typed("LOT-117", 0, TYPING_GAPS)
    out = run(KeyboardWedge(), [*keys, enter(after(keys, 200))])
    assert scans(out) == []
    assert typed_text(out) == "LOT-117\r"
    passed = [key for o in out if isinstance(o, TypedKeys) for key in o.keys]
    assert passed[-1].key == "Enter"


def test_typed_keys_are_held_back_no_longer_than_the_burst_gap() -> None:
    wedge = KeyboardWedge()
    assert wedge.feed(KeyPress(0, text="L", key="L")) == []
    assert wedge.deadline_ms() == pytest.approx(50)
    assert wedge.poll(49) == []
    assert typed_text(wedge.poll(50)) == "L"
    assert wedge.deadline_ms() is None


def test_a_fast_typist_is_still_a_person() -> None:
    keys = typed("lot117abc", 0, (35, 45, 40, 38))  # 25 keys a second, well above most people
    out = run(KeyboardWedge(), [*keys, enter(after(keys, 40))])
    assert scans(out) == []
    assert typed_text(out) == "lot117abc\r"


def test_a_person_typing_then_a_scan_keeps_both_in_order() -> None:
    person = typed("qty 12", 0, TYPING_GAPS)
    scanner = typed("LOT-9", after(person, 120), SCANNER_GAPS)
    out = run(KeyboardWedge(), [*person, *scanner, enter(after(scanner, 6))])
    assert typed_text(out) == "qty 12"
    assert [s.payload for s in scans(out)] == ["LOT-9"]
    assert isinstance(out[-1], WedgeScan)


def test_a_missing_suffix_is_flushed_by_the_timeout() -> None:
    wedge = KeyboardWedge()
    keys = typed("LOT-2024-117", 0, SCANNER_GAPS)
    assert wedge.feed_all(keys) == []
    deadline = wedge.deadline_ms()
    assert deadline is not None
    assert deadline == pytest.approx(after(keys, 150))
    assert wedge.poll(deadline - 1) == []
    [scan] = wedge.poll(deadline)
    assert isinstance(scan, WedgeScan)
    assert (scan.payload, scan.termination) == ("LOT-2024-117", Termination.TIMEOUT)


def test_the_next_key_after_a_pause_also_flushes_a_scan_without_suffix() -> None:
    first = typed("LOT-1111", 0, SCANNER_GAPS)
    second = typed("LOT-2222", after(first, 400), SCANNER_GAPS)
    out = run(KeyboardWedge(), [*first, *second])
    assert [s.payload for s in scans(out)] == ["LOT-1111", "LOT-2222"]


def test_a_scanner_pausing_mid_burst_is_still_one_scan() -> None:
    head = typed("LOT-20", 0, SCANNER_GAPS)
    tail = typed("24-117", after(head, 90), SCANNER_GAPS)  # a USB hiccup
    out = run(KeyboardWedge(), [*head, *tail, enter(after(tail, 5))])
    assert out == [WedgeScan("LOT-2024-117", None, 0, after(tail, 5), Termination.SUFFIX)]


def test_a_short_fast_run_is_typing() -> None:
    keys = typed("ok", 0, (5,))
    assert scans(run(KeyboardWedge(), keys)) == []


def test_shift_presses_between_capitals_are_ignored() -> None:
    keys: list[KeyPress] = []
    for key in typed("AbCdEf", 0, SCANNER_GAPS):
        if key.text.isupper():
            keys.append(KeyPress(key.at_ms - 1, key="Shift"))
        keys.append(key)
    assert [s.payload for s in scans(run(KeyboardWedge(), keys))] == ["AbCdEf"]


def test_editing_keys_pass_through_and_end_a_run() -> None:
    keys = typed("LOT", 0, TYPING_GAPS)
    backspace = KeyPress(after(keys, 100), key="Backspace", text="\b")
    out = run(KeyboardWedge(), [*keys, backspace])
    assert out[-1] == TypedKeys((backspace,))
    assert typed_text(out) == "LOT\b"


def test_a_held_key_is_never_a_scan() -> None:
    keys = [KeyPress(n * 5, text="0", key="0", auto_repeat=n > 0) for n in range(20)]
    out = run(KeyboardWedge(), keys)
    assert scans(out) == []
    assert typed_text(out) == "0" * 20


def test_cr_lf_after_a_scan_is_one_suffix() -> None:
    keys = typed("LOT-55", 0, SCANNER_GAPS)
    line_feed = KeyPress(after(keys, 10), text="\n", key="Return")
    out = run(KeyboardWedge(), [*keys, enter(after(keys, 5)), line_feed])
    assert [type(o) for o in out] == [WedgeScan]


def _with_separator(separator: Sequence[KeyPress | str], start: float = 0) -> list[KeyPress]:
    """GS1_HEAD, the separator (keys, or text typed at scanner speed), GS1_TAIL, Enter."""
    keys = typed(GS1_HEAD, start, SCANNER_GAPS)
    for part in separator:
        at = after(keys, 6)
        if isinstance(part, str):
            keys += typed(part, at, SCANNER_GAPS)
        else:
            keys.append(KeyPress(at, part.text, part.key, part.code, part.ctrl, part.alt))
    keys += typed(GS1_TAIL, after(keys, 6), SCANNER_GAPS)
    return [*keys, enter(after(keys, 6))]


@pytest.mark.parametrize(
    "separator",
    [
        pytest.param([GS], id="the GS character"),
        pytest.param([KeyPress(0, text=GS, key="]", ctrl=True)], id="Ctrl+] typing GS"),
        pytest.param([KeyPress(0, key="]", ctrl=True)], id="Ctrl+] without text"),
        pytest.param([KeyPress(0, code=0x1D, ctrl=True)], id="key code 29 with Ctrl"),
        pytest.param([KeyPress(0, key="+", ctrl=True)], id="Ctrl++ German QWERTZ"),
        pytest.param([KeyPress(0, key="Ü", ctrl=True)], id="Ctrl+Ü German"),
        pytest.param([KeyPress(0, key="$", ctrl=True, text="$")], id="Ctrl+$ French AZERTY"),
        pytest.param([KeyPress(0, key="F8")], id="F8"),
        pytest.param(["^]"], id="caret bracket text"),
        pytest.param(["<GS>"], id="<GS> text"),
        pytest.param(["↔"], id="Alt+29 as CP437 glyph"),
    ],
)
def test_every_gs_variant_becomes_the_gs_byte(separator: list[KeyPress | str]) -> None:
    [scan] = scans(run(KeyboardWedge(), _with_separator(separator)))
    assert scan.payload == f"{GS1_HEAD}{GS}{GS1_TAIL}"
    parsed = parse_code(scan.payload)
    assert (parsed.gtin, parsed.lot, parsed.serial) == (GTIN, "ABC123", "S1")


def test_a_station_can_add_its_own_gs_key() -> None:
    wedge = KeyboardWedge(WedgeSettings(extra_gs_chords=frozenset({"Alt+F9"})))
    [scan] = scans(run(wedge, _with_separator([KeyPress(0, key="F9", alt=True)])))
    assert scan.payload == f"{GS1_HEAD}{GS}{GS1_TAIL}"


def test_a_configured_prefix_is_removed_and_required() -> None:
    settings = WedgeSettings(prefix="\x02", suffixes=frozenset({"\x03"}))
    scanner = [
        KeyPress(0, text="\x02", key="B", ctrl=True),
        *typed("LOT-77", 6, SCANNER_GAPS),
    ]
    scanner.append(KeyPress(after(scanner, 6), text="\x03", key="C", ctrl=True))
    no_prefix = typed("LOT-88", after(scanner, 500), SCANNER_GAPS)
    out = run(KeyboardWedge(settings), [*scanner, *no_prefix])
    assert [s.payload for s in scans(out)] == ["LOT-77"]
    assert typed_text(out) == "LOT-88"


def test_a_prefix_splits_fast_typing_from_the_scan_that_follows() -> None:
    settings = WedgeSettings(prefix="##")
    person = typed("ab", 0, (20,))
    scanner = typed("##LOT-5", after(person, 20), SCANNER_GAPS)
    out = run(KeyboardWedge(settings), [*person, *scanner, enter(after(scanner, 5))])
    assert out[0] == TypedKeys(tuple(person))
    assert [s.payload for s in scans(out)] == ["LOT-5"]


def test_aim_identifiers_pass_through_and_name_the_symbology() -> None:
    keys = typed("]d2" + GS1_HEAD, 0, SCANNER_GAPS)
    [scan] = scans(run(KeyboardWedge(), [*keys, enter(after(keys, 5))]))
    assert scan.payload == "]d2" + GS1_HEAD
    assert scan.symbology == "]d2"
    assert parse_code(scan.payload).lot == "ABC123"


def test_required_aim_identifiers_keep_them_and_refuse_bursts_without() -> None:
    settings = WedgeSettings(require_aim_id=True)
    with_id = typed("]Q1LOT-3", 0, SCANNER_GAPS)
    without = typed("LOT-4444", after(with_id, 500), SCANNER_GAPS)
    out = run(KeyboardWedge(settings), [*with_id, *without])
    assert [(s.payload, s.symbology) for s in scans(out)] == [("]Q1LOT-3", "]Q1")]
    assert typed_text(out) == "LOT-4444"


def test_a_software_wedge_sending_the_whole_code_as_one_key_is_a_scan() -> None:
    out = run(KeyboardWedge(), [KeyPress(0, text="LOT-2024-117"), enter(3)])
    assert [s.payload for s in scans(out)] == ["LOT-2024-117"]


def test_an_endless_stream_is_not_held_back() -> None:
    wedge = KeyboardWedge()
    out = wedge.feed_all(KeyPress(n * 5, text="9", key="9") for n in range(MAX_PAYLOAD_LENGTH))
    assert [len(s.payload) for s in scans(out)] == [MAX_PAYLOAD_LENGTH]
    assert wedge.deadline_ms() is None


def test_a_clock_going_back_starts_a_new_run() -> None:
    first = typed("LOT-1111", 1000, SCANNER_GAPS)
    second = typed("LOT-2222", 0, SCANNER_GAPS)
    out = run(KeyboardWedge(), [*first, *second])
    assert [s.payload for s in scans(out)] == ["LOT-1111", "LOT-2222"]


def test_the_source_hands_scans_and_typing_to_their_callbacks(clock: FakeClock) -> None:
    events: list[ScanEvent] = []
    typing: list[TypedKeys] = []
    source = KeyboardWedgeSource("wedge-1", events.append, on_typed=typing.append, clock=clock)
    person = typed("ok", 0, TYPING_GAPS)
    scanner = typed("LOT-9", after(person, 300), SCANNER_GAPS)
    for key in [*person, *scanner, enter(after(scanner, 5))]:
        source.feed(key)
    assert source.deadline_ms() is None
    assert [e.payload for e in events] == ["LOT-9"]
    [event] = events
    assert (event.kind, event.source_id, event.received_monotonic) == (
        SourceKind.KEYBOARD,
        "wedge-1",
        clock.now,
    )
    assert "".join(t.text for t in typing) == "ok"


@pytest.mark.parametrize(
    "settings",
    [
        {"min_length": 0},
        {"scan_gap": timedelta(0)},
        {"scan_gap": timedelta(milliseconds=60), "burst_gap": timedelta(milliseconds=50)},
        {"suffix_timeout": timedelta(milliseconds=10)},
    ],
)
def test_impossible_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(InputSettingsError):
        WedgeSettings(**settings)  # type: ignore[arg-type]
