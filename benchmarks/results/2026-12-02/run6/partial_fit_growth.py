"""Does a ``partial_fit`` call get slower as ``loss_curve_`` and ``history_`` grow?

A one-off check on (a) (breast cancer, hidden (128, 64, 32), batch 100, float64,
one BLAS thread): one call with curves of one epoch, then with curves as long as
after 100,000 calls (set directly; a call only appends to them)::

    python benchmarks/results/2026-12-02/run6/partial_fit_growth.py

Output: ``partial_fit_growth-<commit>.txt`` beside this file (by redirection).
"""

import statistics
import timeit

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sknetscratch import ScratchMLPClassifier

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
est = ScratchMLPClassifier(hidden_layer_sizes=(128, 64, 32), batch_size=100)
est.set_params(random_state=0).partial_fit(X, y, classes=np.unique(y))
print("history_ keys:", sorted(est.history_))
with threadpool_limits(1):
    for n in (1, 100_000):
        est.loss_curve_ = est.loss_curve_[:1] * n
        est.history_ = {k: v[:1] * n for k, v in est.history_.items()}
        t = [
            timeit.timeit(lambda: est.partial_fit(X, y), number=20) / 20
            for _ in range(9)
        ]
        print(
            f"curves of {n:>6} epochs: partial_fit {statistics.median(t) * 1e6:7.0f} us"
        )
