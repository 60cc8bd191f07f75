"""The weight-initialization chapter's interactive figure: compute functions and the thin view."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from nbcode import init
from nbcode.activations import sigmoid
from nbcode.widgets import initialization as W

ipywidgets = pytest.importorskip("ipywidgets")


# ---------------------------------------------------------------------------- weight_std
def test_weight_std_of_each_scheme():
    assert W.weight_std("normal", 0.01, 100, 100) == 0.01
    assert W.weight_std("xavier", 0.01, 300, 100) == pytest.approx(math.sqrt(2 / 400))
    assert W.weight_std("xavier", 0.01, 100, 100) == pytest.approx(0.1)  # 1 / sqrt(n) when square
    assert W.weight_std("he", 0.01, 50, 7) == pytest.approx(0.2)  # sqrt(2 / 50)


def test_unknown_names_are_readable_errors():
    with pytest.raises(ValueError, match="unknown initialization scheme 'lecun'.*normal, xavier, he"):
        W.layer_activations("lecun")
    with pytest.raises(ValueError, match="unknown activation 'elu'.*sigmoid, tanh, relu"):
        W.layer_activations("he", activation="elu")
    with pytest.raises(ValueError, match="std must be a finite number"):
        W.layer_activations("normal", std=-1.0)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "5"])
def test_bad_sizes_are_readable_errors(bad):
    with pytest.raises(ValueError, match="layers must be a positive integer"):
        W.layer_activations("he", layers=bad)


# ---------------------------------------------------------------------------- layer_activations
def test_forward_and_backward_by_hand():
    """Two sigmoid layers written out with NumPy give the same activations, gradients and statistics."""
    r = W.layer_activations("normal", std=0.5, activation="sigmoid", layers=2, width=6, n=4, seed=3)
    x = np.random.default_rng([3, 0]).standard_normal((4, 6))
    weight_rng = np.random.default_rng([3, 1])
    W1, W2 = (0.5 * weight_rng.standard_normal((6, 6)) for _ in range(2))
    R = np.random.default_rng([3, 2]).standard_normal((4, 6))
    h1 = sigmoid(x @ W1)
    h2 = sigmoid(h1 @ W2)
    dz2 = R * h2 * (1 - h2)  # L = sum(h2 * R)
    dz1 = (dz2 @ W2.T) * h1 * (1 - h1)
    np.testing.assert_allclose(r["x"], x)
    np.testing.assert_allclose(r["weights"][0], W1)
    np.testing.assert_allclose(r["weights"][1], W2)
    np.testing.assert_allclose(r["activations"][0], h1)
    np.testing.assert_allclose(r["activations"][1], h2)
    np.testing.assert_allclose(r["gradients"][1], dz2)
    np.testing.assert_allclose(r["gradients"][0], dz1)
    np.testing.assert_allclose(r["std"], [h1.std(), h2.std()])
    np.testing.assert_allclose(r["grad_std"], [np.sqrt(np.mean(dz1**2)), np.sqrt(np.mean(dz2**2))])
    assert r["weight_std"] == 0.5 and r["scheme"] == "normal" and r["activation"] == "sigmoid"


def test_weights_come_from_nbcode_init():
    for scheme, name in (("xavier", "xavier_normal"), ("he", "he_normal")):
        r = W.layer_activations(scheme, activation="relu", layers=3, width=8, n=5)
        rng = np.random.default_rng([0, 1])
        for layer in range(3):
            np.testing.assert_array_equal(r["weights"][layer], init.get(name)(8, 8, rng))


def test_same_random_numbers_for_every_std():
    """Only the scale changes between stds: the weights are the same draws, scaled."""
    a = W.layer_activations("normal", std=0.01, activation="tanh", layers=2, width=10, n=20)
    b = W.layer_activations("normal", std=1.0, activation="tanh", layers=2, width=10, n=20)
    np.testing.assert_allclose(b["weights"][1], 100 * a["weights"][1])
    np.testing.assert_array_equal(a["x"], b["x"])


def test_matrix_products_in_blocks_equal_one_product():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((1000, 100)), rng.standard_normal((100, 100))
    np.testing.assert_allclose(W._rows_dot(a, b), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(W._rows_dot(a[:7], b.T), a[:7] @ b.T, rtol=1e-12, atol=1e-12)


def test_histograms_by_hand():
    r = W.layer_activations("normal", std=1.0, activation="tanh", layers=2, width=10, n=30)
    edges = np.linspace(-1, 1, W.BINS + 1)
    np.testing.assert_allclose(r["edges"], edges)
    for layer in range(2):
        counts, _ = np.histogram(r["activations"][layer], bins=edges)
        np.testing.assert_allclose(r["hist"][layer], counts / 300)
    np.testing.assert_allclose(r["hist"].sum(axis=1), 1.0)
    # gradient bins: two octaves each, edges in log10
    assert len(r["grad_edges"]) == W.GRAD_BINS + 1 == 41
    np.testing.assert_allclose(r["grad_edges"][[0, -1]], [-48 * math.log10(2), 32 * math.log10(2)])
    g = np.abs(r["gradients"][0]).ravel()
    expected = np.clip((np.floor(np.log2(g)).astype(int) + 48) // 2, 0, W.GRAD_BINS - 1)
    np.testing.assert_allclose(r["grad_hist"][0], np.bincount(expected, minlength=W.GRAD_BINS) / g.size)


def test_octave_bins_at_the_edges():
    values = np.array([0.0, 1.0, -1.0, 3.9, 4.0, 2.0**-48, 2.0**-60, 2.0**40, np.inf, 5e-324])
    np.testing.assert_array_equal(W._octave_bins(values), [0, 24, 24, 24, 25, 0, 0, 39, 39, 0])
    single = np.array([0.0, 1.0, -1.0, 3.9, 4.0, 2.0**-48, 2.0**-60, 2.0**40, np.inf, 1e-45], dtype=np.float32)
    np.testing.assert_array_equal(W._octave_bins(single), [0, 24, 24, 24, 25, 0, 0, 39, 39, 0])


def test_float32_gives_the_same_picture():
    a = W.layer_activations("normal", 0.3, "tanh", n=300)
    b = W.layer_activations("normal", 0.3, "tanh", n=300, dtype=np.float32)
    assert b["activations"][0].dtype == np.float32 and b["gradients"][0].dtype == np.float32
    np.testing.assert_allclose(b["std"], a["std"], rtol=1e-5)
    np.testing.assert_allclose(b["grad_std"], a["grad_std"], rtol=1e-4)
    assert np.abs(a["hist"] - b["hist"]).max() < 0.01 and np.abs(a["grad_hist"] - b["grad_hist"]).max() < 0.01
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        W.layer_activations("he", dtype=np.int64)


def test_relu_histograms_leave_out_zeros():
    r = W.layer_activations("he", activation="relu")
    np.testing.assert_allclose(r["hist"].sum(axis=1), 1 - r["zero_fraction"])
    assert np.all((r["zero_fraction"] > 0.4) & (r["zero_fraction"] < 0.6))
    # the "off" units pass back exactly 0: left out of the gradient histograms too
    zero_grads = np.array([np.mean(g == 0) for g in r["gradients"]])
    np.testing.assert_allclose(r["grad_hist"].sum(axis=1), 1 - zero_grads)
    np.testing.assert_array_equal(r["saturated"], 0)


def test_the_classic_experiment():
    """The claims of the chapter, at the defaults (5 layers of 100 units, 1000 inputs)."""
    big = W.layer_activations("normal", 1.0, "sigmoid")
    assert big["saturated"].mean() > 0.5
    small = W.layer_activations("normal", 0.01, "sigmoid")
    assert small["std"].max() < 0.03
    for scheme, activation in (("xavier", "tanh"), ("he", "relu")):
        r = W.layer_activations(scheme, activation=activation)
        assert 0.5 <= r["std"][4] / r["std"][0] <= 2
    for activation in ("tanh", "relu"):
        r = W.layer_activations("normal", 0.01, activation)
        assert r["std"][4] / r["std"][0] < 1e-3
    sig = W.layer_activations("xavier", activation="sigmoid")
    assert sig["grad_std"][0] / sig["grad_std"][4] < 1 / 4**4  # vanishing: sigma' <= 1/4
    relu = W.layer_activations("he", activation="relu")
    assert 0.5 < relu["grad_std"][0] / relu["grad_std"][4] < 2


@pytest.mark.parametrize("activation", W.ACTIVATIONS)
@pytest.mark.parametrize("std", [0.0, 1e-3, 10.0, 1e3])
def test_extreme_stds_never_raise_or_warn(activation, std):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = W.layer_activations("normal", std, activation, n=50)
        text = W.verdict(r)
    assert all(np.all(np.isfinite(a)) for a in r["activations"])
    assert np.all(np.isfinite(r["hist"])) and np.all(np.isfinite(r["grad_hist"]))
    assert isinstance(text, str) and text


def test_verdicts():
    assert W.verdict(W.layer_activations("normal", 1e-3, "tanh", n=100)).startswith("collapsed: outputs all near 0 ")
    assert "near 0.5" in W.verdict(W.layer_activations("normal", 1e-3, "sigmoid", n=100))
    assert W.verdict(W.layer_activations("normal", 10.0, "tanh", n=100)).startswith("saturated: 9")
    assert W.verdict(W.layer_activations("normal", 10.0, "relu", n=100)).startswith("exploding")
    healthy = W.verdict(W.layer_activations("he", activation="relu", n=100))
    assert healthy.startswith("healthy spread in all 5 layers; grad rms layer 1 / layer 5 = ")
    one_layer = W.verdict(W.layer_activations("he", activation="relu", layers=1, n=100))
    assert one_layer == "healthy spread in all 1 layers"


def test_std_grid_of_the_scrubber():
    assert len(W.STDS) == 17 and W.STDS[0] == pytest.approx(1e-3) and W.STDS[-1] == pytest.approx(10.0)
    assert any(abs(s - 0.1) < 1e-12 for s in W.STDS)


# ---------------------------------------------------------------------------- the view
def test_view_updates_artists_and_image():
    view = W.initialization_explorer("normal", 0.01, "tanh", n=100, dpi=40)
    axes = view.fig.axes
    assert len(axes) == 10
    act_patch, grad_patch = axes[0].patches[0], axes[5].patches[0]
    first_image = bytes(view.image.value)
    first_heights = act_patch.get_data().values.copy()
    assert first_image.startswith(b"\x89PNG")
    assert "collapsed" in view.fig.get_suptitle()
    assert axes[0].get_title(loc="left") == "layer 1" and axes[0].get_title(loc="right").startswith("std 0.0")

    view.controls["std"].value = 10.0
    assert bytes(view.image.value) != first_image
    assert not np.allclose(act_patch.get_data().values, first_heights)
    expected = W.layer_activations("normal", 10.0, "tanh", n=100, dtype=np.float32)
    np.testing.assert_allclose(act_patch.get_data().values, expected["hist"][0])
    np.testing.assert_allclose(grad_patch.get_data().values, expected["grad_hist"][0])
    assert "saturated" in view.fig.get_suptitle()

    view.controls["activation"].value = "relu"
    assert axes[0].get_xlim() == (0.0, 4.0)
    assert "exploding" in view.fig.get_suptitle()
    view.controls["scheme"].value = "he"
    assert view.controls["std"].disabled
    assert "healthy" in view.fig.get_suptitle() and "He (std 0.141)" in view.fig.get_suptitle()
    view.controls["scheme"].value = "normal"
    assert not view.controls["std"].disabled
    view.controls["activation"].value = "sigmoid"
    assert axes[0].get_xlim() == (0.0, 1.0)
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["0", "0.5", "1"]


def test_view_returns_what_it_computed():
    view = W.initialization_explorer("normal", 0.3, "sigmoid", n=100, dpi=40)
    result = view.scene.result
    expected = W.layer_activations("normal", 0.3, "sigmoid", n=100, dtype=np.float32)
    assert result["activation"] == "sigmoid" and result["scheme"] == "normal"
    np.testing.assert_array_equal(result["hist"], expected["hist"])
    view.controls["scheme"].value = "xavier"
    assert view.scene.result["scheme"] == "xavier" and view.scene.result["weight_std"] == pytest.approx(0.1)


def test_only_the_activation_changes_the_background_and_each_is_drawn_in_advance():
    view = W.initialization_explorer(n=100, dpi=40)
    assert view.renderer.full_draws == len(W.ACTIVATIONS)  # one per activation, when the figure is made
    for std in (1e-3, 0.5, 10.0):
        view.controls["std"].value = std
    view.controls["scheme"].value = "he"
    view.controls["activation"].value = "relu"
    assert view.renderer.full_draws == len(W.ACTIVATIONS)


def test_scrubber_frames_and_size():
    scrub = W.std_scrubber("sigmoid", stds=(1e-3, 0.1, 10.0), n=100, dpi=40)
    assert len(scrub.frames) == 3 and len(set(scrub.frames)) == 3
    assert all(f.startswith(b"\x89PNG") for f in scrub.frames)
    assert scrub.labels == ["0.001", "0.1", "10"] and scrub.initial == 1 and scrub.control == "std"
    assert "sigmoid" in scrub.title
    with pytest.raises(ValueError, match="at least one value"):
        W.std_scrubber(stds=())
    with pytest.raises(ValueError, match="unknown activation"):
        W.std_scrubber("elu")


def test_default_scrubber_stays_under_budget():
    scrub = W.std_scrubber()
    assert len(scrub.frames) == len(W.STDS) == 17
    assert scrub.nbytes < 1.5e6
