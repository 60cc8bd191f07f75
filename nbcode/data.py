"""Data for the book: synthetic sets, small real sets, splits, scaling, mini-batches, augmentation.

Everything that draws random numbers takes ``rng`` (a ``numpy.random.Generator``, an int seed,
or ``None`` for fresh OS entropy); nothing here touches NumPy's global random state.

Shapes, by convention:

* features ``X`` are ``(n_samples, n_features)`` (images are flattened rows, e.g. 64 = 8x8);
* class labels ``y`` are int64 ``(n_samples,)``;
* regression targets are columns ``(n_samples, 1)``, the shape a one-output model predicts, so
  ``MSELoss`` compares like with like.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple, Sequence

import numpy as np

from nbcode._checks import as_rng, check_labels, flag, float_dtype, positive_int, real_number

RNGLike = np.random.Generator | int | None

__all__ = [
    "Split", "Standardizer",
    "batches", "train_val_test_split", "kfold", "bootstrap_sample", "one_hot",
    "xor", "spirals", "moons", "circles", "noisy_line", "noisy_polynomial", "pass_fail",
    "load_digits", "load_diabetes",
    "add_noise", "shift_images", "mixup", "cutmix",
]


def _check_pair(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Arrays X, y with the same (non-zero) number of samples."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X and y must be arrays with one row per sample, got shapes {X.shape} and {y.shape}.")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}; pass one target per row of X.")
    if len(X) == 0:
        raise ValueError("X and y are empty (0 samples); pass at least one sample.")
    return X, y


# --------------------------------------------------------------------------------------------
# mini-batches, splits, resampling
# --------------------------------------------------------------------------------------------

def batches(X, y, batch_size: int, *, rng: RNGLike = None, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` mini-batches that together cover every sample once.

    With ``shuffle=True`` the order is a fresh permutation drawn from ``rng`` on each call (call
    it once per epoch). The last batch is smaller when ``batch_size`` does not divide the number
    of samples; ``drop_last=True`` drops it (then every batch has exactly ``batch_size`` rows).

    Why it is cheap: one permutation per epoch, one permuted copy of ``X`` and ``y``
    (``np.take``), then every batch is a contiguous slice, i.e. a view with no copy. On the
    digits set this is 2-3x cheaper at batch size 32 than fancy-indexing every batch
    (``X[idx[i:i+B]]``); see benchmarks/README.md. The batches are views of that per-epoch copy: do not keep them
    across epochs expecting them to change, and modifying one does not modify ``X``.

    Errors are raised at the call, not at the first ``next()``.
    """
    X, y = _check_pair(X, y)
    batch_size = positive_int(batch_size, "batch_size", "batch_size=32")
    n = len(X)
    if flag(shuffle, "shuffle"):
        order = as_rng(rng).permutation(n)
        X, y = X.take(order, axis=0), y.take(order, axis=0)  # take: faster than X[order]
    stop_at = n - n % batch_size if flag(drop_last, "drop_last") else n
    return _slices(X, y, batch_size, stop_at)


def _slices(X: np.ndarray, y: np.ndarray, batch_size: int, stop_at: int):
    for start in range(0, stop_at, batch_size):
        end = start + batch_size
        yield X[start:end], y[start:end]


class Split(NamedTuple):
    """The six arrays of a train/validation/test split."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def train_val_test_split(X, y, val: float = 0.2, test: float = 0.2, *, rng: RNGLike,
                         stratify: bool = False) -> Split:
    """Shuffle and split into train / validation / test parts (fractions ``val`` and ``test``).

    Sizes are ``round(val * n)`` and ``round(test * n)``; the rest is training data. With
    ``stratify=True`` (class labels only) the rounding is done per class, so every part keeps the
    class proportions of ``y`` (to within one sample per class). ``val=0`` gives empty
    validation arrays. The validation set is for choosing hyperparameters and early stopping;
    the test set is looked at once, at the end.
    """
    X, y = _check_pair(X, y)
    val, test = (real_number(frac, f"{name} (a fraction of the samples)", low=0.0, high=1.0, high_open=True,
                             fix=f"e.g. {name}=0.2") for name, frac in (("val", val), ("test", test)))
    if val + test >= 1.0:
        raise ValueError(f"val + test = {val + test:g} leaves no training data; make them sum to less than 1.")
    gen = as_rng(rng)
    n = len(X)
    if flag(stratify, "stratify"):
        labels = np.asarray(y)
        if labels.ndim != 1:
            raise ValueError(f"stratify=True needs 1-D class labels, got y of shape {labels.shape}; "
                             "pass labels (e.g. Y.argmax(axis=1)) or stratify=False.")
        parts: list[list[np.ndarray]] = [[], [], []]
        for cls in np.unique(labels):
            members = gen.permutation(np.flatnonzero(labels == cls))
            n_test = int(round(test * len(members)))
            n_val = int(round(val * len(members)))
            parts[2].append(members[:n_test])
            parts[1].append(members[n_test:n_test + n_val])
            parts[0].append(members[n_test + n_val:])
        # shuffle within each part so the classes are not in blocks
        train_idx, val_idx, test_idx = (gen.permutation(np.concatenate(p)) for p in parts)
    else:
        order = gen.permutation(n)
        n_test = int(round(test * n))
        n_val = int(round(val * n))
        test_idx, val_idx, train_idx = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    if len(train_idx) == 0:
        raise ValueError(f"the split of {n} samples leaves no training data; lower val/test or add data.")
    return Split(X[train_idx], y[train_idx], X[val_idx], y[val_idx], X[test_idx], y[test_idx])


def kfold(n: int, k: int, *, rng: RNGLike = None, shuffle: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(train_idx, val_idx)`` for k-fold cross-validation over ``n`` samples.

    The ``k`` validation folds partition ``0..n-1`` (sizes differ by at most one: the first
    ``n % k`` folds get the extra sample, as in scikit-learn); each train index set is the rest.
    """
    n = positive_int(n, "n (the number of samples)")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise ValueError(f"k must be an integer between 2 and n={n}, got {k!r}; e.g. k=5.")
    order = as_rng(rng).permutation(n) if flag(shuffle, "shuffle") else np.arange(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return _folds(order, bounds)


def _folds(order: np.ndarray, bounds: np.ndarray):
    for start, stop in zip(bounds[:-1], bounds[1:]):
        yield np.concatenate([order[:start], order[stop:]]), order[start:stop]


def bootstrap_sample(n: int, rng: RNGLike) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` indices with replacement (in-bag) and return them with the never-drawn ones.

    About ``(1 - 1/n)^n ~ 1/e ~ 36.8%`` of the samples are out of bag: a free validation set for
    the model trained on the in-bag sample (bagging, random forests).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive number of samples, got {n!r}.")
    in_bag = as_rng(rng).integers(0, n, size=n)
    drawn = np.zeros(n, dtype=bool)
    drawn[in_bag] = True
    return in_bag, np.flatnonzero(~drawn)


class Standardizer:
    """Scale each feature to mean 0 and standard deviation 1: ``z = (x - mean) / std``.

    Fit it on the training data only and reuse the same ``mean_``/``std_`` for validation and
    test data; fitting on everything leaks test information into training. A constant feature
    (std 0) gets ``std_ = 1`` so it maps to 0 instead of dividing by zero. The population std
    (ddof=0) is used, as in scikit-learn's StandardScaler. float32 in gives float32 out.
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, X) -> "Standardizer":
        X = np.asarray(X)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"Standardizer.fit needs a non-empty 2-D array (samples, features), got shape {X.shape}.")
        if not np.all(np.isfinite(X)):
            raise ValueError("Standardizer.fit got NaN or infinite values; clean or impute them first.")
        X64 = X.astype(np.float64)  # accumulate in float64 for accurate statistics
        self.mean_ = X64.mean(axis=0)
        std = X64.std(axis=0)
        self.std_ = np.where(std > 0, std, 1.0)
        return self

    def _check(self, X, where: str) -> np.ndarray:
        if self.mean_ is None:
            raise ValueError(f"Standardizer.{where} called before fit; call fit(X_train) first.")
        X = np.asarray(X)
        if X.dtype.kind != "f":
            X = X.astype(np.float64)
        if X.ndim != 2 or X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"Standardizer.{where} got shape {X.shape} but was fit on {self.mean_.shape[0]} "
                             "features; pass (samples, features) with the same features.")
        return X

    def transform(self, X) -> np.ndarray:
        X = self._check(X, "transform")
        return (X - self.mean_.astype(X.dtype)) / self.std_.astype(X.dtype)

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        Z = self._check(Z, "inverse_transform")
        return Z * self.std_.astype(Z.dtype) + self.mean_.astype(Z.dtype)


def one_hot(labels, num_classes: int, dtype=np.float64) -> np.ndarray:
    """Rows of zeros with a 1 at each label: ``one_hot([2, 0], 3) = [[0,0,1],[1,0,0]]``.

    Labels are integers 0..num_classes-1 (or whole floats); booleans count as 0 and 1.
    """
    num_classes = positive_int(num_classes, "num_classes", "num_classes=10")
    dtype = float_dtype(dtype)
    labels = check_labels(labels, num_classes)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}; flatten them with labels.ravel().")
    out = np.zeros((labels.shape[0], num_classes), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


# --------------------------------------------------------------------------------------------
# synthetic data sets
# --------------------------------------------------------------------------------------------

def _check_n(n, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}.")
    return int(n)


def _check_range(x_range) -> tuple[float, float]:
    """``(low, high)`` with low < high, both finite: the interval x is drawn from."""
    if not isinstance(x_range, (tuple, list)) or len(x_range) != 2:
        raise TypeError(f"x_range must be a pair (low, high), got {x_range!r}; e.g. x_range=(-3.0, 3.0).")
    low, high = (real_number(v, "x_range", fix="e.g. x_range=(-3.0, 3.0)") for v in x_range)
    if not low < high:
        raise ValueError(f"x_range must have low < high, got {x_range!r}; e.g. x_range=(-3.0, 3.0).")
    return low, high


def _check_noise(noise: float, name: str = "noise") -> float:
    return real_number(noise, f"{name} (a standard deviation)", low=0.0, fix=f"e.g. {name}=0.1")


def xor(n: int = 200, noise: float = 0.1, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: points near the corners of the unit square, label = x1 XOR x2.

    Sample ``i`` sits at corner ``[(0,0), (0,1), (1,0), (1,1)][i % 4]`` plus Gaussian noise of
    std ``noise``, so ``xor(4, noise=0)`` is exactly the truth table (labels 0, 1, 1, 0). No
    straight line separates the classes; one hidden layer does.
    """
    n = _check_n(n)
    noise = _check_noise(noise)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    X = corners[np.arange(n) % 4] + noise * as_rng(rng).standard_normal((n, 2))
    return X, labels[np.arange(n) % 4]


def spirals(n_per_class: int = 100, classes: int = 3, noise: float = 0.2,
            rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n toy set); not linearly separable.

    Arm ``j`` has radius ``r`` from 0 to 1 and angle ``4j .. 4(j+1)`` radians plus Gaussian
    angle noise of std ``noise``: ``x = (r sin t, r cos t)``.
    """
    n_per_class = _check_n(n_per_class, "n_per_class")
    classes = _check_n(classes, "classes")
    noise = _check_noise(noise)
    gen = as_rng(rng)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    base = np.concatenate([np.linspace(4.0 * j, 4.0 * (j + 1), n_per_class) for j in range(classes)])
    theta = base + noise * gen.standard_normal(n_per_class * classes)
    X = np.column_stack([radius * np.sin(theta), radius * np.cos(theta)])
    return X, np.repeat(np.arange(classes, dtype=np.int64), n_per_class)


def moons(n: int = 200, noise: float = 0.1, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's make_moons), shuffled.

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)`` for ``t`` in ``[0, pi]``,
    plus Gaussian noise of std ``noise``. Class 0 gets ``n // 2`` points, class 1 the rest.
    """
    n = _check_n(n)
    noise = _check_noise(noise)
    gen = as_rng(rng)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])])
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    X = X + noise * gen.standard_normal(X.shape)
    order = gen.permutation(n)
    return X[order], y[order]


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5,
            rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1, radius ``factor``) inside a unit circle (class 0), shuffled.

    As scikit-learn's make_circles: class 0 gets ``n // 2`` points; Gaussian noise of std ``noise``.
    """
    n = _check_n(n)
    noise = _check_noise(noise)
    factor = real_number(factor, "factor (the inner radius)", low=0.0, high=1.0, low_open=True, high_open=True,
                         fix="e.g. factor=0.5")
    gen = as_rng(rng)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0.0, 2.0 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2.0 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        factor * np.column_stack([np.cos(t1), np.sin(t1)])])
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    X = X + noise * gen.standard_normal(X.shape)
    order = gen.permutation(n)
    return X[order], y[order]


def noisy_line(n: int = 50, slope: float = 2.0, intercept: float = 1.0, noise: float = 1.0,
               rng: RNGLike = None, *, x_range: tuple[float, float] = (-3.0, 3.0)) -> tuple[np.ndarray, np.ndarray]:
    """Points ``y = slope * x + intercept + noise * N(0, 1)`` with ``x`` uniform in ``x_range``.

    Returns ``X`` (n, 1) sorted by x (handy for plotting) and ``y`` (n, 1).
    """
    n = _check_n(n)
    noise = _check_noise(noise)
    slope, intercept = real_number(slope, "slope"), real_number(intercept, "intercept")
    low, high = _check_range(x_range)
    gen = as_rng(rng)
    x = np.sort(gen.uniform(low, high, n))
    y = slope * x + intercept + noise * gen.standard_normal(n)
    return x[:, None], y[:, None]


def noisy_polynomial(n: int = 50, coeffs: Sequence[float] | int = (0.5, -1.0, 2.0), noise: float = 0.1,
                     rng: RNGLike = None, *, x_range: tuple[float, float] = (-1.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """Points ``y = c0 + c1 x + c2 x^2 + ... + noise * N(0, 1)``, ``x`` uniform in ``x_range``.

    ``coeffs`` lists the coefficients in increasing power (``(0.5, -1, 2)`` is
    ``0.5 - x + 2x^2``); an int ``d`` instead draws ``d + 1`` standard-normal coefficients from
    ``rng`` (pass them explicitly when you need the true curve). The over/underfitting chapter
    fits polynomials of other degrees to this. Returns ``X`` (n, 1) sorted and ``y`` (n, 1).
    """
    n = _check_n(n)
    noise = _check_noise(noise)
    gen = as_rng(rng)
    if isinstance(coeffs, (int, np.integer)) and not isinstance(coeffs, bool):
        if coeffs < 0:
            raise ValueError(f"a polynomial degree must be >= 0, got {coeffs}.")
        coeffs = gen.standard_normal(int(coeffs) + 1)
    coeffs = np.asarray(coeffs, dtype=np.float64)
    if coeffs.ndim != 1 or coeffs.size == 0:
        raise ValueError(f"coeffs must be a non-empty list of numbers or a degree, got shape {coeffs.shape}.")
    x = np.sort(gen.uniform(*_check_range(x_range), n))
    y = np.polynomial.polynomial.polyval(x, coeffs) + noise * gen.standard_normal(n)
    return x[:, None], y[:, None]


#: The pass/fail rule's weights: score = 0.4 * lectures + 0.5 * hours - 5.5 (+ noise).
PASS_FAIL_RULE = (0.4, 0.5, -5.5)


def pass_fail(n: int = 100, rng: RNGLike = None, *, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """MIT 6.S191's "Will I pass this class?" example (Lecture 1, the perceptron).

    Features: ``x1`` = number of lectures attended (integers 0..15) and ``x2`` = hours spent on
    the final project (uniform 0..12). The label is 1 (passed) when the score
    ``0.4 * x1 + 0.5 * x2 - 5.5 + noise * N(0, 1)`` is positive, 0 otherwise: a linear rule, so a
    single neuron can learn it, and noise, so some students near the boundary go the other way
    and the classes overlap. About half the students pass. The lecture's student with 4
    lectures and 5 hours scores -1.4 before noise: likely to fail. Returns ``X`` float64 (n, 2),
    ``y`` int64 (n,).
    """
    n = _check_n(n)
    noise = _check_noise(noise)
    gen = as_rng(rng)
    lectures = gen.integers(0, 16, n).astype(np.float64)
    hours = gen.uniform(0.0, 12.0, n)
    w_lectures, w_hours, bias = PASS_FAIL_RULE
    score = w_lectures * lectures + w_hours * hours + bias + noise * gen.standard_normal(n)
    return np.column_stack([lectures, hours]), (score > 0).astype(np.int64)


# --------------------------------------------------------------------------------------------
# real data sets
# --------------------------------------------------------------------------------------------

def load_digits(dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's shipped handwritten digits (UCI): 1,797 images of 8x8 pixels, 10 classes.

    Returns ``X`` (1797, 64) in ``dtype`` with pixel values 0..16 scaled to [0, 1] (divided by
    16), and ``y`` int64 (1797,). No download: the file ships inside scikit-learn.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    X = (bunch.data / 16.0).astype(float_dtype(dtype))
    return X, bunch.target.astype(np.int64)


def load_diabetes(*, scaled: bool = False, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's shipped diabetes regression set: 442 patients, 10 features.

    Features: age, sex, BMI, blood pressure and six blood serum measurements; target: a measure
    of disease progression one year later (25..346). By default the raw (unscaled) features, so
    that a chapter can show why standardizing matters; ``scaled=True`` gives scikit-learn's
    mean-centred, norm-scaled version. Returns ``X`` (442, 10) and ``y`` (442, 1).
    """
    from sklearn.datasets import load_diabetes as _sk_load_diabetes

    dtype = float_dtype(dtype)
    bunch = _sk_load_diabetes(scaled=flag(scaled, "scaled"))
    return bunch.data.astype(dtype), bunch.target.astype(dtype)[:, None]


# --------------------------------------------------------------------------------------------
# augmentation
# --------------------------------------------------------------------------------------------

def add_noise(X, std: float, rng: RNGLike, *, clip: tuple[float, float] | None = None) -> np.ndarray:
    """Return ``X + std * N(0, 1)`` (a new array, dtype kept), optionally clipped to ``clip``."""
    X = np.asarray(X)
    std = _check_noise(std, "std")
    dtype = X.dtype if X.dtype.kind == "f" else np.float64
    out = X + (std * as_rng(rng).standard_normal(X.shape)).astype(dtype)
    if clip is not None:
        np.clip(out, clip[0], clip[1], out=out)
    return out


def _as_images(X, shape: tuple[int, int], where: str) -> tuple[np.ndarray, tuple[int, ...]]:
    X = np.asarray(X)
    h, w = shape
    if X.ndim == 2 and X.shape[1] == h * w:
        return X.reshape(len(X), h, w), X.shape
    if X.ndim == 3 and X.shape[1:] == (h, w):
        return X, X.shape
    raise ValueError(f"{where} expects images of shape {shape}, flattened (n, {h * w}) or (n, {h}, {w}); "
                     f"got {X.shape}. Pass shape=(height, width) for other image sizes.")


def shift_images(X, max_shift: int, rng: RNGLike, shape: tuple[int, int] = (8, 8)) -> np.ndarray:
    """Shift each image by a random whole number of pixels in ``-max_shift..max_shift`` per axis.

    Pixels moved in from outside are 0 (background). Accepts flattened rows ``(n, h*w)`` or
    images ``(n, h, w)`` and returns the same shape and dtype: the simplest augmentation that
    teaches a classifier that a digit moved one pixel is the same digit.
    """
    images, original_shape = _as_images(X, shape, "shift_images")
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"max_shift must be a whole number of pixels >= 0, got {max_shift!r}.")
    n, h, w = images.shape
    shifts = as_rng(rng).integers(-max_shift, max_shift + 1, size=(n, 2))
    out = np.zeros_like(images)
    # one vectorised copy per distinct (dy, dx), at most (2*max_shift+1)^2 of them
    for dy, dx in np.unique(shifts, axis=0):
        rows = np.flatnonzero((shifts[:, 0] == dy) & (shifts[:, 1] == dx))
        dst_y, src_y = slice(max(dy, 0), h + min(dy, 0)), slice(max(-dy, 0), h - max(dy, 0))
        dst_x, src_x = slice(max(dx, 0), w + min(dx, 0)), slice(max(-dx, 0), w - max(dx, 0))
        out[rows, dst_y, dst_x] = images[rows, src_y, src_x]
    return out.reshape(original_shape)


def _check_mix_inputs(X, Y, alpha: float, where: str) -> tuple[np.ndarray, np.ndarray]:
    X, Y = _check_pair(X, Y)
    if Y.ndim != 2:
        raise ValueError(f"{where} mixes targets, so Y must be one-hot rows (n, classes), got shape {Y.shape}; "
                         "use one_hot(y, num_classes).")
    real_number(alpha, "alpha (the Beta(alpha, alpha) parameter)", low=0.0, low_open=True, fix="0.2 is common")
    return X, Y


def mixup(X, Y_onehot, alpha: float, rng: RNGLike) -> tuple[np.ndarray, np.ndarray]:
    """mixup (Zhang et al., 2018): blend random pairs of samples and their one-hot targets.

    For each sample ``i`` and a random partner ``j`` (a permutation), with
    ``lam_i ~ Beta(alpha, alpha)``: ``x = lam x_i + (1 - lam) x_j``, ``t = lam t_i + (1 - lam) t_j``.
    One ``lam`` per sample. Train with a loss that accepts probability targets
    (softmax cross-entropy does).
    """
    X, Y = _check_mix_inputs(X, Y_onehot, alpha, "mixup")
    gen = as_rng(rng)
    n = len(X)
    partner = gen.permutation(n)
    lam = gen.beta(alpha, alpha, size=n)
    lam_x = lam.reshape((n,) + (1,) * (X.ndim - 1)).astype(X.dtype if X.dtype.kind == "f" else np.float64)
    lam_y = lam[:, None].astype(Y.dtype if Y.dtype.kind == "f" else np.float64)
    return lam_x * X + (1 - lam_x) * X[partner], lam_y * Y + (1 - lam_y) * Y[partner]


def cutmix(X, Y_onehot, alpha: float, rng: RNGLike, shape: tuple[int, int] = (8, 8)) -> tuple[np.ndarray, np.ndarray]:
    """CutMix (Yun et al., 2019): paste a random rectangle from a partner image into each image.

    The box covers a fraction ``1 - lam`` of the image (``lam ~ Beta(alpha, alpha)``, clipped to
    the pixel grid) and the target mixes in proportion to the pixels actually kept:
    ``t = lam' t_i + (1 - lam') t_j``. Same shapes as the input.
    """
    _check_mix_inputs(X, Y_onehot, alpha, "cutmix")
    images, original_shape = _as_images(X, shape, "cutmix")
    Y = np.asarray(Y_onehot)
    gen = as_rng(rng)
    n, h, w = images.shape
    partner = gen.permutation(n)
    lam = gen.beta(alpha, alpha, size=n)
    cut_h = np.round(h * np.sqrt(1 - lam)).astype(int)
    cut_w = np.round(w * np.sqrt(1 - lam)).astype(int)
    top = gen.integers(0, h - cut_h + 1)
    left = gen.integers(0, w - cut_w + 1)
    out = images.copy()
    kept = np.empty(n)
    for i in range(n):  # boxes differ per image; n is a mini-batch, so a loop is fine
        box = (slice(top[i], top[i] + cut_h[i]), slice(left[i], left[i] + cut_w[i]))
        out[i][box] = images[partner[i]][box]
        kept[i] = 1.0 - cut_h[i] * cut_w[i] / (h * w)
    lam_y = kept[:, None].astype(Y.dtype if Y.dtype.kind == "f" else np.float64)
    return out.reshape(original_shape), lam_y * Y + (1 - lam_y) * Y[partner]
