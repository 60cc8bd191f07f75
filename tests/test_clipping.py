"""Gradient clipping and the warm-up schedule: worked values, torch's semantics, errors."""

import math

import numpy as np
import pytest

from nbcode.optim import SGD, LinearLR, clip_grad_norm_, clip_grad_value_
from nbcode.parameter import Parameter


def params_with_grads(*grads, dtype=np.float64):
    ps = [Parameter(np.zeros(np.shape(g), dtype=dtype)) for g in grads]
    for p, g in zip(ps, grads):
        p.grad[...] = g
    return ps


def test_norm_clipping_scales_all_gradients_by_one_factor():
    # Joint norm of (3, 4) and (12,) is 13; capped at 1.3 every entry is divided by 10 (up to the 1e-6).
    ps = params_with_grads([3.0, 4.0], [12.0])
    total = clip_grad_norm_(ps, max_norm=1.3)
    assert total == pytest.approx(13.0)
    coef = 1.3 / (13.0 + 1e-6)
    np.testing.assert_allclose(ps[0].grad, [3 * coef, 4 * coef], rtol=1e-15)
    np.testing.assert_allclose(ps[1].grad, [12 * coef], rtol=1e-15)


def test_norm_clipping_leaves_small_gradients_alone():
    ps = params_with_grads([0.3, 0.4])
    assert clip_grad_norm_(ps, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(ps[0].grad, [0.3, 0.4])


@pytest.mark.parametrize("norm_type, total", [(1.0, 19.0), (float("inf"), 12.0), (3.0, (27 + 64 + 1728) ** (1 / 3))])
def test_other_norms(norm_type, total):
    ps = params_with_grads([3.0, -4.0], [12.0])
    assert clip_grad_norm_(ps, max_norm=100.0, norm_type=norm_type) == pytest.approx(total)


def test_float32_gradients_stay_float32():
    ps = params_with_grads(np.full((4, 3), 10.0), dtype=np.float32)
    clip_grad_norm_(ps, 1.0)
    assert ps[0].grad.dtype == np.float32
    assert np.linalg.norm(ps[0].grad) == pytest.approx(1.0, rel=1e-5)


def test_non_finite_norm_is_returned_or_raises():
    ps = params_with_grads([np.inf, 1.0])
    assert math.isinf(clip_grad_norm_(ps, 1.0))
    with pytest.raises(RuntimeError, match="overflowed"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


def test_value_clipping_cuts_entries_and_can_turn_the_step():
    ps = params_with_grads([0.5, -3.0, 10.0])
    assert clip_grad_value_(ps, 1.0) is None
    np.testing.assert_array_equal(ps[0].grad, [0.5, -1.0, 1.0])


def test_empty_parameter_lists_are_fine():
    assert clip_grad_norm_([], 1.0) == 0.0
    clip_grad_value_([], 1.0)


@pytest.mark.parametrize("call, match", [
    (lambda ps: clip_grad_norm_(ps[0], 1.0), "single Parameter"),
    (lambda ps: clip_grad_norm_(ps, -1.0), "max_norm"),
    (lambda ps: clip_grad_norm_(ps, "1"), "max_norm"),
    (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=0), "norm_type"),
    (lambda ps: clip_grad_norm_([np.zeros(2)], 1.0), "not a parameter"),
    (lambda ps: clip_grad_value_(ps, -0.5), "clip_value"),
    (lambda ps: clip_grad_value_(ps, None), "clip_value"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call(params_with_grads([1.0]))


def test_linear_warm_up_ramps_then_holds():
    opt = SGD(params_with_grads([1.0]), lr=0.3)
    sched = LinearLR(opt, start_factor=0.1, total_iters=4)
    lrs = [opt.lr]
    for _ in range(6):
        opt.step()
        sched.step()
        lrs.append(opt.lr)
    np.testing.assert_allclose(lrs, [0.03, 0.0975, 0.165, 0.2325, 0.3, 0.3, 0.3], rtol=1e-12)
    assert sched.get_last_lr() == [lrs[-1]]


def test_linear_schedule_rejects_a_zero_start():
    with pytest.raises(ValueError, match="start_factor"):
        LinearLR(SGD(params_with_grads([1.0]), lr=0.1), start_factor=0.0)


def test_same_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(5, 3)) * 10, rng.normal(size=3)]
    for norm_type in (1.0, 2.0, float("inf")):
        ours = params_with_grads(*grads)
        theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for t, g in zip(theirs, grads):
            t.grad = torch.tensor(g)
        assert clip_grad_norm_(ours, 2.0, norm_type) == pytest.approx(float(torch.nn.utils.clip_grad_norm_(theirs, 2.0, norm_type)), rel=1e-12)
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)
    ours, theirs = params_with_grads(*grads), [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(theirs, grads):
        t.grad = torch.tensor(g)
    clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())
    w = torch.zeros(1, requires_grad=True)
    topt = torch.optim.SGD([w], lr=0.3)
    tsched = torch.optim.lr_scheduler.LinearLR(topt, start_factor=0.1, total_iters=4)
    opt = SGD(params_with_grads([1.0]), lr=0.3)
    sched = LinearLR(opt, start_factor=0.1, total_iters=4)
    for _ in range(6):
        assert opt.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
        topt.step(), tsched.step(), opt.step(), sched.step()
