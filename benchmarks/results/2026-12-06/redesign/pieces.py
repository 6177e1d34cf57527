"""Where a ``partial_fit`` call on (a) spends its time, piece by piece.

(a): breast cancer 569 x 30 standardised, hidden (128, 64, 32), batch 100, Adam,
one BLAS thread, as ``bench_mlp.py``. Each figure is the best of 5 repeats of
``timeit`` (microseconds per call), so the machine's noise adds least:

* ``partial_fit``: one epoch through the estimator (what bench_mlp times);
* ``Model.fit``: the same epoch through the core loop alone (no estimator);
* ``6 x train_step``: the epoch's six optimizer steps in one warm workspace,
  no loop at all (what the plain NumPy loop of bench_mlp does per epoch);
* the per-call pieces: scikit-learn's ``validate_data`` as the classifier calls
  it, the transaction's ``snapshot``, a new workspace with its first step (the
  buffers allocated and touched) minus a step in a warm one, the Ctrl-C
  handler installed and removed.

Run from the repository root: ``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python
benchmarks/results/2026-12-06/redesign/pieces.py``.
"""

import signal
import sys
import timeit

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import validate_data
from threadpoolctl import threadpool_limits

from sknetscratch import ScratchMLPClassifier
from sknetscratch.training.state import snapshot


def best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def measure(X, y, dtype) -> dict:
    """The pieces, in microseconds, for (a) in ``dtype``."""
    Xd = StandardScaler().fit_transform(X).astype(dtype)
    clf = ScratchMLPClassifier((128, 64, 32), batch_size=100, random_state=0)
    with threadpool_limits(1):
        clf.partial_fit(Xd, y, classes=[0, 1])
        for _ in range(30):
            clf.partial_fit(Xd, y)
        model = clf.model_
        Xp, Y = clf._validate_input(Xd, y, True, reset=False)
        Xb, Yb = Xp[:100].copy(), Y[:100].copy()
        ws = model.workspace()
        rs = np.random.RandomState(0)

        def warm_step():
            model.train_step(Xb, Yb, None, None, ws)

        def fresh_step():
            model.train_step(Xb, Yb, None, None, model.workspace())

        def handler(signum, frame):
            pass

        def sigint():
            previous = signal.signal(signal.SIGINT, handler)
            signal.signal(signal.SIGINT, previous)

        def core_fit():
            model.fit(
                Xp,
                Y,
                batch_size=100,
                epochs=1,
                random_state=rs,
                restore_on_divergence=False,
            )

        def validate():
            validate_data(
                clf,
                Xd,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                dtype=(np.float64, np.float32),
                reset=False,
            )

        return {
            "partial_fit": best(lambda: clf.partial_fit(Xd, y), 100),
            "Model.fit (1 epoch)": best(core_fit, 100),
            "6 x train_step": 6 * best(warm_step, 300),
            "validate_data": best(validate, 300),
            "snapshot": best(lambda: snapshot(model), 300),
            "new workspace, first step - warm step": best(fresh_step, 300)
            - best(warm_step, 300),
            "Ctrl-C handler in and out": best(sigint, 300),
        }  # fmt: skip


def main():
    X, y = load_breast_cancer(return_X_y=True)
    for dtype in (np.float64, np.float32):
        rows = measure(X, y, dtype)
        print(f"(a) {np.dtype(dtype).name}")
        for name, us in rows.items():
            print(f"  {name:42s} {us:8.1f} us")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
