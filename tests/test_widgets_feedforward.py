"""Tests of nbcode.widgets.feedforward: the 2-2-1 XOR network's compute functions and its views."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbcode.widgets import feedforward as ff


def params_with(**changes) -> dict[str, float]:
    params = dict(ff.XOR_SOLUTION)
    params.update(changes)
    return params


ZERO = {name: 0.0 for name in ff.PARAM_NAMES}


# ------------------------------------------------------------------------------------ compute
def test_unpack_lays_out_w_ij_as_input_i_to_hidden_unit_j():
    W, b, v, c = ff.unpack({"w11": 1, "w21": 2, "b1": 3, "w12": 4, "w22": 5, "b2": 6, "v1": 7, "v2": 8, "c": 9})
    assert np.array_equal(W, [[1, 4], [2, 5]])  # column j holds hidden unit j's weights
    assert np.array_equal(b, [3, 6]) and np.array_equal(v, [7, 8]) and c == 9.0


def test_unpack_names_the_missing_parameters():
    params = dict(ff.XOR_SOLUTION)
    del params["v2"], params["b1"]
    with pytest.raises(ValueError, match="b1, v2"):
        ff.unpack(params)


def test_forward_matches_a_hand_worked_example():
    # x = (1, 0); h1 = sigmoid(ln 3) = 3/4, h2 = sigmoid(0) = 1/2; y = sigmoid(4 * 3/4 - 6 * 1/2) = sigmoid(0) = 1/2
    params = {**ZERO, "w11": math.log(3.0), "v1": 4.0, "v2": -6.0}
    H, y = ff.two_two_one_forward(params, [[1.0, 0.0]])
    assert np.allclose(H, [[0.75, 0.5]]) and np.allclose(y, [0.5])
    # all zero: every unit outputs sigmoid(0) = 1/2 wherever x is
    H0, y0 = ff.two_two_one_forward(ZERO, ff.XOR_X)
    assert np.all(H0 == 0.5) and np.all(y0 == 0.5)


def test_forward_rejects_inputs_that_are_not_n_by_2():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        ff.two_two_one_forward(ff.XOR_SOLUTION, [0.0, 1.0])


def test_the_xor_solution_is_or_and_nand_then_and():
    H, y = ff.two_two_one_forward(ff.XOR_SOLUTION, ff.XOR_X)
    assert np.allclose(H[:, 0], [0, 1, 1, 1], atol=1e-4)  # OR
    assert np.allclose(H[:, 1], [1, 1, 1, 0], atol=1e-4)  # NAND
    assert np.allclose(y, ff.XOR_Y, atol=1e-4)  # AND of the two = XOR
    assert ff.xor_correct(ff.XOR_SOLUTION) == 4
    assert np.array_equal(ff.xor_predictions(ff.XOR_SOLUTION), ff.XOR_Y)


@pytest.mark.parametrize("c, correct", [(-50, 2), (-42, 2), (-38, 4), (-30, 4), (-22, 4), (-18, 2), (10, 2)])
def test_output_bias_sweeps_from_all_zero_through_xor_to_all_one(c, correct):
    params = params_with(c=c)
    assert ff.xor_correct(params) == correct
    predictions = ff.xor_predictions(params)
    if c <= -42:
        assert np.all(predictions == 0)
    elif c >= -18:
        assert np.all(predictions == 1)


def test_an_output_of_exactly_one_half_counts_as_class_zero():
    assert ff.xor_correct(ZERO) == 2 and np.all(ff.xor_predictions(ZERO) == 0)


def test_decision_grid_shape_and_orientation():
    # Only x1 matters: output rises with x1, so it varies along columns (axis 1) and not along rows.
    params = {**ZERO, "w11": 10.0, "b1": -5.0, "v1": 10.0, "c": -5.0}
    xs, probs = ff.decision_grid(params, n=11, lim=(0.0, 1.0))
    assert xs.shape == (11,) and probs.shape == (11, 11)
    assert np.allclose(probs, probs[0:1, :])  # every row the same
    assert np.all(np.diff(probs[0]) > 0)
    _, y = ff.two_two_one_forward(params, [[xs[3], xs[7]]])  # x1 = xs[3], x2 = xs[7] -> probs[7, 3]
    assert probs[7, 3] == pytest.approx(y[0])


def test_decision_grid_rejects_a_bad_size():
    for n in (1, 2.5, True):
        with pytest.raises(ValueError, match="grid points"):
            ff.decision_grid(ff.XOR_SOLUTION, n=n)


def test_hidden_space_grid_is_the_output_unit_alone():
    params = params_with(v1=2.0, v2=-1.0, c=0.5)
    hs, probs = ff.hidden_space_grid(params, n=5)
    assert np.array_equal(hs, np.linspace(0, 1, 5)) and probs.shape == (5, 5)
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    assert probs[0, 0] == pytest.approx(sig(0.5))  # h = (0, 0)
    assert probs[-1, -1] == pytest.approx(sig(2 - 1 + 0.5))  # h = (1, 1)
    assert probs[0, -1] == pytest.approx(sig(2 + 0.5))  # h1 = 1, h2 = 0


# ------------------------------------------------------------------------------------ lines
def test_line_segment_hand_worked_cases():
    box = (0.0, 1.0)
    horizontal = ff.line_segment((0.0, 2.0), -1.0, box, box)  # y = 0.5
    assert np.allclose(sorted(horizontal.tolist()), [[0.0, 0.5], [1.0, 0.5]])
    vertical = ff.line_segment((4.0, 0.0), -1.0, box, box)  # x = 0.25
    assert np.allclose(sorted(vertical.tolist()), [[0.25, 0.0], [0.25, 1.0]])
    diagonal = ff.line_segment((20.0, 20.0), -10.0, box, box)  # x + y = 0.5 (the OR unit)
    assert np.allclose(sorted(diagonal.tolist()), [[0.0, 0.5], [0.5, 0.0]])


@pytest.mark.parametrize("w, b", [((0.0, 0.0), 1.0), ((1.0, 1.0), -5.0), ((0.0, 1.0), -3.0), ((1.0, 0.0), 2.0),
                                  ((1.0, 1.0), math.inf), ((math.nan, 1.0), 0.0)])
def test_line_segment_is_nan_when_there_is_no_line_in_the_box(w, b):
    assert np.all(np.isnan(ff.line_segment(w, b, (0.0, 1.0), (0.0, 1.0))))


@settings(max_examples=200, deadline=None)
@given(w1=st.floats(-50, 50), w2=st.floats(-50, 50), b=st.floats(-50, 50))
def test_line_segment_end_points_lie_on_the_line_and_in_the_box(w1, w2, b):
    lim = ff.INPUT_LIM
    seg = ff.line_segment((w1, w2), b, lim, lim)
    if np.all(np.isnan(seg)):
        # then no point of a fine grid of the box lies on the line (all on one side), or w = 0
        xs = np.linspace(*lim, 201)
        xx, yy = np.meshgrid(xs, xs)
        z = w1 * xx + w2 * yy + b
        assert math.hypot(w1, w2) < 1e-12 or np.all(z > -1e-9) or np.all(z < 1e-9)
    else:
        scale = max(1.0, abs(w1), abs(w2), abs(b))
        assert np.allclose(seg @ np.array([w1, w2]) + b, 0.0, atol=1e-9 * scale)
        assert np.all(seg >= lim[0] - 1e-9) and np.all(seg <= lim[1] + 1e-9)


# ------------------------------------------------------------------------------------ views
def test_view_starts_at_the_xor_solution_and_updates_in_place():
    view = ff.xor_network_view()
    fig = view.fig
    ax_in, ax_h = fig.axes
    assert list(view.controls) == list(ff.PARAM_NAMES)
    assert fig._suptitle.get_text().startswith("XOR points classified correctly: 4 of 4")
    assert view.scene.result["correct"] == 4 and view.scene.result["params"] == ff.XOR_SOLUTION
    image = ax_in.images[0]
    before_pixels = np.array(image.get_array())
    before_png = view.image.value
    hidden_line = ax_in.lines[0]
    before_line = np.array(hidden_line.get_xydata())
    assert len(ax_in.collections) >= 3  # two point sets, the misclassified marks, the contour

    view.controls["c"].value = -45.0  # all points -> class 0: two of four right
    assert fig._suptitle.get_text().startswith("XOR points classified correctly: 2 of 4")
    assert view.scene.result["correct"] == 2 and view.scene.result["params"]["c"] == -45.0
    assert not np.allclose(np.array(image.get_array()), before_pixels)
    assert np.array_equal(image.get_array(), view.scene.result["probs"])
    assert view.image.value != before_png
    wrong_marks = ax_in.collections[2]
    assert len(wrong_marks.get_offsets()) == 2

    view.controls["w11"].value = -5.0  # hidden unit 1's line moves
    assert not np.allclose(np.array(hidden_line.get_xydata()), before_line, equal_nan=True)


def test_view_accepts_start_values_and_draws_no_contour_for_a_flat_map():
    start = params_with(c=-50.0)  # output < 0.5 everywhere: no 0.5 contour to draw
    view = ff.xor_network_view(start)
    assert view.controls["c"].value == -50.0
    ax_in = view.fig.axes[0]
    n_without = len(ax_in.collections)
    view.controls["c"].value = -30.0
    assert len(ax_in.collections) == n_without + 1  # the contour is back
    assert any(artist in ax_in.collections for artist in view.scene.moving())  # and it is redrawn
    view.controls["c"].value = -30.5
    assert len(ax_in.collections) == n_without + 1  # removed and redrawn, not piled up


def test_view_rejects_missing_start_parameters():
    with pytest.raises(ValueError, match="missing parameter"):
        ff.xor_network_view({"w11": 1.0})


def test_extreme_sliders_neither_raise_nor_warn():
    view = ff.xor_network_view()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ff.PARAM_NAMES:  # every slider to +50 through the widget, one redraw each
            view.controls[name].value = ff.SLIDER_LIMIT
    assert "2 of 4" in view.fig._suptitle.get_text()


@pytest.mark.parametrize("seed", range(6))
def test_random_corners_of_the_slider_box_draw_without_warnings(seed):
    from nbcode.widgets import Renderer, figure_png, new_figure

    scene = ff.draw(new_figure(8.4, 4.0, dpi=30))
    rng = np.random.default_rng(seed)
    params = {name: float(rng.choice([-ff.SLIDER_LIMIT, ff.SLIDER_LIMIT])) for name in ff.PARAM_NAMES}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Renderer(scene).render(params)
        figure_png(scene.fig)
    assert scene.result["correct"] == ff.xor_correct(params)
    assert f"{ff.xor_correct(params)} of 4" in scene.fig._suptitle.get_text()
    probs = scene.fig.axes[0].images[0].get_array()
    assert np.all(np.isfinite(probs)) and probs.min() >= 0 and probs.max() <= 1


def test_all_sliders_at_the_limits_saturate_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for sign in (-1.0, 1.0):
            params = {name: sign * ff.SLIDER_LIMIT for name in ff.PARAM_NAMES}
            _, probs = ff.decision_grid(params)
            assert np.all((probs < 1e-6) | (probs > 1 - 1e-6))  # saturated: a hard 0/1 map
            assert ff.xor_correct(params) == 2


def test_scrubber_sweeps_the_output_bias_and_stays_small():
    scrub = ff.xor_bias_scrubber()
    assert len(scrub.frames) == 16 and scrub.control == "c"
    assert scrub.labels[0] == "-50" and scrub.labels[-1] == "10"
    assert scrub.labels[scrub.initial] == "-30"
    first, xor_frame, last = scrub.frames[0], scrub.frames[scrub.initial], scrub.frames[-1]
    assert len({first, xor_frame, last}) == 3  # all 0, XOR, all 1 look different
    assert len(set(scrub.frames)) >= 12  # (a few frames deep in saturation look alike)
    assert scrub.nbytes < 1.5e6


def test_scrubber_with_other_values_starts_in_the_middle():
    scrub = ff.xor_bias_scrubber([-40.0, -20.0, 0.0])
    assert len(scrub.frames) == 3 and scrub.initial == 1
    with pytest.raises(ValueError, match="at least one value"):
        ff.xor_bias_scrubber([])


def test_scrubber_frames_are_deterministic():
    assert ff.xor_bias_scrubber([-30.0, 0.0], dpi=40).frames == ff.xor_bias_scrubber([-30.0, 0.0], dpi=40).frames


def test_draw_perceptron():
    from matplotlib.figure import Figure

    for n_inputs, has_dots in ((2, False), (5, True)):
        ax = Figure().add_subplot()
        ff.draw_perceptron(ax, n_inputs)
        texts = [t.get_text() for t in ax.texts]
        assert "$\\Sigma$" in texts and "$\\hat y$" in texts
        assert ("$\\vdots$" in texts) == has_dots
        assert not ax.axison
    with pytest.raises(ValueError, match="positive integer"):
        ff.draw_perceptron(Figure().add_subplot(), 0)
