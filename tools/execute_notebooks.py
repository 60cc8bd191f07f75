"""Re-execute chapters in place, from chapters/ as the working directory.

    python tools/execute_notebooks.py                   # every chapter
    python tools/execute_notebooks.py chapters/01_*.ipynb

Run it after editing a chapter, then commit the notebook: nbval compares fresh runs with these
stored outputs, and the book is built from them. Widget state is not saved: a live figure needs a
kernel, and without one (the built book) the cell shows its note instead of controls that do nothing.
Each notebook is written with its solutions collapsed for JupyterLab (tools/hide_solutions.py).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from hide_solutions import hide_solutions

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("widgets", None)  # state an earlier run saved
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    hide_solutions(notebook)
    nbformat.write(notebook, path)
    return seconds


def main(paths: list[str]) -> None:
    notebooks = [Path(p).resolve() for p in paths] or sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
    total = 0.0
    for path in notebooks:
        seconds = execute(path)
        total += seconds
        print(f"{path.relative_to(ROOT)}: {seconds:.1f} s")
    print(f"executed {len(notebooks)} notebook(s) in {total:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
