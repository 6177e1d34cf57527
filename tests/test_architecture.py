"""The estimators' architecture parameters: per-layer activations, dropout,
batch norm, initializers, L1, and the learned features."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import (
    Activation,
    BatchNormalization,
    DenseBlock,
    Dropout,
    Model,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    load,
    save,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_per_layer_activations_and_dropout_build_those_layers(iris):
    X, y = iris
    clf = ScratchMLPClassifier(
        (6, 5, 4),
        activation=["tanh", "relu", "gelu"],
        dropout=(0.1, 0.0, 0.3),
        max_iter=3,
        random_state=0,
    ).fit(X, y)
    layers = clf.model_.layers
    assert [type(lay).__name__ for lay in layers] == [
        "DenseBlock",
        "Dropout",
        "DenseBlock",
        "DenseBlock",
        "Dropout",
        "DenseBlock",
    ]
    dense = [lay for lay in layers if isinstance(lay, DenseBlock)]
    assert [d.activation.name for d in dense] == ["tanh", "relu", "gelu", "softmax"]
    assert [lay.rate for lay in layers if isinstance(lay, Dropout)] == [0.1, 0.3]
    assert [c.shape for c in clf.coefs_] == [(4, 6), (6, 5), (5, 4), (4, 3)]
    assert clf.n_layers_ == 5


@pytest.mark.parametrize(
    "params, match",
    [
        ({"activation": ("tanh",)}, "activation has 1 entries, but .* 2 hidden"),
        ({"activation": ("tanh", "nope")}, "activation 'nope' is not one of"),
        ({"dropout": [0.1, 0.2, 0.3]}, "dropout has 3 entries"),
        ({"dropout": [0.1, 1.0]}, r"dropout rates must be numbers in \[0, 1\)"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"kernel_initializer": "nope"}, "'kernel_initializer' parameter"),
        ({"l1": -1.0}, "'l1' parameter"),
        ({"solver": "lbfgs", "dropout": 0.2}, "lbfgs.*does not support dropout"),
        ({"solver": "lbfgs", "batch_norm": True}, "lbfgs.*batch_norm"),
    ],
)
def test_bad_architecture_parameters_are_clear_errors(iris, params, match):
    X, y = iris
    est = ScratchMLPClassifier((5, 4), max_iter=2, **params)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "model_")


def test_dropout_is_the_identity_at_inference(iris):
    X, y = iris
    clf = ScratchMLPClassifier((8,), dropout=0.5, max_iter=20, random_state=0)
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    h = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0)  # no dropout mask
    z = h @ clf.coefs_[1] + clf.intercepts_[1]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(X), e / e.sum(axis=1, keepdims=True))


def test_dropout_is_seeded_and_uses_its_own_stream(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=3)
    a, b = (ScratchMLPClassifier(dropout=0.3, **kw).fit(X, y) for _ in range(2))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    plain = ScratchMLPClassifier(**kw).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), plain.predict_proba(X))
    # the initial weights are drawn first, before dropout's stream: the same
    # as without dropout (a learning rate of ~0 keeps them)
    tiny = dict(kw, max_iter=1, learning_rate_init=1e-300)
    first = ScratchMLPClassifier(dropout=0.3, **tiny).fit(X, y)
    ref = ScratchMLPClassifier(**tiny).fit(X, y)
    for a_, b_ in zip(first.coefs_, ref.coefs_):
        np.testing.assert_array_equal(a_, b_)


def test_dropout_narrows_the_train_test_gap():
    """A wide network overfits a small noisy problem; dropout narrows the gap
    between its training and held-out log-loss."""
    from sklearn.metrics import log_loss

    X, y = make_classification(
        n_samples=300, n_features=20, n_informative=4, flip_y=0.15, random_state=0
    )
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
    gaps = {}
    for rate in (0.0, 0.5):
        clf = make_pipeline(
            StandardScaler(),
            ScratchMLPClassifier(
                (256,),
                dropout=rate,
                alpha=0.0,
                max_iter=200,
                n_iter_no_change=1000,
                learning_rate_init=0.003,
                random_state=0,
            ),
        ).fit(Xtr, ytr)
        gaps[rate] = log_loss(yte, clf.predict_proba(Xte)) - log_loss(
            ytr, clf.predict_proba(Xtr)
        )
    assert gaps[0.5] < gaps[0.0] - 0.2, gaps


@pytest.mark.parametrize(
    "scheme, act, bound",
    [
        ("auto", "relu", lambda n_in, n_out: np.sqrt(6 / n_in)),  # He uniform
        ("auto", "tanh", lambda n_in, n_out: np.sqrt(6 / (n_in + n_out))),  # Glorot
        ("he_uniform", "tanh", lambda n_in, n_out: np.sqrt(6 / n_in)),
        ("lecun_uniform", "relu", lambda n_in, n_out: np.sqrt(3 / n_in)),
    ],
)
def test_kernel_initializer(iris, scheme, act, bound):
    X, y = iris
    clf = ScratchMLPClassifier(
        (300,), activation=act, kernel_initializer=scheme, max_iter=1,
        learning_rate_init=1e-12, random_state=0,
    ).fit(X, y)  # fmt: skip
    W, b = clf.coefs_[0], clf.intercepts_[0]
    limit = bound(*W.shape)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.9 * limit
    assert np.abs(b).max() < 1e-9  # zero biases, as Keras (moved by one tiny step)


def test_kernel_initializer_normal_scale(iris):
    X, y = iris
    clf = ScratchMLPClassifier(
        (2000,), kernel_initializer="lecun_normal", max_iter=1,
        learning_rate_init=1e-12, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert clf.coefs_[0].std() == pytest.approx(np.sqrt(1 / 4), rel=0.05)


def test_l1_makes_weights_sparser(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(32,), max_iter=300, random_state=0)
    plain = ScratchMLPClassifier(**kw).fit(X, y)
    l1 = ScratchMLPClassifier(l1=1.0, **kw).fit(X, y)
    W0, W1 = plain.coefs_[0], l1.coefs_[0]
    assert np.abs(W1).sum() < 0.8 * np.abs(W0).sum()
    assert np.mean(np.abs(W1) < 1e-2) > np.mean(np.abs(W0) < 1e-2) + 0.1
    assert l1.score(X, y) > 0.9


def test_hidden_representation(iris):
    X, y = iris
    clf = ScratchMLPClassifier(
        (6, 4), activation=("tanh", "relu"), dropout=0.2, max_iter=20, random_state=0
    ).fit(X, y)
    h0 = np.tanh(X @ clf.coefs_[0] + clf.intercepts_[0])
    h1 = np.maximum(h0 @ clf.coefs_[1] + clf.intercepts_[1], 0)
    np.testing.assert_allclose(clf.hidden_representation(X, 0), h0, rtol=1e-12)
    np.testing.assert_allclose(clf.hidden_representation(X), h1, rtol=1e-12)
    np.testing.assert_array_equal(clf.hidden_representation(X, -2), h0)
    for bad in (2, -3, 1.0, True):
        with pytest.raises(ValueError, match="layer must be an int from -2 to 1"):
            clf.hidden_representation(X, bad)
    with pytest.raises(ValueError, match="features"):
        clf.hidden_representation(X[:, :3])
    assert not hasattr(clf, "transform")  # stays a classifier to scikit-learn


def test_warm_start_refuses_another_architecture(iris):
    X, y = iris
    clf = ScratchMLPClassifier((5,), dropout=0.1, max_iter=3, warm_start=True)
    clf.fit(X, y)
    for change in ({"dropout": 0.2}, {"activation": ["tanh"]}, {"batch_norm": True}):
        with pytest.raises(ValueError, match="changed since the last fit"):
            clf.set_params(**change).fit(X, y)
        clf.set_params(dropout=0.1, activation="relu", batch_norm=False)
    clf.set_params(l1=1e-3, kernel_initializer="auto").fit(X, y)  # fine: no new layers


@pytest.mark.parametrize("cls", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_architecture_survives_save_and_load(tmp_path, iris, cls):
    X, y = iris
    est = cls(
        hidden_layer_sizes=(6, 4), activation=("tanh", "relu"), dropout=(0.2, 0.0), l1=1e-3,
        kernel_initializer="glorot_normal", max_iter=5, random_state=0,
    ).fit(X, y)  # fmt: skip
    save(est, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert loaded.get_params() == est.get_params()
    out = "predict_proba" if cls is ScratchMLPClassifier else "predict"
    np.testing.assert_array_equal(getattr(loaded, out)(X), getattr(est, out)(X))
    assert loaded.model_.l1 == 1e-3
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(est.model_.params, loaded.model_.params)


def test_grid_search_over_activation_lists_dropout_and_l1(iris):
    X, y = iris
    grid = GridSearchCV(
        ScratchMLPClassifier((8, 4), max_iter=30, random_state=0),
        {
            "activation": [("tanh", "relu"), ["relu", "relu"], "logistic"],
            "dropout": [0.0, (0.2, 0.1)],
            "l1": [0.0, 1e-3],
        },
        cv=3,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 12
    assert (
        grid.best_estimator_.get_params()["activation"]
        == grid.best_params_["activation"]
    )


def test_batch_norm_blocks_and_parameter_counts(iris, capsys):
    X, y = iris
    clf = ScratchMLPClassifier((6, 5), batch_norm=True, dropout=0.1, max_iter=3)
    clf.fit(X, y)
    names = [type(lay).__name__ for lay in clf.model_.layers]
    block = ["DenseBlock", "BatchNormalization", "Activation", "Dropout"]
    assert names == block * 2 + ["DenseBlock"]
    clf.summary()
    out = capsys.readouterr().out
    # Keras' counts: batch norm has 4 x units, 2 x units of them non-trainable
    # (plus the step count of its debiased statistics); the dense layers before
    # a batch norm have no bias (it would get gradient 0)
    trainable = 4 * 6 + 2 * 6 + 6 * 5 + 2 * 5 + (5 * 3 + 3)
    assert f"Trainable params: {trainable:,} " in out
    assert f"Non-trainable params: {2 * 6 + 1 + 2 * 5 + 1} " in out
    assert [lay.use_bias for lay in clf.model_.layers[::4]] == [False, False, True]
    # intercepts_ stays aligned with coefs_: zeros (read-only) where there is no bias
    assert [b.shape for b in clf.intercepts_] == [(6,), (5,), (3,)]
    assert not clf.intercepts_[0].any() and not clf.intercepts_[0].flags.writeable
    # inference uses the moving statistics: predictions are row-independent
    np.testing.assert_allclose(clf.predict_proba(X[:1]), clf.predict_proba(X)[:1])


def test_batch_norm_trains_a_deep_sigmoid_network():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(1000, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)  # XOR quadrants
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
    scores = {}
    for bn in (False, True):
        clf = ScratchMLPClassifier(
            (16,) * 8,
            activation="logistic",
            batch_norm=bn,
            solver="sgd",
            learning_rate_init=0.1,
            batch_size=32,
            max_iter=40,
            random_state=0,
        )
        scores[bn] = clf.fit(Xtr, ytr).score(Xte, yte)
    assert scores[False] < 0.6 < 0.85 < scores[True], scores  # chance vs trained


def test_partial_fit_checks_the_architecture_on_every_call(iris):
    """A call with the same network passes (the check remembers it), a changed
    one is refused, and changing back passes again."""
    X, y = iris
    clf = ScratchMLPClassifier((5, 4), random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y))
    clf.partial_fit(X, y)
    for change, back in (
        ({"activation": "tanh"}, {"activation": "relu"}),
        ({"hidden_layer_sizes": (5, 3)}, {"hidden_layer_sizes": (5, 4)}),
        ({"dropout": (0.0, 0.2)}, {"dropout": 0.0}),
    ):
        clf.set_params(**change)
        with pytest.raises(ValueError, match="changed since the last fit"):
            clf.partial_fit(X, y)
        clf.set_params(**back)
        clf.partial_fit(X, y)


def test_warm_start_refuses_switching_batch_norm(iris):
    X, y = iris
    clf = ScratchMLPClassifier((5,), max_iter=3, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="changed since the last fit"):
        clf.set_params(batch_norm=True).fit(X, y)


def test_grid_search_over_batch_norm_and_dropout(iris):
    X, y = iris
    grid = GridSearchCV(
        ScratchMLPClassifier((8,), max_iter=20, random_state=0),
        {"batch_norm": [False, True], "dropout": [0.0, 0.2]},
        cv=3,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_an_architecture_exports_to_onnx(iris):
    ort = pytest.importorskip("onnxruntime")
    from sknetscratch import to_onnx

    X, y = iris
    clf = ScratchMLPClassifier(
        (6, 4), activation=("tanh", "gelu"), batch_norm=True, dropout=0.2,
        max_iter=20, random_state=0,
    ).fit(X, y)  # fmt: skip
    onx = to_onnx(clf, X[:1])
    sess = ort.InferenceSession(onx.SerializeToString())
    label, proba = sess.run(None, {sess.get_inputs()[0].name: X})
    np.testing.assert_array_equal(label, clf.predict(X))
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-9, atol=1e-12)


def _with_the_old_bias(clf):
    """``clf`` (batch_norm=True, one hidden layer) as earlier versions built it:
    the dense layer before the batch norm with a bias, here a nonzero one."""
    new = clf.model_
    old = Model(
        [DenseBlock(6, "linear"), BatchNormalization(), Activation("relu"),
         DenseBlock(3, "softmax")],
        name=new.name,
    ).compile(optimizer=None, loss=new.loss, alpha=new.alpha)  # fmt: skip
    old.build(new.layers[0].W.shape[0], random_state=0)
    for lay_old, lay_new in zip(old.layers, new.layers):
        for k, v in [*lay_new.params.items(), *lay_new.state.items()]:
            if k == "steps":  # earlier versions kept Keras' moving statistics
                continue
            (lay_old.params if k in lay_old.params else lay_old.state)[k][...] = v
    old.layers[0].b[...] = 0.5
    old.layers[1].state["moving_mean"][...] += 0.5  # the same predictions
    old.optimizer = new.optimizer
    clf.model_ = old
    clf.coefs_ = [lay.W for lay in old.layers[::3]]
    clf.intercepts_ = [lay.b for lay in old.layers[::3]]
    return clf


def test_a_network_with_the_old_bias_before_batch_norm_loads_and_trains(iris, tmp_path):
    X, y = iris
    clf = ScratchMLPClassifier((6,), batch_norm=True, max_iter=3, random_state=0)
    before = clf.fit(X, y).predict_proba(X)
    clf = _with_the_old_bias(clf)
    np.testing.assert_allclose(clf.predict_proba(X), before, rtol=1e-10)
    save(clf, tmp_path / "old.npz")
    loaded = load(tmp_path / "old.npz")
    assert loaded.model_.layers[0].use_bias
    np.testing.assert_array_equal(loaded.intercepts_[0], np.full(6, 0.5))
    assert np.shares_memory(loaded.intercepts_[0], loaded.model_.params)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    weights = loaded.model_.params.copy()
    loaded.set_params(warm_start=True).fit(X, y)  # the same network: it trains on
    assert (loaded.model_.params != weights).any()
    assert loaded.n_iter_ == 3 and len(loaded.loss_curve_) == 6
    loaded.partial_fit(X, y)
    assert loaded.n_iter_ == 1 and len(loaded.loss_curve_) == 7


def test_intercepts_of_a_layer_without_bias_accept_zeros_only(iris):
    X, y = iris
    clf = ScratchMLPClassifier((6,), batch_norm=True, max_iter=2, random_state=0)
    before = clf.fit(X, y).predict_proba(X)
    with pytest.raises(ValueError, match="read-only"):
        clf.intercepts_[0][0] = 1.0
    clf.intercepts_[0] = np.zeros(6)  # zeros are what it holds: accepted
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    clf.intercepts_[0] = np.ones(6)
    with pytest.raises(ValueError, match=r"intercepts_\[0\] must be zeros"):
        clf.predict(X)
