"""``from_onnx``: what ``to_onnx`` and skl2onnx write comes back, predicting alike."""

import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
skl2onnx = pytest.importorskip("skl2onnx")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

from sknetscratch import (  # noqa: E402
    ACTIVATIONS,
    Activation,
    BatchNormalization,
    DenseBlock,
    Dropout,
    LayerNormalization,
    Model,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    from_onnx,
    to_onnx,
)
from sknetscratch.io.onnx import LAYER_CONVERTERS  # noqa: E402
from sknetscratch.nn.activations import ELU, LeakyReLU  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 4))
Y3 = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)


def _activation(name):
    """Registered names, plus parametrised activations with non-default settings."""
    return {"leaky_relu": LeakyReLU(0.2), "elu": ELU(0.5)}.get(name, name)


def _trained_batch_norm(layer):
    layer.state["moving_mean"][...] = np.linspace(-1, 1, layer.input_dim)
    layer.state["moving_variance"][...] = np.linspace(0.5, 2, layer.input_dim)
    return layer


#: one model per layer class with a converter (a new layer fails here until added)
LAYER_MODELS = {
    "DenseBlock": lambda: [DenseBlock(5, "tanh"), DenseBlock(2)],
    "Dropout": lambda: [DenseBlock(5, "relu"), Dropout(0.3), DenseBlock(2)],
    "Activation": lambda: [
        Activation("tanh"),
        DenseBlock(5),
        Activation("relu"),
        DenseBlock(2),
    ],
    "BatchNormalization": lambda: [
        DenseBlock(5, use_bias=False),
        BatchNormalization(epsilon=0.01, center=False),
        Activation("relu"),
        BatchNormalization(scale=False),
        DenseBlock(2, "softmax"),
    ],
    "LayerNormalization": lambda: [
        DenseBlock(5),
        LayerNormalization(epsilon=1e-4),
        LayerNormalization(center=False),
        DenseBlock(2),
    ],
}


def _round_trip_model(layers, dtype):
    model = Model(layers).build(4, random_state=0, dtype=dtype)
    for layer in model.layers:
        if isinstance(layer, BatchNormalization):
            _trained_batch_norm(layer)
    back = from_onnx(to_onnx(model))
    assert isinstance(back, Model)
    assert back.dtype == model.dtype
    Xd = X.astype(dtype)
    np.testing.assert_array_equal(back.predict(Xd), model.predict(Xd))
    return back


def test_every_layer_converter_has_a_round_trip_case():
    assert set(LAYER_CONVERTERS) <= set(LAYER_MODELS)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", sorted(LAYER_MODELS))
def test_round_trip_of_every_layer_is_exact(kind, dtype):
    back = _round_trip_model(LAYER_MODELS[kind](), dtype)
    if kind == "BatchNormalization":
        bn = back.layers[1]
        assert (bn.epsilon, bn.center, bn.scale) == (0.01, False, True)
        np.testing.assert_array_equal(
            bn.state["moving_variance"], np.linspace(0.5, 2, 5).astype(dtype)
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_round_trip_of_every_activation_is_exact(name, dtype):
    act = _activation(name)
    back = _round_trip_model(
        [DenseBlock(5, act), LayerNormalization(), Activation(act), DenseBlock(3, act)],
        dtype,
    )
    found = [layer.activation for layer in back.layers if hasattr(layer, "activation")]
    if ACTIVATIONS[name]().name == "linear":  # no nodes: no Activation layer
        assert [f.name for f in found] == ["linear", "linear"]
    else:
        assert found == [back.layers[0].activation] * 3
        assert found[0] == (act if not isinstance(act, str) else ACTIVATIONS[name]())


@pytest.fixture(scope="module")
def fitted():
    """Fitted classifiers (binary with string labels, multiclass, multilabel) and a regressor."""
    Ymulti = np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0.3].astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make = dict(hidden_layer_sizes=(6,), max_iter=40, random_state=0)
        return {
            "binary": (np.array(["no", "yes"])[(X[:, 0] > 0).astype(int)], make),
            "multiclass": (Y3 + 3, make),
            "multilabel": (Ymulti, make),
        }


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_round_trip_of_a_classifier_is_exact(fitted, task):
    y, params = fitted[task]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ScratchMLPClassifier(**params, activation="tanh").fit(X, y)
    back = from_onnx(to_onnx(clf))
    assert isinstance(back, ScratchMLPClassifier)
    np.testing.assert_array_equal(back.classes_, clf.classes_)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))


def test_round_trip_of_a_batch_norm_classifier_is_exact():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ScratchMLPClassifier(
            hidden_layer_sizes=(6,), batch_norm=True, max_iter=20, random_state=0
        ).fit(X, Y3)
    back = from_onnx(to_onnx(clf))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_round_trip_of_a_regressor_gives_its_model(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = ScratchMLPRegressor(
            hidden_layer_sizes=(6,), max_iter=30, random_state=0
        ).fit(X, X[:, :2] @ [1.0, -2.0])
    path = tmp_path / "regressor.onnx"
    onnx.save(to_onnx(reg), path)
    back = from_onnx(str(path))  # a path, as str; os.PathLike below
    assert isinstance(back, Model)
    np.testing.assert_array_equal(back.predict(X).ravel(), reg.predict(X))
    assert isinstance(from_onnx(path), Model)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("zipmap", [True, False])
def test_skl2onnx_mlp_classifier_is_read_within_float32_rounding(fitted, task, zipmap):
    y, params = fitted[task]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(**params, activation="logistic").fit(X, y)
    onx = skl2onnx.to_onnx(mlp, X[:1].astype(np.float32), options={"zipmap": zipmap})
    back = from_onnx(onx)
    assert isinstance(back, ScratchMLPClassifier)
    np.testing.assert_array_equal(back.classes_, mlp.classes_)
    np.testing.assert_allclose(back.predict_proba(X), mlp.predict_proba(X), atol=1e-5)
    assert (back.predict(X) == mlp.predict(X)).mean() > 0.95  # ties at 1e-5 may flip


def test_skl2onnx_mlp_regressor_is_read_within_float32_rounding():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(hidden_layer_sizes=(6, 3), max_iter=40, random_state=0)
        mlp.fit(X, X[:, 0] - X[:, 3])
    back = from_onnx(skl2onnx.to_onnx(mlp, X[:1].astype(np.float32)))
    assert [layer.activation.name for layer in back.layers] == [
        "relu",
        "relu",
        "linear",
    ]
    np.testing.assert_allclose(back.predict(X).ravel(), mlp.predict(X), atol=1e-5)


def _gemm_graph(extra_node=None, op_name="Relu"):
    """A hand-built graph: Gemm (transB, as torch.onnx writes it), an activation."""
    h = onnx.helper
    W = RNG.normal(size=(3, 4)).astype(np.float32)  # (units, n_in): transB=1
    b = RNG.normal(size=3).astype(np.float32)
    nodes = [
        h.make_node("Gemm", ["X", "W", "b"], ["z"], name="fc", transB=1),
        h.make_node(op_name, ["z"], ["a"], name="act"),
        h.make_node("Gemm", ["a", "W2", "b2"], ["y"], name="fc2", transB=1),
    ]
    W2 = RNG.normal(size=(1, 3)).astype(np.float32)
    b2 = np.zeros(1, np.float32)
    if extra_node is not None:
        nodes[-1].input[0] = extra_node.output[0]
        nodes.insert(2, extra_node)
    graph = h.make_graph(
        nodes,
        "torch_like",
        [h.make_tensor_value_info("X", onnx.TensorProto.FLOAT, [None, 4])],
        [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None, 1])],
        initializer=[
            onnx.numpy_helper.from_array(v, k)
            for k, v in {"W": W, "b": b, "W2": W2, "b2": b2}.items()
        ],
    )
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    return model, (W, b, W2, b2)


@pytest.mark.parametrize(
    "op_name, reference",
    [("Relu", lambda z: np.maximum(z, 0)), ("Tanh", np.tanh)],
)
def test_a_torch_like_gemm_graph_is_read(op_name, reference):
    model, (W, b, W2, b2) = _gemm_graph(op_name=op_name)
    back = from_onnx(model)
    X32 = X.astype(np.float32)
    expected = reference(X32 @ W.T + b) @ W2.T + b2
    np.testing.assert_allclose(back.predict(X32), expected, rtol=1e-5, atol=1e-6)


def test_an_unknown_node_is_refused_by_type_and_name():
    h = onnx.helper
    unknown = h.make_node("Hardmax", ["a"], ["odd"], name="my_hardmax", axis=1)
    model, _ = _gemm_graph(extra_node=unknown)
    with pytest.raises(ValueError, match="Hardmax node 'my_hardmax'"):
        from_onnx(model)


def test_a_foreign_domain_is_refused_by_name():
    h = onnx.helper
    custom = h.make_node(
        "Mystery", ["a"], ["odd"], name="custom_op", domain="com.example"
    )
    model, _ = _gemm_graph(extra_node=custom)
    with pytest.raises(ValueError, match="Mystery node 'custom_op'"):
        from_onnx(model)


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="model_or_path must be an onnx.ModelProto"):
        from_onnx(b"not a model")
    with pytest.raises(ValueError, match="model_or_path .* is not a regular file"):
        from_onnx(tmp_path)  # a directory
    with pytest.raises(ValueError, match="is not a regular file"):
        from_onnx(tmp_path / "missing.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00\x01 not protobuf")
    with pytest.raises(ValueError, match="model_or_path: .* could not be read"):
        from_onnx(junk)


def test_without_onnx_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)  # import fails
    with pytest.raises(ImportError, match=r'pip install "sknetscratch\[onnx\]"'):
        from_onnx("model.onnx")
