"""Gradient checking: compare backpropagation with finite differences.

Backprop is fast but easy to get wrong; the definition of the derivative is slow but hard to get
wrong. The central difference (f(x + h) - f(x - h)) / 2h has error O(h^2), the forward difference
(f(x + h) - f(x)) / h only O(h), which is why central is the default. Run checks in float64: with
float32, rounding error (~1e-7 / h) swamps the comparison.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ._checks import as_float_array, as_rng, check_finite, lookup, real_number
from .layers import Loss

__all__ = ["numerical_gradient", "relative_error", "check_layer", "check_model"]

_METHODS = ("central", "forward")


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6, method: str = "central") -> np.ndarray:
    """Finite-difference gradient of the scalar function ``f`` at ``x``, one element at a time.

    ``x`` is perturbed IN PLACE and restored, so ``f`` may ignore its argument and read a
    parameter array instead (``numerical_gradient(lambda _: loss(), layer.weight.data)``)::

        central: df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)
        forward: df/dx_i ~ (f(x + h e_i) - f(x)) / h
    """
    method = lookup("finite-difference method", method, _METHODS)
    if not isinstance(x, np.ndarray) or x.dtype not in (np.float32, np.float64):
        raise ValueError(
            "numerical_gradient perturbs x in place, so x must be a float32/float64 NumPy array "
            "(float16 cannot resolve a step of 1e-6); "
            f"got {type(x).__name__}{'' if not isinstance(x, np.ndarray) else ' of dtype ' + str(x.dtype)}: "
            "pass np.asarray(x, dtype=np.float64)."
        )
    eps = real_number(eps, "eps (the finite-difference step)", low=0.0, low_open=True, fix="e.g. eps=1e-6")
    grad = np.zeros_like(x)
    f_at_x = float(f(x)) if method == "forward" else 0.0
    for idx in np.ndindex(x.shape):
        old = x[idx].copy()
        try:
            x[idx] = old + eps
            f_plus = float(f(x))
            if method == "central":
                x[idx] = old - eps
                grad[idx] = (f_plus - float(f(x))) / (2 * eps)
            else:
                grad[idx] = (f_plus - f_at_x) / eps
        finally:
            x[idx] = old
    return grad


def relative_error(a, b) -> float:
    """``max |a - b| / max(|a| + |b|)``: a scale-free distance between two gradients (0 when both are 0)."""
    a = as_float_array(a, "a").astype(np.float64, copy=False)
    b = as_float_array(b, "b").astype(np.float64, copy=False)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: a of shape {a.shape} and b of shape {b.shape} must have the same shape.")
    check_finite(a, "a")
    check_finite(b, "b")
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a) + np.abs(b))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a - b)) / scale)


# ---------------------------------------------------------------------------- layer and model checks
def _walk(obj) -> list:
    """The object and every layer nested in it (through ``.layers``)."""
    found = [obj]
    for child in getattr(obj, "layers", ()):
        found.extend(_walk(child))
    return found


class _Frozen:
    """Replay randomness and keep buffers: every forward of the check sees the same dropout mask,
    and running statistics (BatchNorm) are put back afterwards."""

    def __init__(self, *objects) -> None:
        nodes = [node for obj in objects for node in _walk(obj)]
        self.rngs = [(n.rng, n.rng.bit_generator.state) for n in nodes if isinstance(getattr(n, "rng", None), np.random.Generator)]
        self.buffers = [
            (arr, arr.copy())
            for n in nodes
            for name in ("running_mean", "running_var")
            if isinstance(arr := getattr(n, name, None), np.ndarray)
        ]

    def replay(self) -> None:
        for rng, state in self.rngs:
            rng.bit_generator.state = state

    def restore(self) -> None:
        self.replay()
        for arr, saved in self.buffers:
            arr[...] = saved


def _named_parameters(obj) -> list:
    if hasattr(obj, "named_parameters"):
        return list(obj.named_parameters())
    return [(str(i), p) for i, p in enumerate(obj.parameters())]


def _require_float64(x: np.ndarray, named, where: str) -> None:
    bad = [name for name, p in named if p.data.dtype != np.float64]
    if x.dtype != np.float64 or bad:
        raise ValueError(
            f"{where} runs in float64 (float32 rounding swamps finite differences); got x of dtype {x.dtype}"
            + (f" and float32 parameters {bad}" if bad else "")
            + ": build the layer with dtype=np.float64 and pass x.astype(np.float64)."
        )


def _compare(analytic: dict, f: Callable[[], float], x: np.ndarray, named, eps: float) -> dict[str, float]:
    errors = {"x": relative_error(analytic["x"], numerical_gradient(lambda _: f(), x, eps))}
    for name, p in named:
        errors[name] = relative_error(analytic[name], numerical_gradient(lambda _: f(), p.data, eps))
    return errors


def check_layer(layer, x, rng: np.random.Generator | int | None = None, *, target=None, eps: float = 1e-6) -> dict[str, float]:
    """Max relative error between backprop and central differences, per input and parameter.

    The scalar checked is L = sum(forward(x) * R) with a fixed random R (so dL/dout = R), or, for a
    loss layer (``target`` given), the loss itself. Returns ``{"x": err, "weight": err, ...}``;
    below ~1e-7 means the backward pass is right. Dropout masks are replayed (same rng state for
    every forward) and BatchNorm running statistics are restored afterwards.
    """
    x = np.array(as_float_array(x), copy=True)  # our own copy: it is perturbed in place
    named = _named_parameters(layer)
    _require_float64(x, named, "check_layer")
    is_loss = isinstance(layer, Loss)
    if is_loss and target is None:
        raise ValueError(f"check_layer: {layer!r} is a loss layer; pass its target, check_layer(loss, x, target=t).")
    frozen = _Frozen(layer)

    def forward():
        frozen.replay()
        return layer.forward(x, target) if is_loss else layer.forward(x)

    try:
        out = forward()
        if is_loss:
            dx = layer.backward(1.0)
            f = lambda: float(forward())  # noqa: E731
        else:
            weights = as_rng(rng).standard_normal(np.shape(out))
            dx = layer.backward(weights)
            f = lambda: float(np.sum(forward() * weights))  # noqa: E731
        analytic = {"x": np.array(dx, copy=True), **{name: p.grad.copy() for name, p in named}}
        return _compare(analytic, f, x, named, eps)
    finally:
        frozen.restore()


def check_model(model, loss_layer, x, t, *, eps: float = 1e-6) -> dict[str, float]:
    """Max relative error of every parameter gradient (and of dL/dx) of ``loss_layer(model(x), t)``.

    Keys are ``"x"`` and the model's parameter names ("0.weight", "0.bias", ...).
    """
    x = np.array(as_float_array(x), copy=True)
    named = _named_parameters(model)
    _require_float64(x, named, "check_model")
    frozen = _Frozen(model)

    def loss() -> float:
        frozen.replay()
        return float(loss_layer.forward(model.forward(x), t))

    try:
        loss()
        dx = model.backward(loss_layer.backward(1.0))
        analytic = {"x": np.array(dx, copy=True), **{name: p.grad.copy() for name, p in named}}
        return _compare(analytic, loss, x, named, eps)
    finally:
        frozen.restore()
