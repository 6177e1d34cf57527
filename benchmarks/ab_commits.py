"""Two commits' estimators timed in one process, on (a): where does an epoch differ?

``bench_mlp.py`` times each commit in its own process, and ``compare_runs.py``
sets the two runs' ``sklearn/ours`` ratios side by side. On (a), an epoch of six
batches of 100 rows (about 5 ms), run-to-run noise is as large as a few percent
of an epoch. This script imports both commits' packages into *one* process
(each ``sknetscratch/`` folder copied under another name: the package imports
itself relatively) and times them in alternating order, round after round, so
that each ratio is paired within a round:

* ``partial_fit``: one epoch, as ``bench_mlp.py`` times it;
* ``train_step``: one optimizer step on one batch of 100 rows;
* ``per call``: ``partial_fit`` minus the epoch's six ``train_step`` (input
  validation, the transaction's snapshot, the divergence probes, bookkeeping,
  and gathering the shuffled batches: ``train_step`` is timed on one batch
  that stays in the cache).

Run, with two checkouts (for example ``git worktree add /tmp/old e717ded``)::

    python benchmarks/ab_commits.py --before /tmp/old --after .

One BLAS thread (threadpoolctl), as in the 2026-12-02 results.
"""

from __future__ import annotations

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
from threadpoolctl import threadpool_info, threadpool_limits

BATCH = 100  # (a)'s batch size, as in bench_mlp.py


def _import_copy(checkout: str, name: str, where: Path):
    src = Path(checkout) / "sknetscratch"
    if not (src / "__init__.py").exists():
        raise SystemExit(f"{checkout} has no sknetscratch/ package")
    shutil.copytree(src, where / name)
    return importlib.import_module(name)


def _paired(fns: dict, number: int, rounds: int) -> dict:
    """Microseconds per call of each function, ``rounds`` times, in an order
    reversed every other round."""
    times = {k: [] for k in fns}
    for r in range(rounds):
        order = list(fns) if r % 2 else list(reversed(list(fns)))
        for k in order:
            times[k].append(timeit.timeit(fns[k], number=number) / number * 1e6)
    return times


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", required=True, help="checkout of the older commit")
    p.add_argument("--after", required=True, help="checkout of the newer commit")
    p.add_argument("--rounds", type=int, default=41)
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    args = p.parse_args(argv)

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(args.dtype)
    classes = np.unique(y)
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, tmp)
        mods = {
            "before": _import_copy(args.before, "sknetscratch_before", Path(tmp)),
            "after": _import_copy(args.after, "sknetscratch_after", Path(tmp)),
        }
        ests, steps = {}, {}
        for side, mod in mods.items():
            est = mod.ScratchMLPClassifier(
                hidden_layer_sizes=(128, 64, 32),
                batch_size=BATCH,
                learning_rate_init=1e-3,
                alpha=1e-4,
                random_state=0,
                max_iter=1,
            )
            est.partial_fit(X, y, classes=classes)
            ests[side] = est
            Xv, Y = est._validate_input(X, y, True, reset=False)
            Xb, Yb = Xv[:BATCH].copy(), Y[:BATCH].copy()
            model = est.model_
            if hasattr(model, "workspace"):  # the fit's workspace, made once per fit
                ws = model.workspace()
                steps[side] = lambda m=model, Xb=Xb, Yb=Yb, ws=ws: m.train_step(
                    Xb, Yb, None, None, ws
                )
            else:  # layers that keep their own buffers
                steps[side] = lambda m=model, Xb=Xb, Yb=Yb: m.train_step(Xb, Yb)
        n_batches = -(-X.shape[0] // BATCH)
        with threadpool_limits(1):
            for side in ests:  # warm-up
                for _ in range(20):
                    ests[side].partial_fit(X, y)
                    steps[side]()
            fit = _paired(
                {s: (lambda e=e: e.partial_fit(X, y)) for s, e in ests.items()},
                20,
                args.rounds,
            )
            step = _paired(steps, 200, args.rounds)
        per_call = {
            s: [f - n_batches * t for f, t in zip(fit[s], step[s])] for s in fit
        }
        blas = [
            f"{i['internal_api']} {i.get('version')} {i.get('architecture')}"
            for i in threadpool_info()
            if i["user_api"] == "blas"
        ]
        print(
            f"(a) breast cancer 569 x 30, hidden (128, 64, 32), batch {BATCH}, {args.dtype}; "
            f"{args.rounds} rounds; BLAS: {', '.join(blas)} (1 thread)"
        )
        print(f"before = {args.before}, after = {args.after}")
        print(
            f"{'piece':14s} {'before us':>10s} {'after us':>10s} {'after-before':>13s} "
            f"{'after/before':>13s}"
        )
        for name, t in (
            ("partial_fit", fit),
            ("train_step", step),
            ("per call", per_call),
        ):
            b, a = t["before"], t["after"]
            diff = statistics.median(x - y for x, y in zip(a, b))
            ratio = statistics.median(x / y for x, y in zip(a, b))
            print(
                f"{name:14s} {statistics.median(b):10.1f} {statistics.median(a):10.1f} "
                f"{diff:+13.1f} {ratio:13.3f}"
            )
        step_diff = statistics.median(
            x - y for x, y in zip(step["after"], step["before"])
        )
        print(
            f"the epoch's {n_batches} steps account for {n_batches * step_diff:+.1f} "
            "us of the partial_fit difference"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
