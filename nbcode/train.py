"""The training loop: epochs of mini-batches, metrics, history, early stopping, divergence.

One step of mini-batch gradient descent is always the same five lines::

    out = model.forward(x_batch)            # predictions
    batch_loss = loss.forward(out, y_batch)  # a float: the mean loss over the batch
    optimizer.zero_grad()                    # forget the previous batch's gradients
    model.backward(loss.backward())          # backpropagation fills every p.grad
    optimizer.step()                         # p.data -= update(p.grad)

:func:`fit` runs exactly these lines (no private fast path), plus the bookkeeping a reader would
otherwise write by hand: the per-epoch loss and metrics, validation, early stopping with the
best weights restored, stopping when the loss becomes NaN or infinite or grows by orders of
magnitude (divergence), and a progress bar.
"""

from __future__ import annotations

import math
import warnings
from functools import partial
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from nbcode._checks import (
    as_float_array, as_rng, check_finite, check_nonempty, class_targets, flag, positive_int, real_number,
)
from nbcode.data import batches

__all__ = ["History", "DivergenceWarning", "DIVERGENCE_GROWTH", "EarlyStopping", "fit", "evaluate", "accuracy", "mean_squared_error",
           "mean_absolute_error", "METRICS"]


class DivergenceWarning(UserWarning):
    """Training stopped because the loss became NaN or infinite or grew by orders of magnitude."""


#: :func:`fit` reports divergence when a batch loss is NaN or infinite or when ``|loss|`` exceeds
#: ``DIVERGENCE_GROWTH`` times the first batch's ``|loss|`` (taken as at least ``_LOSS_FLOOR``, so a
#: model that already fits perfectly is not flagged for rounding noise). Over the ~2,800 fit calls
#: of the book the largest ratio is about 100; a diverging run passes 1e6 within an epoch or two,
#: long before it overflows.
DIVERGENCE_GROWTH = 1e6
_LOSS_FLOOR = 1e-8


# --------------------------------------------------------------------------------------------
# metrics: functions of (predictions, targets) -> float
# --------------------------------------------------------------------------------------------

def accuracy(logits_or_probs, y, *, threshold: float | None = None) -> float:
    """Fraction of samples whose predicted class equals the true class.

    * Several output columns ``(N, C)``: the predicted class is the argmax of each row (logits
      and probabilities give the same argmax); ``y`` is integer labels ``(N,)`` or one-hot /
      probability rows ``(N, C)`` (their argmax is the class).
    * One output ``(N,)`` or ``(N, 1)``: a binary classifier predicting class 1 when the output
      exceeds ``threshold``; ``y`` holds 0/1. Use 0.5 for probabilities (after a sigmoid) and 0
      for logits (``sigmoid(z) > 0.5`` exactly when ``z > 0``). With ``threshold=None`` it is
      inferred: 0.5 if every output lies in [0, 1], otherwise 0. :func:`fit` and
      :func:`evaluate` pass 0 when the loss works on logits (``BCEWithLogitsLoss``).

    The inputs are checked as the losses check them: non-empty, finite, labels in range (booleans
    count as 0 and 1), target rows that are probabilities; anything else is a ``ValueError``.
    """
    pred = _metric_values(logits_or_probs, "predictions", "accuracy")
    if pred.ndim == 2 and pred.shape[1] > 1:
        labels, rows = class_targets(y, pred.shape, "accuracy", scores="predictions")
        if rows is not None:
            check_finite(rows, "target rows passed to accuracy")
            labels = rows.argmax(axis=1)
        return float(np.mean(pred.argmax(axis=1) == labels))
    scores = pred.reshape(-1)
    truth = _metric_values(y, "targets", "accuracy").reshape(-1)
    if truth.shape != scores.shape:
        raise ValueError(f"accuracy got predictions of shape {pred.shape} and targets of shape {np.shape(y)}; "
                         "pass one 0/1 target per prediction.")
    if not np.all((truth == 0) | (truth == 1)):
        raise ValueError("accuracy with one output column needs 0/1 class targets, got other values; "
                         "for regression use metrics=('mse',) or ('mae',).")
    if threshold is None:
        threshold = 0.5 if scores.min() >= 0.0 and scores.max() <= 1.0 else 0.0
    threshold = real_number(threshold, "accuracy: threshold", fix="0.5 for probabilities, 0 for logits")
    return float(np.mean((scores > threshold) == (truth == 1)))


def _metric_values(values, what: str, where: str) -> np.ndarray:
    """A metric's input as a non-empty, finite float array (a clear error otherwise)."""
    arr = as_float_array(values, f"{what} passed to {where}")
    check_nonempty(arr, f"{what} passed to {where}")
    check_finite(arr, f"{what} passed to {where}")
    return arr


def _paired(pred, y, name: str) -> tuple[np.ndarray, np.ndarray]:
    pred = _metric_values(pred, "predictions", name)
    y = _metric_values(y, "targets", name)
    if pred.size != y.size:
        raise ValueError(f"{name} got predictions of shape {pred.shape} and targets of shape {y.shape}; "
                         "they need the same number of values.")
    return pred, y.reshape(pred.shape)


def mean_squared_error(pred, y) -> float:
    """``mean((pred - y)^2)`` over all values (targets reshaped to the predictions' shape)."""
    pred, y = _paired(pred, y, "mse")
    diff = pred - y
    return float(np.mean(diff * diff))


def mean_absolute_error(pred, y) -> float:
    """``mean(|pred - y|)`` over all values (targets reshaped to the predictions' shape)."""
    pred, y = _paired(pred, y, "mae")
    return float(np.mean(np.abs(pred - y)))


#: Metric names accepted by :func:`fit` and :func:`evaluate`.
METRICS: dict[str, Callable[..., float]] = {
    "accuracy": accuracy,
    "mse": mean_squared_error,
    "mae": mean_absolute_error,
}


def _threshold_for(loss) -> float | None:
    """0 for losses that take logits (BCEWithLogitsLoss), else None (infer from the outputs)."""
    return 0.0 if "logits" in type(loss).__name__.lower() else None


def _resolve_metrics(metrics, loss) -> list[tuple[str, Callable[[np.ndarray, np.ndarray], float]]]:
    if metrics is None:
        return []
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    resolved = []
    for metric in metrics:
        if callable(metric):
            resolved.append((getattr(metric, "__name__", "metric"), metric))
        elif metric == "accuracy":
            resolved.append(("accuracy", partial(accuracy, threshold=_threshold_for(loss))))
        elif metric in METRICS:
            resolved.append((metric, METRICS[metric]))
        else:
            raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)} "
                             "or pass a function f(predictions, targets) -> float.")
    names = [name for name, _ in resolved]
    if len(set(names)) != len(names) or "loss" in names:
        raise ValueError(f"metric names must be distinct and not 'loss', got {names}.")
    return resolved


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------

def _check_xy(X, y, where: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{where}: X and y need one row per sample, got shapes {X.shape} and {y.shape}.")
    if len(X) != len(y):
        raise ValueError(f"{where}: X has {len(X)} samples but y has {len(y)}; pass one target per row of X.")
    if len(X) == 0:
        raise ValueError(f"{where}: the data is empty (0 samples); pass at least one sample.")
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{where}: X must be numeric, got dtype {X.dtype}; convert it with X.astype(np.float32).")
    for name, arr in (("X", X), ("y", y)):
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
            raise ValueError(f"{where}: {name} contains {bad} NaN or infinite value(s); drop or impute those "
                             "samples first (e.g. X[np.isfinite(X).all(axis=1)] or np.nan_to_num).")
    return X, y


# --------------------------------------------------------------------------------------------
# history, evaluate, fit
# --------------------------------------------------------------------------------------------

class History:
    """What happened during :func:`fit`.

    ``history`` maps ``'loss'``, each metric name, ``'val_loss'`` and ``'val_' + metric`` (when
    validation data was given) and ``'lr'`` (when the optimizer has one) to per-epoch lists;
    ``history['loss'][e]`` is epoch ``e`` (0-based). ``best_epoch`` is the 0-based epoch with the
    lowest ``val_loss`` (or training ``loss`` without validation data); ``stopped_early`` says
    early stopping or a callback ended training; ``diverged`` says the loss became NaN/inf or
    grew over ``DIVERGENCE_GROWTH`` times its first value;
    ``message`` says in a sentence what happened. ``h['loss']`` is ``h.history['loss']``.
    """

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.history: dict[str, list[float]] = {key: [] for key in keys}
        self.best_epoch: int | None = None
        self.stopped_early = False
        self.diverged = False
        self.message = ""

    @property
    def epochs_run(self) -> int:
        """Number of epochs started (a diverged epoch counts, with NaN entries)."""
        return len(self.history.get("loss", ()))

    def __getitem__(self, key: str) -> list[float]:
        try:
            return self.history[key]
        except KeyError:
            raise KeyError(f"no {key!r} in this history; it has {', '.join(self.history) or 'nothing'}.") from None

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def keys(self):
        return self.history.keys()

    def __repr__(self) -> str:
        return (f"History(epochs_run={self.epochs_run}, best_epoch={self.best_epoch}, "
                f"stopped_early={self.stopped_early}, diverged={self.diverged}, keys={list(self.history)})")


def _set_mode(model, training: bool) -> None:
    if training:
        model.train()
    else:
        model.eval()


def _evaluate(model, loss, X, y, metric_fns, chunk: int, nan_ok: bool = False) -> dict[str, float]:
    """Eval-mode loss and metrics over (X, y) in chunks; inputs already checked.

    ``nan_ok``: report a loss of NaN (and NaN metrics) for non-finite predictions instead of
    letting the loss raise; fit uses it to detect divergence on the validation data.
    """
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        n = len(X)
        total = 0.0
        preds = None
        for start in range(0, n, chunk):
            xb, yb = X[start:start + chunk], y[start:start + chunk]
            out = model.forward(xb)
            try:
                total += float(loss.forward(out, yb)) * len(xb)
            except ValueError:
                if not nan_ok or np.all(np.isfinite(out)):
                    raise
                total = math.nan
            if metric_fns:
                if preds is None:
                    preds = np.empty((n,) + out.shape[1:], dtype=out.dtype)
                preds[start:start + len(xb)] = out
        results = {"loss": total / n}
        for name, fn in metric_fns:
            results[name] = float(fn(preds, y)) if math.isfinite(total) else math.nan
        return results
    finally:
        _set_mode(model, was_training)


def evaluate(model, loss, X, y, metrics: Sequence[str | Callable] | None = ("accuracy",), *,
             batch_size: int = 8192) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``(X, y)`` in eval mode (Dropout off, BatchNorm running stats).

    Returns ``{'loss': ..., 'accuracy': ...}``. The model's previous train/eval mode is restored.
    The data goes through in chunks of ``batch_size`` rows to bound memory; the loss is the mean
    over all samples either way.
    """
    X, y = _check_xy(X, y, "evaluate")
    metric_fns = _resolve_metrics(metrics, loss)
    chunk = positive_int(batch_size, "batch_size", "batch_size=1024")
    return _evaluate(model, loss, X, y, metric_fns, chunk)


def _state_arrays(model, params) -> list[np.ndarray]:
    """The arrays that define a trained model: parameter data, then running statistics
    (``running_mean``/``running_var`` of BatchNorm and any other ``running_*`` array of a layer),
    which are not parameters but change during training. Snapshots copy these, in place."""
    arrays = [p.data for p in params]
    stack = [model]
    while stack:
        layer = stack.pop()
        stack.extend(reversed(getattr(layer, "layers", [])))
        for name, value in sorted(getattr(layer, "__dict__", {}).items()):
            if name.startswith("running_") and isinstance(value, np.ndarray):
                arrays.append(value)
    return arrays


def _lr_of(optimizer) -> float | None:
    lr = getattr(optimizer, "lr", None)
    return float(lr) if isinstance(lr, (int, float, np.floating)) and not isinstance(lr, bool) else None


_QUIET_OVERFLOW = dict(over="ignore", invalid="ignore", divide="ignore")  # for np.errstate


class _Diverged(Exception):
    """Raised inside :func:`fit` when the loss diverges: where (``"batch 3"``, ``"validation"``) and what."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(what)
        self.where, self.what = where, what


class _DivergenceGuard:
    """Judges each batch loss: NaN/inf, or ``|loss|`` over ``DIVERGENCE_GROWTH`` times the first batch's."""

    def __init__(self) -> None:
        self.first: float | None = None

    def check(self, batch_loss: float, where: str) -> None:
        if self.first is None:
            self.first = max(abs(batch_loss), _LOSS_FLOOR) if math.isfinite(batch_loss) else math.nan
        if not math.isfinite(batch_loss):
            raise _Diverged(where, f"the loss became {batch_loss}")
        if abs(batch_loss) > DIVERGENCE_GROWTH * self.first:
            raise _Diverged(where, f"the loss grew to {batch_loss:.4g}, over {DIVERGENCE_GROWTH:g} times "
                                   f"the first batch's {self.first:.4g}")


class EarlyStopping:
    """The best epoch so far, a copy of the model's state at it, and when to stop.

    ``observe(epoch, value)`` after every epoch records a new best (copying ``state``, the
    model's parameter arrays and running statistics, when the best weights are to be restored);
    ``should_stop`` becomes true after ``patience`` epochs without improvement (never when
    ``patience`` is None);
    ``restore()`` copies the best state back, in place. :func:`fit` makes one from its
    ``early_stopping`` and ``restore_best`` arguments.
    """

    def __init__(self, state: list[np.ndarray], patience: int | None, restore_best: bool = True) -> None:
        self.state = state
        self.patience = patience
        self.best, self.best_epoch, self.waited = math.inf, None, 0
        if patience is not None:
            patience = positive_int(patience, "EarlyStopping: patience (in epochs)", "patience=5")
        keep = patience is not None and flag(restore_best, "EarlyStopping: restore_best")
        self.snapshot = [np.empty_like(a) for a in state] if keep else None

    def observe(self, epoch: int, value: float) -> None:
        if value < self.best:
            self.best, self.best_epoch, self.waited = value, epoch, 0
            if self.snapshot is not None:
                for saved, current in zip(self.snapshot, self.state):
                    np.copyto(saved, current)
        else:
            self.waited += 1

    @property
    def should_stop(self) -> bool:
        return self.patience is not None and self.waited >= self.patience

    def restore(self) -> bool:
        """Copy the best epoch's state back into the model; False if there is none to restore."""
        if self.snapshot is None or self.best_epoch is None:
            return False
        for saved, current in zip(self.snapshot, self.state):
            np.copyto(current, saved)
        return True


class _EpochRecord:
    """One epoch's running sums: the loss weighted by batch size, and the outputs for the metrics."""

    def __init__(self, n: int, keep_outputs: bool) -> None:
        self.n, self.keep_outputs = n, keep_outputs
        self.total, self.seen = 0.0, 0
        self.preds = self.targets = None

    def add(self, batch_loss: float, out: np.ndarray, yb: np.ndarray) -> None:
        m = len(yb)
        if self.keep_outputs:
            if self.preds is None:
                self.preds = np.empty((self.n,) + out.shape[1:], dtype=out.dtype)
                self.targets = np.empty((self.n,) + yb.shape[1:], dtype=yb.dtype)
            self.preds[self.seen:self.seen + m] = out
            self.targets[self.seen:self.seen + m] = yb
        self.total += batch_loss * m
        self.seen += m

    def results(self, metric_fns) -> dict[str, float]:
        results = {"loss": self.total / self.seen}
        results.update((name, float(fn(self.preds, self.targets))) for name, fn in metric_fns)
        return results


def _batch_loss(loss, out: np.ndarray, yb) -> float:
    try:
        return float(loss.forward(out, yb))
    except ValueError:
        # nbcode's losses reject NaN/inf predictions; from a model that trained fine until now,
        # that is divergence (its weights overflowed)
        if np.all(np.isfinite(out)):
            raise
        return math.nan


def _train_epoch(model, loss, optimizer, data, record: _EpochRecord, guard: _DivergenceGuard) -> None:
    """One pass over ``data`` (an iterable of mini-batches): the five lines, then the bookkeeping.

    Overflow inside a diverging model is reported once, by the guard, not as a stream of NumPy
    RuntimeWarnings; only the loss scalar is checked per batch (cheap).
    """
    with np.errstate(**_QUIET_OVERFLOW):
        for number, (xb, yb) in enumerate(data, start=1):
            out = model.forward(xb)
            batch_loss = _batch_loss(loss, out, yb)
            guard.check(batch_loss, f"batch {number}")
            optimizer.zero_grad()
            model.backward(loss.backward())
            optimizer.step()
            record.add(batch_loss, out, yb)


def fit(model, loss, optimizer, X, y, *, epochs: int, batch_size: int, rng: np.random.Generator | int | None,
        val: tuple[Any, Any] | None = None, metrics: Sequence[str | Callable] | None = ("accuracy",),
        early_stopping: int | None = None, restore_best: bool = True, shuffle: bool = True,
        on_epoch_start: Callable | None = None, progress: bool = False, on_divergence: str = "stop",
        callbacks: Sequence[Callable] | None = None) -> History:
    """Train ``model`` with mini-batch gradient descent and return a :class:`History`.

    Each epoch draws a fresh shuffle of the training data from ``rng`` (``shuffle=False``: the
    rows in order) and runs the five-line step (forward, loss, zero_grad, backward, step) on
    every mini-batch of ``batch_size`` rows (the last one may be smaller). Recorded per epoch:

    * ``loss``: mean of the batch losses weighted by batch size, i.e. the mean training loss
      over the epoch's samples while the weights were changing (as Keras reports it);
    * each metric (``"accuracy"``, ``"mse"``, ``"mae"`` or a function ``f(pred, y) -> float``) on
      the predictions made during the epoch, for the same reason cheap: no extra pass;
    * with ``val=(X_val, y_val)``: ``val_loss`` and ``val_<metric>``, in eval mode after the epoch.

    ``on_epoch_start(epoch, X, y)``, if given, returns the ``(X, y)`` the epoch trains on, e.g.
    freshly augmented copies (same number of rows; the originals are passed every time).
    ``early_stopping=p`` (needs ``val``) stops when ``val_loss`` has not improved for ``p``
    epochs; with ``restore_best=True`` the parameters are then copied back, in place, to their
    values at the best epoch. If a batch loss becomes NaN or infinite or ``|loss|`` grows over
    ``DIVERGENCE_GROWTH`` (1e6) times the first batch's, or the validation loss becomes NaN or
    infinite, training stops at once with ``History.diverged = True``, a
    :class:`DivergenceWarning` and a message (``on_divergence="raise"`` raises ``ValueError``
    instead). ``progress=True`` shows a tqdm bar over epochs (notebook-aware). Each callback is
    called as ``callback(epoch, history)`` after every epoch; returning a true value (``True``,
    ``np.True_``) stops training (e.g. ``lambda e, h: scheduler.step()`` for a learning-rate
    schedule). The model's train/eval mode is restored at the end.
    """
    X, y = _check_xy(X, y, "fit")
    epochs = positive_int(epochs, "epochs", "epochs=20")
    batch_size = positive_int(batch_size, "batch_size", "batch_size=32")
    metric_fns = _resolve_metrics(metrics, loss)
    val = _check_val(val)
    patience = None if early_stopping is None else positive_int(
        early_stopping, "early_stopping (the patience in epochs)", "early_stopping=5")
    _check_options(on_divergence, shuffle, on_epoch_start, patience, val)
    stopper = EarlyStopping(_state_arrays(model, model.parameters()), patience, flag(restore_best, "restore_best"))
    history = History(_history_keys(metric_fns, val is not None, _lr_of(optimizer) is not None))
    gen, guard = as_rng(rng), _DivergenceGuard()
    was_training = getattr(model, "training", True)
    progress = flag(progress, "progress")
    epoch_iter = _epoch_range(epochs, progress)
    model.train()
    try:
        for epoch in epoch_iter:
            Xe, ye = _epoch_data(on_epoch_start, epoch, X, y)
            record = _EpochRecord(len(Xe), keep_outputs=bool(metric_fns))
            _train_epoch(model, loss, optimizer, batches(Xe, ye, batch_size, rng=gen, shuffle=shuffle), record, guard)
            _record_epoch(history, record.results(metric_fns), model, loss, val, metric_fns, optimizer)
            _show_progress(epoch_iter, history, progress)
            stopper.observe(epoch, history["val_loss" if val is not None else "loss"][-1])
            history.best_epoch = stopper.best_epoch
            if _should_stop(history, epoch, stopper, callbacks):
                break
    except _Diverged as event:
        _diverged(history, epoch, event, optimizer, on_divergence, stopper)
        return history
    finally:
        if progress:
            epoch_iter.close()
        _set_mode(model, was_training)
    _finish(history, stopper, val is not None)
    return history


def _check_val(val):
    if val is None:
        return None
    if not isinstance(val, (tuple, list)) or len(val) != 2:
        raise ValueError("val must be a pair (X_val, y_val), e.g. val=(split.X_val, split.y_val).")
    return _check_xy(val[0], val[1], "fit(val=...)")


def _check_options(on_divergence, shuffle, on_epoch_start, patience, val) -> None:
    if on_divergence not in ("stop", "raise"):
        raise ValueError(f"on_divergence must be 'stop' or 'raise', got {on_divergence!r}.")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}.")
    if on_epoch_start is not None and not callable(on_epoch_start):
        raise TypeError(f"on_epoch_start must be a function (epoch, X, y) -> (X, y), got {on_epoch_start!r}.")
    if patience is not None and val is None:
        raise ValueError("early_stopping watches the validation loss, so it needs val=(X_val, y_val); "
                         "split some data off with train_val_test_split.")


def _history_keys(metric_fns, has_val: bool, has_lr: bool) -> list[str]:
    keys = ["loss"] + [name for name, _ in metric_fns]
    if has_val:
        keys += ["val_loss"] + ["val_" + name for name, _ in metric_fns]
    return keys + (["lr"] if has_lr else [])


def _epoch_range(epochs: int, progress: bool):
    if not progress:
        return range(epochs)
    from tqdm.auto import trange

    return trange(epochs, desc="fit", unit="epoch")


def _epoch_data(on_epoch_start, epoch: int, X: np.ndarray, y: np.ndarray):
    """The rows this epoch trains on: ``(X, y)``, or what ``on_epoch_start`` makes of them."""
    if on_epoch_start is None:
        return X, y
    made = on_epoch_start(epoch, X, y)
    if not isinstance(made, (tuple, list)) or len(made) != 2:
        raise TypeError(f"on_epoch_start must return a pair (X, y) for the epoch, got {type(made).__name__}.")
    Xe, ye = _check_xy(made[0], made[1], f"fit(on_epoch_start=...) in epoch {epoch + 1}")
    return Xe, ye


def _record_epoch(history: History, train: dict[str, float], model, loss, val, metric_fns, optimizer) -> None:
    """Append the epoch's training results, then the validation results (raising :class:`_Diverged`
    if the validation loss is not finite), then the learning rate."""
    record = history.history
    for name, value in train.items():
        record[name].append(value)
    if val is not None:
        with np.errstate(**_QUIET_OVERFLOW):
            results = _evaluate(model, loss, *val, metric_fns, 8192, nan_ok=True)
        for name, value in results.items():
            record["val_" + name].append(value)
        if not math.isfinite(results["loss"]):
            raise _Diverged("validation", f"the loss became {results['loss']}")
    if "lr" in record:
        record["lr"].append(_lr_of(optimizer))


def _show_progress(epoch_iter, history: History, progress: bool) -> None:
    if progress:
        shown = {key: f"{history[key][-1]:.4g}" for key in ("loss", "val_loss") if key in history}
        epoch_iter.set_postfix(shown, refresh=False)


def _should_stop(history: History, epoch: int, stopper: EarlyStopping, callbacks) -> bool:
    """Ask every callback (all of them, each epoch), then early stopping; set the message if stopping."""
    if any([bool(callback(epoch, history)) for callback in callbacks or ()]):
        history.message = f"Stopped after epoch {epoch + 1} by a callback."
    elif stopper.should_stop:
        history.message = (f"Stopped early after epoch {epoch + 1}: val_loss has not improved for "
                           f"{stopper.patience} epochs (best {stopper.best:.4g} at epoch {stopper.best_epoch + 1}).")
    else:
        return False
    history.stopped_early = True
    return True


def _finish(history: History, stopper: EarlyStopping, has_val: bool) -> None:
    """Restore the best weights if training went past them, and say in a sentence what happened."""
    if stopper.best_epoch != history.epochs_run - 1 and stopper.restore():
        history.message += (f" Restored the weights of epoch {stopper.best_epoch + 1} "
                            f"(val_loss {stopper.best:.4g}).")
    if not history.message:
        history.message = f"Trained {history.epochs_run} epochs; final loss {history['loss'][-1]:.4g}"
        if has_val:
            history.message += f", val_loss {history['val_loss'][-1]:.4g}"
        history.message += "."
    history.message = history.message.strip()


def _diverged(history: History, epoch: int, event: _Diverged, optimizer, on_divergence: str,
              stopper: EarlyStopping) -> None:
    """Record a diverged loss: complete the epoch's entries, restore the best weights if kept, warn or raise."""
    lr = _lr_of(optimizer)
    message = (f"Training diverged in epoch {epoch + 1} ({event.where}): {event.what}. "
               f"Lower the learning rate{f' (now {lr:g})' if lr is not None else ''} about 10x, "
               "standardize the inputs, or check the data for extreme values.")
    # finish this epoch's row: NaN for what was not measured (validation, if it ran, is recorded)
    rows = len(history["loss"]) if event.where == "validation" else len(history["loss"]) + 1
    for key, values in history.history.items():
        if len(values) < rows:
            values.append(lr if key == "lr" else math.nan)
    history.diverged = True
    if stopper.restore():
        message += f" Restored the weights of the best epoch ({stopper.best_epoch + 1})."
    history.message = message
    if on_divergence == "raise":
        raise ValueError(message)
    warnings.warn(message, DivergenceWarning, stacklevel=3)
