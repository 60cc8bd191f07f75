"""Every chapter in a real JupyterLab reads like the book (issue 15 items 1 and 3).

JupyterLab and its extensions come from the Binder environment (.venv-binder, made from
requirements.txt alone, as Binder makes it). The test copies the chapters to a temporary folder
(JupyterLab may autosave what it opens), trusts the copies as a reader's own notebooks are
trusted, starts `jupyter lab` on 127.0.0.1 with a random port and a token, and opens each
chapter in Debian's Chromium with every request to another host blocked. Without running a cell:

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
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
from test_browser import browser  # noqa: F401  (the one way this suite starts Chromium)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
BINDER = Path(os.environ.get("NNFP_BINDER", ROOT / ".venv-binder"))
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
TOKEN = "nnfp-test-token"
# A role's name (JupyterLab's own renderer drops the backticks after it), a directive's fence or
# one of its option lines.
RAW_MYST = re.compile(r"\{(?:term|cite(?::[a-z]+)?|doc|ref|numref|eq|glue|download|abbr)\}|```\{|:::\{|:(?:class|label): ")
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
# Settings a reader could have too: every cell rendered at once (JupyterLab otherwise renders
# cells as they scroll into view), and no news request to the internet.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_lab(folder: Path, notebooks: list[Path], disabled: tuple[str, ...] = ()):
    """Copy `notebooks` into folder/chapters, trust them, start JupyterLab there; returns
    (process, base URL). `disabled`: lab extensions to turn off (to measure without one)."""
    lab = BINDER / "bin" / "jupyter-lab"
    if not lab.exists():
        pytest.fail(f"{lab} is missing: run `make {BINDER.name}/.kernel` (requirements.txt includes JupyterLab)")
    work = folder / "chapters"
    work.mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy(notebook, work / notebook.name)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / "config"), "JUPYTER_DATA_DIR": str(folder / "data"),
           "JUPYTER_RUNTIME_DIR": str(folder / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(folder / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"), "JUPYTER_PLATFORM_DIRS": "1"}
    for name, values in SETTINGS.items():
        (folder / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "settings" / name).write_text(json.dumps(values))
    if disabled:
        (folder / "config" / "labconfig").mkdir(parents=True)
        page_config = {"disabledExtensions": {name: True for name in disabled}}
        (folder / "config" / "labconfig" / "page_config.json").write_text(json.dumps(page_config))
    subprocess.run([str(BINDER / "bin" / "jupyter"), "trust", *[n.name for n in notebooks]], cwd=work, env=env,
                   check=True, capture_output=True)
    port = free_port()
    command = [str(lab), "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}", "--allow-root",
               "--LabApp.expose_app_in_browser=True"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "lab.log", "w"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"JupyterLab did not start; see {folder / 'lab.log'}:\n{(folder / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    process, base = start_lab(tmp_path_factory.mktemp("lab"), CHAPTERS)
    yield base
    process.terminate()
    process.wait(timeout=30)


def shut_down_kernels(base: str) -> None:
    """Opening a notebook starts its kernel; the checks need none, so free the two cores."""
    with urllib.request.urlopen(f"{base}/api/sessions?token={TOKEN}") as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={TOKEN}", method="DELETE")
        urllib.request.urlopen(request).close()


# Resolves once the notebook's DOM has not changed for half a second (at most 15 s).
QUIET = """selector => new Promise(resolve => {
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 500); });
  const done = () => { observer.disconnect(); clearTimeout(limit); resolve(); };
  let timer = setTimeout(done, 500);
  const limit = setTimeout(done, 15000);
  observer.observe(document.querySelector(selector), {subtree: true, childList: true, characterData: true});
})"""


class Lab:
    """One browser page on JupyterLab, opening one notebook after another (the app loads once);
    requests to any host but 127.0.0.1 are blocked and listed in `blocked`."""

    def __init__(self, browser, base: str) -> None:  # noqa: F811
        self.base, self.blocked = base, []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.context.route("**/*", self.route)
        self.page = self.context.new_page()
        self.page.goto(f"{base}/lab?token={TOKEN}&reset")
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open')",
                                    timeout=90_000)
        self.page.evaluate("() => window.jupyterapp.restored")

    def route(self, request_route) -> None:
        if urlparse(request_route.request.url).hostname in ("127.0.0.1", None):
            request_route.continue_()
        else:
            self.blocked.append(request_route.request.url)
            request_route.abort()

    def open(self, path: Path):
        """The notebook as the only tab, every markdown cell rendered (by jupyterlab-myst, or by
        JupyterLab's own renderer if it is missing) or collapsed."""
        page = self.page
        page.evaluate("""async name => {
            for (const widget of Array.from(window.jupyterapp.shell.widgets("main"))) {
                if (widget.context) widget.context.model.dirty = false;  // opened cells: close unsaved
                widget.dispose();
            }
            await window.jupyterapp.commands.execute("docmanager:open", {path: name});
        }""", path.name)
        markdown = sum(cell.cell_type == "markdown" for cell in nbformat.read(path, as_version=4).cells)
        page.wait_for_function(
            """([selector, expected]) => {
                 const cells = document.querySelectorAll(selector + " .jp-MarkdownCell");
                 return cells.length === expected && Array.from(cells).every(
                   c => c.querySelector(".jp-InputPlaceholder, .myst > *, .jp-RenderedMarkdown > *"));
               }""",
            arg=[NOTEBOOK, markdown], timeout=60_000,
        )
        page.evaluate(QUIET, NOTEBOOK)  # jupyterlab-myst renders cells again once it has read them all
        return page

    def close(self) -> None:
        self.context.close()


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
def visits(browser, lab):  # noqa: F811
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


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="the committed outputs predate the scrubber's keydown fix (nbcode/widgets/_core.py); "
                          "remove this mark when the chapters are re-executed")
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_scrubbers_take_arrow_keys_in_a_trusted_unrun_notebook(visits, path: Path):
    """The scrubber's script runs in a trusted notebook, and ArrowRight moves the range one frame
    (and the frame's label), not JupyterLab's active cell."""
    found = visits(path)
    assert found["scrubbers"], f"{path.name}: no static scrubber in the notebook's outputs"
    for i, key in enumerate(found["scrubbers"]):
        assert key == {"value": "1", "label_moved": True, "cell_moved": False}, f"{path.name}: scrubber {i}: {key}"


def test_scrubber_keeps_its_arrow_keys_from_the_page(browser):  # noqa: F811
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
