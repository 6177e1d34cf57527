"""Backpropagation against central finite differences (float64).

Every registered activation and loss is parametrized from the registries, and
every concrete layer class of the package from ``Layer``'s subclasses, so a new
one is gradient-checked automatically (a new layer class fails until it has an
example in ``LAYER_EXAMPLES``).
"""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import sknetscratch
from sknetscratch import (
    SGD,
    Activation,
    BatchNormalization,
    DenseBlock,
    Dropout,
    Layer,
    LayerNormalization,
    Model,
    check_gradients,
)
from sknetscratch.nn.activations import ACTIVATIONS, ActivationFunction, Linear
from sknetscratch.nn.losses import LOSSES, Huber, Quantile

TOL = 1e-6
#: Losses with a kink where the output equals the target.
KINKED = ("absolute_error", "huber", "quantile")


def _model(hidden, n_out, out_activation, loss, alpha=0.0, use_bias=True):
    """A compiled model: ``hidden`` is a list of (units, activation) or Dropout."""
    model = Model()
    for h in hidden:
        if isinstance(h, Dropout):
            model.add(h)
        else:
            units, act = h
            model.add(DenseBlock(units, act, use_bias=use_bias))
    model.add(DenseBlock(n_out, out_activation, use_bias=use_bias))
    model.compile(optimizer=SGD(0.1), loss=loss, alpha=alpha)
    return model


def _targets(loss_name, rng, n, k):
    if loss_name == "binary_crossentropy":
        return rng.integers(0, 2, size=(n, k)).astype(np.float64)
    if loss_name == "categorical_crossentropy":
        return np.eye(k)[rng.integers(0, k, size=n)]
    if loss_name == "poisson":
        return rng.poisson(2.0, size=(n, k)).astype(np.float64)
    if loss_name == "squared_error" or loss_name in KINKED:
        return rng.normal(size=(n, k))
    raise AssertionError(f"no targets defined for the new loss {loss_name!r}")


def _away_from_kinks(loss_name, model, X, y):
    """Targets of a kinked loss moved to at least 0.1 from the built model's
    outputs, so that no finite difference straddles the kink at z = y."""
    if loss_name not in KINKED:
        return y
    return model.predict(X) + np.sign(y) * (0.1 + np.abs(y))


def _data(rng, n=7, d=4):
    return rng.normal(size=(n, d))


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_hidden_layer(activation):
    rng = np.random.default_rng(0)
    X, y = _data(rng), rng.normal(size=(7, 2))
    model = _model([(5, activation)], 2, "linear", "squared_error")
    model.build(4, random_state=1)
    err, details = check_gradients(model, X, y, return_details=True)
    assert set(details) == {"layers[0].W", "layers[0].b", "layers[1].W", "layers[1].b"}
    assert err <= TOL, details


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("n_out", [1, 3])
def test_every_loss_with_its_link(loss_name, n_out):
    if loss_name == "categorical_crossentropy" and n_out == 1:
        n_out = 2  # softmax over one unit is constant
    rng = np.random.default_rng(1)
    X = _data(rng, n=8)
    y = _targets(loss_name, rng, 8, n_out)
    link = LOSSES[loss_name].link
    model = _model([(5, "tanh")], n_out, link, loss_name)
    model.build(4, random_state=2)
    y = _away_from_kinks(loss_name, model, X, y)
    err = check_gradients(model, X, y)
    assert err <= TOL


def test_multilabel_binary_crossentropy():
    rng = np.random.default_rng(2)
    X = _data(rng, n=9)
    y = rng.integers(0, 2, size=(9, 4)).astype(np.float64)
    assert y.sum(axis=1).max() > 1  # really several positive labels per row
    model = _model([(6, "relu")], 4, "sigmoid", "binary_crossentropy")
    model.build(4, random_state=0)
    assert check_gradients(model, X, y) <= TOL


@pytest.mark.parametrize("use_bias", [True, False])
def test_with_and_without_bias(use_bias):
    rng = np.random.default_rng(3)
    X, y = _data(rng), rng.normal(size=(7, 2))
    model = _model(
        [(5, "tanh"), (3, "sigmoid")], 2, "linear", "squared_error", use_bias=use_bias
    )
    model.build(4, random_state=0)
    err, details = check_gradients(model, X, y, return_details=True)
    assert any(k.endswith(".b") for k in details) is use_bias
    assert err <= TOL


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_l2_penalty(loss_name):
    rng = np.random.default_rng(4)
    X = _data(rng)
    y = _targets(loss_name, rng, 7, 2)
    model = _model([(5, "tanh")], 2, LOSSES[loss_name].link, loss_name, alpha=0.7)
    model.build(4, random_state=0)
    y = _away_from_kinks(loss_name, model, X, y)
    assert check_gradients(model, X, y) <= TOL


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_sample_weights(loss_name, alpha):
    rng = np.random.default_rng(5)
    X = _data(rng, n=8)
    y = _targets(loss_name, rng, 8, 2)
    sw = rng.uniform(0.1, 3.0, size=8)
    sw[2] = 0.0
    model = _model([(5, "tanh")], 2, LOSSES[loss_name].link, loss_name, alpha=alpha)
    model.build(4, random_state=0)
    y = _away_from_kinks(loss_name, model, X, y)
    assert check_gradients(model, X, y, sw) <= TOL


@pytest.mark.parametrize(
    "loss", [Huber(delta=0.3), Huber(delta=2.5), Quantile(0.9), Quantile(0.1)]
)
def test_losses_with_parameters(loss):
    rng = np.random.default_rng(15)
    X = _data(rng, n=9)
    sw = rng.uniform(0.1, 3.0, size=9)
    model = _model([(6, "tanh")], 2, "linear", loss, alpha=0.3)
    model.build(4, random_state=0)
    y = _away_from_kinks(loss.name, model, X, 2 * rng.normal(size=(9, 2)))
    if loss.name == "huber":  # both sides of the threshold are exercised
        r = np.abs(model.predict(X) - y)
        assert (r < loss.delta).any() and (r > loss.delta).any()
    assert check_gradients(model, X, y, sw) <= TOL


def test_dropout_fixed_mask():
    rng = np.random.default_rng(6)
    X, y = _data(rng, n=8), rng.normal(size=(8, 2))
    model = _model(
        [(10, "tanh"), Dropout(0.5), (6, "relu")], 2, "linear", "squared_error"
    )
    model.build(4, random_state=0)
    Xp, yp, _ = model.prepare(X, y)
    # the mask really drops units: training and inference losses differ
    workspace = model.workspace()
    train_loss = model.loss_and_gradient(
        Xp, yp, training=True, rng=np.random.default_rng(11), workspace=workspace
    )
    mask = workspace.caches[1]["mask"]
    assert np.any(mask == 0) and np.any(mask == 2.0)
    infer_loss = model.loss_and_gradient(Xp, yp, training=False)
    assert train_loss != infer_loss
    err = check_gradients(model, X, y, training=True, random_state=11)
    assert err <= TOL


@pytest.mark.parametrize("n_samples", [1, 2, 16])
def test_batch_sizes(n_samples):
    rng = np.random.default_rng(7)
    X = _data(rng, n=n_samples)
    y = np.eye(3)[rng.integers(0, 3, size=n_samples)]
    model = _model([(5, "elu")], 3, "softmax", "categorical_crossentropy", alpha=0.1)
    model.build(4, random_state=0)
    assert check_gradients(model, X, y) <= TOL


@pytest.mark.parametrize(
    "hidden",
    [
        [(6, "tanh"), (5, "relu")],
        [(6, "softplus"), (5, "gelu"), (4, "silu")],
        [(6, "leaky_relu"), (5, "sigmoid"), (4, "elu")],
    ],
)
def test_deeper_networks(hidden):
    rng = np.random.default_rng(8)
    X = _data(rng, n=6)
    y = rng.integers(0, 2, size=(6, 2)).astype(np.float64)
    sw = rng.uniform(0.5, 2.0, size=6)
    model = _model(hidden, 2, "sigmoid", "binary_crossentropy", alpha=0.2)
    model.build(4, random_state=0)
    err, details = check_gradients(model, X, y, sw, return_details=True)
    assert len(details) == 2 * (len(hidden) + 1)
    assert err <= TOL


def test_parameters_restored_and_built_on_demand():
    rng = np.random.default_rng(9)
    X, y = _data(rng), rng.normal(size=(7, 1))
    model = _model([(4, "tanh")], 1, "linear", "squared_error")
    assert not model.built
    check_gradients(model, X, y)  # builds in float64
    assert model.built and model.params.dtype == np.float64
    before = model.params.copy()
    check_gradients(model, X, y)
    np.testing.assert_array_equal(model.params, before)


# -- the checker itself must be able to fail -----------------------------------


def test_detects_linear_derivative_returning_z(monkeypatch):
    """The original post's bug: the linear activation's derivative returned x."""
    rng = np.random.default_rng(10)
    X, y = _data(rng), rng.normal(size=(7, 2))
    model = _model([(5, "linear")], 2, "linear", "squared_error")
    model.build(4, random_state=0)
    assert check_gradients(model, X, y) <= TOL  # correct code passes
    monkeypatch.setattr(Linear, "derivative_from_output", False)
    monkeypatch.setattr(Linear, "derivative", lambda self, z, a: z)
    monkeypatch.setattr(Linear, "backward", ActivationFunction.backward)
    err, details = check_gradients(model, X, y, return_details=True)
    assert err > 1e-2
    assert details["layers[0].W"] > 1e-2  # the hidden layer below the bad derivative


def test_detects_bias_gradient_averaged(monkeypatch):
    rng = np.random.default_rng(11)
    X, y = _data(rng, n=8), rng.normal(size=(8, 2))
    model = _model([(5, "tanh")], 2, "linear", "squared_error")
    model.build(4, random_state=0)
    original = DenseBlock.backward_linear

    def averaged_bias(self, delta, cache, **kwargs):
        out = original(self, delta, cache, **kwargs)
        self.grads["b"] /= cache["X"].shape[0]  # mean instead of sum
        return out

    monkeypatch.setattr(DenseBlock, "backward_linear", averaged_bias)
    err, details = check_gradients(model, X, y, return_details=True)
    assert err > 1e-2
    assert details["layers[0].b"] > 1e-2 and details["layers[1].b"] > 1e-2
    assert details["layers[1].W"] <= TOL  # kernels are still right


def test_detects_wrong_activation_derivative(monkeypatch):
    rng = np.random.default_rng(12)
    X, y = _data(rng), rng.normal(size=(7, 1))
    model = _model([(5, "sigmoid")], 1, "linear", "squared_error")
    model.build(4, random_state=0)
    cls = ACTIVATIONS["sigmoid"]
    monkeypatch.setattr(cls, "derivative", lambda self, z, a: a)  # forgot (1 - a)
    assert check_gradients(model, X, y) > 1e-2


def test_details_are_keyed_by_layer_index(monkeypatch):
    """A wrong gradient in one layer is reported for that layer, whatever the
    names (two layers named alike once hid each other's entries)."""
    rng = np.random.default_rng(13)
    X, y = _data(rng, n=8), rng.normal(size=(8, 1))
    model = Model([DenseBlock(4, "tanh", name="x"), DenseBlock(1, name="y")])
    model.compile(optimizer=None, loss="squared_error").build(4, random_state=0)
    original = DenseBlock.backward_linear

    def first_bias_wrong(self, delta, cache, **kwargs):
        out = original(self, delta, cache, **kwargs)
        if self is model.layers[0]:
            self.grads["b"] /= 6
        return out

    monkeypatch.setattr(DenseBlock, "backward_linear", first_bias_wrong)
    err, details = check_gradients(model, X, y, return_details=True)
    assert set(details) == {"layers[0].W", "layers[0].b", "layers[1].W", "layers[1].b"}
    assert details["layers[0].b"] > 1e-2 and err == details["layers[0].b"]
    assert details["layers[1].b"] <= TOL


def test_uncompiled_model_gives_a_clear_error():
    model = Model([DenseBlock(3, "relu"), DenseBlock(1)])
    with pytest.raises(ValueError, match=r"compile\(loss=\.\.\.\)"):
        check_gradients(model, np.ones((2, 3)), np.ones((2, 1)))


def test_derivative_from_output_set_wrongly_cannot_pass_silently():
    """The old ``inplace`` trap: flagging an activation whose derivative needs z."""
    from sknetscratch.nn.activations import Softplus

    class FastSoftplus(Softplus):
        derivative_from_output = True

    rng = np.random.default_rng(14)
    X, y = _data(rng), rng.normal(size=(7, 1))
    model = Model([DenseBlock(5, FastSoftplus()), DenseBlock(1)])
    model.compile(optimizer=None, loss="squared_error").build(4, random_state=0)
    with pytest.raises(TypeError):
        check_gradients(model, X, y)


def test_is_exported():
    assert sknetscratch.check_gradients is check_gradients


@pytest.mark.parametrize("alpha", [0.0, 0.4])
def test_l1_penalty(alpha):
    """The L1 term's (sub)gradient; no kernel entry is exactly 0 after init."""
    rng = np.random.default_rng(7)
    X = _data(rng)
    y = _targets("binary_crossentropy", rng, 7, 2)
    model = _model([(5, "tanh"), (3, "relu")], 2, "sigmoid", "binary_crossentropy")
    model.compile(optimizer=SGD(0.1), loss="binary_crossentropy", alpha=alpha, l1=0.3)
    model.build(4, random_state=0)
    sw = rng.uniform(0.5, 2.0, size=7)
    assert check_gradients(model, X, y, sample_weight=sw) <= TOL
    plain = _model([(5, "tanh"), (3, "relu")], 2, "sigmoid", "binary_crossentropy")
    plain.compile(optimizer=SGD(0.1), loss="binary_crossentropy", alpha=alpha)
    plain.build(4, random_state=0)
    kernels = [layer.W for layer in model.layers]
    l1_sum = sum(np.abs(W).sum() for W in kernels)
    assert model.evaluate(X, y, sw) == pytest.approx(
        plain.evaluate(X, y, sw) + 0.3 * l1_sum / sw.sum(), rel=1e-12
    )


# -- every layer class ---------------------------------------------------------


def concrete_layer_classes():
    """Every concrete ``Layer`` subclass defined in any module of sknetscratch."""
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


#: One example of each layer class, placed between two DenseBlocks.
LAYER_EXAMPLES = {
    "Activation": lambda: Activation("softplus"),
    "BatchNormalization": lambda: BatchNormalization(momentum=0.9),
    "DenseBlock": lambda: DenseBlock(4, "tanh"),
    "Dropout": lambda: Dropout(0.4),
    "LayerNormalization": lambda: LayerNormalization(),
}


def test_every_layer_class_has_an_example():
    names = {c.__name__ for c in concrete_layer_classes()}
    assert {"BatchNormalization", "DenseBlock", "Dropout"} <= names
    assert names <= set(LAYER_EXAMPLES), names - set(LAYER_EXAMPLES)


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("layer_class", [c.__name__ for c in concrete_layer_classes()])
def test_every_layer_class(layer_class, training):
    rng = np.random.default_rng(15)
    X = _data(rng, n=9)
    y = rng.integers(0, 2, size=(9, 2)).astype(np.float64)
    model = Model(
        [DenseBlock(5, "tanh"), LAYER_EXAMPLES[layer_class](), DenseBlock(2, "sigmoid")]
    )
    model.compile(optimizer=None, loss="binary_crossentropy", alpha=0.1)
    model.build(4, random_state=0)
    for p in model.layers[1].params.values():  # off their initial values
        p += rng.normal(scale=0.5, size=p.shape)
    for v in model.layers[1].state.values():  # moving statistics, say
        v[...] = rng.uniform(0.5, 2.0, size=v.shape)
    err, details = check_gradients(
        model, X, y, training=training, random_state=3, return_details=True
    )
    assert err <= TOL, details
