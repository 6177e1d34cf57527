"""Weights set by hand (coefs_, intercepts_ and the counters) are the model.

scikit-learn's own ``test_fit`` sets them on an unfitted MLPClassifier and
expects ``partial_fit`` to continue from them; the same holds here, on an
unfitted estimator as on a fitted one, and against scikit-learn's numbers.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_almost_equal, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

import sknetscratch
from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor

X1 = np.array([[0.6, 0.8, 0.7]])
PARAMS = dict(
    solver="sgd",
    learning_rate_init=0.1,
    alpha=0.1,
    activation="logistic",
    random_state=1,
    max_iter=1,
    hidden_layer_sizes=2,
    momentum=0,
)


def _set_by_hand(mlp):
    """What scikit-learn's test_fit assigns (its private ones included)."""
    mlp.coefs_ = [0] * 2
    mlp.intercepts_ = [0] * 2
    mlp.n_outputs_ = 1
    mlp.coefs_[0] = np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0]])
    mlp.coefs_[1] = np.array([[0.1], [0.2]])
    mlp.intercepts_[0] = np.array([0.1, 0.1])
    mlp.intercepts_[1] = np.array([1.0])
    mlp.n_features_in_ = 3
    mlp.n_iter_ = 0
    mlp.learning_rate_ = 0.1
    mlp.n_layers_ = 3
    mlp._coef_grads = [0] * (mlp.n_layers_ - 1)
    mlp._intercept_grads = [0] * (mlp.n_layers_ - 1)
    mlp.out_activation_ = "logistic"
    mlp.t_ = 0
    mlp.best_loss_ = np.inf
    mlp.loss_curve_ = []
    mlp._no_improvement_count = 0
    mlp._intercept_velocity = [np.zeros_like(b) for b in mlp.intercepts_]
    mlp._coef_velocity = [np.zeros_like(W) for W in mlp.coefs_]
    return mlp


def test_sklearn_test_fit_worked_example():
    mlp = _set_by_hand(ScratchMLPClassifier(**PARAMS))
    mlp.partial_fit(X1, np.array([0]), classes=[0, 1])
    # scikit-learn's worked example (test_mlp.py::test_fit): one SGD step
    assert_almost_equal(
        mlp.coefs_[0],
        np.array([[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]]),
        decimal=3,
    )
    assert_almost_equal(mlp.coefs_[1], np.array([[0.04706], [0.154089]]), decimal=3)
    assert_almost_equal(mlp.intercepts_[0], np.array([0.098333, 0.09626]), decimal=3)
    assert_almost_equal(mlp.intercepts_[1], np.array(0.9235), decimal=3)
    assert_almost_equal(mlp.predict_proba(X1)[0, 1], 0.739, decimal=3)
    assert (mlp.n_iter_, mlp.t_, len(mlp.loss_curve_)) == (1, 1, 1)
    # and scikit-learn's own run of it, to the last bits
    ref = _set_by_hand(MLPClassifier(**PARAMS))
    ref.partial_fit(X1, np.array([0]), classes=[0, 1])
    for ours, theirs in zip(mlp.coefs_ + mlp.intercepts_, ref.coefs_ + ref.intercepts_):
        assert_allclose(ours, theirs, rtol=0, atol=1e-15)
    assert_allclose(mlp.predict_proba(X1), ref.predict_proba(X1), rtol=1e-14)
    assert_allclose(mlp.loss_curve_, ref.loss_curve_, rtol=1e-14)


def test_a_network_set_by_hand_saves_as_a_fitted_one(tmp_path):
    mlp = _set_by_hand(ScratchMLPClassifier(**PARAMS))
    mlp.partial_fit(X1, np.array([0]), classes=[0, 1])
    sknetscratch.save(mlp, tmp_path / "mlp.npz")
    loaded = sknetscratch.load(tmp_path / "mlp.npz")
    assert_array_equal(loaded.predict_proba(X1), mlp.predict_proba(X1))
    assert loaded.t_ == 1 and loaded.loss_curve_ == mlp.loss_curve_


def _regression_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)


def _hand_weights(rng, sizes):
    coefs = [rng.normal(size=(a, b)) * 0.5 for a, b in zip(sizes[:-1], sizes[1:])]
    return coefs, [rng.normal(size=b) * 0.1 for b in sizes[1:]]


def test_predict_on_an_unfitted_regressor_uses_the_weights():
    X, _ = _regression_data()
    coefs, intercepts = _hand_weights(np.random.default_rng(2), [3, 4, 1])
    reg = ScratchMLPRegressor(hidden_layer_sizes=(4,), activation="tanh")
    reg.coefs_, reg.intercepts_ = coefs, intercepts
    expected = np.tanh(X @ coefs[0] + intercepts[0]) @ coefs[1] + intercepts[1]
    assert_allclose(reg.predict(X), expected[:, 0], rtol=1e-14)
    assert (reg.n_features_in_, reg.n_outputs_, reg.n_layers_) == (3, 1, 3)
    assert reg.n_iter_ == 0 and reg.t_ == 0 and reg.out_activation_ == "identity"


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_warm_start_fit_from_hand_set_weights_matches_sklearn(solver):
    X, y = _regression_data()
    coefs, intercepts = _hand_weights(np.random.default_rng(3), [3, 5, 1])
    params = dict(
        hidden_layer_sizes=(5,), solver=solver, warm_start=True, max_iter=5,
        random_state=0, learning_rate_init=0.01,
    )  # fmt: skip
    fits = []
    for cls in (ScratchMLPRegressor, MLPRegressor):
        est = cls(**params)
        est.coefs_ = [c.copy() for c in coefs]
        est.intercepts_ = [b.copy() for b in intercepts]
        # what scikit-learn needs to continue (and we default to the same)
        est.n_outputs_, est.n_layers_, est.out_activation_ = 1, 3, "identity"
        est.t_, est.loss_curve_ = 0, []
        est.best_loss_, est._no_improvement_count = np.inf, 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning after 5 epochs
            est.fit(X, y)
        fits.append(est)
    ours, theirs = fits
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=0, atol=1e-12)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    assert ours.t_ == theirs.t_ == 5 * len(X)


def test_weights_assigned_on_a_fitted_estimator_are_trained_on():
    X, y = _regression_data()
    coefs, intercepts = _hand_weights(np.random.default_rng(4), [3, 4, 1])
    fitted = []
    for cls in (ScratchMLPRegressor, MLPRegressor):
        est = cls(hidden_layer_sizes=(4,), solver="sgd", random_state=0)
        est.partial_fit(X, y)
        est.coefs_ = [c.copy() for c in coefs]
        est.intercepts_[1] = intercepts[1].copy()
        est.partial_fit(X, y)
        fitted.append(est)
    ours, theirs = fitted
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=0, atol=1e-12)


def test_classes_set_by_hand_predict():
    rng = np.random.default_rng(5)
    coefs, intercepts = _hand_weights(rng, [3, 4, 3])
    clf = ScratchMLPClassifier(hidden_layer_sizes=(4,), activation="relu")
    clf.coefs_, clf.intercepts_ = coefs, intercepts
    with pytest.raises(NotFittedError, match="needs its classes"):
        clf.predict(X1)
    clf.classes_ = np.array(["a", "b", "c"])
    Z = np.maximum(X1 @ coefs[0] + intercepts[0], 0) @ coefs[1] + intercepts[1]
    assert clf.predict(X1)[0] == "abc"[Z.argmax()]
    assert clf.out_activation_ == "softmax"
    clf.partial_fit(X1, ["b"])  # continues from them
    assert clf.n_iter_ == 1


@pytest.mark.parametrize(
    "assign, match",
    [
        (
            lambda est, c, b: setattr(est, "coefs_", [c[0], c[1].T]),
            r"coefs_\[1\] has shape \(1, 4\), but the network of "
            r"hidden_layer_sizes=\(4,\), 3 features and 4 outputs needs shape \(4, 4\)",
        ),
        (
            lambda est, c, b: est.__dict__.update(coefs_=[c[0], c[1].T], n_outputs_=1),
            r"coefs_\[1\] has shape \(1, 4\), but the network of "
            r"hidden_layer_sizes=\(4,\), 3 features and 1 output needs shape \(4, 1\)",
        ),
        (
            lambda est, c, b: setattr(est, "intercepts_", [b[0][:2], b[1]]),
            r"intercepts_\[0\] has shape \(2,\).*needs shape \(4,\)",
        ),
        (
            lambda est, c, b: setattr(est, "coefs_", c[:1]),
            r"coefs_ must be a list of 2 arrays.*hidden_layer_sizes=\(4,\)",
        ),
        (
            lambda est, c, b: delattr(est, "intercepts_"),
            "coefs_ was set by hand, but intercepts_ was not",
        ),
        (
            lambda est, c, b: setattr(est, "n_features_in_", 5),
            "n_features_in_ was set to 5, but the network has n_features_in_ = 3",
        ),
    ],
)
def test_shapes_that_do_not_fit_are_named(assign, match):
    coefs, intercepts = _hand_weights(np.random.default_rng(6), [3, 4, 1])
    reg = ScratchMLPRegressor(hidden_layer_sizes=(4,))
    reg.coefs_, reg.intercepts_ = coefs, intercepts
    assign(reg, coefs, intercepts)
    with pytest.raises(ValueError, match=match):
        reg.predict(np.zeros((2, 3)))
    assert not hasattr(reg, "model_")


def test_hand_set_weights_against_the_data_in_partial_fit():
    coefs, intercepts = _hand_weights(np.random.default_rng(7), [3, 4, 1])
    reg = ScratchMLPRegressor(hidden_layer_sizes=(4,), solver="sgd")
    reg.coefs_, reg.intercepts_ = coefs, intercepts
    with pytest.raises(ValueError, match=r"coefs_\[0\] has shape \(3, 4\).*4 features"):
        reg.partial_fit(np.zeros((5, 4)), np.zeros(5))
    assert not hasattr(reg, "model_") and reg.coefs_ is coefs  # as it was
    clf = ScratchMLPClassifier(hidden_layer_sizes=(4,), solver="sgd")
    clf.coefs_, clf.intercepts_ = coefs, intercepts
    with pytest.raises(ValueError, match=r"coefs_\[1\] has shape \(4, 1\).*3 outputs"):
        clf.partial_fit(np.zeros((3, 3)), [0, 1, 2], classes=[0, 1, 2])


def test_plain_fit_ignores_hand_set_weights_as_sklearn():
    X, y = _regression_data()
    coefs, intercepts = _hand_weights(np.random.default_rng(8), [3, 4, 1])
    reg = ScratchMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    reg.coefs_, reg.intercepts_ = coefs, intercepts
    fresh = ScratchMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y)
        fresh.fit(X, y)
    assert_allclose(reg.coefs_[0], fresh.coefs_[0], rtol=0, atol=0)
