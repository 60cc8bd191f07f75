"""A real JupyterLab from the Binder environment, driven in Debian's Chromium: the harness of
tests/test_jupyterlab.py and benchmarks/bench_jupyterlab.py.

JupyterLab and its extensions come from the Binder environment (.venv-binder, made from
requirements.txt alone, as Binder makes it). `start_lab` copies notebooks to a folder of their own
(JupyterLab may autosave what it opens), trusts them as a reader's own notebooks are trusted and
starts `jupyter lab` there on 127.0.0.1 with a random port and a token; `Lab` is one browser page
on it, opening one notebook after another, with every request to another host blocked.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BINDER = Path(os.environ.get("NNFP_BINDER", ROOT / ".venv-binder"))
TOKEN = "nnfp-test-token"
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


def start_lab(folder: Path, notebooks: list[Path], disabled: tuple[str, ...] = (), settings: dict = SETTINGS):
    """Copy `notebooks` into folder/chapters, trust them, start JupyterLab there; returns
    (process, base URL). `disabled`: lab extensions to turn off (to measure without one);
    `settings`: JupyterLab's settings, {plugin: values} (default SETTINGS)."""
    lab = BINDER / "bin" / "jupyter-lab"
    if not lab.exists():
        raise FileNotFoundError(f"{lab} is missing: run `make {BINDER.name}/.kernel` (requirements.txt includes JupyterLab)")
    work = folder / "chapters"
    work.mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy(notebook, work / notebook.name)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / "config"), "JUPYTER_DATA_DIR": str(folder / "data"),
           "JUPYTER_RUNTIME_DIR": str(folder / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(folder / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"), "JUPYTER_PLATFORM_DIRS": "1"}
    for name, values in settings.items():
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
                raise RuntimeError(f"JupyterLab did not start; see {folder / 'lab.log'}:\n{(folder / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)


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

    def __init__(self, browser, base: str) -> None:
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
