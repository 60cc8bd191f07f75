"""Gradient checking itself: finite differences, the error measure, and that checks catch bugs."""

import numpy as np
import pytest

from nbcode.gradcheck import check_layer, check_model, numerical_gradient, relative_error
from nbcode.layers import BatchNorm1d, Dropout, Layer, Linear, ReLU, SoftmaxCrossEntropy
from nbcode.network import Sequential, mlp


# ---------------------------------------------------------------------------- numerical_gradient
def test_central_difference_of_a_quadratic_is_exact_up_to_rounding():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8)  # central differences are exact for quadratics
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored


def test_forward_difference_is_first_order():
    x = np.array([1.0])
    f = lambda v: float(np.exp(v[0]))  # noqa: E731
    for eps in (1e-3, 1e-4):
        forward_err = abs(numerical_gradient(f, x, eps, method="forward")[0] - np.e)
        central_err = abs(numerical_gradient(f, x, eps, method="central")[0] - np.e)
        assert forward_err == pytest.approx(np.e * eps / 2, rel=0.01)  # error ~ f''(x) h / 2
        assert central_err < np.e * eps**2  # error ~ f'''(x) h^2 / 6
    assert x[0] == 1.0


def test_numerical_gradient_through_a_parameter_closure():
    w = np.array([2.0, -1.0])
    data = np.array([3.0, 4.0])
    g = numerical_gradient(lambda _: float(w @ data), w)  # f ignores its argument, reads w
    np.testing.assert_allclose(g, data, rtol=1e-9)


def test_numerical_gradient_of_a_scalar_array_and_non_contiguous_view():
    x = np.array(3.0)
    assert numerical_gradient(lambda v: float(v**3), x) == pytest.approx(27.0, rel=1e-8)
    base = np.arange(12.0).reshape(3, 4)
    view = base[:, ::2]  # perturbing a view must reach the base array
    g = numerical_gradient(lambda v: float(np.sum(base**2)), view)
    np.testing.assert_allclose(g, 2 * view, rtol=1e-8)
    np.testing.assert_array_equal(base, np.arange(12.0).reshape(3, 4))


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_gradient_bad_input():
    with pytest.raises(ValueError, match="unknown finite-difference method 'backward'; choose one of: central, forward"):
        numerical_gradient(np.sum, np.ones(2), method="backward")
    with pytest.raises(ValueError, match="x must be a float32/float64 NumPy array .float16 cannot resolve a step of 1e-6.; got list"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(ValueError, match="of dtype int64"):
        numerical_gradient(np.sum, np.array([1, 2]))
    with pytest.raises(ValueError, match=r"eps \(the finite-difference step\) must be a finite number in \(0, inf\)"):
        numerical_gradient(np.sum, np.ones(2), eps=0.0)


# ---------------------------------------------------------------------------- relative_error
def test_relative_error_values():
    assert relative_error([1.0, 2.0], [1.0, 2.1]) == pytest.approx(0.1 / 4.1)  # max|a-b| / max(|a|+|b|)
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error(np.zeros((0,)), np.zeros((0,))) == 0.0
    assert relative_error([1.0], [-1.0]) == 1.0
    assert relative_error(np.float32([1.0]), [1.0]) == 0.0


def test_relative_error_bad_input():
    with pytest.raises(ValueError, match="a of shape \\(2,\\) and b of shape \\(3,\\) must have the same shape"):
        relative_error(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="b contains 1 NaN"):
        relative_error(np.ones(2), [1.0, np.nan])


# ---------------------------------------------------------------------------- check_layer / check_model
class BuggyLinear(Linear):
    """dL/dW off by a factor of 2: the kind of bug a gradient check exists to catch."""

    def backward(self, dout, input_grad=True):
        dx = super().backward(dout, input_grad)
        self.weight.grad *= 2
        return dx


def test_check_layer_catches_a_wrong_backward():
    x = np.random.default_rng(0).standard_normal((5, 3))
    errors = check_layer(BuggyLinear(3, 2, rng=0), x, rng=1)
    assert errors["weight"] > 0.1
    assert errors["x"] < 1e-7 and errors["bias"] < 1e-7


def test_check_model_catches_a_wrong_backward():
    x = np.random.default_rng(0).standard_normal((5, 3))
    net = Sequential(Linear(3, 4, rng=0), ReLU(), BuggyLinear(4, 2, rng=1))
    errors = check_model(net, SoftmaxCrossEntropy(), x, [0, 1, 1, 0, 1])
    assert errors["2.weight"] > 0.1
    # the bug is localised: dL/dx of the buggy layer is right, so everything upstream passes
    assert max(errors["0.weight"], errors["0.bias"], errors["2.bias"], errors["x"]) < 1e-7


def test_check_layer_leaves_input_rng_and_running_stats_as_found():
    x = np.random.default_rng(0).standard_normal((6, 3))
    x_before = x.copy()
    drop = Dropout(0.5, rng=5)
    state = drop.rng.bit_generator.state
    assert check_layer(drop, x, rng=0)["x"] < 1e-7  # only possible if every forward saw the same mask
    assert drop.rng.bit_generator.state == state
    np.testing.assert_array_equal(x, x_before)
    bn = BatchNorm1d(3)
    check_layer(bn, x, rng=0)
    np.testing.assert_array_equal(bn.running_mean, 0)
    np.testing.assert_array_equal(bn.running_var, 1)


def test_check_model_leaves_running_stats_and_rngs_as_found():
    x = np.random.default_rng(0).standard_normal((6, 3))
    net = mlp([3, 4, 2], rng=0, batchnorm=True, dropout=0.5)
    state = net[3].rng.bit_generator.state
    check_model(net, SoftmaxCrossEntropy(), x, [0, 1, 1, 0, 1, 0])
    np.testing.assert_array_equal(net[1].running_mean, 0)
    assert net[3].rng.bit_generator.state == state


def test_check_layer_and_model_require_float64():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="check_layer runs in float64.*float32 parameters \\['weight', 'bias'\\]"):
        check_layer(Linear(3, 2, dtype=np.float32), x)
    with pytest.raises(ValueError, match="got x of dtype float32"):
        check_layer(ReLU(), x.astype(np.float32))
    with pytest.raises(ValueError, match="check_model runs in float64"):
        check_model(mlp([3, 2], dtype=np.float32), SoftmaxCrossEntropy(), x, [0, 1])


def test_check_layer_needs_the_target_of_a_loss_layer():
    with pytest.raises(ValueError, match="is a loss layer; pass its target"):
        check_layer(SoftmaxCrossEntropy(), np.ones((2, 3)))


def test_check_layer_with_a_duck_typed_layer():
    class Square(Layer):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, dout):
            return 2 * self.x * dout

    class Plain:  # no named_parameters: names are indices
        def __init__(self):
            self.inner = Linear(2, 2, rng=0)

        def forward(self, x):
            return self.inner.forward(x)

        def backward(self, dout):
            return self.inner.backward(dout)

        def parameters(self):
            return self.inner.parameters()

    x = np.random.default_rng(1).standard_normal((3, 2))
    assert check_layer(Square(), x, rng=0)["x"] < 1e-7
    errors = check_layer(Plain(), x, rng=0)
    assert set(errors) == {"x", "0", "1"} and max(errors.values()) < 1e-7


def test_check_layer_of_a_loss_layer_checks_the_loss_itself():
    from nbcode.layers import MSELoss

    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    errors = check_layer(MSELoss(), x, target=t)
    assert set(errors) == {"x"} and errors["x"] < 1e-7
