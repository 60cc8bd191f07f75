"""Shared fixtures: every chapter's live figure (nbcode.widgets.catalog), built once per test."""

from __future__ import annotations

import io

import numpy as np
import pytest


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
