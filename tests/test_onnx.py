"""ONNX export, checked against onnxruntime on rows the models were not trained on.

Every estimator task (binary, multiclass, multilabel, string labels; single,
multi-output and Poisson regression), alone and behind a StandardScaler in a
Pipeline, in float32 (1e-5) and float64 (1e-9); every registered activation
and every concrete layer class, so that a new one fails here until it has a
converter; and the errors for what cannot be exported.
"""

import importlib
import inspect
import pkgutil
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")

from sklearn.datasets import (  # noqa: E402
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import sknetscratch  # noqa: E402
from sknetscratch import (  # noqa: E402
    ACTIVATIONS,
    Activation,
    ActivationFunction,
    BatchNormalization,
    DenseBlock,
    Dropout,
    Layer,
    LayerNormalization,
    Model,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    register_onnx_converters,
    to_onnx,
)
from sknetscratch.io.onnx import LAYER_CONVERTERS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOL = {np.float32: 1e-5, np.float64: 1e-9}
DTYPES = [np.float32, np.float64]
N_TRAIN = 100
# features on different scales and offsets, so that the scaler matters
FEATURE_SCALE = np.array([1.0, 3.0, 0.5, 10.0, 2.0, 0.2])
FEATURE_SHIFT = np.array([0.0, 5.0, -2.0, 20.0, 1.0, 0.0])

quiet_fit = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def run(onx, X):
    """onnxruntime's outputs, by name, for input rows X."""
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: X})))


def assert_close(actual, desired, dtype):
    np.testing.assert_allclose(actual, desired, rtol=TOL[dtype], atol=TOL[dtype])


def checked(onx):
    """``onx``, once onnx.checker has passed it."""
    onnx.checker.check_model(onx, full_check=True)
    return onx


def assert_valid_with_dynamic_batch(onx):
    onnx.checker.check_model(onx, full_check=True)
    batch = onx.graph.input[0].type.tensor_type.shape.dim[0]
    assert not batch.HasField("dim_value")  # no fixed number of rows


def classification_data(task):
    if task == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=160, n_features=6, n_classes=3, random_state=0
        )
        return X * FEATURE_SCALE / 5 + FEATURE_SHIFT, y
    n_classes = 2 if task.startswith(("binary", "single")) else 3
    X, y = make_classification(
        n_samples=160,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        random_state=0,
    )
    if task.startswith("single"):  # one class: predict gives it on every row
        y = np.zeros_like(y)
    if task.endswith("strings"):
        y = np.array(["cat", "dog", "emu"])[y]
    elif task.endswith("floats"):  # integral float labels become int64 in ONNX
        y = y.astype(np.float64)
    return X * FEATURE_SCALE + FEATURE_SHIFT, y


def regression_data(kind):
    rng = np.random.default_rng(0)
    n_targets = 2 if kind == "multi-output" else 1
    X, y = make_regression(
        n_samples=160, n_features=6, n_targets=n_targets, noise=1.0, random_state=0
    )
    if kind == "poisson":
        y = rng.poisson(np.exp(0.3 * X[:, 0] - 0.2 * X[:, 1]))
    else:
        y = y / y.std()
    return X * FEATURE_SCALE + FEATURE_SHIFT, y


def fit(est, X, y, dtype, in_pipeline):
    if in_pipeline:
        est = make_pipeline(StandardScaler(), est)
    return est.fit(X[:N_TRAIN].astype(dtype), y[:N_TRAIN])


def export(est, X_test, in_pipeline):
    """A Pipeline through skl2onnx itself, an estimator through sknetscratch."""
    if in_pipeline:
        register_onnx_converters()
        return skl2onnx.to_onnx(
            est, X_test[:1], options={ScratchMLPClassifier: {"zipmap": False}}
        )
    return to_onnx(est)


@quiet_fit
@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "pipeline"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize(
    "task",
    [
        "binary",
        "multiclass",
        "multilabel",
        "binary-strings",
        "multiclass-strings",
        "multiclass-floats",
        "single-class",
        "single-class-strings",
    ],
)
def test_classifier_matches_predict_and_predict_proba(task, dtype, in_pipeline):
    X, y = classification_data(task)
    clf = ScratchMLPClassifier(
        hidden_layer_sizes=(8,), max_iter=20, learning_rate_init=0.01, random_state=0
    )
    clf = fit(clf, X, y, dtype, in_pipeline)
    X_test = X[N_TRAIN:].astype(dtype)
    onx = export(clf, X_test, in_pipeline)
    assert_valid_with_dynamic_batch(onx)
    out = run(onx, X_test)
    assert list(out) == ["label", "probabilities"]
    expected = clf.predict(X_test)
    assert out["label"].shape == expected.shape
    np.testing.assert_array_equal(out["label"], expected)
    assert out["probabilities"].dtype == dtype
    assert_close(out["probabilities"], clf.predict_proba(X_test), dtype)
    one_row = run(onx, X_test[:1])  # the batch dimension is dynamic
    np.testing.assert_array_equal(one_row["label"], expected[:1])
    if task.endswith("strings"):
        assert set(np.unique(out["label"])) <= {"cat", "dog", "emu"}


@quiet_fit
@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "pipeline"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("kind", ["single-output", "multi-output", "poisson"])
def test_regressor_matches_predict(kind, dtype, in_pipeline):
    X, y = regression_data(kind)
    loss = "poisson" if kind == "poisson" else "squared_error"
    reg = ScratchMLPRegressor(
        loss=loss,
        hidden_layer_sizes=(8,),
        max_iter=20,
        learning_rate_init=0.01,
        random_state=0,
    )
    reg = fit(reg, X, y, dtype, in_pipeline)
    X_test = X[N_TRAIN:].astype(dtype)
    onx = export(reg, X_test, in_pipeline)
    assert_valid_with_dynamic_batch(onx)
    (values,) = run(onx, X_test).values()
    expected = reg.predict(X_test)
    assert values.dtype == dtype
    assert values.shape == (len(X_test), 1 if expected.ndim == 1 else 2)
    assert_close(values.reshape(expected.shape), expected, dtype)


def network(hidden_activation, output_activation, dtype, extra_layer=None):
    model = Model(input_dim=4)
    model.add(DenseBlock(7, hidden_activation))
    if extra_layer is not None:
        model.add(extra_layer)
    model.add(DenseBlock(3, output_activation))
    return model.build(random_state=0, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_matches_model_predict(name, dtype):
    model = network(name, name, dtype)
    X = np.random.default_rng(1).normal(scale=3.0, size=(40, 4)).astype(dtype)
    onx = to_onnx(model)
    assert_valid_with_dynamic_batch(onx)
    assert_close(run(onx, X)["output"], model.predict(X), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_matches_at_extreme_inputs(name, dtype):
    # one layer with W = I, b = 0: the activation sees exactly these z
    model = Model([DenseBlock(3, name)], input_dim=3).build(dtype=dtype)
    layer = model.layers[0]
    layer.W[...] = np.eye(3)
    layer.b[...] = 0
    X = np.array(
        [[-1e4, -80.0, -1e-3], [0.0, 1e-3, 80.0], [1e4, 3.0, -3.0], [700, -700, 9.5]],
        dtype=dtype,
    )
    assert_close(run(to_onnx(model), X)["output"], model.predict(X), dtype)


def parametrized_activations():
    """Every activation class with constructor parameters, set off their defaults."""
    for cls in sorted(set(ACTIVATIONS.values()), key=lambda c: c.__name__):
        defaults = {
            name: p.default
            for name, p in inspect.signature(cls).parameters.items()
            if isinstance(p.default, float)
        }
        if defaults:
            params = {name: 0.7 * v + 0.05 for name, v in defaults.items()}
            yield pytest.param(cls, params, id=cls.__name__)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("cls, params", list(parametrized_activations()))
def test_activation_parameters_are_exported(cls, params, dtype):
    model = network(cls(**params), cls(**params), dtype)
    X = np.random.default_rng(4).normal(scale=3.0, size=(40, 4)).astype(dtype)
    # the parameters change the outputs, so an exporter that ignores them fails
    defaults = network(cls(), cls(), dtype).predict(X)
    assert np.abs(model.predict(X) - defaults).max() > 100 * TOL[dtype]
    assert_close(run(to_onnx(model), X)["output"], model.predict(X), dtype)


LAYER_EXAMPLES = {
    "Activation": lambda: Activation("elu"),
    "BatchNormalization": lambda: BatchNormalization(),
    "DenseBlock": lambda: DenseBlock(5, "tanh"),
    "Dropout": lambda: Dropout(0.5),
    "LayerNormalization": lambda: LayerNormalization(),
}


def concrete_layer_classes():
    """Every concrete ``Layer`` subclass defined in any module of sknetscratch
    (all imported first), so that a new layer fails here until it has a
    converter and an example."""
    for info in pkgutil.walk_packages(sknetscratch.__path__, "sknetscratch."):
        if not info.name.endswith(".__main__"):
            importlib.import_module(info.name)
    found, todo = set(), [Layer]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.partition(".")[0] == "sknetscratch" and not (
                inspect.isabstract(sub)
            ):
                found.add(sub)
    return sorted(found, key=lambda c: c.__name__)


def off_their_initial_values(model, seed=5):
    """Every layer's parameters moved and its non-trainable state set to values
    in [0.5, 2] (a batch norm's moving mean and variance), so that a converter
    that ignores one of them fails."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for p in layer.params.values():
            p += rng.normal(scale=0.5, size=p.shape).astype(p.dtype)
        for v in layer.state.values():
            v[...] = rng.uniform(0.5, 2.0, size=v.shape)
    return model


def test_every_layer_class_has_a_converter_and_a_test_example():
    names = [c.__name__ for c in concrete_layer_classes()]
    assert {"BatchNormalization", "DenseBlock", "Dropout"} <= set(names)
    assert "_Normalization" not in names  # abstract
    for name in names:
        assert name in LAYER_CONVERTERS, f"no ONNX converter for layer {name}"
        assert name in LAYER_EXAMPLES, f"add an example of {name} to LAYER_EXAMPLES"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layer_class", [c.__name__ for c in concrete_layer_classes()])
def test_every_layer_matches_model_predict(layer_class, dtype):
    model = network("relu", "linear", dtype, extra_layer=LAYER_EXAMPLES[layer_class]())
    off_their_initial_values(model)
    X = np.random.default_rng(2).normal(size=(30, 4)).astype(dtype)
    onx = to_onnx(model)
    assert_valid_with_dynamic_batch(onx)
    assert_close(run(onx, X)["output"], model.predict(X), dtype)


@pytest.mark.parametrize("opset", [13, 18])
@pytest.mark.parametrize(
    "layer",
    [
        lambda: BatchNormalization(center=False),
        lambda: BatchNormalization(scale=False, epsilon=0.5),
        lambda: LayerNormalization(center=False, scale=False),
        lambda: LayerNormalization(epsilon=1e-5),
    ],
)
def test_normalization_options_and_opsets(layer, opset):
    """Without gamma or beta, another epsilon; ReduceMean's axes are an
    attribute before opset 18 and an input from it on."""
    model = off_their_initial_values(network("tanh", "linear", np.float64, layer()))
    X = np.random.default_rng(6).normal(size=(25, 4))
    onx = to_onnx(model, target_opset=opset)
    onnx.checker.check_model(onx, full_check=True)
    assert_close(run(onx, X)["output"], model.predict(X), np.float64)


def test_trained_normalizations_match_in_float32():
    """Moving statistics and gamma/beta from training, not set by hand."""
    X, y = regression_data("single")
    X = X.astype(np.float32)
    model = Model(input_dim=6)
    for layer in (DenseBlock(8, use_bias=False), BatchNormalization(momentum=0.8)):
        model.add(layer)
    model.add(Activation("relu"))
    model.add(LayerNormalization())
    model.add(DenseBlock(1))
    model.compile("adam", "squared_error")
    model.fit(X[:N_TRAIN], y[:N_TRAIN], epochs=3, batch_size=16, random_state=0)
    bn = model.layers[1]
    assert not np.allclose(bn.state["moving_mean"], 0)
    assert_close(
        run(to_onnx(model), X[N_TRAIN:])["output"],
        model.predict(X[N_TRAIN:]),
        np.float32,
    )


def test_float64_input_to_a_float32_model_is_cast():
    model = network("gelu", "softmax", np.float32)
    X = np.random.default_rng(3).normal(size=(20, 4))
    onx = to_onnx(model, X[:1])
    assert onx.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    out = run(onx, X)["output"]
    assert out.dtype == np.float32
    assert_close(out, model.predict(X), np.float32)


@quiet_fit
def test_float64_input_to_a_float32_estimator_is_cast():
    X, y = classification_data("multiclass")
    clf = ScratchMLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    clf.fit(X[:N_TRAIN].astype(np.float32), y[:N_TRAIN])
    X_test = X[N_TRAIN:]  # float64
    onx = to_onnx(clf, X_test[:1])
    assert onx.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    out = run(onx, X_test)
    assert out["probabilities"].dtype == np.float32
    np.testing.assert_array_equal(out["label"], clf.predict(X_test))
    assert_close(out["probabilities"], clf.predict_proba(X_test), np.float32)


@quiet_fit
def test_skl2onnx_options_zipmap_nocl_and_class_labels():
    X, y = classification_data("multiclass-strings")
    X = X.astype(np.float32)  # ONNX's ZipMap takes float32 only
    clf = ScratchMLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    pipe = make_pipeline(StandardScaler(), clf).fit(X[:N_TRAIN], y[:N_TRAIN])
    X_test = X[N_TRAIN:]
    register_onnx_converters()

    # skl2onnx's default: a ZipMap turns the probabilities into dicts
    out = run(checked(skl2onnx.to_onnx(pipe, X_test[:1])), X_test)
    assert list(out) == ["output_label", "output_probability"]
    np.testing.assert_array_equal(out["output_label"], pipe.predict(X_test))
    proba = np.array(
        [[row[c] for c in clf.classes_] for row in out["output_probability"]]
    )
    assert_close(proba, pipe.predict_proba(X_test), np.float32)

    options = {ScratchMLPClassifier: {"zipmap": False, "nocl": True}}
    out = run(checked(skl2onnx.to_onnx(pipe, X_test[:1], options=options)), X_test)
    np.testing.assert_array_equal(
        out["label"], np.searchsorted(clf.classes_, pipe.predict(X_test))
    )

    options = {ScratchMLPClassifier: {"zipmap": False, "output_class_labels": True}}
    out = run(checked(to_onnx(pipe, X_test[:1], options=options)), X_test)
    np.testing.assert_array_equal(out["class_labels"], clf.classes_)

    pipe.fit(X[:N_TRAIN].astype(np.float64), y[:N_TRAIN])
    with pytest.raises(ValueError, match="ZipMap .* takes float32 probabilities only"):
        skl2onnx.to_onnx(pipe, X_test[:1].astype(np.float64))


class Doubler(Layer):
    """A layer no converter knows."""

    def forward(self, X, *, training=False, rng=None, sample_weight=None):
        return 2 * X

    def backward(self, grad, *, need_input_grad=True, overwrite_grad=False):
        return 2 * grad, self.grads


class Cube(ActivationFunction):
    """An activation no converter knows."""

    name = "cube"

    def forward(self, z):
        return z**3

    def derivative(self, z, a):
        return 3 * z**2


def test_unsupported_layer_raises_a_clear_error():
    model = network("relu", "linear", np.float64, extra_layer=Doubler())
    with pytest.raises(ValueError, match="layer 'layer' of type Doubler"):
        to_onnx(model)


def test_unsupported_activation_raises_a_clear_error():
    model = network(Cube(), "linear", np.float64)
    with pytest.raises(ValueError, match="activation 'cube' \\(Cube\\)"):
        to_onnx(model)


@quiet_fit
def test_unsupported_activation_inside_a_pipeline_raises_a_clear_error():
    X, y = classification_data("binary")
    pipe = make_pipeline(
        StandardScaler(), ScratchMLPClassifier(hidden_layer_sizes=(4,), max_iter=5)
    ).fit(X, y)
    pipe[-1].model_.layers[0].activation = Cube()
    register_onnx_converters()
    with pytest.raises(ValueError, match="activation 'cube'"):
        skl2onnx.to_onnx(pipe, X[:1], options={ScratchMLPClassifier: {"zipmap": False}})


@quiet_fit
def test_bad_requests_raise_clear_errors():
    X, y = classification_data("binary")
    with pytest.raises(NotFittedError):
        to_onnx(ScratchMLPClassifier())
    with pytest.raises(ValueError, match="not built"):
        to_onnx(Model([DenseBlock(2)]))
    clf = ScratchMLPClassifier(hidden_layer_sizes=(4,), max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="target_opset >= 13; got 12"):
        to_onnx(clf, target_opset=12)
    with pytest.raises(ValueError, match="needs X_sample"):
        to_onnx(make_pipeline(StandardScaler(), clf).fit(X, y))
    with pytest.raises(TypeError, match="got str"):
        to_onnx("model.onnx")
    with pytest.raises(TypeError, match="float32 or float64"):
        to_onnx(clf, X[:1].astype(int))
    with pytest.raises(ValueError, match="X_sample has 3 features, but .* with 6"):
        to_onnx(clf, X[:1, :3])
    for model in (
        clf,
        make_pipeline(StandardScaler(), clf),
        network("relu", "linear", np.float64),
    ):
        with pytest.raises(ValueError, match=r"X_sample must be 2-D.*got shape \(6,\)"):
            to_onnx(model, X[0])
    with pytest.raises(ValueError, match="input has 3 features, but .* with 6"):
        skl2onnx.to_onnx(
            clf, X[:1, :3], options={ScratchMLPClassifier: {"zipmap": False}}
        )


def test_missing_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now fails
    with pytest.raises(ImportError, match=r'pip install "sknetscratch\[onnx\]"'):
        to_onnx(network("relu", "linear", np.float64))


def test_public_names():
    assert sknetscratch.to_onnx is to_onnx
    assert {"to_onnx", "register_onnx_converters"} <= set(sknetscratch.__all__)


def test_example_runs_and_prints_the_comparison(capsys):
    namespace = runpy.run_path(str(ROOT / "examples" / "onnx_export.py"))
    worst, r2 = namespace["main"]()
    out = capsys.readouterr().out
    assert "labels equal predict: True" in out
    assert worst < 1e-9
    assert r2 > 0.3  # the regressor learnt something (a linear model: 0.36)


def test_benchmark_script_runs_on_tiny_data(capsys):
    # in this process (its imports are done already); only that it runs is checked
    bench = runpy.run_path(str(ROOT / "benchmarks" / "bench_onnx.py"))
    assert bench["main"](["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "rows/s" in out
    for rows in ("1", "10,000"):
        assert f"\n{rows:>7} " in out, rows
