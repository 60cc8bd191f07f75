"""Book build time: cold (empty cache, every chapter executed), cached rebuild, and per chapter.

Run: ``python benchmarks/bench_build.py`` from the repository's virtual environment (after
``make book`` installed it). Removes _build first; writes benchmarks/results/build.json.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results")


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    build = [sys.executable, "tools/build_book.py"]
    cold = timed(build)
    cached = timed(build)
    noexec = timed([*build, "--no-execute", "--all"])
    result = {"cold_build_s": round(cold, 1), "cached_rebuild_s": round(cached, 1), "build_from_committed_outputs_s": round(noexec, 1)}
    print(json.dumps(result, indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "build.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
