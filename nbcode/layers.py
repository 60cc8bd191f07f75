"""Layers: every one has the same two verbs, ``forward`` and ``backward``.

``forward(x)`` computes the output and caches exactly what ``backward`` will need;
``backward(dout)`` takes dL/d(output) and returns dL/d(input), applying the chain rule through
the layer's local derivative (written next to each forward rule, micrograd style).

Parameter gradients are written IN PLACE into ``Parameter.grad`` and OVERWRITE the previous
value (as in "Deep Learning from Scratch"), they do not accumulate as in PyTorch: in a
feed-forward network each parameter is used once per forward pass, so overwriting is exact and
saves a zeroing pass and a temporary per step. ``zero_grad()`` still exists so that code written
in the PyTorch style (``opt.zero_grad(); loss.backward(); opt.step()``) runs unchanged. Writing in
place (``np.dot(..., out=p.grad)``) keeps the array object, so optimizers can hold references.

Layers compute in their parameters' dtype: input of another dtype is cast once (float32 model,
float32 data: no copies). Checks in the hot path are O(1) (ndim, shapes); NaN is detected by the
loss.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import init as init_module
from ._checks import (
    as_float_array, as_rng, check_binary_targets, float_dtype, check_label_smoothing, finite_or_raise, flag, positive_int,
    lookup, real_number, same_shape_pair,
)
from .losses import (
    bce_with_logits_value,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
    softmax_targets,
)
from .parameter import Parameter

__all__ = [
    "Layer",
    "Linear",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "Identity",
    "Dropout",
    "BatchNorm1d",
    "Loss",
    "SoftmaxCrossEntropy",
    "MSELoss",
    "BCEWithLogitsLoss",
    "MulNode",
    "AddNode",
    "activation_layer",
    "ACTIVATION_LAYERS",
]


class Layer:
    """Base class: ``forward``, ``backward``, ``parameters``, and a ``training`` flag."""

    training: bool = True

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def parameters(self) -> list[Parameter]:
        """Trainable parameters, in a stable order (weight, then bias)."""
        return []

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        return [(p.name, p) for p in self.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter gradient to 0 (backward overwrites them anyway; kept for the PyTorch idiom)."""
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> "Layer":
        """Training mode (Dropout drops, BatchNorm uses batch statistics). Returns self."""
        self.training = bool(mode)
        return self

    def eval(self) -> "Layer":
        """Evaluation mode (Dropout is the identity, BatchNorm uses running statistics). Returns self."""
        return self.train(False)

    def __call__(self, *args):
        return self.forward(*args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _array(self, x, what: str = "input") -> np.ndarray:
        """``x`` as a float array (a list or an int array is converted; a string or None is refused).
        The common case, a float ndarray, costs one type test: this runs on every batch."""
        if type(x) is np.ndarray and x.dtype.kind == "f":
            return x
        return as_float_array(x, f"the {what} of {self!r}")

    # -- helpers for error messages (only called when something is wrong)
    def _dout_error(self, dout, cached_output_shape) -> Exception:
        if cached_output_shape is None:
            return RuntimeError(f"{self!r}.backward was called before forward; call forward first (backward uses what it caches).")
        return ValueError(
            f"{self!r}.backward got dout of shape {np.shape(dout)}; expected {cached_output_shape}, "
            "the shape of its last forward output."
        )


# ---------------------------------------------------------------------------- affine layer
class Linear(Layer):
    """Affine map y = x @ W + b, with W of shape (in_features, out_features) and b of shape (out_features,).

    Local derivatives: dL/dx = dout @ W^T,  dL/dW = x^T @ dout,  dL/db = sum_n dout[n].
    ``init`` is an ``nbcode.init`` name or a callable ``(fan_in, fan_out, rng, dtype) -> array``;
    the bias starts at zero.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        rng: np.random.Generator | int | None = None,
        init: str | Callable = "he_normal",
        bias: bool = True,
        dtype=np.float64,
    ) -> None:
        self.in_features = positive_int(in_features, "Linear: in_features")
        self.out_features = positive_int(out_features, "Linear: out_features")
        dt = float_dtype(dtype)
        initializer = init_module.get(init) if isinstance(init, str) else init
        if not callable(initializer):
            raise ValueError(f"Linear: init must be an initializer name or a callable, got {init!r}.")
        weight = np.asarray(initializer(self.in_features, self.out_features, as_rng(rng), dt))
        if weight.shape != (self.in_features, self.out_features):
            raise ValueError(
                f"Linear: init returned shape {weight.shape}; expected ({self.in_features}, {self.out_features})."
            )
        self.weight = Parameter(weight.astype(dt, copy=False), "weight")
        self.bias = Parameter(np.zeros(self.out_features, dtype=dt), "bias") if flag(bias, "Linear: bias") else None
        self.x: np.ndarray | None = None  # cache: the input, for dL/dW

    def forward(self, x: np.ndarray) -> np.ndarray:
        w = self.weight.data
        if type(x) is not np.ndarray:
            x = as_float_array(x)
        if x.dtype != w.dtype:
            x = x.astype(w.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features or x.shape[0] == 0:
            raise self._input_error(x)
        self.x = x
        out = np.dot(x, w)  # y = x W + b
        if self.bias is not None:
            out += self.bias.data
        return out

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Fill weight.grad and bias.grad; return dL/dx (None if ``input_grad=False``: the first
        layer of a network need not compute the gradient w.r.t. the data, saving a matmul)."""
        dout = self._array(dout, "dout")
        x = self.x
        if x is None or dout.shape != (x.shape[0], self.out_features):
            raise self._dout_error(dout, None if x is None else (x.shape[0], self.out_features))
        w = self.weight
        if dout.dtype != w.data.dtype:
            dout = dout.astype(w.data.dtype)
        np.dot(x.T, dout, out=w.grad)  # dL/dW = x^T dout (overwrites, in place)
        if self.bias is not None:
            dout.sum(axis=0, out=self.bias.grad)  # dL/db = sum over the batch
        return np.dot(dout, w.data.T) if flag(input_grad, "Linear.backward: input_grad") else None  # dL/dx = dout W^T

    def parameters(self) -> list[Parameter]:
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def _input_error(self, x: np.ndarray) -> ValueError:
        if x.ndim == 2 and x.shape[0] == 0 and x.shape[1] == self.in_features:
            return ValueError(f"{self!r} got an empty batch (shape {x.shape}); pass at least one sample.")
        hint = "; for a single sample use x.reshape(1, -1)" if x.ndim == 1 and x.shape[0] == self.in_features else ""
        return ValueError(f"{self!r} got input of shape {x.shape}; expected (N, {self.in_features}){hint}.")

    def __repr__(self) -> str:
        return f"Linear({self.in_features} -> {self.out_features})"


def _scalar_dout(dout, loss) -> float:
    """A loss layer's upstream gradient: a finite number (1.0 unless the loss is scaled)."""
    if type(dout) is float and math.isfinite(dout):  # the common case, backward()
        return dout
    return real_number(dout, f"{loss!r}.backward: dout", fix="call backward() (dout=1.0) or pass a scale")


# ---------------------------------------------------------------------------- activation layers
class Sigmoid(Layer):
    """y = 1 / (1 + exp(-x));  dy/dx = y (1 - y), so cache the output y."""

    def __init__(self) -> None:
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._array(x)
        e = np.exp(-np.abs(x))  # stable form, see activations.sigmoid
        self.out = np.where(x >= 0, 1.0, e) / (1.0 + e)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._array(dout, "dout")
        out = self.out
        if out is None or dout.shape != out.shape:
            raise self._dout_error(dout, None if out is None else out.shape)
        return dout * out * (1.0 - out)


class Tanh(Layer):
    """y = tanh(x);  dy/dx = 1 - y^2, so cache the output y."""

    def __init__(self) -> None:
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._array(x)
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._array(dout, "dout")
        out = self.out
        if out is None or dout.shape != out.shape:
            raise self._dout_error(dout, None if out is None else out.shape)
        return dout * (1.0 - out * out)


class ReLU(Layer):
    """y = max(x, 0);  dy/dx = 1 where x > 0 else 0, so cache the boolean mask x > 0."""

    def __init__(self) -> None:
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._array(x)
        self.mask = x > 0
        return x * self.mask  # one pass, keeps the dtype; faster than np.maximum(x, 0) here

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._array(dout, "dout")
        mask = self.mask
        if mask is None or dout.shape != mask.shape:
            raise self._dout_error(dout, None if mask is None else mask.shape)
        return dout * mask


class LeakyReLU(Layer):
    """y = x where x > 0 else a x;  dy/dx = 1 where x > 0 else a (a = negative_slope)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = real_number(negative_slope, "LeakyReLU: negative_slope", fix="e.g. 0.01")
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._array(x)
        self.mask = x > 0
        return np.where(self.mask, x, self.negative_slope * x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._array(dout, "dout")
        mask = self.mask
        if mask is None or dout.shape != mask.shape:
            raise self._dout_error(dout, None if mask is None else mask.shape)
        return np.where(mask, dout, self.negative_slope * dout)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class Identity(Layer):
    """y = x;  dy/dx = 1 (a placeholder, e.g. a network with a "linear" activation)."""

    def __init__(self) -> None:
        self._out_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._array(x)
        self._out_shape = x.shape
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._array(dout, "dout")
        if self._out_shape is None or dout.shape != self._out_shape:
            raise self._dout_error(dout, self._out_shape)
        return dout


# ---------------------------------------------------------------------------- regularising layers
class Dropout(Layer):
    """Inverted dropout (PyTorch semantics): in training, zero each input with probability ``p``
    and scale the survivors by 1 / (1 - p), so the expected output equals the input and
    evaluation needs no rescaling; in eval mode it is the identity.

    y = x * m with m = keep / (1 - p);  dy/dx = m, so cache the scaled mask m.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None) -> None:
        self.p = real_number(p, "Dropout: p (the probability of dropping a unit)", low=0.0, high=1.0, fix="e.g. p=0.5")
        self.rng = as_rng(rng)
        self.mask: np.ndarray | None = None  # None after an eval-mode forward: backward is the identity
        self._out_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._array(x)
        self._out_shape = x.shape
        if not self.training or self.p == 0.0:
            self.mask = None
            return x
        dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
        if self.p == 1.0:  # drop everything (1 / (1 - p) would be infinite)
            self.mask = np.zeros(x.shape, dtype=dtype)
        else:
            keep = self.rng.random(x.shape, dtype=dtype) >= self.p
            self.mask = keep.astype(dtype)
            self.mask *= 1.0 / (1.0 - self.p)
        return x * self.mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._array(dout, "dout")
        if self._out_shape is None or dout.shape != self._out_shape:
            raise self._dout_error(dout, self._out_shape)
        return dout if self.mask is None else dout * self.mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm1d(Layer):
    """Batch normalisation of (N, C) inputs, PyTorch semantics.

    Training: normalise with the batch mean and the BIASED batch variance::

        x_hat = (x - mu) / sqrt(var + eps),  y = gamma * x_hat + beta,

    and update running_mean/running_var by an exponential moving average with ``momentum``,
    where running_var takes the UNBIASED batch variance var * N / (N - 1) (as torch does).
    ``momentum=None`` keeps the cumulative average instead (weight 1/k for the k-th batch,
    counted in ``num_batches_tracked``), as torch does. Eval: normalise with the running statistics.

    Backward (training), with g = dout * gamma::

        dx = (g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var + eps)   (means over the batch)
        dgamma = sum(dout * x_hat),  dbeta = sum(dout).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, *,
                 dtype=np.float64) -> None:
        self.num_features = positive_int(num_features, "BatchNorm1d: num_features")
        self.eps = real_number(eps, "BatchNorm1d: eps", low=0.0, low_open=True, fix="e.g. eps=1e-5")
        self.momentum = None if momentum is None else real_number(
            momentum, "BatchNorm1d: momentum", low=0.0, high=1.0, fix="e.g. momentum=0.1, or None for a cumulative average")
        self.num_batches_tracked = 0
        dt = float_dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype=dt), "weight")  # gamma
        self.bias = Parameter(np.zeros(self.num_features, dtype=dt), "bias")  # beta
        self.running_mean = np.zeros(self.num_features, dtype=dt)
        self.running_var = np.ones(self.num_features, dtype=dt)
        self.x_hat: np.ndarray | None = None
        self.inv_std: np.ndarray | None = None
        self._used_batch_stats = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        dt = self.weight.data.dtype
        if type(x) is not np.ndarray:
            x = as_float_array(x)
        if x.dtype != dt:
            x = x.astype(dt)
        if x.ndim != 2 or x.shape[1] != self.num_features or x.shape[0] == 0:
            raise ValueError(f"{self!r} got input of shape {x.shape}; expected (N, {self.num_features}) with N >= 1.")
        n = x.shape[0]
        if self.training:
            if n < 2:
                raise ValueError(
                    f"{self!r} in training mode needs a batch of at least 2 samples to estimate a variance, "
                    f"got shape {x.shape}; use a larger batch, drop the last partial batch, or call eval()."
                )
            mean = x.mean(axis=0)
            centered = x - mean
            var = np.mean(centered * centered, axis=0)  # biased: what normalises this batch
            inv_std = 1.0 / np.sqrt(var + self.eps)
            self.num_batches_tracked += 1
            m = self.momentum if self.momentum is not None else 1.0 / self.num_batches_tracked
            self.running_mean *= 1.0 - m
            self.running_mean += m * mean
            self.running_var *= 1.0 - m
            self.running_var += (m * n / (n - 1)) * var  # unbiased, as torch keeps it
        else:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            centered = x - self.running_mean
        x_hat = centered
        x_hat *= inv_std
        self.x_hat, self.inv_std, self._used_batch_stats = x_hat, inv_std, self.training
        return x_hat * self.weight.data + self.bias.data

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._array(dout, "dout")
        x_hat = self.x_hat
        if x_hat is None or dout.shape != x_hat.shape:
            raise self._dout_error(dout, None if x_hat is None else x_hat.shape)
        if dout.dtype != x_hat.dtype:
            dout = dout.astype(x_hat.dtype)
        gamma, dbeta, dgamma = self.weight.data, self.bias.grad, self.weight.grad
        dout.sum(axis=0, out=dbeta)  # dL/dbeta = sum(dout)
        np.sum(dout * x_hat, axis=0, out=dgamma)  # dL/dgamma = sum(dout * x_hat)
        g = dout * gamma  # dL/dx_hat
        if self._used_batch_stats:  # mu and var depend on x too
            n = x_hat.shape[0]
            g -= gamma * dbeta / n  # mean(g) over the batch
            g -= x_hat * (gamma * dgamma / n)  # x_hat * mean(g * x_hat)
        g *= self.inv_std
        return g

    def parameters(self) -> list[Parameter]:
        return [self.weight, self.bias]

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.num_features})"


# ---------------------------------------------------------------------------- loss layers
class Loss(Layer):
    """A loss layer: ``forward(prediction, target) -> mean loss`` (NumPy scalar of the prediction's
    dtype) and ``backward(dout=1.0) -> dL/dprediction``. It has no parameters."""

    def forward(self, prediction: np.ndarray, target: np.ndarray):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout: float = 1.0) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _not_ready(self) -> RuntimeError:
        return RuntimeError(f"{self!r}.backward was called before forward; call forward(prediction, target) first.")


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by cross-entropy, in one layer ("Softmax-with-Loss" of DLFS).

    Fused because the backward is then simply (softmax(z) - t) / N, and the forward can use
    log-sum-exp instead of log(softmax), which would be log(0) for confident wrong predictions.
    Targets: integer labels (N,) or one-hot/probability rows (N, C); optional label smoothing.
    After forward, ``probs`` holds the softmax probabilities.
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = check_label_smoothing(label_smoothing)
        self.probs: np.ndarray | None = None
        self._labels = None
        self._rows = None

    def forward(self, logits: np.ndarray, targets: np.ndarray):
        logits, labels, rows = softmax_targets(logits, targets, "SoftmaxCrossEntropy")
        loss, self.probs = softmax_cross_entropy_forward(logits, labels, rows, self.label_smoothing)
        self._labels, self._rows = labels, rows
        return finite_or_raise(loss, "SoftmaxCrossEntropy", logits=logits, targets=rows)

    def backward(self, dout: float = 1.0) -> np.ndarray:
        if self.probs is None:
            raise self._not_ready()
        scale = _scalar_dout(dout, self) / self.probs.shape[0]
        return softmax_cross_entropy_backward(self.probs, self._labels, self._rows, self.label_smoothing, scale)

    def __repr__(self) -> str:
        return f"SoftmaxCrossEntropy(label_smoothing={self.label_smoothing})"


class MSELoss(Loss):
    """L = mean((y - t)^2) over all elements;  dL/dy = 2 (y - t) / n, so cache y - t."""

    def __init__(self) -> None:
        self.diff: np.ndarray | None = None

    def forward(self, y: np.ndarray, t: np.ndarray):
        y, t = same_shape_pair(y, t, "MSELoss", "predictions", "targets")
        self.diff = y - t
        loss = np.sum(self.diff * self.diff) / self.diff.size
        return finite_or_raise(loss, "MSELoss", predictions=y, targets=t)

    def backward(self, dout: float = 1.0) -> np.ndarray:
        if self.diff is None:
            raise self._not_ready()
        grad = self.diff * (2.0 / self.diff.size)
        grad *= _scalar_dout(dout, self)  # in place: a float64 dout keeps the prediction's dtype
        return grad


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy of sigmoid(z) from the logits z (stable);  dL/dz = (sigmoid(z) - t) / n."""

    def __init__(self) -> None:
        self.z: np.ndarray | None = None
        self.t: np.ndarray | None = None

    def forward(self, z: np.ndarray, t: np.ndarray):
        z, t = same_shape_pair(z, t, "BCEWithLogitsLoss", "logits", "targets")
        check_binary_targets(t, "BCEWithLogitsLoss")
        self.z, self.t = z, t
        return finite_or_raise(bce_with_logits_value(z, t), "BCEWithLogitsLoss", logits=z, targets=t)

    def backward(self, dout: float = 1.0) -> np.ndarray:
        if self.z is None:
            raise self._not_ready()
        z = self.z
        e = np.exp(-np.abs(z))
        s = np.where(z >= 0, 1.0, e) / (1.0 + e)  # sigmoid(z), stable
        s -= self.t
        s *= _scalar_dout(dout, self) / z.size
        return s


# ---------------------------------------------------------------------------- computational-graph nodes
def _node_value(value, what: str):
    """A computational-graph node's input: a number (kept as a Python float) or a numeric array."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        raise TypeError(f"{what} must be a number or a numeric array, got {type(value).__name__} {value!r}.")
    return as_float_array(value, what)


class MulNode:
    """z = x * y;  dz/dx = y, dz/dy = x, so cache both inputs (the "multiply layer" of DLFS).

    >>> apple, tax = MulNode(), MulNode()
    >>> price = tax.forward(apple.forward(100, 2), 1.1)   # 100 yen x 2 apples x 1.1 tax = 220
    """

    def __init__(self) -> None:
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = _node_value(x, "MulNode: x"), _node_value(y, "MulNode: y")
        return self.x * self.y

    def backward(self, dout):
        """Return (dL/dx, dL/dy) = (dout * y, dout * x): each input's gradient is the other input."""
        if self.x is None:
            raise RuntimeError("MulNode.backward was called before forward; call forward(x, y) first.")
        dout = _upstream(dout, np.shape(self.x * self.y), "MulNode")
        return dout * self.y, dout * self.x

    def __call__(self, x, y):
        return self.forward(x, y)

    def __repr__(self) -> str:
        return "MulNode()"


class AddNode:
    """z = x + y;  dz/dx = dz/dy = 1: addition passes the gradient through unchanged."""

    def __init__(self) -> None:
        self._out_shape: tuple[int, ...] | None = None

    def forward(self, x, y):
        out = _node_value(x, "AddNode: x") + _node_value(y, "AddNode: y")
        self._out_shape = np.shape(out)
        return out

    def backward(self, dout):
        """Return (dL/dx, dL/dy) = (dout, dout)."""
        if self._out_shape is None:
            raise RuntimeError("AddNode.backward was called before forward; call forward(x, y) first.")
        dout = _upstream(dout, self._out_shape, "AddNode")
        return dout * 1, dout * 1

    def __call__(self, x, y):
        return self.forward(x, y)

    def __repr__(self) -> str:
        return "AddNode()"


def _upstream(dout, shape: tuple[int, ...], node: str):
    """A node's upstream gradient: a number or array of the node's output shape."""
    dout = _node_value(dout, f"{node}.backward: dout")
    if np.shape(dout) != shape:
        raise ValueError(f"{node}.backward got dout of shape {np.shape(dout)}; expected {shape}, the shape of its output.")
    return dout


ACTIVATION_LAYERS: dict[str, type[Layer]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
}
"""Name -> activation layer class (the names of ``nbcode.activations`` that have a useful derivative)."""


def activation_layer(name: str, **kwargs) -> Layer:
    """Build an activation layer by name, e.g. ``activation_layer("leaky_relu", negative_slope=0.1)``."""
    return ACTIVATION_LAYERS[lookup("activation", name, ACTIVATION_LAYERS)](**kwargs)
