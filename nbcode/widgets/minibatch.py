"""Mini-batch gradients of a two-parameter linear regression: their spread and the path they make.

The model is a line ``y_hat = w x + b`` fitted by mean squared error to a fixed noisy line of
``N = 1024`` points. One sample's loss ``(w x_i + b - y_i)^2`` has the gradient::

    g_i = 2 e_i (x_i, 1),   e_i = w x_i + b - y_i,

and the gradient of the mean loss over a batch ``S`` of ``B`` samples is the mean of the g_i over
``S``. Averaged over every batch a shuffled epoch can produce, it is the full gradient (an
unbiased estimate); its mean squared deviation from the full gradient is exactly::

    E ||g_S - g||^2 = tr(Sigma) / B * (N - B) / (N - 1),

with ``Sigma`` the covariance of the per-sample gradients over the data set and the last factor
the finite-population correction of sampling without replacement (0 at B = N).

* :func:`sample_gradients` draws ``k`` mini-batch gradients at a point, each from a random batch
  (the first ``B`` samples of a fresh shuffle, which is what every batch of
  :func:`nbcode.data.batches` is);
* :func:`sgd_path` runs mini-batch gradient descent over shuffled epochs of
  :func:`nbcode.data.batches` (the update ``theta <- theta - lr g_S`` of :class:`nbcode.optim.SGD`);
* :func:`draw` draws the figure once and returns its :class:`~nbcode.widgets.Scene` (its update
  moves the arrows, the path, the loss curves and the titles);
  :func:`minibatch_explorer` is the live figure (batch-size, learning-rate and seed controls),
  :func:`minibatch_scrubber` its static version over the batch sizes 1, 2, 4, ..., N.

Compute functions use NumPy only; matplotlib and ipywidgets are imported inside the views.
"""

from __future__ import annotations

import math

import numpy as np

from .. import data

__all__ = [
    "SEED", "LINE", "N", "START", "STEPS", "ARROWS", "BATCH_SIZES", "LINE_X", "LINE_Y",
    "line_data", "loss", "full_gradient", "per_sample_gradients", "gradient_noise",
    "sample_gradients", "sgd_path", "describe", "draw", "minibatch_explorer", "minibatch_scrubber",
]

#: Seed of the fixed noisy line.
SEED = 0
#: ``noisy_line`` settings: 1024 points of y = 2 x + 1 + N(0, 1), x uniform in [-3, 3].
LINE = dict(n=1024, slope=2.0, intercept=1.0, noise=1.0, x_range=(-3.0, 3.0))
#: The number of points on the line.
N = LINE["n"]
#: Where every path starts (w, b), and where the sampled gradients are drawn.
START = (-1.0, -2.0)
#: Steps of every path the figure draws.
STEPS = 60
#: Sampled mini-batch gradients shown as arrows.
ARROWS = 20
#: The batch sizes of the figure's slider and scrubber, powers of two up to N.
BATCH_SIZES = tuple(2**k for k in range(int(math.log2(N)) + 1))
#: A path that leaves this square around the origin of (w, b) counts as diverged.
DIVERGENCE_RADIUS = 1e3
#: Arrows show ``-ARROW_SCALE * gradient`` (a fixed scale, so arrows compare across settings).
ARROW_SCALE = 0.1
#: The plotting window over (w, b).
XLIM = (-2.5, 4.5)
YLIM = (-3.5, 3.5)


def line_data(seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The fixed noisy line: ``x`` and ``y`` of shape (1024, 1) (``nbcode.data.noisy_line``)."""
    return data.noisy_line(rng=np.random.default_rng(seed), **LINE)


#: The fixed noisy line itself (``line_data()``), inputs and targets of shape (N, 1).
LINE_X, LINE_Y = line_data()
_x = LINE_X.ravel()
_y = LINE_Y.ravel()
# the five means that give the MSE and its gradient anywhere (also on whole grids)
_SX, _SXX, _SY, _SXY, _SYY = (float(v) for v in (_x.mean(), (_x * _x).mean(), _y.mean(), (_x * _y).mean(), (_y * _y).mean()))


def loss(w, b):
    """MSE of the line ``w x + b`` on the fixed data: ``mean((w x_i + b - y_i)^2)`` (arrays broadcast)."""
    return w * w * _SXX + 2 * w * b * _SX + b * b - 2 * w * _SXY - 2 * b * _SY + _SYY


def full_gradient(point=START) -> np.ndarray:
    """The full-batch gradient ``(dL/dw, dL/db) = 2 (w <x^2> + b <x> - <xy>, w <x> + b - <y>)``."""
    w, b = (float(v) for v in point)
    return np.array([2 * (w * _SXX + b * _SX - _SXY), 2 * (w * _SX + b - _SY)])


def per_sample_gradients(point=START, x=None, y=None) -> np.ndarray:
    """Gradients of each sample's squared error at ``point``: rows ``g_i = 2 e_i (x_i, 1)``, shape (n, 2).

    Defaults to the fixed line; their mean is the full gradient.
    """
    x = _x if x is None else np.asarray(x, dtype=np.float64).ravel()
    y = _y if y is None else np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"x and y need the same number of values (at least one), got {x.size} and {y.size}.")
    w, b = (float(v) for v in point)
    e = w * x + b - y
    return np.column_stack([2 * e * x, 2 * e])


def _check_batch_size(batch_size, n: int = N) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be an integer from 1 to N = {n}, got {batch_size!r}.")
    return int(batch_size)


def gradient_noise(batch_size: int, point=START) -> float:
    """Exact mean squared deviation ``E ||g_S - g||^2`` of a batch of ``batch_size`` samples drawn
    without replacement: ``tr(Sigma) / B * (N - B) / (N - 1)`` (Sigma: per-sample covariance, ddof=0)."""
    B = _check_batch_size(batch_size)
    G = per_sample_gradients(point)
    trace = float(((G - G.mean(axis=0)) ** 2).sum(axis=1).mean())
    return trace / B * (N - B) / (N - 1)


def sample_gradients(batch_size: int, point=START, k: int = ARROWS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``k`` mini-batch gradients at ``point`` and the full gradient.

    Each batch is the first ``batch_size`` samples of an independent random permutation (a
    uniformly random subset, drawn without replacement). Returns ``(gradients (k, 2), full (2,))``.
    """
    B = _check_batch_size(batch_size)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive number of samples, got {k!r}.")
    G = per_sample_gradients(point)
    g = G.mean(axis=0)
    if B == N:  # every batch is the whole data set
        return np.tile(g, (k, 1)), g
    # the B smallest of N random keys: a uniform random subset, without sorting all of them
    chosen = np.argpartition(np.random.default_rng(seed).random((k, N)), B - 1, axis=1)[:, :B]
    return G[chosen].mean(axis=1), g


def sgd_path(batch_size: int, lr: float, steps: int = STEPS, seed: int = 0, start=START) -> tuple[np.ndarray, np.ndarray]:
    """Mini-batch gradient descent on the line's MSE: ``theta <- theta - lr * g_S`` for each batch.

    The batches come from :func:`nbcode.data.batches` with a fresh shuffle per epoch (drawn from
    ``default_rng(seed)``), as :func:`nbcode.train.fit` draws them; at ``B = N`` every batch is the
    whole data set and the path is plain gradient descent. Returns ``(path, losses)``:
    ``path`` (steps + 1, 2) holds (w, b) after each step (row 0 is ``start``), ``losses`` the
    full-data MSE there. A path that leaves the square ``|w|, |b| < DIVERGENCE_RADIUS`` has
    diverged: that row and all later rows (and losses) are NaN.
    """
    B = _check_batch_size(batch_size)
    if not (isinstance(lr, (int, float, np.floating)) and math.isfinite(lr) and lr >= 0):
        raise ValueError(f"lr must be a finite number >= 0, got {lr!r}.")
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}.")
    path = np.full((steps + 1, 2), np.nan)
    w, b = (float(v) for v in start)
    path[0] = w, b
    with np.errstate(over="ignore", invalid="ignore"):
        for t, (gw, gb) in enumerate(_batch_gradients(B, steps, seed, path), start=1):
            w, b = w - lr * gw, b - lr * gb
            if not (abs(w) < DIVERGENCE_RADIUS and abs(b) < DIVERGENCE_RADIUS):
                break  # diverged: rows t.. stay NaN
            path[t] = w, b
    return path, loss(path[:, 0], path[:, 1])


def _batch_gradients(B: int, steps: int, seed: int, path: np.ndarray):
    """Yield ``steps`` mini-batch gradients (dL/dw, dL/db), each at the latest row of ``path``.

    Batches of shuffled epochs from :func:`nbcode.data.batches`; for ``B = N`` every batch is the
    whole data set, whose gradient the five means give without touching the data.
    """
    if B == N:
        for t in range(steps):
            yield full_gradient(path[t])
        return
    gen = np.random.default_rng(seed)
    t = 0
    while True:
        for xb, yb in data.batches(LINE_X, LINE_Y, B, rng=gen):
            if t == steps:
                return
            w, b = path[t]
            e = w * xb + b - yb  # residuals of this batch
            yield 2.0 * float(np.mean(e * xb)), 2.0 * float(np.mean(e))
            t += 1


def describe(batch_size: int, lr: float, losses: np.ndarray) -> str:
    """A title for a path: its batch size, learning rate and final loss, or where it diverged."""
    bad = np.flatnonzero(~np.isfinite(losses))
    head = f"B = {batch_size}, lr = {lr:.3g}: "
    if bad.size:
        return head + f"diverged after {int(bad[0])} steps"
    steps = len(losses) - 1
    trend = " (growing)" if steps > 0 and losses[-1] > losses[0] else ""
    return head + f"loss {float(losses[-1]):.3g} after {steps} steps{trend}"


# --------------------------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------------------------

def _minimum() -> tuple[float, float]:
    """The least-squares line (w*, b*) of the fixed data, from the normal equations."""
    w_star = (_SXY - _SX * _SY) / (_SXX - _SX * _SX)
    return w_star, _SY - w_star * _SX


def _draw_surface(ax) -> dict:
    """Contours, minimum, the (empty) SGD path and the arrows at the start; returns the movers."""
    from matplotlib.ticker import MaxNLocator

    W, Bg = np.meshgrid(np.linspace(*XLIM, 120), np.linspace(*YLIM, 120))
    Z = loss(W, Bg)
    f_min = float(loss(*_minimum()))
    ax.contour(W, Bg, Z, levels=f_min + np.geomspace(0.1, float(Z.max() - f_min), 12), colors="0.6", linewidths=0.8)
    # the star is redrawn each frame too, so that it stays on top of path and arrows
    (star,) = ax.plot(*_minimum(), marker="*", color="k", markersize=12, linestyle="none", label="minimum", zorder=5)
    (path,) = ax.plot([], [], "-o", color="tab:red", markersize=2, linewidth=1.0, label="SGD path")
    zeros = np.zeros(ARROWS)
    arrows = ax.quiver(np.full(ARROWS, START[0]), np.full(ARROWS, START[1]), zeros, zeros, color="tab:blue",
                       alpha=0.55, angles="xy", scale_units="xy", scale=1.0, width=0.006, label="mini-batch -g")
    full = ax.quiver([START[0]], [START[1]], [0.0], [0.0], color="k", angles="xy", scale_units="xy", scale=1.0,
                     width=0.009, label="full -g", zorder=4)
    ax.set_xlim(*XLIM)
    ax.set_ylim(*YLIM)
    ax.set_xlabel("slope w")
    ax.set_ylabel("intercept b")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(5))
    title = ax.set_title("", fontsize=9)
    return dict(star=star, path=path, arrows=arrows, full=full, title=title)


def _draw_loss(ax) -> dict:
    """Full-data MSE along this batch size's path and the full-batch one; returns the movers."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

    f_min = float(loss(*_minimum()))
    steps = np.arange(STEPS + 1)
    ax.axhline(f_min, color="k", linestyle="--", linewidth=1, label=f"minimum {f_min:.3g}")
    (gd_line,) = ax.plot(steps, steps * np.nan, color="0.6", linewidth=1.2, label="full batch (B = N)")
    (loss_line,) = ax.plot(steps, steps * np.nan, color="tab:red", linewidth=1.2, label="this batch size")
    ax.set_yscale("log")
    # a few fixed, plainly labelled ticks and no minor ones: text is the slow part of a frame
    ax.yaxis.set_major_locator(FixedLocator([1, 2, 5, 10, 20, 50, 100]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlim(0, STEPS)
    ax.set_ylim(0.7 * f_min, 3 * float(loss(*START)))
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.set_xlabel("step (one mini-batch each)")
    ax.set_ylabel("MSE on all N points")
    title = ax.set_title("", fontsize=9)
    return dict(gd_line=gd_line, loss_line=loss_line, title=title)


def draw(fig):
    """Draw the figure (gradients and path over the surface, loss curves) and return its Scene.

    The controls are ``batch_size``, ``lr`` and ``seed``; none changes an axis, so there is one
    background. ``update`` returns a dict: the sampled ``gradients`` (ARROWS, 2), the
    ``full_gradient``, their mean squared ``spread`` and its exact expectation ``noise``, the SGD
    ``path`` and its ``losses``, and the ``full_batch_losses`` of plain gradient descent.
    """
    from ._core import Scene

    ax_surf, ax_loss = fig.subplots(1, 2, width_ratios=(1.15, 1.0))
    surf, curves = _draw_surface(ax_surf), _draw_loss(ax_loss)
    # one legend under both panels, where no path or curve reaches it: it stays in the background
    handles, labels = (sum(pair, []) for pair in zip(*(ax.get_legend_handles_labels() for ax in (ax_surf, ax_loss))))
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8)

    def update(batch_size: int = 16, lr: float = 0.05, seed: int = 0) -> dict:
        grads, g = sample_gradients(batch_size, START, ARROWS, seed)
        spread, noise = float(np.mean(np.sum((grads - g) ** 2, axis=1))), gradient_noise(batch_size)
        path, losses = sgd_path(batch_size, lr, STEPS, seed)
        full_batch_losses = sgd_path(N, lr, STEPS, seed)[1]
        surf["arrows"].set_UVC(-ARROW_SCALE * grads[:, 0], -ARROW_SCALE * grads[:, 1])
        surf["full"].set_UVC([-ARROW_SCALE * g[0]], [-ARROW_SCALE * g[1]])
        surf["title"].set_text(f"B = {batch_size}: mean |g_B - g|^2 = {spread:.3g} over {ARROWS} batches "
                               f"(exact {noise:.3g})")
        # a diverged path holds NaN rows: matplotlib leaves a gap there
        surf["path"].set_data(path[:, 0], path[:, 1])
        curves["loss_line"].set_ydata(losses)
        curves["gd_line"].set_ydata(full_batch_losses)
        curves["title"].set_text(describe(batch_size, lr, losses))
        return dict(gradients=grads, full_gradient=g, spread=spread, noise=noise, path=path, losses=losses,
                    full_batch_losses=full_batch_losses)

    return Scene(fig, update, lambda: [*surf.values(), *curves.values()])


def minibatch_explorer(batch_size: int = 16, lr: float = 0.05, seed: int = 0):
    """Live figure: batch-size, learning-rate and seed controls; returns a LiveFigure.

    ``view.scene.result`` is the last result of the scene's update (see :func:`draw`).
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    controls = {
        "batch_size": control(widgets.SelectionSlider, batch_size, "minibatch_explorer", "batch_size", options=list(BATCH_SIZES), description="batch size"),
        "lr": control(widgets.FloatLogSlider, lr, "minibatch_explorer", "lr", base=10, min=-3, max=0, step=0.05, description="lr",
                                     readout_format=".3g", continuous_update=False),
        "seed": control(widgets.IntSlider, seed, "minibatch_explorer", "seed", min=0, max=20, description="seed"),
    }
    return LiveFigure(draw(new_figure(9.0, 4.2)), controls, columns=3)


def minibatch_scrubber(lr: float = 0.05, seed: int = 0, *, dpi: int | None = None):
    """Static version: the same figure for the batch sizes 1, 2, 4, ..., N (lr and seed fixed), opening on 16."""
    from ._core import new_figure, scrubber

    return scrubber(draw(new_figure(9.0, 4.2, dpi)), "batch_size", BATCH_SIZES, fixed={"lr": lr, "seed": seed},
                    fmt=str, initial=BATCH_SIZES.index(16),
                    title=f"Mini-batch gradients at the start and {STEPS} SGD steps (lr = {lr:g})",
                    alt=f"Two panels of mini-batch gradient descent on the line-fitting loss (lr = {lr:g}, seed {seed}), "
                    "one batch size per frame. Left, loss contours over w and b with, at the start, arrows of minus "
                    f"the gradient of {ARROWS} sampled batches (blue) around the full gradient (black), and the "
                    f"{STEPS} steps' path in red towards the minimum (a star); right, the full-data mean squared "
                    "error along the path (log scale) against full-batch descent (grey). As the batch grows the fan "
                    "of arrows closes and the path's jitter near the minimum shrinks; at the full batch it is plain "
                    "gradient descent.")
