"""Activations: hand-worked values, derivatives against finite differences, stability, dtypes."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nbcode import activations as A
from nbcode.gradcheck import numerical_gradient, relative_error

ELEMENTWISE = ["step", "sigmoid", "tanh", "relu", "leaky_relu", "identity"]
ALL_FUNCTIONS = ELEMENTWISE + ["softmax", "log_softmax", "logsumexp"]


# ---------------------------------------------------------------------------- hand-worked values
def test_sigmoid_values():
    assert A.sigmoid(0.0) == 0.5
    np.testing.assert_allclose(A.sigmoid(np.array([-2.0, 1.0, 3.0])), 1 / (1 + np.exp([2.0, -1.0, -3.0])), rtol=1e-15)
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(A.sigmoid(x) + A.sigmoid(-x), 1.0, rtol=1e-15)  # symmetry s(-x) = 1 - s(x)


def test_sigmoid_keeps_tiny_values_for_very_negative_inputs():
    # 1 - s(40) would round to 0; the e/(1+e) branch keeps the true tiny value
    assert A.sigmoid(-40.0) == pytest.approx(math.exp(-40), rel=1e-12)
    assert A.sigmoid(-700.0) > 0


def test_sigmoid_grad_peaks_at_quarter():
    x = np.linspace(-10, 10, 2001)
    g = A.sigmoid_grad(x)
    assert A.sigmoid_grad(0.0) == 0.25
    assert g.max() == 0.25 and x[g.argmax()] == 0.0
    assert np.all(g > 0)


def test_tanh_range_and_grad():
    x = np.linspace(-5, 5, 101)
    t = A.tanh(x)
    assert np.all((t > -1) & (t < 1))
    assert A.tanh(0.0) == 0.0
    assert A.tanh_grad(0.0) == 1.0
    np.testing.assert_allclose(A.tanh(x), 2 * A.sigmoid(2 * x) - 1, atol=1e-15)


def test_relu_and_grad():
    x = np.array([-2.0, -0.0, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(A.relu(x), [0, 0, 0, 0.5, 3])
    np.testing.assert_array_equal(A.relu_grad(x), [0, 0, 0, 1, 1])  # derivative 0 at 0, like torch


def test_leaky_relu_and_grad():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(A.leaky_relu(x), [-0.02, 0, 3])
    np.testing.assert_allclose(A.leaky_relu(x, negative_slope=0.2), [-0.4, 0, 3])
    np.testing.assert_allclose(A.leaky_relu_grad(x, 0.2), [0.2, 0.2, 1])


def test_step_and_zero_derivative():
    np.testing.assert_array_equal(A.step([-1.0, 0.0, 1e-9, 5.0]), [0, 0, 1, 1])
    np.testing.assert_array_equal(A.step_grad([-1.0, 0.0, 2.0]), [0, 0, 0])


def test_identity():
    x = np.array([-1.5, 2.0])
    np.testing.assert_array_equal(A.identity(x), x)
    np.testing.assert_array_equal(A.identity_grad(x), [1, 1])


def test_softmax_hand_worked():
    # exp(0), exp(ln 2), exp(ln 3) = 1, 2, 3 -> divided by their sum 6
    z = np.log([1.0, 2.0, 3.0])
    np.testing.assert_allclose(A.softmax(z), [1 / 6, 2 / 6, 3 / 6], rtol=1e-14)
    np.testing.assert_allclose(A.log_softmax(z), np.log([1 / 6, 2 / 6, 3 / 6]), rtol=1e-14)
    assert A.logsumexp(z) == pytest.approx(math.log(6), rel=1e-14)


def test_softmax_axis_and_logsumexp_shapes():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(A.softmax(x, axis=0).sum(axis=0), 1.0)
    np.testing.assert_allclose(A.log_softmax(x, axis=0), np.log(A.softmax(x, axis=0)))
    assert A.logsumexp(x).shape == (3,)
    assert A.logsumexp(x, keepdims=True).shape == (3, 1)
    assert A.logsumexp(x, axis=0).shape == (4,)
    assert A.logsumexp(x, axis=None).shape == ()
    assert A.logsumexp(x, axis=None, keepdims=True).shape == (1, 1)
    np.testing.assert_allclose(A.logsumexp(x, axis=None), np.log(np.exp(x).sum()))
    np.testing.assert_allclose(A.logsumexp(x), np.log(np.exp(x).sum(axis=1)))


def test_logsumexp_of_all_minus_infinity_row_is_minus_infinity():
    x = np.array([[-np.inf, -np.inf], [0.0, 0.0]])
    out = A.logsumexp(x)
    assert out[0] == -np.inf
    assert out[1] == pytest.approx(math.log(2))


def test_nan_propagates_through_activations():
    # activations are plain math and let NaN through (as NumPy/torch do); the losses raise
    assert np.isnan(A.sigmoid(np.nan))
    assert np.isnan(A.softmax(np.array([0.0, np.nan]))).all()


# ---------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "step"])
def test_derivative_matches_central_difference(name):
    fn, grad = A.get(name)
    x = np.random.default_rng(1).uniform(-4, 4, size=50)
    x = x[np.abs(x) > 1e-3]  # stay away from the kink of relu/leaky relu/step
    numeric = numerical_gradient(lambda v: float(np.sum(fn(v))), x.copy())  # elementwise: grad of the sum
    assert relative_error(grad(x), numeric) < 1e-7


def test_softmax_jacobian_against_finite_differences():
    # d softmax_i / dz_j = s_i (delta_ij - s_j)
    z = np.random.default_rng(2).standard_normal(5)
    s = A.softmax(z)
    jacobian = np.diag(s) - np.outer(s, s)
    for i in range(5):
        numeric = numerical_gradient(lambda v: float(A.softmax(v)[i]), z.copy())
        assert relative_error(jacobian[i], numeric) < 1e-7
    # and d logsumexp/dz = softmax(z)
    assert relative_error(numerical_gradient(lambda v: float(A.logsumexp(v)), z.copy()), s) < 1e-7


# ---------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_float32_in_float32_out(name):
    fn = getattr(A, name)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    assert fn(x).dtype == np.float32
    if name in ELEMENTWISE:
        assert getattr(A, name + "_grad")(x).dtype == np.float32


def test_leaky_relu_keeps_float32_with_numpy_float64_slope():
    x = np.array([-1.0, 1.0], dtype=np.float32)
    assert A.leaky_relu(x, np.float64(0.1)).dtype == np.float32
    assert A.leaky_relu_grad(x, np.float64(0.1)).dtype == np.float32


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_integer_input_becomes_float64(name):
    assert getattr(A, name)(np.array([[1, -2, 3]])).dtype == np.float64


# ---------------------------------------------------------------------------- stability
EXTREMES = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ALL_FUNCTIONS + [n + "_grad" for n in ELEMENTWISE])
def test_no_overflow_at_extreme_inputs(name, dtype):
    x = EXTREMES.astype(dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = getattr(A, name)(x)
    assert np.all(np.isfinite(out))


def test_extreme_values_are_right():
    assert A.sigmoid(1e4) == 1.0 and A.sigmoid(-1e4) == 0.0
    np.testing.assert_array_equal(A.softmax(EXTREMES[0]), [1, 0, 0])
    np.testing.assert_allclose(A.softmax(EXTREMES[1]), [1 / 3] * 3)
    np.testing.assert_allclose(A.log_softmax(EXTREMES[0]), [0, -2e4, -1e4])
    assert A.logsumexp(EXTREMES[2]) == pytest.approx(1e4 + math.log(2))


finite_rows = arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(1, 6)),
    elements=st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None)
@given(finite_rows)
def test_softmax_rows_sum_to_one(x):
    s = A.softmax(x)
    assert np.all(s >= 0) and np.all(s <= 1)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(A.log_softmax(x)), s, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(finite_rows, st.floats(-1e3, 1e3, allow_nan=False))
def test_softmax_is_shift_invariant(x, c):
    np.testing.assert_allclose(A.softmax(x + c), A.softmax(x), atol=1e-9)
    np.testing.assert_allclose(A.logsumexp(x + c), A.logsumexp(x) + c, rtol=1e-12, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(finite_rows)
def test_all_outputs_finite_without_warnings(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ALL_FUNCTIONS:
            assert np.all(np.isfinite(getattr(A, name)(x)))
        s = A.sigmoid(x)
        assert np.all((s >= 0) & (s <= 1))


# ---------------------------------------------------------------------------- registry and bad input
def test_registry_and_get():
    assert set(A.ACTIVATIONS) == {"step", "sigmoid", "tanh", "relu", "leaky_relu", "identity"}
    assert A.get("relu") == (A.relu, A.relu_grad)
    assert A.get("Leaky-ReLU") == (A.leaky_relu, A.leaky_relu_grad)


def test_unknown_activation_lists_choices():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu.*sigmoid"):
        A.get("swish")
    with pytest.raises(TypeError, match="activation name must be a string, got int 3; choose one of"):
        A.get(3)


@pytest.mark.parametrize("name", ALL_FUNCTIONS + [n + "_grad" for n in ELEMENTWISE])
def test_non_numeric_input_is_rejected(name):
    with pytest.raises(ValueError, match="must be numeric"):
        getattr(A, name)(np.array(["a", "b"]))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_empty_axis_is_rejected(name):
    with pytest.raises(ValueError, match=r"at least one value along axis -1, got shape \(3, 0\)"):
        getattr(A, name)(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="at least one value"):
        A.logsumexp(np.zeros((0,)), axis=None)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_missing_axis_is_rejected(name):
    with pytest.raises(ValueError, match="axis 1 does not exist for an array of shape \\(3,\\)"):
        getattr(A, name)(np.zeros(3), axis=1)
    with pytest.raises(ValueError, match="axis -1 does not exist"):
        getattr(A, name)(np.float64(2.0))


def test_functions_accept_empty_batches():
    assert A.sigmoid(np.zeros((0, 3))).shape == (0, 3)
    assert A.softmax(np.zeros((0, 3))).shape == (0, 3)
    assert A.logsumexp(np.zeros((0, 3))).shape == (0,)
