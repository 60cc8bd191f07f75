"""Clustering from scratch: k-means (Lloyd's algorithm, k-means++), the elbow, PCA, hierarchy, scores.

Clustering is *unsupervised*: it groups the rows of ``X`` (``(n_samples, n_features)``) with no
labels to learn from. This module is the NumPy-only library of the clustering appendix.

* Data: :func:`survey`, a seeded *synthetic* study-habits survey (Likert answers 1..5 from a few
  latent groups of students), documented below.
* k-means: :func:`assign` (each point to its nearest centroid), :func:`update_centroids` (each
  centroid to the mean of its points), :func:`inertia` (the within-cluster sum of squares),
  :func:`lloyd` (a fixed number of iterations, with the whole history, for pictures) and
  :func:`kmeans` (to convergence, best of ``n_init`` starts). Starts: :func:`random_init`
  (k distinct data points) and :func:`kmeans_plus_plus` (Arthur and Vassilvitskii, 2007).
* The number of clusters: :func:`elbow_curve` (best inertia for each k) and :func:`elbow_point`
  (the largest second difference, or the "kneedle" distance below the chord); :func:`silhouette_score`.
* :func:`pca`: principal component analysis via the SVD of the centred data.
* :func:`agglomerative`: agglomerative (hierarchical) clustering with Ward, single, complete or
  average linkage, returning a linkage matrix in SciPy's format; :func:`cut_tree` cuts it at k.
* Comparing partitions: :func:`contingency_matrix` and :func:`adjusted_rand_index`.

Everything that draws random numbers takes ``rng`` (a ``numpy.random.Generator`` or an int seed);
nothing touches NumPy's global random state. Labels are int64 arrays ``0 .. k-1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nbcode._checks import as_rng, positive_int, real_number

__all__ = [
    "SURVEY_QUESTIONS", "SURVEY_GROUPS", "Survey", "survey",
    "squared_distances", "assign", "update_centroids", "inertia",
    "random_init", "kmeans_plus_plus", "initial_centroids",
    "LloydHistory", "lloyd", "KMeansResult", "kmeans",
    "elbow_curve", "elbow_point", "silhouette_score",
    "PCAResult", "pca",
    "agglomerative", "cut_tree",
    "contingency_matrix", "adjusted_rand_index",
]

RNGLike = np.random.Generator | int | None


# ----------------------------------------------------------------------------- the survey
#: The ten statements of the synthetic survey; each is answered 1 (strongly disagree) .. 5 (strongly agree).
SURVEY_QUESTIONS = (
    "I start assignments well before the deadline",
    "I study at the same time every day",
    "I cram the night before an exam",
    "I prefer to study in a group",
    "I explain the material to classmates",
    "I do most of my studying late at night",
    "I solve extra practice problems",
    "I keep detailed handwritten notes",
    "My phone distracts me while I study",
    "I enjoy the subject for its own sake",
)

#: The latent groups, as name -> (what the group is, in words; mean answer to each question).
#:
#: :meta hide-value:
SURVEY_GROUPS = {
    "planners": (
        "start early, keep a fixed timetable, take notes, practise, rarely cram or get distracted",
        (4.6, 4.5, 1.4, 2.2, 2.8, 1.8, 4.2, 4.4, 1.6, 3.6),
    ),
    "social learners": (
        "study in groups and explain to others; middling on everything else",
        (3.0, 2.8, 2.8, 4.7, 4.6, 2.6, 3.0, 2.8, 3.0, 3.6),
    ),
    "crammers": (
        "leave work to the last night, study late, get distracted, enjoy the subject little",
        (1.5, 1.5, 4.6, 2.6, 2.2, 4.4, 1.8, 2.0, 4.5, 2.0),
    ),
    "solo problem-solvers": (
        "work alone, at night, on extra problems, without notes, because they like the subject",
        (3.0, 2.4, 2.2, 1.4, 2.0, 3.9, 4.7, 1.6, 2.2, 4.7),
    ),
}

#: Default share of respondents in each group (unequal on purpose), in the order of SURVEY_GROUPS.
SURVEY_PROPORTIONS = (0.30, 0.27, 0.23, 0.20)


class Survey(NamedTuple):
    """A synthetic survey: ``answers`` (n, 10) floats in {1..5}, the true ``group`` of each
    respondent (n,) int64, the ``questions`` and the ``group_names`` (index = group number)."""

    answers: np.ndarray
    group: np.ndarray
    questions: tuple[str, ...]
    group_names: tuple[str, ...]


def survey(n: int = 300, *, rng: RNGLike, noise: float = 0.8, style: float = 0.3,
           proportions: Sequence[float] = SURVEY_PROPORTIONS) -> Survey:
    """A SYNTHETIC study-habits survey: ``n`` respondents answer the 10 ``SURVEY_QUESTIONS``.

    Each respondent belongs to one of the latent ``SURVEY_GROUPS`` (group sizes
    ``round(n * proportions)``, the last group takes the rest). An answer is the group's mean
    answer, plus the respondent's own response style (one N(0, ``style``) shift for all ten
    answers: some people agree with everything), plus independent N(0, ``noise``) noise, then
    rounded to a whole number and clipped to 1..5. Rows are shuffled. No real person answered it.
    """
    n = positive_int(n, "survey: n (the number of respondents)", "n=300")
    noise, style = (real_number(v, f"survey: {name} (a standard deviation)", low=0.0, fix=f"e.g. {name}={d}")
                    for name, v, d in (("noise", noise, 0.8), ("style", style, 0.3)))
    p = np.asarray(proportions, dtype=np.float64)
    if p.shape != (len(SURVEY_GROUPS),) or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"survey: proportions must be {len(SURVEY_GROUPS)} non-negative shares summing to 1, got {proportions!r}.")
    gen = as_rng(rng)
    sizes = np.round(n * p[:-1]).astype(int)
    sizes = np.append(sizes, n - sizes.sum())
    if sizes[-1] < 0:
        raise ValueError(f"survey: n = {n} is too small for proportions {proportions!r}.")
    group = np.repeat(np.arange(len(sizes)), sizes)
    profiles = np.array([profile for _, profile in SURVEY_GROUPS.values()])
    raw = profiles[group] + style * gen.standard_normal((n, 1)) + noise * gen.standard_normal((n, profiles.shape[1]))
    answers = np.clip(np.round(raw), 1, 5)
    order = gen.permutation(n)
    return Survey(answers[order], group[order].astype(np.int64), SURVEY_QUESTIONS, tuple(SURVEY_GROUPS))


# ----------------------------------------------------------------------------- checks
def _check_data(X, where: str) -> np.ndarray:
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{where}: X must be numeric, got dtype {X.dtype}.")
    X = X.astype(np.float64, copy=False)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{where}: X must be a non-empty 2-D array (samples, features), got shape {X.shape}; "
                         "reshape a single feature with X.reshape(-1, 1).")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: X contains NaN or infinite values; clean or impute them first.")
    return X


def _check_k(k, n: int, where: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"{where}: k must be a whole number of clusters between 1 and the {n} samples, got {k!r}.")
    return int(k)


def _check_centroids(X: np.ndarray, centroids, where: str) -> np.ndarray:
    C = np.asarray(centroids, dtype=np.float64)
    if C.ndim != 2 or C.shape[1] != X.shape[1] or len(C) == 0:
        raise ValueError(f"{where}: centroids must have shape (k, {X.shape[1]}) to match X of shape {X.shape}, got {C.shape}.")
    if not np.all(np.isfinite(C)):
        raise ValueError(f"{where}: centroids contain NaN or infinite values.")
    return C


# ----------------------------------------------------------------------------- k-means steps
def squared_distances(X, centroids) -> np.ndarray:
    """``D[i, j] = ||x_i - c_j||^2`` (n, k), by broadcasting (exact, no ``a^2 - 2ab + b^2`` cancellation)."""
    X = _check_data(X, "squared_distances")
    C = _check_centroids(X, centroids, "squared_distances")
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


def assign(X, centroids) -> np.ndarray:
    """The assignment step: the index of the nearest centroid for each row (ties go to the lower index)."""
    return np.argmin(squared_distances(X, centroids), axis=1).astype(np.int64)


def update_centroids(X, labels, k: int | None = None, previous=None) -> np.ndarray:
    """The update step: centroid ``j`` becomes the mean of the rows labelled ``j``.

    A cluster with no rows keeps its ``previous`` centroid (an empty cluster has no mean);
    without ``previous`` that is an error. ``k`` defaults to ``len(previous)`` or ``labels.max() + 1``.
    """
    X = _check_data(X, "update_centroids")
    labels = np.asarray(labels)
    if labels.shape != (len(X),) or labels.dtype.kind not in "iu":
        raise ValueError(f"update_centroids: labels must be {len(X)} integers (one per row of X), got shape {labels.shape}.")
    if previous is not None:
        previous = _check_centroids(X, previous, "update_centroids")
    if k is None:
        k = len(previous) if previous is not None else int(labels.max()) + 1
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"update_centroids: labels must lie in 0..{k - 1}, got {labels.min()}..{labels.max()}.")
    centroids = np.empty((k, X.shape[1]))
    for j in range(k):
        members = X[labels == j]
        if len(members):
            centroids[j] = members.mean(axis=0)
        elif previous is not None:
            centroids[j] = previous[j]
        else:
            raise ValueError(f"update_centroids: cluster {j} is empty; pass the previous centroids to keep it in place.")
    return centroids


def inertia(X, centroids, labels=None) -> float:
    """The within-cluster sum of squares ``sum_i ||x_i - c_{label_i}||^2``.

    Without ``labels`` each row counts with its nearest centroid (the best labels for these centroids).
    """
    D = squared_distances(X, centroids)
    if labels is None:
        return float(D.min(axis=1).sum())
    labels = np.asarray(labels)
    if labels.shape != (len(D),):
        raise ValueError(f"inertia: labels must have one entry per row of X ({len(D)}), got shape {labels.shape}.")
    return float(D[np.arange(len(D)), labels].sum())


# ----------------------------------------------------------------------------- starts
def random_init(X, k: int, rng: RNGLike) -> np.ndarray:
    """k distinct rows of ``X`` drawn uniformly at random (Forgy's start)."""
    X = _check_data(X, "random_init")
    k = _check_k(k, len(X), "random_init")
    return X[as_rng(rng).choice(len(X), size=k, replace=False)].copy()


def kmeans_plus_plus(X, k: int, rng: RNGLike) -> np.ndarray:
    """The k-means++ start: the first centroid is a uniformly random row; each next one is a row
    drawn with probability proportional to ``D(x)^2``, its squared distance to the nearest centroid
    chosen so far. (If every row already coincides with a centroid, the draw is uniform.)
    """
    X = _check_data(X, "kmeans_plus_plus")
    k = _check_k(k, len(X), "kmeans_plus_plus")
    gen = as_rng(rng)
    chosen = [int(gen.integers(len(X)))]
    d2 = ((X - X[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        p = d2 / total if total > 0 else np.full(len(X), 1.0 / len(X))
        nxt = int(gen.choice(len(X), p=p))
        chosen.append(nxt)
        d2 = np.minimum(d2, ((X - X[nxt]) ** 2).sum(axis=1))
    return X[chosen].copy()


def initial_centroids(X, k: int, init: str = "k-means++", rng: RNGLike = None) -> np.ndarray:
    """Starting centroids by name: ``"k-means++"`` or ``"random"``."""
    if init == "k-means++":
        return kmeans_plus_plus(X, k, rng)
    if init == "random":
        return random_init(X, k, rng)
    raise ValueError(f"unknown init {init!r}; use 'k-means++', 'random' or pass a (k, features) array of centroids.")


# ----------------------------------------------------------------------------- Lloyd's algorithm
class LloydHistory(NamedTuple):
    """Every state of Lloyd's algorithm: ``centroids[t]`` (k, d) after t iterations (t = 0 is the
    start), ``labels[t]`` the nearest-centroid labels for ``centroids[t]`` and ``inertia[t]`` their
    within-cluster sum of squares (non-increasing in t)."""

    centroids: np.ndarray
    labels: np.ndarray
    inertia: np.ndarray


def lloyd(X, centroids, iters: int) -> LloydHistory:
    """Run exactly ``iters`` iterations (assignment step, then update step) from ``centroids``."""
    X = _check_data(X, "lloyd")
    C = _check_centroids(X, centroids, "lloyd")
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 0:
        raise ValueError(f"lloyd: iters must be a whole number >= 0, got {iters!r}.")
    cs, ls, js = [], [], []
    for t in range(int(iters) + 1):
        D = squared_distances(X, C)
        labels = np.argmin(D, axis=1).astype(np.int64)
        cs.append(C)
        ls.append(labels)
        js.append(float(D[np.arange(len(X)), labels].sum()))
        if t < iters:
            C = update_centroids(X, labels, len(C), previous=C)
    return LloydHistory(np.array(cs), np.array(ls), np.array(js))


class KMeansResult(NamedTuple):
    """``centroids`` (k, d), ``labels`` (n,), final ``inertia``, ``n_iter`` update steps taken,
    ``history`` (the inertia of every centroid set visited, non-increasing) and ``converged``
    (whether the labels stopped changing before ``max_iter``)."""

    centroids: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    history: np.ndarray
    converged: bool


def _lloyd_until_stable(X: np.ndarray, C: np.ndarray, max_iter: int) -> KMeansResult:
    labels = assign(X, C)
    history = [inertia(X, C, labels)]
    for it in range(1, max_iter + 1):
        C = update_centroids(X, labels, len(C), previous=C)
        new_labels = assign(X, C)
        history.append(inertia(X, C, new_labels))
        if np.array_equal(new_labels, labels):
            # a fixed point: the next update would return the same means
            return KMeansResult(C, new_labels, history[-1], it, np.array(history), True)
        labels = new_labels
    return KMeansResult(C, labels, history[-1], max_iter, np.array(history), False)


def kmeans(X, k: int, *, init="k-means++", rng: RNGLike = None, n_init: int = 1, max_iter: int = 100) -> KMeansResult:
    """k-means by Lloyd's algorithm until the labels stop changing (or ``max_iter`` update steps).

    ``init`` is ``"k-means++"``, ``"random"`` or a (k, d) array of starting centroids. With
    ``n_init > 1`` (named starts only) the run with the lowest final inertia is returned; all
    runs draw from the same ``rng``.
    """
    X = _check_data(X, "kmeans")
    k = _check_k(k, len(X), "kmeans")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"kmeans: max_iter must be a whole number >= 1, got {max_iter!r}.")
    if isinstance(n_init, bool) or not isinstance(n_init, (int, np.integer)) or n_init < 1:
        raise ValueError(f"kmeans: n_init must be a whole number >= 1, got {n_init!r}.")
    if not isinstance(init, str):
        C = _check_centroids(X, init, "kmeans")
        if len(C) != k:
            raise ValueError(f"kmeans: got {len(C)} starting centroids for k = {k}.")
        if n_init != 1:
            raise ValueError("kmeans: explicit starting centroids give one run; use n_init=1.")
        return _lloyd_until_stable(X, C, int(max_iter))
    gen = as_rng(rng)
    best = None
    for _ in range(int(n_init)):
        result = _lloyd_until_stable(X, initial_centroids(X, k, init, gen), int(max_iter))
        if best is None or result.inertia < best.inertia:
            best = result
    return best


# ----------------------------------------------------------------------------- how many clusters
def elbow_curve(X, ks: Sequence[int], *, rng: RNGLike, n_init: int = 10, init: str = "k-means++") -> np.ndarray:
    """The best final inertia over ``n_init`` k-means runs for each k in ``ks``."""
    gen = as_rng(rng)
    return np.array([kmeans(X, int(k), init=init, rng=gen, n_init=n_init).inertia for k in ks])


def elbow_point(ks: Sequence[int], inertias: Sequence[float], method: str = "kneedle") -> int:
    """The k at the elbow of a decreasing inertia curve over equally spaced ``ks``.

    * ``"second_difference"``: the interior k with the largest ``I(k-1) - 2 I(k) + I(k+1)``,
      where the curve bends most sharply.
    * ``"kneedle"``: scale both axes to [0, 1]; the k whose point lies farthest below the chord
      from the first point to the last.
    """
    ks = np.asarray(ks)
    y = np.asarray(inertias, dtype=np.float64)
    if ks.ndim != 1 or ks.shape != y.shape or len(ks) < 3:
        raise ValueError(f"elbow_point needs at least 3 values of k with one inertia each, got {ks.shape} and {y.shape}.")
    if not np.allclose(np.diff(ks), ks[1] - ks[0]) or ks[1] <= ks[0]:
        raise ValueError("elbow_point needs increasing, equally spaced values of k.")
    if method == "second_difference":
        d2 = y[:-2] - 2 * y[1:-1] + y[2:]
        return int(ks[1:-1][np.argmax(d2)])
    if method == "kneedle":
        x = (ks - ks[0]) / (ks[-1] - ks[0])
        span = y.max() - y.min()
        yn = (y - y.min()) / span if span > 0 else np.zeros_like(y)
        # chord from (0, y_0) to (1, y_last); distance below it, along y
        chord = yn[0] + (yn[-1] - yn[0]) * x
        return int(ks[np.argmax(chord - yn)])
    raise ValueError(f"unknown elbow method {method!r}; use 'kneedle' or 'second_difference'.")


def silhouette_score(X, labels) -> float:
    """The mean silhouette ``s_i = (b_i - a_i) / max(a_i, b_i)`` over all rows.

    ``a_i`` is the mean distance from row i to the other members of its cluster, ``b_i`` the
    smallest mean distance to the members of another cluster; a row alone in its cluster has
    ``s_i = 0``. Needs 2 <= number of clusters <= n - 1. Values near 1: tight, well separated.
    """
    X = _check_data(X, "silhouette_score")
    labels = np.asarray(labels)
    if labels.shape != (len(X),):
        raise ValueError(f"silhouette_score: labels must have one entry per row of X ({len(X)}), got shape {labels.shape}.")
    names, inverse = np.unique(labels, return_inverse=True)
    k = len(names)
    if not 2 <= k <= len(X) - 1:
        raise ValueError(f"silhouette_score needs between 2 and n - 1 = {len(X) - 1} clusters, got {k}.")
    sq = (X * X).sum(axis=1)
    dist = np.sqrt(np.maximum(sq[:, None] - 2 * X @ X.T + sq[None, :], 0.0))
    np.fill_diagonal(dist, 0.0)
    onehot = np.zeros((len(X), k))
    onehot[np.arange(len(X)), inverse] = 1.0
    sizes = onehot.sum(axis=0)
    sums = dist @ onehot  # (n, k): total distance from each row to each cluster
    own = sizes[inverse]
    a = np.where(own > 1, sums[np.arange(len(X)), inverse] / np.maximum(own - 1, 1), 0.0)
    means = sums / sizes
    means[np.arange(len(X)), inverse] = np.inf
    b = means.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


# ----------------------------------------------------------------------------- PCA
@dataclass(frozen=True)
class PCAResult:
    """Principal components of data ``X``: ``mean`` (d,), ``components`` (c, d) orthonormal rows,
    ``singular_values`` (c,), ``explained_variance`` (c,) (sample variances, ddof = 1),
    ``explained_variance_ratio`` (c,) and the ``scores`` (n, c) of the rows of X."""

    mean: np.ndarray
    components: np.ndarray
    singular_values: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    scores: np.ndarray

    def transform(self, X) -> np.ndarray:
        """Coordinates of new rows on the components: ``(X - mean) @ components.T``."""
        X = _check_data(X, "PCAResult.transform")
        if X.shape[1] != len(self.mean):
            raise ValueError(f"PCAResult.transform: X has {X.shape[1]} features, the PCA was fit on {len(self.mean)}.")
        return (X - self.mean) @ self.components.T


def pca(X, n_components: int | None = None) -> PCAResult:
    """PCA via the SVD of the centred data ``X - mean = U S V^T``.

    The components are the rows of ``V^T`` (directions of greatest variance, in order), the
    variance along component j is ``S_j^2 / (n - 1)`` and the scores are ``U S``. Each
    component's sign is fixed so that its largest-magnitude entry is positive (an SVD gives
    each singular vector only up to sign).
    """
    X = _check_data(X, "pca")
    n, d = X.shape
    if n < 2:
        raise ValueError("pca needs at least 2 rows to measure variance.")
    c = min(n, d) if n_components is None else n_components
    if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 1 <= c <= min(n, d):
        raise ValueError(f"pca: n_components must be between 1 and min(n, d) = {min(n, d)}, got {n_components!r}.")
    mean = X.mean(axis=0)
    U, S, Vt = np.linalg.svd(X - mean, full_matrices=False)
    signs = np.sign(Vt[np.arange(len(Vt)), np.argmax(np.abs(Vt), axis=1)])
    U, Vt = U * signs, Vt * signs[:, None]
    variance = S**2 / (n - 1)
    total = variance.sum()
    ratio = variance / total if total > 0 else np.zeros_like(variance)
    return PCAResult(mean, Vt[:c], S[:c], variance[:c], ratio[:c], U[:, :c] * S[:c])


# ----------------------------------------------------------------------------- hierarchical clustering
_LINKAGES = ("ward", "single", "complete", "average")


def agglomerative(X, linkage: str = "ward") -> np.ndarray:
    """Agglomerative clustering: start with every row as its own cluster and repeatedly merge the
    two closest clusters. Returns the (n - 1, 4) linkage matrix in SciPy's format: row i merges
    clusters ``Z[i, 0]`` and ``Z[i, 1]`` (ids < n are rows, id n + j is the cluster made at merge j)
    at height ``Z[i, 2]`` into a cluster of ``Z[i, 3]`` rows (plot it with
    ``scipy.cluster.hierarchy.dendrogram``).

    The distance between clusters (the *linkage*) is updated after each merge by the
    Lance-Williams formula: ``single`` (closest pair), ``complete`` (farthest pair), ``average``
    (mean over pairs) and ``ward`` (the increase in within-cluster sum of squares the merge
    costs; height ``sqrt(2 |A||B| / (|A| + |B|)) ||mean_A - mean_B||``, as SciPy). O(n^3) time
    and O(n^2) memory: for the few hundred rows of a book example.
    """
    X = _check_data(X, "agglomerative")
    if linkage not in _LINKAGES:
        raise ValueError(f"unknown linkage {linkage!r}; use one of {', '.join(_LINKAGES)}.")
    n = len(X)
    if n < 2:
        raise ValueError("agglomerative needs at least 2 rows to merge.")
    sq = (X * X).sum(axis=1)
    D = np.maximum(sq[:, None] - 2 * X @ X.T + sq[None, :], 0.0)  # squared Euclidean distances
    if linkage != "ward":
        D = np.sqrt(D)  # Ward works on squared distances, the others on distances
    np.fill_diagonal(D, np.inf)
    size = np.ones(n)
    ident = np.arange(n)  # SciPy id of the cluster held in each slot
    alive = np.ones(n, dtype=bool)
    Z = np.empty((n - 1, 4))
    for step in range(n - 1):
        flat = int(np.argmin(D))
        i, j = divmod(flat, n)
        if i > j:
            i, j = j, i
        d_ij = D[i, j]
        ni, nj = size[i], size[j]
        a, b = ident[i], ident[j]
        Z[step] = (min(a, b), max(a, b), np.sqrt(d_ij) if linkage == "ward" else d_ij, ni + nj)
        di, dj = D[i], D[j]
        if linkage == "single":
            new = np.minimum(di, dj)
        elif linkage == "complete":
            new = np.maximum(di, dj)
        elif linkage == "average":
            new = (ni * di + nj * dj) / (ni + nj)
        else:
            nk = size
            new = ((ni + nk) * di + (nj + nk) * dj - nk * d_ij) / (ni + nj + nk)
        # the merged cluster lives in slot i; slot j dies
        new[~alive] = np.inf
        new[i] = new[j] = np.inf
        D[i, :] = new
        D[:, i] = new
        D[j, :] = np.inf
        D[:, j] = np.inf
        alive[j] = False
        size[i] = ni + nj
        ident[i] = n + step
    return Z


def cut_tree(Z, n_clusters: int) -> np.ndarray:
    """Labels 0..k-1 from a linkage matrix by undoing its last ``k - 1`` merges (clusters are
    numbered in order of their first row)."""
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] != 4 or len(Z) < 1:
        raise ValueError(f"cut_tree: Z must be an (n - 1, 4) linkage matrix, got shape {Z.shape}.")
    n = len(Z) + 1
    k = _check_k(n_clusters, n, "cut_tree")
    parent = np.arange(2 * n - 1)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for step in range(n - k):
        a, b = int(Z[step, 0]), int(Z[step, 1])
        parent[root(a)] = n + step
        parent[root(b)] = n + step
    roots = np.array([root(i) for i in range(n)])
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))  # number clusters by their first row
    return rank[inverse].astype(np.int64)


# ----------------------------------------------------------------------------- comparing partitions
def contingency_matrix(labels_a, labels_b) -> np.ndarray:
    """``N[i, j]`` = number of rows in cluster i of partition a and cluster j of partition b."""
    a, b = np.asarray(labels_a), np.asarray(labels_b)
    if a.ndim != 1 or a.shape != b.shape or len(a) == 0:
        raise ValueError(f"two partitions of the same non-empty set are needed, got shapes {a.shape} and {b.shape}.")
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    N = np.zeros((ia.max() + 1, ib.max() + 1), dtype=np.int64)
    np.add.at(N, (ia, ib), 1)
    return N


def adjusted_rand_index(labels_a, labels_b) -> float:
    """The adjusted Rand index of two partitions: 1 for identical partitions (whatever the cluster
    names), about 0 for unrelated ones (it is corrected for chance agreement), possibly negative.

    With ``N`` the contingency matrix, ``a``/``b`` its row/column sums and ``C(m) = m(m-1)/2``:
    ``ARI = (sum C(N_ij) - E) / ((sum C(a_i) + sum C(b_j)) / 2 - E)``, ``E = sum C(a_i) sum C(b_j) / C(n)``.
    """
    N = contingency_matrix(labels_a, labels_b)
    n = int(N.sum())

    def pairs(m):
        m = np.asarray(m, dtype=np.float64)
        return m * (m - 1) / 2

    index = pairs(N).sum()
    sum_a, sum_b = pairs(N.sum(axis=1)).sum(), pairs(N.sum(axis=0)).sum()
    expected = sum_a * sum_b / pairs(n) if n > 1 else 0.0
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:  # both partitions trivial (one cluster, or all singletons)
        return 1.0
    return float((index - expected) / (maximum - expected))
