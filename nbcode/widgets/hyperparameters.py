"""The hyperparameter chapter's interactive figure: grid, random and TPE search on a landscape.

A *landscape* is the validation accuracy of a model as a function of two hyperparameters,
``log10(learning rate)`` and ``log10(weight decay)``, known on a coarse grid of measured values
and interpolated bilinearly in between (:class:`Landscape`, :func:`landscape_value`). The chapter
measures one on the digits; :func:`synthetic_landscape` is a smooth stand-in of the same shape
for tests and benchmarks.

Compute (NumPy only, tested):

* :func:`search_points` ``(method, budget, seed)``: where a search with ``budget`` trials looks:
  ``"grid"`` (the largest ``k_lr x k_wd`` grid with ``k_wd = floor(sqrt(budget))`` that fits the
  budget), ``"random"`` (uniform in the log box; the first ``budget`` of a fixed sequence of
  draws, so a larger budget adds points) or ``"tpe"`` (the first ``budget`` trials of an Optuna
  TPE run, precomputed once by :func:`tpe_points`, which imports Optuna lazily);
* :func:`best_so_far` (the running maximum) and :func:`search_curve`, which evaluates a search on
  a landscape: the points, their scores, the best so far, the number of distinct learning rates.

View (thin): :func:`draw` draws the landscape once and returns the Scene that puts the points of
the chosen method on it (``set_offsets``) and the best-so-far curves of all three methods beside
it (``set_data``), the best values in the title; :func:`search_explorer` is the live figure and
:func:`search_scrubber` the static version over the budget for one method.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

from .._checks import unknown_name
from ..search import best_so_far

__all__ = [
    "LOG_LR_RANGE", "LOG_WD_RANGE", "MAX_BUDGET", "METHODS", "LABELS", "SCRUBBER_BUDGETS",
    "Landscape", "landscape_value", "synthetic_landscape", "grid_shape", "search_points",
    "tpe_points", "best_so_far", "search_curve", "lr_profile", "draw", "search_explorer", "search_scrubber",
]

#: The search box's learning-rate side in log10 units (1e-4..1e-1).
LOG_LR_RANGE = (-4.0, -1.0)
#: The search box's weight-decay side in log10 units (1e-6..1e-1).
LOG_WD_RANGE = (-6.0, -1.0)
#: The largest budget the controls allow (and the length of the precomputed random/TPE runs).
MAX_BUDGET = 50
#: The search methods the figure compares.
METHODS = ("grid", "random", "tpe")
#: Each method's name in the legend.
LABELS = {"grid": "grid search", "random": "random search", "tpe": "TPE (Optuna)"}
# What each method's trials do as the budget grows (the scrubber's description).
_SEARCH_ALT = {
    "grid": "The grid fills a larger, nearly square lattice that tries only as many learning rates as its side.",
    "random": "Every new log-uniform trial adds a new learning rate.",
    "tpe": "The first trials are drawn at random; the later ones crowd into the bright band of good learning rates.",
}
COLORS = {"grid": "#7f7f7f", "random": "#1f77b4", "tpe": "#d62728"}
#: Budgets of the static scrubber, the perfect squares a grid fills, plus 1 and 2.
SCRUBBER_BUDGETS = (1, 2, 4, 9, 16, 25, 36, 49)


class Landscape(NamedTuple):
    """Scores measured on a grid: ``score[i, j]`` at ``(log_lr[j], log_wd[i])`` (rows: weight decay)."""

    log_lr: np.ndarray
    log_wd: np.ndarray
    score: np.ndarray


def _check_landscape(landscape: Landscape) -> Landscape:
    u = np.asarray(landscape.log_lr, dtype=np.float64)
    v = np.asarray(landscape.log_wd, dtype=np.float64)
    z = np.asarray(landscape.score, dtype=np.float64)
    if u.ndim != 1 or v.ndim != 1 or len(u) < 2 or len(v) < 2 or z.shape != (len(v), len(u)):
        raise ValueError(f"a Landscape needs log_lr (m,), log_wd (k,) with m, k >= 2 and score (k, m); "
                         f"got shapes {u.shape}, {v.shape}, {z.shape}.")
    if np.any(np.diff(u) <= 0) or np.any(np.diff(v) <= 0):
        raise ValueError("a Landscape's log_lr and log_wd must be strictly increasing.")
    return Landscape(u, v, z)


def _axis_weights(grid: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left cell index and the fraction of the way to the next node (points outside are clamped)."""
    x = np.clip(x, grid[0], grid[-1])
    i = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, len(grid) - 2)
    t = (x - grid[i]) / (grid[i + 1] - grid[i])
    return i, t


def landscape_value(landscape: Landscape, log_lr, log_wd) -> np.ndarray:
    """Bilinear interpolation of the measured scores at ``(log_lr, log_wd)`` (arrays broadcast)."""
    u_grid, v_grid, z = _check_landscape(landscape)
    u, v = np.broadcast_arrays(np.asarray(log_lr, dtype=np.float64), np.asarray(log_wd, dtype=np.float64))
    j, tu = _axis_weights(u_grid, u)
    i, tv = _axis_weights(v_grid, v)
    return ((1 - tv) * ((1 - tu) * z[i, j] + tu * z[i, j + 1])
            + tv * ((1 - tu) * z[i + 1, j] + tu * z[i + 1, j + 1]))


def synthetic_landscape(n: int = 8) -> Landscape:
    """A smooth stand-in for a measured digits landscape on an ``n x n`` grid of the box.

    Accuracy rises from chance (0.1) at lr = 1e-4 to about 0.97 near lr = 3e-2 and falls a little
    beyond; weight decay matters only above about 1e-2. Learning rate is the important axis.
    """
    u = np.linspace(*LOG_LR_RANGE, n)
    v = np.linspace(*LOG_WD_RANGE, n)
    U, V = np.meshgrid(u, v)
    rise = 1.0 / (1.0 + np.exp(-3.0 * (U + 2.6)))
    overshoot = 0.25 * np.clip(U + 1.5, 0.0, None) ** 2
    decay = 0.08 / (1.0 + np.exp(-4.0 * (V + 1.6)))
    score = 0.1 + 0.87 * rise - overshoot - decay
    return Landscape(u, v, np.clip(score, 0.0, 1.0))


def _check_budget(budget: Any) -> int:
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or not 1 <= budget <= MAX_BUDGET:
        raise ValueError(f"budget must be a whole number of trials from 1 to {MAX_BUDGET}, got {budget!r}.")
    return int(budget)


def grid_shape(budget: int) -> tuple[int, int]:
    """``(k_lr, k_wd)``: the grid a budget buys, ``k_wd = floor(sqrt(budget))``, ``k_lr = budget // k_wd``.

    The spare ``budget - k_lr * k_wd`` trials (at most ``2 k_wd``) stay unused: a grid cannot
    take one more trial without a whole new row or column.
    """
    budget = _check_budget(budget)
    k_wd = math.isqrt(budget)
    return budget // k_wd, k_wd


def _axis(low: float, high: float, k: int) -> np.ndarray:
    return np.array([(low + high) / 2]) if k == 1 else np.linspace(low, high, k)


def _random_sequence(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    low = np.array([LOG_LR_RANGE[0], LOG_WD_RANGE[0]])
    high = np.array([LOG_LR_RANGE[1], LOG_WD_RANGE[1]])
    # uniform in log10 units = log-uniform in the hyperparameters themselves
    return low + (high - low) * rng.random((MAX_BUDGET, 2))


def search_points(method: str, budget: int, seed: int = 0,
                  tpe: Mapping[int, np.ndarray] | np.ndarray | None = None) -> np.ndarray:
    """The ``(n, 2)`` points ``(log10 lr, log10 wd)`` a search with ``budget`` trials evaluates, in order.

    ``"grid"`` ignores ``seed`` and uses ``k_lr * k_wd <= budget`` points (:func:`grid_shape`),
    learning rate varying slowest. ``"random"`` and ``"tpe"`` use exactly ``budget`` points, the
    first of a run of :data:`MAX_BUDGET`; ``"tpe"`` needs the runs of :func:`tpe_points`, as one
    array or ``{seed: array}``.
    """
    budget = _check_budget(budget)
    if method == "grid":
        k_lr, k_wd = grid_shape(budget)
        U, V = np.meshgrid(_axis(*LOG_LR_RANGE, k_lr), _axis(*LOG_WD_RANGE, k_wd), indexing="ij")
        return np.column_stack([U.ravel(), V.ravel()])
    if method == "random":
        return _random_sequence(int(seed))[:budget]
    if method == "tpe":
        if tpe is None:
            raise ValueError("method 'tpe' needs precomputed Optuna runs: pass tpe=tpe_points(landscape, seed=...) "
                             "or a dict {seed: tpe_points(...)}.")
        if isinstance(tpe, Mapping):
            if seed not in tpe:
                raise ValueError(f"no precomputed TPE run for seed {seed}; have seeds {sorted(tpe)}.")
            tpe = tpe[seed]
        run = np.asarray(tpe, dtype=np.float64)
        if run.ndim != 2 or run.shape[1] != 2 or len(run) < budget:
            raise ValueError(f"a TPE run must be an (n, 2) array with n >= budget = {budget}, got shape {run.shape}.")
        return run[:budget]
    raise unknown_name("search method", method, METHODS)


def tpe_points(landscape: Landscape, n: int = MAX_BUDGET, seed: int = 0) -> np.ndarray:
    """Run Optuna's TPE sampler (seeded, logging silenced) for ``n`` trials maximising the
    landscape over the box; return the ``(n, 2)`` points it tried, in order.

    TPE is sequential and seeded, so the first ``b`` of these are what a ``b``-trial run gives.
    Its first 10 trials are random (``n_startup_trials``); after that it samples where good
    trials were dense. One run of 50 trials takes a fraction of a second: precompute, don't
    call per slider move.
    """
    import optuna

    _check_landscape(landscape)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial) -> float:
        u = trial.suggest_float("log_lr", *LOG_LR_RANGE)
        v = trial.suggest_float("log_wd", *LOG_WD_RANGE)
        return float(landscape_value(landscape, u, v))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n)
    return np.array([[t.params["log_lr"], t.params["log_wd"]] for t in study.trials])


def search_curve(method: str, budget: int, seed: int, landscape: Landscape,
                 tpe: Mapping[int, np.ndarray] | np.ndarray | None = None) -> dict[str, Any]:
    """Evaluate a search on a landscape: ``points``, ``values``, ``best_so_far``, ``best_index``,
    ``best``, ``distinct_lr`` (how many different learning rates were tried) and ``n`` trials used."""
    points = search_points(method, budget, seed, tpe)
    values = landscape_value(landscape, points[:, 0], points[:, 1])
    running = best_so_far(values)
    best_index = int(np.argmax(values))
    return {
        "points": points,
        "values": values,
        "best_so_far": running,
        "best_index": best_index,
        "best": float(values[best_index]),
        "distinct_lr": int(len(np.unique(np.round(points[:, 0], 12)))),
        "n": len(points),
    }


def lr_profile(landscape: Landscape, log_lr) -> np.ndarray:
    """The best score over weight decay at each learning rate: the landscape projected onto the
    learning-rate axis (the marginal that decides how good a search's best trial can be)."""
    landscape = _check_landscape(landscape)
    u = np.asarray(log_lr, dtype=np.float64)
    v = np.linspace(*LOG_WD_RANGE, 61)
    return landscape_value(landscape, u[..., None], v).max(axis=-1)


# ---------------------------------------------------------------------------- the view
def _decade_ticks(ax, axis: str, low: float, high: float) -> None:
    ticks = np.arange(math.ceil(low), math.floor(high) + 1)
    labels = [f"1e{int(t)}" for t in ticks]  # plain text: mathtext costs a parse per label per frame
    if axis == "x":
        ax.set_xticks(ticks, labels)
    else:
        ax.set_yticks(ticks, labels)


def _draw_map(fig, ax_map, ax_top, landscape: Landscape) -> dict:
    """The landscape as an image with the trials on it, and above it its learning-rate profile
    with the rates tried (a rug)."""
    u = np.linspace(*LOG_LR_RANGE, 121)
    U, V = np.meshgrid(u, np.linspace(*LOG_WD_RANGE, 121))
    low, top = float(np.min(landscape.score)), float(np.max(landscape.score))
    image = ax_map.imshow(landscape_value(landscape, U, V), origin="lower", extent=(*LOG_LR_RANGE, *LOG_WD_RANGE),
                          aspect="auto", cmap="viridis", vmin=low, vmax=top)
    fig.colorbar(image, ax=[ax_top, ax_map], label="validation accuracy", pad=0.02, aspect=30)
    _decade_ticks(ax_map, "x", *LOG_LR_RANGE)
    _decade_ticks(ax_map, "y", *LOG_WD_RANGE)
    ax_map.set(xlim=LOG_LR_RANGE, ylim=LOG_WD_RANGE, xlabel="learning rate", ylabel="weight decay")
    points = ax_map.scatter([], [], s=28, facecolor="white", edgecolor="black", linewidth=0.8, zorder=3)
    best = ax_map.scatter([], [], s=170, marker="*", facecolor="#ff7f0e", edgecolor="black", linewidth=0.8, zorder=4)

    ax_top.plot(u, lr_profile(landscape, u), color="black", linewidth=1.2)
    rug = ax_top.scatter([], [], s=22, color="#ff7f0e", edgecolor="black", linewidth=0.5, zorder=3, clip_on=False)
    ax_top.set_xlim(*LOG_LR_RANGE)
    ax_top.set_ylim(low - 0.05 * (top - low), top + 0.1 * (top - low))
    ax_top.set_xticks([])
    ax_top.set_ylabel("best over\nweight decay", fontsize=8)
    ax_top.tick_params(labelsize=8)
    return dict(points=points, best=best, rug=rug, title=ax_top.set_title(" ", fontsize=10))


def _draw_curves(ax, top: float) -> dict:
    """The best-so-far curve of every method against the number of trials."""
    lines = {m: ax.step([], [], where="post", color=COLORS[m], label=LABELS[m])[0] for m in METHODS}
    ax.axhline(top, color="black", linestyle=":", linewidth=1, label="best on the map")
    ax.set(xlim=(0.5, MAX_BUDGET + 0.5), ylim=(top - 0.2, top + 0.015), xlabel="trial",
           ylabel="best validation accuracy so far")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return dict(lines=lines, title=ax.set_title(" ", fontsize=9))


def draw(fig, landscape: Landscape, tpe: Mapping[int, np.ndarray]):
    """Draw the search figure and return its Scene: ``update(method, budget, seed)``.

    The map, colorbar, profile, axes and legend are the background (one for every setting); the
    trials, the rug, the curves and both titles move. ``update`` returns ``{"method", "budget",
    "curves": {method: search_curve(...)}}``; budgets outside 1..MAX_BUDGET are clamped.
    """
    from ._core import Scene

    landscape = _check_landscape(landscape)
    axes = fig.subplot_mosaic([["top", "curve"], ["map", "curve"]], width_ratios=[1.15, 1], height_ratios=[1, 3.2])
    on_map = _draw_map(fig, axes["map"], axes["top"], landscape)
    on_curve = _draw_curves(axes["curve"], float(np.max(landscape.score)))

    def show_trials(shown: dict, method: str) -> None:
        on_map["points"].set_offsets(shown["points"])
        on_map["best"].set_offsets(shown["points"][[shown["best_index"]]])
        lrs = np.unique(shown["points"][:, 0])
        on_map["rug"].set_offsets(np.column_stack([lrs, lr_profile(landscape, lrs)]))
        on_map["title"].set_text(f"{LABELS[method]}: {shown['n']} trials, {shown['distinct_lr']} distinct learning rates")

    def update(method: str = "random", budget: int = 9, seed: int = 0) -> dict:
        budget = int(min(max(int(budget), 1), MAX_BUDGET))
        curves = {m: search_curve(m, budget, seed, landscape, tpe) for m in METHODS}
        show_trials(curves[method], method)
        for m, line in on_curve["lines"].items():  # the chosen method stands out
            line.set_data(np.arange(1, curves[m]["n"] + 1), curves[m]["best_so_far"])
            line.set_linewidth(2.6 if m == method else 1.2)
            line.set_alpha(1.0 if m == method else 0.55)
        on_curve["title"].set_text(f"best: grid {curves['grid']['best']:.3f}, "
                                   f"random {curves['random']['best']:.3f}, TPE {curves['tpe']['best']:.3f}")
        return {"method": method, "budget": budget, "curves": curves}

    def moving() -> list:
        return [*(on_map[key] for key in ("points", "best", "rug", "title")), *on_curve["lines"].values(),
                on_curve["title"]]

    return Scene(fig, update, moving)


def search_explorer(landscape: Landscape, *, tpe: Mapping[int, np.ndarray] | None = None, seeds: int = 3,
                    width: float = 10.0, height: float = 4.0, dpi: int = 80):
    """Budget slider, method dropdown and seed slider over the landscape; returns a ``LiveFigure``.

    ``tpe`` maps each seed to a precomputed :func:`tpe_points` run; if None the runs for seeds
    ``0 .. seeds - 1`` are computed here, once (Optuna, a fraction of a second per seed).
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    landscape = _check_landscape(landscape)
    if tpe is None:
        tpe = {s: tpe_points(landscape, MAX_BUDGET, seed=s) for s in range(seeds)}
    seed_values = sorted(tpe)
    controls = {
        "method": control(widgets.Dropdown, "random", "search_explorer", "method", options=[(LABELS[m], m) for m in METHODS], description="method"),
        "budget": control(widgets.IntSlider, 9, "search_explorer", "budget", min=1, max=MAX_BUDGET, step=1, description="trials",
                                    continuous_update=False),
        "seed": control(widgets.IntSlider, seed_values[0], "search_explorer", "seed", min=seed_values[0], max=seed_values[-1], step=1,
                                  description="seed", continuous_update=False),
    }
    return LiveFigure(draw(new_figure(width, height, dpi), landscape, tpe), controls)


def search_scrubber(landscape: Landscape, method: str, budgets: Sequence[int] = SCRUBBER_BUDGETS, *,
                    tpe: Mapping[int, np.ndarray] | None = None, seed: int = 0, width: float = 9.0,
                    height: float = 3.7, dpi: int | None = None):
    """The static version of :func:`search_explorer` for one method: its frames over the budget.

    ``tpe`` as for :func:`search_explorer` (the title compares all three methods, so the TPE run
    of ``seed`` is needed whatever ``method`` is; computed here if not given).
    """
    from ._core import new_figure, scrubber

    if method not in METHODS:
        raise unknown_name("search method", method, METHODS)
    budgets = [_check_budget(b) for b in budgets]
    if not budgets:
        raise ValueError("a scrubber needs at least one budget, e.g. budgets=(1, 4, 9, 16).")
    landscape = _check_landscape(landscape)
    if tpe is None:
        tpe = {seed: tpe_points(landscape, MAX_BUDGET, seed=seed)}
    scene = draw(new_figure(width, height, dpi), landscape, tpe)
    alt = (f"Two panels for {LABELS[method]} on the measured map of validation accuracy over the learning rate and "
           "the weight decay (log axes). Left, the map with each trial as a white dot and the best as a star, under "
           "a strip of the best accuracy at each learning rate with the tried rates marked; right, the best accuracy "
           f"so far after each trial for grid, random and TPE, {LABELS[method]} drawn thick, and a dotted line at the "
           f"map's best. As the budget grows, trials are added. {_SEARCH_ALT[method]}")
    return scrubber(scene, "budget", budgets, fixed={"method": method, "seed": seed}, fmt="{} trials",
                    title=f"{LABELS[method]} (seed {seed}): move the slider to add trials", alt=alt)

