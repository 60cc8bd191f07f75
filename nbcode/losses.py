"""Loss functions and their gradients with respect to the prediction.

Every loss returns the MEAN over the batch, like PyTorch's ``reduction="mean"`` (for MSE and
binary cross-entropy: the mean over all elements), so every gradient carries a 1/N. The value
is a NumPy scalar of the prediction's dtype (float32 in -> float32 out); targets are cast to
that dtype.

Checks are cheap on purpose (these run once per mini-batch): shapes, empty batches and label
ranges are checked up front; NaN/inf is detected from the scalar result, and only then are the
inputs scanned to say which one was bad.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import (
    as_float_array, check_binary_targets, check_finite, check_label_smoothing, check_ndim, check_nonempty,
    check_unit_interval, class_targets, finite_or_raise, float_dtype, same_shape_pair,
)
from .activations import sigmoid

__all__ = [
    "mse",
    "mse_grad",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "probability_eps",
]
# Not in __all__: softmax_targets (the one check of logits and targets), then the unchecked kernels
# softmax_cross_entropy_forward/_backward and bce_with_logits_value, which the loss layers of
# nbcode.layers share with the functions here. Call them only with what softmax_targets returns.


# ---------------------------------------------------------------------------- shared checks
def _check_finite_inputs(where: str, **arrays: np.ndarray) -> None:
    """Gradient functions have no scalar to test, so they scan their inputs (they are not the hot path)."""
    for name, arr in arrays.items():
        if arr is not None:
            check_finite(arr, f"{name} passed to {where}")


def probability_eps(dtype) -> float:
    """Clipping margin for probabilities: the machine epsilon of ``dtype``.

    1 - eps must still be < 1 so that log(1 - p) stays finite: with float32 a fixed 1e-12 would
    round 1 - 1e-12 to exactly 1.0 and give log(0). The machine epsilon (2.2e-16 for float64,
    1.2e-7 for float32) is the smallest such margin, so clipping changes the loss only where it
    would otherwise be infinite (it caps one sample's loss at -log(eps): 36 / 16).
    """
    return float(np.finfo(float_dtype(dtype)).eps)


# ---------------------------------------------------------------------------- mean squared error
def mse(y, t):
    """L = mean((y - t)^2) over all elements (torch.nn.MSELoss)."""
    y, t = same_shape_pair(y, t, "mse", "predictions", "targets")
    diff = y - t
    return finite_or_raise(np.sum(diff * diff) / diff.size, "mse", predictions=y, targets=t)


def mse_grad(y, t) -> np.ndarray:
    """dL/dy = 2 (y - t) / n, n = number of elements."""
    y, t = same_shape_pair(y, t, "mse_grad", "predictions", "targets")
    _check_finite_inputs("mse_grad", predictions=y, targets=t)
    return (y - t) * (2.0 / y.size)


# ---------------------------------------------------------------------------- binary cross-entropy
def _check_probabilities(p: np.ndarray, where: str) -> None:
    check_unit_interval(p, "probabilities", where,
                        "if these are raw scores (logits), use binary_cross_entropy_with_logits.")


def binary_cross_entropy(p, t):
    """L = -mean(t log p + (1 - t) log(1 - p)), with p clipped to [eps, 1 - eps] (see ``probability_eps``)."""
    p, t = same_shape_pair(p, t, "binary_cross_entropy", "probabilities", "targets")
    _check_probabilities(p, "binary_cross_entropy")
    check_binary_targets(t, "binary_cross_entropy")
    eps = probability_eps(p.dtype)
    pc = np.clip(p, eps, 1.0 - eps)
    loss = -np.sum(t * np.log(pc) + (1.0 - t) * np.log1p(-pc)) / p.size
    return finite_or_raise(loss, "binary_cross_entropy", probabilities=p, targets=t)


def binary_cross_entropy_grad(p, t) -> np.ndarray:
    """dL/dp = (p - t) / (p (1 - p)) / n, evaluated at the clipped p so it stays finite."""
    p, t = same_shape_pair(p, t, "binary_cross_entropy_grad", "probabilities", "targets")
    _check_finite_inputs("binary_cross_entropy_grad", probabilities=p, targets=t)
    _check_probabilities(p, "binary_cross_entropy_grad")
    check_binary_targets(t, "binary_cross_entropy_grad")
    eps = probability_eps(p.dtype)
    pc = np.clip(p, eps, 1.0 - eps)
    return (pc - t) / (pc * (1.0 - pc) * p.size)


def bce_with_logits_value(z: np.ndarray, t: np.ndarray):
    # -[t log s(z) + (1-t) log(1-s(z))] = max(z, 0) - z t + log(1 + exp(-|z|)):
    # exp sees only -|z| <= 0, so no overflow, and log1p keeps precision when exp(-|z|) is tiny.
    return np.sum(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))) / z.size


def binary_cross_entropy_with_logits(z, t):
    """Binary cross-entropy of sigmoid(z), computed from the logits z without forming sigmoid(z)."""
    z, t = same_shape_pair(z, t, "binary_cross_entropy_with_logits", "logits", "targets")
    check_binary_targets(t, "binary_cross_entropy_with_logits")
    loss = bce_with_logits_value(z, t)
    return finite_or_raise(loss, "binary_cross_entropy_with_logits", logits=z, targets=t)


def binary_cross_entropy_with_logits_grad(z, t) -> np.ndarray:
    """dL/dz = (sigmoid(z) - t) / n: the sigmoid's s(1-s) cancels the log's 1/(s(1-s))."""
    z, t = same_shape_pair(z, t, "binary_cross_entropy_with_logits_grad", "logits", "targets")
    _check_finite_inputs("binary_cross_entropy_with_logits_grad", logits=z, targets=t)
    check_binary_targets(t, "binary_cross_entropy_with_logits_grad")
    return (sigmoid(z) - t) * (1.0 / z.size)


# ---------------------------------------------------------------------------- softmax cross-entropy
def softmax_targets(logits, targets, where: str):
    """Check logits (N, C) and targets; return (logits, labels or None, target rows or None)."""
    logits = as_float_array(logits, "logits")
    if logits.ndim != 2 or logits.size == 0:
        check_ndim(logits, 2, "logits", where)
        check_nonempty(logits, f"logits passed to {where}")
    labels, rows = class_targets(targets, logits.shape, where)
    if rows is not None and rows.dtype != logits.dtype:
        rows = rows.astype(logits.dtype)
    return logits, labels, rows


def softmax_cross_entropy_forward(logits: np.ndarray, labels, target_rows, label_smoothing: float):
    """Return (mean loss, softmax probabilities). The shared core of the function and the layer.

    With shifted scores s = z - max(z) and lse = log sum_j exp(s_j), log softmax_k = s_k - lse.
    Smoothed target q = (1 - ls) onehot + ls / C (rows sum to 1), so per sample
        L = -sum_k q_k (s_k - lse) = lse - (1 - ls) s_y - ls mean_k(s_k).
    (Means are written as sum / n: np.mean costs several times a sum on small arrays.)
    """
    n, c = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    if labels is not None:
        picked = shifted[np.arange(n), labels]
        if label_smoothing:
            picked *= 1.0 - label_smoothing
            picked += (label_smoothing / c) * shifted.sum(axis=1)
        probs = np.exp(shifted, out=shifted)  # reuse the buffer: s is no longer needed
        sums = probs.sum(axis=1)
        loss = (np.log(sums).sum() - picked.sum()) / n
        probs /= sums[:, None]
    else:
        q = target_rows if not label_smoothing else (1.0 - label_smoothing) * target_rows + label_smoothing / c
        log_probs = shifted
        log_probs -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -np.sum(q * log_probs) / n
        probs = np.exp(log_probs, out=log_probs)
    return loss, probs


def softmax_cross_entropy_backward(probs: np.ndarray, labels, target_rows, label_smoothing: float, scale):
    """dL/dz = (softmax(z) - q) * scale, with scale = dout / N."""
    n, c = probs.shape
    grad = probs.copy()
    if labels is not None:
        grad[np.arange(n), labels] -= 1.0 - label_smoothing
        if label_smoothing:
            grad -= label_smoothing / c
    else:
        grad -= target_rows if not label_smoothing else (1.0 - label_smoothing) * target_rows + label_smoothing / c
    grad *= scale
    return grad


def softmax_cross_entropy(logits, targets, label_smoothing: float = 0.0):
    """Mean cross-entropy of softmax(logits) against integer labels (N,) or target rows (N, C).

    Equals torch.nn.functional.cross_entropy(logits, targets, label_smoothing=...): the target
    becomes (1 - label_smoothing) * onehot + label_smoothing / C. Computed from the logits with the
    log-sum-exp trick, so it is finite for logits of any size.
    """
    ls = check_label_smoothing(label_smoothing)
    logits, labels, rows = softmax_targets(logits, targets, "softmax_cross_entropy")
    loss, _ = softmax_cross_entropy_forward(logits, labels, rows, ls)
    return finite_or_raise(loss, "softmax_cross_entropy", logits=logits, targets=rows)


def softmax_cross_entropy_grad(logits, targets, label_smoothing: float = 0.0) -> np.ndarray:
    """dL/dlogits = (softmax(logits) - q) / N: the softmax Jacobian and the log cancel to y - t."""
    ls = check_label_smoothing(label_smoothing)
    logits, labels, rows = softmax_targets(logits, targets, "softmax_cross_entropy_grad")
    _check_finite_inputs("softmax_cross_entropy_grad", logits=logits, targets=rows)
    _, probs = softmax_cross_entropy_forward(logits, labels, rows, ls)
    return softmax_cross_entropy_backward(probs, labels, rows, ls, 1.0 / logits.shape[0])
