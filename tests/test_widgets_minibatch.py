"""Tests of nbcode.widgets.minibatch: per-sample and mini-batch gradients, their noise, SGD paths, views."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from nbcode import data
from nbcode.layers import Linear, MSELoss
from nbcode.optim import SGD
from nbcode.widgets import minibatch as mb


# ------------------------------------------------------------------ data and gradients
def test_line_data_is_the_documented_noisy_line():
    x, y = mb.line_data()
    x2, y2 = data.noisy_line(1024, 2.0, 1.0, 1.0, rng=np.random.default_rng(mb.SEED), x_range=(-3.0, 3.0))
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert x.shape == y.shape == (mb.N, 1) == (1024, 1)
    assert np.array_equal(x, mb.LINE_X) and np.array_equal(y, mb.LINE_Y)
    assert mb.BATCH_SIZES == (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def test_per_sample_gradients_by_hand():
    # Data (0, 1), (1, 3), (2, 5) at (w, b) = (0, 0): residuals -1, -3, -5, g_i = 2 e_i (x_i, 1).
    G = mb.per_sample_gradients((0.0, 0.0), x=[0.0, 1.0, 2.0], y=[1.0, 3.0, 5.0])
    assert np.allclose(G, [[0.0, -2.0], [-6.0, -6.0], [-20.0, -10.0]])
    # Their mean is the full gradient of the MSE: (-26/3, -6).
    assert np.allclose(G.mean(axis=0), [-26 / 3, -6.0])
    with pytest.raises(ValueError, match="same number"):
        mb.per_sample_gradients((0.0, 0.0), x=[1.0, 2.0], y=[1.0])


def test_loss_and_full_gradient_match_the_data_and_nbcode_backward():
    x, y = mb.LINE_X, mb.LINE_Y
    for point in [mb.START, (2.5, 0.3)]:
        w, b = point
        assert mb.loss(w, b) == pytest.approx(float(np.mean((w * x + b - y) ** 2)))
        assert np.allclose(mb.full_gradient(point), mb.per_sample_gradients(point).mean(axis=0))
        line = Linear(1, 1, init="zeros")
        line.weight.data[:] = w
        line.bias.data[:] = b
        mse = MSELoss()
        mse.forward(line.forward(x), y)
        line.backward(mse.backward())
        assert np.allclose(mb.full_gradient(point), [line.weight.grad[0, 0], line.bias.grad[0]])
    # loss works on grids (for the contours)
    W, B = np.meshgrid([0.0, 1.0], [0.0, 2.0])
    assert mb.loss(W, B).shape == (2, 2)


def test_gradient_noise_formula_by_brute_force_on_a_tiny_set():
    # N = 5, B = 2: average |g_S - g|^2 over all 10 subsets equals sigma^2 / B * (N - B) / (N - 1).
    from itertools import combinations

    G = mb.per_sample_gradients(mb.START)[:5]
    g = G.mean(axis=0)
    sigma2 = np.mean(np.sum((G - g) ** 2, axis=1))
    brute = np.mean([np.sum((G[list(S)].mean(axis=0) - g) ** 2) for S in combinations(range(5), 2)])
    assert brute == pytest.approx(sigma2 / 2 * 3 / 4)


def test_gradient_noise_values():
    G = mb.per_sample_gradients(mb.START)
    sigma2 = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))
    assert mb.gradient_noise(1) == pytest.approx(sigma2)                 # B = 1: the per-sample variance
    assert mb.gradient_noise(mb.N) == 0.0                                 # B = N: no noise at all
    assert mb.gradient_noise(512) == pytest.approx(sigma2 / 512 * 512 / 1023)
    noise = [mb.gradient_noise(B) for B in mb.BATCH_SIZES]
    assert all(a > b for a, b in zip(noise, noise[1:]))
    for bad in (0, mb.N + 1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            mb.gradient_noise(bad)


def test_sample_gradients_are_means_of_random_subsets_and_unbiased():
    grads, g = mb.sample_gradients(16, k=20, seed=3)
    assert grads.shape == (20, 2) and np.allclose(g, mb.full_gradient())
    again, _ = mb.sample_gradients(16, k=20, seed=3)
    other, _ = mb.sample_gradients(16, k=20, seed=4)
    assert np.array_equal(grads, again) and not np.array_equal(grads, other)
    # B = 1: every sampled gradient is one of the per-sample gradients
    G = mb.per_sample_gradients()
    ones, _ = mb.sample_gradients(1, k=30, seed=0)
    assert all(np.any(np.all(np.isclose(G, row), axis=1)) for row in ones)
    # B = N: every one is exactly the full gradient
    full, _ = mb.sample_gradients(mb.N, k=5, seed=0)
    assert full.shape == (5, 2) and np.all(full == g)
    # unbiased, with the predicted spread: 4000 draws of B = 8
    many, _ = mb.sample_gradients(8, k=4000, seed=1)
    spread = np.mean(np.sum((many - g) ** 2, axis=1))
    assert spread == pytest.approx(mb.gradient_noise(8), rel=0.1)
    assert np.linalg.norm(many.mean(axis=0) - g) < 4 * math.sqrt(mb.gradient_noise(8) / 4000)
    with pytest.raises(ValueError, match="k must"):
        mb.sample_gradients(4, k=0)


# ------------------------------------------------------------------ SGD paths
def test_sgd_path_equals_nbcode_linear_mse_sgd_on_the_same_batches():
    for B, lr, steps in [(4, 0.05, 37), (1024, 0.1, 5), (300, 0.05, 9)]:
        path, losses = mb.sgd_path(B, lr, steps, seed=2)
        assert path.shape == (steps + 1, 2) and losses.shape == (steps + 1,)
        line = Linear(1, 1, init="zeros")
        line.weight.data[:] = mb.START[0]
        line.bias.data[:] = mb.START[1]
        mse, opt = MSELoss(), SGD(line.parameters(), lr=lr)
        gen = np.random.default_rng(2)
        expected = [mb.START]
        while len(expected) <= steps:
            for xb, yb in data.batches(mb.LINE_X, mb.LINE_Y, B, rng=gen):
                mse.forward(line.forward(xb), yb)
                opt.zero_grad()
                line.backward(mse.backward())
                opt.step()
                expected.append((line.weight.data[0, 0], line.bias.data[0]))
                if len(expected) > steps:
                    break
        assert np.allclose(path, expected, rtol=1e-10, atol=1e-12)
        assert np.allclose(losses, mb.loss(path[:, 0], path[:, 1]))


def test_full_batch_path_is_gradient_descent_and_noise_floor_shrinks_with_b():
    path, _ = mb.sgd_path(mb.N, 0.05, 10)
    theta = np.array(mb.START)
    for k in range(10):
        theta = theta - 0.05 * mb.full_gradient(theta)
        assert np.allclose(path[k + 1], theta)
    w_star, b_star = np.linalg.lstsq(np.hstack([mb.LINE_X, np.ones_like(mb.LINE_X)]), mb.LINE_Y, rcond=None)[0].ravel()
    f_min = mb.loss(w_star, b_star)

    def floor(B):
        return np.mean([mb.sgd_path(B, 0.05, seed=s)[1][-20:].mean() for s in range(5)]) - f_min

    assert floor(1) > 5 * floor(16) > 0
    # lr = 0 stays at the start; steps = 0 is just the start
    assert np.all(mb.sgd_path(8, 0.0, 5)[0] == mb.START)
    assert mb.sgd_path(8, 0.05, 0)[0].shape == (1, 2)


def test_sgd_path_divergence_is_marked_with_nan_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path, losses = mb.sgd_path(1, 1.0, 60)
    bad = np.flatnonzero(~np.isfinite(losses))
    assert bad.size and np.all(np.isnan(path[bad[0]:]))
    assert np.all(np.isfinite(path[: bad[0]]))
    assert "diverged after" in mb.describe(1, 1.0, losses)
    assert mb.describe(1024, 0.35, mb.sgd_path(1024, 0.35)[1]).endswith("(growing)")
    assert mb.describe(16, 0.05, mb.sgd_path(16, 0.05)[1]).startswith("B = 16, lr = 0.05: loss ")


def test_sgd_path_rejects_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        mb.sgd_path(0, 0.1)
    with pytest.raises(ValueError, match="lr"):
        mb.sgd_path(4, -0.1)
    with pytest.raises(ValueError, match="lr"):
        mb.sgd_path(4, float("nan"))
    with pytest.raises(ValueError, match="steps"):
        mb.sgd_path(4, 0.1, -1)


# ------------------------------------------------------------------ views
def test_explorer_updates_artists_and_image():
    pytest.importorskip("ipywidgets")
    view = mb.minibatch_explorer(batch_size=16, lr=0.05, seed=0)
    ax_surf, ax_loss = view.fig.axes
    path_line = ax_surf.lines[1]
    arrows = ax_surf.collections[-2]
    loss_line = ax_loss.lines[-1]
    before = (path_line.get_xdata().copy(), arrows.U.copy(), loss_line.get_ydata().copy(),
              view.image.value, ax_surf.get_title())
    assert "B = 16" in before[4] and "exact" in before[4]
    result = view.scene.result
    assert np.array_equal(result["path"][:, 0], before[0]) and np.array_equal(result["losses"], before[2])
    assert np.allclose(-mb.ARROW_SCALE * result["gradients"][:, 0], before[1])
    assert result["noise"] == pytest.approx(mb.gradient_noise(16))
    view.controls["batch_size"].value = 1
    after = (path_line.get_xdata(), arrows.U, loss_line.get_ydata(), view.image.value, ax_surf.get_title())
    assert not np.array_equal(before[0], after[0])
    assert not np.array_equal(before[1], after[1])
    assert np.std(after[1]) > 3 * np.std(before[1])   # B = 1 arrows spread far more
    assert view.scene.result["spread"] > 3 * result["spread"]
    assert not np.array_equal(before[2], after[2])
    assert before[3] != after[3] and "B = 1:" in after[4]
    view.controls["seed"].value = 5
    assert not np.array_equal(path_line.get_xdata(), after[0])
    assert "LiveFigure" in repr(view)


def test_explorer_extreme_lr_shows_divergence_without_warnings():
    pytest.importorskip("ipywidgets")
    view = mb.minibatch_explorer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view.controls["batch_size"].value = 1
        view.controls["lr"].value = 1.0
    assert "diverged after" in view.fig.axes[1].get_title()
    assert np.isnan(view.scene.result["losses"]).any()
    view.controls["batch_size"].value = mb.N
    assert np.allclose(view.fig.axes[0].collections[-2].U, view.fig.axes[0].collections[-1].U[0])
    assert view.scene.result["spread"] == 0.0 and view.scene.result["noise"] == 0.0


def test_scrubber_frames_and_size():
    scrub = mb.minibatch_scrubber()
    assert len(scrub.frames) == len(mb.BATCH_SIZES)
    assert scrub.labels == [str(B) for B in mb.BATCH_SIZES]
    assert all(frame.startswith(b"\x89PNG") for frame in scrub.frames)
    assert len(set(scrub.frames)) == len(scrub.frames)
    assert scrub.nbytes < 1.5e6
    assert scrub.initial == mb.BATCH_SIZES.index(16)
    assert "batch_size" in scrub._repr_html_()
