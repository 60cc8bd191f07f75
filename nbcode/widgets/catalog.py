"""Every chapter's live figure, built as its chapter builds it: one list for tests and benchmarks.

``LIVE_VIEWS`` maps a widget module's name to a function of no arguments that returns the
chapter's :class:`~nbcode.widgets.LiveFigure`. The shared tests (``tests/conftest.py``) check
every entry the same way (a frame equals a full render, figure_png, at every control's ends
and middle; moving the main slider redraws only what moves) and ``benchmarks/bench_widgets.py`` times full updates of each.
A new widget module without an entry here fails ``tests/test_widgets_catalog.py``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["LIVE_VIEWS", "control_settings"]


def _module(name: str):
    return importlib.import_module(f"nbcode.widgets.{name}")


def _search_explorer():
    hp = _module("hyperparameters")
    landscape = hp.synthetic_landscape()
    return hp.search_explorer(landscape, tpe={seed: hp.tpe_points(landscape, n=50, seed=seed) for seed in range(3)})


#: Each widget module's name, and a function of no arguments that builds its chapter's live figure.
#:
#: :meta hide-value:
LIVE_VIEWS: dict[str, Callable[[], Any]] = {
    "feedforward": lambda: _module("feedforward").xor_network_view(),
    "activations": lambda: _module("activations").activation_explorer("relu", depth=50),
    "losses": lambda: _module("losses").loss_explorer(p=0.1, y=1),
    "backprop": lambda: _module("backprop").bill_explorer(),
    "gradient_descent": lambda: _module("gradient_descent").gd_explorer(lr=0.05, steps=50),
    "minibatch": lambda: _module("minibatch").minibatch_explorer(batch_size=16, lr=0.05, seed=0),
    "optimizers": lambda: _module("optimizers").race_view(names=("sgd", "momentum", "rmsprop", "adam"), lr=0.05),
    "initialization": lambda: _module("initialization").initialization_explorer("normal", std=0.01, activation="tanh"),
    "regularization": lambda: _module("regularization").capacity_explorer(width=128, lam=0.0),
    "generalization": lambda: _module("generalization").bias_variance_explorer(degree=3),
    "hyperparameters": _search_explorer,
    "clustering": lambda: _module("clustering").kmeans_explorer(),
}


def control_settings(control) -> list[Any]:
    """The values a test walks one control through: its ends and its middle (each option once)."""
    if hasattr(control, "options") and control.options:
        values = [value for _, value in _labelled(control.options)]
        if type(control).__name__ == "SelectMultiple":
            return [(), tuple(values[:1]), tuple(values)]
        return values
    if hasattr(control, "min") and hasattr(control, "max"):
        if type(control).__name__ == "FloatLogSlider":
            low, high = control.base**control.min, control.base**control.max
            return [low, (low * high) ** 0.5, high]
        middle = (control.min + control.max) / 2
        return [control.min, type(control.value)(middle) if isinstance(control.value, int) else middle, control.max]
    if isinstance(control.value, bool):
        return [not control.value, control.value]
    return [control.value]


def _labelled(options) -> list[tuple[str, Any]]:
    return [option if isinstance(option, tuple) else (str(option), option) for option in options]
