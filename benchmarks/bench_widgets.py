"""Widget update latency: what a reader feels when a control moves, compute plus draw.

Every chapter's live figure (``nbcode.widgets.catalog.LIVE_VIEWS``, built as its chapter builds
it) has each control walked through its ends and middle, ``--rounds`` times over. A move is timed
from setting ``control.value`` to the new PNG in the image widget (the observer runs
synchronously), which is the whole update minus the kernel round trip; the compute half is timed
alone by calling the scene's ``update`` with the same values. Target: 50 ms at the median and
100 ms at p95 per widget.

    python benchmarks/bench_widgets.py             # -> benchmarks/results/widgets.json
    python benchmarks/bench_widgets.py --only optimizers,losses --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from nbcode.widgets.catalog import LIVE_VIEWS, control_settings

RESULTS = Path(__file__).with_name("results")
MEDIAN_MS, P95_MS = 50.0, 100.0


def moves(view, rounds: int):
    """``(control, value)`` pairs: every control's settings, ``rounds`` times, each a real change."""
    for _ in range(rounds):
        for control in view.controls.values():
            for value in control_settings(control):
                if value != control.value:
                    yield control, value


def time_view(name: str, rounds: int) -> dict:
    view = LIVE_VIEWS[name]()
    total, compute = [], []
    for control, value in moves(view, rounds):
        start = time.perf_counter()
        control.value = value
        total.append(time.perf_counter() - start)
        start = time.perf_counter()
        view.scene.update(**view.values)
        compute.append(time.perf_counter() - start)
    total_ms, compute_ms = 1e3 * np.array(total), 1e3 * np.array(compute)
    return {
        "widget": name,
        "moves": len(total),
        "median_ms": round(float(np.median(total_ms)), 1),
        "p95_ms": round(float(np.percentile(total_ms, 95)), 1),
        "compute_median_ms": round(float(np.median(compute_ms)), 1),
        "full_draws": view.renderer.full_draws,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="walks over every control (default 5)")
    parser.add_argument("--only", default="", help="comma-separated widget names (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print only; keep results/widgets.json")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or sorted(LIVE_VIEWS)
    print(f"load average {os.getloadavg()[0]:.1f}; a move = set a control, get the new PNG")
    print(f"{'widget':<18} {'moves':>5} {'median ms':>9} {'p95 ms':>7} {'compute':>8} {'bg draws':>8}")
    rows = []
    for name in names:
        row = time_view(name, args.rounds)
        rows.append(row)
        flag = "" if row["median_ms"] <= MEDIAN_MS and row["p95_ms"] <= P95_MS else "   <-- over target"
        print(f"{name:<18} {row['moves']:>5} {row['median_ms']:>9.1f} {row['p95_ms']:>7.1f} "
              f"{row['compute_median_ms']:>8.1f} {row['full_draws']:>8}{flag}")
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "widgets.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
