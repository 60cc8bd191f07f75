"""Tests of nbcode.ensemble: polynomial and tree base learners, bagging, gradient boosting, AdaBoost."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nbcode import data
from nbcode import ensemble as E


def rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------ polynomial regression
def test_polynomial_features_are_legendre_and_keep_leading_shapes():
    x = np.linspace(-1, 1, 7)
    A = E.polynomial_features(x, 3)
    assert A.shape == (7, 4)
    assert np.allclose(A[:, 0], 1) and np.allclose(A[:, 1], x)
    assert np.allclose(A[:, 2], (3 * x**2 - 1) / 2)  # P_2
    assert np.allclose(A[:, 3], (5 * x**3 - 3 * x) / 2)  # P_3
    assert E.polynomial_features(x[:, None], 3).shape == (7, 4)  # a column is one input
    assert E.polynomial_features(np.zeros((5, 6)), 2).shape == (5, 6, 3)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="degree"):
            E.polynomial_features(x, bad)


def test_polynomial_regression_recovers_a_polynomial_and_matches_polyfit():
    x = np.linspace(-1, 1, 20)
    y = 0.5 - x + 2 * x**2
    model = E.PolynomialRegression(2).fit(x, y)
    assert np.allclose(model.predict([0.3, -0.7]), [0.5 - 0.3 + 2 * 0.09, 0.5 + 0.7 + 2 * 0.49])
    noisy = y + 0.1 * rng().standard_normal(20)
    fitted = E.PolynomialRegression(5).fit(x[:, None], noisy[:, None]).predict(x)
    assert np.allclose(fitted, np.polyval(np.polyfit(x, noisy, 5), x))
    assert repr(model) == "PolynomialRegression(degree=2)"


def test_polynomial_regression_underdetermined_and_errors():
    # 3 points, 6 coefficients: the minimum-norm fit interpolates, no error.
    model = E.PolynomialRegression(5).fit([-0.5, 0.0, 0.5], [1.0, 0.0, 1.0])
    assert np.allclose(model.predict([-0.5, 0.0, 0.5]), [1.0, 0.0, 1.0])
    with pytest.raises(RuntimeError, match="not fitted"):
        E.PolynomialRegression(2).predict([0.0])
    with pytest.raises(ValueError, match="one input feature"):
        E.PolynomialRegression(2).fit(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="one number per sample"):
        E.PolynomialRegression(2).fit([0.0, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        E.PolynomialRegression(2).fit([0.0, np.nan], [0.0, 1.0])
    with pytest.raises(ValueError, match="NaN"):
        E.PolynomialRegression(2).fit([0.0, 1.0], [0.0, np.inf])
    with pytest.raises(ValueError, match="numeric"):
        E.PolynomialRegression(2).fit(np.array(["a", "b"]), [0.0, 1.0])
    with pytest.raises(ValueError, match="empty"):
        E.PolynomialRegression(2).fit(np.zeros((0, 1)), np.zeros(0))
    with pytest.raises(ValueError, match="n_samples"):
        E.PolynomialRegression(2).fit(np.zeros((2, 1, 1)), np.zeros(2))


# ------------------------------------------------------------------ trees
def test_stump_by_hand():
    stump = E.fit_stump([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 3.0, 3.0])
    assert stump.n_leaves == 2 and stump.depth == 1
    assert stump.threshold_[0] == pytest.approx(2.5)
    assert np.allclose(stump.predict([0.0, 2.4, 2.6, 9.0]), [1, 1, 3, 3])
    # Weights move the leaf means and the cut: the heavy point 4 (y = 9) gets a leaf of its own.
    weighted = E.fit_stump([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 3.0, 9.0], sample_weight=[1, 1, 1, 10])
    assert weighted.threshold_[0] == pytest.approx(3.5)
    assert np.allclose(weighted.predict([1.0, 4.0]), [5 / 3, 9.0])
    # Weighted leaf mean: left leaf of [1, 2 | 3, 4] with weights (1, 3) on y = (0, 4) -> 3.
    w2 = E.fit_stump([1.0, 2.0, 3.0, 4.0], [0.0, 4.0, 10.0, 10.0], sample_weight=[1, 3, 1, 1])
    assert np.allclose(w2.predict([1.0]), 3.0)


def test_tree_matches_scikit_learn():
    from sklearn.tree import DecisionTreeRegressor

    gen = rng(1)
    X = gen.uniform(-1, 1, (150, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.1 * gen.standard_normal(150)
    X_new = gen.uniform(-1, 1, (60, 3))
    for depth, leaf in [(1, 1), (3, 1), (6, 1), (4, 5), (20, 1)]:
        ours = E.RegressionTree(depth, min_samples_leaf=leaf).fit(X, y)
        ref = DecisionTreeRegressor(max_depth=depth, min_samples_leaf=leaf, random_state=0).fit(X, y)
        assert np.allclose(ours.predict(X), ref.predict(X))
        assert ours.n_leaves == ref.get_n_leaves() and ours.depth == ref.get_depth()
        if depth <= 4:  # deeper, tiny nodes tie between features (scikit-learn breaks ties at random)
            assert np.allclose(ours.predict(X_new), ref.predict(X_new))


def test_weighted_tree_matches_scikit_learn():
    from sklearn.tree import DecisionTreeRegressor

    gen = rng(2)
    X = gen.uniform(-1, 1, (80, 2))
    y = X[:, 0] - 2 * (X[:, 1] > 0.2) + 0.1 * gen.standard_normal(80)
    w = gen.uniform(0.1, 3.0, 80)
    ours = E.RegressionTree(3).fit(X, y, sample_weight=w)
    ref = DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y, sample_weight=w)
    assert np.allclose(ours.predict(X), ref.predict(X))


def test_deep_tree_interpolates_distinct_inputs_and_stops_when_it_should():
    x = np.linspace(-1, 1, 17)
    y = rng(3).standard_normal(17)
    tree = E.RegressionTree(max_depth=50).fit(x, y)
    assert np.allclose(tree.predict(x), y) and tree.n_leaves == 17
    constant = E.RegressionTree(5).fit(x, np.full(17, 2.0))
    assert constant.n_leaves == 1 and constant.depth == 0 and np.allclose(constant.predict([0.3]), 2.0)
    same_x = E.RegressionTree(5).fit(np.zeros(6), np.arange(6.0))
    assert same_x.n_leaves == 1 and np.allclose(same_x.predict([0.0]), 2.5)
    big_leaves = E.RegressionTree(10, min_samples_leaf=6).fit(x, y)
    assert big_leaves.n_leaves <= 2  # 17 points, at least 6 per leaf
    # zero weights on one side: the leaf with no weight falls back to its plain mean
    zero = E.RegressionTree(2).fit([0.0, 1.0, 2.0, 3.0], [0.0, 0.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    assert np.all(np.isfinite(zero.predict([0.0, 3.0])))


def test_tree_errors():
    with pytest.raises(ValueError, match="max_depth"):
        E.RegressionTree(0)
    with pytest.raises(ValueError, match="min_samples_leaf"):
        E.RegressionTree(2, min_samples_leaf=0)
    tree = E.RegressionTree(2)
    for attempt in (lambda: tree.predict([0.0]), lambda: tree.n_leaves, lambda: tree.depth):
        with pytest.raises(RuntimeError, match="not fitted"):
            attempt()
    with pytest.raises(ValueError, match="sample_weight"):
        tree.fit([0.0, 1.0], [0.0, 1.0], sample_weight=[-1.0, 1.0])
    with pytest.raises(ValueError, match="sample_weight"):
        tree.fit([0.0, 1.0], [0.0, 1.0], sample_weight=[1.0])
    tree.fit(np.zeros((4, 2)), np.arange(4.0))
    with pytest.raises(ValueError, match="2 feature"):
        tree.predict(np.zeros((3, 3)))
    assert repr(tree) == "RegressionTree(max_depth=2, min_samples_leaf=1)"


def test_fit_trees_equals_one_tree_per_group():
    gen = rng(4)
    X = gen.uniform(-1, 1, (90, 2))
    y = gen.standard_normal(90)
    groups = np.repeat([2, 0, 1], 30)
    trees = E.fit_trees(X, y, groups, max_depth=4)
    assert trees.n_trees == 3 and repr(trees) == "TreeGroup(3 trees)"
    X_new = gen.uniform(-1, 1, (25, 2))
    all_preds = trees.predict(X_new)
    assert all_preds.shape == (3, 25)
    for g in range(3):
        single = E.RegressionTree(4).fit(X[groups == g], y[groups == g])
        assert np.allclose(all_preds[g], single.predict(X_new))
    own = trees.predict(X, groups=groups)
    assert own.shape == (90,)
    assert np.allclose(own, all_preds_of(trees, X)[groups, np.arange(90)])
    weighted = E.fit_trees(X, y, groups, max_depth=2, min_samples_leaf=3, sample_weight=np.ones(90))
    assert np.allclose(weighted.predict(X_new)[1], E.RegressionTree(2, 3).fit(X[groups == 1], y[groups == 1]).predict(X_new))


def all_preds_of(trees, X):
    return trees.predict(X)


def test_fit_trees_errors():
    X, y = np.zeros((4, 1)), np.arange(4.0)
    with pytest.raises(ValueError, match="tree id"):
        E.fit_trees(X, y, np.array([0, 0, 2, 2]), max_depth=2)  # group 1 has no row
    with pytest.raises(ValueError, match="groups"):
        E.fit_trees(X, y, np.array([0.0, 0.0, 1.0, 1.0]), max_depth=2)
    with pytest.raises(ValueError, match="groups"):
        E.fit_trees(X, y, np.array([0, 1]), max_depth=2)
    trees = E.fit_trees(X, y, np.array([0, 0, 1, 1]), max_depth=2)
    with pytest.raises(ValueError, match="feature"):
        trees.predict(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="tree id"):
        trees.predict(np.zeros((2, 1)), groups=np.array([0, 5]))


# ------------------------------------------------------------------ bagging
class Mean:
    """A tiny model for bagging tests: predicts the mean of its training targets."""

    def fit(self, X, y):
        self.value = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.value)


def test_bagging_fit_uses_bootstrap_samples():
    X = np.arange(20.0)[:, None]
    y = np.arange(20.0)
    bag = E.bagging_fit(Mean, None, X, y, 7, rng(5))
    assert len(bag.models) == len(bag.in_bag) == len(bag.out_of_bag) == 7 and bag.n_samples == 20
    reference = np.random.default_rng(5)
    for model, in_bag, oob in zip(bag.models, bag.in_bag, bag.out_of_bag):
        expected_in, expected_oob = data.bootstrap_sample(20, reference)
        assert np.array_equal(in_bag, expected_in) and np.array_equal(oob, expected_oob)
        assert model.value == pytest.approx(y[in_bag].mean())
        assert set(in_bag) | set(oob) == set(range(20)) and not set(in_bag) & set(oob)
    assert len({id(m) for m in bag.models}) == 7  # a fresh model each time
    assert np.allclose(E.bagging_predict(bag.models, X), np.mean([m.value for m in bag.models]))


def test_bagging_fit_with_custom_fit_and_predict_functions():
    calls = []

    def fit_fn(model, X, y):
        calls.append(len(X))
        model.fit(X, y)  # returns nothing useful on purpose: bagging keeps the model it gave

    bag = E.bagging_fit(Mean, lambda m, X, y: fit_fn(m, X, y), np.zeros((5, 1)), np.arange(5.0), 3, rng(0))
    assert calls == [5, 5, 5] and all(isinstance(m, Mean) for m in bag.models)
    doubled = E.bagging_predict(bag.models, np.zeros((2, 1)), predict_fn=lambda m, X: 2 * m.predict(X))
    assert np.allclose(doubled, 2 * E.bagging_predict(bag.models, np.zeros((2, 1))))


def test_bagging_errors():
    with pytest.raises(ValueError, match="n_models"):
        E.bagging_fit(Mean, None, np.zeros((3, 1)), np.zeros(3), 0, rng())
    with pytest.raises(ValueError, match="same"):
        E.bagging_fit(Mean, None, np.zeros((3, 1)), np.zeros(4), 2, rng())
    with pytest.raises(ValueError, match="at least one model"):
        E.bagging_predict([], np.zeros((2, 1)))
    reg = E.BaggingRegressor(Mean, 3, rng=0)
    for attempt in (lambda: reg.predict(np.zeros((1, 1))), reg.oob_predict):
        with pytest.raises(RuntimeError, match="not fitted"):
            attempt()
    assert repr(reg) == "BaggingRegressor(n_models=3)"


def test_bagging_regressor_predict_staged_and_out_of_bag():
    gen = rng(6)
    x = np.sort(gen.uniform(-1, 1, 40))
    y = np.sin(3 * x) + 0.2 * gen.standard_normal(40)
    reg = E.BaggingRegressor(lambda: E.RegressionTree(6), n_models=10, rng=7).fit(x, y)
    x_new = np.linspace(-1, 1, 9)
    members = np.array([m.predict(x_new) for m in reg.models])
    assert np.allclose(reg.predict(x_new), members.mean(axis=0))
    staged = reg.staged_predict(x_new)
    assert staged.shape == (10, 9)
    assert np.allclose(staged[0], members[0]) and np.allclose(staged[-1], reg.predict(x_new))
    assert np.allclose(staged[3], members[:4].mean(axis=0))
    # out-of-bag: the mean over the models that did not see the sample
    oob = reg.oob_predict()
    for i in (0, 17, 39):
        unseen = [m.predict(x[i : i + 1])[0] for m, out in zip(reg.models, reg.bag_.out_of_bag) if i in out]
        assert (np.isnan(oob[i]) and not unseen) or oob[i] == pytest.approx(np.mean(unseen))
    # same seed, same ensemble
    again = E.BaggingRegressor(lambda: E.RegressionTree(6), n_models=10, rng=7).fit(x, y)
    assert np.array_equal(again.predict(x_new), reg.predict(x_new))


def test_out_of_bag_is_nan_where_every_model_saw_the_sample():
    one = E.BaggingRegressor(Mean, n_models=1, rng=3).fit(np.arange(10.0)[:, None], np.arange(10.0))
    oob = one.oob_predict()
    in_bag = np.unique(one.bag_.in_bag[0])
    assert np.all(np.isnan(oob[in_bag])) and np.all(np.isfinite(np.delete(oob, in_bag)))
    single_sample = E.BaggingRegressor(Mean, n_models=3, rng=0).fit(np.zeros((1, 1)), np.ones(1))
    assert np.isnan(single_sample.oob_predict()).all()  # one sample is always in bag


def test_bagging_lowers_the_variance_of_deep_trees():
    f = lambda x: np.sin(3 * x)  # noqa: E731
    x_test = np.linspace(-1, 1, 41)
    gen = rng(8)
    singles, bagged = [], []
    for _ in range(30):
        x = gen.uniform(-1, 1, 30)
        y = f(x) + 0.3 * gen.standard_normal(30)
        singles.append(E.RegressionTree(10).fit(x, y).predict(x_test))
        bagged.append(E.BaggingRegressor(lambda: E.RegressionTree(10), 15, rng=gen).fit(x, y).predict(x_test))
    assert np.mean(np.var(bagged, axis=0)) < 0.7 * np.mean(np.var(singles, axis=0))


# ------------------------------------------------------------------ boosting
def test_gradient_boosting_matches_scikit_learn_and_its_own_definition():
    from sklearn.ensemble import GradientBoostingRegressor

    gen = rng(9)
    X = gen.uniform(-1, 1, (120, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] + 0.1 * gen.standard_normal(120)
    ours = E.GradientBoostingRegressor(n_rounds=40, learning_rate=0.2, max_depth=2).fit(X, y)
    ref = GradientBoostingRegressor(n_estimators=40, learning_rate=0.2, max_depth=2, random_state=0).fit(X, y)
    X_new = gen.uniform(-1, 1, (30, 2))
    assert np.allclose(ours.predict(X_new), ref.predict(X_new))
    # by hand: F <- F + lr * stump fitted to the residuals
    F = np.full(120, y.mean())
    for _ in range(5):
        F = F + 0.1 * E.fit_stump(X, y - F).predict(X)
    five = E.GradientBoostingRegressor(n_rounds=5, learning_rate=0.1).fit(X, y)
    assert np.allclose(five.staged_predict(X)[-1], F)
    assert np.allclose(five.staged_predict(X)[0], y.mean())
    assert five.train_loss_[-1] == pytest.approx(np.mean((y - F) ** 2))
    assert np.all(np.diff(ours.train_loss_) <= 1e-12)  # squared error never goes up on the training set
    assert repr(five) == "GradientBoostingRegressor(n_rounds=5, learning_rate=0.1, max_depth=1)"


def test_gradient_boosting_errors():
    with pytest.raises(ValueError, match="learning_rate"):
        E.GradientBoostingRegressor(learning_rate=0.0)
    with pytest.raises(ValueError, match="learning_rate"):
        E.GradientBoostingRegressor(learning_rate=1.5)
    with pytest.raises(ValueError, match="n_rounds"):
        E.GradientBoostingRegressor(n_rounds=0)
    with pytest.raises(RuntimeError, match="not fitted"):
        E.GradientBoostingRegressor().predict([0.0])


def test_adaboost_matches_scikit_learn_samme_with_stumps():
    from sklearn.ensemble import AdaBoostClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = data.moons(300, noise=0.25, rng=1)
    ours = E.AdaBoostClassifier(n_rounds=40).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=40, random_state=0).fit(X, y)
    X_new, _ = data.moons(200, noise=0.25, rng=2)
    assert np.array_equal(ours.predict(X_new), ref.predict(X_new))
    # SAMME's estimator weight for two classes is log((1 - eps) / eps) = 2 alpha
    assert np.allclose(2 * np.array(ours.alphas_), ref.estimator_weights_[: len(ours.alphas_)])
    assert np.allclose(ours.errors_, ref.estimator_errors_[: len(ours.errors_)])


def test_adaboost_training_error_bound_and_staged_outputs():
    X, y = data.moons(200, noise=0.2, rng=3)
    ada = E.AdaBoostClassifier(n_rounds=60).fit(X, y)
    bound = ada.error_bound_
    assert len(bound) == len(ada.train_error_) == len(ada.alphas_) == 60
    assert np.all(np.array(ada.train_error_) <= bound + 1e-12)
    assert np.all(np.diff(bound) < 0)  # every stump better than chance shrinks the bound
    staged = ada.staged_predict(X)
    assert staged.shape == (60, 200)
    assert np.array_equal(staged[-1], ada.predict(X))
    assert np.mean(staged[-1] != y) == pytest.approx(ada.train_error_[-1])
    assert np.allclose(ada.decision_function(X), ada.staged_decision_function(X)[-1])
    assert repr(ada) == "AdaBoostClassifier(n_rounds=60, max_depth=1)"


def test_adaboost_stops_on_a_perfect_or_a_useless_stump():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    perfect = E.AdaBoostClassifier(10).fit(X, [0, 0, 1, 1])
    assert len(perfect.stumps_) == 1 and perfect.errors_ == [0.0]
    assert np.array_equal(perfect.predict(X), [0, 0, 1, 1])
    # XOR on the corners: every stump errs on half the weight, so nothing is learned
    xor_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    useless = E.AdaBoostClassifier(10).fit(xor_X, [0, 1, 1, 0])
    assert useless.stumps_ == [] and useless.staged_decision_function(xor_X).shape == (0, 4)
    assert np.array_equal(useless.decision_function(xor_X), np.zeros(4))
    assert np.array_equal(useless.predict(xor_X), [1, 1, 1, 1])


def test_adaboost_errors():
    with pytest.raises(ValueError, match="0/1"):
        E.AdaBoostClassifier().fit(np.zeros((3, 1)), [0, 1, 2])
    with pytest.raises(ValueError, match="max_depth"):
        E.AdaBoostClassifier(max_depth=0)
    ada = E.AdaBoostClassifier()
    for attempt in (lambda: ada.predict(np.zeros((1, 1))), lambda: ada.error_bound_):
        with pytest.raises(RuntimeError, match="not fitted"):
            attempt()


@pytest.mark.parametrize("low, high, degree", [(0, 10, 8), (0, 100, 8), (0, 1000, 15), (-5e3, -1e3, 12)])
def test_polynomial_regression_is_exact_on_unscaled_inputs(low, high, degree):
    # raw Legendre features of x in [0, 1000] once gave a degree-15 fit of a line off by 43%
    x = np.linspace(low, high, 60)
    y = 1 + x / 2
    model = E.PolynomialRegression(degree).fit(x, y)
    assert model.domain_ == (low, high)
    x_new = np.linspace(low, high, 17)
    np.testing.assert_allclose(model.predict(x_new), 1 + x_new / 2, rtol=1e-9, atol=1e-9 * abs(high))
    reference = np.polynomial.Polynomial.fit(x, y, degree)(x_new)
    np.testing.assert_allclose(model.predict(x_new), reference, rtol=1e-9)


def test_polynomial_regression_single_distinct_input_and_wrong_predict_shape():
    model = E.PolynomialRegression(2).fit([3.0, 3.0, 3.0], [1.0, 2.0, 3.0])
    assert model.predict([3.0]) == pytest.approx([2.0])  # the mean, minimum-norm
    with pytest.raises(ValueError, match="takes one input feature, got 2"):
        model.predict(np.zeros((4, 2)))
