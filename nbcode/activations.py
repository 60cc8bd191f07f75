"""Activation functions and their derivatives, written to be numerically stable.

Each function takes an array ``x`` and returns an array of the same shape and float dtype
(float32 in -> float32 out; integers and booleans become float64). Each ``*_grad`` is the
derivative with respect to the input, evaluated at ``x`` (elementwise).

Stability is the point of most of the code below: ``exp`` overflows float64 above ~709 (float32
above ~88), so nothing here ever calls ``exp`` on a large positive number. NaN inputs propagate
(as in NumPy and PyTorch); losses are where nbcode checks for NaN.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._checks import as_float_array, flag, lookup, real_number

__all__ = [
    "step",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "identity",
    "softmax",
    "log_softmax",
    "logsumexp",
    "step_grad",
    "sigmoid_grad",
    "tanh_grad",
    "relu_grad",
    "leaky_relu_grad",
    "identity_grad",
    "ACTIVATIONS",
    "get",
]


def step(x) -> np.ndarray:
    """Heaviside step of the perceptron: 1 where x > 0, else 0."""
    x = as_float_array(x)
    return (x > 0).astype(x.dtype)


def step_grad(x) -> np.ndarray:
    """d step/dx = 0 wherever it exists (it is undefined at 0; we return 0 there too).

    A zero derivative everywhere is why a network of step units cannot learn by gradient descent.
    """
    return np.zeros_like(as_float_array(x))


def sigmoid(x) -> np.ndarray:
    """sigmoid(x) = 1 / (1 + exp(-x)), computed without overflow.

    With ``e = exp(-|x|)`` in (0, 1]: ``x >= 0 -> 1 / (1 + e)``, ``x < 0 -> e / (1 + e)``
    (the same number, rewritten so exp never sees a large positive argument).
    """
    x = as_float_array(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_grad(x) -> np.ndarray:
    """d sigmoid/dx = s (1 - s), at most 0.25 (at x = 0): the vanishing-gradient factor."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x) -> np.ndarray:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x) = 2 sigmoid(2x) - 1, in (-1, 1) (NumPy's is stable)."""
    return np.tanh(as_float_array(x))


def tanh_grad(x) -> np.ndarray:
    """d tanh/dx = 1 - tanh(x)^2, at most 1 (at x = 0)."""
    t = np.tanh(as_float_array(x))
    return 1.0 - t * t


def relu(x) -> np.ndarray:
    """ReLU(x) = max(x, 0)."""
    return np.maximum(as_float_array(x), 0)


def relu_grad(x) -> np.ndarray:
    """d ReLU/dx = 1 for x > 0, 0 for x < 0 (and 0 at x = 0, as in PyTorch)."""
    x = as_float_array(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x, negative_slope: float = 0.01) -> np.ndarray:
    """LeakyReLU(x) = x for x > 0, negative_slope * x otherwise (a small slope keeps units alive)."""
    x = as_float_array(x)
    negative_slope = real_number(negative_slope, "leaky_relu: negative_slope", fix="e.g. 0.01")
    return np.where(x > 0, x, negative_slope * x).astype(x.dtype, copy=False)


def leaky_relu_grad(x, negative_slope: float = 0.01) -> np.ndarray:
    """d LeakyReLU/dx = 1 for x > 0, negative_slope otherwise."""
    x = as_float_array(x)
    negative_slope = real_number(negative_slope, "leaky_relu_grad: negative_slope", fix="e.g. 0.01")
    return np.where(x > 0, 1.0, negative_slope).astype(x.dtype, copy=False)


def identity(x) -> np.ndarray:
    """identity(x) = x: a "linear" activation (a deep stack of them is still one linear map)."""
    return as_float_array(x)


def identity_grad(x) -> np.ndarray:
    """d identity/dx = 1."""
    return np.ones_like(as_float_array(x))


def _check_axis_nonempty(x: np.ndarray, axis, where: str) -> None:
    if axis is not None and (isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer))):
        raise TypeError(f"{where}: axis must be an integer (or None where allowed), got {type(axis).__name__} {axis!r}; "
                        "use axis=-1 for rows of scores.")
    if axis is not None and not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{where}: axis {axis} does not exist for an array of shape {x.shape}; use axis=-1 for rows of scores.")
    if x.size == 0 if axis is None else x.shape[axis] == 0:
        raise ValueError(
            f"{where} needs at least one value along axis {axis}, got shape {x.shape}; "
            "pass a non-empty array (one row of scores per sample)."
        )


def _finite_max(x: np.ndarray, axis, where: str) -> np.ndarray:
    """The max along ``axis`` (kept as an axis), refusing +-inf scores: exp(inf - inf) is NaN.
    Only the maxima are tested, one per row, so the check is nearly free."""
    m = x.max(axis=axis, keepdims=True)
    if np.isinf(m).any():  # a +inf score, or a row of -inf only
        raise ValueError(f"{where} got an infinite score; scores must be finite (NaN propagates). "
                         "Clip them, e.g. np.clip(x, -1e4, 1e4), or find where they overflowed.")
    return m


def softmax(x, axis: int = -1) -> np.ndarray:
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along ``axis``.

    Subtracting the row maximum first changes nothing mathematically (the factor exp(-max)
    cancels) but keeps every exponent <= 0, so exp cannot overflow and the sum is >= 1.
    """
    x = as_float_array(x)
    _check_axis_nonempty(x, axis, "softmax")
    e = x - _finite_max(x, axis, "softmax")
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(x, axis: int = -1) -> np.ndarray:
    """log softmax(x)_i = x_i - logsumexp(x), computed from shifted scores so it never takes log(0)."""
    x = as_float_array(x)
    _check_axis_nonempty(x, axis, "log_softmax")
    shifted = x - _finite_max(x, axis, "log_softmax")
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def logsumexp(x, axis: int | None = -1, keepdims: bool = False) -> np.ndarray:
    """log sum_i exp(x_i) = m + log sum_i exp(x_i - m) with m = max(x) (the max trick).

    A row whose max is infinite (e.g. all -inf) uses m = 0 so the result is that infinity, not NaN.
    """
    x = as_float_array(x)
    _check_axis_nonempty(x, axis, "logsumexp")
    keepdims = flag(keepdims, "logsumexp: keepdims")
    m = x.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0).astype(x.dtype, copy=False)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for an all -inf row
        out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else (np.squeeze(out, axis=axis) if axis is not None else out.reshape(()))


ACTIVATIONS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "step": (step, step_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "identity": (identity, identity_grad),
}
"""Name -> (function, derivative) for the elementwise activations."""


def get(name: str) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """Return the pair ``(fn, fn_grad)`` for an activation name, e.g. ``get("relu")``."""
    return ACTIVATIONS[lookup("activation", name, ACTIVATIONS)]
