"""Two-dimensional test surfaces with exact gradients, and optimizer paths on them.

The optimizer chapter draws how SGD, Momentum, AdaGrad, RMSprop and Adam move on these surfaces.
:func:`run_optimizer` moves a 2-element :class:`~nbcode.parameter.Parameter` with the very
optimizers of :mod:`nbcode.optim`, so a picture shows exactly the library's (= torch's) rules.

Each :class:`Surface` carries its formula twice: ``value(x, y)`` and ``gradient(x, y)`` are
written with arithmetic operators only, so they work elementwise on grids (and on ``autograd``
boxes, which is how the tests check the gradient against the function).

Divergence is a result, not an error: when an iterate stops being finite or leaves a disc of
radius ``divergence_radius`` around the origin, :func:`run_optimizer` stops and fills the rest of
the path with NaN (matplotlib breaks a line at NaN, so the drawn path just ends there);
:func:`diverged` tells whether that happened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from . import optim
from ._checks import as_rng, lookup, real_number
from .parameter import Parameter

__all__ = [
    "Surface",
    "quadratic_bowl",
    "rosenbrock",
    "saddle",
    "beale",
    "himmelblau",
    "SURFACES",
    "get",
    "run_optimizer",
    "run_all",
    "diverged",
    "divergence_step",
]

Point = tuple[float, float]


@dataclass(frozen=True)
class Surface:
    """A function f(x, y) to minimise, with its gradient and what a plot of it needs.

    Attributes:
        name: short label, e.g. "rosenbrock".
        formula: the function in LaTeX, for titles and prose.
        value: ``(x, y) -> f`` written with arithmetic only (elementwise on arrays).
        gradient: ``(x, y) -> (df/dx, df/dy)``, likewise.
        minimum: the global minimiser the pictures aim for (one of several for himmelblau; a
            local one for saddle, see its docstring).
        default_start: where paths start unless told otherwise.
        xlim, ylim: plotting window.
        log_levels: contour levels should be spaced geometrically (steep valleys, e.g. Rosenbrock).
        minima: every minimiser, when there are several.
    """

    name: str
    formula: str
    value: Callable[[Any, Any], Any] = field(repr=False)
    gradient: Callable[[Any, Any], tuple[Any, Any]] = field(repr=False)
    minimum: Point
    default_start: Point
    xlim: Point
    ylim: Point
    log_levels: bool = False
    minima: tuple[Point, ...] = ()

    @property
    def bounds(self) -> tuple[Point, Point]:
        """``(xlim, ylim)`` for ``ax.set_xlim(*xlim); ax.set_ylim(*ylim)``."""
        return self.xlim, self.ylim

    @property
    def f_min(self) -> float:
        """f at ``minimum``."""
        return float(self.value(*self.minimum))

    def f(self, x: Any, y: Any = None) -> Any:
        """f at points: ``f(x, y)`` elementwise over arrays (e.g. a meshgrid), or ``f(xy)`` with xy[..., 0:2]."""
        x, y = _split(x, y)
        with np.errstate(all="ignore"):  # far from the window f may overflow to inf; that is an answer
            return self.value(x, y)

    def grad(self, x: Any, y: Any = None) -> np.ndarray:
        """The gradient, shape ``(..., 2)``: ``grad(point)`` -> array (2,), ``grad(X, Y)`` -> (..., 2)."""
        x, y = _split(x, y)
        with np.errstate(all="ignore"):
            gx, gy = self.gradient(x, y)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1).astype(np.float64, copy=False)

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``X, Y, Z`` on an ``n x n`` grid over the plotting window, for ``contour``/``contourf``."""
        X, Y = np.meshgrid(np.linspace(*self.xlim, n), np.linspace(*self.ylim, n))
        return X, Y, self.f(X, Y)

    def levels(self, n: int = 20, grid_size: int = 200) -> np.ndarray:
        """``n`` increasing contour levels over the window: geometric above f_min if ``log_levels``, else even."""
        _, _, Z = self.grid(grid_size)
        low, high = float(np.min(Z)), float(np.max(Z))
        if self.log_levels:
            span = high - low
            return low + np.geomspace(span * 1e-4, span, n)
        return np.linspace(low, high, n + 2)[1:-1]


def _split(x: Any, y: Any) -> tuple[Any, Any]:
    if y is not None:
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    xy = np.asarray(x, dtype=np.float64)
    if xy.shape[-1:] != (2,):
        raise ValueError(f"a point on a 2-D surface needs 2 coordinates in its last axis, got shape {xy.shape}; pass f(x, y) or f([x, y]).")
    return xy[..., 0], xy[..., 1]


def quadratic_bowl(a: float = 1.0, b: float = 10.0) -> Surface:
    """f = (a x^2 + b y^2) / 2, grad = (a x, b y): an elongated bowl with condition number b / a.

    Plain gradient descent is stable only for lr < 2 / max(a, b) (0.2 by default) and zig-zags
    across the steep y direction while crawling along x; momentum and Adam fix that.
    """
    a, b = (real_number(v, f"quadratic_bowl: {n} (a curvature)", low=0.0, low_open=True, fix="e.g. a=1, b=10")
            for n, v in (("a", a), ("b", b)))
    return Surface(
        name="quadratic_bowl",
        formula=rf"f(x, y) = \frac{{{a:g} x^2 + {b:g} y^2}}{{2}}",
        value=lambda x, y: (a * x * x + b * y * y) / 2,
        gradient=lambda x, y: (a * x, b * y),
        minimum=(0.0, 0.0),
        default_start=(-4.0, 2.0),
        xlim=(-5.0, 5.0),
        ylim=(-3.0, 3.0),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """f = (a - x)^2 + b (y - x^2)^2, minimum (a, a^2): a curved, flat-bottomed banana valley.

    grad = (-2 (a - x) - 4 b x (y - x^2),  2 b (y - x^2)).
    """
    a = real_number(a, "rosenbrock: a", fix="e.g. a=1")
    b = real_number(b, "rosenbrock: b (the valley's steepness)", low=0.0, low_open=True, fix="e.g. b=100")
    return Surface(
        name="rosenbrock",
        formula=rf"f(x, y) = ({a:g} - x)^2 + {b:g}\,(y - x^2)^2",
        value=lambda x, y: (a - x) ** 2 + b * (y - x * x) ** 2,
        gradient=lambda x, y: (-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)),
        minimum=(a, a * a),
        default_start=(-1.5, 2.0),
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
        log_levels=True,
    )


def saddle() -> Surface:
    """f = (x^2 - y^2) / 2 + y^4 / 4: a saddle at the origin between minima at (0, +-1), f = -1/4.

    grad = (x, y^3 - y). Near the origin it is the classic x^2 - y^2 saddle; the y^4 term keeps
    it bounded below so paths that escape have somewhere to go. The default start (1, 1e-3) sits
    almost on the ridge line y = 0: gradient descent slides to the saddle and lingers there,
    since the escaping y-component only grows by a factor (1 + lr) per step.
    """
    return Surface(
        name="saddle",
        formula=r"f(x, y) = \frac{x^2 - y^2}{2} + \frac{y^4}{4}",
        value=lambda x, y: (x * x - y * y) / 2 + y**4 / 4,
        gradient=lambda x, y: (x, y**3 - y),
        minimum=(0.0, 1.0),
        default_start=(1.0, 1e-3),
        xlim=(-1.5, 1.5),
        ylim=(-1.5, 1.5),
        minima=((0.0, 1.0), (0.0, -1.0)),
    )


def beale() -> Surface:
    """Beale's function, minimum f(3, 0.5) = 0: flat plateaus and sharp ridges.

    f = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2, with
    df/dx = sum_i 2 r_i (y^i - 1) and df/dy = sum_i 2 r_i i x y^(i-1) for the residuals r_1..r_3.
    """

    def value(x: Any, y: Any) -> Any:
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y**3) ** 2

    def gradient(x: Any, y: Any) -> tuple[Any, Any]:
        r1, r2, r3 = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y**3
        dx = 2 * r1 * (y - 1) + 2 * r2 * (y * y - 1) + 2 * r3 * (y**3 - 1)
        dy = 2 * r1 * x + 4 * r2 * x * y + 6 * r3 * x * y * y
        return dx, dy

    return Surface(
        name="beale",
        formula=r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        value=value,
        gradient=gradient,
        minimum=(3.0, 0.5),
        default_start=(1.0, 1.5),
        xlim=(-4.5, 4.5),
        ylim=(-4.5, 4.5),
        log_levels=True,
    )


_HIMMELBLAU_MINIMA: tuple[Point, ...] = (
    (3.0, 2.0),
    (-2.805118086952745, 3.131312518250573),
    (-3.779310253377747, -3.283185991286170),
    (3.584428340330492, -1.848126526964404),
)


def himmelblau() -> Surface:
    """Himmelblau's function f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2: four minima, all with f = 0.

    grad = (4 x (x^2 + y - 11) + 2 (x + y^2 - 7),  2 (x^2 + y - 11) + 4 y (x + y^2 - 7)).
    Which minimum a path reaches depends on the start and the optimizer.
    """

    def gradient(x: Any, y: Any) -> tuple[Any, Any]:
        u, v = x * x + y - 11, x + y * y - 7
        return 4 * x * u + 2 * v, 2 * u + 4 * y * v

    return Surface(
        name="himmelblau",
        formula=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        value=lambda x, y: (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
        gradient=gradient,
        minimum=(3.0, 2.0),
        default_start=(0.0, 0.0),
        xlim=(-5.0, 5.0),
        ylim=(-5.0, 5.0),
        log_levels=True,
        minima=_HIMMELBLAU_MINIMA,
    )


#: name -> surface factory.
SURFACES: dict[str, Callable[..., Surface]] = {
    "quadratic_bowl": quadratic_bowl,
    "rosenbrock": rosenbrock,
    "saddle": saddle,
    "beale": beale,
    "himmelblau": himmelblau,
}


def get(name: str, **kw: Any) -> Surface:
    """A surface by name, e.g. ``get("rosenbrock")`` or ``get("quadratic_bowl", b=50)``."""
    return SURFACES[lookup("surface", name, SURFACES)](**kw)


def _as_surface(surface: Surface | str) -> Surface:
    return get(surface) if isinstance(surface, str) else surface


def run_optimizer(
    surface: Surface | str,
    name: str,
    lr: float,
    steps: int,
    start: Iterable[float] | None = None,
    rng: np.random.Generator | int | None = None,
    *,
    grad_noise: float = 0.0,
    divergence_radius: float = 1e6,
    **hparams: Any,
) -> np.ndarray:
    """The path of optimizer ``name`` (see :func:`nbcode.optim.get`) on ``surface``: array ``(steps + 1, 2)``.

    Row 0 is the start (``surface.default_start`` unless given); row k is the point after k
    ``step()`` calls of the nbcode optimizer built with ``lr`` and ``hparams`` (e.g.
    ``momentum=0.5``, ``betas=(0.9, 0.99)``). ``grad_noise`` > 0 adds Gaussian noise of that std to
    each gradient (drawn from ``rng``) to mimic mini-batch noise.

    Divergence never raises: once an iterate is non-finite or farther than ``divergence_radius``
    from the origin, that row and all later ones are NaN (see :func:`diverged`). A bad optimizer
    name or hyperparameter (lr <= 0, betas outside [0, 1)) still raises ``ValueError``.

    Cost: about 1 ms (SGD) to 2.5 ms (AdamW) for 200 steps; the 2-D gradient is evaluated on
    Python floats and the optimizer step is the library's own.
    """
    surface = _as_surface(surface)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}.")
    point = np.array(surface.default_start if start is None else start, dtype=np.float64)
    if point.shape != (2,) or not np.all(np.isfinite(point)):
        raise ValueError(f"start must be a finite point (x, y), got {start!r}.")
    noise = real_number(grad_noise, "grad_noise (a standard deviation)", low=0.0, fix="use 0 for exact gradients")
    noise_rng = as_rng(rng) if noise > 0 else None

    param = Parameter(point)
    opt = optim.get(name, [param], lr=lr, **hparams)
    path = np.full((steps + 1, 2), np.nan)
    path[0] = point
    data, grad, gradient, step = param.data, param.grad, surface.gradient, opt.step
    radius = math.inf if divergence_radius == math.inf else real_number(  # inf: stop only at overflow
        divergence_radius, "divergence_radius", low=0.0, low_open=True, fix="the default is 1e6, or inf")
    limit = radius * radius  # not radius ** 2: float ** raises OverflowError where * gives inf
    with np.errstate(all="ignore"):  # overflow on the way to divergence is expected, not a warning
        for k in range(1, steps + 1):
            # Python floats make the 2-D gradient ~10x cheaper than array arithmetic on two elements.
            try:
                grad[0], grad[1] = gradient(float(data[0]), float(data[1]))
            except OverflowError:  # float ** raises where array ** would give inf: diverged
                break
            if noise_rng is not None:
                grad += noise_rng.normal(0.0, noise, size=2)
            step()
            x, y = float(data[0]), float(data[1])
            radius2 = x * x + y * y
            if not (radius2 <= limit and math.isfinite(radius2)):  # NaN fails both tests
                break
            path[k] = data
    return path


def run_all(
    surface: Surface | str,
    names: Iterable[str],
    lr_by_name: Mapping[str, float] | float,
    steps: int,
    start: Iterable[float] | None = None,
    **hparams: Any,
) -> dict[str, np.ndarray]:
    """Paths of several optimizers from the same start, for a race figure: ``{name: (steps + 1, 2)}``.

    ``lr_by_name`` is one lr for all, or a dict name -> lr; ``hparams`` go to every optimizer.
    """
    names = list(names)
    if isinstance(lr_by_name, Mapping):
        missing = [n for n in names if n not in lr_by_name]
        if missing:
            raise ValueError(f"lr_by_name has no learning rate for {', '.join(missing)}; add them or pass one lr for all.")
        lrs = {n: lr_by_name[n] for n in names}
    else:
        lrs = {n: lr_by_name for n in names}
    return {n: run_optimizer(surface, n, lrs[n], steps, start=start, **hparams) for n in names}


def diverged(path: np.ndarray) -> bool:
    """True if :func:`run_optimizer` stopped this path because it diverged (it holds NaN rows)."""
    return bool(np.isnan(path).any())


def divergence_step(path: np.ndarray) -> int | None:
    """The first step whose iterate diverged (its row is NaN), or None if the path never diverged."""
    bad = np.flatnonzero(np.isnan(path).any(axis=-1))
    return int(bad[0]) if bad.size else None
