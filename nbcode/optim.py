"""Optimizers and learning-rate schedules with the names, defaults and update rules of ``torch.optim``.

What a reader learns here transfers to PyTorch exactly: ``SGD(params, lr=0.1, momentum=0.9)``
means the same thing in both, step for step. Every optimizer

- keeps one parameter group, as torch does: ``opt.param_groups == [group]`` where ``group`` is a
  dict holding ``"params"`` (the list of parameters, objects with ``.data`` and ``.grad`` such as
  :class:`nbcode.parameter.Parameter`) and the hyperparameters; ``opt.lr`` is a shortcut for
  ``group["lr"]``, the entry schedules change,
- keeps each parameter's buffers in ``opt.state[p]``, keyed by the parameter object, under
  torch's names (``momentum_buffer``, ``sum``, ``square_avg``, ``exp_avg``, ...; entries named
  ``scratch*`` are workspaces, overwritten before they are read), and
- exposes ``step()`` and ``zero_grad()``.

So torch-style code runs unchanged::

    for group in opt.param_groups:
        for p in group["params"]:
            opt.state[p]            # that parameter's buffers

Updates are done in place on ``p.data`` with buffers allocated once, so float32 parameters stay
float32 and a step allocates nothing. ``p.grad`` is never modified (weight decay and ``maximize``
work in a scratch buffer), matching torch, where ``grad.add(param, alpha=wd)`` makes a new tensor.

Every optimizer takes ``maximize=False``; with ``maximize=True`` it climbs: as in torch, the
gradient is negated first, g <- -g, and weight decay is then added to that (so it still pulls p
towards 0).

Notation below: g = gradient, p = parameter, t = step count (1 on the first step).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from ._checks import flag, lookup, positive_int, real_number

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "OPTIMIZERS",
    "get",
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "clip_grad_norm_",
    "clip_grad_value_",
]


def parameter_list(params: Iterable[Any], where: str, allow_empty: bool = False) -> list[Any]:
    """``params`` (``model.parameters()``, a list of :class:`~nbcode.parameter.Parameter`) as a
    list, or a ``ValueError`` that says what was passed instead: a single parameter or array, a
    torch-style group dict, something without ``.data``/``.grad``, a parameter listed twice."""
    if isinstance(params, np.ndarray) or hasattr(params, "data") and hasattr(params, "grad"):
        raise ValueError(
            f"{where}: params must be an iterable of parameters, got a single "
            f"{type(params).__name__}; pass a list, e.g. [p] or model.parameters()."
        )
    try:
        params = list(params)
    except TypeError:
        raise ValueError(
            f"{where}: params must be an iterable of parameters, got {type(params).__name__}; pass model.parameters()."
        ) from None
    if not params and not allow_empty:
        raise ValueError(f"{where} got an empty parameter list; pass model.parameters() of a model that has parameters.")
    seen: set[int] = set()
    for i, p in enumerate(params):
        if isinstance(p, dict):
            raise ValueError(
                f"{where}: nbcode takes a single group of parameters, got a dict (a torch-style "
                "parameter group); pass a flat list and set per-group options on separate optimizers."
            )
        if not (hasattr(p, "data") and hasattr(p, "grad")) or not isinstance(p.data, np.ndarray):
            raise ValueError(
                f"{where}: params[{i}] is a {type(p).__name__}, not a parameter with array .data and .grad; "
                "wrap arrays as nbcode.parameter.Parameter(array)."
            )
        if id(p) in seen:
            raise ValueError(f"{where}: params[{i}] appears more than once; each parameter must be listed once or it is updated twice per step.")
        seen.add(id(p))
    return params


class Optimizer:
    """Base class: one parameter group (``param_groups[0]``: ``"params"`` and hyperparameters) and ``state``.

    Subclasses implement ``_init_state(group, p)`` (buffers for one parameter, allocated once) and
    ``_update(group, p, g, state)`` (one in-place update of ``p.data`` from gradient ``g``).
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        params = parameter_list(params, "optimizer")
        lr = real_number(defaults["lr"], "lr (the learning rate)", low=0, low_open=True, fix="e.g. lr=0.01")
        self.defaults = dict(defaults, lr=lr)
        group = {"params": params, **self.defaults}
        self.param_groups: list[dict[str, Any]] = [group]
        # Keyed by the parameter object (Parameter hashes by identity), as torch keys by tensor.
        self.state: dict[Any, dict[str, Any]] = {p: self._init_state(group, p) for p in params}

    @property
    def lr(self) -> float:
        """The current learning rate, ``param_groups[0]["lr"]`` (what schedules change)."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        # 0 is allowed here (torch allows it; CosineAnnealingLR reaches eta_min=0).
        self.param_groups[0]["lr"] = real_number(value, "learning rate", low=0, fix="use e.g. 0.01")

    def _init_state(self, group: dict[str, Any], p: Any) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _update(self, group: dict[str, Any], p: Any, g: np.ndarray, state: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Update every parameter once from its current ``.grad``; return ``closure()`` if given.

        As in torch, ``closure`` (which recomputes the loss and gradients) runs before the update,
        and parameters whose ``.grad`` is ``None`` are skipped.
        """
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(group, p, p.grad, self.state[p])
        return loss

    def zero_grad(self) -> None:
        """Set every gradient to zero in place (layers write into ``.grad``, so it is kept, not set to None)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad.fill(0)

    def _grad(self, p: Any, g: np.ndarray, state: dict[str, Any], maximize: bool, weight_decay: float = 0.0) -> np.ndarray:
        """The gradient the rule uses, as in torch: g <- -g if maximize, then g <- g + wd * p (L2 penalty).

        The penalty (wd/2)|p|^2 has gradient wd * p. The result goes into a buffer; p.grad is left alone.
        """
        if not maximize and weight_decay == 0:
            return g
        buf = state.get("scratch_grad")
        if buf is None:
            buf = state["scratch_grad"] = np.empty_like(p.data)
        if weight_decay == 0:
            return np.negative(g, out=buf)
        np.multiply(p.data, weight_decay, out=buf)
        return np.subtract(buf, g, out=buf) if maximize else np.add(g, buf, out=buf)

    def __repr__(self) -> str:
        group = self.param_groups[0]
        opts = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
        return f"{type(self).__name__}({len(group['params'])} parameters, {opts})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (torch.optim.SGD).

    With maximize, g <- -g; with weight decay, g <- g + wd * p. Then, with momentum m > 0::

        buf <- g                              (first step: the buffer starts as the first gradient)
        buf <- m * buf + (1 - dampening) * g  (later steps)
        d   <- g + m * buf  if nesterov else  buf
        p   <- p - lr * d

    Without momentum, p <- p - lr * g. The classic form v <- m*v - lr*g, p <- p + v is the same
    trajectory for a constant lr and dampening=0 (v = -lr * buf).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        momentum = real_number(momentum, "momentum", low=0, fix="typical values are 0.9 or 0.99")
        dampening = real_number(dampening, "dampening", low=0, fix="use 0 (the default)")
        if dampening > 1:
            raise ValueError(f"Invalid dampening value: {dampening}; it must lie in [0, 1] (use 0, the default).")
        weight_decay = real_number(weight_decay, "weight_decay", low=0, fix="use e.g. 1e-4, or 0 for none")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening; "
                "pass momentum > 0 (e.g. momentum=0.9) and dampening=0, or nesterov=False."
            )
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=flag(nesterov, "nesterov"), maximize=flag(maximize, "maximize"))
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Any) -> dict[str, Any]:
        return {"scratch": np.empty_like(p.data)}  # momentum_buffer appears on the first step, as in torch

    def _update(self, group: dict[str, Any], p: Any, g: np.ndarray, state: dict[str, Any]) -> None:
        lr, momentum = group["lr"], group["momentum"]
        scratch = state["scratch"]
        g = self._grad(p, g, state, group["maximize"], group["weight_decay"])
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()  # torch: the first buffer is g itself, undamped
            else:
                buf *= momentum
                dampening = group["dampening"]
                if dampening == 0:
                    buf += g
                else:
                    np.multiply(g, 1.0 - dampening, out=scratch)
                    buf += scratch
            if group["nesterov"]:
                np.multiply(buf, momentum, out=scratch)  # look ahead: d = g + m * buf
                scratch += g
                scratch *= lr
            else:
                np.multiply(buf, lr, out=scratch)
        else:
            np.multiply(g, lr, out=scratch)
        p.data -= scratch


class Adagrad(Optimizer):
    """AdaGrad (torch.optim.Adagrad): per-coordinate steps shrink with the sum of squared gradients.

    One step::

        g   <- -g                            (if maximize)
        g   <- g + wd * p                    (if weight_decay)
        clr  = lr / (1 + (t - 1) * lr_decay)
        sum <- sum + g^2                     (sum starts at initial_accumulator_value)
        p   <- p - clr * g / (sqrt(sum) + eps)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        lr_decay = real_number(lr_decay, "lr_decay", low=0, fix="use 0 for no decay")
        weight_decay = real_number(weight_decay, "weight_decay", low=0, fix="use e.g. 1e-4, or 0 for none")
        initial_accumulator_value = real_number(initial_accumulator_value, "initial_accumulator_value", low=0,
                                                fix="use 0 (the default) or e.g. 0.1")
        eps = real_number(eps, "epsilon", low=0, fix="use e.g. 1e-10")
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=flag(maximize, "maximize"))
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Any) -> dict[str, Any]:
        return {
            "step": 0,
            "sum": np.full_like(p.data, group["initial_accumulator_value"]),
            "scratch": np.empty_like(p.data),
        }

    def _update(self, group: dict[str, Any], p: Any, g: np.ndarray, state: dict[str, Any]) -> None:
        state["step"] += 1
        step = state["step"]
        g = self._grad(p, g, state, group["maximize"], group["weight_decay"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total, scratch = state["sum"], state["scratch"]
        np.multiply(g, g, out=scratch)
        total += scratch
        np.sqrt(total, out=scratch)
        scratch += group["eps"]
        np.divide(g, scratch, out=scratch)
        scratch *= clr
        p.data -= scratch


class RMSprop(Optimizer):
    """RMSprop (torch.optim.RMSprop): divide by a running root-mean-square of recent gradients.

    One step::

        g   <- -g                                      (if maximize)
        g   <- g + wd * p                              (if weight_decay)
        v   <- alpha * v + (1 - alpha) * g^2
        avg  = sqrt(v - gbar^2) + eps  with gbar <- alpha*gbar + (1-alpha)*g   (centered)
        avg  = sqrt(v) + eps                                                   (otherwise)
        buf <- momentum * buf + g / avg;  p <- p - lr * buf                    (momentum > 0)
        p   <- p - lr * g / avg                                                (otherwise)

    Centered: v - gbar^2 (an estimate of the gradient's variance) is clipped at 0 before the
    square root, where rounding could make it slightly negative (torch would give NaN there).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        alpha = real_number(alpha, "alpha", low=0, high=1, fix="typical values are 0.9 or 0.99")
        eps = real_number(eps, "epsilon", low=0, fix="use e.g. 1e-8")
        weight_decay = real_number(weight_decay, "weight_decay", low=0, fix="use e.g. 1e-4, or 0 for none")
        momentum = real_number(momentum, "momentum", low=0, fix="use 0 (the default) or e.g. 0.9")
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=flag(centered, "centered"), maximize=flag(maximize, "maximize"))
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Any) -> dict[str, Any]:
        # Like torch, keep only the buffers the chosen options use (memory is part of the lesson).
        state = {"step": 0, "square_avg": np.zeros_like(p.data), "scratch": np.empty_like(p.data)}
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p.data)
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p.data)
        return state

    def _update(self, group: dict[str, Any], p: Any, g: np.ndarray, state: dict[str, Any]) -> None:
        state["step"] += 1
        alpha, momentum = group["alpha"], group["momentum"]
        g = self._grad(p, g, state, group["maximize"], group["weight_decay"])
        square_avg, scratch = state["square_avg"], state["scratch"]
        np.multiply(g, g, out=scratch)
        scratch *= 1.0 - alpha
        square_avg *= alpha
        square_avg += scratch
        if group["centered"]:
            grad_avg = state["grad_avg"]
            np.subtract(g, grad_avg, out=scratch)  # gbar <- gbar + (1 - alpha) * (g - gbar), torch's lerp
            scratch *= 1.0 - alpha
            grad_avg += scratch
            np.multiply(grad_avg, grad_avg, out=scratch)
            np.subtract(square_avg, scratch, out=scratch)
            np.maximum(scratch, 0.0, out=scratch)
            np.sqrt(scratch, out=scratch)
        else:
            np.sqrt(square_avg, out=scratch)
        scratch += group["eps"]
        np.divide(g, scratch, out=scratch)
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += scratch
            np.multiply(buf, group["lr"], out=scratch)
        else:
            scratch *= group["lr"]
        p.data -= scratch


class Adam(Optimizer):
    """Adam (torch.optim.Adam): momentum on g and on g^2, with bias correction.

    One step::

        g  <- -g                               (if maximize)
        g  <- g + wd * p                       (if weight_decay; AdamW decays p instead)
        m  <- beta1 * m + (1 - beta1) * g
        v  <- beta2 * v + (1 - beta2) * g^2
        vmax <- max(vmax, v); use vmax for v   (amsgrad)
        p  <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Note where eps sits: it is added *after* the bias correction of sqrt(v), as in torch.
    """

    _decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}; use e.g. betas=(0.9, 0.999).") from None
        fix = "use e.g. betas=(0.9, 0.999)"
        beta1 = real_number(beta1, "beta parameter at index 0", low=0, high_open=True, high=1.0, fix=fix)
        beta2 = real_number(beta2, "beta parameter at index 1", low=0, high_open=True, high=1.0, fix=fix)
        eps = real_number(eps, "epsilon", low=0, fix="use e.g. 1e-8")
        weight_decay = real_number(weight_decay, "weight_decay", low=0, fix="use e.g. 1e-2, or 0 for none")
        defaults = dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay,
                        amsgrad=flag(amsgrad, "amsgrad"), maximize=flag(maximize, "maximize"))
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Any) -> dict[str, Any]:
        state = {
            "step": 0,
            "exp_avg": np.zeros_like(p.data),
            "exp_avg_sq": np.zeros_like(p.data),
            "scratch": np.empty_like(p.data),
        }
        if group["amsgrad"]:  # the running maximum exists only with AMSGrad, as in torch
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        return state

    def _update(self, group: dict[str, Any], p: Any, g: np.ndarray, state: dict[str, Any]) -> None:
        state["step"] += 1
        step = state["step"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        data = p.data
        if self._decoupled_weight_decay:
            if weight_decay != 0:
                data *= 1.0 - lr * weight_decay  # AdamW: shrink p directly, outside the moments
            g = self._grad(p, g, state, group["maximize"])
        else:
            g = self._grad(p, g, state, group["maximize"], weight_decay)
        exp_avg, exp_avg_sq, scratch = state["exp_avg"], state["exp_avg_sq"], state["scratch"]
        # m <- m + (1 - beta1) * (g - m), torch's lerp; = beta1 * m + (1 - beta1) * g
        np.subtract(g, exp_avg, out=scratch)
        scratch *= 1.0 - beta1
        exp_avg += scratch
        # v <- beta2 * v + (1 - beta2) * g * g
        np.multiply(g, g, out=scratch)
        scratch *= 1.0 - beta2
        exp_avg_sq *= beta2
        exp_avg_sq += scratch
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"]
            np.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        step_size = lr / (1.0 - beta1**step)
        bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
        np.sqrt(second, out=scratch)
        scratch /= bias_correction2_sqrt
        scratch += group["eps"]  # denominator sqrt(v_hat) + eps
        np.divide(exp_avg, scratch, out=scratch)
        scratch *= step_size
        data -= scratch


class AdamW(Adam):
    """AdamW (torch.optim.AdamW): Adam with decoupled weight decay, p <- p * (1 - lr * wd) before the Adam step.

    Unlike L2 regularisation in Adam, the decay does not pass through m and v, so every weight
    shrinks at the same relative rate whatever its gradient history (Loshchilov & Hutter).
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)


def _momentum(params: Iterable[Any], **kw: Any) -> SGD:
    kw.setdefault("momentum", 0.9)
    return SGD(params, **kw)


def _nesterov(params: Iterable[Any], **kw: Any) -> SGD:
    kw.setdefault("momentum", 0.9)
    kw.setdefault("nesterov", True)
    return SGD(params, **kw)


#: name -> constructor ``(params, **hyperparameters) -> Optimizer``.
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": SGD,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}


def get(name: str, params: Iterable[Any], **kw: Any) -> Optimizer:
    """Build an optimizer by name: ``get("adam", model.parameters(), lr=1e-3)``.

    "momentum" is SGD with momentum=0.9 and "nesterov" adds nesterov=True (both overridable).
    """
    return OPTIMIZERS[lookup("optimizer", name, OPTIMIZERS)](params, **kw)


# ---------------------------------------------------------------- learning-rate schedules


class LRScheduler:
    """Base of the schedules: torch.optim.lr_scheduler semantics for one parameter group.

    Construction records ``base_lr`` (the optimizer's lr then) and sets ``last_epoch = 0``.
    Each ``step()`` (call it after ``optimizer.step()``, usually once per epoch) advances
    ``last_epoch`` and writes the new lr into ``optimizer.param_groups[0]["lr"]``. The rules are
    torch's *chainable* ones, which update the current lr (so a change made to it by hand is
    carried forward); left alone they equal the closed forms given in each class.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"a schedule needs an nbcode.optim optimizer, got {type(optimizer).__name__}.")
        self.optimizer = optimizer
        self.base_lr: float = optimizer.param_groups[0]["lr"]
        self.base_lrs = [self.base_lr]
        self.last_epoch = 0
        self._last_lr = [self.base_lr]

    def _next_lr(self, lr: float) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate for it."""
        self.last_epoch += 1
        group = self.optimizer.param_groups[0]
        group["lr"] = self._next_lr(group["lr"])
        self._last_lr = [group["lr"]]

    def get_last_lr(self) -> list[float]:
        """The learning rate set by the last ``step()`` (a one-element list, as in torch)."""
        return list(self._last_lr)


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs: lr_e = base_lr * gamma ** (e // step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = positive_int(step_size, "step_size (in epochs)", "step_size=10")
        self.gamma = real_number(gamma, "gamma", low=0, fix="use e.g. 0.1")
        super().__init__(optimizer)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: lr_e = base_lr * gamma ** e."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = real_number(gamma, "gamma", low=0, fix="use e.g. 0.95")
        super().__init__(optimizer)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma


class CosineAnnealingLR(LRScheduler):
    """Cosine from base_lr down to eta_min over ``T_max`` epochs::

        lr_e = eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2

    Past ``T_max`` it rises again along the same cosine (period 2 * T_max), as torch's does.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0) -> None:
        self.T_max = positive_int(T_max, "T_max (in epochs)", "T_max=epochs")
        self.eta_min = real_number(eta_min, "eta_min", low=0, fix="use 0 (the default) or a small lr such as 1e-5")
        super().__init__(optimizer)

    def _next_lr(self, lr: float) -> float:
        # torch's recursive form: the ratio of consecutive (1 + cos) factors applied to lr - eta_min.
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (e - 1 - T) % (2 * T) == 0:  # leaving the bottom, where the ratio would be 0/0
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (lr - eta_min) + eta_min


class LinearLR(LRScheduler):
    """Scale the lr linearly from ``start_factor * base_lr`` to ``end_factor * base_lr`` over
    ``total_iters`` steps, then keep it (torch's ``LinearLR``; with ``start_factor < 1`` this is
    learning-rate **warm-up**). Construction already sets the first factor::

        lr_e = base_lr * (start_factor + (end_factor - start_factor) * min(e, total_iters) / total_iters)
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1 / 3, end_factor: float = 1.0,
                 total_iters: int = 5) -> None:
        self.start_factor = real_number(start_factor, "start_factor", low=0, high=1, low_open=True,
                                        fix="use e.g. 0.1 to start at a tenth of the rate")
        self.end_factor = real_number(end_factor, "end_factor", low=0, high=1, fix="use 1.0 to end at the full rate")
        self.total_iters = positive_int(total_iters, "total_iters (steps of the ramp)", "total_iters=5")
        super().__init__(optimizer)
        group = optimizer.param_groups[0]
        group["lr"] = group["lr"] * self.start_factor
        self._last_lr = [group["lr"]]

    def _next_lr(self, lr: float) -> float:
        e, n, a, b = self.last_epoch, self.total_iters, self.start_factor, self.end_factor
        if e > n:
            return lr
        return lr * (1 + (b - a) / (n * a + (e - 1) * (b - a)))


def clip_grad_norm_(parameters: Iterable[Any], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Rescale all gradients together so that their joint norm is at most ``max_norm``.

    ``torch.nn.utils.clip_grad_norm_`` semantics: the total norm is the ``norm_type``-norm of all
    the gradients stacked into one vector (``float("inf")`` for the largest absolute entry); if it
    exceeds ``max_norm`` every gradient is multiplied by ``max_norm / (total + 1e-6)``, so the
    direction of the step is kept and only its length is capped. Call it between the backward
    pass and ``optimizer.step()``. Returns the total norm *before* clipping (watch it to see
    whether clipping is active). A non-finite total norm is returned as is, or raises with
    ``error_if_nonfinite=True``.
    """
    params = parameter_list(parameters, "clip_grad_norm_", allow_empty=True)
    max_norm = real_number(max_norm, "clip_grad_norm_: max_norm", low=0, fix="e.g. max_norm=1.0")
    if norm_type != float("inf"):
        norm_type = real_number(norm_type, "clip_grad_norm_: norm_type", low=0, low_open=True,
                                fix="use 2.0 (the default), 1.0 or float('inf')")
    error_if_nonfinite = flag(error_if_nonfinite, "clip_grad_norm_: error_if_nonfinite")
    if not params:
        return 0.0
    norms = [np.linalg.norm(p.grad.ravel(), ord=norm_type) for p in params]
    total = float(np.linalg.norm(norms, ord=norm_type))
    if not math.isfinite(total):
        if error_if_nonfinite:
            raise RuntimeError(
                f"clip_grad_norm_: the total gradient norm is {total}; the loss or the gradients have "
                "overflowed (lower the learning rate), or pass error_if_nonfinite=False to continue."
            )
        return total
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for p in params:
            p.grad *= coef
    return total


def clip_grad_value_(parameters: Iterable[Any], clip_value: float) -> None:
    """Clip every gradient entry into ``[-clip_value, clip_value]``, in place
    (``torch.nn.utils.clip_grad_value_``). Unlike :func:`clip_grad_norm_` this can change the
    direction of the step: large entries are cut, small ones kept."""
    params = parameter_list(parameters, "clip_grad_value_", allow_empty=True)
    clip_value = real_number(clip_value, "clip_grad_value_: clip_value", low=0, fix="e.g. clip_value=1.0")
    for p in params:
        np.clip(p.grad, -clip_value, clip_value, out=p.grad)
