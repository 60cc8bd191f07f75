"""Interactive figure of the activation-functions chapter: what one activation does to a deep stack.

Compute (NumPy, fast, tested):

* :func:`activation_curves` ``(name)``: the function and its derivative on a grid of inputs,
  from ``nbcode.activations``.
* :func:`layer_statistics` ``(name, depth)``: a stack of ``depth`` hidden layers (``width``
  units each, Linear then the activation, Xavier normal init for sigmoid/tanh, He normal for the
  ReLU family, as ``nbcode.network.mlp`` chooses), a 10-class softmax output, a fixed random
  batch of ``n`` standard-normal inputs with random labels. One forward and one backward pass
  with ``nbcode.layers`` give, per hidden layer, the mean ``|activation|`` and the mean ``|dL/dW|``
  (the gradient that would update that layer's weights), histograms of the activations of the
  first, middle and last hidden layer, and the ratio "gradient at layer 1 / gradient at the
  last layer" that shows a gradient vanishing.

View (thin): :func:`draw` draws the figure once (function and derivative; the activation
histograms; the per-layer statistics on a log scale) and returns its
:class:`~nbcode.widgets.Scene`, whose update changes the artists in place;
:func:`activation_explorer` is the live figure and :func:`depth_scrubber` packs frames over the
depth for readers of the static page.
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
    "draw",
    "activation_explorer",
    "depth_scrubber",
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

    Returns a dict with:

    * ``layer``: 1..depth;
    * ``mean_abs_activation``: mean ``|a_l|`` over the batch and the units of hidden layer l;
    * ``input_spread``: the standard deviation of a unit's output across the batch, averaged over
      the units of layer l (near 0: the layer outputs the same for every input);
    * ``mean_abs_grad``: mean ``|dL/dW_l|`` of the weights feeding hidden layer l;
    * ``grad_ratio``: mean_abs_grad[0] / mean_abs_grad[-1] (below ~1e-3: the gradient vanished);
    * ``hist_layers``: the layers whose activations are histogrammed (first, middle, last; unique);
    * ``hist_edges``, ``hist_fractions``: bin edges and, per histogrammed layer, the fraction of
      activations in each bin (values outside the range go to the end bins);
    * ``loss``: the softmax cross-entropy of the batch.

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


# ---------------------------------------------------------------------------- the view
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")
_STATISTICS = (  # per-layer statistic, marker, colour, legend label
    ("mean_abs_activation", "o-", "#2ca02c", "mean |activation|"),
    ("input_spread", "^-", "#9467bd", "spread across inputs"),
    ("mean_abs_grad", "s-", "#d62728", "mean |dL/dW|"),
)


def _short_ticks(axis) -> None:
    """At most six ticks, in steps of 1, 2 or 5 (no 2.5): short labels ("-3.0", never "-17.5")."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))


def _label_axes(ax, xlabel: str, ylabel: str) -> None:
    """Axis labels at fixed distances from the axes, and short y tick labels.

    The layout is solved once, at the first frame, so the labels are placed with room for the
    tick labels of any setting, not next to the first frame's (and a placed label spares the axis
    measuring its tick labels on every draw). The y limits follow the data, so the y label is a
    text of its own: it stays in the background when the y axis moves.
    """
    from matplotlib.transforms import ScaledTranslation

    inch = ax.figure.dpi_scale_trans
    _short_ticks(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_label_coords(0.5, 0.0, transform=ax.transAxes + ScaledTranslation(0.0, -0.28, inch))
    left = ax.transAxes + ScaledTranslation(-0.5, 0.0, inch)
    ax.text(0.0, 0.5, ylabel, transform=left, rotation="vertical", rotation_mode="anchor", ha="center", va="bottom")
    ax.yaxis.set_label_coords(0.0, 0.5, transform=left)  # placed, and empty


def _function_panel(ax) -> tuple:
    """The activation and its derivative (filled by update); reference lines at z = 0 and g = 0."""
    (fn_line,) = ax.plot([], [], color="#1f77b4", label="g(z)")
    (grad_line,) = ax.plot([], [], color="#d62728", ls="--", label="g'(z)")
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.axvline(0.0, color="0.7", lw=0.8)
    _label_axes(ax, "input z", "g(z) and g'(z)")
    ax.legend(loc="upper left", fontsize=9)
    return fn_line, grad_line


def _show_function(ax, lines, name: str) -> dict[str, np.ndarray]:
    curves = activation_curves(name)
    for line, key in zip(lines, ("y", "dy")):
        line.set_data(curves["x"], curves[key])
    both = np.concatenate([curves["y"], curves["dy"]])
    bottom, top = float(both.min()), float(both.max())
    pad = 0.1 * (top - bottom) + 0.05
    ax.set(xlim=(curves["x"][0], curves["x"][-1]), ylim=(bottom - pad, top + pad))
    ax.set_title(f"{name}: max g'(z) = {float(curves['dy'].max()):.2g}", fontsize=10)
    return curves


def _histogram_panel(ax) -> tuple:
    """One step line per histogrammed layer (first, middle, last) and their legend."""
    edges = np.linspace(0.0, 1.0, _HIST_BINS + 1)
    stairs = [ax.stairs(np.zeros(_HIST_BINS), edges, color=c, lw=1.5, label=" ") for c in _COLORS]
    _short_ticks(ax.xaxis)  # fewer labels to draw: ReLU's 0..3 gets 4, not 8
    _label_axes(ax, "activation value", "fraction of activations")
    return stairs, ax.legend(loc="upper right", fontsize=9)


def _show_histograms(ax, stairs, legend, stats, depth: int) -> None:
    edges, shown = stats["hist_edges"], list(stats["hist_layers"])
    for k, (stair, text, handle) in enumerate(zip(stairs, legend.get_texts(), legend.legend_handles)):
        if k < len(shown):
            stair.set_data(stats["hist_fractions"][k], edges)
        text.set_text(f"layer {shown[k]}" if k < len(shown) else "")
        stair.set_visible(k < len(shown))
        handle.set_visible(k < len(shown))
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0.0, 1.1 * float(stats["hist_fractions"].max()))
    ax.set_title(f"activations, {depth} hidden layer{'s' if depth > 1 else ''}", fontsize=10)


def _layers_panel(ax) -> tuple:
    """One line per statistic in :data:`_STATISTICS`, as log10 over the hidden layers."""
    lines = tuple(ax.plot([], [], marker, ms=3, color=color, label=label)[0] for _, marker, color, label in _STATISTICS)
    # every depth on the same axis: moving the depth slider extends the lines
    ax.set(xlim=(0.5, MAX_DEPTH + 0.5), xticks=[1, *range(10, MAX_DEPTH + 1, 10)])
    _label_axes(ax, "hidden layer", "log10 of the value")
    ax.legend(loc="lower right", fontsize=9)  # below the data (see _show_layers): never covers a line
    return lines


def _show_layers(ax, lines, stats, depth: int) -> None:
    # log10 on a linear axis: plain tick labels (fast to draw); the floor keeps log10 finite
    logs = [np.log10(np.maximum(stats[key], _LOG_FLOOR)) for key, *_ in _STATISTICS]
    for line, values in zip(lines, logs):
        line.set_data(stats["layer"], values)
    low, high = float(np.min(logs)), float(np.max(logs))
    span = high - low + 1.0
    ax.set_ylim(low - 0.5 * span, high + 0.1 * span)  # the legend's room below the data
    ax.set_title(describe_ratio(stats["grad_ratio"], depth), fontsize=10)


def draw(fig, *, width: int = 64, n: int = 64, seed: int = 0):
    """Draw the three-panel figure on ``fig`` and return its :class:`~nbcode.widgets.Scene`.

    Left: the activation and its derivative. Middle: histograms of the activations of the first,
    middle and last hidden layer. Right: per layer, the mean ``|activation|``, the spread of the
    activations across inputs and the mean ``|dL/dW|``, as log10; the title says how much of the
    last layer's gradient reaches layer 1. ``update(name, depth)`` returns
    ``{"curves": activation_curves(name), "stats": layer_statistics(name, depth, ...)}``.
    The activation (a secondary control) sets the background: the left panel and the histograms'
    range. The depth moves the rest, the y axes of the right two panels included, since their
    limits follow the data; the layer axis shows every depth the slider allows.
    """
    from ._core import Scene

    ax_fn, ax_hist, ax_layers = fig.subplots(1, 3, width_ratios=(0.9, 1.0, 1.2))
    fn_lines = _function_panel(ax_fn)
    stairs, hist_legend = _histogram_panel(ax_hist)
    layer_lines = _layers_panel(ax_layers)
    # a forward and backward pass per setting, once: going back to a depth costs only the drawing
    statistics = lru_cache(maxsize=4 * MAX_DEPTH)(lambda name, depth: layer_statistics(name, depth, width, n, seed))

    def update(name: str, depth: int) -> dict:
        curves = _show_function(ax_fn, fn_lines, name)
        stats = statistics(name, depth)
        _show_histograms(ax_hist, stairs, hist_legend, stats, depth)
        _show_layers(ax_layers, layer_lines, stats, depth)
        return {"curves": curves, "stats": stats}

    def moving() -> list:
        # the histograms' legend is drawn above the steps under it; the spines above the ticks
        return [*stairs, hist_legend, ax_hist.yaxis, ax_hist.title, *ax_hist.spines.values(),
                *layer_lines, ax_layers.yaxis, ax_layers.title, *ax_layers.spines.values()]

    return Scene(fig, update, moving, background=lambda values: values["name"])


def activation_explorer(name: str = "sigmoid", depth: int = 20, *, width: int = 64, n: int = 64, seed: int = 0, dpi: int = 80):
    """Dropdown (activation) and slider (depth 1..50) over the three-panel figure of :func:`draw`.

    Returns the :class:`~nbcode.widgets.LiveFigure`.
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    controls = {
        "name": control(widgets.Dropdown, name, "activation_explorer", "name", options=list(NAMES), description="activation"),
        "depth": control(widgets.IntSlider, depth, "activation_explorer", "depth", min=1, max=MAX_DEPTH, step=1, description="depth", continuous_update=False),
    }
    others = [{"name": other} for other in NAMES if other != controls["name"].value]  # their backgrounds, drawn now
    return LiveFigure(draw(new_figure(10.0, 3.4, dpi), width=width, n=n, seed=seed), controls, warm=others)


def depth_scrubber(name: str = "sigmoid", depths=DEPTHS, *, width: int = 64, n: int = 64, seed: int = 0, dpi: int | None = None):
    """A static scrubber over the depth for one activation, starting at the deepest stack.

    Frames fill the text column unless ``dpi`` says otherwise.
    """
    from ._core import new_figure, scrubber

    depths = list(depths)
    return scrubber(draw(new_figure(10.0, 3.4, dpi), width=width, n=n, seed=seed), "depth", depths,
                    fixed={"name": name}, fmt="{:d}", initial=len(depths) - 1,
                    title=f"{name}: activations and gradients through a deep stack",
                    alt=f"Three panels for a stack of {width}-unit {name} hidden layers. Left, {name} and its derivative; "
                    "middle, histograms of the activations in the first, middle and last hidden layer; right, per "
                    "layer on a log10 scale, the mean absolute activation, its spread across inputs and the mean "
                    "gradient. The title says how far the first layer's gradient falls below the last layer's.")
