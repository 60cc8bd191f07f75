"""Input checks shared by nbcode's public functions.

Errors are for people: each message says what was wrong, where, and how to fix it.
"""

from __future__ import annotations

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
    """Return integer class labels as an int array, checking they lie in ``[0, num_classes)``."""
    arr = np.asarray(labels)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must be whole class indices, got non-integer values; pass integer labels or one-hot targets.")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name} must be integer class indices, got dtype {arr.dtype}.")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(
            f"{name} must lie in 0..{num_classes - 1} for {num_classes} classes, "
            f"found values from {arr.min()} to {arr.max()}; re-encode the labels or widen the output layer."
        )
    return arr


def unknown_name(kind: str, name: str, known: Iterable[str]) -> ValueError:
    """Build the ``ValueError`` for an unknown activation/optimizer/initializer name."""
    return ValueError(f"unknown {kind} {name!r}; choose one of: {', '.join(sorted(known))}.")
