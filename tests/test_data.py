"""Tests of nbcode.data: batches, splits, resampling, scaling, data sets, augmentation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbcode import data
from nbcode.data import (
    Split, Standardizer, add_noise, batches, bootstrap_sample, circles, cutmix, kfold,
    load_diabetes, load_digits, mixup, moons, noisy_line, noisy_polynomial, one_hot,
    pass_fail, shift_images, spirals, train_val_test_split, xor,
)


# ---------------------------------------------------------------------------------- batches

@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 70), drop_last=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_batches_cover_every_sample_exactly_once(n, batch_size, drop_last, shuffle, seed):
    X = np.arange(n, dtype=np.float64)[:, None] * np.array([[1.0, 10.0]])
    y = np.arange(n)
    got = list(batches(X, y, batch_size, rng=seed, shuffle=shuffle, drop_last=drop_last))
    seen = np.concatenate([yb for _, yb in got]) if got else np.array([], dtype=int)
    sizes = [len(yb) for _, yb in got]
    if drop_last:
        assert all(s == batch_size for s in sizes)
        assert len(seen) == n - n % batch_size
        assert len(np.unique(seen)) == len(seen)  # no sample twice
    else:
        assert np.array_equal(np.sort(seen), y)  # every sample exactly once
        assert all(s == batch_size for s in sizes[:-1]) and 1 <= sizes[-1] <= batch_size
    for xb, yb in got:  # rows stay paired with their targets
        assert np.array_equal(xb[:, 0], yb) and np.array_equal(xb[:, 1], 10 * yb)
    if not shuffle:
        assert np.array_equal(seen, np.arange(len(seen)))


def test_batches_shuffle_is_reproducible_and_fresh_each_epoch():
    X = np.arange(100.0)[:, None]
    y = np.arange(100)
    order = lambda rng: np.concatenate([yb for _, yb in batches(X, y, 7, rng=rng)])
    assert np.array_equal(order(np.random.default_rng(3)), order(np.random.default_rng(3)))
    assert np.array_equal(order(5), order(5))  # an int seed works too
    gen = np.random.default_rng(3)
    first, second = order(gen), order(gen)
    assert not np.array_equal(first, second)  # the generator advances: a new shuffle per epoch
    assert not np.array_equal(first, y)


def test_batches_do_not_alias_the_callers_array():
    X = np.zeros((10, 2))
    y = np.arange(10)
    for xb, _ in batches(X, y, 4, rng=0):
        xb += 1.0
    assert np.all(X == 0.0)


def test_batches_keep_dtype_and_trailing_shape():
    X = np.ones((9, 8, 8), dtype=np.float32)
    Y = np.zeros((9, 3), dtype=np.float32)
    xb, yb = next(batches(X, Y, 4, rng=0))
    assert xb.shape == (4, 8, 8) and xb.dtype == np.float32 and yb.shape == (4, 3)


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True, "8"])
def test_batches_rejects_bad_batch_size_at_call_time(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        batches(np.ones((4, 1)), np.ones(4), batch_size)  # no next(): errors come at the call


def test_batches_rejects_empty_and_mismatched_data():
    with pytest.raises(ValueError, match="empty"):
        batches(np.ones((0, 2)), np.ones(0), 2)
    with pytest.raises(ValueError, match=r"X has 5 samples but y has 4"):
        batches(np.ones((5, 2)), np.ones(4), 2)
    with pytest.raises(ValueError, match="one row per sample"):
        batches(np.float64(1.0), np.ones(1), 1)


def test_bad_rng_type_is_rejected():
    with pytest.raises(TypeError, match="default_rng"):
        batches(np.ones((4, 1)), np.ones(4), 2, rng="seed")


# ---------------------------------------------------------------------------------- splits

def test_train_val_test_split_partitions_the_samples():
    X = np.arange(100.0)[:, None]
    y = np.arange(100)
    split = train_val_test_split(X, y, val=0.2, test=0.1, rng=0)
    assert isinstance(split, Split)
    assert (len(split.y_train), len(split.y_val), len(split.y_test)) == (70, 20, 10)
    everything = np.concatenate([split.y_train, split.y_val, split.y_test])
    assert np.array_equal(np.sort(everything), y)
    for Xp, yp in ((split.X_train, split.y_train), (split.X_val, split.y_val), (split.X_test, split.y_test)):
        assert np.array_equal(Xp[:, 0], yp)
    again = train_val_test_split(X, y, val=0.2, test=0.1, rng=0)
    assert all(np.array_equal(a, b) for a, b in zip(split, again))
    assert not np.array_equal(split.y_train, np.sort(split.y_train))  # shuffled


def test_train_val_test_split_without_validation():
    split = train_val_test_split(np.ones((10, 2)), np.arange(10), val=0.0, test=0.3, rng=1)
    assert split.X_val.shape == (0, 2) and len(split.y_test) == 3 and len(split.y_train) == 7


def test_stratified_split_preserves_class_proportions():
    y = np.repeat([0, 1, 2], [500, 300, 200])
    X = np.arange(1000.0)[:, None]
    split = train_val_test_split(X, y, val=0.2, test=0.2, rng=np.random.default_rng(4), stratify=True)
    overall = np.bincount(y) / len(y)
    for part in (split.y_train, split.y_val, split.y_test):
        assert np.allclose(np.bincount(part, minlength=3) / len(part), overall, atol=0.002)
    assert np.array_equal(np.sort(np.concatenate([split.y_train, split.y_val, split.y_test])), np.sort(y))
    assert np.array_equal(y[split.X_test[:, 0].astype(int)], split.y_test)  # rows stay paired
    assert len(np.unique(split.y_test[:30])) == 3  # classes mixed, not in blocks


def test_stratified_split_beats_plain_split_on_a_rare_class():
    y = np.array([1] * 5 + [0] * 95)
    X = np.zeros((100, 1))
    split = train_val_test_split(X, y, val=0.2, test=0.2, rng=0, stratify=True)
    assert split.y_test.sum() == 1 and split.y_val.sum() == 1 and split.y_train.sum() == 3


@pytest.mark.parametrize("val, test, match", [(-0.1, 0.2, r"val \(a fraction of the samples\) must be"), (0.2, 1.0, r"test \(a fraction of the samples\) must be"),
                                              (0.5, 0.5, "leaves no training data")])
def test_split_rejects_bad_fractions(val, test, match):
    with pytest.raises(ValueError, match=match):
        train_val_test_split(np.ones((10, 1)), np.ones(10), val=val, test=test, rng=0)


def test_split_rejects_tiny_data_and_bad_stratify_targets():
    with pytest.raises(ValueError, match="no training data"):
        train_val_test_split(np.ones((2, 1)), np.ones(2), val=0.4, test=0.4, rng=0)
    with pytest.raises(ValueError, match="1-D class labels"):
        train_val_test_split(np.ones((4, 1)), np.ones((4, 2)), rng=0, stratify=True)
    with pytest.raises(ValueError, match="y has 3"):
        train_val_test_split(np.ones((4, 1)), np.ones(3), rng=0)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 50), data_=st.data(), shuffle=st.booleans())
def test_kfold_validation_folds_partition_the_indices(n, data_, shuffle):
    k = data_.draw(st.integers(2, n))
    folds = list(kfold(n, k, rng=np.random.default_rng(0), shuffle=shuffle))
    assert len(folds) == k
    all_val = np.concatenate([val for _, val in folds])
    assert np.array_equal(np.sort(all_val), np.arange(n))  # every index in exactly one fold
    sizes = [len(val) for _, val in folds]
    assert max(sizes) - min(sizes) <= 1
    for train, val in folds:
        assert len(np.intersect1d(train, val)) == 0
        assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(n))
    if not shuffle:
        assert np.array_equal(folds[0][1], np.arange(sizes[0]))


@pytest.mark.parametrize("n, k", [(0, 2), (5, 1), (5, 6), (5, 2.0), (True, 2)])
def test_kfold_rejects_bad_arguments(n, k):
    with pytest.raises(ValueError):
        kfold(n, k)


def test_bootstrap_sample_in_bag_and_out_of_bag():
    in_bag, out_of_bag = bootstrap_sample(10_000, np.random.default_rng(0))
    assert in_bag.shape == (10_000,) and in_bag.min() >= 0 and in_bag.max() < 10_000
    assert len(np.intersect1d(in_bag, out_of_bag)) == 0
    assert np.array_equal(np.union1d(in_bag, out_of_bag), np.arange(10_000))
    assert abs(len(out_of_bag) / 10_000 - math.exp(-1)) < 0.02  # about 1/e never drawn
    a, b = bootstrap_sample(50, 7), bootstrap_sample(50, 7)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="positive"):
        bootstrap_sample(0, 0)


# ---------------------------------------------------------------------------------- Standardizer

def test_standardizer_scales_training_data_and_reuses_train_statistics():
    rng = np.random.default_rng(0)
    X_train = rng.normal([5.0, -3.0, 100.0], [2.0, 0.5, 30.0], size=(500, 3))
    scaler = Standardizer().fit(X_train)
    Z = scaler.transform(X_train)
    assert np.allclose(Z.mean(axis=0), 0.0, atol=1e-12) and np.allclose(Z.std(axis=0), 1.0)
    X_test = np.array([[5.0, -3.0, 100.0]])
    expected = (X_test - X_train.mean(axis=0)) / X_train.std(axis=0)
    assert np.allclose(scaler.transform(X_test), expected)  # test data uses the train statistics
    assert np.allclose(scaler.inverse_transform(Z), X_train)
    assert np.allclose(Standardizer().fit_transform(X_train), Z)


def test_standardizer_constant_feature_maps_to_zero_without_warnings():
    X = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    with np.errstate(all="raise"):
        Z = Standardizer().fit_transform(X)
    assert np.all(Z[:, 1] == 0.0) and np.allclose(Z[:, 0], [-1.2247449, 0.0, 1.2247449])


def test_standardizer_keeps_float32_and_converts_integers():
    X32 = np.arange(12, dtype=np.float32).reshape(6, 2)
    scaler = Standardizer().fit(X32)
    assert scaler.transform(X32).dtype == np.float32
    assert scaler.inverse_transform(scaler.transform(X32)).dtype == np.float32
    assert scaler.transform(np.arange(12).reshape(6, 2)).dtype == np.float64


def test_standardizer_errors():
    with pytest.raises(ValueError, match="before fit"):
        Standardizer().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="before fit"):
        Standardizer().inverse_transform(np.ones((2, 2)))
    scaler = Standardizer().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(2, 3\) but was fit on 2 features"):
        scaler.transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="2-D"):
        Standardizer().fit(np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(np.array([[1.0], [np.nan]]))


def test_one_hot():
    Y = one_hot([2, 0, 1, 2], 3)
    assert np.array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]) and Y.dtype == np.float64
    assert one_hot(np.array([1]), 2, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="0..2"):
        one_hot([3], 3)
    with pytest.raises(ValueError, match="1-D"):
        one_hot([[0, 1]], 3)
    with pytest.raises(ValueError, match="num_classes"):
        one_hot([0], 0)


def test_one_hot_of_booleans_is_classes_0_and_1():
    assert np.array_equal(one_hot(np.array([True, False]), 2), [[0, 1], [1, 0]])  # was [[1,0],[1,0]]
    assert np.array_equal(one_hot([False, False, True], 3), [[1, 0, 0], [1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="0..0 for 1 classes"):
        one_hot([True], 1)


# ---------------------------------------------------------------------------------- synthetic sets

def test_xor_truth_table_and_noise():
    X, y = xor(4, noise=0.0)
    assert np.array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]]) and np.array_equal(y, [0, 1, 1, 0])
    X, y = xor(400, noise=0.1, rng=0)
    assert X.shape == (400, 2) and y.dtype == np.int64
    corners = np.round(X).clip(0, 1).astype(int)
    assert np.mean((corners[:, 0] ^ corners[:, 1]) == y) > 0.95
    assert np.array_equal(xor(8, 0.3, rng=2)[0], xor(8, 0.3, rng=2)[0])


def test_spirals():
    X, y = spirals(50, classes=4, noise=0.0, rng=0)
    assert X.shape == (200, 2) and np.array_equal(np.bincount(y), [50] * 4)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius, np.tile(np.linspace(0, 1, 50), 4))
    Xn, _ = spirals(50, classes=4, noise=0.2, rng=0)
    assert np.allclose(np.hypot(Xn[:, 0], Xn[:, 1]), radius)  # noise moves the angle only
    assert not np.allclose(Xn, X)


def test_moons_and_circles_geometry():
    X, y = moons(101, noise=0.0, rng=0)
    assert X.shape == (101, 2) and np.array_equal(np.bincount(y), [50, 51])
    upper = X[y == 0]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0) and np.all(upper[:, 1] >= -1e-12)
    lower = X[y == 1]
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    X, y = circles(100, noise=0.0, factor=0.3, rng=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)
    assert not np.array_equal(y[:50], np.zeros(50))  # shuffled
    with pytest.raises(ValueError, match="factor"):
        circles(10, factor=1.5)


def test_noisy_line():
    X, y = noisy_line(20, slope=-2.0, intercept=0.5, noise=0.0, rng=0)
    assert X.shape == (20, 1) and y.shape == (20, 1)
    assert np.allclose(y, -2.0 * X + 0.5) and np.all(np.diff(X[:, 0]) >= 0)
    X, y = noisy_line(5000, slope=3.0, intercept=-1.0, noise=1.0, rng=1, x_range=(0, 1))
    slope, intercept = np.polyfit(X[:, 0], y[:, 0], 1)
    assert abs(slope - 3.0) < 0.2 and abs(intercept + 1.0) < 0.1
    assert X.min() >= 0 and X.max() <= 1


def test_noisy_polynomial():
    X, y = noisy_polynomial(30, coeffs=(1.0, 0.0, -2.0), noise=0.0, rng=0)
    assert np.allclose(y[:, 0], 1.0 - 2.0 * X[:, 0] ** 2) and X.shape == (30, 1)
    X, y = noisy_polynomial(40, coeffs=3, noise=0.0, rng=5)
    fit = np.polynomial.polynomial.polyfit(X[:, 0], y[:, 0], 3, full=True)
    assert fit[1][0][0] < 1e-20  # exactly a cubic
    assert np.array_equal(noisy_polynomial(40, coeffs=3, rng=5)[1], noisy_polynomial(40, coeffs=3, rng=5)[1])
    with pytest.raises(ValueError, match="degree"):
        noisy_polynomial(10, coeffs=-1)
    with pytest.raises(ValueError, match="coeffs"):
        noisy_polynomial(10, coeffs=[])


def test_pass_fail_follows_the_documented_rule():
    X, y = pass_fail(2000, rng=0, noise=0.0)
    lectures, hours = X[:, 0], X[:, 1]
    assert X.shape == (2000, 2) and y.dtype == np.int64
    assert np.array_equal(lectures, np.round(lectures)) and lectures.min() >= 0 and lectures.max() <= 15
    assert hours.min() >= 0 and hours.max() <= 12
    w1, w2, b = data.PASS_FAIL_RULE
    assert np.array_equal(y, (w1 * lectures + w2 * hours + b > 0).astype(int))
    assert 0.35 < y.mean() < 0.65  # about half pass
    Xn, yn = pass_fail(2000, rng=0, noise=1.0)
    flipped = np.mean(yn != (w1 * Xn[:, 0] + w2 * Xn[:, 1] + b > 0))
    assert 0.03 < flipped < 0.2  # noise flips some students near the boundary


@pytest.mark.parametrize("make", [lambda: xor(0), lambda: xor(5, noise=-1), lambda: spirals(0),
                                  lambda: moons(3.5), lambda: noisy_line(10, noise=math.nan),
                                  lambda: pass_fail(-1)])
def test_synthetic_sets_reject_bad_sizes_and_noise(make):
    with pytest.raises(ValueError):
        make()


# ---------------------------------------------------------------------------------- real sets

def test_load_digits():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0 and np.array_equal(np.unique(y), np.arange(10))
    assert load_digits(dtype=np.float64)[0].dtype == np.float64


def test_load_diabetes():
    X, y = load_diabetes()
    assert X.shape == (442, 10) and y.shape == (442, 1)
    assert X[:, 0].max() > 50  # raw ages in years
    Xs, ys = load_diabetes(scaled=True, dtype=np.float32)
    assert abs(Xs[:, 0].mean()) < 1e-6 and Xs.dtype == np.float32 and np.allclose(ys, y)


# ---------------------------------------------------------------------------------- augmentation

def test_add_noise():
    X = np.zeros((2000, 5), dtype=np.float32)
    noisy = add_noise(X, 0.5, np.random.default_rng(0))
    assert noisy.dtype == np.float32 and noisy.shape == X.shape and np.all(X == 0)
    assert abs(noisy.std() - 0.5) < 0.01 and abs(noisy.mean()) < 0.01
    clipped = add_noise(X, 0.5, 0, clip=(0.0, 1.0))
    assert clipped.min() == 0.0 and clipped.max() <= 1.0
    assert np.array_equal(add_noise(X, 0.0, 0), X)
    assert add_noise(np.zeros((2, 2), dtype=int), 1.0, 0).dtype == np.float64
    with pytest.raises(ValueError, match="std .a standard deviation. must be"):
        add_noise(X, -1.0, 0)


def test_shift_images_moves_pixels_without_wrapping():
    n = 300
    images = np.zeros((n, 8, 8), dtype=np.float32)
    images[:, 3, 4] = 1.0
    shifted = shift_images(images, 2, np.random.default_rng(0))
    assert shifted.shape == images.shape and shifted.dtype == np.float32
    rows, cols = np.nonzero(shifted.sum(axis=0))
    assert rows.min() == 1 and rows.max() == 5 and cols.min() == 2 and cols.max() == 6
    assert np.all(shifted.reshape(n, -1).sum(axis=1) == 1.0)  # the one pixel moved, never lost
    moves = {(r - 3, c - 4) for r, c in (np.argwhere(img)[0] for img in shifted)}
    assert len(moves) == 25  # all 5x5 shifts were drawn
    corner = np.zeros((200, 64))
    corner[:, 0] = 1.0  # pixel at (0, 0): shifting up/left pushes it out of the frame
    out = shift_images(corner, 1, 3)
    assert out.shape == (200, 64) and set(out.sum(axis=1)) == {0.0, 1.0}
    assert out.reshape(200, 8, 8)[:, 7, :].sum() == 0 and out.reshape(200, 8, 8)[:, :, 7].sum() == 0
    assert np.array_equal(shift_images(corner, 0, 1), corner)


def test_shift_images_other_sizes_and_errors():
    X = np.arange(2 * 12, dtype=np.float64).reshape(2, 12)
    assert shift_images(X, 1, 0, shape=(3, 4)).shape == (2, 12)
    with pytest.raises(ValueError, match=r"\(8, 8\)"):
        shift_images(X, 1, 0)
    with pytest.raises(ValueError, match="max_shift"):
        shift_images(np.zeros((1, 64)), -1, 0)


def test_mixup_blends_inputs_and_targets_with_the_same_weights():
    rng = np.random.default_rng(0)
    n = 20
    X = rng.normal(size=(n, 6))
    Y = np.eye(n)  # each sample its own class: the mixed target shows the exact blend
    X_mix, Y_mix = mixup(X, Y, alpha=0.4, rng=rng)
    assert np.allclose(Y_mix.sum(axis=1), 1.0) and np.all(Y_mix >= 0)
    assert np.allclose(X_mix, Y_mix @ X)  # x_mix = lam x_i + (1 - lam) x_j with the targets' lam
    assert np.all(np.count_nonzero(Y_mix, axis=1) <= 2)
    X32, Y32 = mixup(X.astype(np.float32), one_hot(np.arange(n) % 3, 3, np.float32), 1.0, 0)
    assert X32.dtype == np.float32 and Y32.dtype == np.float32
    X_img, _ = mixup(np.ones((4, 8, 8)), np.eye(4), 0.2, 0)
    assert X_img.shape == (4, 8, 8)
    Xi, Yi = mixup(np.ones((3, 2), dtype=int), np.eye(3, dtype=int), 0.5, 0)
    assert Xi.dtype == np.float64 and Yi.dtype == np.float64


def test_mixup_errors():
    with pytest.raises(ValueError, match="one-hot"):
        mixup(np.ones((3, 2)), np.arange(3), 0.2, 0)
    with pytest.raises(ValueError, match="alpha"):
        mixup(np.ones((3, 2)), np.eye(3), 0.0, 0)
    with pytest.raises(ValueError, match="y has 2"):
        mixup(np.ones((3, 2)), np.eye(2), 0.2, 0)


def test_cutmix_targets_match_the_pixels_kept():
    n = 50
    X = np.repeat(np.arange(1.0, n + 1), 64).reshape(n, 64)  # image i is filled with i + 1
    X_mix, Y_mix = cutmix(X, np.eye(n), alpha=1.0, rng=np.random.default_rng(1))
    assert X_mix.shape == (n, 64) and np.allclose(Y_mix.sum(axis=1), 1.0)
    for i in range(n):
        kept = np.mean(X_mix[i] == i + 1)
        assert np.isclose(Y_mix[i, i], kept) or (Y_mix[i, i] == 1.0)
        values = set(np.unique(X_mix[i]))
        assert len(values) <= 2
    assert np.any(Y_mix.max(axis=1) < 1.0)
    X3, _ = cutmix(np.ones((2, 8, 8), dtype=np.float32), np.eye(2, dtype=int), 0.5, 0)
    assert X3.shape == (2, 8, 8) and X3.dtype == np.float32
