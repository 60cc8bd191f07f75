#!/usr/bin/env python
"""Adversarial sweep over nbcode's public API: bad input must get a clear error raised by nbcode.

For every public function and class of the numerical modules (activations, layers, losses,
network, optim, init, data, train, gradcheck, landscapes, ensemble, search, cluster, parameter)
the TABLE below holds ONE valid baseline call. The sweep checks that the baseline succeeds, then
repeats the call once per mutation of one argument: wrong ndim, wrong length, empty, NaN, inf,
string dtype, None, bool; out-of-range, negative, fractional and column labels; wrong-type,
non-finite and out-of-range hyperparameters; unknown names; bad rng. Each mutation is either
must-fail (invalid input) or must-work (valid input in another form: a list for an array,
float32/float16 data, an int for a float, a numpy scalar, bool labels as classes 0/1 ...).
Every call runs under a 10 s alarm with NumPy's default error state, and is classified:

  clear          ValueError/TypeError raised by a ``raise`` statement in nbcode/ whose message
                 says which input is wrong: it names the parameter (or a word the table lists
                 for it; for a length/width mismatch, either argument), quotes the bad string
                 value, or the call has only one argument
  vague          the same, but the message does not say which parameter is wrong
  raw            anything else: an exception raised inside NumPy or Python (UFuncTypeError,
                 IndexError, "could not convert string to float" ...), an nbcode exception that
                 is not a ValueError/TypeError, or a timeout
  silent-accept  a must-fail mutation returned normally, with finite results
  silent-nan     a call returned NaN or inf (anywhere in its result) that it should not have
  silent-wrong   a value-preserving must-work mutation (a list, a numpy scalar, whole-valued
                 float labels ...) gave a result different from the baseline's
  broken-valid   a must-work mutation raised
  ok             a must-work mutation worked, or NaN/inf passed through a function documented
                 to propagate it (activations, layers, elementwise maths; see --strict-nan)

RuntimeWarnings are recorded and listed for calls that returned normally (a hint of NaN).

Run from the repository root:

    .venv/bin/python tools/api_sweep.py                      # summary table + every finding
    .venv/bin/python tools/api_sweep.py --only layers,losses
    .venv/bin/python tools/api_sweep.py --verbose            # every call, also clear/ok ones
    .venv/bin/python tools/api_sweep.py --json /tmp/sweep/results.json
    .venv/bin/python tools/api_sweep.py --strict-nan         # NaN/inf through activations and
                                                             # layers counts as must-fail too

Exit status: 0 when every call is clear or ok, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import io
import json
import linecache
import math
import re
import signal
import sys
import time
import types
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NBCODE_DIR = (ROOT / "nbcode").resolve()
TIMEOUT_S = 10

from nbcode import (  # noqa: E402
    activations, cluster, data, ensemble, gradcheck, init, landscapes, layers, losses, network, optim, search, train,
)
from nbcode import parameter as parameter  # noqa: E402
from nbcode.parameter import Parameter  # noqa: E402

MODULES = {m.__name__.split(".")[-1]: m for m in (
    activations, layers, losses, network, optim, init, data, train, gradcheck, landscapes, ensemble, search,
    cluster, parameter)}

#: Public callables deliberately not swept, and why.
SKIPPED = {
    "layers.Layer": "abstract base class (forward/backward raise NotImplementedError)",
    "layers.Loss": "abstract base class",
    "optim.Optimizer": "abstract base class (its step/zero_grad/lr are swept through SGD)",
    "data.Split": "NamedTuple container, no validation intended",
    "train.DivergenceWarning": "a warning class",
    "ensemble.Bag": "NamedTuple container",
    "ensemble.TreeGroup": "built by fit_trees; TreeGroup.predict is swept",
    "search.Trial": "NamedTuple container",
    "cluster.Survey": "NamedTuple container",
    "cluster.LloydHistory": "NamedTuple container",
    "cluster.KMeansResult": "NamedTuple container",
    "cluster.PCAResult": "frozen dataclass built by pca; PCAResult.transform is swept",
    "landscapes.Surface": "frozen dataclass container; its methods f/grad/grid/levels are swept",
}

# ============================================================================ mutation vocabulary
FAIL, WORK, PROPAGATE = "must-fail", "must-work", "propagate"


class NotApplicable(Exception):
    """The mutation makes no sense for this baseline value (e.g. a column cut from a 1-D array)."""


@dataclass
class Mut:
    """One mutation of one argument: ``make(baseline_value) -> mutated value``."""

    label: str
    make: Callable[[Any], Any]
    expect: str = FAIL
    same: bool = False  # value-preserving: the result must equal the baseline's
    allow: tuple = ()  # exception types that also count as a clear refusal (e.g. FileNotFoundError)


def _const(value):
    return lambda v: value


def _arr(v) -> np.ndarray:
    return np.asarray(v)


def _entry(value):
    """The baseline as a float array with its first entry replaced by ``value``."""
    def make(v):
        a = np.array(v, dtype=np.float64, copy=True)
        if a.size == 0:
            raise NotApplicable
        a.flat[0] = value
        return a
    return make


def _int_entry(value):
    """The baseline (integer labels) with its first entry replaced by ``value``, dtype kept."""
    def make(v):
        a = np.array(v, copy=True)
        if a.size == 0:
            raise NotApplicable
        a.flat[0] = value
        return a
    return make


def _drop_axis(v):
    a = _arr(v)
    if a.ndim == 0:
        raise NotApplicable
    return a[0]


def _empty(v):
    a = _arr(v)
    if a.ndim == 0:
        raise NotApplicable
    return a[:0]


def _shorter(v):
    a = _arr(v)
    if a.ndim == 0 or len(a) < 2:
        raise NotApplicable
    return a[:-1]


def _narrower(v):
    a = _arr(v)
    if a.ndim != 2 or a.shape[1] < 2:
        raise NotApplicable
    return a[:, :-1]


def _words(spec) -> frozenset:
    return frozenset(spec.split()) if isinstance(spec, str) else frozenset(spec)


@dataclass
class Arg:
    """One argument of a baseline call and how to mutate it.

    ``kind`` lists the mutations; ``work``/``fail``/``skip``/``propagate`` override the
    expectation of mutations by label (space-separated); ``extra`` adds custom mutations;
    ``names`` are further words a clear error message may use for the argument.
    """

    name: str
    kind: Callable[["Arg"], list]
    names: tuple = ()
    work: Any = ""
    fail: Any = ""
    skip: Any = ""
    propagate: Any = ""
    extra: tuple = ()
    low: Any = None
    high: Any = None
    low_open: bool = False
    high_open: bool = False
    classes: int = 0
    paired: bool = False  # has a partner argument with the same number of samples
    width: bool = False  # its number of columns is fixed by something else
    none_ok: bool = False
    alts: tuple = ()  # further valid values (names: "ReLU", "kaiming_normal" ...)
    dtypes_ok: tuple = (np.float32, np.float64)

    def __post_init__(self):
        self.work, self.fail = _words(self.work), _words(self.fail)
        self.skip, self.propagate = _words(self.skip), _words(self.propagate)

    def mutations(self, strict_nan: bool) -> list:
        muts = [replace(m) for m in self.kind(self) + list(self.extra) if m.label not in self.skip]
        for m in muts:  # (copies: the extra mutations are shared between table entries)
            if m.label in self.work:
                m.expect = WORK
            elif m.label in self.fail:
                m.expect = FAIL
            elif m.label in self.propagate:
                m.expect = FAIL if strict_nan else PROPAGATE
        return muts


# ---------------------------------------------------------------------------- kinds
def _array_muts(a: Arg) -> list:
    """A float data array (features, predictions, a gradient ...)."""
    muts = [
        Mut("list", lambda v: _arr(v).tolist(), WORK, same=True),
        Mut("float32", lambda v: _arr(v).astype(np.float32), WORK),
        Mut("float16", lambda v: _arr(v).astype(np.float16), WORK),
        Mut("bool", lambda v: _arr(v) > 0, WORK),
        Mut("add_axis", lambda v: _arr(v)[..., None]),
        Mut("drop_axis", _drop_axis),
        Mut("empty", _empty),
        Mut("nan", _entry(np.nan)),
        Mut("inf", _entry(np.inf)),
        Mut("str", lambda v: _arr(v).astype(str)),
        Mut("None", _const(None), WORK if a.none_ok else FAIL),
    ]
    if a.paired:
        muts.append(Mut("wrong_len", _shorter))
    if a.width:
        muts.append(Mut("wrong_width", _narrower))
    return muts


def _unit_muts(a: Arg) -> list:
    """Probabilities or 0/1 targets: an array whose values must lie in [0, 1]."""
    return _array_muts(a) + [Mut("above_one", _entry(2.0)), Mut("negative", _entry(-1.0))]


def _label_muts(a: Arg) -> list:
    """Integer class labels in 0..classes-1 (whole floats and bools are classes too)."""
    muts = [
        Mut("list", lambda v: _arr(v).tolist(), WORK, same=True),
        Mut("whole_float", lambda v: _arr(v).astype(np.float64), WORK, same=True),
        Mut("bool", lambda v: _arr(v) > 0, WORK),
        Mut("out_of_range", _int_entry(a.classes)),
        Mut("negative", _int_entry(-1)),
        Mut("fractional", _entry(0.5)),
        Mut("nan", _entry(np.nan)),
        Mut("column", lambda v: _arr(v)[:, None]),
        Mut("empty", _empty),
        Mut("str", lambda v: _arr(v).astype(str)),
        Mut("None", _const(None), WORK if a.none_ok else FAIL),
    ]
    if a.paired:
        muts.append(Mut("wrong_len", _shorter))
    return muts


def _in_range(a: Arg, x: float) -> bool:
    if a.low is not None and (x < a.low or (a.low_open and x == a.low)):
        return False
    return not (a.high is not None and (x > a.high or (a.high_open and x == a.high)))


def _valid_int(a: Arg):
    for k in (1, 0, 2, 3, 10, -1):
        if _in_range(a, k):
            return k
    raise NotApplicable


def _real_muts(a: Arg) -> list:
    """A float hyperparameter, optionally bounded by [low, high] (ends open or closed)."""
    muts = [
        Mut("int", lambda v: _valid_int(a), WORK),
        Mut("np.float64", lambda v: np.float64(v), WORK, same=True),
        Mut("str", lambda v: str(v)),
        Mut("None", _const(None), WORK if a.none_ok else FAIL),
        Mut("True", _const(True)),
        Mut("nan", _const(math.nan)),
        Mut("inf", _const(math.inf)),
        Mut("array", lambda v: np.array([v, v], dtype=np.float64)),
    ]
    if a.low is not None:
        muts += [Mut("at_low", _const(a.low), FAIL if a.low_open else WORK),
                 Mut("below", _const(a.low - 1.0))]
    if a.high is not None:
        muts += [Mut("at_high", _const(a.high), FAIL if a.high_open else WORK),
                 Mut("huge", _const(1e300))]
    return muts


def _count_muts(a: Arg) -> list:
    """An integer hyperparameter (a count, a size, an index), optionally bounded."""
    muts = [
        Mut("np.int64", lambda v: np.int64(v), WORK, same=True),
        Mut("2.5", _const(2.5)),
        Mut("str", lambda v: str(v)),
        Mut("True", _const(True)),
        Mut("None", _const(None), WORK if a.none_ok else FAIL),
    ]
    if a.low is not None:
        muts += [Mut("at_low", _const(a.low), WORK), Mut("below", _const(a.low - 1))]
        if a.low - 1 != -1:
            muts.append(Mut("-1", _const(-1)))
    if a.high is not None:
        muts += [Mut("at_high", _const(a.high), WORK), Mut("above", _const(a.high + 1))]
    return muts


def _name_muts(a: Arg) -> list:
    """A name chosen from a fixed set (activation, optimizer, init, method ...)."""
    return [
        Mut("unknown", _const("bogus")),
        Mut("int", _const(3)),
        Mut("None", _const(None), WORK if a.none_ok else FAIL),
        Mut("list", lambda v: [v]),
    ] + [Mut(f"alt {alt!r}", _const(alt), WORK) for alt in a.alts]


def _rng_muts(a: Arg) -> list:
    def same_seed_generator(v):
        if isinstance(v, bool) or not isinstance(v, int):
            raise NotApplicable
        return np.random.default_rng(v)
    return [
        Mut("Generator", same_seed_generator, WORK, same=True),
        Mut("None", _const(None), WORK if a.none_ok else FAIL),
        Mut("str", _const("seed")),
        Mut("float", _const(1.5)),
        Mut("negative", _const(-1)),
        Mut("RandomState", lambda v: np.random.RandomState(0)),
    ]


def _flag_muts(a: Arg) -> list:
    return [
        Mut("np.bool_", lambda v: np.bool_(v), WORK, same=True),
        Mut("'False'", _const("False")),  # a non-empty string is truthy: bool("False") is True
        Mut("array", _const(np.array([True, False]))),
    ]


def _dtype_muts(a: Arg) -> list:
    ok = {np.dtype(d) for d in a.dtypes_ok}
    return [Mut(f"{name}", _const(d), WORK if np.dtype(d) in ok else FAIL)
            for name, d in (("float32", np.float32), ("float16", np.float16), ("int64", np.int64))] + [
        Mut("unknown", _const("bogus"))]


def _callable_muts(a: Arg) -> list:
    return [Mut("not_callable", _const(3)), Mut("None", _const(None), WORK if a.none_ok else FAIL)]


def _sizes_muts(a: Arg) -> list:
    """A list of positive integers (layer sizes, values of k)."""
    low = 1 if a.low is None else a.low
    return [
        Mut("tuple", lambda v: tuple(v), WORK, same=True),
        Mut("np.array", lambda v: np.array(v), WORK, same=True),
        Mut("empty", _const([])),
        Mut("has_below", lambda v: [low - 1] + list(v)[1:]),
        Mut("has_float", lambda v: [2.5] + list(v)[1:]),
        Mut("has_bool", lambda v: [True] + list(v)[1:]),
        Mut("has_str", lambda v: [str(v[0])] + list(v)[1:]),
        Mut("None", _const(None)),
        Mut("scalar", lambda v: v[0]),
    ]


def _no_muts(a: Arg) -> list:
    return []


# Argument constructors, named after what the argument is.
def array(name, **kw):
    if name == "X":  # messages describe a feature matrix by its rows and columns
        kw["names"] = tuple(kw.get("names", ())) + ("features", "feature", "samples")
    return Arg(name, _array_muts, **kw)
def unit(name, **kw): return Arg(name, _unit_muts, **kw)
def labels(name, classes, **kw): return Arg(name, _label_muts, classes=classes, **kw)
def real(name, **kw): return Arg(name, _real_muts, **kw)
def count(name, low=1, **kw): return Arg(name, _count_muts, low=low, **kw)
def choice(name, **kw): return Arg(name, _name_muts, **kw)
def flag(name, **kw): return Arg(name, _flag_muts, **kw)
def dtype(name="dtype", **kw): return Arg(name, _dtype_muts, **kw)
def func(name, **kw): return Arg(name, _callable_muts, **kw)
def sizes(name, **kw): return Arg(name, _sizes_muts, **kw)
def custom(name, *muts, **kw): return Arg(name, _no_muts, extra=tuple(muts), **kw)


def rng(name="rng", **kw):
    kw.setdefault("none_ok", True)
    kw["names"] = tuple(kw.get("names", ())) + ("seed", "Generator")
    return Arg(name, _rng_muts, **kw)


# Shared expectation sets.
# any shape is valid, and NaN passes through (documented in nbcode.activations)
ELEMENTWISE = dict(work="add_axis drop_axis empty", propagate="nan inf", names=("array", "input"))
# layers propagate NaN; the loss detects it (documented in nbcode.layers)
LAYER_INPUT = dict(propagate="nan inf", names=("input", "batch"))
CONTENT_FREE = dict(skip="nan inf str")  # the values are only moved around, never computed with

# ============================================================================ baselines
RNG0 = 0


def X43():
    return np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7], [-0.4, 2.2, 1.1], [0.9, -0.6, 0.05]])


def Y4():
    return np.array([0, 1, 2, 0])


def XN(n, d=3, seed=1):
    return np.random.default_rng(seed).normal(size=(n, d))


def YN(n, classes=3):
    return np.arange(n) % classes


def YR(n, seed=2):
    return np.random.default_rng(seed).normal(size=n)


def ACT():
    return np.array([[-2.0, -0.5, 0.0, 1.5], [3.0, -1.0, 0.25, 2.0]])


def IMG(n=4):
    return np.random.default_rng(3).random((n, 64))


def XC():
    return np.array([[0.0, 0.0], [0.1, 0.2], [0.2, -0.1], [-0.1, 0.1],
                     [3.0, 3.0], [3.1, 2.9], [2.9, 3.2], [3.2, 3.1]])


def L8():
    return np.array([0, 0, 0, 0, 1, 1, 1, 1])


def C2():
    return np.array([[0.0, 0.0], [3.0, 3.0]])


def forwarded(layer, *inputs):
    """``layer`` after one forward pass (so backward has something to work with)."""
    layer.forward(*inputs)
    return layer


def then(make, after):
    """``make(*args, **kwargs)`` followed by ``after(result)`` (e.g. build an optimizer, then
    step it twice), keeping ``make``'s signature so its arguments can be mutated by name."""
    @functools.wraps(make)
    def call(*args, **kwargs):
        return after(make(*args, **kwargs))
    call.__signature__ = inspect.signature(make)
    return call


def params2():
    """Two parameters with gradients; some gradient entries are 0 (0/0 traps in adaptive rules)."""
    w = Parameter(np.array([[1.0, -2.0], [0.5, 0.0]]), "weight")
    w.grad[...] = [[0.1, -0.2], [0.0, 0.3]]
    b = Parameter(np.zeros(2), "bias")
    return [w, b]


def two_steps(opt):
    opt.step()
    opt.step()
    return opt


def sgd():
    return optim.SGD(params2(), lr=0.1, momentum=0.9)


def three_epochs(scheduler):
    lrs = []
    for _ in range(3):
        scheduler.optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    return lrs


def probe_surface(surface):
    """What a picture uses of a surface: f_min, f and grad at the default start, a small grid."""
    return surface.f_min, surface.f(*surface.default_start), surface.grad(surface.default_start), surface.grid(4)


def PREDICT4(model):
    """A fitted model's predictions on 4 fresh rows (fitted tree arrays hold NaN thresholds at leaves by design)."""
    return model.predict(XN(4))


def mlp343():
    return network.mlp([3, 4, 3], rng=0)


def fit_tree(X=None, y=None):
    return ensemble.RegressionTree(2).fit(XN(8) if X is None else X, YR(8) if y is None else y)


PARAMS = dict(names=("parameters", "parameter list", "parameter"))
PARAMS_MUTS = (
    Mut("generator", lambda v: (p for p in v), WORK, same=True),
    Mut("tuple", lambda v: tuple(v), WORK, same=True),
    Mut("single_parameter", lambda v: v[0]),
    Mut("empty", _const([])),
    Mut("arrays", lambda v: [p.data for p in v]),
    Mut("duplicate", lambda v: [v[0], v[0]]),
    Mut("dict_group", lambda v: [{"params": v}]),
    Mut("None", _const(None)),
)

BETAS_MUTS = (
    Mut("list", lambda v: list(v), WORK, same=True),
    Mut("np.array", lambda v: np.array(v), WORK, same=True),
    Mut("one_value", lambda v: (v[0],)),
    Mut("three_values", lambda v: (v[0], v[1], 0.9)),
    Mut("scalar", _const(0.9)),
    Mut("None", _const(None)),
    Mut("beta1=1", lambda v: (1.0, v[1])),
    Mut("beta2<0", lambda v: (v[0], -0.1)),
    Mut("str_entry", lambda v: (v[0], str(v[1]))),
    Mut("nan_entry", lambda v: (math.nan, v[1])),
    Mut("bool_entry", lambda v: (True, v[1])),
)

RANGE_MUTS = (  # a (low, high) pair: x_range, clip
    Mut("list", lambda v: list(v), WORK, same=True),
    Mut("reversed", lambda v: (v[1], v[0])),
    Mut("one_value", lambda v: (v[0],)),
    Mut("str", _const(("a", "b"))),
    Mut("nan", lambda v: (math.nan, v[1])),
    Mut("inf", lambda v: (v[0], math.inf)),
    Mut("scalar", _const(3.0)),
)

SHAPE_MUTS = (  # an image shape (height, width) of 64 pixels
    Mut("(4, 16)", _const((4, 16)), WORK),
    Mut("list", lambda v: list(v), WORK, same=True),
    Mut("one_value", _const((8,))),
    Mut("floats", _const((8.0, 8.0))),
    Mut("negative", _const((-8, -8))),
    Mut("str", _const(("8", "8"))),
    Mut("None", _const(None)),
)

SPACE = dict(names=("search space", "hyperparameter"))
SPACE_MUTS = (
    Mut("empty", _const({})),
    Mut("not_a_distribution", _const({"lr": 3})),
    Mut("value_list", _const({"lr": [1e-3, 1e-2]})),
    Mut("pairs", lambda v: list(v.items())),
    Mut("None", _const(None)),
)

OBJECTIVE_MUTS = (
    Mut("not_callable", _const(3)),
    Mut("returns_str", _const(lambda p: "abc")),
    Mut("returns_None", _const(lambda p: None)),
    Mut("returns_array", _const(lambda p: np.array([1.0, 2.0]))),
)


def space3():
    return {"lr": search.LogUniform(1e-4, 1e-1), "width": search.IntUniform(2, 8),
            "act": search.Choice(["relu", "tanh"])}


def trials3():
    return [search.Trial(0, {"lr": 0.1}, 0.5), search.Trial(1, {"lr": 0.01}, 0.7), search.Trial(2, {"lr": 0.001}, 0.6)]


# ============================================================================ the table
@dataclass
class Case:
    name: str  # "module.callable" or "module.Class.method" (a "[variant]" suffix may follow)
    factory: Callable[[], tuple]  # -> (callable, args, kwargs), fresh objects every time
    args: tuple
    nan_ok: bool = False  # the result may hold NaN/inf by design (divergence paths, NaN = worst)

    @property
    def module(self) -> str:
        return self.name.split(".")[0]


TABLE: list[Case] = []


def case(name, factory, *args, nan_ok=False):
    TABLE.append(Case(name, factory, args, nan_ok))


# ---------------------------------------------------------------------------- activations
for _fn in ("step", "sigmoid", "tanh", "relu", "identity", "step_grad", "sigmoid_grad", "tanh_grad", "relu_grad",
            "identity_grad"):
    case(f"activations.{_fn}", lambda f=getattr(activations, _fn): (f, (ACT(),), {}), array("x", **ELEMENTWISE))
for _fn in ("leaky_relu", "leaky_relu_grad"):
    case(f"activations.{_fn}", lambda f=getattr(activations, _fn): (f, (ACT(),), {"negative_slope": 0.1}),
         array("x", **ELEMENTWISE), real("negative_slope"))
_AXIS = dict(extra=(Mut("axis 0", _const(0), WORK), Mut("out_of_range", _const(2)), Mut("float", _const(1.0))),
             none_ok=True, skip="at_low below -1")
for _fn in ("softmax", "log_softmax"):
    case(f"activations.{_fn}", lambda f=getattr(activations, _fn): (f, (ACT(),), {"axis": -1}),
         array("x", **ELEMENTWISE, extra=(Mut("empty_axis", lambda v: _arr(v)[:, :0]),)),
         count("axis", low=None, **_AXIS))
case("activations.logsumexp", lambda: (activations.logsumexp, (ACT(),), {"axis": -1, "keepdims": False}),
     array("x", **ELEMENTWISE, extra=(Mut("empty_axis", lambda v: _arr(v)[:, :0]),)),
     count("axis", low=None, **_AXIS), flag("keepdims"))
case("activations.get", lambda: (activations.get, ("relu",), {}), choice("name", alts=("ReLU", "leaky-relu")))

# ---------------------------------------------------------------------------- layers
_INIT_FNS = (
    Mut("callable", _const(init.get("normal", std=0.1)), WORK),
    Mut("wrong_shape_fn", _const(lambda fi, fo, r, dt: np.zeros((fo + 1, fi)))),
    Mut("nan_fn", _const(lambda fi, fo, r, dt: np.full((fi, fo), np.nan))),
)
case("layers.Linear", lambda: (layers.Linear, (3, 4), {"rng": RNG0, "init": "he_normal", "bias": True,
                                                         "dtype": np.float64}),
     count("in_features"), count("out_features"), rng(),
     choice("init", alts=("xavier_uniform", "Kaiming_Normal"), names=("initializer",), extra=_INIT_FNS),
     flag("bias"), dtype())
case("layers.Linear.forward", lambda: (layers.Linear(3, 4, rng=0).forward, (X43(),), {}),
     array("x", width=True, **LAYER_INPUT))
case("layers.Linear.backward", lambda: (forwarded(layers.Linear(3, 4, rng=0), X43()).backward, (np.ones((4, 4)),), {}),
     array("dout", paired=True, width=True, **LAYER_INPUT), flag("input_grad"))
for _cls in (layers.Sigmoid, layers.Tanh, layers.ReLU, layers.Identity, layers.LeakyReLU, layers.Dropout):
    _n = _cls.__name__
    _make = (lambda c=_cls: c(0.5, rng=0)) if _cls is layers.Dropout else (lambda c=_cls: c())
    if _cls is layers.LeakyReLU:
        case("layers.LeakyReLU", lambda: (layers.LeakyReLU, (0.1,), {}), real("negative_slope"))
    elif _cls is layers.Dropout:
        case("layers.Dropout", lambda: (layers.Dropout, (0.5,), {"rng": RNG0}), real("p", low=0, high=1), rng())
    else:
        case(f"layers.{_n}", lambda c=_cls: (c, (), {}))
    case(f"layers.{_n}.forward", lambda m=_make: (m().forward, (ACT(),), {}), array("x", **ELEMENTWISE))
    case(f"layers.{_n}.backward", lambda m=_make: (forwarded(m(), ACT()).backward, (np.ones((2, 4)),), {}),
         array("dout", paired=True, width=True, **LAYER_INPUT))
case("layers.BatchNorm1d", lambda: (layers.BatchNorm1d, (3,), {"eps": 1e-5, "momentum": 0.1, "dtype": np.float64}),
     count("num_features"), real("eps", low=0, low_open=True), real("momentum", low=0, high=1, none_ok=True), dtype())
case("layers.BatchNorm1d.forward", lambda: (layers.BatchNorm1d(3).forward, (X43(),), {}),
     array("x", width=True, **LAYER_INPUT,
           extra=(Mut("one_sample", lambda v: _arr(v)[:1]),)))
case("layers.BatchNorm1d.backward", lambda: (forwarded(layers.BatchNorm1d(3), X43()).backward, (np.ones((4, 3)),), {}),
     array("dout", paired=True, width=True, **LAYER_INPUT))
_ROWS = (
    Mut("one_hot_rows", lambda v: data.one_hot(v, 3), WORK),
    Mut("rows_sum_2", lambda v: 2 * data.one_hot(v, 3)),
    Mut("negative_rows", lambda v: data.one_hot(v, 3) * 2 - 0.5),
    Mut("nan_rows", lambda v: _entry(np.nan)(data.one_hot(v, 3))),
)
case("layers.SoftmaxCrossEntropy", lambda: (layers.SoftmaxCrossEntropy, (0.1,), {}),
     real("label_smoothing", low=0, high=1))
case("layers.SoftmaxCrossEntropy.forward", lambda: (layers.SoftmaxCrossEntropy().forward, (X43(), Y4()), {}),
     array("logits", paired=True, width=True),
     labels("targets", 3, paired=True, names=("labels", "target"), extra=_ROWS))
for _cls, _inputs in ((layers.SoftmaxCrossEntropy, lambda: (X43(), Y4())),
                      (layers.MSELoss, lambda: (X43()[:, :1], X43()[:, 1:2])),
                      (layers.BCEWithLogitsLoss, lambda: (X43()[:, :1], np.array([[0.0], [1.0], [1.0], [0.0]])))):
    case(f"layers.{_cls.__name__}.backward", lambda c=_cls, i=_inputs: (forwarded(c(), *i()).backward, (1.0,), {}),
         real("dout"))
case("layers.MSELoss", lambda: (layers.MSELoss, (), {}))
case("layers.MSELoss.forward", lambda: (layers.MSELoss().forward, (X43()[:, :1], X43()[:, 1:2]), {}),
     array("y", paired=True, names=("predictions",)), array("t", paired=True, names=("targets",)))
case("layers.BCEWithLogitsLoss", lambda: (layers.BCEWithLogitsLoss, (), {}))
case("layers.BCEWithLogitsLoss.forward",
     lambda: (layers.BCEWithLogitsLoss().forward, (X43()[:, :1], np.array([[0.0], [1.0], [1.0], [0.0]])), {}),
     array("z", paired=True, names=("logits",)), unit("t", paired=True, names=("targets",)))
_OPERAND = dict(work="add_axis drop_axis empty", propagate="nan inf")
for _cls in (layers.MulNode, layers.AddNode):
    _n = _cls.__name__
    case(f"layers.{_n}", lambda c=_cls: (c, (), {}))
    case(f"layers.{_n}.forward", lambda c=_cls: (c().forward, (np.array([100.0, 200.0]), 3), {}),
         array("x", **_OPERAND), real("y", work="array", propagate="nan inf"))
    case(f"layers.{_n}.backward",
         lambda c=_cls: (forwarded(c(), np.array([100.0, 200.0]), 3).backward, (np.array([1.0, 0.5]),), {}),
         array("dout", paired=True, propagate="nan inf", work="drop_axis"))
case("layers.activation_layer", lambda: (layers.activation_layer, ("leaky_relu",), {"negative_slope": 0.1}),
     choice("name", alts=("Leaky-ReLU",), names=("activation",),
            extra=(Mut("relu_with_slope", _const("relu")),)), real("negative_slope"))

# ---------------------------------------------------------------------------- losses
_BIN_T = lambda: np.array([[0.0], [1.0], [1.0], [0.0]])  # noqa: E731
_PROBS = lambda: np.array([[0.2], [0.9], [0.6], [0.1]])  # noqa: E731
for _fn in ("mse", "mse_grad"):
    case(f"losses.{_fn}", lambda f=getattr(losses, _fn): (f, (X43()[:, :1], X43()[:, 1:2]), {}),
         array("y", paired=True, names=("predictions",)), array("t", paired=True, names=("targets",)))
for _fn in ("binary_cross_entropy", "binary_cross_entropy_grad"):
    case(f"losses.{_fn}", lambda f=getattr(losses, _fn): (f, (_PROBS(), _BIN_T()), {}),
         unit("p", paired=True, names=("probabilities",)), unit("t", paired=True, names=("targets",)))
for _fn in ("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad"):
    case(f"losses.{_fn}", lambda f=getattr(losses, _fn): (f, (X43()[:, :1], _BIN_T()), {}),
         array("z", paired=True, names=("logits",)), unit("t", paired=True, names=("targets",)))
for _fn in ("softmax_cross_entropy", "softmax_cross_entropy_grad"):
    case(f"losses.{_fn}", lambda f=getattr(losses, _fn): (f, (X43(), Y4()), {"label_smoothing": 0.1}),
         array("logits", paired=True, width=True),
         labels("targets", 3, paired=True, names=("labels", "target"), extra=_ROWS),
         real("label_smoothing", low=0, high=1))
case("losses.probability_eps", lambda: (losses.probability_eps, (np.float32,), {}),
     dtype("dtype", dtypes_ok=(np.float16, np.float32, np.float64)))
# the building blocks the loss layers share (public since they are shared); the core ones do no checks
case("losses.softmax_targets", lambda: (losses.softmax_targets, (X43(), Y4(), "sweep"), {}),
     array("logits", paired=True, width=True),
     labels("targets", 3, paired=True, names=("labels", "target"), extra=_ROWS),
     custom("where", Mut("int", _const(3)), Mut("None", _const(None))))
case("losses.softmax_cross_entropy_forward",
     lambda: (losses.softmax_cross_entropy_forward, (X43(), Y4(), None, 0.1), {}),
     array("logits", paired=True, width=True), labels("labels", 3, paired=True, none_ok=False),
     custom("target_rows", Mut("rows_with_labels", lambda v: data.one_hot(Y4(), 3))),
     real("label_smoothing", low=0, high=1))
case("losses.softmax_cross_entropy_backward",
     lambda: (losses.softmax_cross_entropy_backward, (activations.softmax(X43()), Y4(), None, 0.1, 0.25), {}),
     array("probs", paired=True, width=True, names=("probabilities",)), labels("labels", 3, paired=True),
     real("label_smoothing", low=0, high=1), real("scale"))
case("losses.bce_with_logits_value", lambda: (losses.bce_with_logits_value, (X43()[:, :1], _BIN_T()), {}),
     array("z", paired=True, names=("logits",)), unit("t", paired=True, names=("targets",)))

# ---------------------------------------------------------------------------- network
def _seq():
    return network.Sequential(layers.Linear(3, 4, rng=0), layers.ReLU(), layers.Linear(4, 2, rng=1))


case("network.Sequential", lambda: (network.Sequential, tuple(_seq().layers), {}),
     custom("layers", Mut("list_of_layers", lambda v: (list(v),), WORK, same=True),
            Mut("no_layers", _const(()), WORK), Mut("not_a_layer", _const((3,))), Mut("None", _const((None,))),
            Mut("layer_class", _const((layers.ReLU,))), names=("layer",)))
case("network.Sequential.forward", lambda: (_seq().forward, (X43(),), {}),
     array("x", width=True, **LAYER_INPUT))
case("network.Sequential.predict", lambda: (_seq().predict, (X43(),), {}),
     array("x", width=True, **LAYER_INPUT))
case("network.Sequential.backward", lambda: (forwarded(_seq(), X43()).backward, (np.ones((4, 2)),), {}),
     array("dout", paired=True, width=True, **LAYER_INPUT), flag("input_grad"))
case("network.mlp", lambda: (network.mlp, ([3, 4, 2],), {"activation": "relu", "rng": RNG0, "init": None,
                                                       "dtype": np.float64, "dropout": 0.1, "batchnorm": False}),
     sizes("sizes", names=("size",)),
     choice("activation", alts=("Tanh",), extra=(Mut("layer_class", _const(layers.Tanh), WORK),
                                                 Mut("non_layer_factory", _const(lambda: 3)))),
     rng(), choice("init", none_ok=True, alts=("xavier_uniform",), names=("initializer",)), dtype(),
     real("dropout", low=0, high=1, high_open=True), flag("batchnorm"))

# ---------------------------------------------------------------------------- optim
_LR = dict(low=0, low_open=True, names=("learning rate",))
_WD = dict(low=0)
case("optim.SGD", lambda: (then(optim.SGD, two_steps), (params2(),),
                           {"lr": 0.1, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.01, "nesterov": False,
                            "maximize": False}),
     custom("params", *PARAMS_MUTS, **PARAMS), real("lr", **_LR), real("momentum", low=0),
     real("dampening", low=0, high=1),
     real("weight_decay", **_WD), flag("nesterov"), flag("maximize"))
case("optim.Adagrad", lambda: (then(optim.Adagrad, two_steps), (params2(),),
                               {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1,
                                "eps": 1e-10, "maximize": False}),
     custom("params", *PARAMS_MUTS[:3], **PARAMS), real("lr", **_LR), real("lr_decay", low=0),
     real("weight_decay", **_WD),
     real("initial_accumulator_value", low=0), real("eps", low=0, names=("epsilon",)), flag("maximize"))
case("optim.RMSprop", lambda: (then(optim.RMSprop, two_steps), (params2(),),
                               {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.01, "momentum": 0.5,
                                "centered": False, "maximize": False}),
     custom("params", *PARAMS_MUTS[:3], **PARAMS), real("lr", **_LR), real("alpha", low=0, high=1),
     real("eps", low=0, names=("epsilon",)), real("weight_decay", **_WD), real("momentum", low=0), flag("centered"),
     flag("maximize"))
for _cls, _wd in ((optim.Adam, 0.0), (optim.AdamW, 1e-2)):
    case(f"optim.{_cls.__name__}", lambda c=_cls, wd=_wd: (then(c, two_steps), (params2(),),
                                                          {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8,
                                                           "weight_decay": wd, "amsgrad": False, "maximize": False}),
         custom("params", *PARAMS_MUTS[:3], **PARAMS), real("lr", **_LR),
         custom("betas", *BETAS_MUTS, names=("beta", "beta1", "beta2")), real("eps", low=0, names=("epsilon",)),
         real("weight_decay", **_WD), flag("amsgrad"), flag("maximize"))
case("optim.get", lambda: (then(optim.get, two_steps), ("adam", params2()), {"lr": 0.01}),
     choice("name", alts=("Adam", "nesterov"), names=("optimizer",)), custom("params", *PARAMS_MUTS[2:5], **PARAMS),
     real("lr", **_LR))
case("optim.Optimizer.step", lambda: (sgd().step, (), {"closure": lambda: 1.0}), func("closure", none_ok=True))


def _set_lr(value):
    opt = sgd()
    opt.lr = value
    return opt


case("optim.Optimizer.lr", lambda: (_set_lr, (0.05,), {}), real("value", low=0, names=("learning rate", "lr")))
_OPT_MUTS = (Mut("not_an_optimizer", _const(3)), Mut("None", _const(None)),
             Mut("params_list", lambda v: v.param_groups[0]["params"]))
case("optim.LRScheduler", lambda: (optim.LRScheduler, (sgd(),), {}), custom("optimizer", *_OPT_MUTS))
case("optim.StepLR", lambda: (then(optim.StepLR, three_epochs), (sgd(),), {"step_size": 2, "gamma": 0.5}),
     custom("optimizer", *_OPT_MUTS), count("step_size"), real("gamma", low=0))
case("optim.ExponentialLR", lambda: (then(optim.ExponentialLR, three_epochs), (sgd(),), {"gamma": 0.9}),
     custom("optimizer", *_OPT_MUTS), real("gamma", low=0))
case("optim.CosineAnnealingLR",
     lambda: (then(optim.CosineAnnealingLR, three_epochs), (sgd(),), {"T_max": 4, "eta_min": 0.001}),
     custom("optimizer", *_OPT_MUTS), count("T_max"), real("eta_min", low=0))

# ---------------------------------------------------------------------------- init
_SHAPE = (
    Mut("int", _const(5), WORK),
    Mut("list", lambda v: list(v), WORK, same=True),
    Mut("np.array", lambda v: np.array(v), WORK, same=True),
    Mut("zero_size", _const((0, 4)), WORK),
    Mut("negative", _const((3, -1))),
    Mut("float", _const((2.5, 4))),
    Mut("bool", _const((True, 4))),
    Mut("str", _const("34")),
    Mut("None", _const(None)),
)
case("init.zeros", lambda: (init.zeros, ((3, 4),), {"dtype": np.float64}), custom("shape", *_SHAPE), dtype())
case("init.normal", lambda: (init.normal, ((3, 4),), {"std": 0.1, "rng": RNG0, "dtype": np.float64}),
     custom("shape", *_SHAPE), real("std", low=0), rng(), dtype())
for _fn, _opt in (("xavier_uniform", "gain"), ("xavier_normal", "gain"), ("he_uniform", "negative_slope"),
                  ("he_normal", "negative_slope")):
    _ro = dict(low=0, low_open=True) if _opt == "gain" else dict(low=0)
    case(f"init.{_fn}", lambda f=getattr(init, _fn), o=_opt: (f, (3, 4), {"rng": RNG0, o: 0.5, "dtype": np.float64}),
         count("fan_in"), count("fan_out"), rng(), real(_opt, **_ro), dtype())
case("init.get", lambda: (then(init.get, lambda f: f(3, 4, 0)), ("normal",), {"std": 0.05}),
     choice("name", alts=("Normal",), names=("initializer",), extra=(Mut("no_such_option", _const("he_normal")),)),
     real("std", low=0))

# ---------------------------------------------------------------------------- data
_FITTED_STD = lambda: data.Standardizer().fit(X43())  # noqa: E731
case("data.Standardizer", lambda: (data.Standardizer, (), {}))
case("data.Standardizer.fit", lambda: (data.Standardizer().fit, (X43(),), {}), array("X"))
case("data.Standardizer.fit_transform", lambda: (data.Standardizer().fit_transform, (X43(),), {}), array("X"))
case("data.Standardizer.transform", lambda: (_FITTED_STD().transform, (X43()[:2],), {}), array("X", width=True))
case("data.Standardizer.inverse_transform", lambda: (_FITTED_STD().inverse_transform, (X43()[:2],), {}),
     array("Z", width=True))
case("data.batches", lambda: (data.batches, (XN(8), YN(8)),
                              {"batch_size": 3, "rng": RNG0, "shuffle": True, "drop_last": False}),
     array("X", paired=True, work="add_axis", **CONTENT_FREE), array("y", paired=True, work="add_axis", **CONTENT_FREE),
     count("batch_size"), rng(), flag("shuffle"), flag("drop_last"))
case("data.train_val_test_split", lambda: (data.train_val_test_split, (XN(10), YN(10)),
                                           {"val": 0.2, "test": 0.2, "rng": RNG0, "stratify": True}),
     array("X", paired=True, work="add_axis", **CONTENT_FREE),
     array("y", paired=True, names=("labels",), **CONTENT_FREE),
     real("val", low=0, high=1, high_open=True, extra=(Mut("val+test=1", _const(0.8)),)),
     real("test", low=0, high=1, high_open=True), rng(), flag("stratify"))
case("data.kfold", lambda: (data.kfold, (10, 3), {"rng": RNG0, "shuffle": True}),
     count("n", skip="at_low"), count("k", low=2, high=10), rng(), flag("shuffle"))
case("data.bootstrap_sample", lambda: (data.bootstrap_sample, (10, RNG0), {}), count("n"), rng())
case("data.one_hot", lambda: (data.one_hot, (Y4(), 3), {"dtype": np.float64}),
     labels("labels", 3), count("num_classes", skip="at_low"),
     dtype(dtypes_ok=(np.float16, np.float32, np.float64, np.int64), extra=(Mut("str_type", _const(str)),)))
case("data.xor", lambda: (data.xor, (8,), {"noise": 0.1, "rng": RNG0}), count("n"), real("noise", low=0), rng())
case("data.spirals", lambda: (data.spirals, (5,), {"classes": 3, "noise": 0.2, "rng": RNG0}),
     count("n_per_class"), count("classes"), real("noise", low=0), rng())
case("data.moons", lambda: (data.moons, (8,), {"noise": 0.1, "rng": RNG0}), count("n"), real("noise", low=0), rng())
case("data.circles", lambda: (data.circles, (8,), {"noise": 0.05, "factor": 0.5, "rng": RNG0}),
     count("n"), real("noise", low=0), real("factor", low=0, high=1, low_open=True, high_open=True), rng())
case("data.noisy_line", lambda: (data.noisy_line, (8,), {"slope": 2.0, "intercept": 1.0, "noise": 1.0, "rng": RNG0,
                                                        "x_range": (-3.0, 3.0)}),
     count("n"), real("slope"), real("intercept"), real("noise", low=0), rng(), custom("x_range", *RANGE_MUTS))
case("data.noisy_polynomial", lambda: (data.noisy_polynomial, (8,), {"coeffs": (0.5, -1.0, 2.0), "noise": 0.1,
                                                                    "rng": RNG0, "x_range": (-1.0, 1.0)}),
     count("n"),
     custom("coeffs", Mut("degree", _const(3), WORK), Mut("np.array", lambda v: np.array(v), WORK, same=True),
            Mut("empty", _const([])), Mut("negative_degree", _const(-1)), Mut("float_degree", _const(2.5)),
            Mut("bool", _const(True)), Mut("nested", _const([[0.5, -1.0]])), Mut("str", _const(["a"])),
            Mut("nan", _const([math.nan, 1.0])), Mut("None", _const(None)), names=("degree",)),
     real("noise", low=0), rng(), custom("x_range", *RANGE_MUTS))
case("data.pass_fail", lambda: (data.pass_fail, (8, RNG0), {"noise": 1.0}), count("n"), rng(), real("noise", low=0))
_LOAD_DTYPES = dict(dtypes_ok=(np.float16, np.float32, np.float64))
case("data.load_digits", lambda: (data.load_digits, (np.float32,), {}), dtype(**_LOAD_DTYPES))
case("data.load_diabetes", lambda: (data.load_diabetes, (), {"scaled": False, "dtype": np.float64}),
     flag("scaled"), dtype(**_LOAD_DTYPES))
case("data.add_noise", lambda: (data.add_noise, (X43(), 0.1, RNG0), {"clip": (-1.0, 1.0)}),
     array("X", **ELEMENTWISE), real("std", low=0), rng(),
     custom("clip", *RANGE_MUTS[:5], Mut("None", _const(None), WORK)))
case("data.shift_images", lambda: (data.shift_images, (IMG(), 1, RNG0), {"shape": (8, 8)}),
     array("X", width=True, propagate="nan inf", names=("images",),
           extra=(Mut("images", lambda v: _arr(v).reshape(-1, 8, 8), WORK),)),
     count("max_shift", low=0), rng(), custom("shape", *SHAPE_MUTS))
case("data.mixup", lambda: (data.mixup, (X43(), data.one_hot(Y4(), 3), 0.4, RNG0), {}),
     array("X", paired=True, work="add_axis", propagate="nan inf"),
     array("Y_onehot", paired=True, names=("Y",), propagate="nan inf", extra=(Mut("labels", lambda v: Y4()),)),
     real("alpha", low=0, low_open=True), rng())
case("data.cutmix", lambda: (data.cutmix, (IMG(), data.one_hot(Y4(), 3), 0.4, RNG0), {"shape": (8, 8)}),
     array("X", paired=True, width=True, propagate="nan inf", names=("images",),
           extra=(Mut("images", lambda v: _arr(v).reshape(-1, 8, 8), WORK),)),
     array("Y_onehot", paired=True, names=("Y",), propagate="nan inf", extra=(Mut("labels", lambda v: Y4()),)),
     real("alpha", low=0, low_open=True), rng(), custom("shape", *SHAPE_MUTS))

# ---------------------------------------------------------------------------- train
def _fit_call():
    model = mlp343()
    return (train.fit, (model, layers.SoftmaxCrossEntropy(), optim.SGD(model.parameters(), lr=0.1), XN(8), YN(8)),
            {"epochs": 2, "batch_size": 4, "rng": RNG0, "val": (XN(4, seed=3), Y4()), "metrics": ("accuracy",),
             "early_stopping": 3, "restore_best": True, "shuffle": True, "on_epoch_start": None,
             "progress": False, "on_divergence": "stop",
             "callbacks": ()})


_MODEL_MUTS = (Mut("not_a_model", _const(3)), Mut("wrong_width", lambda v: network.mlp([5, 4, 3], rng=0)))
_LOSS_MUTS = (Mut("not_a_loss", _const(3)), Mut("loss_class", _const(layers.SoftmaxCrossEntropy)),
              Mut("mse_for_labels", lambda v: layers.MSELoss()))
_METRICS_MUTS = (
    Mut("str", _const("accuracy"), WORK, same=True), Mut("None", _const(None), WORK),
    Mut("callable", _const((lambda p, t: 0.5,)), WORK), Mut("unknown", _const(("bogus",))),
    Mut("not_callable", _const((3,))), Mut("duplicate", _const(("accuracy", "accuracy"))),
    Mut("mse_for_labels", _const(("mse",))),
)
_XY = (array("X", paired=True, width=True, names=("data", "input")),
       labels("y", 3, paired=True, names=("targets", "labels", "target")))
case("train.fit", _fit_call,
     custom("model", *_MODEL_MUTS),
     custom("loss", *_LOSS_MUTS),
     custom("optimizer", Mut("not_an_optimizer", _const(3)),
            Mut("other_models_parameters", lambda v: optim.SGD(mlp343().parameters(), lr=0.1))),
     *_XY, count("epochs"), count("batch_size"), rng(),
     custom("val", Mut("list", lambda v: list(v), WORK, same=True), Mut("None_with_early_stopping", _const(None)),
            Mut("one_item", lambda v: (v[0],)), Mut("nan_X", lambda v: (_entry(np.nan)(v[0]), v[1])),
            Mut("labels_out_of_range", lambda v: (v[0], _int_entry(3)(v[1]))),
            Mut("wrong_len", lambda v: (v[0], v[1][:-1])), Mut("wrong_width", lambda v: (v[0][:, :2], v[1])),
            Mut("empty", lambda v: (v[0][:0], v[1][:0])), names=("X_val", "y_val", "validation")),
     custom("metrics", *_METRICS_MUTS, names=("metric",)),
     count("early_stopping", none_ok=True, names=("patience",)), flag("restore_best"), flag("progress"),
     flag("shuffle"),
     custom("on_epoch_start", Mut("identity", _const(lambda e, X, y: (X, y)), WORK, same=True),
            Mut("not_callable", _const(3)), Mut("returns_None", _const(lambda e, X, y: None)),
            Mut("drops_rows", _const(lambda e, X, y: (X[:-1], y[:-1]))),
            Mut("nan_rows", _const(lambda e, X, y: (np.full_like(X, np.nan), y)))),
     choice("on_divergence", alts=("raise",)),
     custom("callbacks", Mut("None", _const(None), WORK), Mut("lambda", _const([lambda e, h: None]), WORK),
            Mut("not_iterable", _const(3)), Mut("not_callable", _const([3])), names=("callback",)))
case("train.evaluate", lambda: (train.evaluate, (mlp343(), layers.SoftmaxCrossEntropy(), XN(8), YN(8)),
                                {"metrics": ("accuracy",), "batch_size": 3}),
     custom("model", *_MODEL_MUTS), custom("loss", *_LOSS_MUTS), *_XY,
     custom("metrics", *_METRICS_MUTS, names=("metric",)), count("batch_size"))
case("train.accuracy", lambda: (train.accuracy, (X43(), Y4()), {}),
     array("logits_or_probs", paired=True, names=("predictions",)),
     labels("y", 3, paired=True, names=("targets", "labels"),
            extra=(Mut("one_hot_rows", lambda v: data.one_hot(v, 3), WORK, same=True),)))
case("train.accuracy[binary]", lambda: (train.accuracy, (_PROBS(), np.array([0, 1, 1, 0])), {"threshold": 0.5}),
     unit("logits_or_probs", paired=True, names=("predictions",), skip="above_one negative"),
     labels("y", 2, paired=True, names=("targets",), work="column"),
     real("threshold", none_ok=True))
for _fn in ("mean_squared_error", "mean_absolute_error"):
    case(f"train.{_fn}", lambda f=getattr(train, _fn): (f, (X43()[:, :2], X43()[:, 1:]), {}),
         array("pred", paired=True, work="add_axis", names=("predictions",)),
         array("y", paired=True, work="add_axis", names=("targets",),
               extra=(Mut("transposed", lambda v: _arr(v).T),)))
def _stopper_run(stopper):
    stopper.observe(0, 1.0)
    stopper.observe(1, 2.0)
    return stopper.should_stop, stopper.restore(), stopper.state


case("train.EarlyStopping",
     lambda: (then(train.EarlyStopping, _stopper_run), ([np.zeros(3)], 1), {"restore_best": True}),
     custom("state", Mut("tuple", lambda v: tuple(v), WORK, same=True), Mut("array", lambda v: v[0]),
            Mut("int", _const(3)), Mut("None", _const(None))),
     count("patience", none_ok=True), flag("restore_best"))
case("train.EarlyStopping.observe", lambda: (train.EarlyStopping([np.zeros(3)], 2).observe, (0, 0.5), {}),
     count("epoch", low=0), real("value"))
case("train.History", lambda: (train.History, (["loss", "accuracy"],), {}),
     custom("keys", Mut("tuple", lambda v: tuple(v), WORK, same=True), Mut("not_iterable", _const(3)),
            Mut("None", _const(None))))

# ---------------------------------------------------------------------------- gradcheck
_SQ = lambda x: float(np.sum(x * x))  # noqa: E731
case("gradcheck.numerical_gradient", lambda: (gradcheck.numerical_gradient, (_SQ, np.array([1.0, -2.0, 0.5])),
                                              {"eps": 1e-6, "method": "central"}),
     custom("f", Mut("not_callable", _const(3)), Mut("returns_array", _const(lambda x: x * 2)),
            Mut("returns_str", _const(lambda x: "abc")), Mut("returns_nan", _const(lambda x: math.nan)),
            Mut("returns_None", _const(lambda x: None)), names=("function",)),
     array("x", work="add_axis", skip="empty", fail="list int bool float16"),
     real("eps", low=0, low_open=True), choice("method", alts=("forward",)))
case("gradcheck.relative_error", lambda: (gradcheck.relative_error, (np.array([1.0, 2.0, 3.0]),
                                                                      np.array([1.0, 2.1, 2.9])), {}),
     array("a", paired=True), array("b", paired=True))
_F32 = (Mut("float32_model", lambda v: type(v)(3, 2, rng=0, dtype=np.float32) if isinstance(v, layers.Linear)
            else network.mlp([3, 4, 3], rng=0, dtype=np.float32)),)
case("gradcheck.check_layer", lambda: (gradcheck.check_layer, (layers.Linear(3, 2, rng=0), X43()),
                                       {"rng": RNG0, "eps": 1e-6}),
     custom("layer", Mut("not_a_layer", _const(3)), Mut("layer_class", _const(layers.Linear)),
            Mut("loss_without_target", lambda v: layers.SoftmaxCrossEntropy()), *_F32),
     array("x", width=True, names=("input", "batch"), fail="float32"), rng(), real("eps", low=0, low_open=True))
case("gradcheck.check_layer[loss]", lambda: (gradcheck.check_layer, (layers.SoftmaxCrossEntropy(), X43()),
                                             {"target": Y4()}),
     labels("target", 3, paired=True, names=("targets", "labels")))
case("gradcheck.check_model", lambda: (gradcheck.check_model, (mlp343(), layers.SoftmaxCrossEntropy(), X43(), Y4()),
                                       {"eps": 1e-6}),
     custom("model", Mut("not_a_model", _const(3)), *_F32, names=("parameters",)),
     custom("loss_layer", Mut("not_a_loss", _const(3))),
     array("x", width=True, names=("input", "batch"), fail="float32"),
     labels("t", 3, paired=True, names=("targets", "labels")), real("eps", low=0, low_open=True))

# ---------------------------------------------------------------------------- landscapes
_GRID_X = lambda: np.array([[0.5, -1.0], [1.5, 0.0]])  # noqa: E731
_GRID_Y = lambda: np.array([[1.0, 0.5], [2.0, -0.5]])  # noqa: E731
_BROADCAST = dict(work="add_axis drop_axis", skip="empty", propagate="nan inf",
                  extra=(Mut("not_broadcastable", _const(np.zeros((3, 3)))),))
for _m in ("f", "grad"):
    case(f"landscapes.Surface.{_m}", lambda m=_m: (getattr(landscapes.rosenbrock(), m), (_GRID_X(), _GRID_Y()), {}),
         array("x", **_BROADCAST), array("y", **dict(_BROADCAST, work="add_axis drop_axis None")))
    case(f"landscapes.Surface.{_m}[point]", lambda m=_m: (getattr(landscapes.rosenbrock(), m), ([0.5, 1.0],), {}),
         array("x", propagate="nan inf", names=("point", "coordinates")))
case("landscapes.Surface.grid", lambda: (landscapes.rosenbrock().grid, (5,), {}), count("n"))
case("landscapes.Surface.levels", lambda: (landscapes.rosenbrock().levels, (5,), {"grid_size": 20}),
     count("n"), count("grid_size", low=2))
case("landscapes.quadratic_bowl", lambda: (then(landscapes.quadratic_bowl, probe_surface), (), {"a": 1.0, "b": 10.0}),
     real("a", low=0, low_open=True), real("b", low=0, low_open=True))
case("landscapes.rosenbrock", lambda: (then(landscapes.rosenbrock, probe_surface), (), {"a": 1.0, "b": 100.0}),
     real("a"), real("b", low=0, low_open=True))
for _fn in ("saddle", "beale", "himmelblau"):
    case(f"landscapes.{_fn}", lambda f=getattr(landscapes, _fn): (then(f, probe_surface), (), {}))
case("landscapes.get", lambda: (then(landscapes.get, probe_surface), ("quadratic_bowl",), {"b": 5.0}),
     choice("name", names=("surface",), extra=(Mut("takes_no_b", _const("saddle")),)),
     real("b", low=0, low_open=True))
_START = (Mut("list", lambda v: list(v), WORK, same=True), Mut("None", _const(None), WORK),
          Mut("one_value", _const((1.0,))), Mut("str", _const(("a", "b"))), Mut("nan", _const((math.nan, 0.0))),
          Mut("three_values", _const((1.0, 1.0, 1.0))))
case("landscapes.run_optimizer",
     lambda: (landscapes.run_optimizer, ("rosenbrock", "momentum", 1e-3, 20),
              {"start": (-1.0, 1.0), "rng": RNG0, "grad_noise": 0.1, "divergence_radius": 1e6, "momentum": 0.5}),
     custom("surface", Mut("object", lambda v: landscapes.rosenbrock(), WORK, same=True),
            Mut("unknown", _const("bogus")),
            Mut("int", _const(3)), Mut("None", _const(None))),
     choice("name", alts=("Momentum",), names=("optimizer",)), real("lr", **_LR), count("steps", low=0),
     custom("start", *_START), rng(), real("grad_noise", low=0),
     real("divergence_radius", low=0, low_open=True), real("momentum", low=0), nan_ok=True)
case("landscapes.run_all", lambda: (landscapes.run_all, ("beale", ["sgd", "adam"], {"sgd": 1e-3, "adam": 1e-2}, 10),
                                    {}),
     custom("names", Mut("tuple", lambda v: tuple(v), WORK, same=True), Mut("str", _const("sgd")),
            Mut("unknown", _const(["sgd", "bogus"])), Mut("empty", _const([])), Mut("None", _const(None)),
            names=("optimizer",)),
     custom("lr_by_name", Mut("one_lr", _const(1e-3), WORK), Mut("missing", _const({"sgd": 1e-3})),
            Mut("str_value", _const({"sgd": "0.1", "adam": 1e-2})), Mut("str", _const("0.01")),
            Mut("None", _const(None)), names=("lr", "learning rate")),
     count("steps", low=0), nan_ok=True)
_PATH = lambda: landscapes.run_optimizer("quadratic_bowl", "sgd", 0.1, 4)  # noqa: E731
case("landscapes.diverged", lambda: (landscapes.diverged, (_PATH(),), {}),
     array("path", work="add_axis drop_axis nan inf", skip="empty"))
case("landscapes.divergence_step", lambda: (landscapes.divergence_step, (_PATH(),), {}),
     array("path", work="nan", skip="empty inf"))

# ---------------------------------------------------------------------------- ensemble
case("ensemble.polynomial_features", lambda: (ensemble.polynomial_features, (np.linspace(-1, 1, 5), 3), {}),
     array("x", **ELEMENTWISE), count("degree", low=0))
case("ensemble.PolynomialRegression", lambda: (ensemble.PolynomialRegression, (2,), {}), count("degree", low=0))
_X1 = lambda: np.linspace(0.0, 1.0, 6)  # noqa: E731
_TWO_COLUMNS = (Mut("two_features", lambda v: np.column_stack([v, v])),)
case("ensemble.PolynomialRegression.fit",
     lambda: (then(ensemble.PolynomialRegression(2).fit, lambda m: m.predict(_X1())), (_X1(), YR(6)), {}),
     array("X", paired=True, work="add_axis", extra=_TWO_COLUMNS), array("y", paired=True, work="add_axis"))
case("ensemble.PolynomialRegression.predict",
     lambda: (ensemble.PolynomialRegression(2).fit(_X1(), YR(6)).predict, (_X1(),), {}),
     array("X", work="add_axis", extra=_TWO_COLUMNS))
# ensemble targets: a column (n, 1) is flattened by design, so add_axis is valid there
_WEIGHTS = dict(paired=True, names=("weight", "weights"), work="add_axis None",
                extra=(Mut("negative_weight", _entry(-1.0)), Mut("all_zero", lambda v: np.zeros_like(v))))
case("ensemble.RegressionTree", lambda: (ensemble.RegressionTree, (2,), {"min_samples_leaf": 1}),
     count("max_depth"), count("min_samples_leaf"))
case("ensemble.RegressionTree.fit", lambda: (then(ensemble.RegressionTree(2).fit, PREDICT4), (XN(8), YR(8)),
                                             {"sample_weight": np.ones(8)}),
     array("X", paired=True), array("y", paired=True, work="add_axis"), array("sample_weight", **_WEIGHTS))
case("ensemble.RegressionTree.predict", lambda: (fit_tree().predict, (XN(4),), {}), array("X", width=True))
_GROUPS = lambda: np.array([0, 0, 0, 0, 1, 1, 1, 1])  # noqa: E731
_GROUP_IDS = dict(names=("tree id", "group"), fail="whole_float bool")
case("ensemble.fit_trees", lambda: (then(ensemble.fit_trees, PREDICT4), (XN(8), YR(8), _GROUPS()),
                                    {"max_depth": 2, "min_samples_leaf": 1, "sample_weight": np.ones(8)}),
     array("X", paired=True), array("y", paired=True, work="add_axis"),
     labels("groups", 2, paired=True, skip="out_of_range", **_GROUP_IDS,
            extra=(Mut("missing_id", _const(np.array([0, 0, 0, 0, 2, 2, 2, 2]))),)),
     count("max_depth"), count("min_samples_leaf"), array("sample_weight", **_WEIGHTS))
case("ensemble.TreeGroup.predict",
     lambda: (ensemble.fit_trees(XN(8), YR(8), _GROUPS(), max_depth=2).predict, (XN(8),), {"groups": _GROUPS()}),
     array("X", width=True, paired=True), labels("groups", 2, paired=True, work="None", **_GROUP_IDS))
case("ensemble.fit_stump", lambda: (then(ensemble.fit_stump, PREDICT4), (XN(8), YR(8)), {"sample_weight": np.ones(8)}),
     array("X", paired=True), array("residual", paired=True, work="add_axis", names=("y",)),
     array("sample_weight", **_WEIGHTS))
_MAKE_MODEL = (Mut("not_callable", _const(3)), Mut("returns_non_model", _const(lambda: 3)),
               Mut("class", _const(ensemble.RegressionTree), WORK))
case("ensemble.bagging_fit", lambda: (then(ensemble.bagging_fit, lambda bag: ensemble.bagging_predict(bag.models, XN(4))),
                                      (lambda: ensemble.RegressionTree(2), None, XN(8), YR(8),
                                                             3, RNG0), {}),
     custom("make_model", *_MAKE_MODEL), func("fit_fn", none_ok=True), array("X", paired=True),
     array("y", paired=True, work="add_axis"), count("n_models"), rng())
case("ensemble.bagging_predict", lambda: (ensemble.bagging_predict, ([fit_tree(), fit_tree(XN(8, seed=5))], XN(4)),
                                          {"predict_fn": None}),
     custom("models", Mut("tuple", lambda v: tuple(v), WORK, same=True), Mut("empty", _const([])),
            Mut("int", _const(3)), Mut("not_models", _const([3, 4])), names=("model",)),
     array("X", width=True), func("predict_fn", none_ok=True))
_BAGGER = lambda: ensemble.BaggingRegressor(lambda: ensemble.RegressionTree(2), 3, rng=0)  # noqa: E731
case("ensemble.BaggingRegressor",
     lambda: (then(ensemble.BaggingRegressor, lambda b: b.fit(XN(8), YR(8)).predict(XN(4))),
              (lambda: ensemble.RegressionTree(2), 3), {"rng": RNG0, "fit_fn": None, "predict_fn": None}),
     custom("make_model", *_MAKE_MODEL), count("n_models"), rng(), func("fit_fn", none_ok=True),
     func("predict_fn", none_ok=True))
case("ensemble.BaggingRegressor.fit", lambda: (then(_BAGGER().fit, PREDICT4), (XN(8), YR(8)), {}),
     array("X", paired=True), array("y", paired=True, work="add_axis"))
for _m in ("predict", "staged_predict"):
    case(f"ensemble.BaggingRegressor.{_m}", lambda m=_m: (getattr(_BAGGER().fit(XN(8), YR(8)), m), (XN(4),), {}),
         array("X", width=True))
case("ensemble.BaggingRegressor.oob_predict", lambda: (_BAGGER().fit(XN(8), YR(8)).oob_predict, (), {}), nan_ok=True)
case("ensemble.GradientBoostingRegressor",
     lambda: (ensemble.GradientBoostingRegressor, (5,), {"learning_rate": 0.1, "max_depth": 1}),
     count("n_rounds"), real("learning_rate", low=0, high=1, low_open=True), count("max_depth"))
case("ensemble.GradientBoostingRegressor.fit",
     lambda: (then(ensemble.GradientBoostingRegressor(5).fit, PREDICT4), (XN(8), YR(8)), {}),
     array("X", paired=True), array("y", paired=True, work="add_axis"))
for _m in ("predict", "staged_predict"):
    case(f"ensemble.GradientBoostingRegressor.{_m}",
         lambda m=_m: (getattr(ensemble.GradientBoostingRegressor(5).fit(XN(8), YR(8)), m), (XN(4),), {}),
         array("X", width=True))
_Y01 = lambda: np.array([0, 1, 1, 0, 1, 0, 0, 1])  # noqa: E731
case("ensemble.AdaBoostClassifier", lambda: (ensemble.AdaBoostClassifier, (5,), {"max_depth": 1}),
     count("n_rounds"), count("max_depth"))
case("ensemble.AdaBoostClassifier.fit",
     lambda: (then(ensemble.AdaBoostClassifier(5).fit, lambda m: m.decision_function(XN(4))), (XN(8), _Y01()), {}),
     array("X", paired=True), labels("y", 2, paired=True, work="column", names=("label", "labels")))
for _m in ("predict", "decision_function", "staged_predict", "staged_decision_function"):
    case(f"ensemble.AdaBoostClassifier.{_m}",
         lambda m=_m: (getattr(ensemble.AdaBoostClassifier(5).fit(XN(8), _Y01()), m), (XN(4),), {}),
         array("X", width=True))

# ---------------------------------------------------------------------------- search
_ORDER = lambda lo, hi: (Mut("low>=high", _const(hi)),)  # noqa: E731
case("search.Uniform", lambda: (search.Uniform, (0.0, 5.0), {}),
     real("low", extra=_ORDER(0.0, 5.0)), real("high"))
case("search.LogUniform", lambda: (search.LogUniform, (1e-4, 10.0), {}),
     real("low", low=0, low_open=True, extra=_ORDER(1e-4, 10.0)), real("high", low=0, low_open=True))
case("search.IntUniform", lambda: (search.IntUniform, (2, 8), {}),
     count("low", low=None, extra=(Mut("low>high", _const(9)),)), count("high", low=None))
case("search.Choice", lambda: (search.Choice, (["relu", "tanh"],), {}),
     custom("options", Mut("tuple", lambda v: tuple(v), WORK, same=True), Mut("np.array", lambda v: np.array(v), WORK),
            Mut("empty", _const([])), Mut("str", _const("abc")), Mut("int", _const(3)), Mut("None", _const(None))))
_DISTS = (("Uniform", lambda: search.Uniform(0.0, 5.0)), ("LogUniform", lambda: search.LogUniform(1e-4, 10.0)),
          ("IntUniform", lambda: search.IntUniform(2, 8)), ("Choice", lambda: search.Choice(["relu", "tanh"])))
for _n, _mk in _DISTS:
    case(f"search.{_n}.sample", lambda m=_mk: (m().sample, (RNG0,), {}), rng(none_ok=False))
    case(f"search.{_n}.grid", lambda m=_mk: (m().grid, (3,), {}), count("n", none_ok=(_n == "Choice")))
case("search.log_uniform", lambda: (search.log_uniform, (1e-4, 10.0), {"size": 3, "rng": RNG0}),
     real("low", low=0, low_open=True, extra=_ORDER(1e-4, 10.0)), real("high", low=0, low_open=True),
     custom("size", Mut("None", _const(None), WORK), Mut("tuple", _const((2, 2)), WORK),
            Mut("np.int64", lambda v: np.int64(v), WORK, same=True), Mut("negative", _const(-1)),
            Mut("float", _const(2.5)), Mut("str", _const("3"))),
     rng(none_ok=False))
case("search.sample", lambda: (search.sample, (space3(), RNG0), {}), custom("space", *SPACE_MUTS, **SPACE), rng(none_ok=False))
case("search.grid_values", lambda: (search.grid_values, (space3(), 3), {}), custom("space", *SPACE_MUTS, **SPACE), count("n"))
case("search.SearchResult",
     lambda: (then(search.SearchResult, lambda r: (r.best, r.best_so_far(), repr(r))), (trials3(),),
              {"direction": "maximize"}),
     custom("trials", Mut("tuple", lambda v: tuple(v), WORK, same=True), Mut("empty", _const([])),
            Mut("not_trials", _const([3])), Mut("int", _const(3)),
            Mut("all_nan", lambda v: [t._replace(value=math.nan) for t in v]),
            Mut("str_values", lambda v: [t._replace(value="abc") for t in v]), names=("trial",)),
     choice("direction", alts=("minimize",)))
_GRID = lambda: {"lr": [1e-3, 1e-2], "width": [4, 8]}  # noqa: E731
case("search.grid_search", lambda: (search.grid_search, (lambda p: -p["lr"] + p["width"], _GRID()),
                                    {"direction": "maximize"}),
     custom("objective", *OBJECTIVE_MUTS),
     custom("grid", Mut("np.array_values", lambda v: {k: np.array(x) for k, x in v.items()}, WORK, same=True),
            Mut("empty", _const({})), Mut("empty_list", _const({"lr": []})), Mut("scalar", _const({"lr": 0.1})),
            Mut("str", _const({"lr": "abc"})), Mut("pairs", lambda v: list(v.items())), Mut("None", _const(None))),
     choice("direction", alts=("minimize",)), nan_ok=True)
case("search.random_search", lambda: (search.random_search, (lambda p: p["lr"], space3(), 3),
                                      {"rng": RNG0, "direction": "maximize"}),
     custom("objective", *OBJECTIVE_MUTS), custom("space", *SPACE_MUTS, **SPACE), count("n_trials"),
     rng(none_ok=False),
     choice("direction", alts=("minimize",)), nan_ok=True)
case("search.best_so_far", lambda: (search.best_so_far, ([0.2, 0.5, 0.1, 0.4],), {"direction": "maximize"}),
     array("values", work="add_axis drop_axis empty nan inf"), choice("direction", alts=("minimize",)), nan_ok=True)
case("search.hit_probability", lambda: (search.hit_probability, (10,), {"fraction": 0.05}),
     count("n_trials", low=0), real("fraction", low=0, high=1, low_open=True))
case("search.trials_needed", lambda: (search.trials_needed, (0.95,), {"fraction": 0.05}),
     real("probability", low=0, high=1, high_open=True),
     real("fraction", low=0, high=1, low_open=True, high_open=True))
case("search.SealedTestSet", lambda: (search.SealedTestSet, (X43(), Y4()), {}),
     array("X", paired=True, work="add_axis", **CONTENT_FREE), array("y", paired=True, work="add_axis", **CONTENT_FREE))
case("search.SealedTestSet.open", lambda: (search.SealedTestSet(X43(), Y4()).open, (), {}))

# ---------------------------------------------------------------------------- cluster
case("cluster.survey", lambda: (cluster.survey, (40,), {"rng": RNG0, "noise": 0.8, "style": 0.3,
                                                       "proportions": (0.3, 0.27, 0.23, 0.2)}),
     count("n"), rng(), real("noise", low=0), real("style", low=0),
     custom("proportions", Mut("list", lambda v: list(v), WORK, same=True), Mut("two_groups", _const((0.5, 0.5))),
            Mut("negative", _const((-0.1, 0.5, 0.3, 0.3))), Mut("sum_2", _const((0.5, 0.5, 0.5, 0.5))),
            Mut("str", _const(("a", "b", "c", "d"))), Mut("nan", _const((math.nan, 0.5, 0.3, 0.2))),
            Mut("None", _const(None))))
_XCEN = (array("X", names=("data",)), array("centroids", width=True, names=("centroid",)))
case("cluster.squared_distances", lambda: (cluster.squared_distances, (XC(), C2()), {}), *_XCEN)
case("cluster.assign", lambda: (cluster.assign, (XC(), C2()), {}), *_XCEN)
case("cluster.update_centroids", lambda: (cluster.update_centroids, (XC(), L8()), {"k": 2, "previous": C2()}),
     array("X", paired=True), labels("labels", 2, paired=True),
     count("k", none_ok=True, skip="at_low"),
     array("previous", width=True, paired=True, work="None", names=("centroids",)))
case("cluster.inertia", lambda: (cluster.inertia, (XC(), C2()), {"labels": L8()}),
     *_XCEN, labels("labels", 2, paired=True, none_ok=True))
for _fn in ("random_init", "kmeans_plus_plus"):
    case(f"cluster.{_fn}", lambda f=getattr(cluster, _fn): (f, (XC(), 2, RNG0), {}),
         array("X"), count("k", high=8), rng())
case("cluster.initial_centroids", lambda: (cluster.initial_centroids, (XC(), 2), {"init": "k-means++", "rng": RNG0}),
     array("X"), count("k", high=8), choice("init", alts=("random",)), rng())
case("cluster.lloyd", lambda: (cluster.lloyd, (XC(), C2(), 3), {}), *_XCEN, count("iters", low=0))
case("cluster.kmeans", lambda: (cluster.kmeans, (XC(), 2), {"init": "k-means++", "rng": RNG0, "n_init": 1,
                                                           "max_iter": 10}),
     array("X"), count("k", high=8),
     choice("init", alts=("random",), extra=(Mut("centroids", lambda v: C2(), WORK),
                                             Mut("wrong_count", lambda v: C2()[:1]))),
     rng(), count("n_init"), count("max_iter"))
case("cluster.elbow_curve", lambda: (cluster.elbow_curve, (XC(), [1, 2, 3]), {"rng": RNG0, "n_init": 2,
                                                                           "init": "k-means++"}),
     array("X"), sizes("ks", names=("k",)), rng(), count("n_init"), choice("init", alts=("random",)))
case("cluster.elbow_point", lambda: (cluster.elbow_point, ([1, 2, 3, 4, 5], [100.0, 40.0, 15.0, 12.0, 10.0]),
                                     {"method": "kneedle"}),
     custom("ks", Mut("tuple", lambda v: tuple(v), WORK, same=True),
            Mut("np.array", lambda v: np.array(v), WORK, same=True),
            Mut("two_values", _const([1, 2])), Mut("unequal_spacing", _const([1, 2, 4, 5, 6])),
            Mut("decreasing", _const([5, 4, 3, 2, 1])), Mut("str", _const(list("12345"))), Mut("None", _const(None)),
            names=("k",)),
     array("inertias", paired=True, names=("inertia",)),
     choice("method", alts=("second_difference",)))
case("cluster.silhouette_score", lambda: (cluster.silhouette_score, (XC(), L8()), {}),
     array("X", paired=True),
     labels("labels", 2, paired=True, work="out_of_range negative fractional str", skip="nan", names=("clusters",),
            extra=(Mut("one_cluster", lambda v: np.zeros_like(v)),)))
case("cluster.pca", lambda: (cluster.pca, (XN(6),), {"n_components": 2}),
     array("X"), count("n_components", none_ok=True, high=3))
case("cluster.PCAResult.transform", lambda: (cluster.pca(XN(6)).transform, (XN(4),), {}), array("X", width=True))
case("cluster.agglomerative", lambda: (cluster.agglomerative, (XC(),), {"linkage": "ward"}),
     array("X"), choice("linkage", alts=("average",)))


def _z_entry(row, col, value):
    def make(v):
        z = np.array(v, dtype=np.float64, copy=True)
        z[row, col] = value
        return z
    return make


case("cluster.cut_tree", lambda: (cluster.cut_tree, (cluster.agglomerative(XC()), 2), {}),
     custom("Z", Mut("list", lambda v: _arr(v).tolist(), WORK, same=True), Mut("nan", _z_entry(0, 0, np.nan)),
            Mut("id_out_of_range", _z_entry(0, 0, 100)), Mut("negative_id", _z_entry(0, 0, -1)),
            Mut("fractional_id", _z_entry(0, 0, 0.5)), Mut("wrong_width", _narrower), Mut("empty", _empty),
            Mut("None", _const(None)), Mut("str", lambda v: _arr(v).astype(str)), names=("linkage",)),
     count("n_clusters", high=8))
_PARTITION = dict(paired=True, work="out_of_range negative fractional str", skip="nan")
for _fn in ("contingency_matrix", "adjusted_rand_index"):
    case(f"cluster.{_fn}", lambda f=getattr(cluster, _fn): (f, (L8(), np.array([0, 0, 1, 0, 1, 1, 1, 1])), {}),
         labels("labels_a", 2, names=("partition", "partitions"), **_PARTITION),
         labels("labels_b", 2, names=("partition", "partitions"), **_PARTITION))

# ---------------------------------------------------------------------------- parameter
case("parameter.Parameter", lambda: (Parameter, (np.array([[1.0, 2.0]]),), {"name": "w"}),
     array("data", work="add_axis drop_axis empty"),
     custom("name", Mut("int", _const(3)), Mut("None", _const(None))))


# ============================================================================ running a call
class Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise Timeout(f"no answer after {TIMEOUT_S} s")


def _locate(fn, args, kwargs, name):
    """Where argument ``name`` sits in the call ``fn(*args, **kwargs)``."""
    if name in kwargs:
        return "kw", name
    params = list(inspect.signature(fn).parameters.values())
    for i, p in enumerate(params):
        if p.name == name:
            if p.kind == p.VAR_POSITIONAL:
                return "var", i
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and i < len(args):
                return "pos", i
            if p.default is not p.empty:
                return "default", p.default
    raise LookupError(f"the baseline call has no argument {name!r}")


def get_arg(fn, args, kwargs, name):
    where, key = _locate(fn, args, kwargs, name)
    return {"kw": lambda: kwargs[key], "pos": lambda: args[key], "var": lambda: tuple(args[key:]),
            "default": lambda: key}[where]()


def set_arg(fn, args, kwargs, name, value):
    where, key = _locate(fn, args, kwargs, name)
    args, kwargs = list(args), dict(kwargs)
    if where == "kw":
        kwargs[key] = value
    elif where == "pos":
        args[key] = value
    elif where == "var":
        args = args[:key] + list(value)
    else:
        kwargs[name] = value
    return tuple(args), kwargs


def run_call(fn, args, kwargs):
    """Call under the alarm; return (result, exception, RuntimeWarning messages, seconds)."""
    result = exc = None
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"), \
            contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        signal.alarm(TIMEOUT_S)
        try:
            result = fn(*args, **kwargs)
            if inspect.isgenerator(result):  # batches, kfold: errors may wait for the first next()
                result = list(result)
        except Exception as e:  # noqa: BLE001 - classifying every exception is the point
            exc = e
        finally:
            signal.alarm(0)
    runtime = [f"{w.category.__name__}: {w.message}" for w in caught if issubclass(w.category, RuntimeWarning)]
    return result, exc, runtime, time.perf_counter() - start


# ============================================================================ classifying
_SKIP_TYPES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.ModuleType, type,
               functools.partial, np.random.Generator, np.random.RandomState, np.dtype)


def leaves(obj, out=None, depth=0, seen=None) -> list:
    """Every number in a result, as float arrays: arrays, scalars, containers, object attributes."""
    out = [] if out is None else out
    seen = set() if seen is None else seen
    if depth > 5 or obj is None or isinstance(obj, (str, bytes) + _SKIP_TYPES):
        return out
    if isinstance(obj, (bool, int, float, np.number, np.bool_)):
        try:
            out.append(np.array([float(obj)]))
        except OverflowError:
            out.append(np.array([math.inf]))
        return out
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biuf":
            out.append(obj.astype(np.float64).ravel())
        elif obj.dtype.kind == "O":
            for item in obj.ravel()[:1000]:
                leaves(item, out, depth + 1, seen)
        return out
    if id(obj) in seen:
        return out
    seen.add(id(obj))
    if isinstance(obj, dict):
        items = list(obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        items = list(obj)
    elif hasattr(obj, "__dict__"):
        items = list(vars(obj).values())
    elif hasattr(type(obj), "__slots__"):
        items = [getattr(obj, s, None) for s in type(obj).__slots__]
    else:
        return out
    for item in items:
        leaves(item, out, depth + 1, seen)
    return out


def nonfinite(values) -> tuple[bool, bool]:
    flat = np.concatenate(values) if values else np.zeros(0)
    return bool(np.isnan(flat).any()), bool(np.isinf(flat).any())


def same_result(a, b) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)
                                    for x, y in zip(a, b))


def _innermost(exc: BaseException):
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def raised_by_nbcode(exc: BaseException) -> bool:
    """True if the innermost traceback frame is a ``raise`` statement in nbcode/ (not an error
    raised inside NumPy's C code or Python's builtins while nbcode was calling them)."""
    tb = _innermost(exc)
    if tb is None:
        return False
    filename = Path(tb.tb_frame.f_code.co_filename).resolve()
    if NBCODE_DIR not in filename.parents:
        return False
    return linecache.getline(str(filename), tb.tb_lineno).strip().startswith("raise")


def raised_by_sweep(exc: BaseException) -> bool:
    """True if the error comes from this script's own glue (a table mistake, not a finding)."""
    tb = _innermost(exc)
    return tb is not None and Path(tb.tb_frame.f_code.co_filename).resolve() == Path(__file__).resolve()


MISMATCH = ("wrong_len", "wrong_width")  # mutations that break agreement with a partner argument


def names_the_problem(message: str, case: Case, arg: Arg, mut: Mut, value) -> bool:
    """Does an error message say which input is wrong? It names the parameter (or a word the
    table lists for it; for a mismatch, any argument of the call), quotes the bad string value,
    or the call has a single argument."""
    if len(case.args) == 1:
        return True
    args = case.args if mut.label in MISMATCH else (arg,)
    words = [w for a in args for w in (a.name,) + tuple(a.names)]
    words += [w.swapcase() for w in words if len(w) == 1]  # "pass x of shape ..." for X
    # the bad value itself: a string the caller passed, or the class of an object they passed
    for v in (value if isinstance(value, (list, tuple)) else [value]):
        if isinstance(v, str) and len(v) >= 3:
            words.append(v)
        elif not isinstance(v, (int, float, str, bytes, list, tuple, dict, np.ndarray, np.generic, type(None))) \
                and not callable(v) or isinstance(v, layers.Layer):
            words.append(type(v).__name__)
    for word in words:
        flags = 0 if len(word) <= 2 else re.IGNORECASE  # "x", "y", "lr": exact case only
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", message, flags):
            return True
    return False


def classify(case: Case, arg: Arg, mut: Mut, value, result, exc, base_leaves) -> str:
    """The one classifier: see the module docstring for the outcomes."""
    nan_ok = case.nan_ok
    if isinstance(exc, Timeout):
        return "raw"
    if exc is not None:
        if raised_by_sweep(exc):
            return "harness-error"
        if mut.expect == WORK:
            return "broken-valid"
        own = isinstance(exc, (ValueError, TypeError)) and raised_by_nbcode(exc)
        if own or (mut.allow and isinstance(exc, mut.allow)):
            return "clear" if names_the_problem(str(exc), case, arg, mut, value) else "vague"
        return "raw"
    values = leaves(result)
    has_nan, has_inf = nonfinite(values)
    if mut.expect == FAIL:
        return "silent-nan" if (has_nan or has_inf) and not nan_ok else "silent-accept"
    if mut.expect == PROPAGATE:  # NaN in -> NaN out is documented; inf in may give inf, never NaN
        return "silent-nan" if has_nan and mut.label != "nan" and not nan_ok else "ok"
    if (has_nan or has_inf) and not nan_ok:
        return "silent-nan"
    if mut.same and not same_result(values, base_leaves):
        return "silent-wrong"
    return "ok"


# ============================================================================ the sweep
@dataclass
class Record:
    case: str
    module: str
    param: str
    mutation: str
    value: str
    expect: str
    outcome: str
    exc_type: str = ""
    message: str = ""
    returned: str = ""
    warnings: list = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        head = f"{self.case}({self.param}={self.value})" if self.param else f"{self.case}()"
        if self.exc_type:
            detail = f"{self.exc_type}: {self.message[:100]}"
        else:
            detail = f"returned {self.returned}"
        warn = f"  [{self.warnings[0][:80]}]" if self.warnings else ""
        return f"{head} -> {self.outcome}: {detail}{warn}"


def describe(mut: Mut, value) -> str:
    """How a mutated value is shown in the report."""
    if isinstance(value, np.ndarray):
        return f"<{mut.label}: {value.dtype}{list(value.shape)}>"
    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        return repr(value)
    text = repr(value)
    if isinstance(value, (list, tuple, dict)) and len(text) <= 40 and "<" not in text and "array" not in text:
        return text
    return f"<{mut.label}>"


def summarize(result) -> str:
    has_nan, has_inf = nonfinite(leaves(result))
    if isinstance(result, np.ndarray):
        text = f"ndarray {result.dtype}{list(result.shape)}"
    else:
        text = f"{type(result).__name__} {' '.join(repr(result).split())[:60]}"
    return text + (" holding NaN" if has_nan else "") + (" holding inf" if has_inf else "")


def _record(case: Case, param: str, mut: Mut | None, value: str, outcome: str, result, exc, warns, secs) -> Record:
    return Record(case.name, case.module, param, mut.label if mut else "baseline", value,
                  mut.expect if mut else "baseline", outcome,
                  exc_type=type(exc).__name__ if exc is not None else "",
                  message=" ".join(str(exc).split()) if exc is not None else "",
                  returned="" if exc is not None else summarize(result), warnings=warns, seconds=round(secs, 4))


def sweep_case(case: Case, strict_nan: bool) -> tuple[list, Record | None]:
    """Run the baseline, then every mutation. Returns (records, broken-baseline record or None)."""
    try:
        fn, args, kwargs = case.factory()
    except Exception as e:  # noqa: BLE001
        return [], Record(case.name, case.module, "", "baseline", "", "baseline", "broken-baseline",
                          type(e).__name__, f"the factory failed: {e}")
    result, exc, warns, secs = run_call(fn, args, kwargs)
    base = _record(case, "", None, "", "ok" if exc is None else "broken-baseline", result, exc, warns, secs)
    if exc is not None:
        return [], base
    base_leaves = leaves(result)
    if nonfinite(base_leaves) != (False, False) and not case.nan_ok:
        base.outcome, base.message = "broken-baseline", "the baseline result holds NaN or inf"
        return [], base
    records = [base]
    for arg in case.args:
        for mut in arg.mutations(strict_nan):
            fn, args, kwargs = case.factory()
            try:
                value = mut.make(get_arg(fn, args, kwargs, arg.name))
                args, kwargs = set_arg(fn, args, kwargs, arg.name, value)
            except NotApplicable:
                continue
            except LookupError as e:
                return records, Record(case.name, case.module, arg.name, mut.label, "", "baseline",
                                       "broken-baseline", "LookupError", str(e))
            result, exc, warns, secs = run_call(fn, args, kwargs)
            outcome = classify(case, arg, mut, value, result, exc, base_leaves)
            records.append(_record(case, arg.name, mut, describe(mut, value), outcome, result, exc, warns, secs))
    return records, None


def not_swept(modules) -> tuple[list, list]:
    """Public callables of the modules with no table entry, and the deliberately skipped ones."""
    names = {c.name.split("[")[0] for c in TABLE}
    missing, skipped = [], []
    for mod in modules:
        module = MODULES[mod]
        public = getattr(module, "__all__", None) or [  # no __all__ (nbcode.parameter): what it defines
            n for n, obj in vars(module).items() if not n.startswith("_") and getattr(obj, "__module__", "") == module.__name__]
        for n in public:
            obj = getattr(module, n)
            if not callable(obj) or isinstance(obj, dict):
                continue
            full = f"{mod}.{n}"
            if full in SKIPPED:
                skipped.append(f"{full}: {SKIPPED[full]}")
            elif not any(x == full or x.startswith(full + ".") for x in names):
                missing.append(full)
    return missing, skipped


OUTCOMES = ("clear", "vague", "raw", "silent-accept", "silent-nan", "silent-wrong", "broken-valid", "ok")


def print_table(records: list, modules: list) -> None:
    header = f"{'module':<12}{'calls':>6}{'invalid':>8}" + "".join(f"{o:>14}" for o in OUTCOMES)
    print(header)
    print("-" * len(header))
    mutated = [r for r in records if r.expect != "baseline"]
    for mod in modules + ["TOTAL"]:
        rows = mutated if mod == "TOTAL" else [r for r in mutated if r.module == mod]
        counts = Counter(r.outcome for r in rows)
        invalid = sum(r.expect == FAIL for r in rows)
        if mod == "TOTAL":
            print("-" * len(header))
        print(f"{mod:<12}{len(rows):>6}{invalid:>8}" + "".join(f"{counts.get(o, 0):>14}" for o in OUTCOMES))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated modules, e.g. layers,losses")
    parser.add_argument("--json", metavar="PATH", help="write every call's result to PATH")
    parser.add_argument("--verbose", action="store_true", help="print every call, also the clear and ok ones")
    parser.add_argument("--strict-nan", action="store_true",
                        help="NaN/inf passing through activations, layers and elementwise maths counts as must-fail")
    opts = parser.parse_args(argv)
    modules = list(MODULES)
    if opts.only:
        modules = [m.strip() for m in opts.only.split(",") if m.strip()]
        unknown = [m for m in modules if m not in MODULES]
        if unknown:
            parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    signal.signal(signal.SIGALRM, _on_alarm)
    start = time.perf_counter()
    records, broken = [], []
    for c in TABLE:
        if c.module in modules:
            recs, bad = sweep_case(c, opts.strict_nan)
            records += recs
            if bad is not None:
                broken.append(bad)
    elapsed = time.perf_counter() - start

    mutated = [r for r in records if r.expect != "baseline"]
    print(f"nbcode API sweep: {len([c for c in TABLE if c.module in modules])} baseline calls, "
          f"{len(mutated)} mutated calls in {elapsed:.1f} s"
          f"{' (--strict-nan)' if opts.strict_nan else ''}\n")
    print_table(records, modules)
    propagated = sum(r.expect == PROPAGATE and r.outcome == "ok" and not r.exc_type for r in mutated)
    if propagated:
        print(f"\n{propagated} 'ok' calls are NaN/inf passing through a function documented to propagate it "
              "(--strict-nan counts them as must-fail).")

    findings = [r for r in mutated if r.outcome not in ("clear", "ok", "harness-error")]
    print(f"\nFindings (not clear, not ok): {len(findings)}")
    for mod in modules:
        rows = [r for r in findings if r.module == mod]
        if rows:
            print(f"\n[{mod}] {len(rows)}")
            for r in rows:
                print("  " + r.line())
    warned = [r for r in records if r.warnings and not r.exc_type and r.outcome in ("ok", "clear")]
    if warned:
        print(f"\nReturned normally but emitted a RuntimeWarning (a hint of NaN): {len(warned)}")
        for r in warned:
            print("  " + r.line())
    harness = [r for r in mutated if r.outcome == "harness-error"]
    if harness:
        print(f"\nHARNESS ERRORS (raised by this script's glue code: fix the table): {len(harness)}")
        for r in harness:
            print("  " + r.line())
    if broken:
        print(f"\nBROKEN BASELINES (fix the table or the library): {len(broken)}")
        for r in broken:
            print(f"  {r.case}: {r.exc_type}: {r.message[:200]}")
    missing, skipped = not_swept(modules)
    if missing:
        print(f"\nPublic callables NOT swept (add them to the table): {', '.join(missing)}")
    if opts.verbose:
        print(f"\nSkipped on purpose: {len(skipped)}")
        for s in skipped:
            print("  " + s)
        print("\nEvery call:")
        for r in records:
            print(f"  [{r.expect}] " + r.line())
    if opts.json:
        Path(opts.json).parent.mkdir(parents=True, exist_ok=True)
        summary = {o: sum(r.outcome == o for r in mutated) for o in OUTCOMES}
        payload = {"calls": len(mutated), "invalid": sum(r.expect == FAIL for r in mutated), "counts": summary,
                   "seconds": round(elapsed, 2), "strict_nan": opts.strict_nan,
                   "broken_baselines": [vars(r) for r in broken], "not_swept": missing, "skipped": skipped,
                   "results": [vars(r) for r in records]}
        Path(opts.json).write_text(json.dumps(payload, indent=1, default=str))
        print(f"\nwrote {opts.json}")
    return 0 if not (findings or broken or missing or harness) else 1


if __name__ == "__main__":
    sys.exit(main())
