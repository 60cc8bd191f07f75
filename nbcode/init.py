"""Weight initialisers: where training starts.

The scale of the first weights decides whether signals and gradients survive many layers.

- ``zeros``: every unit computes the same thing and gets the same gradient, so symmetry is
  never broken; fine for biases, useless for weights (the chapter shows it).
- ``normal(std)``: a fixed scale, e.g. 0.01 as in "Deep Learning from Scratch"; too small and
  activations shrink layer by layer, too large and sigmoid/tanh units saturate.
- Xavier/Glorot (Glorot & Bengio 2010): keep the variance of activations and of gradients equal
  across a layer, Var(W) = 2 / (fan_in + fan_out), i.e. std = gain * sqrt(2 / (fan_in + fan_out)).
  Suited to tanh/sigmoid (symmetric, roughly linear near 0).
- He/Kaiming (He et al. 2015): ReLU zeroes half of its inputs, so double the variance,
  Var(W) = 2 / fan_in, i.e. std = sqrt(2 / fan_in) (gain sqrt(2 / (1 + a^2)) for leaky ReLU slope a).

A uniform distribution on [-limit, limit] has variance limit^2 / 3, so the uniform variants use
limit = sqrt(3) * std. Weights have shape (fan_in, fan_out) because nbcode computes y = x @ W + b.
Numbers are drawn in float64 and then cast, so the same seed gives the same weights (up to
rounding) in float32 and float64.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from nbcode._checks import as_rng, float_dtype, lookup, real_number


__all__ = [
    "zeros",
    "normal",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
    "INITIALIZERS",
    "get",
]

Initializer = Callable[..., np.ndarray]


def _fans(fan_in, fan_out) -> tuple[int, int]:
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer (number of units), got {value!r}.")
    return int(fan_in), int(fan_out)


def _shape(shape) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in shape):
        raise ValueError(f"shape must be a tuple of non-negative integers, got {shape!r}.")
    return tuple(int(s) for s in shape)


def zeros(shape, *, dtype=np.float64) -> np.ndarray:
    """All zeros: the right start for biases (and the classic wrong one for weights)."""
    return np.zeros(_shape(shape), dtype=float_dtype(dtype))


def normal(shape, std: float = 0.01, rng=None, *, dtype=np.float64) -> np.ndarray:
    """Gaussian N(0, std^2) of the given shape; the fixed-scale start of DLFS (std=0.01)."""
    std = real_number(std, "std", low=0.0, fix="e.g. std=0.01")
    dt = float_dtype(dtype)
    return (std * as_rng(rng).standard_normal(_shape(shape))).astype(dt, copy=False)


def _uniform(limit: float, fan_in: int, fan_out: int, rng, dtype) -> np.ndarray:
    dt = float_dtype(dtype)
    return as_rng(rng).uniform(-limit, limit, size=(fan_in, fan_out)).astype(dt, copy=False)


def _gaussian(std: float, fan_in: int, fan_out: int, rng, dtype) -> np.ndarray:
    dt = float_dtype(dtype)
    return (std * as_rng(rng).standard_normal((fan_in, fan_out))).astype(dt, copy=False)


def _check_gain(gain: float) -> float:
    return real_number(gain, "gain", low=0.0, low_open=True, fix="e.g. gain=1.0")


def xavier_uniform(fan_in: int, fan_out: int, rng=None, gain: float = 1.0, *, dtype=np.float64) -> np.ndarray:
    """Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) (variance 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(fan_in, fan_out)
    limit = _check_gain(gain) * math.sqrt(6.0 / (fan_in + fan_out))
    return _uniform(limit, fan_in, fan_out, rng, dtype)


def xavier_normal(fan_in: int, fan_out: int, rng=None, gain: float = 1.0, *, dtype=np.float64) -> np.ndarray:
    """Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(fan_in, fan_out)
    std = _check_gain(gain) * math.sqrt(2.0 / (fan_in + fan_out))
    return _gaussian(std, fan_in, fan_out, rng, dtype)


def _he_gain(negative_slope: float) -> float:
    negative_slope = real_number(negative_slope, "negative_slope", low=0.0, fix="e.g. 0.01 for LeakyReLU")
    return math.sqrt(2.0 / (1.0 + negative_slope**2))


def he_uniform(fan_in: int, fan_out: int, rng=None, negative_slope: float = 0.0, *, dtype=np.float64) -> np.ndarray:
    """He/Kaiming uniform: U(-a, a), a = sqrt(3) * std with std = sqrt(2 / fan_in) for ReLU."""
    fan_in, fan_out = _fans(fan_in, fan_out)
    limit = math.sqrt(3.0) * _he_gain(negative_slope) / math.sqrt(fan_in)
    return _uniform(limit, fan_in, fan_out, rng, dtype)


def he_normal(fan_in: int, fan_out: int, rng=None, negative_slope: float = 0.0, *, dtype=np.float64) -> np.ndarray:
    """He/Kaiming normal: N(0, std^2), std = sqrt(2 / fan_in) for ReLU (sqrt(2 / ((1 + a^2) fan_in)) for leaky ReLU)."""
    fan_in, fan_out = _fans(fan_in, fan_out)
    std = _he_gain(negative_slope) / math.sqrt(fan_in)
    return _gaussian(std, fan_in, fan_out, rng, dtype)


INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros,
    "normal": normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}
"""Name -> initialiser function (the functions above, with their own signatures; see ``get``)."""

_ALIASES = {
    "glorot_uniform": "xavier_uniform",
    "glorot_normal": "xavier_normal",
    "kaiming_uniform": "he_uniform",
    "kaiming_normal": "he_normal",
}
_OPTIONS = {  # keyword arguments each initialiser accepts through get(name, **kw)
    "zeros": (),
    "normal": ("std",),
    "xavier_uniform": ("gain",),
    "xavier_normal": ("gain",),
    "he_uniform": ("negative_slope",),
    "he_normal": ("negative_slope",),
}


def get(name: str, **options) -> Callable[[int, int, object, object], np.ndarray]:
    """Return ``init(fan_in, fan_out, rng=None, dtype=np.float64) -> array (fan_in, fan_out)``.

    Options are fixed now, e.g. ``get("normal", std=0.01)`` or ``get("xavier_normal", gain=5/3)``,
    so that ``Linear`` can call every initialiser the same way.
    """
    key = lookup("initializer", name, INITIALIZERS, _ALIASES)
    unexpected = sorted(set(options) - set(_OPTIONS[key]))
    if unexpected:
        allowed = ", ".join(_OPTIONS[key]) or "none"
        raise ValueError(f"initializer {key!r} got unexpected option(s) {unexpected}; it accepts: {allowed}.")
    fn = INITIALIZERS[key]

    if key == "zeros":
        def init(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
            return zeros(_fans(fan_in, fan_out), dtype=dtype)
    elif key == "normal":
        std = options.get("std", 0.01)
        normal((0,), std)  # validate std now, not at the first layer built

        def init(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
            return normal(_fans(fan_in, fan_out), std, rng, dtype=dtype)
    else:
        fn(1, 1, 0, **options)  # validate gain / negative_slope now

        def init(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
            return fn(fan_in, fan_out, rng, dtype=dtype, **options)

    init.__name__ = key
    init.__doc__ = f"{key} initializer with options {options or '{}'}: (fan_in, fan_out, rng, dtype) -> array."
    return init
