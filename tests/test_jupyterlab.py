"""Every chapter in a real JupyterLab reads like the book (issue 15 items 1 and 3).

JupyterLab runs from the Binder environment, started by tools/lab_session.py on copies of the
chapters, and each chapter is opened in Debian's Chromium with every request to another host
blocked. Without running a cell:

- no raw MyST shows (a role such as {term}`...`, a directive fence) and no formula is broken
  (a $ left in the rendered prose);
- no solution shows: no text of any solution (prose, code, text outputs) is visible, except the
  first line of a collapsed code cell's code and output, which JupyterLab shows as the collapsed
  cell's preview; and the first solution opens on clicks (its dropdown, then its collapsed cells);
- each static scrubber moves one frame with ArrowRight, which does not move the notebook's
  active cell instead.

Every cell is rendered at once (windowingMode "none"), so "visible" is `innerText`, which leaves out
closed <details>, collapsed cells and the hidden editors behind rendered markdown.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from lab_session import NOTEBOOK, QUIET, Lab, shut_down_kernels, start_lab  # noqa: E402

# One JupyterLab for the module: under pytest-xdist (--dist loadgroup) its tests share a worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("jupyterlab")]

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
# A role's name (JupyterLab's own renderer drops the backticks after it), a directive's fence or
# one of its option lines.
RAW_MYST = re.compile(r"\{(?:term|cite(?::[a-z]+)?|doc|ref|numref|eq|glue|download|abbr)\}|```\{|:::\{|:(?:class|label): ")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    try:
        process, base = start_lab(tmp_path_factory.mktemp("lab"), CHAPTERS)
    except (FileNotFoundError, RuntimeError) as failed:
        pytest.fail(str(failed))
    yield base
    process.terminate()
    process.wait(timeout=30)


def visible_text(page) -> str:
    """What the notebook shows, whitespace collapsed (rendered text wraps where the source did not)."""
    return " ".join(page.locator(NOTEBOOK).evaluate("el => el.innerText").split())


def solution_probes(path: Path) -> list[list[str]]:
    """For each solution in order, pieces of its text found nowhere outside solutions: what a reader
    would see if it were open (five-word runs of its prose, its code after the first line, which
    a collapsed cell shows, and lines of its text outputs)."""
    notebook = nbformat.read(path, as_version=4)
    solutions: list[list[str]] = []
    outside: list[str] = []
    inside = False
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for part in re.split(r"(^```\{solution-(?:start|end)\}.*?^```$|^:::\{solution\}.*?^:::$)", cell.source, flags=re.M | re.S):
                if part.startswith("```{solution-start}"):
                    inside = True
                    solutions.append([])
                elif part.startswith("```{solution-end}"):
                    inside = False
                elif part.startswith(":::{solution}"):
                    solutions.append(prose_runs(part))
                elif inside:
                    solutions[-1] += prose_runs(part)
                else:
                    outside.append(part)
        else:
            code = cell.source.splitlines()[1:]
            outputs = [line for output in cell.get("outputs", []) for line in output_text(output).splitlines()]
            if inside:
                solutions[-1] += [" ".join(line.split()) for line in code + outputs if len(line.strip()) > 12]
            else:
                outside += [cell.source, *outputs]
    seen = " ".join(" ".join(outside).split())
    return [[probe for probe in probes if probe not in seen] for probes in solutions]


def prose_runs(markdown: str) -> list[str]:
    """Runs of five or more plain words on one line: rendered exactly as written."""
    lines = [line for line in markdown.splitlines() if not line.startswith("%")]  # a MyST comment never renders
    return [run for line in lines for run in re.findall(r"[A-Za-z][a-z]+(?: [A-Za-z][a-z]+){4,}", line)]


def output_text(output) -> str:
    if output.output_type == "stream":
        return output.text
    return output.get("data", {}).get("text/plain", "") if "text/html" not in output.get("data", {}) else ""


HANDLES = f"{NOTEBOOK} .jp-Placeholder, {NOTEBOOK} .myst details:not([open]) > summary"
# A $ left in rendered prose (outside code and typeset math) is a formula the parser broke.
STRAY_DOLLARS = """selector => {
  const found = [];
  for (const root of document.querySelectorAll(selector + " .jp-MarkdownCell .myst")) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.data.includes("$") && !node.parentElement.closest("code, pre, .katex")) found.push(node.data.slice(0, 80));
    }
  }
  return found;
}"""


FIRST_HANDLE = """selector => {
  const handle = document.querySelector(selector);
  return handle && {cell: +handle.closest(".jp-Cell").dataset.windowedListIndex,
                    part: handle.matches(".jp-Placeholder"), text: handle.innerText};
}"""


def open_first_solution(page) -> tuple[str, int, bool]:
    """Click what keeps the first solution closed: its dropdown, then (a gated solution) each
    collapsed part, input or output, of the cells that follow it. Opening a cell can make
    jupyterlab-myst render the cells again, which closes the dropdown: it is opened once more if
    so. Returns the dropdown's title, the clicks and whether it had closed again."""
    first = page.evaluate(FIRST_HANDLE, HANDLES)
    if first is None:
        return "(nothing closed)", 0, False
    clicks, last = 0, first["cell"]
    while True:
        handle = page.evaluate(FIRST_HANDLE, HANDLES)
        if handle is None or (clicks and not (handle["part"] and handle["cell"] <= last + 1)):
            break
        click_first_handle(page, handle)
        clicks, last = clicks + 1, handle["cell"]
    page.evaluate(QUIET, NOTEBOOK)
    reclosed = page.evaluate(FIRST_HANDLE, HANDLES) == first
    if reclosed:
        click_first_handle(page, first)
    return first["text"], clicks + reclosed, reclosed


def click_first_handle(page, handle: dict) -> None:
    page.locator(HANDLES).first.click()
    page.wait_for_function("([selector, before]) => JSON.stringify((" + FIRST_HANDLE + ")(selector)) !== before",
                           arg=[HANDLES, json.dumps(handle, separators=(",", ":"))], timeout=10_000)


def visit(lab: Lab, path: Path) -> dict:
    """Open the chapter once and record what a reader meets, in this order: raw MyST and open
    solutions before any click; the first solution after clicking its handles; each scrubber after
    ArrowRight on its range."""
    page = lab.open(path)
    try:
        text, probes = visible_text(page), solution_probes(path)
        found: dict = {"raw": [match.group(0) for match in RAW_MYST.finditer(text)], "probes": probes, "dollars": page.evaluate(STRAY_DOLLARS, NOTEBOOK),
                       "open": [i + 1 for i, lines in enumerate(probes) if any(line in text for line in lines)]}
        found["handle"], found["clicks"], found["reclosed"] = open_first_solution(page)
        text = visible_text(page)
        found["first_hidden"] = [line for line in probes[0] if line not in text] if probes else ["(no solution)"]
        scrubbers = page.locator(f"{NOTEBOOK} .nbcode-scrubber")
        found["scrubbers"] = [arrow_key(page, scrubbers.nth(i)) for i in range(scrubbers.count())]
        found["blocked"] = list(lab.blocked)
        return found
    finally:
        shut_down_kernels(lab.base)


def arrow_key(page, scrubber) -> dict:
    """Focus the range at frame 0 and press ArrowRight: where the range, its label (which its
    script sets with the frame; two neighbouring frames may look alike) and JupyterLab's active
    cell end up."""
    control, label = scrubber.locator("input[type=range]"), scrubber.locator("output")
    control.evaluate("el => { el.value = 0; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    control.scroll_into_view_if_needed()
    control.focus()
    active = f"{NOTEBOOK} .jp-Cell.jp-mod-active"
    before = {"label": label.inner_text(), "cell": page.locator(active).get_attribute("data-windowed-list-index")}
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(100)
    return {"value": control.input_value(), "label_moved": label.inner_text() != before["label"],
            "cell_moved": page.locator(active).get_attribute("data-windowed-list-index") != before["cell"]}


@pytest.fixture(scope="module")
def visits(browser, lab):
    """Each chapter is opened once, whichever of the tests below asks first."""
    session, done = Lab(browser, lab), {}

    def get(path: Path) -> dict:
        if path not in done:
            done[path] = visit(session, path)
        return done[path]

    yield get
    session.close()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_reads_like_the_book_in_jupyterlab(visits, path: Path):
    found = visits(path)
    assert found["raw"] == [], f"{path.name}: raw MyST shows in JupyterLab: {found['raw'][:10]}"
    assert found["dollars"] == [], f"{path.name}: a formula is broken (raw $ in the text): {found['dollars'][:5]}"
    assert found["probes"] and all(found["probes"]), f"{path.name}: a solution has no text to check"
    assert found["open"] == [], f"{path.name}: solutions {found['open']} show before the reader opens them"
    assert "Solution" in found["handle"], f"{path.name}: the first closed element is not a solution: {found['handle']!r}"
    assert found["first_hidden"] == [], f"{path.name}: after {found['clicks']} click(s) the first solution still hides {found['first_hidden'][:3]}"
    assert found["blocked"] == [], f"{path.name}: JupyterLab requested other hosts: {found['blocked'][:5]}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_scrubbers_take_arrow_keys_in_a_trusted_unrun_notebook(visits, path: Path):
    """The scrubber's script runs in a trusted notebook, and ArrowRight moves the range one frame
    (and the frame's label), not JupyterLab's active cell."""
    found = visits(path)
    assert found["scrubbers"], f"{path.name}: no static scrubber in the notebook's outputs"
    for i, key in enumerate(found["scrubbers"]):
        assert key == {"value": "1", "label_moved": True, "cell_moved": False}, f"{path.name}: scrubber {i}: {key}"


def test_scrubber_keeps_its_arrow_keys_from_the_page(browser):
    """nbcode's scrubber, as it is now, on a page whose document handles arrow keys as JupyterLab's
    notebook does (preventDefault at the document): the range still moves."""
    from nbcode.widgets._core import Scrubber

    one_pixel = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                              "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea73581e40000000049454e44ae426082")
    html = Scrubber([one_pixel, one_pixel + b" ", one_pixel + b"  "], ["a", "b", "c"], "k")._repr_html_()
    page = browser.new_page()
    try:
        page.set_content("<script>document.addEventListener('keydown', e => e.preventDefault());</script>" + html)
        control = page.locator("input[type=range]")
        control.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("End")
        assert control.input_value() == "2" and page.locator("output").inner_text() == "c", "the page took the range's keys"
    finally:
        page.close()
