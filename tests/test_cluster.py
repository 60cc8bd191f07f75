"""Tests of nbcode.cluster: the survey, k-means steps and starts, elbow, silhouette, PCA, hierarchy, ARI."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.cluster import hierarchy
from sklearn.decomposition import PCA as SkPCA
from sklearn.metrics import adjusted_rand_score, silhouette_score as sk_silhouette

from nbcode import cluster as cl


def blobs(centers, n_per=30, std=0.3, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.asarray(centers, dtype=float)
    X = np.concatenate([c + std * rng.standard_normal((n_per, centers.shape[1])) for c in centers])
    return X, np.repeat(np.arange(len(centers)), n_per)


# ------------------------------------------------------------------ the survey
def test_survey_shape_values_groups_and_determinism():
    s = cl.survey(300, rng=0)
    assert s.answers.shape == (300, 10) and s.group.shape == (300,)
    assert s.group.dtype == np.int64 and set(np.unique(s.group)) == {0, 1, 2, 3}
    assert np.all(np.isin(s.answers, [1, 2, 3, 4, 5]))
    assert np.bincount(s.group).tolist() == [90, 81, 69, 60]  # round(300 * proportions), rest to the last
    assert s.questions == cl.SURVEY_QUESTIONS and len(s.questions) == 10
    assert s.group_names == tuple(cl.SURVEY_GROUPS)
    again = cl.survey(300, rng=np.random.default_rng(0))
    assert np.array_equal(s.answers, again.answers) and np.array_equal(s.group, again.group)
    assert not np.array_equal(s.answers, cl.survey(300, rng=1).answers)


def test_survey_group_means_follow_the_profiles():
    s = cl.survey(4000, rng=1, noise=0.3, style=0.0)
    profiles = np.array([p for _, p in cl.SURVEY_GROUPS.values()])
    for g in range(4):
        # rounding moves each mean by less than 0.5; noise is small
        assert np.all(np.abs(s.answers[s.group == g].mean(axis=0) - profiles[g]) < 0.45)


def test_survey_without_noise_is_the_rounded_profile():
    s = cl.survey(20, rng=0, noise=0.0, style=0.0)
    profiles = np.array([p for _, p in cl.SURVEY_GROUPS.values()])
    assert np.array_equal(s.answers, np.clip(np.round(profiles[s.group]), 1, 5))


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0), "positive integer"), (dict(n=2.5), "positive integer"), (dict(n=True), "positive integer"),
    (dict(noise=-1), "noise .a standard deviation. must be"), (dict(proportions=(0.5, 0.5)), "proportions"),
    (dict(proportions=(0.5, 0.5, 0.5, -0.5)), "proportions"),
])
def test_survey_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cl.survey(**{"n": 100, **kwargs}, rng=0)


def test_survey_too_small_for_its_proportions():
    with pytest.raises(ValueError, match="too small"):
        cl.survey(3, rng=0, proportions=(0.5, 0.5, 0.0, 0.0))


# ------------------------------------------------------------------ k-means steps
def test_assignment_and_update_by_hand():
    X = np.array([[0.0, 0.0], [0.0, 2.0], [10.0, 0.0], [10.0, 2.0], [4.0, 1.0]])
    C = np.array([[0.0, 1.0], [10.0, 1.0]])
    D = cl.squared_distances(X, C)
    assert np.allclose(D[4], [16 + 0, 36 + 0]) and np.allclose(D[0], [1.0, 101.0])
    labels = cl.assign(X, C)
    assert labels.tolist() == [0, 0, 1, 1, 0] and labels.dtype == np.int64
    new = cl.update_centroids(X, labels, 2)
    assert np.allclose(new, [[4 / 3, 1.0], [10.0, 1.0]])
    assert cl.inertia(X, C, labels) == pytest.approx(1 + 1 + 1 + 1 + 16)
    assert cl.inertia(X, C) == pytest.approx(20.0)  # nearest centroid = these labels
    assert cl.inertia(X, C, [1, 0, 1, 1, 0]) == pytest.approx(101 + 1 + 1 + 1 + 16)


def test_assignment_ties_go_to_the_lower_index():
    assert cl.assign([[0.0]], [[1.0], [-1.0]]).tolist() == [0]


def test_update_keeps_an_empty_cluster_in_place_or_explains():
    X = np.array([[0.0], [1.0]])
    new = cl.update_centroids(X, np.array([0, 0]), previous=np.array([[5.0], [9.0]]))
    assert np.allclose(new, [[0.5], [9.0]])
    with pytest.raises(ValueError, match="empty"):
        cl.update_centroids(X, np.array([0, 0]), k=2)
    assert np.allclose(cl.update_centroids(X, np.array([0, 1])), [[0.0], [1.0]])  # k from labels


def test_step_and_input_errors():
    with pytest.raises(ValueError, match="2-D"):
        cl.assign(np.zeros(3), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="numeric"):
        cl.assign(np.array([["a"]]), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="NaN"):
        cl.assign(np.array([[np.nan]]), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="shape"):
        cl.assign(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        cl.assign(np.zeros((3, 2)), np.full((2, 2), np.inf))
    with pytest.raises(ValueError, match="one per row"):
        cl.update_centroids(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="lie in"):
        cl.update_centroids(np.zeros((3, 2)), np.array([0, 1, 5]), k=2)
    with pytest.raises(ValueError, match="one entry per row"):
        cl.inertia(np.zeros((3, 2)), np.zeros((1, 2)), [0, 0])


# ------------------------------------------------------------------ starts
def test_random_init_picks_distinct_rows():
    X = np.arange(20.0).reshape(10, 2)
    C = cl.random_init(X, 4, rng=0)
    rows = {tuple(r) for r in X}
    assert C.shape == (4, 2) and len({tuple(c) for c in C}) == 4 and all(tuple(c) in rows for c in C)
    assert np.array_equal(C, cl.random_init(X, 4, rng=0))
    with pytest.raises(ValueError, match="between 1 and"):
        cl.random_init(X, 11, rng=0)
    with pytest.raises(ValueError, match="between 1 and"):
        cl.random_init(X, True, rng=0)


def test_kmeans_plus_plus_spreads_out_and_follows_d_squared():
    X, y = blobs([[0, 0], [20, 0], [0, 20]], n_per=20, std=0.1)
    for seed in range(20):
        C = cl.kmeans_plus_plus(X, 3, rng=seed)
        # far-apart blobs: D^2 sampling almost surely picks one point per blob
        assert len(set(cl.assign(C, np.array([[0, 0], [20, 0], [0, 20]])).tolist())) == 3
    # The second pick's distribution is D(x)^2 / sum D^2: with points 0, 1, 3 and a first pick
    # at 0, P(1) = 1/10 and P(3) = 9/10. Count over many seeds.
    X1 = np.array([[0.0], [1.0], [3.0]])
    seconds = []
    for seed in range(4000):
        gen = np.random.default_rng(seed)
        C = cl.kmeans_plus_plus(X1, 2, rng=gen)
        if C[0, 0] == 0.0:
            seconds.append(C[1, 0])
    seconds = np.array(seconds)
    assert abs(np.mean(seconds == 3.0) - 0.9) < 0.03 and not np.any(seconds == 0.0)


def test_kmeans_plus_plus_with_duplicate_rows_falls_back_to_uniform():
    X = np.ones((5, 2))
    C = cl.kmeans_plus_plus(X, 3, rng=0)
    assert np.array_equal(C, np.ones((3, 2)))


def test_initial_centroids_by_name():
    X = np.arange(20.0).reshape(10, 2)
    assert np.array_equal(cl.initial_centroids(X, 3, "random", np.random.default_rng(1)), cl.random_init(X, 3, 1))
    assert np.array_equal(cl.initial_centroids(X, 3, "k-means++", 1), cl.kmeans_plus_plus(X, 3, 1))
    with pytest.raises(ValueError, match="unknown init"):
        cl.initial_centroids(X, 3, "forgy")


# ------------------------------------------------------------------ Lloyd and k-means
def test_lloyd_history_is_the_two_steps_and_never_increases():
    s = cl.survey(300, rng=0)
    X = s.answers
    start = cl.random_init(X, 5, rng=3)
    h = cl.lloyd(X, start, 8)
    assert h.centroids.shape == (9, 5, 10) and h.labels.shape == (9, 300) and h.inertia.shape == (9,)
    assert np.array_equal(h.centroids[0], start)
    C = start
    for t in range(9):
        labels = cl.assign(X, C)
        assert np.array_equal(h.labels[t], labels) and np.allclose(h.centroids[t], C)
        assert h.inertia[t] == pytest.approx(cl.inertia(X, C, labels))
        C = cl.update_centroids(X, labels, previous=C)
    assert np.all(np.diff(h.inertia) <= 1e-9)
    assert cl.lloyd(X, start, 0).centroids.shape == (1, 5, 10)
    with pytest.raises(ValueError, match="iters"):
        cl.lloyd(X, start, -1)


def test_kmeans_matches_scikit_learn_from_the_same_start():
    from sklearn.cluster import KMeans

    X, _ = blobs([[0, 0], [3, 0], [0, 3], [3, 3]], n_per=40, std=0.8, seed=2)
    start = cl.random_init(X, 4, rng=5)
    ours = cl.kmeans(X, 4, init=start)
    theirs = KMeans(4, init=start, n_init=1, algorithm="lloyd", tol=0.0, max_iter=300).fit(X)
    assert ours.converged
    assert np.allclose(ours.centroids, theirs.cluster_centers_)
    assert np.array_equal(ours.labels, theirs.labels_)
    assert ours.inertia == pytest.approx(theirs.inertia_)


def test_kmeans_result_fields_and_convergence():
    X, y = blobs([[0, 0], [10, 0], [0, 10]], n_per=25, std=0.5)
    r = cl.kmeans(X, 3, rng=0, n_init=3)
    assert r.converged and r.n_iter >= 1 and len(r.history) == r.n_iter + 1
    assert np.all(np.diff(r.history) <= 1e-9)
    assert r.inertia == pytest.approx(cl.inertia(X, r.centroids, r.labels)) == pytest.approx(r.history[-1])
    assert cl.adjusted_rand_index(r.labels, y) == pytest.approx(1.0)
    # the fixed point: one more step changes nothing
    assert np.array_equal(cl.assign(X, cl.update_centroids(X, r.labels, 3)), r.labels)
    # stopped early
    slow = cl.kmeans(X, 3, init=X[:3], max_iter=1)
    assert slow.n_iter == 1 and len(slow.history) == 2


def test_kmeans_not_converged_flag():
    s = cl.survey(300, rng=0)
    r = cl.kmeans(s.answers, 6, init=cl.random_init(s.answers, 6, rng=0), max_iter=1)
    assert not r.converged and r.n_iter == 1


def test_kmeans_best_of_n_init_is_no_worse_than_one_run():
    s = cl.survey(300, rng=0)
    best = cl.kmeans(s.answers, 4, init="random", rng=7, n_init=8)
    singles = [cl.kmeans(s.answers, 4, init="random", rng=np.random.default_rng(7)).inertia]
    assert best.inertia <= min(singles) + 1e-9


def test_kmeans_with_k_equal_n_has_zero_inertia_and_k_one_is_the_mean():
    X = np.random.default_rng(0).standard_normal((12, 3))
    assert cl.kmeans(X, 12, rng=0).inertia == pytest.approx(0.0, abs=1e-20)
    one = cl.kmeans(X, 1, rng=0)
    assert np.allclose(one.centroids[0], X.mean(axis=0))
    assert one.inertia == pytest.approx(((X - X.mean(axis=0)) ** 2).sum())


@pytest.mark.parametrize("kwargs, match", [
    (dict(k=0), "between 1 and"), (dict(max_iter=0), "max_iter"), (dict(n_init=0), "n_init"),
    (dict(init="nope"), "unknown init"), (dict(init=np.zeros((3, 2))), "starting centroids"),
    (dict(init=np.zeros((2, 2)), n_init=2), "n_init=1"),
])
def test_kmeans_rejects_bad_arguments(kwargs, match):
    X = np.arange(20.0).reshape(10, 2)
    with pytest.raises(ValueError, match=match):
        cl.kmeans(X, **{"k": 2, **kwargs})


# ------------------------------------------------------------------ choosing k
def test_elbow_curve_and_point_on_clear_blobs():
    # a regular tetrahedron of blobs: the inertia drops by equal steps to k = 4, then stays flat
    corners = 10 * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
    X, _ = blobs(corners, n_per=30, std=0.6)
    ks = np.arange(1, 9)
    inertias = cl.elbow_curve(X, ks, rng=0, n_init=5)
    assert inertias.shape == (8,) and np.all(np.diff(inertias) <= 1e-9)
    assert cl.elbow_point(ks, inertias) == 4
    assert cl.elbow_point(ks, inertias, "second_difference") == 4


def test_second_difference_is_fooled_by_a_square_of_blobs():
    # four blobs at the corners of a square: drops T/2, T/4, T/4, then ~0, so the second
    # difference ties between k = 2 and k = 4 (noise decides); the kneedle still finds 4
    X, _ = blobs([[0, 0], [10, 0], [0, 10], [10, 10]], n_per=30, std=0.6)
    ks = np.arange(1, 9)
    inertias = cl.elbow_curve(X, ks, rng=0, n_init=5)
    drops = -np.diff(inertias)
    assert drops[0] / drops[1] == pytest.approx(2.0, rel=0.05) and drops[1] / drops[2] == pytest.approx(1.0, rel=0.1)
    assert cl.elbow_point(ks, inertias) == 4
    assert cl.elbow_point(ks, inertias, "second_difference") == 2


def test_elbow_point_methods_by_hand():
    ks = [1, 2, 3, 4, 5]
    y = [100.0, 60.0, 20.0, 15.0, 12.0]
    # second differences at k=2..4: 0, 35, 2 -> 3; kneedle: chord minus curve largest at k = 3
    assert cl.elbow_point(ks, y, "second_difference") == 3
    assert cl.elbow_point(ks, y, "kneedle") == 3
    assert cl.elbow_point([1, 2, 3], [5.0, 5.0, 5.0]) == 1  # flat curve: no elbow, the first k
    with pytest.raises(ValueError, match="at least 3"):
        cl.elbow_point([1, 2], [3.0, 1.0])
    with pytest.raises(ValueError, match="equally spaced"):
        cl.elbow_point([1, 2, 4], [3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="unknown elbow"):
        cl.elbow_point([1, 2, 3], [3.0, 2.0, 1.0], "knee")


def test_silhouette_matches_scikit_learn():
    X, y = blobs([[0, 0], [4, 0], [0, 4]], n_per=20, std=1.0, seed=3)
    labels = cl.kmeans(X, 3, rng=0).labels
    assert cl.silhouette_score(X, labels) == pytest.approx(sk_silhouette(X, labels))
    # a singleton cluster counts as 0
    labels2 = labels.copy()
    labels2[0] = 7
    assert cl.silhouette_score(X, labels2) == pytest.approx(sk_silhouette(X, labels2))
    with pytest.raises(ValueError, match="between 2"):
        cl.silhouette_score(X, np.zeros(len(X), int))
    with pytest.raises(ValueError, match="one entry per row"):
        cl.silhouette_score(X, [0, 1])


# ------------------------------------------------------------------ PCA
def test_pca_matches_scikit_learn_up_to_sign():
    s = cl.survey(300, rng=0)
    ours = cl.pca(s.answers, 3)
    theirs = SkPCA(3).fit(s.answers)
    signs = np.sign((ours.components * theirs.components_).sum(axis=1))
    assert np.all(np.abs(signs) == 1)
    assert np.allclose(ours.components, signs[:, None] * theirs.components_)
    assert np.allclose(ours.explained_variance, theirs.explained_variance_)
    assert np.allclose(ours.explained_variance_ratio, theirs.explained_variance_ratio_)
    assert np.allclose(ours.singular_values, theirs.singular_values_)
    assert np.allclose(ours.scores, signs * theirs.transform(s.answers))
    assert np.allclose(ours.transform(s.answers), ours.scores)


def test_pca_properties():
    X = np.random.default_rng(1).standard_normal((50, 4)) @ np.diag([3.0, 2.0, 1.0, 0.5])
    p = cl.pca(X)
    assert p.components.shape == (4, 4)
    assert np.allclose(p.components @ p.components.T, np.eye(4))
    assert np.all(np.diff(p.explained_variance) <= 0) and p.explained_variance_ratio.sum() == pytest.approx(1.0)
    assert np.allclose(p.explained_variance, p.scores.var(axis=0, ddof=1))
    big = np.argmax(np.abs(p.components), axis=1)
    assert np.all(p.components[np.arange(4), big] > 0)  # the sign convention
    assert np.allclose(p.scores @ p.components + p.mean, X)  # all components: exact reconstruction


def test_pca_errors_and_constant_data():
    with pytest.raises(ValueError, match="at least 2"):
        cl.pca(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="n_components"):
        cl.pca(np.zeros((5, 3)), 4)
    p = cl.pca(np.ones((5, 3)), 2)
    assert np.allclose(p.explained_variance_ratio, 0.0)
    with pytest.raises(ValueError, match="features"):
        p.transform(np.zeros((2, 2)))


# ------------------------------------------------------------------ hierarchical clustering
@pytest.mark.parametrize("method", ["ward", "single", "complete", "average"])
def test_agglomerative_matches_scipy(method):
    X = np.random.default_rng(4).standard_normal((40, 3))
    ours = cl.agglomerative(X, method)
    theirs = hierarchy.linkage(X, method)
    assert hierarchy.is_valid_linkage(ours)
    assert np.allclose(ours, theirs)
    for k in (2, 3, 5):
        mine = cl.cut_tree(ours, k)
        assert len(np.unique(mine)) == k
        assert adjusted_rand_score(mine, hierarchy.fcluster(theirs, k, "maxclust")) == pytest.approx(1.0)


def test_cut_tree_by_hand_and_errors():
    X = np.array([[0.0], [1.0], [10.0], [11.0], [30.0]])
    Z = cl.agglomerative(X, "single")
    assert cl.cut_tree(Z, 1).tolist() == [0, 0, 0, 0, 0]
    assert cl.cut_tree(Z, 2).tolist() == [0, 0, 0, 0, 1]
    assert cl.cut_tree(Z, 3).tolist() == [0, 0, 1, 1, 2]
    assert cl.cut_tree(Z, 5).tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="linkage matrix"):
        cl.cut_tree(np.zeros((3, 3)), 2)
    with pytest.raises(ValueError, match="between 1 and"):
        cl.cut_tree(Z, 6)
    with pytest.raises(ValueError, match="unknown linkage"):
        cl.agglomerative(X, "centroid")
    with pytest.raises(ValueError, match="at least 2"):
        cl.agglomerative(X[:1])


def test_single_linkage_follows_the_moons_and_kmeans_does_not():
    from nbcode import data

    X, y = data.moons(200, noise=0.05, rng=0)
    single = cl.cut_tree(cl.agglomerative(X, "single"), 2)
    assert cl.adjusted_rand_index(single, y) == pytest.approx(1.0)
    assert cl.adjusted_rand_index(cl.kmeans(X, 2, rng=0, n_init=5).labels, y) < 0.5


# ------------------------------------------------------------------ comparing partitions
def test_contingency_and_ari_by_hand():
    a = [0, 0, 1, 1]
    b = [1, 1, 0, 0]
    assert cl.contingency_matrix(a, b).tolist() == [[0, 2], [2, 0]]
    assert cl.adjusted_rand_index(a, b) == pytest.approx(1.0)  # names do not matter
    # a = {0,1},{2,3}; b = {0,2},{1,3}: index 0, expected 2*2/6, max 2 -> ARI = -0.5
    assert cl.adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    assert cl.adjusted_rand_index([0, 0, 0], [0, 0, 0]) == 1.0  # trivial partitions
    assert cl.adjusted_rand_index([0], [5]) == 1.0
    with pytest.raises(ValueError, match="same non-empty set"):
        cl.adjusted_rand_index([0, 1], [0])


def test_ari_matches_scikit_learn_on_random_partitions():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.integers(0, 4, 50), rng.integers(0, 6, 50)
        assert cl.adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b))
        assert cl.adjusted_rand_index(a, a) == pytest.approx(1.0)


def test_no_warnings_on_the_survey_pipeline():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = cl.survey(300, rng=0)
        r = cl.kmeans(s.answers, 4, rng=0, n_init=2)
        cl.pca(s.answers, 2)
        cl.silhouette_score(s.answers, r.labels)
        cl.cut_tree(cl.agglomerative(s.answers, "ward"), 4)
