"""Tests of nbcode.widgets.clustering: cached Lloyd histories on the survey, frames, the views."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nbcode import cluster
from nbcode.widgets import clustering as cw


# ------------------------------------------------------------------ data
def test_survey_and_its_plane():
    s = cw.survey_data()
    again = cluster.survey(300, rng=np.random.default_rng(cw.SEED))
    assert np.array_equal(s.answers, again.answers) and np.array_equal(s.group, again.group)
    assert not s.answers.flags.writeable
    p = cw.survey_pca()
    assert p.scores.shape == (300, 2)
    assert np.allclose(p.scores, cluster.pca(s.answers, 2).scores)
    assert cw.TRUE_K == 4 == len(np.unique(s.group))


# ------------------------------------------------------------------ compute
def test_kmeans_history_is_lloyd_from_the_seeded_start_and_cached():
    X = cw.survey_data().answers
    cw.clear_cache()
    h = cw.kmeans_history(X, 3, iters=5, seed=1)
    start = cluster.kmeans_plus_plus(X, 3, np.random.default_rng(1))
    expected = cluster.lloyd(X, start, 5)
    for ours, theirs in zip(h, expected):
        assert np.array_equal(ours, theirs)
    assert cw.kmeans_history(X, 3, iters=5, seed=1) is h  # cached: the same object
    assert not h.centroids.flags.writeable
    assert cw.kmeans_history(X.copy(), 3, iters=5, seed=1) is h  # keyed by the data, not its id
    r = cw.kmeans_history(X, 3, iters=5, seed=1, init="random")
    assert np.array_equal(r.centroids[0], cluster.random_init(X, 3, np.random.default_rng(1)))
    assert np.all(np.diff(h.inertia) <= 1e-9) and np.all(np.diff(r.inertia) <= 1e-9)


def test_kmeans_plus_plus_starts_are_nested_in_k():
    X = cw.survey_data().answers
    for k in range(1, cw.K_MAX):
        small = cw.kmeans_history(X, k, cw.ITERS, cw.START_SEED).centroids[0]
        big = cw.kmeans_history(X, k + 1, cw.ITERS, cw.START_SEED).centroids[0]
        assert np.array_equal(big[:k], small)


def test_kmeans_history_on_other_data():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 0.0], [5.0, 1.0]])
    h = cw.kmeans_history(X, 2, iters=3, seed=0)
    assert h.inertia[-1] == pytest.approx(1.0)  # the two pairs, each with squared spread 0.5


def test_frame_contents_and_convergence():
    f0 = cw.kmeans_frame(4, 0)
    assert f0["labels"].shape == (300,) and f0["centroids"].shape == (4, 2) and f0["paths"].shape == (1, 4, 2)
    f10 = cw.kmeans_frame(4, cw.ITERS)
    assert f10["paths"].shape == (cw.ITERS + 1, 4, 2)
    assert np.allclose(f10["paths"][0], f0["centroids"])
    h = cw.kmeans_history(cw.survey_data().answers, 4, cw.ITERS, cw.START_SEED)
    p = cw.survey_pca()
    assert np.allclose(f10["centroids"], p.transform(h.centroids[-1]))
    assert f10["inertia"] == pytest.approx(h.inertia[-1]) and f10["inertia"] < f0["inertia"]
    at = f10["converged_at"]
    assert at == 6  # the documented default start: six iterations at k = 4
    assert np.array_equal(h.labels[at], h.labels[at - 1]) and not np.array_equal(h.labels[at - 1], h.labels[at - 2])
    # the true groups are found (up to names)
    assert cluster.adjusted_rand_index(f10["labels"], cw.survey_data().group) > 0.9
    with pytest.raises(ValueError, match="k must lie"):
        cw.kmeans_frame(cw.K_MAX + 1, 0)
    with pytest.raises(ValueError, match="iteration"):
        cw.kmeans_frame(2, cw.ITERS + 1)


def test_converged_at_none_when_still_moving():
    labels = np.array([[0, 1], [1, 1], [1, 0]])
    assert cw._converged_at(labels) is None
    assert cw._converged_at(np.array([[0, 1], [1, 1], [1, 1]])) == 2
    frame = {"inertia": 3.0, "converged_at": None}
    assert cw._title(2, 5, frame) == "k = 2, iteration 5: inertia 3.0"
    assert cw._title(2, 5, {"inertia": 3.0, "converged_at": 4}).endswith("(converged at 4)")
    assert "converged" not in cw._title(2, 3, {"inertia": 3.0, "converged_at": 4})


def test_elbow_values_decrease_with_k_and_iterations():
    e = cw.elbow_values()
    assert e.shape == (cw.K_MAX,)
    assert e[0] == pytest.approx(cluster.inertia(cw.survey_data().answers, cw.survey_data().answers.mean(axis=0, keepdims=True)))
    assert np.all(cw.elbow_values(0) >= e - 1e-9)
    assert e[cw.TRUE_K - 1] < 0.5 * e[0]


def test_extremes_do_not_raise_or_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in (1, cw.K_MAX):
            for init in ("k-means++", "random"):
                for seed in (0, 9):
                    f = cw.kmeans_frame(k, cw.ITERS, seed=seed, init=init)
                    assert np.isfinite(f["inertia"])
        assert cw.kmeans_frame(1, 0)["converged_at"] == 1  # one cluster: nothing ever moves


# ------------------------------------------------------------------ views
def test_live_view_changes_its_artists_and_image():
    view = cw.kmeans_explorer(k=4, iteration=0)
    assert set(view.controls) == {"k", "iteration", "init", "seed"}
    assert (view.controls["k"].min, view.controls["k"].max) == (1, 8)
    assert (view.controls["iteration"].min, view.controls["iteration"].max) == (0, 10)
    ax, ax_elbow = view.fig.axes
    points = ax.collections[0]
    centroids = ax.collections[1]
    before_colors = points.get_facecolors().copy()
    before_image = view.image.value
    assert ax.get_title().startswith("k = 4, iteration 0: inertia")

    view.controls["iteration"].value = 6
    assert "converged at 6" in ax.get_title()
    assert not np.allclose(points.get_facecolors(), before_colors)
    assert view.image.value != before_image
    assert np.allclose(centroids.get_offsets(), cw.kmeans_frame(4, 6)["centroids"])
    result = view.scene.result
    assert (result["k"], result["iteration"], result["converged_at"]) == (4, 6, 6)
    assert np.array_equal(result["labels"], cw.kmeans_frame(4, 6)["labels"])
    path_lines = [line for line in ax.get_lines() if len(line.get_xdata())]
    assert len(path_lines) == 4 and all(len(line.get_xdata()) == 7 for line in path_lines)

    view.controls["k"].value = 7
    assert len(centroids.get_offsets()) == 7
    assert len([line for line in ax.get_lines() if len(line.get_xdata())]) == 7
    marker = ax_elbow.get_lines()[1]
    assert marker.get_xdata()[0] == 7 and marker.get_ydata()[0] == pytest.approx(cw.kmeans_frame(7, 6)["inertia"])

    elbow_line = ax_elbow.get_lines()[0]
    before_elbow = np.array(elbow_line.get_ydata())
    view.controls["init"].value = "random"
    view.controls["seed"].value = 9
    assert not np.allclose(elbow_line.get_ydata(), before_elbow)
    assert np.allclose(view.scene.result["elbow"], cw.elbow_values(cw.ITERS, seed=9, init="random"))

    view.controls["k"].value = 1
    assert len(centroids.get_offsets()) == 1 and "converged at 1" in ax.get_title()


def test_scrubber_frames_and_size():
    scrub = cw.kmeans_scrubber()
    assert len(scrub.frames) == cw.ITERS + 1 and scrub.labels[0] == "0" and scrub.labels[-1] == str(cw.ITERS)
    assert scrub.control == "iteration" and scrub.initial == 0
    # frames move until the labels settle (iteration 6), then stay the same picture
    assert len(set(scrub.frames[:7])) == 7
    assert scrub.nbytes < 1.5e6


def test_scrubber_settings_reach_its_frames():
    two = cw.kmeans_scrubber(k=2, dpi=40)
    four = cw.kmeans_scrubber(dpi=40)
    assert two.title.startswith("Lloyd's iterations, k = 2") and two.frames[0] != four.frames[0]


def test_the_now_marker_stays_on_the_elbow_chart():
    """At iteration 0 a start can be worse than k = 1: the marker stays on the chart, as a triangle."""
    import matplotlib.pyplot as plt

    fig = plt.figure()
    scene = cw.draw(fig)
    ax_elbow = fig.axes[1]
    marker = ax_elbow.lines[1]
    pinned = 0
    for init in ("k-means++", "random"):
        for seed in range(10):
            for k in range(1, cw.K_MAX + 1):
                frame = scene.update(k=k, iteration=0, seed=seed, init=init)
                y = marker.get_ydata()[0]
                low, high = ax_elbow.get_ylim()
                assert low <= y <= high, (init, seed, k)
                off = frame["inertia"] > 0.98 * high
                assert marker.get_marker() == ("^" if off else "o")
                pinned += off
    plt.close(fig)
    assert pinned > 0  # the case the issue found exists, and is drawn
