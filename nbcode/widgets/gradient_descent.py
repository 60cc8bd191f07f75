"""Gradient descent on the loss surface of a two-parameter linear regression.

The model is a line ``y_hat = w x + b`` fitted to a fixed noisy line by mean squared error. Its
loss over the two parameters ``(w, b)`` is a quadratic bowl::

    L(w, b) = mean((w x + b - y)^2)
            = w^2 <x^2> + 2 w b <x> + b^2 - 2 w <xy> - 2 b <y> + <y^2>,

where ``<.>`` is the mean over the data, so five numbers (the data's sufficient statistics)
give the loss and its gradient anywhere, on a whole grid at once. Its Hessian is the constant
matrix ``H = 2 [[<x^2>, <x>], [<x>, 1]]``, and plain gradient descent converges exactly when
``0 < lr < 2 / lambda_max(H)`` (the *critical* learning rate).

:func:`gd_path` moves ``(w, b)`` with the library's own :class:`nbcode.optim.SGD` (through
:func:`nbcode.landscapes.run_optimizer`), so the picture shows exactly the rule the book uses.
:func:`draw` draws the surface and loss panels once and returns the
:class:`~nbcode.widgets.Scene` (its update moves the path, the loss curve and the title);
:func:`gd_explorer` is the live figure (learning-rate and step sliders), and :func:`gd_scrubber`
its static version over log-spaced learning rates.

Compute functions use NumPy only; matplotlib and ipywidgets are imported inside the views.
"""

from __future__ import annotations

import math

import numpy as np

from .. import data, landscapes
from ..landscapes import Surface

__all__ = [
    "SEED",
    "LINE",
    "START",
    "line_data",
    "mse_surface",
    "hessian",
    "critical_lr",
    "gd_path",
    "describe",
    "lr_values",
    "draw",
    "gd_explorer",
    "gd_scrubber",
]

#: Seed of the fixed noisy line every figure of this module uses.
SEED = 0
#: ``noisy_line`` settings: 50 points of y = 2 x + 1 + N(0, 1) with x in [0, 4]. The inputs are
#: not centred (mean 2), so w and b are coupled and the bowl is a tilted, elongated valley.
LINE = dict(n=50, slope=2.0, intercept=1.0, noise=1.0, x_range=(0.0, 4.0))
#: Where every path starts, a poor line high on the side of the valley.
START = (-1.0, 7.0)
#: A path that leaves this disc around the origin of (w, b) counts as diverged.
DIVERGENCE_RADIUS = 1e3


def line_data(seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The fixed noisy line: ``x`` and ``y`` of shape (50, 1) (``nbcode.data.noisy_line``)."""
    return data.noisy_line(rng=np.random.default_rng(seed), **LINE)


def _moments(x, y) -> tuple[float, float, float, float, float]:
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"x and y need the same number of values (at least one), got {x.size} and {y.size}.")
    return (float(x.mean()), float((x * x).mean()), float(y.mean()), float((x * y).mean()), float((y * y).mean()))


def hessian(x) -> np.ndarray:
    """The (constant) Hessian of the MSE over (w, b): ``2 [[<x^2>, <x>], [<x>, 1]]``."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("hessian needs at least one input value.")
    sx, sxx = float(x.mean()), float((x * x).mean())
    return 2.0 * np.array([[sxx, sx], [sx, 1.0]])


def critical_lr(x) -> float:
    """``2 / lambda_max`` of the Hessian: gradient descent on this MSE converges iff 0 < lr < this."""
    return float(2.0 / np.linalg.eigvalsh(hessian(x))[-1])


def mse_surface(x, y, start: tuple[float, float] = START) -> Surface:
    """The MSE of the line ``w x + b`` on data ``(x, y)`` as a :class:`nbcode.landscapes.Surface` over (w, b).

    ``value`` and ``gradient`` use only the five means of the data, so they work on Python
    floats (fast paths) and on whole grids (contours) alike:
    ``dL/dw = 2 (w <x^2> + b <x> - <xy>)``, ``dL/db = 2 (w <x> + b - <y>)``.
    The plotting window holds the minimiser and ``start``.
    """
    sx, sxx, sy, sxy, syy = _moments(x, y)
    det = sxx - sx * sx
    if not det > 1e-12:
        raise ValueError("all x values are equal, so the slope is undetermined; pass inputs that vary.")
    w_star = (sxy - sx * sy) / det  # the normal equations [[<x^2>, <x>], [<x>, 1]] (w, b) = (<xy>, <y>)
    b_star = sy - w_star * sx

    def value(w, b):
        return w * w * sxx + 2 * w * b * sx + b * b - 2 * w * sxy - 2 * b * sy + syy

    def gradient(w, b):
        return 2 * (w * sxx + b * sx - sxy), 2 * (w * sx + b - sy)

    ws, bs = (w_star, float(start[0])), (b_star, float(start[1]))
    pad_w = 0.6 * (max(ws) - min(ws)) + 1.0
    pad_b = 0.6 * (max(bs) - min(bs)) + 1.0
    return Surface(
        name="line_mse",
        formula=r"L(w, b) = \frac{1}{N}\sum_i (w x_i + b - y_i)^2",
        value=value,
        gradient=gradient,
        minimum=(w_star, b_star),
        default_start=(float(start[0]), float(start[1])),
        xlim=(min(ws) - pad_w, max(ws) + pad_w),
        ylim=(min(bs) - pad_b, max(bs) + pad_b),
    )


LINE_X, LINE_Y = line_data()
SURFACE = mse_surface(LINE_X, LINE_Y)
CRITICAL_LR = critical_lr(LINE_X)


def gd_path(lr: float, steps: int, start: tuple[float, float] = START, surface: Surface | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Plain gradient descent ``theta <- theta - lr * grad L`` on the line's MSE surface.

    Returns ``(path, losses)``: ``path`` (steps + 1, 2) holds (w, b) after each step (row 0 is
    ``start``), ``losses`` (steps + 1,) the MSE there. Once the path leaves a disc of radius
    ``DIVERGENCE_RADIUS`` it has diverged: that row and all later ones (and their losses) are NaN.
    The update is :class:`nbcode.optim.SGD` via :func:`nbcode.landscapes.run_optimizer`.
    """
    surface = SURFACE if surface is None else surface
    path = landscapes.run_optimizer(surface, "sgd", lr, int(steps), start=start, divergence_radius=DIVERGENCE_RADIUS)
    losses = surface.f(path)
    return path, losses


def describe(lr: float, losses: np.ndarray) -> str:
    """A title for a path: its learning rate and final loss, or the step at which it diverged."""
    steps = len(losses) - 1
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        return f"lr = {lr:.3g}: diverged after {int(bad[0])} steps"
    final = float(losses[-1])
    trend = " (growing)" if steps > 0 and final > losses[0] else ""
    return f"lr = {lr:.3g}: loss {final:.3g} after {steps} steps{trend}"


def lr_values(n: int = 20, low: float = 1e-3, high_factor: float = 2.0) -> np.ndarray:
    """``n`` log-spaced learning rates from ``low`` to ``high_factor`` x the critical one."""
    return np.geomspace(low, high_factor * CRITICAL_LR, n)


# --------------------------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------------------------

def _draw_surface(ax, surface: Surface):
    """Contours of the MSE over (w, b), the minimum and the start; returns the (empty) path line."""
    from matplotlib.ticker import MaxNLocator

    X, Y, Z = surface.grid(160)
    levels = surface.f_min + np.geomspace(0.05, float(Z.max() - surface.f_min), 14)
    ax.contour(X, Y, Z, levels=levels, colors="0.55", linewidths=0.8)
    ax.plot(*surface.minimum, marker="*", color="k", markersize=12, linestyle="none", label="minimum")
    ax.plot(*surface.default_start, marker="o", color="tab:red", markersize=6, linestyle="none", label="start")
    (path_line,) = ax.plot([], [], "-o", color="tab:red", markersize=2.5, linewidth=1.2)
    ax.set_xlim(*surface.xlim)
    ax.set_ylim(*surface.ylim)
    ax.set_xlabel("slope w")
    ax.set_ylabel("intercept b")
    ax.legend(loc="lower left", fontsize=8)
    for axis in (ax.xaxis, ax.yaxis):  # few tick labels: text is the slow part of a frame
        axis.set_major_locator(MaxNLocator(5))
    return path_line


def _draw_loss(ax, surface: Surface, max_steps: int):
    """The MSE along the path on a fixed log scale (so the background never changes); returns its line."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    f_min = surface.f_min
    ax.axhline(f_min, color="k", linestyle="--", linewidth=1, label=f"minimum {f_min:.3g}")
    (loss_line,) = ax.plot([], [], color="tab:red", linewidth=1.5, label="gradient descent")
    ax.set_yscale("log")
    # Plain tick labels ("1", "10", "100"): cheaper to draw than mathtext powers of ten.
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(0, max_steps)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.set_ylim(0.5 * f_min, 30 * float(surface.f(*surface.default_start)))
    ax.set_xlabel("step")
    ax.set_ylabel("MSE")
    ax.set_title(f"critical lr = 2 / lambda_max = {CRITICAL_LR:.3f}", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    return loss_line


def draw(fig, max_steps: int = 100):
    """Draw the figure (surface and loss panels) and return its Scene; the controls are lr and steps.

    Both panels' axes are fixed (a diverging loss curve leaves the top of its axis), so only the
    path, the loss curve and the title move. ``update`` returns :func:`gd_path`'s
    ``(path, losses)``.
    """
    from ._core import Scene

    ax_surf, ax_loss = fig.subplots(1, 2, width_ratios=(1.15, 1.0))
    path_line = _draw_surface(ax_surf, SURFACE)
    loss_line = _draw_loss(ax_loss, SURFACE, max_steps)
    title = ax_surf.set_title("", fontsize=10)

    def update(lr: float = 0.05, steps: int = 50) -> tuple[np.ndarray, np.ndarray]:
        path, losses = gd_path(lr, steps)
        # a diverged path holds NaN rows: matplotlib leaves a gap there
        path_line.set_data(path[:, 0], path[:, 1])
        loss_line.set_data(np.arange(len(losses)), losses)
        title.set_text(describe(lr, losses))
        return path, losses

    return Scene(fig, update, lambda: [path_line, loss_line, title])


def gd_explorer(lr: float = 0.05, steps: int = 50, max_steps: int = 100):
    """Live figure: learning-rate (log) and step sliders over the (w, b) loss surface; returns a LiveFigure.

    ``view.scene.result`` is the last ``(path, losses)``.
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    controls = {
        "lr": control(widgets.FloatLogSlider, lr, "gd_explorer", "lr", base=10, min=-3, max=math.log10(2 * CRITICAL_LR), step=0.05,
                                     description="lr", readout_format=".3g"),
        "steps": control(widgets.IntSlider, steps, "gd_explorer", "steps", min=1, max=max_steps, description="steps"),
    }
    return LiveFigure(draw(new_figure(8.4, 3.5), max_steps), controls)


def gd_scrubber(steps: int = 60, n: int = 16, *, dpi: int | None = None):
    """Static version: the same figure at ``n`` log-spaced learning rates from 0.001 to 2 x critical."""
    from ._core import new_figure, scrubber

    values = lr_values(n)
    return scrubber(draw(new_figure(8.4, 3.5, dpi), max_steps=steps), "lr", values, fixed={"steps": steps},
                    title=f"Gradient descent paths after {steps} steps",
                    alt=f"Two panels of {steps} gradient-descent steps on the line-fitting loss, one learning rate per "
                    "frame. Left, the path over the loss contours towards the minimum (a star); right, the mean "
                    "squared error per step on a log scale above the dashed minimum. The smallest rates barely leave "
                    "the start, middle rates reach the valley floor and zig-zag more as they near the critical rate, "
                    "and above it the path flies out of the picture.",
                    initial=int(np.argmin(np.abs(values - 0.5 * CRITICAL_LR))))
