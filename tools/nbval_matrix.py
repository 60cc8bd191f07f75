"""Run nbval on the chapters under several floating-point paths; report the cells that differ.

A maintainer runs this by hand before committing outputs (it is not part of `make test`):

    python tools/nbval_matrix.py                          # every condition, every chapter
    python tools/nbval_matrix.py chapters/09_*.ipynb      # some chapters
    python tools/nbval_matrix.py --only sse42,sandybridge # some conditions
    python tools/nbval_matrix.py --list                   # what each condition simulates

Each condition is the environment of the nbval command (the kernel inherits it), so it changes
NumPy's SIMD loops (`NPY_DISABLE_CPU_FEATURES`), OpenBLAS's kernel (`OPENBLAS_CORETYPE`), the
thread count, or the Python version, and nothing else. Unlike `make notebooks`, this script may
change the OpenBLAS kernel: that is what a teacher's laptop does. A committed output passes the
book's rule when every condition reports 0 differing cells.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / ".venv-binder"
NO_AVX2 = "X86_V3,X86_V4,AVX512_ICL"

# name: (what it simulates, environment changes; None unsets a variable, "python" a version)
CONDITIONS: dict[str, tuple[str, dict[str, str | None]]] = {
    "as-is": ("this machine, as `make notebooks` runs it", {}),
    "ci-second-pass": ("the Makefile's second pass: NumPy without AVX2, 2 BLAS threads",
                       {"NPY_DISABLE_CPU_FEATURES": NO_AVX2, "OPENBLAS_NUM_THREADS": "2",
                        "OMP_NUM_THREADS": "2"}),
    "avx512-machine": ("an AVX-512 laptop or server (OpenBLAS autodetects its kernel)",
                       {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None}),
    "sse42": ("an old or virtual CPU without AVX2 (NumPy's baseline loops)",
              {"NPY_DISABLE_CPU_FEATURES": NO_AVX2}),
    "sandybridge": ("an AVX-only laptop of 2011-13", {"NPY_DISABLE_CPU_FEATURES": NO_AVX2,
                                                      "OPENBLAS_CORETYPE": "SandyBridge"}),
    "prescott": ("OpenBLAS's generic SSE3 kernels", {"OPENBLAS_CORETYPE": "Prescott"}),
    "skylakex": ("OpenBLAS's AVX-512 kernels with NumPy's AVX2 loops",
                 {"OPENBLAS_CORETYPE": "SkylakeX", "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_ICL"}),
    "python3.13": ("Python 3.13 with the same pins (a venv made from requirements.txt)",
                   {"python": "3.13"}),
}


def interpreter(version: str) -> str:
    """pythonX.Y on the PATH, or one that pyenv installed but has not put there."""
    pyenv = sorted(Path.home().glob(f".pyenv/versions/{version}*/bin/python{version}"))
    found = [str(p) for p in pyenv] or [shutil.which(f"python{version}")]
    if not found[-1]:
        sys.exit(f"no python{version} found: install it (e.g. pyenv install {version}) or skip the condition")
    return found[-1]


def binder_env(version: str) -> Path:
    """A Binder-like environment for another Python version (made once, then reused)."""
    env = ROOT / f".venv-binder-py{version}"
    if not (env / ".kernel").exists():
        subprocess.run([interpreter(version), "-m", "venv", str(env)], check=True)
        pip = [str(env / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run(pip + ["-r", str(ROOT / "requirements.txt")], check=True, cwd=ROOT)
        subprocess.run(pip + ["pytest-xdist==3.8.0"], check=True)
        (env / ".kernel").touch()
    return env


def run(name: str, notebooks: list[str], workers: int) -> tuple[list[str], float]:
    """Run nbval under one condition; return the failing cell ids and the wall time."""
    _, changes = CONDITIONS[name]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    python = str(ROOT / ".venv" / "bin" / "python")
    kernel = ["--nbval-kernel-name", "nnfp-binder"]
    env["JUPYTER_PATH"] = str(BINDER / "share" / "jupyter")
    for key, value in changes.items():
        if key == "python":
            # the other Python's own pytest and kernel: the whole stack on that version
            python, kernel = str(binder_env(value) / "bin" / "python"), []
            env.pop("JUPYTER_PATH")
        elif value is None:
            env.pop(key, None)
        else:
            env[key] = value
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        command = [python, "-m", "pytest", *notebooks, "-n", str(workers), "--dist", "loadfile",
                   "-p", "no:cacheprovider", "-q", "--nbval", *kernel,
                   "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
                   "--nbval-cell-timeout", "300", f"--junitxml={report}"]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        if not report.exists():
            return ["(nbval did not run)"], seconds
        cases = ET.parse(report).getroot().iter("testcase")
        failed = [f"{c.get('classname', '').removeprefix('chapters.').removesuffix('.ipynb')} {c.get('name')}" for c in cases
                  if c.find("failure") is not None or c.find("error") is not None]
    return failed, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="chapters to run (default: all)")
    parser.add_argument("--only", help="comma-separated condition names")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--list", action="store_true", help="list the conditions and exit")
    args = parser.parse_args()
    if args.list:
        for name, (what, changes) in CONDITIONS.items():
            print(f"{name:15} {what}\n{'':15} {changes or 'no change'}")
        return 0
    names = args.only.split(",") if args.only else list(CONDITIONS)
    unknown = [n for n in names if n not in CONDITIONS]
    if unknown:
        parser.error(f"unknown condition(s) {unknown}; choose from {list(CONDITIONS)}")
    notebooks = args.notebooks or sorted(str(p.relative_to(ROOT)) for p in (ROOT / "chapters").glob("[0-9]*.ipynb"))
    rows = []
    for name in names:
        failed, seconds = run(name, notebooks, args.workers)
        rows.append((name, failed))
        print(f"{name:15} {len(failed):3d} differing cell(s) ({seconds:.0f} s) {', '.join(failed)}", flush=True)
    print("\n| condition | what it simulates | cells that differ |\n| --- | --- | --- |")
    for name, failed in rows:
        print(f"| {name} | {CONDITIONS[name][0]} | {len(failed)}{': ' + ', '.join(failed) if failed else ''} |")
    return 1 if any(failed for _, failed in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
