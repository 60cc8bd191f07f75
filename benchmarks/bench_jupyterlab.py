"""Felt latency of every chapter's live figure in a real JupyterLab (issue 15 item 2).

From a key press or a click on a control to the new figure painted in the page: the browser's
event, the comm message to the kernel, the scene's update, draw and PNG encode, the message back
and the image decoded and painted. bench_widgets.py measures the kernel's part alone.

JupyterLab runs from the Binder environment (tools/lab_session.py) with a reader's default
settings (cells rendered as they scroll into view), in Debian's Chromium. Each chapter is run
whole (Run All), then each control of its live figure is moved as a reader moves it: a slider
three steps right, six left and three right (ArrowRight/ArrowLeft on its handle: half the moves
come back to a setting seen before), every other option of a selection and back. A move is timed
from the input event to the animation frame after the new image is decoded, one move at a time.
The kernel's own time per move (``LiveFigure.refresh``) is recorded beside it.

Goal per chapter: median <= 100 ms and 90th percentile <= 200 ms; the script exits 1 if a
chapter misses it. Never part of the test run (a timing depends on the machine's load).

    python benchmarks/bench_jupyterlab.py                      # -> benchmarks/results/jupyterlab.json
    python benchmarks/bench_jupyterlab.py --only 04,07 --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from chromium import launch  # noqa: E402
from lab_session import NOTEBOOK, SETTINGS, Lab, shut_down_kernels, start_lab  # noqa: E402

RESULTS = Path(__file__).with_name("results")
MEDIAN_MS, P90_MS = 100.0, 200.0
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
# A reader's JupyterLab: its default windowing, and no news request to the internet.
READER_SETTINGS = {name: values for name, values in SETTINGS.items() if "windowingMode" not in values}
FIGURE = f"{NOTEBOOK} .widget-vbox:has(> img.widget-image)"
SLIDER_WALK = ["ArrowRight"] * 3 + ["ArrowLeft"] * 6 + ["ArrowRight"] * 3

RAN_ALL = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return kernel && kernel.status === "idle" && panel.model.cells.length > 0 &&
    Array.from({length: panel.model.cells.length}, (_, i) => panel.model.cells.get(i))
      .every(cell => cell.type !== "code" || (cell.executionCount !== null && cell.executionState !== "running"));
}"""
# Times the next move: from the first input event to the frame after the new image is decoded.
ARM = """figure => {
  const img = figure.querySelector("img.widget-image");
  const move = window.nbcodeMove = {start: null, painted: null, src: img.src};
  if (!window.nbcodeListening) {
    window.nbcodeListening = true;
    for (const type of ["keydown", "pointerdown", "input", "change"]) {
      document.addEventListener(type, () => {
        if (window.nbcodeMove && window.nbcodeMove.start === null) window.nbcodeMove.start = performance.now();
      }, true);
    }
  }
  const observer = new MutationObserver(() => {
    if (img.src === move.src) return;
    observer.disconnect();
    img.decode().catch(() => null).then(() => requestAnimationFrame(() => { move.painted = performance.now(); }));
  });
  observer.observe(img, {attributes: true, attributeFilter: ["src"]});
}"""
# The kernel's side: how long each LiveFigure.refresh takes, appended to a list in the kernel.
KERNEL_TIMER = """
import time as _time
from nbcode.widgets._core import LiveFigure as _LiveFigure
_NBCODE_REFRESH_MS, _refresh = [], _LiveFigure.refresh
def _timed_refresh(self, _refresh=_refresh):
    _start = _time.perf_counter()
    _refresh(self)
    _NBCODE_REFRESH_MS.append(1e3 * (_time.perf_counter() - _start))
_LiveFigure.refresh = _timed_refresh
"""
STATE = """figure => Array.from(figure.querySelectorAll(":scope > .widget-hbox > *")).map(control =>
  (control.querySelector(".widget-readout") || {}).textContent ||
  Array.from(control.querySelectorAll("option:checked, button.mod-active")).map(e => e.textContent).join("+"))"""


def kernel(page, code: str) -> None:
    page.evaluate("code => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.requestExecute({code}).done", code)


def control_moves(control) -> list[tuple[str, object]]:
    """(kind, argument) for each move of one control, in order."""
    classes = control.get_attribute("class") or ""
    if "widget-slider" in classes:
        return [("key", key) for key in SLIDER_WALK]
    select = control.locator("select")
    if select.count():
        options = select.locator("option").evaluate_all("options => options.map(o => o.value)")
        chosen = select.evaluate("s => Array.from(s.selectedOptions).map(o => o.value)")
        if select.get_attribute("multiple") is not None:
            return [("select", subset) for subset in (options[:1], options[:2], options, chosen)]
        return [("select", option) for option in [o for o in options if o not in chosen] + chosen]
    buttons = control.locator("button")
    active = [i for i in range(buttons.count()) if "mod-active" in (buttons.nth(i).get_attribute("class") or "")]
    return [("click", i) for i in [i for i in range(buttons.count()) if i not in active] + active]


def move(page, figure, control, kind: str, argument) -> float | None:
    """Make one move and return the felt milliseconds, or None if no new frame came within 5 s
    (a slider already at its end)."""
    figure.evaluate(ARM)
    if kind == "key":
        control.locator(".noUi-handle").focus()
        page.keyboard.press(argument)
    elif kind == "select":
        control.locator("select").select_option(argument)
    else:
        control.locator("button").nth(argument).click()
    try:
        page.wait_for_function("() => window.nbcodeMove.painted !== null", timeout=5_000)
    except Exception:  # playwright's TimeoutError: the move changed nothing
        return None
    return page.evaluate("() => window.nbcodeMove.painted - window.nbcodeMove.start")


def time_chapter(lab: Lab, path: Path, folder: Path) -> dict:
    page = lab.open(path)
    started = time.perf_counter()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(RAN_ALL, timeout=300_000, polling=500)
    ran_s = time.perf_counter() - started
    kernel(page, KERNEL_TIMER)
    figure = page.locator(FIGURE).first
    figure.scroll_into_view_if_needed()
    controls = figure.locator(":scope > .widget-hbox > *")
    felt, revisit, seen = [], [], {json.dumps(figure.evaluate(STATE))}
    for i in range(controls.count()):
        control = controls.nth(i)
        for kind, argument in control_moves(control):
            ms = move(page, figure, control, kind, argument)
            if ms is None:
                continue
            state = json.dumps(figure.evaluate(STATE))
            felt.append(ms)
            revisit.append(state in seen)
            seen.add(state)
    refresh = folder / f"{path.stem}.refresh.json"
    kernel(page, f"import json; open({str(refresh)!r}, 'w').write(json.dumps(_NBCODE_REFRESH_MS))")
    kernel_ms = json.loads(refresh.read_text())
    shut_down_kernels(lab.base)
    felt_ms, again = np.array(felt), np.array(revisit)
    row = {
        "chapter": path.stem, "controls": controls.count(), "moves": len(felt), "revisits": int(again.sum()),
        "median_ms": round(float(np.median(felt_ms)), 1), "p90_ms": round(float(np.percentile(felt_ms, 90)), 1),
        "new_median_ms": round(float(np.median(felt_ms[~again])), 1),
        "revisit_median_ms": round(float(np.median(felt_ms[again])), 1) if again.any() else None,
        "kernel_median_ms": round(float(np.median(kernel_ms)), 1) if kernel_ms else None,
        "run_all_s": round(ran_s, 1),
    }
    row["meets_goal"] = row["median_ms"] <= MEDIAN_MS and row["p90_ms"] <= P90_MS
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated chapter number prefixes, e.g. 04,07 (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print only; keep results/jupyterlab.json")
    args = parser.parse_args()
    prefixes = [p for p in args.only.split(",") if p]
    chapters = [c for c in CHAPTERS if not prefixes or c.name.startswith(tuple(prefixes))]
    from playwright.sync_api import sync_playwright

    print(f"load average {os.getloadavg()[0]:.1f}; a move = key press or click to the new figure painted")
    print(f"{'chapter':<22} {'moves':>5} {'again':>5} {'median':>6} {'p90':>5} {'new':>5} {'again':>5} {'kernel':>6}  (ms)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        process, base = start_lab(Path(tmp), chapters, settings=READER_SETTINGS)
        browser = launch(playwright)
        try:
            lab = Lab(browser, base)
            for path in chapters:
                row = time_chapter(lab, path, Path(tmp))
                rows.append(row)
                flag = "" if row["meets_goal"] else "   <-- over the goal"
                print(f"{row['chapter']:<22} {row['moves']:>5} {row['revisits']:>5} {row['median_ms']:>6.0f} {row['p90_ms']:>5.0f} "
                      f"{row['new_median_ms']:>5.0f} {row['revisit_median_ms'] or float('nan'):>5.0f} {row['kernel_median_ms']:>6.1f}{flag}", flush=True)
            lab.close()
        finally:
            browser.close()
            process.terminate()
            process.wait(timeout=30)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        load = os.getloadavg()[0]
        (RESULTS / "jupyterlab.json").write_text(json.dumps({"load_average_end": round(load, 1), "chapters": rows}, indent=1) + "\n")
    return 0 if all(row["meets_goal"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
