"""Figure helpers shared by the chapters: decision regions, loss curves, paths, histograms.

Each helper draws onto a matplotlib ``Axes`` it is given and returns the artists it made, so a
widget can keep them and update them in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def decision_regions(
    ax,
    predict: Callable[[np.ndarray], np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    n: int = 200,
    cmap: str = "RdBu_r",
    levels: Sequence[float] = (0.5,),
):
    """Shade ``predict`` (probabilities in [0, 1], one per point) over a grid and draw its 0.5 contour.

    Returns ``(image, contour)``; update the image with ``image.set_data(...)``.
    """
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    xx, yy = np.meshgrid(xs, ys)
    z = np.asarray(predict(np.column_stack([xx.ravel(), yy.ravel()]))).reshape(n, n)
    image = ax.imshow(z, origin="lower", extent=(*xlim, *ylim), cmap=cmap, vmin=0.0, vmax=1.0, alpha=0.55, aspect="auto")
    contour = ax.contour(xx, yy, z, levels=list(levels), colors="k", linewidths=1.5)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return image, contour


def scatter_classes(ax, X: np.ndarray, y: np.ndarray, *, labels: Mapping[int, str] | None = None, **kwargs):
    """Scatter 2-D points coloured by integer class; returns the list of PathCollections."""
    artists = []
    for k in np.unique(y):
        mask = y == k
        label = (labels or {}).get(int(k), f"class {int(k)}")
        artists.append(
            ax.scatter(X[mask, 0], X[mask, 1], s=kwargs.get("s", 30), c=CLASS_COLORS[int(k) % len(CLASS_COLORS)],
                       edgecolors="k", linewidths=0.5, label=label)
        )
    return artists


def loss_curves(ax, histories: Mapping[str, Mapping[str, Sequence[float]]], key: str = "loss", *, log: bool = False):
    """One line per named history (e.g. ``{"SGD": hist.history, ...}``) of ``key`` against epoch."""
    lines = []
    for name, history in histories.items():
        values = history[key]
        (line,) = ax.plot(np.arange(1, len(values) + 1), values, label=name)
        lines.append(line)
    ax.set_xlabel("epoch")
    ax.set_ylabel(key.replace("_", " "))
    if log:
        ax.set_yscale("log")
    ax.legend()
    return lines


def surface_contours(ax, f: Callable[[np.ndarray, np.ndarray], np.ndarray], xlim, ylim, *, n: int = 200, levels: int | Sequence[float] = 30, log: bool = True):
    """Contour lines of a 2-D function ``f(x, y)`` (log-spaced levels suit steep valleys)."""
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    xx, yy = np.meshgrid(xs, ys)
    zz = f(xx, yy)
    if log and isinstance(levels, int):
        low = max(float(np.min(zz)), 0.0)
        span = float(np.max(zz)) - low
        levels = low + np.geomspace(max(span * 1e-4, 1e-12), max(span, 1e-12), levels)
    contour = ax.contour(xx, yy, zz, levels=levels, cmap="viridis", linewidths=0.8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    return contour


def layer_histograms(axes, values: Sequence[np.ndarray], *, bins: int | np.ndarray = 30, range: tuple[float, float] | None = None, title: str = "layer"):
    """One histogram per layer on a row of axes; returns the bar containers (one per axes)."""
    containers = []
    for i, (ax, v) in enumerate(zip(axes, values)):
        _, _, bars = ax.hist(np.ravel(v), bins=bins, range=range, color="#1f77b4")
        ax.set_title(f"{title} {i + 1}")
        ax.set_yticks([])
        containers.append(bars)
    return containers
