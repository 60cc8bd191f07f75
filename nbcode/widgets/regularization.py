"""Interactive figure of the regularization chapter: capacity against weight decay on noisy moons.

A one-hidden-layer ReLU network (``nbcode.network.mlp([2, width, 1])``) is trained on 100 noisy
"moons" points by full-batch Adam with an L2 penalty ``(lam / 2) * ||theta||^2``, i.e.
``nbcode.optim.Adam(weight_decay=lam)``, for ``STEPS`` steps. Two controls:

* ``width`` (the number of hidden units): the model's capacity;
* ``lam`` (the weight decay): how strongly large weights are penalised.

Compute (NumPy only, tested):

* :func:`moons_data` gives the fixed training and validation sets (standardized with the
  training set's statistics) and :func:`train_moons_mlp` trains one network through the library,
  with the loop the chapters teach (forward, loss, zero_grad, backward, step), and returns the
  training and validation loss after every step, the accuracies and the parameters.
* :func:`decision_grid` evaluates a trained network's probability on a grid of the plane.
* :func:`moons_result` caches both per ``(width, lam)``: moving back to a setting is instant.

View (thin): :func:`draw` draws the decision region (``imshow`` + ``set_data``) and the
loss-versus-step curves (``set_data``), titled with the accuracies, and returns the
:class:`~nbcode.widgets.Scene`; :func:`capacity_explorer` is the live figure and
:func:`lam_scrubber` the static one, the same scene over :data:`LAMBDAS` at a fixed width.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import data
from .._checks import positive_int
from ..activations import sigmoid
from ..layers import BCEWithLogitsLoss
from ..losses import binary_cross_entropy_with_logits
from ..network import mlp
from ..optim import Adam

__all__ = [
    "MOONS",
    "SEED",
    "STEPS",
    "LR",
    "WIDTHS",
    "LAMBDAS",
    "XLIM",
    "YLIM",
    "moons_data",
    "train_moons_mlp",
    "predict_logits",
    "decision_grid",
    "moons_result",
    "describe",
    "format_lam",
    "draw",
    "capacity_explorer",
    "lam_scrubber",
]

#: The data, noisy moons (100 training and 200 validation points from different seeds).
MOONS = dict(n_train=100, n_val=200, noise=0.3, train_seed=0, val_seed=1)
#: Seed of the network's initial weights (He normal, as ``mlp`` draws them).
SEED = 0
#: Full-batch Adam steps of every fit.
STEPS = 400
#: Adam's learning rate in every fit.
LR = 0.05
#: The capacity control, hidden widths.
WIDTHS = (1, 2, 4, 8, 16, 32, 64, 128)
#: The regularization control, 0 and 16 log-spaced values from 1e-5 to 1 (three per decade).
LAMBDAS = (0.0,) + tuple(float(v) for v in np.round(np.logspace(-5, 0, 16), 12))
#: The plotted window's x range (original coordinates of the moons).
XLIM = (-1.9, 2.9)
#: The plotted window's y range.
YLIM = (-1.5, 2.0)
#: Grid resolution of the decision region.
GRID_N = 90


@lru_cache(maxsize=1)
def moons_data() -> dict[str, np.ndarray]:
    """The fixed data: raw and standardized inputs (statistics of the training set) and labels.

    Keys: ``X_train``, ``y_train``, ``X_val``, ``y_val`` (raw), ``Z_train``, ``Z_val`` (standardized),
    ``mean``, ``std``. Arrays are read-only (they are shared by every cached result).
    """
    X_train, y_train = data.moons(MOONS["n_train"], noise=MOONS["noise"], rng=np.random.default_rng(MOONS["train_seed"]))
    X_val, y_val = data.moons(MOONS["n_val"], noise=MOONS["noise"], rng=np.random.default_rng(MOONS["val_seed"]))
    scaler = data.Standardizer().fit(X_train)
    out = dict(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val,
               Z_train=scaler.transform(X_train), Z_val=scaler.transform(X_val), mean=scaler.mean_, std=scaler.std_)
    for arr in out.values():
        arr.setflags(write=False)
    return out


def _check_width(width) -> int:
    return positive_int(width, "width (the number of hidden units)", example="width=8")


def _check_lam(lam) -> float:
    try:
        lam = float(lam)
    except (TypeError, ValueError):
        raise ValueError(f"lam (the weight decay) must be a number >= 0, got {lam!r}.") from None
    if not (np.isfinite(lam) and lam >= 0):
        raise ValueError(f"lam (the weight decay) must be a finite number >= 0, got {lam!r}; 0 means no penalty.")
    return lam


def _network(width: int, seed: int = SEED):
    """The network of every fit: ``mlp([2, width, 1], "relu", rng=seed)`` (He-normal weights, zero biases)."""
    return mlp([2, width, 1], "relu", rng=seed)


def predict_logits(theta: np.ndarray, width: int, Z: np.ndarray) -> np.ndarray:
    """Logits (n,) of the network with packed parameters ``theta`` on standardized inputs ``Z`` (n, 2).

    ``theta`` is what :func:`train_moons_mlp` returns: the parameters of ``net.parameters()`` in
    order (W1, b1, W2, b2), each flattened, end to end.
    """
    net = _network(_check_width(width))
    sizes = [p.data.size for p in net.parameters()]
    theta = np.asarray(theta, dtype=np.float64)
    if theta.shape != (sum(sizes),):
        raise ValueError(f"theta of a width-{width} network has {sum(sizes)} entries (W1, b1, W2, b2), "
                         f"got shape {theta.shape}; pass the 'theta' of train_moons_mlp(width, ...).")
    for p, chunk in zip(net.parameters(), np.split(theta, np.cumsum(sizes)[:-1])):
        p.data[...] = chunk.reshape(p.data.shape)
    with np.errstate(all="ignore"):  # the parameters of a diverged fit give NaN, not warnings
        return net.forward(Z).ravel()


def train_moons_mlp(width: int, lam: float, steps: int = STEPS, lr: float = LR, seed: int = SEED,
                    betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> dict:
    """Train ``mlp([2, width, 1], "relu", rng=seed)`` on the moons by full-batch Adam with weight decay ``lam``.

    Each step is the chapters' loop: ``loss.forward(net.forward(Z), t)`` with ``BCEWithLogitsLoss``,
    ``optimizer.zero_grad()``, ``net.backward(loss.backward())``, ``optimizer.step()`` with
    ``Adam(net.parameters(), lr, weight_decay=lam)``: the gradient of ``mean BCE + (lam / 2)
    ||theta||^2`` is the data gradient plus ``lam * theta`` (on every parameter, as torch's
    ``weight_decay``). Float64 throughout: the chapter prints these losses.

    Returns a dict: ``train_loss`` and ``val_loss`` (steps + 1,) (the data loss, without the
    penalty, before each step and after the last), ``train_acc``, ``val_acc``, ``theta`` (the
    final parameters, packed as :func:`predict_logits` reads them), ``weight_norm`` (of W1 and
    W2), ``width``, ``lam``, ``diverged``. If the loss becomes NaN or infinite (only with absurd
    learning rates), training stops there: the rest of both curves and the accuracies are NaN
    and ``diverged`` is True.
    """
    width = _check_width(width)
    lam = _check_lam(lam)
    steps = positive_int(steps, "steps", example="steps=400")
    d = moons_data()
    Z, Zv = d["Z_train"], d["Z_val"]
    t, tv = (d[key].astype(np.float64)[:, None] for key in ("y_train", "y_val"))  # shaped like the logits

    net = _network(width, seed)
    loss = BCEWithLogitsLoss()
    optimizer = Adam(net.parameters(), lr=lr, betas=betas, eps=eps, weight_decay=lam)
    train_loss = np.full(steps + 1, np.nan)
    val_loss = np.full(steps + 1, np.nan)
    diverged = False
    # One forward pass of training and validation points together (a widget trains on every new
    # setting: half the calls of two passes); the validation rows get a zero gradient, so the
    # backward pass is the training batch's alone.
    both, n = np.concatenate([Z, Zv]), len(Z)
    dlogits = np.zeros((len(both), 1))
    with np.errstate(all="ignore"):  # a diverging fit is a result (NaN curves), not a warning
        for step in range(steps + 1):
            all_logits = net.forward(both)
            logits, val_logits = all_logits[:n], all_logits[n:]
            if np.isfinite(all_logits).all():  # the losses refuse NaN logits
                train_loss[step] = loss.forward(logits, t)
                val_loss[step] = binary_cross_entropy_with_logits(val_logits, tv)
            if not np.isfinite(train_loss[step] + val_loss[step]):
                train_loss[step] = val_loss[step] = np.nan
                diverged = True
                break
            if step == steps:
                break
            optimizer.zero_grad()
            dlogits[:n] = loss.backward()
            net.backward(dlogits, input_grad=False)
            optimizer.step()

    if diverged:
        train_acc = val_acc = weight_norm = float("nan")
    else:  # the logits of the last forward: the final parameters
        train_acc = float(np.mean((logits > 0) == (t == 1)))
        val_acc = float(np.mean((val_logits > 0) == (tv == 1)))
        W1, W2 = net.layers[0].weight.data, net.layers[2].weight.data
        weight_norm = float(np.sqrt(np.sum(W1 * W1) + np.sum(W2 * W2)))
    theta = np.concatenate([p.data.ravel() for p in net.parameters()])
    return dict(train_loss=train_loss, val_loss=val_loss, train_acc=train_acc, val_acc=val_acc, theta=theta,
                weight_norm=weight_norm, width=width, lam=lam, diverged=diverged)


@lru_cache(maxsize=1)
def _grid_points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs = np.linspace(*XLIM, GRID_N)
    ys = np.linspace(*YLIM, GRID_N)
    GX, GY = np.meshgrid(xs, ys)
    d = moons_data()
    points = (np.column_stack([GX.ravel(), GY.ravel()]) - d["mean"]) / d["std"]
    return GX, GY, points


def decision_grid(result: dict) -> np.ndarray:
    """P(class 1) of a trained network on a (GRID_N, GRID_N) grid over XLIM x YLIM (rows = y)."""
    GX, _, points = _grid_points()
    z = predict_logits(result["theta"], result["width"], points)
    return sigmoid(z).reshape(GX.shape)


@lru_cache(maxsize=256)
def moons_result(width: int, lam: float) -> dict:
    """:func:`train_moons_mlp` plus its :func:`decision_grid` (key ``"grid"``), cached per (width, lam)."""
    result = train_moons_mlp(width, lam)
    result["grid"] = decision_grid(result)
    for value in result.values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return result


def format_lam(lam: float) -> str:
    """``0`` for no penalty, else three significant digits: 0.000464 -> ``4.64e-04``, 0.1 -> ``0.1``."""
    lam = float(lam)
    if lam == 0:
        return "0"
    return f"{lam:.3g}" if lam >= 1e-3 else f"{lam:.2e}"


def describe(result: dict) -> str:
    """A title: the setting and the train/validation accuracy (or that training diverged)."""
    head = f"width {result['width']}, lambda {format_lam(result['lam'])}"
    if result["diverged"]:
        return f"{head}: diverged"
    return f"{head}: train acc {result['train_acc']:.3f}, val acc {result['val_acc']:.3f}"


# --------------------------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------------------------

def _map_panel(ax):
    """The decision region (an image, filled per update) under the training points; returns the image."""
    d = moons_data()
    image = ax.imshow(np.full((GRID_N, GRID_N), 0.5), origin="lower", extent=(*XLIM, *YLIM), cmap="RdBu",
                      vmin=-0.6, vmax=1.6, aspect="auto", interpolation="nearest")  # pastel: points stand out
    points = []
    for label, marker in ((0, "o"), (1, "s")):
        pts = d["X_train"][d["y_train"] == label]
        points.append(ax.scatter(pts[:, 0], pts[:, 1], marker=marker, s=16, c="#b2182b" if label == 0 else "#2166ac",
                                 edgecolors="k", linewidths=0.6))
    ax.set_xlim(*XLIM)
    ax.set_ylim(*YLIM)
    ax.set_xlabel("x1 (red circles: class 0, blue squares: class 1)", fontsize=8)
    ax.set_ylabel("x2")
    ax.set_title(" ", fontsize=9)
    return image, points


def _loss_panel(ax):
    """The training and validation loss curves (filled per update) and the lowest validation loss."""
    from matplotlib.ticker import MaxNLocator

    (train_line,) = ax.plot([], [], color="tab:blue", label="train loss")
    (val_line,) = ax.plot([], [], color="tab:orange", linestyle="--", label="validation loss")
    (best_marker,) = ax.plot([], [], "o", color="tab:orange", markersize=5, label="lowest validation loss")
    ax.set_xlim(0, STEPS)
    ax.set_ylim(0.0, 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.set_xlabel("full-batch Adam step")
    ax.set_ylabel("cross-entropy (no penalty)")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(" ", fontsize=9)
    return train_line, val_line, best_marker


def _loss_summary(val_loss: np.ndarray) -> tuple[int | None, str]:
    """The step of the lowest validation loss (None if the fit diverged at once) and the loss panel's title."""
    finite = np.flatnonzero(np.isfinite(val_loss))
    if finite.size == 0:
        return None, "diverged"
    best = int(finite[np.argmin(val_loss[finite])])
    return best, f"lowest val loss {val_loss[best]:.3f} at step {best}; last {val_loss[finite[-1]]:.3f}"


def draw(fig):
    """Draw both panels once and return their :class:`~nbcode.widgets.Scene`.

    ``update(width, lam)`` fetches :func:`moons_result` (trained on first use, then cached) and
    changes the decision region, the boundary p = 0.5, the loss curves and the titles; it returns
    that result. The axes, ticks, labels and the legend are the static background.
    """
    from ._core import Scene

    ax_map, ax_loss = fig.subplots(1, 2, width_ratios=(1.0, 1.0))
    image, points = _map_panel(ax_map)
    train_line, val_line, best_marker = _loss_panel(ax_loss)
    boundary = []  # the p = 0.5 contour: a new one per update

    def show_boundary(grid: np.ndarray) -> None:
        while boundary:
            boundary.pop().remove()
        finite = grid[np.isfinite(grid)]
        # a boundary only where the prediction really changes sign (a collapsed network is 0.5 +- 1e-12)
        if finite.size and finite.min() < 0.5 - 1e-6 and finite.max() > 0.5 + 1e-6:
            GX, GY, _ = _grid_points()
            boundary.append(ax_map.contour(GX, GY, grid, levels=[0.5], colors="k", linewidths=1.0))

    def update(width: int = 128, lam: float = 0.0) -> dict:
        result = moons_result(int(width), float(lam))
        image.set_data(result["grid"])
        show_boundary(result["grid"])
        steps = np.arange(len(result["train_loss"]))
        train_line.set_data(steps, result["train_loss"])
        val_line.set_data(steps, result["val_loss"])
        best, summary = _loss_summary(result["val_loss"])
        best_marker.set_data([] if best is None else [best], [] if best is None else [result["val_loss"][best]])
        ax_loss.title.set_text(summary)
        ax_map.title.set_text(describe(result))
        return result

    def moving() -> list:
        # the image covers the whole map, so everything drawn over it (points, boundary, frame) moves too;
        # the loss panel's legend stays in the background (text is the slow part of a frame)
        return [image, *points, *boundary, *ax_map.spines.values(), ax_map.title,
                train_line, val_line, best_marker, *ax_loss.spines.values(), ax_loss.title]

    return Scene(fig, update, moving)


def capacity_explorer(width: int = 128, lam: float = 0.0, *, dpi: int = 80):
    """Live figure: a width and a weight-decay slider; returns a :class:`nbcode.widgets.LiveFigure`.

    A new setting trains a network (70-230 ms, by width): every width at the starting ``lam``
    is trained when the cell runs (about 1 s), so the first slider a reader moves answers at
    once; :func:`lam_scrubber` at the same width has trained the other.
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    width = _check_width(width)
    lam = _check_lam(lam)
    widths = sorted(set(WIDTHS) | {width})
    lams = sorted(set(LAMBDAS) | {lam})
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="46%")
    controls = {
        "width": control(widgets.SelectionSlider, width, "capacity_explorer", "width", options=widths, description="hidden width",
                                         continuous_update=False, style=style, layout=layout),
        "lam": control(widgets.SelectionSlider, lam, "capacity_explorer", "lam",
                       options=[(format_lam(v), v) for v in lams], description="weight decay lambda", continuous_update=False,
                                       style=style, layout=layout),
    }
    for other in widths:
        moons_result(other, lam)
    return LiveFigure(draw(new_figure(8.6, 3.6, dpi)), controls)


def lam_scrubber(width: int = 128, lams=LAMBDAS, *, dpi: int | None = None):
    """Static version: the same figure at ``width`` for every weight decay in ``lams`` (default :data:`LAMBDAS`)."""
    from ._core import new_figure, scrubber

    width = _check_width(width)
    lams = [_check_lam(v) for v in lams]
    if not lams:
        raise ValueError("a scrubber needs at least one weight decay; pass a non-empty list, e.g. LAMBDAS.")
    title = f"Hidden width {width}: weight decay lambda from {format_lam(lams[0])} to {format_lam(lams[-1])}"
    alt = (f"Two panels for a ReLU network with one hidden layer of width {width} trained on the noisy moons with an "
           "L2 penalty lambda. Left, the predicted probability of class 1 over the plane, the boundary p = 0.5 in "
           "black and the training points, with the accuracies in the title; right, the training and validation "
           "losses over the training steps, a dot at the lowest validation loss. As lambda grows the boundary goes "
           "from wiggly, with islands around single points and a validation loss that climbs after its minimum, to "
           "a smooth curve with the two losses together, and at the largest penalties to a straight line and then "
           "to no boundary at all.")
    return scrubber(draw(new_figure(8.6, 3.6, dpi)), "lam", lams, fixed={"width": width}, fmt=format_lam,
                    title=title, initial=0, alt=alt)
