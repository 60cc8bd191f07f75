"""Interactive figure of the weight-initialization chapter: activation and gradient histograms.

The classic experiment of "Deep Learning from Scratch" (chapter 6): push ``n`` random inputs
through ``layers`` fully connected layers of ``width`` units each (no biases), all initialised
the same way, and look at the distribution of each layer's outputs; then send a random upstream
gradient back through the same stack and look at the distribution of the gradients.

Compute (NumPy, tested):

* :func:`weight_std` ``(scheme, std, fan_in, fan_out)``: the standard deviation each scheme gives
  the weights (``"normal"``: ``std`` itself; ``"xavier"``: sqrt(2 / (fan_in + fan_out));
  ``"he"``: sqrt(2 / fan_in)).
* :func:`layer_activations` ``(scheme, std, activation)``: the forward and backward pass, built
  from ``nbcode.init`` (the weights, no biases) and the activation layers of ``nbcode.layers``, with per-layer statistics and fixed-bin histograms of the activations and
  of the gradients' orders of magnitude.
* :func:`verdict` ``(result)``: one line that says what the histograms show (collapsed,
  saturated, exploding, or a healthy spread).

View (thin): :func:`draw` draws 2 x ``layers`` histogram panels once and returns the
:class:`~nbcode.widgets.Scene` whose update changes their heights in place
(``StepPatch.set_data``); :func:`initialization_explorer` is the live figure and
:func:`std_scrubber` the static one, the same scene over a grid of weight stds.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .. import init as init_module
from .._checks import positive_int
from ..layers import activation_layer

__all__ = [
    "SCHEMES",
    "ACTIVATIONS",
    "STDS",
    "BINS",
    "GRAD_BINS",
    "ACTIVATION_RANGE",
    "GRAD_OCTAVES",
    "weight_std",
    "layer_activations",
    "verdict",
    "initialization_explorer",
    "draw",
    "std_scrubber",
]

#: Initialisation schemes offered by the dropdown (a fixed-std normal, Xavier (Glorot) normal, He normal).
SCHEMES = ("normal", "xavier", "he")
#: Activations offered by the dropdown.
ACTIVATIONS = ("sigmoid", "tanh", "relu")
#: Weight stds of the static scrubber, 17 values, four per decade, from 1e-3 to 10 (0.1 is Xavier for width 100).
STDS = tuple(float(s) for s in np.logspace(-3, 1, 17))
#: Number of bins of the activation histograms (fixed, so the view only changes bar heights);
#: odd, so that 0 (tanh) and 0.5 (sigmoid), where collapsed outputs pile up, sit mid-bin.
BINS = 25
#: Histogram range of the activations. Sigmoid and tanh fill their whole range; for ReLU,
#: (0, 4] holds the outputs of a healthy (He) layer fed with standard-normal inputs.
ACTIVATION_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}
#: The gradients are binned by their binary exponent, two octaves (a factor of 4) per bin, from
#: 2^-48 (about 4e-15) to 2^32 (about 4e9); smaller magnitudes (and exact zeros) go to the first
#: bin, larger ones to the last. Reading the exponent bits is ~30x faster than np.log10.
GRAD_OCTAVES = (-48, 32)
#: Number of bins of the gradient histograms (two octaves each).
GRAD_BINS = (GRAD_OCTAVES[1] - GRAD_OCTAVES[0]) // 2
#: Saturation: a sigmoid output below 0.01 or above 0.99 (|s - 0.5| > 0.49), a tanh output beyond +-0.99.
_SATURATION = {"sigmoid": (0.5, 0.49), "tanh": (0.0, 0.99)}
#: A last layer whose outputs have a std below this has collapsed; above _EXPLODED, it exploded.
_COLLAPSED, _EXPLODED = 0.05, 20.0


def _scheme(scheme) -> str:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown initialization scheme {scheme!r}; choose one of: {', '.join(SCHEMES)}.")
    return scheme


def _activation(name) -> str:
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}.")
    return key


def weight_std(scheme: str, std: float, fan_in: int, fan_out: int) -> float:
    """The standard deviation of the weights under ``scheme`` (``std`` is used only by ``"normal"``)."""
    scheme = _scheme(scheme)
    if scheme == "normal":
        return float(std)
    if scheme == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    return math.sqrt(2.0 / fan_in)


def _initializer(scheme: str, std: float):
    if scheme == "normal":
        return init_module.get("normal", std=std)  # raises a readable error for std < 0 or NaN
    return init_module.get("xavier_normal" if scheme == "xavier" else "he_normal")


@lru_cache(maxsize=8)
def _inputs(n: int, width: int, seed: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """The standard-normal inputs and upstream gradient (cached, read-only: they never change)."""
    x = np.random.default_rng([seed, 0]).standard_normal((n, width)).astype(dtype)
    upstream = np.random.default_rng([seed, 2]).standard_normal((n, width)).astype(dtype)
    x.setflags(write=False)
    upstream.setflags(write=False)
    return x, upstream


def _rows_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b computed in blocks of rows small enough for one thread (the same numbers as a @ b).

    OpenBLAS runs a product of a few hundred thousand multiply-adds on one thread and a larger one
    on several. For products of this size threads gain little, and on a busy machine a thread can
    wait ~10 ms for a free core, so a 500 x 100 @ 100 x 100 product took 20 ms instead of 0.5 ms.
    Blocks of at most 2^18 multiply-adds stay on one thread.
    """
    rows = max(1, 2**18 // (b.shape[0] * b.shape[1]))
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    for start in range(0, a.shape[0], rows):
        np.dot(a[start : start + rows], b, out=out[start : start + rows])
    return out


def _bin_counts(index: np.ndarray, bins: int, drop: np.ndarray | None) -> np.ndarray:
    """Fraction of the entries of ``index`` (bin numbers in 0..bins-1) in each bin.

    Entries where the boolean mask ``drop`` is True are not counted (the fractions are still of
    all entries). np.bincount is several times faster than np.histogram.
    """
    if drop is not None:
        index[drop] = bins  # an extra bin, cut off below
    return np.bincount(index.ravel(), minlength=bins + 1)[:bins] / index.size


def _value_bins(values: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    scaled = (values - lo) * (bins / (hi - lo))
    np.clip(scaled, 0, bins - 1, out=scaled)  # values outside [lo, hi] go to the end bins
    return scaled.astype(np.intp)


def _octave_bins(values: np.ndarray) -> np.ndarray:
    """Bin of |value| by its binary exponent floor(log2 |value|), two octaves per bin.

    The exponent is read from the bits: float64 has 52 mantissa bits and bias 1023, float32 23
    and 127. 0 and subnormals get the smallest exponent, inf and NaN the largest.
    """
    if values.dtype == np.float32:
        exponent = ((values.view(np.int32) >> 23) & 0xFF) - 127
    else:
        exponent = ((values.view(np.int64) >> 52) & 0x7FF) - 1023
    index = (exponent - GRAD_OCTAVES[0]) >> 1
    np.clip(index, 0, GRAD_BINS - 1, out=index)
    return index


def layer_activations(
    scheme: str,
    std: float = 0.01,
    activation: str = "tanh",
    layers: int = 5,
    width: int = 100,
    n: int = 1000,
    seed: int = 0,
    *,
    dtype=np.float64,
) -> dict:
    """Forward ``n`` standard-normal inputs through ``layers`` layers (Linear ``width`` -> ``width``
    without bias, initialised by ``scheme``, then ``activation``), and back-propagate a
    standard-normal upstream gradient ``R`` from the last layer, i.e. L = sum(h_last * R).

    The inputs, the weights (drawn by ``nbcode.init`` from one generator, layer by layer) and ``R``
    come from generators seeded with ``[seed, 0]``, ``[seed, 1]`` and ``[seed, 2]``: every scheme
    and std sees the same random numbers, only scaled differently. Computed in ``dtype``: float64
    by default, float32 in the view (twice as fast; the histograms agree to within a bin's edge).

    Returns a dict with:

    * ``x``: the inputs, (n, width);
    * ``activations``: list of h_l for l = 1..layers, each (n, width);
    * ``gradients``: list of dL/dz_l (z_l = h_{l-1} W_l, the pre-activation), each (n, width);
    * ``weights``: list of the weight matrices W_l, each (width, width);
    * ``weight_std``: the std the scheme prescribes (see :func:`weight_std`);
    * ``std``: std of all activations of each layer, (layers,);
    * ``grad_std``: root mean square of dL/dz_l per layer, (layers,);
    * ``saturated``: per layer, the fraction of sigmoid outputs below 0.01 or above 0.99, or of
      tanh outputs beyond +-0.99 (0 for ReLU, which does not saturate);
    * ``zero_fraction``: per layer, the fraction of activations exactly 0 (ReLU's "off" units);
    * ``edges``, ``hist``: BINS + 1 bin edges over ACTIVATION_RANGE and per-layer fractions of
      the activations in each bin (layers, BINS), values outside the range in the end bins; for
      ReLU the exact zeros are left out (they would be one spike at 0), so a row sums to
      1 - zero_fraction;
    * ``grad_edges``, ``grad_hist``: the same for the gradients' orders of magnitude: edges are
      ``log10 |dL/dz|`` (GRAD_BINS bins of two octaves); exact zeros count in the lowest bin for
      sigmoid/tanh (total saturation) and are left out for ReLU (the "off" half of the units);
    * ``activation``, ``scheme``: the names.

    Never raises for a valid scheme/activation and a finite std >= 0, and never warns: collapse
    and explosion are results (tiny or huge numbers), not errors.
    """
    scheme = _scheme(scheme)
    key = _activation(activation)
    layers = positive_int(layers, "layers", example="layers=5")
    width = positive_int(width, "width", example="width=100")
    n = positive_int(n, "n", example="n=1000")
    init = _initializer(scheme, std)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}.")
    x, upstream = _inputs(n, width, int(seed), dtype)
    weight_rng = np.random.default_rng([seed, 1])
    weights = [init(width, width, weight_rng, dtype) for _ in range(layers)]  # Linear(width, width, init=init) draws the same
    act_layers = [activation_layer(key) for _ in range(layers)]
    lo, hi = ACTIVATION_RANGE[key]
    relu = key == "relu"
    activations, gradients = [], [None] * layers
    hist, grad_hist = np.empty((layers, BINS)), np.empty((layers, GRAD_BINS))
    layer_std, grad_std, saturated, zero_fraction = (np.zeros(layers) for _ in range(4))
    size = n * width
    with np.errstate(all="ignore"):
        h = x
        for l in range(layers):
            h = act_layers[l].forward(_rows_dot(h, weights[l]))  # z_l = h_{l-1} W_l, then h_l = g(z_l)
            activations.append(h)
            layer_std[l] = h.std()
            zeros = h == 0
            zero_fraction[l] = np.count_nonzero(zeros) / size
            if key in _SATURATION:
                centre, half_width = _SATURATION[key]
                saturated[l] = np.count_nonzero(np.abs(h - centre) > half_width) / size
            hist[l] = _bin_counts(_value_bins(h, lo, hi, BINS), BINS, zeros if relu else None)
        for l in reversed(range(layers)):
            dz = act_layers[l].backward(upstream)  # dL/dz_l = dL/dh_l * g'(z_l)
            gradients[l] = dz
            grad_std[l] = math.sqrt(np.vdot(dz, dz) / size)
            grad_hist[l] = _bin_counts(_octave_bins(dz), GRAD_BINS, (dz == 0) if relu else None)
            if l > 0:
                upstream = _rows_dot(dz, weights[l].T)  # dL/dh_{l-1} = dL/dz_l W_l^T
    result = {
        "x": x,
        "activations": activations,
        "gradients": gradients,
        "weights": weights,
        "weight_std": weight_std(scheme, std, width, width),
        "std": layer_std,
        "grad_std": grad_std,
        "saturated": saturated,
        "zero_fraction": zero_fraction,
        "edges": np.linspace(lo, hi, BINS + 1),
        "hist": hist,
        "grad_edges": np.arange(GRAD_OCTAVES[0], GRAD_OCTAVES[1] + 1, 2) * math.log10(2.0),
        "grad_hist": grad_hist,
        "activation": key,
        "scheme": scheme,
    }
    return result


def verdict(result: dict) -> str:
    """What the histograms show, in one line: saturated, collapsed, exploding or healthy, plus
    how the gradient reaching layer 1 compares with the one at the last layer."""
    key, std = result["activation"], result["std"]
    layers = len(std)
    last = float(std[-1])
    saturated = float(np.mean(result["saturated"]))
    if saturated > 0.3:
        state = f"saturated: {saturated:.0%} of outputs in the flat tails"
    elif last < _COLLAPSED:
        state = f"collapsed: outputs all near {0.5 if key == 'sigmoid' else 0:g} (layer {layers} std {last:.1e})"
    elif last > _EXPLODED:
        state = f"exploding (layer {layers} std {last:.1e})"
    else:
        state = f"healthy spread in all {layers} layers"
    g = result["grad_std"]
    if layers > 1 and g[-1] > 0:
        state += f"; grad rms layer 1 / layer {layers} = {float(g[0] / g[-1]):.2g}"
    return state


# ---------------------------------------------------------------------------- the view
_SCHEME_LABELS = {"normal": "normal", "xavier": "Xavier", "he": "He"}
_TICKS = {"sigmoid": (0.0, 0.5, 1.0), "tanh": (-1.0, 0.0, 1.0), "relu": (0.0, 2.0, 4.0)}
_GRAD_TICKS = (-12, -6, 0, 6)


def _title(result: dict) -> str:
    scheme, key = result["scheme"], result["activation"]
    init = f"N(0, {result['weight_std']:.3g}^2)" if scheme == "normal" else f"{_SCHEME_LABELS[scheme]} (std {result['weight_std']:.3g})"
    return f"{key}, {init}: {verdict(result)}"


def _panels(fig, layers: int):
    """The 2 x ``layers`` axes, their empty histograms (activations on top, gradients below) and
    the top row's right-hand titles, where each layer's std goes.

    Fixed margins, no shared axes (matplotlib would measure every sibling's tick labels), no y
    ticks (each row has one y-range; the shapes are the message), x tick labels on the first
    column only: ten panels of ticks are most of what the background costs.
    """
    axes = fig.subplots(2, layers, squeeze=False)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.1, top=0.86, wspace=0.08, hspace=0.32)
    grad_edges = np.arange(GRAD_OCTAVES[0], GRAD_OCTAVES[1] + 1, 2) * math.log10(2.0)
    act_stairs, grad_stairs, std_titles = [], [], []
    for l in range(layers):
        ax_a, ax_g = axes[0, l], axes[1, l]
        act_stairs.append(ax_a.stairs(np.zeros(BINS), np.linspace(0.0, 1.0, BINS + 1), fill=True, color="#1f77b4"))
        grad_stairs.append(ax_g.stairs(np.zeros(GRAD_BINS), grad_edges, fill=True, color="#d62728"))
        ax_g.set_xlim(grad_edges[0], grad_edges[-1])
        ax_g.set_xticks(_GRAD_TICKS, labels=[str(t) for t in _GRAD_TICKS] if l == 0 else [])
        for ax in (ax_a, ax_g):
            ax.set_yticks([])
            ax.tick_params(labelsize=8, labelbottom=l == 0)
            # the bars stand in front of the axis lines, so a frame need not redraw 40 spines over them
            for spine in ax.spines.values():
                spine.set_zorder(0.5)
        ax_a.set_title(f"layer {l + 1}", loc="left", fontsize=9)  # drawn once, in the background
        std_titles.append(ax_a.set_title(" ", loc="right", fontsize=9))  # changes on every update
    axes[0, layers // 2].set_xlabel("activation value", fontsize=8)
    axes[1, layers // 2].set_xlabel("log10 |dL/dz|  (z: the input of the layer's activation)", fontsize=8)
    axes[0, 0].set_ylabel("fraction of outputs", fontsize=8)
    axes[1, 0].set_ylabel("fraction of gradients", fontsize=8)
    return axes, act_stairs, grad_stairs, std_titles


def draw(fig, *, layers: int = 5, width: int = 100, n: int = 300, seed: int = 0):
    """Draw the histogram panels once and return their :class:`~nbcode.widgets.Scene`.

    ``update(scheme, std, activation)`` runs :func:`layer_activations` (in float32: twice as
    fast, the same histograms) and changes the bar heights and titles; it returns that result.
    The activation sets the top row's x-range and ticks, so it is the background key; the std
    and the scheme change only the bars and the texts.
    """
    from ._core import Scene

    # "layer k" (left title) stays in the background; only the std (right title) moves: text is
    # most of a frame's cost, about 0.2 ms a character
    axes, act_stairs, grad_stairs, stds = _panels(fig, layers)
    suptitle = fig.suptitle(" ", fontsize=10)
    shown = {"activation": None}  # the top row's x-axis, set again only when the activation changes

    def show_activation_axis(key: str) -> None:
        if key == shown["activation"]:
            return
        shown["activation"] = key
        lo, hi = ACTIVATION_RANGE[key]
        for ax in axes[0]:
            ax.set(xlim=(lo, hi), xticks=_TICKS[key])
        axes[0, 0].set_xticklabels([f"{t:g}" for t in _TICKS[key]])

    def update(scheme: str = "normal", std: float = 0.01, activation: str = "tanh") -> dict:
        r = layer_activations(scheme, std, activation, layers, width, n, seed, dtype=np.float32)
        show_activation_axis(r["activation"])
        # each row on one y-scale, so the layers compare at a glance; a floor keeps an empty row drawable
        top_act = 1.1 * max(float(r["hist"].max()), 0.01)
        top_grad = 1.1 * max(float(r["grad_hist"].max()), 0.01)
        for l in range(layers):
            act_stairs[l].set_data(r["hist"][l], r["edges"])
            grad_stairs[l].set_data(r["grad_hist"][l])
            axes[0, l].set_ylim(0.0, top_act)
            axes[1, l].set_ylim(0.0, top_grad)
            stds[l].set_text(f"std {r['std'][l]:.2g}")
        suptitle.set_text(_title(r))
        return r

    def moving() -> list:
        return [*act_stairs, *grad_stairs, *stds, suptitle]

    return Scene(fig, update, moving, background=lambda values: _activation(values["activation"]))


def _figure(dpi: int | None):
    # fixed margins (set in _panels), not constrained layout: the look the chapter was written for
    from matplotlib.figure import Figure

    from ._core import column_dpi

    return Figure(figsize=(9.0, 3.9), dpi=dpi or column_dpi(9.0))


def initialization_explorer(
    scheme: str = "normal",
    std: float = 0.01,
    activation: str = "tanh",
    *,
    layers: int = 5,
    width: int = 100,
    n: int = 300,
    seed: int = 0,
    dpi: int = 80,
):
    """Dropdowns (scheme, activation) and a log slider (std, 1e-3..10, used by "normal") over
    2 x ``layers`` histograms: the activations of each layer (top) and the orders of magnitude of
    the back-propagated gradients dL/dz (bottom). Bars are drawn once; updates change heights.
    ``n`` = 300 inputs (not DLFS's 1000) and float32 keep an update fast; the histograms look the same.
    Returns the :class:`~nbcode.widgets.LiveFigure`.
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control

    controls = {
        "scheme": control(widgets.Dropdown, scheme, "initialization_explorer", "scheme", options=[("normal (std)", "normal"), ("xavier", "xavier"), ("he", "he")], description="init"),
        "std": control(widgets.FloatLogSlider, std, "initialization_explorer", "std", base=10, min=-3, max=1, step=0.125, description="std", readout_format=".3g", continuous_update=False),
        "activation": control(widgets.Dropdown, activation, "initialization_explorer", "activation", options=list(ACTIVATIONS), description="activation"),
    }

    def enable_std(change=None) -> None:  # the std slider only matters for the "normal" scheme
        controls["std"].disabled = controls["scheme"].value != "normal"

    controls["scheme"].observe(enable_std, names="value")
    enable_std()
    scene = draw(_figure(dpi), layers=layers, width=width, n=n, seed=seed)
    others = [{"activation": other} for other in ACTIVATIONS if other != controls["activation"].value]  # drawn now
    return LiveFigure(scene, controls, columns=3, warm=others)


def std_scrubber(
    activation: str = "tanh",
    stds=STDS,
    *,
    layers: int = 5,
    width: int = 100,
    n: int = 300,
    seed: int = 0,
    dpi: int | None = None,
):
    """The static figure: the histograms of ``activation`` under N(0, std^2) weights, one frame
    per std in ``stds`` (default :data:`STDS`), filling the text column unless ``dpi`` says otherwise.
    The initial frame is std 0.1 (Xavier's for width 100). Returns a :class:`~nbcode.widgets.Scrubber`.
    """
    from ._core import scrubber

    stds = [float(s) for s in stds]
    if not stds:
        raise ValueError("a scrubber needs at least one value of its control; pass a non-empty list of stds.")
    key = _activation(activation)
    initial = int(np.argmin(np.abs(np.log10(np.maximum(stds, 1e-300)) + 1.0)))  # the std closest to 0.1
    scene = draw(_figure(dpi), layers=layers, width=width, n=n, seed=seed)
    alt = (f"Two rows of {layers} histograms for a {layers}-layer {key} network of {width} units with normally "
           f"distributed weights and {n} random inputs, one column per layer with the layer's output spread in its "
           "title and a verdict (collapsed, healthy, saturated or exploding) in the figure's title. Top row, the "
           "activations; bottom row, the back-propagated gradients as log10 of their size.")
    if key == "tanh":
        alt += (" As the std grows the outputs go from one spike at 0 (collapse) through a healthy spread to two "
                "spikes at -1 and 1 (saturation), while the gradients first grow and then pile up far to the left.")
    return scrubber(scene, "std", stds, fixed={"scheme": "normal", "activation": key}, fmt="{:.2g}",
                    title=f"{key}: layer histograms as the weight std grows", initial=initial, alt=alt)
