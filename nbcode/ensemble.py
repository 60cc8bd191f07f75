"""Ensembles from scratch: bagging and boosting, with the small base learners they combine.

Two ways to combine many models into one:

* **Bagging** (bootstrap aggregating, Breiman 1996): train ``B`` copies of a model, each on its
  own bootstrap sample of the training set, and average their predictions. Averaging ``B``
  equally distributed predictions with pairwise correlation ``rho`` and variance ``s^2`` leaves
  variance ``rho s^2 + (1 - rho) s^2 / B``, so bagging lowers the variance of an unstable
  (high-variance) learner and leaves its bias about where it was. Each model never saw about
  ``1/e ~ 36.8%`` of the samples (its *out-of-bag* set), which gives a free validation estimate.
* **Boosting**: fit models in sequence, each one to what the ensemble so far gets wrong.
  Gradient boosting for squared error (Friedman 2001) fits each new tree to the residuals
  ``y - F(x)`` (the negative gradient of the loss) and adds a damped copy of it; AdaBoost
  (Freund & Schapire 1997) reweights the training samples so the next stump concentrates on the
  misclassified ones. Boosting turns a weak, high-bias learner (a stump) into a strong one.

Base learners, all with ``fit(X, y) -> self`` and ``predict(X)``:

* :class:`PolynomialRegression`: least squares on Legendre features of one input (the same span
  as the powers ``1, x, ..., x^d`` but far better conditioned on ``[-1, 1]``);
* :class:`RegressionTree`: a binary tree of axis-aligned splits chosen greedily to minimise the
  (weighted) squared error, leaves predicting the (weighted) mean; ``max_depth=1`` is a stump
  (:func:`fit_stump`), a deep tree is the classic high-variance learner.

NumPy only. Every random draw takes an explicit ``rng``.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from nbcode._checks import as_rng, positive_int, real_number
from nbcode.data import RNGLike, bootstrap_sample

__all__ = [
    "polynomial_features", "PolynomialRegression",
    "RegressionTree", "TreeGroup", "fit_trees", "fit_stump",
    "Bag", "bagging_fit", "bagging_predict", "BaggingRegressor",
    "GradientBoostingRegressor", "AdaBoostClassifier",
]


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------

def _as_2d(X, where: str) -> np.ndarray:
    """Features as float64 ``(n, d)``: a 1-D array is one feature per sample."""
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{where}: X must be numeric, got dtype {X.dtype}.")
    X = X.astype(np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{where}: X must be (n_samples, n_features) or (n_samples,), got shape {X.shape}.")
    if X.shape[0] == 0:
        raise ValueError(f"{where}: X is empty (0 samples); pass at least one sample.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: X contains NaN or infinite values; clean the data first.")
    return X


def _as_target(y, n: int, where: str) -> np.ndarray:
    """Targets as float64 ``(n,)``; a column ``(n, 1)`` is flattened."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (n,):
        raise ValueError(f"{where}: y must hold one number per sample ({n},) or ({n}, 1), got shape {y.shape}.")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{where}: y contains NaN or infinite values; clean the data first.")
    return y


def _not_fitted(model) -> RuntimeError:
    return RuntimeError(f"{type(model).__name__} is not fitted yet; call fit(X, y) first.")


# --------------------------------------------------------------------------------------------
# polynomial regression
# --------------------------------------------------------------------------------------------

def polynomial_features(x, degree: int) -> np.ndarray:
    """Legendre features ``P_0(x), ..., P_degree(x)`` of a 1-D input: shape ``(n, degree + 1)``.

    They span the same functions as ``1, x, ..., x^degree`` (so a least-squares fit on either
    gives the same curve), but on ``[-1, 1]`` their columns are nearly orthogonal, which keeps
    high-degree fits accurate. Works on any leading shape: ``x`` of shape ``(S, n)`` gives
    ``(S, n, degree + 1)``.
    """
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 0:
        raise ValueError(f"degree must be a whole number >= 0, got {degree!r}.")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim >= 2 and x.shape[-1] == 1:
        x = x[..., 0]
    return np.polynomial.legendre.legvander(x, int(degree))


class PolynomialRegression:
    """Least-squares polynomial of one input: ``fit`` solves ``min ||A c - y||`` for Legendre features ``A``.

    As ``numpy.polynomial.Polynomial.fit`` does, ``fit`` maps the training range of x onto
    ``[-1, 1]`` (``domain_``) before taking the features, where Legendre columns are nearly
    orthogonal. On raw inputs such as x in [0, 1000] the features grow like x^degree, the least
    squares problem is ill-conditioned, and a degree-15 fit of a straight line was off by 43%.
    ``predict`` applies the same map.
    Uses the pseudo-inverse, so a fit with fewer distinct points than coefficients still works
    (it returns the minimum-norm solution) instead of raising.
    """

    def __init__(self, degree: int) -> None:
        polynomial_features(np.zeros(1), degree)  # validates degree
        self.degree = int(degree)
        self.coef_: np.ndarray | None = None
        self.domain_: tuple[float, float] | None = None

    def _window(self, x: np.ndarray) -> np.ndarray:
        """x mapped by the affine map that takes the training range onto [-1, 1]."""
        low, high = self.domain_
        return 2 * (x - low) / (high - low) - 1 if high > low else x - low

    def fit(self, X, y) -> "PolynomialRegression":
        X = _as_2d(X, "PolynomialRegression.fit")
        if X.shape[1] != 1:
            raise ValueError(f"PolynomialRegression takes one input feature, got {X.shape[1]}; pass x of shape (n,) or (n, 1).")
        y = _as_target(y, len(X), "PolynomialRegression.fit")
        self.domain_ = (float(X[:, 0].min()), float(X[:, 0].max()))
        A = polynomial_features(self._window(X[:, 0]), self.degree)
        self.coef_ = np.linalg.pinv(A) @ y
        return self

    def predict(self, X) -> np.ndarray:
        if self.coef_ is None:
            raise _not_fitted(self)
        X = _as_2d(X, "PolynomialRegression.predict")
        if X.shape[1] != 1:
            raise ValueError(f"PolynomialRegression takes one input feature, got {X.shape[1]}; pass x of shape (n,) or (n, 1).")
        return polynomial_features(self._window(X[:, 0]), self.degree) @ self.coef_

    def __repr__(self) -> str:
        return f"PolynomialRegression(degree={self.degree})"


# --------------------------------------------------------------------------------------------
# regression trees and stumps
# --------------------------------------------------------------------------------------------

def _segment_starts(keys: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal values in a grouped (sorted) array."""
    return np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))


def _best_splits(X, y, w, node_of, splittable, orders, min_leaf, n_nodes):
    """The best split of every node in ``splittable`` at once.

    For a set of samples, ``sum w (y - mean)^2 = sum w y^2 - (sum w y)^2 / sum w``. Sorting the
    samples by (node, feature value) makes each node a contiguous run, and cumulative sums then
    give that error for every left/right cut of every node in one pass per feature. Returns
    arrays over all ``n_nodes`` nodes: the best error (inf where no valid cut), feature and
    threshold (the midpoint between the two inputs the cut separates).
    """
    best_err = np.full(n_nodes, np.inf)
    best_feature = np.full(n_nodes, -1, dtype=np.int64)
    best_threshold = np.full(n_nodes, np.nan)
    wanted = np.zeros(n_nodes, dtype=bool)
    wanted[splittable] = True
    sample_wanted = wanted[node_of]
    for j, order in enumerate(orders):
        o = order[sample_wanted[order]]                 # samples of these nodes, sorted by X[:, j]
        o = o[np.argsort(node_of[o], kind="stable")]    # grouped by node, still sorted within
        nd, xs, ws, ys = node_of[o], X[o, j], w[o], y[o]
        wys = ws * ys
        starts = _segment_starts(nd)
        lengths = np.diff(np.append(starts, len(o)))
        seg = np.repeat(np.arange(len(starts)), lengths)
        pos = np.arange(len(o)) - starts[seg]           # position inside its node
        cw, cwy = np.cumsum(ws), np.cumsum(wys)
        wl = cw - np.concatenate([[0.0], cw])[starts][seg]    # left part: positions 0..pos
        wyl = cwy - np.concatenate([[0.0], cwy])[starts][seg]
        wr = np.add.reduceat(ws, starts)[seg] - wl
        wyr = np.add.reduceat(wys, starts)[seg] - wyl
        total_wy2 = np.add.reduceat(wys * ys, starts)[seg]
        nxt = np.append(xs[1:], np.inf)
        valid = (pos >= min_leaf - 1) & (pos <= lengths[seg] - min_leaf - 1) & (xs < nxt) & (wl > 0) & (wr > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            err = np.where(valid, total_wy2 - wyl * wyl / wl - wyr * wyr / wr, np.inf)
        pick = np.lexsort((err, seg))  # by node, then error; stable, so the first cut wins ties
        first = pick[_segment_starts(seg[pick])]
        node, e = nd[first], err[first]
        current = best_err[node]
        margin = np.where(np.isfinite(current), 1e-12 * np.maximum(1.0, np.abs(current)), 0.0)
        better = np.isfinite(e) & (e < current - margin)
        node, first = node[better], first[better]
        best_err[node] = err[first]
        best_feature[node] = j
        best_threshold[node] = 0.5 * (xs[first] + nxt[first])
    return best_err, best_feature, best_threshold


def _grow(X, y, w, groups, n_groups, max_depth, min_leaf):
    """Grow one tree per group of samples, all trees and all nodes of a level together.

    Node ``g`` is the root of group ``g``'s tree. Returns the node arrays
    ``(feature, threshold, left, right, value)``; a leaf has ``feature = -1``.
    """
    node_of = groups.astype(np.int64).copy()
    feature = np.full(n_groups, -1, dtype=np.int64)
    threshold = np.full(n_groups, np.nan)
    left = np.full(n_groups, -1, dtype=np.int64)
    right = np.full(n_groups, -1, dtype=np.int64)
    value = np.zeros(n_groups)
    frontier = np.arange(n_groups)
    orders = [np.argsort(X[:, j], kind="stable") for j in range(X.shape[1])]
    for depth in range(max_depth + 1):
        m = len(feature)
        counts = np.bincount(node_of, minlength=m)
        sw = np.bincount(node_of, weights=w, minlength=m)
        swy = np.bincount(node_of, weights=w * y, minlength=m)
        sy = np.bincount(node_of, weights=y, minlength=m)
        with np.errstate(divide="ignore", invalid="ignore"):  # weighted mean; plain mean if all weights are 0
            value[frontier] = np.where(sw[frontier] > 0, swy[frontier] / sw[frontier],
                                       sy[frontier] / np.maximum(counts[frontier], 1))
        if depth == max_depth:
            break
        o = np.argsort(node_of, kind="stable")
        starts = _segment_starts(node_of[o])
        spread = np.zeros(m)
        spread[node_of[o][starts]] = np.maximum.reduceat(y[o], starts) - np.minimum.reduceat(y[o], starts)
        splittable = frontier[(counts[frontier] >= 2 * min_leaf) & (spread[frontier] > 0)]
        if splittable.size == 0:
            break
        best_err, best_feature, best_threshold = _best_splits(X, y, w, node_of, splittable, orders, min_leaf, m)
        split = splittable[np.isfinite(best_err[splittable])]
        if split.size == 0:
            break
        k = split.size
        feature = np.concatenate([feature, np.full(2 * k, -1)])
        threshold = np.concatenate([threshold, np.full(2 * k, np.nan)])
        left = np.concatenate([left, np.full(2 * k, -1)])
        right = np.concatenate([right, np.full(2 * k, -1)])
        value = np.concatenate([value, np.zeros(2 * k)])
        feature[split] = best_feature[split]
        threshold[split] = best_threshold[split]
        left[split] = m + 2 * np.arange(k)
        right[split] = m + 2 * np.arange(k) + 1
        is_split = np.zeros(m, dtype=bool)
        is_split[split] = True
        rows = np.flatnonzero(is_split[node_of])
        nd = node_of[rows]
        go_left = X[rows, feature[nd]] <= threshold[nd]
        node_of[rows] = np.where(go_left, left[nd], right[nd])
        frontier = np.arange(m, m + 2 * k)
    return feature, threshold, left, right, value


def _traverse(arrays, roots: np.ndarray, X: np.ndarray, paired: bool = False) -> np.ndarray:
    """Leaf values of every sample in every tree: shape ``(len(roots), len(X))``.

    With ``paired=True``, row ``i`` goes through the tree rooted at ``roots[i]`` only: ``(1, len(X))``.
    """
    feature, threshold, left, right, value = arrays
    n = len(X)
    if paired:
        node, rows = roots.copy(), np.arange(n)
    else:
        node = np.repeat(roots, n)
        rows = np.tile(np.arange(n), len(roots))
    while True:  # move every (tree, sample) pair one level down per pass, all at once
        inner = np.flatnonzero(feature[node] >= 0)
        if inner.size == 0:
            break
        nd = node[inner]
        go_left = X[rows[inner], feature[nd]] <= threshold[nd]
        node[inner] = np.where(go_left, left[nd], right[nd])
    return value[node].reshape(1 if paired else len(roots), n)


def _check_weights(sample_weight, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError(f"sample_weight must be {n} finite non-negative numbers with a positive sum.")
    return w


class RegressionTree:
    """A regression tree grown greedily: each node takes the axis-aligned split that most lowers
    the (weighted) squared error; each leaf predicts the (weighted) mean of its targets.

    ``max_depth=1`` is a *stump*: one split, two constant pieces (the weak learner of boosting).
    A deep tree with ``min_samples_leaf=1`` follows the training data closely: low bias, high
    variance (the learner bagging helps most). Growing stops at ``max_depth``, when a node has
    fewer than ``2 * min_samples_leaf`` samples, when its targets are all equal, or when no two
    of its inputs differ. ``sample_weight`` (non-negative) makes every sum a weighted sum.
    The tree grows one level at a time, all nodes of a level together; the splits are those of
    a node-by-node recursion (and of scikit-learn's ``DecisionTreeRegressor``).
    """

    def __init__(self, max_depth: int = 1, min_samples_leaf: int = 1) -> None:
        self.max_depth = positive_int(max_depth, "max_depth", "max_depth=3")
        self.min_samples_leaf = positive_int(min_samples_leaf, "min_samples_leaf", "min_samples_leaf=1")
        self.feature_: np.ndarray | None = None

    def fit(self, X, y, sample_weight=None) -> "RegressionTree":
        X = _as_2d(X, "RegressionTree.fit")
        y = _as_target(y, len(X), "RegressionTree.fit")
        w = _check_weights(sample_weight, len(X))
        self.n_features_ = X.shape[1]
        arrays = _grow(X, y, w, np.zeros(len(X), dtype=np.int64), 1, self.max_depth, self.min_samples_leaf)
        self.feature_, self.threshold_, self.left_, self.right_, self.value_ = arrays
        return self

    def _arrays(self):
        if self.feature_ is None:
            raise _not_fitted(self)
        return self.feature_, self.threshold_, self.left_, self.right_, self.value_

    @property
    def n_leaves(self) -> int:
        return int(np.sum(self._arrays()[0] < 0))

    @property
    def depth(self) -> int:
        """The depth actually grown (0 for a single leaf)."""
        feature, _, left, right, _ = self._arrays()
        depths = np.zeros(len(feature), dtype=np.int64)
        for node in range(len(feature)):  # children are created after their parent
            if feature[node] >= 0:
                depths[left[node]] = depths[right[node]] = depths[node] + 1
        return int(depths.max())

    def predict(self, X) -> np.ndarray:
        arrays = self._arrays()
        X = _as_2d(X, "RegressionTree.predict")
        if X.shape[1] != self.n_features_:
            raise ValueError(f"RegressionTree was fitted on {self.n_features_} feature(s) but predict got {X.shape[1]}.")
        return _traverse(arrays, np.zeros(1, dtype=np.int64), X)[0]

    def __repr__(self) -> str:
        return f"RegressionTree(max_depth={self.max_depth}, min_samples_leaf={self.min_samples_leaf})"


class TreeGroup:
    """Many regression trees grown together by :func:`fit_trees`; ``predict`` gives one row per tree."""

    def __init__(self, arrays, n_trees: int, n_features: int) -> None:
        self._arrays = arrays
        self.n_trees = n_trees
        self.n_features_ = n_features

    def predict(self, X, groups=None) -> np.ndarray:
        """Predictions of every tree for every row: shape ``(n_trees, n_samples)``.

        With ``groups`` (one tree id per row, like :func:`fit_trees` takes), each row goes
        through its own tree only: shape ``(n_samples,)``, e.g. each tree on its training rows.
        """
        X = _as_2d(X, "TreeGroup.predict")
        if X.shape[1] != self.n_features_:
            raise ValueError(f"the trees were fitted on {self.n_features_} feature(s) but predict got {X.shape[1]}.")
        if groups is None:
            return _traverse(self._arrays, np.arange(self.n_trees), X)
        groups = np.asarray(groups)
        if groups.shape != (len(X),) or groups.dtype.kind not in "iu" or groups.min() < 0 or groups.max() >= self.n_trees:
            raise ValueError(f"groups must hold one tree id in 0..{self.n_trees - 1} per row ({len(X)},).")
        return _traverse(self._arrays, groups.astype(np.int64), X, paired=True)[0]

    def __repr__(self) -> str:
        return f"TreeGroup({self.n_trees} trees)"


def fit_trees(X, y, groups, *, max_depth: int, min_samples_leaf: int = 1, sample_weight=None) -> TreeGroup:
    """Fit one :class:`RegressionTree` per group of rows, all at once (fast for many small trees).

    ``groups[i]`` in ``0..G-1`` says which tree row ``i`` trains; every group needs a row. Tree
    ``g`` equals ``RegressionTree(max_depth, min_samples_leaf).fit(X[groups == g], y[groups == g])``.
    Stack bootstrap samples (or whole training sets) with a group id each to train hundreds of
    trees in a few NumPy passes per level instead of one Python loop per node.
    """
    X = _as_2d(X, "fit_trees")
    y = _as_target(y, len(X), "fit_trees")
    groups = np.asarray(groups)
    if groups.shape != (len(X),) or groups.dtype.kind not in "iu" or groups.min() < 0:
        raise ValueError(f"groups must hold one non-negative integer tree id per row ({len(X)},), got "
                         f"shape {groups.shape} and dtype {groups.dtype}.")
    n_groups = int(groups.max()) + 1
    if np.bincount(groups, minlength=n_groups).min() == 0:
        raise ValueError(f"every tree id 0..{n_groups - 1} needs at least one row; renumber the groups.")
    max_depth = positive_int(max_depth, "max_depth", "max_depth=3")
    min_leaf = positive_int(min_samples_leaf, "min_samples_leaf", "min_samples_leaf=1")
    w = _check_weights(sample_weight, len(X))
    return TreeGroup(_grow(X, y, w, groups, n_groups, max_depth, min_leaf), n_groups, X.shape[1])


def fit_stump(X, residual, sample_weight=None) -> RegressionTree:
    """A decision stump (a depth-1 :class:`RegressionTree`) fitted to ``residual``: the one split
    and two constants that minimise the (weighted) squared error."""
    return RegressionTree(max_depth=1).fit(X, residual, sample_weight)


# --------------------------------------------------------------------------------------------
# bagging
# --------------------------------------------------------------------------------------------

class Bag(NamedTuple):
    """Models trained on bootstrap samples, with each model's in-bag and out-of-bag indices."""

    models: list
    in_bag: list
    out_of_bag: list
    n_samples: int


def _default_fit(model, X, y):
    result = model.fit(X, y)
    return model if result is None else result


def _default_predict(model, X):
    return model.predict(X)


def bagging_fit(make_model: Callable[[], Any], fit_fn: Callable[[Any, np.ndarray, np.ndarray], Any] | None,
                X, y, n_models: int, rng: RNGLike) -> Bag:
    """Train ``n_models`` models, each on its own bootstrap sample of ``(X, y)``.

    For each model: draw ``n`` indices with replacement (:func:`nbcode.data.bootstrap_sample`),
    build a fresh model with ``make_model()`` and train it with ``fit_fn(model, X[idx], y[idx])``
    (``None`` means ``model.fit(X, y)``; a ``fit_fn`` that returns ``None`` keeps the model it
    was given). Returns a :class:`Bag`.
    """
    n_models = positive_int(n_models, "n_models", "n_models=25")
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"bagging_fit needs X and y with the same, non-zero number of samples, got shapes "
                         f"{X.shape} and {y.shape}.")
    fit_fn = fit_fn or _default_fit
    gen = as_rng(rng)
    n = len(X)
    models, in_bags, oobs = [], [], []
    for _ in range(n_models):
        in_bag, oob = bootstrap_sample(n, gen)
        model = make_model()
        fitted = fit_fn(model, X[in_bag], y[in_bag])
        models.append(model if fitted is None else fitted)
        in_bags.append(in_bag)
        oobs.append(oob)
    return Bag(models, in_bags, oobs, n)


def bagging_predict(models, X, predict_fn: Callable[[Any, np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """The bagged prediction: the mean of the models' predictions (``predict_fn(model, X)``)."""
    if len(models) == 0:
        raise ValueError("bagging_predict needs at least one model.")
    predict_fn = predict_fn or _default_predict
    return np.mean([np.asarray(predict_fn(m, X), dtype=np.float64) for m in models], axis=0)


class BaggingRegressor:
    """Bootstrap aggregating: the mean of ``n_models`` models, each trained on a bootstrap sample.

    ``make_model()`` builds one untrained base model; ``fit_fn(model, X, y)`` and
    ``predict_fn(model, X)`` default to the model's own ``fit``/``predict``.
    """

    def __init__(self, make_model: Callable[[], Any], n_models: int = 25, *, rng: RNGLike,
                 fit_fn=None, predict_fn=None) -> None:
        self.make_model = make_model
        self.n_models = positive_int(n_models, "n_models", "n_models=25")
        self.rng = as_rng(rng)
        self.fit_fn = fit_fn
        self.predict_fn = predict_fn or _default_predict
        self.bag_: Bag | None = None

    def fit(self, X, y) -> "BaggingRegressor":
        self.bag_ = bagging_fit(self.make_model, self.fit_fn, X, y, self.n_models, self.rng)
        self._X_train = np.asarray(X)
        return self

    @property
    def models(self) -> list:
        if self.bag_ is None:
            raise _not_fitted(self)
        return self.bag_.models

    def _all_predictions(self, X) -> np.ndarray:
        return np.array([np.asarray(self.predict_fn(m, X), dtype=np.float64) for m in self.models])

    def predict(self, X) -> np.ndarray:
        """Mean prediction of all the models."""
        return self._all_predictions(X).mean(axis=0)

    def staged_predict(self, X) -> np.ndarray:
        """Row ``m`` is the mean of the first ``m + 1`` models: shape ``(n_models, ...)``."""
        preds = self._all_predictions(X)
        counts = np.arange(1, len(preds) + 1).reshape((-1,) + (1,) * (preds.ndim - 1))
        return np.cumsum(preds, axis=0) / counts

    def oob_predict(self) -> np.ndarray:
        """For each training sample, the mean prediction of the models that did NOT train on it.

        NaN for a sample that every model saw (rare: probability ``(1 - 1/e)^B``).
        """
        if self.bag_ is None:
            raise _not_fitted(self)
        n = self.bag_.n_samples
        total = None
        count = np.zeros(n)
        for model, oob in zip(self.bag_.models, self.bag_.out_of_bag):
            if oob.size == 0:
                continue
            pred = np.asarray(self.predict_fn(model, self._X_train[oob]), dtype=np.float64)
            if total is None:
                total = np.zeros((n,) + pred.shape[1:])
            total[oob] += pred
            count[oob] += 1
        if total is None:
            return np.full(n, np.nan)
        shape = (n,) + (1,) * (total.ndim - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count.reshape(shape) > 0, total / count.reshape(shape), np.nan)

    def __repr__(self) -> str:
        return f"BaggingRegressor(n_models={self.n_models})"


# --------------------------------------------------------------------------------------------
# boosting
# --------------------------------------------------------------------------------------------

class GradientBoostingRegressor:
    """Gradient boosting for squared error, with regression trees as the base learner.

    Start from the constant ``F_0 = mean(y)``. In round ``m`` the negative gradient of
    ``(y - F)^2 / 2`` with respect to ``F(x_i)`` is the residual ``r_i = y_i - F_{m-1}(x_i)``:
    fit a tree ``h_m`` to the residuals and set ``F_m = F_{m-1} + learning_rate * h_m``.
    ``train_loss_[m]`` is the training MSE of ``F_m`` (``m = 0..n_rounds``).
    """

    def __init__(self, n_rounds: int = 100, learning_rate: float = 0.1, max_depth: int = 1) -> None:
        self.n_rounds = positive_int(n_rounds, "n_rounds", "n_rounds=100")
        learning_rate = real_number(learning_rate, "learning_rate (shrinkage)", low=0.0, high=1.0, low_open=True,
                                    fix="e.g. 0.1")
        self.learning_rate = float(learning_rate)
        self.max_depth = positive_int(max_depth, "max_depth", "max_depth=1")
        self.trees_: list[RegressionTree] | None = None

    def fit(self, X, y) -> "GradientBoostingRegressor":
        X = _as_2d(X, "GradientBoostingRegressor.fit")
        y = _as_target(y, len(X), "GradientBoostingRegressor.fit")
        self.init_ = float(np.mean(y))
        F = np.full(len(y), self.init_)
        self.trees_ = []
        self.train_loss_ = [float(np.mean((y - F) ** 2))]
        for _ in range(self.n_rounds):
            residual = y - F  # the negative gradient of the squared error
            tree = RegressionTree(self.max_depth).fit(X, residual)
            F = F + self.learning_rate * tree.predict(X)
            self.trees_.append(tree)
            self.train_loss_.append(float(np.mean((y - F) ** 2)))
        return self

    def staged_predict(self, X) -> np.ndarray:
        """Predictions after 0, 1, ..., n_rounds rounds: shape ``(n_rounds + 1, n)``."""
        if self.trees_ is None:
            raise _not_fitted(self)
        X = _as_2d(X, "GradientBoostingRegressor.predict")
        steps = [np.full(len(X), self.init_)] + [self.learning_rate * t.predict(X) for t in self.trees_]
        return np.cumsum(steps, axis=0)

    def predict(self, X) -> np.ndarray:
        return self.staged_predict(X)[-1]

    def __repr__(self) -> str:
        return (f"GradientBoostingRegressor(n_rounds={self.n_rounds}, learning_rate={self.learning_rate}, "
                f"max_depth={self.max_depth})")


class AdaBoostClassifier:
    """Discrete AdaBoost (Freund & Schapire 1997) for two classes with decision stumps.

    Labels ``y`` in {0, 1} become ``t = 2y - 1`` in {-1, +1}. Start with equal weights
    ``w_i = 1/n``. In round ``m``: fit a stump to ``t`` with weights ``w`` (weighted squared
    error on +-1 targets, i.e. the weighted Gini criterion), predict ``h(x) = sign(stump(x))``,
    measure its weighted error ``eps = sum_i w_i [h(x_i) != t_i]``, give it the vote
    ``alpha = log((1 - eps) / eps) / 2``, and reweight ``w_i <- w_i exp(-alpha t_i h(x_i))``,
    normalised: misclassified samples gain weight. The classifier is ``sign(sum_m alpha_m h_m)``.
    Its training error is at most ``prod_m 2 sqrt(eps_m (1 - eps_m))`` (``error_bound_``).
    Training stops early if a stump is perfect (``eps = 0``) or no better than chance.
    """

    def __init__(self, n_rounds: int = 50, max_depth: int = 1) -> None:
        self.n_rounds = positive_int(n_rounds, "n_rounds", "n_rounds=50")
        self.max_depth = positive_int(max_depth, "max_depth", "max_depth=1")
        self.stumps_: list[RegressionTree] | None = None

    @staticmethod
    def _sign(z: np.ndarray) -> np.ndarray:
        return np.where(z >= 0, 1.0, -1.0)

    def fit(self, X, y) -> "AdaBoostClassifier":
        X = _as_2d(X, "AdaBoostClassifier.fit")
        y = np.asarray(y).reshape(-1)
        if y.shape != (len(X),) or not np.all((y == 0) | (y == 1)):
            raise ValueError("AdaBoostClassifier.fit needs one 0/1 label per sample; for more classes use one "
                             "classifier per class.")
        t = 2.0 * y - 1.0
        n = len(X)
        w = np.full(n, 1.0 / n)
        self.stumps_, self.alphas_, self.errors_ = [], [], []
        F = np.zeros(n)
        self.train_error_ = []
        for _ in range(self.n_rounds):
            stump = RegressionTree(self.max_depth).fit(X, t, sample_weight=w)
            h = self._sign(stump.predict(X))
            eps = float(np.sum(w[h != t]))
            if eps >= 0.5:  # no better than chance: nothing left to learn
                break
            eps_c = max(eps, 1e-12)
            alpha = 0.5 * np.log((1.0 - eps_c) / eps_c)
            self.stumps_.append(stump)
            self.alphas_.append(float(alpha))
            self.errors_.append(eps)
            F = F + alpha * h
            self.train_error_.append(float(np.mean(self._sign(F) != t)))
            if eps == 0:  # a perfect stump classifies everything; its vote dominates
                break
            w = w * np.exp(-alpha * t * h)
            w = w / w.sum()
        return self

    @property
    def error_bound_(self) -> np.ndarray:
        """After each round, the bound ``prod 2 sqrt(eps (1 - eps))`` on the training error."""
        if self.stumps_ is None:
            raise _not_fitted(self)
        e = np.asarray(self.errors_)
        return np.cumprod(2.0 * np.sqrt(e * (1.0 - e)))

    def staged_decision_function(self, X) -> np.ndarray:
        """``sum_{m <= k} alpha_m h_m(x)`` after each round ``k``: shape ``(rounds, n)``."""
        if self.stumps_ is None:
            raise _not_fitted(self)
        X = _as_2d(X, "AdaBoostClassifier.predict")
        votes = [a * self._sign(s.predict(X)) for a, s in zip(self.alphas_, self.stumps_)]
        if not votes:
            return np.zeros((0, len(X)))
        return np.cumsum(votes, axis=0)

    def decision_function(self, X) -> np.ndarray:
        staged = self.staged_decision_function(X)
        return staged[-1] if len(staged) else np.zeros(len(_as_2d(X, "AdaBoostClassifier.predict")))

    def predict(self, X) -> np.ndarray:
        """Class labels 0/1."""
        return (self.decision_function(X) >= 0).astype(np.int64)

    def staged_predict(self, X) -> np.ndarray:
        return (self.staged_decision_function(X) >= 0).astype(np.int64)

    def __repr__(self) -> str:
        return f"AdaBoostClassifier(n_rounds={self.n_rounds}, max_depth={self.max_depth})"
