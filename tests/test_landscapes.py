"""Tests of nbcode.landscapes: gradients against autograd, optimizer paths, divergence handling."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from nbcode import landscapes, optim
from nbcode.landscapes import diverged, divergence_step, run_all, run_optimizer
from nbcode.parameter import Parameter

SURFACES = [
    landscapes.quadratic_bowl(),
    landscapes.quadratic_bowl(a=2.0, b=50.0),
    landscapes.rosenbrock(),
    landscapes.rosenbrock(a=0.5, b=10.0),
    landscapes.saddle(),
    landscapes.beale(),
    landscapes.himmelblau(),
]
IDS = [f"{s.name}-{i}" for i, s in enumerate(SURFACES)]


def random_points(surface, n, seed):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(*surface.xlim, n), rng.uniform(*surface.ylim, n)])


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_grad_is_the_gradient_of_f_by_autograd(surface):
    autograd = pytest.importorskip("autograd")
    dfdx = autograd.grad(surface.value, 0)
    dfdy = autograd.grad(surface.value, 1)
    for x, y in random_points(surface, 25, seed=0):
        want = np.array([dfdx(float(x), float(y)), dfdy(float(x), float(y))])
        got = surface.grad([x, y])
        assert got.shape == (2,)
        rel = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300)
        assert rel < 1e-9, (x, y, got, want)


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_grad_agrees_with_central_differences(surface):
    # independent of autograd: (f(p + h e) - f(p - h e)) / 2h
    h = 1e-6
    for p in random_points(surface, 10, seed=1):
        numeric = [(surface.f(p + h * e) - surface.f(p - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(surface.grad(p), numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_minimum_is_stationary_and_lowest_on_the_grid(surface):
    for m in surface.minima or (surface.minimum,):
        np.testing.assert_allclose(surface.grad(m), 0.0, atol=1e-9)
    X, Y, Z = surface.grid(101)
    assert X.shape == Y.shape == Z.shape == (101, 101)
    assert np.min(Z) >= surface.f_min - 1e-12
    xlim, ylim = surface.bounds
    assert xlim[0] < surface.minimum[0] < xlim[1] and ylim[0] < surface.minimum[1] < ylim[1]
    assert xlim[0] < surface.default_start[0] < xlim[1] and ylim[0] < surface.default_start[1] < ylim[1]


def test_known_values():
    assert landscapes.quadratic_bowl(a=1, b=10).f(2.0, 1.0) == pytest.approx((4 + 10) / 2)
    assert landscapes.rosenbrock().f(0.0, 0.0) == pytest.approx(1.0)
    assert landscapes.rosenbrock(a=2, b=5).minimum == (2.0, 4.0)
    assert landscapes.beale().f(3.0, 0.5) == pytest.approx(0.0, abs=1e-15)
    assert landscapes.beale().f(0.0, 0.0) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    assert landscapes.saddle().f(0.0, 1.0) == pytest.approx(-0.25)
    h = landscapes.himmelblau()
    assert len(h.minima) == 4
    for m in h.minima:
        assert h.f(m) == pytest.approx(0.0, abs=1e-20)


def test_saddle_is_a_saddle_at_the_origin():
    s = landscapes.saddle()
    np.testing.assert_array_equal(s.grad([0.0, 0.0]), [0.0, 0.0])
    # f rises along x and falls along y: indefinite Hessian diag(1, -1)
    assert s.f(0.1, 0.0) > s.f(0.0, 0.0) > s.f(0.0, 0.1)


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_f_and_grad_are_vectorised(surface):
    X, Y, Z = surface.grid(30)
    pts = np.stack([X, Y], axis=-1)
    np.testing.assert_array_equal(surface.f(pts), Z)
    G = surface.grad(X, Y)
    assert G.shape == (30, 30, 2)
    np.testing.assert_array_equal(G[7, 11], surface.grad(pts[7, 11]))
    np.testing.assert_array_equal(surface.grad(pts), G)


def test_bad_point_shape():
    with pytest.raises(ValueError, match="2 coordinates"):
        landscapes.rosenbrock().f([1.0, 2.0, 3.0])


def test_f_far_away_is_inf_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert landscapes.rosenbrock().f(1e200, 1e200) == np.inf
        assert np.all(np.isinf(landscapes.rosenbrock().grad([1e200, 1e200])) | np.isnan(landscapes.rosenbrock().grad([1e200, 1e200])))


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_levels_increase(surface):
    levels = surface.levels(12, grid_size=60)
    assert levels.shape == (12,)
    assert np.all(np.diff(levels) > 0)
    _, _, Z = surface.grid(60)
    assert Z.min() <= levels[0] and levels[-1] <= Z.max()


def test_log_levels_are_denser_near_the_bottom():
    levels = landscapes.rosenbrock().levels(10, grid_size=60)
    gaps = np.diff(levels)
    assert gaps[-1] > 100 * gaps[0]
    linear = landscapes.quadratic_bowl().levels(10, grid_size=60)
    np.testing.assert_allclose(np.diff(linear), np.diff(linear)[0])


def test_get_surface_by_name():
    assert landscapes.get("rosenbrock").name == "rosenbrock"
    assert landscapes.get("quadratic_bowl", b=50).value(0.0, 1.0) == 25.0
    with pytest.raises(ValueError, match="unknown surface 'banana'.*beale, himmelblau"):
        landscapes.get("banana")
    with pytest.raises(ValueError, match=r"quadratic_bowl: a \(a curvature\) must be a finite number in \(0, inf\)"):
        landscapes.quadratic_bowl(a=0)


# ------------------------------------------------------------------ run_optimizer


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_path_is_the_library_optimizer_step_by_step(name):
    surface = landscapes.rosenbrock()
    path = run_optimizer(surface, name, 1e-3, 50, momentum=0.5) if name == "sgd" else run_optimizer(surface, name, 1e-3, 50)
    assert path.shape == (51, 2)
    np.testing.assert_array_equal(path[0], surface.default_start)
    p = Parameter(np.array(surface.default_start))
    opt = optim.get(name, [p], lr=1e-3, **({"momentum": 0.5} if name == "sgd" else {}))
    for k in range(1, 51):
        p.grad[...] = surface.grad(p.data)
        opt.step()
        np.testing.assert_allclose(path[k], p.data, rtol=1e-15, atol=1e-15)
    assert not diverged(path) and divergence_step(path) is None


@pytest.mark.torch
def test_path_equals_torch_adam_on_rosenbrock():
    torch = pytest.importorskip("torch")
    surface = landscapes.rosenbrock()
    path = run_optimizer(surface, "adam", 0.05, 200, betas=(0.8, 0.99))
    w = torch.tensor(surface.default_start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.05, betas=(0.8, 0.99))
    for k in range(1, 201):
        opt.zero_grad()
        x, y = w[0], w[1]
        ((1 - x) ** 2 + 100 * (y - x**2) ** 2).backward()
        opt.step()
        np.testing.assert_allclose(path[k], w.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_start_and_hparams_are_used():
    path = run_optimizer("quadratic_bowl", "sgd", 0.1, 3, start=(1.0, 1.0))
    # bowl a=1, b=10, lr 0.1: x <- 0.9 x, y <- (1 - 1) y = 0
    np.testing.assert_allclose(path, [[1, 1], [0.9, 0], [0.81, 0], [0.729, 0]], atol=1e-15)
    nesterov = run_optimizer("quadratic_bowl", "sgd", 0.1, 3, start=(1.0, 1.0), momentum=0.9, nesterov=True)
    assert not np.allclose(nesterov, path)
    assert run_optimizer("saddle", "adam", 0.1, 0).shape == (1, 2)


def test_plain_descent_lingers_at_the_saddle_and_adam_escapes():
    sgd = run_optimizer("saddle", "sgd", 0.01, 300)
    adam = run_optimizer("saddle", "adam", 0.05, 300)
    assert abs(sgd[-1, 1]) < 0.05 and abs(sgd[-1, 0]) < 0.1  # reached the saddle, still on the ridge
    np.testing.assert_allclose(adam[-1], (0.0, 1.0), atol=0.05)  # escaped to the minimum


def test_grad_noise_is_seeded():
    a = run_optimizer("quadratic_bowl", "sgd", 0.05, 20, rng=1, grad_noise=0.5)
    b = run_optimizer("quadratic_bowl", "sgd", 0.05, 20, rng=np.random.default_rng(1), grad_noise=0.5)
    c = run_optimizer("quadratic_bowl", "sgd", 0.05, 20, rng=2, grad_noise=0.5)
    exact = run_optimizer("quadratic_bowl", "sgd", 0.05, 20)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c) and not np.allclose(a, exact)


def test_divergence_with_lr_10_is_flagged_not_raised():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (overflow) may escape
        path = run_optimizer(landscapes.quadratic_bowl(), "sgd", 10.0, 200)
    assert path.shape == (201, 2)
    assert diverged(path)
    k = divergence_step(path)
    assert 1 <= k < 200
    assert np.all(np.isfinite(path[:k])) and np.all(np.isnan(path[k:]))
    assert np.all(np.abs(path[:k]) <= 1e6)


@pytest.mark.parametrize("lr", [10.0, 100.0, 1e8])
@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
@pytest.mark.parametrize("surface", sorted(landscapes.SURFACES))
def test_extreme_lr_never_raises_or_warns(surface, name, lr):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = run_optimizer(surface, name, lr, 100)
    assert path.shape == (101, 2)
    finite = np.isfinite(path).all(axis=1)
    assert np.all(finite[: divergence_step(path) or 101])
    assert diverged(path) == (not finite.all())


def test_unbounded_radius_still_stops_on_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for surface in landscapes.SURFACES:  # saddle overflows y ** 3 first, others reach inf/nan
            path = run_optimizer(surface, "sgd", 10.0, 300, divergence_radius=np.inf)
            assert diverged(path)


def test_run_optimizer_bad_inputs():
    with pytest.raises(ValueError, match="unknown optimizer"):
        run_optimizer("rosenbrock", "lbfgs", 0.1, 10)
    with pytest.raises(ValueError, match="learning rate"):
        run_optimizer("rosenbrock", "adam", 0.0, 10)
    with pytest.raises(ValueError, match="beta"):
        run_optimizer("rosenbrock", "adam", 0.1, 10, betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="unknown surface"):
        run_optimizer("valley", "adam", 0.1, 10)
    with pytest.raises(ValueError, match="steps"):
        run_optimizer("rosenbrock", "adam", 0.1, -1)
    with pytest.raises(ValueError, match="steps"):
        run_optimizer("rosenbrock", "adam", 0.1, 2.5)
    with pytest.raises(ValueError, match="start"):
        run_optimizer("rosenbrock", "adam", 0.1, 10, start=(1.0, np.nan))
    with pytest.raises(ValueError, match="start"):
        run_optimizer("rosenbrock", "adam", 0.1, 10, start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="grad_noise"):
        run_optimizer("rosenbrock", "adam", 0.1, 10, grad_noise=-1)
    with pytest.raises(ValueError, match="divergence_radius"):
        run_optimizer("rosenbrock", "adam", 0.1, 10, divergence_radius=0)


def test_run_all_races_from_one_start():
    paths = run_all("rosenbrock", ["sgd", "momentum", "adam"], {"sgd": 1e-3, "momentum": 1e-3, "adam": 0.05}, 100)
    assert list(paths) == ["sgd", "momentum", "adam"]
    for name, path in paths.items():
        assert path.shape == (101, 2)
        np.testing.assert_array_equal(path[0], landscapes.rosenbrock().default_start)
    np.testing.assert_array_equal(paths["adam"], run_optimizer("rosenbrock", "adam", 0.05, 100))
    same_lr = run_all(landscapes.beale(), ["adam", "rmsprop"], 0.01, 10, start=(1.0, 1.0))
    np.testing.assert_array_equal(same_lr["rmsprop"], run_optimizer("beale", "rmsprop", 0.01, 10, start=(1.0, 1.0)))
    with pytest.raises(ValueError, match="no learning rate for adam"):
        run_all("rosenbrock", ["sgd", "adam"], {"sgd": 0.1}, 10)


def test_200_steps_well_under_30_ms():
    best = {}
    for name in ("sgd", "adam", "rmsprop"):
        run_optimizer("rosenbrock", name, 1e-3, 200)  # warm up
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            run_optimizer("rosenbrock", name, 1e-3, 200)
            times.append(time.perf_counter() - t0)
        best[name] = min(times)
    assert max(best.values()) < 0.030, best
