"""DecoderChain: zxing-cpp first, then cheap image retries, pyzbar and OpenCV; never a wrong text."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from traceapp.devices.decoding import opencv_backend, variants, zbar_backend, zxing_backend
from traceapp.devices.decoding.backend import Backend
from traceapp.devices.decoding.images import Gray, ImageInput, to_gray
from traceapp.devices.decoding.model import LINEAR_FORMATS, MATRIX_FORMATS, DecodedCode, Point

log = logging.getLogger(__name__)

LOADERS: dict[str, Callable[[], Backend | None]] = {
    zxing_backend.NAME: zxing_backend.load,
    zbar_backend.NAME: zbar_backend.load,
    opencv_backend.ARUCO: opencv_backend.load_aruco,
    opencv_backend.CLASSIC: opencv_backend.load_classic,
}
# When two decoders read different texts at one place, the earlier name here is believed:
# zxing-cpp reports only error-corrected results and the raw bytes' real character set.
TRUST = (zxing_backend.NAME, zbar_backend.NAME, opencv_backend.ARUCO, opencv_backend.CLASSIC)
# ZBar and OpenCV guess the character set of QR byte data (Shift-JIS photos come back as
# mojibake); 7-bit text reads the same under every guess, so only that is taken from them.
_SAFE_CONTROLS = frozenset("\t\r\n\x1d\x1e\x04")
# Outlines from different decoders of one symbol differ a little (quiet zone, finder centres);
# a symbol nested in another is far smaller.
_SAME_SYMBOL_AREA_RATIO = 2.0


@dataclass(frozen=True, slots=True)
class Step:
    """One try: a decoder on a transformed image. `binarizer` matters to zxing-cpp only."""

    name: str
    decoder: str
    transform: variants.Transform = variants.original
    binarizer: str = "local-average"


# zxing-cpp retries first (it is the strongest reader and each try costs a few ms), then the other
# libraries. Only a miss pays for the retries. On the benchmark photos (benchmarks/decode_photos.py)
# global-histogram, upscale-2x, median-3 and pyzbar rescued 9 of them; the other steps cover
# conditions that set lacks (tiny, soft, shaded or inverted codes for ZBar), shown in the tests.
DEFAULT_STEPS: tuple[Step, ...] = (
    Step("plain", zxing_backend.NAME),
    Step("global-histogram", zxing_backend.NAME, binarizer="global-histogram"),
    Step("upscale-2x", zxing_backend.NAME, variants.scaled(2.0)),
    Step("upscale-1.5x", zxing_backend.NAME, variants.scaled(1.5)),
    Step("sharpen", zxing_backend.NAME, variants.sharpened),
    Step("median-3", zxing_backend.NAME, variants.median(3), "global-histogram"),
    Step("blur", zxing_backend.NAME, variants.blurred(1.0), "global-histogram"),
    Step("downscale-0.5x", zxing_backend.NAME, variants.scaled(0.5), "global-histogram"),
    Step("adaptive-threshold", zxing_backend.NAME, variants.adaptive_threshold(7)),
    Step("pyzbar", zbar_backend.NAME),
    Step("pyzbar-blur", zbar_backend.NAME, variants.blurred(1.0)),
    Step("pyzbar-inverted", zbar_backend.NAME, variants.inverted),
    Step("opencv-aruco", opencv_backend.ARUCO),
    Step("opencv", opencv_backend.CLASSIC),
)


class DecoderChain:
    """Runs its steps in order until enough codes are found; not shared between threads.

    `formats` are the symbologies wanted (zxing-cpp names); 1D formats are off by default because
    photos of labels produce 1D false positives from text and edges. `min_codes` is how many
    distinct symbols the caller expects in one image (e.g. 4 for a structured-append set): the
    chain stops at the first step after which it has that many. `budget` (seconds) caps the
    retries for live frames: once spent, later steps are skipped (the first step always runs).
    """

    def __init__(
        self,
        steps: Sequence[Step] = DEFAULT_STEPS,
        *,
        formats: Iterable[str] = MATRIX_FORMATS,
        min_codes: int = 1,
        budget: float | None = None,
    ) -> None:
        names = [step.name for step in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"Step names must be unique: {names}")
        unknown = {step.decoder for step in steps} - set(LOADERS)
        if unknown:
            raise ValueError(f"Unknown decoders {sorted(unknown)}; known: {sorted(LOADERS)}")
        odd = {step.binarizer for step in steps} - set(zxing_backend.BINARIZERS)
        if odd:
            raise ValueError(f"Unknown binarizers {sorted(odd)}; known: {zxing_backend.BINARIZERS}")
        strange = set(formats) - MATRIX_FORMATS - LINEAR_FORMATS
        if strange:
            raise ValueError(
                f"Unknown formats {sorted(strange)}; see MATRIX_FORMATS, LINEAR_FORMATS"
            )
        if min_codes < 1:
            raise ValueError("min_codes must be at least 1")
        self.steps = tuple(steps)
        self.formats = frozenset(formats)
        self.min_codes = min_codes
        self.budget = budget
        self._backends: dict[str, Backend | None] = {}

    def decode(self, image: ImageInput) -> tuple[DecodedCode, ...]:
        """Codes found in `image` (path or gray/BGR array), corners in its pixels; () if none."""
        gray = to_gray(image)
        found: list[DecodedCode] = []
        start = time.perf_counter()
        for index, step in enumerate(self.steps):
            if len(found) >= self.min_codes:
                break
            if index and self.budget is not None and time.perf_counter() - start > self.budget:
                break
            for code in self._run(step, gray):
                if self._acceptable(code):
                    _merge(found, code)
        return tuple(found)

    def available(self) -> tuple[str, ...]:
        """The decoders of this chain whose libraries could be loaded."""
        return tuple(
            name
            for name in dict.fromkeys(step.decoder for step in self.steps)
            if self._backend(name)
        )

    def _run(self, step: Step, gray: Gray) -> list[DecodedCode]:
        backend = self._backend(step.decoder)
        if backend is None:
            return []
        variant = step.transform(gray)
        if variant is None:
            return []
        codes = backend.read(variant.image, formats=self.formats, binarizer=step.binarizer)
        return [_to_original(code, variant.scale, step.name) for code in codes]

    def _backend(self, name: str) -> Backend | None:
        if name not in self._backends:
            self._backends[name] = LOADERS[name]()
        return self._backends[name]

    def _acceptable(self, code: DecodedCode) -> bool:
        if code.format not in self.formats or not (code.text or code.raw):
            return False
        if code.decoder != zxing_backend.NAME and not _is_plain_ascii(code.text):
            log.debug("Dropped a %s read that is not 7-bit text: %r", code.decoder, code.text)
            return False
        return True


def _is_plain_ascii(text: str) -> bool:
    return all(" " <= char <= "~" or char in _SAFE_CONTROLS for char in text)


def _to_original(code: DecodedCode, scale: float, step: str) -> DecodedCode:
    if scale == 1.0:
        return replace(code, step=step)
    a, b, c, d = (Point(p.x / scale, p.y / scale) for p in code.corners)
    return replace(code, corners=(a, b, c, d), step=step)


def _merge(found: list[DecodedCode], code: DecodedCode) -> None:
    """Add `code` unless it repeats a symbol already found; settle disagreements by trust."""
    for index, known in enumerate(found):
        if not _same_place(known, code):
            continue
        if known.text == code.text:
            return
        if known.decoder == code.decoder == zxing_backend.NAME:
            # Both passed error correction: two real symbols, e.g. a QR code printed inside another.
            continue
        # Two decoders read one symbol differently: at most one of them is right.
        winner = min(known, code, key=lambda c: TRUST.index(c.decoder))
        log.warning(
            "Decoders disagree at (%.0f, %.0f): %s read %r, %s read %r; keeping %s",
            code.center.x,
            code.center.y,
            known.decoder,
            known.text,
            code.decoder,
            code.text,
            winner.decoder,
        )
        found[index] = winner
        return
    found.append(code)


def _same_place(a: DecodedCode, b: DecodedCode) -> bool:
    """Each centre lies inside the other's outline and the sizes are alike: one symbol, not two."""
    box_a, box_b = _box(a), _box(b)
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    similar = min(area_a, area_b) * _SAME_SYMBOL_AREA_RATIO >= max(area_a, area_b)
    return similar and _inside(a.center, box_b) and _inside(b.center, box_a)


def _box(code: DecodedCode) -> tuple[float, float, float, float]:
    xs = [p.x for p in code.corners]
    ys = [p.y for p in code.corners]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(point: Point, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= point.x <= box[2] and box[1] <= point.y <= box[3]


_local = threading.local()


def decode_image(
    image: ImageInput,
    *,
    formats: Iterable[str] = MATRIX_FORMATS,
    min_codes: int = 1,
) -> tuple[DecodedCode, ...]:
    """Decode with the default steps; each thread keeps its own chain (OpenCV is not thread-safe)."""
    chains: dict[tuple[frozenset[str], int], DecoderChain] = _local.__dict__.setdefault(
        "chains", {}
    )
    key = (frozenset(formats), min_codes)
    if key not in chains:
        chains[key] = DecoderChain(formats=key[0], min_codes=min_codes)
    return chains[key].decode(image)
