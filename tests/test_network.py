"""Sequential and mlp: composition, parameter order, modes, gradient checks of whole models."""

import numpy as np
import pytest

from nbcode.gradcheck import check_model
from nbcode.layers import (
    BatchNorm1d,
    BCEWithLogitsLoss,
    Dropout,
    Identity,
    LeakyReLU,
    Linear,
    MSELoss,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
)
from nbcode.network import Sequential, mlp


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((8, 4)), rng.integers(0, 3, 8)


def small_net():
    return Sequential(Linear(4, 5, rng=0), ReLU(), Linear(5, 3, rng=1))


# ---------------------------------------------------------------------------- Sequential
def test_sequential_forward_is_composition(data):
    x, _ = data
    net = small_net()
    expected = np.maximum(x @ net[0].weight.data + net[0].bias.data, 0) @ net[2].weight.data + net[2].bias.data
    np.testing.assert_allclose(net.forward(x), expected)
    np.testing.assert_allclose(net(x), expected)


def test_sequential_backward_chains_layers_in_reverse(data):
    x, _ = data
    net = small_net()
    out = net.forward(x)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx = net.backward(dout)
    manual = net[0].backward(net[1].backward(net[2].backward(dout)))
    np.testing.assert_allclose(dx, manual)


def test_backward_without_input_gradient_gives_same_parameter_grads(data):
    x, y = data
    net, loss = small_net(), SoftmaxCrossEntropy()
    loss.forward(net.forward(x), y)
    net.backward(loss.backward())
    grads = [p.grad.copy() for p in net.parameters()]
    assert net.backward(loss.backward(), input_grad=False) is None
    for g, p in zip(grads, net.parameters()):
        np.testing.assert_array_equal(g, p.grad)
    # a network not starting with Linear still returns dL/dx
    net2 = Sequential(Dropout(0.0), Linear(4, 2))
    net2.forward(x)
    assert net2.backward(np.ones((8, 2)), input_grad=False).shape == (8, 4)


def test_parameters_in_stable_order():
    net = Sequential(Linear(4, 5, rng=0), BatchNorm1d(5), ReLU(), Linear(5, 3, rng=1, bias=False))
    params = net.parameters()
    assert params == [net[0].weight, net[0].bias, net[1].weight, net[1].bias, net[3].weight]
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight"]
    assert net.parameters() == params  # same objects every call


def test_nested_sequential_and_named_parameters():
    inner = Sequential(Linear(2, 3), Tanh())
    outer = Sequential(inner, Linear(3, 1))
    assert [n for n, _ in outer.named_parameters()] == ["0.0.weight", "0.0.bias", "1.weight", "1.bias"]
    x = np.ones((2, 2))
    out = outer.forward(x)
    assert outer.backward(np.ones_like(out)).shape == (2, 2)


def test_named_parameters_of_duck_typed_layers():
    class Scale:
        def __init__(self):
            from nbcode.parameter import Parameter

            self.s = Parameter(np.ones(1))

        def forward(self, x):
            return x * self.s.data

        def backward(self, dout):
            return dout * self.s.data

        def parameters(self):
            return [self.s]

    net = Sequential(Scale(), Linear(1, 1))
    assert [n for n, _ in net.named_parameters()] == ["0.0", "1.weight", "1.bias"]
    net.eval()  # a layer without train() is left alone
    assert net.predict(np.ones((1, 1))).shape == (1, 1)


def test_train_eval_propagate_and_predict_restores_modes(data):
    x, _ = data
    net = Sequential(Linear(4, 6, rng=0), BatchNorm1d(6), ReLU(), Dropout(0.5, rng=1), Linear(6, 2, rng=2))
    assert net.eval() is net and not net.training
    assert all(not layer.training for layer in net)
    assert net.train() is net and net.training
    assert all(layer.training for layer in net)
    net.forward(x)  # fill running stats
    a, b = net.predict(x), net.predict(x)
    np.testing.assert_array_equal(a, b)  # eval mode: no dropout noise, running BatchNorm statistics
    net.eval()
    np.testing.assert_array_equal(net.forward(x), a)
    net.train()
    net[3].eval()  # a mixed state is restored exactly
    net.predict(x)
    assert net.training and [layer.training for layer in net] == [True, True, True, False, True]


def test_sequential_container_protocol():
    net = small_net()
    assert len(net) == 3
    assert isinstance(net[1], ReLU)
    head = net[:2]
    assert isinstance(head, Sequential) and len(head) == 2 and head[0] is net[0]
    assert list(net) == net.layers
    assert "(0) Linear(4 -> 5)" in repr(net) and "(1) ReLU()" in repr(net)
    assert repr(Sequential()) == "Sequential()"
    assert Sequential([Linear(2, 2), ReLU()]).layers[1].__class__ is ReLU  # a list is accepted too
    empty = Sequential()
    np.testing.assert_array_equal(empty.forward(np.ones(2)), np.ones(2))
    np.testing.assert_array_equal(empty.backward(np.ones(2)), np.ones(2))


def test_zero_grad(data):
    x, y = data
    net, loss = small_net(), SoftmaxCrossEntropy()
    loss.forward(net.forward(x), y)
    net.backward(loss.backward())
    assert any(p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert not any(p.grad.any() for p in net.parameters())


def test_sequential_rejects_non_layers():
    with pytest.raises(TypeError, match="item 1 .* is not a layer; it needs forward and backward"):
        Sequential(Linear(2, 2), np.tanh)


def test_shape_error_inside_a_network_names_the_layer():
    net = Sequential(Linear(4, 5), ReLU(), Linear(6, 2))
    with pytest.raises(ValueError, match=r"Linear\(6 -> 2\) got input of shape \(3, 5\); expected \(N, 6\)"):
        net.forward(np.ones((3, 4)))


# ---------------------------------------------------------------------------- mlp
def test_mlp_structure():
    net = mlp([64, 128, 64, 10], rng=0)
    assert [type(layer) for layer in net] == [Linear, ReLU, Linear, ReLU, Linear]
    assert [(layer.in_features, layer.out_features) for layer in net if isinstance(layer, Linear)] == [(64, 128), (128, 64), (64, 10)]
    net = mlp([4, 8, 8, 2], "tanh", rng=0, dropout=0.2, batchnorm=True)
    assert [type(layer) for layer in net] == [Linear, BatchNorm1d, Tanh, Dropout, Linear, BatchNorm1d, Tanh, Dropout, Linear]
    # a bias in front of BatchNorm is cancelled by its mean subtraction: left out
    assert net[0].bias is None and net[4].bias is None and net[8].bias is not None
    assert mlp([3, 1]).layers[0].out_features == 1 and len(mlp([3, 1])) == 1


def test_mlp_default_init_depends_on_activation():
    wide = 4000
    relu_w = mlp([wide, 50, 1], "relu", rng=0)[0].weight.data
    tanh_w = mlp([wide, 50, 1], "tanh", rng=0)[0].weight.data
    assert relu_w.std() == pytest.approx(np.sqrt(2 / wide), rel=0.02)  # He
    assert tanh_w.std() == pytest.approx(np.sqrt(2 / (wide + 50)), rel=0.02)  # Xavier
    fixed = mlp([wide, 50, 1], "relu", rng=0, init="normal")[0].weight.data
    assert fixed.std() == pytest.approx(0.01, rel=0.02)


@pytest.mark.parametrize("activation", ["relu", ReLU, LeakyReLU, lambda: ReLU(), lambda: LeakyReLU(0.1), "leaky_relu"])
def test_mlp_he_init_for_every_way_of_naming_the_relu_family(activation):
    # a class or a lambda once got Xavier (the family was read from __name__, "<lambda>", "leakyrelu");
    # fan_in = fan_out, so He (2 / n) and Xavier (2 / 2n) differ by a factor of sqrt(2)
    weight = mlp([1000, 1000, 1], activation, rng=0)[0].weight.data
    assert weight.std() == pytest.approx(np.sqrt(2 / 1000), rel=0.02)


@pytest.mark.parametrize("activation", ["tanh", Tanh, Sigmoid, lambda: Identity()])
def test_mlp_xavier_init_for_the_others_however_named(activation):
    weight = mlp([1000, 1000, 1], activation, rng=0)[0].weight.data
    assert weight.std() == pytest.approx(np.sqrt(2 / 2000), rel=0.02)


def test_mlp_activation_factory_must_make_a_layer():
    with pytest.raises(ValueError, match="the activation factory must return a Layer.*got float"):
        mlp([3, 4, 2], lambda: 0.5)


def test_mlp_reproducible_and_dtype():
    a, b, c = mlp([3, 5, 2], rng=1), mlp([3, 5, 2], rng=1), mlp([3, 5, 2], rng=2)
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.data, pb.data)
    assert not np.array_equal(a[0].weight.data, c[0].weight.data)
    net = mlp([3, 5, 2], rng=0, dtype=np.float32, batchnorm=True, dropout=0.1)
    assert all(p.data.dtype == np.float32 for p in net.parameters())
    out = net.forward(np.ones((4, 3)))
    assert out.dtype == np.float32
    loss = SoftmaxCrossEntropy()
    assert loss.forward(out, [0, 1, 1, 0]).dtype == np.float32
    assert net.backward(loss.backward()).dtype == np.float32


def test_mlp_activation_choices():
    assert isinstance(mlp([2, 3, 1], "leaky_relu")[1], LeakyReLU)
    assert isinstance(mlp([2, 3, 1], "Sigmoid")[1], Sigmoid)
    assert isinstance(mlp([2, 3, 1], "identity")[1], Identity)
    net = mlp([2, 3, 1], lambda: LeakyReLU(0.3))
    assert net[1].negative_slope == 0.3


def test_mlp_bad_arguments():
    with pytest.raises(ValueError, match="at least an input and an output size"):
        mlp([3])
    with pytest.raises(ValueError, match="every size .* must be a positive integer"):
        mlp([3, 0, 2])
    with pytest.raises(ValueError, match="every size .* must be a positive integer"):
        mlp([3, 2.5, 2])
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of: identity, leaky_relu, relu, sigmoid, tanh"):
        mlp([3, 2], "swish")
    with pytest.raises(ValueError, match="activation must be a name or a layer factory"):
        mlp([3, 2], 5)
    with pytest.raises(ValueError, match="dropout \\(a drop probability\\) must be a finite number in \\[0, 1\\)"):
        mlp([3, 2], dropout=1.0)
    with pytest.raises(ValueError, match="unknown initializer"):
        mlp([3, 2], init="orthogonal")


# ---------------------------------------------------------------------------- whole-model gradient checks
MODELS = {
    "relu": dict(activation="relu"),
    "tanh": dict(activation="tanh"),
    "sigmoid": dict(activation="sigmoid"),
    "leaky_relu": dict(activation="leaky_relu"),
    "batchnorm": dict(activation="relu", batchnorm=True),
    "dropout": dict(activation="tanh", dropout=0.3),
    "batchnorm_dropout": dict(activation="relu", batchnorm=True, dropout=0.2),
}


@pytest.mark.parametrize("name", MODELS)
def test_gradient_check_models_with_softmax_cross_entropy(name, data):
    x, y = data
    net = mlp([4, 7, 6, 3], rng=3, **MODELS[name])
    errors = check_model(net, SoftmaxCrossEntropy(label_smoothing=0.1), x, y)
    assert set(errors) == {"x"} | {n for n, _ in net.named_parameters()}
    assert max(errors.values()) < 1e-7, errors


def test_gradient_check_models_with_regression_and_binary_losses(data):
    x, _ = data
    rng = np.random.default_rng(4)
    net = mlp([4, 5, 2], "tanh", rng=5)
    assert max(check_model(net, MSELoss(), x, rng.standard_normal((8, 2))).values()) < 1e-7
    assert max(check_model(net, BCEWithLogitsLoss(), x, rng.integers(0, 2, (8, 2)) * 1.0).values()) < 1e-7


def test_gradient_check_model_in_eval_mode(data):
    x, y = data
    net = mlp([4, 6, 3], rng=6, batchnorm=True, dropout=0.5)
    net.forward(x)
    net.eval()
    assert max(check_model(net, SoftmaxCrossEntropy(), x, y).values()) < 1e-7
