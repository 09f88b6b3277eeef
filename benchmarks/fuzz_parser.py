"""Fuzz parse_code with random and mutated payloads; any exception but CodeError is a crash.

Usage: python benchmarks/fuzz_parser.py [--n 100000] [--seed 20240611] [--out result.json]
Prints a JSON summary and exits 1 if anything crashed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from traceapp.domain.codes import (
    GS,
    MAX_PAYLOAD_LENGTH,
    CodeError,
    InternalPattern,
    parse_code,
)

DEFAULT_N = 100_000
DEFAULT_SEED = 20240611
# Valid payloads of every kind, the seeds that mutations start from.
SEEDS = (
    "]d2010950600013435210ABC\x1d17251231",
    "0109506000134352\x1d10ABC\x1d21XYZ",
    "]C100106141412345678908",
    "]Q3010950600013435217251200310300125010LOT-7",
    "(01)09506000134352(10)ABC(17)251231",
    "(00)106141412345678908(37)12",
    "https://id.gs1.org/01/09506000134352/10/ABC/21/123?17=251231",
    "https://example.com/shop/01/09506000134352/21/X%2FY?3103=001250",
    "3074257BF7194E4000001A85",
    "3174257BF4499602D2000000",
    "3674257BF7194E60AF8400000000000000000000000000000000",
    "urn:epc:id:sgtin:0614141.812345.6789",
    "urn:epc:id:sscc:0614141.1234567890",
    "urn:epc:tag:sgtin-198:3.0614141.812345.A%2FB",
    "E004015012345678",
    "04:A2:2B:1A:5C:80:AB",
    "FLOUR-01/L2417",
    "Box 17 - shelf B",
)
PATTERNS = (InternalPattern("lot label", r"(?P<part>[A-Z]+-\d{2})/(?P<lot>L\d{4})"),)
_ALPHABET = "0123456789ABCDEFabcdef()%/:.?=-_ ]\x1d"
_NASTY = ("\x00", "\x07", "\t", "\x7f", "\x85", "\u200b", "\u202e", "\ud800", "٣", "é", "\x1d")


def _flip(rng: random.Random, text: str) -> str:
    if not text:
        return text
    index = rng.randrange(len(text))
    return text[:index] + rng.choice(_ALPHABET) + text[index + 1 :]


def _truncate(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _insert_separator(rng: random.Random, text: str) -> str:
    index = rng.randrange(len(text) + 1)
    return text[:index] + GS + text[index:]


def _delete_separators(rng: random.Random, text: str) -> str:
    return text.replace(GS, "")


def _insert_nasty(rng: random.Random, text: str) -> str:
    index = rng.randrange(len(text) + 1)
    return text[:index] + rng.choice(_NASTY) + text[index:]


def _lengthen(rng: random.Random, text: str) -> str:
    return text * rng.randint(2, MAX_PAYLOAD_LENGTH // max(len(text), 1) + 2)


def _random_text(rng: random.Random, text: str) -> str:
    length = rng.randint(0, 80)
    return "".join(rng.choice(_ALPHABET) for _ in range(length))


def _random_hex(rng: random.Random, text: str) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(rng.choice((8, 14, 16, 24, 52))))


_MUTATIONS: Sequence[Callable[[random.Random, str], str]] = (
    _flip,
    _flip,
    _truncate,
    _insert_separator,
    _delete_separators,
    _insert_nasty,
    _lengthen,
    _random_text,
    _random_hex,
)


def payloads(n: int, seed: int) -> list[str]:
    """N deterministic payloads: seeds put through one to three mutations."""
    rng = random.Random(seed)
    result = []
    for _ in range(n):
        text = rng.choice(SEEDS)
        for _ in range(rng.randint(1, 3)):
            text = rng.choice(_MUTATIONS)(rng, text)
        result.append(text)
    return result


def run(n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> dict[str, object]:
    """Parse N payloads and count outcomes; the first few crashes are kept with their traceback."""
    inputs = payloads(n, seed)
    parsed = rejected = crashes = 0
    examples: list[dict[str, str]] = []
    started = time.perf_counter()
    for text in inputs:
        try:
            parse_code(text, patterns=PATTERNS, company_prefix_length=7)
        except CodeError:
            rejected += 1
        except Exception:  # anything but CodeError is a crash; count it and go on
            crashes += 1
            if len(examples) < 5:
                examples.append({"payload": repr(text), "traceback": traceback.format_exc()})
        else:
            parsed += 1
    seconds = time.perf_counter() - started
    return {
        "payloads": n,
        "seed": seed,
        "crashes": crashes,
        "rejected": rejected,
        "parsed": parsed,
        "seconds": round(seconds, 3),
        "payloads_per_second": round(n / seconds) if seconds else None,
        "crash_examples": examples,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="number of payloads")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, help="also write the JSON summary to this file")
    args = parser.parse_args(argv)
    summary = run(args.n, args.seed)
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 1 if summary["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
