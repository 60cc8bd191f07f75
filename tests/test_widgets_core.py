"""The shared widget machinery: LiveFigure (live view) and Scrubber (static frames)."""

from __future__ import annotations

import re

import numpy as np
import pytest

ipywidgets = pytest.importorskip("ipywidgets")

from nbcode.widgets import LiveFigure, Scrubber, figure_png, grid, new_figure, scrubber


def sine_figure():
    fig = new_figure(4, 3, dpi=50)
    ax = fig.add_subplot()
    xs = np.linspace(0, 2 * np.pi, 50)
    (line,) = ax.plot(xs, np.sin(xs))

    def update(freq: float = 1.0, phase: float = 0.0) -> None:
        line.set_ydata(np.sin(freq * xs + phase))

    return fig, line, update


def test_live_figure_updates_artists_and_image_when_a_control_moves():
    fig, line, update = sine_figure()
    freq = ipywidgets.FloatSlider(value=1.0, min=0.5, max=5.0)
    view = LiveFigure(fig, {"freq": freq}, update)
    first_image, first_y = bytes(view.image.value), line.get_ydata().copy()
    assert first_image.startswith(b"\x89PNG")
    freq.value = 3.0
    assert view.values == {"freq": 3.0}
    assert not np.allclose(line.get_ydata(), first_y)
    assert bytes(view.image.value) != first_image
    np.testing.assert_allclose(line.get_ydata(), np.sin(3.0 * np.linspace(0, 2 * np.pi, 50)))


def test_live_figure_repr_is_stable_and_without_image_bytes():
    fig, _, update = sine_figure()
    view = LiveFigure(fig, {"freq": ipywidgets.FloatSlider(value=1.0), "phase": ipywidgets.FloatSlider()}, update)
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == "LiveFigure(controls: freq, phase)"
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert view.image.layout.width == "200px"


def test_figure_png_is_deterministic():
    fig, _, _ = sine_figure()
    assert figure_png(fig) == figure_png(fig)


def test_scrubber_has_one_frame_per_value_and_moves_between_them():
    fig, line, update = sine_figure()
    values = np.linspace(1, 4, 7)
    scrub = scrubber(fig, update, "freq", values, fixed={"phase": 0.5}, title="sin(f x + 0.5)")
    assert len(scrub.frames) == 7
    assert len(set(scrub.frames)) == 7, "each value must draw a different picture"
    assert scrub.labels == [f"{v:.3g}" for v in values]
    assert scrub.initial == 3
    # The figure is left showing the initial frame.
    np.testing.assert_allclose(line.get_ydata(), np.sin(values[3] * np.linspace(0, 2 * np.pi, 50) + 0.5))
    html = scrub._repr_html_()
    assert html.count("data:image/png;base64,") == 8  # the shown frame plus the 7 in the script
    assert 'type="range"' in html and 'max="6"' in html
    assert "http" not in html, "a scrubber must not load anything from the network"
    assert scrub.nbytes < 1_500_000
    assert repr(scrub) == "Scrubber(7 frames over 'freq')"


def test_scrubber_id_is_stable_across_runs():
    fig, _, update = sine_figure()
    a = scrubber(fig, update, "freq", [1, 2], fmt=lambda v: f"f={v}")
    b = scrubber(fig, update, "freq", [1, 2], fmt=lambda v: f"f={v}")
    assert a.element_id == b.element_id
    assert re.fullmatch(r"nbcode-scrubber-[0-9a-f]{10}", a.element_id)
    assert a.labels == ["f=1", "f=2"]


@pytest.mark.parametrize(
    "frames, labels, initial, message",
    [([], [], 0, "at least one frame"), ([b"x"], ["a", "b"], 0, "one label per frame"), ([b"x"], ["a"], 3, "outside")],
)
def test_scrubber_rejects_bad_input(frames, labels, initial, message):
    with pytest.raises(ValueError, match=message):
        Scrubber(frames, labels, control="c", initial=initial)


def test_scrubber_needs_values():
    fig, _, update = sine_figure()
    with pytest.raises(ValueError, match="at least one value"):
        scrubber(fig, update, "freq", [])


def test_grid_spans_the_limits():
    xx, yy = grid((-1, 1), (0, 2), n=5)
    assert xx.shape == yy.shape == (5, 5)
    assert xx.min() == -1 and xx.max() == 1 and yy.min() == 0 and yy.max() == 2


def test_freeze_layout_keeps_axes_in_place_and_is_idempotent():
    fig, _, _ = sine_figure()
    from nbcode.widgets import freeze_layout

    freeze_layout(fig)
    position = fig.axes[0].get_position().bounds
    assert fig.get_layout_engine() is None or type(fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"
    freeze_layout(fig)
    figure_png(fig)
    assert fig.axes[0].get_position().bounds == position
