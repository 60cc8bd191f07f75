"""Networks as a stack of layers: forward runs the stack in order, backward runs it in reverse.

That reversal is all of backpropagation: each layer turns dL/d(its output) into dL/d(its input)
and the chain rule does the rest.
"""

from __future__ import annotations

from typing import Callable, Iterator, Sequence

import numpy as np

from ._checks import as_rng, flag, positive_int, real_number, lookup
from .layers import ACTIVATION_LAYERS, BatchNorm1d, Dropout, Layer, LeakyReLU, Linear, ReLU, activation_layer
from .parameter import Parameter

__all__ = ["Sequential", "mlp"]


class Sequential(Layer):
    """Layers applied in order: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``.

    ``parameters()`` lists them in a stable order (layer order; weight then bias), which is the
    order an optimizer sees; ``named_parameters()`` names them like PyTorch ("0.weight", "2.bias").
    """

    def __init__(self, *layers: Layer) -> None:
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])  # also accept Sequential([a, b, c])
        for i, layer in enumerate(layers):
            if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
                raise TypeError(f"Sequential: item {i} ({layer!r}) is not a layer; it needs forward and backward methods.")
        self.layers: list[Layer] = list(layers)
        self.training = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate dL/d(output) through every layer, filling every parameter's .grad.

        Returns dL/d(input). Training does not need that last gradient (the data is not trained):
        with ``input_grad=False`` a leading Linear layer skips its matmul and None is returned.
        """
        layers = self.layers
        for layer in reversed(layers[1:]):
            dout = layer.backward(dout)
        if not layers:
            return dout
        if not flag(input_grad, "Sequential.backward: input_grad") and isinstance(layers[0], Linear):
            return layers[0].backward(dout, input_grad=False)
        return layers[0].backward(dout)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Forward in eval mode (no dropout, running BatchNorm statistics), then restore each layer's mode."""
        was_training = self.training
        modes = [getattr(layer, "training", True) for layer in self.layers]
        self.eval()
        try:
            return self.forward(x)
        finally:
            for layer, mode in zip(self.layers, modes):
                if hasattr(layer, "train"):
                    layer.train(mode)
            self.training = was_training

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        named = []
        for i, layer in enumerate(self.layers):
            if hasattr(layer, "named_parameters"):
                named.extend((f"{i}.{name}", p) for name, p in layer.named_parameters())
            else:
                named.extend((f"{i}.{j}", p) for j, p in enumerate(layer.parameters()))
        return named

    def train(self, mode: bool = True) -> "Sequential":
        """Set training mode on every layer (Dropout, BatchNorm care). Returns self."""
        self.training = bool(mode)
        for layer in self.layers:
            if hasattr(layer, "train"):
                layer.train(mode)
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])  # shares the layer objects
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)" if self.layers else "Sequential()"


_RELU_FAMILY = (ReLU, LeakyReLU)  # the activations He initialisation is derived for


def _probe(make_activation: Callable[[], Layer]) -> Layer:
    """One layer from the factory, checked to be a Layer (mlp calls it once per hidden layer)."""
    layer = make_activation()
    if not isinstance(layer, Layer):
        raise ValueError(f"mlp: the activation factory must return a Layer (e.g. ReLU), got {type(layer).__name__}; "
                         "pass a layer class such as ReLU, a lambda such as lambda: LeakyReLU(0.1), or a name.")
    return layer


def mlp(
    sizes: Sequence[int],
    activation: str | Callable[[], Layer] = "relu",
    *,
    rng: np.random.Generator | int | None = None,
    init: str | Callable | None = None,
    dtype=np.float64,
    dropout: float = 0.0,
    batchnorm: bool = False,
) -> Sequential:
    """A multilayer perceptron: ``mlp([64, 128, 64, 10])`` = Linear, act, Linear, act, Linear.

    Each hidden block is Linear -> [BatchNorm1d] -> activation -> [Dropout(dropout)]; the last
    Linear has no activation (it outputs logits; the loss layer applies softmax/sigmoid).
    ``init`` defaults to He normal for the ReLU family and Xavier normal otherwise. With
    ``batchnorm=True`` the Linear layers in front of BatchNorm have no bias: BatchNorm subtracts
    the batch mean, which cancels any bias, and its own ``bias`` (beta) takes that role.
    ``activation`` is a name (see ``nbcode.layers.ACTIVATION_LAYERS``) or a zero-argument factory.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes must list at least an input and an output size, e.g. [2, 8, 1]; got {sizes!r}.")
    for s in sizes:
        positive_int(s, f"mlp: every size (here {sizes!r})")
    if isinstance(activation, str):
        key = lookup("activation", activation, ACTIVATION_LAYERS)

        def make_activation() -> Layer:
            return activation_layer(key)
    elif callable(activation):
        make_activation = activation
    else:
        raise ValueError(f"mlp: activation must be a name or a layer factory, got {activation!r}.")
    dropout = real_number(dropout, "mlp: dropout (a drop probability)", low=0.0, high=1.0, high_open=True,
                          fix="e.g. dropout=0.2")
    batchnorm = flag(batchnorm, "mlp: batchnorm")
    probe = _probe(make_activation)
    if init is None:
        # judged by the layer the factory makes, so ReLU, lambda: LeakyReLU(0.1) and "relu" agree
        init = "he_normal" if isinstance(probe, _RELU_FAMILY) else "xavier_normal"
    rng = as_rng(rng)

    layers: list[Layer] = []
    n_linear = len(sizes) - 1
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        hidden = i < n_linear - 1
        layers.append(Linear(fan_in, fan_out, rng=rng, init=init, bias=not (batchnorm and hidden), dtype=dtype))
        if hidden:
            if batchnorm:
                layers.append(BatchNorm1d(fan_out, dtype=dtype))
            layers.append(make_activation())
            if dropout > 0:
                layers.append(Dropout(dropout, rng=rng))
    return Sequential(*layers)
