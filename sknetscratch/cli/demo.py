"""``sknetscratch demo``: the blog post's experiment, then scikit-learn side by side.

1. The post's hold-out experiment: a 30-128-64-32-1 ReLU network on scikit-learn's
   breast-cancer data, trained on rows 100-568 and tested on rows 0-99, as a
   ``Pipeline(StandardScaler, ScratchMLPClassifier)``, with its progress display
   and Keras-style summary.
2. k-fold cross-validation of that pipeline and of the same pipeline with
   scikit-learn's ``MLPClassifier`` (same parameters, same seed): accuracy and
   seconds per fold, and whether the two fitted models are the same, measured
   (predict_proba on each test fold, ``coefs_`` and ``intercepts_``), never assumed.
3. The hold-out model saved in the safe format, ready for ``sknetscratch summary``,
   ``predict`` and ``evaluate``.

:func:`cmd_demo` runs it for the parser; :func:`scaled_network` is also the
pipeline that ``sknetscratch train`` trains.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time

import numpy as np

from ..io.csv import write_csv
from .files import atomic_output, check_paths

#: Largest relative difference at which the two libraries' models count as identical.
IDENTICAL_RTOL = 1e-9


def scaled_network(task: str, **params):
    """``Pipeline([("scale", StandardScaler()), ("net", network)])`` for ``task``."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..estimators.classifier import ScratchMLPClassifier
    from ..estimators.regressor import ScratchMLPRegressor

    net = ScratchMLPClassifier if task == "classify" else ScratchMLPRegressor
    return Pipeline([("scale", StandardScaler()), ("net", net(**params))])


class _EveryTenth(io.TextIOBase):
    """Passes the estimator's verbose output on, keeping one ``Iteration`` line in ten."""

    def __init__(self, stream):
        self.stream = stream
        self.pending = ""
        self.held = None  # the last skipped Iteration line, printed at the end

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.startswith("Iteration "):
                n = line.split(",")[0].split()[-1]
                if n.isdigit() and int(n) % 10 and int(n) != 1:
                    self.held = line
                    continue
            self.held = None
            self.stream.write(line + "\n")
        return len(text)

    def close_out(self) -> None:
        if self.held is not None:
            self.stream.write(self.held + "\n")
        if self.pending:
            self.stream.write(self.pending)


def _max_rel_diff(a, b) -> float:
    """``max |a - b| / max |b|``, over a list of arrays (inf if shapes differ)."""
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        x, y = np.asarray(x), np.asarray(y)
        if x.shape != y.shape:
            return np.inf
        scale = max(float(np.max(np.abs(y), initial=0.0)), np.finfo(np.float64).tiny)
        worst = max(worst, float(np.max(np.abs(x - y), initial=0.0)) / scale)
    return worst


def run_demo(
    out: str, folds: int = 10, max_iter: int = 200, seed: int = 0, data_csv=None
) -> None:
    """Run the demo, print its report, and save the hold-out model to ``out``.

    Parameters
    ----------
    out : str
        The model file to write (safe format, with the breast-cancer column names).
    folds : int, default=10
        Cross-validation folds.
    max_iter : int, default=200
        Epochs at most, for every model.
    seed : int, default=0
        ``random_state`` of both models.
    data_csv : str, default=None
        Also write the breast-cancer data there as a CSV file.

    Notes
    -----
    Both libraries run with one BLAS thread: the matrices are small, and on a
    busy machine a second OpenBLAS thread mostly waits for a core (compare
    ``time sknetscratch demo`` with the demo's ``threadpool_limits`` removed).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        _run_demo(out, folds, max_iter, seed, data_csv)


def _run_demo(out, folds, max_iter, seed, data_csv) -> None:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..estimators.classifier import ScratchMLPClassifier
    from ..io.persistence import save_pipeline

    data = load_breast_cancer()
    X, y = data.data, data.target_names[data.target].astype(object)
    features = [str(f) for f in data.feature_names]
    params = dict(
        hidden_layer_sizes=(128, 64, 32), max_iter=max_iter, random_state=seed
    )
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    print(
        "sknetscratch demo: the blog post's experiment on scikit-learn's breast-cancer "
        f"data ({X.shape[0]} rows, {X.shape[1]} features, labels "
        f"{' / '.join(data.target_names)})."
    )
    print(f"Network: Pipeline(StandardScaler, ScratchMLPClassifier({shown}))")
    print("(one BLAS thread for both libraries)\n")

    # 1. the post's hold-out experiment: train on rows 100..568, test on 0..99
    print("1. Training on rows 100-568 (progress: every 10th iteration)")
    pipe = scaled_network("classify", verbose=True, **params)
    progress = _EveryTenth(sys.stdout)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(progress):
        pipe.fit(X[100:], y[100:])
    progress.close_out()
    seconds = time.perf_counter() - t0
    pipe[-1].set_params(verbose=False)
    pipe[-1].summary()
    accuracy = pipe.score(X[:100], y[:100])
    print(f"Hold-out accuracy (first 100 rows): {accuracy:.2f}  ({seconds:.2f} s)\n")

    # 2. k-fold CV, side by side with scikit-learn's MLPClassifier
    print(
        f"2. {folds}-fold cross-validation, side by side with scikit-learn's "
        "MLPClassifier (same parameters, same seed)"
    )
    cv = StratifiedKFold(folds)
    results = {}
    for name, est in (
        ("sknetscratch", ScratchMLPClassifier(**params)),
        ("scikit-learn", MLPClassifier(**params)),
    ):
        model = Pipeline([("scale", StandardScaler()), ("net", est)])
        results[name] = cross_validate(
            model, X, y, cv=cv, return_estimator=True, return_indices=True
        )
    ours, theirs = results["sknetscratch"], results["scikit-learn"]
    print(
        f"{'fold':>4}  {'sknetscratch':>20}  {'scikit-learn':>20}  {'max rel diff':>12}"
    )
    print(f"{'':>4}  {'accuracy':>10}{'seconds':>10}  {'accuracy':>10}{'seconds':>10}")
    worst, same_iters = 0.0, True
    for i, test in enumerate(ours["indices"]["test"]):
        a, b = ours["estimator"][i], theirs["estimator"][i]
        diff = max(
            _max_rel_diff([a.predict_proba(X[test])], [b.predict_proba(X[test])]),
            _max_rel_diff(
                a[-1].coefs_ + a[-1].intercepts_, b[-1].coefs_ + b[-1].intercepts_
            ),
        )
        worst = max(worst, diff)
        same_iters &= a[-1].n_iter_ == b[-1].n_iter_
        ta = ours["fit_time"][i] + ours["score_time"][i]
        tb = theirs["fit_time"][i] + theirs["score_time"][i]
        print(
            f"{i + 1:>4}  {ours['test_score'][i]:>10.4f}{ta:>10.2f}  "
            f"{theirs['test_score'][i]:>10.4f}{tb:>10.2f}  {diff:>12.1e}"
        )
    print(
        f"{'mean':>4}  {ours['test_score'].mean():>10.4f}"
        f"{(ours['fit_time'] + ours['score_time']).mean():>10.2f}  "
        f"{theirs['test_score'].mean():>10.4f}"
        f"{(theirs['fit_time'] + theirs['score_time']).mean():>10.2f}"
    )
    identical = worst <= IDENTICAL_RTOL and same_iters
    verdict = (
        "identical"
        if identical
        else f"not identical (max rel diff {worst:.1e}"
        + ("" if same_iters else "; different numbers of iterations")
        + ")"
    )
    print(
        "Same seed, same model? predict_proba on each fold's test rows, coefs_ and "
        f"intercepts_ at 1e-9 relative: {verdict}\n"
    )

    metadata = {
        "features": features,
        "target": "diagnosis",
        "task": "classify",
        "data": "sklearn.datasets.load_breast_cancer, rows 100-568",
        "rows": X.shape[0] - 100,
        "cv_metric": "accuracy",
        "cv_scores": [float(s) for s in ours["test_score"]],
    }
    save_pipeline(pipe, out, metadata)
    print(f"3. Saved the hold-out model to {out} (safe format, no pickle).")
    if data_csv:
        rows = [[*map(repr, row.tolist()), label] for row, label in zip(X, y)]
        with atomic_output(data_csv, "--data-csv") as fh:
            write_csv(fh, [*features, "diagnosis"], rows)
        print(f"   Wrote the data to {data_csv}.")
    data_file = data_csv or "DATA.csv"
    print(
        f"   Next: sknetscratch summary {out}\n"
        f"         sknetscratch evaluate {out} {data_file}"
        + ("" if data_csv else "   (demo --data-csv DATA.csv writes the data)")
    )
    print(
        "\n"
        + _summary(
            ours, theirs, identical, worst, folds=folds, max_iter=max_iter, seed=seed
        )
    )


def _summary(ours, theirs, identical, worst, *, folds, max_iter, seed) -> str:
    """The demo's last two lines: what it showed, measured; the command for a CSV."""
    t_ours = float((ours["fit_time"] + ours["score_time"]).mean())
    t_theirs = float((theirs["fit_time"] + theirs["score_time"]).mean())
    ratio = t_theirs / max(t_ours, 1e-12)
    if ratio >= 1.05:
        speed = f"{ratio:.1f}x as fast"
    elif ratio > 1 / 1.05:
        speed = "as fast"
    else:
        speed = f"{1 / ratio:.1f}x slower"
    same = (
        f"the same model as scikit-learn's MLPClassifier (largest difference {worst:.0e}"
        " relative)"
        if identical
        else f"NOT the same model as scikit-learn's MLPClassifier ({worst:.1e} relative)"
    )
    return (
        f"Summary: {same}, mean {folds}-fold accuracy {ours['test_score'].mean():.4f} "
        f"vs {theirs['test_score'].mean():.4f}, {speed} ({t_ours:.2f} s vs "
        f"{t_theirs:.2f} s per fold).\n"
        "On your own CSV: sknetscratch train YOUR.csv --target COLUMN --hidden "
        f"128,64,32 --max-iter {max_iter} --seed {seed} --cv {folds} --out model.npz"
    )


def cmd_demo(args: argparse.Namespace) -> int:
    """Run ``sknetscratch demo`` (see ``sknetscratch demo --help``).

    Parameters
    ----------
    args : argparse.Namespace
        As the parser makes it.

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    DataError
        For a problem with the output files.
    """
    check_paths({}, {"--out": args.out, "--data-csv": args.data_csv})
    run_demo(args.out, args.folds, args.max_iter, args.seed, args.data_csv)
    return 0
