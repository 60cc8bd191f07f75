"""The hyperparameter-search figure (nbcode.widgets.hyperparameters): compute, view, scrubbers."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from nbcode.search import best_so_far as search_best_so_far
from nbcode.widgets import hyperparameters as hp

pytestmark = pytest.mark.filterwarnings("error")  # extreme settings must not warn either


@pytest.fixture(scope="module")
def landscape():
    return hp.synthetic_landscape()


@pytest.fixture(scope="module")
def tpe(landscape):
    return {seed: hp.tpe_points(landscape, seed=seed) for seed in (0, 1)}


@pytest.fixture(scope="module")
def view(landscape, tpe):
    pytest.importorskip("ipywidgets")
    return hp.search_explorer(landscape, tpe=tpe)


# ---------------------------------------------------------------------------- landscape
def test_landscape_value_hits_the_nodes_and_interpolates_linearly_between():
    u, v = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0])
    z = np.array([[0.0, 1.0, 3.0], [2.0, 5.0, 7.0]])  # rows: v, columns: u
    L = hp.Landscape(u, v, z)
    U, V = np.meshgrid(u, v)
    np.testing.assert_allclose(hp.landscape_value(L, U, V), z)
    assert hp.landscape_value(L, 0.5, 0.0) == pytest.approx(0.5)
    assert hp.landscape_value(L, 2.0, 0.0) == pytest.approx(2.0)  # halfway from 1 to 3
    assert hp.landscape_value(L, 0.0, 1.0) == pytest.approx(1.0)
    # centre of the first cell: the mean of its four corners
    assert hp.landscape_value(L, 0.5, 1.0) == pytest.approx((0 + 1 + 2 + 5) / 4)
    # outside the grid: clamped to the edge
    assert hp.landscape_value(L, -5.0, 9.0) == pytest.approx(2.0)
    assert hp.landscape_value(L, np.array([[10.0]]), -1.0).shape == (1, 1)


def test_a_bilinear_function_is_reproduced_exactly(landscape):
    u, v = landscape.log_lr, landscape.log_wd
    U, V = np.meshgrid(u, v)
    L = hp.Landscape(u, v, 1 + 2 * U - 3 * V + 0.5 * U * V)
    rng = np.random.default_rng(0)
    pu, pv = rng.uniform(u[0], u[-1], 200), rng.uniform(v[0], v[-1], 200)
    np.testing.assert_allclose(hp.landscape_value(L, pu, pv), 1 + 2 * pu - 3 * pv + 0.5 * pu * pv, rtol=1e-12)


@pytest.mark.parametrize("bad", [
    hp.Landscape(np.arange(3.0), np.arange(2.0), np.zeros((3, 2))),  # transposed
    hp.Landscape(np.arange(1.0), np.arange(2.0), np.zeros((2, 1))),  # one column
    hp.Landscape(np.array([0.0, 2.0, 1.0]), np.arange(2.0), np.zeros((2, 3))),  # not increasing
])
def test_bad_landscapes_are_rejected(bad):
    with pytest.raises(ValueError, match="Landscape"):
        hp.landscape_value(bad, 0.0, 0.0)


def test_synthetic_landscape_makes_the_learning_rate_the_important_axis(landscape):
    z = landscape.score
    assert z.shape == (8, 8) and z.min() >= 0 and z.max() <= 1
    lr_effect = np.ptp(z.mean(axis=0))
    wd_effect = np.ptp(z.mean(axis=1))
    assert lr_effect > 5 * wd_effect
    assert np.argmax(z.max(axis=0)) not in (0,)  # the best learning rate is not the smallest
    profile = hp.lr_profile(landscape, landscape.log_lr)
    np.testing.assert_allclose(profile, z.max(axis=0), atol=1e-12)


# ---------------------------------------------------------------------------- search points
@pytest.mark.parametrize("budget, shape", [(1, (1, 1)), (2, (2, 1)), (3, (3, 1)), (4, (2, 2)), (9, (3, 3)),
                                           (10, (3, 3)), (11, (3, 3)), (12, (4, 3)), (49, (7, 7)), (50, (7, 7))])
def test_grid_shape(budget, shape):
    assert hp.grid_shape(budget) == shape
    k_lr, k_wd = shape
    assert k_lr * k_wd <= budget


def test_grid_points_are_a_grid_over_the_box():
    points = hp.search_points("grid", 9)
    assert points.shape == (9, 2)
    np.testing.assert_allclose(np.unique(points[:, 0]), [-4.0, -2.5, -1.0])
    np.testing.assert_allclose(np.unique(points[:, 1]), [-6.0, -3.5, -1.0])
    # learning rate varies slowest
    np.testing.assert_allclose(points[:3, 0], -4.0)
    np.testing.assert_allclose(hp.search_points("grid", 1), [[-2.5, -3.5]])  # the centre
    np.testing.assert_array_equal(hp.search_points("grid", 9, seed=3), points)  # no randomness


def test_random_points_are_nested_seeded_and_inside_the_box():
    a = hp.search_points("random", 50, seed=2)
    assert a.shape == (50, 2)
    assert np.all((a[:, 0] >= -4) & (a[:, 0] <= -1) & (a[:, 1] >= -6) & (a[:, 1] <= -1))
    np.testing.assert_array_equal(hp.search_points("random", 9, seed=2), a[:9])  # more budget adds points
    assert not np.array_equal(hp.search_points("random", 9, seed=3), a[:9])
    assert len(np.unique(a[:, 0])) == 50


def test_tpe_points_are_prefixes_of_a_seeded_optuna_run(landscape, tpe):
    run = tpe[0]
    assert run.shape == (hp.MAX_BUDGET, 2)
    np.testing.assert_array_equal(hp.tpe_points(landscape, n=12, seed=0), run[:12])  # sequential and seeded
    np.testing.assert_array_equal(hp.search_points("tpe", 7, seed=1, tpe=tpe), tpe[1][:7])
    np.testing.assert_array_equal(hp.search_points("tpe", 7, tpe=run), run[:7])
    # after its random start-up, TPE samples near the good learning rates more often than random search
    late = run[20:, 0]
    good_lr = landscape.log_lr[np.argmax(landscape.score.max(axis=0))]
    assert np.mean(np.abs(late - good_lr) < 0.5) > np.mean(np.abs(hp.search_points("random", 50)[20:, 0] - good_lr) < 0.5)


def test_search_points_errors(tpe):
    with pytest.raises(ValueError, match="unknown search method"):
        hp.search_points("bayes", 9)
    for bad in (0, 51, 2.5, True):
        with pytest.raises(ValueError, match="budget"):
            hp.search_points("random", bad)
    with pytest.raises(ValueError, match="precomputed"):
        hp.search_points("tpe", 5)
    with pytest.raises(ValueError, match="no precomputed TPE run for seed 7"):
        hp.search_points("tpe", 5, seed=7, tpe=tpe)
    with pytest.raises(ValueError, match="n >= budget"):
        hp.search_points("tpe", 9, tpe=np.zeros((4, 2)))


# ---------------------------------------------------------------------------- curves
def test_best_so_far_is_the_running_maximum():
    assert hp.best_so_far is search_best_so_far
    np.testing.assert_array_equal(hp.best_so_far([0.2, 0.1, 0.5, 0.4]), [0.2, 0.2, 0.5, 0.5])


def test_search_curve(landscape, tpe):
    for method in hp.METHODS:
        c = hp.search_curve(method, 16, 1, landscape, tpe)
        assert c["n"] == 16 == len(c["values"]) == len(c["best_so_far"])
        np.testing.assert_allclose(c["values"], hp.landscape_value(landscape, c["points"][:, 0], c["points"][:, 1]))
        assert c["best"] == c["values"].max() == c["best_so_far"][-1] == c["values"][c["best_index"]]
    assert hp.search_curve("grid", 9, 0, landscape)["distinct_lr"] == 3
    assert hp.search_curve("random", 9, 0, landscape)["distinct_lr"] == 9
    assert hp.search_curve("grid", 11, 0, landscape)["n"] == 9  # two trials a grid cannot use


def test_random_beats_grid_on_average_on_the_synthetic_landscape(landscape):
    grid = hp.search_curve("grid", 25, 0, landscape)["best"]
    random = [hp.search_curve("random", 25, s, landscape)["best"] for s in range(20)]
    assert np.mean(random) > grid


# ---------------------------------------------------------------------------- view
def _rgb(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _artists(view) -> dict:
    """The moving artists, found the way a reader of the figure would: by axis labels."""
    by_label = {ax.get_xlabel() or ax.get_ylabel(): ax for ax in view.fig.axes}
    ax_map, ax_top, ax_curve = by_label["learning rate"], by_label["best over\nweight decay"], by_label["trial"]
    points, best = ax_map.collections
    lines = dict(zip(hp.METHODS, ax_curve.get_lines()))
    return dict(points=points, best=best, rug=ax_top.collections[0], lines=lines, title=ax_curve.title,
                map_title=ax_top.title, ax_map=ax_map)


def test_explorer_updates_artists_in_place(view, tpe, landscape):
    artists = _artists(view)
    assert view.values == {"method": "random", "budget": 9, "seed": 0}
    assert len(artists["points"].get_offsets()) == 9
    assert artists["map_title"].get_text() == "random search: 9 trials, 9 distinct learning rates"
    assert artists["title"].get_text().startswith("best: grid ")
    line_before = artists["lines"]["random"].get_ydata().copy()
    image_before = bytes(view.image.value)

    view.controls["method"].value = "grid"
    assert artists["map_title"].get_text() == "grid search: 9 trials, 3 distinct learning rates"
    assert len(artists["rug"].get_offsets()) == 3
    assert artists["lines"]["grid"].get_linewidth() > artists["lines"]["random"].get_linewidth()
    assert bytes(view.image.value) != image_before
    assert view.scene.result["method"] == "grid" and view.scene.result["curves"]["grid"]["distinct_lr"] == 3

    view.controls["budget"].value = 25
    assert len(artists["points"].get_offsets()) == 25
    assert len(artists["lines"]["random"].get_ydata()) == 25
    np.testing.assert_array_equal(artists["lines"]["random"].get_ydata()[:9], line_before)  # nested draws
    np.testing.assert_array_equal(view.scene.result["curves"]["random"]["best_so_far"],
                                  artists["lines"]["random"].get_ydata())

    view.controls["seed"].value = 1
    view.controls["method"].value = "tpe"
    np.testing.assert_array_equal(artists["points"].get_offsets(), tpe[1][:25])
    best = artists["best"].get_offsets()[0]
    value = hp.landscape_value(landscape, best[0], best[1])
    assert f"TPE {value:.3f}" in artists["title"].get_text()
    assert view.scene.result["curves"]["tpe"]["best"] == pytest.approx(value)


def test_extreme_controls_do_not_raise(view):
    artists = _artists(view)
    for method in hp.METHODS:
        view.controls["method"].value = method
        for budget in (1, hp.MAX_BUDGET):
            view.controls["budget"].value = budget
            n = len(artists["points"].get_offsets())
            assert n == (49 if method == "grid" and budget == hp.MAX_BUDGET else budget)
    assert view.scene.update(method="random", budget=500, seed=0)["budget"] == hp.MAX_BUDGET  # clamped, not an error
    assert len(artists["points"].get_offsets()) == hp.MAX_BUDGET
    view.scene.update(method="random", budget=0, seed=0)
    assert len(artists["points"].get_offsets()) == 1


def test_explorer_computes_tpe_runs_when_not_given(landscape):
    pytest.importorskip("ipywidgets")
    view = hp.search_explorer(landscape, seeds=1, width=8, height=3.5, dpi=50)
    assert view.controls["seed"].max == 0
    view.controls["method"].value = "tpe"
    np.testing.assert_array_equal(view.scene.result["curves"]["tpe"]["points"], hp.tpe_points(landscape, n=9, seed=0))
    assert _rgb(view.image.value).shape[1] == 400


def test_scrubbers(landscape, tpe):
    sizes = []
    for method in hp.METHODS:
        scrub = hp.search_scrubber(landscape, method, tpe=tpe)
        assert len(scrub.frames) == len(hp.SCRUBBER_BUDGETS)
        assert scrub.labels[0] == "1 trials" and scrub.labels[-1] == "49 trials"
        assert len(set(scrub.frames)) == len(scrub.frames)  # every frame differs
        sizes.append(scrub.nbytes)
    assert max(sizes) < 1_500_000
    small = hp.search_scrubber(landscape, "grid", budgets=[4, 9], tpe=tpe, dpi=40)
    assert len(small.frames) == 2 and _rgb(small.frames[0]).shape[1] == 9 * 40  # 9 in at 40 dpi
    with pytest.raises(ValueError, match="unknown search method"):
        hp.search_scrubber(landscape, "bayes", tpe=tpe)
    with pytest.raises(ValueError, match="at least one budget"):
        hp.search_scrubber(landscape, "grid", budgets=[], tpe=tpe)
    with pytest.raises(ValueError, match="budget"):
        hp.search_scrubber(landscape, "grid", budgets=[0], tpe=tpe)


def test_scrubber_computes_the_tpe_run_of_its_seed_when_not_given(landscape, tpe):
    given = hp.search_scrubber(landscape, "tpe", budgets=[16], seed=1, tpe=tpe, dpi=40)
    computed = hp.search_scrubber(landscape, "tpe", budgets=[16], seed=1, dpi=40)
    assert computed.frames == given.frames  # TPE is seeded: the same run, the same picture


def test_decade_ticks_are_plain_text(view):
    ax_map = _artists(view)["ax_map"]
    labels = [t.get_text() for t in ax_map.get_xticklabels()]
    assert labels == ["1e-4", "1e-3", "1e-2", "1e-1"]
    assert not any("$" in label for label in labels)
    assert math.isclose(ax_map.get_xlim()[0], -4.0)
