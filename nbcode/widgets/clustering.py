"""Interactive figure of the clustering appendix: Lloyd's k-means iterations on the survey.

The data are the synthetic study-habits survey of :func:`nbcode.cluster.survey` (300
respondents, 10 Likert answers, 4 latent groups; seed :data:`SEED`). k-means runs in the full
10-dimensional answer space; the figure shows it in the plane of the first two principal
components (:func:`nbcode.cluster.pca`), where the 10-D centroids are projected the same way.

Compute (NumPy only, tested):

* :func:`kmeans_history` ``(X, k, iters, seed, init)``: ``iters`` Lloyd iterations from a start
  drawn with ``numpy.random.default_rng(seed)`` (k-means++ or random), the whole history
  (centroids, labels, inertia per iteration), computed once per setting and cached, so that
  moving the iteration slider only looks results up. With k-means++ and a fixed seed the
  starts are nested: the start for k + 1 is the start for k plus one centroid.
* :func:`kmeans_frame` ``(k, iteration, seed, init)``: what the picture shows at one setting:
  labels, projected centroids and their paths so far, the inertia and the iteration at which
  the labels stopped changing.
* :func:`elbow_values` ``(iteration, seed, init)``: the inertia after ``iteration`` iterations for
  k = 1 .. :data:`K_MAX` (the inset).

View (thin): :func:`draw` draws the figure once and returns its Scene; :func:`kmeans_explorer`
(k and iteration sliders, start and seed controls) and :func:`kmeans_scrubber` (the static
version over the iterations at k = 4) render it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from .. import cluster

__all__ = [
    "SEED", "START_SEED", "K_MAX", "ITERS", "TRUE_K", "PALETTE",
    "survey_data", "survey_pca", "kmeans_history", "clear_cache", "kmeans_frame", "elbow_values",
    "draw", "kmeans_explorer", "kmeans_scrubber",
]

#: Seed of the synthetic survey every figure of this module shows.
SEED = 0
#: Default seed of the k-means start (a k-means++ start that needs six iterations at k = 4).
START_SEED = 2
#: Largest k the slider offers; the number of Lloyd iterations it offers.
K_MAX, ITERS = 8, 10
#: Number of latent groups the survey was generated from.
TRUE_K = len(cluster.SURVEY_GROUPS)
#: One colour per cluster (matplotlib's tab10), as RGBA rows.
#:
#: :meta hide-value:
PALETTE = np.array([
    (0.122, 0.467, 0.706, 1.0), (1.000, 0.498, 0.055, 1.0), (0.173, 0.627, 0.173, 1.0), (0.839, 0.153, 0.157, 1.0),
    (0.580, 0.404, 0.741, 1.0), (0.549, 0.337, 0.294, 1.0), (0.890, 0.467, 0.761, 1.0), (0.498, 0.498, 0.498, 1.0),
])


@lru_cache(maxsize=1)
def survey_data() -> cluster.Survey:
    """The survey of the chapter: ``nbcode.cluster.survey(300, rng=np.random.default_rng(SEED))``."""
    result = cluster.survey(300, rng=np.random.default_rng(SEED))
    result.answers.setflags(write=False)
    return result


@lru_cache(maxsize=1)
def survey_pca() -> cluster.PCAResult:
    """Its first two principal components (the plane of the picture)."""
    return cluster.pca(survey_data().answers, n_components=2)


_HISTORIES: dict[tuple, cluster.LloydHistory] = {}


def _key(X: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(X, dtype=np.float64).tobytes()).hexdigest() + str(X.shape)


def kmeans_history(X, k: int, iters: int = ITERS, seed: int = START_SEED, init: str = "k-means++") -> cluster.LloydHistory:
    """``iters`` Lloyd iterations on ``X`` from a ``init`` start drawn with ``default_rng(seed)``.

    Returns :class:`nbcode.cluster.LloydHistory` (``centroids[t]``, ``labels[t]``, ``inertia[t]``
    for t = 0 .. iters). Cached per ``(X, k, iters, seed, init)``: the arrays are read-only.
    """
    X = np.asarray(X, dtype=np.float64)
    key = (_key(X), int(k), int(iters), int(seed), init)
    hit = _HISTORIES.get(key)
    if hit is None:
        start = cluster.initial_centroids(X, int(k), init, np.random.default_rng(int(seed)))
        hit = cluster.lloyd(X, start, int(iters))
        for array in hit:
            array.setflags(write=False)
        _HISTORIES[key] = hit
    return hit


def clear_cache() -> None:
    """Forget every cached history (for timing a cold start)."""
    _HISTORIES.clear()
    _projected_paths.cache_clear()


def _converged_at(labels: np.ndarray) -> int | None:
    """First iteration t >= 1 whose labels equal those of t - 1 (nothing moves after it), or None."""
    same = np.all(labels[1:] == labels[:-1], axis=1)
    hits = np.flatnonzero(same)
    return int(hits[0]) + 1 if hits.size else None


def kmeans_frame(k: int, iteration: int, seed: int = START_SEED, init: str = "k-means++") -> dict:
    """What the figure shows at one setting, on the survey.

    Returns ``labels`` (300,), ``centroids`` (k, 2) and ``paths`` (iteration + 1, k, 2) in the
    principal-component plane, the ``inertia`` at this iteration (in the full 10-D space) and
    ``converged_at`` (first iteration whose labels equal the previous ones, or None within ITERS).
    """
    if not 1 <= int(k) <= K_MAX or not 0 <= int(iteration) <= ITERS:
        raise ValueError(f"kmeans_frame: k must lie in 1..{K_MAX} and iteration in 0..{ITERS}, got {k} and {iteration}.")
    history = kmeans_history(survey_data().answers, int(k), ITERS, seed, init)
    t = int(iteration)
    projected = _projected_paths(int(k), int(seed), init)
    return {
        "labels": history.labels[t],
        "centroids": projected[t],
        "paths": projected[: t + 1],
        "inertia": float(history.inertia[t]),
        "converged_at": _converged_at(history.labels),
    }


@lru_cache(maxsize=256)
def _projected_paths(k: int, seed: int, init: str) -> np.ndarray:
    history = kmeans_history(survey_data().answers, k, ITERS, seed, init)
    p = survey_pca()
    out = ((history.centroids - p.mean) @ p.components.T)
    out.setflags(write=False)
    return out


def elbow_values(iteration: int = ITERS, seed: int = START_SEED, init: str = "k-means++") -> np.ndarray:
    """The inertia after ``iteration`` Lloyd iterations for k = 1 .. K_MAX (one start each)."""
    X = survey_data().answers
    return np.array([kmeans_history(X, k, ITERS, seed, init).inertia[int(iteration)] for k in range(1, K_MAX + 1)])


def _title(k: int, iteration: int, frame: dict) -> str:
    text = f"k = {k}, iteration {iteration}: inertia {frame['inertia']:.1f}"
    at = frame["converged_at"]
    if at is not None and iteration >= at:
        text += f" (converged at {at})"
    return text


# --------------------------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------------------------
def _draw_plane(ax) -> dict:
    """The survey in the principal-component plane, with a centroid marker and a path per cluster."""
    from matplotlib.ticker import MaxNLocator

    p = survey_pca()
    scores = p.scores
    points = ax.scatter(scores[:, 0], scores[:, 1], s=12, facecolors=PALETTE[np.zeros(len(scores), int)],
                        edgecolors="none", alpha=0.75)
    paths = [ax.plot([], [], "-o", color=PALETTE[j], markersize=3, linewidth=1.4, markeredgecolor="k",
                     markeredgewidth=0.4, zorder=3)[0] for j in range(K_MAX)]
    centroids = ax.scatter(np.zeros(1), np.zeros(1), marker="X", s=140, facecolors=PALETTE[:1], edgecolors="k",
                           linewidths=1.2, zorder=4)
    pad = 0.08 * (scores.max(axis=0) - scores.min(axis=0))
    ax.set_xlim(scores[:, 0].min() - pad[0], scores[:, 0].max() + pad[0])
    ax.set_ylim(scores[:, 1].min() - pad[1], scores[:, 1].max() + pad[1])
    r1, r2 = p.explained_variance_ratio
    ax.set_xlabel(f"principal component 1 ({100 * r1:.0f}% of variance)")
    ax.set_ylabel(f"principal component 2 ({100 * r2:.0f}%)")
    for axis in (ax.xaxis, ax.yaxis):  # few tick labels: text is the slow part of a frame
        axis.set_major_locator(MaxNLocator(5))
    return dict(points=points, paths=paths, centroids=centroids, title=ax.set_title(" ", fontsize=10))


def _draw_elbow(ax) -> dict:
    """The inset: inertia over k after ITERS iterations, a marker at the current setting (an upward
    triangle at the top edge when the current inertia is above the k = 1 scale)."""
    from matplotlib.ticker import MaxNLocator

    ks = np.arange(1, K_MAX + 1)
    (line,) = ax.plot(ks, np.zeros(K_MAX), "o-", color="0.35", markersize=4)
    (marker,) = ax.plot([1], [0.0], "o", color="tab:red", markersize=8)
    ax.axvline(TRUE_K, color="0.6", linestyle=":", linewidth=1.2)
    answers = survey_data().answers
    ax.set_ylim(0, 1.05 * float(cluster.inertia(answers, answers.mean(axis=0, keepdims=True))))  # k = 1 on top
    ax.set_xticks(ks)
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("inertia")
    ax.set_title(f"after {ITERS} iterations (red: now)", fontsize=9)
    return dict(line=line, marker=marker)


def draw(fig):
    """Draw the figure and return its Scene: ``update(k, iteration, seed, init)``.

    Axes, ticks and labels are the one background; the points' colours, the centroids and their
    paths, the title and the inset's curve and marker move. ``update`` returns the
    :func:`kmeans_frame` of the setting with ``k``, ``iteration`` and the ``elbow`` values.
    """
    from ._core import Scene

    ax, ax_elbow = fig.subplots(1, 2, width_ratios=(2.2, 1.0))
    plane, elbow = _draw_plane(ax), _draw_elbow(ax_elbow)

    def update(k: int = TRUE_K, iteration: int = 0, seed: int = START_SEED, init: str = "k-means++") -> dict:
        k, iteration = int(k), int(iteration)
        frame = kmeans_frame(k, iteration, seed, init)
        plane["points"].set_facecolors(PALETTE[frame["labels"]])
        plane["centroids"].set_offsets(frame["centroids"])
        plane["centroids"].set_facecolors(PALETTE[:k])
        for j, line in enumerate(plane["paths"]):  # one line per possible cluster; the unused ones empty
            path = frame["paths"][:, j] if j < k else np.empty((0, 2))
            line.set_data(path[:, 0], path[:, 1])
        plane["title"].set_text(_title(k, iteration, frame))
        curve = elbow_values(ITERS, seed, init)
        elbow["line"].set_ydata(curve)
        # at iteration 0 a start can be worse than k = 1 (the axis top): pin the marker to the top
        # edge as an upward triangle instead of letting it leave the chart
        top = 0.98 * ax_elbow.get_ylim()[1]
        off_scale = frame["inertia"] > top
        elbow["marker"].set_data([k], [min(frame["inertia"], top)])
        elbow["marker"].set_marker("^" if off_scale else "o")
        return {**frame, "k": k, "iteration": iteration, "elbow": curve}

    def moving() -> list:
        return [plane["points"], *plane["paths"], plane["centroids"], plane["title"], elbow["line"], elbow["marker"]]

    return Scene(fig, update, moving)


_SIZE = (8.6, 3.9)


def kmeans_explorer(k: int = TRUE_K, iteration: int = 0, seed: int = START_SEED, init: str = "k-means++", *, dpi: int = 80):
    """Live figure: k (1..8) and iteration (0..10) sliders, start (k-means++ / random) and seed; returns the LiveFigure."""
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    controls = {
        "k": control(widgets.IntSlider, k, "kmeans_explorer", "k", min=1, max=K_MAX, description="k"),
        "iteration": control(widgets.IntSlider, iteration, "kmeans_explorer", "iteration", min=0, max=ITERS, description="iteration"),
        "init": control(widgets.Dropdown, init, "kmeans_explorer", "init", options=["k-means++", "random"], description="start"),
        "seed": control(widgets.IntSlider, seed, "kmeans_explorer", "seed", min=0, max=9, description="start seed"),
    }
    return LiveFigure(draw(new_figure(*_SIZE, dpi=dpi)), controls)


def kmeans_scrubber(k: int = TRUE_K, seed: int = START_SEED, init: str = "k-means++", dpi: int | None = None):
    """Static version: the same figure at iterations 0 .. ITERS for one k and one start."""
    from ._core import new_figure, scrubber

    return scrubber(draw(new_figure(*_SIZE, dpi=dpi)), "iteration", range(ITERS + 1),
                    fixed=dict(k=k, seed=seed, init=init), fmt=str, initial=0,
                    title=f"Lloyd's iterations, k = {k}, {init} start (seed {seed})",
                    alt=f"Two panels of Lloyd's algorithm with k = {k} from a {init} start on the survey. Left, the "
                    "students on the first two principal components, coloured by their current cluster, each centroid "
                    "a cross with the path it has walked, the iteration and the inertia in the title; right, the "
                    "inertia after the last iteration against k, with a red dot at the current inertia. As the "
                    "iterations go on, the centroids walk towards the centres of the clouds, the colours settle and "
                    "the red dot drops onto the curve.")
