"""The pieces of an (a) step and of the divergence probe, e717ded against this wave.

A one-off companion of ``benchmarks/ab_commits.py`` for this comparison: it
calls private methods of both commits (e717ded's ``Model._forward`` and
``model.evaluate``; this wave's ``Model._hidden`` and ``_evaluate``), so it
runs on these two commits only. Both packages are imported into one process
and each piece is timed paired within each round, one BLAS thread::

    python benchmarks/results/2026-12-02/run4/pieces_e717ded.py \\
        --before <e717ded checkout> --after .

Output: ``pieces.txt`` beside this file.
"""

import argparse
import importlib
import shutil
import statistics
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


def paired(label, before, after, number, rounds=41):
    t = {"before": [], "after": []}
    for r in range(rounds):
        for side in ("before", "after") if r % 2 else ("after", "before"):
            f = before if side == "before" else after
            t[side].append(timeit.timeit(f, number=number) / number * 1e6)
    b, a = t["before"], t["after"]
    diff = statistics.median(x - y for x, y in zip(a, b))
    print(
        f"{label:24s} {statistics.median(b):8.1f} {statistics.median(a):8.1f} "
        f"{diff:+8.1f}"
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    args = p.parse_args()
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    tmp = tempfile.mkdtemp()
    sys.path.insert(0, tmp)
    models = {}
    for side in ("before", "after"):
        name = f"sknetscratch_{side}"
        shutil.copytree(Path(getattr(args, side)) / "sknetscratch", Path(tmp) / name)
        est = importlib.import_module(name).ScratchMLPClassifier(
            hidden_layer_sizes=(128, 64, 32), batch_size=100, random_state=0, max_iter=1
        )
        est.partial_fit(X, y, classes=np.unique(y))
        Xv, Y = est._validate_input(X, y, True, reset=False)
        models[side] = (est.model_, Xv[:100].copy(), Y[:100].copy())
    (mo, xo, yo), (mn, xn, yn) = models["before"], models["after"]
    print("(a), float64, 1 BLAS thread, 41 rounds; microseconds a call")
    print(f"{'piece':24s} {'e717ded':>8s} {'wave':>8s} {'diff':>8s}")
    with threadpool_limits(1):
        paired(
            "train_step",
            lambda: mo.train_step(xo, yo),
            lambda: mn.train_step(xn, yn),
            200,
        )
        paired(
            "forward to the logits",
            lambda: mo._forward(xo, training=True, rng=None, activate_output=False),
            lambda: mn.layers[-1].forward_linear(mn._hidden(xn, True, None, None)),
            300,
        )
        zo = mo._forward(xo, training=True, rng=None, activate_output=False).copy()
        zn = mn.layers[-1].forward_linear(mn._hidden(xn, True, None, None)).copy()
        paired(
            "loss value and delta",
            lambda: mo.loss.value_and_gradient(yo, zo, None),
            lambda: mn.loss.value_and_gradient(yn, zn, None),
            1000,
        )
        do = mo.loss.value_and_gradient(yo, zo, None)[1].copy()
        dn = mn.loss.value_and_gradient(yn, zn, None)[1].copy()
        paired("backward", lambda: mo.backward(do), lambda: mn.backward(dn), 300)
        paired("L2 value", lambda: mo._penalty(100), lambda: mn._penalty(100), 2000)
        paired(
            "L2 gradient",
            lambda: mo._add_penalty_gradient(100),
            lambda: mn._add_penalty_gradient(100),
            2000,
        )
        paired(
            "optimizer step",
            lambda: mo.optimizer.update(
                mo._params, mo._grads, mo._scratch_like_params()
            ),
            lambda: mn.optimizer.update(mn._params, mn._grads, mn._scratch),
            1000,
        )
        probe_o, probe_n = (xo[:32], yo[:32], None), (xn[:32], yn[:32], None)
        paired(
            "divergence probe",
            lambda: mo.evaluate(*probe_o),
            lambda: mn._evaluate(*probe_n),
            2000,
        )
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
