"""Losses: hand-worked values, gradients against finite differences, stability, dtypes, bad input."""

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nbcode import losses as L
from nbcode.activations import log_softmax, sigmoid, softmax
from nbcode.gradcheck import numerical_gradient, relative_error


def one_hot(labels, c):
    return np.eye(c)[labels]


# ---------------------------------------------------------------------------- hand-worked values
def test_mse_hand_worked():
    y, t = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])
    assert L.mse(y, t) == pytest.approx(5 / 3)  # (0 + 1 + 4) / 3
    np.testing.assert_allclose(L.mse_grad(y, t), [0, 2 / 3, 4 / 3])  # 2 (y - t) / n
    # mean over ALL elements, like torch.nn.MSELoss
    assert L.mse(np.ones((2, 2)), np.zeros((2, 2))) == 1.0


def test_binary_cross_entropy_hand_worked():
    assert L.binary_cross_entropy([0.8], [1.0]) == pytest.approx(-math.log(0.8))
    assert L.binary_cross_entropy([0.8, 0.3], [1.0, 0.0]) == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    # dL/dp = (p - t) / (p (1 - p)) / n
    np.testing.assert_allclose(L.binary_cross_entropy_grad([0.8, 0.3], [1.0, 0.0]), [-1 / 0.8 / 2, 1 / 0.7 / 2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_clips_certain_mistakes(dtype):
    eps = L.probability_eps(dtype)
    assert eps == np.finfo(dtype).eps
    assert dtype(1) - dtype(eps) < 1  # the reason for a dtype-dependent eps: 1 - eps must not round to 1
    p = np.array([0.0, 1.0], dtype=dtype)
    loss = L.binary_cross_entropy(p, np.array([1.0, 0.0]))  # sure and wrong both times
    assert loss.dtype == dtype
    assert loss == pytest.approx(-math.log(eps), rel=1e-5)
    assert np.all(np.isfinite(L.binary_cross_entropy_grad(p, [1.0, 0.0])))
    assert L.binary_cross_entropy(p, np.array([0.0, 1.0])) < 1e-6  # sure and right: ~0


def test_bce_with_logits_equals_bce_of_sigmoid():
    z = np.array([-3.0, -0.5, 0.0, 2.0, 5.0])
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    assert L.binary_cross_entropy_with_logits(z, t) == pytest.approx(L.binary_cross_entropy(sigmoid(z), t), rel=1e-12)
    np.testing.assert_allclose(L.binary_cross_entropy_with_logits_grad(z, t), (sigmoid(z) - t) / 5)
    assert L.binary_cross_entropy_with_logits([0.0], [1.0]) == pytest.approx(math.log(2))


def test_bce_with_logits_at_extreme_logits_is_exact():
    # max(z, 0) - z t + log1p(exp(-|z|)): a confident wrong logit costs exactly |z|
    assert L.binary_cross_entropy_with_logits([1e4], [0.0]) == 1e4
    assert L.binary_cross_entropy_with_logits([-1e4], [1.0]) == 1e4
    assert L.binary_cross_entropy_with_logits([1e4, -1e4], [1.0, 0.0]) == 0.0


def test_softmax_cross_entropy_hand_worked():
    z = np.log([[1.0, 2.0, 3.0]])  # softmax = [1/6, 2/6, 3/6]
    assert L.softmax_cross_entropy(z, [2]) == pytest.approx(math.log(2))  # -log(3/6)
    assert L.softmax_cross_entropy(z, [0]) == pytest.approx(math.log(6))  # -log(1/6)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, [2]), [[1 / 6, 2 / 6, -1 / 2]])  # y - t


def test_softmax_cross_entropy_targets_forms_agree():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    expected = -np.mean(log_softmax(z)[np.arange(6), labels])
    assert L.softmax_cross_entropy(z, labels) == pytest.approx(expected, rel=1e-14)
    assert L.softmax_cross_entropy(z, one_hot(labels, 4)) == pytest.approx(expected, rel=1e-14)
    assert L.softmax_cross_entropy(z, labels.astype(np.float64)) == pytest.approx(expected, rel=1e-14)
    assert L.softmax_cross_entropy(z, labels.astype(np.uint8)) == pytest.approx(expected, rel=1e-14)
    assert L.softmax_cross_entropy(z, labels.tolist()) == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, labels), (softmax(z) - one_hot(labels, 4)) / 6)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, one_hot(labels, 4)), (softmax(z) - one_hot(labels, 4)) / 6)


def test_softmax_cross_entropy_with_probability_targets():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((5, 3))
    q = softmax(rng.standard_normal((5, 3)))
    assert L.softmax_cross_entropy(z, q) == pytest.approx(-np.sum(q * log_softmax(z)) / 5, rel=1e-14)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, q), (softmax(z) - q) / 5)


@pytest.mark.parametrize("ls", [0.1, 0.5, 1.0])
def test_label_smoothing_follows_torch_definition(ls):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((7, 5))
    labels = rng.integers(0, 5, 7)
    q = (1 - ls) * one_hot(labels, 5) + ls / 5
    expected = -np.sum(q * log_softmax(z)) / 7
    assert L.softmax_cross_entropy(z, labels, label_smoothing=ls) == pytest.approx(expected, rel=1e-13)
    assert L.softmax_cross_entropy(z, one_hot(labels, 5), label_smoothing=ls) == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, labels, label_smoothing=ls), (softmax(z) - q) / 7, atol=1e-16)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, one_hot(labels, 5), label_smoothing=ls), (softmax(z) - q) / 7, atol=1e-16)


# ---------------------------------------------------------------------------- gradient checks (float64)
def _check(loss, grad, y, t, **kw):
    numeric = numerical_gradient(lambda v: float(loss(v, t, **kw)), y.copy())
    assert relative_error(grad(y, t, **kw), numeric) < 1e-7


def test_gradient_check_mse():
    rng = np.random.default_rng(3)
    _check(L.mse, L.mse_grad, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))


def test_gradient_check_binary_cross_entropy():
    rng = np.random.default_rng(4)
    _check(L.binary_cross_entropy, L.binary_cross_entropy_grad, rng.uniform(0.1, 0.9, (6, 2)), rng.uniform(0, 1, (6, 2)))


def test_gradient_check_bce_with_logits():
    rng = np.random.default_rng(5)
    _check(L.binary_cross_entropy_with_logits, L.binary_cross_entropy_with_logits_grad, 3 * rng.standard_normal((6, 1)), rng.integers(0, 2, (6, 1)).astype(float))


@pytest.mark.parametrize("ls", [0.0, 0.2])
@pytest.mark.parametrize("form", ["labels", "one_hot", "probabilities"])
def test_gradient_check_softmax_cross_entropy(form, ls):
    rng = np.random.default_rng(6)
    z = 2 * rng.standard_normal((5, 4))
    labels = rng.integers(0, 4, 5)
    t = {"labels": labels, "one_hot": one_hot(labels, 4), "probabilities": softmax(rng.standard_normal((5, 4)))}[form]
    _check(L.softmax_cross_entropy, L.softmax_cross_entropy_grad, z, t, label_smoothing=ls)


# ---------------------------------------------------------------------------- dtypes
def test_float32_in_float32_out():
    rng = np.random.default_rng(7)
    y = rng.standard_normal((4, 3)).astype(np.float32)
    t64 = rng.standard_normal((4, 3))  # float64 targets are cast to the prediction's dtype
    p = sigmoid(y)
    labels = rng.integers(0, 3, 4)
    cases = [
        (L.mse(y, t64), L.mse_grad(y, t64)),
        (L.binary_cross_entropy(p, (t64 > 0) * 1.0), L.binary_cross_entropy_grad(p, (t64 > 0) * 1.0)),
        (L.binary_cross_entropy_with_logits(y, t64 > 0), L.binary_cross_entropy_with_logits_grad(y, t64 > 0)),
        (L.softmax_cross_entropy(y, labels), L.softmax_cross_entropy_grad(y, labels)),
        (L.softmax_cross_entropy(y, labels, 0.1), L.softmax_cross_entropy_grad(y, labels, 0.1)),
        (L.softmax_cross_entropy(y, softmax(t64)), L.softmax_cross_entropy_grad(y, softmax(t64))),
        (L.softmax_cross_entropy(y, softmax(t64), 0.1), L.softmax_cross_entropy_grad(y, softmax(t64), 0.1)),
    ]
    for value, grad in cases:
        assert value.dtype == np.float32 and grad.dtype == np.float32


def test_integer_predictions_become_float64():
    assert L.mse([1, 2], [0, 0]).dtype == np.float64


# ---------------------------------------------------------------------------- properties
batch = st.tuples(st.integers(1, 6), st.integers(2, 5))
logit_arrays = batch.flatmap(lambda s: arrays(np.float64, s, elements=st.floats(-1e4, 1e4, allow_nan=False)))


@settings(max_examples=50, deadline=None)
@given(logit_arrays, st.data())
def test_losses_are_non_negative_and_finite(z, data):
    n, c = z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    t01 = data.draw(arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    ls = data.draw(st.floats(0, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # includes overflow warnings
        values = [
            L.softmax_cross_entropy(z, labels, label_smoothing=ls),
            L.softmax_cross_entropy(z, softmax(t01), label_smoothing=ls),
            L.binary_cross_entropy_with_logits(z, t01),
            L.binary_cross_entropy(sigmoid(z), t01),
            L.mse(z, t01),
        ]
        grads = [
            L.softmax_cross_entropy_grad(z, labels, label_smoothing=ls),
            L.binary_cross_entropy_with_logits_grad(z, t01),
            L.binary_cross_entropy_grad(sigmoid(z), t01),
        ]
    for v in values:
        assert math.isfinite(v) and v >= -1e-12
    for g in grads:
        assert np.all(np.isfinite(g))


@settings(max_examples=50, deadline=None)
@given(logit_arrays, st.data())
def test_cross_entropy_of_a_perfect_prediction_is_near_zero(z, data):
    n, c = z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    z = z / 1e3  # scores in [-10, 10] ...
    z[np.arange(n), labels] = 60.0  # ... and a margin of at least 50 for the right class
    assert 0 <= L.softmax_cross_entropy(z, labels) < 1e-20
    assert np.abs(L.softmax_cross_entropy_grad(z, labels)).max() < 1e-20
    signs = np.where(np.arange(c) == 0, 60.0, -60.0) * np.ones((n, 1))
    assert L.binary_cross_entropy_with_logits(signs, (signs > 0) * 1.0) < 1e-25


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_at_extreme_logits(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        assert L.softmax_cross_entropy(z, [0, 2]) == 0
        assert L.softmax_cross_entropy(z, [1, 0]) == pytest.approx(2e4)
        assert np.isfinite(L.softmax_cross_entropy(z, [1, 0], label_smoothing=0.1))
        assert np.all(np.isfinite(L.softmax_cross_entropy_grad(z, [1, 0])))
        assert np.isfinite(L.binary_cross_entropy_with_logits(z, np.ones_like(z)))
        assert np.all(np.isfinite(L.binary_cross_entropy_with_logits_grad(z, np.ones_like(z))))
        assert np.isfinite(L.binary_cross_entropy(sigmoid(z), np.ones_like(z)))
        assert np.all(np.isfinite(L.binary_cross_entropy_grad(sigmoid(z), np.ones_like(z))))


def test_overflowing_loss_from_finite_inputs_is_returned_not_raised():
    # a diverged model: finite predictions whose squared error overflows -> inf (fit treats it as divergence)
    with np.errstate(over="ignore"):
        assert L.mse(np.array([1e200]), np.array([0.0])) == np.inf


# ---------------------------------------------------------------------------- bad input
PAIR_LOSSES = [
    L.mse,
    L.mse_grad,
    L.binary_cross_entropy,
    L.binary_cross_entropy_grad,
    L.binary_cross_entropy_with_logits,
    L.binary_cross_entropy_with_logits_grad,
]


@pytest.mark.parametrize("fn", PAIR_LOSSES)
def test_shape_mismatch_names_both_shapes(fn):
    with pytest.raises(ValueError, match=re.escape("of shape (4, 1) and targets of shape (4,) must have the same shape")):
        fn(np.full((4, 1), 0.5), np.ones(4))


@pytest.mark.parametrize("fn", PAIR_LOSSES)
def test_empty_batch_is_rejected(fn):
    with pytest.raises(ValueError, match="is empty"):
        fn(np.zeros((0, 1)), np.zeros((0, 1)))


@pytest.mark.parametrize("fn", [L.mse, L.mse_grad, L.binary_cross_entropy_with_logits, L.binary_cross_entropy_with_logits_grad])
def test_nan_in_predictions_or_targets_is_named(fn):
    with pytest.raises(ValueError, match=r"(predictions|logits) passed to .* contains 1 NaN"):
        fn(np.array([0.5, np.nan]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="targets passed to .* contains 1 NaN"):
        fn(np.array([0.5, 0.5]), np.array([1.0, np.nan]))


@pytest.mark.parametrize("fn", [L.binary_cross_entropy, L.binary_cross_entropy_grad])
def test_nan_in_binary_cross_entropy_inputs(fn):
    with pytest.raises(ValueError, match=f"probabilities passed to {fn.__name__} contains 1 NaN"):
        fn(np.array([0.5, np.nan]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match=f"targets passed to {fn.__name__} contains"):
        fn(np.array([0.5, 0.5]), np.array([1.0, np.nan]))


@pytest.mark.parametrize("fn", [L.binary_cross_entropy, L.binary_cross_entropy_grad])
def test_probabilities_outside_unit_interval_point_to_logits_version(fn):
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\].*binary_cross_entropy_with_logits"):
        fn(np.array([2.5, -1.0]), np.array([1.0, 0.0]))


@pytest.mark.parametrize("fn", [L.softmax_cross_entropy, L.softmax_cross_entropy_grad])
class TestSoftmaxCrossEntropyBadInput:
    z = np.zeros((3, 4))

    def test_labels_out_of_range(self, fn):
        with pytest.raises(ValueError, match="must lie in 0..3 for 4 classes, found values from 0 to 4"):
            fn(self.z, [0, 4, 1])
        with pytest.raises(ValueError, match="found values from -1 to 2"):
            fn(self.z, [0, -1, 2])
        with pytest.raises(ValueError, match="found values from -1"):
            fn(self.z, np.array([0, -1, 2], dtype=np.int32))
        with pytest.raises(ValueError, match="found values from 0 to 9"):
            fn(self.z, np.array([0, 9, 2], dtype=np.uint8))

    def test_non_integer_labels(self, fn):
        with pytest.raises(ValueError, match="whole class indices"):
            fn(self.z, [0.5, 1.0, 2.0])

    def test_shape_mismatch_names_both_shapes(self, fn):
        with pytest.raises(ValueError, match=re.escape("logits of shape (3, 4) need targets of shape (3,)") + ".*got shape \\(2,\\)"):
            fn(self.z, [0, 1])
        with pytest.raises(ValueError, match=re.escape("got shape (3, 5).")):
            fn(self.z, np.zeros((3, 5)))
        with pytest.raises(ValueError, match=re.escape("y.ravel()")):
            fn(self.z, np.zeros((3, 1), dtype=int))

    def test_logits_must_be_a_batch(self, fn):
        with pytest.raises(ValueError, match="logits in .* must have 2 dimension"):
            fn(np.zeros(4), [1])
        with pytest.raises(ValueError, match="is empty"):
            fn(np.zeros((0, 4)), np.zeros(0, dtype=int))

    def test_nan(self, fn):
        z = self.z.copy()
        z[1, 2] = np.nan
        with pytest.raises(ValueError, match=f"logits passed to {fn.__name__} contains 1 NaN"):
            fn(z, [0, 1, 2])
        with np.errstate(invalid="ignore"), pytest.raises(ValueError, match="contains 1 NaN or infinite"):
            fn(np.where(np.isnan(z), np.inf, z), [0, 1, 2])  # inf logits (inf - inf = NaN): also rejected
        with pytest.raises(ValueError, match=f"targets passed to {fn.__name__} contains 1 NaN"):
            fn(self.z, np.where(np.isnan(z), np.nan, 0.25))

    def test_label_smoothing_range(self, fn):
        with pytest.raises(ValueError, match="label_smoothing must be a finite number in \\[0, 1\\]"):
            fn(self.z, [0, 1, 2], label_smoothing=1.5)
        with pytest.raises(ValueError, match="label_smoothing"):
            fn(self.z, [0, 1, 2], label_smoothing=-0.1)

    def test_non_numeric_logits(self, fn):
        with pytest.raises(ValueError, match="must be numeric"):
            fn(np.array([["a", "b"]]), [0])


# ---------------------------------------------------------------------------- labels and targets that are not what they seem
@pytest.mark.parametrize("fn", [L.softmax_cross_entropy, L.softmax_cross_entropy_grad])
@pytest.mark.parametrize("n", [2, 4])  # N == C used to index as a boolean mask, N != C raised IndexError
def test_boolean_labels_are_classes_0_and_1(fn, n):
    z = np.random.default_rng(0).normal(size=(n, 2))
    as_bool = np.arange(n) % 3 != 0
    np.testing.assert_array_equal(fn(z, as_bool), fn(z, as_bool.astype(int)))
    np.testing.assert_array_equal(fn(z, [True] * n), fn(z, [1] * n))


def test_string_labels_say_how_to_encode_them():
    with pytest.raises(ValueError, match="integer class indices.*return_inverse"):
        L.softmax_cross_entropy(np.zeros((2, 2)), np.array(["cat", "dog"]))


BINARY_LOSSES = [L.binary_cross_entropy, L.binary_cross_entropy_grad,
                 L.binary_cross_entropy_with_logits, L.binary_cross_entropy_with_logits_grad]


@pytest.mark.parametrize("fn", BINARY_LOSSES)
@pytest.mark.parametrize("t", [[2.0, 0.0, 1.0], [1.0, -3.0, 0.0]])
def test_binary_targets_outside_unit_interval_are_refused(fn, t):
    with pytest.raises(ValueError, match=f"{fn.__name__} expects targets in \\[0, 1\\].*0/1 labels"):
        fn(np.array([0.2, 0.5, 0.9]), np.array(t))


@pytest.mark.parametrize("fn", BINARY_LOSSES)
def test_binary_targets_may_be_soft_or_boolean(fn):
    p = np.array([0.2, 0.5, 0.9])
    fn(p, np.array([0.0, 0.3, 1.0]))  # soft targets (probabilities) are fine
    np.testing.assert_array_equal(fn(p, np.array([False, True, True])), fn(p, np.array([0.0, 1.0, 1.0])))


@pytest.mark.parametrize("fn", [L.softmax_cross_entropy, L.softmax_cross_entropy_grad])
def test_target_rows_must_be_probabilities(fn):
    z = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.raises(ValueError, match="negative entry -1.*one_hot"):
        fn(z, -np.ones((3, 4)))  # used to give a negative cross-entropy, -3.597
    with pytest.raises(ValueError, match=r"1 row\(s\) do not \(row 2 sums to 2\).*rows.sum"):
        fn(z, np.vstack([np.eye(4)[:2], [0.5, 0.5, 0.5, 0.5]]))
    with pytest.raises(ValueError, match="sum to 1"):
        fn(z, np.zeros((3, 4)))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_rounded_probability_rows_are_accepted(dtype):
    z = np.random.default_rng(1).normal(size=(64, 100)).astype(np.float32)
    rows = softmax(z * 3).astype(dtype)  # sums off 1 by rounding only
    assert np.max(np.abs(rows.astype(np.float64).sum(axis=1) - 1)) > 0
    assert math.isfinite(L.softmax_cross_entropy(z, rows))
    assert math.isfinite(L.softmax_cross_entropy(z, one_hot(np.arange(64) % 100, 100) * 0.9 + 0.001))
