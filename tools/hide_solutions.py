"""Keep every exercise's solution closed in JupyterLab, as it is in the book.

    python tools/hide_solutions.py                  # every chapter, in place
    python tools/hide_solutions.py --check          # exit 1 if a chapter needs it

The book shows a solution as a closed dropdown (sphinx-exercise, `:class: dropdown`). In JupyterLab,
jupyterlab-myst closes a `:::{solution}` the same way, and a *gated* solution (`solution-start` ...
`solution-end`, which lets a solution contain code cells) up to the end of the cell it starts in:
"Start of Solution to Exercise N", closed. Each cell is rendered on its own, so the rest of a gated
solution would stand open: its code cells, their outputs, and the text before `solution-end`. This
tool collapses that rest with the cell metadata JupyterLab honours (`jupyter.source_hidden`, and
`jupyter.outputs_hidden` for code):

- a markdown cell that begins inside a solution is split after the fence that ends it, so that
  the text after it stays visible; the split only moves a cell boundary between blocks, so the
  book's HTML is unchanged;
- such a hidden markdown cell begins with the MyST comment `HIDDEN_LABEL`: JupyterLab shows a
  collapsed cell as its first line, and the book drops comments;
- code cells are not touched except for their metadata (nbval compares their outputs). A
  collapsed code cell still shows the first line of its code and of its output (JupyterLab's
  preview of a collapsed cell).

tools/execute_notebooks.py runs it on every notebook it writes; tests/test_hide_solutions.py
checks that every chapter is in this form. Running it twice changes nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
HIDDEN_LABEL = "% End of the solution: click to show it"
# A gated fence: ```{solution-start} label, its option lines, and the closing ``` (same for -end).
GATE = re.compile(r"^```\{solution-(start|end)\}[^\n]*\n(?::[^\n]*\n)*```[ \t]*$", re.M)
HIDDEN_INPUT = "source_hidden"
HIDDEN_OUTPUT = "outputs_hidden"


def segments(text: str, inside: bool) -> tuple[list[tuple[str, bool]], bool]:
    """Split one markdown cell's text after each solution-end fence into (text, hidden) runs, given
    whether a gated solution is open when the cell begins; also returns whether one is open when it
    ends. A run is hidden if it begins inside a solution: one that begins outside shows its
    solution-start as jupyterlab-myst's closed dropdown, which holds the rest of the run."""
    text = "\n".join(line for line in text.split("\n") if line != HIDDEN_LABEL)
    runs, position, hidden = [], 0, inside
    for gate in GATE.finditer(text):
        if gate.group(1) == "end":
            runs.append((text[position:gate.end()], hidden))
            position, hidden = gate.end(), False
        inside = gate.group(1) == "start"
    runs.append((text[position:], hidden))
    kept = [(run.strip("\n"), hidden) for run, hidden in runs if run.strip()]
    merged: list[tuple[str, bool]] = []
    for run, hidden in kept:  # neighbours on the same side stay one cell
        if merged and merged[-1][1] == hidden:
            merged[-1] = (merged[-1][0] + "\n\n" + run, hidden)
        else:
            merged.append((run, hidden))
    return merged, inside


def set_hidden(cell, hidden: bool) -> None:
    keys = [HIDDEN_INPUT, HIDDEN_OUTPUT] if cell.cell_type == "code" else [HIDDEN_INPUT]
    jupyter = cell.metadata.get("jupyter", {})
    for key in keys:
        if hidden:
            jupyter[key] = True
        else:
            jupyter.pop(key, None)
    if jupyter:
        cell.metadata["jupyter"] = jupyter
    else:
        cell.metadata.pop("jupyter", None)


def hide_solutions(notebook) -> bool:
    """Rewrite `notebook` in place into the form above; True if anything changed."""
    before = nbformat.writes(notebook)
    cells, inside = [], False
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            set_hidden(cell, inside and cell.cell_type == "code")
            cells.append(cell)
            continue
        runs, inside = segments(cell.source, inside)
        if len(runs) == 1 and not runs[0][1]:  # no solution in it: left as written
            set_hidden(cell, False)
            cells.append(cell)
            continue
        for number, (text, hidden) in enumerate(runs):
            part = cell if number == 0 else nbformat.v4.new_markdown_cell(metadata={})
            if number:
                part.id = f"{cell.id}-{number}"
            part.source = f"{HIDDEN_LABEL}\n{text}" if hidden else text
            set_hidden(part, hidden)
            cells.append(part)
    notebook.cells = cells
    return nbformat.writes(notebook) != before


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(p) for p in argv if p != "--check"] or sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
    stale = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        if hide_solutions(notebook):
            stale.append(path)
            if not check:
                nbformat.write(notebook, path)
    for path in stale:
        print(f"{path}: {'solutions not hidden (run tools/hide_solutions.py)' if check else 'solutions hidden'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
