"""Tests of nbcode.widgets.generalization: resampled training sets, batched polynomial fits,
the bias-variance decomposition, and the live and static views."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nbcode.widgets import generalization as gen


# ------------------------------------------------------------------ data
def test_true_function():
    assert gen.true_function(0.2) == pytest.approx(0.0)
    assert gen.true_function(-1.0) == pytest.approx(np.tanh(-4.8))
    assert np.allclose(gen.true_function([0.45]), np.tanh(1.0))
    assert gen.X_TEST.shape == (101,) and gen.X_TEST[0] == -1 and gen.X_TEST[-1] == 1


def test_training_sets_shapes_designs_and_common_noise():
    x, y, y_test = gen.training_sets(7, 12, 0.3, seed=1, design="grid")
    assert x.shape == y.shape == (7, 12) and y_test.shape == (7, 101)
    assert np.allclose(x, np.linspace(-1, 1, 12))  # the same inputs in every set
    xr, yr, _ = gen.training_sets(7, 12, 0.3, seed=1, design="random")
    assert np.all(np.diff(xr, axis=1) >= 0) and xr.min() >= -1 and xr.max() <= 1
    assert not np.allclose(xr[0], xr[1])  # redrawn for every set
    # the same standard normals, rescaled: changing the noise level keeps the draws
    _, y2, y2_test = gen.training_sets(7, 12, 0.6, seed=1, design="grid")
    f = gen.true_function(x)
    assert np.allclose(y2 - f, 2 * (y - f)) and np.allclose(y2_test - gen.true_function(gen.X_TEST),
                                                            2 * (y_test - gen.true_function(gen.X_TEST)))
    _, y0, _ = gen.training_sets(3, 5, 0.0, seed=1)
    assert np.allclose(y0, gen.true_function(np.linspace(-1, 1, 5)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_sets=1), "at least 2"),
    (dict(n_sets=2.5), "n_sets"),
    (dict(n_points=0), "n_points"),
    (dict(noise=-0.1), "noise"),
    (dict(noise=np.nan), "noise"),
    (dict(design="sobol"), "design"),
])
def test_training_sets_reject_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gen.training_sets(**{**dict(n_sets=5, n_points=10, noise=0.3), **kwargs})


# ------------------------------------------------------------------ fits
def test_fit_polynomials_grid_and_random_match_per_set_least_squares():
    x_eval = np.linspace(-1, 1, 9)
    for design in ("grid", "random"):
        x, y, _ = gen.training_sets(5, 20, 0.3, seed=2, design=design)
        fits = gen.fit_polynomials(x, y, 4, x_eval)
        assert fits.shape == (5, 9)
        for s in range(5):
            assert np.allclose(fits[s], np.polyval(np.polyfit(x[s], y[s], 4), x_eval))


def test_fit_polynomials_underdetermined_and_singular_cases():
    # fewer points than coefficients: the minimum-norm least-squares solution, which interpolates
    x = np.array([[-0.5, 0.1, 0.7], [-0.9, 0.0, 0.4]])
    y = np.array([[1.0, -1.0, 2.0], [0.0, 1.0, 0.5]])
    fits = gen.fit_polynomials(x, y, 5, x_eval=x[0])
    assert np.allclose(fits[0], y[0])
    # only two distinct inputs, four coefficients: A^T A is singular and the pseudo-inverse steps in
    xs = np.array([[0.0] * 6 + [1.0] * 4, [0.0] * 5 + [1.0] * 5])
    ys = np.array([[0.0] * 6 + [2.0] * 4, [1.0] * 5 + [3.0] * 5])
    fits = gen.fit_polynomials(xs, ys, 3, x_eval=np.array([0.0, 1.0]))
    assert np.allclose(fits, [[0.0, 2.0], [1.0, 3.0]])
    with pytest.raises(ValueError, match="same shape"):
        gen.fit_polynomials(np.zeros((2, 3)), np.zeros((2, 4)), 1)


# ------------------------------------------------------------------ decomposition
def test_bias_variance_fits_by_hand_for_degree_zero():
    r = gen.bias_variance_fits(0, n_sets=50, n_points=8, noise=0.4, seed=3)
    x, y, y_test = gen.training_sets(50, 8, 0.4, seed=3)
    means = y.mean(axis=1)  # a degree-0 fit is the mean of the targets
    assert np.allclose(r["fits"], means[:, None] * np.ones(101))
    f = gen.true_function(gen.X_TEST)
    assert r["bias2"] == pytest.approx(np.mean((means.mean() - f) ** 2))
    assert r["variance"] == pytest.approx(means.var())
    assert r["expected_error"] == pytest.approx(np.mean((means[:, None] - y_test) ** 2))
    assert r["noise2"] == pytest.approx(0.16)
    assert np.array_equal(r["x_train"], x) and np.array_equal(r["f_test"], f)


def test_decomposition_identity_and_measured_error():
    for degree in (1, 5, 9):
        r = gen.bias_variance_fits(degree, n_sets=200, n_points=30, noise=0.3)
        mse_to_truth = np.mean((r["fits"] - r["f_test"]) ** 2)
        assert mse_to_truth == pytest.approx(r["bias2"] + r["variance"], rel=1e-12)  # exact
        total = r["bias2"] + r["variance"] + r["noise2"]
        assert abs(total / r["expected_error"] - 1) < 0.04  # up to the noise of the fresh targets
    with pytest.raises(ValueError, match="degree"):
        gen.bias_variance_fits(-1)


def test_curve_trends_the_chapter_relies_on():
    c = gen.bias_variance_curve(range(13))
    assert np.array_equal(c["degree"], np.arange(13))
    assert np.allclose(c["total"], c["bias2"] + c["variance"] + c["noise2"])
    assert c["bias2"][0] > 1000 * c["bias2"][-1]
    assert np.all(np.diff(c["variance"]) > 0)  # fixed inputs: every extra coefficient adds variance
    one = gen.bias_variance_fits(4)
    assert c["bias2"][4] == pytest.approx(one["bias2"]) and c["expected_error"][4] == pytest.approx(one["expected_error"])
    assert 3 <= int(np.argmin(c["expected_error"])) <= 9
    with pytest.raises(ValueError, match="at least one degree"):
        gen.bias_variance_curve([])


def test_four_times_the_points_quarter_the_variance():
    few = gen.bias_variance_fits(6, n_points=30)
    many = gen.bias_variance_fits(6, n_points=120)
    assert 3 < few["variance"] / many["variance"] < 5


def test_noise_free_grid_has_no_variance_and_random_inputs_explode_quietly():
    r = gen.bias_variance_fits(8, noise=0.0)
    assert r["variance"] == pytest.approx(0.0, abs=1e-20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wild = gen.bias_variance_fits(15, n_points=10, design="random")
        calm = gen.bias_variance_fits(15, n_points=120, design="grid")
    assert wild["variance"] > 1e3 * calm["variance"]


# ------------------------------------------------------------------ views
def test_live_view_moves_the_fan_and_marker_and_redraws():
    view = gen.bias_variance_explorer(degree=3)
    assert set(view.controls) == {"degree", "n_points", "noise", "design"}
    ax_fit, ax_err = view.fig.axes
    fans = ax_fit.collections[0]
    first = [seg.copy() for seg in fans.get_segments()]
    image = view.image.value
    assert len(first) == 40 and ax_fit.get_title().startswith("degree 3:")

    view.controls["degree"].value = 9
    moved = fans.get_segments()
    assert not np.allclose(moved[0], first[0])
    assert ax_fit.get_title().startswith("degree 9:")
    marker = [line for line in ax_err.get_lines() if list(line.get_xdata()) == [9, 9]]
    assert marker, "the degree marker should sit at 9"
    assert view.image.value != image
    expected = gen.bias_variance_fits(9)
    assert np.allclose(moved[5][:, 1], expected["fits"][5])
    assert view.scene.result["degree"] == 9 and view.scene.result["bias2"] == pytest.approx(expected["bias2"])

    bias_line = ax_err.get_lines()[0]
    before = np.array(bias_line.get_ydata())
    view.controls["n_points"].value = 120  # new curves: the background is redrawn
    after = np.array(bias_line.get_ydata())
    assert not np.allclose(before, after)
    assert "120 points" in ax_err.get_title()
    curve = gen.bias_variance_curve(n_points=120)
    assert np.allclose(view.scene.result["curve"]["bias2"], curve["bias2"])
    assert view.scene.result["best_degree"] == int(np.argmin(curve["expected_error"]))


def test_extreme_settings_do_not_raise_and_are_marked():
    view = gen.bias_variance_explorer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view.controls["design"].value = "random"
        view.controls["n_points"].value = 10
        view.controls["degree"].value = 15
        assert "leave the plot" in view.fig.axes[0].get_title()
        view.controls["noise"].value = 0.0
        view.controls["design"].value = "grid"
    variance_line = view.fig.axes[1].get_lines()[1]
    assert np.all(np.isnan(variance_line.get_ydata()))  # zero variance: nothing to draw on a log axis


def test_scrubber_frames_and_size():
    scrub = gen.bias_variance_scrubber()
    assert len(scrub.frames) == 16 and len(set(scrub.frames)) == 16
    assert scrub.labels == [str(d) for d in range(16)] and scrub.initial == 3
    assert scrub.nbytes < 1.5e6
    assert "30 points, noise 0.3" in scrub.title


def test_scrubber_settings_reach_its_frames():
    wild = gen.bias_variance_scrubber(n_points=10, design="random", dpi=40)
    calm = gen.bias_variance_scrubber(dpi=40)
    assert wild.frames[0] != calm.frames[0]  # the curves of the other setting
    assert wild.frames[0].startswith(b"\x89PNG") and "10 points" in wild.title
