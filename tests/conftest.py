"""Shared fixtures: every chapter's live figure (nbcode.widgets.catalog), built once per test, and
the one headless Chromium of the browser tests (test_browser.py, test_jupyterlab.py), started once
per session: Playwright's sync API allows one instance at a time."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
]


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `python tools/install_chromium.py` (Debian's chromium package).")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
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
