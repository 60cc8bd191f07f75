"""nbcode against PyTorch on the same float64 model and data: outputs, losses, every gradient.

What a reader learns here should transfer exactly, so "the same as torch" is asserted, not claimed.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from nbcode import activations as A  # noqa: E402
from nbcode import losses as L  # noqa: E402
from nbcode.gradcheck import relative_error  # noqa: E402
from nbcode.layers import (  # noqa: E402
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
from nbcode.network import mlp  # noqa: E402

RTOL = 1e-9


def assert_same(ours, theirs, rtol=RTOL):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape
    assert relative_error(ours, theirs) < rtol
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-15)


def to_torch(net) -> "torch.nn.Sequential":
    """The same network in torch, with copies of nbcode's parameters (W is stored transposed there)."""
    modules = []
    for layer in net:
        if isinstance(layer, Linear):
            m = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None, dtype=torch.float64)
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
                if layer.bias is not None:
                    m.bias.copy_(torch.from_numpy(layer.bias.data))
        elif isinstance(layer, BatchNorm1d):
            m = torch.nn.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum, dtype=torch.float64)
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(layer.weight.data))
                m.bias.copy_(torch.from_numpy(layer.bias.data))
                m.running_mean.copy_(torch.from_numpy(layer.running_mean))
                m.running_var.copy_(torch.from_numpy(layer.running_var))
        elif isinstance(layer, LeakyReLU):
            m = torch.nn.LeakyReLU(layer.negative_slope)
        elif isinstance(layer, Dropout):
            m = torch.nn.Dropout(layer.p)
        else:
            m = {ReLU: torch.nn.ReLU, Tanh: torch.nn.Tanh, Sigmoid: torch.nn.Sigmoid, Identity: torch.nn.Identity}[type(layer)]()
        modules.append(m)
    return torch.nn.Sequential(*modules).train(net.training)


def compare_gradients(net, tnet):
    tparams = dict(tnet.named_parameters())
    names = [n for n, _ in net.named_parameters()]
    assert names == list(tparams)  # same names, same order as torch's
    for name, p in net.named_parameters():
        tgrad = tparams[name].grad
        assert_same(p.grad, tgrad.T if p.grad.ndim == 2 else tgrad)


VARIANTS = {
    "relu": dict(activation="relu"),
    "tanh": dict(activation="tanh"),
    "relu_batchnorm": dict(activation="relu", batchnorm=True),
    "tanh_batchnorm": dict(activation="tanh", batchnorm=True),
    "leaky_relu": dict(activation="leaky_relu"),
    "relu_dropout_eval": dict(activation="relu", dropout=0.5),
    "tanh_batchnorm_dropout_eval": dict(activation="tanh", batchnorm=True, dropout=0.3),
}


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 4)) * [1.0, 2.0, 0.5, 3.0] + [0.0, 1.0, -2.0, 0.5], rng.integers(0, 3, 32)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("variant", VARIANTS)
def test_mlp_forward_loss_and_gradients_match_torch(variant, label_smoothing, batch):
    x, y = batch
    options = VARIANTS[variant]
    net = mlp([4, 16, 16, 3], rng=1, **options)
    if options.get("dropout"):
        if options.get("batchnorm"):  # non-trivial running statistics for eval mode
            for _ in range(3):
                net.forward(x)
        net.eval()
    tnet = to_torch(net)

    loss = SoftmaxCrossEntropy(label_smoothing=label_smoothing)
    out = net.forward(x)
    value = loss.forward(out, y)
    dx = net.backward(loss.backward())

    xt = torch.tensor(x, requires_grad=True)
    tout = tnet(xt)
    tvalue = torch.nn.functional.cross_entropy(tout, torch.from_numpy(y), label_smoothing=label_smoothing)
    tvalue.backward()

    assert_same(out, tout)
    assert value == pytest.approx(tvalue.item(), rel=RTOL)
    assert_same(dx, xt.grad)
    compare_gradients(net, tnet)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_training_steps_and_batchnorm_running_stats_match_torch(activation):
    rng = np.random.default_rng(2)
    net = mlp([4, 16, 16, 3], activation, rng=3, batchnorm=True)
    tnet = to_torch(net)
    lr = 0.1
    for _ in range(5):  # train mode: batch statistics, running averages updated each step
        x, y = rng.standard_normal((16, 4)) * 2 + 1, rng.integers(0, 3, 16)
        loss = SoftmaxCrossEntropy()
        loss.forward(net.forward(x), y)
        net.backward(loss.backward())
        for p in net.parameters():
            p.data -= lr * p.grad

        tnet.zero_grad()
        torch.nn.functional.cross_entropy(tnet(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        with torch.no_grad():
            for p in tnet.parameters():
                p -= lr * p.grad

    for ours, theirs in ((net[1], tnet[1]), (net[4], tnet[4])):
        assert_same(ours.running_mean, theirs.running_mean)
        assert_same(ours.running_var, theirs.running_var)
    tparams = dict(tnet.named_parameters())
    for name, p in net.named_parameters():
        assert_same(p.data, tparams[name].T if p.data.ndim == 2 else tparams[name])
    x = rng.standard_normal((8, 4))
    assert_same(net.predict(x), tnet.eval()(torch.from_numpy(x)))


def test_batchnorm_cumulative_average_matches_torch():
    rng = np.random.default_rng(4)
    ours, theirs = BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None, dtype=torch.float64)
    for _ in range(6):
        x = rng.standard_normal((5, 3)) * 3 - 1
        ours.forward(x)
        theirs(torch.from_numpy(x))
    assert ours.num_batches_tracked == int(theirs.num_batches_tracked)
    assert_same(ours.running_mean, theirs.running_mean)
    assert_same(ours.running_var, theirs.running_var)


def test_loss_functions_match_torch():
    rng = np.random.default_rng(4)
    z = 3 * rng.standard_normal((10, 4))
    t01 = rng.uniform(0, 1, (10, 4))
    q = A.softmax(rng.standard_normal((10, 4)))
    zt, tt, qt = (torch.from_numpy(a) for a in (z, t01, q))
    F = torch.nn.functional
    assert L.mse(z, t01) == pytest.approx(F.mse_loss(zt, tt).item(), rel=RTOL)
    assert L.binary_cross_entropy(A.sigmoid(z), t01) == pytest.approx(F.binary_cross_entropy(torch.sigmoid(zt), tt).item(), rel=RTOL)
    assert L.binary_cross_entropy_with_logits(z, t01) == pytest.approx(F.binary_cross_entropy_with_logits(zt, tt).item(), rel=RTOL)
    for ls in (0.0, 0.3):
        assert L.softmax_cross_entropy(z, q, ls) == pytest.approx(F.cross_entropy(zt, qt, label_smoothing=ls).item(), rel=RTOL)


@pytest.mark.parametrize(
    "ours, theirs, target",
    [
        (MSELoss, torch.nn.MSELoss, "real"),
        (BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, "binary"),
        (SoftmaxCrossEntropy, torch.nn.CrossEntropyLoss, "probabilities"),
    ],
)
def test_loss_layer_gradients_match_torch(ours, theirs, target):
    rng = np.random.default_rng(5)
    z = 2 * rng.standard_normal((6, 3))
    t = {"real": rng.standard_normal((6, 3)), "binary": rng.integers(0, 2, (6, 3)) * 1.0, "probabilities": A.softmax(rng.standard_normal((6, 3)))}[target]
    layer = ours()
    value = layer.forward(z, t)
    zt = torch.tensor(z, requires_grad=True)
    tvalue = theirs()(zt, torch.from_numpy(t))
    tvalue.backward()
    assert value == pytest.approx(tvalue.item(), rel=RTOL)
    assert_same(layer.backward(), zt.grad)


def test_activations_match_torch_including_extremes():
    x = np.concatenate([np.linspace(-50, 50, 41), [-1e4, 1e4, 0.0]]).reshape(4, 11)
    xt = torch.from_numpy(x)
    assert_same(A.sigmoid(x), torch.sigmoid(xt))
    assert_same(A.tanh(x), torch.tanh(xt))
    assert_same(A.relu(x), torch.relu(xt))
    assert_same(A.leaky_relu(x, 0.1), torch.nn.functional.leaky_relu(xt, 0.1))
    assert_same(A.softmax(x), torch.softmax(xt, dim=-1))
    assert_same(A.log_softmax(x), torch.log_softmax(xt, dim=-1))
    assert_same(A.logsumexp(x), torch.logsumexp(xt, dim=-1))


# ------------------------------------------------------------------ optimizers: torch's shape and maximize

from nbcode import optim  # noqa: E402
from nbcode.parameter import Parameter  # noqa: E402

OPTIMIZER_CONFIGS = [
    ("SGD", dict(lr=0.05, maximize=True)),
    ("SGD", dict(lr=0.02, momentum=0.9, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.02, momentum=0.8, nesterov=True, weight_decay=0.05, maximize=True)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, maximize=True)),
    ("RMSprop", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.5, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.02, maximize=True)),
    ("Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.02, maximize=True)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("SGD", dict(lr=0.02, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
]


def optimizer_pair(cls_name, kw):
    """The same optimizer in nbcode and in torch over two float64 parameters with equal starts."""
    rng = np.random.default_rng(8)
    start = [0.5 * rng.standard_normal((3, 2)), 0.5 * rng.standard_normal(2)]
    ours = [Parameter(a) for a in start]
    theirs = [torch.tensor(a, requires_grad=True) for a in start]
    return ours, getattr(optim, cls_name)(ours, **kw), theirs, getattr(torch.optim, cls_name)(theirs, **kw)


def concave_grad(arrays, noise):
    """Gradient of f(p) = -sum(c * p^2) / 2 + noise . p, a concave function for maximize to climb."""
    c = np.geomspace(0.3, 5.0, 8)
    flat = np.concatenate([a.ravel() for a in arrays])
    g = -c * flat + noise
    return [g[:6].reshape(3, 2), g[6:]]


@pytest.mark.parametrize("cls_name, kw", OPTIMIZER_CONFIGS)
def test_optimizer_trajectory_with_maximize_matches_torch(cls_name, kw):
    ours, opt, theirs, topt = optimizer_pair(cls_name, kw)
    noise = np.random.default_rng(9).standard_normal((60, 8))
    sign = 1.0 if kw.get("maximize") else -1.0  # without maximize, descend on -f (the same climb)
    for t in range(60):
        for ps, tensor in ((ours, False), (theirs, True)):
            arrays = [p.detach().numpy() for p in ps] if tensor else [p.data for p in ps]
            for p, g in zip(ps, concave_grad(arrays, noise[t])):
                if tensor:
                    p.grad = torch.from_numpy(sign * g)
                else:
                    p.grad[...] = sign * g
        opt.step()
        topt.step()
    for p, tp in zip(ours, theirs):
        assert_same(p.data, tp)


@pytest.mark.parametrize("cls_name, kw", OPTIMIZER_CONFIGS)
def test_param_groups_and_state_have_torch_shape(cls_name, kw):
    ours, opt, theirs, topt = optimizer_pair(cls_name, kw)
    rng = np.random.default_rng(10)
    for _ in range(3):
        for p, tp in zip(ours, theirs):
            g = rng.standard_normal(p.shape)
            p.grad[...] = g
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    # one group, "params" first, and every nbcode hyperparameter is a torch one with torch's value
    assert len(opt.param_groups) == len(topt.param_groups) == 1
    group, tgroup = opt.param_groups[0], topt.param_groups[0]
    assert list(group)[0] == list(tgroup)[0] == "params"
    assert [p.shape for p in group["params"]] == [tuple(tp.shape) for tp in tgroup["params"]]
    assert {k: group[k] for k in group if k != "params"} == {k: tgroup[k] for k in group if k != "params"}
    # state keyed by the parameter objects, holding torch's buffers under torch's names
    assert list(opt.state) == ours
    for p, tp in zip(group["params"], tgroup["params"]):
        state, tstate = opt.state[p], topt.state.get(tp, {})  # plain SGD keeps nothing in torch
        assert {k for k in state if not k.startswith("scratch")} == set(tstate)
        for name, tvalue in tstate.items():
            if name == "step":
                assert state["step"] == tvalue.item() == 3
            else:
                assert_same(state[name], tvalue)
