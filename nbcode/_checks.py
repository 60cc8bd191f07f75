"""Input checks shared by nbcode's public functions.

Errors are for people: each message says what was wrong, where, and how to fix it.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np


def as_float_array(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a floating-point array (float32 and float64 kept, anything else -> float64)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"{name} must be numeric, got an array of dtype {arr.dtype}; convert it with np.asarray(..., dtype=float).")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return arr


def check_finite(x: np.ndarray, name: str = "x") -> None:
    """Raise ``ValueError`` if ``x`` holds NaN or infinity."""
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); clean or impute the data "
            "(e.g. np.nan_to_num) or lower the learning rate if this came from training."
        )


def check_nonempty(x: np.ndarray, name: str = "x") -> None:
    """Raise ``ValueError`` for an empty batch."""
    if np.size(x) == 0 or (np.ndim(x) > 0 and np.shape(x)[0] == 0):
        raise ValueError(f"{name} is empty (shape {np.shape(x)}); pass at least one sample.")


def check_ndim(x: np.ndarray, ndim: int | Iterable[int], name: str = "x", where: str = "") -> None:
    """Raise ``ValueError`` unless ``x.ndim`` is one of ``ndim``."""
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if np.ndim(x) not in allowed:
        at = f" in {where}" if where else ""
        raise ValueError(
            f"{name}{at} must have {' or '.join(map(str, allowed))} dimension(s), got shape {np.shape(x)}; "
            "reshape it, e.g. x.reshape(len(x), -1) for a batch of samples."
        )


def check_labels(labels, num_classes: int, name: str = "labels") -> np.ndarray:
    """Return integer class labels as an int array, checking they lie in ``[0, num_classes)``.

    Whole-valued floats become int64, and so do booleans: ``False``/``True`` are classes 0 and 1
    (as in ``y = x > 0``), never a mask.
    """
    arr = np.asarray(labels)
    # fast path (this runs every mini-batch): viewed as unsigned, a negative label becomes huge,
    # so one max() checks both ends
    if arr.dtype.kind in "iu" and arr.size and arr.view(f"u{arr.itemsize}").max() < num_classes:
        return arr
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must be whole class indices, got non-integer values; pass integer labels or one-hot targets.")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must be integer class indices, got dtype {arr.dtype}; encode the classes "
                         "as 0..C-1, e.g. np.unique(y, return_inverse=True)[1].")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(
            f"{name} must lie in 0..{num_classes - 1} for {num_classes} classes, "
            f"found values from {arr.min()} to {arr.max()}; re-encode the labels or widen the output layer."
        )
    return arr


def check_unit_interval(x: np.ndarray, what: str, where: str, fix: str) -> None:
    """Raise ``ValueError`` if ``x`` has values outside [0, 1] (NaN passes: callers catch it from the loss)."""
    if x.min() < 0 or x.max() > 1:
        raise ValueError(f"{where} expects {what} in [0, 1], got values from {x.min()} to {x.max()}; {fix}")


#: How far a probability row may sum from 1: rounding stays below it even in float16 (relative
#: error 5e-4 per entry, so at most 5e-4 on the sum); rows that are not probabilities miss by far more.
ROW_SUM_TOLERANCE = 1e-3


def check_probability_rows(rows: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` unless every row is a probability distribution (entries >= 0, sum 1)."""
    if rows.min() < 0:
        raise ValueError(f"{name} must be probabilities (one-hot or soft labels), got a negative entry "
                         f"{rows.min()}; pass integer labels, one_hot(labels, C) or rows of a softmax.")
    sums = rows.sum(axis=1)
    off = np.abs(sums - 1.0) > ROW_SUM_TOLERANCE
    if np.any(off):
        row = int(np.argmax(off))
        raise ValueError(f"{name} must be probability rows that sum to 1, but {int(off.sum())} row(s) do not "
                         f"(row {row} sums to {sums[row]:.6g}); normalise them with "
                         "rows / rows.sum(axis=1, keepdims=True).")


def class_targets(targets, scores_shape: tuple[int, int], where: str, scores: str = "logits"):
    """Targets for ``(N, C)`` class scores: ``(labels, None)`` for integer labels ``(N,)`` (checked
    by :func:`check_labels`) or ``(None, rows)`` for one-hot/probability rows ``(N, C)`` (a float
    array checked by :func:`check_probability_rows`)."""
    n, c = scores_shape
    t = np.asarray(targets)
    if t.shape == (n,):
        return check_labels(t, c, "labels"), None
    if t.shape == (n, c):
        rows = as_float_array(t, "targets")
        check_probability_rows(rows, f"target rows passed to {where}")
        return None, rows
    raise ValueError(
        f"{where}: {scores} of shape {(n, c)} need targets of shape ({n},) (integer labels) or "
        f"{(n, c)} (one-hot/probability rows), got shape {t.shape}"
        + ("; flatten column labels with y.ravel()." if t.shape == (n, 1) else ".")
    )


def positive_int(value, name: str, example: str = "") -> int:
    """``value`` as an int, or ``ValueError`` unless it is a whole number >= 1 (bool is not a count).

    ``name`` says where, e.g. ``"Linear: in_features"``; ``example`` shows a valid call.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        fix = f"; e.g. {example}" if example else ""
        raise ValueError(f"{name} must be a positive integer, got {value!r}{fix}.")
    return int(value)


def real_number(value, name: str, *, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False, fix: str = "") -> float:
    """The one check of a numeric hyperparameter: ``value`` as a float in the interval given.

    ``TypeError`` unless ``value`` is a real number (not a string, None, bool or array);
    ``ValueError`` if it is NaN, infinite or outside ``[low, high]`` (an end is left out when
    ``low_open``/``high_open``). ``name`` is what the reader wrote, e.g. ``"Dropout: p"``;
    ``fix`` says what to pass instead, e.g. ``"e.g. p=0.5"``. Returns a Python float (which keeps
    float32 arrays float32 under NumPy's promotion rules).
    """
    fix = f"; {fix}" if fix else ""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}{fix}.")
    x = float(value)
    below = low is not None and (x < low or (low_open and x == low))
    above = high is not None and (x > high or (high_open and x == high))
    if not np.isfinite(x) or below or above:
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        ends = ("-inf" if low is None else f"{low:g}", "inf" if high is None else f"{high:g}")
        interval = "" if low is None and high is None else f" in {left}{ends[0]}, {ends[1]}{right}"
        raise ValueError(f"{name} must be a finite number{interval}, got {value!r}{fix}.")
    return x


def float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """``dtype`` as a NumPy dtype, or an error unless it is float32 or float64 (what nbcode computes in)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a NumPy float dtype, got {dtype!r}; pass np.float32 or np.float64.") from None
    if dt not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64, got {dt}; pass {name}=np.float32 or np.float64.")
    return dt


def flag(value, name: str) -> bool:
    """``value`` as a bool, or ``TypeError`` unless it is True or False (a string such as "no" is not)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}.")
    return bool(value)


def as_rng(rng, name: str = "rng", *, allow_none: bool = True) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator (used as is), an int seed, or None (fresh
    entropy; refused when ``allow_none`` is False, for results that must be reproducible)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    if rng is None and allow_none:
        return np.random.default_rng()
    accepted = "a non-negative int seed" + (" or None" if allow_none else " (it must be reproducible)")
    raise TypeError(f"{name} must be a numpy.random.Generator or {accepted}, got "
                    f"{type(rng).__name__} {rng!r}; e.g. {name}=np.random.default_rng(0) or {name}=0.")


def same_shape_pair(y, t, where: str, y_name: str, t_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Predictions and targets as float arrays of one shape and of the prediction's dtype."""
    y = as_float_array(y, y_name)
    t = as_float_array(t, t_name)
    if y.shape != t.shape:
        raise ValueError(
            f"{where}: {y_name} of shape {y.shape} and {t_name} of shape {t.shape} must have the same shape "
            f"(no broadcasting, it hides bugs); reshape the targets, e.g. t.reshape{y.shape}."
        )
    check_nonempty(y, f"{y_name} passed to {where}")
    if t.dtype != y.dtype:
        t = t.astype(y.dtype)
    return y, t


def finite_or_raise(value, where: str, **arrays: np.ndarray):
    """Return ``value`` if finite; otherwise name the input that holds NaN/inf (only then scan)."""
    if math.isfinite(value):
        return value
    for name, arr in arrays.items():
        if arr is not None:
            check_finite(arr, f"{name} passed to {where}")
    return value  # finite inputs, infinite loss: an overflow the caller (e.g. fit) treats as divergence


def check_binary_targets(t: np.ndarray, where: str) -> None:
    check_unit_interval(t, "targets", where,
                        "pass 0/1 labels (or probabilities), e.g. (y == positive_class).astype(float).")


def check_label_smoothing(label_smoothing: float) -> float:
    return real_number(label_smoothing, "label_smoothing", low=0.0, high=1.0, fix="0.1 is a common choice")


def lookup(kind: str, name, known: Iterable[str], aliases: dict[str, str] | None = None) -> str:
    """The key of ``name`` among ``known`` names: any case, "-" or "_" alike, ``aliases`` mapped.

    ``TypeError`` for a name that is not a string, ``ValueError`` (listing the choices) for an
    unknown one. The one way every ``get(name)`` in nbcode reads a name.
    """
    known = list(known)
    choices = known + list(aliases or {})
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a string, got {type(name).__name__} {name!r}; "
                        f"choose one of: {', '.join(sorted(choices))}.")
    key = name.lower().replace("-", "_")
    key = (aliases or {}).get(key, key)
    if key not in known:
        raise unknown_name(kind, name, choices)
    return key


def unknown_name(kind: str, name: str, known: Iterable[str]) -> ValueError:
    """Build the ``ValueError`` for an unknown activation/optimizer/initializer name."""
    return ValueError(f"unknown {kind} {name!r}; choose one of: {', '.join(sorted(known))}.")
