"""Keyboard-wedge scanners: tell a scanner burst from a person typing by key timing.

A pure state machine, fed key presses with their timestamps (QKeyEvent.timestamp() is in ms); the
Qt adapter in ui/ only translates events. Keys are collected into runs: a pause of `burst_gap` or
more ends a run. A run is a scan when it has at least `min_length` characters, its median gap is
at most `scan_gap`, and it carries the configured prefix (or AIM identifier) if one is required;
it ends at a suffix key or, when the suffix never comes, `suffix_timeout` after its last key.
Anything else is typing, handed back key by key so the UI can put it in the focused field.
Characters are held back for at most `burst_gap` (call `poll` at `deadline_ms()`), which a person
does not notice.

The GS separator of GS1 codes reaches a keyboard in many ways: the GS character itself, Ctrl+]
(whose key depends on the layout: Ctrl++ on German, Ctrl+$ on French keyboards), a function key
the scanner was programmed to send, or text such as "<GS>" or "↔" (Alt+29 on Windows yields the
code-page-437 glyph). All of them become the GS byte in the payload.
"""

from __future__ import annotations

import enum
import itertools
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from traceapp.devices.input.errors import InputSettingsError
from traceapp.devices.input.events import (
    AIM_ID,
    SYSTEM_CLOCK,
    Clock,
    ScanEvent,
    ScanSink,
    SourceKind,
    aim_identifier,
)
from traceapp.domain.codes import GS, MAX_PAYLOAD_LENGTH, normalize_separators

SCAN_GAP = timedelta(milliseconds=30)  # scanners send a key every 1-20 ms; people need 80+ ms
BURST_GAP = timedelta(milliseconds=50)  # a longer pause ends a run, so typing is held this long
# A scanner-speed run whose suffix has not come yet waits this long: scanners pause mid-burst
# (USB polling, the gap after an AIM identifier), and one without a suffix ends by this timeout.
SUFFIX_TIMEOUT = timedelta(milliseconds=150)
MIN_SCAN_LENGTH = 4  # shorter runs are too easily typed fast; no label carries fewer characters
GS_KEY_CODE = 0x1D  # some platforms report Ctrl+] by the character code it produces

# Key names as QKeySequence spells them, and the characters the keys type.
DEFAULT_SUFFIXES = frozenset({"Enter", "Return", "Tab", "\r", "\n", "\t"})
DEFAULT_GS_CHORDS = frozenset(
    {
        "Ctrl+]",  # US and UK layouts; what scanners send for GS in keyboard emulation
        "Ctrl++",  # German QWERTZ: the key where US has ] is +
        "Ctrl+ü",  # German layout with the scanner set to a US key map (the [ ] keys are ü +)
        "Ctrl+$",  # French AZERTY: the key where US has ] is $
        "F8",  # a common choice when a scanner is programmed to send FNC1 as a function key
    }
)
# Text stand-ins; "<GS>" and "^]" are the domain's defaults, "↔" is Alt+29 on Windows (CP437),
# "␝" is the Unicode picture of GS that some configuration tools send.
DEFAULT_GS_SPELLINGS = ("<GS>", "^]", "↔", "␝")
_MODIFIER_KEYS = frozenset(
    {"shift", "control", "ctrl", "alt", "altgr", "meta", "super", "capslock", "numlock"}
)


@dataclass(frozen=True, slots=True)
class KeyPress:
    """One key press as the UI saw it. `key` is the key's name ("Enter", "F8", "]", "Ü")."""

    at_ms: float
    text: str = ""  # what the key typed; "" for F8, arrows and bare modifiers
    key: str = ""
    code: int = 0  # the toolkit's key code, when it tells more than the name
    ctrl: bool = False
    alt: bool = False
    auto_repeat: bool = False  # a held key: never part of a scan

    def chord(self) -> str:
        """The key as a chord name, e.g. "Ctrl+]"; Shift is left out as the key already shows it."""
        parts = [name for name, held in (("Ctrl", self.ctrl), ("Alt", self.alt)) if held]
        parts.append(self.key or self.text)
        return "+".join(parts)


class Termination(enum.StrEnum):
    SUFFIX = "suffix"
    TIMEOUT = "timeout"  # the suffix did not come: a scanner without one, or it was lost
    INTERRUPTED = "interrupted"  # an editing key (Backspace, an arrow) ended the run


@dataclass(frozen=True, slots=True)
class WedgeScan:
    payload: str  # prefix and suffix removed, GS spellings replaced by GS, AIM id kept
    symbology: str | None
    started_ms: float
    ended_ms: float
    termination: Termination


@dataclass(frozen=True, slots=True)
class TypedKeys:
    """Keys a person typed, to be passed on to the focused field as they were."""

    keys: tuple[KeyPress, ...]

    @property
    def text(self) -> str:
        return "".join(key.text for key in self.keys)


WedgeOutput = WedgeScan | TypedKeys


@dataclass(frozen=True, slots=True)
class WedgeSettings:
    scan_gap: timedelta = SCAN_GAP
    burst_gap: timedelta = BURST_GAP
    suffix_timeout: timedelta = SUFFIX_TIMEOUT
    min_length: int = MIN_SCAN_LENGTH
    prefix: str = ""  # e.g. "\x02" (STX) or a custom string; removed from the payload
    require_aim_id: bool = False  # the scanner sends AIM identifiers: a scan must start with one
    suffixes: frozenset[str] = DEFAULT_SUFFIXES  # key names or typed characters
    gs_chords: frozenset[str] = DEFAULT_GS_CHORDS  # compared without regard to case
    gs_spellings: tuple[str, ...] = DEFAULT_GS_SPELLINGS
    extra_gs_chords: frozenset[str] = field(default_factory=frozenset)  # added to the defaults

    def __post_init__(self) -> None:
        if self.min_length < 1:
            raise InputSettingsError(
                f"A scan needs at least one character, not {self.min_length}.",
                hint="Set the minimum scan length to 1 or more.",
            )
        if not timedelta(0) < self.scan_gap <= self.burst_gap <= self.suffix_timeout:
            raise InputSettingsError(
                "The wedge timings must grow: scan gap ≤ burst gap ≤ suffix timeout, all > 0.",
                hint=f"The defaults are {SCAN_GAP}, {BURST_GAP} and {SUFFIX_TIMEOUT}.",
            )


class _Kind(enum.Enum):
    IGNORE = enum.auto()
    CHAR = enum.auto()
    SUFFIX = enum.auto()
    EDIT = enum.auto()


def _ms(delta: timedelta) -> float:
    return delta.total_seconds() * 1000


class KeyboardWedge:
    """The state machine: `feed` each key press, `poll` when `deadline_ms()` has passed."""

    def __init__(self, settings: WedgeSettings | None = None) -> None:
        self.settings = settings = settings or WedgeSettings()
        self._scan_gap = _ms(settings.scan_gap)
        self._burst_gap = _ms(settings.burst_gap)
        self._suffix_timeout = _ms(settings.suffix_timeout)
        self._suffixes = frozenset(s.casefold() for s in settings.suffixes)
        self._gs_chords = frozenset(
            c.casefold() for c in settings.gs_chords | settings.extra_gs_chords
        )
        self._run: list[KeyPress] = []
        self._texts: list[str] = []  # what each key of the run typed, GS keys as GS
        self._cached: tuple[int, tuple[int, int] | None] = (0, None)
        self._last_scan_end_ms: float | None = None

    def feed(self, key: KeyPress) -> list[WedgeOutput]:
        kind = self._classify(key)
        if kind is _Kind.IGNORE:
            return []
        out: list[WedgeOutput] = []
        if self._run and not self._continues(key.at_ms):
            out += self._flush(Termination.TIMEOUT)
        if kind is _Kind.EDIT:
            out += self._flush(Termination.INTERRUPTED)
            out.append(TypedKeys((key,)))
        elif kind is _Kind.SUFFIX:
            if not self._run and self._just_scanned(key.at_ms):
                # The second half of a two-key suffix (CR LF): it belongs to the scan.
                self._last_scan_end_ms = key.at_ms
            else:
                out += self._flush(Termination.SUFFIX, suffix=key)
        else:
            self._run.append(key)
            self._texts.append(self._key_text(key))
            if len(self._run) >= MAX_PAYLOAD_LENGTH:  # a stream, not a label: do not hold it
                out += self._flush(Termination.TIMEOUT)
        return out

    def feed_all(self, keys: Iterable[KeyPress]) -> list[WedgeOutput]:
        return [output for key in keys for output in self.feed(key)]

    def poll(self, now_ms: float) -> list[WedgeOutput]:
        """Flush a run whose pause has lasted long enough; call it at `deadline_ms()`."""
        if self._run and not self._continues(now_ms):
            return self._flush(Termination.TIMEOUT)
        return []

    def deadline_ms(self) -> float | None:
        """When `poll` will next have something to flush; None while no keys are held."""
        if not self._run:
            return None
        return self._run[-1].at_ms + self._allowed_gap()

    def _classify(self, key: KeyPress) -> _Kind:
        if key.auto_repeat:
            return _Kind.EDIT
        if self._is_gs(key):
            return _Kind.CHAR
        if key.key.casefold() in self._suffixes or (
            key.text and key.text in self.settings.suffixes
        ):
            return _Kind.SUFFIX
        if not key.text:
            return _Kind.IGNORE if key.key.casefold() in _MODIFIER_KEYS else _Kind.EDIT
        if all(c.isprintable() or c in self.settings.prefix for c in key.text):
            return _Kind.CHAR
        return _Kind.EDIT  # Backspace, Escape, Ctrl+C and other keys that type control characters

    def _is_gs(self, key: KeyPress) -> bool:
        return (
            key.text == GS or key.code == GS_KEY_CODE or key.chord().casefold() in self._gs_chords
        )

    def _key_text(self, key: KeyPress) -> str:
        return GS if self._is_gs(key) else key.text

    def _allowed_gap(self) -> float:
        return self._suffix_timeout if self._scan_start() is not None else self._burst_gap

    def _continues(self, now_ms: float) -> bool:
        gap = now_ms - self._run[-1].at_ms
        if 0 <= gap < self._burst_gap:
            return True  # the common case, decided without looking at the whole run
        return 0 <= gap < self._allowed_gap()  # a clock that went back starts afresh

    def _just_scanned(self, now_ms: float) -> bool:
        last = self._last_scan_end_ms
        return last is not None and 0 <= now_ms - last < self._burst_gap

    def _scan_start(self) -> tuple[int, int] | None:
        """Where the scan in the run starts (key index, characters of it to drop), or None if the
        run holds no scan. Cached by run length, since the UI asks after every key."""
        if self._cached[0] != len(self._run):
            self._cached = (len(self._run), self._find_scan())
        return self._cached[1]

    def _find_scan(self) -> tuple[int, int] | None:
        text = "".join(self._texts)
        if self.settings.prefix:
            start = text.find(self.settings.prefix)
            if start < 0:
                return None
            skip = start + len(self.settings.prefix)
        elif self.settings.require_aim_id:
            found = AIM_ID.search(text)
            if found is None:
                return None
            skip = start = found.start()  # the AIM identifier stays in the payload
        else:
            start = skip = 0
        index = consumed = 0  # find the key the scan starts in
        while index < len(self._texts) and consumed + len(self._texts[index]) <= start:
            consumed += len(self._texts[index])
            index += 1
        if index == len(self._texts):
            return None
        if len(text) - skip < self.settings.min_length:
            return None
        part = self._run[index:]
        gaps = [b.at_ms - a.at_ms for a, b in itertools.pairwise(part)]
        # The median forgives a scanner's single pause; one key carrying all the text (a software
        # wedge) has no gaps and is a scan.
        if gaps and statistics.median(gaps) > self._scan_gap:
            return None
        return index, skip - consumed

    def _flush(self, termination: Termination, suffix: KeyPress | None = None) -> list[WedgeOutput]:
        scan_start = self._scan_start()
        run, texts = self._run, self._texts
        self._run, self._texts, self._cached = [], [], (0, None)
        if scan_start is None:
            keys = (*run, suffix) if suffix is not None else tuple(run)
            return [TypedKeys(keys)] if keys else []
        index, skip = scan_start
        payload = normalize_separators("".join(texts[index:])[skip:], self.settings.gs_spellings)
        ended = suffix.at_ms if suffix is not None else run[-1].at_ms
        self._last_scan_end_ms = ended
        scan = WedgeScan(
            payload=payload,
            symbology=aim_identifier(payload),
            started_ms=run[index].at_ms,
            ended_ms=ended,
            termination=termination,
        )
        return [TypedKeys(tuple(run[:index])), scan] if index else [scan]


class KeyboardWedgeSource:
    """A KeyboardWedge that hands scans to a ScanSink and typing to `on_typed`.

    Not threaded: the UI thread feeds it key events and polls it from a timer.
    """

    def __init__(
        self,
        source_id: str,
        sink: ScanSink,
        *,
        on_typed: Callable[[TypedKeys], None],
        settings: WedgeSettings | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.source_id = source_id
        self.wedge = KeyboardWedge(settings)
        self._sink = sink
        self._on_typed = on_typed
        self._clock = clock

    def feed(self, key: KeyPress) -> None:
        self._dispatch(self.wedge.feed(key))

    def poll(self, now_ms: float) -> None:
        self._dispatch(self.wedge.poll(now_ms))

    def deadline_ms(self) -> float | None:
        return self.wedge.deadline_ms()

    def _dispatch(self, outputs: Iterable[WedgeOutput]) -> None:
        for output in outputs:
            if isinstance(output, TypedKeys):
                self._on_typed(output)
            else:
                self._sink(
                    ScanEvent(
                        source_id=self.source_id,
                        kind=SourceKind.KEYBOARD,
                        payload=output.payload,
                        received_monotonic=self._clock.monotonic(),
                        received_at=self._clock.utc_now(),
                        symbology=output.symbology,
                    )
                )
