"""Tests of nbcode.widgets.losses: the compute functions against hand-worked values, the view
driven from Python, extreme values and the static scrubber."""

import math
import warnings

import numpy as np
import pytest

from nbcode.widgets import losses as W


# ---------------------------------------------------------------------------- compute
def test_loss_at_the_class_example():
    # The network said 0.1 for a student who passed: (1 - 0.1)^2 and -log 0.1.
    at = W.loss_at(0.1, 1)
    assert at["p"] == pytest.approx(0.1)
    assert at["z"] == pytest.approx(math.log(0.1 / 0.9))
    assert at["mse"] == pytest.approx(0.81)
    assert at["bce"] == pytest.approx(-math.log(0.1))
    assert at["grad_bce"] == pytest.approx(0.1 - 1.0)
    assert at["grad_mse"] == pytest.approx(2 * (0.1 - 1.0) * 0.1 * 0.9)


def test_loss_at_target_zero_is_the_mirror_image():
    a, b = W.loss_at(0.3, 1), W.loss_at(0.7, 0)
    for key in ("mse", "bce"):
        assert a[key] == pytest.approx(b[key])
    for key in ("grad_mse", "grad_bce"):
        assert a[key] == pytest.approx(-b[key])


@pytest.mark.parametrize("y", [0, 1])
def test_loss_curves_match_the_formulas_and_loss_at(y):
    c = W.loss_curves(y, n=101)
    p = c["p"]
    assert p.shape == (101,) and np.all(np.diff(p) > 0)
    assert p[0] < W.P_MIN and p[-1] > W.P_MAX  # the grid covers the slider's range
    np.testing.assert_allclose(c["mse"], (p - y) ** 2)
    np.testing.assert_allclose(c["bce"], -(y * np.log(p) + (1 - y) * np.log(1 - p)), rtol=1e-10)
    np.testing.assert_allclose(c["grad_bce"], p - y)
    np.testing.assert_allclose(c["grad_mse"], 2 * (p - y) * p * (1 - p))
    at = W.loss_at(float(p[30]), y)
    for key in ("mse", "bce", "grad_mse", "grad_bce"):
        assert at[key] == pytest.approx(c[key][30], rel=1e-9, abs=1e-12)


def test_bce_gradient_does_not_vanish_where_mse_gradient_does():
    c = W.loss_curves(1)
    wrong = c["p"] < 0.01  # confidently wrong for y = 1
    assert np.all(np.abs(c["grad_bce"][wrong]) > 0.99)
    assert np.all(np.abs(c["grad_mse"][wrong]) < 0.02)


@pytest.mark.parametrize("p, y", [(0.0, 1), (1.0, 0), (W.P_MIN, 1), (W.P_MAX, 0), (1e-300, 1)])
def test_extreme_probabilities_are_finite_and_large_without_warnings(p, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        at = W.loss_at(p, y)
    assert all(math.isfinite(v) for v in at.values())
    assert at["bce"] > 6.9  # -log 0.001 = 6.908
    assert at["mse"] > 0.99


def test_logit_inverts_the_sigmoid():
    p = np.array([0.001, 0.25, 0.5, 0.9])
    np.testing.assert_allclose(1 / (1 + np.exp(-W.logit(p))), p)
    assert np.all(np.isfinite(W.logit(np.array([0.0, 1.0]))))


def test_bad_target_raises():
    with pytest.raises(ValueError, match="0 or 1"):
        W.loss_curves(2)
    with pytest.raises(ValueError, match="0 or 1"):
        W.loss_at(0.5, 0.5)


def test_softmax_ce_values():
    out = W.softmax_ce((2.0, 1.0, 0.1), 0)
    e = np.exp([2.0, 1.0, 0.1])
    np.testing.assert_allclose(out["probs"], e / e.sum())
    assert out["loss"] == pytest.approx(-math.log(e[0] / e.sum()))
    np.testing.assert_allclose(out["grad"], e / e.sum() - np.array([1.0, 0.0, 0.0]))
    uniform = W.softmax_ce((0.0, 0.0, 0.0), 2)
    assert uniform["loss"] == pytest.approx(math.log(3))


def test_softmax_ce_extreme_scores_and_bad_label():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = W.softmax_ce((-1000.0, 1000.0, 0.0), 0)
    assert out["loss"] == pytest.approx(2000.0)
    assert np.all(np.isfinite(out["probs"])) and out["probs"][1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="class index"):
        W.softmax_ce((0.0, 1.0, 2.0), 3)


def test_scrubber_values_are_a_logit_grid():
    v = W.scrubber_values()
    assert len(v) == 21 and v[0] == W.P_MIN and v[-1] == W.P_MAX and v[10] == 0.5
    np.testing.assert_allclose(v, 1 - v[::-1], atol=1e-12)


# ---------------------------------------------------------------------------- view
@pytest.fixture(scope="module")
def view():
    return W.loss_explorer()


def _axes(view):
    return view.fig.axes


def test_view_moves_markers_and_titles(view):
    ax_loss, ax_grad, _ = _axes(view)
    view.controls["y"].value = 1
    view.controls["p"].value = 0.1
    before_png = view.image.value
    bce_dot = ax_loss.lines[3]
    assert bce_dot.get_xdata()[0] == pytest.approx(0.1)
    assert bce_dot.get_ydata()[0] == pytest.approx(-math.log(0.1))
    assert "MSE 0.810, BCE 2.303" in ax_loss.get_title()
    view.controls["p"].value = 0.8
    assert bce_dot.get_ydata()[0] == pytest.approx(-math.log(0.8))
    assert ax_grad.lines[3].get_ydata()[0] == pytest.approx(0.8 - 1.0)
    assert "p=0.800" in ax_loss.get_title()
    assert view.image.value != before_png


def test_view_target_toggle_changes_curves(view):
    ax_loss, ax_grad, _ = _axes(view)
    view.controls["y"].value = 1
    y1 = ax_loss.lines[1].get_ydata().copy()
    view.controls["y"].value = 0
    y0 = ax_loss.lines[1].get_ydata()
    assert not np.allclose(y1, y0)
    np.testing.assert_allclose(y0, y1[::-1], rtol=1e-9)  # BCE for y = 0 is the mirror image
    assert np.all(ax_grad.lines[1].get_ydata() >= 0)  # p - 0 >= 0
    view.controls["y"].value = 1


def test_view_softmax_panel(view):
    _, _, ax_soft = _axes(view)
    view.controls["label"].value = 1
    view.controls["z0"].value = 0.0
    view.controls["z1"].value = 0.0
    view.controls["z2"].value = 0.0
    heights = [bar.get_height() for bar in ax_soft.patches]
    np.testing.assert_allclose(heights, [1 / 3] * 3)
    assert "CE 1.099" in ax_soft.get_title()
    assert ax_soft.patches[1].get_linewidth() > ax_soft.patches[0].get_linewidth()
    assert [y.get_text() for y in ax_soft.texts] == ["0.333"] * 3
    view.controls["z1"].value = 5.0
    assert ax_soft.patches[1].get_height() > 0.98


def test_view_extremes_do_not_raise_or_warn(view):
    ax_loss, _, ax_soft = _axes(view)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view.controls["y"].value = 1
        view.controls["p"].value = W.P_MIN
        view.controls["z0"].value = 20.0
        view.controls["z1"].value = -20.0
        view.controls["z2"].value = -20.0
        view.controls["label"].value = 2
    assert "BCE 6.908" in ax_loss.get_title()
    assert "CE 40.000" in ax_soft.get_title()
    assert view.scene.result["softmax"]["loss"] == pytest.approx(40.0, abs=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view.controls["y"].value = 0
        view.controls["p"].value = W.P_MAX
    assert "BCE 6.908" in ax_loss.get_title()


def test_scrubber_frames_and_size():
    scrub = W.loss_scrubber()
    assert len(scrub.frames) == 21
    assert scrub.labels[0] == "0.001" and scrub.labels[-1] == "0.999"
    assert len(set(scrub.frames)) == 21  # every frame differs
    assert scrub.nbytes < 1_500_000
    assert "nbcode-scrubber" in scrub._repr_html_()
    small = W.loss_scrubber(values=[0.01, 0.5], dpi=40)
    assert len(small.frames) == 2
