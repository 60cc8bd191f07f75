"""Hyperparameter search by hand: search spaces, grid search, random search, log-uniform sampling.

A *hyperparameter* is a number chosen before training (learning rate, weight decay, width, batch
size, epochs); training cannot learn it, so we try settings and keep the one that scores best on
the validation data. This module is the plain NumPy baseline of the hyperparameter chapter;
Optuna does the same with smarter samplers and pruning.

* A search space maps names to distributions: :class:`Uniform`, :class:`LogUniform` (learning
  rates, weight decay: equal probability per decade), :class:`IntUniform` and :class:`Choice`.
  Each can :meth:`sample` and give ``grid(n)`` values for a grid.
* :func:`grid_search` tries every combination of given value lists; :func:`random_search` draws
  ``n_trials`` configurations from the space with a seeded ``rng``. Both call an
  ``objective(params) -> float`` (a validation score) and return a :class:`SearchResult`.
* The search functions never see data: the objective closes over the training and validation
  arrays only. :class:`SealedTestSet` holds the test arrays and hands them out exactly once, for
  the final model.

Everything that draws random numbers takes ``rng`` (a ``numpy.random.Generator`` or an int seed).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from nbcode._checks import as_rng, real_number

__all__ = [
    "Uniform", "LogUniform", "IntUniform", "Choice", "log_uniform", "sample", "grid_values",
    "Trial", "SearchResult", "grid_search", "random_search", "best_so_far", "hit_probability",
    "trials_needed", "SealedTestSet",
]

RNGLike = np.random.Generator | int


def _rng(rng: RNGLike) -> np.random.Generator:
    return as_rng(rng, allow_none=False)  # a search must be reproducible


def _check_bounds(low: Any, high: Any, what: str, *, positive: bool = False) -> tuple[float, float]:
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
            raise ValueError(f"{what}: {name} must be a finite number, got {v!r}.")
    if positive and low <= 0:
        raise ValueError(f"{what}: a log scale needs low > 0, got low={low!r}; e.g. LogUniform(1e-4, 1e-1).")
    if not low < high:
        raise ValueError(f"{what}: low must be below high, got low={low!r}, high={high!r}.")
    return float(low), float(high)


def _check_count(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}.")
    return int(n)


# --------------------------------------------------------------------------------------------
# sampling
# --------------------------------------------------------------------------------------------

def log_uniform(low: float, high: float, size: int | tuple[int, ...] | None = None, *,
                rng: RNGLike) -> float | np.ndarray:
    """Draw from the log-uniform distribution on ``[low, high]``: ``exp(U(log low, log high))``.

    Its density is ``1 / (x log(high / low))``, so every factor-of-ten interval inside the range
    gets the same probability: on ``[1e-4, 1e-1]`` each decade gets 1/3, where a uniform draw
    would put 90% of the mass in the top decade. Returns a float for ``size=None``.
    """
    low, high = _check_bounds(low, high, "log_uniform", positive=True)
    draws = np.exp(_rng(rng).uniform(math.log(low), math.log(high), size))
    # exp(log(high)) can round one ulp above high
    draws = np.clip(draws, low, high)
    return float(draws) if size is None else draws


class Uniform:
    """A float hyperparameter, uniform on ``[low, high]`` (dropout rate, momentum ...)."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = _check_bounds(low, high, "Uniform")

    def sample(self, rng: RNGLike) -> float:
        return float(_rng(rng).uniform(self.low, self.high))

    def grid(self, n: int) -> list[float]:
        """``n`` evenly spaced values from low to high (the middle one for ``n=1``)."""
        n = _check_count(n, "n")
        if n == 1:
            return [0.5 * (self.low + self.high)]
        return [float(v) for v in np.linspace(self.low, self.high, n)]

    def __repr__(self) -> str:
        return f"Uniform({self.low:g}, {self.high:g})"


class LogUniform:
    """A positive float hyperparameter whose effect is multiplicative (learning rate, weight
    decay): ``log(x)`` is uniform on ``[log low, log high]``, see :func:`log_uniform`."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = _check_bounds(low, high, "LogUniform", positive=True)

    def sample(self, rng: RNGLike) -> float:
        return log_uniform(self.low, self.high, rng=rng)

    def grid(self, n: int) -> list[float]:
        """``n`` values evenly spaced in ``log x`` (``np.geomspace``; the geometric middle for ``n=1``)."""
        n = _check_count(n, "n")
        if n == 1:
            return [math.sqrt(self.low * self.high)]
        return [float(v) for v in np.geomspace(self.low, self.high, n)]

    def __repr__(self) -> str:
        return f"LogUniform({self.low:g}, {self.high:g})"


class IntUniform:
    """An integer hyperparameter, each of ``low, low + 1, ..., high`` equally likely (width, epochs)."""

    def __init__(self, low: int, high: int) -> None:
        for name, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"IntUniform: {name} must be an integer, got {v!r}.")
        if not low <= high:
            raise ValueError(f"IntUniform: low must not exceed high, got low={low}, high={high}.")
        self.low, self.high = int(low), int(high)

    def sample(self, rng: RNGLike) -> int:
        return int(_rng(rng).integers(self.low, self.high + 1))

    def grid(self, n: int) -> list[int]:
        """Up to ``n`` evenly spaced integers from low to high (fewer if the range is shorter)."""
        n = _check_count(n, "n")
        if n == 1:
            return [(self.low + self.high) // 2]
        return sorted({int(round(v)) for v in np.linspace(self.low, self.high, n)})

    def __repr__(self) -> str:
        return f"IntUniform({self.low}, {self.high})"


class Choice:
    """A categorical hyperparameter: one of ``options`` (batch size, activation, optimizer name)."""

    def __init__(self, options: Sequence[Any]) -> None:
        if isinstance(options, (str, bytes)) or not isinstance(options, Sequence) or len(options) == 0:
            raise ValueError(f"Choice needs a non-empty list of options, got {options!r}; e.g. Choice([32, 64, 128]).")
        self.options = list(options)

    def sample(self, rng: RNGLike) -> Any:
        return self.options[int(_rng(rng).integers(len(self.options)))]

    def grid(self, n: int | None = None) -> list[Any]:
        """Every option (a grid cannot do with fewer without ignoring some); ``n`` is ignored."""
        return list(self.options)

    def __repr__(self) -> str:
        return f"Choice({self.options!r})"


Distribution = Uniform | LogUniform | IntUniform | Choice


def _check_space(space: Mapping[str, Any]) -> None:
    if not isinstance(space, Mapping) or len(space) == 0:
        raise ValueError("the search space must be a non-empty dict {name: distribution}, "
                         "e.g. {'lr': LogUniform(1e-4, 1e-1)}.")
    for name, dist in space.items():
        if not isinstance(dist, (Uniform, LogUniform, IntUniform, Choice)):
            raise ValueError(f"hyperparameter {name!r} has {dist!r}, not a distribution; use Uniform, LogUniform, "
                             "IntUniform or Choice (or grid_search for explicit value lists).")


def sample(space: Mapping[str, Distribution], rng: RNGLike) -> dict[str, Any]:
    """One configuration: ``{name: value}`` drawn from each distribution in the space's key order."""
    _check_space(space)
    gen = _rng(rng)
    return {name: dist.sample(gen) for name, dist in space.items()}


def grid_values(space: Mapping[str, Distribution], n: int) -> dict[str, list[Any]]:
    """``{name: dist.grid(n)}``: ``n`` values per axis (all options for a :class:`Choice`)."""
    _check_space(space)
    return {name: dist.grid(n) for name, dist in space.items()}


# --------------------------------------------------------------------------------------------
# searches
# --------------------------------------------------------------------------------------------

class Trial(NamedTuple):
    """One evaluated configuration: its number (0-based), the hyperparameters and the score."""

    number: int
    params: dict[str, Any]
    value: float


def _check_direction(direction: str) -> str:
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be 'maximize' (accuracy) or 'minimize' (loss), got {direction!r}.")
    return direction


def best_so_far(values: Sequence[float], direction: str = "maximize") -> np.ndarray:
    """The best score among the first ``k`` trials, for every ``k``: a running max (or min).

    A NaN (a diverged training) counts as the worst possible score, so it never becomes the best.
    """
    _check_direction(direction)
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 0:
        return v
    if direction == "maximize":
        return np.maximum.accumulate(np.where(np.isnan(v), -np.inf, v))
    return np.minimum.accumulate(np.where(np.isnan(v), np.inf, v))


class SearchResult:
    """The trials of a search and the best one (NaN scores are never best)."""

    def __init__(self, trials: Sequence[Trial], direction: str = "maximize") -> None:
        self.direction = _check_direction(direction)
        self.trials = list(trials)

    @property
    def values(self) -> np.ndarray:
        return np.array([t.value for t in self.trials], dtype=np.float64)

    @property
    def best(self) -> Trial:
        v = self.values
        if v.size == 0 or np.all(np.isnan(v)):
            raise ValueError("no trial has a finite score, so there is no best one; "
                             "check the objective (did every training diverge?).")
        index = int(np.nanargmax(v) if self.direction == "maximize" else np.nanargmin(v))
        return self.trials[index]

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.best.params)

    @property
    def best_value(self) -> float:
        return self.best.value

    def best_so_far(self) -> np.ndarray:
        return best_so_far(self.values, self.direction)

    def __len__(self) -> int:
        return len(self.trials)

    def __repr__(self) -> str:
        if not self.trials:
            return "SearchResult(0 trials)"
        try:
            best = self.best
        except ValueError:
            return f"SearchResult({len(self)} trials, none finite)"
        return f"SearchResult({len(self)} trials, best {best.value:.4g} at trial {best.number})"


def _evaluate(objective: Callable[[dict[str, Any]], float], params: dict[str, Any], number: int) -> Trial:
    value = objective(dict(params))
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"the objective must return a number (a validation score), got {value!r} "
                         f"for trial {number} with {params}.") from None
    return Trial(number, dict(params), value)


def grid_search(objective: Callable[[dict[str, Any]], float], grid: Mapping[str, Sequence[Any]], *,
                direction: str = "maximize") -> SearchResult:
    """Evaluate ``objective`` at every combination of the value lists in ``grid``.

    The first name varies slowest (``itertools.product`` order). A grid of ``k`` values on each
    of ``d`` axes costs ``k**d`` trials yet tries only ``k`` distinct values of each
    hyperparameter. Use :func:`grid_values` to build value lists from a search space.
    """
    _check_direction(direction)
    if not isinstance(grid, Mapping) or len(grid) == 0:
        raise ValueError("grid must be a non-empty dict {name: list of values}, e.g. {'lr': [1e-3, 1e-2]}.")
    names = list(grid)
    lists = []
    for name in names:
        values = grid[name]
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)) or len(values) == 0:
            raise ValueError(f"grid[{name!r}] must be a non-empty list of values, got {values!r}.")
        lists.append(values.tolist() if isinstance(values, np.ndarray) else list(values))
    trials = [_evaluate(objective, dict(zip(names, combo)), i) for i, combo in enumerate(itertools.product(*lists))]
    return SearchResult(trials, direction)


def random_search(objective: Callable[[dict[str, Any]], float], space: Mapping[str, Distribution],
                  n_trials: int, *, rng: RNGLike, direction: str = "maximize") -> SearchResult:
    """Evaluate ``objective`` at ``n_trials`` configurations drawn independently from ``space``.

    Each trial tries a new value of *every* hyperparameter, so ``n`` trials try ``n`` distinct
    values of the one that matters most, whichever it is (Bergstra and Bengio, 2012). The draws
    come from ``rng`` in order, so the same seed gives the same trials.
    """
    _check_space(space)
    _check_direction(direction)
    n_trials = _check_count(n_trials, "n_trials")
    gen = _rng(rng)
    trials = [_evaluate(objective, sample(space, gen), i) for i in range(n_trials)]
    return SearchResult(trials, direction)


def hit_probability(n_trials: int, fraction: float = 0.05) -> float:
    """Chance that at least one of ``n_trials`` independent random trials lands in the best
    ``fraction`` of the search space: ``1 - (1 - fraction) ** n_trials``."""
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 0:
        raise ValueError(f"n_trials must be a non-negative integer, got {n_trials!r}.")
    fraction = real_number(fraction, "fraction", low=0.0, high=1.0, low_open=True, fix="e.g. 0.05 for the top 5%")
    return 1.0 - (1.0 - fraction) ** int(n_trials)


def trials_needed(probability: float = 0.95, fraction: float = 0.05) -> int:
    """Fewest random trials for which :func:`hit_probability` reaches ``probability``:
    ``ceil(log(1 - probability) / log(1 - fraction))`` (59 for 95% and the top 5%)."""
    probability = real_number(probability, "probability", low=0.0, high=1.0, high_open=True, fix="e.g. 0.95")
    fraction = real_number(fraction, "fraction", low=0.0, high=1.0, low_open=True, high_open=True,
                           fix="e.g. 0.05 for the top 5%")
    n = math.ceil(math.log1p(-probability) / math.log1p(-fraction) - 1e-12)
    return max(n, 0)


# --------------------------------------------------------------------------------------------
# the test set, kept out of the search
# --------------------------------------------------------------------------------------------

class SealedTestSet:
    """The test arrays, handed out exactly once: for the final model, after the search.

    Every decision of a search (which trial is best, when to stop, which width) is made on the
    validation data. A test set consulted during the search becomes one more validation set and
    its score is optimistic. ``open()`` returns read-only copies of ``(X, y)`` the first time and
    raises ``RuntimeError`` after that; ``times_opened`` says how often it was asked.
    """

    def __init__(self, X, y) -> None:
        X = np.array(X, copy=True)
        y = np.array(y, copy=True)
        if X.ndim == 0 or y.ndim == 0 or len(X) != len(y) or len(X) == 0:
            raise ValueError(f"SealedTestSet needs X and y with the same non-zero number of rows, "
                             f"got shapes {X.shape} and {y.shape}.")
        X.setflags(write=False)
        y.setflags(write=False)
        self._X, self._y = X, y
        self.times_opened = 0

    def __len__(self) -> int:
        return len(self._y)

    def open(self) -> tuple[np.ndarray, np.ndarray]:
        self.times_opened += 1
        if self.times_opened > 1:
            raise RuntimeError("the test set was already opened once, for the final model; evaluating on it "
                               "again (after changing something) turns it into a validation set and makes its "
                               "score optimistic. Make further decisions on the validation data.")
        return self._X, self._y

    def __repr__(self) -> str:
        return f"SealedTestSet({len(self)} samples, opened {self.times_opened} times)"
