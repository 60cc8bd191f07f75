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

from nbcode._checks import as_float_array, check_finite, check_nonempty, class_targets
from nbcode.data import _rng, batches

__all__ = ["History", "DivergenceWarning", "DIVERGENCE_GROWTH", "fit", "evaluate", "accuracy", "mean_squared_error",
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


def _positive_int(value, name: str, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}; e.g. {example}.")
    return int(value)


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
    chunk = _positive_int(batch_size, "batch_size", "batch_size=1024")
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


def fit(model, loss, optimizer, X, y, *, epochs: int, batch_size: int, rng: np.random.Generator | int | None,
        val: tuple[Any, Any] | None = None, metrics: Sequence[str | Callable] | None = ("accuracy",),
        early_stopping: int | None = None, restore_best: bool = True, progress: bool = False,
        on_divergence: str = "stop", callbacks: Sequence[Callable] | None = None) -> History:
    """Train ``model`` with mini-batch gradient descent and return a :class:`History`.

    Each epoch draws a fresh shuffle of the training data from ``rng`` and runs the five-line
    step (forward, loss, zero_grad, backward, step) on every mini-batch of ``batch_size`` rows
    (the last one may be smaller). Recorded per epoch:

    * ``loss``: mean of the batch losses weighted by batch size, i.e. the mean training loss
      over the epoch's samples while the weights were changing (as Keras reports it);
    * each metric (``"accuracy"``, ``"mse"``, ``"mae"`` or a function ``f(pred, y) -> float``) on
      the predictions made during the epoch, for the same reason cheap: no extra pass;
    * with ``val=(X_val, y_val)``: ``val_loss`` and ``val_<metric>``, in eval mode after the epoch.

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
    epochs = _positive_int(epochs, "epochs", "epochs=20")
    batch_size = _positive_int(batch_size, "batch_size", "batch_size=32")
    if on_divergence not in ("stop", "raise"):
        raise ValueError(f"on_divergence must be 'stop' or 'raise', got {on_divergence!r}.")
    metric_fns = _resolve_metrics(metrics, loss)
    if val is not None:
        if not isinstance(val, (tuple, list)) or len(val) != 2:
            raise ValueError("val must be a pair (X_val, y_val), e.g. val=(split.X_val, split.y_val).")
        X_val, y_val = _check_xy(val[0], val[1], "fit(val=...)")
    if early_stopping is not None:
        early_stopping = _positive_int(early_stopping, "early_stopping (the patience in epochs)", "early_stopping=5")
        if val is None:
            raise ValueError("early_stopping watches the validation loss, so it needs val=(X_val, y_val); "
                             "split some data off with train_val_test_split.")
    callbacks = list(callbacks or ())
    gen = _rng(rng)
    params = model.parameters()
    lr = _lr_of(optimizer)

    keys = ["loss"] + [name for name, _ in metric_fns]
    if val is not None:
        keys += ["val_loss"] + ["val_" + name for name, _ in metric_fns]
    if lr is not None:
        keys.append("lr")
    history = History(keys)
    monitor = "val_loss" if val is not None else "loss"
    keep_best = early_stopping is not None and restore_best
    state = _state_arrays(model, params)
    snapshot = [np.empty_like(a) for a in state] if keep_best else None
    best = math.inf
    waited = 0
    n = len(X)
    preds = targets = None  # filled batch by batch for the epoch's training metrics
    limit = None  # the largest |batch loss| that is not divergence, set from the first batch
    was_training = getattr(model, "training", True)

    if progress:
        from tqdm.auto import trange

        epoch_iter = trange(epochs, desc="fit", unit="epoch")
    else:
        epoch_iter = range(epochs)

    model.train()
    # Overflow inside a diverging model is reported once, through History, not as a stream of
    # NumPy RuntimeWarnings; only the loss scalar is checked per batch (cheap).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            for epoch in epoch_iter:
                total = 0.0
                seen = 0
                for xb, yb in batches(X, y, batch_size, rng=gen, shuffle=True):
                    out = model.forward(xb)
                    try:
                        batch_loss = float(loss.forward(out, yb))
                    except ValueError:
                        # nbcode's losses reject NaN/inf predictions; from a model that trained
                        # fine until now, that is divergence (its weights overflowed)
                        if np.all(np.isfinite(out)):
                            raise
                        batch_loss = math.nan
                    if limit is None:
                        limit = DIVERGENCE_GROWTH * max(abs(batch_loss), _LOSS_FLOOR)
                    if not (math.isfinite(batch_loss) and abs(batch_loss) <= limit):
                        _diverged(history, epoch, f"batch {seen // batch_size + 1}", _blow_up(batch_loss, limit),
                                  optimizer, on_divergence, snapshot if best < math.inf else None, state)
                        return history
                    optimizer.zero_grad()
                    model.backward(loss.backward())
                    optimizer.step()
                    m = len(xb)
                    if metric_fns:
                        if preds is None:
                            preds = np.empty((n,) + out.shape[1:], dtype=out.dtype)
                            targets = np.empty((n,) + yb.shape[1:], dtype=yb.dtype)
                        preds[seen:seen + m] = out
                        targets[seen:seen + m] = yb
                    total += batch_loss * m
                    seen += m

                record = history.history
                record["loss"].append(total / seen)
                for name, fn in metric_fns:
                    record[name].append(float(fn(preds, targets)))
                if val is not None:
                    results = _evaluate(model, loss, X_val, y_val, metric_fns, 8192, nan_ok=True)
                    if not math.isfinite(results["loss"]):
                        for name, value in results.items():
                            record["val_" + name].append(value)
                        _diverged(history, epoch, "validation", _blow_up(results["loss"]), optimizer,
                                  on_divergence, snapshot if best < math.inf else None, state, recorded=True)
                        return history
                    for name, value in results.items():
                        record["val_" + name].append(value)
                if lr is not None:
                    record["lr"].append(_lr_of(optimizer))
                if progress:
                    shown = {"loss": f"{record['loss'][-1]:.4g}"}
                    if val is not None:
                        shown["val_loss"] = f"{record['val_loss'][-1]:.4g}"
                    epoch_iter.set_postfix(shown, refresh=False)

                current = record[monitor][-1]
                if current < best:
                    best = current
                    history.best_epoch = epoch
                    waited = 0
                    if keep_best:
                        for saved, current in zip(snapshot, state):
                            np.copyto(saved, current)
                else:
                    waited += 1

                if any([bool(callback(epoch, history)) for callback in callbacks]):
                    history.stopped_early = True
                    history.message = f"Stopped after epoch {epoch + 1} by a callback."
                    break
                if early_stopping is not None and waited >= early_stopping:
                    history.stopped_early = True
                    history.message = (f"Stopped early after epoch {epoch + 1}: val_loss has not improved for "
                                       f"{early_stopping} epochs (best {best:.4g} at epoch {history.best_epoch + 1}).")
                    break
        finally:
            if progress:
                epoch_iter.close()
            _set_mode(model, was_training)

    if keep_best and history.best_epoch is not None and history.best_epoch != history.epochs_run - 1:
        for saved, current in zip(snapshot, state):
            np.copyto(current, saved)
        history.message += (f" Restored the weights of epoch {history.best_epoch + 1} "
                            f"(val_loss {best:.4g}).")
    if not history.message:
        history.message = f"Trained {history.epochs_run} epochs; final loss {history['loss'][-1]:.4g}"
        if val is not None:
            history.message += f", val_loss {history['val_loss'][-1]:.4g}"
        history.message += "."
    history.message = history.message.strip()
    return history


def _blow_up(value: float, limit: float = math.inf) -> str:
    """What a diverged loss did, for the message."""
    if math.isfinite(value):
        return (f"the loss grew to {value:.4g}, over {DIVERGENCE_GROWTH:g} times the first batch's "
                f"{limit / DIVERGENCE_GROWTH:.4g}")
    return f"the loss became {value}"


def _diverged(history: History, epoch: int, where: str, what: str, optimizer, on_divergence: str,
              snapshot: list[np.ndarray] | None, state: list[np.ndarray], recorded: bool = False) -> None:
    """Record a diverged loss: complete the epoch's entries, restore the best weights if kept, warn or raise."""
    lr = _lr_of(optimizer)
    message = (f"Training diverged in epoch {epoch + 1} ({where}): {what}. "
               f"Lower the learning rate{f' (now {lr:g})' if lr is not None else ''} about 10x, "
               "standardize the inputs, or check the data for extreme values.")
    # finish this epoch's row: NaN for what was not measured (all but lr unless `recorded`)
    for key, values in history.history.items():
        if key == "lr":
            values.append(lr)
        elif not recorded:
            values.append(math.nan)
    history.diverged = True
    if snapshot is not None:
        for saved, current in zip(snapshot, state):
            np.copyto(current, saved)
        message += f" Restored the weights of the best epoch ({history.best_epoch + 1})."
    history.message = message
    if on_divergence == "raise":
        raise ValueError(message)
    warnings.warn(message, DivergenceWarning, stacklevel=3)
