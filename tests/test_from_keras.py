"""``from_keras``: Keras 3 models (JAX backend) built here, converted, predicting alike.

Keras is imported once (slow); the models are built once per module and shared.
"""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
pytest.importorskip("jax")

from sknetscratch import (  # noqa: E402
    ACTIVATIONS,
    BatchNormalization,
    DenseBlock,
    Dropout,
    LayerNormalization,
    Model,
    from_keras,
)
from sknetscratch.io.importers._keras import KERAS_ACTIVATIONS  # noqa: E402

L = keras.layers
RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5)).astype(np.float32)
Y = (X[:, :1] + X[:, 1:2] > 0).astype(np.float32)


def assert_same_predictions(net, model):
    expected = np.asarray(net.predict(X, verbose=0))
    got = model.predict(X)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def _with_trained_statistics(net, epochs=2):
    """Fit briefly so batch-norm moving statistics and weights are not the defaults."""
    net.compile(optimizer=keras.optimizers.SGD(0.05), loss="binary_crossentropy")
    keras.utils.set_random_seed(0)
    net.fit(X, Y, epochs=epochs, batch_size=16, verbose=0)
    return net


@pytest.fixture(scope="module")
def every_layer():
    """Every supported layer, trained so that the moving statistics moved."""
    keras.utils.set_random_seed(0)
    net = keras.Sequential(
        [
            keras.Input((5,)),
            L.Dense(8, use_bias=False),
            L.BatchNormalization(momentum=0.8, epsilon=1e-2),
            L.Activation("relu"),
            L.Dropout(0.25),
            L.Dense(6, activation="tanh"),
            L.LayerNormalization(epsilon=1e-4),
            L.BatchNormalization(center=False),
            L.LayerNormalization(scale=False),
            L.ReLU(),
            L.Dense(6),
            L.LeakyReLU(negative_slope=0.1),
            L.Dense(6),
            L.ELU(alpha=0.5),
            L.Dense(4),
            L.Softmax(),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    return _with_trained_statistics(net)


def test_every_layer_predicts_as_keras(every_layer):
    model = from_keras(every_layer)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == [
        "DenseBlock",
        "BatchNormalization",
        "Activation",
        "Dropout",
        "DenseBlock",
        "LayerNormalization",
        "BatchNormalization",
        "LayerNormalization",
        "Activation",
        "DenseBlock",
        "DenseBlock",
        "DenseBlock",
        "DenseBlock",
    ]
    bn = model.layers[1]
    assert (bn.momentum, bn.epsilon) == (0.8, 0.01)
    keras_bn = every_layer.layers[1]
    np.testing.assert_array_equal(bn.state["moving_mean"], keras_bn.moving_mean)
    assert not np.allclose(bn.state["moving_mean"], 0)  # trained statistics
    assert model.layers[6].center is False and model.layers[7].scale is False
    assert model.layers[9].activation.negative_slope == 0.1
    assert model.layers[10].activation.alpha == 0.5
    assert_same_predictions(every_layer, model)


# every Keras activation that maps, so that a new entry is tested automatically
@pytest.mark.parametrize("name", sorted(KERAS_ACTIVATIONS))
def test_every_activation_predicts_as_keras(name):
    keras.utils.set_random_seed(1)
    out = "softmax" if name == "softmax" else "linear"
    net = keras.Sequential(
        [keras.Input((5,)), L.Dense(7, activation=name), L.Dense(3, activation=out)]
    )
    model = from_keras(net)
    assert model.layers[0].activation.name in ACTIVATIONS
    assert_same_predictions(net, model)


def test_a_functional_chain_is_converted():
    keras.utils.set_random_seed(2)
    inputs = keras.Input((5,))
    h = L.Dense(6, activation="silu")(inputs)
    h = L.BatchNormalization()(h)
    outputs = L.Activation("softmax")(L.Dense(3)(h))
    net = keras.Model(inputs, outputs)
    model = from_keras(net)
    assert model.layers[-1].activation.name == "softmax"  # folded into the dense layer
    assert_same_predictions(net, model)


def test_the_result_trains_further_with_the_keras_loss_and_optimizer(every_layer):
    model = from_keras(every_layer)  # compiled: SGD(0.05) and binary cross-entropy
    assert model.loss.name == "binary_crossentropy"
    assert type(model.optimizer).__name__ == "SGD"
    assert model.optimizer.learning_rate == 0.05
    before = model.evaluate(X, Y)
    model.fit(X, Y, epochs=5, batch_size=16, random_state=0, verbose=0)
    after = model.evaluate(X, Y)
    assert after < before


def test_an_uncompiled_model_is_left_to_compile():
    net = keras.Sequential([keras.Input((5,)), L.Dense(2), L.Dense(1)])
    model = from_keras(net)
    assert model.loss is None and model.optimizer is None
    model.compile(optimizer="adam", loss="squared_error")
    history = model.fit(X, Y, epochs=2, random_state=0, verbose=0)
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: L.GaussianNoise(0.1), "'gaussian_noise' \\(GaussianNoise\\)"),
        (lambda: L.RMSNormalization(), "'rms_normalization' \\(RMSNormalization\\)"),
        (lambda: L.Dense(3, activation="gelu"), "exact \\(erf\\) form"),
        (lambda: L.Dense(3, activation="hard_sigmoid"), "'hard_sigmoid'"),
    ],
)
def test_unsupported_layers_are_refused_by_name(make, match):
    net = keras.Sequential([keras.Input((5,)), make(), L.Dense(1)])
    with pytest.raises(ValueError, match=match):
        from_keras(net)


def test_a_model_not_ending_with_dense_is_refused():
    net = keras.Sequential([keras.Input((5,)), L.Dense(3), L.BatchNormalization()])
    with pytest.raises(ValueError, match="end with a Dense layer"):
        from_keras(net)


def test_a_branching_model_is_refused():
    inputs = keras.Input((5,))
    outputs = L.Add()([L.Dense(3)(inputs), L.Dense(3)(inputs)])
    with pytest.raises(ValueError, match="does not read the output of the layer"):
        from_keras(keras.Model(inputs, outputs))


def test_bad_arguments():
    with pytest.raises(TypeError, match="model must be a Keras model"):
        from_keras(Model([DenseBlock(1)]))
    unbuilt = keras.Sequential([L.Dense(1)])
    with pytest.raises(ValueError, match="built Keras model"):
        from_keras(unbuilt)


def test_the_layers_match_the_core_classes(every_layer):
    model = from_keras(every_layer)
    classes = {type(layer) for layer in model.layers}
    assert {DenseBlock, BatchNormalization, LayerNormalization, Dropout} <= classes


def test_without_keras_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "keras", None)  # import fails
    with pytest.raises(ImportError, match="pip install keras jax"):
        from_keras(object())


def test_keras_without_its_backend_says_which_backend(tmp_path):
    # Keras 3 imports its backend (KERAS_BACKEND, TensorFlow by default) on
    # import: with Keras installed and that backend missing, the message says so
    if importlib.util.find_spec("tensorflow") is not None:
        pytest.skip("TensorFlow is installed here")
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    code = "import sknetscratch; sknetscratch.from_keras(object())"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "could not import its backend 'tensorflow'" in done.stderr
    assert "KERAS_BACKEND=jax" in done.stderr
