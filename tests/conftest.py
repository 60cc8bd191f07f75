"""Shared fixtures and helpers: every chapter's live figure (nbcode.widgets.catalog), built once
per test; the one headless Chromium of the browser tests (test_browser.py, test_jupyterlab.py),
started once per session, since Playwright's sync API allows one instance at a time;
and the list of the built book's sources."""

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



def book_sources(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The files a build of the book reads: a build older than any of them is stale."""
    found = [ROOT / "_config.yml", toc, ROOT / "intro.md"]
    found += list((ROOT / "chapters").glob("*.ipynb")) + list((ROOT / "chapters").glob("*.md"))
    found += list((ROOT / "chapters").glob("*.bib")) + list((ROOT / "assets").glob("*.*"))
    found += list((ROOT / "sphinxext").glob("*.py")) + list((ROOT / "_templates").rglob("*.html"))
    found += list((ROOT / "nbcode").rglob("*.py"))  # the API reference is made from their docstrings
    return found
