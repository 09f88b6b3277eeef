"""How long the genealogy graph holds the GUI thread when it is at its size limit.

    .venv/bin/python benchmarks/genealogy_graph.py [--repeats 20] [--out benchmarks/results/genealogy_graph.json]

A graph of MAX_DRAWN nodes (a root with 12 children per node, level by level, as "expand" pages
of 12 would draw it), no database: the time of one relayout (what each expand or collapse
costs), of painting the view once at the fitted zoom (a viewport grab: the part of the graph in
view), and of a font change
(every box made again). Offscreen unless QT_QPA_PLATFORM says otherwise; wall clock with the
process CPU time beside it, and the 1-minute load average before and after (the machine is
shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from traceapp.domain.genealogy import GraphLink, GraphNode, Neighbours, NodeKey, NodeKind, Step
from traceapp.domain.quantity import Quantity
from traceapp.ui import genealogy_view
from traceapp.ui.application import application
from traceapp.ui.genealogy_view import PAGE, GenealogyView

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "genealogy_graph.json"


class _NoContext:
    """The view asks its context only to load more; this graph is given whole."""

    def run(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("nothing is loaded in this benchmark")


def _node(number: int, children: int) -> GraphNode:
    return GraphNode(
        key=NodeKey(NodeKind.LOT, uuid.UUID(int=number + 1)),
        label=f"IM-DOUGH-{number:04}/D260304-{number:03}",
        detail="Dough for shortbread",
        status="consumed" if number % 3 else "active",
        forward=children,
        backward=1 if number else 0,
    )


def _graph(limit: int) -> tuple[GraphNode, list[Neighbours]]:
    """A root and levels of PAGE children each until `limit` nodes."""
    count = 1
    root = _node(0, PAGE)
    levels: list[Neighbours] = []
    frontier = [root]
    while count < limit and frontier:
        parent = frontier.pop(0)
        links = []
        for _ in range(min(PAGE, limit - count)):
            child = _node(count, PAGE)
            count += 1
            links.append(GraphLink(child, Quantity.parse("12.5 kg")))
            frontier.append(child)
        levels.append(Neighbours(parent.key, Step.FORWARD, tuple(links), 0, len(links)))
    return root, levels


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else -1.0


def measure(repeats: int) -> dict[str, Any]:
    app = application()
    view = GenealogyView(_NoContext())  # type: ignore[arg-type]
    view.resize(655, 520)  # the graph's pane on a 1366x768 screen
    view.show()
    app.processEvents()
    root, levels = _graph(genealogy_view.MAX_DRAWN)
    view.show_root(root, levels)
    app.processEvents()
    box = [view.sizing.node_width, view.sizing.node_height]
    relayout, paint, font_change = [], [], []
    for _ in range(repeats):
        began = time.perf_counter()
        view._relayout()
        relayout.append((time.perf_counter() - began) * 1000)
        view.fit()
        zoom = view.transform().m11()
        began = time.perf_counter()
        view.viewport().grab()
        paint.append((time.perf_counter() - began) * 1000)
    fitted_zoom = zoom
    base = view.font()
    for n in range(repeats):
        font = base.__class__(base)
        font.setPointSizeF(base.pointSizeF() * (1.5 if n % 2 == 0 else 1.0))
        began = time.perf_counter()
        view.setFont(font)
        view._on_font_changed()
        font_change.append((time.perf_counter() - began) * 1000)
    QApplication.processEvents()
    return {
        "nodes": len(view.items_by_key),
        "relayout": _summary(relayout),
        "paint_view": _summary(paint),
        "font_change_rebuild": _summary(font_change),
        "node_box_px": box,
        "fitted_zoom": round(fitted_zoom, 3),
    }


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(values), 2),
        "max_ms": round(max(values), 2),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    load_before = _load()
    cpu_began, began = time.process_time(), time.perf_counter()
    figures = measure(args.repeats)
    result = {
        "benchmark": "genealogy_graph",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "qt_platform": os.environ.get("QT_QPA_PLATFORM", ""),
        "repeats": args.repeats,
        **figures,
        "wall_s": round(time.perf_counter() - began, 2),
        "cpu_s": round(time.process_time() - cpu_began, 2),
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(_load(), 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
