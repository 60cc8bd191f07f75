"""Tests of nbcode.search: distributions, log-uniform sampling, grid and random search, the sealed test set."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbcode import search
from nbcode.search import (
    Choice, IntUniform, LogUniform, SealedTestSet, SearchResult, Trial, Uniform, best_so_far, grid_search,
    grid_values, hit_probability, log_uniform, random_search, sample, trials_needed,
)


# ---------------------------------------------------------------------------- log-uniform
def test_log_uniform_equals_exp_of_a_uniform_draw_of_the_log():
    mine = np.exp(np.random.default_rng(3).uniform(np.log(1e-4), np.log(1e-1), 1000))
    ours = log_uniform(1e-4, 1e-1, 1000, rng=np.random.default_rng(3))
    assert np.allclose(mine, ours, rtol=1e-15, atol=0)
    assert isinstance(log_uniform(1e-4, 1e-1, rng=0), float)
    assert log_uniform(1e-4, 1e-1, (2, 3), rng=0).shape == (2, 3)


def test_log_uniform_puts_equal_mass_in_every_decade():
    draws = log_uniform(1e-4, 1e-1, 200_000, rng=0)
    assert draws.min() >= 1e-4 and draws.max() <= 1e-1
    counts, _ = np.histogram(np.log10(draws), bins=[-4, -3, -2, -1])
    assert np.allclose(counts / draws.size, 1 / 3, atol=0.005)
    # and the median is the geometric middle, 10^-2.5
    assert np.median(draws) == pytest.approx(10**-2.5, rel=0.02)


@settings(max_examples=40, deadline=None)
@given(low_exp=st.floats(-8, 2), span=st.floats(0.1, 6), seed=st.integers(0, 2**31))
def test_log_uniform_stays_inside_its_range(low_exp, span, seed):
    low, high = 10.0**low_exp, 10.0 ** (low_exp + span)
    draws = log_uniform(low, high, 50, rng=seed)
    assert np.all((draws >= low) & (draws <= high))


@pytest.mark.parametrize("low, high, match", [
    (0.0, 1.0, "low > 0"), (-1.0, 1.0, "low > 0"), (1e-2, 1e-3, "below high"),
    (1e-3, math.inf, "finite"), ("a", 1.0, "finite"), (True, 2.0, "finite"),
])
def test_log_uniform_rejects_bad_bounds(low, high, match):
    with pytest.raises(ValueError, match=match):
        log_uniform(low, high, rng=0)


@pytest.mark.parametrize("rng", [None, 1.5, "0", True])
def test_a_search_needs_a_seed_or_generator(rng):
    with pytest.raises(TypeError, match="reproducible"):
        log_uniform(1e-4, 1e-1, rng=rng)


# ---------------------------------------------------------------------------- distributions
def test_distributions_sample_inside_their_support_and_reproducibly():
    space = {"lr": LogUniform(1e-4, 1e-1), "dropout": Uniform(0.0, 0.5), "width": IntUniform(16, 64),
             "batch_size": Choice([32, 64, 128])}
    draws = [sample(space, rng) for rng in [np.random.default_rng(0)] * 500]
    assert all(list(d) == ["lr", "dropout", "width", "batch_size"] for d in draws)
    lrs = np.array([d["lr"] for d in draws])
    assert lrs.min() >= 1e-4 and lrs.max() <= 1e-1
    assert all(0.0 <= d["dropout"] <= 0.5 for d in draws)
    widths = {d["width"] for d in draws}
    assert widths <= set(range(16, 65)) and {16, 64} <= widths and all(type(w) is int for w in widths)
    assert {d["batch_size"] for d in draws} == {32, 64, 128}
    assert sample(space, 7) == sample(space, 7)
    assert sample(space, 7) != sample(space, 8)


def test_grids():
    assert LogUniform(1e-4, 1e-1).grid(4) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    assert LogUniform(1e-4, 1e-2).grid(1) == pytest.approx([1e-3])
    assert Uniform(0, 1).grid(3) == [0.0, 0.5, 1.0]
    assert Uniform(0, 1).grid(1) == [0.5]
    assert IntUniform(16, 64).grid(3) == [16, 40, 64]
    assert IntUniform(1, 3).grid(10) == [1, 2, 3]  # fewer values than asked when the range is short
    assert IntUniform(16, 64).grid(1) == [40]
    assert Choice(["relu", "tanh"]).grid(5) == ["relu", "tanh"]
    g = grid_values({"lr": LogUniform(1e-3, 1e-1), "act": Choice(["relu", "tanh"])}, 3)
    assert g["lr"] == pytest.approx([1e-3, 1e-2, 1e-1]) and g["act"] == ["relu", "tanh"]


def test_distribution_errors_and_reprs():
    with pytest.raises(ValueError, match="below high"):
        Uniform(1, 1)
    with pytest.raises(ValueError, match="must be an integer"):
        IntUniform(1.5, 3)
    with pytest.raises(ValueError, match="must not exceed"):
        IntUniform(4, 3)
    for bad in ([], "abc", 3):
        with pytest.raises(ValueError, match="non-empty list"):
            Choice(bad)
    with pytest.raises(ValueError, match="positive integer"):
        LogUniform(1e-3, 1e-1).grid(0)
    assert repr(LogUniform(1e-4, 0.1)) == "LogUniform(0.0001, 0.1)"
    assert repr(Uniform(0, 1)) == "Uniform(0, 1)"
    assert repr(IntUniform(1, 3)) == "IntUniform(1, 3)"
    assert repr(Choice([1, 2])) == "Choice([1, 2])"


def test_space_errors():
    with pytest.raises(ValueError, match="non-empty dict"):
        sample({}, 0)
    with pytest.raises(ValueError, match="not a distribution"):
        sample({"lr": [1e-3, 1e-2]}, 0)
    with pytest.raises(ValueError, match="not a distribution"):
        grid_values({"lr": 0.1}, 3)


# ---------------------------------------------------------------------------- searches
def test_grid_search_tries_every_combination_first_name_slowest():
    seen = []

    def objective(p):
        seen.append((p["a"], p["b"]))
        return -(p["a"] - 2) ** 2 - 0.1 * p["b"]

    result = grid_search(objective, {"a": [1, 2, 3], "b": [0, 1]})
    assert seen == [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]
    assert len(result) == 6 and [t.number for t in result.trials] == list(range(6))
    assert result.best_params == {"a": 2, "b": 0} and result.best_value == 0.0
    assert result.best.number == 2
    assert repr(result) == "SearchResult(6 trials, best 0 at trial 2)"
    low = grid_search(objective, {"a": np.array([1, 2, 3]), "b": [0, 1]}, direction="minimize")
    assert low.best_params == {"a": 1, "b": 1}  # a tie with a=3: the first trial wins
    assert type(low.best_params["a"]) is int  # NumPy value lists give plain Python numbers


def test_grid_search_errors():
    with pytest.raises(ValueError, match="non-empty dict"):
        grid_search(lambda p: 0.0, {})
    with pytest.raises(ValueError, match="non-empty list"):
        grid_search(lambda p: 0.0, {"a": []})
    with pytest.raises(ValueError, match="non-empty list"):
        grid_search(lambda p: 0.0, {"a": "abc"})
    with pytest.raises(ValueError, match="direction"):
        grid_search(lambda p: 0.0, {"a": [1]}, direction="max")
    with pytest.raises(ValueError, match="must return a number"):
        grid_search(lambda p: "good", {"a": [1]})


def test_random_search_draws_fresh_values_of_every_hyperparameter():
    space = {"lr": LogUniform(1e-4, 1e-1), "wd": LogUniform(1e-6, 1e-1)}
    result = random_search(lambda p: -abs(math.log10(p["lr"]) + 2), space, 9, rng=0)
    lrs = [t.params["lr"] for t in result.trials]
    assert len(set(lrs)) == 9  # nine trials, nine distinct learning rates (a 3x3 grid has three)
    # the same seed gives the same trials; the draws are those of sample() in sequence
    again = random_search(lambda p: -abs(math.log10(p["lr"]) + 2), space, 9, rng=np.random.default_rng(0))
    assert [t.params for t in again.trials] == [t.params for t in result.trials]
    gen = np.random.default_rng(0)
    assert [sample(space, gen) for _ in range(9)] == [t.params for t in result.trials]
    best = result.best
    assert best.value == max(result.values) and result.best_so_far()[-1] == best.value


def test_random_search_errors():
    with pytest.raises(ValueError, match="positive integer"):
        random_search(lambda p: 0.0, {"a": Uniform(0, 1)}, 0, rng=0)
    with pytest.raises(TypeError, match="reproducible"):
        random_search(lambda p: 0.0, {"a": Uniform(0, 1)}, 3, rng=None)


def test_the_objective_gets_a_copy_of_the_params():
    def greedy(p):
        p["lr"] = -1.0  # an objective that scribbles on its argument must not change the record
        return 0.0

    result = random_search(greedy, {"lr": LogUniform(1e-3, 1e-1)}, 2, rng=0)
    assert all(t.params["lr"] > 0 for t in result.trials)


def test_nan_scores_are_never_best():
    trials = [Trial(0, {"lr": 1.0}, math.nan), Trial(1, {"lr": 0.1}, 0.5), Trial(2, {"lr": 0.01}, 0.4)]
    result = SearchResult(trials)
    assert result.best.number == 1
    assert np.array_equal(result.best_so_far(), [-np.inf, 0.5, 0.5])
    assert SearchResult(trials, "minimize").best.number == 2
    broken = SearchResult([Trial(0, {}, math.nan)])
    with pytest.raises(ValueError, match="no trial has a finite score"):
        broken.best
    assert repr(broken) == "SearchResult(1 trials, none finite)"
    assert repr(SearchResult([])) == "SearchResult(0 trials)"


def test_best_so_far():
    assert np.array_equal(best_so_far([0.2, 0.5, 0.3, 0.7]), [0.2, 0.5, 0.5, 0.7])
    assert np.array_equal(best_so_far([3.0, 1.0, 2.0, math.nan], "minimize"), [3.0, 1.0, 1.0, 1.0])
    assert best_so_far([]).size == 0
    with pytest.raises(ValueError, match="direction"):
        best_so_far([1.0], direction="up")


# ---------------------------------------------------------------------------- how many trials
def test_hit_probability_and_trials_needed():
    assert hit_probability(0) == 0.0
    assert hit_probability(1) == pytest.approx(0.05)
    assert hit_probability(60) == pytest.approx(1 - 0.95**60) and hit_probability(60) > 0.95
    assert hit_probability(58) < 0.95 < hit_probability(59)
    assert trials_needed(0.95, 0.05) == 59
    assert trials_needed(0.0) == 0
    # exact boundary: 1 - 0.5**3 = 0.875 needs exactly 3 trials
    assert trials_needed(0.875, 0.5) == 3
    assert hit_probability(1, fraction=1.0) == 1.0
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="non-negative integer"):
            hit_probability(bad)
    with pytest.raises(ValueError, match="fraction"):
        hit_probability(3, 0.0)
    with pytest.raises(ValueError, match="probability"):
        trials_needed(1.0)
    with pytest.raises(ValueError, match="fraction"):
        trials_needed(0.9, 1.0)


@settings(max_examples=60, deadline=None)
@given(p=st.floats(0.01, 0.999), f=st.floats(0.001, 0.5))
def test_trials_needed_is_the_smallest_sufficient_count(p, f):
    n = trials_needed(p, f)
    assert hit_probability(n, f) >= p - 1e-12
    assert n == 0 or hit_probability(n - 1, f) < p


def test_hit_probability_matches_simulation():
    rng = np.random.default_rng(0)
    hits = (rng.random((20_000, 60)) < 0.05).any(axis=1).mean()
    assert hits == pytest.approx(hit_probability(60), abs=0.01)


# ---------------------------------------------------------------------------- sealed test set
def test_sealed_test_set_opens_exactly_once():
    X, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    sealed = SealedTestSet(X, y)
    assert len(sealed) == 6 and sealed.times_opened == 0
    assert repr(sealed) == "SealedTestSet(6 samples, opened 0 times)"
    X[0, 0] = 99.0  # the sealed copy does not follow later edits of the caller's arrays
    Xt, yt = sealed.open()
    assert Xt[0, 0] == 0.0 and np.array_equal(yt, np.arange(6))
    with pytest.raises(ValueError):
        Xt[0, 0] = 1.0  # read-only
    with pytest.raises(RuntimeError, match="already opened once"):
        sealed.open()
    assert sealed.times_opened == 2


@pytest.mark.parametrize("X, y", [(np.zeros((3, 2)), np.zeros(2)), (np.zeros((0, 2)), np.zeros(0)), (1.0, 2.0)])
def test_sealed_test_set_rejects_mismatched_arrays(X, y):
    with pytest.raises(ValueError, match="same non-zero number of rows"):
        SealedTestSet(X, y)


def test_module_exports_what_it_documents():
    for name in search.__all__:
        assert hasattr(search, name), name
