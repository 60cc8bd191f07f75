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

View (thin): :func:`search_explorer` draws the landscape once with the points of the chosen
method on it (``set_offsets``) and the best-so-far curves of all three methods beside it
(``set_data``), the best value in the title; :func:`search_scrubber` is the static version over
the budget for one method.
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
    "tpe_points", "best_so_far", "search_curve", "lr_profile", "search_explorer", "search_scrubber", "LATENCY_CASES",
]

#: The search box, in log10 units: learning rate 1e-4..1e-1, weight decay 1e-6..1e-1.
LOG_LR_RANGE = (-4.0, -1.0)
LOG_WD_RANGE = (-6.0, -1.0)
#: The largest budget the controls allow (and the length of the precomputed random/TPE runs).
MAX_BUDGET = 50
METHODS = ("grid", "random", "tpe")
LABELS = {"grid": "grid search", "random": "random search", "tpe": "TPE (Optuna)"}
COLORS = {"grid": "#7f7f7f", "random": "#1f77b4", "tpe": "#d62728"}
#: Budgets of the static scrubber: the perfect squares a grid fills, plus 1 and 2.
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


#: The compute calls one control move triggers (timed by the lead's benchmark): one curve per method.
LATENCY_CASES = [
    (search_curve, {"method": "grid", "budget": 49, "seed": 0, "landscape": synthetic_landscape()}),
    (search_curve, {"method": "random", "budget": 50, "seed": 0, "landscape": synthetic_landscape()}),
    (search_curve, {"method": "tpe", "budget": 50, "seed": 0, "landscape": synthetic_landscape(),
                    "tpe": _random_sequence(1)}),
]


# ---------------------------------------------------------------------------- the view
def _decade_ticks(ax, axis: str, low: float, high: float) -> None:
    ticks = np.arange(math.ceil(low), math.floor(high) + 1)
    labels = [f"1e{int(t)}" for t in ticks]  # plain text: mathtext costs a parse per label per frame
    if axis == "x":
        ax.set_xticks(ticks, labels)
    else:
        ax.set_yticks(ticks, labels)


def lr_profile(landscape: Landscape, log_lr) -> np.ndarray:
    """The best score over weight decay at each learning rate: the landscape projected onto the
    learning-rate axis (the marginal that decides how good a search's best trial can be)."""
    landscape = _check_landscape(landscape)
    u = np.asarray(log_lr, dtype=np.float64)
    v = np.linspace(*LOG_WD_RANGE, 61)
    return landscape_value(landscape, u[..., None], v).max(axis=-1)


def _draw(landscape: Landscape, width: float, height: float, dpi: int):
    from nbcode.widgets import new_figure

    fig = new_figure(width, height, dpi=dpi)
    axes = fig.subplot_mosaic([["top", "curve"], ["map", "curve"]], width_ratios=[1.15, 1],
                              height_ratios=[1, 3.2])
    ax_top, ax_map, ax_curve = axes["top"], axes["map"], axes["curve"]
    u = np.linspace(*LOG_LR_RANGE, 121)
    v = np.linspace(*LOG_WD_RANGE, 121)
    U, V = np.meshgrid(u, v)
    Z = landscape_value(landscape, U, V)
    low, top = float(np.min(landscape.score)), float(np.max(landscape.score))
    image = ax_map.imshow(Z, origin="lower", extent=(*LOG_LR_RANGE, *LOG_WD_RANGE), aspect="auto",
                          cmap="viridis", vmin=low, vmax=top)
    fig.colorbar(image, ax=[ax_top, ax_map], label="validation accuracy", pad=0.02, aspect=30)
    _decade_ticks(ax_map, "x", *LOG_LR_RANGE)
    _decade_ticks(ax_map, "y", *LOG_WD_RANGE)
    ax_map.set_xlabel("learning rate")
    ax_map.set_ylabel("weight decay")
    empty = np.empty((0, 2))
    points = ax_map.scatter(empty[:, 0], empty[:, 1], s=28, facecolor="white", edgecolor="black", linewidth=0.8,
                            zorder=3)
    best = ax_map.scatter(empty[:, 0], empty[:, 1], s=170, marker="*", facecolor="#ff7f0e", edgecolor="black",
                          linewidth=0.8, zorder=4)
    ax_map.set_xlim(*LOG_LR_RANGE)
    ax_map.set_ylim(*LOG_WD_RANGE)

    # the marginal: best accuracy over weight decay at each learning rate, and the rates tried
    ax_top.plot(u, lr_profile(landscape, u), color="black", linewidth=1.2)
    rug = ax_top.scatter(empty[:, 0], empty[:, 1], s=22, color="#ff7f0e", edgecolor="black", linewidth=0.5,
                         zorder=3, clip_on=False)
    ax_top.set_xlim(*LOG_LR_RANGE)
    ax_top.set_ylim(low - 0.05 * (top - low), top + 0.1 * (top - low))
    ax_top.set_xticks([])
    ax_top.set_ylabel("best over\nweight decay", fontsize=8)
    ax_top.tick_params(labelsize=7)

    lines = {}
    for method in METHODS:
        (lines[method],) = ax_curve.step([], [], where="post", color=COLORS[method], label=LABELS[method])
    ax_curve.axhline(top, color="black", linestyle=":", linewidth=1, label="best on the map")
    ax_curve.set_xlim(0.5, MAX_BUDGET + 0.5)
    ax_curve.set_ylim(top - 0.2, top + 0.015)
    ax_curve.set_xlabel("trial")
    ax_curve.set_ylabel("best validation accuracy so far")
    ax_curve.legend(loc="lower right", fontsize=8)
    ax_curve.grid(alpha=0.3)
    title = ax_curve.set_title(_LONGEST_CURVE_TITLE, fontsize=9)
    map_title = ax_top.set_title(_LONGEST_MAP_TITLE, fontsize=10)
    # Solve the layout once, with titles as long as they get, and keep it: the background of the
    # blitted frames (everything but the points, curves and titles) is then valid for every frame.
    fig.draw_without_rendering()
    fig.set_layout_engine(None)
    artists = {"points": points, "best": best, "rug": rug, "lines": lines, "title": title, "map_title": map_title,
               "ax_map": ax_map, "ax_curve": ax_curve, "ax_top": ax_top}
    return fig, artists


_LONGEST_CURVE_TITLE = "best of 50 trials: grid 0.000, random 0.000, TPE 0.000"
_LONGEST_MAP_TITLE = "random search: 50 trials, 50 distinct learning rates"


def _moving(artists: dict[str, Any]) -> list:
    return [artists["points"], artists["best"], artists["rug"], *artists["lines"].values(), artists["title"],
            artists["map_title"]]


class _Blitter:
    """PNG frames that redraw only the moving artists over a background rendered once.

    The map (a 121 x 121 image), the colorbar, axes, ticks and legend never change; redrawing
    them for every frame is most of the cost of a frame (text layout above all).
    """

    def __init__(self, fig, moving: list) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = fig
        self.moving = list(moving)
        self.canvas = FigureCanvasAgg(fig)
        self.background = None

    def png(self) -> bytes:
        import io

        from PIL import Image

        if self.background is None:
            for artist in self.moving:
                artist.set_animated(True)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.canvas.restore_region(self.background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())[..., :3]).save(buffer, format="png")
        return buffer.getvalue()


def _make_update(artists: dict[str, Any], landscape: Landscape, tpe: Mapping[int, np.ndarray]):
    def update(method: str = "random", budget: int = 9, seed: int = 0) -> None:
        budget = int(min(max(int(budget), 1), MAX_BUDGET))
        curves = {m: search_curve(m, budget, seed, landscape, tpe) for m in METHODS}
        shown = curves[method]
        artists["points"].set_offsets(shown["points"])
        artists["best"].set_offsets(shown["points"][[shown["best_index"]]])
        lrs = np.unique(shown["points"][:, 0])
        artists["rug"].set_offsets(np.column_stack([lrs, lr_profile(landscape, lrs)]))
        for m, line in artists["lines"].items():
            c = curves[m]
            line.set_data(np.arange(1, c["n"] + 1), c["best_so_far"])
            line.set_linewidth(2.6 if m == method else 1.2)
            line.set_alpha(1.0 if m == method else 0.55)
        artists["map_title"].set_text(f"{LABELS[method]}: {shown['n']} trials, "
                                      f"{shown['distinct_lr']} distinct learning rates")
        artists["title"].set_text(f"best of {budget} trials: grid {curves['grid']['best']:.3f}, "
                                  f"random {curves['random']['best']:.3f}, TPE {curves['tpe']['best']:.3f}")

    return update


def _live_figure_class():
    from nbcode.widgets import LiveFigure

    class BlittedLiveFigure(LiveFigure):
        """A LiveFigure whose frames are blitted (:class:`_Blitter`)."""

        def __init__(self, fig, controls, update, moving) -> None:
            self.blitter = _Blitter(fig, moving)
            super().__init__(fig, controls, update)

        def refresh(self) -> None:
            self._update(**self.values)
            self.image.value = self.blitter.png()

    return BlittedLiveFigure


def search_explorer(landscape: Landscape, *, tpe: Mapping[int, np.ndarray] | None = None, seeds: int = 3,
                    width: float = 10.0, height: float = 4.0, dpi: int = 80):
    """Budget slider, method dropdown and seed slider over the landscape; returns a ``LiveFigure``.

    ``tpe`` maps each seed ``0 .. seeds - 1`` to a precomputed :func:`tpe_points` run; if None
    the runs are computed here, once (Optuna, a fraction of a second per seed). The view keeps
    ``landscape``, ``tpe``, ``artists`` and its figure size for :func:`search_scrubber`.
    """
    import ipywidgets as widgets

    landscape = _check_landscape(landscape)
    if tpe is None:
        tpe = {s: tpe_points(landscape, MAX_BUDGET, seed=s) for s in range(seeds)}
    seed_values = sorted(tpe)
    fig, artists = _draw(landscape, width, height, dpi)
    update = _make_update(artists, landscape, tpe)
    controls = {
        "method": widgets.Dropdown(options=[(LABELS[m], m) for m in METHODS], value="random", description="method"),
        "budget": widgets.IntSlider(value=9, min=1, max=MAX_BUDGET, step=1, description="trials",
                                    continuous_update=False),
        "seed": widgets.IntSlider(value=seed_values[0], min=seed_values[0], max=seed_values[-1], step=1,
                                  description="seed", continuous_update=False),
    }
    view = _live_figure_class()(fig, controls, update, _moving(artists))
    view.artists = artists
    view.landscape = landscape
    view.tpe = tpe
    view.size = (width, height)
    return view


def search_scrubber(view, method: str, budgets: Sequence[int] = SCRUBBER_BUDGETS, *, seed: int = 0,
                    dpi: int = 64):
    """The static version of :func:`search_explorer` for one method: blitted frames over the budget.

    The frames are drawn on a figure of their own (at ``dpi``), so the live view is left as it
    was; that figure and its background are kept on the view and shared by the scrubbers of the
    other methods.
    """
    from nbcode.widgets import Scrubber

    if method not in METHODS:
        raise unknown_name("search method", method, METHODS)
    budgets = [_check_budget(b) for b in budgets]
    if not budgets:
        raise ValueError("a scrubber needs at least one budget, e.g. budgets=(1, 4, 9, 16).")
    cached = getattr(view, "_scrubber_figure", None)
    if cached is None or cached[0] != dpi:
        fig, artists = _draw(view.landscape, *view.size, dpi)
        cached = (dpi, _make_update(artists, view.landscape, view.tpe), _Blitter(fig, _moving(artists)))
        view._scrubber_figure = cached
    _, update, blitter = cached
    frames = []
    for budget in budgets:
        update(method=method, budget=budget, seed=seed)
        frames.append(blitter.png())
    return Scrubber(frames, [f"{b} trials" for b in budgets], control="budget", initial=len(budgets) // 2,
                    title=f"{LABELS[method]} (seed {seed}): move the slider to add trials")
