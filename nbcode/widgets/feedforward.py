"""Figures of chapter 1 (feedforward networks): a 2-2-1 sigmoid network on XOR, and helpers.

Compute half (NumPy only): :func:`two_two_one_forward`, :func:`decision_grid`,
:func:`hidden_space_grid`, :func:`xor_correct` and :func:`line_segment` take the nine parameters
of the network as a mapping ``{"w11": ..., "c": ...}`` and return arrays.

View half: :func:`draw` draws the two-panel XOR figure once and returns its
:class:`~nbcode.widgets.Scene`; :func:`xor_network_view` is the live figure (nine sliders) and
:func:`xor_bias_scrubber` the static one (the output bias ``c`` swept over precomputed frames).
:func:`draw_perceptron` draws the perceptron diagram of the chapter's first figure.

The network, with the book's row-vector convention (one sample per row, ``z = x W + b``)::

    h_j = sigmoid(x1 * w1j + x2 * w2j + b_j)        j = 1, 2   (hidden units)
    y   = sigmoid(h1 * v1 + h2 * v2 + c)                        (output: P(class 1))

so ``w_ij`` is the weight from input ``i`` to hidden unit ``j`` (entry ``W[i-1, j-1]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nbcode.activations import sigmoid

__all__ = [
    "PARAM_NAMES",
    "XOR_SOLUTION",
    "XOR_X",
    "XOR_Y",
    "SLIDER_LIMIT",
    "unpack",
    "two_two_one_forward",
    "decision_grid",
    "hidden_space_grid",
    "xor_predictions",
    "xor_correct",
    "line_segment",
    "draw",
    "xor_network_view",
    "xor_bias_scrubber",
    "draw_perceptron",
]

#: The nine parameters, grouped by unit (hidden unit 1, hidden unit 2, output unit).
PARAM_NAMES = ("w11", "w21", "b1", "w12", "w22", "b2", "v1", "v2", "c")

#: Weights that solve XOR (hidden unit 1 = OR, hidden unit 2 = NAND, output = AND; gain 20).
XOR_SOLUTION: dict[str, float] = {
    "w11": 20.0, "w21": 20.0, "b1": -10.0,   # OR:   20 x1 + 20 x2 - 10 > 0 unless x = (0, 0)
    "w12": -20.0, "w22": -20.0, "b2": 30.0,  # NAND: 30 - 20 x1 - 20 x2 > 0 unless x = (1, 1)
    "v1": 20.0, "v2": 20.0, "c": -30.0,      # AND:  20 h1 + 20 h2 - 30 > 0 only if both are ~1
}

#: The four XOR inputs, one per row.
XOR_X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
#: The XOR label of each row of ``XOR_X``.
XOR_Y = np.array([0, 1, 1, 0])

#: The sliders' range (every parameter in [-50, 50]).
SLIDER_LIMIT = 50.0

#: The square shown in input space (a margin around the unit square, so lines are visible).
INPUT_LIM = (-0.25, 1.25)
#: Hidden activations are sigmoids, so hidden space is the unit square.
HIDDEN_LIM = (0.0, 1.0)


def unpack(params: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(W, b, v, c)`` from the nine named parameters: W (2, 2) with W[i, j] = w_(i+1)(j+1)."""
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise ValueError(f"missing parameter(s) {', '.join(missing)}; pass all of {', '.join(PARAM_NAMES)} "
                         "(e.g. start from dict(XOR_SOLUTION)).")
    W = np.array([[params["w11"], params["w12"]], [params["w21"], params["w22"]]], dtype=np.float64)
    b = np.array([params["b1"], params["b2"]], dtype=np.float64)
    v = np.array([params["v1"], params["v2"]], dtype=np.float64)
    return W, b, v, float(params["c"])


def two_two_one_forward(params: Mapping[str, float], X) -> tuple[np.ndarray, np.ndarray]:
    """Forward pass of the 2-2-1 sigmoid network for a batch ``X`` of shape (N, 2).

    Returns ``(H, y)``: the hidden activations H = sigmoid(X W + b), shape (N, 2), and the output
    probabilities y = sigmoid(H v + c), shape (N,). The sigmoid is nbcode's stable one, so weights
    of any size give values in [0, 1] without overflow warnings.
    """
    W, b, v, c = unpack(params)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2), got {X.shape}; e.g. XOR_X or np.array([[x1, x2]]).")
    H = sigmoid(X @ W + b)
    return H, sigmoid(H @ v + c)


def _square_grid(lim: tuple[float, float], n: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n is the number of grid points per side and must be an integer >= 2, got {n!r}.")
    xs = np.linspace(lim[0], lim[1], int(n))
    xx, yy = np.meshgrid(xs, xs)
    return xs, np.column_stack([xx.ravel(), yy.ravel()])


def decision_grid(params: Mapping[str, float], n: int = 121, lim: tuple[float, float] = INPUT_LIM):
    """The network's output over an (n, n) grid of inputs on ``lim`` x ``lim``.

    Returns ``(xs, probs)``: the grid coordinates (n,) along each axis and the output probability
    ``probs[i, j]`` at input (x1 = xs[j], x2 = xs[i]) (rows are x2: the layout of ``imshow``).
    """
    xs, points = _square_grid(lim, n)
    _, y = two_two_one_forward(params, points)
    return xs, y.reshape(len(xs), len(xs))


def hidden_space_grid(params: Mapping[str, float], n: int = 61):
    """The output unit alone, sigmoid(v1 h1 + v2 h2 + c), over an (n, n) grid of hidden space [0, 1]^2.

    Returns ``(hs, probs)`` laid out like :func:`decision_grid`.
    """
    _, v, c = unpack(params)[1:]
    hs, points = _square_grid(HIDDEN_LIM, n)
    return hs, sigmoid(points @ v + c).reshape(len(hs), len(hs))


def xor_predictions(params: Mapping[str, float]) -> np.ndarray:
    """Predicted classes (0/1) of the four XOR points: 1 where the output exceeds 0.5."""
    _, y = two_two_one_forward(params, XOR_X)
    return (y > 0.5).astype(int)


def xor_correct(params: Mapping[str, float]) -> int:
    """How many of the four XOR points the network classifies correctly (0..4)."""
    return int(np.sum(xor_predictions(params) == XOR_Y))


def line_segment(w: Sequence[float], b: float, xlim: tuple[float, float], ylim: tuple[float, float]) -> np.ndarray:
    """The part of the line w1 x + w2 y + b = 0 inside the box ``xlim`` x ``ylim``.

    Returns a (2, 2) array of the two end points (rows), or NaNs when the line misses the box or
    w = 0 (then there is no line). NaN end points make a matplotlib line invisible, which is what
    a view wants. Method: the line is p0 + t d with ``p0 = -b w / |w|^2`` (the point nearest the
    origin) and ``d = (-w2, w1) / |w|``; clip t to the box, one axis at a time (Liang-Barsky).
    """
    w = np.asarray(w, dtype=np.float64)
    nothing = np.full((2, 2), np.nan)
    norm = float(np.hypot(w[0], w[1]))
    if not np.isfinite(norm) or norm < 1e-12 or not np.isfinite(b):
        return nothing
    p0 = -b * w / norm**2
    d = np.array([-w[1], w[0]]) / norm
    t_lo, t_hi = -np.inf, np.inf
    for k, (lo, hi) in enumerate((xlim, ylim)):
        if abs(d[k]) < 1e-15:  # the line is parallel to this axis' edges
            if not lo <= p0[k] <= hi:
                return nothing
            continue
        t1, t2 = sorted(((lo - p0[k]) / d[k], (hi - p0[k]) / d[k]))
        t_lo, t_hi = max(t_lo, t1), min(t_hi, t2)
    if t_lo >= t_hi:
        return nothing
    return np.array([p0 + t_lo * d, p0 + t_hi * d])


# ------------------------------------------------------------------------------------------ views
_CLASS_COLORS = ("#1f77b4", "#d62728")  # class 0 blue, class 1 red: the ends of the RdBu_r map
_HIDDEN_COLORS = ("#2ca02c", "#9467bd")
_MARKERS = ("o", "s")


def _shading(ax, lim: tuple[float, float], n: int):
    """The output probability as a translucent image over ``lim`` x ``lim`` (filled by update)."""
    return ax.imshow(np.zeros((n, n)), extent=(*lim, *lim), origin="lower", cmap="RdBu_r", vmin=0.0, vmax=1.0,
                     alpha=0.55, interpolation="bilinear")


def _class_points(ax, X: np.ndarray) -> list:
    """The four XOR points at ``X`` (4, 2), one scatter per class (circle = XOR 0, square = XOR 1)."""
    return [ax.scatter(*X[XOR_Y == k].T, s=90, marker=_MARKERS[k], c=_CLASS_COLORS[k], edgecolors="k", zorder=4)
            for k in (0, 1)]


def _legend(fig, hidden_lines) -> None:
    from matplotlib.lines import Line2D

    handles = [*hidden_lines, Line2D([], [], color="k", lw=1.8, label="output = 0.5"),
               *(Line2D([], [], marker=_MARKERS[k], ls="", mfc=_CLASS_COLORS[k], mec="k", label=f"XOR = {k}")
                 for k in (0, 1)),
               Line2D([], [], marker="x", ls="", color="k", mew=2, label="misclassified")]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)


def _style(ax_in, ax_h) -> None:
    ax_in.set(xlim=INPUT_LIM, ylim=INPUT_LIM, xlabel="$x_1$", ylabel="$x_2$", title="input space", aspect="equal")
    ax_h.set(xlim=(-0.05, 1.05), ylim=(-0.05, 1.05), xlabel="$h_1$", ylabel="$h_2$",
             title="hidden space (what the output unit sees)", aspect="equal")
    for ax in (ax_in, ax_h):
        ax.set_xticks([0.0, 0.5, 1.0])
        ax.set_yticks([0.0, 0.5, 1.0])
        ax.title.set_fontsize(10)


def _boundary(ax, xs: np.ndarray, probs: np.ndarray) -> list:
    """The 0.5 contour of ``probs``, or nothing when the map does not cross 0.5 (matplotlib would warn)."""
    if not probs.min() < 0.5 < probs.max():
        return []
    return [ax.contour(xs, xs, probs, levels=[0.5], colors="k", linewidths=2.6, zorder=2)]


def _set_segment(line, w, b, lim) -> None:
    seg = line_segment(w, b, lim, lim)  # NaN end points when the line misses the box: nothing drawn
    line.set_data(seg[:, 0], seg[:, 1])


def draw(fig):
    """Draw the two-panel XOR figure on ``fig`` and return its :class:`~nbcode.widgets.Scene`.

    Left: the output probability over input space, its 0.5 decision boundary and the hidden units'
    lines z_j = 0. Right: the XOR points as the output unit sees them, at (h1, h2), with the output
    unit's own line. Axes, ticks and the legend are the background; ``update(**params)`` (the nine
    parameters) returns ``{"params", "probs", "hidden", "wrong", "correct"}``.
    """
    from ._core import Scene

    ax_in, ax_h = fig.subplots(1, 2)
    xs, _ = decision_grid(XOR_SOLUTION)  # the grid every update's map is computed on
    image_in = _shading(ax_in, INPUT_LIM, len(xs))
    image_h = _shading(ax_h, HIDDEN_LIM, len(hidden_space_grid(XOR_SOLUTION)[0]))
    hidden_lines = [ax_in.plot([], [], "--", color=color, lw=2.2, zorder=3, label=f"hidden unit {j + 1}: $z_{j + 1} = 0$")[0]
                    for j, color in enumerate(_HIDDEN_COLORS)]
    output_line, = ax_h.plot([], [], "k-", lw=1.8)
    input_points = _class_points(ax_in, XOR_X)
    hidden_points = _class_points(ax_h, XOR_X)  # placed at (h1, h2) by update
    wrong_in, wrong_h = (ax.scatter([], [], s=260, marker="x", c="k", linewidths=2.5, zorder=5) for ax in (ax_in, ax_h))
    _legend(fig, hidden_lines)
    _style(ax_in, ax_h)
    title = fig.suptitle(" ")
    contour: list = []  # replaced on every update: a contour set cannot be moved in place

    def update(**values) -> dict:
        params = {name: float(values[name]) for name in PARAM_NAMES}
        _, probs = decision_grid(params)
        image_in.set_data(probs)
        image_h.set_data(hidden_space_grid(params)[1])
        for artist in contour:
            artist.remove()
        contour[:] = _boundary(ax_in, xs, probs)
        W, b, v, c = unpack(params)
        for j, line in enumerate(hidden_lines):
            _set_segment(line, W[:, j], b[j], INPUT_LIM)
        _set_segment(output_line, v, c, HIDDEN_LIM)
        H, _ = two_two_one_forward(params, XOR_X)
        for k in (0, 1):
            hidden_points[k].set_offsets(H[XOR_Y == k])
        wrong = xor_predictions(params) != XOR_Y
        wrong_in.set_offsets(XOR_X[wrong].reshape(-1, 2))
        wrong_h.set_offsets(H[wrong].reshape(-1, 2))
        correct = int(np.sum(~wrong))
        title.set_text(f"XOR points classified correctly: {correct} of 4 ({'XOR solved' if correct == 4 else 'not XOR'})")
        return {"params": params, "probs": probs, "hidden": H, "wrong": wrong, "correct": correct}

    def moving() -> list:
        # The fixed input points and the frames (spines) move too: they must stay on top of the
        # shading that changes under them.
        return [image_in, image_h, *contour, *hidden_lines, output_line, *input_points, *hidden_points,
                wrong_in, wrong_h, title, *ax_in.spines.values(), *ax_h.spines.values()]

    return Scene(fig, update, moving)


def xor_network_view(params: Mapping[str, float] | None = None, *, width: float = 8.4, height: float = 4.0,
                     dpi: int = 80):
    """Nine sliders (one row per unit) driving the two-panel XOR figure (:func:`draw`); returns a ``LiveFigure``.

    The title counts the XOR points classified correctly.
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    start = dict(XOR_SOLUTION if params is None else params)
    unpack(start)  # a readable error for a missing parameter
    controls = {
        name: control(widgets.FloatSlider, float(start[name]), "xor_network_view", name, min=-SLIDER_LIMIT, max=SLIDER_LIMIT, step=0.5,
                                  description=name, continuous_update=False, readout_format=".1f",
                                  style={"description_width": "32px"}, layout=widgets.Layout(width="224px"))
        for name in PARAM_NAMES
    }
    return LiveFigure(draw(new_figure(width, height, dpi)), controls, columns=3)


def xor_bias_scrubber(values: Sequence[float] | None = None, *, width: float = 8.4, height: float = 4.0,
                      dpi: int | None = None):
    """The static version: the output bias c swept (default -50..10 in steps of 4), other weights at XOR_SOLUTION.

    Shows the red region going from "all 0" through XOR to "all 1". Returns a ``Scrubber``
    starting at c = -30 (the XOR solution) when that value is among ``values``, else in the middle.
    """
    from ._core import new_figure, scrubber

    values = [float(c) for c in (np.arange(-50.0, 10.0 + 1e-9, 4.0) if values is None else values)]
    initial = values.index(XOR_SOLUTION["c"]) if XOR_SOLUTION["c"] in values else len(values) // 2
    fixed = {name: value for name, value in XOR_SOLUTION.items() if name != "c"}
    return scrubber(draw(new_figure(width, height, dpi)), "c", values, fixed=fixed, fmt="{:.0f}", initial=initial,
                    title="Output bias c swept, other weights fixed at the XOR solution", alt=XOR_BIAS_ALT)


XOR_BIAS_ALT = (
    "Two panels of the gain-20 sigmoid XOR network, every weight at the XOR solution except the output bias c. "
    "Left, the input plane shaded by the output (red near 1, blue near 0) with the hidden units' dashed lines and "
    "the four XOR points; right, the points at their hidden values (h1, h2) with the output unit's 0.5 line. The "
    "title counts the correct points and crosses mark wrong ones: the network answers 0 everywhere for c below -40, "
    "computes XOR between -40 and -20, and answers 1 everywhere above -20."
)


def draw_perceptron(ax, n_inputs: int = 3, *, activation: str = "step") -> None:
    """The perceptron as MIT 6.S191 draws it: inputs, weights, a sum, a non-linearity, the output.

    Draws on ``ax`` (and turns its axes off): a bias input 1 with weight w0 = b, inputs x1..xm with
    weights w1..wm, the sum node z = b + sum_i x_i w_i, the activation g and the output y_hat = g(z).
    """
    from matplotlib.patches import Circle

    if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
        raise ValueError(f"n_inputs must be a positive integer, got {n_inputs!r}.")
    n = int(n_inputs)
    rows = [("$1$", "$w_0 = b$")] + [(f"$x_{i}$", f"$w_{i}$") for i in range(1, n + 1)]
    if n > 3:  # draw x1, x2, ..., xm
        rows = rows[:3] + [("$\\vdots$", ""), (f"$x_{{m}}$", "$w_m$")]
    ys = np.linspace(1.0, -1.0, len(rows))
    sum_xy, act_xy, out_x = (2.2, 0.0), (3.6, 0.0), 4.9
    arrow = dict(arrowstyle="-|>", color="0.25", lw=1.2, shrinkA=16, shrinkB=16)
    for (label, weight), y in zip(rows, ys):
        if label == "$\\vdots$":
            ax.text(0.0, y, label, ha="center", va="center", fontsize=14)
            continue
        ax.add_patch(Circle((0.0, y), 0.22, fc="#dbe9f6" if label != "$1$" else "#eeeeee", ec="k"))
        ax.text(0.0, y, label, ha="center", va="center", fontsize=12)
        ax.annotate("", xy=sum_xy, xytext=(0.0, y), arrowprops=arrow)
        ax.text(1.1, 0.55 * y + 0.12, weight, ha="center", va="bottom", fontsize=11, color="#1f4e79")
    ax.add_patch(Circle(sum_xy, 0.3, fc="#fde9c8", ec="k"))
    ax.text(*sum_xy, "$\\Sigma$", ha="center", va="center", fontsize=15)
    ax.add_patch(Circle(act_xy, 0.3, fc="#f6d5d5", ec="k"))
    ax.text(*act_xy, "$g$", ha="center", va="center", fontsize=14)
    ax.annotate("", xy=act_xy, xytext=sum_xy, arrowprops=dict(arrow, shrinkA=20, shrinkB=20))
    ax.annotate("", xy=(out_x, 0.0), xytext=act_xy, arrowprops=dict(arrow, shrinkA=20, shrinkB=4))
    ax.text(out_x + 0.1, 0.0, "$\\hat y$", ha="left", va="center", fontsize=14)
    ax.text(sum_xy[0], -0.55, "sum\n$z = b + \\sum_i x_i w_i$", ha="center", va="top", fontsize=9)
    ax.text(act_xy[0], -0.55, f"non-linearity\n$\\hat y = g(z)$ ({activation})", ha="center", va="top", fontsize=9)
    ax.text(0.0, 1.45, "inputs", ha="center", fontsize=9)
    ax.text(1.1, 1.45, "weights", ha="center", fontsize=9)
    ax.set_xlim(-0.5, 5.6)
    ax.set_ylim(-1.5, 1.7)
    ax.set_aspect("equal")
    ax.axis("off")
