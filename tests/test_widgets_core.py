"""The shared widget machinery: Scene, the one Renderer, LiveFigure (live view) and Scrubber (static frames)."""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest

ipywidgets = pytest.importorskip("ipywidgets")

from conftest import png_pixels

from nbcode.widgets import LiveFigure, Renderer, Scene, Scrubber, figure_png, new_figure, scrubber


def sine_scene(background=None):
    fig = new_figure(4, 3, dpi=50)
    ax = fig.add_subplot()
    xs = np.linspace(0, 2 * np.pi, 50)
    (line,) = ax.plot(xs, np.sin(xs))

    def update(freq: float = 1.0, phase: float = 0.0, ylim: float = 1.2) -> float:
        line.set_ydata(np.sin(freq * xs + phase))
        ax.set_ylim(-ylim, ylim)
        return freq

    return Scene(fig, update, lambda: [line], background=background), line


def test_live_figure_updates_artists_and_image_when_a_control_moves():
    scene, line = sine_scene()
    freq = ipywidgets.FloatSlider(value=1.0, min=0.5, max=5.0)
    view = LiveFigure(scene, {"freq": freq})
    first_image, first_y = bytes(view.image.value), line.get_ydata().copy()
    assert first_image.startswith(b"\x89PNG")
    freq.value = 3.0
    assert view.values == {"freq": 3.0}
    assert not np.allclose(line.get_ydata(), first_y)
    assert bytes(view.image.value) != first_image
    np.testing.assert_allclose(line.get_ydata(), np.sin(3.0 * np.linspace(0, 2 * np.pi, 50)))
    assert scene.result == 3.0  # what the last update returned


def test_a_setting_seen_before_reuses_its_frame_and_still_updates_the_figure():
    scene, line = sine_scene(background=lambda values: values["ylim"])
    freq, ylim = ipywidgets.FloatSlider(value=1.0, min=0.5, max=5.0), ipywidgets.FloatSlider(value=1.2, min=1.0, max=3.0)
    view = LiveFigure(scene, {"freq": freq, "ylim": ylim})
    frames = {}
    for value in (2.0, 3.0):
        freq.value = value
        frames[value] = bytes(view.image.value)
    renders = []
    view.renderer.render = lambda values, **kw: renders.append(values)  # a drawn frame would be recorded here
    freq.value = 2.0
    assert renders == [], "a setting seen before was drawn again"
    assert bytes(view.image.value) == frames[2.0] and scene.result == 2.0
    np.testing.assert_allclose(line.get_ydata(), np.sin(2.0 * np.linspace(0, 2 * np.pi, 50)))  # the figure follows
    del view.renderer.render
    view.renderer.full_draws = 0
    for value in np.linspace(0.5, 5.0, LiveFigure.FRAMES_KEPT + 1):  # more new settings than are kept
        freq.value = float(value)
    assert len(view._frames) == LiveFigure.FRAMES_KEPT and (2.0, 1.2) not in view._frames  # the oldest went first


def test_a_warmed_setting_is_drawn_when_the_figure_is_made():
    scene, _ = sine_scene(background=lambda values: values["ylim"])
    ylim = ipywidgets.FloatSlider(value=1.2, min=1.0, max=3.0)
    view = LiveFigure(scene, {"freq": ipywidgets.FloatSlider(value=1.0), "ylim": ylim}, warm=[{"ylim": 3.0}])
    assert view.renderer.full_draws == 2 and scene.result == 1.0  # both backgrounds; the figure shows the start
    ylim.value = 3.0
    assert view.renderer.full_draws == 2
    far = np.abs(png_pixels(bytes(view.image.value)) - png_pixels(figure_png(scene.fig))).max(axis=2) > 48
    assert far.mean() < 0.01, "a warmed frame must show its setting"


def test_warmed_frames_count_against_the_frames_kept():
    scene, _ = sine_scene()
    settings = [{"freq": 1.0 + i / 100} for i in range(1, LiveFigure.FRAMES_KEPT + 4)]
    view = LiveFigure(scene, {"freq": ipywidgets.FloatSlider(value=1.0, min=0.5, max=5.0)}, warm=settings)
    assert len(view._frames) == LiveFigure.FRAMES_KEPT
    assert (("freq", 1.0),) in view._frames and (("freq", settings[0]["freq"]),) not in view._frames  # the shown one is newest


def test_live_figure_repr_is_stable_and_without_image_bytes():
    scene, _ = sine_scene()
    view = LiveFigure(scene, {"freq": ipywidgets.FloatSlider(value=1.0), "phase": ipywidgets.FloatSlider(description="phase φ")})
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"].startswith("LiveFigure(controls: freq, phase φ): run the cells above")
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_live_figure_without_a_kernel_says_so_instead_of_showing_dead_controls():
    """The built book keeps no widget state; the cell's HTML is a note naming the controls."""
    scene, _ = sine_scene()
    view = LiveFigure(scene, {"freq": ipywidgets.FloatSlider(value=1.0)})
    note = view._repr_mimebundle_()["text/html"]
    assert 'class="nbcode-live-note"' in note and "needs a running Python" in note and "(freq)" in note
    assert "<input" not in note and "<img" not in note, "a page without a kernel must not show a control or a frozen figure"
    assert view.image.layout.width == "200px"


def test_figure_png_is_deterministic():
    scene, _ = sine_scene()
    assert figure_png(scene.fig) == figure_png(scene.fig)


def test_scrubber_has_one_frame_per_value_and_moves_between_them():
    scene, line = sine_scene()
    values = np.linspace(1, 4, 7)
    scrub = scrubber(scene, "freq", values, fixed={"phase": 0.5}, title="sin(f x + 0.5)")
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


def test_scrubber_describes_each_frame_and_announces_its_value():
    scene, _ = sine_scene()
    scrub = scrubber(scene, "freq", [1.0, 2.0, 3.0], fixed={"phase": 0.0}, alt="A sine  wave\nover one period.")
    described = "A sine wave over one period. The slider steps freq through 3 values from 1 to 3."
    assert scrub.frame_alt(0) == f"{described} Shown at freq = 1.", "the alt says what, over which range, and where"
    html = scrub._repr_html_()
    assert f'alt="{described} Shown at freq = 2."' in html, "the shown frame's alt names its value"
    assert 'aria-valuetext="freq = 2"' in html, "the range must announce the value, not the frame index"
    assert f'"{described} Shown at freq = 3."' in html and '"freq = 3"' in html, "every frame has its own alt and value text"


def test_scrubber_id_is_stable_across_runs():
    scene, _ = sine_scene()
    a = scrubber(scene, "freq", [1, 2], fmt=lambda v: f"f={v}")
    b = scrubber(scene, "freq", [1, 2], fmt=lambda v: f"f={v}")
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
    scene, _ = sine_scene()
    with pytest.raises(ValueError, match="at least one value"):
        scrubber(scene, "freq", [])


def test_renderer_draws_the_background_once_per_key_and_frames_equal_full_renders():
    scene, line = sine_scene(background=lambda values: values["ylim"])
    renderer = Renderer(scene)
    for freq, ylim, draws in [(1.0, 1.2, 1), (2.0, 1.2, 1), (3.0, 2.0, 2), (1.5, 1.2, 2)]:
        frame = renderer.render({"freq": freq, "ylim": ylim})
        assert renderer.full_draws == draws
        far = np.abs(png_pixels(frame) - png_pixels(figure_png(scene.fig))).max(axis=2) > 48
        assert far.mean() < 0.01, (freq, ylim)
    assert scene.fig.get_layout_engine() is None  # solved once, before the first frame


def test_a_stale_background_is_what_the_key_prevents():
    # without a key, new axis limits are not redrawn: the frame then differs from a full render
    scene, _ = sine_scene()
    renderer = Renderer(scene)
    renderer.render({"ylim": 1.2})
    frame = renderer.render({"ylim": 10.0})
    far = np.abs(png_pixels(frame) - png_pixels(figure_png(scene.fig))).max(axis=2) > 48
    assert far.mean() > 0.01


# Widget constructors say what they accept instead of clamping or raising a bare TraitError.
@pytest.mark.parametrize("module, builder, kwargs, message", [
    ("gradient_descent", "gd_explorer", {"lr": 100}, "gd_explorer: lr must be a finite number in [0.001, 0.303"),
    ("minibatch", "minibatch_explorer", {"batch_size": 10},
     "minibatch_explorer: batch_size=10 is not one of the allowed values [1, 2, 4, 8, 16, 32"),
    ("clustering", "kmeans_explorer", {"init": "farthest"},
     "kmeans_explorer: init='farthest' is not one of the allowed values ['k-means++', 'random']"),
    ("initialization", "initialization_explorer", {"std": 100.0},
     "initialization_explorer: std must be a finite number in [0.001, 10], got 100.0"),
])
def test_an_out_of_range_argument_names_the_allowed_values(module, builder, kwargs, message):
    pytest.importorskip("ipywidgets")
    build = getattr(importlib.import_module(f"nbcode.widgets.{module}"), builder)
    with pytest.raises(ValueError) as caught:
        build(**kwargs)
    assert message in str(caught.value)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": "fast"}, "gd_explorer: lr must be a number, got str 'fast'"),
    ({"steps": 2.5}, "gd_explorer: steps must be a whole number, got 2.5"),
    ({"steps": True}, "gd_explorer: steps must be a number, got bool True"),
])
def test_a_wrong_type_is_a_type_error(kwargs, message):
    pytest.importorskip("ipywidgets")
    from nbcode.widgets.gradient_descent import gd_explorer

    with pytest.raises(TypeError) as caught:
        gd_explorer(**kwargs)
    assert message in str(caught.value)


def test_every_scrubber_the_chapters_use_is_described():
    """Each widget module's scrubber builder passes alt= (what the figure shows, for a screen reader)."""
    import ast
    from pathlib import Path

    import nbcode.widgets

    undescribed = []
    for path in sorted(Path(nbcode.widgets.__file__).parent.glob("[!_]*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "scrubber":
                if not any(keyword.arg == "alt" for keyword in node.keywords):
                    undescribed.append(f"{path.name}, line {node.lineno}")
    assert undescribed == [], f"scrubber() called without alt= (a description of the figure): {undescribed}"


def test_scrubber_records_how_legible_its_frames_are():
    scene, _ = sine_scene()  # 4 in at 50 dpi: the default 10 pt tick labels are 6.9 px
    scrub = scrubber(scene, "freq", [1.0, 2.0], fixed={"phase": 0.0}, alt="A sine wave over one period.")
    assert scrub.smallest_text_px == round(10 / 72 * 50, 1), "the smallest text as the page shows it"
    assert f'data-smallest-text-px="{scrub.smallest_text_px}"' in scrub._repr_html_(), "the stored page says so"
