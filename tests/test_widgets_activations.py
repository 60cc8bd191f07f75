"""The activation-functions chapter's interactive figure: compute functions and the thin view."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nbcode.activations import sigmoid, softmax
from nbcode.widgets import activations as W

ipywidgets = pytest.importorskip("ipywidgets")


# ---------------------------------------------------------------------------- activation_curves
def test_activation_curves_match_hand_worked_values():
    c = W.activation_curves("sigmoid", lo=-2.0, hi=2.0, n=5)  # x = -2, -1, 0, 1, 2
    np.testing.assert_allclose(c["x"], [-2, -1, 0, 1, 2])
    assert c["y"][2] == 0.5 and c["dy"][2] == 0.25
    np.testing.assert_allclose(c["y"][3], 1 / (1 + np.exp(-1)))
    r = W.activation_curves("relu", lo=-1.0, hi=1.0, n=3)
    np.testing.assert_array_equal(r["y"], [0, 0, 1])
    np.testing.assert_array_equal(r["dy"], [0, 0, 1])
    leaky = W.activation_curves("leaky-relu", lo=-1.0, hi=1.0, n=3)  # alias with a hyphen
    np.testing.assert_allclose(leaky["y"], [-0.01, 0, 1])
    np.testing.assert_allclose(leaky["dy"], [0.01, 0.01, 1])
    t = W.activation_curves("tanh")
    assert t["dy"].max() == pytest.approx(1.0) and t["y"].min() > -1 and t["y"].max() < 1


def test_unknown_activation_is_a_readable_error():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*sigmoid"):
        W.activation_curves("swish")
    with pytest.raises(ValueError, match="unknown activation"):
        W.layer_statistics("softmax", 3)


def test_init_follows_mlp_defaults():
    assert W.init_for("relu") == W.init_for("leaky_relu") == "he_normal"
    assert W.init_for("sigmoid") == W.init_for("tanh") == W.init_for("identity") == "xavier_normal"


# ---------------------------------------------------------------------------- layer_statistics
def test_one_hidden_layer_by_hand():
    """Depth 1: forward and backward written out with NumPy give the same statistics."""
    s = W.layer_statistics("sigmoid", 1, width=8, n=5, seed=3)
    X, labels, hidden, output = W._setup("sigmoid", 8, 5, 3, W.MAX_DEPTH)
    lin = hidden[0]
    a = sigmoid(X @ lin.weight.data + lin.bias.data)
    logits = a @ output.weight.data + output.bias.data
    p = softmax(logits)
    dlogits = (p - np.eye(10)[labels]) / len(X)
    dz = (dlogits @ output.weight.data.T) * a * (1 - a)
    dW = X.T @ dz
    np.testing.assert_allclose(s["mean_abs_activation"], [np.abs(a).mean()])
    np.testing.assert_allclose(s["input_spread"], [a.std(axis=0).mean()])
    np.testing.assert_allclose(s["mean_abs_grad"], [np.abs(dW).mean()])
    np.testing.assert_allclose(s["loss"], -np.log(p[np.arange(5), labels]).mean())
    assert s["grad_ratio"] == 1.0
    np.testing.assert_array_equal(s["layer"], [1])
    np.testing.assert_array_equal(s["hist_layers"], [1])


@pytest.mark.parametrize("depth, shown", [(1, [1]), (2, [1, 2]), (3, [1, 2, 3]), (50, [1, 25, 50]), (7, [1, 4, 7])])
def test_histogram_layers_are_first_middle_last(depth, shown):
    s = W.layer_statistics("tanh", depth)
    np.testing.assert_array_equal(s["hist_layers"], shown)
    assert s["hist_fractions"].shape == (len(shown), len(s["hist_edges"]) - 1)
    np.testing.assert_allclose(s["hist_fractions"].sum(axis=1), 1.0)  # out-of-range values clipped in
    assert s["hist_edges"][0] == -1.0 and s["hist_edges"][-1] == 1.0


def test_shapes_and_shared_weights_across_depths():
    short, deep = W.layer_statistics("relu", 10), W.layer_statistics("relu", 20)
    for key in ("layer", "mean_abs_activation", "input_spread", "mean_abs_grad"):
        assert short[key].shape == (10,) and deep[key].shape == (20,)
    # layer l has the same weights in every depth >= l, so the forward statistics agree
    np.testing.assert_allclose(deep["mean_abs_activation"][:10], short["mean_abs_activation"])
    deeper = W.layer_statistics("relu", W.MAX_DEPTH + 5)  # beyond the slider: builds more layers
    np.testing.assert_allclose(deeper["mean_abs_activation"][:20], deep["mean_abs_activation"])


def test_sigmoid_gradient_vanishes_and_relu_gradient_survives():
    sig = W.layer_statistics("sigmoid", 50)
    assert sig["grad_ratio"] < 1e-20
    assert 0.15 < sig["grad_ratio"] ** (1 / 49) < 0.3  # about sigmoid's 1/4 per layer
    assert np.all(np.diff(np.log10(sig["mean_abs_grad"])) > 0)  # smaller at every earlier layer
    assert sig["input_spread"][-1] < 1e-12 < sig["input_spread"][0]  # the deep layers forget the input
    for name in ("tanh", "relu", "leaky_relu"):
        assert 0.1 < W.layer_statistics(name, 50)["grad_ratio"] < 10, name


def test_extreme_settings_never_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in W.NAMES + ("identity",):
            for depth in (1, 50):
                s = W.layer_statistics(name, depth)
                assert np.all(np.isfinite(s["mean_abs_grad"])) and np.isfinite(s["loss"])


@pytest.mark.parametrize("depth", [0, -1, 2.5, True, "3"])
def test_bad_depth_is_a_readable_error(depth):
    with pytest.raises(ValueError, match="positive integer"):
        W.layer_statistics("relu", depth)


def test_describe_ratio():
    assert "vanishes" in W.describe_ratio(1e-31, 50) and "1e-31" in W.describe_ratio(1e-31, 50)
    assert "survives" in W.describe_ratio(2.9, 50) and "2.9" in W.describe_ratio(2.9, 50)
    assert "one hidden layer" in W.describe_ratio(1.0, 1)


# ---------------------------------------------------------------------------- the view
def test_view_updates_artists_and_image():
    view = W.activation_explorer("relu", depth=5, dpi=40)
    ax_fn, ax_hist, ax_layers = view.fig.axes
    fn_line = ax_fn.lines[0]
    grad_line = ax_layers.lines[2]
    first_image, first_fn = bytes(view.image.value), fn_line.get_ydata().copy()
    assert first_image.startswith(b"\x89PNG")
    assert "survives" in ax_layers.get_title()
    assert len(view.scene.result["stats"]["layer"]) == 5

    view.controls["name"].value = "sigmoid"
    assert not np.allclose(fn_line.get_ydata(), first_fn)
    np.testing.assert_allclose(fn_line.get_ydata(), W.activation_curves("sigmoid")["y"])
    np.testing.assert_allclose(view.scene.result["curves"]["y"], fn_line.get_ydata())
    assert bytes(view.image.value) != first_image
    assert "max g'(z) = 0.25" in ax_fn.get_title()

    view.controls["depth"].value = 50
    assert len(grad_line.get_xdata()) == 50
    expected = np.log10(W.layer_statistics("sigmoid", 50)["mean_abs_grad"])
    np.testing.assert_allclose(grad_line.get_ydata(), expected)
    assert view.scene.result["stats"]["grad_ratio"] < 1e-20
    assert "vanishes" in ax_layers.get_title()
    assert ax_layers.get_ylim()[0] < expected.min()
    assert [t.get_text() for t in ax_hist.get_legend().get_texts()] == ["layer 1", "layer 25", "layer 50"]


def test_view_depth_one_hides_unused_histograms():
    view = W.activation_explorer("tanh", depth=1, dpi=40)
    ax_hist = view.fig.axes[1]
    legend = ax_hist.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["layer 1", "", ""]
    assert [h.get_visible() for h in legend.legend_handles] == [True, False, False]
    assert [p.get_visible() for p in ax_hist.patches] == [True, False, False]
    assert "one hidden layer" in view.fig.axes[2].get_title()


def test_tick_labels_stay_short_at_every_setting():
    """The layout is solved once: no setting may need tick labels wider than "-3.0"."""
    from nbcode.widgets import Renderer, new_figure

    scene = W.draw(new_figure(10.0, 3.4, dpi=40))
    renderer = Renderer(scene)
    for name in W.NAMES:
        for depth in (1, 3, 8, 13, 50):
            renderer.render({"name": name, "depth": depth})
            for ax in scene.fig.axes:
                low, high = ax.get_ylim()
                shown = [t.get_text() for t, y in zip(ax.get_yticklabels(), ax.get_yticks()) if low <= y <= high]
                assert max(len(text) for text in shown) <= 4, (name, depth, shown)


def test_scrubber_frames_and_size():
    scrub = W.depth_scrubber("sigmoid", depths=(1, 5, 50), dpi=40)
    assert len(scrub.frames) == 3 and len(set(scrub.frames)) == 3
    assert scrub.labels == ["1", "5", "50"]
    assert scrub.initial == 2 and scrub.control == "depth"
    assert "sigmoid" in scrub.title


def test_default_scrubber_stays_under_budget():
    scrub = W.depth_scrubber()
    assert len(scrub.frames) == len(W.DEPTHS)
    assert scrub.nbytes < 1.5e6
