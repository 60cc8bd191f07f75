"""Training speed: nbcode's fit() against a hand-fused NumPy loop, PyTorch (CPU) and scikit-learn.

Model: MLP 64-128-64-10 with ReLU, softmax cross-entropy, Adam(lr=1e-3), float32, on the
scikit-learn digits set (stratified 80/20 train/test split, seed 0, standardized on the training
part), 20 epochs at batch sizes 32 and 256. Reported: seconds per epoch (median over epochs 2..20
of every repeat: epoch 1 is a warm-up) and the final test accuracy. Then a width sweep (both
hidden layers 64..2048 wide, batch 256) of nbcode against torch, and where torch starts to win.

Engines, all from the same initial weights and (except scikit-learn) the same batches in the
same order:
1. nbcode: the public ``nbcode.train.fit`` (progress off, default metrics), as a chapter calls it;
2. fused NumPy: one function, no classes: forward, softmax-CE backward and Adam written inline
   with in-place ops and preallocated buffers: the speed limit of a NumPy engine;
3. PyTorch on the CPU: the same model, weights copied in, torch.optim.Adam, default threads;
4. scikit-learn MLPClassifier (solver='adam', alpha=0, max_iter=20, tol=0): its own init and
   shuffling; seconds per epoch = total fit time / 20.

Run:  python benchmarks/bench_training.py  [--quick] [--profile] [--no-write] [--threads N]
Writes benchmarks/results/training.json (training_threadsN.json with --threads N; and
training_profile.txt with --profile). ``--threads N`` caps BLAS (threadpoolctl) and torch
(torch.set_num_threads) at N threads; without it each library uses its default (on this 2-core
machine: OpenBLAS 2 threads, torch 2 threads). Multi-threaded BLAS degrades badly when other
processes compete for the cores, so the load average is recorded with the results.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nbcode.data import Standardizer, batches, load_digits, train_val_test_split  # noqa: E402
from nbcode.layers import SoftmaxCrossEntropy  # noqa: E402
from nbcode.network import mlp  # noqa: E402
from nbcode.optim import Adam  # noqa: E402
from nbcode.train import evaluate, fit  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def clocks() -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): CPU time is what the engine itself used, so it
    is far less sensitive than wall time to other processes competing for the cores (with one
    thread; spinning BLAS threads inflate it too)."""
    return time.perf_counter(), time.process_time()
SEED = 0
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8


# ------------------------------------------------------------------------------------------ data

def digits_split():
    X, y = load_digits(dtype=np.float32)
    split = train_val_test_split(X, y, val=0.0, test=0.2, rng=SEED, stratify=True)
    scaler = Standardizer().fit(split.X_train)
    return (scaler.transform(split.X_train), split.y_train, scaler.transform(split.X_test), split.y_test)


def epoch_orders(n: int, epochs: int, seed: int) -> list[np.ndarray]:
    """The permutations fit() draws (batches() calls rng.permutation(n) once per epoch)."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) for _ in range(epochs)]


def initial_weights(sizes, seed: int) -> list[np.ndarray]:
    """He-normal initial weights of nbcode's mlp, as arrays [W1, b1, W2, b2, ...] (W is (in, out))."""
    return [p.data.copy() for p in mlp(sizes, rng=seed, dtype=np.float32).parameters()]


# ------------------------------------------------------------------------------------------ engines

def run_nbcode(sizes, weights, X, y, X_test, y_test, epochs, batch_size, seed):
    model = mlp(sizes, rng=seed, dtype=np.float32)
    for p, w in zip(model.parameters(), weights):
        p.data[...] = w
    loss = SoftmaxCrossEntropy()
    optimizer = Adam(model.parameters(), lr=LR)
    stamps = [clocks()]
    fit(model, loss, optimizer, X, y, epochs=epochs, batch_size=batch_size, rng=np.random.default_rng(seed),
        progress=False, callbacks=[lambda epoch, history: stamps.append(clocks())])
    return np.diff(stamps, axis=0).tolist(), evaluate(model, loss, X_test, y_test)["accuracy"]


def run_fused(sizes, weights, X, y, X_test, y_test, epochs, batch_size, seed):
    """A plain NumPy MLP trainer: no classes, no checks, in-place everything (the speed limit)."""
    params = [w.copy() for w in weights]
    n_layers = len(params) // 2
    grads = [np.zeros_like(p) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    tmp = [np.empty_like(p) for p in params]
    b1, b2 = BETAS
    step = 0
    times = []
    for order in epoch_orders(len(X), epochs, seed):
        t0 = clocks()
        Xp, yp = X.take(order, axis=0), y.take(order)
        total = 0.0
        for start in range(0, len(X), batch_size):
            xb, yb = Xp[start:start + batch_size], yp[start:start + batch_size]
            nb = len(xb)
            # forward: h_{k+1} = relu(h_k W_k + b_k), logits at the end
            acts = [xb]
            h = xb
            for k in range(n_layers):
                h = h @ params[2 * k]
                h += params[2 * k + 1]
                if k < n_layers - 1:
                    np.maximum(h, 0, out=h)
                acts.append(h)
            # softmax cross-entropy and its gradient (softmax - onehot) / N
            logits = acts[-1]
            logits -= logits.max(axis=1, keepdims=True)
            np.exp(logits, out=logits)
            sums = logits.sum(axis=1, keepdims=True)
            logits /= sums
            rows = np.arange(nb)
            total += -float(np.log(logits[rows, yb]).sum())
            logits[rows, yb] -= 1.0
            logits *= 1.0 / nb
            d = logits
            # backward
            for k in range(n_layers - 1, -1, -1):
                np.dot(acts[k].T, d, out=grads[2 * k])
                d.sum(axis=0, out=grads[2 * k + 1])
                if k > 0:
                    d = d @ params[2 * k].T
                    d *= acts[k] > 0
            # Adam, torch's formula: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
            step += 1
            bc1 = 1.0 - b1 ** step
            bc2_sqrt = (1.0 - b2 ** step) ** 0.5
            for p, g, mi, vi, t in zip(params, grads, m, v, tmp):
                mi *= b1
                np.multiply(g, 1.0 - b1, out=t)
                mi += t
                vi *= b2
                np.multiply(g, g, out=t)
                t *= 1.0 - b2
                vi += t
                np.sqrt(vi, out=t)
                t *= 1.0 / bc2_sqrt
                t += EPS
                np.divide(mi, t, out=t)
                t *= LR / bc1
                p -= t
        times.append(np.subtract(clocks(), t0).tolist())
    h = X_test
    for k in range(n_layers):
        h = h @ params[2 * k] + params[2 * k + 1]
        if k < n_layers - 1:
            h = np.maximum(h, 0)
    return times, float(np.mean(h.argmax(axis=1) == y_test))


def run_torch(sizes, weights, X, y, X_test, y_test, epochs, batch_size, seed):
    import torch

    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = torch.nn.Linear(fan_in, fan_out)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights[2 * k].T.copy()))  # torch stores (out, in)
            linear.bias.copy_(torch.from_numpy(weights[2 * k + 1]))
        layers.append(linear)
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    times = []
    model.train()
    for order in epoch_orders(len(X), epochs, seed):
        t0 = clocks()
        idx = torch.from_numpy(order)
        Xp, yp = Xt[idx], yt[idx]
        total = 0.0
        for start in range(0, len(X), batch_size):
            xb, yb = Xp[start:start + batch_size], yp[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        times.append(np.subtract(clocks(), t0).tolist())
    model.eval()
    with torch.no_grad():
        acc = (model(torch.from_numpy(X_test)).argmax(dim=1).numpy() == y_test).mean()
    return times, float(acc)


def run_sklearn(sizes, X, y, X_test, y_test, epochs, batch_size, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation="relu", solver="adam",
                        learning_rate_init=LR, batch_size=batch_size, max_iter=epochs, tol=0.0,
                        n_iter_no_change=10**9, alpha=0.0, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = clocks()
        clf.fit(X, y)
        total = np.subtract(clocks(), t0) / epochs
    return [total.tolist()] * epochs, float(clf.score(X_test, y_test)), str(clf.coefs_[0].dtype)


# ------------------------------------------------------------------------------------------ reporting

def median_after_warmup(runs: list[list[list[float]]], clock: int = 0) -> float:
    """Median per-epoch seconds (clock 0: wall, 1: CPU) over all repeats, dropping each repeat's
    first (warm-up) epoch."""
    return statistics.median(t[clock] for times in runs for t in times[1:])


def fastest_after_warmup(runs: list[list[list[float]]], clock: int = 0) -> float:
    """The fastest epoch (after warm-up): the best estimate of the intrinsic cost when other
    processes load the machine (they can only add time, never remove it)."""
    return min(t[clock] for times in runs for t in times[1:])


def environment() -> dict:
    info = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "load_average_at_start": list(os.getloadavg()),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [{k: pool.get(k) for k in ("internal_api", "version", "architecture", "num_threads",
                                                   "threading_layer")} for pool in threadpool_info()]
    except ImportError:  # pragma: no cover
        info["blas"] = "threadpoolctl not installed"
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:  # pragma: no cover
        info["torch"] = None
    import sklearn

    info["sklearn"] = sklearn.__version__
    return info


def batch_iterator_costs(X, y) -> dict:
    """Per-epoch cost of two ways to cut shuffled batches (what batches() chose and why)."""
    rng = np.random.default_rng(0)
    out = {}
    for batch_size in (32, 256):
        def copy_then_slices():
            for _ in batches(X, y, batch_size, rng=rng):
                pass

        def fancy_index_each_batch():
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                idx = order[start:start + batch_size]
                X[idx], y[idx]

        for fn in (copy_then_slices, fancy_index_each_batch):
            best = min(_timeit(fn, 50) for _ in range(5))
            out[f"{fn.__name__}@{batch_size}"] = best
    return out


def _timeit(fn, number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def profile_fit(sizes, weights, X, y, batch_size: int, epochs: int = 20) -> str:
    model = mlp(sizes, rng=SEED, dtype=np.float32)
    for p, w in zip(model.parameters(), weights):
        p.data[...] = w
    loss = SoftmaxCrossEntropy()
    optimizer = Adam(model.parameters(), lr=LR)
    profiler = cProfile.Profile()
    profiler.enable()
    fit(model, loss, optimizer, X, y, epochs=epochs, batch_size=batch_size, rng=SEED)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and widths (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="also cProfile fit() at batch 32 and 256")
    parser.add_argument("--no-write", action="store_true", help="print only, do not write results/")
    parser.add_argument("--threads", type=int, default=None, help="cap BLAS and torch at this many threads")
    args = parser.parse_args()
    if args.threads is not None:
        import torch
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)  # kept for the life of the process
        torch.set_num_threads(args.threads)

    env = environment()
    print("environment:", json.dumps(env, indent=1))
    X, y, X_test, y_test = digits_split()
    print(f"digits: train {X.shape} {X.dtype}, test {X_test.shape}")
    sizes = [64, 128, 64, 10]
    weights = initial_weights(sizes, SEED)
    epochs = 20
    repeats = 2 if args.quick else 5
    main_table = []
    for batch_size in (32, 256):
        runs = {"nbcode fit()": [], "fused NumPy": [], "PyTorch CPU": []}
        accs = {}
        for _ in range(repeats):  # interleaved, so background load hits every engine alike
            for name, engine in (("nbcode fit()", run_nbcode), ("fused NumPy", run_fused), ("PyTorch CPU", run_torch)):
                times, acc = engine(sizes, weights, X, y, X_test, y_test, epochs, batch_size, SEED)
                runs[name].append(times)
                accs[name] = acc
        sk_times, sk_acc, sk_dtype = run_sklearn(sizes, X, y, X_test, y_test, epochs, batch_size, SEED)
        runs[f"scikit-learn MLP ({sk_dtype})"] = [sk_times]
        accs[f"scikit-learn MLP ({sk_dtype})"] = sk_acc
        fused_wall = median_after_warmup(runs["fused NumPy"], 0)
        fused_fast = fastest_after_warmup(runs["fused NumPy"], 0)
        fused_cpu = median_after_warmup(runs["fused NumPy"], 1)
        for name, r in runs.items():
            wall, fast, cpu = median_after_warmup(r, 0), fastest_after_warmup(r, 0), median_after_warmup(r, 1)
            main_table.append({"batch_size": batch_size, "engine": name, "seconds_per_epoch": wall,
                               "ratio_to_fused": wall / fused_wall, "fastest_epoch_seconds": fast,
                               "fastest_ratio_to_fused": fast / fused_fast, "cpu_seconds_per_epoch": cpu,
                               "cpu_ratio_to_fused": cpu / fused_cpu, "test_accuracy": accs[name]})
    print("\nMLP 64-128-64-10, Adam(1e-3), float32, digits (1437 train / 360 test), 20 epochs")
    print("median wall ms/epoch | fastest epoch ms | median CPU ms/epoch, each with its ratio to fused NumPy")
    print(f"{'batch':>5}  {'engine':<30} {'median':>8} {'x':>5} {'fastest':>8} {'x':>5} {'CPU':>8} {'x':>5} {'test acc':>9}")
    for row in main_table:
        print(f"{row['batch_size']:>5}  {row['engine']:<30} {1e3 * row['seconds_per_epoch']:>8.2f} "
              f"{row['ratio_to_fused']:>5.2f} {1e3 * row['fastest_epoch_seconds']:>8.2f} "
              f"{row['fastest_ratio_to_fused']:>5.2f} {1e3 * row['cpu_seconds_per_epoch']:>8.2f} "
              f"{row['cpu_ratio_to_fused']:>5.2f} {row['test_accuracy']:>9.4f}")
    for batch_size in (32, 256):
        acc = {r["engine"]: r["test_accuracy"] for r in main_table if r["batch_size"] == batch_size}
        gap = abs(acc["nbcode fit()"] - acc["PyTorch CPU"]) * 100
        print(f"batch {batch_size}: nbcode vs torch test accuracy differ by {gap:.2f} points "
              f"({'OK' if gap <= 1.0 else 'MORE THAN 1 POINT'})")

    widths = [64, 128, 256, 512] if args.quick else [64, 128, 256, 512, 1024, 2048]
    sweep = []
    sweep_epochs = 5
    for width in widths:
        wsizes = [64, width, width, 10]
        wweights = initial_weights(wsizes, SEED)
        reps = 2 if width >= 1024 else 3
        nb_runs, torch_runs = [], []
        for _ in range(reps):
            nb_runs.append(run_nbcode(wsizes, wweights, X, y, X_test, y_test, sweep_epochs, 256, SEED)[0])
            torch_runs.append(run_torch(wsizes, wweights, X, y, X_test, y_test, sweep_epochs, 256, SEED)[0])
        nb, tc = median_after_warmup(nb_runs, 0), median_after_warmup(torch_runs, 0)
        nb_fast, tc_fast = fastest_after_warmup(nb_runs, 0), fastest_after_warmup(torch_runs, 0)
        nb_cpu, tc_cpu = median_after_warmup(nb_runs, 1), median_after_warmup(torch_runs, 1)
        sweep.append({"width": width, "nbcode_seconds_per_epoch": nb, "torch_seconds_per_epoch": tc,
                      "nbcode_over_torch": nb / tc, "nbcode_fastest_epoch_seconds": nb_fast,
                      "torch_fastest_epoch_seconds": tc_fast, "fastest_nbcode_over_torch": nb_fast / tc_fast,
                      "nbcode_cpu_seconds_per_epoch": nb_cpu, "torch_cpu_seconds_per_epoch": tc_cpu,
                      "cpu_nbcode_over_torch": nb_cpu / tc_cpu})
    print(f"\nwidth sweep: MLP 64-w-w-10, batch 256, {sweep_epochs} epochs (median wall ms/epoch; ratios "
          "of the median, of the fastest epoch and of the CPU time)")
    print(f"{'width':>6} {'nbcode ms':>10} {'torch ms':>10} {'nb/torch':>9} {'fastest':>8} {'CPU':>6}")
    for row in sweep:
        print(f"{row['width']:>6} {1e3 * row['nbcode_seconds_per_epoch']:>10.2f} "
              f"{1e3 * row['torch_seconds_per_epoch']:>10.2f} {row['nbcode_over_torch']:>9.2f} "
              f"{row['fastest_nbcode_over_torch']:>8.2f} {row['cpu_nbcode_over_torch']:>6.2f}")
    # judged on the fastest epochs: the least disturbed by other load on the machine
    slower = [r["width"] for r in sweep if r["fastest_nbcode_over_torch"] > 1.0]
    faster = [r["width"] for r in sweep if r["fastest_nbcode_over_torch"] <= 1.0]
    if slower and faster:
        crossover = f"nbcode is faster up to width {max(faster)}; torch is faster from width {min(slower)}"
        if max(faster) > min(slower):
            crossover += " (not monotone: the two are within noise there)"
    elif faster:
        crossover = f"nbcode is as fast or faster at every width up to {max(faster)}"
    else:
        crossover = f"torch is faster at every width from {min(slower)}"
    print("crossover:", crossover)

    iterator = batch_iterator_costs(X, y)
    print("\nbatch iterator, seconds per epoch (digits train set):")
    for key, seconds in iterator.items():
        print(f"  {key:<32} {1e6 * seconds:8.1f} us")

    results = {"environment": env, "model": "MLP 64-128-64-10 ReLU, softmax cross-entropy, Adam lr=1e-3, float32",
               "data": "sklearn digits, stratified 80/20 split seed 0, standardized", "epochs": epochs,
               "timing": "median seconds per epoch over epochs 2..20 of each repeat (epoch 1 is warm-up); "
                         f"{repeats} interleaved repeats; scikit-learn: total fit time / epochs; "
                         "wall clock (perf_counter) and process CPU time (process_time); fastest epoch "
                         "after warm-up also given (least disturbed by other load); crossover judged on it",
               "main": main_table, "width_sweep": sweep, "crossover": crossover,
               "batch_iterator_seconds_per_epoch": iterator}
    if args.profile:
        text = ""
        for batch_size in (32, 256):
            text += f"==== cProfile of fit(), batch {batch_size}, 20 epochs ====\n"
            text += profile_fit(sizes, weights, X, y, batch_size)
        print("\n" + text)
        if not args.no_write:
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "training_profile.txt").write_text(text)
    results["environment"]["load_average_at_end"] = list(os.getloadavg())
    print("load average (1, 5, 15 min) at start", env["load_average_at_start"], "at end", list(os.getloadavg()))
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        name = "training.json" if args.threads is None else f"training_threads{args.threads}.json"
        (RESULTS / name).write_text(json.dumps(results, indent=1) + "\n")
        print(f"\nwrote {RESULTS / name}")


if __name__ == "__main__":
    main()
