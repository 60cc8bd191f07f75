"""Layers: forward values, backward against finite differences, caches, modes, dtypes, errors."""

import re

import numpy as np
import pytest

from nbcode import activations as A
from nbcode import losses
from nbcode.gradcheck import check_layer, numerical_gradient, relative_error
from nbcode.layers import (
    ACTIVATION_LAYERS,
    AddNode,
    BatchNorm1d,
    BCEWithLogitsLoss,
    Dropout,
    Identity,
    Layer,
    LeakyReLU,
    Linear,
    MSELoss,
    MulNode,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    activation_layer,
)
from nbcode.parameter import Parameter


@pytest.fixture
def x():
    return np.random.default_rng(0).standard_normal((6, 4))


# ---------------------------------------------------------------------------- gradient checks, every layer
LAYER_FACTORIES = {
    "linear": lambda: Linear(4, 3, rng=1),
    "linear_no_bias": lambda: Linear(4, 3, rng=1, bias=False),
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": lambda: LeakyReLU(0.1),
    "identity": Identity,
    "dropout_train": lambda: Dropout(0.4, rng=2),
    "dropout_eval": lambda: Dropout(0.4, rng=2).eval(),
    "batchnorm_train": lambda: BatchNorm1d(4),
    "batchnorm_eval": lambda: _trained_batchnorm().eval(),
}


def _trained_batchnorm():
    bn = BatchNorm1d(4)
    bn.weight.data[:] = [0.5, 1.5, -1.0, 2.0]
    bn.bias.data[:] = [0.1, -0.2, 0.3, 0.0]
    rng = np.random.default_rng(3)
    for _ in range(3):
        bn.forward(2 + 3 * rng.standard_normal((8, 4)))
    return bn


@pytest.mark.parametrize("name", LAYER_FACTORIES)
def test_gradient_check_every_layer(name, x):
    layer = LAYER_FACTORIES[name]()
    errors = check_layer(layer, x, rng=10)
    assert set(errors) == {"x"} | {p.name for p in layer.parameters()}
    for key, err in errors.items():
        assert err < 1e-7, (name, key, err)


def test_gradient_check_batchnorm_with_affine_parameters(x):
    bn = _trained_batchnorm()  # training mode, non-trivial gamma and beta
    errors = check_layer(bn, x, rng=11)
    assert max(errors.values()) < 1e-7


@pytest.mark.parametrize("ls", [0.0, 0.1])
def test_gradient_check_softmax_cross_entropy_layer(x, ls):
    labels = np.array([0, 3, 1, 1, 2, 0])
    assert check_layer(SoftmaxCrossEntropy(ls), x, target=labels)["x"] < 1e-7
    rows = A.softmax(np.random.default_rng(4).standard_normal((6, 4)))
    assert check_layer(SoftmaxCrossEntropy(ls), x, target=rows)["x"] < 1e-7


def test_gradient_check_mse_and_bce_layers(x):
    rng = np.random.default_rng(5)
    assert check_layer(MSELoss(), x, target=rng.standard_normal((6, 4)))["x"] < 1e-7
    assert check_layer(BCEWithLogitsLoss(), x, target=rng.integers(0, 2, (6, 4)) * 1.0)["x"] < 1e-7


def test_gradient_check_graph_nodes():
    rng = np.random.default_rng(6)
    a, b, dout = rng.standard_normal(5), rng.standard_normal(5), rng.standard_normal(5)
    for node in (MulNode(), AddNode()):
        node.forward(a, b)
        da, db = node.backward(dout)
        assert relative_error(da, numerical_gradient(lambda v: float(np.sum(node.forward(v, b) * dout)), a.copy())) < 1e-7
        assert relative_error(db, numerical_gradient(lambda v: float(np.sum(node.forward(a, v) * dout)), b.copy())) < 1e-7


# ---------------------------------------------------------------------------- Linear
def test_linear_forward_backward_values():
    layer = Linear(2, 3, init=lambda fi, fo, rng, dtype: np.arange(6, dtype=dtype).reshape(fi, fo))
    layer.bias.data[:] = [1.0, 0.0, -1.0]
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    y = layer.forward(x)
    np.testing.assert_array_equal(y, x @ np.arange(6.0).reshape(2, 3) + [1, 0, -1])
    dout = np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0]])
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, dout @ layer.weight.data.T)  # dL/dx = dout W^T
    np.testing.assert_array_equal(layer.weight.grad, x.T @ dout)  # dL/dW = x^T dout
    np.testing.assert_array_equal(layer.bias.grad, dout.sum(axis=0))  # dL/db = sum over batch


def test_linear_grads_are_written_in_place_and_overwrite(x):
    layer = Linear(4, 3, rng=0)
    wgrad, bgrad = layer.weight.grad, layer.bias.grad
    dout = np.ones((6, 3))
    layer.forward(x)
    layer.backward(dout)
    first = wgrad.copy()
    layer.backward(dout)  # a second backward overwrites, it does not add
    assert layer.weight.grad is wgrad and layer.bias.grad is bgrad
    np.testing.assert_array_equal(wgrad, first)
    layer.zero_grad()
    assert not wgrad.any() and not bgrad.any()


def test_linear_skips_the_input_gradient_on_request(x):
    layer = Linear(4, 3, rng=0)
    layer.forward(x)
    assert layer.backward(np.ones((6, 3)), input_grad=False) is None
    np.testing.assert_allclose(layer.weight.grad, x.T @ np.ones((6, 3)))


def test_linear_parameters_and_init():
    layer = Linear(5, 2, rng=0, init="xavier_uniform")
    assert layer.parameters() == [layer.weight, layer.bias]
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.weight.shape == (5, 2) and layer.bias.shape == (2,)
    assert np.abs(layer.weight.data).max() <= np.sqrt(6 / 7)
    np.testing.assert_array_equal(layer.bias.data, 0)
    assert Linear(5, 2, bias=False).parameters()[0].name == "weight" and len(Linear(5, 2, bias=False).parameters()) == 1
    np.testing.assert_array_equal(Linear(5, 2, rng=7).weight.data, Linear(5, 2, rng=7).weight.data)
    assert repr(layer) == "Linear(5 -> 2)"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_keeps_its_dtype(dtype):
    layer = Linear(4, 3, rng=0, dtype=dtype)
    assert layer.weight.data.dtype == dtype and layer.bias.grad.dtype == dtype
    for x in (np.ones((2, 4), np.float32), np.ones((2, 4), np.float64), [[1, 2, 3, 4]]):
        y = layer.forward(x)  # computed in the layer's dtype
        assert y.dtype == dtype
        assert layer.backward(np.ones(y.shape)).dtype == dtype  # float64 dout is cast too


def test_linear_shape_error_names_layer_and_both_shapes():
    layer = Linear(64, 128)
    with pytest.raises(ValueError, match=re.escape("Linear(64 -> 128) got input of shape (32, 60); expected (N, 64).")):
        layer.forward(np.zeros((32, 60)))
    with pytest.raises(ValueError, match=re.escape("got input of shape (64,); expected (N, 64); for a single sample use x.reshape(1, -1)")):
        layer.forward(np.zeros(64))
    with pytest.raises(ValueError, match=re.escape("Linear(64 -> 128) got an empty batch (shape (0, 64))")):
        layer.forward(np.zeros((0, 64)))


def test_linear_backward_errors():
    layer = Linear(4, 3)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 3)))
    layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=re.escape("Linear(4 -> 3).backward got dout of shape (2, 4); expected (2, 3)")):
        layer.backward(np.ones((2, 4)))


def test_linear_bad_construction():
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        Linear(0, 3)
    with pytest.raises(ValueError, match="out_features must be a positive integer"):
        Linear(3, 2.5)
    with pytest.raises(ValueError, match="unknown initializer 'glorot_magic'"):
        Linear(3, 2, init="glorot_magic")
    with pytest.raises(ValueError, match="init must be an initializer name or a callable"):
        Linear(3, 2, init=0.01)
    with pytest.raises(ValueError, match=re.escape("init returned shape (2, 3); expected (3, 2)")):
        Linear(3, 2, init=lambda fi, fo, rng, dtype: np.zeros((fo, fi)))
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        Linear(3, 2, dtype=np.int64)


def test_linear_rejects_non_numeric_input():
    with pytest.raises(ValueError, match="must be numeric"):
        Linear(2, 1).forward([["a", "b"]])


# ---------------------------------------------------------------------------- activation layers
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
def test_activation_layers_match_functions(name, x):
    fn, grad = A.get(name)
    layer = activation_layer(name)
    np.testing.assert_allclose(layer.forward(x), fn(x), rtol=1e-15)
    dout = np.random.default_rng(1).standard_normal(x.shape)
    np.testing.assert_allclose(layer.backward(dout), dout * grad(x), rtol=1e-14)
    assert layer.parameters() == []


@pytest.mark.parametrize("cls", [Sigmoid, Tanh, ReLU, LeakyReLU, Identity])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_layers_keep_dtype(cls, dtype, x):
    layer = cls()
    xd = x.astype(dtype)
    assert layer.forward(xd).dtype == dtype
    assert layer.backward(np.ones_like(xd)).dtype == dtype


def test_relu_caches_a_boolean_mask(x):
    layer = ReLU()
    layer.forward(x)
    assert layer.mask.dtype == bool
    np.testing.assert_array_equal(layer.mask, x > 0)


@pytest.mark.parametrize("cls", [Sigmoid, Tanh, ReLU, LeakyReLU, Dropout, BatchNorm1d])
def test_backward_errors(cls):
    layer = cls(3) if cls is BatchNorm1d else cls()
    with pytest.raises(RuntimeError, match=re.escape(f"{layer!r}.backward was called before forward")):
        layer.backward(np.ones((2, 3)))
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("got dout of shape (2, 4); expected (2, 3)")):
        layer.backward(np.ones((2, 4)))


def test_leaky_relu_values_and_bad_slope():
    layer = LeakyReLU(0.2)
    np.testing.assert_allclose(layer.forward(np.array([[-1.0, 2.0]])), [[-0.2, 2.0]])
    np.testing.assert_allclose(layer.backward(np.array([[1.0, 1.0]])), [[0.2, 1.0]])
    assert repr(layer) == "LeakyReLU(negative_slope=0.2)"
    with pytest.raises(ValueError, match="negative_slope must be a finite number, got nan"):
        LeakyReLU(float("nan"))


def test_activation_layer_factory():
    assert isinstance(activation_layer("ReLU"), ReLU)
    assert activation_layer("leaky-relu", negative_slope=0.3).negative_slope == 0.3
    assert set(ACTIVATION_LAYERS) == {"sigmoid", "tanh", "relu", "leaky_relu", "identity"}
    with pytest.raises(ValueError, match="unknown activation 'gelu'; choose one of: identity, leaky_relu, relu, sigmoid, tanh"):
        activation_layer("gelu")
    with pytest.raises(TypeError, match="activation name must be a string"):
        activation_layer(None)


def test_extreme_inputs_stay_finite():
    x = np.array([[1e4, -1e4, 0.0]])
    for layer in (Sigmoid(), Tanh(), ReLU(), LeakyReLU()):
        assert np.all(np.isfinite(layer.forward(x)))
        assert np.all(np.isfinite(layer.backward(np.ones_like(x))))


# ---------------------------------------------------------------------------- Dropout
def test_dropout_inverted_scaling_and_rate():
    layer = Dropout(0.3, rng=0)
    x = np.ones((400, 250))
    y = layer.forward(x)
    kept = y != 0
    assert abs(1 - kept.mean() - 0.3) < 0.01  # about p of the units are dropped
    np.testing.assert_allclose(y[kept], 1 / 0.7)  # survivors scaled by 1 / (1 - p)
    assert abs(y.mean() - 1) < 0.02  # so the expected output equals the input
    dout = np.full(x.shape, 2.0)
    np.testing.assert_array_equal(layer.backward(dout), 2.0 * y)  # backward uses the same mask


def test_dropout_eval_is_identity_and_modes():
    layer = Dropout(0.5, rng=0)
    x = np.arange(6.0).reshape(2, 3)
    assert layer.train() is layer and layer.training
    assert layer.eval() is layer and not layer.training
    assert layer.forward(x) is x
    dout = np.ones((2, 3))
    assert layer.backward(dout) is dout
    assert Dropout(0.0).forward(x) is x


def test_dropout_is_reproducible_with_a_seed_and_varies_between_calls():
    x = np.ones((4, 50))
    a, b = Dropout(0.5, rng=3), Dropout(0.5, rng=3)
    first = a.forward(x)
    np.testing.assert_array_equal(first, b.forward(x))
    assert not np.array_equal(first, a.forward(x))  # a fresh mask each forward


def test_dropout_p_one_drops_everything_and_bad_p():
    layer = Dropout(1.0, rng=0)
    np.testing.assert_array_equal(layer.forward(np.ones((2, 3))), 0)
    np.testing.assert_array_equal(layer.backward(np.ones((2, 3))), 0)
    assert repr(layer) == "Dropout(p=1.0)"
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="probability of dropping a unit"):
            Dropout(p)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_keeps_dtype(dtype):
    layer = Dropout(0.5, rng=0)
    y = layer.forward(np.ones((3, 4), dtype=dtype))
    assert y.dtype == dtype and layer.mask.dtype == dtype
    assert layer.backward(np.ones((3, 4), dtype=dtype)).dtype == dtype
    assert layer.forward(np.ones((3, 4), dtype=np.int64)).dtype == np.float64


# ---------------------------------------------------------------------------- BatchNorm1d
def test_batchnorm_training_normalises_and_updates_running_stats():
    rng = np.random.default_rng(0)
    x = 5 + 2 * rng.standard_normal((10, 3))
    bn = BatchNorm1d(3)
    y = bn.forward(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5), rtol=1e-12)  # biased var
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1))  # unbiased, like torch


def test_batchnorm_momentum_none_keeps_the_cumulative_average_like_torch():
    rng = np.random.default_rng(1)
    xs = [3 + rng.standard_normal((6, 2)) for _ in range(4)]
    bn = BatchNorm1d(2, momentum=None)
    for x in xs:
        bn.forward(x)
    assert bn.num_batches_tracked == 4
    np.testing.assert_allclose(bn.running_mean, np.mean([x.mean(axis=0) for x in xs], axis=0), rtol=1e-12)
    # the first batch replaces the initial running_var of 1 entirely (weight 1/1)
    np.testing.assert_allclose(bn.running_var, np.mean([x.var(axis=0, ddof=1) for x in xs], axis=0), rtol=1e-12)


def test_batchnorm_eval_uses_running_stats():
    bn = BatchNorm1d(2, momentum=1.0)  # momentum 1: running stats = last batch
    x = np.array([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    bn.forward(x)
    bn.weight.data[:] = [2.0, 1.0]
    bn.bias.data[:] = [0.5, 0.0]
    bn.eval()
    y = bn.forward(np.array([[3.0, 30.0]]))  # a batch of one is fine in eval mode
    expected = (np.array([3.0, 30.0]) - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + 1e-5) * [2.0, 1.0] + [0.5, 0.0]
    np.testing.assert_allclose(y[0], expected)
    before = bn.running_mean.copy()
    bn.forward(np.ones((4, 2)))
    np.testing.assert_array_equal(bn.running_mean, before)  # eval does not update


def test_batchnorm_running_stats_keep_their_arrays():
    bn = BatchNorm1d(2)
    mean_ref, var_ref = bn.running_mean, bn.running_var
    bn.forward(np.random.default_rng(0).standard_normal((5, 2)))
    assert bn.running_mean is mean_ref and bn.running_var is var_ref


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batchnorm_keeps_dtype(dtype):
    bn = BatchNorm1d(3, dtype=dtype)
    y = bn.forward(np.random.default_rng(0).standard_normal((4, 3)))  # float64 input cast to the layer's dtype
    assert y.dtype == dtype and bn.running_var.dtype == dtype
    assert bn.backward(np.ones((4, 3))).dtype == dtype
    assert bn.forward([[1, 2, 3], [4, 5, 6]]).dtype == dtype


def test_batchnorm_errors():
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match=re.escape("BatchNorm1d(3) got input of shape (4, 2); expected (N, 3)")):
        bn.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="expected \\(N, 3\\) with N >= 1"):
        bn.forward(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="needs a batch of at least 2 samples"):
        bn.forward(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        BatchNorm1d(0)
    with pytest.raises(ValueError, match=re.escape("eps must be a finite number in (0, inf)")):
        BatchNorm1d(3, eps=0)
    with pytest.raises(ValueError, match=re.escape("momentum must be a finite number in [0, 1]")):
        BatchNorm1d(3, momentum=1.5)
    with pytest.raises(TypeError, match="BatchNorm1d: momentum must be a number, got str"):
        BatchNorm1d(3, momentum="0.1")
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]


# ---------------------------------------------------------------------------- loss layers
def test_softmax_cross_entropy_layer_matches_functions(x):
    labels = np.array([0, 3, 1, 1, 2, 0])
    for ls in (0.0, 0.2):
        layer = SoftmaxCrossEntropy(label_smoothing=ls)
        assert layer.forward(x, labels) == pytest.approx(losses.softmax_cross_entropy(x, labels, ls), rel=1e-14)
        np.testing.assert_allclose(layer.probs, A.softmax(x), rtol=1e-14)
        np.testing.assert_allclose(layer.backward(), losses.softmax_cross_entropy_grad(x, labels, ls), rtol=1e-14)
        np.testing.assert_allclose(layer.backward(3.0), 3.0 * losses.softmax_cross_entropy_grad(x, labels, ls), rtol=1e-14)
        np.testing.assert_allclose(layer.backward(), layer.backward())  # backward does not consume the cache
    assert repr(SoftmaxCrossEntropy(0.1)) == "SoftmaxCrossEntropy(label_smoothing=0.1)"


def test_mse_and_bce_layers_match_functions(x):
    t = np.random.default_rng(2).uniform(0, 1, x.shape)
    mse = MSELoss()
    assert mse(x, t) == pytest.approx(losses.mse(x, t))
    np.testing.assert_allclose(mse.backward(), losses.mse_grad(x, t))
    np.testing.assert_allclose(mse.backward(0.5), 0.5 * losses.mse_grad(x, t))
    bce = BCEWithLogitsLoss()
    assert bce(x, t) == pytest.approx(losses.binary_cross_entropy_with_logits(x, t))
    np.testing.assert_allclose(bce.backward(), losses.binary_cross_entropy_with_logits_grad(x, t))


@pytest.mark.parametrize("loss", [SoftmaxCrossEntropy(), MSELoss(), BCEWithLogitsLoss()])
def test_loss_layers_keep_float32(loss):
    z = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 2, 1, 1]) if isinstance(loss, SoftmaxCrossEntropy) else np.ones((4, 3))
    value = loss.forward(z, t)
    assert value.dtype == np.float32
    assert loss.backward().dtype == np.float32
    assert loss.parameters() == []


@pytest.mark.parametrize("loss", [SoftmaxCrossEntropy, MSELoss, BCEWithLogitsLoss])
def test_loss_layers_bad_input(loss):
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        loss().backward()
    z = np.zeros((3, 2))
    bad_t = np.zeros((3, 3))
    with pytest.raises(ValueError, match=re.escape("(3, 2)") + ".*" + re.escape("(3, 3)")):
        loss().forward(z, bad_t)
    with pytest.raises(ValueError, match="empty"):
        loss().forward(np.zeros((0, 2)), np.zeros((0,), int) if loss is SoftmaxCrossEntropy else np.zeros((0, 2)))
    z_nan = z.copy()
    z_nan[0, 0] = np.nan
    good_t = np.array([0, 1, 1]) if loss is SoftmaxCrossEntropy else np.zeros((3, 2))
    with pytest.raises(ValueError, match=f"passed to {loss.__name__} contains 1 NaN"):
        loss().forward(z_nan, good_t)


def test_softmax_cross_entropy_layer_label_errors():
    with pytest.raises(ValueError, match="must lie in 0..1 for 2 classes"):
        SoftmaxCrossEntropy().forward(np.zeros((3, 2)), [0, 1, 2])
    with pytest.raises(ValueError, match="label_smoothing must be a finite number in"):
        SoftmaxCrossEntropy(label_smoothing=2.0)


def test_softmax_cross_entropy_layer_takes_boolean_labels_as_0_and_1():
    z = np.array([[0.5, 3.0], [-1.0, 2.0]])
    as_bool, as_int = SoftmaxCrossEntropy(), SoftmaxCrossEntropy()
    assert as_bool.forward(z, [True, True]) == as_int.forward(z, [1, 1])  # was 1.5486 against 0.0486
    np.testing.assert_array_equal(as_bool.backward(), as_int.backward())
    assert SoftmaxCrossEntropy().forward(np.zeros((3, 2)), np.array([True, False, True])) == pytest.approx(np.log(2))


def test_softmax_cross_entropy_layer_refuses_rows_that_are_not_probabilities():
    with pytest.raises(ValueError, match="SoftmaxCrossEntropy must be probability rows that sum to 1"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 2)), np.ones((2, 2)))


def test_bce_with_logits_layer_refuses_targets_outside_unit_interval():
    with pytest.raises(ValueError, match=r"BCEWithLogitsLoss expects targets in \[0, 1\], got values from 2"):
        BCEWithLogitsLoss().forward(np.zeros((4, 1)), np.full((4, 1), 2.0))  # was 0.693


def test_mse_loss_backward_keeps_float32_for_a_float64_dout():
    loss = MSELoss()
    loss.forward(np.ones((3, 2), dtype=np.float32), np.zeros((3, 2), dtype=np.float32))
    grad = loss.backward(dout=np.float64(1.0))
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, 2.0 / 6)
    assert loss.backward(dout=np.float64(2.0))[0, 0] == np.float32(4.0 / 6)  # the cache is not modified


# ---------------------------------------------------------------------------- computational-graph nodes
def test_shopping_bill_one_fruit():
    # "Deep Learning from Scratch", ch. 5: 2 apples at 100 each, 10% consumption tax
    apple_price, n_apples, tax = 100, 2, 1.1
    mul_apple, mul_tax = MulNode(), MulNode()
    total = mul_tax.forward(mul_apple.forward(apple_price, n_apples), tax)
    assert total == pytest.approx(220)
    d_apple_total, d_tax = mul_tax.backward(1)
    d_apple_price, d_n_apples = mul_apple.backward(d_apple_total)
    assert d_apple_price == pytest.approx(2.2)
    assert d_n_apples == pytest.approx(110)
    assert d_tax == pytest.approx(200)


def test_shopping_bill_two_fruits():
    # 2 apples at 100, 3 oranges at 150, tax 1.1 -> 715
    mul_apple, mul_orange, add, mul_tax = MulNode(), MulNode(), AddNode(), MulNode()
    total = mul_tax(add(mul_apple(100, 2), mul_orange(150, 3)), 1.1)
    assert total == pytest.approx(715)
    d_sum, d_tax = mul_tax.backward(1)
    d_apples, d_oranges = add.backward(d_sum)
    d_apple_price, d_n_apples = mul_apple.backward(d_apples)
    d_orange_price, d_n_oranges = mul_orange.backward(d_oranges)
    assert (d_apple_price, d_n_apples, d_orange_price, d_n_oranges, d_tax) == pytest.approx((2.2, 110, 3.3, 165, 650))
    assert repr(add) == "AddNode()" and repr(mul_tax) == "MulNode()"


def test_mul_node_backward_before_forward():
    with pytest.raises(RuntimeError, match="before forward"):
        MulNode().backward(1.0)


# ---------------------------------------------------------------------------- base class
def test_layer_base_modes_and_repr():
    layer = ReLU()
    assert layer.training
    assert layer.eval() is layer and layer.training is False
    assert layer.train() is layer and layer.training is True
    assert repr(layer) == "ReLU()"
    assert isinstance(layer, Layer)
    assert Layer().parameters() == [] and Layer().named_parameters() == []


def test_parameters_are_parameters():
    for layer in (Linear(3, 2), BatchNorm1d(2)):
        assert all(isinstance(p, Parameter) for p in layer.parameters())
