"""BatchNormalization, LayerNormalization and the Activation layer: gradients
(finite differences, float64), the formulas by hand, the moving statistics, row
independence at inference, summary counts, persistence, and a deep sigmoid
network that trains only with batch norm."""

import copy
import json
import pickle
import re

import numpy as np
import pytest
import scipy.sparse as sp

from sknetscratch import (
    SGD,
    Activation,
    BatchNormalization,
    DenseBlock,
    LayerNormalization,
    Model,
    check_gradients,
    load,
    save,
)
from sknetscratch.nn.activations import ACTIVATIONS, LeakyReLU
from sknetscratch.nn.layers.normalization import _standardize_backward

TOL = 1e-6
META = "__sknetscratch_meta__"


def _xy(n=12, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=1.5, scale=2.0, size=(n, d))
    y = rng.integers(0, 2, size=(n, 1)).astype(np.float64)
    return X, y


def _off_defaults(model, seed=1):
    """gamma and beta away from 1 and 0, moving statistics away from 0 and 1."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for k, p in layer.params.items():
            if k in ("gamma", "beta"):
                p[...] = rng.normal(size=p.shape)
        if "moving_mean" in layer.state:
            layer.state["moving_mean"][...] = rng.normal(size=layer.input_dim)
            layer.state["moving_variance"][...] = rng.uniform(0.3, 3.0, layer.input_dim)
    return model


def _bn_net(center=True, scale=True, use_bias=False, momentum=0.9):
    """Dense -> BN -> Activation('tanh') -> Dense(sigmoid), compiled, built."""
    model = Model(
        [
            DenseBlock(5, use_bias=use_bias),
            BatchNormalization(momentum=momentum, center=center, scale=scale),
            Activation("tanh"),
            DenseBlock(1, "sigmoid"),
        ]
    )
    model.compile(optimizer=None, loss="binary_crossentropy").build(4, random_state=0)
    return _off_defaults(model)


# -- gradient checks ----------------------------------------------------------------


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients(center, scale, training):
    X, y = _xy()
    model = _bn_net(center, scale)
    err, details = check_gradients(model, X, y, training=training, return_details=True)
    expected = {k for k, on in (("gamma", scale), ("beta", center)) if on}
    assert {k.split(".")[1] for k in details if k.startswith("layers[1]")} == expected
    assert err <= TOL, details


def test_batch_norm_gradients_with_sample_weights_and_l2():
    X, y = _xy(n=10, seed=2)
    sw = np.random.default_rng(3).uniform(0.1, 3.0, size=10)
    model = _bn_net()
    model.alpha = 0.3
    assert check_gradients(model, X, y, sw, training=True) <= TOL


def test_batch_norm_as_first_layer_and_two_in_a_row():
    X, y = _xy(seed=4)
    model = Model(
        [
            BatchNormalization(),
            DenseBlock(6, "relu"),
            BatchNormalization(momentum=0.5),
            DenseBlock(3),
            BatchNormalization(scale=False),
            Activation("sigmoid"),
            DenseBlock(1, "sigmoid"),
        ]
    )
    model.compile(optimizer=None, loss="binary_crossentropy").build(4, random_state=0)
    _off_defaults(model)
    for training in (True, False):
        assert check_gradients(model, X, y, training=training) <= TOL


def test_bias_just_before_batch_norm_has_zero_gradient_and_passes():
    """The batch mean removes any constant per feature: the bias's true gradient
    is 0, and the checker does not raise a false alarm on its rounding noise."""
    X, y = _xy(n=64, seed=5)
    model = _bn_net(use_bias=True)
    model.layers[0].b[...] = np.arange(5.0)
    err, details = check_gradients(model, X, y, training=True, return_details=True)
    assert np.abs(model.layers[0].grads["b"]).max() < 1e-14
    assert details["layers[0].b"] == 0.0 and err <= TOL


def test_gradient_check_leaves_the_moving_statistics_as_they_were():
    X, y = _xy()
    model = _bn_net()
    before = {k: v.copy() for k, v in model.layers[1].state.items()}
    check_gradients(model, X, y, training=True)
    for k, v in before.items():
        np.testing.assert_array_equal(model.layers[1].state[k], v)


def test_gradient_check_detects_a_wrong_batch_norm_backward(monkeypatch):
    """Dropping the variance term of the backward step (treating v as a
    constant) is caught; so the tests above can fail."""
    from sknetscratch.nn.layers import normalization

    X, y = _xy()
    model = _bn_net()
    assert check_gradients(model, X, y, training=True) <= TOL

    def no_variance_term(D, X_hat, inv_std, pi, axis):
        return inv_std * (D - pi * D.sum(axis=axis, keepdims=True))

    monkeypatch.setattr(normalization, "_standardize_backward", no_variance_term)
    err, details = check_gradients(model, X, y, training=True, return_details=True)
    assert details["layers[0].W"] > 1e-2  # below the batch norm
    assert details["layers[1].gamma"] <= TOL  # its own parameters are still right


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("scale", [True, False])
def test_layer_norm_gradients(center, scale):
    X, y = _xy(seed=6)
    model = Model(
        [
            DenseBlock(5),
            LayerNormalization(center=center, scale=scale),
            Activation("tanh"),
            LayerNormalization(epsilon=1e-5),
            DenseBlock(1, "sigmoid"),
        ]
    )
    model.compile(optimizer=None, loss="binary_crossentropy").build(4, random_state=0)
    _off_defaults(model)
    for training in (True, False):  # the same computation
        assert check_gradients(model, X, y, training=training) <= TOL


def test_layer_norm_as_first_layer():
    X, y = _xy(seed=7)
    model = Model([LayerNormalization(), DenseBlock(3, "softmax")])
    Y = np.eye(3)[np.random.default_rng(0).integers(0, 3, size=len(X))]
    model.compile(optimizer=None, loss="categorical_crossentropy")
    model.build(4, random_state=0)
    _off_defaults(model)
    assert check_gradients(model, X, Y) <= TOL


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_activation_layer_gradients(activation):
    X, _ = _xy(seed=8)
    y = np.random.default_rng(9).normal(size=(len(X), 2))
    model = Model([DenseBlock(5, use_bias=True), Activation(activation), DenseBlock(2)])
    model.compile(optimizer=None, loss="squared_error").build(4, random_state=1)
    err, details = check_gradients(model, X / 3, y, return_details=True)
    assert set(details) == {"layers[0].W", "layers[0].b", "layers[2].W", "layers[2].b"}
    assert err <= TOL, details


@pytest.mark.parametrize("weighted", [False, True])
def test_standardize_backward_is_the_jacobian_transpose(weighted):
    """The closed form against the explicit Jacobian of X_hat(X), one column."""
    rng = np.random.default_rng(10)
    x, D, eps = rng.normal(size=6), rng.normal(size=6), 1e-3
    n = len(x)
    pi = rng.uniform(0.0, 2.0, n) if weighted else np.ones(n)
    pi /= pi.sum()
    mu = pi @ x
    inv_std = 1 / np.sqrt(pi @ (x - mu) ** 2 + eps)
    x_hat = (x - mu) * inv_std
    # dx_hat_j/dx_i = s([i = j] - pi_i - pi_i x_hat_i x_hat_j), row j, column i
    J = inv_std * (np.eye(n) - pi[None, :] - np.outer(x_hat, x_hat * pi))
    got = _standardize_backward(D[:, None], x_hat[:, None], inv_std, pi[:, None], 0)
    np.testing.assert_allclose(got[:, 0], J.T @ D, rtol=1e-12)


# -- batch norm: formulas and moving statistics ---------------------------------------


def test_batch_norm_training_output_is_the_batch_formula():
    X, _ = _xy()
    bn = BatchNormalization(epsilon=0.01).build(4)
    bn.params["gamma"][...] = [1.0, 2.0, -1.0, 0.5]
    bn.params["beta"][...] = [0.0, 1.0, 3.0, -2.0]
    out = bn(X, training=True)
    mu, var = X.mean(axis=0), ((X - X.mean(axis=0)) ** 2).mean(axis=0)  # biased
    expected = bn.params["gamma"] * (X - mu) / np.sqrt(var + 0.01) + bn.params["beta"]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_batch_norm_weights_the_batch_statistics():
    """mu = sum_i pi_i X_i and v = sum_i pi_i (X_i - mu)^2, pi = w / sum(w)."""
    X, _ = _xy()
    w = np.random.default_rng(4).uniform(0.0, 3.0, size=X.shape[0])
    bn = BatchNormalization(momentum=0.0, epsilon=0.01).build(4)
    out = bn(X, training=True, sample_weight=w)
    pi = w / w.sum()
    mu = pi @ X
    var = pi @ (X - mu) ** 2
    np.testing.assert_allclose(out, (X - mu) / np.sqrt(var + 0.01), rtol=1e-12)
    np.testing.assert_allclose(bn.state["moving_mean"], mu, rtol=1e-12)
    np.testing.assert_allclose(bn.state["moving_variance"], var, rtol=1e-12)


def test_a_weight_of_k_is_the_row_repeated_k_times():
    """scikit-learn's sample-weight contract, through batch norm: the same loss
    and gradients for integer weights (zeros included) and repeated rows."""
    X, y = _xy(n=9, seed=5)
    w = np.array([0, 1, 2, 3, 1, 0, 2, 1, 4])
    weighted, repeated = _bn_net(), _bn_net()
    loss_w = weighted.loss_and_gradient(X, y, w.astype(float), training=True)
    loss_r = repeated.loss_and_gradient(X.repeat(w, axis=0), y.repeat(w, axis=0))
    np.testing.assert_allclose(loss_w, loss_r, rtol=1e-12)
    np.testing.assert_allclose(weighted.grads, repeated.grads, rtol=1e-10, atol=1e-14)
    bn_w, bn_r = weighted.layers[1].state, repeated.layers[1].state
    for key in ("moving_mean", "moving_variance"):
        np.testing.assert_allclose(bn_w[key], bn_r[key], rtol=1e-12)


def test_batch_norm_inference_is_the_formula_with_the_moving_statistics():
    X, y = _xy(n=40)
    model = Model(
        [DenseBlock(5, "relu"), BatchNormalization(), DenseBlock(1, "sigmoid")]
    )
    model.compile(SGD(0.05), "binary_crossentropy")
    model.fit(X, y, batch_size=8, epochs=3, random_state=0)
    dense, bn, out = model.layers
    mm, mv = bn.state["moving_mean"], bn.state["moving_variance"]
    assert not np.allclose(mm, 0) and not np.allclose(mv, 1)  # really moved
    H = np.maximum(X @ dense.W + dense.b, 0)
    B = bn.params["gamma"] * (H - mm) / np.sqrt(mv + bn.epsilon) + bn.params["beta"]
    p = 1 / (1 + np.exp(-(B @ out.W + out.b)))
    np.testing.assert_allclose(model.predict(X), p, rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.99, 0.6])
def test_moving_statistics_follow_the_momentum_recursion(momentum):
    """BN first, so its inputs are the batches themselves: shuffle=False, three
    epochs of 4 batches (the last one shorter)."""
    X, y = _xy(n=30, seed=11)
    model = Model([BatchNormalization(momentum=momentum), DenseBlock(1, "sigmoid")])
    model.compile(SGD(0.1), "binary_crossentropy")
    model.fit(X, y, batch_size=8, epochs=3, shuffle=False, random_state=0)
    m, v = np.zeros(4), np.ones(4)
    for _ in range(3):
        for start in range(0, 30, 8):
            Xb = X[start : start + 8]
            m = momentum * m + (1 - momentum) * Xb.mean(axis=0)
            v = momentum * v + (1 - momentum) * Xb.var(axis=0)  # biased (ddof=0)
    bn = model.layers[0]
    np.testing.assert_allclose(bn.state["moving_mean"], m, rtol=1e-12)
    np.testing.assert_allclose(bn.state["moving_variance"], v, rtol=1e-12)


def test_inference_leaves_the_moving_statistics_alone():
    X, y = _xy(n=20)
    model = Model([DenseBlock(3), BatchNormalization(), DenseBlock(1, "sigmoid")])
    model.compile(SGD(0.1), "binary_crossentropy").build(4, random_state=0)
    bn = model.layers[1]
    model.predict(X)
    model.evaluate(X, y)
    model.loss_and_gradient(*model.prepare(X, y)[:2], training=False)
    np.testing.assert_array_equal(bn.state["moving_mean"], 0)
    np.testing.assert_array_equal(bn.state["moving_variance"], 1)
    model.loss_and_gradient(*model.prepare(X, y)[:2], training=True)
    assert np.all(bn.state["moving_mean"] != 0)  # training mode updates them


def test_validation_data_is_evaluated_in_inference_mode():
    X, y = _xy(n=24, seed=12)
    model = Model([DenseBlock(3), BatchNormalization(), DenseBlock(1, "sigmoid")])
    model.compile(SGD(0.1), "binary_crossentropy")
    history = model.fit(
        X, y, batch_size=24, epochs=1, shuffle=False, validation_data=(X, y)
    )
    assert history.history["val_loss"][0] == model.evaluate(X, y)


def test_predictions_are_row_independent_at_inference():
    X, y = _xy(n=50, seed=13)
    model = Model(
        [
            DenseBlock(6, use_bias=False),
            BatchNormalization(momentum=0.5),
            Activation("relu"),
            LayerNormalization(),
            DenseBlock(1, "sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, batch_size=10, epochs=2, random_state=0)
    full = model.predict(X)
    for i in (0, 17, 49):
        np.testing.assert_allclose(
            model.predict(X[i : i + 1]), full[i : i + 1], rtol=1e-12
        )
    # in training mode a row's output depends on the rest of its batch
    bn = model.layers[1]
    H = model.layers[0](X)
    assert not np.allclose(bn(H[:5], training=True), bn(H, training=True)[:5])


def test_float32_stays_float32_and_sparse_input_is_densified():
    X, y = _xy(n=16)
    model = Model(
        [BatchNormalization(), LayerNormalization(), DenseBlock(1, "sigmoid")]
    )
    model.compile("adam", "binary_crossentropy")
    model.fit(X.astype(np.float32), y, batch_size=8, epochs=1, random_state=0)
    bn = model.layers[0]
    assert all(v.dtype == np.float32 for v in (*bn.params.values(), *bn.state.values()))
    assert model.predict(X.astype(np.float32)).dtype == np.float32
    X32 = X.astype(np.float32)
    np.testing.assert_array_equal(model.predict(sp.csr_matrix(X32)), model.predict(X32))


def test_pickle_and_copy_keep_the_moving_statistics():
    X, y = _xy(n=16)
    model = Model([BatchNormalization(), DenseBlock(1, "sigmoid")])
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, batch_size=8, epochs=2, random_state=0)
    for clone in (pickle.loads(pickle.dumps(model)), copy.copy(model)):
        for k, v in model.layers[0].state.items():
            np.testing.assert_array_equal(clone.layers[0].state[k], v)
        np.testing.assert_array_equal(clone.predict(X), model.predict(X))


# -- layer norm --------------------------------------------------------------------


def test_layer_norm_is_the_per_row_formula_in_both_modes():
    X, _ = _xy(n=7, d=5)
    ln = LayerNormalization(epsilon=0.1).build(5)
    ln.params["gamma"][...] = np.linspace(-1, 2, 5)
    ln.params["beta"][...] = np.linspace(0, 1, 5)
    mu = X.mean(axis=1, keepdims=True)
    var = ((X - mu) ** 2).mean(axis=1, keepdims=True)
    expected = ln.params["gamma"] * (X - mu) / np.sqrt(var + 0.1) + ln.params["beta"]
    np.testing.assert_allclose(ln(X), expected, rtol=1e-12)
    np.testing.assert_array_equal(ln(X, training=True), ln(X))
    assert ln.state == {} and ln.count_non_trainable(5) == 0


def test_layer_norm_of_one_feature_is_beta():
    ln = LayerNormalization().build(1)
    ln.params["beta"][...] = 0.25
    np.testing.assert_array_equal(ln(np.array([[3.0], [-7.0]])), [[0.25], [0.25]])


# -- the Activation layer ------------------------------------------------------------


def test_activation_layer_applies_the_activation_and_keeps_its_input():
    X = np.array([[-2.0, 0.5], [3.0, -0.1]])
    X_before = X.copy()
    np.testing.assert_allclose(Activation("tanh")(X), np.tanh(X), rtol=1e-15)
    np.testing.assert_array_equal(X, X_before)
    leaky = Activation(LeakyReLU(negative_slope=0.2))
    np.testing.assert_allclose(leaky(X), np.where(X > 0, X, 0.2 * X))
    clone = Activation(**leaky.get_config())
    assert (
        clone.activation == leaky.activation
        and clone.activation is not leaky.activation
    )
    assert Activation("relu").get_config() == {"activation": "relu", "name": None}
    assert Activation(None).activation.name == "linear"
    assert Activation("relu").count_params(4) == 0


def test_dense_linear_then_batch_norm_then_activation_trains():
    X, y = _xy(n=40, seed=14)
    model = Model(
        [
            DenseBlock(8, "linear"),
            BatchNormalization(),
            Activation("relu"),
            DenseBlock(1, "sigmoid"),
        ]
    )
    model.compile(SGD(0.1), "binary_crossentropy")
    history = model.fit(X, y, batch_size=8, epochs=10, random_state=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_activation_layer_cannot_be_the_output_layer():
    model = Model([DenseBlock(3), Activation("sigmoid")])
    with pytest.raises(ValueError, match="last layer 'activation' is a Activation"):
        model.compile("sgd", "binary_crossentropy")
    with pytest.raises(ValueError, match="has activation None"):
        Model([DenseBlock(3), BatchNormalization()]).compile("sgd", "squared_error")


def test_unknown_activation_name_is_refused():
    with pytest.raises(ValueError, match="nope"):
        Activation("nope")


# -- configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: BatchNormalization(momentum=1.5), "momentum must be a number in"),
        (lambda: BatchNormalization(momentum=True), "momentum"),
        (lambda: BatchNormalization(epsilon=0), "epsilon must be a positive"),
        (lambda: LayerNormalization(epsilon=-1e-3), "epsilon must be a positive"),
        (lambda: LayerNormalization(epsilon=float("nan")), "epsilon"),
    ],
)
def test_bad_arguments_raise_value_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_center_and_scale_must_be_bools():
    with pytest.raises(TypeError, match="center must be a bool"):
        BatchNormalization(center="yes")
    with pytest.raises(TypeError, match="scale must be a bool"):
        LayerNormalization(scale=1)


@pytest.mark.parametrize(
    "layer",
    [
        BatchNormalization(momentum=0.5, epsilon=1e-5, center=False, name="bn"),
        LayerNormalization(scale=False, name="ln"),
        Activation("gelu", name="act"),
    ],
)
def test_config_round_trip_and_repr(layer):
    clone = type(layer)(**layer.get_config())
    assert clone.get_config() == layer.get_config() and repr(clone) == repr(layer)


def test_keras_defaults():
    assert BatchNormalization().get_config() == {
        "momentum": 0.99,
        "epsilon": 1e-3,
        "center": True,
        "scale": True,
        "name": None,
        "debias": False,
    }
    assert LayerNormalization().get_config() == {
        "epsilon": 1e-3,
        "center": True,
        "scale": True,
        "name": None,
    }


# -- summary -------------------------------------------------------------------------


def test_summary_counts_as_keras():
    model = Model(
        [
            DenseBlock(16, use_bias=False),
            BatchNormalization(),
            Activation("relu"),
            BatchNormalization(center=False),
            LayerNormalization(),
            DenseBlock(1, "sigmoid"),
        ],
        input_dim=3,
    )
    lines = []
    model.summary(print_fn=lines.append)
    out = lines[0]
    assert re.search(r"│ batch_normalization\s+│ \(None, 16\)\s+│\s+64 │", out)
    assert re.search(r"│ \(BatchNormalization\)\s+│\s+│\s+│", out)  # wrapped
    assert re.search(r"│ activation \(Activation\)\s+│ \(None, 16\)\s+│\s+0 │", out)
    assert re.search(r"│ batch_normalization_1\s+│ \(None, 16\)\s+│\s+48 │", out)
    assert re.search(r"│ layer_normalization\s+│ \(None, 16\)\s+│\s+32 │", out)
    trainable = 3 * 16 + 2 * 16 + 16 + 2 * 16 + 17
    assert f" Trainable params: {trainable} (" in out
    assert " Non-trainable params: 64 (512.00 B)" in out
    assert f" Total params: {trainable + 64} (" in out
    table = [line for line in out.splitlines() if line[:1] in "┏┃┡│├└"]
    assert len({len(line) for line in table}) == 1  # wrapping keeps the widths
    assert model.count_non_trainable() == 64 and model.count_params() == trainable


# -- persistence --------------------------------------------------------------------


def _saved_model(tmp_path):
    X, y = _xy(n=40, seed=15)
    model = Model(
        [
            DenseBlock(6, use_bias=False),
            BatchNormalization(momentum=0.8),
            Activation(LeakyReLU(negative_slope=0.1)),
            LayerNormalization(center=False),
            DenseBlock(1, "sigmoid"),
        ],
        name="normed",
    )
    model.compile("adam", "binary_crossentropy", alpha=0.01)
    model.fit(X, y, batch_size=8, epochs=2, random_state=0)
    path = tmp_path / "normed.npz"
    save(model, path)
    return model, path, X, y


def test_persistence_round_trip_continues_training_identically(tmp_path):
    model, path, X, y = _saved_model(tmp_path)
    loaded = load(path)
    assert [type(lay) for lay in loaded.layers] == [type(lay) for lay in model.layers]
    assert loaded.layers[2].activation == LeakyReLU(negative_slope=0.1)
    for a, b in zip(model.layers, loaded.layers):
        assert a.get_config() == b.get_config()
        for k in a.state:
            np.testing.assert_array_equal(a.state[k], b.state[k])
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    for m in (model, loaded):
        m.fit(X, y, batch_size=8, epochs=2, random_state=1)
    np.testing.assert_array_equal(loaded.params, model.params)
    for k in ("moving_mean", "moving_variance"):
        np.testing.assert_array_equal(
            loaded.layers[1].state[k], model.layers[1].state[k]
        )


def _rewrite(path, mutate_doc=None, mutate_arrays=None):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    doc = json.loads(arrays.pop(META).tobytes())
    if mutate_doc is not None:
        mutate_doc(doc)
    if mutate_arrays is not None:
        mutate_arrays(arrays, doc)
    arrays[META] = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _set_state(name, index, value):
    def mutate(arrays, doc):
        key = doc["content"]["model"]["layers"][1]["state"][name]["key"]
        arr = arrays[key].copy()
        arr[index] = value
        arrays[key] = arr

    return mutate


@pytest.mark.parametrize(
    "mutate, match",
    [
        (_set_state("moving_variance", 2, -0.5), "moving_variance holds negative"),
        (_set_state("moving_variance", 0, np.inf), "moving_variance holds non-finite"),
        (_set_state("moving_mean", 1, np.nan), "moving_mean holds non-finite"),
    ],
)
def test_invalid_moving_statistics_are_refused(tmp_path, mutate, match):
    _, path, _, _ = _saved_model(tmp_path)
    _rewrite(path, mutate_arrays=mutate)
    with pytest.raises(
        ValueError, match=rf"layers\[1\]: invalid non-trainable state: {match}"
    ):
        load(path)


def test_zero_moving_variance_is_accepted(tmp_path):
    """A constant feature has variance 0; epsilon > 0 keeps it usable."""
    _, path, X, _ = _saved_model(tmp_path)
    _rewrite(path, mutate_arrays=_set_state("moving_variance", 0, 0.0))
    loaded = load(path)
    assert loaded.layers[1].state["moving_variance"][0] == 0
    assert np.isfinite(loaded.predict(X)).all()


@pytest.mark.parametrize(
    "layer, key, value, match",
    [
        (1, "momentum", 2.0, "invalid BatchNormalization configuration: momentum"),
        (1, "epsilon", 0.0, "invalid BatchNormalization configuration: epsilon"),
        (3, "epsilon", -1.0, "invalid LayerNormalization configuration: epsilon"),
        (1, "center", "no", "invalid BatchNormalization configuration: center"),
        (1, "renorm", True, "unknown BatchNormalization argument 'renorm'"),
    ],
)
def test_invalid_configuration_is_refused(tmp_path, layer, key, value, match):
    _, path, _, _ = _saved_model(tmp_path)

    def mutate(doc):
        doc["content"]["model"]["layers"][layer]["config"][key] = value

    _rewrite(path, mutate_doc=mutate)
    with pytest.raises(ValueError, match=match):
        load(path)


def test_missing_or_misshapen_state_is_refused(tmp_path):
    _, path, _, _ = _saved_model(tmp_path)
    _rewrite(
        path,
        mutate_doc=lambda d: d["content"]["model"]["layers"][1]["state"].pop(
            "moving_mean"
        ),
    )
    with pytest.raises(ValueError, match="non-trainable arrays .* do not match"):
        load(path)
    _, path, _, _ = _saved_model(tmp_path)

    def shorter(arrays, doc):
        key = doc["content"]["model"]["layers"][1]["state"]["moving_variance"]["key"]
        arrays[key] = arrays[key][:3]

    _rewrite(path, mutate_arrays=shorter)
    with pytest.raises(ValueError, match="'moving_variance' has shape"):
        load(path)


# -- behaviour: a deep sigmoid network ------------------------------------------------


def _deep_sigmoid_net(batch_norm, depth=8, width=16):
    model = Model(input_dim=2)
    for _ in range(depth):
        if batch_norm:
            model.add(DenseBlock(width, use_bias=False))
            model.add(BatchNormalization(momentum=0.9))
            model.add(Activation("sigmoid"))
        else:
            model.add(DenseBlock(width, "sigmoid"))
    model.add(DenseBlock(1, "sigmoid"))
    return model.compile(SGD(0.1, momentum=0.9), "binary_crossentropy")


def test_batch_norm_trains_a_deep_sigmoid_network_that_does_not_train_without():
    """Eight sigmoid layers: without batch norm the gradients vanish and the
    network stays at chance on XOR quadrants; with it, it learns them."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.float64)
    X_train, y_train, X_test, y_test = X[:400], y[:400], X[400:], y[400:]
    results = {}
    for batch_norm in (False, True):
        model = _deep_sigmoid_net(batch_norm)
        model.fit(X_train, y_train, batch_size=32, epochs=40, random_state=0)
        accuracy = np.mean((model.predict(X_test)[:, 0] > 0.5) == y_test)
        results[batch_norm] = (model.evaluate(X_test, y_test), accuracy)
    (loss_plain, acc_plain), (loss_bn, acc_bn) = results[False], results[True]
    # (seeds 0-3 give 0.69-0.70 and 0.48-0.58 without, 0.16-0.21 and 0.92-0.95 with)
    assert loss_plain > 0.68 and acc_plain < 0.65  # log(2) = 0.693: chance
    assert loss_bn < 0.35 and acc_bn > 0.85


# -- bias-corrected moving statistics ---------------------------------------------


def test_debiased_statistics_are_the_batch_statistics_after_one_step():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(50, 4))
    bn = BatchNormalization(momentum=0.99, debias=True).build(4)
    bn(X, training=True)
    np.testing.assert_allclose(bn.state["moving_mean"], X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.state["moving_variance"], X.var(axis=0), rtol=1e-12)
    assert bn.state["steps"][0] == 1


def test_debiased_statistics_are_the_corrected_moving_averages():
    rng = np.random.default_rng(1)
    batches = [rng.normal(k, 1.0 + k, size=(20, 3)) for k in range(7)]
    p = 0.9
    plain = BatchNormalization(momentum=p).build(3)
    debiased = BatchNormalization(momentum=p, debias=True).build(3)
    for X in batches:
        plain(X, training=True)
        debiased(X, training=True)
    t = len(batches)
    # m_t / (1 - p^t) for the mean started at 0; (v_t - p^t) / (1 - p^t) for
    # the variance started at 1
    np.testing.assert_allclose(
        debiased.state["moving_mean"], plain.state["moving_mean"] / (1 - p**t)
    )
    np.testing.assert_allclose(
        debiased.state["moving_variance"],
        (plain.state["moving_variance"] - p**t) / (1 - p**t),
    )
    assert debiased.count_non_trainable(3) == 7  # two statistics and the count


def test_debias_round_trips_through_config_pickle_and_file(tmp_path):
    import pickle

    from sknetscratch import DenseBlock, Model, load, save

    bn = BatchNormalization(momentum=0.8, debias=True)
    assert BatchNormalization(**bn.get_config()).get_config() == bn.get_config()
    model = Model([DenseBlock(4, use_bias=False), bn, DenseBlock(1, "sigmoid")])
    model.compile("adam")
    X = np.random.default_rng(2).normal(size=(30, 3))
    model.fit(X, (X[:, 0] > 0).astype(int), epochs=2, batch_size=10, random_state=0)
    assert model.layers[1].state["steps"][0] == 6
    save(model, tmp_path / "m.npz")
    for clone in (pickle.loads(pickle.dumps(model)), load(tmp_path / "m.npz")):
        assert clone.layers[1].debias
        np.testing.assert_array_equal(clone.layers[1].state["steps"], [6.0])
        np.testing.assert_array_equal(clone.predict(X), model.predict(X))
    with pytest.raises(TypeError, match="debias"):
        BatchNormalization(debias="yes")


def test_a_deep_batch_norm_classifier_predicts_as_it_trains():
    """The issue's case: with Keras' statistics (momentum 0.99 from 0 and 1)
    this network scored 0.627, the majority class, after a training loss of
    0.14; the estimators' debiased statistics predict as the network trained."""
    import warnings

    from sklearn.datasets import load_breast_cancer
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.preprocessing import StandardScaler

    from sknetscratch import ScratchMLPClassifier

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = ScratchMLPClassifier(
        hidden_layer_sizes=(32,) * 8,
        activation="logistic",
        batch_norm=True,
        max_iter=60,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) >= 0.95


def test_early_stopping_restores_the_batch_norm_statistics_of_the_best_epoch():
    import warnings

    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    from sknetscratch import Callback, ScratchMLPClassifier

    class Record(Callback):
        def __init__(self):
            super().__init__()
            self.scores, self.means, self.weights = [], [], []

        def on_epoch_end(self, epoch, logs=None):
            self.scores.append(logs["val_score"])
            self.means.append(self.model.layers[1].state["moving_mean"].copy())
            self.weights.append(self.model.params.copy())

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    record = Record()
    clf = ScratchMLPClassifier(
        (16,),
        batch_norm=True,
        early_stopping=True,
        n_iter_no_change=3,
        learning_rate_init=0.05,
        max_iter=40,
        callbacks=[record],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    best = int(np.argmax(record.scores))
    assert best < len(record.scores) - 1  # stopped after epochs that scored worse
    np.testing.assert_array_equal(clf.model_.params, record.weights[best])
    np.testing.assert_array_equal(
        clf.model_.layers[1].state["moving_mean"], record.means[best]
    )
