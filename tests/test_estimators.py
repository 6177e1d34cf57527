"""Behaviour both estimators share, tested once for each of them."""

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import Model, ScratchMLPClassifier, ScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _classification():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return StandardScaler().fit_transform(X), y


def _regression():
    X, Y = make_regression(
        n_samples=120, n_features=6, n_informative=4, n_targets=3, random_state=0
    )
    return StandardScaler().fit_transform(X), Y / Y.std(axis=0)


KINDS = {
    "classifier": (ScratchMLPClassifier, _classification),
    "regressor": (ScratchMLPRegressor, _regression),
}


@pytest.fixture(params=list(KINDS), scope="module")
def kind(request):
    cls, data = KINDS[request.param]
    return cls, *data()


def _output(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


def test_joblib_round_trip_is_bit_identical(tmp_path, kind):
    cls, X, y = kind
    est = make_pipeline(
        StandardScaler(), cls(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    )
    est.fit(X, y)
    joblib.dump(est, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    assert np.array_equal(_output(est, X), _output(loaded, X))
    # the loaded model keeps training exactly like the original
    a, b = est[-1], loaded[-1]
    a.partial_fit(X[:50], y[:50])
    b.partial_fit(X[:50], y[:50])
    assert np.array_equal(a.model_.params, b.model_.params)
    assert a.loss_curve_ == b.loss_curve_
    # coefs_ / intercepts_ of the loaded estimator are the network's own arrays
    assert all(np.shares_memory(c, b.model_.params) for c in b.coefs_ + b.intercepts_)


def test_same_seed_is_bit_identical_and_seeds_differ(kind):
    cls, X, y = kind
    fits = [
        cls(hidden_layer_sizes=(8,), max_iter=15, random_state=s) for s in (3, 3, 4)
    ]
    for est in fits:
        est.fit(X, y)
    assert np.array_equal(_output(fits[0], X), _output(fits[1], X))
    assert fits[0].loss_curve_ == fits[1].loss_curve_
    assert not np.array_equal(_output(fits[0], X), _output(fits[2], X))


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_end_to_end(kind, solver):
    cls, X, y = kind
    kw = dict(hidden_layer_sizes=(6,), max_iter=10, random_state=0, solver=solver)
    est = cls(**kw).fit(X.astype(np.float32), y)
    assert est.model_.params.dtype == np.float32
    assert all(c.dtype == np.float32 for c in est.coefs_ + est.intercepts_)
    assert _output(est, X.astype(np.float32)).dtype == np.float32
    assert all(np.isfinite(loss) for loss in est.loss_curve_)
    est64 = cls(**kw).fit(X, y)
    assert est64.model_.params.dtype == np.float64
    assert _output(est64, X).dtype == np.float64
    # the same start: the float32 fit follows the float64 one closely
    np.testing.assert_allclose(
        _output(est, X.astype(np.float32)), _output(est64, X), rtol=0, atol=1e-3
    )


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_input_matches_dense(kind, fmt, solver):
    cls, X, y = kind
    X = np.where(np.abs(X) < 0.7, 0.0, X)  # sparse-ish
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_array(X)
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0, solver=solver)
    dense = cls(**params).fit(X, y)
    sparse = cls(**params).fit(Xs, y)
    rtol = 1e-10 if solver == "adam" else 1e-8
    np.testing.assert_allclose(sparse.model_.params, dense.model_.params, rtol=rtol)
    np.testing.assert_allclose(_output(sparse, Xs), _output(dense, X), rtol=rtol)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=rtol)


@pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_integer_sample_weights_equal_repeated_rows(kind, solver):
    cls, X, y = kind
    w = np.random.default_rng(0).integers(0, 4, size=len(X))
    w[:3] = 1  # every class keeps some weight
    params = dict(
        hidden_layer_sizes=(8,),
        max_iter=15,
        random_state=0,
        solver=solver,
        batch_size=int(w.sum()),  # one full batch in both fits
        shuffle=False,
    )
    a = cls(**params).fit(X, y, sample_weight=w)
    b = cls(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w, axis=0))
    np.testing.assert_allclose(_output(a, X), _output(b, X), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-8)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_verbose_prints_sklearn_lines(kind, capsys, solver):
    cls, X, y = kind
    cls(hidden_layer_sizes=(5,), solver=solver, max_iter=3, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Iteration 1, loss = ")
    assert lines[2].startswith("Iteration 3, loss = ")
    float(lines[0].split("=")[1])  # a number follows


def test_summary_model_and_clone(kind, capsys):
    cls, X, y = kind
    est = cls(hidden_layer_sizes=(7, 4), max_iter=5, random_state=0).fit(X, y)
    assert isinstance(est.model_, Model)
    est.summary()
    out = capsys.readouterr().out
    dims = [6, 7, 4, 3]  # features, hidden layers, outputs
    expected = sum((a + 1) * b for a, b in zip(dims[:-1], dims[1:]))
    assert expected == (6 * 7 + 7) + (7 * 4 + 4) + (4 * 3 + 3) == 96
    assert f"Total params: {expected} " in out
    assert "(None, 3)" in out and "(None, 7)" in out
    assert est.model_.count_params() == est.model_.params.size == expected
    fresh = clone(est)
    assert not hasattr(fresh, "model_")
    assert fresh.get_params() == est.get_params()
