"""Every solution is closed in JupyterLab until the reader opens it (tools/hide_solutions.py).

tests/test_jupyterlab.py checks the same in a real JupyterLab; these checks are quick and run
everywhere.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from hide_solutions import HIDDEN_LABEL, hide_solutions, segments  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))

EXERCISE = ":::{exercise}\n:label: ex-1\nCompute it.\n:::"
GATED_START = "```{solution-start} ex-1\n:class: dropdown\n```\n\nFirst, the idea."
GATED_END = "Then the check.\n\n```{solution-end}\n```"
NEXT = ":::{exercise}\n:label: ex-2\nProve it.\n:::\n\n:::{solution} ex-2\n:class: dropdown\nBecause.\n:::"


def hidden(cell) -> tuple[bool, bool]:
    jupyter = cell.metadata.get("jupyter", {})
    return jupyter.get("source_hidden", False), jupyter.get("outputs_hidden", False)


def gated_notebook():
    code = nbformat.v4.new_code_cell("print(2 + 2)", execution_count=1,
                                     outputs=[nbformat.v4.new_output("stream", text="4\n")])
    cells = [nbformat.v4.new_markdown_cell("## Exercises\n\n" + EXERCISE + "\n\n" + GATED_START), code,
             nbformat.v4.new_markdown_cell(GATED_END + "\n\n" + NEXT)]
    return nbformat.v4.new_notebook(cells=cells)


def test_what_jupyterlab_myst_leaves_open_of_a_gated_solution_is_collapsed():
    notebook = gated_notebook()
    first, code_before = notebook.cells[0].source, copy.deepcopy(notebook.cells[1])
    assert hide_solutions(notebook)
    kinds = [(cell.cell_type, hidden(cell)) for cell in notebook.cells]
    assert kinds == [("markdown", (False, False)), ("code", (True, True)), ("markdown", (True, False)),
                     ("markdown", (False, False))]
    sources = [cell.source for cell in notebook.cells]
    assert sources[0] == first, "the cell a solution starts in shows it as jupyterlab-myst's closed dropdown"
    assert sources[2] == f"{HIDDEN_LABEL}\n{GATED_END}"
    assert sources[3] == NEXT, "after solution-end: visible (a :::{solution} is closed by jupyterlab-myst itself)"
    code = notebook.cells[1]
    assert (code.source, code.outputs, code.execution_count) == (code_before.source, code_before.outputs, 1)
    assert len({cell.id for cell in notebook.cells}) == 4, "a split cell needs an id of its own"
    nbformat.validate(notebook)


def test_hiding_twice_changes_nothing_and_keeps_the_markdown():
    notebook = gated_notebook()
    original = "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    hide_solutions(notebook)
    once = nbformat.writes(notebook)
    assert not hide_solutions(notebook) and nbformat.writes(notebook) == once
    markdown = [cell.source.removeprefix(HIDDEN_LABEL + "\n") for cell in notebook.cells if cell.cell_type == "markdown"]
    assert "\n\n".join(markdown) == original, "only cell boundaries between blocks may move (the book's HTML stays)"


def test_a_cell_left_open_by_mistake_is_closed_again():
    notebook = gated_notebook()
    hide_solutions(notebook)
    notebook.cells[1].metadata["jupyter"]["outputs_hidden"] = False
    notebook.cells[3].metadata["jupyter"] = {"source_hidden": True}
    assert hide_solutions(notebook)
    assert hidden(notebook.cells[1]) == (True, True) and hidden(notebook.cells[3]) == (False, False)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_its_solutions_collapsed(path: Path):
    notebook = nbformat.read(path, as_version=4)
    assert not hide_solutions(copy.deepcopy(notebook)), f"run `python tools/hide_solutions.py {path.relative_to(ROOT)}`"
    inside, solution_cells = False, 0
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            runs, inside_after = segments(cell.source, inside)
            assert len(runs) == 1, f"cell {number} mixes a solution with text outside it"
            in_solution = runs[0][1]
            inside = inside_after
            assert hidden(cell)[0] == in_solution, f"markdown cell {number}"
            assert not in_solution or cell.source.startswith(HIDDEN_LABEL + "\n"), f"cell {number} needs its label"
        else:
            in_solution = inside and cell.cell_type == "code"
            assert hidden(cell) == (in_solution, in_solution), f"code cell {number}"
        solution_cells += in_solution
    assert not inside, "a solution-start without its solution-end"
    gated = sum(cell.source.count("{solution-start}") for cell in notebook.cells)
    assert solution_cells >= 2 * gated, "each gated solution here has a code cell and its end cell collapsed"
