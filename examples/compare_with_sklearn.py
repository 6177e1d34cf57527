"""
Same seed, same model: ScratchMLPClassifier next to scikit-learn's MLPClassifier
================================================================================

Same pipeline (StandardScaler + MLP), default parameters, the same
``random_state`` and the same stratified folds: 10 folds on breast cancer (the
user's job), 5 folds on digits, wine and iris. For each dataset it prints both
mean accuracies, the seconds per fold of each, and the largest difference
between the two models' ``predict_proba`` on the held-out rows of every fold:
the two libraries train the same network, so it is rounding (about 1e-12).

Run: ``python examples/compare_with_sklearn.py`` (under a minute on 2 cores).
The figure needs matplotlib (``pip install "sknetscratch[plot]"``).
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier

DATASETS = [
    ("breast_cancer", load_breast_cancer, 10),
    ("digits", load_digits, 5),
    ("wine", load_wine, 5),
    ("iris", load_iris, 5),
]


def compare(X, y, folds, random_state=0):
    """Cross-validate both; return accuracies, seconds per fold, max |proba gap|."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    acc = {"sknetscratch": [], "sklearn": []}
    seconds = {"sknetscratch": 0.0, "sklearn": 0.0}
    gap = 0.0
    for train, test in cv.split(X, y):
        proba = {}
        for name, cls in (
            ("sknetscratch", ScratchMLPClassifier),
            ("sklearn", MLPClassifier),
        ):
            pipe = make_pipeline(StandardScaler(), cls(random_state=random_state))
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipe.fit(X[train], y[train])
            seconds[name] += time.perf_counter() - start
            acc[name].append(pipe.score(X[test], y[test]))
            proba[name] = pipe.predict_proba(X[test])
        gap = max(gap, float(np.abs(proba["sknetscratch"] - proba["sklearn"]).max()))
    return (
        {k: float(np.mean(v)) for k, v in acc.items()},
        {k: v / folds for k, v in seconds.items()},
        gap,
    )


def main(datasets=DATASETS) -> dict:
    results = {}
    print(
        f"{'dataset':<14} {'folds':>5} {'accuracy ours':>13} {'sklearn':>8} "
        f"{'s/fold ours':>11} {'sklearn':>8} {'max |proba diff|':>17}"
    )
    for name, loader, folds in datasets:
        X, y = loader(return_X_y=True)
        acc, sec, gap = compare(X, y, folds)
        results[name] = (acc, sec, gap)
        print(
            f"{name:<14} {folds:>5} {acc['sknetscratch']:>13.4f} {acc['sklearn']:>8.4f} "
            f"{sec['sknetscratch']:>11.3f} {sec['sklearn']:>8.3f} {gap:>17.1e}"
        )
    return results


def plot_results(results: dict) -> None:
    """Bars of both accuracies and both seconds per fold (needs matplotlib)."""
    import matplotlib.pyplot as plt

    names = list(results)
    x = np.arange(len(names))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for offset, lib in ((-0.2, "sknetscratch"), (0.2, "sklearn")):
        left.bar(x + offset, [results[n][0][lib] for n in names], 0.4, label=lib)
        right.bar(x + offset, [results[n][1][lib] for n in names], 0.4, label=lib)
    left.set(ylabel="mean accuracy", ylim=(0.9, 1.0), title="the same accuracy")
    right.set(ylabel="seconds per fold", title="time per fold")
    for ax in (left, right):
        ax.set_xticks(x, names)
        ax.legend()
    fig.tight_layout()


# %%
# Run the comparison; then draw it when matplotlib is installed.
if __name__ == "__main__":
    results = main()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print('(pip install "sknetscratch[plot]" to draw the comparison)')
    else:
        plot_results(results)
