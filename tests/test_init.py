"""Initialisers: the scales of Glorot (2010) and He (2015), shapes, dtypes, seeds, registry."""

import math

import numpy as np
import pytest

from nbcode import init

FAN_IN, FAN_OUT = 400, 300  # 120,000 draws: sample std within ~0.5% of the true one


def test_zeros():
    z = init.zeros((3, 2))
    assert z.shape == (3, 2) and z.dtype == np.float64 and not z.any()
    assert init.zeros(4, dtype=np.float32).dtype == np.float32


def test_normal_has_the_requested_std():
    w = init.normal((FAN_IN, FAN_OUT), std=0.05, rng=0)
    assert w.std() == pytest.approx(0.05, rel=0.01)
    assert abs(w.mean()) < 0.05 * 0.01
    assert init.normal((2, 2)).std() < 0.1  # default std 0.01, as in DLFS


def test_xavier_normal_std():
    w = init.xavier_normal(FAN_IN, FAN_OUT, rng=0)
    assert w.shape == (FAN_IN, FAN_OUT)
    assert w.std() == pytest.approx(math.sqrt(2 / (FAN_IN + FAN_OUT)), rel=0.01)
    assert init.xavier_normal(FAN_IN, FAN_OUT, rng=0, gain=2.0).std() == pytest.approx(2 * w.std())


def test_xavier_uniform_bound_and_variance():
    w = init.xavier_uniform(FAN_IN, FAN_OUT, rng=0)
    limit = math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert w.var() == pytest.approx(2 / (FAN_IN + FAN_OUT), rel=0.02)


def test_he_normal_std():
    w = init.he_normal(FAN_IN, FAN_OUT, rng=0)
    assert w.std() == pytest.approx(math.sqrt(2 / FAN_IN), rel=0.01)
    leaky = init.he_normal(FAN_IN, FAN_OUT, rng=0, negative_slope=1.0)  # slope 1 = linear: gain 1
    assert leaky.std() == pytest.approx(math.sqrt(1 / FAN_IN), rel=0.01)


def test_he_uniform_bound_and_variance():
    w = init.he_uniform(FAN_IN, FAN_OUT, rng=0)
    limit = math.sqrt(6 / FAN_IN)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert w.var() == pytest.approx(2 / FAN_IN, rel=0.02)


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal"])
def test_seeds_and_dtypes(name):
    fn = getattr(init, name)
    a64 = fn(5, 3, rng=1)
    np.testing.assert_array_equal(a64, fn(5, 3, rng=np.random.default_rng(1)))
    assert not np.array_equal(a64, fn(5, 3, rng=2))
    a32 = fn(5, 3, rng=1, dtype=np.float32)
    assert a32.dtype == np.float32
    np.testing.assert_allclose(a32, a64, rtol=1e-6)  # same draws, rounded
    g = np.random.default_rng(0)
    assert not np.array_equal(fn(5, 3, g), fn(5, 3, g))  # a shared generator moves on


def test_get_returns_uniform_signature():
    for name in init.INITIALIZERS:
        fn = init.get(name)
        w = fn(6, 4, 0, np.float32)
        assert w.shape == (6, 4) and w.dtype == np.float32
        assert fn.__name__ == name
    np.testing.assert_array_equal(init.get("he_normal")(6, 4, 3), init.he_normal(6, 4, rng=3))


def test_get_with_options_and_aliases():
    w = init.get("normal", std=0.5)(FAN_IN, FAN_OUT, 0)
    assert w.std() == pytest.approx(0.5, rel=0.01)
    assert init.get("xavier_normal", gain=3.0)(FAN_IN, FAN_OUT, 0).std() == pytest.approx(3 * math.sqrt(2 / 700), rel=0.01)
    np.testing.assert_array_equal(init.get("Glorot_Uniform")(3, 2, 1), init.xavier_uniform(3, 2, rng=1))
    np.testing.assert_array_equal(init.get("kaiming_normal", negative_slope=0.1)(3, 2, 1), init.he_normal(3, 2, rng=1, negative_slope=0.1))
    assert not init.get("zeros")(3, 2).any()


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="unknown initializer 'orthogonal'; choose one of: .*he_normal.*xavier_uniform"):
        init.get("orthogonal")
    with pytest.raises(TypeError, match="initializer name must be a string, got NoneType"):
        init.get(None)


def test_bad_options():
    with pytest.raises(ValueError, match="'he_normal' got unexpected option\\(s\\) \\['std'\\]; it accepts: negative_slope"):
        init.get("he_normal", std=0.1)
    with pytest.raises(ValueError, match="accepts: none"):
        init.get("zeros", gain=2)
    with pytest.raises(ValueError, match="std must be a finite number in \\[0, inf\\)"):
        init.get("normal", std=-1)
    with pytest.raises(ValueError, match="gain must be a finite number in \\(0, inf\\)"):
        init.get("xavier_uniform", gain=0)
    with pytest.raises(ValueError, match="negative_slope must be a finite number in \\[0, inf\\)"):
        init.get("he_uniform", negative_slope=float("nan"))


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal"])
def test_bad_fans_and_dtype(name):
    fn = getattr(init, name)
    for fans in ((0, 3), (3, -1), (2.5, 3), (True, 3)):
        with pytest.raises(ValueError, match="must be a positive integer"):
            fn(*fans)
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        fn(3, 2, dtype=np.int32)


def test_bad_shape_std_dtype_for_shape_initialisers():
    with pytest.raises(ValueError, match="shape must be a tuple of non-negative integers"):
        init.zeros((3, -1))
    with pytest.raises(ValueError, match="shape must be a tuple"):
        init.normal((2.5,))
    with pytest.raises(ValueError, match="std must be a finite number"):
        init.normal((2,), std=float("inf"))
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        init.zeros(3, dtype=np.float16)
    with pytest.raises(ValueError, match="must be a positive integer"):
        init.get("zeros")(0, 3)
