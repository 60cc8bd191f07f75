"""Interactive figure of the loss-functions chapter: how wrong is a prediction, and how hard does
the loss push back?

Compute (NumPy, fast, tested):

* :func:`loss_curves` ``(y)``: for one sample with target ``y`` (0 or 1) and predicted
  probability ``p = sigmoid(z)`` on a grid, the squared error ``(p - y)^2``, the binary
  cross-entropy ``-[y log p + (1 - y) log(1 - p)]`` and the gradient of each with respect to the
  logit ``z``: ``2 (p - y) p (1 - p)`` for sigmoid + MSE, ``p - y`` for sigmoid + BCE.
* :func:`loss_at` ``(p, y)``: the same four numbers at one ``p``, computed with ``nbcode.losses``
  (the gradients by the chain rule through ``nbcode.activations.sigmoid_grad``).
* :func:`softmax_ce` ``(logits, label)``: softmax probabilities of three (or more) class scores,
  their cross-entropy against ``label`` and its gradient ``p - onehot(label)``.

View (thin): :func:`loss_explorer` draws the figure once and moves markers, bars and titles in
place; :func:`loss_scrubber` packs frames over ``p`` (on a logit grid) for the static page.
"""

from __future__ import annotations

import numpy as np

from ..activations import sigmoid, sigmoid_grad, softmax
from ..losses import binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad, mse, mse_grad, softmax_cross_entropy, softmax_cross_entropy_grad

__all__ = [
    "P_MIN",
    "P_MAX",
    "logit",
    "loss_curves",
    "loss_at",
    "softmax_ce",
    "draw",
    "loss_explorer",
    "loss_scrubber",
    "scrubber_values",
]

#: The slider's range of predicted probabilities, wide enough to show BCE's -log(0.001) = 6.9.
P_MIN, P_MAX = 0.001, 0.999
#: The logit range of the curves' grid: sigmoid(+-7.0) = 0.0009 / 0.9991, just past the slider.
_Z_MAX = 7.0


def _check_target(y) -> int:
    if y not in (0, 1):
        raise ValueError(f"the target y of a binary prediction is 0 or 1, got {y!r}.")
    return int(y)


def logit(p) -> np.ndarray:
    """z = log(p / (1 - p)), the inverse of the sigmoid; p is clipped to [1e-12, 1 - 1e-12] first
    so that p = 0 or 1 give a large finite logit, not an infinite one."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1.0 - 1e-12)
    return np.log(p) - np.log1p(-p)


def loss_curves(y, n: int = 401) -> dict[str, np.ndarray]:
    """Losses and their logit-gradients for one sample with target ``y`` over a grid of ``p``.

    The grid is uniform in the logit z in [-7, 7] (so it is dense near p = 0 and p = 1, where the
    cross-entropy is steep). Returns ``{"p", "z", "mse", "bce", "grad_mse", "grad_bce"}``::

        mse = (p - y)^2,                bce = -[y log p + (1 - y) log(1 - p)],
        grad_mse = dmse/dz = 2 (p - y) p (1 - p),   grad_bce = dbce/dz = p - y.

    The BCE is evaluated from z, as ``max(z, 0) - z y + log(1 + exp(-|z|))``, so it never takes
    log(0).
    """
    y = _check_target(y)
    z = np.linspace(-_Z_MAX, _Z_MAX, n)
    p = sigmoid(z)
    diff = p - y
    bce = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return {"p": p, "z": z, "mse": diff * diff, "bce": bce, "grad_mse": 2.0 * diff * p * (1.0 - p), "grad_bce": diff}


def loss_at(p: float, y) -> dict[str, float]:
    """The two losses and their gradients with respect to the logit at one prediction ``p``.

    Computed with nbcode's own functions (each is a mean over one sample here):
    ``mse(p, y)``, ``binary_cross_entropy_with_logits(z, y)`` with z = logit(p), and by the chain
    rule dL/dz = dL/dp * dp/dz with dp/dz = sigmoid_grad(z) = p (1 - p) for the MSE.
    """
    y = _check_target(y)
    z = logit(p).reshape(1)
    p_arr = sigmoid(z)
    y_arr = np.array([float(y)])
    return {
        "p": float(p_arr[0]),
        "z": float(z[0]),
        "mse": float(mse(p_arr, y_arr)),
        "bce": float(binary_cross_entropy_with_logits(z, y_arr)),
        "grad_mse": float((mse_grad(p_arr, y_arr) * sigmoid_grad(z))[0]),
        "grad_bce": float(binary_cross_entropy_with_logits_grad(z, y_arr)[0]),
    }


def softmax_ce(logits, label: int) -> dict[str, np.ndarray | float]:
    """Softmax probabilities of one row of class scores, its cross-entropy -log y_label and the
    gradient p - onehot(label) with respect to the scores (all finite for scores of any size)."""
    z = np.asarray(logits, dtype=np.float64).reshape(1, -1)
    if not 0 <= label < z.shape[1]:
        raise ValueError(f"label must be a class index in 0..{z.shape[1] - 1}, got {label!r}.")
    labels = np.array([label])
    return {
        "probs": softmax(z)[0],
        "loss": float(softmax_cross_entropy(z, labels)),
        "grad": softmax_cross_entropy_grad(z, labels)[0],
    }


def scrubber_values(n: int = 21) -> np.ndarray:
    """``n`` probabilities from P_MIN to P_MAX, evenly spaced in the logit (rounded to 3 decimals)."""
    z_end = float(logit(P_MAX))
    return np.round(sigmoid(np.linspace(-z_end, z_end, n)), 3)


# ---------------------------------------------------------------------------- the view
_MSE_COLOR, _BCE_COLOR = "#d62728", "#1f77b4"
_CLASS_NAMES = ("class 0", "class 1", "class 2")


def _draw_loss_panels(ax_loss, ax_grad):
    """The two binary panels: loss and gradient curves (set per target) and the markers at p."""
    artists = {}
    for ax, key, ylabel in ((ax_loss, "", "loss"), (ax_grad, "grad_", "dL/dz (z = logit)")):
        (artists[key + "mse"],) = ax.plot([0, 1], [0, 0], color=_MSE_COLOR,
                                          label="MSE $(p-y)^2$" if not key else "sigmoid + MSE")
        (artists[key + "bce"],) = ax.plot([0, 1], [0, 0], color=_BCE_COLOR,
                                          label="BCE $-\\log$ (prob. of $y$)" if not key else "sigmoid + BCE")
        (artists[key + "mse_dot"],) = ax.plot([], [], "o", color=_MSE_COLOR, ms=7)
        (artists[key + "bce_dot"],) = ax.plot([], [], "o", color=_BCE_COLOR, ms=7)
        ax.set(xlim=(0, 1), xlabel="predicted probability p", ylabel=ylabel)
        ax.legend(loc="upper center", fontsize=9)
    ax_loss.set(ylim=(-0.1, 7.3), yticks=range(8))
    ax_grad.axhline(0.0, color="0.6", lw=0.8)
    ax_grad.set(ylim=(-1.1, 1.1), yticks=np.linspace(-1.0, 1.0, 5))
    return artists


def draw(fig):
    """The three panels of :func:`loss_explorer` on ``fig``, as a :class:`~nbcode.widgets.Scene`.

    The curves depend only on the target y, so they belong to the background (one per y); the
    markers, titles, bars and their labels move.
    """
    from ._core import Scene

    ax_loss, ax_grad, ax_soft = fig.subplots(1, 3, width_ratios=(1.0, 1.0, 0.8))
    art = _draw_loss_panels(ax_loss, ax_grad)
    bars = ax_soft.bar(range(3), np.zeros(3), color="0.75", edgecolor="k", linewidth=0.5)
    labels = [ax_soft.text(k, 0.0, "", ha="center", va="bottom", fontsize=9) for k in range(3)]
    ax_soft.set(xticks=range(3), xticklabels=_CLASS_NAMES, ylim=(0, 1.12), ylabel="softmax probability",
                yticks=np.linspace(0.0, 1.0, 5))

    def update(p, y, label, z0, z1, z2) -> dict:
        curves, at = loss_curves(y), loss_at(p, y)
        for key in ("mse", "bce", "grad_mse", "grad_bce"):
            art[key].set_data(curves["p"], curves[key])
            art[key + "_dot"].set_data([at["p"]], [at[key]])
        ax_loss.set_title(f"y={y}, p={at['p']:.3f}: MSE {at['mse']:.3f}, BCE {at['bce']:.3f}", fontsize=10)
        ax_grad.set_title(f"dL/dz: MSE {at['grad_mse']:+.3f}, BCE {at['grad_bce']:+.3f}", fontsize=10)
        soft = softmax_ce((z0, z1, z2), label)
        for k, (bar, text, prob) in enumerate(zip(bars, labels, soft["probs"])):
            bar.set_height(prob)
            text.set_position((k, prob + 0.01))
            text.set_text(f"{prob:.3f}")
            bar.set_facecolor(_BCE_COLOR if k == label else "0.75")
            bar.set_linewidth(2.0 if k == label else 0.5)
        ax_soft.set_title(f"target {_CLASS_NAMES[label]}: CE {soft['loss']:.3f}", fontsize=10)
        return {"binary": at, "softmax": soft}

    def moving() -> list:
        dots = [art[key + "_dot"] for key in ("mse", "bce", "grad_mse", "grad_bce")]
        return [*dots, *bars, *labels, ax_loss.title, ax_grad.title, ax_soft.title]

    return Scene(fig, update, moving, background=lambda values: values["y"])


def loss_explorer(p: float = 0.1, y: int = 1, logits=(2.0, 1.0, 0.1), label: int = 0, *, dpi: int = 80):
    """Sliders for p and y (left two panels) and for three class scores (right panel).

    Left: (p - y)^2 and binary cross-entropy against p, with markers at the current p.
    Middle: their gradients with respect to the logit, 2 (p - y) p (1 - p) and p - y.
    Right: softmax probabilities of the three scores; the target class is outlined; the title
    gives the cross-entropy. Returns the :class:`~nbcode.widgets.LiveFigure`.
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    slider = dict(continuous_update=True, style={"description_width": "initial"})
    controls = {
        "p": control(widgets.FloatSlider, p, "loss_explorer", "p", min=P_MIN, max=P_MAX, step=0.001, readout_format=".3f", description="p", **slider),
        "y": control(widgets.ToggleButtons, y, "loss_explorer", "y", options=[("y = 0", 0), ("y = 1", 1)], description="",
                                   style={"button_width": "4.5em", "description_width": "initial"}),
        "label": control(widgets.Dropdown, label, "loss_explorer", "label",
                         options=[(name, k) for k, name in enumerate(_CLASS_NAMES)], description="3-class target", style={"description_width": "initial"},
                                  layout=widgets.Layout(width="14em")),
        "z0": control(widgets.FloatSlider, logits[0], "loss_explorer", "z0", min=-20.0, max=20.0, step=0.1, description="score z0", **slider),
        "z1": control(widgets.FloatSlider, logits[1], "loss_explorer", "z1", min=-20.0, max=20.0, step=0.1, description="score z1", **slider),
        "z2": control(widgets.FloatSlider, logits[2], "loss_explorer", "z2", min=-20.0, max=20.0, step=0.1, description="score z2", **slider),
    }
    other = [{"y": 1 - controls["y"].value}]  # the other target's background, drawn now
    return LiveFigure(draw(new_figure(10.0, 3.4, dpi=dpi)), controls, columns=3, warm=other)


def loss_scrubber(values=None, *, logits=(2.0, 1.0, 0.1), label: int = 0, dpi: int | None = None):
    """A static scrubber over p (default: 21 values on a logit grid) with y = 1 and the three
    class scores ``logits`` with target ``label`` (the explorer's defaults). Frames fill the text
    column unless ``dpi`` says otherwise."""
    from ._core import new_figure, scrubber

    fixed = {"y": 1, "label": label, "z0": logits[0], "z1": logits[1], "z2": logits[2]}
    values = scrubber_values() if values is None else values
    return scrubber(draw(new_figure(10.0, 3.4, dpi=dpi)), "p", list(values), fixed=fixed, fmt="{:.3f}",
                    title="Loss and its gradient w.r.t. the logit for target y = 1", alt=LOSS_ALT)


LOSS_ALT = (
    "Three panels for target y = 1 and the predicted probability p. Left, the losses against p: squared error "
    "(red, at most 1) and cross-entropy (blue, rising steeply as p nears 0), with dots at the current p. Middle, "
    "their gradients with respect to the logit: the squared error's (red) vanishes at both ends, cross-entropy's "
    "(blue) is the line p - 1, near -1 when p is near 0. Right, a fixed three-class softmax that the slider does "
    "not change."
)
