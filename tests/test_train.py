"""Tests of nbcode.train: fit, History, evaluate, metrics, early stopping, divergence."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from nbcode.data import Standardizer, load_digits, noisy_line, noisy_polynomial, train_val_test_split, xor
from nbcode.layers import BCEWithLogitsLoss, Dropout, Identity, Linear, MSELoss, ReLU, SoftmaxCrossEntropy
from nbcode.network import Sequential, mlp
from nbcode.optim import SGD, Adam, StepLR
from nbcode.train import (
    METRICS, DivergenceWarning, EarlyStopping, History, accuracy, evaluate, fit, mean_absolute_error,
    mean_squared_error,
)


class FrozenOptimizer:
    """An optimizer that never moves the weights (torch and nbcode reject lr=0): isolates fit's bookkeeping."""

    lr = 0.0

    def zero_grad(self) -> None:
        pass

    def step(self) -> None:
        pass


def xor_setup(seed: int = 0):
    X, y = xor(200, noise=0.1, rng=seed)
    model = mlp([2, 8, 2], rng=seed)
    return model, SoftmaxCrossEntropy(), Adam(model.parameters(), lr=0.05), X, y


def overfit_setup(seed: int = 0, batchnorm: bool = False):
    """A net big enough to overfit 40 noisy points: the validation loss turns up after a while."""
    X, y = noisy_polynomial(40, (0.0, 1.0, -2.0), noise=0.5, rng=seed)
    X_val, y_val = noisy_polynomial(40, (0.0, 1.0, -2.0), noise=0.5, rng=seed + 100)
    model = mlp([1, 64, 64, 1], rng=seed, batchnorm=batchnorm)
    return model, MSELoss(), Adam(model.parameters(), lr=0.02), X, y, (X_val, y_val)


# ---------------------------------------------------------------------------------- fit: learning

def test_fit_learns_xor_to_full_accuracy():
    model, loss, opt, X, y = xor_setup()
    history = fit(model, loss, opt, X, y, epochs=60, batch_size=16, rng=0)
    assert history["accuracy"][-1] == 1.0
    assert evaluate(model, loss, X, y)["accuracy"] == 1.0
    assert history["loss"][-1] < 0.05 < history["loss"][0]
    assert history.epochs_run == 60 and not history.stopped_early and not history.diverged
    assert history.message.startswith("Trained 60 epochs")


def test_fit_learns_xor_with_one_logit_and_bce():
    X, y = xor(200, noise=0.1, rng=1)
    model = mlp([2, 8, 1], activation="tanh", rng=1)
    history = fit(model, BCEWithLogitsLoss(), Adam(model.parameters(), lr=0.05), X, y[:, None].astype(float),
                  epochs=80, batch_size=20, rng=1)
    assert history["accuracy"][-1] == 1.0


def test_same_rng_gives_identical_history_and_weights():
    runs = []
    for _ in range(2):
        model, loss, opt, X, y = xor_setup(seed=3)
        history = fit(model, loss, opt, X, y, epochs=5, batch_size=32, rng=np.random.default_rng(7))
        runs.append((history.history, [p.data.copy() for p in model.parameters()]))
    assert runs[0][0] == runs[1][0]
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][1], runs[1][1]))
    model, loss, opt, X, y = xor_setup(seed=3)
    other = fit(model, loss, opt, X, y, epochs=5, batch_size=32, rng=8)
    assert other.history["loss"] != runs[0][0]["loss"]  # the shuffle order matters


def test_epoch_loss_is_the_batch_size_weighted_mean():
    # frozen weights, so the epoch's weighted batch mean must equal the full-data loss
    # even though 10 samples in batches of 4 make a last batch of 2 (an unweighted mean differs).
    X, y = noisy_line(10, noise=1.0, rng=0)
    model = mlp([1, 4, 1], rng=0)
    history = fit(model, MSELoss(), FrozenOptimizer(), X, y, epochs=2, batch_size=4, rng=0,
                  metrics=("mse", "mae"))
    full = evaluate(model, MSELoss(), X, y, metrics=("mse", "mae"))
    assert history["loss"] == pytest.approx([full["loss"]] * 2, rel=1e-12)
    assert history["mse"][0] == pytest.approx(full["mse"]) and history["mae"][0] == pytest.approx(full["mae"])
    assert all(type(v) is float for v in history["loss"] + history["mse"])


def test_training_accuracy_comes_from_the_epochs_predictions():
    model, loss, _, X, y = xor_setup()
    history = fit(model, loss, FrozenOptimizer(), X, y, epochs=1, batch_size=7, rng=0)
    assert history["accuracy"][0] == evaluate(model, loss, X, y)["accuracy"]


def test_float32_model_keeps_float32_and_history_is_float():
    X, y = xor(64, noise=0.1, rng=0)
    model = mlp([2, 8, 2], rng=0, dtype=np.float32)
    history = fit(model, SoftmaxCrossEntropy(), Adam(model.parameters(), lr=0.05), X.astype(np.float32), y,
                  epochs=3, batch_size=16, rng=0)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    assert type(history["loss"][0]) is float


def test_validation_metrics_and_lr_are_recorded():
    model, loss, opt, X, y = xor_setup()
    X_val, y_val = xor(40, noise=0.1, rng=9)
    history = fit(model, loss, opt, X, y, epochs=4, batch_size=32, rng=0, val=(X_val, y_val))
    assert list(history.keys()) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(v) == 4 for v in history.history.values())
    assert history["lr"] == [0.05] * 4
    assert history["val_loss"][-1] == pytest.approx(evaluate(model, loss, X_val, y_val)["loss"])
    assert history.best_epoch == int(np.argmin(history["val_loss"]))
    assert "val_loss" in history.message


def test_no_metrics_and_custom_metric():
    model, loss, opt, X, y = xor_setup()
    history = fit(model, loss, opt, X, y, epochs=2, batch_size=50, rng=0, metrics=None)
    assert list(history.keys()) == ["loss", "lr"]
    assert history.best_epoch == int(np.argmin(history["loss"]))

    def mean_logit(pred, target):
        return float(pred.mean())

    model, loss, opt, X, y = xor_setup()
    history = fit(model, loss, opt, X, y, epochs=2, batch_size=50, rng=0, metrics=["accuracy", mean_logit],
                  val=(X, y))
    assert "mean_logit" in history and "val_mean_logit" in history
    history = fit(model, loss, opt, X, y, epochs=1, batch_size=50, rng=0, metrics="accuracy")
    assert "accuracy" in history


# ---------------------------------------------------------------------------------- early stopping

def test_early_stopping_restores_the_best_weights_in_place():
    model, loss, opt, X, y, val = overfit_setup()
    params = model.parameters()
    arrays_before = [p.data for p in params]
    snapshots = []
    history = fit(model, loss, opt, X, y, epochs=300, batch_size=8, rng=0, val=val, metrics=("mae",),
                  early_stopping=10,
                  callbacks=[lambda epoch, h: snapshots.append([p.data.copy() for p in params])])
    assert history.stopped_early and history.epochs_run < 300
    best = history.best_epoch
    assert best == int(np.argmin(history["val_loss"]))
    assert history.epochs_run == best + 1 + 10
    assert len(snapshots) == history.epochs_run
    assert not np.array_equal(snapshots[best][0], snapshots[-1][0])  # the weights did move on
    for p, saved, same_array in zip(params, snapshots[best], arrays_before):
        assert np.array_equal(p.data, saved)  # restored to the best epoch's values
        assert p.data is same_array  # in place: optimizers keep valid references
    assert evaluate(model, loss, *val, metrics=())["loss"] == pytest.approx(history["val_loss"][best])
    assert f"epoch {best + 1}" in history.message and "Restored" in history.message


def test_early_stopping_without_restore_keeps_the_last_weights():
    model, loss, opt, X, y, val = overfit_setup()
    last = []
    history = fit(model, loss, opt, X, y, epochs=300, batch_size=8, rng=0, val=val, early_stopping=10,
                  restore_best=False, metrics=(),
                  callbacks=[lambda e, h: last.__setitem__(slice(None), [p.data.copy() for p in model.parameters()])])
    assert history.stopped_early and "Restored" not in history.message
    assert all(np.array_equal(p.data, s) for p, s in zip(model.parameters(), last))


def test_early_stopping_also_restores_batchnorm_running_statistics():
    model, loss, opt, X, y, val = overfit_setup(batchnorm=True)
    norm = model[1]
    running = []
    history = fit(model, loss, opt, X, y, epochs=300, batch_size=8, rng=0, val=val, early_stopping=5, metrics=(),
                  callbacks=[lambda e, h: running.append(norm.running_mean.copy())])
    assert history.stopped_early and history.best_epoch < history.epochs_run - 1
    assert np.array_equal(norm.running_mean, running[history.best_epoch])
    assert evaluate(model, loss, *val, metrics=())["loss"] == pytest.approx(history["val_loss"][history.best_epoch])


# ---------------------------------------------------------------------------------- divergence

def linear_regression_setup(lr: float):
    X, y = noisy_line(64, slope=2.0, intercept=1.0, noise=0.5, rng=0)
    model = mlp([1, 1], rng=0)
    return model, MSELoss(), SGD(model.parameters(), lr=lr), X, y


def test_divergence_with_a_huge_learning_rate_stops_and_says_so():
    model, loss, opt, X, y = linear_regression_setup(lr=5.0)  # stable only for lr < ~1/E[x^2]
    with pytest.warns(DivergenceWarning, match="diverged"):
        history = fit(model, loss, opt, X, y, epochs=100, batch_size=16, rng=0, metrics=("mae",))
    assert history.diverged and not history.stopped_early
    assert history.epochs_run < 100
    assert math.isnan(history["loss"][-1]) and math.isnan(history["mae"][-1])
    assert all(math.isfinite(v) for v in history["loss"][:-1])
    # stopped while the loss was still finite: it grew by six orders of magnitude first
    assert "the loss grew to" in history.message and "over 1e+06 times the first batch's" in history.message
    assert history["lr"][-1] == 5.0
    assert "learning rate" in history.message and "now 5" in history.message
    # a sane learning rate trains the same model fine
    model, loss, opt, X, y = linear_regression_setup(lr=0.05)
    history = fit(model, loss, opt, X, y, epochs=100, batch_size=16, rng=0, metrics=())
    assert not history.diverged and history["loss"][-1] < 0.5


def digits_setup(lr: float, batchnorm: bool = False):
    """reliability.md 2.3: 600 digits, standardised, a ReLU mlp trained with plain SGD in float64."""
    X, y = load_digits(np.float64)
    split = train_val_test_split(X[:600], y[:600], rng=0)
    scaler = Standardizer().fit(split.X_train)
    model = mlp([64, 64, 10], rng=0, batchnorm=batchnorm)
    data = (scaler.transform(split.X_train), split.y_train)
    val = (scaler.transform(split.X_val), split.y_val)
    return model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=lr), data, val


@pytest.mark.parametrize("lr, batchnorm", [(5.0, False), (1e4, True)])
def test_a_loss_that_explodes_without_overflowing_is_divergence(lr, batchnorm):
    # these runs used to climb to a loss of 5e236 (3.7e296 with BatchNorm), weights up to 1e119,
    # and end with diverged=False and "Trained 15 epochs; final loss 5.468e+236"
    model, loss, opt, (X, y), val = digits_setup(lr, batchnorm)
    with pytest.warns(DivergenceWarning, match="the loss grew to .* times the first batch's"):
        history = fit(model, loss, opt, X, y, epochs=15, batch_size=32, rng=0, val=val)
    assert history.diverged and history.epochs_run == 1
    assert f"now {lr:g}" in history.message and "Lower the learning rate" in history.message
    assert max(np.abs(p.data).max() for p in model.parameters()) < 1e6  # stopped long before 4e119
    with pytest.raises(ValueError, match="grew to"):
        digits_model, loss, opt, (X, y), val = digits_setup(lr, batchnorm)
        fit(digits_model, loss, opt, X, y, epochs=15, batch_size=32, rng=0, on_divergence="raise")


def test_ordinary_training_is_not_mistaken_for_divergence():
    model, loss, opt, (X, y), val = digits_setup(lr=0.5)  # large but stable: the loss jumps about at first
    history = fit(model, loss, opt, X, y, epochs=15, batch_size=32, rng=0, val=val)
    assert not history.diverged and history.epochs_run == 15 and history["val_accuracy"][-1] > 0.85


def test_a_model_that_already_fits_is_not_flagged_for_rounding_noise():
    # targets = the model's own outputs but one, off by 1e-9: the first batch's loss is exactly 0
    # and later ones ~1e-19, an infinite ratio; the floor on the first loss keeps this from counting
    X = np.linspace(-1, 1, 64).reshape(-1, 1)
    model = mlp([1, 1], rng=0)
    y = model.forward(X).copy()
    y[5] += 1e-9
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, y, epochs=5, batch_size=8, rng=0, metrics=())
    assert not history.diverged and max(history["loss"]) < 1e-18


def test_divergence_can_raise():
    model, loss, opt, X, y = linear_regression_setup(lr=5.0)
    with pytest.raises(ValueError, match="diverged"):
        fit(model, loss, opt, X, y, epochs=100, batch_size=16, rng=0, metrics=(), on_divergence="raise")
    assert model.training  # the mode was restored on the way out


def test_an_infinite_loss_from_finite_predictions_is_divergence():
    # float64 outputs around 1e160 are finite, but their squares overflow to inf inside MSELoss
    X = np.full((8, 1), 1e160)
    model = mlp([1, 1], rng=0)
    model[0].weight.data[...] = 1.0
    with pytest.warns(DivergenceWarning):
        history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, np.zeros((8, 1)), epochs=3,
                      batch_size=4, rng=0, metrics=())
    assert history.diverged and math.isnan(history["loss"][0]) and history.epochs_run == 1
    assert "epoch 1 (batch 1)" in history.message and "inf" in history.message


def test_infinite_predictions_are_divergence_not_a_loss_error():
    X = np.full((8, 1), 1e300)
    model = mlp([1, 2], rng=0)
    model[0].weight.data[...] = 1e300  # 1e300 * 1e300 overflows: the logits are inf
    with pytest.warns(DivergenceWarning, match="nan"):
        history = fit(model, SoftmaxCrossEntropy(), Adam(model.parameters()), X, np.zeros(8, dtype=int),
                      epochs=2, batch_size=4, rng=0)
    assert history.diverged and math.isnan(history["accuracy"][0])


def test_divergence_on_the_validation_set_restores_the_best_weights():
    X, y = noisy_line(32, noise=0.1, rng=0)
    X_val, y_val = noisy_line(8, noise=0.1, rng=1)
    model = mlp([1, 1], rng=0)
    weights = []

    def blow_up_validation(epoch, history):
        weights.append(model[0].weight.data.copy())
        if epoch == 2:
            X_val[0, 0] = 1e200  # finite, but its prediction squared overflows in epoch 4's validation

    with pytest.warns(DivergenceWarning, match="validation"):
        history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.01), X, y, epochs=10, batch_size=8, rng=0,
                      val=(X_val, y_val), early_stopping=50, metrics=("mae",), callbacks=[blow_up_validation])
    assert history.diverged and history.epochs_run == 4
    assert math.isinf(history["val_loss"][-1]) and math.isnan(history["val_mae"][-1])
    assert math.isfinite(history["loss"][-1])  # the training part of the epoch was fine
    assert np.array_equal(model[0].weight.data, weights[history.best_epoch])
    assert "Restored the weights of the best epoch" in history.message


def test_validation_overflow_to_inf_predictions_is_divergence():
    X, y = noisy_line(16, noise=0.1, rng=0)
    X_val = np.array([[np.finfo(np.float64).max]])
    model = mlp([1, 1], rng=0)
    model[0].weight.data[...] = 10.0  # max * 10 overflows to inf: MSELoss rejects inf predictions
    with pytest.warns(DivergenceWarning):
        history = fit(model, MSELoss(), FrozenOptimizer(), X, y, epochs=2, batch_size=8, rng=0,
                      val=(X_val, np.zeros((1, 1))), metrics=())
    assert history.diverged and math.isnan(history["val_loss"][0])
    with pytest.raises(ValueError, match="NaN or infinite"), np.errstate(over="ignore"):
        evaluate(model, MSELoss(), X_val, np.zeros((1, 1)), metrics=())  # evaluate itself does not hide it


def test_a_loss_error_on_finite_predictions_is_not_mistaken_for_divergence():
    model, loss, opt, X, y = xor_setup()
    with pytest.raises(ValueError, match="0..1"):
        fit(model, loss, opt, X, y + 5, epochs=1, batch_size=16, rng=0)  # labels out of range


# ---------------------------------------------------------------------------------- callbacks, progress, modes

def test_callbacks_run_every_epoch_and_can_stop_training():
    model, loss, opt, X, y = xor_setup()
    scheduler = StepLR(opt, step_size=1, gamma=0.5)
    calls = []

    def record(epoch, history):
        calls.append((epoch, len(history["loss"])))

    def schedule(epoch, history):
        scheduler.step()

    history = fit(model, loss, opt, X, y, epochs=3, batch_size=50, rng=0, callbacks=[record, schedule])
    assert calls == [(0, 1), (1, 2), (2, 3)]
    assert history["lr"] == [0.05, 0.025, 0.0125]  # the lr each epoch trained with
    assert opt.lr == pytest.approx(0.05 / 8)
    history = fit(model, loss, opt, X, y, epochs=10, batch_size=50, rng=0, callbacks=[lambda e, h: e == 1])
    assert history.epochs_run == 2 and history.stopped_early and "callback" in history.message
    # A NumPy bool (e.g. Optuna's trial.should_prune()) stops training too.
    history = fit(model, loss, opt, X, y, epochs=5, batch_size=50, rng=0, callbacks=[lambda e, h: np.bool_(True)])
    assert history.epochs_run == 1 and history.stopped_early


def test_progress_bar_shows_the_loss(capsys):
    model, loss, opt, X, y = xor_setup()
    fit(model, loss, opt, X, y, epochs=3, batch_size=50, rng=0, progress=True, val=(X, y))
    err = capsys.readouterr().err
    assert "loss=" in err and "val_loss=" in err and "3/3" in err
    fit(model, loss, opt, X, y, epochs=2, batch_size=50, rng=0)
    assert capsys.readouterr().err == ""  # progress=False prints nothing


def test_fit_trains_in_train_mode_and_restores_the_mode():
    X, y = xor(64, noise=0.1, rng=0)
    model = Sequential(Linear(2, 16, rng=0), ReLU(), Dropout(0.5, rng=0), Linear(16, 2, rng=1))
    seen_modes = []
    original_forward = model.forward

    def spy(x):
        seen_modes.append(model[2].training)
        return original_forward(x)

    model.forward = spy
    model.eval()
    fit(model, SoftmaxCrossEntropy(), Adam(model.parameters()), X, y, epochs=2, batch_size=32, rng=0, val=(X, y))
    assert seen_modes == [True, True, False, True, True, False]  # validation runs in eval mode
    assert not model.training and not model[2].training


# ---------------------------------------------------------------------------------- evaluate and metrics

def test_evaluate_uses_eval_mode_chunks_and_restores_the_mode():
    X, y = xor(100, noise=0.1, rng=0)
    model = Sequential(Linear(2, 16, rng=0), ReLU(), Dropout(0.5, rng=0), Linear(16, 2, rng=1))
    whole = evaluate(model, SoftmaxCrossEntropy(), X, y)
    assert whole == evaluate(model, SoftmaxCrossEntropy(), X, y)  # no dropout noise
    chunked = evaluate(model, SoftmaxCrossEntropy(), X, y, batch_size=7)
    assert chunked["loss"] == pytest.approx(whole["loss"]) and chunked["accuracy"] == whole["accuracy"]
    assert model.training and model[2].training
    model.eval()
    evaluate(model, SoftmaxCrossEntropy(), X, y, metrics=())
    assert not model.training
    with pytest.raises(ValueError, match="batch_size"):
        evaluate(model, SoftmaxCrossEntropy(), X, y, batch_size=0)


def test_binary_accuracy_threshold_follows_the_loss():
    model = Sequential(Identity())
    scores = np.array([[0.3], [0.2], [0.9]])  # all in [0, 1]: read as logits by BCEWithLogitsLoss
    targets = np.array([[1.0], [1.0], [1.0]])
    assert evaluate(model, BCEWithLogitsLoss(), scores, targets)["accuracy"] == 1.0  # threshold 0
    assert evaluate(model, MSELoss(), scores, targets)["accuracy"] == pytest.approx(1 / 3)  # inferred 0.5


def test_accuracy_cases():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [4.0, 0.0, 0.0]])
    assert accuracy(logits, [0, 1, 2, 1]) == 0.75
    assert accuracy(logits, np.eye(3)[[0, 1, 2, 1]]) == 0.75  # one-hot targets
    assert accuracy(np.array([0.2, 0.7, 0.6]), [0, 1, 0]) == pytest.approx(2 / 3)  # probabilities: 0.5
    assert accuracy(np.array([[-2.0], [3.0], [0.4]]), [[0], [1], [0]]) == pytest.approx(2 / 3)  # logits: 0
    assert accuracy(np.array([0.2, 0.7]), [1, 1], threshold=0.1) == 1.0
    with pytest.raises(ValueError, match="0/1"):
        accuracy(np.array([0.2, 0.7]), [0.5, 3.0])
    with pytest.raises(ValueError, match=re.escape("predictions of shape (4, 3) need targets of shape (4,)")):
        accuracy(logits, [0, 1])
    with pytest.raises(ValueError, match="one 0/1 target"):
        accuracy(np.array([0.2, 0.7]), [1, 0, 1])


def test_accuracy_checks_its_inputs_like_the_losses():
    logits = np.eye(4)  # a perfect prediction of labels 0..3
    with pytest.raises(ValueError, match=re.escape("y.ravel()")):
        accuracy(logits, np.arange(4).reshape(4, 1))  # was 0.25: the column was read as one-hot rows
    assert accuracy(logits, np.arange(4).reshape(4, 1).ravel()) == 1.0
    with pytest.raises(ValueError, match="must lie in 0..2 for 3 classes, found values from 0 to 7"):
        accuracy(np.eye(3), [0, 1, 7])  # was 0.667
    with pytest.raises(ValueError, match="integer class indices"):
        accuracy(np.eye(3), np.array(["a", "b", "c"]))  # was 0.0
    with pytest.raises(ValueError, match="predictions passed to accuracy contains 3 NaN"):
        accuracy(np.where(np.arange(3) == 0, np.nan, np.eye(3)), [0, 1, 2])  # was 1.0: NaN rows were class 0
    with pytest.raises(ValueError, match="target rows passed to accuracy must be probability rows"):
        accuracy(np.eye(3), 2 * np.eye(3))
    with pytest.raises(ValueError, match="predictions passed to accuracy is empty"):
        accuracy(np.zeros(0), np.zeros(0))  # was a raw "zero-size array" error
    with pytest.raises(ValueError, match="predictions passed to accuracy is empty"):
        accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int))  # was nan with a RuntimeWarning
    with pytest.raises(ValueError, match="targets passed to accuracy must be numeric"):
        accuracy(np.array([0.2, 0.7]), np.array(["a", "b"]))
    assert accuracy(np.array([[0.0, 1.0], [1.0, 0.0]]), [True, False]) == 1.0  # booleans are classes 0, 1
    assert accuracy([0.2, 0.7], [False, True]) == 1.0


def test_boolean_labels_train_like_integer_labels():
    runs = []
    for labels in (lambda y: y, lambda y: y.astype(bool)):
        model, loss, opt, X, y = xor_setup()
        runs.append(fit(model, loss, opt, X, labels(y), epochs=3, batch_size=16, rng=0).history)
    assert runs[0] == runs[1]


def test_regression_metrics():
    pred = np.array([[1.0], [2.0], [4.0]])
    assert mean_squared_error(pred, [1.0, 0.0, 1.0]) == pytest.approx((0 + 4 + 9) / 3)
    assert mean_absolute_error(pred, np.array([[1.0], [0.0], [1.0]])) == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="same number of values"):
        mean_squared_error(pred, [1.0, 2.0])
    for metric, name in ((mean_squared_error, "mse"), (mean_absolute_error, "mae")):
        with pytest.raises(ValueError, match=f"predictions passed to {name} is empty"):
            metric(np.zeros((0, 1)), np.zeros(0))  # was nan with a RuntimeWarning
        with pytest.raises(ValueError, match=f"targets passed to {name} contains 1 NaN"):
            metric(pred, [1.0, np.nan, 0.0])
    assert set(METRICS) == {"accuracy", "mse", "mae"}


def test_history_access():
    history = History(["loss"])
    history.history["loss"].extend([1.0, 0.5])
    assert history["loss"] == [1.0, 0.5] and "loss" in history and "val_loss" not in history
    assert history.epochs_run == 2 and "epochs_run=2" in repr(history)
    with pytest.raises(KeyError, match="it has loss"):
        history["val_loss"]
    assert History().epochs_run == 0


# ---------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("kwargs, match", [
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(epochs=2.5), "epochs"),
    (dict(batch_size=0), "batch_size"),
    (dict(on_divergence="ignore"), "on_divergence"),
    (dict(metrics=("f1",)), "unknown metric 'f1'"),
    (dict(metrics=("mse", "mse")), "distinct"),
    (dict(early_stopping=3), "needs val="),
    (dict(early_stopping=0, val=None), "patience"),
    (dict(val=(np.ones((3, 2)),)), "pair"),
    (dict(val=(np.ones((3, 2)), np.ones(2))), r"fit\(val=...\): X has 3 samples but y has 2"),
])
def test_fit_rejects_bad_arguments(kwargs, match):
    model, loss, opt, X, y = xor_setup()
    settings = dict(epochs=2, batch_size=8, rng=0)
    settings.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fit(model, loss, opt, X, y, **settings)


def test_fit_rejects_bad_data_with_a_fix():
    model, loss, opt, X, y = xor_setup()
    with pytest.raises(ValueError, match="X has 200 samples but y has 199"):
        fit(model, loss, opt, X, y[:-1], epochs=1, batch_size=8, rng=0)
    with pytest.raises(ValueError, match="empty"):
        fit(model, loss, opt, X[:0], y[:0], epochs=1, batch_size=8, rng=0)
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 NaN.*impute"):
        fit(model, loss, opt, X_nan, y, epochs=1, batch_size=8, rng=0)
    with pytest.raises(ValueError, match="y contains 1 NaN"):
        fit(model, MSELoss(), opt, X, np.where(np.arange(200) == 5, np.nan, 0.0), epochs=1, batch_size=8, rng=0)
    with pytest.raises(ValueError, match="numeric"):
        fit(model, loss, opt, np.array([["a", "b"]] * 200), y, epochs=1, batch_size=8, rng=0)
    with pytest.raises(ValueError, match="one row per sample"):
        fit(model, loss, opt, np.float64(1.0), y, epochs=1, batch_size=8, rng=0)


# ------------------------------------------------------------------ fit: order, per-epoch data
def test_shuffle_false_trains_on_the_rows_in_order_and_needs_no_randomness():
    seen = []

    class Recorder:
        """An identity 'model' that remembers the first input of every batch."""
        training = True

        def forward(self, x):
            seen.append(float(x[0, 0]))
            return self.w.data * x

        def backward(self, dout):
            self.w.grad[...] = 0.0
            return dout

        def parameters(self):
            return [self.w]

        def train(self):
            self.training = True

        def eval(self):
            self.training = False

    from nbcode.parameter import Parameter
    model = Recorder()
    model.w = Parameter(np.ones((1, 1)))
    X = np.arange(10.0).reshape(10, 1)
    fit(model, MSELoss(), FrozenOptimizer(), X, X, epochs=2, batch_size=4, rng=0, shuffle=False,
        metrics=None)
    assert seen == [0.0, 4.0, 8.0] * 2  # batch starts, in order, every epoch
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        fit(model, MSELoss(), FrozenOptimizer(), X, X, epochs=1, batch_size=4, rng=0, shuffle="no")


def test_on_epoch_start_gives_each_epoch_its_own_data():
    model, loss, opt, X, y = xor_setup()
    calls = []

    def flip_half(epoch, X_epoch, y_epoch):
        calls.append((epoch, X_epoch is X))
        return -X_epoch if epoch % 2 else X_epoch, y_epoch  # XOR is symmetric under x -> -x

    history = fit(model, loss, opt, X, y, epochs=4, batch_size=32, rng=0, on_epoch_start=flip_half)
    assert calls == [(0, True), (1, True), (2, True), (3, True)]  # always the original rows
    assert history["accuracy"][-1] > 0.9
    with pytest.raises(TypeError, match="must return a pair"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=32, rng=0, on_epoch_start=lambda e, a, b: a)
    with pytest.raises(ValueError, match="on_epoch_start.*epoch 1"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=32, rng=0, on_epoch_start=lambda e, a, b: (a[:5], b))
    with pytest.raises(TypeError, match="on_epoch_start must be a function"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=32, rng=0, on_epoch_start=3)


def test_early_stopping_object_keeps_and_restores_the_best_state():
    weights = np.array([1.0, 2.0])
    stopper = EarlyStopping([weights], patience=2)
    stopper.observe(0, 5.0)
    weights += 10  # training moves on, gets worse
    stopper.observe(1, 6.0)
    assert not stopper.should_stop and stopper.best_epoch == 0
    stopper.observe(2, 7.0)
    assert stopper.should_stop
    assert stopper.restore()
    np.testing.assert_array_equal(weights, [1.0, 2.0])  # in place
    assert not EarlyStopping([weights], patience=None).should_stop
    assert not EarlyStopping([weights], patience=2, restore_best=False).restore()
