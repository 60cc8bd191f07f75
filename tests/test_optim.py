"""Tests of nbcode.optim: update rules worked by hand, equality with torch.optim, schedules, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbcode import optim
from nbcode.parameter import Parameter


def run(opt_cls, p0, grad_fn, steps, **kw):
    """Positions after each of ``steps`` steps of ``opt_cls`` on one scalar-like parameter."""
    p = Parameter(np.array(p0, dtype=np.float64))
    opt = opt_cls([p], **kw)
    out = []
    for _ in range(steps):
        p.grad[...] = grad_fn(p.data)
        opt.step()
        out.append(p.data.copy())
    return np.array(out)


def fixed_grads(*gs):
    """A gradient function that ignores p and returns gs[0], gs[1], ... in turn (a linear loss per step)."""
    it = iter(gs)
    return lambda p: next(it)


def square(p):
    """Gradient of f(p) = p^2."""
    return 2 * p


# ------------------------------------------------------------------ update rules by hand


def test_sgd_plain_by_hand():
    # f = p^2, g = 2p, lr = 0.1: p <- p - 0.2 p = 0.8 p: 1 -> 0.8 -> 0.64 -> 0.512
    np.testing.assert_allclose(run(optim.SGD, [1.0], square, 3, lr=0.1)[:, 0], [0.8, 0.64, 0.512], rtol=1e-15)


def test_sgd_momentum_by_hand():
    # m = 0.9, lr = 0.1, f = p^2
    # t=1: g = 2,    buf = g = 2 (first gradient, undamped),   p = 1 - 0.1*2 = 0.8
    # t=2: g = 1.6,  buf = 0.9*2 + 1.6 = 3.4,                   p = 0.8 - 0.34 = 0.46
    # t=3: g = 0.92, buf = 0.9*3.4 + 0.92 = 3.98,               p = 0.46 - 0.398 = 0.062
    path = run(optim.SGD, [1.0], square, 3, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(path[:, 0], [0.8, 0.46, 0.062], rtol=1e-13)


def test_sgd_dampening_by_hand():
    # m = 0.9, dampening = 0.5: the first buffer is g itself (torch), later buf = 0.9 buf + 0.5 g
    # t=1: g = 2,    buf = 2,                     p = 0.8
    # t=2: g = 1.6,  buf = 1.8 + 0.8 = 2.6,       p = 0.8 - 0.26 = 0.54
    # t=3: g = 1.08, buf = 2.34 + 0.54 = 2.88,    p = 0.54 - 0.288 = 0.252
    path = run(optim.SGD, [1.0], square, 3, lr=0.1, momentum=0.9, dampening=0.5)
    np.testing.assert_allclose(path[:, 0], [0.8, 0.54, 0.252], rtol=1e-13)


def test_sgd_nesterov_by_hand():
    # t=1: g = 2,    buf = 2,                 d = g + 0.9 buf = 3.8,           p = 1 - 0.38 = 0.62
    # t=2: g = 1.24, buf = 1.8 + 1.24 = 3.04, d = 1.24 + 2.736 = 3.976,        p = 0.62 - 0.3976 = 0.2224
    path = run(optim.SGD, [1.0], square, 2, lr=0.1, momentum=0.9, nesterov=True)
    np.testing.assert_allclose(path[:, 0], [0.62, 0.2224], rtol=1e-13)


def test_sgd_weight_decay_by_hand():
    # g + wd p = 2p + 0.5p = 2.5p; p <- p - 0.1 * 2.5 p = 0.75 p: 1 -> 0.75 -> 0.5625
    np.testing.assert_allclose(run(optim.SGD, [1.0], square, 2, lr=0.1, weight_decay=0.5)[:, 0], [0.75, 0.5625], rtol=1e-15)


def test_adagrad_by_hand():
    # gradients 3 then 4, lr = 1, eps = 0
    # t=1: sum = 9,  p = 0 - 3/3 = -1
    # t=2: sum = 25, p = -1 - 4/5 = -1.8
    path = run(optim.Adagrad, [0.0], fixed_grads(3.0, 4.0), 2, lr=1.0, eps=0.0)
    np.testing.assert_allclose(path[:, 0], [-1.0, -1.8], rtol=1e-15)


def test_adagrad_lr_decay_by_hand():
    # clr = lr / (1 + (t - 1) lr_decay): t=1 -> 1, t=2 -> 1 / (1 + 1) = 0.5
    # t=2: p = -1 - 0.5 * 4/5 = -1.4
    path = run(optim.Adagrad, [0.0], fixed_grads(3.0, 4.0), 2, lr=1.0, lr_decay=1.0, eps=0.0)
    np.testing.assert_allclose(path[:, 0], [-1.0, -1.4], rtol=1e-15)


def test_adagrad_initial_accumulator_by_hand():
    # sum starts at 16: t=1: sum = 25, p = -3/5 = -0.6; t=2: sum = 41, p = -0.6 - 4/sqrt(41)
    path = run(optim.Adagrad, [0.0], fixed_grads(3.0, 4.0), 2, lr=1.0, eps=0.0, initial_accumulator_value=16.0)
    np.testing.assert_allclose(path[:, 0], [-0.6, -0.6 - 4 / math.sqrt(41)], rtol=1e-15)


def test_adagrad_eps_added_after_sqrt():
    # sum = 9, denominator sqrt(9) + eps = 3 + 1 = 4: p = -3/4
    path = run(optim.Adagrad, [0.0], fixed_grads(3.0), 1, lr=1.0, eps=1.0)
    assert path[0, 0] == pytest.approx(-0.75, rel=1e-15)


def test_rmsprop_by_hand():
    # alpha = 0.5, lr = 0.1, eps = 0, gradients 3 then 4
    # t=1: v = 0.5*9 = 4.5,          p = -0.1 * 3/sqrt(4.5) = -0.1 sqrt(2)
    # t=2: v = 2.25 + 0.5*16 = 10.25, p = -0.1 sqrt(2) - 0.1 * 4/sqrt(10.25)
    path = run(optim.RMSprop, [0.0], fixed_grads(3.0, 4.0), 2, lr=0.1, alpha=0.5, eps=0.0)
    p1 = -0.1 * math.sqrt(2)
    np.testing.assert_allclose(path[:, 0], [p1, p1 - 0.4 / math.sqrt(10.25)], rtol=1e-14)


def test_rmsprop_centered_by_hand():
    # gbar: t=1: 0.5*3 = 1.5, var = 4.5 - 1.5^2 = 2.25, p = -0.1 * 3/1.5 = -0.2
    #       t=2: 0.75 + 2 = 2.75, var = 10.25 - 2.75^2 = 2.6875, p = -0.2 - 0.4/sqrt(2.6875)
    path = run(optim.RMSprop, [0.0], fixed_grads(3.0, 4.0), 2, lr=0.1, alpha=0.5, eps=0.0, centered=True)
    np.testing.assert_allclose(path[:, 0], [-0.2, -0.2 - 0.4 / math.sqrt(2.6875)], rtol=1e-14)


def test_rmsprop_momentum_by_hand():
    # buf <- 0.9 buf + g / sqrt(v): t=1: buf = 3/sqrt(4.5) = sqrt(2), p = -0.1 sqrt(2)
    #                               t=2: buf = 0.9 sqrt(2) + 4/sqrt(10.25), p -= 0.1 buf
    path = run(optim.RMSprop, [0.0], fixed_grads(3.0, 4.0), 2, lr=0.1, alpha=0.5, eps=0.0, momentum=0.9)
    buf2 = 0.9 * math.sqrt(2) + 4 / math.sqrt(10.25)
    np.testing.assert_allclose(path[:, 0], [-0.1 * math.sqrt(2), -0.1 * math.sqrt(2) - 0.1 * buf2], rtol=1e-14)


def test_adam_by_hand():
    # betas = (0.5, 0.5), lr = 0.1, eps = 0, gradients 3 then 4
    # t=1: m = 1.5, v = 4.5; m_hat = 1.5/0.5 = 3, v_hat = 4.5/0.5 = 9; p = -0.1 * 3/3 = -0.1
    # t=2: m = 0.75 + 2 = 2.75, v = 2.25 + 8 = 10.25; 1 - 0.5^2 = 0.75 for both corrections
    #      p = -0.1 - 0.1 * (2.75/0.75) / sqrt(10.25/0.75)
    path = run(optim.Adam, [0.0], fixed_grads(3.0, 4.0), 2, lr=0.1, betas=(0.5, 0.5), eps=0.0)
    np.testing.assert_allclose(path[:, 0], [-0.1, -0.1 - 0.1 * (2.75 / 0.75) / math.sqrt(10.25 / 0.75)], rtol=1e-14)


def test_adam_eps_sits_after_bias_correction():
    # torch: denom = sqrt(v)/sqrt(1 - beta2^t) + eps = 3 + 1 = 4 at t=1 -> p = -0.1 * 3/4 = -0.075.
    # (eps inside, (sqrt(v) + eps)/sqrt(1 - beta2), would give -0.1 * 3 / 4.414... instead.)
    path = run(optim.Adam, [0.0], fixed_grads(3.0), 1, lr=0.1, betas=(0.5, 0.5), eps=1.0)
    assert path[0, 0] == pytest.approx(-0.075, rel=1e-15)


def test_adam_amsgrad_by_hand():
    # gradients 4 then 1, betas (0.5, 0.5): t=1: m = 2, v = 8, p = -0.1
    # t=2: m = 1 + 0.5 = 1.5, v = 4 + 0.5 = 4.5 but vmax = 8 is used:
    #      amsgrad: p = -0.1 - 0.1 * (1.5/0.75) / sqrt(8/0.75); plain: ... / sqrt(4.5/0.75)
    ams = run(optim.Adam, [0.0], fixed_grads(4.0, 1.0), 2, lr=0.1, betas=(0.5, 0.5), eps=0.0, amsgrad=True)
    plain = run(optim.Adam, [0.0], fixed_grads(4.0, 1.0), 2, lr=0.1, betas=(0.5, 0.5), eps=0.0)
    assert ams[1, 0] == pytest.approx(-0.1 - 0.1 * 2 / math.sqrt(8 / 0.75), rel=1e-14)
    assert plain[1, 0] == pytest.approx(-0.1 - 0.1 * 2 / math.sqrt(6.0), rel=1e-14)


def test_adam_l2_versus_adamw_decoupled_by_hand():
    # p0 = 2, gradient 3, wd = 0.5, lr = 0.1, betas (0.5, 0.5), eps = 0.
    # Adam (L2):  g = 3 + 0.5*2 = 4 enters m and v; the first Adam step is -lr*sign(g): p = 1.9
    # AdamW:      p <- 2 * (1 - 0.1*0.5) = 1.9, then the Adam step of g = 3: p = 1.8
    adam = run(optim.Adam, [2.0], fixed_grads(3.0), 1, lr=0.1, betas=(0.5, 0.5), eps=0.0, weight_decay=0.5)
    adamw = run(optim.AdamW, [2.0], fixed_grads(3.0), 1, lr=0.1, betas=(0.5, 0.5), eps=0.0, weight_decay=0.5)
    assert adam[0, 0] == pytest.approx(1.9, rel=1e-15)
    assert adamw[0, 0] == pytest.approx(1.8, rel=1e-15)


def test_adamw_default_weight_decay():
    p = Parameter(np.ones(2))
    assert optim.AdamW([p]).param_groups[0]["weight_decay"] == 1e-2
    assert optim.Adam([p]).param_groups[0]["weight_decay"] == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=1e-3, max_value=1e3) | st.floats(min_value=-1e3, max_value=-1e-3), min_size=1, max_size=6),
       st.floats(min_value=1e-4, max_value=1.0))
def test_adam_first_step_moves_every_coordinate_by_lr(grad, lr):
    # m_hat = g and v_hat = g^2 at t=1, so the step is lr * g / (|g| + eps) ~ lr * sign(g)
    p = Parameter(np.zeros(len(grad)))
    p.grad[...] = grad
    optim.Adam([p], lr=lr, eps=0.0).step()
    np.testing.assert_allclose(p.data, -lr * np.sign(grad), rtol=1e-12)


# ------------------------------------------------------------------ momentum, two ways


def test_momentum_as_in_the_notes_equals_torch_form():
    """v <- a v - lr g, p <- p + v  (source notes)  ==  buf <- m buf + g, p <- p - lr buf (torch).

    With v_0 = 0, v_t = -lr buf_t by induction, so the two give one trajectory (dampening = 0,
    constant lr). Checked on an ill-conditioned quadratic plus a nonlinear term.
    """
    A = np.array([[3.0, 0.5], [0.5, 0.2]])

    def grad(w):
        return A @ w + 0.1 * np.sin(w)

    lr, a = 0.05, 0.9
    w, v = np.array([1.0, -2.0]), np.zeros(2)
    notes = []
    for _ in range(200):
        v = a * v - lr * grad(w)
        w = w + v
        notes.append(w.copy())
    library = run(optim.SGD, [1.0, -2.0], grad, 200, lr=lr, momentum=a)
    np.testing.assert_allclose(library, np.array(notes), rtol=1e-11, atol=1e-14)


# ------------------------------------------------------------------ behaviour of the base class


def make_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [Parameter(rng.standard_normal((3, 2)).astype(dtype), "w"), Parameter(rng.standard_normal(2).astype(dtype), "b")]


def state_array_ids(opt):
    return {(i, key): id(v) for i, state in opt.state.items() for key, v in state.items() if isinstance(v, np.ndarray)}


ALL_CONFIGS = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9, "weight_decay": 0.1, "dampening": 0.2}),
    ("sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("adagrad", {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("adam", {"amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {"amsgrad": True}),
    ("sgd", {"momentum": 0.9, "weight_decay": 0.1, "maximize": True}),
    ("adam", {"weight_decay": 0.1, "maximize": True}),
]


@pytest.mark.parametrize("name, kw", ALL_CONFIGS)
def test_float32_stays_float32_and_buffers_are_reused(name, kw):
    params = make_params(np.float32)
    data_ids = [id(p.data) for p in params]
    opt = optim.get(name, params, lr=0.01, **kw)
    rng = np.random.default_rng(1)
    for _ in range(3):
        for p in params:
            p.grad[...] = rng.standard_normal(p.shape)
        opt.step()
    buffers = state_array_ids(opt)
    for p in params:
        p.grad[...] = rng.standard_normal(p.shape)
    opt.step()
    assert state_array_ids(opt) == buffers  # state arrays allocated once, updated in place
    assert [id(p.data) for p in params] == data_ids  # parameters updated in place
    for p in params:
        assert p.data.dtype == np.float32
    for s in opt.state.values():
        for v in s.values():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32


@pytest.mark.parametrize("name, kw", [c for c in ALL_CONFIGS if c[1].get("weight_decay")])
def test_step_leaves_grad_untouched(name, kw):
    params = make_params()
    for p in params:
        p.grad[...] = 1.0
    optim.get(name, params, lr=0.1, **kw).step()
    for p in params:
        np.testing.assert_array_equal(p.grad, 1.0)


def test_zero_grad_keeps_the_arrays():
    params = make_params()
    grads = [p.grad for p in params]
    for p in params:
        p.grad[...] = 3.0
    optim.SGD(params, lr=0.1).zero_grad()
    for p, g in zip(params, grads):
        assert p.grad is g
        np.testing.assert_array_equal(p.grad, 0.0)


def test_params_without_grad_are_skipped():
    class Bare:
        def __init__(self):
            self.data = np.ones(2)
            self.grad = None

    bare, p = Bare(), Parameter(np.ones(2))
    p.grad[...] = 1.0
    opt = optim.Adam([bare, p], lr=0.1)
    opt.zero_grad()  # no error for grad None
    p.grad[...] = 1.0
    opt.step()
    np.testing.assert_array_equal(bare.data, 1.0)
    np.testing.assert_allclose(p.data, 0.9)


def test_step_calls_closure_first_and_returns_its_loss():
    p = Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        p.grad[...] = 2 * p.data  # gradient of p^2 at the current p
        return float(p.data[0] ** 2)

    assert opt.step(closure) == 1.0
    assert p.data[0] == pytest.approx(0.8)
    assert opt.step() is None


def test_lr_attribute_and_param_groups_agree():
    p = Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=0.1)
    assert opt.lr == 0.1 and opt.param_groups == [opt.param_groups[0]]
    opt.lr = 0.5
    assert opt.param_groups[0]["lr"] == 0.5
    opt.param_groups[0]["lr"] = 0.25  # the way torch code and schedules change it
    assert opt.lr == 0.25
    p.grad[...] = 1.0
    opt.step()
    assert p.data[0] == pytest.approx(0.75)
    opt.lr = 0  # allowed once built (cosine annealing reaches eta_min = 0)
    assert opt.lr == 0.0
    with pytest.raises(ValueError, match="learning rate"):
        opt.lr = -1
    assert "SGD(1 parameters" in repr(opt)


def test_hyperparameters_are_python_floats():
    # np.float64 scalars would upcast float32 arithmetic; they are converted on the way in
    p = Parameter(np.ones(2, dtype=np.float32))
    opt = optim.Adam([p], lr=np.float64(0.1), betas=(np.float64(0.9), 0.99))
    assert type(opt.lr) is float and all(type(b) is float for b in opt.param_groups[0]["betas"])


def test_get_builds_each_named_optimizer():
    p = Parameter(np.ones(2))
    assert type(optim.get("sgd", [p])) is optim.SGD
    assert optim.get("SGD", [p], lr=0.1).lr == 0.1
    assert optim.get("momentum", [p]).param_groups[0]["momentum"] == 0.9
    assert optim.get("momentum", [p], momentum=0.5).param_groups[0]["momentum"] == 0.5
    nesterov = optim.get("nesterov", [p]).param_groups[0]
    assert nesterov["nesterov"] is True and nesterov["momentum"] == 0.9
    assert type(optim.get("adagrad", [p])) is optim.Adagrad
    assert type(optim.get("rmsprop", [p])) is optim.RMSprop
    assert type(optim.get("adam", [p])) is optim.Adam
    assert type(optim.get("adamw", [p])) is optim.AdamW


def test_torch_defaults():
    p = Parameter(np.ones(2))
    off = {"maximize": False}
    assert optim.SGD([p]).defaults == {"lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False, **off}
    assert optim.Adagrad([p]).defaults == {"lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0, "eps": 1e-10, **off}
    assert optim.RMSprop([p]).defaults == {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": False, **off}
    assert optim.Adam([p]).defaults == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False, **off}
    assert optim.AdamW([p]).defaults == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False, **off}
    for name in optim.OPTIMIZERS:
        opt = optim.get(name, [p])
        assert opt.param_groups == [{"params": [p], **opt.defaults}]  # torch's shape: "params" + hyperparameters


# ------------------------------------------------------------------ torch's shape: param_groups and state


def test_param_groups_hold_the_params_and_state_is_keyed_by_parameter():
    params = make_params()
    opt = optim.Adam(params, lr=0.1)
    assert len(opt.param_groups) == 1
    group = opt.param_groups[0]
    assert list(group) == ["params", "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"]
    assert group["params"] == params and all(a is b for a, b in zip(group["params"], params))
    assert list(opt.state) == params  # one entry per parameter, keyed by the object, in order
    for p in params:
        p.grad[...] = 1.0
    opt.step()
    # code written against torch runs unchanged
    seen = []
    for g in opt.param_groups:
        for p in g["params"]:
            state = opt.state[p]
            assert state["step"] == 1 and state["exp_avg"].shape == p.shape
            np.testing.assert_allclose(state["exp_avg"], 0.1)  # (1 - beta1) * g
            seen.append(p.name)
    assert seen == ["w", "b"]


def test_state_is_the_live_buffer_the_next_step_reads():
    p = Parameter(np.array([0.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    assert "momentum_buffer" not in opt.state[p]  # created by the first step, as in torch
    p.grad[...] = 1.0
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0])
    opt.state[p]["momentum_buffer"][...] = 10.0  # edit the buffer: the next step uses it
    opt.step()
    assert p.data[0] == pytest.approx(-0.1 - 0.1 * (0.9 * 10 + 1))


def test_parameter_is_hashed_and_compared_by_identity():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))  # equal contents, different parameters
    assert a == a and a != b and hash(a) != hash(b)
    assert len({a: 1, b: 2}) == 2
    a.data += 1.0
    a.grad[...] = 3.0
    assert hash(a) == hash(a) and {a: 1}[a] == 1  # mutating the arrays does not change the key
    assert type(a).__eq__ is object.__eq__ and type(a).__hash__ is object.__hash__


def test_deepcopy_keeps_state_keyed_by_the_copied_parameter():
    import copy

    p = Parameter(np.array([1.0, 2.0]))
    opt = optim.Adam([p], lr=0.1)
    p.grad[...] = 1.0
    opt.step()
    before = p.data.copy()
    p2, opt2 = copy.deepcopy((p, opt))
    assert list(opt2.state) == [p2] and opt2.param_groups[0]["params"][0] is p2
    opt2.state[p2]["exp_avg"][...] += 1.0
    np.testing.assert_allclose(opt.state[p]["exp_avg"], 0.1)  # the original is untouched
    p2.grad[...] = 1.0
    opt2.step()
    np.testing.assert_array_equal(p.data, before)  # only the copy moved
    assert not np.array_equal(p2.data, p.data)


# ------------------------------------------------------------------ maximize by hand


def test_sgd_maximize_by_hand():
    # f = p^2, g = 2p, lr = 0.1, maximize: p <- p + 0.2 p = 1.2 p: 1 -> 1.2 -> 1.44
    np.testing.assert_allclose(run(optim.SGD, [1.0], square, 2, lr=0.1, maximize=True)[:, 0], [1.2, 1.44], rtol=1e-15)
    # torch's order: negate, then add wd * p: d = -2p + 0.5 p = -1.5 p, p <- p + 0.15 p = 1.15 p
    path = run(optim.SGD, [1.0], square, 2, lr=0.1, weight_decay=0.5, maximize=True)
    np.testing.assert_allclose(path[:, 0], [1.15, 1.15**2], rtol=1e-15)
    # with momentum 0.9: buf = -2 then 0.9 * -2 + (-2.4) = -4.2: p = 1.2, then 1.2 + 0.42 = 1.62
    path = run(optim.SGD, [1.0], square, 2, lr=0.1, momentum=0.9, maximize=True)
    np.testing.assert_allclose(path[:, 0], [1.2, 1.62], rtol=1e-15)


def test_adagrad_maximize_by_hand():
    # g = 3, lr = 1, eps = 1: sum = 9, p = 0 + 3/(3 + 1) = 0.75 (up, not down)
    assert run(optim.Adagrad, [0.0], fixed_grads(3.0), 1, lr=1.0, eps=1.0, maximize=True)[0, 0] == pytest.approx(0.75, rel=1e-15)
    # p0 = 2, g = 3, wd = 0.5, eps = 0: d = -3 + 0.5*2 = -2, sum = 4, p = 2 - 1 * (-2)/2 = 3
    path = run(optim.Adagrad, [2.0], fixed_grads(3.0), 1, lr=1.0, eps=0.0, weight_decay=0.5, maximize=True)
    assert path[0, 0] == pytest.approx(3.0, rel=1e-15)


def test_rmsprop_maximize_by_hand():
    # alpha = 0.5, lr = 0.1, eps = 0, g = 3: v = 4.5, p = 0 + 0.1 * 3/sqrt(4.5) = 0.1 sqrt(2)
    path = run(optim.RMSprop, [0.0], fixed_grads(3.0), 1, lr=0.1, alpha=0.5, eps=0.0, maximize=True)
    assert path[0, 0] == pytest.approx(0.1 * math.sqrt(2), rel=1e-14)
    # p0 = 2, wd = 0.5: d = -3 + 1 = -2, v = 0.5 * 4 = 2, p = 2 - 0.1 * (-2)/sqrt(2) = 2 + 0.1 sqrt(2)
    path = run(optim.RMSprop, [2.0], fixed_grads(3.0), 1, lr=0.1, alpha=0.5, eps=0.0, weight_decay=0.5, maximize=True)
    assert path[0, 0] == pytest.approx(2 + 0.1 * math.sqrt(2), rel=1e-14)


def test_adam_and_adamw_maximize_by_hand():
    # The first Adam step is -lr * sign(d), with d the gradient the rule uses; betas (0.5, 0.5), eps 0.
    kw = dict(lr=0.1, betas=(0.5, 0.5), eps=0.0, maximize=True)
    assert run(optim.Adam, [0.0], fixed_grads(3.0), 1, **kw)[0, 0] == pytest.approx(0.1, rel=1e-15)  # d = -3: up
    # L2 in Adam: p0 = 2, g = 0.5, wd = 0.5: d = -0.5 + 1 = 0.5 > 0, so the decay wins and p goes down: 1.9
    assert run(optim.Adam, [2.0], fixed_grads(0.5), 1, weight_decay=0.5, **kw)[0, 0] == pytest.approx(1.9, rel=1e-15)
    # AdamW: p <- 2 * (1 - 0.1*0.5) = 1.9, then the Adam step of d = -0.5 goes up: 2.0
    assert run(optim.AdamW, [2.0], fixed_grads(0.5), 1, weight_decay=0.5, **kw)[0, 0] == pytest.approx(2.0, rel=1e-15)
    # two steps, gradients 3 then 4, no decay: the mirror image of test_adam_by_hand
    path = run(optim.Adam, [0.0], fixed_grads(3.0, 4.0), 2, **kw)
    np.testing.assert_allclose(path[:, 0], [0.1, 0.1 + 0.1 * (2.75 / 0.75) / math.sqrt(10.25 / 0.75)], rtol=1e-14)


@pytest.mark.parametrize("name, kw", [c for c in ALL_CONFIGS if "maximize" not in c[1]])
def test_maximize_on_g_is_minimize_on_minus_g(name, kw):
    # torch negates the gradient before anything else, weight decay included; so the two agree exactly
    rng = np.random.default_rng(5)
    grads = [[rng.standard_normal(p.shape) for p in make_params()] for _ in range(5)]
    up, down = make_params(), make_params()
    opt_up = optim.get(name, up, lr=0.05, maximize=True, **kw)
    opt_down = optim.get(name, down, lr=0.05, **kw)
    for step in grads:
        for p, q, g in zip(up, down, step):
            p.grad[...] = g
            q.grad[...] = -g
        opt_up.step()
        opt_down.step()
        for p, g in zip(up, step):
            np.testing.assert_array_equal(p.grad, g)  # p.grad is not negated in place
    for p, q in zip(up, down):
        np.testing.assert_array_equal(p.data, q.data)


# ------------------------------------------------------------------ bad inputs


def test_empty_params_rejected():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(iter([]))


@pytest.mark.parametrize("lr, error", [(0, ValueError), (0.0, ValueError), (-0.1, ValueError),
                                       (float("nan"), ValueError), (float("inf"), ValueError),
                                       ("fast", TypeError), ("0.1", TypeError), (None, TypeError), (True, TypeError)])
@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_bad_lr_rejected(name, lr, error):
    with pytest.raises(error, match=r"lr \(the learning rate\) must be a"):
        optim.get(name, [Parameter(np.ones(2))], lr=lr)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9, float("nan")), (0.9,), 0.9])
def test_bad_betas_rejected(betas):
    with pytest.raises(ValueError, match="beta"):
        optim.Adam([Parameter(np.ones(2))], betas=betas)


@pytest.mark.parametrize(
    "cls, kw, match",
    [
        (optim.SGD, {"momentum": -0.1}, "momentum"),
        (optim.SGD, {"weight_decay": -1}, "weight_decay"),
        (optim.SGD, {"dampening": 2.0}, "dampening"),
        (optim.SGD, {"nesterov": True}, "Nesterov momentum requires a momentum"),
        (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "zero dampening"),
        (optim.Adagrad, {"lr_decay": -1}, "lr_decay"),
        (optim.Adagrad, {"initial_accumulator_value": -1}, "initial_accumulator_value"),
        (optim.Adagrad, {"eps": -1}, "epsilon"),
        (optim.RMSprop, {"alpha": -0.5}, "alpha"),
        (optim.RMSprop, {"momentum": -0.5}, "momentum"),
        (optim.Adam, {"eps": -1e-8}, "epsilon"),
    ],
)
def test_bad_hyperparameters_rejected(cls, kw, match):
    with pytest.raises(ValueError, match=match):
        cls([Parameter(np.ones(2))], lr=0.1, **kw)


@pytest.mark.parametrize(
    "cls, kw, match",
    [
        (optim.Adam, {"weight_decay": "lots"}, "weight_decay must be a number, got str"),
        (optim.SGD, {"momentum": "0.9"}, "momentum must be a number, got str '0.9'"),
        (optim.RMSprop, {"alpha": None}, "alpha must be a number, got NoneType"),
        (optim.SGD, {"nesterov": "yes", "momentum": 0.9}, "nesterov must be True or False"),
        (optim.Adam, {"amsgrad": 1}, "amsgrad must be True or False"),
        (optim.Adagrad, {"maximize": "no"}, "maximize must be True or False"),
    ],
)
def test_wrong_type_hyperparameters_name_the_parameter(cls, kw, match):
    with pytest.raises(TypeError, match=match):
        cls([Parameter(np.ones(2))], lr=0.1, **kw)


def test_nesterov_error_says_the_fix():
    with pytest.raises(ValueError, match="momentum=0.9"):
        optim.get("sgd", [Parameter(np.ones(2))], lr=0.1, nesterov=True)


def test_unknown_optimizer_name_lists_choices():
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'.*adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd"):
        optim.get("adamax", [Parameter(np.ones(2))])


@pytest.mark.parametrize(
    "params, match",
    [
        (Parameter(np.ones(2)), "single Parameter"),
        (np.ones(3), "single ndarray"),
        (5, "iterable"),
        ([np.ones(3)], "not a parameter"),
        ([{"params": []}], "single group"),
    ],
)
def test_bad_params_rejected(params, match):
    with pytest.raises(ValueError, match=match):
        optim.SGD(params, lr=0.1)


def test_duplicate_params_rejected():
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)


# ------------------------------------------------------------------ schedules


def lr_sequence(sched, epochs):
    out = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
        assert sched.optimizer.lr == out[-1]
    return np.array(out)


def test_step_lr_closed_form():
    sched = optim.StepLR(optim.SGD([Parameter(np.ones(1))], lr=1.0), step_size=3, gamma=0.5)
    assert sched.last_epoch == 0
    # epochs 0..7: 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25
    np.testing.assert_allclose(lr_sequence(sched, 7), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25], rtol=1e-15)
    assert sched.last_epoch == 7


def test_exponential_lr_closed_form():
    sched = optim.ExponentialLR(optim.Adam([Parameter(np.ones(1))], lr=0.1), gamma=0.9)
    np.testing.assert_allclose(lr_sequence(sched, 20), 0.1 * 0.9 ** np.arange(21), rtol=1e-13)


def test_cosine_annealing_closed_form_including_past_t_max():
    sched = optim.CosineAnnealingLR(optim.Adam([Parameter(np.ones(1))], lr=0.1), T_max=10, eta_min=0.001)
    e = np.arange(31)
    expected = 0.001 + (0.1 - 0.001) * (1 + np.cos(np.pi * e / 10)) / 2
    got = lr_sequence(sched, 30)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert got[10] == pytest.approx(0.001) and got[20] == pytest.approx(0.1)


def test_schedule_changes_the_step_size():
    p = Parameter(np.array([0.0]))
    opt = optim.SGD([p], lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad[...] = -1.0
        opt.step()
        sched.step()
    assert p.data[0] == pytest.approx(1 + 0.5 + 0.25)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda o: optim.StepLR(o, step_size=0), "step_size"),
        (lambda o: optim.StepLR(o, step_size=2.5), "step_size"),
        (lambda o: optim.StepLR(o, step_size=2, gamma=-1), "gamma"),
        (lambda o: optim.ExponentialLR(o, gamma=float("nan")), "gamma"),
        (lambda o: optim.CosineAnnealingLR(o, T_max=0), "T_max"),
        (lambda o: optim.CosineAnnealingLR(o, T_max=True), "T_max"),
        (lambda o: optim.CosineAnnealingLR(o, T_max=5, eta_min=-1), "eta_min"),
        (lambda o: optim.ExponentialLR("adam", gamma=0.9), "needs an nbcode.optim optimizer"),
    ],
)
def test_bad_schedule_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make(optim.SGD([Parameter(np.ones(1))], lr=0.1))


# ------------------------------------------------------------------ equality with torch


TORCH_CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.02, momentum=0.9)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.02, momentum=0.8, nesterov=True, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.002, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.005, momentum=0.8)),
    ("RMSprop", dict(lr=0.005, centered=True)),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.5, weight_decay=0.05)),
    ("Adam", dict(lr=0.02)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.02, weight_decay=0.1)),
    ("Adam", dict(lr=0.02, amsgrad=True)),
    ("Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.02)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
]

SHAPES = [(3, 2), (2,)]
CURVATURE = np.diag([0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 0.3, 8.0])


def problem_grad(flat):
    """Gradient of an ill-conditioned quadratic plus a Rosenbrock-style coupling term (8 numbers)."""
    g = CURVATURE @ flat
    # + 2 * (w[i+1] - w[i]^2)^2 summed over neighbouring coordinates
    r = flat[1:] - flat[:-1] ** 2
    g[1:] += 4 * r
    g[:-1] += -8 * flat[:-1] * r
    return g


def flatten(arrays):
    return np.concatenate([np.ravel(a) for a in arrays])


def split(flat):
    return [flat[:6].reshape(3, 2), flat[6:].copy()]


def compare_with_torch(torch, cls_name, kw, grad_source, steps=100, schedule=None):
    torch_dtype = torch.float64
    rng = np.random.default_rng(42)
    start = [0.3 * rng.standard_normal(s) for s in SHAPES]
    ours = [Parameter(a) for a in start]
    theirs = [torch.tensor(a, dtype=torch_dtype, requires_grad=True) for a in start]
    opt = getattr(optim, cls_name)(ours, **kw)
    topt = getattr(torch.optim, cls_name)(theirs, **kw)
    sched = tsched = None
    if schedule is not None:
        sched = getattr(optim, schedule[0])(opt, **schedule[1])
        tsched = getattr(torch.optim.lr_scheduler, schedule[0])(topt, **schedule[1])
    for t in range(steps):
        grads = grad_source(t, flatten([p.data for p in ours]))
        tgrads = grad_source(t, flatten([p.detach().numpy() for p in theirs]))
        for p, g in zip(ours, split(grads)):
            p.grad[...] = g
        for p, g in zip(theirs, split(tgrads)):
            p.grad = torch.tensor(g, dtype=torch_dtype)
        opt.step()
        topt.step()
        if sched is not None:
            sched.step()
            tsched.step()
            assert sched.get_last_lr()[0] == pytest.approx(tsched.get_last_lr()[0], rel=1e-12)
    got = flatten([p.data for p in ours])
    want = flatten([p.detach().numpy() for p in theirs])
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    return got


@pytest.mark.torch
@pytest.mark.parametrize("cls_name, kw", TORCH_CONFIGS)
def test_same_trajectory_as_torch_on_a_fixed_problem(cls_name, kw):
    torch = pytest.importorskip("torch")
    start = flatten([0.3 * np.random.default_rng(42).standard_normal(s) for s in SHAPES])
    end = compare_with_torch(torch, cls_name, kw, lambda t, flat: problem_grad(flat))
    assert not np.allclose(end, start)  # the optimizer did move


@pytest.mark.torch
@pytest.mark.parametrize("cls_name, kw", TORCH_CONFIGS)
def test_same_trajectory_as_torch_on_random_gradients(cls_name, kw):
    torch = pytest.importorskip("torch")
    grads = np.random.default_rng(7).standard_normal((100, 8)) * np.geomspace(1e-3, 10, 8)
    compare_with_torch(torch, cls_name, kw, lambda t, flat: grads[t])


@pytest.mark.torch
@pytest.mark.parametrize(
    "schedule",
    [
        ("StepLR", dict(step_size=7, gamma=0.5)),
        ("ExponentialLR", dict(gamma=0.97)),
        ("CosineAnnealingLR", dict(T_max=30, eta_min=1e-4)),
    ],
)
def test_schedules_match_torch_inside_training(schedule):
    torch = pytest.importorskip("torch")
    compare_with_torch(torch, "SGD", dict(lr=0.05, momentum=0.9), lambda t, flat: problem_grad(flat), schedule=schedule)


@pytest.mark.torch
@pytest.mark.parametrize(
    "schedule",
    [
        ("StepLR", dict(step_size=3)),
        ("StepLR", dict(step_size=5, gamma=0.7)),
        ("ExponentialLR", dict(gamma=0.9)),
        ("CosineAnnealingLR", dict(T_max=10)),
        ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ],
)
def test_schedule_lr_sequences_equal_torch(schedule):
    torch = pytest.importorskip("torch")
    name, kw = schedule
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    sched = getattr(optim, name)(optim.SGD([Parameter(np.zeros(1))], lr=0.1), **kw)
    want, got = [tsched.get_last_lr()[0]], [sched.get_last_lr()[0]]
    assert tsched.last_epoch == sched.last_epoch == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns when a schedule steps before any optimizer step
        for _ in range(40):
            tsched.step()
            sched.step()
            want.append(tsched.get_last_lr()[0])
            got.append(sched.get_last_lr()[0])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-16)


@pytest.mark.torch
@pytest.mark.parametrize("name, kw", ALL_CONFIGS)
def test_float32_close_to_torch_float32(name, kw):
    torch = pytest.importorskip("torch")
    classes = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}
    ours = make_params(np.float32)
    theirs = [torch.tensor(p.data.copy(), requires_grad=True) for p in ours]
    opt = optim.get(name, ours, lr=0.01, **kw)
    topt = getattr(torch.optim, classes[name])(theirs, lr=0.01, **kw)
    rng = np.random.default_rng(3)
    for _ in range(20):
        for p, tp in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad[...] = g
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    for p, tp in zip(ours, theirs):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    "make, buffers",
    [
        (lambda ps: optim.SGD(ps, lr=0.1), set()),
        (lambda ps: optim.RMSprop(ps), {"square_avg"}),
        (lambda ps: optim.RMSprop(ps, centered=True, momentum=0.9), {"square_avg", "grad_avg", "momentum_buffer"}),
        (lambda ps: optim.Adam(ps), {"exp_avg", "exp_avg_sq"}),
        (lambda ps: optim.Adam(ps, amsgrad=True), {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
    ],
)
def test_state_holds_only_the_buffers_the_options_use(make, buffers):
    p = Parameter(np.zeros(5))
    opt = make([p])
    p.grad[...] = 1.0
    opt.step()
    arrays = {k for k, v in opt.state[p].items() if isinstance(v, np.ndarray) and not k.startswith("scratch")}
    assert arrays == buffers
