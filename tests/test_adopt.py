"""adopt_model: a core Model wrapped into a fitted estimator."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from sknetscratch import (
    SGD,
    Activation,
    Adam,
    BatchNormalization,
    DenseBlock,
    Dropout,
    LayerNormalization,
    Model,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)
from sknetscratch.estimators import adopt_model

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))


def _model(*layers, n_features=3, dtype=np.float64):
    return Model(list(layers)).build(n_features, random_state=0, dtype=dtype)


@pytest.mark.parametrize(
    "classes, multilabel, out, width, expected",
    [
        ([0, 1], False, "sigmoid", 1, ScratchMLPClassifier),
        (["a", "b", "c"], False, "softmax", 3, ScratchMLPClassifier),
        (None, True, "sigmoid", 4, ScratchMLPClassifier),
        (None, False, "linear", 2, ScratchMLPRegressor),
    ],
)
def test_adopted_estimator_predicts_as_the_model(
    classes, multilabel, out, width, expected
):
    model = _model(DenseBlock(5, "tanh"), DenseBlock(4, "relu"), DenseBlock(width, out))
    est = adopt_model(model, classes=classes, multilabel=multilabel, random_state=0)
    assert type(est) is expected
    assert est.hidden_layer_sizes == (5, 4) and est.activation == ["tanh", "relu"]
    assert est.n_features_in_ == 3 and est.n_outputs_ == width and est.n_layers_ == 4
    assert est.n_iter_ == 0 and est.t_ == 0 and est.loss_curve_ == []
    reference = model.predict(X)
    if expected is ScratchMLPRegressor:
        np.testing.assert_allclose(est.predict(X), reference, rtol=1e-14)
    elif multilabel:
        np.testing.assert_allclose(est.predict_proba(X), reference, rtol=1e-14)
        np.testing.assert_array_equal(est.predict(X), (reference > 0.5).astype(int))
    elif width == 1:
        np.testing.assert_allclose(
            est.predict_proba(X)[:, 1], reference[:, 0], rtol=1e-14
        )
    else:
        np.testing.assert_allclose(est.predict_proba(X), reference, rtol=1e-14)
        assert set(est.predict(X)) <= set(classes)
    # the model is copied, not shared: training the estimator leaves it as it was
    before = model.params.copy()
    Y = np.random.default_rng(1).normal(size=(len(X), width))
    if expected is ScratchMLPRegressor:
        y = Y
    else:
        y = (Y > 0).astype(int) if multilabel else np.resize(classes, len(X))
    est.partial_fit(X, y)
    np.testing.assert_array_equal(model.params, before)
    assert est.n_iter_ == 1 and est.t_ == len(X)


def test_later_fit_builds_the_same_architecture():
    model = _model(
        DenseBlock(6),
        BatchNormalization(),
        Activation("relu"),
        Dropout(0.25),
        DenseBlock(3, "softmax"),
    )
    est = adopt_model(model, classes=[0, 1, 2], random_state=0)
    assert est.batch_norm is True and est.dropout == 0.25 and est.activation == "relu"
    y = np.arange(len(X)) % 3
    refit = clone(est).set_params(max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning after 2 epochs
        refit.fit(X, y)
    shapes = lambda m: [p.shape for p in m.get_weights()]  # noqa: E731
    assert shapes(refit.model_) == shapes(est.model_)
    est.set_params(warm_start=True, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)  # the same network: a warm start continues
    assert est.n_iter_ == 2


def test_batch_norm_statistics_and_settings_are_kept():
    model = _model(
        DenseBlock(4),
        BatchNormalization(momentum=0.8, epsilon=1e-5),
        Activation("tanh"),
        DenseBlock(1),
    )
    model.compile(optimizer="sgd", loss="squared_error")
    model.fit(X, X[:, :1], epochs=2, batch_size=10, random_state=0, verbose=0)
    model.layers[0].b[...] = [0.3, -0.2, 0.1, 2.0]  # folded into the moving mean
    est = adopt_model(model)
    assert est.model_.layers[0].b is None  # as the estimator builds it
    np.testing.assert_allclose(est.predict(X), model.predict(X)[:, 0], rtol=1e-13)
    norm = est.model_.layers[1]
    assert (norm.momentum, norm.epsilon) == (0.8, 1e-5)
    est.partial_fit(X, X[:, 0])  # trains on


def test_optimizer_state_is_carried_when_it_is_the_solvers():
    model = _model(DenseBlock(4, "relu"), DenseBlock(1))
    model.compile(optimizer=Adam(learning_rate=0.01), loss="squared_error")
    model.fit(X, X[:, :1], epochs=2, batch_size=10, random_state=0, verbose=0)
    est = adopt_model(model, learning_rate_init=0.01)
    opt = est.model_.optimizer
    assert type(opt) is Adam and opt.iterations == model.optimizer.iterations
    np.testing.assert_array_equal(opt.m, model.optimizer.m)
    assert opt.m is not model.optimizer.m
    # another solver (or other settings): the first partial_fit starts afresh
    assert adopt_model(model, solver="sgd").model_.optimizer is None
    assert adopt_model(model, beta_1=0.5).model_.optimizer is None
    model.optimizer = SGD(0.1, momentum=0.5, nesterov=True)
    assert adopt_model(model, solver="sgd").model_.optimizer is None
    # momentum 0.9 and nesterov are the estimator's defaults; the rate may differ
    model.optimizer = SGD(0.1, momentum=0.9, nesterov=True)
    model.optimizer.build(model.params)
    carried = adopt_model(model, solver="sgd", learning_rate_init=0.5).model_.optimizer
    assert type(carried) is SGD and carried.learning_rate == 0.1


@pytest.mark.parametrize(
    "layers, match",
    [
        (
            (DenseBlock(4, "relu"), LayerNormalization(), DenseBlock(1)),
            "LayerNormalization",
        ),
        ((DenseBlock(4, "relu"), BatchNormalization(), DenseBlock(1)), "batch norm"),
        ((DenseBlock(4, "relu"), Activation("tanh"), DenseBlock(1)), "one activation"),
        ((DenseBlock(4, use_bias=False), DenseBlock(1)), "no bias"),
        ((DenseBlock(4, "relu"), DenseBlock(1), Dropout(0.5)), "follows the output"),
        ((Dropout(0.5), DenseBlock(4, "relu"), DenseBlock(1)), "Dropout"),
        (
            (
                DenseBlock(4),
                BatchNormalization(),
                Activation("relu"),
                DenseBlock(4, "relu"),
                DenseBlock(1),
            ),
            "batch_norm is one setting",
        ),
    ],
)
def test_networks_the_estimators_cannot_express_are_refused(layers, match):
    with pytest.raises(ValueError, match=match):
        adopt_model(_model(*layers))


def test_output_must_fit_the_task():
    softmax3 = _model(DenseBlock(4, "relu"), DenseBlock(3, "softmax"))
    with pytest.raises(ValueError, match="2 binary classes need 1 with 'logistic'"):
        adopt_model(softmax3, classes=[0, 1])
    with pytest.raises(ValueError, match="output activation 'identity'"):
        adopt_model(softmax3)
    with pytest.raises(ValueError, match="sorted order"):
        adopt_model(softmax3, classes=["c", "b", "a"])
    with pytest.raises(ValueError, match="hidden_layer_sizes=.5,. was given"):
        adopt_model(softmax3, classes=[0, 1, 2], hidden_layer_sizes=(5,))
    with pytest.raises(TypeError, match="model must be a sknetscratch.Model"):
        adopt_model("model")
    poisson = adopt_model(_model(DenseBlock(4, "relu"), DenseBlock(1, "exp")))
    assert poisson.loss == "poisson" and poisson.out_activation_ == "exp"


def test_fitted_counters_are_carried():
    model = _model(DenseBlock(4, "relu"), DenseBlock(1))
    est = adopt_model(
        model,
        fitted={"n_iter_": 7, "t_": 280, "loss_curve_": [1.0, 0.5], "best_loss_": 0.5},
    )
    assert (est.n_iter_, est.t_, est.best_loss_) == (7, 280, 0.5)
    assert est.loss_curve_ == [1.0, 0.5] and est.history_["loss"] is est.loss_curve_
    est.partial_fit(X, X[:, 0])
    assert est.t_ == 320 and len(est.loss_curve_) == 3


def test_a_network_without_hidden_layers():
    model = _model(DenseBlock(2, "linear"))
    est = adopt_model(model, solver="sgd")
    assert est.hidden_layer_sizes == () and est.activation == "relu"  # the default
    np.testing.assert_allclose(est.predict(X), model.predict(X), rtol=1e-14)
    est.partial_fit(X, X[:, :2])
