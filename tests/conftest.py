"""Shared fixtures and helpers: every chapter's live figure (nbcode.widgets.catalog), built once
per test; the one headless Chromium of the browser tests (test_browser.py, test_jupyterlab.py),
started once per session (per pytest-xdist worker), since Playwright's sync API allows one
instance at a time; the list of the built book's sources; and the browser test's report,
gathered from every worker."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from chromium import launch  # noqa: E402


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        try:
            browser = launch(playwright)
        except FileNotFoundError as missing:
            pytest.fail(str(missing))
        yield browser
        browser.close()


@pytest.fixture(params=sorted(__import__("nbcode.widgets.catalog", fromlist=["LIVE_VIEWS"]).LIVE_VIEWS))
def live_view(request):
    """``(name, LiveFigure)`` for each entry of ``LIVE_VIEWS``, built as its chapter builds it."""
    pytest.importorskip("ipywidgets")
    from nbcode.widgets.catalog import LIVE_VIEWS

    return request.param, LIVE_VIEWS[request.param]()


def png_pixels(png: bytes) -> np.ndarray:
    """An RGB image as an ``(h, w, 3)`` int array."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)



BROWSER_MEASURES: list[dict] = []  # in pytest-xdist's controller: what each worker's browser test measured


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    if measured := getattr(node, "workeroutput", {}).get("browser_measures"):
        BROWSER_MEASURES.append(measured)


def pytest_sessionfinish(session) -> None:
    """_build/page-weight.md from what test_browser.py measured, in this process or, under
    pytest-xdist, in each worker (a worker hands its measures to the controller, which writes)."""
    module = sys.modules.get("test_browser")
    own = module.measures() if module else None
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["browser_measures"] = own
        return
    measured = [part for part in [own, *BROWSER_MEASURES] if part and (part["weights"] or part["axe"])]
    if measured:
        import test_browser

        test_browser.write_page_weight(measured)


def book_sources(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The files a build of the book reads: a build older than any of them is stale."""
    found = [ROOT / "_config.yml", toc, ROOT / "intro.md"]
    found += list((ROOT / "chapters").glob("*.ipynb")) + list((ROOT / "chapters").glob("*.md"))
    found += list((ROOT / "chapters").glob("*.bib")) + list((ROOT / "assets").glob("*.*"))
    found += list((ROOT / "sphinxext").glob("*.py")) + list((ROOT / "_templates").rglob("*.html"))
    found += list((ROOT / "nbcode").rglob("*.py"))  # the API reference is made from their docstrings
    return found
