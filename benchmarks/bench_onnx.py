"""Inference throughput: onnxruntime on the exported model against ``predict_proba``.

Run ``python benchmarks/bench_onnx.py`` (under a minute), ``--smoke`` (seconds:
does it run?), ``--help`` for the options.

What is measured
----------------
A ``ScratchMLPClassifier`` (30 features, hidden (128, 64) ReLU, 3 classes,
trained for a few epochs: the weights' values do not change the cost) is
exported with :func:`sknetscratch.to_onnx`. For batches of 1 row and of
10,000 rows, in float64 and float32, three contenders compute the same class
probabilities:

``predict_proba``
    ``clf.predict_proba(X)``: input validation, the NumPy forward pass, softmax.
``model_.predict``
    ``clf.model_.predict(X)``: the core network alone (the same NumPy forward
    pass and softmax, without scikit-learn's input validation), to show how
    much of ``predict_proba``'s time is per-call overhead.
``onnxruntime``
    ``session.run(["probabilities"], {"X": X})`` on the CPU execution provider,
    ``intra_op_num_threads`` equal to ``--threads``.

Method
------
The outputs are first checked to agree. Each timed *round* calls every
contender ``k`` times in a row (``k`` picked so that a call sequence lasts
about ``--target-ms``) and records the mean time per call; the contenders'
order rotates from round to round, and ``--rounds`` rounds are run. Reported:
the median ms per call with [min, max] over the rounds, rows per second
from the median, and the speed-up ``predict_proba / onnxruntime`` paired
within each round (median [min, max]). ``--threads`` (default 1) limits
BLAS through threadpoolctl and onnxruntime alike: on a shared machine one
thread gives the steadiest numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import onnxruntime as ort
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sknetscratch import ScratchMLPClassifier, to_onnx


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", default="1,10000", help="batch sizes, comma-separated"
    )
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="2 short rounds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.target_ms = 2, 5.0
    return args


def make_classifier(dtype, rng_seed=0):
    X, y = make_classification(
        n_samples=12_000,
        n_features=30,
        n_informative=20,
        n_classes=3,
        random_state=rng_seed,
    )
    X = X.astype(dtype)
    clf = ScratchMLPClassifier(hidden_layer_sizes=(128, 64), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:2000], y[:2000])
    return clf, X[2000:]


def calls_per_round(fn, target_s):
    """How many calls of ``fn`` take about ``target_s`` seconds (at least 1)."""
    fn()  # warm-up
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(target_s / once))


def time_round(fn, k):
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    return (time.perf_counter() - t0) / k


def bench(clf, session, X, args):
    contenders = {
        "predict_proba": lambda: clf.predict_proba(X),
        "model_.predict": lambda: clf.model_.predict(X),
        "onnxruntime": lambda: session.run(["probabilities"], {"X": X}),
    }
    ks = {
        name: calls_per_round(fn, args.target_ms / 1e3)
        for name, fn in contenders.items()
    }
    names = list(contenders)
    per_call = {name: [] for name in names}
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            per_call[name].append(time_round(contenders[name], ks[name]))
    speedup = [
        a / b for a, b in zip(per_call["predict_proba"], per_call["onnxruntime"])
    ]
    return per_call, speedup


def fmt_ms(values):
    return f"{statistics.median(values) * 1e3:9.4f} [{min(values) * 1e3:.4f}, {max(values) * 1e3:.4f}]"


def main(argv=None) -> int:
    args = parse_args(argv)
    rows_list = [int(r) for r in args.rows.split(",")]
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, onnxruntime {ort.__version__}; threads={args.threads}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
        f"rounds={args.rounds}"
    )
    print("network: 30 -> 128 -> 64 -> 3 (ReLU, softmax)")
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    print(
        f"\n{'rows':>7} {'dtype':<8} {'predict_proba ms/call [min, max]':>36} "
        f"{'model_.predict ms/call [min, max]':>36} {'onnxruntime ms/call [min, max]':>36} "
        f"{'predict_proba rows/s':>21} {'onnxruntime rows/s':>19} "
        f"{'speed-up [min, max]':>22}"
    )
    with threadpool_limits(limits=args.threads):
        for dtype in args.dtypes.split(","):
            clf, X_all = make_classifier(np.dtype(dtype))
            session = ort.InferenceSession(
                to_onnx(clf).SerializeToString(),
                options,
                providers=["CPUExecutionProvider"],
            )
            for rows in rows_list:
                X = np.ascontiguousarray(np.resize(X_all, (rows, X_all.shape[1])))
                ours = clf.predict_proba(X)
                (theirs,) = session.run(["probabilities"], {"X": X})
                tol = 1e-5 if dtype == "float32" else 1e-9
                np.testing.assert_allclose(theirs, ours, rtol=tol, atol=tol)
                per_call, speedup = bench(clf, session, X, args)
                ours_rate = rows / statistics.median(per_call["predict_proba"])
                ort_rate = rows / statistics.median(per_call["onnxruntime"])
                print(
                    f"{rows:>7,} {dtype:<8} {fmt_ms(per_call['predict_proba']):>36} "
                    f"{fmt_ms(per_call['model_.predict']):>36} "
                    f"{fmt_ms(per_call['onnxruntime']):>36} {ours_rate:>21,.0f} "
                    f"{ort_rate:>19,.0f} {statistics.median(speedup):>8.2f}x "
                    f"[{min(speedup):.2f}, {max(speedup):.2f}]"
                )
    print("\nspeed-up = predict_proba time / onnxruntime time, paired per round")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
