"""Bias and variance of polynomial fits, measured over many resampled training sets.

The experiment behind the figure: a fixed true function ``f(x) = tanh(4 (x - 0.2))`` (a smooth
step) on ``[-1, 1]``; ``n_sets`` training sets of ``n_points`` points ``y = f(x) + noise * N(0, 1)``;
a least-squares polynomial of a given degree fitted to each set; all fits evaluated at fixed test
inputs. At each test input ``x``, over the training sets,

* ``bias^2(x) = (mean fit(x) - f(x))^2``: how far the *average* fit is from the truth;
* ``variance(x) = mean (fit(x) - mean fit(x))^2``: how much the fits scatter around their average;
* ``noise^2``: the part of a fresh target no model can predict.

The numbers reported are the means over the test inputs. With the population variance (divide
by ``n_sets``) the identity ``mean_sets (fit - f)^2 = bias^2 + variance`` holds exactly, so
``bias^2 + variance + noise^2`` equals the expected squared error on fresh targets up to the
sampling error of those targets.

Inputs come on an even ``"grid"`` (the same inputs in every set, only the noise is redrawn: the
classic fixed-design analysis) or ``"random"`` (uniform inputs redrawn for every set; gaps near
the ends let high-degree fits swing wildly, and the variance explodes).

:func:`bias_variance_fits` is the compute half: one batched least-squares solve for all sets
(NumPy only). :func:`draw` draws the figure once and returns its Scene (a degree move redraws
a fan of fits and a marker on the bias/variance curves); :func:`bias_variance_explorer` is the
live view and :func:`bias_variance_scrubber` its static version over degrees 0..15.
"""

from __future__ import annotations

import numpy as np

from ..ensemble import polynomial_features

__all__ = [
    "true_function",
    "TRUE_FUNCTION_TEX",
    "X_TEST",
    "DESIGNS",
    "training_sets",
    "fit_polynomials",
    "bias_variance_fits",
    "bias_variance_curve",
    "draw",
    "bias_variance_explorer",
    "bias_variance_scrubber",
]

#: The true function, as a formula for titles and prose.
TRUE_FUNCTION_TEX = r"f(x) = \tanh(4(x - 0.2))"
#: The fixed test inputs where every fit is evaluated, 101 evenly spaced points on [-1, 1].
#:
#: :meta hide-value:
X_TEST = np.linspace(-1.0, 1.0, 101)
#: How the training inputs are chosen.
DESIGNS = ("grid", "random")
#: Largest degree of the figure.
MAX_DEGREE = 15


def true_function(x) -> np.ndarray:
    """The truth every training set is drawn from: a smooth step ``tanh(4 (x - 0.2))``."""
    return np.tanh(4.0 * (np.asarray(x, dtype=np.float64) - 0.2))


def _check(n_sets, n_points, noise, design) -> None:
    for name, value in (("n_sets", n_sets), ("n_points", n_points)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if n_sets < 2:
        raise ValueError("n_sets must be at least 2: a variance needs two fits to compare.")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite standard deviation >= 0, got {noise!r}.")
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, got {design!r}.")


def training_sets(n_sets: int = 200, n_points: int = 30, noise: float = 0.3, seed: int = 0,
                  design: str = "grid") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_sets`` training sets and one set of fresh test targets, all from ``seed``.

    Returns ``x`` and ``y`` of shape ``(n_sets, n_points)`` and ``y_test`` of shape
    ``(n_sets, len(X_TEST))`` (one fresh noisy target per test input, per set). The standard
    normal draws depend only on the seed and the sizes, so changing ``noise`` rescales the
    same noise (common random numbers: curves over degree or noise are smooth).
    """
    _check(n_sets, n_points, noise, design)
    rng = np.random.default_rng(seed)
    x_random = np.sort(rng.uniform(-1.0, 1.0, (n_sets, n_points)), axis=1)
    eps = rng.standard_normal((n_sets, n_points))
    eps_test = rng.standard_normal((n_sets, len(X_TEST)))
    if design == "grid":
        x = np.broadcast_to(np.linspace(-1.0, 1.0, n_points), (n_sets, n_points)).copy()
    else:
        x = x_random
    y = true_function(x) + noise * eps
    y_test = true_function(X_TEST) + noise * eps_test
    return x, y, y_test


def fit_polynomials(x, y, degree: int, x_eval=X_TEST) -> np.ndarray:
    """Least-squares polynomial fits of every row of ``(x, y)`` (shape ``(S, n)``), evaluated at ``x_eval``.

    One batched solve: with Legendre features ``A_s`` (shape ``(n, degree + 1)``) the
    coefficients are ``pinv(A_s) y_s``, the least-squares solution (the minimum-norm one when
    there are fewer points than coefficients). When all rows share their inputs one
    pseudo-inverse serves every set; otherwise the normal equations are solved for all sets at once.
    Returns ``(S, len(x_eval))``.
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape (sets, points), got {x.shape} and {y.shape}.")
    A_eval = polynomial_features(x_eval, degree)
    if np.all(x == x[0]):
        coef = np.linalg.pinv(polynomial_features(x[0], degree)) @ y.T  # (p, S)
        return (A_eval @ coef).T
    A = polynomial_features(x, degree)  # (S, n, p)
    coef = None
    if x.shape[1] > degree + 1:
        # More points than coefficients: the normal equations A^T A c = A^T y, one small p x p
        # solve per set, batched (about 15x faster than a batched pseudo-inverse).
        At = A.transpose(0, 2, 1)
        try:
            coef = np.linalg.solve(At @ A, At @ y[..., None])
        except np.linalg.LinAlgError:  # repeated inputs can make A^T A singular
            coef = None
    if coef is None:
        coef = np.linalg.pinv(A) @ y[..., None]  # (S, p, 1)
    return coef[..., 0] @ A_eval.T


def bias_variance_fits(degree: int, n_sets: int = 200, n_points: int = 30, noise: float = 0.3,
                       seed: int = 0, design: str = "grid") -> dict:
    """Fit a degree-``degree`` polynomial to each of ``n_sets`` training sets and decompose its error.

    Returns a dict with ``x_test``, ``f_test`` (the truth there), ``fits`` ``(n_sets, n_test)``,
    ``mean_fit``, the training sets ``x_train``/``y_train``, and the means over the test inputs
    ``bias2``, ``variance`` (population variance over sets), ``noise2 = noise^2`` and
    ``expected_error`` (the measured mean squared error of the fits on fresh noisy targets).
    """
    x, y, y_test = training_sets(n_sets, n_points, noise, seed, design)
    return _decompose(degree, x, y, y_test, noise)


def _decompose(degree, x, y, y_test, noise) -> dict:
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 0:
        raise ValueError(f"degree must be a whole number >= 0, got {degree!r}.")
    fits = fit_polynomials(x, y, int(degree))
    f_test = true_function(X_TEST)
    mean_fit = fits.mean(axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        bias2 = float(np.mean((mean_fit - f_test) ** 2))
        variance = float(np.mean(fits.var(axis=0)))
        expected_error = float(np.mean((fits - y_test) ** 2))
    return dict(degree=int(degree), x_test=X_TEST, f_test=f_test, fits=fits, mean_fit=mean_fit,
                x_train=x, y_train=y, bias2=bias2, variance=variance, noise2=float(noise) ** 2,
                expected_error=expected_error)


def bias_variance_curve(degrees=range(MAX_DEGREE + 1), n_sets: int = 200, n_points: int = 30,
                        noise: float = 0.3, seed: int = 0, design: str = "grid") -> dict:
    """:func:`bias_variance_fits` for every degree: arrays ``degree``, ``bias2``, ``variance``,
    ``noise2``, ``total`` (= bias2 + variance + noise2) and ``expected_error``."""
    degrees = [int(d) for d in degrees]
    if not degrees:
        raise ValueError("degrees must list at least one degree, e.g. range(13).")
    x, y, y_test = training_sets(n_sets, n_points, noise, seed, design)  # the same sets for every degree
    rows = [_decompose(d, x, y, y_test, noise) for d in degrees]
    out = {key: np.array([r[key] for r in rows]) for key in ("bias2", "variance", "noise2", "expected_error")}
    out["degree"] = np.array(degrees)
    out["total"] = out["bias2"] + out["variance"] + out["noise2"]
    return out


# --------------------------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------------------------

_Y_LIM = (-2.2, 2.2)
_ERR_LIM = (1e-4, 1e3)
_CLIP = 1e3  # wild fits are clipped to this before drawing (the axes clip them further)


def _positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros (up to rounding) and non-finite values become gaps (NaN)."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values) & (values > 1e-12), values, np.nan)


def _draw_fits(ax, n_show: int) -> dict:
    """The left panel: the fan of fits, the truth, the mean fit and one training set."""
    from matplotlib.collections import LineCollection
    from matplotlib.ticker import MaxNLocator

    fan = LineCollection([], colors="tab:blue", linewidths=0.6, alpha=0.25, label=f"fits to {n_show} training sets")
    ax.add_collection(fan)
    ax.plot(X_TEST, true_function(X_TEST), "k--", lw=1.8, label="true f(x)", zorder=4)
    (mean_line,) = ax.plot([], [], color="tab:red", lw=2.2, label="mean fit", zorder=3)
    points = ax.scatter([], [], s=10, color="k", zorder=5, label="one training set")
    ax.set(xlim=(-1, 1), ylim=_Y_LIM, xlabel="x", ylabel="y")
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.legend(loc="upper left", fontsize=8)
    return dict(fan=fan, mean_line=mean_line, points=points, title=ax.set_title(" ", fontsize=9))


def _draw_errors(ax) -> dict:
    """The right panel: bias², variance, noise, their sum and the measured error over degree."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    degrees = np.arange(MAX_DEGREE + 1)
    nan = np.full(len(degrees), np.nan)
    styles = {"bias2": ("o-", dict(ms=3, color="tab:blue", label="bias²")),
              "variance": ("s-", dict(ms=3, color="tab:orange", label="variance")),
              "noise2": (":", dict(color="0.4", label="noise σ²")),
              "total": ("-", dict(lw=2, color="k", label="sum")),
              "expected_error": ("x", dict(ms=6, color="tab:red", label="measured test MSE"))}
    curves = {key: ax.plot(degrees, nan, fmt, **style)[0] for key, (fmt, style) in styles.items()}
    marker = ax.axvline(0, color="tab:red", lw=1, alpha=0.6)
    ax.set_yscale("log")
    ax.set(xlim=(-0.5, MAX_DEGREE + 0.5), ylim=_ERR_LIM, xlabel="polynomial degree", ylabel="mean over test inputs")
    ax.xaxis.set_major_locator(FixedLocator([0, 3, 6, 9, 12, 15]))
    # plain-text decades: mathtext tick labels cost more to draw than the data
    ax.yaxis.set_major_locator(FixedLocator([1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.legend(loc="upper center", fontsize=8, ncol=3, columnspacing=1.0, handlelength=1.5)
    return dict(curves=curves, marker=marker, title=ax.set_title(" ", fontsize=9))


def draw(fig, n_sets: int = 200, n_show: int = 40, seed: int = 0):
    """Draw the figure and return its Scene: ``update(degree, n_points, noise, design)``.

    Axes, ticks and legends are the one background. Everything the controls change moves, the
    curves over degree too: five short lines cost far less to draw than a new background would
    (a full draw is about 70 ms, mostly text), and the curves are computed once per setting.
    """
    from ._core import Scene

    ax_fit, ax_err = fig.subplots(1, 2, width_ratios=(1.1, 1.0))
    fits, errors = _draw_fits(ax_fit, n_show), _draw_errors(ax_err)
    cache: dict = {}

    def curve(n_points: int, noise: float, design: str) -> dict:
        key = (n_points, noise, design)  # 16 degrees of fits: computed once per setting
        if key not in cache:
            cache[key] = bias_variance_curve(range(MAX_DEGREE + 1), n_sets, n_points, noise, seed, design)
        return cache[key]

    def show_curve(c: dict, n_points: int, design: str) -> int:
        for key, line in errors["curves"].items():
            line.set_ydata(_positive(c[key]))
        best = int(c["degree"][np.argmin(c["expected_error"])])
        errors["title"].set_text(f"{design} inputs, {n_points} points: lowest test MSE at degree {best}")
        return best

    def show_fits(r: dict) -> None:
        shown = np.clip(r["fits"][:n_show], -_CLIP, _CLIP)
        fits["fan"].set_segments([np.column_stack([X_TEST, row]) for row in shown])
        fits["mean_line"].set_data(X_TEST, np.clip(r["mean_fit"], -_CLIP, _CLIP))
        fits["points"].set_offsets(np.column_stack([r["x_train"][0], r["y_train"][0]]))
        wild = np.mean(np.any(np.abs(r["fits"]) > _Y_LIM[1] + 1, axis=1))
        note = f", {wild:.0%} of fits leave the plot" if wild > 0 else ""
        fits["title"].set_text(f"degree {r['degree']}: bias² = {r['bias2']:.3g}, variance = {r['variance']:.3g}{note}")

    def update(degree: int = 3, n_points: int = 30, noise: float = 0.3, design: str = "grid") -> dict:
        degree, n_points, noise = int(degree), int(n_points), float(noise)
        c = curve(n_points, noise, design)
        best = show_curve(c, n_points, design)
        r = bias_variance_fits(degree, n_sets, n_points, noise, seed, design)
        show_fits(r)
        errors["marker"].set_xdata([degree, degree])
        return {**r, "curve": c, "best_degree": best}

    def moving() -> list:
        return [fits["fan"], fits["mean_line"], fits["points"], fits["title"], errors["marker"], errors["title"],
                *errors["curves"].values()]

    return Scene(fig, update, moving)


_SIZE = (8.6, 3.6)


def bias_variance_explorer(degree: int = 3, n_points: int = 30, noise: float = 0.3, design: str = "grid",
                           *, n_sets: int = 200, n_show: int = 40, seed: int = 0):
    """Live figure: degree, number of points, noise and input design; returns a LiveFigure."""
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    controls = {
        "degree": control(widgets.IntSlider, degree, "bias_variance_explorer", "degree", min=0, max=MAX_DEGREE, description="degree"),
        "n_points": control(widgets.IntSlider, n_points, "bias_variance_explorer", "n_points", min=10, max=120, step=10, description="points",
                                      continuous_update=False),
        "noise": control(widgets.FloatSlider, noise, "bias_variance_explorer", "noise", min=0.0, max=1.0, step=0.05, description="noise σ",
                                     continuous_update=False),
        "design": control(widgets.Dropdown, design, "bias_variance_explorer", "design", options=list(DESIGNS), description="inputs"),
    }
    return LiveFigure(draw(new_figure(*_SIZE), n_sets, n_show, seed), controls)


def bias_variance_scrubber(n_points: int = 30, noise: float = 0.3, design: str = "grid", *,
                           n_sets: int = 200, n_show: int = 40, seed: int = 0, dpi: int | None = None):
    """Static version: the same figure at every degree 0..15, starting at degree 3."""
    from ._core import new_figure, scrubber

    scene = draw(new_figure(*_SIZE, dpi=dpi), n_sets, n_show, seed)
    return scrubber(scene, "degree", range(MAX_DEGREE + 1), fixed=dict(n_points=n_points, noise=noise, design=design),
                    fmt=str, initial=3,
                    title=f"Bias and variance of polynomial fits ({n_points} points, noise {noise:g})",
                    alt=f"Two panels for polynomial fits of one degree to {n_points} points with noise {noise:g}. "
                    f"Left, the fits to {n_show} of {n_sets} training sets (a thin blue fan), their mean (red), the true "
                    "function (dashed) and one training set (dots), with the degree's bias squared and variance in "
                    "the title. Right, bias squared, variance, noise, their sum and the measured test error against "
                    "the degree on a log scale, a vertical line at the current degree. As the degree grows the fan "
                    "goes from flat, stable, wrong lines to curves that follow the truth but spread more and fray at "
                    "the ends.")
