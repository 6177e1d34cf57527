"""Which inference statistics should the estimators' batch norm use?

The issue: ``ScratchMLPClassifier((32,)*8, activation='logistic',
batch_norm=True, max_iter=60, random_state=0)`` on standardised breast cancer
trains to a loss of 0.14 but scores 0.627 (the majority class), because the
moving statistics (momentum 0.99, starting at 0 and 1) have seen only ~180
batches and are still far from the data's. This script measures, without
changing the package, every option post hoc or by configuration:

A  Keras' layer (the estimators' batch norm before this measurement):
   momentum 0.99, moving averages starting at 0 and 1;
B  bias-corrected moving averages (as Adam debiases its moments): with ``t``
   the training steps (batches) the layer has seen and ``p`` its momentum,
   ``mean = m / (1 - p^t)`` and ``var = (v - p^t) / (1 - p^t)`` (the variance
   starts at 1, not 0);
C  population statistics recomputed at the end of fit: for each batch-norm
   layer in order, its inference-mode input over the whole training set (the
   earlier layers already recomputed), mean and biased variance;
D  another default momentum for the estimators (0.9, 0.5), by building the
   network with Keras' layer at that momentum;
E  B with momentum 0.9: what the estimators now build
   (``BatchNormalization(momentum=0.9, debias=True)``).

Every option builds Keras' layer (``debias=False``) with its momentum in place
of the estimators' own, and applies its correction post hoc or in ``DebiasedBN``.

B and E post hoc give exactly what a layer that debiases would predict after
the fit; they differ from it only where inference runs during the fit (early
stopping's validation score), so the early-stopping case also has B' and E',
done in the layer (``DebiasedBN``, a subclass defined here).

For every case: training accuracy (R2 for the regressor) on the training
folds, held-out accuracy by 5-fold CV x 3 estimator seeds (scaling fitted on
the training folds), epochs, fit time, and each option's extra cost (seconds
and as a fraction of the fit).
For C two costs: the post-hoc form used here (one ``predict_until`` per
batch-norm layer, quadratic in depth) and the one-pass form a library would
use (the layers run once, each batch-norm layer's statistics set just before
it runs); the table shows the one-pass one. A streaming section trains with
``partial_fit`` over 5 chunks and shows how each option behaves there.

Run from the repository root: ``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python
benchmarks/bench_batch_norm.py`` (about two minutes on two shared cores;
``--seeds 1`` for a quicker run).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import platform
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

import sknetscratch
from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor
from sknetscratch.estimators import _network
from sknetscratch.nn.layers import BatchNormalization

OPTIONS = [  # (label, momentum of the fit, post-hoc step)
    ("A  p=0.99 Keras", 0.99, None),
    ("B  p=0.99 debiased", 0.99, "debias"),
    ("C  p=0.99 population", 0.99, "population"),
    ("D  p=0.9", 0.9, None),
    ("D  p=0.5", 0.5, None),
    ("E  p=0.9 debiased", 0.9, "debias"),
]
MOMENTA = sorted({m for _, m, _ in OPTIONS}, reverse=True)
#: B and E done in the layer (``DebiasedBN``), so that the inference during
#: training (early stopping's validation score) sees them too
LIVE_OPTIONS = [
    ("B' p=0.99 debiased live", ("live", 0.99), None),
    ("E' p=0.9 debiased live", ("live", 0.9), None),
]


class DebiasedBN(BatchNormalization):
    """Options B and E inside the layer: it counts its training steps ``t`` and
    infers with ``m / (1 - p^t)`` and ``(v - p^t) / (1 - p^t)``."""

    steps = 0

    def forward(self, X, *, training=False, rng=None, sample_weight=None, cache=None):
        if training:
            self.steps += 1
            return super().forward(
                X, training=True, sample_weight=sample_weight, cache=cache
            )
        saved = {k: v.copy() for k, v in self.state.items()}
        debias_layer(self, self.steps)
        try:
            return super().forward(X, cache=cache)
        finally:
            for k, v in saved.items():
                self.state[k][...] = v


@contextlib.contextmanager
def bn_momentum(momentum):
    """Build the estimators' networks with this batch-norm momentum (option D),
    or with ``DebiasedBN`` for a key ``("live", momentum)``."""
    original = _network.BatchNormalization
    layer = BatchNormalization
    if isinstance(momentum, tuple):
        layer, momentum = DebiasedBN, momentum[1]
    # the builder's own arguments (momentum 0.9, debias) are replaced: the
    # option's layer, as Keras builds it, with this momentum
    _network.BatchNormalization = lambda **_: layer(momentum=momentum)
    try:
        yield
    finally:
        _network.BatchNormalization = original


def bn_layers(model):
    """``(index, layer)`` of every batch-norm layer, in order."""
    return [
        (i, layer)
        for i, layer in enumerate(model.layers)
        if isinstance(layer, BatchNormalization)
    ]


def save_state(model):
    return [
        {k: v.copy() for k, v in layer.state.items()} for _, layer in bn_layers(model)
    ]


def load_state(model, saved):
    for (_, layer), state in zip(bn_layers(model), saved):
        for key, value in state.items():
            layer.state[key][...] = value


def steps_per_call(est, n_samples):
    """Batches per epoch: ``ceil(n / batch)``, the last partial batch included."""
    batch = min(200, n_samples) if est.batch_size == "auto" else est.batch_size
    return math.ceil(n_samples / min(batch, n_samples))


def debias(model, t):
    """Option B: ``m / (1 - p^t)``, ``(v - p^t) / (1 - p^t)``."""
    for _, layer in bn_layers(model):
        debias_layer(layer, t)


def debias_layer(layer, t):
    c = layer.momentum**t
    if c >= 1.0:  # momentum 1 or no step: nothing to correct
        return
    mean, var = layer.state["moving_mean"], layer.state["moving_variance"]
    mean[...] = mean / (1.0 - c)
    var[...] = np.maximum((var - c) / (1.0 - c), 0.0)


def population(model, X):
    """Option C as the brief words it: ``predict_until`` per batch-norm layer."""
    for i, layer in bn_layers(model):
        h = model.predict_until(X, i)  # the input of layers[i], earlier ones set
        layer.state["moving_mean"][...] = h.mean(axis=0)
        layer.state["moving_variance"][...] = h.var(axis=0)  # biased


def population_one_pass(model, X):
    """Option C as a library would do it: the layers run once."""
    h = model.predict_until(X, 1)  # the first layer is never batch norm
    for layer in model.layers[1:-1]:
        if isinstance(layer, BatchNormalization):
            layer.state["moving_mean"][...] = h.mean(axis=0)
            layer.state["moving_variance"][...] = h.var(axis=0)
        h = layer(h)  # inference mode


def apply_option(est, step, X_train, t):
    """Apply a post-hoc step; return its seconds (and C's predict_until seconds)."""
    if step is None:
        return 0.0, None
    model = est.model_
    if step == "debias":
        t0 = time.perf_counter()
        debias(model, t)
        return time.perf_counter() - t0, None
    saved = save_state(model)
    t0 = time.perf_counter()
    population(model, X_train)
    slow = time.perf_counter() - t0
    result = save_state(model)
    load_state(model, saved)
    t0 = time.perf_counter()
    population_one_pass(model, X_train)
    fast = time.perf_counter() - t0
    for a, b in zip(result, save_state(model)):
        for key in a:
            assert np.allclose(a[key], b[key]), "one-pass C differs"
    return fast, slow


def fit_timed(make, seed, momentum, X, y):
    est = make(seed)
    t0 = time.perf_counter()
    if momentum is None:
        est.set_params(batch_norm=False).fit(X, y)
    else:
        with bn_momentum(momentum):
            est.fit(X, y)
    return est, time.perf_counter() - t0


def steps_of(est, n_samples):
    """Training steps of a fit: epochs x batches per epoch (checked)."""
    if est.early_stopping:  # train_test_split's rule for the validation rows
        n_samples -= math.ceil(est.validation_fraction * n_samples)
    t = est.n_iter_ * steps_per_call(est, n_samples)
    iterations = getattr(est.model_.optimizer, "iterations", t)
    assert t == iterations, (t, iterations)
    return t


def run_case(
    title,
    make,
    X,
    y,
    folds,
    seeds,
    regression=False,
    scale_y=False,
    live=False,
    note=None,
):
    """k-fold CV of every option, each fold with every estimator seed; one table
    (with ``live``, also B and E done in the layer)."""
    options = OPTIONS + (LIVE_OPTIONS if live else [])
    momenta = MOMENTA + ([key for _, key, _ in LIVE_OPTIONS] if live else [])
    splitter = (
        KFold(folds, shuffle=True, random_state=0)
        if regression
        else StratifiedKFold(folds, shuffle=True, random_state=0)
    )
    rows = {
        label: {"tr": [], "te": [], "fit": [], "cost": [], "slow": [], "ep": []}
        for label in ["-  no batch norm"] + [o[0] for o in options]
    }
    splits = list(splitter.split(X, y))
    for (train, test), seed in itertools.product(splits, seeds):
        sx = StandardScaler().fit(X[train])
        X_tr, X_te = sx.transform(X[train]), sx.transform(X[test])
        y_tr, y_te = y[train], y[test]
        if scale_y:
            mu, sd = y_tr.mean(), y_tr.std()
            y_tr, y_te = (y_tr - mu) / sd, (y_te - mu) / sd
        est, secs = fit_timed(make, seed, None, X_tr, y_tr)
        row = rows["-  no batch norm"]
        row["tr"].append(est.score(X_tr, y_tr))
        row["te"].append(est.score(X_te, y_te))
        row["fit"].append(secs)
        row["ep"].append(est.n_iter_)
        for momentum in momenta:
            est, secs = fit_timed(make, seed, momentum, X_tr, y_tr)
            t = steps_of(est, X_tr.shape[0])
            saved = save_state(est.model_)
            for label, m, step in options:
                if m != momentum:
                    continue
                load_state(est.model_, saved)
                cost, slow = apply_option(est, step, X_tr, t)
                row = rows[label]
                row["tr"].append(est.score(X_tr, y_tr))
                row["te"].append(est.score(X_te, y_te))
                row["fit"].append(secs)
                row["ep"].append(est.n_iter_)
                row["cost"].append(cost)
                if slow is not None:
                    row["slow"].append(slow)
    metric = "R2" if regression else "acc"
    print(f"\n{title}")
    print(
        f"  {'option':<24}{'train ' + metric:>10}{'cv ' + metric:>9}{'cv min':>8}"
        f"{'epochs':>7}{'fit s':>7}{'extra s':>9}{'extra/fit':>10}"
    )
    base_fit = np.mean(rows[OPTIONS[0][0]]["fit"])
    for label, row in rows.items():
        fit = np.mean(row["fit"])
        if label[0] == "D" or "live" in label:  # no post-hoc step: fit time's ratio
            extra, frac = "~0", f"{fit / base_fit - 1:+.2f}"
        elif row["cost"] and np.mean(row["cost"]) > 0:
            cost = np.mean(row["cost"])
            extra, frac = f"{cost:.1e}", f"{cost / fit:.4f}"
        else:
            extra, frac = "0", "0"
        print(
            f"  {label:<24}{np.mean(row['tr']):>10.3f}{np.mean(row['te']):>9.3f}"
            f"{np.min(row['te']):>8.3f}{np.mean(row['ep']):>7.0f}{fit:>7.3f}"
            f"{extra:>9}{frac:>10}"
        )
    slow = rows[OPTIONS[2][0]]["slow"]
    print(
        f"  (C post hoc with predict_until per layer, as in this script: "
        f"{np.mean(slow):.1e} s = {np.mean(slow) / base_fit:.4f} of the fit; "
        "D's extra/fit is the fit-time ratio to A's, noise on a shared machine)"
    )
    if note:
        print(f"  ({note})")
    return rows


def issue_full_data(make, X, y, seeds):
    """The issue's exact setting: fit on all rows, training accuracy per option."""
    X = StandardScaler().fit_transform(X)
    scores = {label: [] for label, _, _ in OPTIONS}
    for seed in seeds:
        for momentum in MOMENTA:
            est, _ = fit_timed(make, seed, momentum, X, y)
            t = steps_of(est, X.shape[0])
            saved = save_state(est.model_)
            for label, m, step in OPTIONS:
                if m == momentum:
                    load_state(est.model_, saved)
                    apply_option(est, step, X, t)
                    scores[label].append(est.score(X, y))
    print(
        "\n(1') the issue's setting on all 569 rows (fit and score on the same "
        f"standardised data), training accuracy, random_state = {list(seeds)}"
    )
    print(f"  {'option':<24}{'seed 0':>8}{'min':>8}{'mean':>8}   all")
    for label, vals in scores.items():
        all_ = " ".join(f"{v:.3f}" for v in vals)
        print(
            f"  {label:<24}{vals[0]:>8.3f}{min(vals):>8.3f}{np.mean(vals):>8.3f}"
            f"   {all_}"
        )


def streaming(X, y, passes, order, seeds):
    """partial_fit over 5 chunks, ``passes`` times; options applied at checkpoints."""
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    sx = StandardScaler().fit(X_tr)
    X_tr, X_te = sx.transform(X_tr), sx.transform(X_te)
    if order == "sorted":  # a drifting stream: chunks ordered by the first feature
        idx = np.argsort(X_tr[:, 0], kind="stable")
    else:
        idx = np.random.default_rng(0).permutation(X_tr.shape[0])
    chunks = np.array_split(idx, 5)
    labels = [
        ("A  p=0.99 Keras", 0.99, None),
        ("B  p=0.99 debiased (online)", 0.99, "debias"),
        ("C  per call: its chunk only", 0.99, "last"),
        ("C  whole stream (reference)", 0.99, "population"),
        ("D  p=0.9", 0.9, None),
        ("D  p=0.5", 0.5, None),
        ("E  p=0.9 debiased (online)", 0.9, "debias"),
    ]
    checkpoints = sorted({1, 4, passes})
    res = {label: {p: [] for p in checkpoints} for label, _, _ in labels}
    costs = {"debias": [], "last": [], "population": []}
    call_s = []
    momenta = sorted({m for _, m, _ in labels}, reverse=True)
    for momentum, seed in itertools.product(momenta, seeds):
        with bn_momentum(momentum):
            est = ScratchMLPClassifier(
                hidden_layer_sizes=(32,) * 4,
                activation="logistic",
                batch_norm=True,
                random_state=seed,
            )
            t = 0
            for p in range(1, passes + 1):
                for c in chunks:
                    t0 = time.perf_counter()
                    est.partial_fit(X_tr[c], y_tr[c], classes=[0, 1])
                    call_s.append(time.perf_counter() - t0)
                    t += steps_per_call(est, len(c))
                if p not in checkpoints:
                    continue
                assert t == est.model_.optimizer.iterations
                saved = save_state(est.model_)
                for label, m, step in labels:
                    if m != momentum:
                        continue
                    load_state(est.model_, saved)
                    t0 = time.perf_counter()
                    if step == "debias":
                        debias(est.model_, t)
                    elif step == "last":
                        population_one_pass(est.model_, X_tr[chunks[-1]])
                    elif step == "population":
                        population_one_pass(est.model_, X_tr)
                    if step is not None:
                        costs[step].append(time.perf_counter() - t0)
                    res[label][p].append((est.score(X_tr, y_tr), est.score(X_te, y_te)))
                load_state(est.model_, saved)
    names = [f"{p} pass{'es' if p > 1 else ''} (t={p * 5})" for p in checkpoints]
    head = "".join(f"{name:>18}" for name in names)
    print(
        f"\n(5) streaming, {order} chunks: breast cancer 75/25 split, (32,)*4 "
        "logistic, partial_fit over 5 chunks of ~85 rows (one step each), "
        f"repeated; mean train / test accuracy over random_state {list(seeds)} "
        f"after\n  {'option':<30}{head}"
    )
    for label, _, _ in labels:
        mean = {p: np.mean(res[label][p], axis=0) for p in checkpoints}
        cells = "".join(f"{mean[p][0]:>10.3f} /{mean[p][1]:>6.3f}" for p in checkpoints)
        print(f"  {label:<30}{cells}")
    call = np.mean(call_s)
    print(
        f"  cost per application, s (fraction of one partial_fit call, {call:.1e} s):"
        + "".join(
            f"  {k} {np.mean(v):.1e} ({np.mean(v) / call:.2f})"
            for k, v in costs.items()
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3, help="estimator seeds")
    parser.add_argument("--passes", type=int, default=20, help="streaming passes")
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print("batch-norm inference statistics benchmark")
    print("command: OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python " + " ".join(sys.argv))
    print(f"sknetscratch imported from {sknetscratch.__file__}")
    print(
        f"python {platform.python_version()} | numpy {np.__version__} | "
        f"scikit-learn {sklearn.__version__} | sknetscratch {sknetscratch.__version__}"
        f" | {platform.platform()} | cpus {__import__('os').cpu_count()}"
    )
    print(
        "train = score on the training folds, cv = mean held-out score over "
        f"{args.folds} folds x random_state {list(seeds)} (cv min: the worst of "
        "them); fit s = mean fit time; extra s = "
        "the option's post-hoc step (C: one-pass form); extra/fit = extra s / fit s"
    )
    t_start = time.perf_counter()
    Xb, yb = load_breast_cancer(return_X_y=True)

    def clf(sizes, act, max_iter, **kwargs):
        return lambda seed=0: ScratchMLPClassifier(
            hidden_layer_sizes=sizes,
            activation=act,
            batch_norm=True,
            max_iter=max_iter,
            random_state=seed,
            **kwargs,
        )

    run_case(
        "(1) breast cancer, (32,)*8 logistic, max_iter=60 (the issue's case)",
        clf((32,) * 8, "logistic", 60),
        Xb,
        yb,
        args.folds,
        seeds,
    )
    issue_full_data(clf((32,) * 8, "logistic", 60), Xb, yb, range(5))
    for act in ("logistic", "relu"):
        for max_iter in (60, 200):
            run_case(
                f"(2) breast cancer, (32, 32) {act}, max_iter={max_iter}",
                clf((32, 32), act, max_iter),
                Xb,
                yb,
                args.folds,
                seeds,
            )
    run_case(
        "(2') breast cancer, (32,)*4 logistic, max_iter=200, early_stopping=True "
        "(the best epoch's weights are restored, not its moving statistics)",
        clf((32,) * 4, "logistic", 200, early_stopping=True),
        Xb,
        yb,
        args.folds,
        seeds,
        live=True,
        note="early stopping ends after 14-28 epochs, far from converged; the "
        "scores mostly reflect when it stops, so this case is noisy. Its validation "
        "scores use the moving statistics during fit: C and the post-hoc B and E "
        "keep the stopping epoch that A's or D's statistics chose, B' and E' (the "
        "layer debiases) change it",
    )
    Xd, yd = load_digits(return_X_y=True)
    run_case(
        "(3) digits, (64, 64) relu, max_iter=50",
        clf((64, 64), "relu", 50),
        Xd,
        yd,
        args.folds,
        seeds,
    )
    Xr, yr = load_diabetes(return_X_y=True)
    run_case(
        "(4) diabetes regression, y standardised, (64, 64) relu, max_iter=200 (R2)",
        lambda seed=0: ScratchMLPRegressor(
            hidden_layer_sizes=(64, 64),
            activation="relu",
            batch_norm=True,
            max_iter=200,
            random_state=seed,
        ),
        Xr,
        yr,
        args.folds,
        seeds,
        regression=True,
        scale_y=True,
    )
    for order in ("shuffled", "sorted"):
        streaming(Xb, yb, args.passes, order, seeds)
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
