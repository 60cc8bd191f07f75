"""Interactive figure of the activation-functions chapter: what one activation does to a deep stack.

Compute (NumPy, fast, tested):

* :func:`activation_curves` ``(name)``: the function and its derivative on a grid of inputs,
  from ``nbcode.activations``.
* :func:`layer_statistics` ``(name, depth)``: a stack of ``depth`` hidden layers (``width``
  units each, Linear then the activation, Xavier normal init for sigmoid/tanh, He normal for the
  ReLU family, as ``nbcode.network.mlp`` chooses), a 10-class softmax output, a fixed random
  batch of ``n`` standard-normal inputs with random labels. One forward and one backward pass
  with ``nbcode.layers`` give, per hidden layer, the mean |activation| and the mean |dL/dW|
  (the gradient that would update that layer's weights), histograms of the activations of the
  first, middle and last hidden layer, and the ratio "gradient at layer 1 / gradient at the
  last layer" that shows a gradient vanishing.

View (thin): :func:`activation_explorer` draws the figure once (function and derivative; the
activation histograms; the per-layer statistics on a log scale) and changes its artists in place;
:func:`depth_scrubber` packs frames over the depth for readers of the static page.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import init as init_module
from ..activations import get as get_activation
from ..layers import ACTIVATION_LAYERS, Linear, SoftmaxCrossEntropy, activation_layer
from ..network import Sequential

__all__ = [
    "NAMES",
    "DEPTHS",
    "MAX_DEPTH",
    "init_for",
    "activation_curves",
    "layer_statistics",
    "describe_ratio",
    "activation_explorer",
    "depth_scrubber",
    "LATENCY_CASES",
]

#: The activations the dropdown offers.
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")
#: The slider's largest depth; networks are built (and cached) this deep once per activation.
MAX_DEPTH = 50
#: Depths of the static scrubber.
DEPTHS = (1, 2, 3, 5, 8, 12, 17, 25, 35, 50)
_CLASSES = 10
_HIST_BINS = 30
#: Histogram range of each activation's outputs (ReLU outputs are unbounded; 3 covers ~99%).
_LOG_FLOOR = 1e-40  # log10 of a plotted statistic never goes below -40
_HIST_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (-0.5, 3.0), "leaky_relu": (-0.5, 3.0), "identity": (-3.0, 3.0)}


def _key(name) -> str:
    key = name.lower().replace("-", "_") if isinstance(name, str) else name
    if key not in ACTIVATION_LAYERS:
        known = ", ".join(sorted(ACTIVATION_LAYERS))
        raise ValueError(f"unknown activation {name!r}; choose one of: {known}.")
    return key


def init_for(name: str) -> str:
    """The initialiser ``nbcode.network.mlp`` picks: He normal for the ReLU family, else Xavier normal."""
    return "he_normal" if _key(name) in ("relu", "leaky_relu") else "xavier_normal"


def activation_curves(name: str, lo: float = -5.0, hi: float = 5.0, n: int = 401) -> dict[str, np.ndarray]:
    """``{"x", "y", "dy"}``: the activation ``name`` and its derivative on ``n`` points of [lo, hi]."""
    fn, grad = get_activation(_key(name))
    x = np.linspace(lo, hi, n)
    return {"x": x, "y": fn(x), "dy": grad(x)}


def _check_depth(depth) -> int:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth is a number of hidden layers and must be a positive integer, got {depth!r}.")
    return int(depth)


@lru_cache(maxsize=16)
def _setup(key: str, width: int, n: int, seed: int, depth: int):
    """The batch, the labels, ``depth`` hidden blocks and the output layer (cached: they never change).

    The hidden weights come from one generator in layer order, so layer l has the same weights in
    every depth >= l; the batch, labels and output layer come from generators of their own.
    """
    data_rng = np.random.default_rng([seed, 0])
    X = data_rng.standard_normal((n, width))
    labels = data_rng.integers(0, _CLASSES, size=n)
    weight_rng = np.random.default_rng([seed, 1])
    init = init_for(key)
    hidden = []
    for _ in range(depth):
        hidden += [Linear(width, width, rng=weight_rng, init=init), activation_layer(key)]
    output = Linear(width, _CLASSES, rng=np.random.default_rng([seed, 2]), init="xavier_normal")
    return X, labels, hidden, output


def layer_statistics(name: str, depth: int, width: int = 64, n: int = 64, seed: int = 0) -> dict[str, np.ndarray | float]:
    """Forward and backward through ``depth`` hidden layers; per-layer statistics.

    Returns a dict with
      ``layer``            1..depth;
      ``mean_abs_activation``  mean |a_l| over the batch and the units of hidden layer l;
      ``input_spread``     the standard deviation of a unit's output across the batch, averaged
                           over the units of layer l (near 0: the layer outputs the same for every input);
      ``mean_abs_grad``    mean |dL/dW_l| of the weights feeding hidden layer l;
      ``grad_ratio``       mean_abs_grad[0] / mean_abs_grad[-1] (below ~1e-3: the gradient vanished);
      ``hist_layers``      the layers whose activations are histogrammed (first, middle, last; unique);
      ``hist_edges``, ``hist_fractions``  bin edges and, per histogrammed layer, the fraction of
                           activations in each bin (values outside the range go to the end bins);
      ``loss``             the softmax cross-entropy of the batch.
    The loss is L = softmax cross-entropy of the output logits against random labels, so every
    number is what one step of training this network would see. Never raises for a valid name
    and depth >= 1, and never warns (a vanished gradient is a tiny number, not an error).
    """
    key = _key(name)
    depth = _check_depth(depth)
    X, labels, hidden, output = _setup(key, int(width), int(n), int(seed), max(depth, MAX_DEPTH))
    net = Sequential(*hidden[: 2 * depth], output)
    loss = SoftmaxCrossEntropy()
    with np.errstate(all="ignore"):
        acts = []
        h = X
        for layer in net.layers:
            h = layer.forward(h)
            if not isinstance(layer, Linear):
                acts.append(h)
        value = float(loss.forward(h, labels))
        net.backward(loss.backward())
    mean_abs_activation = np.array([np.mean(np.abs(a)) for a in acts])
    input_spread = np.array([np.mean(np.std(a, axis=0)) for a in acts])
    mean_abs_grad = np.array([np.mean(np.abs(layer.weight.grad)) for layer in net.layers[0:-1:2]])
    hist_layers = np.unique([1, (depth + 1) // 2, depth])
    lo, hi = _HIST_RANGE[key]
    edges = np.linspace(lo, hi, _HIST_BINS + 1)
    fractions = np.array([np.histogram(np.clip(acts[k - 1], lo, hi), bins=edges)[0] / acts[k - 1].size for k in hist_layers])
    last = mean_abs_grad[-1]
    return {
        "layer": np.arange(1, depth + 1),
        "mean_abs_activation": mean_abs_activation,
        "input_spread": input_spread,
        "mean_abs_grad": mean_abs_grad,
        "grad_ratio": float(mean_abs_grad[0] / last) if last > 0 else 0.0,
        "hist_layers": hist_layers,
        "hist_edges": edges,
        "hist_fractions": fractions,
        "loss": value,
    }


def describe_ratio(ratio: float, depth: int) -> str:
    """A title for the per-layer panel, e.g. "gradient VANISHES: layer 1 gets 6e-32 x layer 50's"."""
    if depth == 1:
        return "one hidden layer:\nno deeper layer to lose the gradient"
    if ratio < 1e-3:
        return f"gradient vanishes: layer 1 gets\n{ratio:.0e} x the gradient of layer {depth}"
    return f"gradient survives: layer 1 gets\n{ratio:.2g} x the gradient of layer {depth}"


#: The compute calls one control move triggers (timed by the lead's benchmark).
LATENCY_CASES = [
    (activation_curves, {"name": "sigmoid"}),
    (layer_statistics, {"name": "sigmoid", "depth": 50}),
    (layer_statistics, {"name": "relu", "depth": 50}),
    (layer_statistics, {"name": "tanh", "depth": 20}),
]


# ---------------------------------------------------------------------------- the view
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")


def activation_explorer(name: str = "sigmoid", depth: int = 20, *, width: int = 64, n: int = 64, seed: int = 0, dpi: int = 80):
    """Dropdown (activation) and slider (depth 1..50) over a three-panel figure.

    Left: the activation and its derivative. Middle: histograms of the activations of the first,
    middle and last hidden layer. Right: per layer, the mean |activation|, the spread of the
    activations across inputs and the mean |dL/dW|, as log10; the title says how much of the
    last layer's gradient reaches layer 1.
    Returns the :class:`~nbcode.widgets.LiveFigure`.
    """
    import ipywidgets as widgets
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from ._core import LiveFigure

    # Fixed margins instead of new_figure's constrained layout: the layout pass costs about as
    # much as the drawing, and here the panels' contents change, not their size.
    fig = Figure(figsize=(10.0, 3.4), dpi=dpi)
    ax_fn, ax_hist, ax_layers = fig.subplots(1, 3, width_ratios=(0.9, 1.0, 1.2))
    fig.subplots_adjust(left=0.045, right=0.99, bottom=0.15, top=0.85, wspace=0.28)

    curves = activation_curves(name)
    (fn_line,) = ax_fn.plot(curves["x"], curves["y"], color="#1f77b4", label="g(z)")
    (grad_line,) = ax_fn.plot(curves["x"], curves["dy"], color="#d62728", ls="--", label="g'(z)")
    ax_fn.axhline(0.0, color="0.7", lw=0.8)
    ax_fn.axvline(0.0, color="0.7", lw=0.8)
    ax_fn.set(xlabel="input z", xlim=(curves["x"][0], curves["x"][-1]))
    ax_fn.legend(loc="upper left", fontsize=8)

    stats = layer_statistics(name, depth, width, n, seed)
    edges = stats["hist_edges"]
    stairs = [ax_hist.stairs(np.zeros(len(edges) - 1), edges, color=c, lw=1.5, label=" ") for c in _COLORS]
    ax_hist.set(xlabel="activation value", ylabel="fraction of activations")
    hist_legend = ax_hist.legend(loc="upper right", fontsize=8)

    (act_line,) = ax_layers.plot([], [], "o-", ms=3, color="#2ca02c", label="mean |activation|")
    (spread_line,) = ax_layers.plot([], [], "^-", ms=3, color="#9467bd", label="spread across inputs")
    (grad_layer_line,) = ax_layers.plot([], [], "s-", ms=3, color="#d62728", label="mean |dL/dW|")
    ax_layers.set(xlabel="hidden layer", ylabel="log10 of the value")
    ax_layers.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax_layers.legend(loc="lower right", fontsize=8)

    def update(name: str, depth: int) -> None:
        curves = activation_curves(name)
        fn_line.set_ydata(curves["y"])
        grad_line.set_ydata(curves["dy"])
        top = max(float(curves["y"].max()), float(curves["dy"].max()))
        bottom = min(float(curves["y"].min()), float(curves["dy"].min()))
        ax_fn.set_ylim(bottom - 0.1 * (top - bottom) - 0.05, top + 0.1 * (top - bottom) + 0.05)
        ax_fn.set_title(f"{name}: max g'(z) = {float(curves['dy'].max()):.2g}", fontsize=10)

        stats = layer_statistics(name, depth, width, n, seed)
        edges = stats["hist_edges"]
        shown = list(stats["hist_layers"])
        peak = 0.0
        for k, (stair, text, handle) in enumerate(zip(stairs, hist_legend.get_texts(), hist_legend.legend_handles)):
            if k < len(shown):
                values = stats["hist_fractions"][k]
                peak = max(peak, float(values.max()))
                stair.set_data(values, edges)
                text.set_text(f"layer {shown[k]}")
            else:
                text.set_text("")
            stair.set_visible(k < len(shown))
            handle.set_visible(k < len(shown))
        ax_hist.set_xlim(edges[0], edges[-1])
        ax_hist.set_ylim(0.0, 1.1 * peak)
        ax_hist.set_title(f"activations, {depth} hidden layer{'s' if depth > 1 else ''}", fontsize=10)

        layers = stats["layer"]
        # log10 on a linear axis: plain tick labels (fast to draw); the floor keeps log10 finite
        acts, spread, grads = (np.log10(np.maximum(stats[key], _LOG_FLOOR)) for key in ("mean_abs_activation", "input_spread", "mean_abs_grad"))
        act_line.set_data(layers, acts)
        spread_line.set_data(layers, spread)
        grad_layer_line.set_data(layers, grads)
        both = np.concatenate([acts, spread, grads])
        ax_layers.set_xlim(0.5, depth + 0.5)
        low, high = float(both.min()), float(both.max())
        span = high - low + 1.0
        ax_layers.set_ylim(low - 0.5 * span, high + 0.1 * span)  # room for the legend below the data
        ax_layers.set_title(describe_ratio(stats["grad_ratio"], depth), fontsize=10)

    controls = {
        "name": widgets.Dropdown(options=list(NAMES), value=name, description="activation"),
        "depth": widgets.IntSlider(value=depth, min=1, max=MAX_DEPTH, step=1, description="depth", continuous_update=False),
    }
    return LiveFigure(fig, controls, update)


def depth_scrubber(view, name: str = "sigmoid", depths=DEPTHS, *, dpi: int = 64):
    """A static scrubber over the depth for one activation; ``view`` is what
    :func:`activation_explorer` returned. Frames are rendered at ``dpi`` to keep the page light."""
    from ._core import scrubber

    return scrubber(
        view.fig,
        view._update,
        "depth",
        list(depths),
        fixed={"name": name},
        fmt="{:d}",
        title=f"{name}: activations and gradients through a deep stack",
        dpi=dpi,
        initial=len(depths) - 1,
    )
