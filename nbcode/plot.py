"""Figure helpers for the chapters' static figures: decision regions and labelled scatter plots.

Each helper draws onto a matplotlib ``Axes`` it is given and returns the artists it made. (The
interactive figures draw through :mod:`nbcode.widgets`, not through these.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

__all__ = ["CLASS_COLORS", "decision_regions", "scatter_classes"]

#: The colour of each integer class label (tab10's ten colours, red second); class k gets ``CLASS_COLORS[k % 10]``.
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
