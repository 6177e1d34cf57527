"""ScratchMLPClassifier side by side with scikit-learn's MLPClassifier.

Same pipeline (StandardScaler + MLP), same default parameters, same
random_state and the same stratified folds: 10 folds on breast cancer (the
user's job), 5 folds on digits, wine and iris. Prints the mean accuracy of
each and the difference in percentage points.

Run: ``python examples/compare_with_sklearn.py`` (under a minute on 2 cores).
``--seeds N`` also prints the breast-cancer 10-fold mean of sknetscratch for
``random_state`` 0 .. N-1.
"""

import argparse
import warnings

from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
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


def main(datasets=DATASETS) -> dict:
    results = {}
    print(
        f"{'dataset':<14} {'folds':>5} {'sknetscratch':>13} {'sklearn':>9} {'diff (pp)':>10}"
    )
    for name, loader, folds in datasets:
        X, y = loader(return_X_y=True)
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        means = []
        for cls in (ScratchMLPClassifier, MLPClassifier):
            pipe = make_pipeline(StandardScaler(), cls(random_state=0))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                means.append(cross_val_score(pipe, X, y, cv=cv).mean())
        results[name] = tuple(means)
        diff = 100 * (means[0] - means[1])
        print(
            f"{name:<14} {folds:>5} {means[0]:>13.4f} {means[1]:>9.4f} {diff:>+10.2f}"
        )
    return results


def seed_spread(n_seeds: int) -> list[float]:
    X, y = load_breast_cancer(return_X_y=True)
    cv = StratifiedKFold(10, shuffle=True, random_state=0)
    means = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in range(n_seeds):
            pipe = make_pipeline(
                StandardScaler(), ScratchMLPClassifier(random_state=seed)
            )
            means.append(cross_val_score(pipe, X, y, cv=cv).mean())
    print("breast_cancer 10-fold mean by random_state:", [f"{m:.4f}" for m in means])
    print(f"mean over seeds: {sum(means) / len(means):.4f}")
    return means


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=0)
    args = parser.parse_args()
    main()
    if args.seeds:
        seed_spread(args.seeds)
