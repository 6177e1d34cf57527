"""Per-epoch training time of sknetscratch against scikit-learn, a GEMM floor and PyTorch.

Run ``python benchmarks/bench_mlp.py --help`` for the options; ``--quick`` takes
well under two minutes on two cores, the default run several minutes.

What is measured
----------------
One *epoch* of mini-batch Adam (lr 1e-3, L2 ``alpha`` 1e-4, ReLU hidden layers,
samples reshuffled every epoch) on three problems:

(a) breast cancer, 569 x 30, standardised, hidden (128, 64, 32), binary, batch 100;
(b) ``make_classification`` 50 000 x 100, 10 classes, hidden (256, 128), batch 256;
(c) ``make_classification`` 200 000 x 784, 10 classes, hidden (512, 256), batch 512
    (only a few epochs: it is slow).

Each in float64 and float32, for these contenders:

``sknetscratch``
    ``ScratchMLPClassifier(...).partial_fit(X, y)``: one call is exactly one epoch.
``sklearn``
    ``sklearn.neural_network.MLPClassifier`` with the same hyperparameters and
    the same ``partial_fit`` protocol (it keeps float32 when ``X`` is float32).
``gemm_floor``
    Only the matrix products of the same epoch, with the same batch and layer
    sizes and dtype, written into preallocated buffers with
    ``np.matmul(..., out=...)``: per batch and layer the forward ``A @ W``, the
    weight gradient ``A^T @ delta`` and, except for the first layer, the input
    gradient ``delta @ W^T``. No activation, loss, optimizer or data gathering:
    a lower bound for any NumPy implementation of the same network.
``numpy_loop`` (only with ``--numpy-loop``)
    The same training (gather, forward, cross-entropy, backward, L2, Adam) as
    one plain NumPy loop over preallocated buffers, without the library's
    layers, callbacks, checks and bookkeeping: what "careful NumPy" costs, so
    that ``ours/loop`` is the library's own overhead.
``sknetscratch_xp`` (only with ``--namespace torch`` or ``cupy``)
    The same ``partial_fit`` epochs of ``ScratchMLPClassifier`` on ``X`` of that
    Array API library on ``--device`` (``cpu`` or ``cuda``), under
    ``sklearn.config_context(array_api_dispatch=True)``: the same code as the
    NumPy path, computing with that library's kernels. ``xp/ours`` is its time
    over the NumPy path's, ``xp/torch`` over PyTorch's own loop on the same
    device. The script sets ``SCIPY_ARRAY_API=1`` (scikit-learn's dispatch needs
    it) and ends with a message, having timed nothing, when the library is not
    installed.
``torch`` (only if PyTorch is importable)
    ``nn.Sequential`` of ``Linear`` + ``ReLU`` on the CPU (on ``--device`` with
    ``--namespace``), ``torch.optim.Adam``
    (lr 1e-3) with the L2 term written explicitly as scikit-learn's
    ``alpha / (2 n_batch) * sum ||W||^2`` (kernels only), same batches and dtype,
    ``torch.set_num_threads`` equal to NumPy's BLAS thread count.

Why ``partial_fit``: it is one epoch for both estimators, so both pay the same
kind of per-call cost (input validation, and for sknetscratch a copy of the
small model that makes fitting transactional) on top of the epoch, and the
epochs of all contenders can be interleaved. That per-call cost is negligible
except on (a), where an epoch is only six batches.

Method
------
Every contender first runs one untimed epoch (for the estimators this first
``partial_fit`` also initialises the network), then ``--warmup`` untimed rounds.
Then come ``--rounds`` timed rounds: in round ``r`` every contender runs one
epoch, in an order rotated by ``r``, so that slow drifts of the machine (other
processes, frequency scaling) hit all contenders alike. Reported per problem and
dtype:

* median ms/epoch for each contender, with [min, max] over the rounds;
* paired ratios computed *within* each round, then summarised as median and
  [min, max]: ``sklearn/ours`` (speed-up of sknetscratch over scikit-learn),
  ``ours/floor`` (how far sknetscratch is from its matrix products),
  ``torch/ours``, and with ``--numpy-loop`` ``ours/loop`` and ``loop/floor``;
* the training loss (``loss_curve_[-1]``, L2 term included) of sknetscratch
  and scikit-learn after the same number of epochs from the same kind of
  initialisation (Glorot-uniform as scikit-learn): the same maths should give
  similar, not identical, losses (the random streams differ);
* on (b) and (c), ``predict_proba`` throughput in rows/s (median of a few calls
  on up to 50 000 training rows);
* on (c), or on every problem with ``--memory``, the peak memory that one
  one-epoch ``fit`` allocates, measured with :mod:`tracemalloc` (NumPy reports
  its array buffers to it), for sknetscratch and scikit-learn.

Timings depend heavily on the BLAS library and its threads, so the header
prints the versions, ``threadpoolctl.threadpool_info()`` and the environment
variables that steer OpenBLAS/OpenMP. ``--json PATH`` also writes every raw
timing.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass

if any(a.startswith("--namespace") for a in sys.argv[1:]):
    # scikit-learn's array API dispatch needs it, set before SciPy is imported
    os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

import sknetscratch
from sknetscratch import ScratchMLPClassifier

ALPHA = 1e-4
LEARNING_RATE = 1e-3
SEED = 0
PREDICT_ROWS = 50_000
ENV_VARS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)
TABLE_HEADER = "PER-EPOCH TRAINING TIME"


# --------------------------------------------------------------------- problems
@dataclass(frozen=True)
class Problem:
    """One benchmark configuration."""

    key: str
    title: str
    hidden: tuple[int, ...]
    batch_size: int
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    rounds: int
    warmup: int
    predict: bool
    memory: bool


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _classification(n_samples, n_features, n_informative):
    def load():
        return make_classification(
            n_samples=n_samples,
            n_features=n_features,
            n_informative=n_informative,
            n_classes=10,
            random_state=0,
        )

    return load


def make_problems(mode: str) -> dict[str, Problem]:
    """The problems (a), (b), (c); ``mode`` is 'full', 'quick' or 'smoke'."""
    n_b = {"full": 50_000, "quick": 10_000, "smoke": 2_000}[mode]
    n_c = {"full": 200_000, "quick": 200_000, "smoke": 1_000}[mode]
    rounds = {"full": (30, 10, 3), "quick": (10, 5, 2), "smoke": (1, 1, 1)}[mode]
    warmup = {"full": (2, 1, 0), "quick": (1, 1, 0), "smoke": (0, 0, 0)}[mode]
    return {
        "a": Problem(
            "a",
            "(a) breast cancer 569x30 standardised, hidden (128, 64, 32), binary, batch 100",
            (128, 64, 32),
            100,
            _breast_cancer,
            rounds[0],
            warmup[0],
            predict=False,
            memory=False,
        ),
        "b": Problem(
            "b",
            f"(b) make_classification {n_b}x100, 10 classes, hidden (256, 128), batch 256",
            (256, 128),
            256,
            _classification(n_b, 100, 50),
            rounds[1],
            warmup[1],
            predict=True,
            memory=False,
        ),
        "c": Problem(
            "c",
            f"(c) make_classification {n_c}x784, 10 classes, hidden (512, 256), batch 512",
            (512, 256),
            512,
            _classification(n_c, 784, 100),
            rounds[2],
            warmup[2],
            predict=True,
            memory=True,
        ),
    }


# --------------------------------------------------------------------- contenders
def _estimator_params(problem: Problem) -> dict:
    return dict(
        hidden_layer_sizes=problem.hidden,
        activation="relu",
        solver="adam",
        alpha=ALPHA,
        batch_size=problem.batch_size,
        learning_rate_init=LEARNING_RATE,
        shuffle=True,
        random_state=SEED,
    )


class EstimatorContender:
    """An MLP estimator; one epoch is one ``partial_fit`` call."""

    def __init__(self, name, estimator, X, y):
        self.name, self.estimator, self.X, self.y = name, estimator, X, y

    def start(self):
        """First (untimed) epoch; it also initialises the network."""
        self.estimator.partial_fit(self.X, self.y, classes=np.unique(self.y))

    def epoch(self):
        self.estimator.partial_fit(self.X, self.y)

    @property
    def epochs_done(self) -> int:
        return len(self.estimator.loss_curve_)

    def final_loss(self) -> float:
        return float(self.estimator.loss_curve_[-1])


class ArrayApiContender(EstimatorContender):
    """The estimator on ``X`` of another Array API library, on ``device``."""

    def __init__(self, estimator, X, y, namespace, device):
        if namespace == "torch":
            import torch

            X = torch.asarray(np.ascontiguousarray(X), device=device)
        else:  # cupy: its arrays live on the current GPU
            import cupy

            X = cupy.asarray(X)
        super().__init__("sknetscratch_xp", estimator, X, y)

    def start(self):
        with sklearn.config_context(array_api_dispatch=True):
            super().start()

    def epoch(self):
        with sklearn.config_context(array_api_dispatch=True):
            super().epoch()


class GemmFloor:
    """The matrix products of one epoch only, into preallocated buffers."""

    name = "gemm_floor"

    def __init__(self, X, n_outputs, hidden, batch_size):
        rng = np.random.default_rng(SEED)
        dtype = X.dtype
        self.X = np.ascontiguousarray(X)
        dims = [X.shape[1], *hidden, n_outputs]
        self.W = []
        for fan_in, fan_out in zip(dims[:-1], dims[1:]):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            self.W.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
        self.dW = [np.empty_like(w) for w in self.W]
        n = X.shape[0]
        self.batches = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
        # activations A[l] (m, dims[l+1]) and deltas D[l] (m, dims[l+1]) for each
        # distinct batch length m (the full batches and the remainder)
        self.buffers = {}
        for m in {stop - start for start, stop in self.batches}:
            A = [np.empty((m, d), dtype=dtype) for d in dims[1:]]
            D = [np.empty((m, d), dtype=dtype) for d in dims[1:]]
            D[-1][...] = rng.standard_normal(D[-1].shape) / m  # output delta
            self.buffers[m] = (A, D)

    def start(self):
        self.epoch()

    def epoch(self):
        W, dW, L = self.W, self.dW, len(self.W)
        for start, stop in self.batches:
            A, D = self.buffers[stop - start]
            Xb = self.X[start:stop]
            inputs = [Xb, *A[:-1]]  # input of layer l
            for layer in range(L):  # forward: A_l = A_{l-1} W_l
                np.matmul(inputs[layer], W[layer], out=A[layer])
            for layer in range(L - 1, -1, -1):  # backward
                np.matmul(inputs[layer].T, D[layer], out=dW[layer])  # A^T delta
                if layer > 0:  # delta_{l-1} = delta_l W_l^T
                    np.matmul(D[layer], W[layer].T, out=D[layer - 1])


class NumpyLoop:
    """The same training as one plain NumPy loop: the yardstick of "careful NumPy".

    No classes, callbacks, validation, divergence checks or loss bookkeeping
    beyond the batch loss: per batch, gather the rows, forward (GEMM, bias,
    ReLU), the softmax or sigmoid cross-entropy and its delta, backward (GEMMs,
    bias sums as ``1^T delta``, ReLU masks), the L2 term and one Adam step over
    one flat vector (kernels first), all into preallocated buffers. sknetscratch
    does the same arithmetic inside its layers, losses and optimizer.
    """

    name = "numpy_loop"

    def __init__(self, X, y, hidden, batch_size):
        rng = np.random.default_rng(SEED)
        dtype = X.dtype
        classes = np.unique(y)
        n_out = 1 if len(classes) == 2 else len(classes)
        codes = np.searchsorted(classes, y)
        self.X = np.ascontiguousarray(X)
        self.Y = (
            (codes == 1).astype(np.uint8).reshape(-1, 1)
            if n_out == 1
            else np.eye(n_out, dtype=np.uint8)[codes]
        )
        dims = [X.shape[1], *hidden, n_out]
        shapes = list(zip(dims[:-1], dims[1:]))
        n_kernels = sum(a * b for a, b in shapes)
        self.params = np.zeros(n_kernels + sum(dims[1:]), dtype)
        self.grads, self.m, self.v, self.tmp = (
            np.zeros_like(self.params) for _ in range(4)
        )
        self.n_kernels, self.W, self.b, self.dW, self.db = n_kernels, [], [], [], []
        start = 0
        for a, b in shapes:
            self.W.append(self.params[start : start + a * b].reshape(a, b))
            self.dW.append(self.grads[start : start + a * b].reshape(a, b))
            start += a * b
        for b in dims[1:]:
            self.b.append(self.params[start : start + b])
            self.db.append(self.grads[start : start + b])
            start += b
        for (fan_in, fan_out), W in zip(shapes, self.W):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            W[...] = rng.uniform(-bound, bound, W.shape)
        self.rng, self.batch_size, self.t, self.losses = rng, batch_size, 0, []
        self.dims, self.buffers = dims, {}

    def _buffers(self, m):
        if m not in self.buffers:
            dt = self.params.dtype
            self.buffers[m] = (
                np.empty((m, self.dims[0]), dt),
                np.empty((m, self.dims[-1]), np.uint8),
                [np.empty((m, d), dt) for d in self.dims[1:]],  # Z, ReLU'd in place
                [np.empty((m, d), dt) for d in self.dims[1:]],  # deltas
                np.ones(m, dt),
            )
        return self.buffers[m]

    def start(self):
        self.epoch()

    def epoch(self):
        n, bs, L, k = self.X.shape[0], self.batch_size, len(self.W), self.n_kernels
        order, total = self.rng.permutation(n), 0.0
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            m = len(idx)
            Xb, Yb, Z, D, ones = self._buffers(m)
            np.take(self.X, idx, axis=0, out=Xb)
            np.take(self.Y, idx, axis=0, out=Yb)
            h = Xb
            for i in range(L):  # forward
                np.matmul(h, self.W[i], out=Z[i])
                Z[i] += self.b[i]
                if i < L - 1:
                    np.maximum(Z[i], 0, out=Z[i])
                h = Z[i]
            z, delta = Z[-1], D[-1]
            if z.shape[1] == 1:  # sigmoid cross-entropy
                loss = float(np.add.reduce(np.logaddexp(0, z) - Yb * z, axis=None))
                np.negative(z, out=delta)
                np.exp(delta, out=delta)
                delta += 1
                np.reciprocal(delta, out=delta)
            else:  # softmax cross-entropy
                np.subtract(z, z.max(axis=1, keepdims=True), out=delta)
                loss = -float(np.vdot(Yb, delta))
                np.exp(delta, out=delta)
                s = delta.sum(axis=1, keepdims=True)
                loss += float(np.log(s).sum())
                delta /= s
            delta -= Yb
            delta /= m
            kernels = self.params[:k]
            total += loss + 0.5 * ALPHA * float(np.dot(kernels, kernels))  # m x mean
            for i in range(L - 1, -1, -1):  # backward
                inp = Xb if i == 0 else Z[i - 1]
                np.matmul(inp.T, delta, out=self.dW[i])
                np.matmul(ones, delta, out=self.db[i])
                if i > 0:
                    np.matmul(delta, self.W[i].T, out=D[i - 1])
                    D[i - 1] *= Z[i - 1] > 0
                    delta = D[i - 1]
            np.multiply(kernels, ALPHA / m, out=self.tmp[:k])
            self.grads[:k] += self.tmp[:k]
            self.t += 1
            g, mm, v, tmp = self.grads, self.m, self.v, self.tmp
            mm *= 0.9
            np.multiply(g, 0.1, out=tmp)
            mm += tmp
            v *= 0.999
            np.multiply(g, g, out=tmp)
            tmp *= 0.001
            v += tmp
            lr_t = LEARNING_RATE * np.sqrt(1 - 0.999**self.t) / (1 - 0.9**self.t)
            np.sqrt(v, out=tmp)
            tmp += 1e-8
            np.divide(mm, tmp, out=tmp)
            tmp *= lr_t
            self.params -= tmp
        self.losses.append(total / n)

    @property
    def epochs_done(self) -> int:
        return len(self.losses)

    def final_loss(self) -> float:
        return self.losses[-1]


class TorchContender:
    """PyTorch on the CPU with the same network, optimizer, batches and dtype."""

    name = "torch"

    def __init__(self, X, y, hidden, batch_size, n_threads, device="cpu"):
        import torch
        from torch import nn

        self.torch, self.device = torch, device
        torch.set_num_threads(n_threads)
        torch.manual_seed(SEED)
        tdtype = torch.float64 if X.dtype == np.float64 else torch.float32
        classes = np.unique(y)
        n_out = 1 if len(classes) == 2 else len(classes)
        dims = [X.shape[1], *hidden, n_out]
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < len(dims) - 2:
                layers.append(nn.ReLU())
        self.model = nn.Sequential(*layers).to(dtype=tdtype, device=device)
        self.kernels = [m.weight for m in self.model if isinstance(m, nn.Linear)]
        self.X = torch.from_numpy(np.ascontiguousarray(X)).to(device)
        codes = np.searchsorted(classes, y)
        if n_out == 1:
            self.y = torch.from_numpy(codes.astype(X.dtype).reshape(-1, 1)).to(device)
            self.loss_fn = nn.BCEWithLogitsLoss()
        else:
            self.y = torch.from_numpy(codes.astype(np.int64)).to(device)
            self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(SEED)
        self.losses = []

    def start(self):
        self.epoch()

    def epoch(self):
        torch, n, bs = self.torch, self.X.shape[0], self.batch_size
        order = torch.randperm(n, generator=self.generator).to(self.device)
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            xb, yb = self.X[idx], self.y[idx]
            self.optimizer.zero_grad(set_to_none=True)
            l2 = sum((w * w).sum() for w in self.kernels)
            loss = self.loss_fn(self.model(xb), yb) + (ALPHA / (2 * len(idx))) * l2
            loss.backward()
            self.optimizer.step()
            total += loss.detach() * len(idx)
        self.losses.append(float(total) / n)

    @property
    def epochs_done(self) -> int:
        return len(self.losses)

    def final_loss(self) -> float:
        return self.losses[-1]


# --------------------------------------------------------------------- measuring
def summary(values) -> dict:
    values = list(values)
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def run_rounds(contenders, rounds, warmup) -> dict[str, list[float]]:
    """Start every contender, run ``warmup`` untimed and ``rounds`` timed rounds."""
    for c in contenders:
        c.start()
    times = {c.name: [] for c in contenders}
    k = len(contenders)
    for r in range(warmup + rounds):
        gc.collect()
        order = contenders[r % k :] + contenders[: r % k]
        for c in order:
            t0 = time.perf_counter()
            c.epoch()
            elapsed = time.perf_counter() - t0
            if r >= warmup:
                times[c.name].append(elapsed * 1e3)
    return times


def paired_ratios(times) -> dict[str, dict]:
    """Per-round ratios, summarised; keys name the ratio as 'numerator/denominator'."""
    pairs = [
        ("sklearn/ours", "sklearn", "sknetscratch"),
        ("ours/floor", "sknetscratch", "gemm_floor"),
        ("torch/ours", "torch", "sknetscratch"),
        ("ours/loop", "sknetscratch", "numpy_loop"),
        ("loop/floor", "numpy_loop", "gemm_floor"),
        ("xp/ours", "sknetscratch_xp", "sknetscratch"),
        ("xp/torch", "sknetscratch_xp", "torch"),
    ]
    out = {}
    for label, num, den in pairs:
        if num in times and den in times:
            out[label] = summary(a / b for a, b in zip(times[num], times[den]))
    return out


def predict_throughput(estimator, X, calls) -> float:
    """Rows per second of ``predict_proba``, median over ``calls`` calls."""
    Xp = X[:PREDICT_ROWS]
    estimator.predict_proba(Xp)  # warm-up
    durations = []
    for _ in range(calls):
        t0 = time.perf_counter()
        estimator.predict_proba(Xp)
        durations.append(time.perf_counter() - t0)
    return Xp.shape[0] / statistics.median(durations)


def fit_peak_memory(make_estimator, X, y) -> float:
    """Peak MiB that tracemalloc sees during a one-epoch ``fit``."""
    est = make_estimator()
    gc.collect()
    tracemalloc.start()
    try:
        est.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def fit_ms_per_epoch(estimator, X, y) -> float:
    """Wall time of one ``fit`` (initialisation included) divided by its epochs."""
    t0 = time.perf_counter()
    estimator.fit(X, y)
    elapsed = time.perf_counter() - t0
    return elapsed * 1e3 / len(estimator.loss_curve_)


def blas_threads() -> int:
    """Thread count of NumPy's BLAS (the first BLAS library if unsure)."""
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    for info in blas:
        if "numpy" in info.get("filepath", ""):
            return int(info["num_threads"])
    return int(blas[0]["num_threads"]) if blas else os.cpu_count() or 1


def bench_problem(problem, X, y, dtype, args, torch_available) -> dict:
    """Everything measured for one problem in one dtype."""
    X = X.astype(dtype, copy=False)
    n_outputs = 1 if len(np.unique(y)) == 2 else len(np.unique(y))
    params = _estimator_params(problem)
    ours = EstimatorContender("sknetscratch", ScratchMLPClassifier(**params), X, y)
    theirs = EstimatorContender("sklearn", MLPClassifier(**params), X, y)
    contenders = [
        ours,
        theirs,
        GemmFloor(X, n_outputs, problem.hidden, problem.batch_size),
    ]
    if args.numpy_loop:
        contenders.append(NumpyLoop(X, y, problem.hidden, problem.batch_size))
    if args.namespace != "numpy":
        xp = ScratchMLPClassifier(**params)
        contenders.append(ArrayApiContender(xp, X, y, args.namespace, args.device))
    if torch_available:
        contenders.append(
            TorchContender(
                X, y, problem.hidden, problem.batch_size, blas_threads(), args.device
            )
        )
    rounds = args.rounds if args.rounds is not None else problem.rounds
    warmup = args.warmup if args.warmup is not None else problem.warmup
    times = run_rounds(contenders, rounds, warmup)
    for c in (ours, theirs):  # both must really train in the requested dtype
        trained = c.estimator.coefs_[0].dtype
        if trained != X.dtype:
            print(f"  WARNING: {c.name} trained in {trained.name}, not {X.dtype.name}")
    result = {
        "problem": problem.key,
        "title": problem.title,
        "dtype": np.dtype(dtype).name,
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "rounds": rounds,
        "warmup_rounds": warmup,
        "times_ms": times,
        "ms_per_epoch": {name: summary(t) for name, t in times.items()},
        "ratios": paired_ratios(times),
        "final_loss": {
            c.name: c.final_loss() for c in contenders if hasattr(c, "final_loss")
        },
        "epochs": {
            c.name: c.epochs_done for c in contenders if hasattr(c, "epochs_done")
        },
    }
    if problem.predict:
        result["predict_rows_per_s"] = {
            c.name: predict_throughput(c.estimator, X, args.predict_calls)
            for c in (ours, theirs)
        }
    if args.fit_check:
        n_epochs = max(2, rounds)
        no_stop = {
            **params,
            "max_iter": n_epochs,
            "tol": 0.0,
            "n_iter_no_change": n_epochs + 1,
        }
        result["fit_check"] = {
            "epochs": n_epochs,
            "sknetscratch": fit_ms_per_epoch(ScratchMLPClassifier(**no_stop), X, y),
            "sklearn": fit_ms_per_epoch(MLPClassifier(**no_stop), X, y),
        }
    if problem.memory or args.memory:
        one_epoch = {**params, "max_iter": 1}
        result["fit_peak_mib"] = {
            "X": X.nbytes / 2**20,
            "sknetscratch": fit_peak_memory(
                lambda: ScratchMLPClassifier(**one_epoch), X, y
            ),
            "sklearn": fit_peak_memory(lambda: MLPClassifier(**one_epoch), X, y),
        }
    return result


# --------------------------------------------------------------------- reporting
def environment() -> dict:
    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "sknetscratch": getattr(sknetscratch, "__version__", "?"),
        "torch": None,
        "threadpool_info": threadpool_info(),
        "env": {k: os.environ.get(k) for k in ENV_VARS},
    }
    return env


def print_environment(env, torch_version, threads=None):
    print("sknetscratch MLP benchmark")
    print(
        f"python {env['python']} | numpy {env['numpy']} | scikit-learn "
        f"{env['sklearn']} | sknetscratch {env['sknetscratch']} | torch "
        f"{torch_version or 'not installed (skipped)'}"
    )
    print(f"platform {env['platform']} | os.cpu_count() = {env['cpu_count']}")
    print("threadpoolctl.threadpool_info():")
    for info in env["threadpool_info"]:
        arch = info.get("architecture") or info.get("corettype") or "-"
        print(
            f"  {info.get('user_api')}: {info.get('internal_api')} "
            f"{info.get('version')}  num_threads={info.get('num_threads')}  "
            f"architecture={arch}  threading_layer={info.get('threading_layer', '-')}  "
            f"({os.path.basename(info.get('filepath', ''))})"
        )
    if threads is not None:
        print(f"  (limited to {threads} thread(s) by --threads via threadpoolctl)")
    print(
        "env: "
        + "  ".join(
            f"{k}={v if v is not None else '<unset>'}" for k, v in env["env"].items()
        )
    )
    print()


def _fmt(s, digits=1):
    if s is None:
        return "-"
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}, {s['max']:.{digits}f}]"


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


CONTENDERS = (
    "sknetscratch",
    "sklearn",
    "gemm_floor",
    "torch",
    "numpy_loop",
    "sknetscratch_xp",
)


def print_report(results):
    print()
    for key, title in dict((r["problem"], r["title"]) for r in results).items():
        print(f"{key}: {title}")
    print()
    print(f"{TABLE_HEADER} (ms/epoch, median [min, max] over the timed rounds)")
    rows = []
    for r in results:
        rows.append(
            [r["problem"], r["dtype"], r["rounds"]]
            + [_fmt(r["ms_per_epoch"].get(c)) for c in CONTENDERS]
        )
    print(_table(["cfg", "dtype", "rounds", *CONTENDERS], rows))
    print()
    print("PAIRED RATIOS (per round, median [min, max]; sklearn/ours > 1: ours faster)")
    labels = ("sklearn/ours", "ours/floor", "torch/ours", "ours/loop", "loop/floor")
    if any("xp/ours" in r["ratios"] for r in results):
        labels += ("xp/ours", "xp/torch")
    rows = [
        [r["problem"], r["dtype"]] + [_fmt(r["ratios"].get(k), 2) for k in labels]
        for r in results
    ]
    print(_table(["cfg", "dtype", *labels], rows))
    print()
    print("TRAINING LOSS after the same number of epochs (L2 term included)")
    rows = []
    for r in results:
        loss = r["final_loss"]
        ours, theirs = loss["sknetscratch"], loss["sklearn"]
        rows.append(
            [
                r["problem"],
                r["dtype"],
                r["epochs"]["sknetscratch"],
                f"{ours:.5f}",
                f"{theirs:.5f}",
                f"{(ours - theirs) / abs(theirs):+.1%}",
                f"{loss['torch']:.5f}" if "torch" in loss else "-",
                f"{loss['numpy_loop']:.5f}" if "numpy_loop" in loss else "-",
                f"{loss['sknetscratch_xp']:.5f}" if "sknetscratch_xp" in loss else "-",
            ]
        )
    print(
        _table(
            [
                "cfg",
                "dtype",
                "epochs",
                "ours",
                "sklearn",
                "rel.diff",
                "torch (own init)",
                "numpy loop (own init)",
                "ours on --namespace",
            ],
            rows,
        )
    )
    pred = [r for r in results if "predict_rows_per_s" in r]
    if pred:
        print()
        print(f"PREDICT_PROBA THROUGHPUT (rows/s, median; up to {PREDICT_ROWS} rows)")
        rows = []
        for r in pred:
            p = r["predict_rows_per_s"]
            rows.append(
                [
                    r["problem"],
                    r["dtype"],
                    f"{p['sknetscratch']:,.0f}",
                    f"{p['sklearn']:,.0f}",
                    f"{p['sknetscratch'] / p['sklearn']:.2f}",
                ]
            )
        print(_table(["cfg", "dtype", "ours", "sklearn", "ours/sklearn"], rows))
    checks = [r for r in results if "fit_check" in r]
    if checks:
        print()
        print(
            "FIT-BASED CHECK (one fit(max_iter=E) / E, not interleaved; init included)"
        )
        rows = [
            [
                r["problem"],
                r["dtype"],
                r["fit_check"]["epochs"],
                f"{r['fit_check']['sknetscratch']:.1f}",
                f"{r['fit_check']['sklearn']:.1f}",
                f"{r['fit_check']['sklearn'] / r['fit_check']['sknetscratch']:.2f}",
            ]
            for r in checks
        ]
        print(
            _table(["cfg", "dtype", "E", "ours ms", "sklearn ms", "sklearn/ours"], rows)
        )
    mem = [r for r in results if "fit_peak_mib" in r]
    if mem:
        print()
        print(
            "PEAK MEMORY of one one-epoch fit (tracemalloc, MiB; X itself not counted)"
        )
        rows = [
            [
                r["problem"],
                r["dtype"],
                f"{r['fit_peak_mib']['X']:.1f}",
                f"{r['fit_peak_mib']['sknetscratch']:.1f}",
                f"{r['fit_peak_mib']['sklearn']:.1f}",
            ]
            for r in mem
        ]
        print(_table(["cfg", "dtype", "size of X", "ours", "sklearn"], rows))


# --------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        action="store_true",
        help="(a) and a 10 000-row (b), few rounds; skips (c) unless --configs asks",
    )
    mode.add_argument(
        "--smoke",
        action="store_true",
        help="tiny data (2 000-row (b), 1 000-row (c)), one round: checks that the "
        "script runs, in seconds",
    )
    p.add_argument("--configs", help="comma-separated subset of a,b,c")
    p.add_argument(
        "--dtypes",
        default="float64,float32",
        help="comma-separated subset of float64,float32 (default: both)",
    )
    p.add_argument("--rounds", type=int, help="timed rounds (default per config)")
    p.add_argument("--warmup", type=int, help="untimed rounds after the first epoch")
    p.add_argument(
        "--predict-calls", type=int, help="predict_proba calls to time (default 5)"
    )
    p.add_argument(
        "--memory",
        action="store_true",
        help="measure fit peak memory on every config, not only (c)",
    )
    p.add_argument(
        "--fit-check",
        action="store_true",
        help="also time one fit(max_iter=E) per estimator and divide by E (shows "
        "the per-call cost that partial_fit adds)",
    )
    p.add_argument(
        "--threads",
        type=int,
        help="limit BLAS/OpenMP (and torch) threads via threadpoolctl; on a busy "
        "machine --threads 1 gives steadier numbers",
    )
    p.add_argument(
        "--no-torch", action="store_true", help="skip PyTorch even if installed"
    )
    p.add_argument(
        "--numpy-loop",
        action="store_true",
        help="also time the same training as one plain NumPy loop (the yardstick "
        "for the library's own overhead)",
    )
    p.add_argument(
        "--namespace",
        choices=("numpy", "torch", "cupy"),
        default="numpy",
        help="also time the estimator on X of this Array API library "
        "(sknetscratch_xp; default numpy: only the NumPy path)",
    )
    p.add_argument(
        "--device",
        default="cpu",
        help="device of --namespace and of the PyTorch loop: cpu or cuda (default cpu)",
    )
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = p.parse_args(argv)
    args.mode = "quick" if args.quick else "smoke" if args.smoke else "full"
    default_configs = "a,b" if args.mode == "quick" else "a,b,c"
    args.configs = [c.strip() for c in (args.configs or default_configs).split(",")]
    args.dtypes = [d.strip() for d in args.dtypes.split(",")]
    if bad := set(args.configs) - {"a", "b", "c"}:
        p.error(f"unknown config(s) {sorted(bad)}; choose from a,b,c")
    if bad := set(args.dtypes) - {"float64", "float32"}:
        p.error(f"unknown dtype(s) {sorted(bad)}; choose from float64,float32")
    for name in ("rounds", "warmup", "predict_calls", "threads"):
        value = getattr(args, name)
        if value is not None and value < (1 if name != "warmup" else 0):
            p.error(f"--{name.replace('_', '-')} is too small: {value}")
    if args.namespace == "cupy" and args.device != "cuda":
        p.error("--namespace cupy runs on the GPU only: pass --device cuda")
    if args.device != "cpu" and args.namespace == "numpy":
        p.error(f"--device {args.device} needs --namespace torch or cupy")
    if args.predict_calls is None:
        args.predict_calls = 2 if args.smoke else 5
    return args


def _namespace_missing(namespace: str, device: str) -> str | None:
    """Why ``--namespace`` on ``--device`` cannot run here, or None."""
    if importlib.util.find_spec(namespace) is None:
        return f"{namespace} is not installed (--namespace {namespace})"
    if device == "cuda":
        if namespace == "torch":
            import torch

            if not torch.cuda.is_available():
                return "PyTorch sees no CUDA device (--device cuda)"
        else:
            import cupy

            try:
                cupy.cuda.runtime.getDeviceCount()
            except cupy.cuda.runtime.CUDARuntimeError:
                return "CuPy sees no CUDA device"
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads is None:
        return _main(args)
    with threadpool_limits(limits=args.threads):
        return _main(args)


def _main(args) -> int:
    if args.namespace != "numpy":
        missing = _namespace_missing(args.namespace, args.device)
        if missing:
            print(f"skipped: {missing}; nothing was timed")
            return 0
    torch_available = (
        not args.no_torch and importlib.util.find_spec("torch") is not None
    )
    if torch_available and args.device == "cuda":
        import torch

        torch_available = torch.cuda.is_available()
    env = environment()
    if torch_available:
        import torch

        env["torch"] = torch.__version__
    env["threads_limit"] = args.threads
    print_environment(env, env["torch"], args.threads)
    problems = make_problems(args.mode)
    results = []
    warnings.simplefilter("ignore", ConvergenceWarning)
    for key in args.configs:
        problem = problems[key]
        t0 = time.perf_counter()
        print(f"generating data for {problem.title} ...", flush=True)
        X, y = problem.load()
        for dtype in args.dtypes:
            print(f"  running {key} {dtype} ...", flush=True)
            results.append(
                bench_problem(problem, X, y, np.dtype(dtype), args, torch_available)
            )
        del X, y
        gc.collect()
        print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
    print_report(results)
    if args.json:
        payload = {"mode": args.mode, "environment": env, "results": results}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=2, default=float)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
