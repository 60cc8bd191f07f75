"""Tests of nbcode.widgets.regularization: the moons data, the MLP trainer, the grid, the views."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nbcode import data
from nbcode.layers import BCEWithLogitsLoss
from nbcode.network import mlp
from nbcode.optim import Adam
from nbcode.widgets import regularization as rw


# ------------------------------------------------------------------ data
def test_moons_data_is_the_documented_fixed_set():
    d = rw.moons_data()
    X, y = data.moons(rw.MOONS["n_train"], noise=rw.MOONS["noise"], rng=np.random.default_rng(rw.MOONS["train_seed"]))
    Xv, yv = data.moons(rw.MOONS["n_val"], noise=rw.MOONS["noise"], rng=np.random.default_rng(rw.MOONS["val_seed"]))
    assert np.array_equal(d["X_train"], X) and np.array_equal(d["y_train"], y)
    assert np.array_equal(d["X_val"], Xv) and np.array_equal(d["y_val"], yv)
    assert d["Z_train"].shape == (100, 2) and d["Z_val"].shape == (200, 2)
    # standardized with the TRAINING statistics only
    assert np.allclose(d["Z_train"].mean(axis=0), 0) and np.allclose(d["Z_train"].std(axis=0), 1)
    assert np.allclose(d["Z_val"], (Xv - X.mean(axis=0)) / X.std(axis=0))
    with pytest.raises(ValueError):
        d["Z_train"][0, 0] = 1.0  # shared by every cached result: read-only
    assert rw.moons_data() is d


def test_lambda_and_width_grids():
    assert rw.LAMBDAS[0] == 0.0 and rw.LAMBDAS[-1] == pytest.approx(1.0) and rw.LAMBDAS[1] == pytest.approx(1e-5)
    assert 15 <= len(rw.LAMBDAS) <= 25
    assert np.all(np.diff(rw.LAMBDAS) > 0)
    assert np.allclose(np.diff(np.log10(rw.LAMBDAS[1:])), 1 / 3)
    assert rw.WIDTHS[0] == 1 and rw.WIDTHS[-1] == 128 and list(rw.WIDTHS) == sorted(rw.WIDTHS)


# ------------------------------------------------------------------ the trainer is the library loop
@pytest.mark.parametrize("width, lam", [(4, 0.0), (16, 1e-2)])
def test_train_moons_mlp_follows_nbcode_layers_and_adam_step_for_step(width, lam):
    steps = 25
    fast = rw.train_moons_mlp(width, lam, steps=steps)
    d = rw.moons_data()
    net = mlp([2, width, 1], "relu", rng=rw.SEED)
    opt = Adam(net.parameters(), lr=rw.LR, weight_decay=lam)
    loss = BCEWithLogitsLoss()
    t = d["y_train"][:, None].astype(float)
    tv = d["y_val"][:, None].astype(float)
    losses, val_losses = [], []
    for _ in range(steps):
        val_losses.append(float(BCEWithLogitsLoss().forward(net.forward(d["Z_val"]), tv)))
        losses.append(float(loss.forward(net.forward(d["Z_train"]), t)))  # last forward: the training batch
        opt.zero_grad()
        net.backward(loss.backward())
        opt.step()
    losses.append(float(loss.forward(net.forward(d["Z_train"]), t)))
    assert np.allclose(fast["train_loss"], losses, rtol=1e-10, atol=1e-12)
    assert np.allclose(fast["val_loss"][:steps], val_losses, rtol=1e-10, atol=1e-12)
    first, second = net.layers[0], net.layers[2]
    theta = np.concatenate([first.weight.data.ravel(), first.bias.data, second.weight.data.ravel(), second.bias.data])
    assert np.allclose(fast["theta"], theta, rtol=1e-9, atol=1e-12)
    # accuracies and predictions agree with the nbcode network
    assert np.allclose(rw.predict_logits(fast["theta"], width, d["Z_val"]), net.forward(d["Z_val"]).ravel(), atol=1e-10)
    assert fast["val_acc"] == np.mean((net.forward(d["Z_val"]).ravel() > 0) == (d["y_val"] == 1))
    assert fast["train_loss"].shape == fast["val_loss"].shape == (steps + 1,)
    assert fast["width"] == width and fast["lam"] == lam and not fast["diverged"]


def test_capacity_and_weight_decay_effects():
    small, wide = rw.moons_result(2, 0.0), rw.moons_result(128, 0.0)
    assert wide["train_loss"][-1] < small["train_loss"][-1]  # more capacity fits the training set better
    # width 128 without a penalty over-fits: validation loss well above its minimum at the end
    assert wide["val_loss"][-1] > 2 * wide["val_loss"].min()
    mid = rw.moons_result(128, 1e-3)
    assert mid["weight_norm"] < wide["weight_norm"] and mid["val_loss"][-1] < wide["val_loss"][-1]
    collapsed = rw.moons_result(128, 1.0)
    assert collapsed["weight_norm"] < 1e-3 and collapsed["val_acc"] == 0.5
    assert collapsed["val_loss"][-1] == pytest.approx(np.log(2), abs=1e-3)


def test_moons_result_is_cached_and_read_only():
    a = rw.moons_result(8, 1e-3)
    assert rw.moons_result(8, 1e-3) is a
    assert a["grid"].shape == (rw.GRID_N, rw.GRID_N)
    with pytest.raises(ValueError):
        a["theta"][0] = 0.0


def test_decision_grid_is_the_sigmoid_of_the_logits():
    result = rw.train_moons_mlp(8, 0.0, steps=30)
    grid = rw.decision_grid(result)
    assert grid.shape == (rw.GRID_N, rw.GRID_N) and grid.min() >= 0 and grid.max() <= 1
    GX, GY, points = rw._grid_points()
    assert GX[0, 0] == rw.XLIM[0] and GY[-1, 0] == rw.YLIM[1]  # rows run along y, bottom first
    z = rw.predict_logits(result["theta"], 8, points).reshape(GX.shape)
    assert np.allclose(grid, 1 / (1 + np.exp(-z)))


def test_bad_inputs_raise_value_errors():
    for width in (0, -3, 2.5, True, "8"):
        with pytest.raises(ValueError, match="width"):
            rw.train_moons_mlp(width, 0.0)
    for lam in (-1e-3, np.nan, np.inf, "x", None):
        with pytest.raises(ValueError, match="lam"):
            rw.train_moons_mlp(8, lam)
    with pytest.raises(ValueError, match="steps"):
        rw.train_moons_mlp(8, 0.0, steps=0)


def test_a_huge_learning_rate_is_reported_as_diverged_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = rw.train_moons_mlp(8, 0.0, steps=20, lr=1e200)
    assert result["diverged"]
    bad = np.flatnonzero(np.isnan(result["train_loss"]))
    assert bad.size and np.isnan(result["train_loss"][bad[0]:]).all() and np.isnan(result["val_acc"])
    assert rw.describe(result).endswith("diverged")


def test_describe_and_format_lam():
    assert rw.format_lam(0) == "0"
    assert rw.format_lam(1.0) == "1"
    assert rw.format_lam(0.1) == "0.1"
    assert rw.format_lam(0.00215443469) == "0.00215"
    assert rw.format_lam(4.6415888e-05) == "4.64e-05"
    result = dict(width=16, lam=1e-3, diverged=False, train_acc=0.95, val_acc=0.9325)
    assert rw.describe(result) == "width 16, lambda 0.001: train acc 0.950, val acc 0.932"


def test_predict_logits_reads_the_packed_parameters():
    result = rw.train_moons_mlp(4, 0.0, steps=5)
    d = rw.moons_data()
    W1, b1, W2, b2 = np.split(result["theta"], [8, 12, 16])
    by_hand = np.maximum(d["Z_val"] @ W1.reshape(2, 4) + b1, 0) @ W2 + b2
    assert np.allclose(rw.predict_logits(result["theta"], 4, d["Z_val"]), by_hand, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="theta of a width-8 network has 33 entries"):
        rw.predict_logits(result["theta"], 8, d["Z_val"])


# ------------------------------------------------------------------ views
def _artists(view):
    ax_map, ax_loss = view.fig.axes[:2]
    image = ax_map.get_images()[0]
    train_line = [line for line in ax_loss.get_lines() if line.get_label() == "train loss"][0]
    val_line = [line for line in ax_loss.get_lines() if line.get_label() == "validation loss"][0]
    return ax_map, ax_loss, image, train_line, val_line


def test_live_view_updates_its_artists_and_image():
    view = rw.capacity_explorer(width=128, lam=0.0)
    assert set(view.controls) == {"width", "lam"}
    assert list(view.controls["width"].options) == list(rw.WIDTHS)
    assert [v for _, v in view.controls["lam"].options] == list(rw.LAMBDAS)
    ax_map, ax_loss, image, train_line, val_line = _artists(view)
    before = (np.array(image.get_array()).copy(), val_line.get_ydata().copy(), ax_map.get_title(), bytes(view.image.value))
    assert np.allclose(before[0], rw.moons_result(128, 0.0)["grid"])
    assert "width 128, lambda 0" in before[2]

    view.controls["lam"].value = rw.LAMBDAS[7]
    after = (np.array(image.get_array()), val_line.get_ydata(), ax_map.get_title(), bytes(view.image.value))
    assert not np.allclose(after[0], before[0])
    assert not np.allclose(after[1], before[1])
    assert after[2] != before[2] and "lambda 0.001" in after[2]
    assert after[3] != before[3]
    assert np.allclose(train_line.get_ydata(), rw.moons_result(128, rw.LAMBDAS[7])["train_loss"])

    view.controls["width"].value = 2
    assert "width 2," in ax_map.get_title()
    assert np.allclose(image.get_array(), rw.moons_result(2, rw.LAMBDAS[7])["grid"])


def test_extreme_weight_decay_collapses_without_raising_or_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = rw.capacity_explorer(width=64, lam=0.0)
        view.controls["lam"].value = 1.0
    ax_map, *_ = _artists(view)
    assert "val acc 0.500" in ax_map.get_title()
    assert len(ax_map.collections) == 2  # the two scatters only: no boundary for a constant prediction
    view.controls["lam"].value = 0.0
    assert len(ax_map.collections) == 3  # the boundary is back


def test_view_accepts_values_off_the_grids():
    view = rw.capacity_explorer(width=3, lam=0.02)
    assert 3 in view.controls["width"].options
    assert 0.02 in [v for _, v in view.controls["lam"].options]
    with pytest.raises(ValueError):
        rw.capacity_explorer(width=0)


def test_scrubber_has_one_frame_per_lambda_and_stays_small():
    scrub = rw.lam_scrubber(width=128)
    assert len(scrub.frames) == len(rw.LAMBDAS)
    assert scrub.labels[0] == "0" and scrub.labels[-1] == "1"
    assert len(set(scrub.frames)) == len(scrub.frames)  # every frame differs
    assert scrub.initial == 0
    assert scrub.nbytes < 1.5e6
    small = rw.lam_scrubber(width=4, lams=[0.0, 0.1])
    assert len(small.frames) == 2


def test_scrubber_title_names_its_range():
    scrub = rw.lam_scrubber(width=4, lams=[1e-3, 0.1], dpi=40)
    assert scrub.title == "Hidden width 4: weight decay lambda from 0.001 to 0.1"
    with pytest.raises(ValueError, match="at least one weight decay"):
        rw.lam_scrubber(width=4, lams=[])


def test_view_returns_the_cached_result():
    view = rw.capacity_explorer(width=16, lam=0.0)
    assert view.scene.result is rw.moons_result(16, 0.0)
    view.controls["lam"].value = rw.LAMBDAS[4]
    assert view.scene.result is rw.moons_result(16, rw.LAMBDAS[4])


def test_no_control_redraws_the_background():
    """Both sliders change only the map, the curves and the titles: the axes are drawn once."""
    view = rw.capacity_explorer(width=8, lam=0.0, dpi=40)
    assert view.renderer.full_draws == 1
    for lam in (rw.LAMBDAS[5], 1.0):
        view.controls["lam"].value = lam
    for width in (1, 128):
        view.controls["width"].value = width
    assert view.renderer.full_draws == 1


def test_a_diverged_fit_is_drawn_without_raising_or_warning(monkeypatch):
    from nbcode.widgets import Renderer, new_figure

    diverged = rw.train_moons_mlp(8, 0.0, steps=20, lr=1e200)
    diverged["grid"] = rw.decision_grid(diverged)
    monkeypatch.setattr(rw, "moons_result", lambda width, lam: diverged)
    scene = rw.draw(new_figure(8.6, 3.6, 40))
    renderer = Renderer(scene)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert renderer.render(dict(width=8, lam=0.0)).startswith(b"\x89PNG")
        with_nan = dict(diverged, grid=np.full((rw.GRID_N, rw.GRID_N), np.nan))  # NaN parameters give a NaN map
        monkeypatch.setattr(rw, "moons_result", lambda width, lam: with_nan)
        assert renderer.render(dict(width=8, lam=1.0)).startswith(b"\x89PNG")
        monkeypatch.setattr(rw, "moons_result", lambda width, lam: diverged)
        renderer.render(dict(width=8, lam=0.0))
    assert scene.result is diverged
    ax_map, ax_loss = scene.fig.axes[:2]
    assert ax_map.get_title().endswith("diverged") and len(ax_map.collections) == 2  # no boundary
    assert ax_loss.get_title() == "lowest val loss 0.781 at step 0; last 0.781"  # the one finite step
