"""Same seed, same numbers: the NumPy path's outputs of many fits, saved and compared.

A change that must not change any result (issue 26's Array API rewrite, a
refactoring) is checked by running this on both commits and comparing the
files bit for bit::

    PYTHONPATH=<before> python benchmarks/same_results.py --save before.npz
    PYTHONPATH=<after> python benchmarks/same_results.py --save after.npz
    python benchmarks/same_results.py --compare before.npz after.npz

The fits: both estimators (binary, multiclass, multilabel, two outputs) with
every solver, dropout, batch norm, L2 + L1 and early stopping, in float64 and
float32, and core ``Model`` fits with every optimizer (clipping, class
weights, GELU / ELU / layer norm / dropout); their probabilities or
predictions and loss curves. About a minute on one core.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np


def results() -> dict[str, np.ndarray]:
    from sklearn.datasets import (
        make_classification,
        make_multilabel_classification,
        make_regression,
    )

    import sknetscratch as sk
    from sknetscratch import (
        DenseBlock,
        Dropout,
        LayerNormalization,
        Model,
        ScratchMLPClassifier,
        ScratchMLPRegressor,
    )

    warnings.simplefilter("ignore")
    out = {}
    X, y = make_classification(200, 8, n_informative=5, n_classes=3, random_state=0)
    Xb, yb = make_classification(200, 8, random_state=1)
    Xm, ym = make_multilabel_classification(200, 8, random_state=0)
    Xr, yr = make_regression(200, 8, n_targets=2, random_state=0)
    options = ({}, {"dropout": 0.2}, {"batch_norm": True}, {"alpha": 0.1, "l1": 0.01})
    options += ({"early_stopping": True},)
    for dt in (np.float64, np.float32):
        for solver in ("adam", "sgd", "lbfgs"):
            for kw in options:
                if solver == "lbfgs" and kw and "alpha" not in kw:
                    continue
                common = dict(solver=solver, max_iter=15, random_state=0, **kw)
                for name, est, XX, yy in (
                    ("mc", ScratchMLPClassifier((16, 8), **common), X, y),
                    ("bin", ScratchMLPClassifier((16,), **common), Xb, yb),
                    ("ml", ScratchMLPClassifier((16,), **common), Xm, ym),
                    (
                        "reg",
                        ScratchMLPRegressor(hidden_layer_sizes=(16,), **common),
                        Xr / 100,
                        yr / 100,
                    ),
                ):
                    XX = XX.astype(dt)
                    est.fit(XX, yy)
                    key = f"{dt.__name__}-{solver}-{kw}-{name}"
                    pred = est.predict if name == "reg" else est.predict_proba
                    out[key] = pred(XX)
                    out[key + "-loss"] = np.array(est.loss_curve_)
    optimizers = (
        sk.SGD(0.01, momentum=0.9, nesterov=True, clipnorm=1.0),
        sk.RMSprop(centered=True, momentum=0.5),
        sk.RMSprop(),
        sk.Nadam(),
        sk.AdamW(clipvalue=0.1),
        "adam",
    )
    for opt in optimizers:
        for dt in (np.float64, np.float32):
            layers = [
                DenseBlock(16, "gelu"),
                LayerNormalization(),
                DenseBlock(8, "elu"),
            ]
            model = Model([*layers, Dropout(0.1), DenseBlock(3, "softmax")])
            model.compile(opt, alpha=1e-3, l1=1e-4)
            model.fit(
                X.astype(dt),
                np.eye(3)[y],
                epochs=5,
                batch_size=32,
                random_state=0,
                class_weight={0: 2.0},
            )
            out[f"model-{opt}-{dt.__name__}"] = model.predict(X.astype(dt))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="PATH", help="run the fits, save an .npz")
    group.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = p.parse_args(argv)
    if args.save:
        out = results()
        np.savez(args.save, **out)
        print(f"{len(out)} arrays written to {args.save}")
        return 0
    before, after = (np.load(path) for path in args.compare)
    differ = [k for k in before.files if not np.array_equal(before[k], after[k])]
    missing = sorted(set(before.files) ^ set(after.files))
    print(f"{len(before.files)} arrays; differ: {differ}; in one file only: {missing}")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main())
