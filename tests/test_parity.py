"""Same seed, same model: the estimators train exactly scikit-learn's MLP.

For the same parameters and ``random_state``, ``ScratchMLPClassifier`` /
``ScratchMLPRegressor`` and scikit-learn's ``MLPClassifier`` / ``MLPRegressor``
draw the same initial weights, the same early-stopping split and the same batch
orders, take the same steps and stop at the same epoch: every fitted attribute
scikit-learn has agrees to 1e-9 (relative) in float64 after at least 25 epochs,
and to 1e-4 in float32.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(task, n=120, seed=0):
    rng = np.random.RandomState(seed)
    if task == "multilabel":
        X, y = make_multilabel_classification(
            n, n_features=6, n_classes=3, random_state=seed
        )
        return StandardScaler().fit_transform(X), y
    if task in ("binary", "multiclass"):
        X, y = make_classification(
            n,
            n_features=6,
            n_informative=4,
            n_classes=2 if task == "binary" else 3,
            random_state=seed,
        )
        return X, y
    X = rng.normal(size=(n, 6))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 + 0.1 * rng.normal(size=n)
    if task == "reg2":
        y = np.column_stack([y, X[:, 2] - X[:, 3]])
    return X, y


def _pair(task, **params):
    ours, ref = (
        (ScratchMLPRegressor, MLPRegressor)
        if task.startswith("reg")
        else (ScratchMLPClassifier, MLPClassifier)
    )
    kw = {"hidden_layer_sizes": (8,), "max_iter": 30, "n_iter_no_change": 30, **params}
    return ours(**kw), ref(**kw)


def assert_same_model(ours, ref, X, rtol=1e-9):
    """Every attribute scikit-learn's MLP has, and its predictions, agree.

    Arrays agree to ``rtol`` relative to their largest entry (an entry near 0
    has no relative precision of its own).
    """

    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_
    assert ours.n_layers_ == ref.n_layers_
    assert ours.n_outputs_ == ref.n_outputs_
    assert ours.out_activation_ == ref.out_activation_
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        _close(a, b, rtol)
    np.testing.assert_allclose(ours.loss_, ref.loss_, rtol=rtol)
    if hasattr(ref, "loss_curve_"):  # stochastic solvers
        assert len(ours.loss_curve_) == len(ref.loss_curve_)
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=rtol)
        if ref.best_loss_ is None:
            assert ours.best_loss_ is None
        else:
            np.testing.assert_allclose(ours.best_loss_, ref.best_loss_, rtol=rtol)
        if ref.validation_scores_ is None:
            assert ours.validation_scores_ is None
        else:
            np.testing.assert_allclose(
                ours.validation_scores_, ref.validation_scores_, rtol=rtol
            )
            np.testing.assert_allclose(
                ours.best_validation_score_, ref.best_validation_score_, rtol=rtol
            )
    if hasattr(ref, "predict_proba"):
        _close(ours.predict_proba(X), ref.predict_proba(X), rtol)
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    else:
        _close(ours.predict(X), ref.predict(X), rtol)


def _close(a, b, rtol):
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


TASKS = ["binary", "multiclass", "multilabel", "reg1", "reg2"]
VARIANTS = {
    "default": {},
    "tanh": {"activation": "tanh"},
    "logistic": {"activation": "logistic"},
    "no-shuffle": {"shuffle": False},
    "early-stopping": {"early_stopping": True, "max_iter": 100, "n_iter_no_change": 25},
    "sample-weight": {},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_same_seed_same_model(solver, task, variant):
    if solver == "lbfgs" and variant in ("no-shuffle", "early-stopping"):
        pytest.skip("L-BFGS neither shuffles nor stops early (as in scikit-learn)")
    X, y = _data(task)
    params = {"solver": solver, "random_state": 0, "tol": 1e-6, **VARIANTS[variant]}
    if solver == "sgd":
        params["learning_rate_init"] = 0.01
    ours, ref = _pair(task, **params)
    sw = None
    if variant == "sample-weight":
        sw = np.random.RandomState(1).uniform(0.2, 3.0, size=len(X))
    ours.fit(X, y, sample_weight=sw)
    ref.fit(X, y, sample_weight=sw)
    assert ref.n_iter_ >= 25  # long enough for differences to show
    assert_same_model(ours, ref, X)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.1},
        {"solver": "sgd", "learning_rate": "adaptive", "learning_rate_init": 0.05},
        {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.5},
        {"solver": "sgd", "momentum": 0.0},
        {"solver": "adam", "alpha": 0.1, "batch_size": 17},
        {"solver": "adam", "activation": "identity", "beta_1": 0.5},
        {"solver": "adam", "tol": 1e-2, "n_iter_no_change": 3, "max_iter": 200},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
@pytest.mark.parametrize("task", ["multiclass", "reg2"])
def test_schedules_momentum_and_stopping_rule(task, params):
    X, y = _data(task)
    ours, ref = _pair(task, random_state=3, **params)
    ours.fit(X, y)
    ref.fit(X, y)
    assert_same_model(ours, ref, X)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("task", ["multiclass", "reg1"])
def test_float32_follows_scikit_learn(solver, task):
    X, y = _data(task)
    X = X.astype(np.float32)
    ours, ref = _pair(task, solver=solver, random_state=0, learning_rate_init=0.01)
    ours.fit(X, y)
    ref.fit(X, y)
    assert ours.coefs_[0].dtype == np.float32
    assert_same_model(ours, ref, X, rtol=1e-4)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_random_state_instance_and_none_draw_the_same(solver):
    """A RandomState is used as scikit-learn uses it (and advanced as much);
    None draws from NumPy's global RandomState, as scikit-learn's MLP does."""
    X, y = _data("multiclass")
    rs_ours, rs_ref = np.random.RandomState(7), np.random.RandomState(7)
    for _ in range(2):  # the same generator, used by two fits in a row
        ours, ref = _pair("multiclass", solver=solver, random_state=rs_ours)
        ref.set_params(random_state=rs_ref)
        ours.fit(X, y)
        ref.fit(X, y)
        assert_same_model(ours, ref, X)
    assert rs_ours.randint(10**9) == rs_ref.randint(10**9)  # as far advanced
    ours, ref = _pair("multiclass", solver=solver, random_state=None)
    np.random.seed(5)  # noqa: NPY002 (None means the global RandomState)
    ours.fit(X, y)
    np.random.seed(5)  # noqa: NPY002 (None means the global RandomState)
    ref.fit(X, y)
    assert_same_model(ours, ref, X)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("task", ["binary", "reg2"])
def test_warm_start_fits_follow_scikit_learn(task, solver, early_stopping):
    if solver == "lbfgs" and early_stopping:
        pytest.skip("L-BFGS does not stop early")
    X, y = _data(task)
    ours, ref = _pair(
        task,
        solver=solver,
        warm_start=True,
        early_stopping=early_stopping,
        max_iter=15,
        random_state=0,
    )
    for est in (ours, ref):
        est.fit(X, y)
        est.set_params(max_iter=12, learning_rate_init=0.002).fit(X[:100], y[:100])
        est.fit(X, y)
    assert_same_model(ours, ref, X)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("task", ["multiclass", "multilabel", "reg1"])
def test_partial_fit_series_follows_scikit_learn(task, solver):
    X, y = _data(task, n=150)
    ours, ref = _pair(task, solver=solver, random_state=0, batch_size=16)
    classes = np.unique(y) if task == "multiclass" else np.arange(y.shape[-1])
    extra = {} if task == "reg1" else {"classes": classes}
    for k in range(30):  # 30 epochs over chunks of 50 rows
        chunk = slice(50 * (k % 3), 50 * (k % 3) + 50)
        for est in (ours, ref):
            est.partial_fit(X[chunk], y[chunk], **extra)
        if k in (0, 29):
            assert_same_model(ours, ref, X)


def test_multilabel_lbfgs_fits_the_training_labels_exactly():
    X, y = make_multilabel_classification(50, random_state=0)
    ours = ScratchMLPClassifier(
        solver="lbfgs", hidden_layer_sizes=30, random_state=0
    ).fit(X, y)
    ref = MLPClassifier(solver="lbfgs", hidden_layer_sizes=30, random_state=0).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), y)
    np.testing.assert_array_equal(ref.predict(X), y)
    assert ours.n_iter_ == ref.n_iter_


def test_diverging_run_with_early_stopping_keeps_the_best_weights():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    params = dict(
        activation="identity",
        solver="sgd",
        learning_rate_init=1,
        early_stopping=True,
        random_state=0,
    )
    ours = ScratchMLPRegressor(**params)
    with pytest.warns(UserWarning, match="Training diverged in epoch") as record:
        ours.fit(X, y)
    message = str(next(w for w in record if "diverged" in str(w.message)).message)
    assert "best validation score" in message
    assert np.isnan(ours.validation_scores_[-1])
    assert all(np.isfinite(c).all() for c in ours.coefs_ + ours.intercepts_)
    assert np.isfinite(ours.predict(X)).all()
    # scikit-learn keeps going on NaN until max_iter; the best weights agree
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            ref = MLPRegressor(**params).fit(X, y)
    n = len(ours.validation_scores_)
    np.testing.assert_allclose(
        ours.validation_scores_, ref.validation_scores_[:n], rtol=1e-9
    )  # NaN where scikit-learn has NaN
    assert ours.best_validation_score_ == pytest.approx(ref.best_validation_score_)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_diverging_run_without_early_stopping_raises_sklearns_message():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    est = ScratchMLPRegressor(
        activation="identity", solver="sgd", learning_rate_init=1, random_state=0
    )
    with pytest.raises(ValueError) as info:
        est.fit(X, y)
    assert str(info.value).startswith(
        "Solver produced non-finite parameter weights. The input data may contain "
        "large values and need to be preprocessed."
    )
    assert "StandardScaler" in str(info.value)  # our advice after it
    assert not hasattr(est, "model_")


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_single_class_fits_as_scikit_learn(solver):
    X, _ = _data("binary")
    y = np.full(len(X), "only")
    ours, ref = _pair("binary", solver=solver, random_state=0)
    ours.fit(X, y)
    ref.fit(X, y)
    np.testing.assert_array_equal(ours.classes_, ["only"])
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    proba = ours.predict_proba(X)
    assert proba.shape == (len(X), 1)  # one column, as classes_ (no phantom column)
    np.testing.assert_allclose(proba[:, 0], ref.predict_proba(X)[:, 0], rtol=1e-9)
    np.testing.assert_allclose(np.exp(ours.predict_log_proba(X)), proba, rtol=1e-12)
    for a, b in zip(ours.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("task", ["multiclass", "reg2"])
def test_assigned_weights_change_predictions_as_on_scikit_learn(task):
    X, y = _data(task)
    ours, ref = _pair(task, random_state=0, max_iter=5)
    ours.fit(X, y)
    ref.fit(X, y)
    rng = np.random.RandomState(0)
    new = [rng.normal(size=c.shape) for c in ref.coefs_]
    assert ours.coefs_ is ours.coefs_  # one list, as scikit-learn's
    ours.coefs_[0] = new[0].copy()  # element by element
    ref.coefs_[0] = new[0].copy()
    ours.intercepts_ = [b + 1.0 for b in ref.intercepts_]  # as a whole
    ref.intercepts_ = [b + 1.0 for b in ref.intercepts_]
    ours.coefs_[1][...] = new[1]  # in place
    ref.coefs_[1][...] = new[1]
    out = "predict_proba" if task == "multiclass" else "predict"
    np.testing.assert_allclose(
        getattr(ours, out)(X), getattr(ref, out)(X), rtol=1e-12, atol=1e-14
    )
    # and training continues from what was assigned
    ours.set_params(warm_start=True).fit(X, y)
    ref.set_params(warm_start=True).fit(X, y)
    assert_same_model(ours, ref, X)


def test_assigned_weights_of_the_wrong_shape_are_refused():
    X, y = _data("multiclass")
    est = ScratchMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    est.fit(X, y)
    before = est.predict_proba(X)
    est.coefs_[0] = np.zeros((3, 8))
    with pytest.raises(ValueError, match=r"coefs_\[0\] has shape \(3, 8\).*\(6, 8\)"):
        est.predict(X)
    est.coefs_ = [np.zeros((6, 8))]
    with pytest.raises(ValueError, match="coefs_ must be a list of 2 arrays"):
        est.predict(X)
    est.coefs_ = [np.zeros((6, 8)), np.array([["a"] * 3] * 8)]
    with pytest.raises(ValueError, match=r"coefs_\[1\] must hold real numbers"):
        est.predict(X)
    est.coefs_ = [c.copy() for c in est.model_.get_weights()[::2]]
    np.testing.assert_array_equal(est.predict_proba(X), before)


def _warning_sources():
    """Calls that make the estimators warn, each with the category it warns with."""
    X, y = _data("multiclass")
    return [
        (lambda est: est.fit(X, y), ConvergenceWarning, {"max_iter": 2}),
        (
            lambda est: est.fit(X, y),
            ConvergenceWarning,
            {"max_iter": 2, "solver": "lbfgs"},
        ),
        (lambda est: est.fit(X, y), UserWarning, {"batch_size": 10**6, "max_iter": 2}),
        (lambda est: est.fit(X * 1e7, y), UserWarning, {"max_iter": 2}),
    ]


@pytest.mark.filterwarnings("default")
@pytest.mark.parametrize("how", ["direct", "pipeline", "grid_search"])
@pytest.mark.parametrize("case", range(4))
def test_warnings_are_filtered_by_module_whatever_the_call_depth(case, how):
    call, category, params = _warning_sources()[case]

    def run():
        est = ScratchMLPClassifier(hidden_layer_sizes=(4,), random_state=0, **params)
        if how == "pipeline":
            est = make_pipeline(StandardScaler(with_mean=False, with_std=False), est)
        elif how == "grid_search":
            est = GridSearchCV(est, {"alpha": [1e-4]}, cv=2, error_score="raise")
        with np.errstate(all="ignore"):
            call(est)

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        run()
    ours = [w for w in record if issubclass(w.category, category)]
    assert ours, "the call did not warn"
    assert all(w.filename.endswith(".py") for w in ours)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=category, module="sknetscratch")
        run()
    assert not [w for w in record if issubclass(w.category, category)]
