"""Tests of :mod:`sknetscratch.io.persistence`: safe save/load without pickle."""

from __future__ import annotations

import copy
import io
import json
import math
import os
import pickle
import re
import shlex
import sys
import tracemalloc
import zipfile

import joblib
import numpy as np
import pytest

from sknetscratch import (
    DenseBlock,
    Dropout,
    Layer,
    Model,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    __version__,
)
from sknetscratch.io.persistence import (
    FORMAT_MARKER,
    FORMAT_VERSION,
    _archive,
    _document,
    load,
    save,
)
from sknetscratch.nn.activations import ELU, LeakyReLU, ReLU
from sknetscratch.nn.losses import AbsoluteError, Huber, Quantile, SquaredError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

META = "__sknetscratch_meta__"


# ----------------------------------------------------------------------------- helpers
def _data(n=60, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, rng


def assert_same(a, b, where="obj"):
    """Recursive equality of values, including their exact types and dtypes."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), where
    elif isinstance(a, Model):
        assert_same_model(a, b, where)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, (float, np.floating)) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_same_model(a, b, where="model"):
    for key in ("name", "input_dim", "dtype", "alpha", "stop_training", "built"):
        assert_same(getattr(a, key), getattr(b, key), f"{where}.{key}")
    assert len(a.layers) == len(b.layers)
    for i, (la, lb) in enumerate(zip(a.layers, b.layers)):
        assert type(la) is type(lb)
        assert la.get_config() == lb.get_config()
        assert la.input_dim == lb.input_dim
        if isinstance(la, DenseBlock):
            assert la.activation == lb.activation  # compares parameters too
        assert list(la.params) == list(lb.params)
        for k in la.params:
            assert_same(la.params[k], lb.params[k], f"{where}.layers[{i}].{k}")
        assert list(la.state) == list(lb.state)
        for k in la.state:
            assert_same(la.state[k], lb.state[k], f"{where}.layers[{i}].state.{k}")
    assert type(a.loss) is type(b.loss)
    assert a.loss == b.loss  # compares the loss's parameters too (Huber's delta)
    assert type(a.optimizer) is type(b.optimizer)
    if a.optimizer is not None:
        va, vb = vars(a.optimizer), vars(b.optimizer)
        assert va.keys() == vb.keys()
        for k in va:
            assert_same(va[k], vb[k], f"{where}.optimizer.{k}")
    if a.built:
        assert_same(a.params, b.params, f"{where}.params")
        for la, lb in zip(a.layers, b.layers):  # layers still view the flat vector
            for k in la.params:
                assert np.shares_memory(lb.params[k], b.params)


def assert_same_estimator(a, b):
    """Bit-identical state, except the wall-clock seconds in ``history_``."""
    assert type(a) is type(b)
    assert vars(a).keys() == vars(b).keys()
    for k in vars(a):
        va, vb = getattr(a, k), getattr(b, k)
        if k == "history_":
            assert va.keys() == vb.keys()
            assert len(va.get("seconds", [])) == len(vb.get("seconds", []))
            va = {key: v for key, v in va.items() if key != "seconds"}
            vb = {key: v for key, v in vb.items() if key != "seconds"}
        assert_same(va, vb, k)


def roundtrip(obj, tmp_path, name="obj.npz"):
    path = tmp_path / name
    save(obj, path)
    return load(path)


def _rewrite(path, mutate_doc=None, mutate_arrays=None):
    """Rewrite a saved file with a modified JSON document and/or arrays."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    doc = json.loads(arrays.pop(META).tobytes())
    if mutate_doc is not None:
        mutate_doc(doc)
    if mutate_arrays is not None:
        mutate_arrays(arrays)
    arrays[META] = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


# ----------------------------------------------------------------------------- estimators
def _classification_cases():
    X, rng = _data()
    y_bin = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    y_multi = np.digitize(X[:, 0], [-0.5, 0.5])
    y_multilabel = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0.5]).astype(
        int
    )
    y_str = np.array(["cat", "dog", "eel"])[y_multi]
    small = dict(hidden_layer_sizes=(5,), max_iter=4, random_state=0)
    return {
        "binary-adam": (ScratchMLPClassifier(**small), X, y_bin),
        "multiclass-sgd-momentum": (
            ScratchMLPClassifier(
                solver="sgd", learning_rate_init=0.05, activation="tanh", **small
            ),
            X,
            y_multi,
        ),
        "multilabel": (ScratchMLPClassifier(**small), X, y_multilabel),
        "string-labels": (ScratchMLPClassifier(**small), X, y_str),
        "object-string-labels": (
            ScratchMLPClassifier(**small),
            X,
            y_str.astype(object),
        ),
        "float32": (
            ScratchMLPClassifier(activation="elu", **small),
            X.astype(np.float32),
            y_multi,
        ),
        "lbfgs": (
            ScratchMLPClassifier(solver="lbfgs", hidden_layer_sizes=[4, 3], max_iter=5),
            X,
            y_bin,
        ),
        "early-stopping": (
            ScratchMLPClassifier(
                early_stopping=True,
                validation_fraction=0.2,
                n_iter_no_change=2,
                **small,
            ),
            X,
            y_multi,
        ),
        "leaky-relu-invscaling": (
            ScratchMLPClassifier(
                activation="leaky_relu",
                solver="sgd",
                learning_rate="invscaling",
                nesterovs_momentum=False,
                **small,
            ),
            X,
            y_bin,
        ),
    }


def _regression_cases():
    X, rng = _data(seed=1)
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=len(X))
    Y = np.column_stack([y, X[:, 1] ** 2])
    counts = rng.poisson(np.exp(0.3 * X[:, 0])).astype(float)
    small = dict(hidden_layer_sizes=(6,), max_iter=4, random_state=0)
    return {
        "single-output": (ScratchMLPRegressor(**small), X, y),
        "multi-output": (ScratchMLPRegressor(solver="sgd", **small), X, Y),
        "poisson": (ScratchMLPRegressor(loss="poisson", **small), X, counts),
        "huber": (ScratchMLPRegressor(loss="huber", huber_delta=2.5, **small), X, y),
        "quantile": (ScratchMLPRegressor(loss="quantile", quantile=0.9, **small), X, Y),
        "absolute_error": (ScratchMLPRegressor(loss="absolute_error", **small), X, y),
        "regressor-lbfgs-float32": (
            ScratchMLPRegressor(solver="lbfgs", hidden_layer_sizes=(3,), max_iter=5),
            X.astype(np.float32),
            y,
        ),
        "regressor-early-stopping": (
            ScratchMLPRegressor(early_stopping=True, validation_fraction=0.2, **small),
            X,
            y,
        ),
    }


CASES = {**_classification_cases(), **_regression_cases()}


def _outputs(est, X):
    out = [est.predict(X)]
    if hasattr(est, "predict_proba"):
        out.append(est.predict_proba(X))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_estimator_roundtrip_and_continued_training(case, tmp_path):
    template, X, y = CASES[case]
    est = copy.deepcopy(template).fit(X, y)
    original = copy.deepcopy(est)  # what continued training should match
    loaded = roundtrip(est, tmp_path)

    assert_same_estimator(est, loaded)
    assert isinstance(
        loaded.get_params()["hidden_layer_sizes"], type(est.hidden_layer_sizes)
    )
    for a, b in zip(_outputs(est, X), _outputs(loaded, X)):
        assert a.dtype == b.dtype
        assert np.array_equal(a, b)

    # warm-start fit: the same result from the loaded and the original estimator
    for e in (original, loaded):
        e.set_params(warm_start=True, max_iter=2)
        e.fit(X, y)
    assert_same_estimator(original, loaded)

    # partial_fit continues with the saved optimizer state (Adam moments, SGD velocity)
    if est.solver != "lbfgs" and not est.early_stopping:
        loaded2 = load(tmp_path / "obj.npz")
        original2 = copy.deepcopy(est)
        for e in (original2, loaded2):
            e.partial_fit(X, y)
        assert_same_estimator(original2, loaded2)
        assert loaded2.model_.optimizer.iterations > est.model_.optimizer.iterations


def test_roundtrip_types_of_special_attributes(tmp_path):
    template, X, y = CASES["early-stopping"]
    est = copy.deepcopy(template).fit(X, y)
    loaded = roundtrip(est, tmp_path)
    assert isinstance(loaded.validation_scores_, list)
    assert est.best_loss_ is None and loaded.best_loss_ is None  # as scikit-learn
    assert loaded.best_validation_score_ == est.best_validation_score_
    est.best_loss_ = np.inf
    assert roundtrip(est, tmp_path).best_loss_ == np.inf  # inf survives JSON
    assert isinstance(loaded.hidden_layer_sizes, tuple)

    template, X, y = CASES["lbfgs"]
    est = copy.deepcopy(template).fit(X, y)
    loaded = roundtrip(est, tmp_path)
    assert isinstance(loaded.hidden_layer_sizes, list)  # a list stays a list
    assert loaded.model_.optimizer is None


def test_class_weight_dict_roundtrip(tmp_path):
    X, _ = _data()
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1)]
    weights = {"a": 2.0, "b": 0.5, "c": 1}
    est = ScratchMLPClassifier((4,), max_iter=3, random_state=0, class_weight=weights)
    loaded = roundtrip(est.fit(X, y), tmp_path)
    assert loaded.class_weight == weights
    assert [type(v) for v in loaded.class_weight.values()] == [float, float, int]
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_string_classes_dtypes(tmp_path):
    for case, kind in [("string-labels", "U"), ("object-string-labels", "O")]:
        template, X, y = CASES[case]
        est = copy.deepcopy(template).fit(X, y)
        assert est.classes_.dtype.kind == kind
        loaded = roundtrip(est, tmp_path)
        assert loaded.classes_.dtype == est.classes_.dtype
        pred = loaded.predict(X)
        assert pred.dtype == est.predict(X).dtype
        assert np.array_equal(pred, est.predict(X))


def test_pandas_feature_names(tmp_path):
    pd = pytest.importorskip("pandas")
    X, _ = _data()
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    y = (X[:, 0] > 0).astype(int)
    est = ScratchMLPClassifier((4,), max_iter=3, random_state=0).fit(df, y)
    loaded = roundtrip(est, tmp_path)
    assert loaded.feature_names_in_.dtype == object
    assert_same(est.feature_names_in_, loaded.feature_names_in_)
    assert np.array_equal(est.predict_proba(df), loaded.predict_proba(df))
    original = copy.deepcopy(est)
    for e in (original, loaded):
        e.partial_fit(df, y)
    assert_same_estimator(original, loaded)
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(df.rename(columns={"a": "z"}))


def test_unfitted_estimator_roundtrip(tmp_path):
    est = ScratchMLPRegressor(hidden_layer_sizes=(3, 2), random_state=np.int64(7))
    loaded = roundtrip(est, tmp_path)
    assert_same_estimator(est, loaded)
    assert type(loaded.random_state) is np.int64


def test_np_float_learning_rate_keeps_type(tmp_path):
    # NumPy scalars keep their type, so float32 arithmetic stays identical
    X, _ = _data()
    X = X.astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    est = ScratchMLPClassifier(
        (3,),
        solver="sgd",
        learning_rate_init=np.float64(0.1),
        max_iter=2,
        random_state=0,
    ).fit(X, y)
    est.model_.optimizer.learning_rate = np.float32(0.05)
    loaded = roundtrip(est, tmp_path)
    assert type(loaded.learning_rate_init) is np.float64
    assert type(loaded.model_.optimizer.learning_rate) is np.float32
    original = copy.deepcopy(est)
    for e in (original, loaded):
        e.partial_fit(X, y)
    assert_same_estimator(original, loaded)


# ----------------------------------------------------------------------------- core Model
def _core_model(optimizer="adam", dtype=np.float64):
    model = Model(input_dim=4, name="net")
    model.add(DenseBlock(6, "relu"))
    model.add(Dropout(0.25))
    model.add(DenseBlock(5, LeakyReLU(0.2), kernel_initializer="he_normal"))
    model.add(DenseBlock(4, ELU(alpha=0.5), use_bias=False))
    model.add(DenseBlock(1, "sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer=optimizer, alpha=0.01)
    X, _ = _data()
    X = X.astype(dtype)
    y = (X[:, 0] > 0).astype(dtype)
    return model, X, y


@pytest.mark.parametrize(
    "optimizer, dtype",
    [("adam", np.float64), ("sgd", np.float32), (None, np.float64)],
)
def test_model_roundtrip_and_continued_training(optimizer, dtype, tmp_path):
    from sknetscratch.optim import SGD

    opt = SGD(0.05, momentum=0.9, nesterov=True) if optimizer == "sgd" else optimizer
    model, X, y = _core_model("adam" if opt is None else opt, dtype)
    model.fit(X, y, batch_size=16, epochs=2, random_state=0)
    if opt is None:
        model.optimizer = None  # compiled for gradients only
    original = copy.deepcopy(model)
    loaded = roundtrip(model, tmp_path)

    assert_same_model(model, loaded)
    assert loaded.layers[2].activation.negative_slope == 0.2
    assert loaded.layers[3].activation.alpha == 0.5
    assert np.array_equal(model.predict(X), loaded.predict(X))
    assert np.array_equal(model.predict_logits(X), loaded.predict_logits(X))
    if opt is None:
        Y = y.reshape(-1, 1)  # loss_and_gradient takes 2-D targets
        original.loss_and_gradient(X, Y, training=False)
        loaded.loss_and_gradient(X, Y, training=False)
        assert np.array_equal(original.grads, loaded.grads)
        return
    assert model.evaluate(X, y) == loaded.evaluate(X, y)
    for m in (original, loaded):  # dropout masks and shuffling from the same seed
        m.fit(X, y, batch_size=16, epochs=2, random_state=1)
    assert_same_model(original, loaded)


# ----------------------------------------------------------------------------- losses
def _regression_model(loss):
    model = Model([DenseBlock(5, "tanh"), DenseBlock(2, "linear")], name="reg")
    model.compile(loss=loss, optimizer="adam")
    X, rng = _data(seed=3)
    Y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2] ** 2]) + rng.normal(size=(60, 2))
    return model, X, Y


def _loss_doc(path):
    with np.load(path, allow_pickle=False) as npz:
        doc = json.loads(npz[META].tobytes())
    content = doc["content"]
    return content["model"] if content["type"] == "model" else _model_doc(doc)


@pytest.mark.parametrize(
    "loss, config",
    [
        (Huber(delta=2.5), {"delta": 2.5}),
        (Quantile(quantile=0.9), {"quantile": 0.9}),
        (AbsoluteError(), None),
        (SquaredError(), None),
    ],
)
def test_model_loss_with_parameters_roundtrip(loss, config, tmp_path):
    model, X, Y = _regression_model(loss)
    model.fit(X, Y, batch_size=16, epochs=2, random_state=0)
    original = copy.deepcopy(model)
    path = tmp_path / "m.npz"
    save(model, path)
    doc = _loss_doc(path)
    assert doc["loss"] == loss.name
    if config is None:  # no parameters: the file is as before (format version 2)
        assert "loss_config" not in doc
    else:
        saved = {k: v["value"] for k, v in doc["loss_config"].items()}
        assert saved == config
    loaded = load(path)
    assert loaded.loss == loss and loaded.loss is not loss
    assert loaded.loss.get_config() == loss.get_config()
    assert_same_model(model, loaded)
    assert loaded.evaluate(X, Y) == model.evaluate(X, Y)
    for m in (original, loaded):  # trains on the same loss (Adam state included)
        m.fit(X, Y, batch_size=16, epochs=2, random_state=1)
    assert_same_model(original, loaded)


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"loss": "huber", "huber_delta": 2.5}, Huber(2.5)),
        ({"loss": "quantile", "quantile": 0.9}, Quantile(0.9)),
    ],
)
def test_estimator_loss_with_parameters_roundtrip(params, expected, tmp_path):
    X, rng = _data(seed=4)
    y = X[:, 0] + rng.normal(size=len(X))
    est = ScratchMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    est.set_params(**params).fit(X, y)
    path = tmp_path / "e.npz"
    save(est, path)
    assert est.model_.loss == expected  # saving left the estimator's loss in place
    name, key = params["loss"], {"huber": "delta", "quantile": "quantile"}
    assert _loss_doc(path)["loss_config"][key[name]]["value"] == next(
        v for k, v in params.items() if k != "loss"
    )
    loaded = load(path)
    assert loaded.get_params() == est.get_params()
    assert loaded.model_.loss == expected
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_file_without_loss_config_loads_with_the_defaults(tmp_path):
    """Format-version-2 files written before losses had parameters carry no
    loss_config; one that names a loss with parameters gets its defaults."""
    model, X, Y = _regression_model(Huber(delta=2.5))
    model.build(4, random_state=0)
    path = tmp_path / "m.npz"
    save(model, path)
    _rewrite(path, lambda d: d["content"]["model"].pop("loss_config"))
    loaded = load(path)
    assert loaded.loss == Huber() and loaded.loss.delta == 1.0
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize(
    "mutate, match",
    [
        (
            lambda m: m["loss_config"].update(
                {"__class__": {"type": "int", "value": 1}}
            ),
            "unknown 'huber' loss argument '__class__'",
        ),
        (
            lambda m: m["loss_config"].update({"delta": {"type": "str", "value": "2"}}),
            "expected a number",
        ),
        (
            lambda m: m["loss_config"].update(
                {"delta": {"type": "float", "value": -1}}
            ),
            "invalid 'huber' loss configuration: delta must be a real number",
        ),
        (
            lambda m: m["loss_config"].update(
                {"delta": {"type": "float", "value": "inf"}}
            ),
            "invalid 'huber' loss configuration",
        ),
        (
            lambda m: m["loss_config"].update({"delta": {"type": "list", "items": []}}),
            "unknown or misplaced value type 'list'",
        ),
        (lambda m: m.update({"loss_config": [1]}), "loss_config: expected dict"),
        (lambda m: m.update({"loss": None}), "loss_config without a loss"),
        (
            lambda m: m.update({"loss": "squared_error"}),
            "unknown 'squared_error' loss argument 'delta'",
        ),
    ],
)
def test_malformed_loss_config_refused(mutate, match, tmp_path):
    model, _, _ = _regression_model(Huber(delta=2.5))
    path = tmp_path / "m.npz"
    save(model, path)
    _rewrite(path, lambda d: mutate(d["content"]["model"]))
    with pytest.raises(ValueError, match=match):
        load(path)


def test_loss_that_its_config_does_not_rebuild_is_not_saved(tmp_path):
    class MyHuber(Huber):
        pass

    model, _, _ = _regression_model(Huber(delta=2.5))
    model.loss.extra = 1  # would be lost
    with pytest.raises(TypeError, match="extra"):
        save(model, tmp_path / "x.npz")
    model.loss = Huber(2.5)
    model.loss.delta = math.nan  # set around the constructor's check
    with pytest.raises(TypeError, match="not a finite int or float"):
        save(model, tmp_path / "x.npz")
    model.loss = MyHuber(2.5)
    with pytest.raises(TypeError, match="not a registered loss"):
        save(model, tmp_path / "x.npz")
    assert list(tmp_path.iterdir()) == []


def test_model_unbuilt_and_uncompiled(tmp_path):
    model = Model([DenseBlock(3, "gelu"), Dropout(0.1), DenseBlock(2, "softmax")])
    loaded = roundtrip(model, tmp_path, "a.npz")
    assert not loaded.built and loaded.loss is None and loaded.optimizer is None
    assert_same_model(model, loaded)

    model = Model([DenseBlock(3, "silu"), DenseBlock(2, "softmax")], input_dim=7)
    model.compile("sgd", "categorical_crossentropy")
    loaded = roundtrip(model, tmp_path, "b.npz")
    assert_same_model(model, loaded)
    assert loaded.input_dim == 7 and not loaded.built

    model = Model([DenseBlock(3, "tanh"), DenseBlock(2)]).build(5, random_state=0)
    loaded = roundtrip(model, tmp_path, "c.npz")  # built, not compiled
    assert_same_model(model, loaded)
    assert loaded.loss is None and loaded.dtype == "float64"


def test_model_with_standalone_built_layer(tmp_path):
    layer = DenseBlock(2, "linear").build(3, rng=0)
    model = Model([layer])
    loaded = roundtrip(model, tmp_path)
    assert_same_model(model, loaded)


def test_model_with_empty_layers(tmp_path):
    loaded = roundtrip(Model(name="empty"), tmp_path)
    assert loaded.name == "empty" and loaded.layers == []


# ----------------------------------------------------------------------------- security
class _Payload:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(self.marker)}",))


needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="uses `touch`")


@needs_posix
def test_payload_is_live(tmp_path):
    # sanity check of the malicious payload used below: unpickling runs it
    marker = tmp_path / "sanity"
    pickle.loads(pickle.dumps(_Payload(marker)))
    assert marker.exists()


@needs_posix
def test_malicious_raw_pickle_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ValueError, match="not a NumPy .npz"):
        load(path)
    assert not marker.exists()


@needs_posix
def test_malicious_object_array_npz_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.npz"
    payload = np.empty(1, dtype=object)
    payload[0] = _Payload(marker)
    with open(path, "wb") as fh:
        np.savez(fh, x=payload)  # allow_pickle defaults to True when saving
    with pytest.raises(ValueError, match="object array"):
        load(path)
    assert not marker.exists()


@needs_posix
def test_malicious_object_array_in_valid_file_refused(tmp_path):
    marker = tmp_path / "pwned"
    template, X, y = CASES["binary-adam"]
    path = tmp_path / "model.npz"
    save(copy.deepcopy(template).fit(X, y), path)

    def inject(arrays):
        payload = np.empty(2, dtype=object)
        payload[0] = payload[1] = _Payload(marker)
        arrays["a0"] = payload  # classes_

    _rewrite(path, mutate_arrays=inject)
    with pytest.raises(ValueError, match=r"Refusing to load .*object array"):
        load(path)
    assert not marker.exists()


@pytest.fixture
def saved(tmp_path):
    template, X, y = CASES["binary-adam"]
    path = tmp_path / "model.npz"
    save(copy.deepcopy(template).fit(X, y), path)
    return path


def _model_doc(doc):
    return doc["content"]["attributes"]["model_"]["model"]


@pytest.mark.parametrize(
    "mutate, match",
    [
        (
            lambda d: _model_doc(d)["layers"][0].update({"class": "Lambda"}),
            "unknown layer type 'Lambda'",
        ),
        (
            lambda d: _model_doc(d)["layers"][0]["activation"].update(
                {"name": "os.system"}
            ),
            "unknown activation 'os.system'",
        ),
        (
            lambda d: d["content"].update({"class": "os.system"}),
            "unknown estimator class 'os.system'",
        ),
        (lambda d: _model_doc(d).update({"loss": "hinge"}), "unknown loss 'hinge'"),
        (
            lambda d: _model_doc(d)["optimizer"].update({"name": "builtins.eval"}),
            "unknown optimizer 'builtins.eval'",
        ),
        (
            lambda d: _model_doc(d)["optimizer"]["config"].update(
                {"__class__": {"type": "int", "value": 1}}
            ),
            "unknown 'adam' setting '__class__'",
        ),
        (
            lambda d: _model_doc(d)["layers"][0]["activation"]["params"].update(
                {"__dict__": {"type": "float", "value": 1.0}}
            ),
            "unknown 'relu' parameter '__dict__'",
        ),
        (
            lambda d: _model_doc(d)["layers"][0]["config"].update({"eval": "1"}),
            "unknown DenseBlock argument 'eval'",
        ),
        (
            lambda d: _model_doc(d)["layers"][0]["config"].update(
                {"kernel_initializer": "os.system"}
            ),
            "Unknown initializer",
        ),
        (
            lambda d: d["content"]["attributes"].update(
                {"loss_": {"type": "pickle", "value": "gASV"}}
            ),
            "unknown or misplaced value type 'pickle'",
        ),
        (
            lambda d: d["content"]["attributes"].update(
                {"__class__": {"type": "str", "value": "x"}}
            ),
            "attribute '__class__' cannot be set",
        ),
        (
            lambda d: d["content"]["attributes"].update({"predict": {"type": "none"}}),
            "attribute 'predict' cannot be set",
        ),
        (
            lambda d: d["content"]["params"].update(
                {"class_weight": {"type": "dict", "items": [[{"type": "int"}]]}}
            ),
            "not a \\[key, value\\] pair",
        ),
        (
            lambda d: d["content"]["params"].update(
                {
                    "class_weight": {
                        "type": "dict",
                        "items": [[{"type": "int", "value": 0}, {"type": "none"}]] * 2,
                    }
                }
            ),
            "key 0 appears twice",
        ),
        (
            lambda d: d["content"]["params"].update(
                {
                    "class_weight": {
                        "type": "dict",
                        "items": [[{"type": "list", "items": []}, {"type": "none"}]],
                    }
                }
            ),
            "unknown or misplaced value type 'list'",
        ),
        (
            lambda d: d["content"]["params"].update(
                {"evil": {"type": "str", "value": "x"}}
            ),
            "unknown ScratchMLPClassifier parameter 'evil'",
        ),
        (
            lambda d: d["content"]["attributes"].update(
                {"n_iter_": {"type": "numpy", "dtype": "object", "value": 1}}
            ),
            "unsupported NumPy scalar dtype 'object'",
        ),
        (
            lambda d: d["content"]["attributes"].update(
                {"classes_": {"type": "array", "key": "missing"}}
            ),
            "no array 'missing'",
        ),
        (
            lambda d: _model_doc(d)["layers"][1]["params"].update(
                {"W": _model_doc(d)["layers"][0]["params"]["W"]}
            ),
            "referenced twice",
        ),
        (
            lambda d: _model_doc(d)["layers"][1]["activation"].update({"name": "relu"}),
            "computed from the logits",
        ),
        (lambda d: d["content"].update({"type": "function"}), "unknown content type"),
        (lambda d: d.pop("content"), "missing 'content'"),
        (lambda d: d.update({"format": "something-else"}), "format marker"),
        (lambda d: d.update({"format_version": "1"}), "invalid format version"),
    ],
)
def test_tampered_json_refused(saved, mutate, match):
    _rewrite(saved, mutate_doc=mutate)
    with pytest.raises(ValueError, match=match) as info:
        load(saved)
    assert str(saved) in str(info.value)


def test_tampered_parameter_shape_refused(saved):
    def shrink(arrays):
        arrays["a1"] = arrays["a1"][:-1]

    _rewrite(saved, mutate_arrays=shrink)
    with pytest.raises(ValueError, match="has shape"):
        load(saved)


def test_newer_format_version_refused(saved):
    _rewrite(saved, lambda d: d.update({"format_version": FORMAT_VERSION + 1}))
    with pytest.raises(ValueError, match=f"supports format version {FORMAT_VERSION}"):
        load(saved)


def test_other_sknetscratch_version_warns(saved):
    _rewrite(saved, lambda d: d.update({"sknetscratch_version": "0.0.1"}))
    with pytest.warns(UserWarning, match=r"saved with sknetscratch 0\.0\.1"):
        est = load(saved)
    assert isinstance(est, ScratchMLPClassifier)


def test_written_document_header(saved):
    with np.load(saved, allow_pickle=False) as npz:
        assert npz[META].dtype == np.uint8
        doc = json.loads(npz[META].tobytes())
    assert doc["format"] == FORMAT_MARKER
    assert doc["format_version"] == FORMAT_VERSION
    assert doc["sknetscratch_version"] == __version__


@pytest.mark.parametrize(
    "content, match",
    [
        (b"just some text\n", "not a NumPy .npz"),
        (b"", "not a NumPy .npz"),
        (b"PK\x03\x04garbage" * 5, "not a NumPy .npz|corrupt"),
    ],
)
def test_not_an_archive_refused(tmp_path, content, match):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        load(path)


def test_plain_npz_without_marker_refused(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, W=np.ones(3))
    with pytest.raises(ValueError, match="format marker"):
        load(path)


def test_bad_json_refused(saved):
    with np.load(saved, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[META] = np.frombuffer(b'{"format": "sknetscratch-model", ', np.uint8)
    with open(saved, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(ValueError, match="JSON metadata is invalid"):
        load(saved)
    arrays[META] = np.frombuffer(b'{"format": NaN}', np.uint8)
    with open(saved, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(ValueError, match="non-standard constant"):
        load(saved)


def test_string_metadata_accepted(saved):
    with np.load(saved, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[META] = np.array(arrays[META].tobytes().decode())
    with open(saved, "wb") as fh:
        np.savez(fh, **arrays)
    assert isinstance(load(saved), ScratchMLPClassifier)


# ----------------------------------------------------------------------------- resource use
#: Most memory that refusing a small crafted file may take (measured by tracemalloc,
#: which sees NumPy's array data too); before the checks these cases took 0.3-1 GB.
PEAK_LIMIT = 32 * 2**20


def _load_peak(path):
    """``load(path)``'s exception (None if it loaded) and its peak traced memory."""
    tracemalloc.start()
    try:
        load(path)
        exc = None
    except Exception as e:  # returned to the test
        exc = e
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return exc, peak


def _npy_header(shape, descr="<f8"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


def _rewrite_members(path, mutate):
    """Rewrite the archive's raw members (uncompressed) after ``mutate(members)``."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    mutate(members)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_compressed_bomb_without_marker_refused_cheaply(tmp_path):
    # 256 MiB of zeros in a ~250 kB deflated member, and no format marker
    path = tmp_path / "bomb.npz"
    n = 256 * 2**20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("x.npy", "w", force_zip64=True) as fh:
            fh.write(_npy_header((n // 8,)))
            chunk = bytes(2**20)
            for _ in range(n // len(chunk)):
                fh.write(chunk)
    assert path.stat().st_size < 2**20
    exc, peak = _load_peak(path)
    assert isinstance(exc, ValueError), exc
    assert str(exc).startswith(f"Refusing to load {str(path)!r}: member 'x.npy' is ")
    assert "compressed" in str(exc)
    assert peak < PEAK_LIMIT


def test_compressed_valid_file_refused(saved):
    with np.load(saved, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    np.savez_compressed(saved, **arrays)
    with pytest.raises(ValueError, match="'a0.npy' is compressed"):
        load(saved)


def _claim_huge_units(d):
    m = d["content"]["model"]
    m["layers"][0]["config"]["units"] = 10**12
    m["layers"][1]["input_dim"]["value"] = 10**12


def _claim_huge_input_dim(d):
    m = d["content"]["model"]
    m["input_dim"]["value"] = m["layers"][0]["input_dim"]["value"] = 10**12


@pytest.mark.parametrize(
    "built, mutate, match",
    [
        (True, _claim_huge_units, r"\(3, 2\).*expected \(3, 1000000000000\)"),
        (True, _claim_huge_input_dim, r"\(3, 2\).*expected \(1000000000000, 2\)"),
        (False, _claim_huge_input_dim, r"\(3, 2\).*expected \(1000000000000, 2\)"),
    ],
)
def test_tiny_file_claiming_huge_layer_refused_cheaply(tmp_path, built, mutate, match):
    # the JSON sizes are compared with the stored arrays before anything is
    # allocated: no MemoryError, no gigabytes of random initialisation
    if built:
        model = Model([DenseBlock(2, "relu"), DenseBlock(1, "sigmoid")])
        model.build(3, random_state=0)
    else:  # an unbuilt model holding a layer built on its own
        model = Model([DenseBlock(2, "relu").build(3, rng=0)])
        model.input_dim = 3
    path = tmp_path / "m.npz"
    save(model, path)
    _rewrite(path, mutate_doc=mutate)
    assert path.stat().st_size < 4096
    exc, peak = _load_peak(path)
    assert isinstance(exc, ValueError), exc
    assert str(exc).startswith(f"Refusing to load {str(path)!r}: ")
    assert re.search(match, str(exc)), str(exc)
    assert peak < PEAK_LIMIT


@pytest.mark.parametrize("shape", [(10**6,), (10**15,), (1,)])
def test_npy_header_not_matching_member_size_refused(saved, shape):
    # a0 (classes_) gets a header declaring another amount of data than it holds
    def corrupt(members):
        members["a0.npy"] = _npy_header(shape) + bytes(64)

    _rewrite_members(saved, corrupt)
    exc, peak = _load_peak(saved)
    assert isinstance(exc, ValueError), exc
    assert f"member 'a0' declares {math.prod(shape) * 8} bytes" in str(exc)
    assert "but holds 64" in str(exc)
    assert peak < PEAK_LIMIT


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda m: m.update({"notes.txt": b"hi"}), "'notes.txt' is not a .npy array"),
        (
            lambda m: m.update({"a0.npy": b"\x93NUMPY\x09\x00" + bytes(40)}),
            r"'a0' uses .npy format version \(9, 0\)",
        ),
        (lambda m: m.update({"a0.npy": b"garbage" * 10}), "'a0' is not a valid .npy"),
        (
            lambda m: m.update({"a0.npy": _npy_header((1,), "|V8") + bytes(8)}),
            "'a0' has unsupported dtype",
        ),
        (  # 10**12 elements of zero bytes each
            lambda m: m.update({"a0.npy": _npy_header((10**12,), "<U0")}),
            "'a0' has unsupported dtype",
        ),
    ],
)
def test_bad_members_refused(saved, mutate, match):
    _rewrite_members(saved, mutate)
    with pytest.raises(ValueError, match=match) as info:
        load(saved)
    assert str(info.value).startswith(f"Refusing to load {str(saved)!r}: ")


def test_metadata_size_limit(saved, monkeypatch, tmp_path):
    monkeypatch.setattr(_document, "MAX_METADATA_BYTES", 100)
    with pytest.raises(ValueError, match="JSON metadata is larger than 100 bytes"):
        load(saved)
    with pytest.raises(ValueError, match="more than the 100 that load"):
        save(Model(name="x"), tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


# ----------------------------------------------------------------------------- save errors
def test_random_state_instance_refused(tmp_path):
    X, _ = _data()
    est = ScratchMLPClassifier(
        (3,), max_iter=2, random_state=np.random.RandomState(0)
    ).fit(X, X[:, 0] > 0)
    with pytest.raises(ValueError, match="random_state must be an int or None"):
        save(est, tmp_path / "x.npz")
    assert list(tmp_path.iterdir()) == []


def test_unknown_attribute_types_refused(tmp_path):
    template, X, y = CASES["binary-adam"]
    est = copy.deepcopy(template).fit(X, y)
    est.extra_ = {1, 2}  # a set: not a supported type
    with pytest.raises(TypeError, match="attribute 'extra_'.*set"):
        save(est, tmp_path / "x.npz")
    del est.extra_
    est.classes_ = np.array([0, "a"], dtype=object)
    with pytest.raises(TypeError, match="object array holding values other than str"):
        save(est, tmp_path / "x.npz")
    est.predict = print
    with pytest.raises(TypeError, match="attribute 'predict' shadows"):
        save(est, tmp_path / "x.npz")
    del est.predict
    with pytest.raises(TypeError, match="supports"):
        save({"not": "a model"}, tmp_path / "x.npz")
    assert list(tmp_path.iterdir()) == []


def test_custom_layer_and_activation_refused(tmp_path):
    class MyDense(DenseBlock):
        pass

    class MyReLU(ReLU):
        pass

    with pytest.raises(TypeError, match="layer type 'MyDense'"):
        save(Model([MyDense(2)]), tmp_path / "x.npz")
    with pytest.raises(TypeError, match="not a registered activation"):
        save(Model([DenseBlock(2, MyReLU())]), tmp_path / "x.npz")
    layer = DenseBlock(2)
    layer.callback = print
    with pytest.raises(TypeError, match="callback"):
        save(Model([layer]), tmp_path / "x.npz")


# ----------------------------------------------------------------------------- atomic writes
def test_no_suffix_added(tmp_path):
    template, X, y = CASES["single-output"]
    est = copy.deepcopy(template).fit(X, y)
    path = tmp_path / "regressor.model"
    save(est, str(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regressor.model"]
    assert np.array_equal(load(str(path)).predict(X), est.predict(X))


def _boom(*args, **kwargs):
    raise RuntimeError("simulated failure")


def _partial_then_boom(fh, arrays):
    fh.write(b"PK\x03\x04 partial")
    raise RuntimeError("simulated failure")


@pytest.mark.parametrize(
    "target, attr, replacement",
    [
        (_document.json, "dumps", _boom),
        (_archive, "write_archive", _partial_then_boom),
        (_archive.os, "fsync", _boom),
        (_archive.os, "replace", _boom),
    ],
    ids=["json", "write", "fsync", "replace"],
)
def test_failed_save_leaves_previous_file(
    saved, monkeypatch, target, attr, replacement
):
    before = saved.read_bytes()
    template, X, y = CASES["multi-output"]
    other = copy.deepcopy(template).fit(X, y)
    monkeypatch.setattr(target, attr, replacement)
    with pytest.raises(RuntimeError, match="simulated failure"):
        save(other, saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]
    assert isinstance(load(saved), ScratchMLPClassifier)


def test_overwrite_replaces_file(saved):
    template, X, y = CASES["multi-output"]
    est = copy.deepcopy(template).fit(X, y)
    save(est, saved)
    assert isinstance(load(saved), ScratchMLPRegressor)
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


# ----------------------------------------------------------------------------- joblib
@pytest.mark.parametrize("case", ["binary-adam", "string-labels", "multi-output"])
def test_joblib_still_works(case, tmp_path):
    template, X, y = CASES[case]
    est = copy.deepcopy(template).fit(X, y)
    joblib.dump(est, tmp_path / "est.joblib")
    back = joblib.load(tmp_path / "est.joblib")
    for a, b in zip(_outputs(est, X), _outputs(back, X)):
        assert np.array_equal(a, b)


def test_archive_is_plain_npz(tmp_path):
    template, X, y = CASES["binary-adam"]
    est = copy.deepcopy(template).fit(X, y)
    save(est, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        assert META in npz.files
        assert all(npz[k].dtype.kind != "O" for k in npz.files)


DATA = os.path.join(os.path.dirname(__file__), "data")


def _v1(name):
    return os.path.join(DATA, name)


def test_format_version_1_model_loads_and_continues_training():
    """A file saved before the redesign (kernels-first parameter vector, format
    version 1) loads, predicts as it did, and keeps its Adam moments, realigned
    to the new layer-order vector."""
    expected = np.load(_v1("format_v1_expected.npz"))
    path = _v1("model_format_v1.npz")
    model = load(path)
    X, y = expected["X"], expected["y"]
    # to rounding: the expected values were computed on another machine, whose
    # BLAS kernel may order a dot product's additions differently
    np.testing.assert_allclose(model.predict(X), expected["model_proba"], rtol=1e-12)
    assert all(lay.state == {} for lay in model.layers)
    with np.load(path, allow_pickle=False) as npz:
        doc = json.loads(npz[META].tobytes())
        raw = {k: npz[k] for k in npz.files}
    m_doc = _model_doc_core(doc)
    assert doc["format_version"] == 1
    layout = [tuple(x) for x in m_doc["param_layout"]]
    assert layout[:3] == [(0, "W"), (2, "W"), (3, "W")]  # kernels first
    for name in ("m", "v"):
        saved, start = raw[m_doc["optimizer"]["state"][name]["key"]], 0
        for key in layout:  # each array's moments, wherever the new layout puts them
            size = model.param_slices[key].stop - model.param_slices[key].start
            np.testing.assert_array_equal(
                getattr(model.optimizer, name)[model.param_slices[key]],
                saved[start : start + size],
            )
            start += size
    model.fit(X, y, batch_size=16, epochs=1, random_state=1)
    assert model.optimizer.iterations == int(expected["model_iterations"])
    assert np.isfinite(model.params).all()


def test_format_version_1_estimator_loads():
    expected = np.load(_v1("format_v1_expected.npz"))
    clf = load(_v1("classifier_format_v1.npz"))
    assert isinstance(clf, ScratchMLPClassifier)
    np.testing.assert_allclose(
        clf.predict_proba(expected["X"]), expected["classifier_proba"], rtol=1e-12
    )


def test_random_state_values_round_trip(tmp_path):
    """A numpy RandomState attribute (the estimators' ``_random_state``) is saved
    by its state and continues the same draws."""
    template, X, y = CASES["binary-adam"]
    est = copy.deepcopy(template).fit(X, y)
    rs = np.random.RandomState(3)
    rs.normal(size=5)  # leaves a cached Gaussian
    est._random_state = rs
    loaded = roundtrip(est, tmp_path)
    assert type(loaded._random_state) is np.random.RandomState
    a, b = rs.get_state(), loaded._random_state.get_state()
    assert a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]
    np.testing.assert_array_equal(
        loaded._random_state.normal(size=7), rs.normal(size=7)
    )
    np.testing.assert_array_equal(
        loaded._random_state.permutation(50), rs.permutation(50)
    )


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda d: d["rs"].update({"pos": 625}), "invalid RandomState position"),
        (lambda d: d["rs"].update({"has_gauss": 2}), "invalid RandomState position"),
        (lambda d: d["rs"].pop("pos"), "missing 'pos'"),
    ],
)
def test_tampered_random_state_refused(tmp_path, mutate, match):
    template, X, y = CASES["binary-adam"]
    est = copy.deepcopy(template).fit(X, y)
    est._random_state = np.random.RandomState(0)
    path = tmp_path / "m.npz"
    save(est, path)

    def edit(doc):
        mutate({"rs": doc["content"]["attributes"]["_random_state"]})

    _rewrite(path, mutate_doc=edit)
    with pytest.raises(ValueError, match=match):
        load(path)


def test_random_state_key_must_be_624_uint32(tmp_path):
    template, X, y = CASES["binary-adam"]
    est = copy.deepcopy(template).fit(X, y)
    est._random_state = np.random.RandomState(0)
    path = tmp_path / "m.npz"
    save(est, path)
    with np.load(path, allow_pickle=False) as npz:
        doc = json.loads(npz[META].tobytes())
    key = doc["content"]["attributes"]["_random_state"]["key"]["key"]
    _rewrite(path, mutate_arrays=lambda a: a.update({key: a[key][:10]}))
    with pytest.raises(ValueError, match="624 uint32"):
        load(path)


class _Stateful(Layer):
    """A layer with a non-trainable array, allow-listed for these tests only."""

    kind = "stateful"

    def state_shapes(self, input_dim):
        return {"running": (input_dim,)}

    def forward(self, X, *, training=False, rng=None, sample_weight=None):
        return X

    def backward(self, grad, *, need_input_grad=True):
        return grad


@pytest.fixture
def stateful_model(monkeypatch):
    from sknetscratch.io.persistence import _format

    monkeypatch.setitem(_format.LAYERS, "_Stateful", _Stateful)
    model = Model([DenseBlock(3, "relu"), _Stateful(), DenseBlock(1, "sigmoid")])
    model.compile("adam", "binary_crossentropy").build(4, random_state=0)
    model.layers[1].state["running"][...] = [1.0, 2.0, 3.0]
    return model


def test_non_trainable_state_is_saved(stateful_model, tmp_path):
    loaded = roundtrip(stateful_model, tmp_path)
    assert_same_model(stateful_model, loaded)
    np.testing.assert_array_equal(loaded.layers[1].state["running"], [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda s: s.clear(), r"non-trainable arrays \[\] do not match"),
        (lambda s: s.update({"x": s["running"]}), "referenced twice"),
    ],
)
def test_tampered_non_trainable_state_refused(stateful_model, tmp_path, mutate, match):
    path = tmp_path / "m.npz"
    save(stateful_model, path)
    _rewrite(
        path, mutate_doc=lambda d: mutate(_model_doc_core(d)["layers"][1]["state"])
    )
    with pytest.raises(ValueError, match=match):
        load(path)


def test_non_trainable_state_shape_checked(stateful_model, tmp_path):
    path = tmp_path / "m.npz"
    save(stateful_model, path)
    with np.load(path, allow_pickle=False) as npz:
        doc = json.loads(npz[META].tobytes())
    key = _model_doc_core(doc)["layers"][1]["state"]["running"]["key"]
    _rewrite(path, mutate_arrays=lambda a: a.update({key: a[key][:2]}))
    with pytest.raises(ValueError, match="non-trainable array 'running' has shape"):
        load(path)


def _model_doc_core(doc):
    return doc["content"]["model"]


def test_model_metrics_roundtrip_and_tampered_names_refused(tmp_path):
    X, _ = _data()
    y = (X[:, 0] > 0).astype(int)
    model = Model([DenseBlock(3, "tanh"), DenseBlock(1, "sigmoid")])
    model.compile("adam", metrics=["accuracy", "mse"])
    model.fit(X, y, epochs=2, random_state=0)
    loaded = roundtrip(model, tmp_path)
    assert loaded.metrics == ["accuracy", "mse"]
    assert loaded.evaluate(X, y) == model.evaluate(X, y)
    path = tmp_path / "m.npz"
    save(model, path)
    _rewrite(path, mutate_doc=lambda d: d["content"]["model"].update(metrics=["eval"]))
    with pytest.raises(ValueError, match="Unknown metric"):
        load(path)
