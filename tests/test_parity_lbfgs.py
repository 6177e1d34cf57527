"""Whole L-BFGS fits follow scikit-learn's to the end.

L-BFGS feeds every gradient into its curvature pairs and its line search
compares losses, so a last-bit difference at the first evaluation grows to
1e-5 in the weights after 100 iterations and changes where the fit stops.
These tests run default fits to ``max_iter=200`` (or to convergence) on small
sets, several alphas, every activation scikit-learn has, every loss and
sample weights, and ask for scikit-learn's ``n_iter_``, loss after each
iteration and weights to 1e-10 (in float64 they agree to the bit). The
curve scikit-learn does not keep for L-BFGS is read from SciPy's callback.
"""

import numpy as np
import pytest
import scipy.optimize
from sklearn.datasets import (
    make_circles,
    make_classification,
    make_moons,
    make_multilabel_classification,
    make_regression,
)
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler

from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _linearly_separable():
    """The third data set of scikit-learn's example ``plot_mlp_alpha``."""
    X, y = make_classification(
        n_features=2,
        n_redundant=0,
        n_informative=2,
        random_state=0,
        n_clusters_per_class=1,
    )
    rng = np.random.RandomState(2)
    X += 2 * rng.uniform(size=X.shape)
    return X, y


def _data(name):
    if name == "moons":
        return make_moons(100, noise=0.3, random_state=0)
    if name == "circles":
        return make_circles(100, noise=0.2, factor=0.5, random_state=1)
    if name == "separable":
        return _linearly_separable()
    if name == "multiclass":
        return make_classification(
            90, n_features=5, n_informative=3, n_classes=3, random_state=0
        )
    if name == "multilabel":
        X, Y = make_multilabel_classification(
            60, n_features=5, n_classes=3, random_state=0
        )
        return X / 4, Y
    X, y = make_regression(80, n_features=4, noise=5.0, random_state=0)
    y = y / 100
    if name == "regression":
        return X, y
    if name == "regression-2":
        return X, np.column_stack([y, y**2])
    if name == "poisson":
        return X, np.random.RandomState(0).poisson(np.exp(0.5 * X[:, 0]))
    raise ValueError(name)


@pytest.fixture
def sklearn_curve(monkeypatch):
    """The loss after each of scikit-learn's L-BFGS iterations (it keeps none):
    SciPy's callback, added where the caller passes none (ours passes one)."""
    curve = []
    minimize = scipy.optimize.minimize

    def recording(*args, **kwargs):
        if kwargs.get("callback") is None:

            def callback(intermediate_result):
                curve.append(float(intermediate_result.fun))

            kwargs["callback"] = callback
        return minimize(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", recording)
    return curve


def _fit_both(name, curve, sample_weight=None, **params):
    X, y = _data(name)
    reg = name.startswith("regression") or name == "poisson"
    ours, ref = (
        (ScratchMLPRegressor, MLPRegressor)
        if reg
        else (ScratchMLPClassifier, MLPClassifier)
    )
    if name == "poisson":
        params["loss"] = "poisson"
    params = {"solver": "lbfgs", "random_state": 1, **params}
    sw = None
    if sample_weight:
        sw = np.random.RandomState(3).uniform(0.2, 3.0, size=len(X))
    curve.clear()
    ref = ref(**params).fit(X, y, sample_weight=sw)
    ref_curve = list(curve)
    ours = ours(**params).fit(X, y, sample_weight=sw)
    return ours, ref, ref_curve, X


def assert_same_fit(ours, ref, ref_curve, X, atol=1e-10):
    assert ours.n_iter_ == ref.n_iter_
    assert len(ours.loss_curve_) == len(ref_curve) == ref.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, ref_curve, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.loss_, ref.loss_, rtol=0, atol=atol)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)
    if hasattr(ref, "predict_proba"):
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("alpha", [1e-4, 0.1, 1.0])
@pytest.mark.parametrize("name", ["moons", "circles", "separable", "regression"])
def test_default_fit_follows_scikit_learn_to_the_end(name, alpha, sklearn_curve):
    ours, ref, ref_curve, X = _fit_both(name, sklearn_curve, alpha=alpha)
    assert ref.n_iter_ >= 40  # long enough for a last-bit difference to grow
    assert_same_fit(ours, ref, ref_curve, X)


@pytest.mark.parametrize("sample_weight", [False, True])
@pytest.mark.parametrize(
    "name", ["moons", "multiclass", "multilabel", "regression-2", "poisson"]
)
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_every_activation_loss_and_weighting_follows_scikit_learn(
    activation, name, sample_weight, sklearn_curve
):
    ours, ref, ref_curve, X = _fit_both(
        name,
        sklearn_curve,
        sample_weight=sample_weight,
        hidden_layer_sizes=(7, 5),
        activation=activation,
        alpha=0.1,
    )
    assert_same_fit(ours, ref, ref_curve, X)


def test_sparse_input_follows_scikit_learn(sklearn_curve):
    from scipy.sparse import csr_matrix

    X, y = _data("multiclass")
    X = csr_matrix(np.where(np.abs(X) > 0.5, X, 0))
    params = {"solver": "lbfgs", "random_state": 0, "hidden_layer_sizes": (10,)}
    ref = MLPClassifier(**params).fit(X, y)
    ref_curve = list(sklearn_curve)
    ours = ScratchMLPClassifier(**params).fit(X, y)
    assert_same_fit(ours, ref, ref_curve, X)


def test_plot_mlp_alpha_gives_scikit_learns_scores():
    """scikit-learn's gallery example ``plot_mlp_alpha`` with our estimator
    swapped in: the 15 test scores (3 data sets x 5 alphas, up to 2000
    iterations each), and the fits behind them, are scikit-learn's."""
    datasets = [
        make_moons(noise=0.3, random_state=0),
        make_circles(noise=0.2, factor=0.5, random_state=1),
        _linearly_separable(),
    ]
    scores = {}
    for cls in (MLPClassifier, ScratchMLPClassifier):
        for d, (X, y) in enumerate(datasets):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.4, random_state=42
            )
            for alpha in np.logspace(-1, 1, 5):
                clf = make_pipeline(
                    StandardScaler(),
                    cls(
                        solver="lbfgs",
                        alpha=alpha,
                        random_state=1,
                        max_iter=2000,
                        early_stopping=True,
                        hidden_layer_sizes=[10, 10],
                    ),
                ).fit(X_train, y_train)
                mlp = clf[-1]
                scores[cls, d, alpha] = (clf.score(X_test, y_test), mlp.n_iter_)
                for a in mlp.coefs_ + mlp.intercepts_:
                    scores[cls, d, alpha] += (a,)
    for (cls, d, alpha), (score, n_iter, *weights) in scores.items():
        if cls is ScratchMLPClassifier:
            ref_score, ref_n_iter, *ref_weights = scores[MLPClassifier, d, alpha]
            assert (score, n_iter) == (ref_score, ref_n_iter), (d, alpha)
            for a, b in zip(weights, ref_weights):
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("sample_weight", [False, True])
@pytest.mark.parametrize("name", ["moons", "multiclass", "multilabel", "poisson"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_sklearn_order_is_the_core_objective(activation, name, sample_weight):
    """The loss and gradient L-BFGS computes in scikit-learn's order are the
    core's ``Model.loss_and_gradient`` (gradient-checked in test_gradcheck)
    up to rounding: the same objective, another order of operations."""
    from sknetscratch.estimators._lbfgs import SklearnObjective

    X, y = _data(name)
    reg = name == "poisson"
    est = (ScratchMLPRegressor if reg else ScratchMLPClassifier)(
        hidden_layer_sizes=(7, 5),
        activation=activation,
        solver="lbfgs",
        alpha=0.3,
        max_iter=3,
        random_state=0,
        **({"loss": "poisson"} if reg else {}),
    ).fit(X, y)
    model = est.model_
    assert SklearnObjective.applies(model)
    if name in ("moons", "multiclass"):  # the label indicator the network fits
        y = LabelBinarizer().fit_transform(y)
    X, Y, _ = model.prepare(X, y)
    sw = None
    if sample_weight:
        sw = np.random.RandomState(3).uniform(0.2, 3.0, size=len(X))
    loss = SklearnObjective(model, X, Y, sw)()
    grads = model.grads.copy()
    core_loss = model.loss_and_gradient(X, Y, sw, training=False)
    np.testing.assert_allclose(loss, core_loss, rtol=1e-12)
    np.testing.assert_allclose(grads, model.grads, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(
    "params",
    [
        {"activation": "gelu"},
        {"activation": ["relu", "elu"]},
        {"l1": 0.01},
        {"loss": "huber"},
        {"loss": "quantile", "quantile": 0.8},
    ],
    ids=["gelu", "per-layer", "l1", "huber", "quantile"],
)
def test_networks_scikit_learn_lacks_train_with_the_core_objective(params):
    """Activations, penalties and losses scikit-learn has not: L-BFGS
    minimises the core's objective (its loss falls, its curve is the core's
    loss at the fitted weights)."""
    from sknetscratch.estimators._lbfgs import SklearnObjective

    X, y = _data("regression")
    est = ScratchMLPRegressor(
        hidden_layer_sizes=(6, 4), solver="lbfgs", random_state=0, **params
    ).fit(X, y)
    assert not SklearnObjective.applies(est.model_)
    assert est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]
    Xp, Yp, _ = est.model_.prepare(X, y)
    final = est.model_.loss_and_gradient(Xp, Yp, training=False)
    np.testing.assert_allclose(est.loss_, final, rtol=1e-12)
