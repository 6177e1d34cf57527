"""Inference is stateless: one fitted estimator or model serves many threads.

Prediction reads the weights and writes only arrays of its own call (the
layers keep nothing between calls; what training needs lives in the running
fit's workspace), so threads that share a fitted object get exactly the
single-threaded answers, and predicting while another thread trains the same
object breaks neither.
"""

import threading
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sknetscratch import DenseBlock, Dropout, Model, ScratchMLPClassifier

N_THREADS, N_CALLS = 8, 20


def _data():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _in_threads(work) -> list:
    """Run ``work(i)`` for each call of each thread, all threads released at once."""
    start = threading.Barrier(N_THREADS)
    results, errors = {}, []

    def run(t):
        try:
            start.wait()
            for k in range(N_CALLS):
                results[t, k] = work(t * N_CALLS + k)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(N_THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert len(results) == N_THREADS * N_CALLS
    return [results[key] for key in sorted(results)]


@pytest.mark.parametrize("batch_norm", [False, True])
def test_threads_sharing_a_fitted_estimator_get_the_single_threaded_answers(
    batch_norm,
):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ScratchMLPClassifier(
            (64, 32), batch_norm=batch_norm, dropout=0.1, max_iter=5, random_state=0
        ).fit(X, y)
    # each call predicts its own rows, so a call that saw another's arrays
    # would give other numbers (and shapes)
    rows = [np.arange(k % 50, len(X), 7 + k % 5) for k in range(N_THREADS * N_CALLS)]
    expected = [clf.predict_proba(X[r]) for r in rows]
    got = _in_threads(lambda k: clf.predict_proba(X[rows[k]]))
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e)


def test_threads_sharing_a_core_model_get_the_single_threaded_answers():
    X, y = _data()
    model = Model([DenseBlock(64, "relu"), Dropout(0.2), DenseBlock(1, "sigmoid")])
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, epochs=2, random_state=0)
    rows = [np.arange(k % 40, len(X), 3 + k % 4) for k in range(N_THREADS * N_CALLS)]
    expected = [model.predict(X[r]) for r in rows]
    got = _in_threads(lambda k: model.predict(X[rows[k]]))
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("how", ["partial_fit", "fit"])
def test_predicting_while_another_thread_trains_breaks_neither(how):
    X, y = _data()
    clf = ScratchMLPClassifier((32,), batch_size=32, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    done, errors, rows_seen = threading.Event(), [], []

    def predict():
        try:
            while not done.is_set():
                P = clf.predict_proba(X)
                assert np.isfinite(P).all()
                np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
                rows_seen.append(len(P))
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=predict)
    reader.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(10):
                if how == "partial_fit":
                    clf.partial_fit(X, y)
                else:
                    clf.set_params(warm_start=True, max_iter=2).fit(X, y)
    finally:
        done.set()
        reader.join()
    assert not errors, errors
    assert rows_seen  # the reader really ran alongside
    assert clf.score(X, y) > 0.9
