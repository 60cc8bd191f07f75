"""Tests of nbcode.widgets.gradient_descent: the (w, b) MSE surface, gradient-descent paths, views."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nbcode import data
from nbcode.widgets import gradient_descent as gd


# ------------------------------------------------------------------ the surface
def test_line_data_is_the_documented_noisy_line():
    x, y = gd.line_data()
    x2, y2 = data.noisy_line(50, 2.0, 1.0, 1.0, rng=np.random.default_rng(gd.SEED), x_range=(0.0, 4.0))
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert x.shape == y.shape == (50, 1)
    assert np.array_equal(x, gd.LINE_X) and np.array_equal(y, gd.LINE_Y)


def test_surface_value_and_gradient_by_hand():
    # Data (0, 1), (1, 3), (2, 5): the line y = 2x + 1 fits exactly.
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([1.0, 3.0, 5.0])
    s = gd.mse_surface(x, y, start=(0.0, 0.0))
    assert s.minimum == pytest.approx((2.0, 1.0))
    assert s.f(2.0, 1.0) == pytest.approx(0.0, abs=1e-12)
    # At (w, b) = (0, 0): residuals -1, -3, -5 -> MSE = 35/3, dJ/dw = 2*(0 - 3 - 10)/3, dJ/db = 2*(-9)/3.
    assert s.f(0.0, 0.0) == pytest.approx(35 / 3)
    assert s.grad([0.0, 0.0]) == pytest.approx([-26 / 3, -6.0])
    # The window holds the start and the minimum.
    assert s.xlim[0] < 0.0 < 2.0 < s.xlim[1] and s.ylim[0] < 0.0 < 1.0 < s.ylim[1]


def test_surface_matches_direct_mse_on_a_grid_and_numerical_gradient():
    s = gd.SURFACE
    x, y = gd.LINE_X.ravel(), gd.LINE_Y.ravel()
    W, B = np.meshgrid(np.linspace(-2, 4, 7), np.linspace(-3, 8, 5))
    direct = ((W[..., None] * x + B[..., None] - y) ** 2).mean(axis=-1)
    assert np.allclose(s.f(W, B), direct)
    h = 1e-6
    for point in [(0.3, -1.2), (2.5, 4.0)]:
        w, b = point
        numeric = [(s.f(w + h, b) - s.f(w - h, b)) / (2 * h), (s.f(w, b + h) - s.f(w, b - h)) / (2 * h)]
        assert np.allclose(s.grad(point), numeric, rtol=1e-6)
    # The minimiser is the least-squares line.
    A = np.column_stack([x, np.ones_like(x)])
    assert np.allclose(s.minimum, np.linalg.lstsq(A, y, rcond=None)[0])


def test_surface_rejects_bad_data():
    with pytest.raises(ValueError, match="same number"):
        gd.mse_surface([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="vary"):
        gd.mse_surface([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least one"):
        gd.hessian([])


def test_hessian_and_critical_lr():
    x = np.array([0.0, 1.0, 2.0])
    H = gd.hessian(x)
    assert np.allclose(H, 2 * np.array([[5 / 3, 1.0], [1.0, 1.0]]))
    A = np.column_stack([x, np.ones(3)])
    assert np.allclose(H, 2 / 3 * A.T @ A)
    assert gd.critical_lr(x) == pytest.approx(2 / np.linalg.eigvalsh(H)[-1])
    assert gd.CRITICAL_LR == pytest.approx(gd.critical_lr(gd.LINE_X))


# ------------------------------------------------------------------ gradient-descent paths
def test_gd_path_is_the_plain_update_rule():
    lr, steps = 0.05, 7
    path, losses = gd.gd_path(lr, steps)
    assert path.shape == (steps + 1, 2) and losses.shape == (steps + 1,)
    theta = np.array(gd.START)
    expected = [theta.copy()]
    for _ in range(steps):
        theta = theta - lr * gd.SURFACE.grad(theta)
        expected.append(theta.copy())
    assert np.allclose(path, expected)
    assert np.allclose(losses, gd.SURFACE.f(path))


def test_gd_path_converges_below_and_diverges_above_the_critical_lr():
    _, below = gd.gd_path(0.99 * gd.CRITICAL_LR, 2000)
    assert below[-1] == pytest.approx(gd.SURFACE.f_min, abs=1e-9)
    path, above = gd.gd_path(1.01 * gd.CRITICAL_LR, 2000)
    assert np.isnan(above[-1]) and np.isnan(path[-1]).all()
    first_bad = int(np.flatnonzero(np.isnan(above))[0])
    assert np.isnan(above[first_bad:]).all() and np.isfinite(above[:first_bad]).all()


def test_gd_path_other_start_and_surface():
    s = gd.mse_surface([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], start=(0.0, 0.0))
    path, losses = gd.gd_path(0.1, 500, start=(0.0, 0.0), surface=s)
    assert path[0] == pytest.approx((0.0, 0.0))
    assert path[-1] == pytest.approx((2.0, 1.0), abs=1e-6)
    assert losses[-1] == pytest.approx(0.0, abs=1e-10)


def test_extreme_learning_rates_do_not_raise_or_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lr in (1e-3, 2 * gd.CRITICAL_LR, 10.0, 1e6):
            path, losses = gd.gd_path(lr, 100)
            assert path.shape == (101, 2)
            if lr > gd.CRITICAL_LR:
                assert "diverged after" in gd.describe(lr, losses)
    with pytest.raises(ValueError):
        gd.gd_path(0.0, 10)  # the optimizer's own check: lr must be positive


def test_describe():
    assert gd.describe(0.1, np.array([4.0, 2.0, 1.5])) == "lr = 0.1: loss 1.5 after 2 steps"
    assert gd.describe(0.2, np.array([4.0, 5.0, 9.0])) == "lr = 0.2: loss 9 after 2 steps (growing)"
    assert gd.describe(0.3, np.array([4.0, 9.0, np.nan, np.nan])) == "lr = 0.3: diverged after 2 steps"
    assert gd.describe(0.1, np.array([4.0])) == "lr = 0.1: loss 4 after 0 steps"


def test_lr_values_span_slow_to_diverging():
    values = gd.lr_values(20)
    assert len(values) == 20 and values[0] == pytest.approx(1e-3)
    assert values[-1] == pytest.approx(2 * gd.CRITICAL_LR)
    assert np.allclose(np.diff(np.log(values)), np.log(values[1] / values[0]))
    assert (values < gd.CRITICAL_LR).sum() >= 10 and (values > gd.CRITICAL_LR).sum() >= 2


# ------------------------------------------------------------------ views
def test_live_view_updates_its_artists_and_image():
    view = gd.gd_explorer(lr=0.05, steps=50)
    assert set(view.controls) == {"lr", "steps"}
    lr_slider = view.controls["lr"]
    assert lr_slider.min == pytest.approx(-3) and 10**lr_slider.max == pytest.approx(2 * gd.CRITICAL_LR)
    path_line, loss_line, title = view.scene.moving()
    ax_surf, ax_loss = view.fig.axes
    assert path_line.axes is ax_surf and loss_line.axes is ax_loss and title is ax_surf.title
    before_path = np.array(path_line.get_xydata())
    before_image = view.image.value
    assert len(before_path) == 51 and ax_surf.get_title().startswith("lr = 0.05: loss")
    assert np.array_equal(view.scene.result[0], before_path)

    view.controls["steps"].value = 80
    assert len(path_line.get_xdata()) == 81 and len(loss_line.get_xdata()) == 81

    lr_slider.value = 0.1
    after_path = np.array(path_line.get_xydata())
    assert not np.allclose(after_path[:51], before_path, equal_nan=True)
    assert view.image.value != before_image
    assert np.allclose(loss_line.get_ydata(), gd.gd_path(0.1, 80)[1])
    assert np.array_equal(view.scene.result[1], loss_line.get_ydata())


def test_live_view_marks_divergence_without_warnings():
    view = gd.gd_explorer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view.controls["lr"].value = 10 ** view.controls["lr"].max  # 2 x critical
        view.controls["steps"].value = view.controls["steps"].max
    title = view.fig.axes[0].get_title()
    assert "diverged after" in title
    assert np.isnan(view.scene.result[1]).any()
    assert np.isnan(view.scene.moving()[1].get_ydata()).any()


def test_scrubber_frames_and_size():
    scrub = gd.gd_scrubber(steps=40, n=16)
    assert len(scrub.frames) == 16 and len(set(scrub.frames)) == 16
    assert scrub.nbytes < 1.5e6
    assert scrub.labels[0] == "0.001"
    assert float(scrub.labels[scrub.initial]) < gd.CRITICAL_LR
