"""from_sklearn: a fitted scikit-learn MLP becomes ours, and trains on as it would.

For SGD and Adam classifiers (binary, multiclass, multilabel, string labels)
and regressors (one and several outputs): the predictions agree to 1e-12, one
more ``partial_fit`` on both gives the same weights (1e-10), and so does a
warm-start ``fit`` (with and without early stopping, and with SGD's
'adaptive' and 'invscaling' rates); ``save`` / ``load`` round trips exactly.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

import sknetscratch
from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor

RNG = np.random.default_rng(0)
X = RNG.normal(size=(80, 4))
_SCORE = X @ [1.0, -1.0, 0.5, 0.0]
TARGETS = {
    "binary": (_SCORE > 0).astype(int),
    "multiclass": np.digitize(_SCORE, [-0.5, 0.5]),
    "strings": np.array(["cat", "dog", "emu"])[np.digitize(_SCORE, [-0.5, 0.5])],
    "multilabel": np.column_stack([_SCORE > 0, X[:, 2] > 0, X[:, 3] > 0.5]).astype(int),
    "one output": _SCORE + 0.1 * RNG.normal(size=80),
    "two outputs": np.column_stack([_SCORE, X[:, 0] * X[:, 1]]),
}
CLASSIFICATION = ("binary", "multiclass", "strings", "multilabel")
CASES = [(solver, target) for solver in ("sgd", "adam") for target in TARGETS]


def _fitted(solver, target, **params):
    cls = MLPClassifier if target in CLASSIFICATION else MLPRegressor
    mlp = cls(
        hidden_layer_sizes=(6, 5), solver=solver, max_iter=8, random_state=0,
        learning_rate_init=0.05, validation_fraction=0.25, **params,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mlp.fit(X, TARGETS[target])


def _assert_same_weights(ours, theirs, atol):
    assert len(ours.coefs_) == len(theirs.coefs_)
    pairs = zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_)
    for a, b in pairs:
        assert a.dtype == b.dtype
        assert_allclose(a, b, rtol=0, atol=atol)


def _assert_same_predictions(ours, theirs):
    if hasattr(theirs, "predict_proba"):
        assert_allclose(
            ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-12
        )
        assert_array_equal(ours.predict(X), theirs.predict(X))
    else:
        assert_allclose(ours.predict(X), theirs.predict(X), rtol=0, atol=1e-12)


@pytest.mark.parametrize("solver, target", CASES)
def test_converted_estimator_predicts_and_trains_on_as_sklearn(solver, target):
    mlp = _fitted(solver, target)
    est = sknetscratch.from_sklearn(mlp)
    expected = ScratchMLPClassifier if target in CLASSIFICATION else ScratchMLPRegressor
    assert type(est) is expected
    params = est.get_params()
    for name, value in mlp.get_params().items():
        if not (solver == "adam" and name == "learning_rate"):
            assert params[name] == value, name
    if target in CLASSIFICATION:
        assert_array_equal(est.classes_, mlp.classes_)
    for name in ("n_iter_", "t_", "loss_", "best_loss_", "n_outputs_", "n_layers_"):
        assert getattr(est, name) == getattr(mlp, name), name
    assert est.out_activation_ == mlp.out_activation_
    assert est.loss_curve_ == mlp.loss_curve_
    _assert_same_predictions(est, mlp)
    # one more epoch on both: the same step, from the same optimizer state
    mlp.partial_fit(X, TARGETS[target])
    est.partial_fit(X, TARGETS[target])
    _assert_same_weights(est, mlp, atol=1e-10)
    assert (est.n_iter_, est.t_) == (mlp.n_iter_, mlp.t_)
    assert_allclose(est.loss_curve_, mlp.loss_curve_, rtol=1e-12)


@pytest.mark.parametrize("solver, target", CASES)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_warm_start_fit_continues_as_sklearn(solver, target, early_stopping):
    mlp = _fitted(solver, target, early_stopping=early_stopping)
    est = sknetscratch.from_sklearn(mlp)
    assert est.best_validation_score_ == mlp.best_validation_score_
    assert est.validation_scores_ == mlp.validation_scores_
    for model in (mlp, est):
        model.set_params(warm_start=True, max_iter=6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, TARGETS[target])
    _assert_same_weights(est, mlp, atol=1e-10)
    assert (est.n_iter_, est.t_) == (mlp.n_iter_, mlp.t_)
    assert_allclose(est.loss_curve_, mlp.loss_curve_, rtol=1e-12)
    if early_stopping:
        assert_allclose(est.validation_scores_, mlp.validation_scores_, rtol=1e-12)


@pytest.mark.parametrize("learning_rate", ["adaptive", "invscaling"])
def test_sgd_learning_rate_rules_carry_over(learning_rate):
    # 'adaptive' divides the rate by 5 after n_iter_no_change epochs without
    # improvement; 'invscaling' lowers it with t_: the current rate carries over
    mlp = _fitted(
        "sgd", "multiclass", learning_rate=learning_rate, n_iter_no_change=2, tol=0.05
    )
    mlp.set_params(max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, TARGETS["multiclass"])
    assert mlp._optimizer.learning_rate < 0.05 / 5  # the rule has lowered it
    est = sknetscratch.from_sklearn(mlp)
    assert est.model_.optimizer.learning_rate == mlp._optimizer.learning_rate
    for _ in range(3):
        mlp.partial_fit(X, TARGETS["multiclass"])
        est.partial_fit(X, TARGETS["multiclass"])
    _assert_same_weights(est, mlp, atol=1e-10)
    for model in (mlp, est):
        model.set_params(warm_start=True, max_iter=10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, TARGETS["multiclass"])
    _assert_same_weights(est, mlp, atol=1e-10)
    assert est.n_iter_ == mlp.n_iter_


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_fit_that_stopped_keeps_its_count(early_stopping):
    # scikit-learn's warm start goes on counting the epochs without improvement:
    # a fit that stopped stops again after one epoch without improvement
    mlp = _fitted(
        "adam",
        "multiclass",
        n_iter_no_change=2,
        tol=0.05,
        early_stopping=early_stopping,
    )
    mlp.set_params(max_iter=30)
    mlp.fit(X, TARGETS["multiclass"])
    assert mlp.n_iter_ < 30 and mlp._no_improvement_count > 2  # it stopped
    est = sknetscratch.from_sklearn(mlp)
    for model in (mlp, est):
        model.set_params(warm_start=True)
        model.fit(X, TARGETS["multiclass"])
    assert est.n_iter_ == mlp.n_iter_
    _assert_same_weights(est, mlp, atol=1e-10)


@pytest.mark.parametrize("params", [{"loss": "poisson"}, {"hidden_layer_sizes": ()}])
def test_poisson_and_no_hidden_layer(params):
    y = np.exp(0.3 * _SCORE)
    mlp = MLPRegressor(solver="sgd", max_iter=4, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    est = sknetscratch.from_sklearn(mlp)
    assert est.out_activation_ == mlp.out_activation_
    _assert_same_predictions(est, mlp)
    mlp.partial_fit(X, y)
    est.partial_fit(X, y)
    _assert_same_weights(est, mlp, atol=1e-10)


def test_lbfgs_and_float32():
    mlp = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.set_params(random_state=0).fit(X, TARGETS["two outputs"])
    est = sknetscratch.from_sklearn(mlp)
    assert est.model_.optimizer is None and est.n_iter_ == mlp.n_iter_
    _assert_same_predictions(est, mlp)
    X32 = X.astype(np.float32)
    mlp32 = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp32.fit(X32, TARGETS["binary"])
    est32 = sknetscratch.from_sklearn(mlp32)
    assert est32.coefs_[0].dtype == np.float32
    assert_allclose(est32.predict_proba(X32), mlp32.predict_proba(X32), rtol=1e-6)


@pytest.mark.parametrize(
    "solver, target", [("sgd", "strings"), ("adam", "two outputs")]
)
def test_save_load_round_trip_is_exact(solver, target, tmp_path):
    est = sknetscratch.from_sklearn(_fitted(solver, target))
    sknetscratch.save(est, tmp_path / "model.npz")
    loaded = sknetscratch.load(tmp_path / "model.npz")
    assert type(loaded) is type(est) and loaded.get_params() == est.get_params()
    assert_array_equal(loaded.predict(X), est.predict(X))
    for name in ("n_iter_", "t_", "loss_curve_", "best_loss_"):
        assert getattr(loaded, name) == getattr(est, name)
    loaded.partial_fit(X, TARGETS[target])
    est.partial_fit(X, TARGETS[target])
    _assert_same_weights(loaded, est, atol=0)


def test_arguments_are_checked():
    with pytest.raises(NotFittedError):
        sknetscratch.from_sklearn(MLPClassifier())
    with pytest.raises(TypeError, match="mlp must be a scikit-learn MLPClassifier"):
        sknetscratch.from_sklearn(ScratchMLPClassifier())
    # the converted estimator shares nothing with scikit-learn's
    mlp = _fitted("sgd", "binary")
    est = sknetscratch.from_sklearn(mlp)
    before = mlp.coefs_[0].copy()
    est.partial_fit(X, TARGETS["binary"])
    assert_array_equal(mlp.coefs_[0], before)
