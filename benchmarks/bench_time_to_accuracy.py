"""Time to accuracy: wall time until the validation accuracy first reaches
scikit-learn's final validation accuracy.

Run ``python benchmarks/bench_time_to_accuracy.py`` (a minute or two on 2
cores), ``--smoke`` (seconds: does it run?).

What is measured
----------------
One data set (``make_classification``, 20,000 x 40, 5 classes, standardised),
split 80/20 into training and validation rows. scikit-learn's default
``MLPClassifier(random_state=0)`` is fitted on the training rows; its accuracy on
the validation rows is the **target**, and its fit time is its time to reach it
(scikit-learn reports no per-epoch validation accuracy, so the whole fit is
counted). Then two sknetscratch models are fitted with ``X_val=`` the validation
rows, which records the validation accuracy after every epoch
(``history_['val_score']``) and the epoch's wall seconds (training and
evaluation, ``history_['seconds']``):

``ours, defaults``
    ``ScratchMLPClassifier(random_state=0)``: the same network, trained exactly
    as scikit-learn's; the time to target is the time of the epochs up to the
    first one that reaches the target.
``ours, schedule + val-loss stopping``
    ``learning_rate_init=0.003`` with Keras' ``ReduceLROnPlateau(monitor=
    'val_loss', factor=0.3, patience=2)`` as a callback, and early stopping on
    the validation loss (``early_stopping=True, early_stopping_monitor=
    'val_loss', n_iter_no_change=5``): a larger first step, smaller later ones,
    and no epochs after the validation loss stops improving.

Printed: the target, each contender's epochs and seconds to the target (or
"not reached"), the speed-up against scikit-learn's fit time, its final
validation accuracy, and the epochs and seconds of its whole fit (ours include
the per-epoch validation scoring; with the defaults the whole fit is the same
200 epochs as scikit-learn's). ``--threads`` (default 1) limits BLAS.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

import sknetscratch
from sknetscratch import ReduceLROnPlateau, ScratchMLPClassifier


def data(n_samples: int):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=40,
        n_informative=20,
        n_classes=5,
        flip_y=0.05,
        random_state=0,
    )
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)


def time_to(history: dict, target: float) -> tuple[int | None, float | None]:
    """Epochs and seconds until ``val_score`` first reaches ``target``."""
    seconds = np.cumsum(history["seconds"])
    for epoch, score in enumerate(history["val_score"]):
        if score >= target:
            return epoch + 1, float(seconds[epoch])
    return None, None


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, seconds")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    args = parser.parse_args(argv)
    n, max_iter = (2_000, 20) if args.smoke else (20_000, 200)
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    print(
        f"sknetscratch {sknetscratch.__version__} | scikit-learn {sklearn.__version__} "
        f"| numpy {np.__version__} | BLAS "
        + ", ".join(f"{b['internal_api']} {b.get('architecture')}" for b in blas)
        + f" | {args.threads} thread(s)"
    )
    Xtr, Xva, ytr, yva = data(n)
    results = {}
    with threadpool_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        ref = MLPClassifier(random_state=0, max_iter=max_iter).fit(Xtr, ytr)
        ref_seconds = time.perf_counter() - start
        target = ref.score(Xva, yva)
        results["scikit-learn, defaults"] = (
            ref.n_iter_, ref_seconds, target, ref.n_iter_, ref_seconds
        )  # fmt: skip
        contenders = {
            "ours, defaults": ScratchMLPClassifier(random_state=0, max_iter=max_iter),
            "ours, schedule + val-loss stopping": ScratchMLPClassifier(
                random_state=0,
                max_iter=max_iter,
                learning_rate_init=0.003,
                early_stopping=True,
                early_stopping_monitor="val_loss",
                n_iter_no_change=5,
                callbacks=[
                    ReduceLROnPlateau(monitor="val_loss", factor=0.3, patience=2)
                ],
            ),
        }
        for name, est in contenders.items():
            est.fit(Xtr, ytr, X_val=Xva, y_val=yva)
            epochs, seconds = time_to(est.history_, target)
            fit_seconds = float(np.sum(est.history_["seconds"]))
            results[name] = (
                epochs, seconds, est.score(Xva, yva), est.n_iter_, fit_seconds
            )  # fmt: skip
    print(f"target: scikit-learn's final validation accuracy {target:.4f}")
    print(
        f"{'contender':<36} {'epochs':>6} {'seconds':>8} {'speed-up':>8} "
        f"{'final acc':>9} {'fit epochs':>10} {'fit s':>7}"
    )
    for name, (epochs, seconds, final, fit_epochs, fit_s) in results.items():
        fit = f"{fit_epochs:>10} {fit_s:>7.2f}"
        if seconds is None:
            print(
                f"{name:<36} {'-':>6} {'not reached':>8} {'-':>8} {final:>9.4f} {fit}"
            )
            continue
        print(
            f"{name:<36} {epochs:>6} {seconds:>8.2f} {ref_seconds / seconds:>7.2f}x "
            f"{final:>9.4f} {fit}"
        )
    return results


if __name__ == "__main__":
    main()
