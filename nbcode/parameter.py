"""The one shared building block: a trainable array with its gradient."""

from __future__ import annotations

import numpy as np

__all__ = ["Parameter"]


class Parameter:
    """A trainable array ``data`` and the gradient ``grad`` of the loss with respect to it.

    ``grad`` has the same shape and dtype as ``data`` and is updated *in place* by the
    layer that owns the parameter (so optimizers may keep references to it).

    Like a torch tensor, a parameter is hashed and compared by identity: optimizers key their
    state by it (``opt.state[p]``), so this class must not define ``__eq__`` or ``__hash__``.
    """

    __slots__ = ("data", "grad", "name")

    def __init__(self, data, name: str = "") -> None:
        arr = np.asarray(data)
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        self.data: np.ndarray = np.array(arr, copy=True)
        self.grad: np.ndarray = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def zero_grad(self) -> None:
        self.grad.fill(0.0)

    def __repr__(self) -> str:
        label = f"{self.name}, " if self.name else ""
        return f"Parameter({label}shape={self.data.shape}, dtype={self.data.dtype})"
