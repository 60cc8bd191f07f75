"""The optimizer race: several optimizers from the same start on one test surface.

Compute half: :func:`race` runs the chosen optimizers of :mod:`nbcode.optim` (through
:func:`nbcode.landscapes.run_all`, so each path follows torch.optim's rules exactly) and returns
their paths, the loss gap ``f(p_k) - f_min`` along each path and the step at which a path
diverged. NumPy only.

View half: :func:`draw` draws the contours of every race surface once, one line per optimizer
on the surface and one on a log-scale loss plot, and a legend that gives each optimizer's final
loss or "diverged at step k", and returns the :class:`~nbcode.widgets.Scene`; moving a control
calls ``set_data`` on those lines. :func:`race_view` is the live figure, :func:`race_scrubber`
the static one: the same scene over a grid of learning rates.

Extreme settings are answers, not errors: at ``lr=10`` the SGD family diverges within a few
steps (the path ends and the legend says when) while Adam, RMSprop and AdaGrad stay bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from .. import landscapes
from .._checks import unknown_name

__all__ = [
    "OPTIMIZER_NAMES",
    "LABELS",
    "COLORS",
    "RACE_SURFACES",
    "RaceResult",
    "race",
    "draw",
    "race_view",
    "race_scrubber",
]

#: Every optimizer the race knows, in the order the chapter derives them.
OPTIMIZER_NAMES: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")

#: Display names (legend, controls).
LABELS: dict[str, str] = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
}

#: One fixed colour per optimizer, so a reader can follow it across surfaces and frames.
COLORS: dict[str, str] = {
    "sgd": "#1f77b4",
    "momentum": "#ff7f0e",
    "nesterov": "#8c564b",
    "adagrad": "#2ca02c",
    "rmsprop": "#9467bd",
    "adam": "#d62728",
    "adamw": "#e377c2",
}

#: Dropdown label -> surface name in :mod:`nbcode.landscapes`.
RACE_SURFACES: dict[str, str] = {"bowl": "quadratic_bowl", "Rosenbrock": "rosenbrock", "saddle": "saddle"}

# The momentum slider drives only these two (SGD with momentum); the others have their own defaults.
_MOMENTUM_FAMILY = ("momentum", "nesterov")


def _surface_name(surface: str) -> str:
    if surface in RACE_SURFACES:
        return RACE_SURFACES[surface]
    if surface in RACE_SURFACES.values():
        return surface
    raise unknown_name("race surface", surface, list(RACE_SURFACES) + list(RACE_SURFACES.values()))


def _label_of(surface_name: str) -> str:
    return next(label for label, key in RACE_SURFACES.items() if key == surface_name)


def _check_names(names: Iterable[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    chosen = []
    for name in names:
        if name not in OPTIMIZER_NAMES:
            raise unknown_name("optimizer", name, OPTIMIZER_NAMES)
        if name not in chosen:
            chosen.append(name)
    # Always in the chapter's order, whatever order the reader clicked them in.
    return tuple(n for n in OPTIMIZER_NAMES if n in chosen)


@dataclass(frozen=True)
class RaceResult:
    """What one race produced.

    Attributes:
        surface: the :class:`nbcode.landscapes.Surface` raced on.
        names: the optimizers, in :data:`OPTIMIZER_NAMES` order.
        paths: name -> ``(steps + 1, 2)`` iterates; NaN rows after divergence.
        gaps: name -> ``(steps + 1,)`` values of ``f(p_k) - f_min`` (>= 0); NaN after divergence.
        diverged_at: name -> first diverged step, or None.
        lr, momentum, steps: the settings.
    """

    surface: landscapes.Surface
    names: tuple[str, ...]
    paths: dict[str, np.ndarray]
    gaps: dict[str, np.ndarray]
    diverged_at: dict[str, int | None]
    lr: float
    momentum: float
    steps: int

    def final_loss(self, name: str) -> float:
        """f at the last finite iterate of ``name`` (before divergence, if it diverged)."""
        path = self.paths[name]
        k = self.diverged_at[name]
        last = path[-1] if k is None else path[k - 1]
        return float(self.surface.f(last[0], last[1]))

    def label(self, name: str) -> str:
        """Legend text: ``"Adam: f = 1.2e-04"`` or ``"SGD: diverged at step 5"``."""
        k = self.diverged_at[name]
        if k is not None:
            return f"{LABELS[name]}: diverged at step {k}"
        return f"{LABELS[name]}: f = {self.final_loss(name):.2g}"


def race(
    surface: str = "quadratic_bowl",
    names: Iterable[str] = OPTIMIZER_NAMES,
    lr: float = 0.01,
    momentum: float = 0.9,
    steps: int = 150,
) -> RaceResult:
    """Run the optimizers ``names`` for ``steps`` steps from the surface's default start.

    Every optimizer gets the same ``lr`` (so the race shows what one number means to each of
    them); ``momentum`` goes to "momentum" and "nesterov" only, the others keep torch's defaults
    (Adam's betas (0.9, 0.999), RMSprop's alpha 0.99, AdamW's weight_decay 0.01). Nesterov with
    ``momentum=0`` is plain SGD (torch refuses that setting, so the SGD path is used).
    Divergence is reported in ``diverged_at``, never raised. About 2-3 ms per optimizer for
    150 steps.
    """
    surf = landscapes.get(_surface_name(surface))
    chosen = _check_names(names)
    m = float(momentum)
    if not (0.0 <= m < 1.0):
        raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}; typical values are 0.9 or 0.99.")
    # momentum 0: the momentum family reduces to SGD, exactly
    paths = {n: _path(surf.name, n if n not in _MOMENTUM_FAMILY or m > 0 else "sgd", float(lr), int(steps),
                      m if n in _MOMENTUM_FAMILY and m > 0 else None).copy() for n in chosen}
    f_min = surf.f_min
    gaps = {}
    for n in chosen:
        with np.errstate(all="ignore"):
            gap = surf.f(paths[n]) - f_min
        gaps[n] = np.maximum(gap, 0.0)  # rounding can dip a hair below f_min; NaN stays NaN
    return RaceResult(
        surface=surf,
        names=chosen,
        paths={n: paths[n] for n in chosen},
        gaps=gaps,
        diverged_at={n: landscapes.divergence_step(paths[n]) for n in chosen},
        lr=float(lr),
        momentum=m,
        steps=int(steps),
    )


@lru_cache(maxsize=1024)
def _path(surface: str, name: str, lr: float, steps: int, momentum: float | None) -> np.ndarray:
    """One optimizer's path, kept: a race recomputes only the optimizers whose settings changed
    (moving the momentum leaves SGD, RMSprop and Adam as they were). Read-only; copy to change."""
    hparams = {} if momentum is None else {"momentum": momentum}
    path = landscapes.run_optimizer(surface, name, lr, steps, **hparams)
    path.setflags(write=False)
    return path


_GAP_FLOOR = 1e-10  # bottom of the log-scale loss axis; smaller gaps are drawn there


def draw(fig, steps: int = 150):
    """Draw the race figure (everything that does not depend on the controls) and return its Scene.

    The surface's contours, axes and tick labels form the background, redrawn only when the
    surface changes; the paths, end markers, loss curves, title and legend texts move.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    from ._core import Scene

    grid = fig.add_gridspec(1, 3, width_ratios=[1.0, 1.0, 0.8])
    ax_path, ax_gap, ax_legend = (fig.add_subplot(grid[0, i]) for i in range(3))
    ax_legend.axis("off")

    surfaces = {}
    for key in RACE_SURFACES.values():
        surf = landscapes.get(key)
        X, Y, Z = surf.grid(120)
        # light grey, not antialiased: the coloured paths stand out and the scrubber's frames
        # compress to about half the size
        contours = ax_path.contour(X, Y, Z, levels=surf.levels(12, grid_size=120), colors="0.72",
                                   linewidths=0.6, antialiased=False)
        minima = surf.minima or (surf.minimum,)
        (minimum,) = ax_path.plot([p[0] for p in minima], [p[1] for p in minima], "*", color="k", markersize=10)
        surfaces[key] = (contours, minimum)
    (start,) = ax_path.plot([], [], "o", color="k", markersize=5, markerfacecolor="white")
    ax_path.set_xlabel("x")
    ax_path.set_ylabel("y")

    lines, ends, gap_lines = {}, {}, {}
    for name in OPTIMIZER_NAMES:
        (lines[name],) = ax_path.plot([], [], "-", color=COLORS[name], linewidth=1.4, label=LABELS[name])
        (ends[name],) = ax_path.plot([], [], "o", color=COLORS[name], markersize=5)
        (gap_lines[name],) = ax_gap.plot([], [], "-", color=COLORS[name], linewidth=1.4)
    ax_gap.set_yscale("log")
    # fixed decades with plain-text labels: mathtext tick labels cost more to draw than the data
    ax_gap.yaxis.set_major_locator(FixedLocator(10.0 ** np.arange(-10, 5, 2)))
    ax_gap.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{round(math.log10(v))}"))
    ax_gap.yaxis.set_minor_locator(NullLocator())
    ax_gap.set_xlim(0, steps)
    ax_gap.set_ylim(_GAP_FLOOR / 2, 1e3)  # the widest tick labels, so the layout solved once fits them
    ax_gap.set_xlabel("step")
    ax_gap.set_ylabel("f(p) - f_min")
    ax_gap.set_title("loss gap (log scale)", fontsize=10)
    ax_gap.grid(True, which="major", alpha=0.3)
    # A hand-made legend: one (handle, text) slot per row, filled with the selected optimizers in
    # order. Changing a text is far cheaper to draw than rebuilding a matplotlib Legend.
    ax_legend.text(0.0, 0.95, f"after {steps} steps", transform=ax_legend.transAxes, fontsize=9,
                   va="center", ha="left")
    slots = []
    for row in range(len(OPTIMIZER_NAMES)):
        y = 0.82 - 0.12 * row
        (handle,) = ax_legend.plot([0.0, 0.12], [y, y], transform=ax_legend.transAxes, linewidth=2, clip_on=False)
        text = ax_legend.text(0.16, y, "", transform=ax_legend.transAxes, fontsize=9, va="center", ha="left")
        slots.append((handle, text))
    x_steps = np.arange(steps + 1)

    def show_surface(surf: landscapes.Surface, top: float) -> None:
        for key, artists in surfaces.items():
            for artist in artists:
                artist.set_visible(key == surf.name)
        ax_path.set_xlim(*surf.xlim)
        ax_path.set_ylim(*surf.ylim)
        start.set_data([surf.default_start[0]], [surf.default_start[1]])
        ax_gap.set_ylim(_GAP_FLOOR / 2, max(top, 1e-3) * 30)

    def show_path(name: str, result: RaceResult | None) -> None:
        if result is None or name not in result.paths:
            for artist in (lines[name], ends[name], gap_lines[name]):
                artist.set_data([], [])
            return
        path, k = result.paths[name], result.diverged_at[name]
        last = path[-1] if k is None else path[k - 1]
        lines[name].set_data(path[:, 0], path[:, 1])
        ends[name].set_data([last[0]], [last[1]])
        ends[name].set_marker("o" if k is None else "X")
        gap_lines[name].set_data(x_steps, np.maximum(result.gaps[name], _GAP_FLOOR))

    def update(names: Sequence[str] = (), lr: float = 0.01, momentum: float = 0.9, surface: str = "bowl") -> RaceResult:
        result = race(surface, names, lr, momentum, steps)
        # every path starts at the same point, so the first gap sets the loss axis for all
        show_surface(result.surface, float(result.gaps[result.names[0]][0]) if result.names else 1.0)
        for name in OPTIMIZER_NAMES:
            show_path(name, result)
        ax_path.set_title(f"{_label_of(result.surface.name)}: lr = {lr:.3g}, momentum = {momentum:.2f}", fontsize=10)
        for row, (handle, text) in enumerate(slots):
            name = result.names[row] if row < len(result.names) else None
            handle.set_visible(name is not None)
            if name is not None:
                handle.set_color(COLORS[name])
            text.set_text(result.label(name) if name is not None else "")
        return result

    def moving() -> list:
        return [*lines.values(), *ends.values(), *gap_lines.values(), ax_path.title,
                *(artist for slot in slots for artist in slot)]

    return Scene(fig, update, moving, background=lambda values: (values["surface"], bool(values["names"])))


def race_view(
    names: Sequence[str] = ("sgd", "momentum", "rmsprop", "adam"),
    lr: float = 0.05,
    momentum: float = 0.9,
    surface: str = "bowl",
    *,
    steps: int = 150,
    width: float = 10.0,
    height: float = 3.8,
    dpi: int = 80,
):
    """The live race: optimizers (multi-select), lr (log slider), momentum and surface controls.

    Returns a :class:`nbcode.widgets.LiveFigure`; display it as the last expression of a cell.
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    surface = _label_of(_surface_name(surface))  # the dropdown shows labels ("bowl")
    style = {"description_width": "initial"}
    controls = {
        "names": widgets.SelectMultiple(
            options=[(LABELS[n], n) for n in OPTIMIZER_NAMES], value=tuple(_check_names(names)),
            rows=len(OPTIMIZER_NAMES), description="optimizers", style=style),
        "lr": control(widgets.FloatLogSlider, lr, "race_view", "lr", base=10, min=-4, max=1, step=0.25, description="lr",
                                     readout_format=".3g", continuous_update=False, style=style),
        "momentum": control(widgets.FloatSlider, momentum, "race_view", "momentum", min=0.0, max=0.99, step=0.01, description="momentum",
                                        continuous_update=False, style=style),
        "surface": control(widgets.Dropdown, surface, "race_view", "surface", options=list(RACE_SURFACES), description="surface", style=style),
    }
    others = [{"surface": label} for label in RACE_SURFACES if label != surface]  # their backgrounds, drawn now
    return LiveFigure(draw(new_figure(width, height, dpi), steps), controls, warm=others)


def race_scrubber(
    lrs: Sequence[float] | None = None,
    *,
    surface: str = "bowl",
    names: Sequence[str] = OPTIMIZER_NAMES,
    momentum: float = 0.9,
    steps: int = 150,
    width: float = 10.0,
    height: float = 3.8,
    dpi: int | None = None,
):
    """The static race: every optimizer on ``surface`` at each learning rate in ``lrs``.

    ``lrs`` defaults to 17 values from 1e-3 to 10, four per decade (the live slider's grid). Returns a
    :class:`nbcode.widgets.Scrubber` (self-contained HTML, no kernel needed).
    """
    from ._core import new_figure, scrubber

    if lrs is None:
        lrs = np.logspace(-3, 1, 17)
    lrs = [float(v) for v in lrs]
    if not lrs or not all(math.isfinite(v) and v > 0 for v in lrs):
        raise ValueError("lrs must be a non-empty list of positive learning rates, e.g. np.logspace(-3, 1, 17).")
    scene = draw(new_figure(width, height, dpi), steps)
    fixed = {"names": tuple(_check_names(names)), "momentum": momentum, "surface": surface}
    label = _label_of(_surface_name(surface))
    alt = (f"A race of the optimizers on the {label}, {steps} steps from one start (momentum {momentum:g}), one "
           "learning rate per frame. Left, the contour map with each optimizer's path in its colour, ending in a dot, "
           "or a cross where it diverged, and the minimum as a star; middle, each one's loss gap to the minimum per "
           "step on a log scale; right, each one's final loss or the step at which it diverged. As the rate grows the "
           "paths turn from short creeps into long, overshooting zig-zags.")
    if _surface_name(surface) == "bowl":
        alt += " SGD, Momentum and Nesterov diverge above a few tenths; AdaGrad, RMSprop, Adam and AdamW never do."
    return scrubber(scene, "lr", lrs, fixed=fixed, fmt="{:.3g}",
                    title=f"All optimizers on the {label}, {steps} steps: move the learning rate", alt=alt)
