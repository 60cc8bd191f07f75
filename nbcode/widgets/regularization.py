"""Interactive figure of the regularization chapter: capacity against weight decay on noisy moons.

A one-hidden-layer ReLU network (``nbcode.network.mlp([2, width, 1])``) is trained on 100 noisy
"moons" points by full-batch Adam with an L2 penalty ``(lam / 2) * ||theta||^2``, i.e.
``nbcode.optim.Adam(weight_decay=lam)``, for ``STEPS`` steps. Two controls:

* ``width`` (the number of hidden units): the model's capacity;
* ``lam`` (the weight decay): how strongly large weights are penalised.

Compute (NumPy only, tested):

* :func:`moons_data` gives the fixed training and validation sets (standardized with the
  training set's statistics) and :func:`train_moons_mlp` trains one network and returns the
  training and validation loss after every step, the accuracies and the parameters.
  It is a fused, allocation-light version of the five-line step of :func:`nbcode.train.fit`
  (forward, loss, zero_grad, backward, Adam step) with all parameters packed into one vector;
  the tests check that it follows ``mlp`` + ``BCEWithLogitsLoss`` + ``optim.Adam`` step for step.
* :func:`decision_grid` evaluates a trained network's probability on a grid of the plane.
* :func:`moons_result` caches both per ``(width, lam)``: moving back to a setting is instant.

View (thin): :func:`capacity_explorer` shows the decision region (``imshow`` + ``set_data``)
and the loss-versus-step curves (``set_data``), titled with the accuracies;
:func:`lam_scrubber` is its static version over :data:`LAMBDAS` at a fixed width, its frames
rendered by blitting (the static background drawn once).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import data
from ..network import mlp

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
    "capacity_explorer",
    "lam_scrubber",
    "LATENCY_CASES",
]

#: The data: noisy moons, 100 training and 200 validation points from different seeds.
MOONS = dict(n_train=100, n_val=200, noise=0.3, train_seed=0, val_seed=1)
#: Seed of the network's initial weights (He normal, as ``mlp`` draws them).
SEED = 0
#: Full-batch Adam steps and learning rate of every fit.
STEPS = 400
LR = 0.05
#: The capacity control: hidden widths.
WIDTHS = (1, 2, 4, 8, 16, 32, 64, 128)
#: The regularization control: 0 and 16 log-spaced values from 1e-5 to 1 (three per decade).
LAMBDAS = (0.0,) + tuple(float(v) for v in np.round(np.logspace(-5, 0, 16), 12))
#: The plotted window (original coordinates of the moons).
XLIM = (-1.9, 2.9)
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
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width is a number of hidden units and must be a positive integer, got {width!r}.")
    return int(width)


def _check_lam(lam) -> float:
    try:
        lam = float(lam)
    except (TypeError, ValueError):
        raise ValueError(f"lam (the weight decay) must be a number >= 0, got {lam!r}.") from None
    if not (np.isfinite(lam) and lam >= 0):
        raise ValueError(f"lam (the weight decay) must be a finite number >= 0, got {lam!r}; 0 means no penalty.")
    return lam


def _unpack(theta: np.ndarray, width: int):
    """Views of the packed parameter vector: W1 (2, width), b1 (width,), w2 (width,), b2 (1,)."""
    h = width
    return theta[: 2 * h].reshape(2, h), theta[2 * h: 3 * h], theta[3 * h: 4 * h], theta[4 * h:]


def predict_logits(theta: np.ndarray, width: int, Z: np.ndarray) -> np.ndarray:
    """Logits (n,) of the network with packed parameters ``theta`` on standardized inputs ``Z`` (n, 2)."""
    W1, b1, w2, b2 = _unpack(theta, width)
    hidden = Z @ W1
    hidden += b1
    np.maximum(hidden, 0.0, out=hidden)
    return hidden @ w2 + b2[0]


def _bce(z: np.ndarray, t: np.ndarray) -> float:
    """Mean binary cross-entropy from logits: mean(log(1 + e^z) - t z), stable for any z."""
    return float(np.mean(np.logaddexp(0.0, z) - t * z))


def train_moons_mlp(width: int, lam: float, steps: int = STEPS, lr: float = LR, seed: int = SEED,
                    betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> dict:
    """Train ``mlp([2, width, 1], "relu", rng=seed)`` on the moons by full-batch Adam with weight decay ``lam``.

    The same computation as, per step, ``loss.forward(net.forward(Z), t)``, ``net.backward(
    loss.backward())``, ``Adam(net.parameters(), lr, weight_decay=lam).step()`` with
    ``BCEWithLogitsLoss``: the gradient of ``mean BCE + (lam / 2) ||theta||^2`` is the data
    gradient plus ``lam * theta`` (on every parameter, as torch's ``weight_decay``).

    Returns a dict: ``train_loss`` and ``val_loss`` (steps + 1,) (the data loss, without the
    penalty, before each step and after the last), ``train_acc``, ``val_acc``, ``theta`` (the
    final packed parameters), ``weight_norm`` (of W1 and w2), ``width``, ``lam``, ``diverged``.
    If the loss becomes NaN or infinite (only with absurd learning rates), training stops there:
    the rest of both curves and the accuracies are NaN and ``diverged`` is True.
    """
    width = _check_width(width)
    lam = _check_lam(lam)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    d = moons_data()
    Z, Zv = d["Z_train"], d["Z_val"]
    t, tv = d["y_train"].astype(np.float64), d["y_val"].astype(np.float64)
    n = len(t)

    net = mlp([2, width, 1], "relu", rng=seed)  # the initial weights nbcode would use
    first, second = net.layers[0], net.layers[2]
    theta = np.concatenate([first.weight.data.ravel(), first.bias.data, second.weight.data.ravel(), second.bias.data])
    W1, b1, w2, b2 = _unpack(theta, width)
    grad = np.zeros_like(theta)
    gW1, gb1, gw2, gb2 = _unpack(grad, width)
    m, v, scratch = np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta)
    beta1, beta2 = betas
    ZT = np.ascontiguousarray(Z.T)

    train_loss = np.full(steps + 1, np.nan)
    val_loss = np.full(steps + 1, np.nan)
    diverged = False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(steps + 1):
            pre = Z @ W1
            pre += b1
            hidden = np.maximum(pre, 0.0)
            z = hidden @ w2 + b2[0]
            train_loss[step] = _bce(z, t)
            val_loss[step] = _bce(predict_logits(theta, width, Zv), tv)
            if not (np.isfinite(train_loss[step]) and np.isfinite(val_loss[step])):
                train_loss[step:] = val_loss[step:] = np.nan
                diverged = True
                break
            if step == steps:
                break
            # backward: dL/dz = (sigmoid(z) - t) / n, then through the two affine layers
            dz = (np.exp(-np.logaddexp(0.0, -z)) - t) / n
            np.dot(hidden.T, dz, out=gw2)
            gb2[0] = dz.sum()
            dhidden = np.multiply.outer(dz, w2)
            dhidden *= pre > 0
            np.dot(ZT, dhidden, out=gW1)
            dhidden.sum(axis=0, out=gb1)
            if lam:
                grad += lam * theta  # L2 penalty (lam/2)||theta||^2 adds lam * theta
            # Adam, exactly as nbcode.optim.Adam
            k = step + 1
            np.subtract(grad, m, out=scratch)
            scratch *= 1.0 - beta1
            m += scratch
            np.multiply(grad, grad, out=scratch)
            scratch *= 1.0 - beta2
            v *= beta2
            v += scratch
            np.sqrt(v, out=scratch)
            scratch /= (1.0 - beta2**k) ** 0.5
            scratch += eps
            np.divide(m, scratch, out=scratch)
            scratch *= lr / (1.0 - beta1**k)
            theta -= scratch

    if diverged:
        train_acc = val_acc = weight_norm = float("nan")
    else:
        train_acc = float(np.mean((predict_logits(theta, width, Z) > 0) == (t == 1)))
        val_acc = float(np.mean((predict_logits(theta, width, Zv) > 0) == (tv == 1)))
        weight_norm = float(np.sqrt(np.sum(W1 * W1) + np.sum(w2 * w2)))
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
    with np.errstate(over="ignore", invalid="ignore"):
        z = predict_logits(result["theta"], result["width"], points)
        p = np.exp(-np.logaddexp(0.0, -z))  # sigmoid, stable
    return p.reshape(GX.shape)


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

def _draw(fig, width: int, lam: float):
    """Draw the two panels once; return ``update(width, lam)`` that changes them in place."""
    from matplotlib.ticker import MaxNLocator

    d = moons_data()
    ax_map, ax_loss = fig.subplots(1, 2, width_ratios=(1.0, 1.0))
    image = ax_map.imshow(np.full((GRID_N, GRID_N), 0.5), origin="lower", extent=(*XLIM, *YLIM), cmap="RdBu",
                          vmin=-0.6, vmax=1.6, aspect="auto", interpolation="nearest")  # pastel: points stand out
    for label, marker in ((0, "o"), (1, "s")):
        pts = d["X_train"][d["y_train"] == label]
        ax_map.scatter(pts[:, 0], pts[:, 1], marker=marker, s=16, c="#b2182b" if label == 0 else "#2166ac",
                       edgecolors="k", linewidths=0.6)
    ax_map.set_xlim(*XLIM)
    ax_map.set_ylim(*YLIM)
    ax_map.set_xlabel("x1 (red circles: class 0, blue squares: class 1)", fontsize=8)
    ax_map.set_ylabel("x2")
    title = ax_map.set_title("", fontsize=9)
    boundary = []  # the p = 0.5 contour, redrawn per update

    steps = np.arange(STEPS + 1)
    (train_line,) = ax_loss.plot(steps, np.full(STEPS + 1, np.nan), color="tab:blue", label="train loss")
    (val_line,) = ax_loss.plot(steps, np.full(STEPS + 1, np.nan), color="tab:orange", linestyle="--", label="validation loss")
    (best_marker,) = ax_loss.plot([], [], "o", color="tab:orange", markersize=5, label="lowest validation loss")
    ax_loss.set_xlim(0, STEPS)
    ax_loss.set_ylim(0.0, 1.0)
    ax_loss.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax_loss.set_xlabel("full-batch Adam step")
    ax_loss.set_ylabel("cross-entropy (no penalty)")
    ax_loss.legend(loc="upper right", fontsize=7)
    loss_title = ax_loss.set_title("", fontsize=9)

    def update(width: int, lam: float) -> None:
        result = moons_result(int(width), float(lam))
        image.set_data(result["grid"])
        while boundary:
            boundary.pop().remove()
        grid = result["grid"]
        # a boundary only where the prediction really changes sign (a collapsed network is 0.5 +- 1e-12)
        if np.nanmin(grid) < 0.5 - 1e-6 and np.nanmax(grid) > 0.5 + 1e-6:
            GX, GY, _ = _grid_points()
            boundary.append(ax_map.contour(GX, GY, grid, levels=[0.5], colors="k", linewidths=1.0))
        train_line.set_ydata(result["train_loss"])
        val_line.set_ydata(result["val_loss"])
        val = result["val_loss"]
        if np.isfinite(val).any():
            best = int(np.nanargmin(val))
            best_marker.set_data([best], [val[best]])
            loss_title.set_text(f"lowest val loss {val[best]:.3f} at step {best}; last {val[np.isfinite(val)][-1]:.3f}")
        else:  # pragma: no cover - Adam at this learning rate does not diverge on these data
            best_marker.set_data([], [])
            loss_title.set_text("diverged")
        title.set_text(describe(result))

    def moving() -> list:
        """What changes between frames, in the order a full redraw paints it (by zorder: the map,
        the points, the boundary, then the axes' frames over them).

        The loss panel's legend stays in the static background (text is the slow part of a frame).
        """
        return [image, *ax_map.collections[:2], *boundary, *ax_map.spines.values(), title,
                train_line, val_line, best_marker, *ax_loss.spines.values(), loss_title]

    update(width, lam)
    update.moving = moving
    return update


def _blitted_frames(fig, update, settings) -> list[bytes]:
    """PNG frames of ``fig`` after ``update(**kw)`` for each ``kw`` in ``settings``, by blitting.

    The axes, ticks and labels are rendered once as a background; each frame redraws only
    ``update.moving()`` over it, which is several times cheaper than a full redraw. The frames
    show the same picture as :func:`nbcode.widgets.figure_png` after the same update.
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    from ._core import freeze_layout

    canvas = FigureCanvasAgg(fig)
    freeze_layout(fig)
    for artist in update.moving():
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    for kwargs in settings:
        update(**kwargs)
        canvas.restore_region(background)
        for artist in update.moving():
            artist.set_animated(True)  # a new boundary contour is created by each update
            fig.draw_artist(artist)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png")
        frames.append(buffer.getvalue())
    for artist in update.moving():
        artist.set_animated(False)
    return frames


def capacity_explorer(width: int = 128, lam: float = 0.0, *, dpi: int = 80):
    """Live figure: a width and a weight-decay slider; returns a :class:`nbcode.widgets.LiveFigure`."""
    import ipywidgets as widgets

    from ._core import LiveFigure, new_figure

    width = _check_width(width)
    lam = _check_lam(lam)
    widths = sorted(set(WIDTHS) | {width})
    lams = sorted(set(LAMBDAS) | {lam})
    fig = new_figure(8.6, 3.6, dpi=dpi)
    update = _draw(fig, width, lam)
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="46%")
    controls = {
        "width": widgets.SelectionSlider(options=widths, value=width, description="hidden width",
                                         continuous_update=False, style=style, layout=layout),
        "lam": widgets.SelectionSlider(options=[(format_lam(v), v) for v in lams], value=lam,
                                       description="weight decay lambda", continuous_update=False,
                                       style=style, layout=layout),
    }
    return LiveFigure(fig, controls, update)


def lam_scrubber(width: int = 128, lams=LAMBDAS, *, dpi: int = 72):
    """Static version: the same figure at ``width`` for every weight decay in ``lams`` (default :data:`LAMBDAS`)."""
    from ._core import Scrubber, new_figure

    width = _check_width(width)
    lams = [_check_lam(v) for v in lams]
    fig = new_figure(8.6, 3.6, dpi=dpi)
    update = _draw(fig, width, lams[0])
    frames = _blitted_frames(fig, update, [dict(width=width, lam=v) for v in lams])
    update(width, lams[0])  # leave the figure showing the initial frame, as the page does
    return Scrubber(frames, [format_lam(v) for v in lams], control="lam",
                    title=f"Hidden width {width}: weight decay lambda from 0 to 1", initial=0)


#: The compute calls one slider move triggers on a new setting (the lead's benchmark times them).
LATENCY_CASES = [
    (train_moons_mlp, dict(width=128, lam=0.0)),
    (train_moons_mlp, dict(width=8, lam=1e-3)),
]
