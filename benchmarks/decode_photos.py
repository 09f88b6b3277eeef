"""Decode the barcode photos of shared/bench-data with each library alone and with our chain.

Usage: python benchmarks/decode_photos.py [--data DIR] [--folders qrcode-1 ...] [--limit N]
                                          [--out result.json]
Prints a JSON report: per folder and per group (the README's QR 137 and Data Matrix 95 figures),
how many images each decoder read, how many wrong texts it returned, and ms per image (median,
p90; decoding only, the picture is already loaded and gray). Exits 1 if the chain read a wrong text.

Counting follows shared/bench-data/README.md: an image is read when one of the texts read from it
equals its payload exactly (NAME.txt compared as UTF-8 bytes, NAME.bin with the raw bytes). A text
is wrong when it is neither the payload nor another symbol known to be in that image; qrcode-7 is
one message in four structured-append symbols, so there each image's symbol is a segment of it.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from traceapp.devices.decoding import LINEAR_FORMATS, MATRIX_FORMATS, DecodedCode, DecoderChain
from traceapp.devices.decoding.backend import Backend
from traceapp.devices.decoding.chain import LOADERS
from traceapp.devices.decoding.images import Gray, to_gray

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path("../shared/bench-data/barcode-photos")
IMAGE_SUFFIXES = (".png", ".jpg", ".webp")
CHAIN = "chain"
ALONE = ("zxing-cpp", "pyzbar", "opencv-aruco", "opencv")
DECODERS = (*ALONE, CHAIN)
QR_FOLDERS = tuple(f"qrcode-{n}" for n in range(1, 7))
STRUCTURED_APPEND_FOLDER = "qrcode-7"
STRUCTURED_APPEND_PAYLOAD = "01.txt"
# The payload file of an image whose content the original test suite never recorded.
UNKNOWN_PAYLOAD = b"<unkown>"
# Symbols in an image besides the one its payload names, each confirmed by zxing-cpp (error
# corrected) and ZBar reading the same text at the same place: qrcode-2/16 is a QR code printed
# inside a larger one.
OTHER_SYMBOLS: dict[str, tuple[str, ...]] = {
    "qrcode-2/16.webp": (
        "[\u5916\u5074QR\u30b3\u30fc\u30c9]\r\n \r\n*\uff80\uff9e\uff8c\uff9e\uff99QR*\r\n"
        "http://d-qr.net/ex/",
    ),
}
# shared/bench-data/README.md, for comparison in the report.
README_FIGURES = {
    "qr": {"images": 137, "zxing-cpp": 125, "pyzbar": 95, "opencv-aruco": 49, "opencv": 38},
    "datamatrix_text": {"images": 95, "zxing-cpp": 91, "pyzbar": 0},
}


_BACKENDS: dict[str, Backend | None] = {}


@dataclass(slots=True)
class Sample:
    """One picture and the payload it carries."""

    folder: str
    name: str
    path: Path
    payload: bytes
    binary: bool

    @property
    def key(self) -> str:
        return f"{self.folder}/{self.name}"


@dataclass(slots=True)
class Outcome:
    """What one decoder did with one picture."""

    read: bool
    wrong: list[str]
    ms: float
    texts: list[str] = field(default_factory=list)
    step: str | None = None


def samples(data: Path, folders: Sequence[str] | None, limit: int | None) -> list[Sample]:
    """The pictures of `data` with their payloads, folder by folder in name order."""
    found = []
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        if folders and folder.name not in folders:
            continue
        images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for path in images[:limit]:
            if folder.name == STRUCTURED_APPEND_FOLDER:
                payload_file = folder / STRUCTURED_APPEND_PAYLOAD
            else:
                payload_file = path.with_suffix(".txt")
            binary = not payload_file.exists()
            if binary:
                payload_file = path.with_suffix(".bin")
            # Bytes, not text: several payloads hold CR LF that newline translation would change.
            found.append(Sample(folder.name, path.name, path, payload_file.read_bytes(), binary))
    return found


def judge(sample: Sample, codes: Sequence[DecodedCode]) -> tuple[bool, list[str]]:
    """(payload read, wrong texts) for the codes one decoder returned for `sample`."""
    read = False
    wrong = []
    for code in codes:
        if _carries_payload(sample, code):
            read = True
        elif code.text not in OTHER_SYMBOLS.get(sample.key, ()) and (
            sample.payload != UNKNOWN_PAYLOAD
        ):
            wrong.append(code.text)
    return read, wrong


def _carries_payload(sample: Sample, code: DecodedCode) -> bool:
    if sample.binary:
        return code.raw == sample.payload
    text = code.text.encode("utf-8")
    if sample.folder == STRUCTURED_APPEND_FOLDER:
        # Each symbol of the set holds a segment; `structured_append` checks they join up.
        return bool(text) and text in sample.payload
    return text == sample.payload


def run_alone(name: str, gray: Gray) -> list[DecodedCode]:
    """The library by itself on the whole gray picture: every format it knows, no guard."""
    if name not in _BACKENDS:
        _BACKENDS[name] = LOADERS[name]()
    backend = _BACKENDS[name]
    if backend is None:
        return []
    return backend.read(gray, formats=MATRIX_FORMATS | LINEAR_FORMATS, binarizer="local-average")


def measure(samples_: Sequence[Sample]) -> dict[str, dict[str, Outcome]]:
    """Outcomes per picture key and decoder."""
    chain = DecoderChain()
    grays = {sample.key: to_gray(sample.path) for sample in samples_}
    if samples_:
        # The first call of each library loads and initialises it; keep that out of the timings.
        warm = grays[samples_[0].key]
        for name in ALONE:
            run_alone(name, warm)
        chain.decode(warm)
    results: dict[str, dict[str, Outcome]] = {}
    for sample in samples_:
        gray = grays[sample.key]
        results[sample.key] = {}
        for name in DECODERS:
            start = time.perf_counter()
            codes = chain.decode(gray) if name == CHAIN else run_alone(name, gray)
            ms = (time.perf_counter() - start) * 1000
            read, wrong = judge(sample, codes)
            step = next((code.step for code in codes if judge(sample, [code])[0]), None)
            results[sample.key][name] = Outcome(
                read, wrong, ms, [code.text for code in codes], step if read else None
            )
    return results


def summarize(group: Sequence[Sample], outcomes: dict[str, dict[str, Outcome]]) -> dict[str, Any]:
    """Images, reads, wrong texts and ms per decoder for a group of pictures."""
    summary: dict[str, Any] = {
        "images": len(group),
        "read": {},
        "wrong": {},
        "ms_median": {},
        "ms_p90": {},
    }
    for name in DECODERS:
        per_image = [outcomes[sample.key][name] for sample in group]
        summary["read"][name] = sum(outcome.read for outcome in per_image)
        summary["wrong"][name] = sum(len(outcome.wrong) for outcome in per_image)
        times = sorted(outcome.ms for outcome in per_image)
        summary["ms_median"][name] = round(statistics.median(times), 2) if times else None
        summary["ms_p90"][name] = round(_percentile(times, 0.9), 2) if times else None
    steps = Counter(outcomes[s.key][CHAIN].step for s in group if outcomes[s.key][CHAIN].read)
    summary["chain_read_at_step"] = dict(steps.most_common())
    return summary


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    # Nearest rank: with ~100 samples an interpolated value would suggest more precision.
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def structured_append(
    group: Sequence[Sample], outcomes: dict[str, dict[str, Outcome]]
) -> dict[str, bool]:
    """Per decoder: do the segments read from qrcode-7, in file order, give the whole message?"""
    if not group:
        return {}
    payload = group[0].payload
    joined = {}
    for name in DECODERS:
        parts = []
        for sample in group:
            segments = [t for t in outcomes[sample.key][name].texts if t.encode() in payload]
            parts.append(segments[0] if segments else "")
        joined[name] = "".join(parts).encode("utf-8") == payload
    return joined


def versions() -> dict[str, str]:
    """Library versions and machine, so figures from other machines can be compared."""
    found = {"python": platform.python_version(), "machine": platform.machine()}
    for package in ("zxing-cpp", "pyzbar", "opencv-python-headless", "pillow", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def run(
    data: Path, folders: Sequence[str] | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Measure every decoder on the pictures of `data` and return the report."""
    try:
        shown = str(data.relative_to(REPO.parent).as_posix())
        shown = f"../{shown}"
    except ValueError:
        shown = str(data)
    chosen = samples(data, folders, limit)
    outcomes = measure(chosen)
    by_folder: dict[str, list[Sample]] = {}
    for sample in chosen:
        by_folder.setdefault(sample.folder, []).append(sample)
    groups = {
        "qr": [s for s in chosen if s.folder in QR_FOLDERS],
        "datamatrix_text": [
            s for s in chosen if s.folder.startswith("datamatrix") and not s.binary
        ],
        "datamatrix_bytes": [s for s in chosen if s.folder.startswith("datamatrix") and s.binary],
        "structured_append": by_folder.get(STRUCTURED_APPEND_FOLDER, []),
        "all": chosen,
    }
    totals = {name: summarize(group, outcomes) for name, group in groups.items()}
    totals["structured_append"]["message_read"] = structured_append(
        groups["structured_append"], outcomes
    )
    return {
        "benchmark": "decode_photos",
        "data": shown,
        "decoders": list(DECODERS),
        "chain_steps": [step.name for step in DecoderChain().steps],
        "versions": versions(),
        "totals": totals,
        "readme_figures": README_FIGURES,
        "folders": {name: summarize(group, outcomes) for name, group in by_folder.items()},
        "chain_misses": [s.key for s in chosen if not outcomes[s.key][CHAIN].read],
        "rescued_by_retries": sorted(
            s.key
            for s in chosen
            if outcomes[s.key][CHAIN].read and outcomes[s.key][CHAIN].step != "plain"
        ),
        "wrong_texts": [
            {"image": s.key, "decoder": name, "text": text}
            for s in chosen
            for name in DECODERS
            for text in outcomes[s.key][name].wrong
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="relative to the repo root")
    parser.add_argument("--folders", nargs="*", help="only these folders (e.g. qrcode-1)")
    parser.add_argument("--limit", type=int, help="first N pictures of each folder")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    args = parser.parse_args(argv)
    data = args.data if args.data.is_absolute() else (REPO / args.data).resolve()
    if not data.is_dir():
        parser.error(f"no benchmark pictures at {data}")
    report = run(data, args.folders, args.limit)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 1 if report["totals"]["all"]["wrong"][CHAIN] else 0


if __name__ == "__main__":
    sys.exit(main())
