"""One design for every widget: each live figure renders through the one Renderer, correctly.

Run over every entry of ``nbcode.widgets.catalog.LIVE_VIEWS`` (the ``live_view`` fixture):
a blitted frame equals a full render at every control's ends and middle, and moving the main
slider redraws only what moves (the static part is drawn once; a scene's background key changes
only with a secondary control, such as the surface).
Latency itself is measured by ``benchmarks/bench_widgets.py``, not asserted.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

from conftest import png_pixels

from nbcode.widgets import figure_png
from nbcode.widgets.catalog import LIVE_VIEWS, control_settings

pytest.importorskip("ipywidgets")

# A restored background anti-aliases the movers' edges against itself, not against the movers
# drawn before; measured over every widget and setting: at most 0.6% of pixels differ by more
# than 48 of 255 in some channel.
FAR, MOST = 48, 0.01


def test_every_widget_module_has_a_live_view_in_the_catalog():
    import nbcode.widgets

    modules = {info.name for info in pkgutil.iter_modules(nbcode.widgets.__path__) if not info.name.startswith("_")}
    assert modules - {"catalog"} == set(LIVE_VIEWS)


def far_pixels(a: bytes, b: bytes) -> float:
    pa, pb = png_pixels(a), png_pixels(b)
    assert pa.shape == pb.shape
    return float(np.mean(np.abs(pa - pb).max(axis=2) > FAR))


def test_a_frame_equals_a_full_render_at_every_control_setting(live_view):
    name, view = live_view
    assert far_pixels(view.image.value, figure_png(view.fig)) < MOST
    for control_name, control in view.controls.items():
        start = control.value
        for value in control_settings(control):
            control.value = value
            frame = bytes(view.image.value)
            assert frame.startswith(b"\x89PNG")
            assert far_pixels(frame, figure_png(view.fig)) < MOST, f"{name}: {control_name} = {value!r}"
        control.value = start


def test_moving_the_main_slider_redraws_only_what_moves(live_view):
    name, view = live_view
    controls = list(view.controls.values())
    sliders = ([c for c in controls if hasattr(c, "min") and not hasattr(c, "options")]
               or [c for c in controls if type(c).__name__ == "SelectionSlider"])
    assert sliders, f"{name} has no slider"
    main = sliders[0]
    renderer = view.renderer
    assert view.fig.get_layout_engine() is None, "the layout is solved once, not on every frame"
    draws = renderer.full_draws
    for value in control_settings(main):
        main.value = value
        assert renderer.full_draws == draws, f"{name}: {main.description} = {value!r} drew the background again"
